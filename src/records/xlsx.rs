//! Excel workbooks (`.xlsx`, `.xlsm`; also `.xlsb`, `.xls`, `.ods`) read with calamine: one
//! sheet, loaded once, every cell turned into the text the sheet displays.
//!
//! A ZIP code stored as the number 5633 with the format `00000` reads `05633`, a date reads
//! as its format shows it, a formula by its last computed value. The sheet is held in memory
//! as text, sparsely: only the cells that hold something cost memory, so a stray cell at
//! XFD1048576 does not make a grid of a million rows by 16,384 columns (calamine's dense
//! `Range` would); .xlsx and .xlsb sheets are streamed cell by cell. Row numbers are the
//! sheet's own, so a problem points at the row the user sees in Excel.

use super::hidden_rows::{self, Merge, MAX_COLUMNS, MAX_ROWS};
use super::{numfmt, zip_guard};
use super::{DataError, Headers, Record};
use crate::input_file::{human_size, open_regular, InputError};
use crate::problem::Problem;
use calamine::{
    open_workbook_auto, Data, DataRef, Reader, SheetType, SheetVisible, Sheets, Xlsb, Xlsx,
};
use std::fs::File;
use std::io::BufReader;
use std::path::Path;
use std::sync::Arc;
use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};

/// File extensions read as workbooks (compared without case).
pub const EXTENSIONS: [&str; 5] = ["xlsx", "xlsm", "xlsb", "xls", "ods"];

/// The size of a workbook file. A workbook of 100,000 officials is a few MiB; the zip
/// reader keeps the whole central directory in memory, so far larger files are refused
/// before they are opened.
pub const MAX_WORKBOOK_BYTES: u64 = 100 * 1024 * 1024;

/// Filled cells read from one sheet (blank cells cost nothing and are not counted). 100,000
/// officials by 50 columns; each cell costs about 50 bytes as text, so the sheet stays
/// within a few hundred MiB.
pub const MAX_CELLS: usize = 5_000_000;

/// Columns without a name that get a notice each; more are summed up in one.
const UNNAMED_NOTICES: usize = 5;

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
    /// The sheet's column (0 = column A) of each record column, for cell names.
    columns: Vec<u32>,
}

#[derive(Debug)]
struct Row {
    /// The sheet's row number (1-based), as Excel shows it.
    row: u64,
    /// The filled cells: (index among the record's columns, text), ascending.
    cells: Vec<(usize, String)>,
    /// Cells showing an Excel error or a date Excel cannot show: (index, `#N/A` etc.).
    errors: Vec<(usize, CellError)>,
}

#[derive(Debug, Clone, PartialEq)]
enum CellError {
    /// `#N/A`, `#DIV/0!`, ...
    Excel(String),
    /// A number with a date format that is no date between 1900 and 9999 (Excel shows
    /// `#####`): the serial as a plain number.
    Date(String),
}

/// A cell on its way to text.
#[derive(Debug, Clone, PartialEq)]
enum Cell {
    Text(String),
    Error(CellError),
}

impl Cell {
    fn is_blank(&self) -> bool {
        matches!(self, Cell::Text(t) if t.trim().is_empty())
    }

