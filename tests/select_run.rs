//! `--rows`, `--where` and `--limit` on `pdf` and `send` through the real binary: both passes
//! of a run see exactly the selected rows (files, manifest and batch pages counted).

mod common;

use common::{pdf_pages, rows_shown, Workdir};

const TEMPLATE: &str = r#"---
filename: "{{last_name}}"
address: |
  {{first_name}} {{last_name}}
  {{city}}, {{state_code}}
date: "November 29, 2026"
subject: "Welcome, {{last_name}}"
to: "{{email}}"
---
Thank you for serving {{city}}.
"#;

const CSV: &str = "\
first_name,last_name,city,State Code,email
Ann,Lee,Columbus,OH,ann@example.org
Bob,Ng,Dayton,OH,bob@example.org
Cy,Moss,Erie,PA,cy@example.org
Dee,Orr,Toledo, OH ,dee@example.org
Eve,Ray,Pittsburgh,PA,eve@example.org
Fay,Zhu,Akron,oh,fay@example.org
";

fn campaign() -> Workdir {
    let w = Workdir::new();
    w.file("t.md", TEMPLATE);
    w.file("d.csv", CSV);
    w
}

/// The `row` column of the manifest.
fn manifest_rows(w: &Workdir, dir: &str) -> Vec<u64> {
    let mut rdr = csv::Reader::from_path(w.join(dir).join("manifest.csv")).expect("manifest");
    rdr.records()
        .map(|r| r.expect("row")[0].parse().expect("row number"))
        .collect()
}

fn pdf(w: &Workdir, out: &str, extra: &[&str]) -> common::Run {
    let mut args = vec!["pdf", "-t", "t.md", "-d", "d.csv", "-o", out];
    args.extend_from_slice(extra);
    w.run(&args)
}

#[test]
fn pdf_writes_exactly_the_selected_rows() {
    let w = campaign();
    pdf(&w, "a", &["--rows", "3-4,7", "--combined", "a.pdf"]).expect_code(0);
    assert_eq!(manifest_rows(&w, "a"), [3, 4, 7]);
    assert_eq!(
        w.list("a"),
        ["Moss.pdf", "Ng.pdf", "Zhu.pdf", "manifest.csv"]
    );
    assert_eq!(pdf_pages(&w.join("a.pdf")), 3);

    // By header name or template name; after trimming, in any case: " OH " and "oh" match.
    pdf(
        &w,
        "b",
        &["--where", "State Code=OH", "--combined", "b.pdf"],
    )
    .expect_code(0);
    assert_eq!(manifest_rows(&w, "b"), [2, 3, 5, 7]);
    assert_eq!(pdf_pages(&w.join("b.pdf")), 4);
    pdf(&w, "c", &["--where", "state_code=OH", "--limit", "2"]).expect_code(0);
    assert_eq!(manifest_rows(&w, "c"), [2, 3]);
    pdf(&w, "d", &["--limit", "1", "--combined", "d.pdf"]).expect_code(0);
    assert_eq!(manifest_rows(&w, "d"), [2]);
    assert_eq!(pdf_pages(&w.join("d.pdf")), 1);

    let run = pdf(&w, "e", &["--where", "state_code=TX"]);
    run.expect_code(1);
    assert!(
        run.stderr
            .contains("no row of d.csv matches --where state_code=TX"),
        "{}",
        run.stderr
    );
    let run = pdf(&w, "f", &["--where", "county=X"]);
    run.expect_code(2);
    assert!(run
        .stderr
        .contains("the columns are: first_name, last_name, city, State Code, email"));
    let run = pdf(&w, "g", &["--rows", "two"]);
    run.expect_code(2);
    assert!(run.stderr.contains("e.g. --rows 2-5,9"), "{}", run.stderr);
    assert!(!w.join("e").exists() && !w.join("f").exists() && !w.join("g").exists());
}

#[test]
fn a_bad_row_outside_the_selection_does_not_stop_the_run() {
    let w = campaign();
    w.file("d.csv", format!("{CSV}Gil,Tan,Kent\n"));
    pdf(&w, "a", &[]).expect_code(1);
    pdf(&w, "a", &["--rows", "2-7"]).expect_code(0);
    assert_eq!(manifest_rows(&w, "a"), [2, 3, 4, 5, 6, 7]);
}

/// The rows a dry run of `send` shows.
fn dry_run_rows(w: &Workdir, extra: &[&str]) -> Vec<u64> {
    let mut args = vec![
        "send",
        "-t",
        "t.md",
        "-d",
        "d.csv",
        "-c",
        "c.toml",
        "--dry-run",
    ];
    args.extend_from_slice(extra);
    let run = w.run(&args);
    run.expect_code(0);
    rows_shown(&run.stdout)
}

#[test]
fn send_dry_run_sends_only_the_selected_rows_and_limit_still_counts_messages() {
    let w = campaign();
    w.file(
        "c.toml",
        "[smtp]\nhost = \"127.0.0.1\"\nfrom = \"Advocacy <adv@example.org>\"\n",
    );
    assert_eq!(dry_run_rows(&w, &["--where", "State Code=PA"]), [4, 6]);
    assert_eq!(dry_run_rows(&w, &["--rows", "3-7", "--limit", "2"]), [3, 4]);
}

#[test]
fn rows_excluded_in_the_config_are_left_out_of_every_command() {
    let w = campaign();
    // What the studio's unticked rows write.
    w.file(
        "c.toml",
        "[data]\nexclude_file = \"d.csv\"\nexclude_rows = [3, 5]\n",
    );
    let run = pdf(&w, "a", &["--config", "c.toml"]);
    run.expect_code(0);
    assert_eq!(manifest_rows(&w, "a"), [2, 4, 6, 7]);
    assert!(
        run.stderr
            .contains("rows 3,5 left out, as c.toml [data] exclude_rows says"),
        "{}",
        run.stderr
    );
    // --rows cannot bring an excluded row back in by accident.
    pdf(&w, "b", &["--config", "c.toml", "--rows", "3-4"]).expect_code(0);
    assert_eq!(manifest_rows(&w, "b"), [4]);
    let dry = w.run(&["check", "-t", "t.md", "-d", "d.csv", "--config", "c.toml"]);
    dry.expect_code(0);
    assert!(
        dry.stdout.contains("4 rows") || dry.stderr.contains("4 rows"),
        "{}{}",
        dry.stdout,
        dry.stderr
    );

    // Exclusions are rows of one file: another list is refused, not silently thinned.
    w.file("other.csv", CSV);
    let run = w.run(&[
        "pdf",
        "-t",
        "t.md",
        "-d",
        "other.csv",
        "-o",
        "c",
        "--config",
        "c.toml",
    ]);
    run.expect_code(1);
    assert!(
        run.stderr
            .contains("exclude_rows are rows of d.csv, not of other.csv"),
        "{}",
        run.stderr
    );
    assert!(w.list("c").is_empty());
}
