//! PDF/A-2b through the real binary: `pdf --pdf-a`, the template's `pdf_a: true`, and the
//! envelopes and labels, read back by pikepdf and LittleCMS (tests/pdf_a_check.py) and by
//! `qpdf --check`. Without either switch the files carry neither XMP nor an output intent.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{repo, Workdir};

/// The SOURCE_DATE_EPOCH that `Workdir::run` sets (2025-11-29 00:00 UTC).
const EPOCH: &str = "1764374400";

fn template(extra: &str) -> String {
    let logo = repo().join("templates/logo.png");
    format!(
        r#"---
filename: "{{{{last_name}}}}"
address: |
  {{{{first_name}}}} {{{{last_name}}}}
  {{{{street}}}}
  {{{{city}}}}, {{{{state}}}}  {{{{zip}}}}
date: "November 29, 2026"
salutation: "Dear {{{{first_name}}}}:"
letterhead:
  name: Riverside Public Library Foundation
  lines: ["1 Library Way, Riverside, OH 43001"]
  logo: "{}"
{extra}---
Congratulations on your election. Read [our annual report](https://example.org/report?y=2026)
or write to [the office](mailto:office@example.org).
"#,
        logo.display()
    )
}

/// The title comes from the data, with every character XML must escape.
const DATA: &str = "first_name,last_name,street,city,state,zip\n\
Pat,O'Brien & <Sons>,1 Main St,Montpelier,VT,05633\n\
José,Núñez \"Pepe\",2 Elm St,Hilo,HI,96720\n";

fn python() -> String {
    std::env::var("LETTERMERGE_TEST_PYTHON").unwrap_or_else(|_| "python3".to_string())
}

/// Runs the PDF/A checks on `files` and returns one JSON summary per file.
fn pdf_a_check(files: &[PathBuf]) -> Vec<serde_json::Value> {
    pdf_a_check_at(EPOCH, files)
}

/// The same, with the instant the dates must be (`-`: only that XMP and Info agree).
fn pdf_a_check_at(epoch: &str, files: &[PathBuf]) -> Vec<serde_json::Value> {
    let out = Command::new(python())
        .arg(repo().join("tests/pdf_a_check.py"))
        .arg(epoch)
        .args(files)
        .output()
        .expect("run python");
    assert!(
        out.status.success(),
        "PDF/A checks failed (pikepdf and Pillow come from scripts/test's venv):\n{}\n{}",
        String::from_utf8_lossy(&out.stderr),
        String::from_utf8_lossy(&out.stdout)
    );
    let summaries: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).expect("summary JSON"))
        .collect();
    assert_eq!(summaries.len(), files.len());
    summaries
}

fn qpdf_check(pdf: &Path) {
    let out = Command::new("qpdf")
        .arg("--check")
        .arg(pdf)
        .output()
        .expect("qpdf (scripts/test installs it)");
    assert!(
        out.status.success(),
        "qpdf --check {}: {}",
        pdf.display(),
        String::from_utf8_lossy(&out.stdout)
    );
}

/// (has /Metadata, has /OutputIntents) on the catalog, as pikepdf reads it.
fn catalog_keys(pdf: &Path) -> (bool, bool) {
    let out = Command::new(python())
        .args([
            "-c",
            "import pikepdf,sys; p=pikepdf.open(sys.argv[1]); r=p.Root; \
             print('/Metadata' in r, '/OutputIntents' in r)",
        ])
        .arg(pdf)
        .output()
        .expect("run python");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    let mut words = text.split_whitespace().map(|w| w == "True");
    (words.next().unwrap(), words.next().unwrap())
}

fn letters_and_batch(w: &Workdir, out: &str) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = w
        .list(out)
        .into_iter()
        .filter(|n| n.ends_with(".pdf"))
        .map(|n| w.join(out).join(n))
        .collect();
    files.sort();
    files.push(w.join(&format!("{out}-batch.pdf")));
    files
}

