//! Hostile input, terminal class: data cells with terminal escape sequences (ESC ] ... BEL
//! retitles the window, ESC [2J clears the screen, a bare CR overwrites a line, C1 CSI)
//! are shown escaped by `preview`, the dry run and the problem messages, never obeyed.

mod common;

use common::Workdir;

const TEMPLATE: &str = r#"---
filename: "{{last_name}}"
address: |
  {{first_name}} {{last_name}}
  {{city}}
salutation: "Dear {{first_name}}:"
subject: "Hello from the library"
to: "{{email}}"
---
Thank you, {{first_name}}, for serving {{district}}.
"#;

/// One row whose cells hold the escape sequences an attacker (or a pasted web page) brings.
const CSV: &str = "first_name,last_name,city,email,district\n\
\"Ann\x1b]0;owned\x07\",\"Lee\x1b[2J\x1b[H\",\"Columbus\rFAKE\",ann@example.org,\"D\u{9b}31m1\"\n";

/// Fails if any byte that a terminal obeys reaches `out`.
fn assert_no_raw_controls(what: &str, out: &str) {
    for c in out.chars() {
        assert!(
            !(c.is_control() && c != '\n' && c != '\t' && c != '\r'),
            "{what} printed the raw control character U+{:04X}:\n{out:?}",
            c as u32
        );
    }
    assert!(
        !out.contains("\rFAKE"),
        "{what} printed a bare CR:\n{out:?}"
    );
}

fn campaign() -> Workdir {
    let w = Workdir::new();
    w.file("t.md", TEMPLATE);
    w.file("d.csv", CSV);
    w.file(
        "lettermerge.toml",
        "[smtp]\nhost = \"127.0.0.1\"\nport = 2525\nsecurity = \"none\"\nfrom = \"Advocacy <advocacy@library.example>\"\n",
    );
    w
}

#[test]
fn preview_text_shows_escape_sequences_escaped() {
    let w = campaign();
    let run = w.run_bounded(&["preview", "-t", "t.md", "-d", "d.csv"], &[]);
    run.expect_code(0);
    assert_no_raw_controls("preview", &run.stdout);
    assert!(
        run.stdout.contains("Ann\\x1B]0;owned\\x07"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("D\\u{9B}31m1"), "{}", run.stdout);
}

#[test]
fn preview_of_a_print_only_letter_shows_them_escaped() {
    let w = campaign();
    w.file("p.md", TEMPLATE.replace("to: \"{{email}}\"\n", ""));
    let run = w.run_bounded(&["preview", "-t", "p.md", "-d", "d.csv"], &[]);
    run.expect_code(0);
    assert_no_raw_controls("preview of a letter", &run.stdout);
    // A CR inside an address cell is a line break there, as in a spreadsheet.
    assert!(
        run.stdout.contains("Lee\\x1B[2J\\x1B[H\nColumbus\nFAKE\n"),
        "{}",
        run.stdout
    );
}

#[test]
fn preview_eml_keeps_crlf_and_escapes_the_rest() {
    let w = campaign();
    let run = w.run_bounded(
        &["preview", "-t", "t.md", "-d", "d.csv", "--format", "eml"],
        &[],
    );
    run.expect_code(0);
    assert_no_raw_controls("preview --format eml", &run.stdout);
    assert!(
        run.stdout.contains("\r\n"),
        "the message keeps its CRLF line ends"
    );
}

#[test]
fn dry_run_shows_escape_sequences_escaped() {
    let w = campaign();
    let run = w.run_bounded(
        &[
            "send",
            "-t",
            "t.md",
            "-d",
            "d.csv",
            "-c",
            "lettermerge.toml",
            "--dry-run",
        ],
        &[],
    );
    run.expect_code(0);
    assert_no_raw_controls("send --dry-run", &run.stdout);
    assert_no_raw_controls("send --dry-run (stderr)", &run.stderr);
    assert!(
        run.stdout.contains("Thank you, Ann\\x1B]0;owned\\x07"),
        "{}",
        run.stdout
    );
}

#[test]
fn problem_messages_show_a_hostile_cell_escaped() {
    let w = campaign();
    // An invalid address that carries an escape sequence: the error quotes the cell.
    w.file(
        "bad.csv",
        "first_name,last_name,city,email,district\nAnn,Lee,Columbus,\"ann\x1b[2J@@example.org\",D1\n",
    );
    let run = w.run_bounded(
        &["check", "-t", "t.md", "-d", "bad.csv", "--for", "email"],
        &[],
    );
    run.expect_code(1);
    assert_no_raw_controls("check", &run.stderr);
    assert!(run.stderr.contains("bad.csv row 2"), "{}", run.stderr);
}
