//! `lettermerge envelopes` and `lettermerge labels` through the real binary, read back with
//! poppler: the page size of every stock (pdfinfo), each address inside its own label cell
//! or on its envelope's address area (pdftotext -bbox word boxes), --start, the fit and
//! glyph checks with their rows, and the shipped samples.

mod common;

use common::{pdf_fonts, pdf_pages, repo, Workdir};
use std::path::Path;
use std::process::Command;

const IN: f32 = 72.0;
const MM: f32 = 72.0 / 25.4;

/// Every row's address names its row ("R7"), so each word can be traced to its row.
const TEMPLATE: &str = r#"---
address: |
  {{name}} R{{id}}
  {{street}}
  {{city}}, {{state}}  {{zip}}
date: "November 29, 2026"
page: PAGE
letterhead:
  name: "Riverside Library Foundation"
  lines:
    - "120 Reading Way"
    - "Riverside, OH 45431"
    - "(555) 010-4400 · office@riverside.example"
---
Welcome.
"#;

fn template(page: &str) -> String {
    TEMPLATE.replace("PAGE", page)
}

/// `n` rows, ids 1..=n (the spreadsheet rows 2..=n+1).
fn data(n: usize) -> String {
    let mut s = String::from("id,name,street,city,state,zip\n");
    for i in 1..=n {
        s.push_str(&format!(
            "{i},Jane Doe,{i}00 Main St.,Springfield,IL,6270{}\n",
            i % 10
        ));
    }
    s
}

fn workdir(page: &str, rows: usize) -> Workdir {
    let w = Workdir::new();
    w.file("t.md", template(page));
    w.file("d.csv", data(rows));
    w
}

/// A word with its whole box, points from the page's top-left corner.
#[derive(Debug)]
struct Word {
    x0: f32,
    y0: f32,
    x1: f32,
    y1: f32,
    text: String,
}

/// The words of page `page` (1-based), from `pdftotext -bbox`.
fn words(pdf: &Path, page: usize) -> Vec<Word> {
    let p = page.to_string();
    let out = Command::new("pdftotext")
        .args(["-bbox", "-enc", "UTF-8", "-f", &p, "-l", &p])
        .arg(pdf)
        .arg("-")
        .output()
        .expect("run pdftotext (install poppler-utils)");
    assert!(out.status.success());
    let html = String::from_utf8(out.stdout).expect("UTF-8");
    let attr = |line: &str, name: &str| -> f32 {
        let start = line.find(&format!("{name}=\"")).expect(name) + name.len() + 2;
        let end = line[start..].find('"').expect("quote") + start;
        line[start..end].parse().expect("number")
    };
    html.lines()
        .map(str::trim)
        .filter(|l| l.starts_with("<word"))
        .map(|l| Word {
            x0: attr(l, "xMin"),
            y0: attr(l, "yMin"),
            x1: attr(l, "xMax"),
            y1: attr(l, "yMax"),
            text: l
                .split_once('>')
                .and_then(|(_, rest)| rest.strip_suffix("</word>"))
                .unwrap_or("")
                .to_string(),
        })
        .collect()
}

/// The page size pdfinfo reports for page 1, in points.
fn page_size(pdf: &Path) -> (f32, f32) {
    let out = Command::new("pdfinfo").arg(pdf).output().expect("pdfinfo");
    let info = String::from_utf8_lossy(&out.stdout).into_owned();
    let line = info
        .lines()
        .find_map(|l| l.strip_prefix("Page size:"))
        .unwrap_or_else(|| panic!("no page size in:\n{info}"));
    let nums: Vec<f32> = line
        .split_whitespace()
        .filter_map(|t| t.parse().ok())
        .collect();
    (nums[0], nums[1])
}

fn assert_size(pdf: &Path, want: (f32, f32)) {
    let got = page_size(pdf);
    assert!(
        (got.0 - want.0).abs() < 0.5 && (got.1 - want.1).abs() < 0.5,
        "{}: page size {got:?}, expected {want:?}",
        pdf.display()
    );
}

/// A label stock's grid, as Avery publishes it: columns, rows, cell size, top and left
/// margin, pitch.
struct Grid {
    columns: usize,
    rows: usize,
    cell: (f32, f32),
    top: f32,
    left: f32,
    pitch: (f32, f32),
}

const AVERY_5160: Grid = Grid {
    columns: 3,
    rows: 10,
    cell: (2.625 * IN, 1.0 * IN),
    top: 0.5 * IN,
    left: 0.1875 * IN,
    pitch: (2.75 * IN, 1.0 * IN),
};

