//! Excel workbooks (`.xlsx`, `.xlsm`; also `.xlsb`, `.xls`, `.ods`) read with calamine: one
//! sheet, loaded once, every cell turned into the text the sheet displays.
//!
//! A ZIP code stored as the number 5633 with the format `00000` reads `05633`, a date reads
//! as its format shows it, a formula by its last computed value. The sheet is held in memory
//! (calamine reads a sheet whole), as text: fine for tens of thousands of rows. Row numbers
//! are the sheet's own, so a problem points at the row the user sees in Excel.

use super::{hidden_rows, numfmt};
use super::{DataError, Headers, Record};
use crate::problem::Problem;
use calamine::{
    open_workbook_auto, Data, Dimensions, Range, Reader, SheetType, SheetVisible, Sheets,
    StyleRange,
};
use std::fs::File;
use std::io::BufReader;
use std::path::Path;
use std::sync::Arc;
use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};

/// File extensions read as workbooks (compared without case).
pub const EXTENSIONS: [&str; 5] = ["xlsx", "xlsm", "xlsb", "xls", "ods"];

/// Whether the data file is a workbook, by its extension.
pub fn is_workbook(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|e| EXTENSIONS.iter().any(|x| x.eq_ignore_ascii_case(e)))
}

/// One sheet's cells as displayed text, from the header row on, blank rows left out.
#[derive(Debug)]
pub struct Sheet {
    pub name: String,
    /// The header cells, as displayed.
    pub header: Vec<String>,
    rows: Vec<Row>,
    /// The sheet's index of the first column read (0 = column A), for cell names.
    first_col: u32,
}

#[derive(Debug)]
struct Row {
    /// The sheet's row number (1-based), as Excel shows it.
    row: u64,
    cells: Vec<String>,
    /// Cells showing an Excel error: (index in `cells`, `#N/A` etc.).
    errors: Vec<(usize, String)>,
}

/// A cell on its way to text.
#[derive(Debug, Clone)]
enum Cell {
    Text(String),
    Error(String),
}

impl Cell {
    fn is_blank(&self) -> bool {
        matches!(self, Cell::Text(t) if t.trim().is_empty())
    }
}

impl Sheet {
    /// The data rows as records (or, for a row with an error cell, a problem).
    pub fn records(self: &Arc<Sheet>, headers: &Arc<Headers>) -> SheetRecords {
        SheetRecords {
            sheet: Arc::clone(self),
            headers: Arc::clone(headers),
            next: 0,
        }
    }
}

