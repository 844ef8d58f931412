//! `lettermerge send` and `lettermerge status` through the real binary, against a real SMTP
//! server (aiosmtpd, tests/smtp_server.py) on 127.0.0.1 and a real SQLite ledger.

mod common;
#[path = "support/smtp_server.rs"]
mod smtp_server;

use common::Workdir;
use smtp_server::{Encryption, Options, TestServer};
use std::process::{Command, Stdio};

const TEMPLATE: &str = r#"---
to: "{{email}}"
cc: "{{cc}}"
subject: "Welcome to office, {{title}} {{last_name}}"
salutation: "Dear {{title}} {{last_name}}:"
date: "January 12, 2026"
filename: "{{last_name}}"
address: |
  {{first_name}} {{last_name}}
  1 Capitol Way
signature:
  name: Jordan A. Reyes
---
Congratulations on your election. Your note: {{note}}
"#;

const HEADER: &str = "first_name,last_name,title,email,cc,note\n";

fn data(rows: &[&str]) -> String {
    let mut s = HEADER.to_string();
    for r in rows {
        s.push_str(r);
        s.push('\n');
    }
    s
}

/// A campaign folder: template, data and a config pointing at `server`.
fn campaign(server: &TestServer, extra_config: &str, rows: &[&str]) -> Workdir {
    let w = Workdir::new();
    w.file("t.md", TEMPLATE);
    w.file("d.csv", data(rows));
    let mut config = format!(
        "[smtp]\nhost = \"localhost\"\nport = {}\nfrom = \"Library Advocacy <advocacy@library.example>\"\n\
         timeout_s = 5\nretry_delay_ms = 50\n",
        server.port()
    );
    match server.ca_file() {
        Some(ca) => {
            std::fs::copy(ca, w.join("ca.pem")).unwrap();
            config.push_str(
                "security = \"starttls\"\nca_file = \"ca.pem\"\nusername = \"advocacy\"\n",
            );
        }
        None => config.push_str("security = \"none\"\n"),
    }
    config.push_str(extra_config);
    w.file("lettermerge.toml", config);
    w
}

fn send(w: &Workdir, extra: &[&str]) -> common::Run {
    send_env(w, extra, &[("LETTERMERGE_SMTP_PASSWORD", "s3cret")])
}

/// `send` with only these environment variables set (none: the password must come from
/// `password_command`).
fn send_env(w: &Workdir, extra: &[&str], env: &[(&str, &str)]) -> common::Run {
    let mut args = vec![
        "send",
        "-t",
        "t.md",
        "-d",
        "d.csv",
        "-c",
        "lettermerge.toml",
    ];
    args.extend_from_slice(extra);
    w.run_env(&args, env)
}

fn messages_to(server: &TestServer, address: &str) -> usize {
    server
        .messages()
        .iter()
        .filter(|m| String::from_utf8_lossy(m).contains(&format!("To: {address}")))
        .count()
}

#[test]
fn every_message_arrives_once_over_starttls_with_auth_and_a_rerun_sends_nothing() {
    let server = TestServer::start(
        Options::new()
            .tls(Encryption::RequireStartTls)
            .auth("advocacy", "s3cret"),
    );
    let w = campaign(
        &server,
        "",
        &[
            "Zoë,O'Brien,Senator,zoe@senate.example,aide@senate.example,*Star*",
            "José,García,Mayor,jose@city.example,,<script>",
            "Ann,Lee,Delegate,ann@house.example,,plain",
        ],
    );
    let run = send(&w, &["--yes"]);
    run.expect_code(0);
    assert!(run.stderr.contains("Sent 3 messages"), "{}", run.stderr);
    let messages = server.messages();
    assert_eq!(messages.len(), 3);
    assert_eq!(
        server.connections(),
        1,
        "one connection reused: {}",
        server.log()
    );
    let first = String::from_utf8_lossy(&messages[0]).to_string();
    assert!(first.contains("To: zoe@senate.example"), "{first}");
    assert!(first.contains("Cc: aide@senate.example"), "{first}");
    assert!(
        first.contains("Subject: Welcome to office, Senator O'Brien"),
        "{first}"
    );
    assert!(first.contains("multipart/alternative"), "{first}");
    assert!(
        first.contains("text/plain") && first.contains("text/html"),
        "{first}"
    );
    assert!(first.contains("Message-ID: <lm."), "{first}");
    // Each Cc is delivered in the same message, not as a second one.
    assert_eq!(messages_to(&server, "zoe@senate.example"), 1);

    let again = send(&w, &["--yes"]);
    again.expect_code(0);
    assert!(
        again.stderr.contains("3 skipped as already sent"),
        "{}",
        again.stderr
    );
    assert_eq!(server.messages().len(), 3, "a rerun sends nothing twice");

    let status = w.run(&["status", "--ledger", "d.ledger.sqlite"]);
    status.expect_code(0);
    assert!(status.stdout.contains("3 sent"), "{}", status.stdout);
}

