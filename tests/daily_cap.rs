//! The daily cap (`max_per_day`) through the real binary against the test SMTP server: the
//! run that reaches it says when it can go on, and a run on a later day goes on from there
//! (the day is moved by putting the ledger's send times a day back).

mod common;
#[path = "support/smtp_server.rs"]
mod smtp_server;

use common::Workdir;
use smtp_server::{Options, TestServer};

const TEMPLATE: &str =
    "---\nto: \"{{email}}\"\nsubject: \"Welcome, {{name}}\"\n---\nHello {{name}}.\n";

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
        &[],
    )
}

fn to(server: &TestServer, i: usize) -> usize {
    server
        .messages()
        .iter()
        .filter(|m| String::from_utf8_lossy(m).contains(&format!("To: m{i}@city.example")))
        .count()
}

/// Puts every send time in the ledger two days back: as if the runs were on an earlier day.
fn age_the_ledger(w: &Workdir) {
    let db = rusqlite::Connection::open(w.join("d.ledger.sqlite")).expect("open the ledger");
    db.execute(
        "UPDATE events SET at = strftime('%Y-%m-%dT%H:%M:%fZ', at, '-2 days')",
        [],
    )
    .expect("age the ledger");
}

#[test]
fn the_cap_says_when_to_go_on_and_a_later_day_goes_on_from_there() {
    let server = TestServer::start(Options::new());
    let w = Workdir::new();
    w.file("t.md", TEMPLATE);
    let mut data = "name,email\n".to_string();
    for i in 1..=5 {
        data.push_str(&format!("N{i},m{i}@city.example\n"));
    }
    w.file("d.csv", data);
    w.file(
        "lettermerge.toml",
        format!(
            "[smtp]\nhost = \"127.0.0.1\"\nport = {}\nsecurity = \"none\"\n\
             from = \"a@library.example\"\nmax_per_day = 2\n",
            server.port()
        ),
    );
    let first = send(&w);
    first.expect_code(1);
    let tomorrow = (chrono::Local::now().date_naive() + chrono::Days::new(1))
        .format("%Y-%m-%d 00:00")
        .to_string();
    assert!(first.stderr.contains("daily cap of 2"), "{}", first.stderr);
    assert!(
        first
            .stderr
            .contains(&format!("run the same command again from {tomorrow}")),
        "says when: {}",
        first.stderr
    );
    assert_eq!(server.messages().len(), 2);

    // The same day: nothing more.
    send(&w).expect_code(1);
    assert_eq!(server.messages().len(), 2);

    // A later day: the next two, then the last one.
    age_the_ledger(&w);
    send(&w).expect_code(1);
    assert_eq!(server.messages().len(), 4);
    age_the_ledger(&w);
    send(&w).expect_code(0);
    for i in 1..=5 {
        assert_eq!(to(&server, i), 1, "row {i} exactly once");
    }
}