    fn text(&self) -> String {
        match self {
            Cell::Text(t) => t.clone(),
            Cell::Error(CellError::Excel(e) | CellError::Date(e)) => e.clone(),
        }
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

/// A filled cell at its 0-based (row, column).
type Placed = (u32, u32, Cell);

/// The names of the workbook's worksheets, in the workbook's order (for a sheet picker).
/// The file passes the same guards as [`load`] before it is opened.
pub fn sheet_names(path: &Path) -> Result<Vec<String>, DataError> {
    check_file(path)?;
    zip_guard::check(path)?;
    let book = open_workbook_auto(path).map_err(|e| workbook_error(path, e))?;
    Ok(book
        .sheets_metadata()
        .iter()
        .filter(|s| s.typ == SheetType::WorkSheet)
        .map(|s| s.name.clone())
        .collect())
}

/// Opens the workbook and reads one sheet: `sheet` by name, or the first visible worksheet.
/// Returns the sheet and notices for the user.
pub fn load(path: &Path, sheet: Option<&str>) -> Result<(Sheet, Vec<String>), DataError> {
    let file_name = super::file_name(path);
    check_file(path)?;
    zip_guard::check(path)?;
    let mut book = open_workbook_auto(path).map_err(|e| workbook_error(path, e))?;
    let name = pick_sheet(path, &book, sheet)?;
    let sheet_label = format!("{file_name}, sheet \"{name}\"");
    let limits = Limits {
        path,
        label: &sheet_label,
    };

    let mut bare_numbers = false;
    let (mut cells, merges, hidden) = match &mut book {
        Sheets::Xlsx(x) => {
            // The layout pass also checks every cell reference before calamine reads them.
            let layout =
                hidden_rows::layout(path, &name).map_err(|message| DataError::Workbook {
                    path: path.to_path_buf(),
                    message,
                })?;
            let cells = xlsx_cells(x, &name, &limits)?;
            (cells, layout.merges, Some(layout.hidden))
        }
        Sheets::Xlsb(x) => (
            xlsb_cells(x, &name, &limits, &mut bare_numbers)?,
            Vec::new(),
            None,
        ),
        Sheets::Xls(x) => {
            let date1904 = x.has_1904_epoch();
            let range = x
                .worksheet_range(&name)
                .map_err(|e| workbook_error(path, e.into()))?;
            let merges = x
                .merge_cells_by_sheet_name(&name)
                .unwrap_or_default()
                .iter()
                .map(|d| Merge {
                    top: d.start.0,
                    left: d.start.1,
                    bottom: d.end.0,
                    right: d.end.1,
                })
                .collect();
            (
                range_cells(&range, date1904, &limits, &mut bare_numbers)?,
                merges,
                None,
            )
        }
        Sheets::Ods(x) => {
            let range = x
                .worksheet_range(&name)
                .map_err(|e| workbook_error(path, e.into()))?;
            (
                range_cells(&range, false, &limits, &mut bare_numbers)?,
                Vec::new(),
                None,
            )
        }
    };
    drop(book);

    cells.sort_by_key(|&(r, c, _)| (r, c));
    cells.dedup_by_key(|(r, c, _)| (*r, *c));
    fill_merged_down(&mut cells, merges, &limits)?;

    let Some(&(header_row, _, _)) = cells.first() else {
        return Err(DataError::EmptySheet {
            path: path.to_path_buf(),
            sheet: name,
        });
    };

    // The columns read: those with anything in them, in the header or below.
    let mut columns: Vec<u32> = cells.iter().map(|&(_, c, _)| c).collect();
    columns.sort_unstable();
    columns.dedup();
    let index = |c: u32| columns.binary_search(&c).unwrap_or_default();

    let mut header = vec![String::new(); columns.len()];
    let data_at = cells.partition_point(|&(r, _, _)| r == header_row);
    for (_, c, cell) in &cells[..data_at] {
        header[index(*c)] = cell.text();
    }

    let mut notices = Vec::new();
    // Columns with values but no name: say so, with the key they get.
    let unnamed: Vec<usize> = (0..header.len())
        .filter(|&k| header[k].trim().is_empty())
        .collect();
    for &k in unnamed.iter().take(UNNAMED_NOTICES) {
        notices.push(format!(
            "{sheet_label}: column {} has values but no name in the header row ({}); the template can use it as `column_{}`, or give it a name",
            column_letter(columns[k]),
            header_row + 1,
            k + 1
        ));
    }
    if unnamed.len() > UNNAMED_NOTICES {
        notices.push(format!(
            "{sheet_label}: {} more columns have values but no name in the header row ({}); give them names, or delete stray cells right of the table",
            unnamed.len() - UNNAMED_NOTICES,
            header_row + 1
        ));
    }

    let mut rows: Vec<Row> = Vec::new();
    for (r, c, cell) in cells.drain(..).skip(data_at) {
        let k = index(c);
        if rows.last().is_none_or(|last| last.row != u64::from(r) + 1) {
            rows.push(Row {
                row: u64::from(r) + 1,
                cells: Vec::new(),
                errors: Vec::new(),
            });
        }
        let Some(row) = rows.last_mut() else { continue };
        match cell {
            Cell::Text(t) => row.cells.push((k, t)),
            Cell::Error(e) => row.errors.push((k, e)),
        }
    }

    if let Some(hidden) = hidden {
        notices.extend(hidden_rows_notice(&hidden, &rows, &sheet_label));
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
            columns,
        },
        notices,
    ))
}

