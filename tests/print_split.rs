//! `lettermerge pdf --split N` and `--split-by COLUMN` through the real binary: the batches'
//! names and pages read back by poppler, and the manifest saying where each letter went.

mod common;

use common::{pdf_page_text, pdf_pages, squash, Workdir};
use std::collections::BTreeMap;

const TEMPLATE: &str = r#"---
filename: "{{last_name}}"
address: |
  {{first_name}} {{last_name}}
  1 Capitol Way
  {{city}}, {{state}}  {{zip}}
date: "November 29, 2026"
salutation: "Dear {{first_name}} {{last_name}}:"
signature:
  name: Jordan A. Reyes
---
Congratulations on your election. {{note}}
"#;

/// Officials in `states` order, one each; the long note makes a two-page letter.
fn campaign(states: &[&str], long_at: &[usize]) -> Workdir {
    let w = Workdir::new();
    w.file("t.md", TEMPLATE);
    let long = "The library lends books, laptops and hotspots to every resident. ".repeat(90);
    let mut data = String::from("first_name,last_name,city,state,zip,note\n");
    for (i, state) in states.iter().enumerate() {
        let note = if long_at.contains(&i) {
            long.as_str()
        } else {
            "short"
        };
        data.push_str(&format!(
            "P{i},Person{i},Capital,{state},0{i:04},\"{note}\"\n"
        ));
    }
    w.file("d.csv", data);
    w
}

fn pdf(w: &Workdir, extra: &[&str]) -> common::Run {
    let mut args = vec![
        "pdf",
        "-t",
        "t.md",
        "-d",
        "d.csv",
        "-o",
        "out",
        "--combined",
        "print/batch.pdf",
    ];
    args.extend_from_slice(extra);
    w.run(&args)
}

/// The manifest's rows as maps from column to value.
fn manifest(w: &Workdir) -> Vec<BTreeMap<String, String>> {
    let mut rdr = csv::Reader::from_path(w.join("out/manifest.csv")).expect("manifest");
    let headers: Vec<String> = rdr.headers().unwrap().iter().map(String::from).collect();
    rdr.records()
        .map(|r| {
            headers
                .iter()
                .cloned()
                .zip(r.unwrap().iter().map(String::from))
                .collect()
        })
        .collect()
}

#[test]
fn split_n_writes_numbered_batches_of_n_letters_and_the_manifest_matches() {
    let w = campaign(&["OH"; 7], &[]);
    pdf(&w, &["--split", "3"]).expect_code(0);
    assert_eq!(
        w.list("print"),
        ["batch-001.pdf", "batch-002.pdf", "batch-003.pdf"]
    );
    assert_eq!(pdf_pages(&w.join("print/batch-001.pdf")), 3);
    assert_eq!(pdf_pages(&w.join("print/batch-003.pdf")), 1);
    let rows = manifest(&w);
    assert_eq!(rows.len(), 7);
    for (i, r) in rows.iter().enumerate() {
        let batch = format!("batch-{:03}.pdf", i / 3 + 1);
        assert_eq!(r["batch"], batch, "{r:?}");
        let page: usize = r["batch_first_page"].parse().unwrap();
        assert_eq!(page, i % 3 + 1, "pages count from 1 in each batch: {r:?}");
        let text = squash(&pdf_page_text(&w.join("print").join(&batch), page));
        assert!(
            text.contains(&format!("Person{i}")),
            "{batch} p{page}: {text}"
        );
    }
}

#[test]
fn split_by_writes_one_batch_per_value_in_data_order() {
    let w = campaign(&["VT", "OH", "VT", "", "N/A", "OH"], &[]);
    let run = pdf(&w, &["--split-by", "state", "--batch-only"]);
    run.expect_code(0);
    assert!(run.stderr.contains("4 print batches"), "{}", run.stderr);
    assert_eq!(
        w.list("print"),
        [
            "batch-N-A.pdf",
            "batch-OH.pdf",
            "batch-VT.pdf",
            "batch-blank.pdf"
        ]
    );
    assert_eq!(pdf_pages(&w.join("print/batch-VT.pdf")), 2);
    let vt2 = squash(&pdf_page_text(&w.join("print/batch-VT.pdf"), 2));
    assert!(vt2.contains("Person2"), "{vt2}");
    let batches: Vec<String> = manifest(&w).iter().map(|r| r["batch"].clone()).collect();
    assert_eq!(
        batches,
        [
            "batch-VT.pdf",
            "batch-OH.pdf",
            "batch-VT.pdf",
            "batch-blank.pdf",
            "batch-N-A.pdf",
            "batch-OH.pdf"
        ]
    );
}