/// Opens the workbook and reads one sheet: `sheet` by name, or the first visible worksheet.
/// Returns the sheet and notices for the user.
pub fn load(path: &Path, sheet: Option<&str>) -> Result<(Sheet, Vec<String>), DataError> {
    let file_name = super::file_name(path);
    let mut book = open_workbook_auto(path).map_err(|e| workbook_error(path, e))?;
    let name = pick_sheet(path, &book, sheet)?;
    let range = book
        .worksheet_range(&name)
        .map_err(|e| workbook_error(path, e))?;

    // Number formats are known for .xlsx/.xlsm only; the other formats give bare values.
    let (styles, date1904, merges) = match &mut book {
        Sheets::Xlsx(x) => (
            Some(
                x.worksheet_style(&name)
                    .map_err(|e| workbook_error(path, e.into()))?,
            ),
            x.has_1904_epoch(),
            x.merge_cells_by_sheet_name(&name).unwrap_or_default(),
        ),
        Sheets::Xls(x) => (
            None,
            x.has_1904_epoch(),
            x.merge_cells_by_sheet_name(&name).unwrap_or_default(),
        ),
        Sheets::Xlsb(x) => (None, x.has_1904_epoch(), Vec::new()),
        Sheets::Ods(_) => (None, false, Vec::new()),
    };

    let mut notices = Vec::new();
    let (mut grid, bare_numbers) = read_grid(&range, styles.as_ref(), date1904);
    let col0 = range.start().map_or(0, |(_, c)| c);
    fill_merged_down(&mut grid, col0, &merges);

    let sheet_label = format!("{file_name}, sheet \"{name}\"");
    let Some(header_at) = grid
        .iter()
        .position(|(_, cells)| cells.iter().any(|c| !c.is_blank()))
    else {
        return Err(DataError::EmptySheet {
            path: path.to_path_buf(),
            sheet: name,
        });
    };
    let grid: Vec<(u32, Vec<Cell>)> = grid
        .into_iter()
        .skip(header_at)
        .filter(|(_, cells)| cells.iter().any(|c| !c.is_blank()))
        .collect();

    // The columns read: from the first to the last one with anything in it.
    let used = |cells: &Vec<Cell>| {
        let first = cells.iter().position(|c| !c.is_blank());
        let last = cells.iter().rposition(|c| !c.is_blank());
        first.zip(last)
    };
    let (lo, hi) = grid
        .iter()
        .filter_map(|(_, cells)| used(cells))
        .fold((usize::MAX, 0), |(lo, hi), (a, b)| (lo.min(a), hi.max(b)));
    let width = hi + 1 - lo;
    let text = |c: &Cell| match c {
        Cell::Text(t) => t.clone(),
        Cell::Error(e) => e.clone(),
    };

    let (_, header_cells) = &grid[0];
    let header: Vec<String> = (lo..=hi)
        .map(|j| header_cells.get(j).map_or_else(String::new, text))
        .collect();
    // Columns with values but no name: say so once per column, with the key they get.
    for (k, name) in header.iter().enumerate() {
        let has_values = || {
            grid[1..]
                .iter()
                .any(|(_, cells)| cells.get(lo + k).is_some_and(|c| !c.is_blank()))
        };
        if name.trim().is_empty() && has_values() {
            notices.push(format!(
                "{sheet_label}: column {} has values but no name in the header row ({}); the template can use it as `column_{}`, or give it a name",
                column_letter(col0 + (lo + k) as u32),
                grid[0].0 + 1,
                k + 1
            ));
        }
    }

    let rows: Vec<Row> = grid[1..]
        .iter()
        .map(|(r, cells)| {
            let mut fields = Vec::with_capacity(width);
            let mut errors = Vec::new();
            for (k, j) in (lo..=hi).enumerate() {
                match cells.get(j) {
                    Some(Cell::Text(t)) => fields.push(t.clone()),
                    Some(Cell::Error(e)) => {
                        errors.push((k, e.clone()));
                        fields.push(String::new());
                    }
                    None => fields.push(String::new()),
                }
            }
            Row {
                row: u64::from(*r) + 1,
                cells: fields,
                errors,
            }
        })
        .collect();

    if matches!(book, Sheets::Xlsx(_)) {
        notices.extend(hidden_rows_notice(path, &name, &rows, &sheet_label));
    }
    if bare_numbers {
        notices.push(format!(
            "{sheet_label}: number formats are read from .xlsx workbooks only, so numbers here show as plain numbers (a ZIP code stored as a number loses its leading zero); save the workbook as .xlsx, or store such columns as text"
        ));
    }
    Ok((
        Sheet {
            name,
            header,
            rows,
            first_col: col0 + lo as u32,
        },
        notices,
    ))
}

/// Every cell of the range as displayed text, with its sheet row index (0-based); and
/// whether any number was shown without its format (the workbook kind gives none).
fn read_grid(
    range: &Range<Data>,
    styles: Option<&StyleRange>,
    date1904: bool,
) -> (Vec<(u32, Vec<Cell>)>, bool) {
    let mut bare_numbers = false;
    let mut grid = Vec::with_capacity(range.height());
    let (row0, col0) = range.start().unwrap_or((0, 0));
    for (i, cells) in range.rows().enumerate() {
        let r = row0 + i as u32;
        let mut out = Vec::with_capacity(cells.len());
        for (j, value) in cells.iter().enumerate() {
            let c = col0 + j as u32;
            let format = styles.and_then(|s| {
                let nf = s.get((r, c))?.number_format.as_ref()?;
                Some((nf.format_id, nf.format_code.as_str()))
            });
            if styles.is_none() && matches!(value, Data::Float(_) | Data::Int(_)) {
                bare_numbers = true;
            }
            out.push(display(value, format, date1904));
        }
        grid.push((r, out));
    }
    (grid, bare_numbers)
}