/// The workbook must be a regular file (a FIFO would block, a device never end) of a sane
/// size.
fn check_file(path: &Path) -> Result<(), DataError> {
    let file = open_regular(path).map_err(|e| match e {
        InputError::Io { source, .. } => super::io_error(path, source),
        InputError::NotRegular { kind, .. } => DataError::NotRegular {
            path: path.to_path_buf(),
            kind,
        },
        other => DataError::Io {
            path: path.to_path_buf(),
            message: other.to_string(),
        },
    })?;
    let len = file.metadata().map_err(|e| super::io_error(path, e))?.len();
    if len > MAX_WORKBOOK_BYTES {
        return Err(DataError::Limit {
            path: path.to_path_buf(),
            message: format!(
                "the workbook is larger than {}, the most lettermerge reads; split the data into smaller workbooks or export the sheet as CSV",
                human_size(MAX_WORKBOOK_BYTES)
            ),
        });
    }
    Ok(())
}

/// The sheet's name and path for limit errors.
struct Limits<'a> {
    path: &'a Path,
    label: &'a str,
}

impl Limits<'_> {
    fn too_many_cells(&self) -> DataError {
        DataError::Limit {
            path: self.path.to_path_buf(),
            message: format!(
                "sheet \"{}\" has more than {MAX_CELLS} filled cells, the most lettermerge reads from one sheet; split the data into smaller sheets, or delete what the letters do not use",
                self.sheet()
            ),
        }
    }

    fn outside(&self, row: u32, col: u32) -> DataError {
        DataError::Workbook {
            path: self.path.to_path_buf(),
            message: format!(
                "sheet \"{}\" has a cell at row {}, column {}, outside the sheet's {MAX_ROWS} rows and {MAX_COLUMNS} columns; the file is damaged",
                self.sheet(),
                u64::from(row) + 1,
                u64::from(col) + 1
            ),
        }
    }

    fn sheet(&self) -> &str {
        self.label
            .split_once(", sheet \"")
            .map_or(self.label, |(_, s)| s.trim_end_matches('"'))
    }

    /// Keeps a displayed cell if it holds something, counting it against [`MAX_CELLS`].
    fn keep(&self, out: &mut Vec<Placed>, row: u32, col: u32, cell: Cell) -> Result<(), DataError> {
        if row >= MAX_ROWS || col >= MAX_COLUMNS {
            return Err(self.outside(row, col));
        }
        if cell.is_blank() {
            return Ok(());
        }
        if out.len() >= MAX_CELLS {
            return Err(self.too_many_cells());
        }
        out.push((row, col, cell));
        Ok(())
    }
}

/// An .xlsx sheet's filled cells, streamed from its XML with their number formats.
fn xlsx_cells(
    x: &mut Xlsx<BufReader<File>>,
    name: &str,
    limits: &Limits<'_>,
) -> Result<Vec<Placed>, DataError> {
    let path = limits.path;
    let date1904 = x.has_1904_epoch();
    let mut reader = x
        .worksheet_cells_reader(name)
        .map_err(|e| workbook_error(path, e.into()))?;
    let mut out = Vec::new();
    while let Some((cell, style)) = reader
        .next_cell_with_style_id()
        .map_err(|e| workbook_error(path, e.into()))?
    {
        let (r, c) = cell.get_position();
        let format = reader
            .styles()
            .get(style)
            .and_then(|s| s.number_format.as_ref())
            .map(|nf| (nf.format_id, nf.format_code.as_str()));
        let value = Data::from(cell.get_value().clone());
        let shown = display(&value, format, date1904);
        limits.keep(&mut out, r, c, shown)?;
    }
    Ok(out)
}

/// An .xlsb sheet's filled cells (its number formats are not read).
fn xlsb_cells(
    x: &mut Xlsb<BufReader<File>>,
    name: &str,
    limits: &Limits<'_>,
    bare_numbers: &mut bool,
) -> Result<Vec<Placed>, DataError> {
    let path = limits.path;
    let date1904 = x.has_1904_epoch();
    let mut reader = x
        .worksheet_cells_reader(name)
        .map_err(|e| workbook_error(path, e.into()))?;
    let mut out = Vec::new();
    while let Some(cell) = reader
        .next_cell()
        .map_err(|e| workbook_error(path, e.into()))?
    {
        let (r, c) = cell.get_position();
        if matches!(cell.get_value(), DataRef::Float(_) | DataRef::Int(_)) {
            *bare_numbers = true;
        }
        let value = Data::from(cell.get_value().clone());
        limits.keep(&mut out, r, c, display(&value, None, date1904))?;
    }
    Ok(out)
}