const AVERY_L7163: Grid = Grid {
    columns: 2,
    rows: 7,
    cell: (99.1 * MM, 38.1 * MM),
    top: 15.1 * MM,
    left: 4.65 * MM,
    pitch: (101.6 * MM, 38.1 * MM),
};

impl Grid {
    /// The cell (x0, y0, x1, y1) at 0-based position `p` on a sheet.
    fn cell(&self, p: usize) -> (f32, f32, f32, f32) {
        let (c, r) = (p % self.columns, p / self.columns);
        let x = self.left + c as f32 * self.pitch.0;
        let y = self.top + r as f32 * self.pitch.1;
        (x, y, x + self.cell.0, y + self.cell.1)
    }

    fn per_sheet(&self) -> usize {
        self.columns * self.rows
    }
}

/// Whether the word lies wholly inside the box, `inset` points clear of its edges.
fn inside(w: &Word, (x0, y0, x1, y1): (f32, f32, f32, f32), inset: f32) -> bool {
    w.x0 >= x0 + inset && w.x1 <= x1 - inset && w.y0 >= y0 + inset / 2.0 && w.y1 <= y1 - inset / 2.0
}

/// Checks a labels PDF: the word "R{id}" of each of `ids` is in the cell its position
/// gives (from `start`, 0-based), and every word of the sheet lies inside one cell.
fn assert_labels(pdf: &Path, grid: &Grid, start: usize, ids: usize) {
    let sheets = pdf_pages(pdf);
    assert_eq!(sheets, (start + ids).div_ceil(grid.per_sheet()));
    let mut found = 0;
    for sheet in 1..=sheets {
        let words = words(pdf, sheet);
        assert!(!words.is_empty(), "sheet {sheet} is empty");
        for w in &words {
            let cell = (0..grid.per_sheet())
                .find(|&p| inside(w, grid.cell(p), 4.0))
                .unwrap_or_else(|| panic!("sheet {sheet}: {w:?} is not inside any label"));
            if let Some(id) = w
                .text
                .strip_prefix('R')
                .and_then(|n| n.parse::<usize>().ok())
            {
                let position = start + id - 1;
                assert_eq!(
                    (sheet, cell),
                    (position / grid.per_sheet() + 1, position % grid.per_sheet()),
                    "row id {id} is on the wrong label"
                );
                found += 1;
            }
        }
    }
    assert_eq!(found, ids, "every row's label was found");
}

#[test]
fn avery_5160_sheets_are_us_letter_with_every_address_inside_its_own_label() {
    let w = workdir("letter", 33);
    let run = w.run(&["labels", "-t", "t.md", "-d", "d.csv", "-o", "labels.pdf"]);
    run.expect_code(0);
    let pdf = w.join("labels.pdf");
    assert_size(&pdf, (612.0, 792.0));
    assert_labels(&pdf, &AVERY_5160, 0, 33);
    assert!(
        run.stderr
            .contains("27 labels left: use them with --start 4"),
        "{}",
        run.stderr
    );
    // Subset and embedded, like the letters.
    let fonts = pdf_fonts(&pdf);
    assert!(
        !fonts.is_empty() && fonts.iter().all(|f| f.embedded && f.subset),
        "{fonts:?}"
    );
}

#[test]
fn avery_l7163_sheets_are_a4_with_every_address_inside_its_own_label() {
    let w = workdir("a4", 16);
    // The A4 template picks L7163 by itself; --stock names it all the same.
    for args in [&[][..], &["--stock", "l7163"][..]] {
        let mut all = vec!["labels", "-t", "t.md", "-d", "d.csv", "-o", "l.pdf", "-f"];
        all.extend_from_slice(args);
        w.run(&all).expect_code(0);
        let pdf = w.join("l.pdf");
        assert_size(&pdf, (595.28, 841.89));
        assert_labels(&pdf, &AVERY_L7163, 0, 16);
    }
}

#[test]
fn start_skips_the_used_labels_of_the_first_sheet() {
    let w = workdir("letter", 5);
    let run = w.run(&[
        "labels", "-t", "t.md", "-d", "d.csv", "-o", "l.pdf", "--start", "29",
    ]);
    run.expect_code(0);
    let pdf = w.join("l.pdf");
    // Labels 29 and 30 of the first sheet, then 1 to 3 of the second.
    assert_labels(&pdf, &AVERY_5160, 28, 5);
    let first = words(&pdf, 1);
    let top_of_29 = AVERY_5160.cell(28).1;
    assert!(first.iter().all(|w| w.y0 >= top_of_29), "{first:?}");

    let w = workdir("a4", 3);
    w.run(&[
        "labels", "-t", "t.md", "-d", "d.csv", "-o", "l.pdf", "--start", "6",
    ])
    .expect_code(0);
    assert_labels(&w.join("l.pdf"), &AVERY_L7163, 5, 3);
}