/// A notice naming the data rows that are hidden in Excel, if any.
fn hidden_rows_notice(path: &Path, name: &str, rows: &[Row], label: &str) -> Option<String> {
    let hidden = hidden_rows::hidden_rows(path, name);
    let read: Vec<u64> = rows
        .iter()
        .map(|r| r.row)
        .filter(|r| hidden.binary_search(r).is_ok())
        .collect();
    let (what, verb) = match read.len() {
        0 => return None,
        1 => ("row", "is"),
        _ => ("rows", "are"),
    };
    Some(format!(
        "{label}: {what} {} {verb} hidden in Excel (by a filter or by hand) and {verb} read like the others; delete them from the sheet, or leave them out with --rows or --where",
        crate::problem::row_runs(&read, 8),
    ))
}

/// The sheet to read: the one named (exactly, else ignoring case and outer spaces), or the
/// first visible worksheet.
fn pick_sheet(
    path: &Path,
    book: &Sheets<BufReader<File>>,
    wanted: Option<&str>,
) -> Result<String, DataError> {
    let worksheets: Vec<&calamine::Sheet> = book
        .sheets_metadata()
        .iter()
        .filter(|s| s.typ == SheetType::WorkSheet)
        .collect();
    let names = || worksheets.iter().map(|s| s.name.clone()).collect();
    match wanted {
        Some(wanted) => worksheets
            .iter()
            .find(|s| s.name == wanted)
            .or_else(|| {
                worksheets
                    .iter()
                    .find(|s| s.name.trim().to_lowercase() == wanted.trim().to_lowercase())
            })
            .map(|s| s.name.clone())
            .ok_or_else(|| DataError::UnknownSheet {
                path: path.to_path_buf(),
                sheet: wanted.to_string(),
                sheets: names(),
            }),
        None => worksheets
            .iter()
            .find(|s| s.visible == SheetVisible::Visible)
            .or(worksheets.first())
            .map(|s| s.name.clone())
            .ok_or_else(|| DataError::Workbook {
                path: path.to_path_buf(),
                message: "it has no worksheet".to_string(),
            }),
    }
}

/// A cell as the sheet shows it.
fn display(value: &Data, format: Option<(Option<u32>, &str)>, date1904: bool) -> Cell {
    let code = format.map(|(id, code)| numfmt::effective_code(id, code));
    Cell::Text(match value {
        Data::Empty => String::new(),
        Data::String(s) => match code {
            Some(code) => numfmt::format_text(&clean_text(s), code),
            None => clean_text(s),
        },
        Data::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        Data::Float(v) => number(*v, code, date1904),
        Data::Int(v) => number(*v as f64, code, date1904),
        Data::DateTime(d) => {
            let serial = d.as_f64();
            match code {
                Some(code) if numfmt::is_date_format(code) => {
                    numfmt::format_number(serial, code, date1904)
                }
                _ if d.is_duration() => numfmt::format_number(serial, "[h]:mm:ss", date1904),
                _ => numfmt::format_date_default(serial, date1904),
            }
        }
        Data::DateTimeIso(s) => iso_date(s).unwrap_or_else(|| s.clone()),
        Data::DurationIso(s) => s.clone(),
        Data::Error(e) => return Cell::Error(e.to_string()),
    })
}

fn number(v: f64, code: Option<&str>, date1904: bool) -> String {
    match code {
        Some(code) => numfmt::format_number(v, code, date1904),
        None => numfmt::general(v),
    }
}

