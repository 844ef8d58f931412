//! `lettermerge check` through the real binary: messy data where every problem is reported
//! in one run, with the right rows, grouped and counted; exit codes; nothing written.

mod common;

use common::Workdir;

pub const TEMPLATE: &str = r#"---
filename: "{{last_name}}"
address: |
  {{first_name}} {{last_name}}
  {{street}}
  {{city}}, {{state}}  {{zip}}
date: "November 29, 2026"
salutation: "Dear {{title}} {{last_name}}:"
subject: "Welcome, {{title}} {{last_name}}"
to: "{{email}}"
---
Thank you for serving {{district}}.

{{#if note}}{{note}}{{/if}}
"#;

const HEADER: &str = "first_name,last_name,title,street,city,state,zip,email,district,note\n";

fn csv(rows: &[String]) -> String {
    let mut s = HEADER.to_string();
    for r in rows {
        s.push_str(r);
        s.push('\n');
    }
    s
}

/// One row from its cells: first, last, street, email, district, note.
fn row(cells: [&str; 6]) -> String {
    let q = |s: &str| format!("\"{}\"", s.replace('"', "\"\""));
    let [first, last, street, email, district, note] = cells;
    format!(
        "{first},{last},Senator,{},Columbus,OH,43001,{},{},{}",
        q(street),
        q(email),
        q(district),
        q(note)
    )
}

/// Every kind of problem, each in a known row (the header is row 1).
fn messy() -> String {
    let long_note = "Libraries matter to every community in the state. ".repeat(160);
    let tall = "Suite 1\nFloor 2\nWing 3\nBuilding 4\nCampus 5\nBox 6\nDept 7";
    let ann = [
        "Ann",
        "Lee",
        "1 Main St",
        "ann@example.org",
        "District 1",
        "",
    ];
    let mut rows: Vec<String> = [
        /* 2 */ ann,
        /* 3 */
        [
            "Bob",
            "Lee",
            "2 Main St",
            "bob@example.org",
            "District 2",
            "",
        ],
        /* 4 */
        [
            "Cy",
            "Moss",
            "3 Oak Ave",
            "not-an-address",
            "District 3",
            "",
        ],
        /* 6 */ ann,
        /* 7 */
        [
            "Eve",
            "Ray",
            "5 Pine Rd",
            "eve@example.org\nBcc: x@evil.example",
            "D7",
            "",
        ],
        /* 8 */
        [
            "Fay",
            "Zhu",
            "6 Ash Ct",
            "fay@example.org",
            "Kent \u{2603}",
            "",
        ],
        /* 9 */ ["Gus", "Orr", "7 Elm St", "gus@example.org", "", ""],
        /* 10 */ ["Hal", "Poe", tall, "hal@example.org", "District 10", ""],
        /* 11 */
        [
            "Ida",
            "Quinn",
            "9 Bay St",
            "ida@example.org",
            "District 11",
            &long_note,
        ],
        /* 12 */ ["Jo", "Ruiz", "10 Sea St", "", "District 12", ""],
        /* 13 */
        [
            "Kim",
            "Soto",
            "11 Sky St",
            "ann@example.org",
            "District 13",
            "",
        ],
    ]
    .into_iter()
    .map(row)
    .collect();
    // Row 5 is ragged: 6 fields where the header has 10.
    rows.insert(3, "Dee,Ng,Senator,4 Elm St,Toledo,OH".to_string());
    csv(&rows)
}

fn check(w: &Workdir, extra: &[&str]) -> common::Run {
    let mut args = vec!["check", "-t", "t.md", "-d", "d.csv"];
    args.extend_from_slice(extra);
    w.run(&args)
}

/// The line of stderr that starts with `prefix`, or a panic showing stderr.
fn line<'a>(stderr: &'a str, prefix: &str) -> &'a str {
    stderr
        .lines()
        .find(|l| l.starts_with(prefix))
        .unwrap_or_else(|| panic!("no line starting {prefix:?} in:\n{stderr}"))
}

