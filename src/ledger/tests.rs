//! Tests of the send ledger on real SQLite files in temp folders, including a child process
//! killed with SIGKILL while it holds the lock with a row in `sending`.

use super::{
    export_failures_csv, CampaignInfo, Counts, Durability, Ledger, LedgerError, LedgerReader,
    OpenReport, RowState,
};
use chrono::{Duration as ChronoDuration, Utc};
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn campaign(key: &str, hash: &str) -> CampaignInfo {
    CampaignInfo {
        key: key.to_string(),
        template_hash: hash.to_string(),
        data_path: "/data/officials.csv".to_string(),
        template_path: "/data/welcome.md".to_string(),
    }
}

fn open(path: &Path, c: &CampaignInfo) -> (Ledger, OpenReport) {
    match Ledger::open(path, c, false) {
        Ok(x) => x,
        Err(e) => panic!("open failed: {e}"),
    }
}

fn ledger_path(dir: &tempfile::TempDir) -> PathBuf {
    dir.path().join("officials.ledger.sqlite")
}

#[test]
fn states_and_outcomes_persist_across_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = ledger_path(&dir);
    let c = campaign("officials.csv+welcome.md", "hash-1");
    {
        let (mut l, report) = open(&path, &c);
        assert!(report.ledger_created && report.campaign_created);
        assert_eq!(report.counts, Counts::default());
        assert_eq!(l.state("row 2 <a@x.gov>").unwrap(), None);

        l.mark_sending("row 2 <a@x.gov>", 2, "<r2@camp>", "a@x.gov")
            .unwrap();
        assert_eq!(
            l.state("row 2 <a@x.gov>").unwrap().unwrap().state,
            RowState::Sending
        );
        l.mark_sent("row 2 <a@x.gov>", 250, "2.0.0 Ok: queued as ABC")
            .unwrap();

        l.mark_sending("row 3 <b@x.gov>", 3, "<r3@camp>", "b@x.gov, cc@x.gov")
            .unwrap();
        l.mark_failed(
            "row 3 <b@x.gov>",
            Some(550),
            "5.1.1 <b@x.gov>: user unknown",
        )
        .unwrap();

        l.mark_sending("row 4 <c@x.gov>", 4, "<r4@camp>", "c@x.gov")
            .unwrap();
        l.mark_deferred("row 4 <c@x.gov>", Some(451), "4.3.0 try later")
            .unwrap();
        l.mark_sending("row 4 <c@x.gov>", 4, "<r4@camp>", "c@x.gov")
            .unwrap();
        l.mark_unknown("row 4 <c@x.gov>", "connection reset after DATA")
            .unwrap();

        l.mark_pending("row 5 <d@x.gov>", 5).unwrap();
    }
    let (l, report) = open(&path, &c);
    assert!(!report.ledger_created && !report.campaign_created);
    assert_eq!(report.recovered_unknown, 0);
    assert_eq!(
        report.counts,
        Counts {
            pending: 1,
            sending: 0,
            sent: 1,
            failed: 1,
            unknown: 1
        }
    );

    let sent = l.state("row 2 <a@x.gov>").unwrap().unwrap();
    assert_eq!(sent.state, RowState::Sent);
    assert_eq!(sent.row, 2);
    assert_eq!(sent.code, Some(250));
    assert_eq!(sent.text.as_deref(), Some("2.0.0 Ok: queued as ABC"));
    assert_eq!(sent.message_id.as_deref(), Some("<r2@camp>"));
    assert_eq!(sent.attempts, 1);
    assert!(
        sent.updated.ends_with('Z') && sent.updated.len() == 27,
        "{}",
        sent.updated
    );

    let failed = l.failures().unwrap();
    assert_eq!(failed.len(), 1);
    assert_eq!(failed[0].recipients, "b@x.gov, cc@x.gov");
    assert_eq!(failed[0].code, Some(550));

    let unknown = l.unknown_rows().unwrap();
    assert_eq!(unknown.len(), 1);
    assert_eq!(unknown[0].row, 4);
    assert_eq!(unknown[0].attempts, 2, "attempts counts mark_sending calls");
    assert_eq!(unknown[0].code, None);

    let history: Vec<RowState> = l
        .history("row 4 <c@x.gov>")
        .unwrap()
        .into_iter()
        .map(|e| e.state)
        .collect();
    assert_eq!(
        history,
        [
            RowState::Sending,
            RowState::Pending,
            RowState::Sending,
            RowState::Unknown
        ]
    );

    let pending = l.rows(Some(RowState::Pending)).unwrap();
    assert_eq!(pending.len(), 1);
    assert_eq!((pending[0].row, pending[0].attempts), (5, 0));
}

