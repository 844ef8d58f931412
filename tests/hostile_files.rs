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
    assert!(w.list("out").is_empty(), "nothing written: {:?}", w.list("out"));
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
    image_row_is_refused_in(&w, "huge.png", "40000 × 40000 pixels, more than the limit of 40 million pixels");
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
    image_row_is_refused_in(&w, "cut.jpg", "corrupt JPEG: the file ends before the image does (it is truncated)");
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
        ("/dev/zero", "--config /dev/zero is a device, not a regular file"),
        ("pipe.toml", "--config pipe.toml is a FIFO"),
        ("big.toml", "--config big.toml is larger than the 1 MiB limit for a config file"),
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
            assert!(run.stderr.contains(expect), "{cmd} {config}: {}", run.stderr);
        }
    }
}