#[test]
fn every_problem_of_messy_data_is_reported_in_one_run_with_its_row() {
    let w = Workdir::new();
    w.file("t.md", TEMPLATE);
    w.file("d.csv", messy());
    let run = check(&w, &["--all"]);
    run.expect_code(1);
    let e = &run.stderr;
    // With --all, each problem on its own line, starting with its row (and column).
    for (start, says) in [
        // Errors.
        (
            "error: d.csv row 3:",
            "file name Lee.pdf is already row 2's letter",
        ),
        (
            "error: d.csv row 4, column \"to\":",
            "`not-an-address` is not an email address",
        ),
        (
            "error: d.csv row 5:",
            "row 5 has 6 fields but the header has 10",
        ),
        // Row 6 repeats row 2, so its file name collides too.
        ("error: d.csv row 6:", "Lee.pdf is already row 2's letter"),
        // A line break in an address never becomes a header.
        (
            "error: d.csv row 7, column \"to\":",
            "Bcc: x@evil.example` is not an email address",
        ),
        ("error: d.csv row 12, column \"to\":", "no recipient"),
        // Warnings.
        ("warning: d.csv row 6:", "row 6 repeats row 2 exactly"),
        ("warning: d.csv row 8:", "no glyph for U+2603"),
        (
            "warning: d.csv row 9, column \"district\":",
            "`{{district}}` is empty",
        ),
        ("warning: d.csv row 10:", "too tall for the envelope window"),
        ("warning: d.csv row 11:", "the letter runs onto "),
        ("warning: d.csv row 12, column \"email\":", "is empty"),
        (
            "warning: d.csv row 13, column \"to\":",
            "same email address (ann@example.org) as row 2",
        ),
    ] {
        assert!(line(e, start).contains(says), "{start} {says}:\n{e}");
    }
    // `note` is only printed inside {{#if note}}: its empty cells are not a gap.
    assert!(!e.contains("column \"note\""), "{e}");
    // Each problem names what to do.
    assert!(e.matches("\n  hint: ").count() >= 12, "{e}");
    // Warnings come first, then errors, then the count.
    let last_warning = e.rfind("warning: d.csv").unwrap();
    let first_error = e.find("error: d.csv").unwrap();
    assert!(last_warning < first_error, "{e}");
    assert_eq!(
        e.lines().last().unwrap(),
        "12 rows checked: 6 errors in 6 rows, 7 warnings",
        "{e}"
    );
    // Before it, the same problems counted by kind.
    let tally = e.lines().rev().nth(1).unwrap();
    assert!(tally.starts_with("by kind: errors: "), "{e}");
    assert!(tally.contains("; warnings: "), "{tally}");
    assert!(tally.contains("ragged rows (1)"), "{tally}");
    assert_eq!(w.list(""), ["d.csv", "t.md"], "check writes nothing");

    // By default the same problem in several rows is one entry, said of all of them alike;
    // the counts are the same.
    let grouped = check(&w, &[]);
    grouped.expect_code(1);
    let g = &grouped.stderr;
    assert_eq!(
        line(g, "error: d.csv, column \"to\":"),
        "error: d.csv, column \"to\": the `to` value is not an email address, in 2 rows: rows 4, 7"
    );
    assert!(
        line(
            g,
            "error: d.csv: the letter's file name is already another letter's"
        )
        .ends_with(", in 2 rows: rows 3, 6"),
        "{g}"
    );
    assert!(!g.contains("not-an-address"), "{g}");
    assert!(
        line(g, "error: d.csv row 5:").contains("row 5 has 6 fields"),
        "{g}"
    );
    assert_eq!(
        g.lines().rev().take(2).collect::<Vec<_>>(),
        e.lines().rev().take(2).collect::<Vec<_>>()
    );
}

