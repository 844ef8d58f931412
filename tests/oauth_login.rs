//! `lettermerge login` and `send` with `auth = "oauth2"`, through the real binary, against the
//! OAuth 2 server and bearer-checking SMTP server of tests/oauth_server.py on 127.0.0.1: the
//! device grant, the loopback redirect with PKCE, XOAUTH2 and OAUTHBEARER, renewal of tokens
//! that expire mid-run, a revoked sign-in, and the file token store.

mod common;
#[path = "support/oauth_server.rs"]
mod oauth_server;

use common::Workdir;
use oauth_server::{OAuthServer, Options};
use std::io::{BufRead, BufReader, Read};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

const TEMPLATE: &str = r#"---
to: "{{email}}"
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
Congratulations on your election.
"#;

const USER: &str = "advocacy@library.example";

/// A campaign of `rows` officials, with a config for `server`; `smtp` and `oauth` are extra
/// lines for `[smtp]` and `[smtp.oauth]`. The token store is the campaign's sibling `store/`.
struct Campaign {
    w: Workdir,
    store: tempfile::TempDir,
}

impl Campaign {
    fn new(server: &OAuthServer, rows: usize, smtp: &str, oauth: &str) -> Campaign {
        let w = Workdir::new();
        w.file("t.md", TEMPLATE);
        let mut data = "first_name,last_name,title,email\n".to_string();
        for i in 1..=rows {
            data.push_str(&format!("F{i},L{i},Mayor,m{i}@city.example\n"));
        }
        w.file("d.csv", data);
        w.file(
            "lettermerge.toml",
            format!(
                "[smtp]\nhost = \"127.0.0.1\"\nport = {}\nsecurity = \"none\"\nusername = \"{USER}\"\n\
                 from = \"Library Advocacy <{USER}>\"\nauth = \"oauth2\"\ntimeout_s = 5\n\
                 retry_delay_ms = 50\n{smtp}\n[smtp.oauth]\ntoken_url = \"{}\"\n\
                 device_url = \"{}\"\nauthorization_url = \"{}\"\nclient_id = \"lettermerge-test\"\n\
                 scopes = [\"mail.send\", \"offline_access\"]\n{oauth}\n",
                server.smtp_port(),
                server.url("/token"),
                server.url("/device"),
                server.url("/authorize"),
            ),
        );
        Campaign {
            w,
            store: tempfile::tempdir().expect("token store dir"),
        }
    }

    fn env(&self) -> Vec<(&str, &str)> {
        vec![(
            "LETTERMERGE_TOKEN_STORE",
            self.store.path().to_str().unwrap(),
        )]
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(env!("CARGO_BIN_EXE_lettermerge"));
        c.args(args)
            .current_dir(self.w.path())
            .env_remove("LETTERMERGE_SMTP_PASSWORD")
            .env_remove("DISPLAY")
            .env_remove("WAYLAND_DISPLAY")
            .envs(self.env())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        c
    }

    /// `send --yes` with `extra`, bounded by [`RUN_LIMIT`] (the runs here pace themselves for
    /// seconds, longer than the hostile-input bound).
    fn send(&self, extra: &[&str]) -> common::Run {
        self.send_env(extra, &[])
    }

    fn send_env(&self, extra: &[&str], env: &[(&str, &str)]) -> common::Run {
        let mut args = vec![
            "send",
            "-t",
            "t.md",
            "-d",
            "d.csv",
            "-c",
            "lettermerge.toml",
            "--yes",
        ];
        args.extend_from_slice(extra);
        let mut child = self
            .command(&args)
            .envs(env.iter().copied())
            .spawn()
            .expect("start send");
        let lines = stdout_lines(&mut child);
        let (code, stdout, stderr) = wait_bounded(child, lines);
        let run = common::Run {
            code,
            stdout,
            stderr,
        };
        assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
        run
    }

    fn status(&self) -> String {
        self.w
            .run(&["status", "--ledger", "d.ledger.sqlite"])
            .stdout
    }

    /// `login` by the device grant: approves the code it prints, as the user would in a browser.
    fn login_device(&self, server: &OAuthServer) -> (String, String) {
        self.login_device_after(server, Duration::ZERO)
    }

