//! Hostile mail servers and settings, through the real binary with bounded time and memory: a
//! server that never ends a reply or a line, one that quotes the AUTH line back, a hello_name
//! that would inject commands. Each misbehaving server is a few lines of Rust on 127.0.0.1.

mod common;

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use base64::Engine;
use common::Workdir;

const TEMPLATE: &str =
    "---\nto: \"{{email}}\"\nsubject: \"Hello {{name}}\"\n---\nDear {{name}},\n\nWelcome.\n";
const PASSWORD: &str = "correct-horse-battery-staple";
const USER: &str = "advocacy@library.example";

/// A scripted SMTP server: every connection runs `script` on its own thread; the commands
/// the client sent are recorded.
struct FakeServer {
    port: u16,
    commands: Arc<Mutex<Vec<String>>>,
}

/// One connection as the script sees it.
struct Session {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
    commands: Arc<Mutex<Vec<String>>>,
}

impl Session {
    /// The next command line, without CRLF; None when the client hung up.
    fn command(&mut self) -> Option<String> {
        let mut line = String::new();
        match self.reader.read_line(&mut line) {
            Ok(0) | Err(_) => None,
            Ok(_) => {
                let line = line.trim_end_matches(['\r', '\n']).to_string();
                self.commands.lock().unwrap().push(line.clone());
                Some(line)
            }
        }
    }

    fn send(&mut self, text: &str) -> bool {
        self.writer.write_all(text.as_bytes()).is_ok()
    }

    /// Writes `chunk` until the client hangs up (or a minute passes: the test has failed by
    /// then anyway).
    fn flood(&mut self, chunk: &str) {
        let chunk = chunk.repeat(1 + 8192 / chunk.len());
        let start = std::time::Instant::now();
        while start.elapsed().as_secs() < 60 && self.send(&chunk) {}
    }

    /// Reads the message after DATA up to its final dot.
    fn data(&mut self) {
        while let Some(line) = self.command() {
            if line == "." {
                break;
            }
        }
    }

    /// Greeting and EHLO with the given extensions.
    fn hello(&mut self, extensions: &[&str]) -> bool {
        if !self.send("220 fake.example ESMTP\r\n") {
            return false;
        }
        match self.command() {
            Some(c) if c.starts_with("EHLO") => {}
            _ => return false,
        }
        let mut reply = String::from("250-fake.example\r\n");
        for e in extensions {
            reply.push_str(&format!("250-{e}\r\n"));
        }
        reply.push_str("250 8BITMIME\r\n");
        self.send(&reply)
    }

    /// MAIL and RCPT accepted, DATA started and the message read.
    fn envelope_and_data(&mut self) -> bool {
        for _ in 0..2 {
            match self.command() {
                Some(c) if c.starts_with("MAIL") || c.starts_with("RCPT") => {
                    self.send("250 ok\r\n");
                }
                _ => return false,
            }
        }
        if self.command().as_deref() != Some("DATA") {
            return false;
        }
        self.send("354 go ahead\r\n");
        self.data();
        true
    }
}

impl FakeServer {
    fn start(script: impl Fn(&mut Session) + Send + Sync + 'static) -> FakeServer {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1");
        let port = listener.local_addr().unwrap().port();
        let commands = Arc::new(Mutex::new(Vec::new()));
        let script = Arc::new(script);
        let recorded = commands.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let script = script.clone();
                let commands = recorded.clone();
                std::thread::spawn(move || {
                    let Ok(writer) = stream.try_clone() else {
                        return;
                    };
                    let mut session = Session {
                        reader: BufReader::new(stream),
                        writer,
                        commands,
                    };
                    script(&mut session);
                });
            }
        });
        FakeServer { port, commands }
    }

    fn commands(&self) -> Vec<String> {
        self.commands.lock().unwrap().clone()
    }
}

/// A campaign folder with one row, sending to `port` without TLS.
fn campaign(port: u16, extra_config: &str) -> Workdir {
    let w = Workdir::new();
    w.file("t.md", TEMPLATE);
    w.file("d.csv", "name,email\nJane,jane@x.example\n");
    w.file(
        "lettermerge.toml",
        format!(
            "[smtp]\nhost = \"127.0.0.1\"\nport = {port}\nsecurity = \"none\"\n\
             from = \"Advocacy <advocacy@library.example>\"\ntimeout_s = 5\n\
             retry_delay_ms = 50\n{extra_config}"
        ),
    );
    w
}

fn send(w: &Workdir) -> common::Run {
    w.run_bounded(
        &[
            "send",
            "-t",
            "t.md",
            "-d",
            "d.csv",
            "-c",
            "lettermerge.toml",
            "--yes",
        ],
        &[("LETTERMERGE_SMTP_PASSWORD", PASSWORD)],
    )
}

