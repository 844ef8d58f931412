//! One round trip per message: `lettermerge send` through the real binary against the real
//! test SMTP server (tests/smtp_server.py, which counts the client's round trips), with the
//! ledger's exactly-once promise under a drop in the middle of a pipelined flight and under
//! SIGKILL at varying points.

mod common;
#[path = "support/smtp_server.rs"]
mod smtp_server;

use common::Workdir;
use smtp_server::{Options, TestServer};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const TEMPLATE: &str = r#"---
to: "{{email}}"
subject: "Welcome to office, {{title}} {{last_name}}"
salutation: "Dear {{title}} {{last_name}}:"
date: "January 12, 2026"
address: |
  {{first_name}} {{last_name}}
  1 Capitol Way
signature:
  name: Jordan A. Reyes
---
Congratulations on your election.
"#;

/// A campaign of `n` officials, p0@x.example ..., with `special` replacing some addresses.
fn campaign(server: &TestServer, n: usize, special: &[(usize, &str)]) -> Workdir {
    let w = Workdir::new();
    w.file("t.md", TEMPLATE);
    let mut data = String::from("first_name,last_name,title,email\n");
    for i in 0..n {
        let email = special
            .iter()
            .find(|(at, _)| *at == i)
            .map(|(_, e)| e.to_string())
            .unwrap_or_else(|| format!("p{i}@x.example"));
        data.push_str(&format!("P{i},Person{i},Mayor,{email}\n"));
    }
    w.file("d.csv", data);
    w.file(
        "lettermerge.toml",
        format!(
            "[smtp]\nhost = \"localhost\"\nport = {}\nsecurity = \"none\"\n\
             from = \"Library Advocacy <advocacy@library.example>\"\ntimeout_s = 5\n\
             retry_delay_ms = 50\n",
            server.port()
        ),
    );
    w
}

const SEND: [&str; 8] = [
    "send",
    "-t",
    "t.md",
    "-d",
    "d.csv",
    "-c",
    "lettermerge.toml",
    "--yes",
];

fn messages_to(server: &TestServer, address: &str) -> usize {
    server
        .messages()
        .iter()
        .filter(|m| String::from_utf8_lossy(m).contains(&format!("To: {address}")))
        .count()
}