    /// [`Campaign::login_device`], approving `delay` after the code is shown.
    fn login_device_after(&self, server: &OAuthServer, delay: Duration) -> (String, String) {
        let mut child = self
            .command(&["login", "--config", "lettermerge.toml", "--no-browser"])
            .spawn()
            .expect("start login");
        let lines = stdout_lines(&mut child);
        let line = wait_for(&lines, |l| l.contains("enter the code"));
        assert!(line.contains(&server.url("/verify")), "{line}");
        let code = line.rsplit(' ').next().unwrap().trim().to_string();
        std::thread::sleep(delay);
        let approved = server.get(&format!("/approve?user_code={code}"));
        assert_eq!(approved["approved"], true, "{line}");
        finish(child, lines, 0)
    }
}

/// The child's stdout, line by line, as it comes.
fn stdout_lines(child: &mut Child) -> mpsc::Receiver<String> {
    let stdout = child.stdout.take().expect("stdout");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    rx
}

fn wait_for(lines: &mpsc::Receiver<String>, want: impl Fn(&str) -> bool) -> String {
    let deadline = Instant::now() + Duration::from_secs(30);
    while let Some(left) = deadline.checked_duration_since(Instant::now()) {
        match lines.recv_timeout(left) {
            Ok(line) if want(&line) => return line,
            Ok(_) => {}
            Err(_) => break,
        }
    }
    panic!("the line never came");
}

/// The longest one `login` or `send` here may take.
const RUN_LIMIT: Duration = Duration::from_secs(90);

/// Waits (bounded) for the child to end; its exit code, whole stdout and stderr.
fn wait_bounded(mut child: Child, lines: mpsc::Receiver<String>) -> (i32, String, String) {
    let deadline = Instant::now() + RUN_LIMIT;
    let status = loop {
        if let Some(s) = child.try_wait().expect("wait") {
            break s;
        }
        if Instant::now() > deadline {
            let _ = child.kill();
            panic!("the command hung");
        }
        std::thread::sleep(Duration::from_millis(20));
    };
    let mut stderr = String::new();
    child
        .stderr
        .take()
        .expect("stderr")
        .read_to_string(&mut stderr)
        .unwrap();
    // The reader thread ends at the end of the output; take every line it read.
    let stdout: Vec<String> = lines.iter().collect();
    (status.code().unwrap_or(-1), stdout.join("\n"), stderr)
}

/// [`wait_bounded`], expecting `code`; stdout and stderr.
fn finish(child: Child, lines: mpsc::Receiver<String>, code: i32) -> (String, String) {
    let (got, stdout, stderr) = wait_bounded(child, lines);
    assert_eq!(got, code, "stdout:\n{stdout}\nstderr:\n{stderr}");
    (stdout, stderr)
}

/// Every file under `dir`, read as text (lossy).
fn all_text_under(dir: &Path) -> String {
    let mut out = String::new();
    for entry in std::fs::read_dir(dir).expect("read dir").flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.push_str(&all_text_under(&path));
        } else if let Ok(bytes) = std::fs::read(&path) {
            out.push_str(&String::from_utf8_lossy(&bytes));
        }
    }
    out
}

/// How many stored messages went to `address`.
fn messages_to(server: &OAuthServer, address: &str) -> usize {
    server
        .messages()
        .iter()
        .filter(|m| m.contains(&format!("To: {address}")))
        .count()
}

fn assert_each_once(server: &OAuthServer, rows: usize) {
    for i in 1..=rows {
        assert_eq!(
            messages_to(server, &format!("m{i}@city.example")),
            1,
            "row {i} must arrive exactly once; events: {:?}",
            server.events()
        );
    }
    assert_eq!(server.messages().len(), rows);
}

fn refreshes(server: &OAuthServer) -> usize {
    server
        .events_named("token")
        .iter()
        .filter(|e| e["grant"] == "refresh_token" && e["ok"] == true)
        .count()
}

