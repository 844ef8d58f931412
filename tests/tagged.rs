//! Tagged PDF (PDF/UA-1) through the real binary: the files are read back by poppler
//! (`pdfinfo`, its structure text), pikepdf (tests/tagged_check.py: ParentTree, MCIDs, alt
//! text, links), qpdf and the `pdfua` checker (scripts/test installs them).

mod common;

use std::path::Path;
use std::process::Command;

use common::{repo, Workdir};

fn python() -> String {
    std::env::var("LETTERMERGE_TEST_PYTHON").unwrap_or_else(|_| "python3".to_string())
}

fn tool(program: &str, args: &[&str], pdf: &Path) -> (bool, String, String) {
    let out = Command::new(program)
        .args(args)
        .arg(pdf)
        .output()
        .unwrap_or_else(|e| panic!("cannot run {program} ({e}); scripts/test installs it"));
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn pdfinfo_tagged(pdf: &Path) -> String {
    let (ok, out, err) = tool("pdfinfo", &[], pdf);
    assert!(ok, "pdfinfo failed: {err}");
    out.lines()
        .find_map(|l| l.strip_prefix("Tagged:"))
        .map(|v| v.trim().to_string())
        .unwrap_or_else(|| panic!("no Tagged line in pdfinfo:\n{out}"))
}

/// tests/tagged_check.py on `pdf`: the counts it prints (parts, mcids, figures, links).
fn structure_check(pdf: &Path, lang: &str) -> serde_json::Value {
    let script = repo().join("tests/tagged_check.py");
    let out = Command::new(python())
        .arg(&script)
        .arg(pdf)
        .arg(lang)
        .output()
        .expect("run tagged_check.py (scripts/test puts pikepdf in the test venv)");
    assert!(
        out.status.success(),
        "{} fails the structure check: {}",
        pdf.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("tagged_check.py prints JSON")
}

fn qpdf_check(pdf: &Path) {
    let (ok, out, err) = tool("qpdf", &["--check"], pdf);
    assert!(ok, "qpdf --check fails on {}: {out}{err}", pdf.display());
}

/// The PyPI `pdfua` checker: no errors, and no warning but the XMP identification, which
/// the PDF/A branch's XMP stream adds (`pdfuaid:part`).
fn pdfua_check(pdf: &Path) {
    let bin = Path::new(&python()).with_file_name("pdfua");
    let program = if bin.exists() {
        bin.display().to_string()
    } else {
        "pdfua".to_string()
    };
    let (_, out, err) = tool(&program, &["check", "--format", "json"], pdf);
    let report: serde_json::Value = serde_json::from_str(&out)
        .unwrap_or_else(|e| panic!("pdfua printed no JSON ({e}): {out}{err}"));
    assert_eq!(report["summary"]["errors"], 0, "pdfua errors: {out}");
    assert!(
        report["summary"]["rules_run"].as_u64().unwrap_or(0) >= 12,
        "pdfua ran too few rules: {out}"
    );
    for finding in report["findings"].as_array().expect("findings") {
        assert_eq!(finding["rule_id"], "UA-28-004", "pdfua finding: {finding}");
    }
}

fn struct_text(pdf: &Path) -> String {
    let (ok, out, err) = tool("pdfinfo", &["-struct-text"], pdf);
    assert!(ok, "pdfinfo -struct-text failed: {err}");
    out
}

#[test]
fn the_sample_letter_is_tagged_in_reading_order_and_passes_the_checks() {
    let w = Workdir::new();
    let template = repo().join("templates/welcome.md");
    let data = repo().join("samples/officials.csv");
    w.run(&[
        "pdf",
        "--template",
        template.to_str().unwrap(),
        "--data",
        data.to_str().unwrap(),
        "--out",
        "letters",
        "--combined",
        "all.pdf",
    ])
    .expect_code(0);
    // The first data row's letter.
    let letter = w.join("letters/Álvarez-Núñez-José.pdf");
    assert_eq!(pdfinfo_tagged(&letter), "yes");

    let text = struct_text(&letter);
    let snapshot = repo().join("tests/snapshots/struct-welcome.txt");
    if std::env::var_os("LETTERMERGE_UPDATE_SNAPSHOTS").is_some() {
        std::fs::write(&snapshot, &text).expect("write snapshot");
    }
    let expected = std::fs::read_to_string(&snapshot).expect("tests/snapshots/struct-welcome.txt");
    assert!(
        text == expected,
        "the sample letter's structure changed; if that is meant, rerun with \
         LETTERMERGE_UPDATE_SNAPSHOTS=1\n--- got ---\n{text}"
    );
    // The elements come in reading order: letterhead, address, date, salutation, body, list,
    // closing, signature.
    let order = [
        "Riverside Public Library Foundation",
        "José Álvarez-Núñez",
        "Dear ",
        "Congratulations",
        "Lbl",
        "LBody",
        "Link",
        "Figure",
    ];
    let mut at = 0;
    for needle in order {
        let found = text[at..]
            .find(needle)
            .unwrap_or_else(|| panic!("{needle:?} is not after position {at}:\n{text}"));
        at += found;
    }

    let counts = structure_check(&letter, "en-US");
    assert_eq!(counts["parts"], 1);
    assert_eq!(counts["figures"], 2, "the logo and the signature");
    assert!(counts["mcids"].as_u64().unwrap() > 20, "{counts}");
    assert!(counts["links"].as_u64().unwrap() >= 1, "{counts}");
    qpdf_check(&letter);
    pdfua_check(&letter);

    let batch = w.join("all.pdf");
    assert_eq!(pdfinfo_tagged(&batch), "yes");
    let letters = w
        .list("letters")
        .iter()
        .filter(|n| n.ends_with(".pdf"))
        .count();
    let counts = structure_check(&batch, "en-US");
    assert_eq!(counts["parts"], letters as u64, "one Part per letter");
    assert_eq!(counts["figures"], 2 * letters as u64);
    qpdf_check(&batch);
    pdfua_check(&batch);
}

const TEMPLATE: &str = r#"---
filename: "{{name}}"
address: |
  {{name}}
  {{street}}
  Springfield, IL  {{zip}}
date: "November 29, 2026"
salutation: "Dear {{name}}:"
closing: "Sincerely,"
letterhead:
  name: Friends of the Library
  lines: ["1 Library Way"]
signature:
  name: Jordan Reyes
LANG
---
## What we ask

Thank you for your service. {{body}}

1. Fund the branches;
2. keep them open on **Sundays**.

> Libraries are where the community meets.

See [our report](https://example.org/report) for more.
"#;

fn rows(n: usize) -> String {
    let mut csv = String::from("name,street,zip,body\n");
    for i in 0..n {
        // Every third letter runs onto a second page (continuation header, split paragraph).
        let words = if i % 3 == 0 { 600 } else { 40 };
        let body = vec!["libraries open doors"; words / 3].join(" ");
        csv.push_str(&format!(
            "Member {i},{} Oak St,{:05},{body}\n",
            i + 1,
            90_000 - i
        ));
    }
    csv
}

#[test]
fn a_sorted_duplex_batch_keeps_one_part_per_letter_and_every_mcid_maps_back() {
    let w = Workdir::new();
    w.file("t.md", TEMPLATE.replace("LANG", "lang: de-DE"));
    let n = 30;
    w.file("d.csv", rows(n));
    w.run(&[
        "pdf",
        "--template",
        "t.md",
        "--data",
        "d.csv",
        "--out",
        "letters",
        "--combined",
        "batch.pdf",
        "--duplex",
        "--sort",
        "zip",
    ])
    .expect_code(0);
    let batch = w.join("batch.pdf");
    let counts = structure_check(&batch, "de-DE");
    assert_eq!(counts["parts"], n as u64);
    assert_eq!(counts["links"], n as u64, "one link per letter");
    qpdf_check(&batch);
    pdfua_check(&batch);
    let text = struct_text(&batch);
    for kind in ["H2", "L", "LI", "Lbl", "LBody", "BlockQuote", "Link"] {
        assert!(
            text.lines().any(|l| l.trim_start().starts_with(kind)),
            "no {kind} in the batch's structure"
        );
    }
    // A two-page letter on its own: its paragraph runs over the page break into one P.
    let long = w.join("letters/Member 0.pdf");
    let counts = structure_check(&long, "de-DE");
    assert_eq!(counts["parts"], 1);
    pdfua_check(&long);
    assert!(
        common::pdf_pages(&long) >= 2,
        "the long letter has a continuation page"
    );
}

#[test]
fn tagged_false_writes_an_untagged_file() {
    let w = Workdir::new();
    w.file("t.md", TEMPLATE.replace("LANG", "tagged: false"));
    w.file("d.csv", rows(2));
    w.run(&[
        "pdf",
        "--template",
        "t.md",
        "--data",
        "d.csv",
        "--out",
        "letters",
    ])
    .expect_code(0);
    let letter = w.join("letters/Member 1.pdf");
    assert_eq!(pdfinfo_tagged(&letter), "no");
    let bytes = std::fs::read(&letter).unwrap();
    assert!(
        !bytes.windows(14).any(|w| w == b"StructTreeRoot"),
        "an untagged file has no structure tree"
    );
    qpdf_check(&letter);
}

#[test]
fn a_lang_that_is_no_language_tag_is_refused_by_name() {
    let w = Workdir::new();
    w.file("t.md", TEMPLATE.replace("LANG", "lang: \"plain english\""));
    w.file("d.csv", rows(1));
    let run = w.run(&[
        "pdf",
        "--template",
        "t.md",
        "--data",
        "d.csv",
        "--out",
        "letters",
    ]);
    assert_ne!(run.code, 0, "{}", run.stdout);
    assert!(run.stderr.contains("lang"), "{}", run.stderr);
    assert!(run.stderr.contains("BCP 47"), "{}", run.stderr);
    assert!(run.stderr.contains("t.md"), "{}", run.stderr);
}

#[test]
fn check_warns_about_a_logo_nothing_describes() {
    let w = Workdir::new();
    w.file(
        "logo.png",
        std::fs::read(repo().join("templates/logo.png")).expect("shipped logo"),
    );
    let template = |letterhead: &str| {
        format!("---\naddress: \"{{{{name}}}}\"\nletterhead:\n{letterhead}\n---\nHello.\n")
    };
    w.file("d.csv", "name\nAda\n");
    w.file("bare.md", template("  logo: logo.png"));
    let run = w.run(&["check", "--template", "bare.md", "--data", "d.csv"]);
    let out = format!("{}{}", run.stdout, run.stderr);
    assert!(
        out.contains("logo has no alternative text"),
        "no warning about the logo:\n{out}"
    );
    assert!(out.contains("logo_alt"), "{out}");

    // With alt text (or a letterhead name to stand for it) there is nothing to say.
    w.file(
        "alt.md",
        template("  logo: logo.png\n  logo_alt: Friends of the Library"),
    );
    let run = w.run(&["check", "--template", "alt.md", "--data", "d.csv"]);
    let out = format!("{}{}", run.stdout, run.stderr);
    assert!(!out.contains("alternative text"), "{out}");
    w.run(&[
        "pdf",
        "--template",
        "alt.md",
        "--data",
        "d.csv",
        "--out",
        "letters",
    ])
    .expect_code(0);
    let letter = w
        .list("letters")
        .into_iter()
        .find(|n| n.ends_with(".pdf"))
        .expect("a letter");
    let letter = w.join("letters").join(letter);
    // The structure elements are in an object stream: qpdf writes them out plainly.
    let plain = w.join("plain.pdf");
    let out = Command::new("qpdf")
        .args(["--qdf", "--object-streams=disable"])
        .arg(&letter)
        .arg(&plain)
        .output()
        .expect("run qpdf");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let bytes = std::fs::read(&plain).unwrap();
    assert!(
        bytes
            .windows(b"/Alt (Friends of the Library)".len())
            .any(|w| w == b"/Alt (Friends of the Library)"),
        "the logo's /Alt is its logo_alt"
    );
    structure_check(&letter, "en-US");
}