#[test]
fn a_server_that_never_ends_its_ehlo_reply_is_a_protocol_error() {
    let server = FakeServer::start(|s| {
        s.send("220 fake.example ESMTP\r\n");
        s.command();
        s.flood("250-PIPELINING\r\n");
    });
    let w = campaign(server.port, "");
    let run = send(&w);
    run.expect_code(2);
    let shown = format!("127.0.0.1:{}", server.port);
    assert!(
        run.stderr.contains(&shown),
        "names the server: {}",
        run.stderr
    );
    assert!(
        run.stderr.contains("more than 256 lines"),
        "names the limit: {}",
        run.stderr
    );
}

#[test]
fn a_greeting_line_that_never_ends_is_a_protocol_error() {
    let server = FakeServer::start(|s| {
        s.send("220 ");
        s.flood("aaaaaaaaaaaaaaaa");
    });
    let w = campaign(server.port, "");
    let run = send(&w);
    run.expect_code(2);
    assert!(
        run.stderr.contains("more than 4096 bytes"),
        "names the limit: {}",
        run.stderr
    );
    assert!(run.stderr.contains(&format!("127.0.0.1:{}", server.port)));
}

#[test]
fn an_endless_reply_to_rcpt_sends_nothing_and_stops_the_run() {
    let server = FakeServer::start(|s| {
        if !s.hello(&[]) {
            return;
        }
        s.command();
        s.send("250 ok\r\n");
        s.command();
        s.flood("250-still going\r\n");
    });
    let w = campaign(server.port, "");
    let run = send(&w);
    run.expect_code(2);
    assert!(run.stderr.contains("more than 256 lines"), "{}", run.stderr);
    assert!(
        !server.commands().iter().any(|c| c == "DATA"),
        "no message was handed over"
    );
    let status = w.run_bounded(&["status", "--ledger", "d.ledger.sqlite"], &[]);
    assert!(
        !status.stdout.contains("1 sent") && !status.stdout.contains("1 unknown"),
        "{}",
        status.stdout
    );
}

#[test]
fn an_endless_reply_after_the_message_leaves_the_row_unknown() {
    let server = FakeServer::start(|s| {
        if !s.hello(&[]) || !s.envelope_and_data() {
            return;
        }
        s.flood("250-queued\r\n");
    });
    let w = campaign(server.port, "");
    let run = send(&w);
    run.expect_code(1);
    assert!(run.stderr.contains("1 unknown"), "{}", run.stderr);
    assert!(run.stderr.contains("more than 256 lines"), "{}", run.stderr);
    let status = w.run_bounded(&["status", "--ledger", "d.ledger.sqlite"], &[]);
    status.expect_code(0);
    assert!(status.stdout.contains("1 unknown"), "{}", status.stdout);
}

/// The forms of the password a careless server could quote back.
fn secret_forms() -> Vec<String> {
    let b64 = |s: &[u8]| base64::engine::general_purpose::STANDARD.encode(s);
    vec![
        PASSWORD.to_string(),
        b64(format!("\0{USER}\0{PASSWORD}").as_bytes()),
        b64(PASSWORD.as_bytes()),
    ]
}

fn assert_no_secret(what: &str, text: &str) {
    for form in secret_forms() {
        assert!(
            !text.to_lowercase().contains(&form.to_lowercase()[..12]),
            "{what} shows the secret ({form}):\n{text}"
        );
    }
}

#[test]
fn a_535_quoting_the_auth_plain_line_never_shows_the_password() {
    let server = FakeServer::start(|s| {
        if !s.hello(&["AUTH PLAIN LOGIN"]) {
            return;
        }
        if let Some(auth) = s.command() {
            s.send(&format!(
                "535-5.7.8 Authentication credentials invalid\r\n535 5.7.8 you sent: {auth} / {}\r\n",
                auth.to_uppercase()
            ));
        }
    });
    let w = campaign(server.port, &format!("username = \"{USER}\"\n"));
    let run = send(&w);
    run.expect_code(2);
    assert!(
        run.stderr.contains("535"),
        "the reply is shown: {}",
        run.stderr
    );
    assert!(
        run.stderr.contains("AUTH PLAIN ***"),
        "masked: {}",
        run.stderr
    );
    assert_no_secret("stderr", &run.stderr);
    assert_no_secret("stdout", &run.stdout);
}

#[test]
fn a_server_quoting_auth_login_pieces_never_shows_the_password() {
    let server = FakeServer::start(|s| {
        if !s.hello(&["AUTH LOGIN"]) {
            return;
        }
        s.command();
        s.send("334 VXNlcm5hbWU6\r\n");
        let user = s.command().unwrap_or_default();
        s.send("334 UGFzc3dvcmQ6\r\n");
        let pass = s.command().unwrap_or_default();
        s.send(&format!(
            "535 5.7.8 bad login {user} {pass} ({PASSWORD})\r\n"
        ));
    });
    let w = campaign(server.port, &format!("username = \"{USER}\"\n"));
    let run = send(&w);
    run.expect_code(2);
    assert!(run.stderr.contains("535"), "{}", run.stderr);
    assert_no_secret("stderr", &run.stderr);
}

