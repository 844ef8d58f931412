//! Hostile files through the real binary, each run bounded in time and memory: images that
//! are huge, endless, blocking or cut short; config files that never end; outputs that would
//! replace an input or each other; symlinks where lettermerge writes; file names from data
//! that hide what they are.

mod common;

use common::{repo, Workdir};
use std::path::Path;

/// A letter template whose body shows the image named by the data's `img` column.
const TEMPLATE: &str = r#"---
filename: "{{name}}"
address: |
  {{name}}
  1 Main St
  Riverside, OH  43001
---
Dear {{name}},

![Picture]({{img}})
"#;

/// A plain letter template with no image.
const PLAIN: &str = r#"---
filename: "{{name}}"
address: |
  {{name}}
  1 Main St
  Riverside, OH  43001
---
Dear {{name}}, welcome.
"#;

fn mkfifo(path: &Path) {
    let ok = std::process::Command::new("mkfifo")
        .arg(path)
        .status()
        .expect("mkfifo")
        .success();
    assert!(ok, "mkfifo {}", path.display());
}

fn logo(w: &Workdir) {
    std::fs::copy(repo().join("templates/logo.png"), w.join("logo.png")).unwrap();
}

/// An image named by a data cell: the row is refused with its number and the reason, and
/// nothing is written.
fn image_row_is_refused(img: &str, expect: &str) {
    let w = Workdir::new();
    logo(&w);
    w.file("t.md", TEMPLATE);
    w.file("d.csv", format!("name,img\nAda,logo.png\nBea,{img}\n"));
    if img == "pipe.png" {
        mkfifo(&w.join("pipe.png"));
    }
    for cmd in ["pdf", "check"] {
        let mut args = vec![cmd, "-t", "t.md", "-d", "d.csv"];
        if cmd == "pdf" {
            args.extend(["-o", "out"]);
        }
        let run = w.run_bounded(&args, &[]);
        run.expect_code(1);
        assert!(
            run.stderr.contains("d.csv row 3") && run.stderr.contains(expect),
            "{cmd}: {}",
            run.stderr
        );
        assert!(!run.stderr.contains("row 2"), "{}", run.stderr);
    }
    assert!(
        w.list("out").is_empty(),
        "nothing written: {:?}",
        w.list("out")
    );
}

#[test]
fn an_image_named_by_a_data_cell_that_is_a_device_is_a_row_error() {
    image_row_is_refused("/dev/zero", "/dev/zero: it is a device, not a regular file");
}

#[test]
fn an_image_that_is_a_fifo_is_a_row_error_not_a_hang() {
    image_row_is_refused("pipe.png", "pipe.png: it is a FIFO (named pipe)");
}

#[test]
fn a_40000_by_40000_png_is_refused_from_its_header() {
    let w = Workdir::new();
    std::fs::copy(
        repo().join("tests/data/images/huge-40000x40000.png"),
        w.join("huge.png"),
    )
    .unwrap();
    image_row_is_refused_in(
        &w,
        "huge.png",
        "40000 × 40000 pixels, more than the limit of 40 million pixels",
    );
}

fn image_row_is_refused_in(w: &Workdir, img: &str, expect: &str) {
    logo(w);
    w.file("t.md", TEMPLATE);
    w.file("d.csv", format!("name,img\nAda,logo.png\nBea,{img}\n"));
    let run = w.run_bounded(&["pdf", "-t", "t.md", "-d", "d.csv", "-o", "out"], &[]);
    run.expect_code(1);
    assert!(
        run.stderr.contains("d.csv row 3") && run.stderr.contains(expect),
        "{}",
        run.stderr
    );
    assert!(w.list("out").is_empty());
    let run = w.run_bounded(&["check", "-t", "t.md", "-d", "d.csv", "--for", "pdf"], &[]);
    run.expect_code(1);
    assert!(
        run.stderr.contains("d.csv row 3") && run.stderr.contains(expect),
        "{}",
        run.stderr
    );
}

#[test]
fn a_truncated_jpeg_is_a_row_problem_not_a_blank_box() {
    let w = Workdir::new();
    let jpeg = std::fs::read(repo().join("tests/data/images/rgb.jpg")).unwrap();
    w.file("cut.jpg", &jpeg[..jpeg.len() * 2 / 3]);
    image_row_is_refused_in(
        &w,
        "cut.jpg",
        "corrupt JPEG: the file ends before the image does (it is truncated)",
    );
}