#[test]
fn device_login_then_send_with_xoauth2_keeps_no_token_in_sight() {
    let server = OAuthServer::start(Options::default());
    let c = Campaign::new(&server, 3, "", "flow = \"device\"\n");
    // The user takes a moment: the CLI polls (interval 1 s) and is told to wait.
    let (out, err) = c.login_device_after(&server, Duration::from_millis(2500));
    assert!(out.contains("Signed in"), "{out}");
    assert!(server
        .events_named("token")
        .iter()
        .any(|e| e["error"] == "authorization_pending"));
    // The file store: one file, mode 0600, in the forced folder, not the campaign's.
    let files: Vec<_> = std::fs::read_dir(c.store.path())
        .unwrap()
        .flatten()
        .collect();
    assert_eq!(files.len(), 1, "{files:?}");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = files[0].metadata().unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "the token file is private");
    }
    assert!(out.contains(&c.store.path().display().to_string()), "{out}");

    let run = c.send(&[]);
    run.expect_code(0);
    assert_each_once(&server, 3);
    let auths = server.events_named("auth");
    assert!(!auths.is_empty());
    assert!(
        auths
            .iter()
            .all(|a| a["mechanism"] == "XOAUTH2" && a["ok"] == true),
        "{auths:?}"
    );
    assert_eq!(auths[0]["user"], USER);

    // No token text anywhere the user or a log would see, nor in the campaign folder.
    let issued = server.issued_tokens();
    assert!(issued.len() >= 4, "{issued:?}");
    let folder = all_text_under(c.w.path());
    for token in &issued {
        for (name, text) in [
            ("login stdout", &out),
            ("login stderr", &err),
            ("send stdout", &run.stdout),
            ("send stderr", &run.stderr),
            ("campaign folder", &folder),
        ] {
            assert!(
                !text.contains(token.as_str()),
                "a token shows in the {name}"
            );
        }
    }
}

#[test]
fn loopback_login_with_pkce_and_a_client_secret_then_send_with_oauthbearer() {
    let server = OAuthServer::start(Options {
        client_secret: Some("installed-app-secret".into()),
        ..Options::default()
    });
    let c = Campaign::new(
        &server,
        2,
        "",
        "flow = \"loopback\"\nmechanism = \"oauthbearer\"\n",
    );
    let mut child = c
        .command(&["login", "--config", "lettermerge.toml", "--no-browser"])
        .env("LETTERMERGE_OAUTH_CLIENT_SECRET", "installed-app-secret")
        .spawn()
        .expect("start login");
    let lines = stdout_lines(&mut child);
    let url = wait_for(&lines, |l| l.starts_with("http://"));
    assert!(
        url.contains("code_challenge_method=S256") && url.contains("state="),
        "{url}"
    );
    // The browser: the provider redirects it to lettermerge's port on 127.0.0.1.
    let mut page = ureq::get(&url).call().expect("the redirect is answered");
    let text = page.body_mut().read_to_string().unwrap();
    assert!(text.contains("Signed in"), "{text}");
    let (out, _) = finish(child, lines, 0);
    assert!(out.contains("Signed in"), "{out}");

    // Without the client secret the provider refuses to renew; with it, send works.
    let refused = c.send(&[]);
    refused.expect_code(2);
    assert!(
        refused.stderr.contains("invalid_client"),
        "{}",
        refused.stderr
    );
    assert_eq!(server.messages().len(), 0);
    let run = c.send_env(
        &[],
        &[("LETTERMERGE_OAUTH_CLIENT_SECRET", "installed-app-secret")],
    );
    run.expect_code(0);
    assert_each_once(&server, 2);
    let auths = server.events_named("auth");
    assert!(
        auths
            .iter()
            .all(|a| a["mechanism"] == "OAUTHBEARER" && a["ok"] == true),
        "{auths:?}"
    );
}

#[test]
fn a_wrong_state_on_the_loopback_port_is_not_taken() {
    let server = OAuthServer::start(Options::default());
    let c = Campaign::new(&server, 1, "", "flow = \"loopback\"\n");
    let mut child = c
        .command(&["login", "--config", "lettermerge.toml", "--no-browser"])
        .spawn()
        .expect("start login");
    let lines = stdout_lines(&mut child);
    let url = wait_for(&lines, |l| l.starts_with("http://"));
    let redirect = url
        .split('&')
        .find_map(|p| p.strip_prefix("redirect_uri="))
        .unwrap()
        .replace("%3A", ":")
        .replace("%2F", "/");
    // Another page trying to slip in a code of its own.
    let forged = ureq::get(&format!("{redirect}?code=forged&state=not-ours")).call();
    assert!(
        matches!(forged, Err(ureq::Error::StatusCode(400))),
        "{forged:?}"
    );
    // The real redirect still completes the sign-in.
    ureq::get(&url).call().expect("the redirect is answered");
    finish(child, lines, 0);
}