#[test]
fn split_by_and_split_together_with_duplex_padding_per_batch() {
    // VT's second letter runs to two pages: every letter still starts on a front side of
    // its own batch.
    let w = campaign(&["VT", "VT", "VT", "OH"], &[1]);
    pdf(&w, &["--split-by", "state", "--split", "2", "--duplex"]).expect_code(0);
    assert_eq!(
        w.list("print"),
        ["batch-OH-001.pdf", "batch-VT-001.pdf", "batch-VT-002.pdf"]
    );
    for r in manifest(&w) {
        let first: usize = r["batch_first_page"].parse().unwrap();
        assert_eq!(first % 2, 1, "front side: {r:?}");
    }
    // 1 page + blank back, then the 2-page letter.
    assert_eq!(pdf_pages(&w.join("print/batch-VT-001.pdf")), 4);
    assert_eq!(pdf_pages(&w.join("print/batch-VT-002.pdf")), 2);
    assert_eq!(pdf_pages(&w.join("print/batch-OH-001.pdf")), 2);
}

#[test]
fn an_unknown_split_column_is_refused_before_anything_is_written() {
    let w = campaign(&["OH"], &[]);
    let run = pdf(&w, &["--split-by", "stat"]);
    run.expect_code(2);
    assert!(run.stderr.contains("no column `stat`"), "{}", run.stderr);
    assert!(
        run.stderr.contains("state"),
        "lists the columns: {}",
        run.stderr
    );
    assert!(!w.join("out").exists() && !w.join("print").exists());
}

#[test]
fn a_column_with_too_many_values_is_refused_before_anything_is_written() {
    let states: Vec<String> = (0..501).map(|i| format!("S{i}")).collect();
    let states: Vec<&str> = states.iter().map(String::as_str).collect();
    let w = campaign(&states, &[]);
    let run = pdf(&w, &["--split-by", "state", "--batch-only"]);
    run.expect_code(2);
    assert!(
        run.stderr.contains("more than the 500 batches"),
        "{}",
        run.stderr
    );
    assert!(!w.join("print").exists());
}

#[test]
fn existing_batches_are_kept_unless_forced_and_split_needs_a_combined_batch() {
    let w = campaign(&["OH", "OH"], &[]);
    std::fs::create_dir_all(w.join("print")).unwrap();
    w.file("print/batch-002.pdf", "keep me");
    let run = pdf(&w, &["--split", "1"]);
    run.expect_code(2);
    assert!(run.stderr.contains("batch-002.pdf"), "{}", run.stderr);
    assert_eq!(
        std::fs::read(w.join("print/batch-002.pdf")).unwrap(),
        b"keep me"
    );
    pdf(&w, &["--split", "1", "--force"]).expect_code(0);
    assert_eq!(pdf_pages(&w.join("print/batch-002.pdf")), 1);

    let run = w.run(&[
        "pdf", "-t", "t.md", "-d", "d.csv", "-o", "o2", "--split", "2",
    ]);
    run.expect_code(2);
    assert!(run.stderr.contains("--combined"), "{}", run.stderr);
    let run = pdf(&w, &["--split", "0", "--force"]);
    run.expect_code(2);
}

/// Officials with these ZIP codes, in this order.
fn zips(zips: &[&str]) -> Workdir {
    let w = Workdir::new();
    w.file("t.md", TEMPLATE);
    let mut data = String::from("first_name,last_name,city,state,zip,note\n");
    for (i, zip) in zips.iter().enumerate() {
        let state = if i % 2 == 0 { "VT" } else { "NY" };
        data.push_str(&format!("P{i},Person{i},Capital,{state},{zip},short\n"));
    }
    w.file("d.csv", data);
    w
}