#[test]
fn pdf_a_flag_writes_pdf_a_2b_letters_and_batch() {
    let w = Workdir::new();
    w.file("t.md", template(""));
    w.file("d.csv", DATA);
    w.run(&[
        "pdf",
        "--template",
        "t.md",
        "--data",
        "d.csv",
        "--out",
        "out",
        "--combined",
        "out-batch.pdf",
        "--pdf-a",
        "-q",
    ])
    .expect_code(0);
    let files = letters_and_batch(&w, "out");
    assert_eq!(files.len(), 3, "two letters and the batch: {files:?}");
    for file in &files {
        qpdf_check(file);
    }
    let summaries = pdf_a_check(&files);
    let titles: Vec<&str> = summaries
        .iter()
        .map(|s| s["xmp"]["dc:title"].as_str().unwrap())
        .collect();
    assert!(
        titles.contains(&"Letter to Pat O'Brien & <Sons>"),
        "{titles:?}"
    );
    assert!(
        titles.contains(&"Letter to José Núñez \"Pepe\""),
        "{titles:?}"
    );
    for s in &summaries {
        assert_eq!(s["intent"]["identifier"], "sRGB IEC61966-2.1");
        assert_eq!(s["xmp"]["xmp:CreateDate"], "2025-11-29T00:00:00Z");
        assert_eq!(
            s["xmp"]["dc:creator"][0], "Riverside Public Library Foundation",
            "{s}"
        );
        // The checks did look at something: the logo (and its soft mask), the fonts, the
        // two links of each letter.
        assert!(s["images"].as_u64().unwrap() >= 2, "{s}");
        assert!(s["fonts"].as_u64().unwrap() >= 2, "{s}");
        assert!(s["annotations"].as_u64().unwrap() >= 2, "{s}");
        // Tagged by default, so the same packet claims PDF/UA-1 too.
        assert_eq!(s["xmp"]["pdfuaid:part"], "1", "{s}");
    }
}

#[test]
fn pdf_a_in_the_template_and_off_by_default() {
    let w = Workdir::new();
    w.file("on.md", template("pdf_a: true\n"));
    w.file("off.md", template(""));
    w.file("d.csv", DATA);
    w.run(&[
        "pdf",
        "--template",
        "on.md",
        "--data",
        "d.csv",
        "--out",
        "on",
        "--combined",
        "on-batch.pdf",
        "-q",
    ])
    .expect_code(0);
    let files = letters_and_batch(&w, "on");
    pdf_a_check(&files);
    assert_eq!(catalog_keys(&files[0]), (true, true));

    w.run(&[
        "pdf",
        "--template",
        "off.md",
        "--data",
        "d.csv",
        "--out",
        "off",
        "--combined",
        "off-batch.pdf",
        "-q",
    ])
    .expect_code(0);
    for file in letters_and_batch(&w, "off") {
        qpdf_check(&file);
        // No output intent; the metadata stream is the tagged file's (its PDF/UA claim).
        assert_eq!(catalog_keys(&file), (true, false), "{}", file.display());
    }
}

#[test]
fn pdf_a_setting_that_is_not_a_boolean_names_its_line() {
    let w = Workdir::new();
    w.file("t.md", template("pdf_a: yes please\n"));
    w.file("d.csv", DATA);
    let run = w.run(&["pdf", "--template", "t.md", "--data", "d.csv", "--out", "o"]);
    assert_ne!(run.code, 0);
    assert!(run.stderr.contains("pdf_a"), "{}", run.stderr);
    assert!(run.stderr.contains("t.md:13:"), "{}", run.stderr);
}

#[test]
fn envelopes_and_labels_with_pdf_a() {
    let w = Workdir::new();
    w.file("t.md", template(""));
    w.file("d.csv", DATA);
    w.run(&[
        "envelopes",
        "--template",
        "t.md",
        "--data",
        "d.csv",
        "--out",
        "env.pdf",
        "--pdf-a",
        "-q",
    ])
    .expect_code(0);
    w.run(&[
        "labels",
        "--template",
        "t.md",
        "--data",
        "d.csv",
        "--out",
        "labels.pdf",
        "--pdf-a",
        "-q",
    ])
    .expect_code(0);
    let files = [w.join("env.pdf"), w.join("labels.pdf")];
    for file in &files {
        qpdf_check(file);
    }
    pdf_a_check(&files);
}

#[test]
fn a_cmyk_jpeg_is_refused_under_pdf_a_with_its_name() {
    let w = Workdir::new();
    let logo = w.join("cmyk.jpg");
    let made = Command::new(python())
        .args([
            "-c",
            "import sys; from PIL import Image; \
             Image.new('CMYK', (40, 20), (0, 80, 160, 20)).save(sys.argv[1], 'JPEG')",
        ])
        .arg(&logo)
        .output()
        .expect("run python");
    assert!(
        made.status.success(),
        "{}",
        String::from_utf8_lossy(&made.stderr)
    );
    let text = template("").replace(
        &repo().join("templates/logo.png").display().to_string(),
        "cmyk.jpg",
    );
    w.file("t.md", text);
    w.file("d.csv", DATA);
    let run = w.run(&[
        "pdf",
        "--template",
        "t.md",
        "--data",
        "d.csv",
        "--out",
        "o",
        "--pdf-a",
        "-q",
    ]);
    assert_ne!(run.code, 0, "{}", run.stdout);
    assert!(run.stderr.contains("cmyk.jpg"), "{}", run.stderr);
    assert!(run.stderr.contains("CMYK JPEG"), "{}", run.stderr);
    // Without PDF/A the same logo is fine.
    w.run(&[
        "pdf",
        "--template",
        "t.md",
        "--data",
        "d.csv",
        "--out",
        "o2",
        "-q",
    ])
    .expect_code(0);
}