/// An OpenDocument date (`2026-11-29` or `2026-11-29T14:05:00`) as `m/d/yyyy [h:mm]`.
fn iso_date(s: &str) -> Option<String> {
    let (date, time) = s.split_once('T').unwrap_or((s, ""));
    let date = chrono::NaiveDate::parse_from_str(date, "%Y-%m-%d").ok()?;
    let mut out = format!(
        "{}/{}/{}",
        chrono::Datelike::month(&date),
        chrono::Datelike::day(&date),
        chrono::Datelike::year(&date)
    );
    let hm: Vec<&str> = time.split(':').collect();
    if let [h, m, ..] = hm.as_slice() {
        let (h, m): (u32, u32) = (h.parse().ok()?, m.parse().ok()?);
        if h != 0 || m != 0 {
            out.push_str(&format!(" {h}:{m:02}"));
        }
    }
    Some(out)
}

/// Text as records carry it: line ends as `\n` (Excel's Alt+Enter), NFC.
fn clean_text(s: &str) -> String {
    let s = if s.contains('\r') {
        s.replace("\r\n", "\n").replace('\r', "\n")
    } else {
        s.to_string()
    };
    if is_nfc_quick(s.chars()) == IsNormalized::Yes {
        s
    } else {
        s.nfc().collect()
    }
}

/// A cell merged down over several rows holds its value in the top row only; the rows
/// below show that value in Excel, so they get it too. (Merges across columns are left
/// alone: their other columns are not meant to hold the value.)
fn fill_merged_down(grid: &mut [(u32, Vec<Cell>)], col0: u32, merges: &[Dimensions]) {
    let Some(&(row0, _)) = grid.first() else {
        return;
    };
    for m in merges {
        let (top, col) = m.start;
        if m.end.0 <= top || col < col0 {
            continue;
        }
        let j = (col - col0) as usize;
        let Some(value) = grid
            .get(top.wrapping_sub(row0) as usize)
            .and_then(|(_, cells)| cells.get(j))
            .cloned()
        else {
            continue;
        };
        for r in top + 1..=m.end.0 {
            if let Some((_, cells)) = grid.get_mut(r.wrapping_sub(row0) as usize) {
                if let Some(cell) = cells.get_mut(j) {
                    if cell.is_blank() {
                        *cell = value.clone();
                    }
                }
            }
        }
    }
}

/// `0` -> `A`, `25` -> `Z`, `26` -> `AA`.
pub fn column_letter(col: u32) -> String {
    let mut n = col + 1;
    let mut out = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        out.push(char::from(b'A' + rem as u8));
        n = (n - 1) / 26;
    }
    out.iter().rev().collect()
}

fn workbook_error(path: &Path, e: calamine::Error) -> DataError {
    use calamine::{Error, OdsError, XlsError, XlsxError};
    let locked = matches!(
        e,
        Error::Xlsx(XlsxError::Password)
            | Error::Xls(XlsError::Password)
            | Error::Ods(OdsError::Password)
    );
    if let Error::Io(io) = &e {
        if io.kind() == std::io::ErrorKind::NotFound {
            return DataError::NotFound {
                path: path.to_path_buf(),
            };
        }
    }
    DataError::Workbook {
        path: path.to_path_buf(),
        message: if locked {
            "it is protected by a password; remove the password in Excel (File > Info > Protect Workbook) and save it again".to_string()
        } else {
            e.to_string()
        },
    }
}

/// A pass over a loaded sheet's data rows.
pub struct SheetRecords {
    sheet: Arc<Sheet>,
    headers: Arc<Headers>,
    next: usize,
}

impl Iterator for SheetRecords {
    type Item = Result<Record, Problem>;

    fn next(&mut self) -> Option<Self::Item> {
        let row = self.sheet.rows.get(self.next)?;
        self.next += 1;
        if let Some(problem) = self.error_problem(row) {
            return Some(Err(problem));
        }
        Some(Ok(Record::new(
            row.row,
            row.cells.clone(),
            Arc::clone(&self.headers),
        )))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.sheet.rows.len() - self.next;
        (left, Some(left))
    }
}