#[test]
fn the_same_problem_in_several_rows_is_listed_once_with_its_rows() {
    let w = Workdir::new();
    w.file("t.md", TEMPLATE);
    let rows: Vec<String> = (0..5)
        .map(|i| {
            let district = if i % 2 == 0 { "" } else { "D" };
            let (last, email) = (format!("N{i}"), format!("a{i}@example.org"));
            row(["A", &last, "1 St", &email, district, ""])
        })
        .collect();
    w.file("d.csv", csv(&rows));
    let run = check(&w, &[]);
    // Warnings only: exit code 0.
    run.expect_code(0);
    assert_eq!(
        line(&run.stderr, "warning: d.csv, column \"district\":"),
        "warning: d.csv, column \"district\": `{{district}}` is empty, so the letter has a gap \
         where the template prints it, in 3 rows: rows 2, 4, 6",
    );
    // Its hint once.
    assert_eq!(run.stderr.matches("  hint: fill in the cell").count(), 1);
    assert_eq!(
        run.stderr.lines().last().unwrap(),
        "5 rows checked: 0 errors in 0 rows, 3 warnings"
    );
}

#[test]
fn for_pdf_or_email_checks_only_that() {
    let w = Workdir::new();
    w.file("t.md", TEMPLATE);
    w.file("d.csv", messy());
    let pdf = check(&w, &["--for", "pdf"]);
    pdf.expect_code(1);
    assert!(
        !pdf.stderr.contains("not an email address"),
        "{}",
        pdf.stderr
    );
    assert!(pdf.stderr.contains("too tall for the envelope window"));
    assert!(pdf
        .stderr
        .contains("the letter's file name is already another letter's"));
    let email = check(&w, &["--for", "email", "--rows", "2-4,6-13"]);
    email.expect_code(1);
    assert!(email
        .stderr
        .contains("the `to` value is not an email address, in 2 rows: rows 4, 7"));
    assert!(
        !email.stderr.contains("envelope window"),
        "{}",
        email.stderr
    );
    assert!(!email.stderr.contains("file name"), "{}", email.stderr);
    assert!(!email.stderr.contains("row 5 has"), "row 5 is not selected");
    assert!(
        email
            .stderr
            .contains("so the sender (`from`) was not checked"),
        "{}",
        email.stderr
    );
    // Only the good rows selected: no errors.
    let good = check(&w, &["--rows", "2,8-9"]);
    good.expect_code(0);
    assert!(
        good.stderr
            .ends_with("3 rows checked: 0 errors in 0 rows, 2 warnings\n"),
        "{}",
        good.stderr
    );
}

#[test]
fn the_config_sender_is_checked_with_config() {
    let w = Workdir::new();
    w.file("t.md", TEMPLATE);
    w.file(
        "d.csv",
        csv(&[row(["A", "B", "1 St", "a@example.org", "D", ""])]),
    );
    w.file(
        "good.toml",
        "[smtp]\nhost = \"h\"\nfrom = \"Advocacy <adv@example.org>\"\n",
    );
    w.file(
        "bad.toml",
        "[smtp]\nhost = \"h\"\nfrom = \"not an address\"\n",
    );
    let ok = check(&w, &["--config", "good.toml"]);
    ok.expect_code(0);
    assert!(!ok.stderr.contains("was not checked"), "{}", ok.stderr);
    let bad = check(&w, &["--config", "bad.toml"]);
    bad.expect_code(1);
    assert!(
        bad.stderr
            .contains("`not an address` in the config is not one email address"),
        "{}",
        bad.stderr
    );
}

