//! Excel workbooks as `--data`, through the real binary: the workbooks are written by the
//! tests themselves (rust_xlsxwriter), the PDFs read back by poppler.

mod common;
#[path = "support/smtp_server.rs"]
mod smtp_server;

use common::{pdf_text, squash, Workdir};
use rust_xlsxwriter::{ExcelDateTime, Format, Formula, Workbook, Worksheet};

const TEMPLATE: &str = r#"---
to: "{{email}}"
subject: "Welcome, {{title}} {{last_name}}"
filename: "{{last_name}}"
address: |
  {{first_name}} {{last_name}}
  {{address}}
  {{city}}, {{state}}  {{zip}}
date: "{{sworn_in}}"
salutation: "Dear {{title}} {{last_name}}:"
signature:
  name: Jordan A. Reyes
---
Congratulations on taking office on {{sworn_in}}. Our staff can reach you at {{phone}} (ZIP {{zip}}).
"#;

const HEADER: [&str; 10] = [
    "First Name",
    "Last Name",
    "Title",
    "Email",
    "Address",
    "City",
    "State",
    "ZIP",
    "Phone",
    "Sworn In",
];

fn strings(ws: &mut Worksheet, row: u32, cells: &[&str]) {
    for (c, v) in cells.iter().enumerate() {
        ws.write_string(row, c as u16, *v).unwrap();
    }
}

/// Sheet "Mayors" (first): a ZIP stored as a number formatted 00000, one stored as text, a
/// phone number stored as a number, dates with two formats, a blank row. Sheet "Senate"
/// (second): one senator.
fn workbook(w: &Workdir, name: &str) {
    let zip = Format::new().set_num_format("00000");
    let short_date = Format::new().set_num_format_index(14);
    let long_date = Format::new().set_num_format("mmmm d, yyyy");
    let mut book = Workbook::new();

    let ws = book.add_worksheet();
    ws.set_name("Mayors").unwrap();
    strings(ws, 0, &HEADER);
    strings(
        ws,
        1,
        &[
            "José",
            "García",
            "Mayor",
            "jose@montpelier.example",
            "39 Main St",
            "Montpelier",
            "VT",
        ],
    );
    ws.write_number_with_format(1, 7, 5602, &zip).unwrap();
    ws.write_number(1, 8, 8_025_551_234.0).unwrap();
    ws.write_datetime_with_format(
        1,
        9,
        ExcelDateTime::from_ymd(2026, 12, 1).unwrap(),
        &long_date,
    )
    .unwrap();
    // Row 3 is blank: the next official is row 4, as Excel numbers it.
    strings(
        ws,
        3,
        &[
            "Ann",
            "Lee",
            "Mayor",
            "ann@barre.example",
            "6 N Main St",
            "Barre",
            "VT",
            "05641",
            "(802) 555-0100",
        ],
    );
    ws.write_number_with_format(3, 9, 46357, &short_date)
        .unwrap();

    let ws = book.add_worksheet();
    ws.set_name("Senate").unwrap();
    strings(ws, 0, &HEADER);
    strings(
        ws,
        1,
        &[
            "Ruth",
            "Hardy",
            "Senator",
            "ruth@vtsenate.example",
            "115 State St",
            "Montpelier",
            "VT",
        ],
    );
    ws.write_formula_with_format(1, 7, Formula::new("=5632+1").set_result("5633"), &zip)
        .unwrap();
    ws.write_number(1, 8, 8_028_283_806.0).unwrap();
    ws.write_string(1, 9, "January 8, 2027").unwrap();

    book.save(w.join(name)).unwrap();
}

fn pdf(w: &Workdir, data: &str, extra: &[&str]) -> common::Run {
    let mut args = vec!["pdf", "-t", "t.md", "-d", data, "-o", "out"];
    args.extend_from_slice(extra);
    w.run(&args)
}