#[test]
fn a_token_that_expires_mid_run_is_renewed_and_every_message_goes_once() {
    // Tokens live 3 s; at 120 messages a minute, 10 messages take about 5 s.
    let server = OAuthServer::start(Options {
        token_lifetime: Some(3.0),
        ..Options::default()
    });
    let rows = 10;
    let c = Campaign::new(
        &server,
        rows,
        "rate_per_minute = 120\n",
        "flow = \"device\"\n",
    );
    c.login_device(&server);
    let before = refreshes(&server);
    c.send(&[]).expect_code(0);
    assert_each_once(&server, rows);
    assert!(
        refreshes(&server) - before >= 2,
        "renewed during the run: {:?}",
        server.events()
    );
    let auths = server.events_named("auth");
    assert!(
        auths.iter().all(|a| a["ok"] == true),
        "no login with an expired token: {auths:?}"
    );
    let tokens: std::collections::HashSet<_> =
        auths.iter().map(|a| a["token_id"].clone()).collect();
    assert!(
        tokens.len() >= 2,
        "later logins used renewed tokens: {auths:?}"
    );
}

/// The token answer says an hour, but tokens die after 1 s, and the server closes each
/// connection after 2 messages: a later login meets a dead token, gets 334 + 535, and the
/// message goes out after a renewal.
fn early_refusal(mechanism: &str) {
    let server = OAuthServer::start(Options {
        token_lifetime: Some(1.0),
        claimed_lifetime: Some(3600.0),
        max_messages_per_conn: Some(2),
        ..Options::default()
    });
    let rows = 8;
    let c = Campaign::new(
        &server,
        rows,
        "rate_per_minute = 150\n",
        &format!("flow = \"device\"\nmechanism = \"{mechanism}\"\n"),
    );
    c.login_device(&server);
    let run = c.send(&[]);
    run.expect_code(0);
    assert_each_once(&server, rows);
    let auths = server.events_named("auth");
    assert!(
        auths
            .iter()
            .all(|a| a["mechanism"] == mechanism.to_uppercase()),
        "{auths:?}"
    );
    let refused = auths.iter().position(|a| a["ok"] == false);
    let refused = refused.unwrap_or_else(|| panic!("a login met an expired token: {auths:?}"));
    assert!(
        auths[refused + 1..].iter().any(|a| a["ok"] == true),
        "{auths:?}"
    );
    assert!(c.status().contains("0 failed"), "{}", c.status());
}

#[test]
fn a_token_the_server_refuses_early_is_renewed_at_the_next_login_xoauth2() {
    early_refusal("xoauth2");
}

#[test]
fn a_token_the_server_refuses_early_is_renewed_at_the_next_login_oauthbearer() {
    early_refusal("oauthbearer");
}