impl SheetRecords {
    /// A row whose cells show `#N/A`, `#REF!` etc. would print the error in a letter: it is
    /// refused, naming the cells. The message leaves out the row so that the same error down
    /// a column is reported once, "rows 4-9".
    fn error_problem(&self, row: &Row) -> Option<Problem> {
        let (first, _) = row.errors.first()?;
        let letters: Vec<String> = row
            .errors
            .iter()
            .map(|(k, _)| column_letter(self.sheet.first_col + *k as u32))
            .collect();
        let mut codes: Vec<&str> = row.errors.iter().map(|(_, e)| e.as_str()).collect();
        codes.dedup();
        let message = if letters.len() == 1 {
            format!(
                "the cell in column {} shows the Excel error {} instead of a value",
                letters[0], codes[0]
            )
        } else {
            format!(
                "the cells in columns {} show the Excel errors {} instead of values",
                letters.join(", "),
                codes.join(", ")
            )
        };
        let column = self.headers.names.get(*first).cloned().unwrap_or_default();
        Some(
            Problem::error(message)
                .at_row(row.row)
                .in_column(column)
                .with_hint(format!(
                    "correct the formula or type the value in sheet \"{}\", save the workbook and run again",
                    self.sheet.name
                )),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::{column_letter, iso_date};
    use crate::problem::Problem;
    use crate::records::{DataError, DataOptions, DataSource, Record};
    use rust_xlsxwriter::{ExcelDateTime, Format, Formula, Workbook, Worksheet};
    use std::path::{Path, PathBuf};

    fn save(dir: &Path, name: &str, build: impl FnOnce(&mut Workbook)) -> PathBuf {
        let mut book = Workbook::new();
        build(&mut book);
        let path = dir.join(name);
        book.save(&path).unwrap();
        path
    }

    fn open(path: &Path, sheet: Option<&str>) -> Result<DataSource, DataError> {
        let opts = DataOptions {
            sheet: sheet.map(str::to_string),
            ..DataOptions::default()
        };
        DataSource::open(path, &opts)
    }

    fn all(src: &DataSource) -> Vec<Result<Record, Problem>> {
        src.records().unwrap().collect()
    }

    fn row(ws: &mut Worksheet, r: u32, cells: &[&str]) {
        for (c, v) in cells.iter().enumerate() {
            ws.write_string(r, c as u16, *v).unwrap();
        }
    }

    /// One sheet with every kind of cell a list of officials has.
    fn officials(book: &mut Workbook) {
        let zip = Format::new().set_num_format("00000");
        let zip4 = Format::new().set_num_format("00000-0000");
        let short_date = Format::new().set_num_format_index(14);
        let long_date = Format::new().set_num_format("mmmm d, yyyy");
        let iso = Format::new().set_num_format("yyyy-mm-dd");
        let dmy = Format::new().set_num_format("d-mmm-yy");
        let money = Format::new().set_num_format("$#,##0.00");
        let ws = book.add_worksheet();
        ws.set_name("Officials").unwrap();
        row(
            ws,
            0,
            &[
                "Name",
                "ZIP",
                "ZIP text",
                "Phone",
                "Sworn In",
                "Term Ends",
                "Born",
                "Active",
                "Next ZIP",
                "Budget",
                "ZIP+4",
                "Seats",
            ],
        );
        ws.write_string(1, 0, "Zoe\u{308} O'Brien").unwrap();
        ws.write_number_with_format(1, 1, 5633, &zip).unwrap();
        ws.write_string(1, 2, "05633").unwrap();
        ws.write_number(1, 3, 2025551234).unwrap();
        let sworn = ExcelDateTime::from_ymd(2026, 11, 29).unwrap();
        ws.write_datetime_with_format(1, 4, &sworn, &short_date)
            .unwrap();
        ws.write_number_with_format(1, 5, 47849, &long_date)
            .unwrap();
        ws.write_number_with_format(1, 6, 46355, &dmy).unwrap();
        ws.write_boolean(1, 7, true).unwrap();
        ws.write_formula_with_format(1, 8, Formula::new("=B2+1").set_result("5634"), &zip)
            .unwrap();
        ws.write_number_with_format(1, 9, 1234567.5, &money)
            .unwrap();
        ws.write_number_with_format(1, 10, 56331234, &zip4).unwrap();
        ws.write_number(1, 11, 7).unwrap();
        // Row 3 left blank on purpose; row 4 has text and a formula with a text result.
        ws.write_string(3, 0, "José García").unwrap();
        ws.write_number_with_format(3, 1, 96813, &zip).unwrap();
        ws.write_number_with_format(3, 6, 46355.75, &iso).unwrap();
        ws.write_formula(3, 7, Formula::new("=1=2").set_result("FALSE"))
            .unwrap();
        ws.write_formula(3, 11, Formula::new("=2.5*3").set_result("7.5"))
            .unwrap();
    }

    #[test]
    fn cells_read_as_the_sheet_shows_them() {
        let dir = tempfile::tempdir().unwrap();
        let path = save(dir.path(), "officials.xlsx", officials);
        let src = open(&path, None).unwrap();
        assert_eq!(src.sheet_name(), Some("Officials"));
        assert_eq!(
            src.headers().keys,
            [
                "name",
                "zip",
                "zip_text",
                "phone",
                "sworn_in",
                "term_ends",
                "born",
                "active",
                "next_zip",
                "budget",
                "zip_4",
                "seats"
            ]
        );
        assert!(src.notices().is_empty(), "{:?}", src.notices());
        let rows: Vec<Record> = all(&src).into_iter().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].row, 2);
        assert_eq!(
            rows[0].fields,
            [
                "Zoë O'Brien",
                "05633",
                "05633",
                "2025551234",
                "11/29/2026",
                "January 1, 2031",
                "29-Nov-26",
                "TRUE",
                "05634",
                "$1,234,567.50",
                "05633-1234",
                "7"
            ]
        );
        // The blank row 3 is skipped, and row 4 keeps its number.
        assert_eq!(rows[1].row, 4);
        assert_eq!(rows[1].get("name"), Some("José García"));
        assert_eq!(rows[1].get("zip"), Some("96813"));
        assert_eq!(rows[1].get("ZIP text"), Some(""));
        assert_eq!(rows[1].get("born"), Some("2026-11-29"));
        assert_eq!(rows[1].get("active"), Some("FALSE"));
        assert_eq!(rows[1].get("seats"), Some("7.5"));
        // A second pass gives the same records.
        let again: Vec<Record> = all(&src).into_iter().map(Result::unwrap).collect();
        assert_eq!(again, rows);
    }