#[test]
fn pdf_from_a_workbook_prints_cells_as_the_sheet_shows_them() {
    let w = Workdir::new();
    w.file("t.md", TEMPLATE);
    workbook(&w, "officials.xlsx");
    pdf(&w, "officials.xlsx", &[]).expect_code(0);
    assert_eq!(w.list("out"), ["García.pdf", "Lee.pdf", "manifest.csv"]);

    let garcia = squash(&pdf_text(&w.join("out/García.pdf")));
    assert!(
        garcia.contains("Montpelier, VT 05602"),
        "the ZIP stored as a number keeps its leading zero: {garcia}"
    );
    assert!(garcia.contains("December 1, 2026"), "{garcia}");
    assert!(
        garcia.contains("reach you at 8025551234 (ZIP 05602)."),
        "a phone stored as a number is not 8025551234.0 or 8.03E+09: {garcia}"
    );
    let lee = squash(&pdf_text(&w.join("out/Lee.pdf")));
    assert!(lee.contains("Barre, VT 05641"), "{lee}");
    assert!(
        lee.contains("taking office on 12/1/2026"),
        "built-in short date: {lee}"
    );

    // The manifest gives the sheet's own row numbers.
    let manifest = std::fs::read_to_string(w.join("out/manifest.csv")).unwrap();
    let rows: Vec<&str> = manifest
        .lines()
        .skip(1)
        .map(|l| l.split(',').next().unwrap())
        .collect();
    assert_eq!(rows, ["2", "4"], "{manifest}");
}

#[test]
fn sheet_picks_the_worksheet_and_an_unknown_one_lists_them() {
    let w = Workdir::new();
    w.file("t.md", TEMPLATE);
    workbook(&w, "officials.xlsx");
    pdf(&w, "officials.xlsx", &["--sheet", "Senate"]).expect_code(0);
    assert_eq!(w.list("out"), ["Hardy.pdf", "manifest.csv"]);
    let hardy = squash(&pdf_text(&w.join("out/Hardy.pdf")));
    assert!(
        hardy.contains("Montpelier, VT 05633"),
        "a formula's cached value, formatted: {hardy}"
    );
    assert!(hardy.contains("Dear Senator Hardy:"), "{hardy}");

    let run = pdf(&w, "officials.xlsx", &["--sheet", "House", "-f"]);
    run.expect_code(1);
    assert!(
        run.stderr.contains(
            "officials.xlsx has no sheet named \"House\"; its sheets are \"Mayors\", \"Senate\": give one of them with --sheet"
        ),
        "{}",
        run.stderr
    );
}

#[test]
fn csv_flags_on_a_workbook_and_sheet_on_a_csv_are_usage_errors() {
    let w = Workdir::new();
    w.file("t.md", TEMPLATE);
    workbook(&w, "officials.xlsx");
    w.file("officials.csv", "First Name,Last Name\nAnn,Lee\n");

    let run = pdf(&w, "officials.csv", &["--sheet", "Senate"]);
    run.expect_code(2);
    assert!(
        run.stderr
            .contains("--sheet Senate applies to workbooks (.xlsx, .xlsm, .xlsb, .xls, .ods), and officials.csv is read as CSV"),
        "{}",
        run.stderr
    );
    let run = pdf(&w, "officials.xlsx", &["--delimiter", ";"]);
    run.expect_code(2);
    assert!(
        run.stderr
            .contains("--delimiter applies to CSV files, and officials.xlsx is a workbook"),
        "{}",
        run.stderr
    );
    assert!(!w.join("out").exists(), "nothing written");
}