#[test]
fn a_sent_row_is_never_marked_sending_again() {
    let dir = tempfile::tempdir().unwrap();
    let path = ledger_path(&dir);
    let (mut l, _) = open(&path, &campaign("c", "h"));
    l.mark_sending("k", 2, "<m>", "a@x.gov").unwrap();
    l.mark_sent("k", 250, "ok").unwrap();

    let e = l.mark_sending("k", 2, "<m>", "a@x.gov").unwrap_err();
    assert!(
        matches!(
            e,
            LedgerError::BadTransition {
                from: RowState::Sent,
                to: RowState::Sending,
                ..
            }
        ),
        "{e:?}"
    );
    assert!(e.to_string().contains("never sent twice"), "{e}");
    assert!(matches!(
        l.mark_pending("k", 2),
        Err(LedgerError::BadTransition { .. })
    ));
    assert!(matches!(
        l.mark_failed("k", Some(550), "no"),
        Err(LedgerError::BadTransition { .. })
    ));
    // The refused calls changed nothing.
    let r = l.state("k").unwrap().unwrap();
    assert_eq!(
        (r.state, r.attempts, r.code),
        (RowState::Sent, 1, Some(250))
    );

    // Outcomes for rows never handed over are caller bugs, reported as such.
    assert!(matches!(
        l.mark_sent("nobody", 250, "ok"),
        Err(LedgerError::NoSuchRow { .. })
    ));
    l.mark_pending("p", 3).unwrap();
    assert!(matches!(
        l.mark_sent("p", 250, "ok"),
        Err(LedgerError::BadTransition {
            from: RowState::Pending,
            to: RowState::Sent,
            ..
        })
    ));
}

#[test]
fn rows_left_sending_become_unknown_on_reopen() {
    let dir = tempfile::tempdir().unwrap();
    let path = ledger_path(&dir);
    let c = campaign("c", "h");
    {
        let (mut l, _) = open(&path, &c);
        l.mark_sending("a", 2, "<a>", "a@x.gov").unwrap();
        l.mark_sending("b", 3, "<b>", "b@x.gov").unwrap();
        l.mark_sent("b", 250, "ok").unwrap();
        l.mark_sending("c", 4, "<c>", "c@x.gov").unwrap();
        // Dropped with `a` and `c` still in `sending`, as a crash would leave them.
    }
    let (mut l, report) = open(&path, &c);
    assert_eq!(report.recovered_unknown, 2);
    assert_eq!(report.counts.unknown, 2);
    assert_eq!(report.counts.sending, 0);
    let a = l.state("a").unwrap().unwrap();
    assert_eq!(a.state, RowState::Unknown);
    assert!(a.text.unwrap().contains("stopped before recording"));
    assert_eq!(a.message_id.as_deref(), Some("<a>"));

    // The user may resend an unknown row (--resend-unknown) and it can then be sent.
    l.mark_sending("a", 2, "<a>", "a@x.gov").unwrap();
    l.mark_sent("a", 250, "ok").unwrap();
    assert_eq!(l.state("a").unwrap().unwrap().attempts, 2);

    let summary = l.summary().unwrap();
    assert!(summary.contains("2 sent, 0 failed, 1 unknown"), "{summary}");
    assert!(summary.contains("row 4: c"), "{summary}");
    assert!(summary.contains("--resend-unknown"), "{summary}");
}