#[test]
fn a_truncated_png_is_a_row_problem() {
    let w = Workdir::new();
    let png = std::fs::read(repo().join("templates/logo.png")).unwrap();
    w.file("cut.png", &png[..png.len() / 2]);
    image_row_is_refused_in(&w, "cut.png", "corrupt PNG: ");
}

#[test]
fn a_config_file_that_is_a_device_a_fifo_or_huge_is_a_usage_error() {
    let w = Workdir::new();
    w.file("t.md", PLAIN);
    w.file("d.csv", "name\nAda\n");
    mkfifo(&w.join("pipe.toml"));
    let big = w.file("big.toml", "");
    std::fs::File::options()
        .write(true)
        .open(&big)
        .unwrap()
        .set_len(2 * 1024 * 1024)
        .unwrap();
    for (config, expect) in [
        (
            "/dev/zero",
            "--config /dev/zero is a device, not a regular file",
        ),
        ("pipe.toml", "--config pipe.toml is a FIFO"),
        (
            "big.toml",
            "--config big.toml is larger than the 1 MiB limit for a config file",
        ),
    ] {
        for cmd in ["pdf", "check", "preview", "send"] {
            let mut args = vec![cmd, "-t", "t.md", "-d", "d.csv", "-c", config];
            match cmd {
                "pdf" => args.extend(["-o", "out"]),
                "send" => args.push("--dry-run"),
                _ => {}
            }
            let run = w.run_bounded(&args, &[]);
            run.expect_code(2);
            assert!(
                run.stderr.contains(expect),
                "{cmd} {config}: {}",
                run.stderr
            );
        }
    }
}

/// A campaign of three plain letters: Ada, Bea and one named like the batch.
fn letters(w: &Workdir) {
    w.file("t.md", PLAIN);
    w.file("d.csv", "name\nAda\nBea\nbatch\n");
}

fn pdf(w: &Workdir, extra: &[&str]) -> common::Run {
    let mut args = vec!["pdf", "-t", "t.md", "-d", "d.csv", "-o", "out"];
    args.extend_from_slice(extra);
    w.run_bounded(&args, &[])
}

#[test]
fn status_failures_over_the_ledger_is_refused_and_the_ledger_kept() {
    let w = Workdir::new();
    let history = b"SQLite format 3\0 the send history".to_vec();
    w.file("l.sqlite", &history);
    for failures in [
        "l.sqlite",
        "./l.sqlite",
        "sub/../l.sqlite",
        "l.sqlite-wal",
        "l.sqlite.lock",
    ] {
        std::fs::create_dir_all(w.join("sub")).unwrap();
        let run = w.run_bounded(
            &["status", "--ledger", "l.sqlite", "--failures", failures],
            &[],
        );
        run.expect_code(2);
        assert!(
            run.stderr
                .contains(&format!("the failures CSV {failures} is the ledger")),
            "{failures}: {}",
            run.stderr
        );
        assert_eq!(std::fs::read(w.join("l.sqlite")).unwrap(), history);
        assert!(!w.join("l.sqlite-wal").exists());
    }
    #[cfg(unix)]
    {
        std::os::unix::fs::symlink(w.join("l.sqlite"), w.join("link.csv")).unwrap();
        let run = w.run_bounded(
            &["status", "--ledger", "l.sqlite", "--failures", "link.csv"],
            &[],
        );
        run.expect_code(2);
        assert_eq!(std::fs::read(w.join("l.sqlite")).unwrap(), history);
    }
}

#[test]
fn combined_on_the_manifest_or_an_input_is_a_usage_error_even_with_force() {
    let w = Workdir::new();
    letters(&w);
    let data = std::fs::read(w.join("d.csv")).unwrap();
    for (combined, expect) in [
        (
            "out/manifest.csv",
            "the print batch out/manifest.csv is the same file as the manifest",
        ),
        ("d.csv", "the print batch d.csv is the data file"),
        ("./out/../d.csv", "is the data file"),
        ("t.md", "the print batch t.md is the template"),
    ] {
        for force in [false, true] {
            let mut extra = vec!["--combined", combined];
            if force {
                extra.push("--force");
            }
            let run = pdf(&w, &extra);
            run.expect_code(2);
            assert!(run.stderr.contains(expect), "{combined}: {}", run.stderr);
            assert!(w.list("out").is_empty(), "{:?}", w.list("out"));
        }
    }
    assert_eq!(std::fs::read(w.join("d.csv")).unwrap(), data);
    assert_eq!(std::fs::read_to_string(w.join("t.md")).unwrap(), PLAIN);
}