#[test]
fn error_cells_are_row_problems_naming_the_cell() {
    let w = Workdir::new();
    w.file("t.md", TEMPLATE);
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    strings(ws, 0, &HEADER);
    for r in 1..=3 {
        strings(
            ws,
            r,
            &[
                "Ann",
                &format!("Lee{r}"),
                "Mayor",
                "ann@barre.example",
                "6 N Main St",
                "Barre",
                "VT",
            ],
        );
        if r == 1 {
            ws.write_string(r, 7, "05641").unwrap();
        } else {
            ws.write_formula(
                r,
                7,
                Formula::new("=VLOOKUP(F3,Zips!A:B,2,0)").set_result("#N/A"),
            )
            .unwrap();
        }
    }
    book.save(w.join("d.xlsx")).unwrap();

    let run = pdf(&w, "d.xlsx", &[]);
    run.expect_code(1);
    assert!(
        run.stderr.contains(
            "error: d.xlsx, column \"ZIP\": the cell in column H shows the Excel error #N/A instead of a value, in 2 rows: rows 3-4"
        ),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("panick"), "{}", run.stderr);
}

#[test]
fn send_dry_run_from_a_workbook() {
    let w = Workdir::new();
    w.file("t.md", TEMPLATE);
    workbook(&w, "officials.xlsx");
    w.file(
        "lettermerge.toml",
        "[smtp]\nhost = \"localhost\"\nport = 2525\nsecurity = \"none\"\nfrom = \"Library Advocacy <advocacy@library.example>\"\n",
    );
    let run = w.run_env(
        &[
            "send",
            "-t",
            "t.md",
            "-d",
            "officials.xlsx",
            "-c",
            "lettermerge.toml",
            "--sheet",
            "Mayors",
            "--dry-run",
        ],
        &[("LETTERMERGE_SMTP_PASSWORD", "unused")],
    );
    run.expect_code(0);
    let out = squash(&run.stdout);
    assert!(out.contains("=== row 2 === From: Library Advocacy <advocacy@library.example> To: jose@montpelier.example"), "{out}");
    assert!(
        out.contains("=== row 4 ==="),
        "the sheet's row numbers: {out}"
    );
    assert!(
        out.contains("Congratulations on taking office on December 1, 2026. Our staff can reach you at 8025551234 (ZIP 05602)."),
        "{out}"
    );
    assert!(out.contains("To: ann@barre.example"), "{out}");
}

/// A workbook from another writer (openpyxl; tests/data/xlsx/make_openpyxl_fixture.py): custom format
/// ids, inline strings, built-in id 14 for dates, a styled blank row, a formula without a
/// cached value.
#[test]
fn openpyxl_workbook_reads_as_excel_shows_it() {
    let w = Workdir::new();
    let fixture = common::repo().join("tests/data/xlsx/officials-openpyxl.xlsx");
    std::fs::copy(&fixture, w.join("officials.xlsx")).unwrap();
    w.file(
        "t.md",
        "---\nfilename: \"{{name}}\"\n---\n\
         [{{name}}|{{zip}}|{{zip_4}}|{{phone}}]\n\n[{{elected}}]\n\n[{{term_starts}}]\n\n\
         [{{vote_share}}|{{budget}}|{{notes}}|{{total}}]\n",
    );
    pdf(&w, "officials.xlsx", &[]).expect_code(0);
    assert_eq!(
        w.list("out"),
        ["Ray O'Neil.pdf", "Zoë Ngata.pdf", "manifest.csv"]
    );
    let zoe = squash(&pdf_text(&w.join("out/Zoë Ngata.pdf")));
    assert!(
        zoe.contains(
            "[Zoë Ngata|05633|05633-1234|(202) 555-1234] [11/3/2026] [Wednesday, January 6, 2027 10:30 AM] [51.3%|($1,234.50)|05633|]"
        ),
        "{zoe}"
    );
    let ray = squash(&pdf_text(&w.join("out/Ray O'Neil.pdf")));
    assert!(
        ray.contains(
            "[Ray O'Neil|00501|00501-1234|555-1234] [11/3/2026] [Wednesday, January 6, 2027 2:00 PM] [48.0%|$1,500,000.00|line one line two|]"
        ),
        "{ray}"
    );
    let manifest = std::fs::read_to_string(w.join("out/manifest.csv")).unwrap();
    assert!(
        manifest.contains("\n2,") && manifest.contains("\n4,"),
        "{manifest}"
    );

    // The second sheet's header is on row 2, its first official on row 3.
    w.file("n.md", "---\nfilename: \"{{name}}\"\n---\n{{note}}\n");
    w.run(&[
        "pdf",
        "-t",
        "n.md",
        "-d",
        "officials.xlsx",
        "--sheet",
        "Notes",
        "-o",
        "notes",
    ])
    .expect_code(0);
    let notes = std::fs::read_to_string(w.join("notes/manifest.csv")).unwrap();
    assert!(notes.contains("\n3,"), "{notes}");
    let note = squash(&pdf_text(&w.join("notes/Zoë Ngata.pdf")));
    assert!(note.contains("Chairs the library committee"), "{note}");
}