#[test]
fn replies_stored_in_the_ledger_and_the_failures_csv_have_the_secret_masked() {
    let server = FakeServer::start(|s| {
        if !s.hello(&["AUTH PLAIN"]) {
            return;
        }
        let auth = s.command().unwrap_or_default();
        s.send("235 2.7.0 ok\r\n");
        s.command();
        s.send("250 ok\r\n");
        s.command();
        s.send(&format!("550 5.1.1 no such user (session {auth})\r\n"));
        while let Some(c) = s.command() {
            if c == "QUIT" {
                s.send("221 bye\r\n");
                return;
            }
            s.send("250 ok\r\n");
        }
    });
    let w = campaign(server.port, &format!("username = \"{USER}\"\n"));
    let run = send(&w);
    run.expect_code(1);
    assert!(run.stderr.contains("no such user"), "{}", run.stderr);
    assert_no_secret("stderr", &run.stderr);
    let status = w.run_bounded(
        &[
            "status",
            "--ledger",
            "d.ledger.sqlite",
            "--failures",
            "failures.csv",
        ],
        &[],
    );
    status.expect_code(0);
    let csv = std::fs::read_to_string(w.join("failures.csv")).expect("failures CSV");
    assert!(csv.contains("no such user"), "{csv}");
    assert!(csv.contains("***"), "{csv}");
    assert_no_secret("the failures CSV", &csv);
    let ledger = std::fs::read(w.join("d.ledger.sqlite")).expect("ledger");
    assert_no_secret("the ledger", &String::from_utf8_lossy(&ledger));
}

#[test]
fn a_hello_name_with_a_line_break_is_refused_before_connecting() {
    let server = FakeServer::start(|s| {
        s.hello(&[]);
        while s.command().is_some() {
            s.send("250 ok\r\n");
        }
    });
    let w = campaign(
        server.port,
        "hello_name = \"me.example\\r\\nMAIL FROM:<spoof@evil.example>\"\n",
    );
    let run = send(&w);
    run.expect_code(2);
    assert!(
        run.stderr.contains("lettermerge.toml") && run.stderr.contains("`hello_name`"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("[192.0.2.7]"),
        "says what to write: {}",
        run.stderr
    );
    assert!(server.commands().is_empty(), "{:?}", server.commands());
}

/// A server that takes every message.
fn accepting_server() -> FakeServer {
    FakeServer::start(|s| {
        if !s.hello(&[]) {
            return;
        }
        while let Some(c) = s.command() {
            let reply = match c.as_str() {
                "DATA" => "354 go ahead\r\n",
                "QUIT" => "221 bye\r\n",
                _ => "250 ok\r\n",
            };
            s.send(reply);
            if c == "DATA" {
                s.data();
                s.send("250 queued\r\n");
            }
            if c == "QUIT" {
                return;
            }
        }
    })
}

#[test]
fn a_quoted_local_part_is_accepted_and_sent_with_its_quotes() {
    let server = accepting_server();
    let w = campaign(server.port, "");
    w.file("d.csv", "name,email\nJane,\"\"\"jane doe\"\"@x.example\"\n");
    let run = send(&w);
    run.expect_code(0);
    assert!(
        server
            .commands()
            .iter()
            .any(|c| c == "RCPT TO:<\"jane doe\"@x.example>"),
        "{:?}\n{}",
        server.commands(),
        run.stderr
    );
}

#[test]
fn a_300_character_address_is_refused_naming_the_row_and_the_limit() {
    let server = accepting_server();
    let w = campaign(server.port, "");
    let long = format!(
        "{}@{}.example",
        "a".repeat(60),
        vec!["b".repeat(60); 4].join(".")
    );
    assert!(long.len() > 254);
    w.file(
        "d.csv",
        format!("name,email\nJane,ok@x.example\nJoe,{long}\n"),
    );
    let run = send(&w);
    run.expect_code(1);
    assert!(run.stderr.contains("row 3"), "{}", run.stderr);
    assert!(run.stderr.contains("at most 254"), "{}", run.stderr);
    assert!(
        !server.commands().iter().any(|c| c.contains("bbbb")),
        "{:?}",
        server.commands()
    );
}

#[test]
fn a_cell_with_ten_thousand_addresses_is_refused_quickly() {
    let server = accepting_server();
    let w = campaign(server.port, "");
    let many: Vec<String> = (0..10_000).map(|i| format!("p{i}@x.example")).collect();
    w.file(
        "d.csv",
        format!("name,email\nJane,\"{}\"\n", many.join(", ")),
    );
    let run = send(&w);
    run.expect_code(1);
    assert!(
        run.stderr.contains("10000 addresses") && run.stderr.contains("at most 100"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("row 2"), "{}", run.stderr);
    let check = w.run_bounded(&["check", "-t", "t.md", "-d", "d.csv"], &[]);
    assert!(check.code != 0, "{}", check.stderr);
}
