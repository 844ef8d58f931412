//! The `--help` texts, snapshotted: a change to them shows as a diff of the files in
//! tests/snapshots/. After a deliberate change, rerun with LETTERMERGE_UPDATE_SNAPSHOTS=1 and
//! read the diff before committing it.

use std::path::PathBuf;
use std::process::Command;

/// Every command, and the top level ("").
const COMMANDS: &[&str] = &[
    "",
    "pdf",
    "envelopes",
    "labels",
    "send",
    "login",
    "status",
    "check",
    "preview",
    "init",
    "studio",
];

fn help(command: &str) -> String {
    let mut args: Vec<&str> = Vec::new();
    if !command.is_empty() {
        args.push(command);
    }
    args.push("--help");
    let out = Command::new(env!("CARGO_BIN_EXE_lettermerge"))
        .args(&args)
        // Not a terminal: clap wraps at its default width, whatever the machine.
        .env_remove("COLUMNS")
        .output()
        .expect("run lettermerge");
    assert!(out.status.success(), "{args:?} failed");
    String::from_utf8(out.stdout).expect("help is UTF-8")
}

#[test]
fn help_texts_match_their_snapshots() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots");
    let update = std::env::var_os("LETTERMERGE_UPDATE_SNAPSHOTS").is_some();
    let mut stale = Vec::new();
    for command in COMMANDS {
        let name = if command.is_empty() {
            "lettermerge"
        } else {
            command
        };
        let path = dir.join(format!("help-{name}.txt"));
        let now = help(command);
        if update {
            std::fs::write(&path, &now).expect("write snapshot");
            continue;
        }
        let before = std::fs::read_to_string(&path).unwrap_or_default();
        if before != now {
            let first = before
                .lines()
                .zip(now.lines())
                .position(|(a, b)| a != b)
                .unwrap_or_else(|| before.lines().count().min(now.lines().count()));
            stale.push(format!(
                "{}: differs from line {}:\n  was: {:?}\n  now: {:?}",
                path.display(),
                first + 1,
                before.lines().nth(first).unwrap_or(""),
                now.lines().nth(first).unwrap_or("")
            ));
        }
    }
    assert!(
        stale.is_empty(),
        "the --help text changed; if that is meant, rerun with LETTERMERGE_UPDATE_SNAPSHOTS=1 \
         and commit the snapshots:\n{}",
        stale.join("\n")
    );
}

#[test]
fn every_command_has_a_snapshot() {
    let top = help("");
    let listed: Vec<&str> = top
        .lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        // A wrapped description goes on deeper indented: not a command.
        .filter(|l| !l[2..].starts_with(' '))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .collect();
    assert!(!listed.is_empty(), "no commands in:\n{top}");
    for command in listed {
        assert!(
            COMMANDS.contains(&command),
            "`{command}` has no --help snapshot: add it to COMMANDS in tests/help.rs"
        );
    }
}