#[test]
fn second_open_is_locked_until_the_first_is_dropped() {
    let dir = tempfile::tempdir().unwrap();
    let path = ledger_path(&dir);
    let c = campaign("campaign one", "h");
    let (first, _) = open(&path, &c);

    let e = Ledger::open(&path, &c, false).unwrap_err();
    match &e {
        LedgerError::Locked { holder, .. } => {
            assert_eq!(holder.pid, Some(std::process::id()));
            assert_eq!(holder.campaign.as_deref(), Some("campaign one"));
            assert!(holder.host.is_some() && holder.started.is_some());
        }
        other => panic!("expected Locked, got {other:?}"),
    }
    let msg = e.to_string();
    assert!(
        msg.contains(&format!("pid {}", std::process::id())),
        "{msg}"
    );
    assert!(msg.contains("officials.ledger.sqlite"), "{msg}");

    // Another campaign in the same ledger is locked out too: the daily cap spans campaigns.
    assert!(matches!(
        Ledger::open(&path, &campaign("campaign two", "h"), false),
        Err(LedgerError::Locked { .. })
    ));

    // status reads without the lock, while the run holds it.
    let reader = LedgerReader::open(&path).unwrap();
    assert_eq!(reader.campaigns().unwrap().len(), 1);

    drop(first);
    let (_again, report) = open(&path, &c);
    assert!(!report.campaign_created);
}

/// The environment variable that turns [`child_holds_lock_helper`] from a no-op into the
/// child process of [`lock_vanishes_when_the_holder_is_killed`].
const CHILD_ENV: &str = "LETTERMERGE_LEDGER_TEST_CHILD";
const CHILD_READY: &str = "LEDGER-CHILD-HOLDS-LOCK";

/// Not a test on its own: when run as a child with [`CHILD_ENV`] set, it opens the ledger,
/// records a row as `sending`, says so, and waits to be killed.
#[test]
fn child_holds_lock_helper() {
    let Ok(path) = std::env::var(CHILD_ENV) else {
        return;
    };
    let (mut l, _) = open(Path::new(&path), &campaign("c", "h"));
    l.mark_sending("row 9", 9, "<r9@c>", "i@x.gov").unwrap();
    println!("\n{CHILD_READY}");
    std::thread::sleep(Duration::from_secs(60));
}

/// Kills the child if the test fails before it does.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn lock_vanishes_when_the_holder_is_killed_and_its_sending_row_survives() {
    let dir = tempfile::tempdir().unwrap();
    let path = ledger_path(&dir);
    let exe = std::env::current_exe().unwrap();
    let mut child = KillOnDrop(
        Command::new(exe)
            .args([
                "ledger::tests::child_holds_lock_helper",
                "--exact",
                "--nocapture",
                "--test-threads=1",
            ])
            .env(CHILD_ENV, &path)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let stdout = child.0.stdout.take().unwrap();
    let ready = BufReader::new(stdout)
        .lines()
        .map_while(Result::ok)
        .any(|line| line.contains(CHILD_READY));
    assert!(ready, "the child never reported holding the lock");

    match Ledger::open(&path, &campaign("c", "h"), false) {
        Err(LedgerError::Locked { holder, .. }) => assert_eq!(holder.pid, Some(child.0.id())),
        Err(e) => panic!("expected Locked, got {e}"),
        Ok(_) => panic!("opened a ledger another live process holds"),
    }

    // std's Child::kill is SIGKILL on Unix: no destructor, no cleanup runs in the child.
    child.0.kill().unwrap();
    child.0.wait().unwrap();

    let started = Instant::now();
    let (l, report) = open(&path, &campaign("c", "h"));
    assert!(started.elapsed() < Duration::from_secs(2));
    assert_eq!(
        report.recovered_unknown, 1,
        "the synced `sending` row survived SIGKILL"
    );
    assert_eq!(l.state("row 9").unwrap().unwrap().state, RowState::Unknown);
}

#[test]
fn a_changed_template_is_refused_unless_allowed() {
    let dir = tempfile::tempdir().unwrap();
    let path = ledger_path(&dir);
    drop(open(&path, &campaign("c", "0123456789abcdef-old")));

    let changed = campaign("c", "fedcba9876543210-new");
    let e = Ledger::open(&path, &changed, false).unwrap_err();
    match &e {
        LedgerError::TemplateChanged {
            recorded_hash,
            current_hash,
            ..
        } => {
            assert_eq!(recorded_hash, "0123456789abcdef-old");
            assert_eq!(current_hash, "fedcba9876543210-new");
        }
        other => panic!("expected TemplateChanged, got {other:?}"),
    }
    let msg = e.to_string();
    assert!(
        msg.contains("/data/welcome.md") && msg.contains("0123456789ab"),
        "{msg}"
    );
    assert!(msg.contains("--allow-template-change"), "{msg}");

    let (l, report) = Ledger::open(&path, &changed, true).unwrap();
    let change = report.template_changed.unwrap();
    assert_eq!(change.recorded, "0123456789abcdef-old");
    drop(l);
    // The new hash is now the campaign's: the new template opens, the old one is refused.
    let (l, report) = open(&path, &changed);
    assert_eq!(report.template_changed, None);
    drop(l);
    assert!(matches!(
        Ledger::open(&path, &campaign("c", "0123456789abcdef-old"), false),
        Err(LedgerError::TemplateChanged { .. })
    ));
}