    #[test]
    fn sheets_by_name_default_first_visible_and_unknown_listed() {
        let dir = tempfile::tempdir().unwrap();
        let path = save(dir.path(), "book.xlsx", |book| {
            let ws = book.add_worksheet();
            ws.set_name("Old").unwrap();
            ws.set_hidden(true);
            row(ws, 0, &["Name"]);
            row(ws, 1, &["Hidden Person"]);
            let ws = book.add_worksheet();
            ws.set_name("Senate").unwrap();
            ws.set_active(true);
            row(ws, 0, &["Name"]);
            row(ws, 1, &["Senator"]);
            let ws = book.add_worksheet();
            ws.set_name("House 2027").unwrap();
            row(ws, 0, &["Name"]);
            row(ws, 1, &["Representative"]);
        });
        let first = |src: &DataSource| all(src)[0].as_ref().unwrap().fields[0].clone();
        assert_eq!(first(&open(&path, None).unwrap()), "Senator");
        assert_eq!(
            first(&open(&path, Some("House 2027")).unwrap()),
            "Representative"
        );
        assert_eq!(
            first(&open(&path, Some(" house 2027")).unwrap()),
            "Representative"
        );
        assert_eq!(first(&open(&path, Some("Old")).unwrap()), "Hidden Person");
        let err = open(&path, Some("Assembly")).unwrap_err();
        assert_eq!(
            err.to_string(),
            format!(
                "{} has no sheet named \"Assembly\"; its sheets are \"Old\", \"Senate\", \"House 2027\": give one of them with --sheet",
                path.display()
            )
        );
    }