#[test]
fn a_revoked_sign_in_stops_the_run_pending_and_a_rerun_after_login_sends_the_rest_once() {
    let server = OAuthServer::start(Options {
        token_lifetime: Some(2.0),
        ..Options::default()
    });
    let rows = 12;
    let c = Campaign::new(
        &server,
        rows,
        "rate_per_minute = 120\n",
        "flow = \"device\"\n",
    );
    c.login_device(&server);
    let mut child = c
        .command(&[
            "send",
            "-t",
            "t.md",
            "-d",
            "d.csv",
            "-c",
            "lettermerge.toml",
            "--yes",
        ])
        .spawn()
        .expect("start send");
    let lines = stdout_lines(&mut child);
    // Revoke once a few messages went out; the next renewal meets invalid_grant.
    let deadline = Instant::now() + Duration::from_secs(30);
    while server.messages().len() < 2 {
        assert!(
            Instant::now() < deadline,
            "no message went out: {}",
            server.log()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    server.get("/revoke");
    let (_, err) = finish(child, lines, 2);
    assert!(
        err.contains("sign in again: lettermerge login --config lettermerge.toml"),
        "{err}"
    );
    let sent = server.messages().len();
    assert!(sent < rows, "the run stopped early: {sent}");
    let status = c.status();
    assert!(
        status.contains(&format!("{sent} sent, 0 failed, 0 unknown")),
        "{status}"
    );
    assert!(status.contains("0 sending"), "{status}");

    c.login_device(&server);
    c.send(&[]).expect_code(0);
    assert_each_once(&server, rows);
}

#[test]
fn send_without_a_sign_in_says_to_log_in_and_a_dry_run_needs_none() {
    let server = OAuthServer::start(Options::default());
    let c = Campaign::new(&server, 2, "", "flow = \"device\"\n");
    let run = c.send(&[]);
    run.expect_code(2);
    assert!(
        run.stderr
            .contains("lettermerge login --config lettermerge.toml"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("Nothing was marked failed"),
        "{}",
        run.stderr
    );
    let dry = c.send(&["--dry-run"]);
    dry.expect_code(0);
    assert!(
        server.events_named("token").is_empty(),
        "a dry run asks for no token"
    );
    assert_eq!(server.messages().len(), 0);
}

#[test]
fn send_warns_when_a_preset_limit_is_raised_and_a_dry_run_connects_nowhere() {
    let w = Workdir::new();
    w.file("t.md", TEMPLATE);
    w.file(
        "d.csv",
        "first_name,last_name,title,email\nA,B,Mayor,m1@city.example\n",
    );
    w.file(
        "lettermerge.toml",
        format!(
            "[smtp]\nprovider = \"google\"\nusername = \"{USER}\"\nfrom = \"{USER}\"\n\
             max_per_day = 5000\n[smtp.oauth]\nclient_id = \"x.apps.googleusercontent.com\"\n"
        ),
    );
    let run = w.run(&[
        "send",
        "-t",
        "t.md",
        "-d",
        "d.csv",
        "-c",
        "lettermerge.toml",
        "--dry-run",
        "--rate",
        "40/min",
    ]);
    run.expect_code(0);
    assert!(
        run.stderr
            .contains("warning: max_per_day = 5000 is above google's documented limit of 2000"),
        "{}",
        run.stderr
    );
    // Google has no per-minute limit to raise.
    assert!(!run.stderr.contains("--rate"), "{}", run.stderr);
    assert!(run.stdout.contains("To: m1@city.example"), "{}", run.stdout);

    w.file(
        "lettermerge.toml",
        format!(
            "[smtp]\nprovider = \"microsoft365\"\nusername = \"{USER}\"\nfrom = \"{USER}\"\n\
             [smtp.oauth]\nclient_id = \"00000000-0000-0000-0000-000000000000\"\n"
        ),
    );
    let args = [
        "send",
        "-t",
        "t.md",
        "-d",
        "d.csv",
        "-c",
        "lettermerge.toml",
        "--dry-run",
    ];
    let quiet = w.run(&[&args[..], &["--rate", "20/min"]].concat());
    quiet.expect_code(0);
    assert!(
        !quiet.stderr.contains("warning"),
        "lowering is quiet: {}",
        quiet.stderr
    );
    let raised = w.run(&[&args[..], &["--rate", "60/min"]].concat());
    raised.expect_code(0);
    assert!(
        raised
            .stderr
            .contains("warning: --rate 60 is above microsoft365's documented limit of 30"),
        "{}",
        raised.stderr
    );
}

#[test]
fn https_endpoints_are_verified_and_ca_file_trusts_a_private_ca() {
    let server = OAuthServer::start(Options {
        tls: true,
        ..Options::default()
    });
    assert!(server.url("/token").starts_with("https://"));
    // The self-signed certificate is not among the Mozilla roots: refused.
    let c = Campaign::new(&server, 1, "", "flow = \"device\"\n");
    let mut child = c
        .command(&["login", "--config", "lettermerge.toml", "--no-browser"])
        .spawn()
        .expect("start login");
    let lines = stdout_lines(&mut child);
    let (_, err) = finish(child, lines, 2);
    assert!(err.contains(&server.url("/device")), "{err}");
    assert!(
        server.events_named("device").is_empty(),
        "no request got through"
    );

    // With ca_file, the same sign-in and a send work.
    std::fs::copy(server.ca_file().unwrap(), c.w.join("oauth-ca.pem")).unwrap();
    let config = std::fs::read_to_string(c.w.join("lettermerge.toml")).unwrap();
    c.w.file(
        "lettermerge.toml",
        config.replace(
            "[smtp.oauth]\n",
            "[smtp.oauth]\nca_file = \"oauth-ca.pem\"\n",
        ),
    );
    c.login_device(&server);
    c.send(&[]).expect_code(0);
    assert_each_once(&server, 1);
}