#[test]
fn sent_since_counts_every_campaign_in_the_ledger() {
    let dir = tempfile::tempdir().unwrap();
    let path = ledger_path(&dir);
    let before = Utc::now() - ChronoDuration::seconds(1);
    {
        let (mut a, _) = open(&path, &campaign("a", "h"));
        for k in ["a1", "a2"] {
            a.mark_sending(k, 2, "<m>", "x@x.gov").unwrap();
            a.mark_sent(k, 250, "ok").unwrap();
        }
        // A refused message did not count against the server's limit.
        a.mark_sending("a3", 4, "<m>", "x@x.gov").unwrap();
        a.mark_failed("a3", Some(550), "no").unwrap();
    }
    let (mut b, _) = open(&path, &campaign("b", "h"));
    b.mark_sending("b1", 2, "<m>", "x@x.gov").unwrap();
    b.mark_sent("b1", 250, "ok").unwrap();
    // An unknown message may have gone out: it counts, and if resent it counts again.
    b.mark_sending("b2", 3, "<m>", "x@x.gov").unwrap();
    b.mark_unknown("b2", "reset").unwrap();
    assert_eq!(b.sent_since(before).unwrap(), 4);
    b.mark_sending("b2", 3, "<m>", "x@x.gov").unwrap();
    b.mark_sent("b2", 250, "ok").unwrap();
    assert_eq!(b.sent_since(before).unwrap(), 5);
    assert_eq!(
        b.sent_since(Utc::now() + ChronoDuration::seconds(5))
            .unwrap(),
        0
    );
    let reader = LedgerReader::open(&path).unwrap();
    assert_eq!(reader.sent_since(before).unwrap(), 5);
    // Per-campaign counts stay per campaign.
    assert_eq!(b.counts().unwrap().sent, 2);
    assert_eq!(reader.campaigns().unwrap()[0].counts.sent, 2);
    assert_eq!(reader.campaigns().unwrap()[0].counts.failed, 1);
}