#[test]
fn a_start_past_the_sheet_is_refused_before_anything_is_written() {
    let w = workdir("letter", 3);
    for (stock, start) in [
        ("5160", "31"),
        ("l7163", "15"),
        ("5160", "0"),
        ("5160", "99"),
    ] {
        let run = w.run(&[
            "labels", "-t", "t.md", "-d", "d.csv", "-o", "l.pdf", "--stock", stock, "--start",
            start,
        ]);
        run.expect_code(2);
        assert!(run.stderr.contains("--start"), "{}", run.stderr);
        assert!(!w.join("l.pdf").exists());
    }
}

/// Envelope page sizes and the recipient areas the README promises: (x, y) of the block's
/// top-left corner and the bottom-right limit.
#[test]
fn envelopes_have_the_size_of_the_envelope_and_the_address_in_its_place() {
    let w = workdir("letter", 3);
    let cases = [
        // size, page, the area's top-left corner, what it keeps clear right and bottom
        (
            "10",
            (9.5 * IN, 4.125 * IN),
            (4.0 * IN, 2.0 * IN),
            (0.5 * IN, 0.625 * IN),
        ),
        (
            "dl",
            (220.0 * MM, 110.0 * MM),
            (100.0 * MM, 50.0 * MM),
            (15.0 * MM, 15.0 * MM),
        ),
        (
            "c5",
            (229.0 * MM, 162.0 * MM),
            (110.0 * MM, 80.0 * MM),
            (15.0 * MM, 15.0 * MM),
        ),
    ];
    for (size, (pw, ph), (ax, ay), (right, bottom)) in cases {
        let out = format!("env-{size}.pdf");
        w.run(&[
            "envelopes",
            "-t",
            "t.md",
            "-d",
            "d.csv",
            "-o",
            &out,
            "--size",
            size,
        ])
        .expect_code(0);
        let pdf = w.join(&out);
        assert_size(&pdf, (pw, ph));
        assert_eq!(pdf_pages(&pdf), 3, "one envelope per row");
        for page in 1..=3 {
            let words = words(&pdf, page);
            let id = words
                .iter()
                .find_map(|w| {
                    w.text
                        .strip_prefix('R')
                        .and_then(|n| n.parse::<usize>().ok())
                })
                .expect("the row's address");
            assert_eq!(id, page, "envelopes in row order");
            let (recipient, other): (Vec<&Word>, Vec<&Word>) = words
                .iter()
                .partition(|w| w.x0 >= ax - 0.5 && w.y0 >= ay - 0.5);
            // Recipient: the four words of "Jane Doe R1", the street, "Springfield, IL 62701".
            let texts: Vec<&str> = recipient.iter().map(|w| w.text.as_str()).collect();
            assert!(
                texts.contains(&"Springfield,") && texts.contains(&"Main"),
                "{texts:?}"
            );
            for r in &recipient {
                assert!(r.x1 <= pw - right && r.y1 <= ph - bottom, "{size}: {r:?}");
            }
            // Return address: the letterhead's name and postal lines in the top-left
            // corner, without the phone and email line.
            let ret: Vec<&str> = other.iter().map(|w| w.text.as_str()).collect();
            assert_eq!(
                ret.join(" "),
                "Riverside Library Foundation 120 Reading Way Riverside, OH 45431",
                "{size}"
            );
            for r in &other {
                assert!(r.x0 >= 0.3 * IN && r.y0 >= 0.3 * IN, "{size}: {r:?}");
                assert!(r.x1 < ax && r.y1 < ay, "{size}: {r:?}");
            }
            let left = other.iter().map(|r| r.x0).fold(f32::MAX, f32::min);
            assert!(
                left < 0.45 * IN,
                "{size}: the return address starts at {left} pt"
            );
        }
    }
    // The letter-size template gets #10 by default, an A4 one DL.
    w.run(&["envelopes", "-t", "t.md", "-d", "d.csv", "-o", "d.pdf"])
        .expect_code(0);
    assert_size(&w.join("d.pdf"), (9.5 * IN, 4.125 * IN));
    w.file("a4.md", template("a4"));
    w.run(&["envelopes", "-t", "a4.md", "-d", "d.csv", "-o", "a.pdf"])
        .expect_code(0);
    assert_size(&w.join("a.pdf"), (220.0 * MM, 110.0 * MM));
}

