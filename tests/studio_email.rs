//! The studio's Email screen in a real browser (Debian's chromium through chromedriver),
//! against the tests' real SMTP server on 127.0.0.1: fill in the mail server, send a test
//! to me, confirm and send to all while the counts climb, stop and go on, restart the studio
//! and read the ledger's state (a failure with its code, an unknown row to resend), then
//! `lettermerge send` on the same folder sends nothing twice. Screens go to
//! target/studio-screens/email-*.png.

mod common;
#[path = "support/smtp_server.rs"]
mod smtp_server;
#[path = "support/studio.rs"]
mod studio;
#[path = "support/webdriver.rs"]
mod webdriver;

use smtp_server::{Encryption, Options, TestServer};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};
use studio::Studio;
use webdriver::Browser;

fn screens() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/studio-screens")
}

fn browser() -> Browser {
    // A browser test that passes without a browser would prove nothing: scripts/test
    // installs chromium and chromium-driver, so a missing one is a failure.
    Browser::start().unwrap_or_else(|| {
        panic!("chromedriver or chromium is not installed; scripts/test installs them (apt-get install chromium chromium-driver)")
    })
}

/// How many stored messages have this exact To header (not a test's note of the address it
/// was meant for).
fn messages_to(server: &TestServer, address: &str) -> usize {
    let line = format!("\nTo: {address}\r\n");
    server
        .messages()
        .iter()
        .filter(|m| String::from_utf8_lossy(m).contains(&line))
        .count()
}

/// Adds two rows like O'Brien's to the sample list: one the server refuses for good (550),
/// one whose connection it drops after taking the message (the delivery is unknown).
fn add_awkward_rows(dir: &Path) {
    let path = dir.join("officials.csv");
    let mut csv = std::fs::read_to_string(&path).unwrap();
    let line = csv
        .lines()
        .find(|l| l.contains("margaret.obrien@house.example"))
        .expect("O'Brien's row in the sample")
        .to_string();
    if !csv.ends_with('\n') {
        csv.push('\n');
    }
    for (first, email) in [
        ("Refused", "reject550.refused@house.example"),
        ("Dropped", "dropdata.dropped@house.example"),
    ] {
        csv.push_str(
            &line
                .replace("Margaret", first)
                .replace("margaret.obrien@house.example", email),
        );
        csv.push('\n');
    }
    std::fs::write(&path, csv).unwrap();
}

/// Sets a text input to `value`.
fn fill(browser: &Browser, css: &str, value: &str) {
    let input = browser.find(css);
    browser.clear(&input);
    if !value.is_empty() {
        browser.send_keys(&input, value);
    }
}