#[test]
fn failures_export_as_csv_with_their_smtp_codes() {
    let dir = tempfile::tempdir().unwrap();
    let path = ledger_path(&dir);
    let (mut l, _) = open(&path, &campaign("c", "h"));
    l.mark_sending("row 7 <jane@x.gov>", 7, "<7@c>", "jane@x.gov")
        .unwrap();
    l.mark_failed(
        "row 7 <jane@x.gov>",
        Some(550),
        "5.1.1 <jane@x.gov>: Recipient address rejected: \"no such user\", sorry",
    )
    .unwrap();
    l.mark_sending("row 3 <bo@x.gov>", 3, "<3@c>", "bo@x.gov")
        .unwrap();
    l.mark_failed(
        "row 3 <bo@x.gov>",
        None,
        "gave up after 5 tries: connection refused",
    )
    .unwrap();
    let failures = l.failures().unwrap();
    let updated: Vec<String> = failures.iter().map(|r| r.updated.clone()).collect();
    let mut out = Vec::new();
    export_failures_csv(&failures, &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    let expected = format!(
        "row,row_key,recipients,state,code,text,attempts,updated\n\
         3,row 3 <bo@x.gov>,bo@x.gov,failed,,gave up after 5 tries: connection refused,1,{}\n\
         7,row 7 <jane@x.gov>,jane@x.gov,failed,550,\"5.1.1 <jane@x.gov>: Recipient address \
         rejected: \"\"no such user\"\", sorry\",1,{}\n",
        updated[0], updated[1]
    );
    assert_eq!(text, expected);

    // Read back with a CSV parser, as a spreadsheet would.
    let mut rdr = csv::Reader::from_reader(text.as_bytes());
    let rows: Vec<csv::StringRecord> = rdr.records().map(|r| r.unwrap()).collect();
    assert_eq!(&rows[1][4], "550");
    assert!(rows[1][5].contains("\"no such user\""));
}

#[test]
fn a_file_that_is_not_a_ledger_is_refused_by_name() {
    let dir = tempfile::tempdir().unwrap();
    let not_db = dir.path().join("officials.csv");
    std::fs::write(&not_db, "name,email\nJane,jane@x.gov\n".repeat(100)).unwrap();
    let e = Ledger::open(&not_db, &campaign("c", "h"), false).unwrap_err();
    assert!(matches!(e, LedgerError::Corrupt { .. }), "{e:?}");
    let msg = e.to_string();
    assert!(
        msg.contains("officials.csv") && msg.contains("not a SQLite database"),
        "{msg}"
    );
    // Refusing it changed nothing in it.
    assert!(std::fs::read_to_string(&not_db)
        .unwrap()
        .starts_with("name,email"));
    assert!(matches!(
        LedgerReader::open(&not_db),
        Err(LedgerError::Corrupt { .. })
    ));

    let foreign = dir.path().join("other.sqlite");
    {
        let conn = rusqlite::Connection::open(&foreign).unwrap();
        conn.execute_batch("CREATE TABLE contacts (name TEXT, email TEXT);")
            .unwrap();
    }
    let e = Ledger::open(&foreign, &campaign("c", "h"), false).unwrap_err();
    let msg = e.to_string();
    assert!(matches!(e, LedgerError::Corrupt { .. }), "{e:?}");
    assert!(
        msg.contains("other.sqlite") && msg.contains("another program"),
        "{msg}"
    );

    let newer = dir.path().join("newer.sqlite");
    drop(open(&newer, &campaign("c", "h")));
    {
        let conn = rusqlite::Connection::open(&newer).unwrap();
        conn.pragma_update(None, "user_version", 99).unwrap();
    }
    let msg = Ledger::open(&newer, &campaign("c", "h"), false)
        .unwrap_err()
        .to_string();
    assert!(msg.contains("newer lettermerge"), "{msg}");

    let missing = dir.path().join("nope.sqlite");
    assert!(matches!(
        LedgerReader::open(&missing),
        Err(LedgerError::NotFound { .. })
    ));
    assert!(!missing.exists(), "status must not create a ledger");

    let no_dir = dir.path().join("no such folder").join("l.sqlite");
    let msg = Ledger::open(&no_dir, &campaign("c", "h"), false)
        .unwrap_err()
        .to_string();
    assert!(msg.contains("no such folder"), "{msg}");
}

#[test]
fn reader_lists_campaigns_rows_and_summary() {
    let dir = tempfile::tempdir().unwrap();
    let path = ledger_path(&dir);
    {
        let (mut l, _) = open(&path, &campaign("spring", "h"));
        let keys: Vec<(String, u64)> = (2..12).map(|r| (format!("row {r}"), r)).collect();
        let added = l
            .register_pending(keys.iter().map(|(k, r)| (k.as_str(), *r)))
            .unwrap();
        assert_eq!(added, 10);
        assert_eq!(
            l.register_pending([("row 2", 2), ("row 99", 99)]).unwrap(),
            1
        );
        l.mark_sending("row 2", 2, "<2@s>", "a@x.gov").unwrap();
        l.mark_sent("row 2", 250, "ok").unwrap();
        l.mark_sending("row 3", 3, "<3@s>", "b@x.gov").unwrap();
        l.mark_unknown("row 3", "connection reset by peer").unwrap();
        l.mark_sending("row 4", 4, "<4@s>", "c@x.gov").unwrap();
        l.mark_failed("row 4", Some(554), "5.7.1 rejected").unwrap();
    }
    drop(open(&path, &campaign("autumn", "h2")));

    let reader = LedgerReader::open(&path).unwrap();
    let campaigns = reader.campaigns().unwrap();
    let keys: Vec<&str> = campaigns.iter().map(|c| c.info.key.as_str()).collect();
    assert_eq!(keys, ["spring", "autumn"]);
    assert_eq!(
        campaigns[0].counts,
        Counts {
            pending: 8,
            sending: 0,
            sent: 1,
            failed: 1,
            unknown: 1
        }
    );
    assert_eq!(reader.failures("spring").unwrap()[0].code, Some(554));
    assert_eq!(reader.unknown_rows("spring").unwrap()[0].row, 3);
    assert_eq!(reader.history("spring", "row 2").unwrap().len(), 2);
    assert!(matches!(
        reader.rows("winter", None),
        Err(LedgerError::NoSuchCampaign { .. })
    ));

    let s = reader.summary().unwrap();
    assert!(s.contains("campaign \"spring\""), "{s}");
    assert!(
        s.contains("1 sent, 1 failed, 1 unknown, 8 pending, 0 sending (11 rows)"),
        "{s}"
    );
    assert!(
        s.contains("row 3: row 3") && s.contains("Message-ID <3@s>"),
        "{s}"
    );
    assert!(s.contains("connection reset by peer"), "{s}");
    assert!(s.contains("campaign \"autumn\""), "{s}");
}

/// Measures the ledger's cost per message: `mark_sending` + `mark_sent`, each its own
/// commit, in both durability modes. Run:
/// `cargo test --release --lib ledger::tests::bench -- --ignored --nocapture`
/// (LEDGER_BENCH_DIR picks the disk; the default is the system temp folder).
#[test]
#[ignore]
fn bench_mark_sending_and_sent_pairs() {
    for durability in [Durability::EveryChange, Durability::SendingOnly] {
        let dir = match std::env::var("LEDGER_BENCH_DIR") {
            Ok(d) => tempfile::tempdir_in(d).unwrap(),
            Err(_) => tempfile::tempdir().unwrap(),
        };
        let path = ledger_path(&dir);
        let (mut l, _) = open(&path, &campaign("bench", "h"));
        l.set_durability(durability);
        let n = 1000u64;
        let keys: Vec<String> = (0..n)
            .map(|i| format!("row {} <o{i}@x.gov>", i + 2))
            .collect();
        let started = Instant::now();
        for (i, k) in keys.iter().enumerate() {
            l.mark_sending(k, i as u64 + 2, "<m@bench>", "o@x.gov")
                .unwrap();
            l.mark_sent(k, 250, "2.0.0 Ok: queued").unwrap();
        }
        l.flush().unwrap();
        let elapsed = started.elapsed();
        println!(
            "ledger bench {durability:?}: {n} mark_sending+mark_sent pairs in {:.3} s = {:.0} \
             pairs/s ({:.3} ms per pair)",
            elapsed.as_secs_f64(),
            n as f64 / elapsed.as_secs_f64(),
            elapsed.as_secs_f64() * 1000.0 / n as f64
        );
    }
}

#[test]
fn outcomes_written_without_their_own_fsync_still_persist() {
    let dir = tempfile::tempdir().unwrap();
    let path = ledger_path(&dir);
    let c = campaign("c", "h");
    {
        let (mut l, _) = open(&path, &c);
        l.set_durability(Durability::SendingOnly);
        l.mark_sending("a", 2, "<a>", "a@x.gov").unwrap();
        l.mark_sent("a", 250, "ok").unwrap();
        l.mark_sending("b", 3, "<b>", "b@x.gov").unwrap();
        l.mark_failed("b", Some(550), "no").unwrap();
        l.flush().unwrap();
        l.mark_sending("c", 4, "<c>", "c@x.gov").unwrap();
        l.mark_sent("c", 250, "ok").unwrap();
    }
    let (l, report) = open(&path, &c);
    assert_eq!(report.recovered_unknown, 0);
    assert_eq!((report.counts.sent, report.counts.failed), (2, 1));
    assert_eq!(l.history("c").unwrap().len(), 2);
}

#[cfg(unix)]
#[test]
fn a_dangling_symlink_where_the_ledger_goes_is_refused_and_its_target_not_made() {
    let dir = tempfile::tempdir().unwrap();
    let path = ledger_path(&dir);
    let target = dir.path().join("elsewhere.sqlite");
    std::os::unix::fs::symlink(&target, &path).unwrap();
    let err = match Ledger::open(&path, &campaign("k", "h"), false) {
        Ok(_) => panic!("a ledger was created through a dangling symlink"),
        Err(e) => e,
    };
    assert!(!target.exists(), "the symlink's target was created ({err})");
    assert!(err.to_string().contains("symlink"), "{err}");
}

#[cfg(unix)]
#[test]
fn a_symlink_to_an_existing_ledger_is_followed() {
    let dir = tempfile::tempdir().unwrap();
    let real = dir.path().join("real.sqlite");
    drop(open(&real, &campaign("k", "h")));
    let link = ledger_path(&dir);
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let (_ledger, _report) = open(&link, &campaign("k", "h"));
}