/// Waits until the server has seen every connection close (the client may exit a moment
/// before the server logs it).
fn all_closed(server: &TestServer) {
    let deadline = Instant::now() + Duration::from_secs(5);
    while server.events_named("disconnect").len() < server.connections()
        && Instant::now() < deadline
    {
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn forty_messages_cost_one_round_trip_each_on_one_connection() {
    let server = TestServer::start(Options::new());
    let w = campaign(&server, 40, &[]);
    w.run(&SEND).expect_code(0);
    all_closed(&server);
    assert_eq!(server.messages().len(), 40);
    assert_eq!(server.connections(), 1);
    let trips = server.round_trips();
    // EHLO, the first envelope, then one flight per message (its data and the next envelope),
    // and QUIT.
    assert!(
        (40..=48).contains(&trips),
        "{trips} round trips for 40 messages (at most 1.2 each)"
    );
}

#[test]
fn without_pipelining_each_message_waits_for_every_reply() {
    // The counter itself: a server that does not offer PIPELINING gets a command at a time.
    let server = TestServer::start(Options::new().no_pipelining());
    let w = campaign(&server, 10, &[]);
    w.run(&SEND).expect_code(0);
    all_closed(&server);
    assert_eq!(server.messages().len(), 10);
    let trips = server.round_trips();
    assert!(
        trips >= 40,
        "MAIL, RCPT, DATA and the data each wait: {trips}"
    );
}

#[test]
fn a_drop_in_the_middle_of_a_pipelined_flight_loses_and_doubles_nothing() {
    // Row 5's envelope rides behind row 4's data; the server takes row 4, replies, and drops
    // the connection at row 5's RCPT. Row 4 is sent (its reply came), row 5 goes on a new
    // connection, and nothing is unknown.
    let server = TestServer::start(Options::new());
    let w = campaign(&server, 10, &[(5, "dropahead.five@x.example")]);
    let run = w.run(&SEND);
    run.expect_code(0);
    assert_eq!(server.connections(), 2, "{}", run.stderr);
    assert_eq!(
        server
            .events_named("rcpt")
            .iter()
            .filter(|e| e["dropped"] == true)
            .count(),
        1,
        "the fault fired"
    );
    for i in 0..10 {
        let address = if i == 5 {
            "dropahead.five@x.example".to_string()
        } else {
            format!("p{i}@x.example")
        };
        assert_eq!(
            messages_to(&server, &address),
            1,
            "{address}: {}",
            run.stderr
        );
    }
    assert!(run.stderr.contains(" 0 unknown"), "{}", run.stderr);
    let again = w.run(&SEND);
    again.expect_code(0);
    assert_eq!(server.messages().len(), 10, "a rerun sends nothing");
}

#[test]
fn a_drop_after_a_pipelined_message_leaves_only_that_one_unknown() {
    // Row 3's data goes out with row 4's envelope behind it; the server stores row 3 and drops
    // the connection without a reply. Row 3 may have arrived (unknown, not resent); row 4
    // never got its data over and goes out on a new connection, once.
    let server = TestServer::start(Options::new());
    let w = campaign(&server, 8, &[(3, "dropdata.three@x.example")]);
    let run = w.run(&SEND);
    run.expect_code(1);
    assert!(run.stderr.contains("1 unknown"), "{}", run.stderr);
    for i in (0..8).filter(|&i| i != 3) {
        assert_eq!(messages_to(&server, &format!("p{i}@x.example")), 1, "p{i}");
    }
    assert_eq!(messages_to(&server, "dropdata.three@x.example"), 1);
    w.run(&SEND).expect_code(0);
    assert_eq!(server.messages().len(), 8, "the rerun sends nothing twice");
}

/// The ledger's rows: (data row, state).
fn ledger_states(w: &Workdir) -> Vec<(u64, String)> {
    let conn = rusqlite::Connection::open(w.join("d.ledger.sqlite")).unwrap();
    let mut stmt = conn
        .prepare("SELECT row, state FROM rows ORDER BY row")
        .unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

#[test]
fn sigkill_at_varying_points_then_a_rerun_never_sends_twice() {
    // The server takes 30 ms over each message, so the kill lands with messages in flight.
    let seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .subsec_nanos() as usize;
    for round in 0..3 {
        let server = TestServer::start(Options::new().reply_delay_ms(30));
        let n = 30;
        let w = campaign(&server, n, &[]);
        let kill_after = 2 + (seed / (round + 1)) % 20;
        let mut child = Command::new(env!("CARGO_BIN_EXE_lettermerge"))
            .args(SEND)
            .current_dir(w.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(20);
        while server.messages().len() < kill_after && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(2));
        }
        child.kill().unwrap(); // SIGKILL
        child.wait().unwrap();
        let before = server.messages().len();
        assert!(before < n, "round {round}: killed after {before}");

        let run = w.run(&SEND);
        assert!(matches!(run.code, 0 | 1), "round {round}: {}", run.stderr);
        let states = ledger_states(&w);
        assert_eq!(states.len(), n, "round {round}");
        let mut unknown = 0;
        for (row, state) in &states {
            let address = format!("p{}@x.example", row - 2);
            let got = messages_to(&server, &address);
            match state.as_str() {
                "sent" => assert_eq!(got, 1, "round {round}, kill after {kill_after}: {address}"),
                // Handed over (or about to be) when the run died: never sent again by itself.
                "unknown" => {
                    unknown += 1;
                    assert!(got <= 1, "round {round}: {address} arrived {got} times");
                }
                other => panic!("round {round}: {address} left {other}: {}", run.stderr),
            }
        }
        // At most the message in flight and the next one, marked while the server worked.
        assert!(unknown <= 2, "round {round}: {unknown} unknown");
    }
}