#[test]
fn sort_zip_orders_batch_and_manifest_as_zip_text_with_zip4_and_blanks_last() {
    let w = zips(&["10001", "05633-1234", "", "05633", "9501", "05634"]);
    let run = pdf(&w, &["--sort", "zip"]);
    run.expect_code(0);
    let rows = manifest(&w);
    let order: Vec<&str> = rows.iter().map(|r| r["row"].as_str()).collect();
    // 05633 (row 5), 05633-1234 (row 3), 05634 (row 7), 10001 (row 2), 9501 (row 6), blank.
    assert_eq!(order, ["5", "3", "7", "2", "6", "4"]);
    for (i, r) in rows.iter().enumerate() {
        assert_eq!(r["batch_first_page"], (i + 1).to_string());
        let row: usize = r["row"].parse().unwrap();
        let text = squash(&pdf_page_text(&w.join("print/batch.pdf"), i + 1));
        assert!(
            text.contains(&format!("Person{}", row - 2)),
            "page {} holds row {row}: {text}",
            i + 1
        );
    }
    // The letters' own files are there as without --sort.
    assert_eq!(w.list("out").len(), 7, "6 letters and the manifest");
}

#[test]
fn sort_with_split_by_sorts_within_each_batch_and_a_tie_keeps_data_order() {
    let w = zips(&["20002", "10001", "20001", "10001", "20001"]);
    pdf(
        &w,
        &["--sort", "zip", "--split-by", "state", "--batch-only"],
    )
    .expect_code(0);
    let rows = manifest(&w);
    let vt: Vec<&str> = rows
        .iter()
        .filter(|r| r["batch"] == "batch-VT.pdf")
        .map(|r| r["row"].as_str())
        .collect();
    // VT rows 2 (20002), 4 (20001), 6 (20001): 4 and 6 tie, in data order.
    assert_eq!(vt, ["4", "6", "2"]);
    let ny: Vec<&str> = rows
        .iter()
        .filter(|r| r["batch"] == "batch-NY.pdf")
        .map(|r| r["row"].as_str())
        .collect();
    assert_eq!(ny, ["3", "5"]);
    assert_eq!(pdf_pages(&w.join("print/batch-VT.pdf")), 3);
}

#[test]
fn sort_without_a_batch_orders_the_manifest_and_an_unknown_column_is_refused() {
    let w = zips(&["30303", "02133"]);
    w.run(&[
        "pdf", "-t", "t.md", "-d", "d.csv", "-o", "out", "--sort", "zip",
    ])
    .expect_code(0);
    let order: Vec<String> = manifest(&w).iter().map(|r| r["row"].clone()).collect();
    assert_eq!(order, ["3", "2"]);
    let run = pdf(&w, &["--sort", "zipcode", "--force"]);
    run.expect_code(2);
    assert!(run.stderr.contains("--sort zipcode"), "{}", run.stderr);
}

/// The batch's outline as qpdf reads it: (title, page from 1) per entry, after `qpdf --check`.
fn outline(pdf: &std::path::Path) -> Vec<(String, u64)> {
    let check = std::process::Command::new("qpdf")
        .arg("--check")
        .arg(pdf)
        .output()
        .expect("qpdf (scripts/test installs it)");
    assert!(
        check.status.success(),
        "{}",
        String::from_utf8_lossy(&check.stdout)
    );
    let out = std::process::Command::new("qpdf")
        .args(["--json", "--json-key=outlines"])
        .arg(pdf)
        .output()
        .unwrap();
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    json["outlines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| {
            (
                o["title"].as_str().unwrap().to_string(),
                o["destpageposfrom1"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[test]
fn each_sorted_split_batch_has_a_valid_outline_of_its_own_letters() {
    let w = zips(&["20002", "10001", "20001", "10001", "20001"]);
    pdf(&w, &["--sort", "zip", "--split", "2", "--batch-only"]).expect_code(0);
    // Sorted: rows 3, 5 (10001), 4, 6 (20001), 2 (20002).
    assert_eq!(
        outline(&w.join("print/batch-001.pdf")),
        [
            ("Row 3: P1 Person1".to_string(), 1),
            ("Row 5: P3 Person3".to_string(), 2)
        ]
    );
    assert_eq!(
        outline(&w.join("print/batch-003.pdf")),
        [("Row 2: P0 Person0".to_string(), 1)]
    );
}
