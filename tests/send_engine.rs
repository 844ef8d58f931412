//! The send engine as the studio drives it (the library's `campaign::send::run`, with its own
//! front end), against the tests' real SMTP server: the events it reports, and a stop in the
//! middle of a run that loses nothing and sends nothing twice.

mod common;
#[path = "support/smtp_server.rs"]
mod smtp_server;

use clap::Parser;
use common::Workdir;
use lettermerge::campaign::send::{self, Plan, SecretRequest, SendEvent, SendFront};
use lettermerge::config::send::SendConfig;
use lettermerge::exit_codes::ExitCode;
use lettermerge::report::Reporter;
use lettermerge::smtp::Secret;
use smtp_server::{Options, TestServer};
use std::sync::atomic::{AtomicBool, Ordering};

const TEMPLATE: &str =
    "---\nto: \"{{email}}\"\nsubject: \"Welcome, {{name}}\"\n---\nDear {{name}},\n\nWelcome.\n";

const ROWS: u64 = 10;

fn campaign(server: &TestServer) -> Workdir {
    let w = Workdir::new();
    w.file("t.md", TEMPLATE);
    let mut csv = String::from("name,email\n");
    for i in 1..=ROWS {
        csv.push_str(&format!("Member {i},m{i}@council.example\n"));
    }
    w.file("d.csv", csv);
    w.file(
        "lettermerge.toml",
        format!(
            "[smtp]\nhost = \"127.0.0.1\"\nport = {}\nsecurity = \"none\"\n\
             from = \"Library Advocacy <advocacy@library.example>\"\ntimeout_s = 5\n",
            server.port()
        ),
    );
    w
}

fn config(w: &Workdir) -> SendConfig {
    let cli = lettermerge::cli::Cli::parse_from([
        "lettermerge",
        "send",
        "-t",
        w.join("t.md").to_str().unwrap(),
        "-d",
        w.join("d.csv").to_str().unwrap(),
        "-c",
        w.join("lettermerge.toml").to_str().unwrap(),
        "--yes",
        "--quiet",
    ]);
    match cli.command {
        lettermerge::cli::Command::Send(args) => SendConfig::from_args(args).unwrap(),
        _ => unreachable!("parsed as send"),
    }
}

/// A front end that records every event and sets the stop flag after `stop_after` sent.
struct Recorder<'a> {
    events: Vec<SendEvent>,
    confirmed: Option<Plan>,
    stop: &'a AtomicBool,
    stop_after: u64,
}

impl SendFront for Recorder<'_> {
    fn confirm(&mut self, plan: &Plan) -> Result<(), String> {
        self.confirmed = Some(plan.clone());
        Ok(())
    }
    fn secret(&mut self, _: &SecretRequest) -> Result<Secret, String> {
        Err("no login on this server".into())
    }
    fn event(&mut self, event: &SendEvent) {
        self.events.push(event.clone());
        let sent = self
            .events
            .iter()
            .filter(|e| matches!(e, SendEvent::Sent { .. }))
            .count() as u64;
        if sent >= self.stop_after {
            self.stop.store(true, Ordering::Relaxed);
        }
    }
    fn print(&mut self, _: &str) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn a_stop_mid_run_loses_nothing_and_the_next_run_sends_only_the_rest() {
    let server = TestServer::start(Options::new());
    let w = campaign(&server);
    let cfg = config(&w);
    let reporter = Reporter::silent(&cfg.input.data);

    let stop = AtomicBool::new(false);
    let mut front = Recorder {
        events: Vec::new(),
        confirmed: None,
        stop: &stop,
        stop_after: 3,
    };
    let code = send::run(&cfg, &reporter, &mut front, &stop).unwrap();
    assert_eq!(code, ExitCode::Success);
    let plan = front.confirmed.clone().expect("asked to confirm");
    assert_eq!(plan.messages, ROWS);
    assert_eq!(
        front.events[..2],
        [
            SendEvent::Checked {
                rows: ROWS,
                valid: ROWS,
                invalid: 0
            },
            SendEvent::Started { total: ROWS },
        ]
    );
    let sent: Vec<u64> = front
        .events
        .iter()
        .filter_map(|e| match e {
            SendEvent::Sent { row } => Some(*row),
            _ => None,
        })
        .collect();
    assert_eq!(sent, [2, 3, 4], "rows as the spreadsheet numbers them");
    match front.events.last() {
        Some(SendEvent::Finished(outcome)) => {
            assert!(outcome.stopped, "{outcome:?}");
            assert_eq!(outcome.sent, 3);
        }
        other => panic!("the last event is {other:?}"),
    }
    assert_eq!(server.messages().len(), 3, "the stop let nothing more out");
    // The ledger: 3 sent, and the message held when the stop came is pending, not sending
    // (which the next run would turn into unknown).
    let state = send::status::campaign(
        &cfg.ledger,
        &lettermerge::campaign::email::campaign_key(&cfg.input.data, None, &cfg.input.template),
    )
    .unwrap()
    .expect("the campaign is in the ledger");
    let c = state.counts();
    assert_eq!((c.sent, c.unknown, c.sending), (3, 0, 0), "{c:?}");

    // What the confirmation would say now: 7 to go, 3 sent before.
    let confirmation = send::plan::confirmation(&cfg, 2).unwrap();
    assert_eq!(
        (confirmation.messages, confirmation.already_sent),
        (ROWS - 3, 3)
    );
    assert_eq!(confirmation.first[0].addresses, "m4@council.example");

    let again = AtomicBool::new(false);
    let mut front = Recorder {
        events: Vec::new(),
        confirmed: None,
        stop: &again,
        stop_after: u64::MAX,
    };
    send::run(&cfg, &reporter, &mut front, &again).unwrap();
    let skipped = front
        .events
        .iter()
        .filter(|e| matches!(e, SendEvent::Skipped { .. }))
        .count();
    assert_eq!(skipped, 3);
    let messages = server.messages();
    assert_eq!(messages.len() as u64, ROWS, "each message exactly once");
    for i in 1..=ROWS {
        let to = format!("To: m{i}@council.example\r\n");
        let n = messages
            .iter()
            .filter(|m| String::from_utf8_lossy(m).contains(&to))
            .count();
        assert_eq!(n, 1, "m{i}");
    }
}