const LONG_TEMPLATE: &str = r#"---
address: |
  {{name}}
  {{lines}}
date: "November 29, 2026"
---
Welcome.
"#;

#[test]
fn an_address_too_large_for_the_label_is_an_error_naming_its_row_and_nothing_is_written() {
    let w = Workdir::new();
    w.file("t.md", LONG_TEMPLATE);
    let long = (1..=11)
        .map(|i| format!("Line {i}"))
        .collect::<Vec<_>>()
        .join("\n");
    let wide = "The Extraordinarily Long Department of Intergovernmental Affairs Building";
    w.file(
        "d.csv",
        format!("name,lines\nAda Roe,\"1 Main St.\nSpringfield, IL  62701\"\nBo Poe,\"{long}\"\nCy Loe,\"{wide}\"\n"),
    );
    let run = w.run(&["labels", "-t", "t.md", "-d", "d.csv", "-o", "l.pdf"]);
    run.expect_code(1);
    let e = &run.stderr;
    assert!(
        e.contains("row 3")
            && e.contains("the address is 12 lines, too many for an Avery 5160/8160 label"),
        "{e}"
    );
    assert!(
        e.contains("row 4") && e.contains("is too wide for an Avery 5160/8160 label"),
        "{e}"
    );
    assert!(
        e.contains("2 of 3 rows have problems") && e.contains("--skip-invalid"),
        "{e}"
    );
    assert!(!w.join("l.pdf").exists(), "nothing is written");
    // Twelve lines do not fit a #10 envelope's address area either.
    let run = w.run(&["envelopes", "-t", "t.md", "-d", "d.csv", "-o", "e.pdf"]);
    run.expect_code(1);
    assert!(
        run.stderr.contains("row 3") && run.stderr.contains("#10 envelope's address area"),
        "{}",
        run.stderr
    );
    assert!(!w.join("e.pdf").exists());

    // --skip-invalid writes the good row and names the others.
    let run = w.run(&[
        "labels",
        "-t",
        "t.md",
        "-d",
        "d.csv",
        "-o",
        "l.pdf",
        "--skip-invalid",
    ]);
    run.expect_code(1);
    assert!(
        run.stderr.contains("skipped 2 invalid rows: 3, 4"),
        "{}",
        run.stderr
    );
    let words = words(&w.join("l.pdf"), 1);
    assert!(words.iter().any(|w| w.text == "Ada") && !words.iter().any(|w| w.text == "Bo"));
}

#[test]
fn a_six_line_address_is_set_smaller_with_a_warning_and_stays_in_its_label() {
    let w = Workdir::new();
    w.file("t.md", LONG_TEMPLATE);
    let six = "Office of the Governor\nState House\nRoom 280\n24 Beacon St.\nBoston, MA  02133";
    w.file("d.csv", format!("name,lines\nR1 Ann Lee,\"{six}\"\n"));
    let run = w.run(&["labels", "-t", "t.md", "-d", "d.csv", "-o", "l.pdf"]);
    run.expect_code(0);
    assert!(
        run.stderr.contains("row 2")
            && run
                .stderr
                .contains("instead of 10 pt to fit an Avery 5160/8160 label"),
        "{}",
        run.stderr
    );
    assert_labels(&w.join("l.pdf"), &AVERY_5160, 0, 1);
}

#[test]
fn a_character_the_font_lacks_is_reported_with_its_row() {
    let w = workdir("letter", 2);
    w.file(
        "d.csv",
        "id,name,street,city,state,zip\n1,Jane Doe,1 Main St.,Springfield,IL,62701\n2,王 Wang,2 Main St.,Springfield,IL,62702\n",
    );
    for command in ["labels", "envelopes"] {
        let run = w.run(&[command, "-t", "t.md", "-d", "d.csv", "-o", "x.pdf", "-f"]);
        run.expect_code(0);
        let line = run
            .stderr
            .lines()
            .find(|l| l.contains("U+738B"))
            .unwrap_or_else(|| panic!("{command}: no glyph warning in\n{}", run.stderr));
        assert!(line.contains("row 3"), "{line}");
    }
}