/// The template's `pdf_a: true` covers the letters `send --attach-pdf` attaches.
#[test]
fn emailed_letters_are_pdf_a_too() {
    let w = Workdir::new();
    w.file(
        "t.md",
        "---\nto: \"{{email}}\"\nsubject: \"Hello\"\naddress: \"{{name}}\"\npdf_a: true\n---\nHello.\n",
    );
    w.file("d.csv", "name,email\nPat O'Brien,p@x.example\n");
    // A dry run connects to nothing; the server named here is never reached.
    w.file(
        "c.toml",
        "[smtp]\nhost = \"127.0.0.1\"\nport = 2525\nfrom = \"office@example.org\"\n",
    );
    w.run(&[
        "send",
        "--template",
        "t.md",
        "--data",
        "d.csv",
        "--config",
        "c.toml",
        "--dry-run",
        "outbox",
        "--attach-pdf",
    ])
    .expect_code(0);
    let eml = w.join("outbox/row-00002.eml");
    let pdf = w.join("attached.pdf");
    let out = Command::new(python())
        .args([
            "-c",
            "import email,sys; m=email.message_from_binary_file(open(sys.argv[1],'rb')); \
             p=[x for x in m.walk() if x.get_content_type()=='application/pdf'][0]; \
             open(sys.argv[2],'wb').write(p.get_payload(decode=True))",
        ])
        .arg(&eml)
        .arg(&pdf)
        .output()
        .expect("run python");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    qpdf_check(&pdf);
    let summary = pdf_a_check_at("-", &[pdf]);
    assert_eq!(summary[0]["title"], "Letter to Pat O'Brien");
}

/// Split batches are PDF/A each.
#[test]
fn split_batches_are_pdf_a_each() {
    let w = Workdir::new();
    w.file("t.md", template(""));
    w.file("d.csv", DATA);
    w.run(&[
        "pdf",
        "--template",
        "t.md",
        "--data",
        "d.csv",
        "--out",
        "out",
        "--combined",
        "b/batch.pdf",
        "--split",
        "1",
        "--batch-only",
        "--pdf-a",
        "-q",
    ])
    .expect_code(0);
    let batches: Vec<PathBuf> = w
        .list("b")
        .into_iter()
        .filter(|n| n.ends_with(".pdf"))
        .map(|n| w.join("b").join(n))
        .collect();
    assert_eq!(batches.len(), 2, "{batches:?}");
    for batch in &batches {
        qpdf_check(batch);
    }
    assert_eq!(pdf_a_check(&batches).len(), 2);
}

/// A character the font lacks prints as .notdef, which PDF/A forbids: the run says so,
/// and without PDF/A the same data still makes its letter (with the usual warning).
#[test]
fn a_character_the_font_lacks_is_refused_under_pdf_a() {
    let w = Workdir::new();
    w.file("t.md", template(""));
    w.file(
        "d.csv",
        "first_name,last_name,street,city,state,zip\nPat,Ng \u{6f22},1 Main St,Montpelier,VT,05633\n",
    );
    let run = w.run(&[
        "pdf",
        "--template",
        "t.md",
        "--data",
        "d.csv",
        "--out",
        "o",
        "--pdf-a",
        "-q",
    ]);
    assert_ne!(run.code, 0, "{}", run.stdout);
    assert!(run.stderr.contains("U+6F22"), "{}", run.stderr);
    assert!(run.stderr.contains("PDF/A forbids"), "{}", run.stderr);
    assert!(
        w.list("o").iter().all(|n| !n.ends_with(".pdf")),
        "{:?}",
        w.list("o")
    );
    let run = w.run(&[
        "pdf",
        "--template",
        "t.md",
        "--data",
        "d.csv",
        "--out",
        "o2",
        "-q",
    ]);
    assert_eq!(run.code, 0, "{}", run.stderr);
}