    #[test]
    fn header_is_the_first_non_empty_row_and_columns_follow_the_data() {
        let dir = tempfile::tempdir().unwrap();
        let path = save(dir.path(), "offset.xlsx", |book| {
            let ws = book.add_worksheet();
            // Header on row 3, starting in column B; a value under no header in column E.
            row(ws, 2, &["", "Name", "Office", "", ""]);
            row(ws, 3, &["", "Ann", "Mayor"]);
            ws.write_string(4, 1, "Bo").unwrap();
            ws.write_string(4, 4, "stray").unwrap();
            ws.write_string(6, 2, "Council Member").unwrap();
            // Whitespace only: a blank row to the eye.
            ws.write_string(7, 1, "  ").unwrap();
        });
        let src = open(&path, None).unwrap();
        assert_eq!(
            src.headers().names,
            ["Name", "Office", "column_3", "column_4"]
        );
        assert_eq!(src.notices().len(), 1, "{:?}", src.notices());
        assert!(
            src.notices()[0].contains("column E has values but no name in the header row (3); the template can use it as `column_4`"),
            "{:?}",
            src.notices()
        );
        let rows: Vec<(u64, Vec<String>)> = all(&src)
            .into_iter()
            .map(|r| {
                let r = r.unwrap();
                (r.row, r.fields)
            })
            .collect();
        let s = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            rows,
            [
                (4, s(&["Ann", "Mayor", "", ""])),
                (5, s(&["Bo", "", "", "stray"])),
                (7, s(&["", "Council Member", "", ""])),
            ]
        );
    }

    #[test]
    fn hidden_rows_are_read_with_a_notice() {
        let dir = tempfile::tempdir().unwrap();
        let path = save(dir.path(), "filtered.xlsx", |book| {
            let ws = book.add_worksheet();
            ws.set_name("R&D <2027>").unwrap();
            row(ws, 0, &["Name"]);
            for r in 1..=6 {
                row(ws, r, &[&format!("Official {r}")]);
            }
            for r in [2, 3, 4, 6] {
                ws.set_row_hidden(r).unwrap();
            }
        });
        let src = open(&path, None).unwrap();
        assert_eq!(all(&src).len(), 6, "hidden rows are still read");
        assert_eq!(
            src.notices(),
            ["filtered.xlsx, sheet \"R&D <2027>\": rows 3-5, 7 are hidden in Excel (by a filter or by hand) and are read like the others; delete them from the sheet, or leave them out with --rows or --where"]
        );
    }

    #[test]
    fn merged_cells_down_a_column_fill_every_row() {
        let dir = tempfile::tempdir().unwrap();
        let path = save(dir.path(), "merged.xlsx", |book| {
            let ws = book.add_worksheet();
            row(ws, 0, &["State", "Name"]);
            ws.merge_range(1, 0, 3, 0, "Vermont", &Format::new())
                .unwrap();
            row(ws, 1, &["", "Ann"]);
            row(ws, 2, &["", "Bo"]);
            row(ws, 3, &["", "Cy"]);
        });
        let src = open(&path, None).unwrap();
        let states: Vec<String> = all(&src)
            .into_iter()
            .map(|r| r.unwrap().fields[0].clone())
            .collect();
        assert_eq!(states, ["Vermont", "Vermont", "Vermont"]);
    }

    #[test]
    fn error_cells_refuse_their_row_naming_the_cells() {
        let dir = tempfile::tempdir().unwrap();
        let path = save(dir.path(), "errors.xlsx", |book| {
            let ws = book.add_worksheet();
            row(ws, 0, &["Name", "ZIP", "District"]);
            row(ws, 1, &["Ann", "05633", "1"]);
            row(ws, 2, &["Bo"]);
            ws.write_formula(
                2,
                1,
                Formula::new("=VLOOKUP(A3,X:Y,2,0)").set_result("#N/A"),
            )
            .unwrap();
            row(ws, 3, &["Cy"]);
            ws.write_formula(3, 1, Formula::new("=NA()").set_result("#N/A"))
                .unwrap();
            ws.write_formula(3, 2, Formula::new("=1/0").set_result("#DIV/0!"))
                .unwrap();
        });
        let src = open(&path, None).unwrap();
        let got = all(&src);
        assert!(got[0].is_ok());
        let p = got[1].as_ref().unwrap_err();
        assert_eq!(p.row, Some(3));
        assert_eq!(p.column.as_deref(), Some("ZIP"));
        assert_eq!(
            p.message,
            "the cell in column B shows the Excel error #N/A instead of a value"
        );
        let p = got[2].as_ref().unwrap_err();
        assert_eq!(p.row, Some(4));
        assert_eq!(
            p.message,
            "the cells in columns B, C show the Excel errors #N/A, #DIV/0! instead of values"
        );
    }

    #[test]
    fn empty_damaged_and_disguised_workbooks_are_clear_errors() {
        let dir = tempfile::tempdir().unwrap();
        let empty = save(dir.path(), "empty.xlsx", |book| {
            book.add_worksheet().set_name("Blank").unwrap();
        });
        let err = open(&empty, None).unwrap_err();
        assert!(err.to_string().starts_with("sheet \"Blank\" of "), "{err}");

        let junk = dir.path().join("junk.xlsx");
        std::fs::write(&junk, "Name,Email\nAnn,a@example.org\n").unwrap();
        let err = open(&junk, None).unwrap_err();
        assert!(matches!(err, DataError::Workbook { .. }), "{err:?}");
        assert!(
            err.to_string().contains("could not be read as a workbook"),
            "{err}"
        );

        // A workbook saved as .csv is not decoded as text.
        let disguised = dir.path().join("officials.csv");
        std::fs::copy(save(dir.path(), "real.xlsx", officials), &disguised).unwrap();
        let err = open(&disguised, None).unwrap_err();
        assert!(matches!(err, DataError::WorkbookNamedCsv { .. }), "{err:?}");
    }

    #[test]
    fn ten_thousand_rows_load_quickly() {
        let dir = tempfile::tempdir().unwrap();
        let zip = Format::new().set_num_format("00000");
        let path = save(dir.path(), "big.xlsx", |book| {
            let ws = book.add_worksheet();
            row(ws, 0, &["Name", "ZIP", "Email"]);
            for r in 1..=10_000u32 {
                ws.write_string(r, 0, format!("Official {r}")).unwrap();
                ws.write_number_with_format(r, 1, f64::from(r), &zip)
                    .unwrap();
                ws.write_string(r, 2, format!("o{r}@example.org")).unwrap();
            }
        });
        let start = std::time::Instant::now();
        let src = open(&path, None).unwrap();
        let opened = start.elapsed().as_secs_f64();
        let rows: Vec<Record> = all(&src).into_iter().map(Result::unwrap).collect();
        println!(
            "10,000 rows: opened in {opened:.3} s, read in {:.3} s",
            start.elapsed().as_secs_f64()
        );
        assert_eq!(rows.len(), 10_000);
        assert_eq!(rows[41].get("zip"), Some("00042"));
        assert_eq!(rows[9_999].row, 10_001);
    }

    #[test]
    fn column_letters() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(701), "ZZ");
        assert_eq!(column_letter(702), "AAA");
    }

    #[test]
    fn opendocument_dates() {
        assert_eq!(iso_date("2026-11-29").as_deref(), Some("11/29/2026"));
        assert_eq!(
            iso_date("2026-11-29T14:05:00").as_deref(),
            Some("11/29/2026 14:05")
        );
        assert_eq!(iso_date("tomorrow"), None);
    }
}