#[test]
fn the_output_never_replaces_an_input_or_an_existing_file_without_force() {
    let w = workdir("letter", 2);
    let before = std::fs::read(w.join("d.csv")).expect("data");
    let run = w.run(&["labels", "-t", "t.md", "-d", "d.csv", "-o", "d.csv", "-f"]);
    run.expect_code(2);
    assert_eq!(std::fs::read(w.join("d.csv")).expect("data"), before);

    w.file("taken.pdf", "mine");
    let run = w.run(&["envelopes", "-t", "t.md", "-d", "d.csv", "-o", "taken.pdf"]);
    run.expect_code(2);
    assert!(run.stderr.contains("--force"), "{}", run.stderr);
    assert_eq!(std::fs::read(w.join("taken.pdf")).expect("file"), b"mine");
    w.run(&[
        "envelopes",
        "-t",
        "t.md",
        "-d",
        "d.csv",
        "-o",
        "taken.pdf",
        "-f",
    ])
    .expect_code(0);
    assert_eq!(pdf_pages(&w.join("taken.pdf")), 2);
    // No temporary file is left behind.
    assert!(
        w.list(".").iter().all(|n| !n.ends_with(".tmp")),
        "{:?}",
        w.list(".")
    );
}

#[cfg(unix)]
#[test]
fn the_output_is_never_written_through_a_symlink() {
    let w = workdir("letter", 2);
    w.file("elsewhere.txt", "keep");
    std::os::unix::fs::symlink(w.join("elsewhere.txt"), w.join("l.pdf")).expect("symlink");
    w.run(&["labels", "-t", "t.md", "-d", "d.csv", "-o", "l.pdf", "-f"])
        .expect_code(0);
    assert_eq!(
        std::fs::read(w.join("elsewhere.txt")).expect("target"),
        b"keep"
    );
    assert!(!std::fs::symlink_metadata(w.join("l.pdf"))
        .expect("l.pdf")
        .file_type()
        .is_symlink());
}

#[test]
fn the_shipped_samples_make_envelopes_and_labels() {
    let w = Workdir::new();
    let t = repo().join("templates/welcome.md");
    let d = repo().join("samples/officials.csv");
    let (t, d) = (t.to_str().expect("path"), d.to_str().expect("path"));
    w.run(&["envelopes", "-t", t, "-d", d, "-o", "env.pdf"])
        .expect_code(0);
    w.run(&["labels", "-t", t, "-d", d, "-o", "labels.pdf"])
        .expect_code(0);
    let env = w.join("env.pdf");
    let rows = pdf_pages(&env);
    assert!(rows > 10, "{rows} envelopes");
    assert_size(&env, (9.5 * IN, 4.125 * IN));
    // The first official's address, on the first envelope, in the address area.
    let first = words(&env, 1);
    let name = first
        .iter()
        .find(|w| w.text == "Álvarez-Núñez")
        .expect("the first official's name");
    assert!(name.x0 >= 4.0 * IN && name.y0 >= 2.0 * IN, "{name:?}");
    let labels = w.join("labels.pdf");
    assert_size(&labels, (612.0, 792.0));
    assert_eq!(pdf_pages(&labels), rows.div_ceil(30));
    let sheet = words(&labels, 1);
    for word in &sheet {
        assert!(
            (0..30).any(|p| inside(word, AVERY_5160.cell(p), 4.0)),
            "{word:?} is not inside a label"
        );
    }
    for pdf in [&env, &labels] {
        let fonts = pdf_fonts(pdf);
        assert!(fonts.iter().all(|f| f.embedded && f.subset), "{fonts:?}");
    }
}

#[test]
fn a_return_address_too_large_for_the_corner_is_one_template_error() {
    let w = workdir("letter", 2);
    let wide = "A Very Long Name for a Library Foundation That Goes On and On Past the Address";
    w.file(
        "t.md",
        template("letter").replace("Riverside Library Foundation", wide),
    );
    let run = w.run(&["envelopes", "-t", "t.md", "-d", "d.csv", "-o", "e.pdf"]);
    run.expect_code(1);
    assert!(
        run.stderr.contains("t.md")
            && run
                .stderr
                .contains("too wide for the top-left corner of a #10 envelope")
            && run.stderr.contains("letterhead"),
        "{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains("row 2"),
        "said once, not per row: {}",
        run.stderr
    );
    assert!(!w.join("e.pdf").exists());
    // Labels carry no return address: the same template makes them.
    w.run(&["labels", "-t", "t.md", "-d", "d.csv", "-o", "l.pdf"])
        .expect_code(0);
}