/// The filled cells of a range calamine read whole (.xls, .ods: their size is bounded by
/// the format and the zip limits).
fn range_cells(
    range: &calamine::Range<Data>,
    date1904: bool,
    limits: &Limits<'_>,
    bare_numbers: &mut bool,
) -> Result<Vec<Placed>, DataError> {
    let mut out = Vec::new();
    let (row0, col0) = range.start().unwrap_or((0, 0));
    for (i, j, value) in range.used_cells() {
        if matches!(value, Data::Float(_) | Data::Int(_)) {
            *bare_numbers = true;
        }
        let (r, c) = (row0.saturating_add(i as u32), col0.saturating_add(j as u32));
        limits.keep(&mut out, r, c, display(value, None, date1904))?;
    }
    Ok(out)
}

/// A notice naming the data rows that are hidden in Excel, if any (`hidden` ascending).
fn hidden_rows_notice(hidden: &[u64], rows: &[Row], label: &str) -> Option<String> {
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
    // A serial no date format can show (Excel shows #####) is a problem of its row, never
    // "January 0, 1900".
    let serial = match value {
        Data::Float(v) => Some(*v),
        Data::Int(v) => Some(*v as f64),
        Data::DateTime(d) => Some(d.as_f64()),
        _ => None,
    };
    if let Some(serial) = serial {
        let code = match value {
            Data::DateTime(d) if !d.is_duration() => code
                .filter(|c| numfmt::is_date_format(c))
                .unwrap_or_else(|| numfmt::default_date_code(serial)),
            _ => code.unwrap_or("General"),
        };
        if !numfmt::date_serial_ok(serial, code, date1904) {
            return Cell::Error(CellError::Date(numfmt::general(serial)));
        }
    }
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
        Data::Error(e) => return Cell::Error(CellError::Excel(e.to_string())),
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
///
/// `cells` is sorted by (row, column). Only rows that have cells are visited, and each
/// column's merges are swept top to bottom so a row is visited at most once per column:
/// the work is linear in the cells, however many merges cover whole columns. A merge that
/// overlaps an earlier one in the same column fills only the rows below it.
fn fill_merged_down(
    cells: &mut Vec<Placed>,
    mut merges: Vec<Merge>,
    limits: &Limits<'_>,
) -> Result<(), DataError> {
    merges.retain(|m| m.bottom > m.top);
    if merges.is_empty() || cells.is_empty() {
        return Ok(());
    }
    merges.sort_unstable_by_key(|m| (m.left, m.top));
    let mut rows: Vec<u32> = cells.iter().map(|&(r, _, _)| r).collect();
    rows.dedup();
    let find = |cells: &[Placed], r: u32, c: u32| {
        cells
            .binary_search_by_key(&(r, c), |&(r, c, _)| (r, c))
            .ok()
    };
    let mut fills: Vec<Placed> = Vec::new();
    let mut column = None;
    let mut covered_to = 0u32;
    for m in &merges {
        if column != Some(m.left) {
            column = Some(m.left);
            covered_to = 0;
        }
        let Some(top) = find(cells, m.top, m.left) else {
            continue;
        };
        let value = cells[top].2.clone();
        let from = m.top.max(covered_to).saturating_add(1);
        covered_to = covered_to.max(m.bottom);
        let first = rows.partition_point(|&r| r < from);
        for &r in rows[first..].iter().take_while(|&&r| r <= m.bottom) {
            if find(cells, r, m.left).is_none() {
                if cells.len() + fills.len() >= MAX_CELLS {
                    return Err(limits.too_many_cells());
                }
                fills.push((r, m.left, value.clone()));
            }
        }
    }
    if !fills.is_empty() {
        cells.extend(fills);
        cells.sort_by_key(|&(r, c, _)| (r, c));
    }
    Ok(())
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
        // Rows are kept sparse; one record at a time is made whole.
        let mut fields = vec![String::new(); self.sheet.header.len()];
        for (k, text) in &row.cells {
            if let Some(field) = fields.get_mut(*k) {
                field.clone_from(text);
            }
        }
        Some(Ok(Record::new(row.row, fields, Arc::clone(&self.headers))))
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let left = self.sheet.rows.len() - self.next;
        (left, Some(left))
    }
}

