//! Hostile and damaged data files through the real binary, each run bounded in time and
//! memory: workbooks whose cell references, zip parts, string tables or merges would
//! exhaust the machine, CSV files whose one field never ends, devices and FIFOs as data,
//! dates Excel cannot show, and formula-looking cells in the CSV files lettermerge writes.

mod common;

use common::Workdir;
use rust_xlsxwriter::{Format, Workbook};
use std::io::Write;

const TEMPLATE: &str = "---\nto: \"{{email}}\"\nsubject: \"Welcome\"\naddress: |\n  {{name}}\nsalutation: \"Dear {{name}}:\"\n---\nWelcome, {{name}}.\n";

fn check(w: &Workdir, data: &str) -> common::Run {
    w.file("t.md", TEMPLATE);
    w.run_bounded(&["check", "-t", "t.md", "-d", data], &[])
}

/// A workbook written by hand, for layouts no spreadsheet program writes.
fn hand_xlsx(w: &Workdir, name: &str, sheet_xml: &str, shared: Option<&[u8]>) {
    let mut zip = zip::ZipWriter::new(std::fs::File::create(w.join(name)).unwrap());
    let opts = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    let mut part = |name: &str, bytes: &[u8]| {
        zip.start_file(name, opts).unwrap();
        zip.write_all(bytes).unwrap();
    };
    part("[Content_Types].xml", br#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/></Types>"#);
    part("_rels/.rels", br#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#);
    part("xl/workbook.xml", br#"<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Officials" sheetId="1" r:id="rId1"/></sheets></workbook>"#);
    part("xl/_rels/workbook.xml.rels", br#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#);
    part("xl/worksheets/sheet1.xml", sheet_xml.as_bytes());
    if let Some(sst) = shared {
        part("xl/sharedStrings.xml", sst);
    }
    zip.finish().unwrap();
}

fn inline(r: &str, text: &str) -> String {
    format!(r#"<c r="{r}" t="inlineStr"><is><t>{text}</t></is></c>"#)
}

fn sheet(rows: &str, after: &str) -> String {
    format!(
        r#"<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{rows}</sheetData>{after}</worksheet>"#
    )
}

fn header_and_ann() -> String {
    format!(
        r#"<row r="1">{}{}</row><row r="2">{}{}</row>"#,
        inline("A1", "Name"),
        inline("B1", "Email"),
        inline("A2", "Ann Lee"),
        inline("B2", "ann@example.org")
    )
}

#[test]
fn a_stray_cell_in_the_far_corner_of_a_workbook_is_one_more_column() {
    let w = Workdir::new();
    let mut book = Workbook::new();
    let ws = book.add_worksheet();
    ws.write_string(0, 0, "Name").unwrap();
    ws.write_string(0, 1, "Email").unwrap();
    ws.write_string(1, 0, "Ann Lee").unwrap();
    ws.write_string(1, 1, "ann@example.org").unwrap();
    ws.write_string(1_048_575, 16_383, "stray").unwrap();
    book.save(w.join("corner.xlsx")).unwrap();
    let run = check(&w, "corner.xlsx");
    assert!(
        run.stderr.contains("column XFD has values but no name"),
        "{}",
        run.stderr
    );
    // The stray row has no email: a problem of row 1048576, not a crash or 12 GiB.
    assert!(
        run.stdout.contains("1048576") || run.stderr.contains("1048576"),
        "{}\n{}",
        run.stdout,
        run.stderr
    );
}

#[test]
fn a_cell_reference_past_the_sheet_is_a_damaged_workbook() {
    for bad in ["A99999999999", "XFE1", "A1048577", "ZZZZ1"] {
        let w = Workdir::new();
        let rows = format!(
            r#"{}<row r="3">{}</row>"#,
            header_and_ann(),
            inline(bad, "x")
        );
        hand_xlsx(&w, "bad.xlsx", &sheet(&rows, ""), None);
        let run = check(&w, "bad.xlsx");
        run.expect_code(1);
        assert!(run.stderr.contains("bad.xlsx"), "{}", run.stderr);
        assert!(
            run.stderr
                .contains(&format!("cell reference `{bad}` is not a cell of a sheet")),
            "{}",
            run.stderr
        );
        assert!(run.stderr.contains("sheet \"Officials\""), "{}", run.stderr);
    }
}

#[test]
fn a_zip_bomb_in_the_shared_strings_is_refused_by_its_ratio() {
    let w = Workdir::new();
    let mut sst = br#"<sst uniqueCount="1"><si><t>"#.to_vec();
    sst.resize(sst.len() + 64 * 1024 * 1024, b' ');
    sst.extend_from_slice(b"</t></si></sst>");
    hand_xlsx(&w, "bomb.xlsx", &sheet(&header_and_ann(), ""), Some(&sst));
    let run = check(&w, "bomb.xlsx");
    run.expect_code(1);
    assert!(run.stderr.contains("bomb.xlsx"), "{}", run.stderr);
    assert!(
        run.stderr.contains("xl/sharedStrings.xml"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("more than 200 times"), "{}", run.stderr);
}

#[test]
fn a_shared_strings_table_claiming_billions_of_entries_is_refused() {
    let w = Workdir::new();
    let sst = br#"<sst count="1" uniqueCount="99999999999999"><si><t>Name</t></si></sst>"#;
    hand_xlsx(&w, "sst.xlsx", &sheet(&header_and_ann(), ""), Some(sst));
    let run = check(&w, "sst.xlsx");
    run.expect_code(1);
    assert!(run.stderr.contains("sst.xlsx"), "{}", run.stderr);
    assert!(
        run.stderr.contains("over the limit of 2000000"),
        "{}",
        run.stderr
    );
}

#[test]
fn many_merged_ranges_over_whole_columns_are_read_in_linear_time() {
    let w = Workdir::new();
    let mut rows = format!(
        r#"<row r="1">{}{}{}</row><row r="2">{}</row>"#,
        inline("A1", "State"),
        inline("B1", "Name"),
        inline("C1", "Email"),
        inline("A2", "Vermont")
    );
    for r in 2..=500 {
        rows.push_str(&format!(
            r#"<row r="{r}">{}{}</row>"#,
            inline(&format!("B{r}"), &format!("Official {r}")),
            inline(&format!("C{r}"), &format!("o{r}@example.org"))
        ));
    }
    let merges: String = (0..90_000)
        .map(|i| {
            let c = ["A", "D", "E"][i % 3];
            format!(r#"<mergeCell ref="{c}2:{c}1048576"/>"#)
        })
        .collect();
    hand_xlsx(
        &w,
        "merges.xlsx",
        &sheet(&rows, &format!("<mergeCells>{merges}</mergeCells>")),
        None,
    );
    w.file(
        "t.md",
        "---\nto: \"{{email}}\"\nsubject: \"Welcome\"\nsalutation: \"Dear {{name}} of {{state}}:\"\n---\nHi.\n",
    );
    let run = w.run_bounded(&["check", "-t", "t.md", "-d", "merges.xlsx"], &[]);
    run.expect_code(0);
}

#[test]
fn more_merged_ranges_than_the_limit_are_refused() {
    let w = Workdir::new();
    let merges: String = (0..100_001)
        .map(|_| r#"<mergeCell ref="A2:A9"/>"#)
        .collect();
    hand_xlsx(
        &w,
        "merges.xlsx",
        &sheet(
            &header_and_ann(),
            &format!("<mergeCells>{merges}</mergeCells>"),
        ),
        None,
    );
    let run = check(&w, "merges.xlsx");
    run.expect_code(1);
    assert!(run.stderr.contains("merges.xlsx"), "{}", run.stderr);
    assert!(
        run.stderr.contains("more than 100000 merged ranges"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_date_serial_outside_excels_calendar_is_a_problem_of_its_row() {
    let w = Workdir::new();
    let mut book = Workbook::new();
    let date = Format::new().set_num_format("mmmm d, yyyy");
    let ws = book.add_worksheet();
    for (c, h) in ["Name", "Email", "Sworn In"].iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    ws.write_string(1, 0, "Ann Lee").unwrap();
    ws.write_string(1, 1, "ann@example.org").unwrap();
    ws.write_number_with_format(1, 2, 0.0, &date).unwrap();
    book.save(w.join("dates.xlsx")).unwrap();
    w.file(
        "t.md",
        "---\nto: \"{{email}}\"\nsubject: \"Welcome\"\nsalutation: \"Dear {{name}}:\"\n---\nSworn in on {{sworn_in}}.\n",
    );
    let run = w.run_bounded(&["check", "-t", "t.md", "-d", "dates.xlsx"], &[]);
    run.expect_code(1);
    let all = format!("{}{}", run.stdout, run.stderr);
    assert!(all.contains("column C holds 0 with a date format"), "{all}");
    assert!(all.contains("Sworn In"), "{all}");
    assert!(!all.contains("January 0, 1900"), "{all}");
}

#[test]
fn a_csv_quote_never_closed_stops_at_the_row_limit() {
    let w = Workdir::new();
    let mut data = b"name,email\nAnn Lee,ann@example.org\n\"Bo,b@example.org\n".to_vec();
    data.resize(data.len() + 20 * 1024 * 1024, b'x');
    w.file("d.csv", &data);
    let run = check(&w, "d.csv");
    assert_ne!(run.code, 0, "{}", run.stderr);
    run.expect_code(run.code);
    let all = format!("{}{}", run.stdout, run.stderr);
    assert!(all.contains("row 3 is longer than 4 MiB"), "{all}");
}

#[test]
fn a_csv_of_nul_bytes_with_no_line_end_is_refused() {
    let w = Workdir::new();
    w.file("d.csv", vec![0u8; 20 * 1024 * 1024]);
    let run = check(&w, "d.csv");
    run.expect_code(1);
    assert!(run.stderr.contains("d.csv"), "{}", run.stderr);
    assert!(
        run.stderr.contains("row 1 is longer than 4 MiB"),
        "{}",
        run.stderr
    );
}

#[test]
fn dev_zero_as_data_is_an_error_not_a_hang() {
    let w = Workdir::new();
    // Refused before it is opened (the records reader refuses it too, for callers other
    // than the command line: see records::tests).
    let run = check(&w, "/dev/zero");
    run.expect_code(2);
    assert!(
        run.stderr.contains("/dev/zero is not a file"),
        "{}",
        run.stderr
    );
}

#[cfg(unix)]
#[test]
fn a_fifo_as_data_is_refused_without_blocking() {
    let w = Workdir::new();
    for name in ["pipe.csv", "pipe.xlsx"] {
        assert!(std::process::Command::new("mkfifo")
            .arg(w.join(name))
            .status()
            .unwrap()
            .success());
        let run = check(&w, name);
        run.expect_code(2);
        assert!(
            run.stderr.contains(&format!("{name} is not a file")),
            "{}",
            run.stderr
        );
    }
}

#[test]
fn the_manifest_defuses_formula_looking_cells() {
    let w = Workdir::new();
    w.file(
        "t.md",
        "---\nfilename: \"{{file}}\"\naddress: |\n  {{name}}\n  1 Main St\nsalutation: \"Dear {{name}}:\"\n---\nHello.\n",
    );
    w.file(
        "d.csv",
        "name,file\n\"=HYPERLINK(\"\"http://evil.example\"\",\"\"x\"\")\",=cmd\n@SUM(A1),plain\n",
    );
    w.run_bounded(&["pdf", "-t", "t.md", "-d", "d.csv", "-o", "out"], &[])
        .expect_code(0);
    let mut rdr = csv::Reader::from_path(w.join("out").join("manifest.csv")).unwrap();
    let rows: Vec<Vec<String>> = rdr
        .records()
        .map(|r| r.unwrap().iter().map(String::from).collect())
        .collect();
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[0][5], "'=HYPERLINK(\"http://evil.example\",\"x\")");
    assert_eq!(rows[1][5], "'@SUM(A1)");
    for row in &rows {
        for cell in row {
            assert!(!cell.starts_with(['=', '+', '@']), "{row:?}");
        }
    }
}

#[test]
fn an_ods_sheet_with_a_stray_cell_far_away_is_refused_before_its_dense_grid_is_built() {
    let w = Workdir::new();
    let content = r#"<?xml version="1.0"?><office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"><office:body><office:spreadsheet><table:table table:name="Officials"><table:table-row><table:table-cell office:value-type="string"><text:p>Name</text:p></table:table-cell><table:table-cell office:value-type="string"><text:p>Email</text:p></table:table-cell></table:table-row><table:table-row table:number-rows-repeated="100000"><table:table-cell/></table:table-row><table:table-row><table:table-cell table:number-columns-repeated="900"/><table:table-cell office:value-type="string"><text:p>x</text:p></table:table-cell></table:table-row></table:table></office:spreadsheet></office:body></office:document-content>"#;
    let mut zip = zip::ZipWriter::new(std::fs::File::create(w.join("far.ods")).unwrap());
    let stored =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    zip.start_file("mimetype", stored).unwrap();
    zip.write_all(b"application/vnd.oasis.opendocument.spreadsheet")
        .unwrap();
    let deflated = zip::write::SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated);
    zip.start_file("content.xml", deflated).unwrap();
    zip.write_all(content.as_bytes()).unwrap();
    zip.finish().unwrap();
    let run = check(&w, "far.ods");
    run.expect_code(1);
    assert!(run.stderr.contains("far.ods"), "{}", run.stderr);
    assert!(run.stderr.contains("sheet \"Officials\""), "{}", run.stderr);
    assert!(
        run.stderr.contains("over the limit of 5000000"),
        "{}",
        run.stderr
    );
}