#[test]
fn tempfails_are_retried_rejections_fail_and_the_run_finishes() {
    let server = TestServer::start(Options::new());
    let w = campaign(
        &server,
        "",
        &[
            "A,One,Mayor,tempfail451.one@x.example,,a",
            "B,Two,Mayor,reject550.two@x.example,,b",
            "C,Three,Mayor,data554.three@x.example,,c",
            "D,Four,Mayor,down421.four@x.example,,d",
            "E,Five,Mayor,five@x.example,reject550.cc@x.example,e",
        ],
    );
    let run = send(&w, &["--yes"]);
    run.expect_code(1);
    assert!(
        run.stderr.contains("Sent 3 messages, 2 failed"),
        "{}",
        run.stderr
    );
    assert_eq!(messages_to(&server, "tempfail451.one@x.example"), 1);
    assert_eq!(messages_to(&server, "down421.four@x.example"), 1);
    assert_eq!(messages_to(&server, "five@x.example"), 1);
    assert!(
        run.stderr.contains("d.csv row 3") && run.stderr.contains("550"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("reject550.cc@x.example"),
        "the refused Cc is reported: {}",
        run.stderr
    );

    let csv_path = w.join("failures.csv");
    w.run(&[
        "status",
        "--ledger",
        "d.ledger.sqlite",
        "--failures",
        "failures.csv",
    ])
    .expect_code(0);
    let failures = std::fs::read_to_string(csv_path).unwrap();
    assert!(
        failures.contains("550") && failures.contains("554"),
        "{failures}"
    );
    assert_eq!(failures.lines().count(), 3, "{failures}");
}

#[test]
fn a_connection_dropped_after_data_leaves_the_row_unknown_and_it_is_not_resent() {
    let server = TestServer::start(Options::new());
    let w = campaign(
        &server,
        "",
        &[
            "A,One,Mayor,dropdata.one@x.example,,a",
            "B,Two,Mayor,two@x.example,,b",
        ],
    );
    let run = send(&w, &["--yes"]);
    run.expect_code(1);
    assert!(run.stderr.contains("1 unknown"), "{}", run.stderr);
    assert_eq!(messages_to(&server, "two@x.example"), 1, "the run went on");
    let again = send(&w, &["--yes"]);
    assert!(
        again.stderr.contains("not resending 1 rows"),
        "{}",
        again.stderr
    );
    assert_eq!(
        messages_to(&server, "dropdata.one@x.example"),
        1,
        "never resent by itself"
    );
    let status = w.run(&["status", "--ledger", "d.ledger.sqlite"]);
    assert!(status.stdout.contains("1 unknown"), "{}", status.stdout);
}

#[test]
fn a_run_killed_mid_batch_then_rerun_delivers_every_message_exactly_once() {
    let server = TestServer::start(Options::new());
    let rows: Vec<String> = (0..40)
        .map(|i| format!("P{i},Person{i},Mayor,p{i}@x.example,,n"))
        .collect();
    let rows: Vec<&str> = rows.iter().map(String::as_str).collect();
    let w = campaign(&server, "rate_per_minute = 600\n", &rows);
    let mut child = Command::new(env!("CARGO_BIN_EXE_lettermerge"))
        .args([
            "send",
            "-t",
            "t.md",
            "-d",
            "d.csv",
            "-c",
            "lettermerge.toml",
            "--yes",
        ])
        .current_dir(w.path())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    // 600/min is one message every 100 ms: kill it part-way.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    while server.messages().len() < 8 && std::time::Instant::now() < deadline {
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    let before = server.messages().len();
    assert!((8..40).contains(&before), "killed mid-batch after {before}");

    // A plain rerun sends every row the ledger does not hold as sent or unknown, exactly
    // once. A row killed between the server's acceptance and its `sent` mark is `unknown`
    // (the server may or may not have it): it is not sent again without being asked.
    let rerun = send(&w, &["--yes", "--rate", "100000/min"]);
    let counts: Vec<usize> = (0..40)
        .map(|i| messages_to(&server, &format!("p{i}@x.example")))
        .collect();
    assert!(
        counts.iter().all(|&n| n <= 1),
        "a row sent twice by a plain rerun: {counts:?}\n{}",
        rerun.stderr
    );
    let missing: Vec<usize> = (0..40).filter(|&i| counts[i] == 0).collect();
    // Only the rows in flight when the kill came can be unknown (at most the message whose
    // data was out and the envelope sent ahead of the next).
    assert!(
        missing.len() <= 2,
        "rows never sent: {missing:?}\n{}",
        rerun.stderr
    );

    // --resend-unknown sends those (and only those) again; every row now has its message,
    // and no row that was already recorded sent gets a second one.
    let run = send(&w, &["--yes", "--resend-unknown", "--rate", "100000/min"]);
    run.expect_code(0);
    let after: Vec<usize> = (0..40)
        .map(|i| messages_to(&server, &format!("p{i}@x.example")))
        .collect();
    assert!(
        after.iter().all(|&n| (1..=2).contains(&n)),
        "every row once, an unknown one at most twice: {after:?}\n{}",
        run.stderr
    );
    // The unknown rows (in flight at the kill) are the only ones resent: those the server
    // had already (now twice) and those it had not (now once).
    let twice = after.iter().filter(|&&n| n == 2).count();
    assert!(
        twice + missing.len() <= 2,
        "more rows resent than were in flight: {after:?}\n{}",
        run.stderr
    );
}

#[test]
fn the_rate_limit_holds() {
    let server = TestServer::start(Options::new());
    let w = campaign(
        &server,
        "",
        &[
            "A,One,Mayor,a@x.example,,a",
            "B,Two,Mayor,b@x.example,,b",
            "C,Three,Mayor,c@x.example,,c",
            "D,Four,Mayor,d@x.example,,d",
        ],
    );
    let started = std::time::Instant::now();
    send(&w, &["--yes", "--rate", "2/s"]).expect_code(0);
    let took = started.elapsed().as_secs_f64();
    assert!(
        took >= 1.4,
        "4 messages at 2/s take at least 1.5 s, took {took}"
    );
    assert_eq!(server.messages().len(), 4);
}

#[test]
fn wrong_credentials_and_untrusted_certificates_stop_the_run() {
    let server = TestServer::start(
        Options::new()
            .tls(Encryption::RequireStartTls)
            .auth("advocacy", "right"),
    );
    let w = campaign(&server, "", &["A,One,Mayor,a@x.example,,a"]);
    let run = send(&w, &["--yes"]);
    run.expect_code(2);
    assert!(run.stderr.to_lowercase().contains("auth"), "{}", run.stderr);
    assert!(
        !run.stderr.contains("s3cret"),
        "the password never shows: {}",
        run.stderr
    );
    assert!(server.messages().is_empty());

    // Without ca_file the server's certificate is not trusted.
    let config = std::fs::read_to_string(w.join("lettermerge.toml")).unwrap();
    w.file(
        "lettermerge.toml",
        config.replace("ca_file = \"ca.pem\"\n", ""),
    );
    let run = send(&w, &["--yes"]);
    run.expect_code(2);
    assert!(run.stderr.contains("not trusted"), "{}", run.stderr);
}

#[test]
fn a_header_injection_row_is_refused_before_anything_is_sent() {
    let server = TestServer::start(Options::new());
    let w = campaign(
        &server,
        "",
        &[
            "A,One,Mayor,a@x.example,,fine",
            "B,Two,Mayor,\"b@x.example\nBcc: victim@evil.example\",,bad",
        ],
    );
    let run = send(&w, &["--yes"]);
    run.expect_code(1);
    assert!(run.stderr.contains("d.csv row 3"), "{}", run.stderr);
    assert!(run.stderr.contains("no message was sent"), "{}", run.stderr);
    assert!(server.messages().is_empty());
    assert_eq!(server.connections(), 0, "not even a connection");
}

#[test]
fn skip_invalid_sends_the_good_rows_names_the_refused_one_and_records_it_unsent() {
    let server = TestServer::start(Options::new());
    let w = campaign(
        &server,
        "",
        &[
            "A,One,Mayor,a@x.example,,fine",
            "B,Two,Mayor,not-an-address,,bad",
            "C,Three,Mayor,c@x.example,,fine",
        ],
    );
    let run = send(&w, &["--yes", "--skip-invalid"]);
    run.expect_code(1);
    assert!(run.stderr.contains("d.csv row 3"), "{}", run.stderr);
    assert!(run.stderr.contains("Sent 2 messages"), "{}", run.stderr);
    assert_eq!(messages_to(&server, "a@x.example"), 1);
    assert_eq!(messages_to(&server, "c@x.example"), 1);
    assert_eq!(server.messages().len(), 2);
    // With the address fixed, a rerun sends that row and only that row.
    w.file(
        "d.csv",
        data(&[
            "A,One,Mayor,a@x.example,,fine",
            "B,Two,Mayor,b@x.example,,bad",
            "C,Three,Mayor,c@x.example,,fine",
        ]),
    );
    send(&w, &["--yes"]).expect_code(0);
    assert_eq!(messages_to(&server, "b@x.example"), 1);
    assert_eq!(server.messages().len(), 3, "{}", server.log());
}

#[test]
fn dry_run_renders_without_connecting_and_never_says_sent() {
    let server = TestServer::start(Options::new());
    let w = campaign(
        &server,
        "",
        &["A,One,Mayor,a@x.example,,a", "B,Two,Mayor,b@x.example,,b"],
    );
    let run = send(&w, &["--dry-run"]);
    run.expect_code(0);
    assert!(run.stdout.contains("To: a@x.example") && run.stdout.contains("To: b@x.example"));
    assert!(
        !run.stdout.to_lowercase().contains("sent") && !run.stderr.to_lowercase().contains("sent")
    );
    let run = send(&w, &["--dry-run", "outbox", "--attach-pdf"]);
    run.expect_code(0);
    assert_eq!(w.list("outbox"), ["row-00002.eml", "row-00003.eml"]);
    let eml = std::fs::read_to_string(w.join("outbox/row-00002.eml")).unwrap();
    assert!(
        eml.contains("application/pdf") && eml.contains("One.pdf"),
        "{eml}"
    );
    assert_eq!(server.connections(), 0);

    let test = send(&w, &["--test-to", "me@library.example"]);
    test.expect_code(0);
    let messages = server.messages();
    assert_eq!(messages.len(), 1);
    let m = String::from_utf8_lossy(&messages[0]);
    assert!(
        m.contains("Subject: [TEST]") && m.contains("To: me@library.example"),
        "{m}"
    );
    assert!(
        !w.join("d.ledger.sqlite").exists(),
        "a test run records nothing"
    );
}

#[test]
fn an_xoauth2_token_from_password_command_logs_in() {
    let server = TestServer::start(
        Options::new()
            .tls(Encryption::RequireStartTls)
            .auth("advocacy", "ya29.token-from-command"),
    );
    let w = campaign(
        &server,
        "auth = \"xoauth2\"\npassword_command = \"printf 'ya29.token-from-command\\\\nsecond line ignored\\\\n'\"\n",
        &["A,One,Mayor,a@x.example,,a"],
    );
    // No LETTERMERGE_SMTP_PASSWORD: the token comes from the command.
    let run = send_env(&w, &["--yes"], &[]);
    run.expect_code(0);
    assert_eq!(messages_to(&server, "a@x.example"), 1, "{}", run.stderr);
    let auth = server.events_named("auth");
    assert_eq!(auth.len(), 1, "{auth:?}");
    assert_eq!(auth[0]["mechanism"], "XOAUTH2");
    assert_eq!(auth[0]["ok"], true);
    assert!(
        !run.stderr.contains("ya29"),
        "the token never shows: {}",
        run.stderr
    );
}

#[test]
fn a_failing_password_command_stops_before_any_message() {
    let server = TestServer::start(
        Options::new()
            .tls(Encryption::RequireStartTls)
            .auth("advocacy", "right"),
    );
    let w = campaign(
        &server,
        // Prints "hunter-two" (which the command's own text does not contain), then fails.
        "password_command = \"printf 'hunter-%s' two; exit 3\"\n",
        &["A,One,Mayor,a@x.example,,a"],
    );
    let run = send_env(&w, &["--yes"], &[]);
    run.expect_code(2);
    assert!(run.stderr.contains("password_command"), "{}", run.stderr);
    assert!(
        !run.stderr.contains("hunter-two"),
        "its output may hold the secret: {}",
        run.stderr
    );
    assert!(server.messages().is_empty());
}

#[test]
fn a_reply_slower_than_timeout_s_leaves_the_row_unknown_and_the_run_goes_on() {
    let server = TestServer::start(Options::new().slow_seconds(3.0));
    let w = campaign(
        &server,
        "",
        &[
            "A,One,Mayor,slow.one@x.example,,a",
            "B,Two,Mayor,two@x.example,,b",
        ],
    );
    let config = std::fs::read_to_string(w.join("lettermerge.toml")).unwrap();
    w.file(
        "lettermerge.toml",
        config.replace("timeout_s = 5", "timeout_s = 1"),
    );
    let started = std::time::Instant::now();
    let run = send(&w, &["--yes"]);
    let took = started.elapsed().as_secs_f64();
    run.expect_code(1);
    assert!(
        run.stderr.contains("no answer within 1 s"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("1 unknown"), "{}", run.stderr);
    assert!(
        took < 2.9,
        "gave up after the 1 s timeout, not the 3 s reply: {took}"
    );
    assert_eq!(messages_to(&server, "two@x.example"), 1, "the run went on");
    let status = w.run(&["status", "--ledger", "d.ledger.sqlite"]);
    assert!(status.stdout.contains("1 unknown"), "{}", status.stdout);
    assert!(status.stdout.contains("1 sent"), "{}", status.stdout);
}

#[test]
fn max_per_day_stops_the_run_and_holds_across_runs() {
    let server = TestServer::start(Options::new());
    let w = campaign(
        &server,
        "max_per_day = 2\n",
        &[
            "A,One,Mayor,a@x.example,,a",
            "B,Two,Mayor,b@x.example,,b",
            "C,Three,Mayor,c@x.example,,c",
        ],
    );
    let run = send(&w, &["--yes"]);
    run.expect_code(1);
    assert!(run.stderr.contains("daily cap of 2"), "{}", run.stderr);
    assert_eq!(server.messages().len(), 2);
    assert_eq!(messages_to(&server, "c@x.example"), 0);
    // The same day, a new run sends nothing more.
    let again = send(&w, &["--yes"]);
    again.expect_code(1);
    assert!(again.stderr.contains("daily cap of 2"), "{}", again.stderr);
    assert_eq!(server.messages().len(), 2);
    let status = w.run(&["status", "--ledger", "d.ledger.sqlite"]);
    assert!(status.stdout.contains("2 sent"), "{}", status.stdout);
}

#[test]
fn limit_sends_exactly_n_and_a_rerun_sends_the_rest() {
    let server = TestServer::start(Options::new());
    let w = campaign(
        &server,
        "",
        &[
            "A,One,Mayor,a@x.example,,a",
            "B,Two,Mayor,b@x.example,,b",
            "C,Three,Mayor,c@x.example,,c",
            "D,Four,Mayor,d@x.example,,d",
        ],
    );
    send(&w, &["--yes", "--limit", "2"]).expect_code(0);
    assert_eq!(server.messages().len(), 2);
    let status = w.run(&["status", "--ledger", "d.ledger.sqlite"]);
    assert!(
        status
            .stdout
            .contains("2 sent, 0 failed, 0 unknown, 0 pending, 0 sending"),
        "two sent, nothing left half-done: {}",
        status.stdout
    );
    send(&w, &["--yes"]).expect_code(0);
    for address in ["a", "b", "c", "d"] {
        assert_eq!(messages_to(&server, &format!("{address}@x.example")), 1);
    }
}