/// Waits (up to 20 s) until the live count `key` reaches at least `n`; returns it.
fn wait_for_count(browser: &Browser, key: &str, n: u64) -> u64 {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let el = browser.find(&format!("#run [data-k={key}]"));
        let shown: u64 = browser.text(&el).trim().parse().unwrap_or(0);
        if shown >= n {
            return shown;
        }
        assert!(
            Instant::now() < deadline,
            "the {key} count stayed at {shown}; the page shows:\n{}",
            browser.page_text()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// The mail server's rate: fast enough for a test, slow enough to watch and to stop.
const RATE_PER_MINUTE: u64 = 300;

/// The sample list's 21 rows and the two added.
const ROWS: u64 = 23;

#[test]
fn fill_the_server_test_send_stop_resume_restart_and_the_cli_sends_nothing_twice() {
    let server = TestServer::start(Options::new());
    let browser = browser();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("campaign");

    // A campaign started in the studio, as a user does.
    let studio = Studio::start(&dir);
    browser.goto(&studio.url);
    browser.click(&browser.find("form[action='/start'] button"));
    // The start page names officials.csv too: wait for the table.
    browser.wait_for_text("21 rows");
    add_awkward_rows(&dir);

    browser.goto(&format!("{}/email", studio.origin()));
    let text = browser.wait_for_text("Mail server");
    assert!(
        text.contains("Nothing has been sent for this campaign yet"),
        "{text}"
    );
    browser.screenshot(&screens().join("email-1-settings.png"));

    // The [smtp] form, written to lettermerge.toml with its comments kept.
    fill(&browser, "form.smtp-form input[name=host]", "127.0.0.1");
    fill(
        &browser,
        "form.smtp-form input[name=port]",
        &server.port().to_string(),
    );
    browser.click(&browser.find("form.smtp-form select[name=security] option[value=none]"));
    fill(
        &browser,
        "form.smtp-form input[name=rate_per_minute]",
        &RATE_PER_MINUTE.to_string(),
    );
    // A mistake first: the form says what is wrong and writes nothing.
    fill(&browser, "form.smtp-form input[name=from]", "");
    browser.click(&browser.find("form.smtp-form button[type=submit]"));
    browser.wait_for_text("Not saved");
    let config = std::fs::read_to_string(dir.join("lettermerge.toml")).unwrap();
    assert!(config.contains("host = \"smtp.example.org\""), "{config}");
    fill(
        &browser,
        "form.smtp-form input[name=from]",
        "Riverside Library Advocacy <advocacy@example.org>",
    );
    browser.click(&browser.find("form.smtp-form button[type=submit]"));
    browser.wait_for_text("The mail server settings are saved in lettermerge.toml.");
    let config = std::fs::read_to_string(dir.join("lettermerge.toml")).unwrap();
    assert!(config.contains("host = \"127.0.0.1\""), "{config}");
    assert!(
        config.contains(&format!("port = {}", server.port())),
        "{config}"
    );
    assert!(config.contains("security = \"none\""), "{config}");
    assert!(config.contains("rate_per_minute = 300"), "{config}");
    assert!(
        config.contains("# The mail server lettermerge hands each message to."),
        "the comments are kept: {config}"
    );
    assert!(
        config.contains("[offices.\"Parish President\"]"),
        "{config}"
    );
    assert!(!config.to_lowercase().contains("password ="), "{config}");

    // Send a test to me: the first message only, to my address, marked [TEST].
    fill(
        &browser,
        "form.test-form input[name=to]",
        "me@library.example",
    );
    browser.click(&browser.find("form.test-form button[type=submit]"));
    browser.wait_for_text("Sent 1 test message(s) to me@library.example");
    assert_eq!(server.messages().len(), 1);
    let test = String::from_utf8_lossy(&server.messages()[0]).to_string();
    assert!(test.contains("To: me@library.example"), "{test}");
    assert!(test.contains("Subject: [TEST]"), "{test}");
    browser.screenshot(&screens().join("email-2-test-sent.png"));

    // The confirmation says how many go to whom, from whom, through which server.
    browser.goto(&format!("{}/email", studio.origin()));
    browser.click(&browser.find("a[href='/email/confirm']"));
    let text = browser.wait_for_text(&format!("Send {ROWS} messages to these officials?"));
    assert!(text.contains("jose.alvarez-nunez@senate.example"), "{text}");
    assert!(
        text.contains("José Álvarez-Núñez") || text.contains("Álvarez-Núñez"),
        "{text}"
    );
    assert!(text.contains("and 18 more"), "{text}");
    assert!(
        text.contains("Riverside Library Advocacy <advocacy@example.org>"),
        "{text}"
    );
    assert!(
        text.contains(&format!("127.0.0.1:{}", server.port())),
        "{text}"
    );
    assert!(text.contains("300 a minute"), "{text}");
    browser.screenshot(&screens().join("email-3-confirm.png"));

    // Send, watch the counts climb, and stop part way.
    browser.click(&browser.find("form.send-form button[type=submit]"));
    wait_for_count(&browser, "sent", 3);
    browser.screenshot(&screens().join("email-4-sending.png"));
    browser.click(&browser.find("form.stop-form button"));
    let text = browser.wait_for_text("Stopped.");
    let sent_first = messages_to_count(&server) - 1;
    assert!(
        (3..ROWS as usize).contains(&sent_first),
        "stopped after {sent_first}: {text}"
    );
    browser.screenshot(&screens().join("email-5-stopped.png"));

    // Go on: the confirmation counts what went out already, and the rest goes.
    assert!(text.contains("Send stopped"), "{text}");
    browser.click(&browser.find("#run a[href='/email/confirm']"));
    let rest = ROWS as usize - sent_first;
    let text = browser.wait_for_text(&format!("Send {rest} messages"));
    assert!(
        text.contains(&format!("{sent_first} (not sent again)")),
        "{text}"
    );
    browser.click(&browser.find("form.send-form button[type=submit]"));
    let text = browser.wait_for_text("skipped as already sent.");
    assert_eq!(wait_for_count(&browser, "total", ROWS), ROWS, "{text}");
    assert!(
        text.contains("1 failed, 1 unknown"),
        "the refused and the dropped row: {text}"
    );
    browser.screenshot(&screens().join("email-6-done.png"));
    assert_eq!(
        messages_to_count(&server),
        1 + ROWS as usize - 1,
        "{}",
        server.log()
    );
    for address in [
        "jose.alvarez-nunez@senate.example",
        "margaret.obrien@house.example",
        "dropdata.dropped@house.example",
    ] {
        assert_eq!(messages_to(&server, address), 1, "{address}");
    }

    // A restart: the screen reads the ledger the command line uses.
    drop(studio);
    let studio = Studio::start(&dir);
    browser.goto(&studio.url);
    browser.goto(&format!("{}/email", studio.origin()));
    let text = browser.wait_for_text("Send record");
    assert!(
        text.contains(&format!("{} sent · 1 failed · 1 unknown", ROWS - 2)),
        "{text}"
    );
    assert!(text.contains("reject550.refused@house.example"), "{text}");
    assert!(text.contains("550"), "the failure's SMTP code: {text}");
    assert!(text.contains("dropdata.dropped@house.example"), "{text}");
    assert!(text.contains("Resend this message"), "{text}");
    assert!(dir.join("officials.ledger.sqlite").is_file());
    browser.screenshot(&screens().join("email-7-after-restart.png"));

    // The explicit choice to resend the unknown one.
    browser.click(&browser.find("a[href='/email/confirm?resend_unknown=1']"));
    let text = browser.wait_for_text("Send 1 message to this official?");
    assert!(text.contains("dropdata.dropped@house.example"), "{text}");
    browser.screenshot(&screens().join("email-8-resend-unknown.png"));
    browser.click(&browser.find("form.send-form button[type=submit]"));
    browser.wait_for_text("Sent 1 messages, 0 failed, 0 unknown");
    assert_eq!(messages_to(&server, "dropdata.dropped@house.example"), 2);
    let before_cli = server.messages().len();

    // The command line on the same folder: the same ledger, so nothing goes twice.
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_lettermerge"))
        .current_dir(&dir)
        .args([
            "send",
            "--template",
            "welcome.md",
            "--data",
            "officials.csv",
            "--config",
            "lettermerge.toml",
            "--yes",
        ])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(run.status.success(), "{stderr}");
    assert!(
        stderr.contains(&format!(
            "Sent 0 messages, 0 failed, 0 unknown, {} skipped as already sent",
            ROWS - 1
        )),
        "{stderr}"
    );
    assert_eq!(server.messages().len(), before_cli, "the CLI sent nothing");
}

fn messages_to_count(server: &TestServer) -> usize {
    server.messages().len()
}

#[test]
fn a_send_or_stop_without_our_origin_is_refused_and_sends_nothing() {
    let server = TestServer::start(Options::new());
    let tmp = tempfile::tempdir().unwrap();
    let studio = Studio::start(tmp.path());
    let cookie = studio.login();
    let r = studio.post_form("/start", &cookie, "");
    assert_eq!(r.status, 303, "{}", r.body);
    let r = studio.post_form(
        "/email/smtp",
        &cookie,
        &format!(
            "host=127.0.0.1&port={}&security=none&from=a%40library.example",
            server.port()
        ),
    );
    assert_eq!(r.status, 303, "{}", r.body);
    for path in [
        "/email/send",
        "/email/test",
        "/email/stop",
        "/email/smtp",
        "/email/signin",
    ] {
        for origin in ["", "Origin: http://evil.example\r\n"] {
            let r = studio.send(
                &format!(
                    "POST {path} HTTP/1.1\r\nCookie: {cookie}\r\n{origin}Content-Type: application/x-www-form-urlencoded\r\n"
                ),
                b"to=me%40library.example",
            );
            assert_eq!(r.status, 403, "{path} {origin:?}: {}", r.body);
        }
    }
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(server.messages().len(), 0);
    // The page never shows a password, and the form has none to show.
    let page = studio.get("/email", &cookie);
    assert_eq!(page.status, 200);
    assert!(
        !page.body.contains("name=\"password\" value"),
        "{}",
        page.body
    );
}

#[test]
fn the_password_is_asked_in_the_page_used_for_that_send_and_never_written() {
    const PASSWORD: &str = "correct-horse-9";
    let server = TestServer::start(
        Options::new()
            .tls(Encryption::RequireStartTls)
            .auth("advocacy", PASSWORD),
    );
    let browser = browser();
    let tmp = tempfile::tempdir().unwrap();
    let dir = tmp.path().join("campaign");
    let studio = Studio::start(&dir);
    let cookie = studio.login();
    assert_eq!(studio.post_form("/start", &cookie, "").status, 303);
    std::fs::copy(server.ca_file().unwrap(), dir.join("ca.pem")).unwrap();
    // The certificate is set by hand, as the README says; the form keeps it.
    let config = std::fs::read_to_string(dir.join("lettermerge.toml")).unwrap();
    std::fs::write(
        dir.join("lettermerge.toml"),
        config.replace(
            "host = \"smtp.example.org\"",
            "host = \"smtp.example.org\"\nca_file = \"ca.pem\"",
        ),
    )
    .unwrap();

    browser.goto(&studio.url);
    browser.goto(&format!("{}/email", studio.origin()));
    browser.wait_for_text("Mail server");
    fill(&browser, "form.smtp-form input[name=host]", "localhost");
    fill(
        &browser,
        "form.smtp-form input[name=port]",
        &server.port().to_string(),
    );
    fill(&browser, "form.smtp-form input[name=username]", "advocacy");
    browser.click(&browser.find("form.smtp-form button[type=submit]"));
    browser.wait_for_text("saved in lettermerge.toml");

    // A wrong password: the server says no, the page says so, nothing is sent.
    fill(
        &browser,
        "form.test-form input[name=to]",
        "me@library.example",
    );
    fill(&browser, "form.test-form input[name=password]", "wrong-one");
    browser.click(&browser.find("form.test-form button[type=submit]"));
    let text = browser.wait_for_text("The test to me@library.example failed");
    assert!(text.to_lowercase().contains("auth"), "{text}");
    assert!(!text.contains("wrong-one"), "{text}");
    assert!(server.messages().is_empty());

    fill(
        &browser,
        "form.test-form input[name=to]",
        "me@library.example",
    );
    fill(&browser, "form.test-form input[name=password]", PASSWORD);
    browser.click(&browser.find("form.test-form button[type=submit]"));
    browser.wait_for_text("Test sent to me@library.example");
    assert_eq!(server.messages().len(), 1);
    browser.screenshot(&screens().join("email-9-login.png"));

    // The password is in no file of the campaign and on no page.
    let page = studio.get("/email", &cookie);
    assert!(!page.body.contains(PASSWORD));
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            let bytes = std::fs::read(&path).unwrap();
            assert!(
                !String::from_utf8_lossy(&bytes).contains(PASSWORD),
                "{} holds the password",
                path.display()
            );
        }
    }
    let config = std::fs::read_to_string(dir.join("lettermerge.toml")).unwrap();
    assert!(config.contains("ca_file = \"ca.pem\""), "{config}");
    assert!(config.contains("username = \"advocacy\""), "{config}");
}

