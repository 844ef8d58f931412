//! `{{address_lines}}` through the real binary: one-line addresses from the officials'
//! datasets become address blocks in the PDFs (read back by poppler), and an address that
//! cannot be split with confidence is printed as written, with a warning naming its row.

mod common;

use common::{pdf_text, squash, Workdir};

const TEMPLATE: &str = r#"---
filename: "{{name}}"
address: |
  {{name}}
  {{address_lines capitol_address}}
date: "November 29, 2026"
salutation: "Dear {{name}}:"
---
Congratulations on your election.
"#;

const DATA: &str = "name,capitol_address
Jane Doe,\"State Capitol Room 400, 120 4th St., Juneau, AK 99801\"
Maria Cantwell,511 Hart Senate Office Building Washington DC 20510-0001
Rob Roe,120 4th St. Juneau AK 99801
";

const WARNING: &str = "the address in `capitol_address` could not be split with confidence (the city cannot be told from the street), so it is printed as written";

/// The PDF's lines, spacing squashed, empty ones dropped.
fn lines(w: &Workdir, file: &str) -> Vec<String> {
    pdf_text(&w.join(file))
        .lines()
        .map(squash)
        .filter(|l| !l.is_empty())
        .collect()
}

/// Whether `want` appear in `lines` one after another.
fn in_order(lines: &[String], want: &[&str]) -> bool {
    lines
        .windows(want.len())
        .any(|w| w.iter().zip(want).all(|(a, b)| a == b))
}

fn workdir() -> Workdir {
    let w = Workdir::new();
    w.file("t.md", TEMPLATE);
    w.file("d.csv", DATA);
    w
}

#[test]
fn check_warns_about_the_row_whose_address_is_unsure_and_only_it() {
    let w = workdir();
    let run = w.run(&["check", "-t", "t.md", "-d", "d.csv"]);
    run.expect_code(0);
    let e = &run.stderr;
    let warning = e
        .lines()
        .find(|l| l.contains(WARNING))
        .unwrap_or_else(|| panic!("no address warning in:\n{e}"));
    assert!(
        warning.contains("row 4, column \"capitol_address\""),
        "{warning}"
    );
    assert_eq!(e.matches("could not be split").count(), 1, "{e}");
    assert!(
        e.contains("best reading is \"120 4th St. / Juneau, AK  99801\""),
        "{e}"
    );
}

#[test]
fn pdf_prints_the_split_blocks_and_the_unsure_address_as_written_with_a_warning() {
    let w = workdir();
    let run = w.run(&["pdf", "-t", "t.md", "-d", "d.csv", "-o", "out"]);
    run.expect_code(0);
    let e = &run.stderr;
    let warning = e
        .lines()
        .find(|l| l.contains(WARNING))
        .unwrap_or_else(|| panic!("no address warning in:\n{e}"));
    assert!(warning.contains("row 4"), "{warning}");
    assert_eq!(e.matches("could not be split").count(), 1, "{e}");

    let jane = lines(&w, "out/Jane Doe.pdf");
    assert!(
        in_order(
            &jane,
            &[
                "Jane Doe",
                "State Capitol Room 400",
                "120 4th St.",
                "Juneau, AK 99801"
            ]
        ),
        "{jane:#?}"
    );
    let maria = lines(&w, "out/Maria Cantwell.pdf");
    assert!(
        in_order(
            &maria,
            &[
                "Maria Cantwell",
                "511 Hart Senate Office Building",
                "Washington, DC 20510-0001"
            ]
        ),
        "{maria:#?}"
    );
    // Not split on a guess: the address stays on its one line.
    let rob = lines(&w, "out/Rob Roe.pdf");
    assert!(
        in_order(&rob, &["Rob Roe", "120 4th St. Juneau AK 99801"]),
        "{rob:#?}"
    );
}