#[test]
fn missing_columns_template_errors_and_bad_images_are_errors() {
    let w = Workdir::new();
    w.file(
        "d.csv",
        csv(&[
            row(["A", "B", "1 St", "a@example.org", "D", ""]),
            row(["C", "D", "2 St", "c@example.org", "D", ""]),
        ]),
    );
    // A column the data lacks, named once with the rows it breaks.
    w.file("t.md", TEMPLATE.replace("{{district}}", "{{county}}"));
    let run = check(&w, &[]);
    run.expect_code(1);
    let l = line(&run.stderr, "error: d.csv, column \"county\":");
    assert!(
        l.contains("no column `county`") && l.contains("(it breaks rows 2-3)"),
        "{l}"
    );
    assert!(
        run.stderr.contains("template t.md line 12"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .ends_with("2 rows checked: 1 error in 2 rows, 0 warnings\n"),
        "{}",
        run.stderr
    );

    // A template syntax error points at its line.
    w.file("t.md", TEMPLATE.replace("{{district}}.", "{{district."));
    let run = check(&w, &[]);
    run.expect_code(1);
    assert!(run.stderr.starts_with("error: t.md:12: "), "{}", run.stderr);

    // An image that cannot be read is an error in every row that uses it.
    w.file("broken.png", b"not a png at all");
    w.file(
        "t.md",
        TEMPLATE.replace("{{#if note}}", "![Chart](broken.png)\n\n{{#if note}}"),
    );
    let run = check(&w, &["--for", "pdf"]);
    run.expect_code(1);
    assert!(
        line(&run.stderr, "error: d.csv: cannot use the image").ends_with(", in 2 rows: rows 2-3"),
        "{}",
        run.stderr
    );
}

#[test]
fn selection_mistakes_are_usage_errors() {
    let w = Workdir::new();
    w.file("t.md", TEMPLATE);
    w.file("d.csv", messy());
    let run = check(&w, &["--rows", "2-x"]);
    run.expect_code(2);
    assert!(run.stderr.contains("e.g. --rows 2-5,9"), "{}", run.stderr);
    let run = check(&w, &["--rows", "1-3"]);
    run.expect_code(2);
    assert!(
        run.stderr.contains("the first data row is 2"),
        "{}",
        run.stderr
    );
    let run = check(&w, &["--where", "county=Kent"]);
    run.expect_code(2);
    assert!(
        run.stderr
            .contains("no column `county`; the columns are: first_name, last_name"),
        "{}",
        run.stderr
    );
    let run = check(&w, &["--where", "county"]);
    run.expect_code(2);
    assert!(run.stderr.contains("is not COLUMN=VALUE"), "{}", run.stderr);
    let run = check(&w, &["--limit", "0"]);
    run.expect_code(2);
}

#[test]
fn a_config_with_only_offices_is_used_for_the_greeting_and_the_sender_is_not_checked() {
    let w = Workdir::new();
    w.file(
        "t.md",
        "---\nto: \"{{email}}\"\nsubject: \"Welcome\"\nsalutation: \"{{salutation office last_name}}\"\n---\nHello.\n",
    );
    w.file(
        "d.csv",
        "last_name,office,email\nDoe,Parish President,doe@x.example\n",
    );
    w.file(
        "offices.toml",
        "[offices.\"Parish President\"]\ntitle = \"President\"\n",
    );
    let run = check(&w, &["--config", "offices.toml", "--for", "email"]);
    run.expect_code(0);
    assert!(
        run.stderr.contains("no [smtp] settings given"),
        "{}",
        run.stderr
    );
    let shown = w.run(&[
        "preview",
        "-t",
        "t.md",
        "-d",
        "d.csv",
        "--config",
        "offices.toml",
    ]);
    shown.expect_code(0);
    assert!(
        shown.stdout.contains("Dear President Doe:"),
        "{}",
        shown.stdout
    );
}

#[test]
fn a_broken_template_still_lets_the_datas_own_problems_be_listed() {
    let w = Workdir::new();
    w.file(
        "t.md",
        "---\nto: \"{{email}}\"\n---\nHello {{#if note}}there.\n",
    );
    w.file(
        "d.csv",
        "email,note\na@x.example,hi\nb@x.example,hi,extra\nc@x.example,\n",
    );
    let run = check(&w, &[]);
    run.expect_code(1);
    assert!(run.stderr.contains("t.md"), "{}", run.stderr);
    assert!(
        run.stderr.contains("row 3"),
        "the ragged row: {}",
        run.stderr
    );
    assert!(
        run.stderr.contains("3 rows read: 1 with problems"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_print_only_template_is_checked_as_letters_unless_email_is_asked_for() {
    let w = Workdir::new();
    w.file(
        "t.md",
        "---\naddress: |\n  {{name}}\n  {{street}}\n---\nHello {{name}}.\n",
    );
    w.file(
        "d.csv",
        "name,street\nAnn Lee,1 Main St\nBob Ng,2 Oak Ave\n",
    );
    let run = check(&w, &[]);
    run.expect_code(0);
    assert!(
        run.stderr.contains("checked as letters only"),
        "{}",
        run.stderr
    );
    let email = check(&w, &["--for", "email"]);
    email.expect_code(1);
    assert!(email.stderr.contains("no recipient"), "{}", email.stderr);
}

#[test]
fn several_missing_columns_are_one_error_with_near_columns_in_check_pdf_and_send() {
    let w = Workdir::new();
    w.file(
        "t.md",
        "---\nto: \"{{email}}\"\nsubject: Hello\naddress: |\n  {{first_name}} {{lastname}}\n  {{emial}} {{zip}}\n---\nDear {{first_name}} of {{county}}.\n",
    );
    w.file(
        "d.csv",
        "first_name,last_name,ZIP Code,email\nAnn,Lee,43001,ann@example.org\nBob,Ng,43002,bob@example.org\n",
    );
    w.file(
        "c.toml",
        "[smtp]\nhost = \"localhost\"\nfrom = \"Advocacy <adv@example.org>\"\nsecurity = \"none\"\n",
    );
    let expected = "error: d.csv: the template uses 3 fields the data has no column for: \
                    lastname (line 5), emial (line 6), county (line 8) (it breaks rows 2-3)";
    let hint = "  hint: fix the names in template t.md or add the columns; did you mean \
                `last_name` for lastname, `email` for emial, `country` for county? the columns \
                are: first_name, last_name, ZIP Code, email";
    for (what, run) in [
        ("check", check(&w, &[])),
        (
            "pdf",
            w.run(&["pdf", "-t", "t.md", "-d", "d.csv", "-o", "out"]),
        ),
        (
            "send",
            w.run(&[
                "send",
                "-t",
                "t.md",
                "-d",
                "d.csv",
                "-c",
                "c.toml",
                "--dry-run",
            ]),
        ),
    ] {
        run.expect_code(1);
        let e = &run.stderr;
        assert_eq!(line(e, "error: d.csv"), expected, "{what}:\n{e}");
        assert!(e.contains(&format!("{expected}\n{hint}\n")), "{what}:\n{e}");
        // The data's columns once, not once per missing field or per row.
        assert_eq!(e.matches("the columns are").count(), 1, "{what}:\n{e}");
        assert_eq!(e.matches("error: d.csv").count(), 1, "{what}:\n{e}");
    }
    assert!(!w.join("out").exists() || w.list("out").is_empty());
}

/// 3,000 rows (2-3001) where many rows share each problem: row r has an empty email when
/// r % 3 == 2, an invalid one when r % 5 == 0 (and not empty), an empty district when
/// r % 7 == 0; every 100th row from row 3 prints a character the font lacks, each its own.
fn many_rows() -> String {
    let rows: Vec<String> = (2..3002u64)
        .map(|r| {
            let email = if r % 3 == 2 {
                String::new()
            } else if r % 5 == 0 {
                format!("not-an-address-{r}")
            } else {
                format!("p{r}@example.org")
            };
            let district = if r % 7 == 0 {
                String::new()
            } else if r % 100 == 3 {
                format!("District {}", char::from_u32(0x4E00 + r as u32).unwrap())
            } else {
                format!("District {r}")
            };
            row([
                "Pat",
                &format!("Name{r}"),
                &format!("{r} Main St"),
                &email,
                &district,
                "",
            ])
        })
        .collect();
    csv(&rows)
}

#[test]
fn thousands_of_rows_with_shared_problems_fit_on_one_screen_and_all_lists_every_row() {
    let w = Workdir::new();
    w.file("t.md", TEMPLATE);
    w.file("d.csv", many_rows());
    let empty_email: Vec<u64> = (2..3002).filter(|r| r % 3 == 2).collect();
    let bad_email: Vec<u64> = (2..3002).filter(|r| r % 3 != 2 && r % 5 == 0).collect();
    let empty_district: Vec<u64> = (2..3002).filter(|r| r % 7 == 0).collect();
    assert_eq!(empty_email.len(), 1000);
    let glyphs = (2..3002).filter(|r| r % 100 == 3 && r % 7 != 0).count();

    let run = check(&w, &[]);
    run.expect_code(1);
    let e = &run.stderr;
    assert!(e.lines().count() < 50, "{} lines:\n{e}", e.lines().count());
    // One entry per problem, with its count and first rows.
    assert_eq!(
        line(e, "warning: d.csv, column \"email\":"),
        "warning: d.csv, column \"email\": `{{email}}` is empty, so the letter has a gap where \
         the template prints it, in 1,000 rows: rows 2, 5, 8 and 997 more"
    );
    assert_eq!(
        line(e, "error: d.csv, column \"to\": the email has no recipient"),
        "error: d.csv, column \"to\": the email has no recipient: the `to` value is empty, in \
         1,000 rows: rows 2, 5, 8 and 997 more"
    );
    assert_eq!(
        line(e, "error: d.csv, column \"to\": the `to` value"),
        format!(
            "error: d.csv, column \"to\": the `to` value is not an email address, in {} rows: \
             rows 10, 15, 25 and {} more",
            bad_email.len(),
            bad_email.len() - 3
        )
    );
    assert!(
        line(e, "warning: d.csv, column \"district\":").ends_with(&format!(
            "in {} rows: rows 7, 14, 21 and {} more",
            empty_district.len(),
            empty_district.len() - 3
        )),
        "{e}"
    );
    // Each hint once.
    assert_eq!(e.matches("hint: fill in the email address that").count(), 1);
    // Some 25 characters the font lacks, each in one row: more than one screen holds, so a
    // line says how many are not shown.
    let more = line(e, "... and ");
    assert!(
        more.ends_with("not shown; --all lists every one") && more.contains(" more problems ("),
        "{more}"
    );
    let summary = e.lines().last().unwrap();
    let errors = empty_email.len() + bad_email.len();
    let warnings = empty_email.len() + empty_district.len() + glyphs;
    assert_eq!(
        summary,
        format!(
            "3,000 rows checked: {} errors in {} rows, {} warnings",
            common_thousands(errors),
            common_thousands(errors),
            common_thousands(warnings)
        )
    );

    // --all: every row's problems, each on its own line, the same counts.
    let all = check(&w, &["--all"]);
    all.expect_code(1);
    let a = &all.stderr;
    for r in &empty_email {
        let start = format!("warning: d.csv row {r}, column \"email\": ");
        assert!(
            a.contains(&format!("\n{start}")) || a.starts_with(&start),
            "row {r}"
        );
        assert!(
            a.contains(&format!(
                "error: d.csv row {r}, column \"to\": the email has no recipient"
            )),
            "row {r}"
        );
    }
    for r in &bad_email {
        assert!(
            a.contains(&format!(
                "error: d.csv row {r}, column \"to\": the `to` value `not-an-address-{r}` is not"
            )),
            "row {r}"
        );
    }
    assert_eq!(a.matches("\nerror: d.csv row ").count(), errors);
    assert_eq!(
        a.matches("warning: d.csv row ").count(),
        warnings,
        "every warning listed"
    );
    assert!(!a.contains("--all lists"), "nothing left out");
    assert_eq!(a.lines().last(), Some(summary));
}

/// `1000` -> "1,000" (the report's own formatting, written out for the test).
fn common_thousands(n: usize) -> String {
    let s = n.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[test]
fn findings_past_the_ones_kept_in_full_are_still_counted_grouped_and_stop_the_run() {
    // 12,001 rows share one email address: 12,000 duplicate warnings, more than the
    // 10,000 kept in full; the last row also has an error (an invalid address).
    let mut rows: Vec<String> = (0..12_000)
        .map(|i| {
            row([
                "Ann",
                &format!("Lee{i}"),
                &format!("{i} Main St"),
                "same@ohio.example",
                "D1",
                "",
            ])
        })
        .collect();
    rows.push(row(["Bo", "Last", "9 Elm St", "not an address", "D2", ""]));
    rows.insert(
        0,
        row(["Ann", "First", "1 Oak St", "same@ohio.example", "D1", ""]),
    );
    let w = Workdir::new();
    w.file("t.md", TEMPLATE);
    w.file("d.csv", csv(&rows));
    let run = check(&w, &[]);
    run.expect_code(1);
    assert!(
        run.stderr
            .contains("12,002 rows checked: 1 error in 1 row, 12,000 warnings"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("in 12,000 rows: rows 3-12002"),
        "{}",
        run.stderr
    );
    // --all: the kept findings one by one, then the rest as one group with every row.
    let all = check(&w, &["--all"]);
    let singles = all.stderr.matches("has the same email address").count();
    assert_eq!(
        singles,
        10_000 + 1,
        "the kept ones and the group line: {}",
        &all.stderr[..400]
    );
    assert!(
        all.stderr.contains("in 2,000 rows: rows 10003-12002"),
        "{}",
        &all.stderr[all.stderr.len() - 600..]
    );
}

#[test]
fn a_duplicate_of_a_row_past_the_keys_kept_in_memory_names_the_earlier_row() {
    // More rows than the duplicate check keeps in memory, each its own official; then one
    // with row 2's address, one repeating row 4, one with row 5's email address: their
    // first rows' keys are on disk by then, and still found, with their row numbers.
    let n = lettermerge::first_seen::IN_MEMORY as u64 + 1_500;
    let official = |r: u64| {
        let (last, street, email) = (
            format!("Name{r}"),
            format!("{r} Main St"),
            format!("p{r}@example.org"),
        );
        row(["Pat", &last, &street, &email, "D1", ""])
    };
    let mut rows: Vec<String> = (2..n + 2).map(official).collect();
    let (a, b, c) = (n + 2, n + 3, n + 4);
    rows.push(row([
        "Pat",
        "Name2",
        "2 Main St",
        "other@example.org",
        "D1",
        "",
    ]));
    rows.push(official(4));
    rows.push(row([
        "Lee",
        "Other",
        "9 Elm St",
        "p5@example.org",
        "D1",
        "",
    ]));
    let w = Workdir::new();
    w.file("t.md", TEMPLATE);
    w.file("d.csv", csv(&rows));
    let run = check(&w, &["--for", "email"]);
    run.expect_code(0);
    let e = &run.stderr;
    assert!(
        e.contains(&format!(
            "warning: d.csv row {a}: row {a} has the same address as row 2\n"
        )),
        "{e}"
    );
    assert!(
        e.contains(&format!(
            "warning: d.csv row {b}: row {b} repeats row 4 exactly\n"
        )),
        "{e}"
    );
    assert!(
        e.contains(&format!(
            "warning: d.csv row {c}, column \"to\": row {c} has the same email address \
             (p5@example.org) as row 5\n"
        )),
        "{e}"
    );
    assert!(
        e.ends_with(&format!(
            "{} rows checked: 0 errors in 0 rows, 3 warnings\n",
            common_thousands(n as usize + 3)
        )),
        "{e}"
    );
}