#[test]
fn a_letter_named_like_the_batch_gets_another_name() {
    let w = Workdir::new();
    letters(&w);
    // The batch is named like the row "batch" would be, and like the letter for Ada.
    for batch in ["out/batch.pdf", "out/Ada.pdf", "./out/../out/BATCH.pdf"] {
        let _ = std::fs::remove_dir_all(w.join("out"));
        pdf(&w, &["--combined", batch]).expect_code(0);
        let name = Path::new(batch).file_name().unwrap().to_str().unwrap();
        let manifest = std::fs::read_to_string(w.join("out/manifest.csv")).unwrap();
        assert_eq!(common::pdf_pages(&w.join("out").join(name)), 3, "{batch}");
        // The row's own spelling, with -2 (names are compared without regard to case).
        let stem = if name.eq_ignore_ascii_case("batch.pdf") {
            "batch"
        } else {
            "Ada"
        };
        let renamed = format!("{stem}-2.pdf");
        assert!(manifest.contains(&renamed), "{batch}: {manifest}");
        assert_eq!(common::pdf_pages(&w.join("out").join(&renamed)), 1);
        assert_eq!(w.list("out").len(), 5, "{:?}", w.list("out"));
    }
}

#[test]
fn preview_never_writes_over_real_letters_or_the_data() {
    let w = Workdir::new();
    letters(&w);
    pdf(&w, &[]).expect_code(0);
    let ada = std::fs::read(w.join("out/Ada.pdf")).unwrap();
    let before = w.list("out");
    let run = w.run_bounded(
        &[
            "preview", "-t", "t.md", "-d", "d.csv", "--format", "pdf", "--out", "out",
        ],
        &[],
    );
    run.expect_code(2);
    assert!(
        run.stderr
            .contains("--out out already holds files that are not an earlier preview")
            && run.stderr.contains("new or empty folder"),
        "{}",
        run.stderr
    );
    assert_eq!(w.list("out"), before);
    assert_eq!(std::fs::read(w.join("out/Ada.pdf")).unwrap(), ada);
    // Its own folder it reuses.
    for _ in 0..2 {
        w.run_bounded(
            &[
                "preview", "-t", "t.md", "-d", "d.csv", "--format", "pdf", "--out", "pv",
            ],
            &[],
        )
        .expect_code(0);
    }
    assert!(w.list("pv").contains(&".lettermerge-preview".to_string()));

    let data = std::fs::read(w.join("d.csv")).unwrap();
    let run = w.run_bounded(
        &["preview", "-t", "t.md", "-d", "d.csv", "--html", "d.csv"],
        &[],
    );
    run.expect_code(2);
    assert!(
        run.stderr
            .contains("the review page d.csv is the data file"),
        "{}",
        run.stderr
    );
    assert_eq!(std::fs::read(w.join("d.csv")).unwrap(), data);
    assert!(!w.join("d-pdf").exists());
    // Nor over a file that is not an earlier review page.
    let run = w.run_bounded(
        &[
            "preview",
            "-t",
            "t.md",
            "-d",
            "d.csv",
            "--html",
            "out/Ada.pdf",
        ],
        &[],
    );
    run.expect_code(2);
    assert!(
        run.stderr.contains("is not an earlier review page"),
        "{}",
        run.stderr
    );
    assert_eq!(std::fs::read(w.join("out/Ada.pdf")).unwrap(), ada);
    // An earlier review page is replaced.
    for _ in 0..2 {
        w.run_bounded(
            &["preview", "-t", "t.md", "-d", "d.csv", "--html", "r.html"],
            &[],
        )
        .expect_code(0);
    }
}