impl SheetRecords {
    /// A row whose cells show `#N/A`, `#REF!` etc. would print the error in a letter: it is
    /// refused, naming the cells. The message leaves out the row so that the same error down
    /// a column is reported once, "rows 4-9". A date serial outside Excel's calendar
    /// (before 1900 or after 9999, which Excel shows as #####) is refused the same way.
    fn error_problem(&self, row: &Row) -> Option<Problem> {
        let (first, _) = row.errors.first()?;
        let letter = |k: usize| column_letter(self.sheet.columns.get(k).copied().unwrap_or(0));
        let excel: Vec<(usize, &str)> = row
            .errors
            .iter()
            .filter_map(|(k, e)| match e {
                CellError::Excel(code) => Some((*k, code.as_str())),
                CellError::Date(_) => None,
            })
            .collect();
        let column = self.headers.names.get(*first).cloned().unwrap_or_default();
        let message = if excel.is_empty() {
            let (k, serial) = row.errors.iter().find_map(|(k, e)| match e {
                CellError::Date(v) => Some((*k, v.as_str())),
                CellError::Excel(_) => None,
            })?;
            let problem = Problem::error(format!(
                "the cell in column {} holds {serial} with a date format, which is no date between 1/1/1900 and 12/31/9999 (Excel shows #####)",
                letter(k)
            ))
            .at_row(row.row)
            .in_column(self.headers.names.get(k).cloned().unwrap_or_default())
            .with_hint(format!(
                "type the date again in sheet \"{}\" (e.g. 11/29/2026), or format the cell as a number if it is not a date, save the workbook and run again",
                self.sheet.name
            ));
            return Some(problem);
        } else {
            let letters: Vec<String> = excel.iter().map(|(k, _)| letter(*k)).collect();
            let mut codes: Vec<&str> = excel.iter().map(|(_, e)| *e).collect();
            codes.dedup();
            if letters.len() == 1 {
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
            }
        };
        let column = excel
            .first()
            .and_then(|(k, _)| self.headers.names.get(*k).cloned())
            .unwrap_or(column);
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
            src.file_headers().keys,
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
            rows[0].fields[..src.file_headers().len()],
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
        // Column D holds nothing at all, so it is not a column of the data; E is.
        assert_eq!(src.file_headers().names, ["Name", "Office", "column_3"]);
        assert_eq!(src.notices().len(), 1, "{:?}", src.notices());
        assert!(
            src.notices()[0].contains("column E has values but no name in the header row (3); the template can use it as `column_3`"),
            "{:?}",
            src.notices()
        );
        let rows: Vec<(u64, Vec<String>)> = all(&src)
            .into_iter()
            .map(|r| {
                let r = r.unwrap();
                (r.row, r.fields[..src.file_headers().len()].to_vec())
            })
            .collect();
        let s = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            rows,
            [
                (4, s(&["Ann", "Mayor", ""])),
                (5, s(&["Bo", "", "stray"])),
                (7, s(&["", "Council Member", ""])),
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
    fn a_stray_cell_in_the_far_corner_costs_one_column() {
        let dir = tempfile::tempdir().unwrap();
        let path = save(dir.path(), "corner.xlsx", |book| {
            let ws = book.add_worksheet();
            row(ws, 0, &["Name", "Email"]);
            row(ws, 1, &["Ann", "ann@example.org"]);
            ws.write_string(1_048_575, 16_383, "x").unwrap();
        });
        let src = open(&path, None).unwrap();
        assert_eq!(src.file_headers().names, ["Name", "Email", "column_3"]);
        assert!(
            src.notices()[0].contains("column XFD has values but no name"),
            "{:?}",
            src.notices()
        );
        let rows: Vec<Record> = all(&src).into_iter().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 2);
        assert_eq!(rows[0].fields[..3], ["Ann", "ann@example.org", ""]);
        assert_eq!(rows[1].row, 1_048_576);
        assert_eq!(rows[1].fields[..3], ["", "", "x"]);
    }

    /// A workbook written by hand (no styles), for layouts no spreadsheet program writes.
    pub(crate) fn hand_xlsx(dir: &Path, sheet_xml: &str, shared: Option<&str>) -> PathBuf {
        use std::io::Write;
        let path = dir.join("hand.xlsx");
        let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
        let opts = zip::write::SimpleFileOptions::default();
        let mut part = |name: &str, text: &str| {
            zip.start_file(name, opts).unwrap();
            zip.write_all(text.as_bytes()).unwrap();
        };
        part(
            "[Content_Types].xml",
            r#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#,
        );
        part(
            "_rels/.rels",
            r#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#,
        );
        part(
            "xl/workbook.xml",
            r#"<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#,
        );
        let mut rels = String::from(
            r#"<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/>"#,
        );
        if shared.is_some() {
            rels.push_str(r#"<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/>"#);
        }
        rels.push_str("</Relationships>");
        part("xl/_rels/workbook.xml.rels", &rels);
        part("xl/worksheets/sheet1.xml", sheet_xml);
        if let Some(sst) = shared {
            part("xl/sharedStrings.xml", sst);
        }
        zip.finish().unwrap();
        path
    }

    pub(crate) fn sheet_xml(rows: &str, after: &str) -> String {
        format!(
            r#"<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>{rows}</sheetData>{after}</worksheet>"#
        )
    }

    #[test]
    fn whole_column_merges_are_clipped_to_the_rows_there_are() {
        let dir = tempfile::tempdir().unwrap();
        let mut rows = String::from(
            r#"<row r="1"><c r="A1" t="inlineStr"><is><t>State</t></is></c><c r="B1" t="inlineStr"><is><t>Name</t></is></c></row><row r="2"><c r="A2" t="inlineStr"><is><t>Vermont</t></is></c></row>"#,
        );
        for r in 2..=2000 {
            rows.push_str(&format!(
                r#"<row r="{r}"><c r="B{r}" t="inlineStr"><is><t>Official {r}</t></is></c></row>"#
            ));
        }
        // 20,000 merges, each a whole column from row 2 down (overlapping, as no program
        // writes them, but a file can say so).
        let merges: String = (0..20_000)
            .map(|i| {
                format!(
                    r#"<mergeCell ref="{}2:{}1048576"/>"#,
                    column_letter(i % 3),
                    column_letter(i % 3)
                )
            })
            .collect();
        let xml = sheet_xml(&rows, &format!("<mergeCells>{merges}</mergeCells>"));
        let path = hand_xlsx(dir.path(), &xml, None);
        let start = std::time::Instant::now();
        let src = open(&path, None).unwrap();
        let got: Vec<Record> = all(&src).into_iter().map(Result::unwrap).collect();
        assert_eq!(got.len(), 1999);
        assert!(got.iter().all(|r| r.fields[0] == "Vermont"));
        assert!(start.elapsed().as_secs() < 5, "{:?}", start.elapsed());
    }

    #[test]
    fn date_serials_outside_excels_calendar_refuse_their_row() {
        let dir = tempfile::tempdir().unwrap();
        let long_date = Format::new().set_num_format("mmmm d, yyyy");
        let time = Format::new().set_num_format("h:mm AM/PM");
        let path = save(dir.path(), "dates.xlsx", |book| {
            let ws = book.add_worksheet();
            row(ws, 0, &["Name", "Sworn In", "Meets At"]);
            for (r, serial) in [(1u32, 46355.0), (2, 0.0), (3, -3.0), (4, 3e6)] {
                ws.write_string(r, 0, format!("Official {r}")).unwrap();
                ws.write_number_with_format(r, 1, serial, &long_date)
                    .unwrap();
                ws.write_number_with_format(r, 2, 0.75, &time).unwrap();
            }
        });
        let src = open(&path, None).unwrap();
        let got = all(&src);
        let ok = got[0].as_ref().unwrap();
        assert_eq!(
            ok.fields[..3],
            ["Official 1", "November 29, 2026", "6:00 PM"]
        );
        for (p, serial) in got[1..].iter().zip(["0", "-3", "3000000"]) {
            let p = p.as_ref().unwrap_err();
            assert_eq!(p.column.as_deref(), Some("Sworn In"));
            assert!(
                p.message
                    .contains(&format!("column B holds {serial} with a date format")),
                "{}",
                p.message
            );
            assert!(!p.message.contains("1900,"), "{}", p.message);
        }
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