/// Reads /email until the run panel says the run is over; returns the page.
fn wait_for_run_end(studio: &Studio, cookie: &str) -> String {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let page = studio.get("/email", cookie).body;
        if page.contains("run-done") || page.contains("run-failed") {
            return page;
        }
        assert!(Instant::now() < deadline, "the run never ended:\n{page}");
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn rows_with_problems_go_only_when_the_user_leaves_them_out() {
    let server = TestServer::start(Options::new());
    let tmp = tempfile::tempdir().unwrap();
    let studio = Studio::start(tmp.path());
    let cookie = studio.login();
    let page = studio.get("/email", &cookie);
    assert!(page.body.contains("No campaign here yet"), "{}", page.body);
    assert_eq!(studio.post_form("/start", &cookie, "").status, 303);
    let data = tmp.path().join("officials.csv");
    let csv = std::fs::read_to_string(&data).unwrap();
    std::fs::write(
        &data,
        csv.replace("margaret.obrien@house.example", "not-an-address"),
    )
    .unwrap();
    let r = studio.post_form(
        "/email/smtp",
        &cookie,
        &format!(
            "host=127.0.0.1&port={}&security=none&auth=password&from=Advocacy+%3Ca%40library.example%3E",
            server.port()
        ),
    );
    assert_eq!(r.status, 303, "{}", r.body);
    let config = std::fs::read_to_string(tmp.path().join("lettermerge.toml")).unwrap();
    assert!(
        !config.contains("\nauth = "),
        "the default choice adds no line: {config}"
    );

    let confirm = studio.get("/email/confirm", &cookie).body;
    assert!(confirm.contains("Send 20 messages"), "{confirm}");
    assert!(confirm.contains("1 rows have problems"), "{confirm}");
    assert!(
        confirm.contains(r#"name="skip_invalid" value="1" required"#),
        "{confirm}"
    );

    // Without the choice (a form sent by hand), the engine refuses as the CLI does.
    assert_eq!(studio.post_form("/email/send", &cookie, "").status, 303);
    let page = wait_for_run_end(&studio, &cookie);
    assert!(
        page.contains("rows have problems, so no message was sent"),
        "{page}"
    );
    assert!(server.messages().is_empty());

    assert_eq!(
        studio
            .post_form("/email/send", &cookie, "skip_invalid=1")
            .status,
        303
    );
    let page = wait_for_run_end(&studio, &cookie);
    assert!(page.contains("Sent 20 messages, 0 failed"), "{page}");
    assert_eq!(server.messages().len(), 20);

    // The row mended and the letter edited since: the rest goes with the new letter only
    // when the user says so.
    std::fs::write(&data, &csv).unwrap();
    let template = tmp.path().join("welcome.md");
    let mut letter = std::fs::read_to_string(&template).unwrap();
    letter.push_str("\nA line added after the first messages went out.\n");
    std::fs::write(&template, letter).unwrap();
    let confirm = studio.get("/email/confirm", &cookie).body;
    assert!(
        confirm.contains("Send 1 message to this official?"),
        "{confirm}"
    );
    assert!(
        confirm.contains("margaret.obrien@house.example"),
        "{confirm}"
    );
    assert!(
        confirm.contains(r#"name="allow_template_change" value="1" required"#),
        "{confirm}"
    );
    assert_eq!(studio.post_form("/email/send", &cookie, "").status, 303);
    let page = wait_for_run_end(&studio, &cookie);
    assert!(page.contains("changed since campaign"), "{page}");
    assert_eq!(server.messages().len(), 20);
    assert_eq!(
        studio
            .post_form("/email/send", &cookie, "allow_template_change=1")
            .status,
        303
    );
    let page = wait_for_run_end(&studio, &cookie);
    assert!(
        page.contains("Sent 1 messages, 0 failed, 0 unknown, 20 skipped"),
        "{page}"
    );
    assert_eq!(server.messages().len(), 21);
}