/// OpenDocument (tests/data/xlsx/make_ods_fixture.py): values read, number formats not, and
/// the user is told.
#[test]
fn ods_values_without_formats_come_with_a_notice() {
    let w = Workdir::new();
    let fixture = common::repo().join("tests/data/xlsx/officials.ods");
    std::fs::copy(&fixture, w.join("council.ods")).unwrap();
    w.file(
        "t.md",
        "---\nfilename: \"{{name}}\"\n---\n[{{zip}}|{{zip_text}}|{{sworn_in}}|{{seats}}]\n",
    );
    let run = pdf(&w, "council.ods", &[]);
    run.expect_code(0);
    assert!(
        run.stderr.contains(
            "council.ods, sheet \"Council\": number formats are read from .xlsx workbooks only"
        ),
        "{}",
        run.stderr
    );
    let text = squash(&pdf_text(&w.join("out/Zoë Ngata.pdf")));
    assert!(text.contains("[5633|05633|11/29/2026|7]"), "{text}");
}

/// Each sheet of a workbook is its own campaign in the send ledger: sending the Senate sheet
/// after the Mayors sheet sends its letter, and `status` shows both.
#[test]
fn send_keeps_a_campaign_per_sheet() {
    let server = smtp_server::TestServer::start(smtp_server::Options::new());
    let w = Workdir::new();
    w.file("t.md", TEMPLATE);
    workbook(&w, "officials.xlsx");
    w.file(
        "lettermerge.toml",
        format!(
            "[smtp]\nhost = \"localhost\"\nport = {}\nsecurity = \"none\"\n\
             from = \"Library Advocacy <advocacy@library.example>\"\ntimeout_s = 5\n",
            server.port()
        ),
    );
    let send = |sheet: &str| {
        w.run_env(
            &[
                "send",
                "-t",
                "t.md",
                "-d",
                "officials.xlsx",
                "-c",
                "lettermerge.toml",
                "--sheet",
                sheet,
                "--yes",
            ],
            &[("LETTERMERGE_SMTP_PASSWORD", "unused")],
        )
    };
    send("Mayors").expect_code(0);
    assert_eq!(server.messages().len(), 2);
    let run = send("Senate");
    run.expect_code(0);
    assert_eq!(server.messages().len(), 3, "{}", run.stderr);
    let senate = String::from_utf8_lossy(&server.messages()[2]).to_string();
    assert!(senate.contains("To: ruth@vtsenate.example"), "{senate}");
    let again = send("Mayors");
    again.expect_code(0);
    assert!(
        again.stderr.contains("2 skipped as already sent"),
        "{}",
        again.stderr
    );
    assert_eq!(server.messages().len(), 3);

    let status = w.run(&["status", "--ledger", "officials.ledger.sqlite"]);
    status.expect_code(0);
    assert!(
        status.stdout.contains("[Mayors]") && status.stdout.contains("[Senate]"),
        "{}",
        status.stdout
    );
}