#[cfg(unix)]
#[test]
fn a_dangling_symlink_where_a_letter_goes_is_found_before_anything_is_written() {
    let w = Workdir::new();
    letters(&w);
    std::fs::create_dir(w.join("out")).unwrap();
    std::os::unix::fs::symlink(w.join("nowhere.pdf"), w.join("out/Bea.pdf")).unwrap();
    let run = pdf(&w, &[]);
    run.expect_code(2);
    assert!(
        run.stderr.contains("already exist") && run.stderr.contains("out/Bea.pdf"),
        "{}",
        run.stderr
    );
    assert_eq!(w.list("out"), ["Bea.pdf"], "nothing written");
    // With --force the link itself is replaced by the letter; its target is never made.
    pdf(&w, &["--force"]).expect_code(0);
    assert!(!std::fs::symlink_metadata(w.join("out/Bea.pdf"))
        .unwrap()
        .is_symlink());
    assert!(!w.join("nowhere.pdf").exists());
    // A symlink to a real file: the link is replaced, the file it points to is kept.
    w.file("keep.txt", "keep");
    std::fs::remove_file(w.join("out/Ada.pdf")).unwrap();
    std::os::unix::fs::symlink(w.join("keep.txt"), w.join("out/Ada.pdf")).unwrap();
    pdf(&w, &["--force"]).expect_code(0);
    assert_eq!(std::fs::read_to_string(w.join("keep.txt")).unwrap(), "keep");
    assert_eq!(common::pdf_pages(&w.join("out/Ada.pdf")), 1);
}

#[cfg(unix)]
#[test]
fn a_symlink_named_like_the_ledger_lock_is_refused_and_its_target_kept() {
    let w = Workdir::new();
    w.file("t.md", "---\nto: \"{{email}}\"\nsubject: Hi\n---\nHello.\n");
    w.file("d.csv", "email\nada@example.org\n");
    // Nothing listens on port 1; the lock is taken before any connection is made.
    w.file(
        "c.toml",
        "[smtp]\nhost = \"127.0.0.1\"\nport = 1\nfrom = \"me@example.org\"\nsecurity = \"none\"\n",
    );
    w.file("precious.txt", "keep me");
    std::os::unix::fs::symlink(w.join("precious.txt"), w.join("d.ledger.sqlite.lock")).unwrap();
    let run = w.run_bounded(
        &["send", "-t", "t.md", "-d", "d.csv", "-c", "c.toml", "-y"],
        &[],
    );
    run.expect_code(2);
    assert!(
        run.stderr.contains("d.ledger.sqlite.lock") && run.stderr.contains("symlink"),
        "{}",
        run.stderr
    );
    assert_eq!(
        std::fs::read_to_string(w.join("precious.txt")).unwrap(),
        "keep me"
    );
}

#[test]
fn file_names_from_data_lose_bidi_and_invisible_characters_and_device_names() {
    let w = Workdir::new();
    w.file("t.md", PLAIN);
    w.file(
        "d.csv",
        "name\nInvoice\u{202e}fdp.exe\nZero\u{200b}Width\u{feff}\nCONIN$\nCOM¹\ncon .txt\n",
    );
    pdf(&w, &[]).expect_code(0);
    assert_eq!(
        w.list("out"),
        [
            "Invoicefdp.exe.pdf",
            "ZeroWidth.pdf",
            "_COM¹.pdf",
            "_CONIN$.pdf",
            "_con .txt.pdf",
            "manifest.csv"
        ]
    );
}

#[test]
fn send_dry_run_eml_files_never_replace_an_input() {
    let w = Workdir::new();
    w.file(
        "mail/row-00002.eml",
        "---\nto: \"{{email}}\"\nsubject: Hi\n---\nHello.\n",
    );
    w.file("d.csv", "email\nada@example.org\n");
    w.file(
        "c.toml",
        "[smtp]\nhost = \"127.0.0.1\"\nport = 1\nfrom = \"me@example.org\"\nsecurity = \"none\"\n",
    );
    let template = std::fs::read(w.join("mail/row-00002.eml")).unwrap();
    let run = w.run_bounded(
        &[
            "send",
            "-t",
            "mail/row-00002.eml",
            "-d",
            "d.csv",
            "-c",
            "c.toml",
            "--dry-run",
            "mail",
        ],
        &[],
    );
    run.expect_code(2);
    assert!(run.stderr.contains("is the template"), "{}", run.stderr);
    assert_eq!(
        std::fs::read(w.join("mail/row-00002.eml")).unwrap(),
        template
    );
}
