//! Reading the officials' data: a streaming reader that yields one record at a time and owns
//! everything about real-world spreadsheets (BOM, Windows-1252, delimiters, ragged rows,
//! header names, Unicode NFC, Excel workbooks and their number formats).
//!
//! A CSV file is opened once to sniff it ([`DataSource::open`]) and then re-read from the
//! start for every pass ([`DataSource::records`]); nothing ever holds more than one record, so
//! memory does not grow with the number of rows. A workbook's sheet is read once, as text
//! (see `xlsx`), and every pass walks that.

mod headers;
mod hidden_rows;
mod line_ends;
mod numfmt;
mod select;
mod sniff;
mod xlsx;
mod zip_guard;

pub use self::headers::{snake_case, Headers};
pub use self::select::{compact_rows, SelectError, SelectSpec, Selected, Selection};
pub use self::xlsx::{is_workbook, sheet_names};

use self::line_ends::LineEnds;
use crate::fields::{FieldOptions, FieldPlan, Note};
use crate::input_file::{human_size, open_regular, InputError};
use crate::problem::Problem;
use csv::ByteRecord;
use encoding_rs::{Encoding, UTF_8};
use encoding_rs_io::DecodeReaderBytesBuilder;
use std::borrow::Cow;
use std::fmt;
use std::fs::File;
use std::io::{self, Read};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use unicode_normalization::{is_nfc_quick, IsNormalized, UnicodeNormalization};

/// How to read the data file; `None` means "find out from the file".
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DataOptions {
    /// `utf-8`, `windows-1252` or any other WHATWG encoding label.
    pub encoding: Option<String>,
    /// `b','`, `b';'` or `b'\t'` (any single byte works).
    pub delimiter: Option<u8>,
    /// The worksheet to read from a workbook (default: the first visible one). Not used for
    /// CSV files.
    pub sheet: Option<String>,
    /// How the file's columns are matched to the standard fields (`[columns]`, the office
    /// to write to).
    pub fields: FieldOptions,
    /// Rows left out of every pass (the config's `[data] exclude_rows`).
    pub exclude: Option<Exclusions>,
}

/// Rows of one data file left out of every letter, email and check: the studio's
/// checkboxes, saved in the config's `[data]` table as `exclude_rows` with the file they
/// belong to (`exclude_file`), so they are never applied to another list by mistake.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Exclusions {
    /// The data file's name (its last path component) the rows are numbered in.
    pub file: String,
    /// Row numbers as the spreadsheet shows them (the header is row 1).
    pub rows: std::collections::BTreeSet<u64>,
    /// Where they were written, for messages (the config file).
    pub origin: String,
}

/// The longest CSV record (one row, all its cells, after decoding) read. A row of officials
/// is a few hundred bytes; even 16,384 columns of short text fit. The parser holds a whole
/// record in memory, so a field that never ends (an opening quote never closed, a file of
/// NUL bytes with no line end) stops here instead of growing without bound.
pub const MAX_RECORD_BYTES: u64 = 4 * 1024 * 1024;

/// The longest CSV cell. Excel's own limit is 32,767 characters (at most 128 KiB of UTF-8);
/// twice that leaves room for any cell a spreadsheet can export.
pub const MAX_FIELD_BYTES: usize = 256 * 1024;

/// Why the data file cannot be read at all. Displays as a sentence naming the file and
/// saying what to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DataError {
    NotFound {
        path: PathBuf,
    },
    Io {
        path: PathBuf,
        message: String,
    },
    Empty {
        path: PathBuf,
    },
    NoHeader {
        path: PathBuf,
    },
    UnknownEncoding {
        path: PathBuf,
        label: String,
    },
    Undecodable {
        path: PathBuf,
        encoding: String,
        line: u64,
    },
    Csv {
        path: PathBuf,
        message: String,
    },
    /// A workbook calamine cannot read (damaged, password-protected, not really a workbook).
    Workbook {
        path: PathBuf,
        message: String,
    },
    UnknownSheet {
        path: PathBuf,
        sheet: String,
        sheets: Vec<String>,
    },
    EmptySheet {
        path: PathBuf,
        sheet: String,
    },
    /// A workbook saved under a name that says CSV.
    WorkbookNamedCsv {
        path: PathBuf,
    },
    /// A FIFO, a device, a socket or a folder given as the data file.
    NotRegular {
        path: PathBuf,
        kind: &'static str,
    },
    /// Over one of the reader's limits (a cell, a row, a zip part, the cells of a sheet):
    /// `message` names the part, row or cell and the limit, and says what to do.
    Limit {
        path: PathBuf,
        message: String,
    },
    /// A `[columns]` entry of the config that does not fit the file.
    Fields {
        path: PathBuf,
        message: String,
    },
}

impl fmt::Display for DataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DataError::NotFound { path } => write!(
                f,
                "{} was not found; check the file name and the folder you run lettermerge from",
                path.display()
            ),
            DataError::Io { path, message } => {
                write!(f, "could not read {}: {message}", path.display())
            }
            DataError::Empty { path } => write!(
                f,
                "{} is empty; export the spreadsheet again with a header row and one row per official",
                path.display()
            ),
            DataError::NoHeader { path } => write!(
                f,
                "{} has no header: its first row is empty; put the column names (e.g. Name, Email) in row 1",
                path.display()
            ),
            DataError::UnknownEncoding { path, label } => write!(
                f,
                "cannot read {}: `{label}` is not an encoding lettermerge knows; use --encoding utf-8 or --encoding windows-1252",
                path.display()
            ),
            DataError::Undecodable {
                path,
                encoding,
                line,
            } => write!(
                f,
                "{} is not valid {encoding} (first bad byte on line {line}); save it as \"CSV UTF-8\" or give the right --encoding (e.g. windows-1252)",
                path.display()
            ),
            DataError::Csv { path, message } => write!(
                f,
                "{} is not a readable CSV file: {message}; export it again from the spreadsheet as CSV",
                path.display()
            ),
            DataError::Workbook { path, message } => write!(
                f,
                "{} could not be read as a workbook: {message}; open it in Excel and save it again as an Excel Workbook (.xlsx)",
                path.display()
            ),
            DataError::UnknownSheet {
                path,
                sheet,
                sheets,
            } => {
                let names: Vec<String> = sheets.iter().map(|s| format!("\"{s}\"")).collect();
                write!(
                    f,
                    "{} has no sheet named \"{sheet}\"; its sheets are {}: give one of them with --sheet",
                    path.display(),
                    names.join(", ")
                )
            }
            DataError::EmptySheet { path, sheet } => write!(
                f,
                "sheet \"{sheet}\" of {} is empty; put the column names (e.g. Name, Email) in its first row and one official per row below, or choose another sheet with --sheet",
                path.display()
            ),
            DataError::NotRegular { path, kind } => write!(
                f,
                "{} is {kind}, not a regular file; lettermerge reads the data file more than once (to check every row before anything is written), so save the data to an ordinary file and give its path",
                path.display()
            ),
            DataError::Limit { path, message } => write!(f, "{}: {message}", path.display()),
            DataError::Fields { path, message } => write!(
                f,
                "{message}; fix the [columns] table of the config to match {}",
                path.display()
            ),
            DataError::WorkbookNamedCsv { path } => write!(
                f,
                "{} is a spreadsheet workbook, not a CSV file; give it its real extension (.xlsx, or .ods), or save it from the spreadsheet as CSV",
                path.display()
            ),
        }
    }
}

impl std::error::Error for DataError {}

/// A sniffed data file, ready to be read (any number of times) with [`DataSource::records`].
#[derive(Debug, Clone)]
pub struct DataSource {
    path: PathBuf,
    encoding: &'static Encoding,
    delimiter: u8,
    /// The file's own columns.
    file_headers: Arc<Headers>,
    /// The file's columns followed by the standard fields matched or derived from them.
    headers: Arc<Headers>,
    plan: Arc<FieldPlan>,
    notices: Vec<String>,
    /// For a workbook: the sheet, already read. `None` for CSV.
    sheet: Option<Arc<xlsx::Sheet>>,
    /// Rows no pass yields (see [`Exclusions`]).
    excluded: Arc<std::collections::BTreeSet<u64>>,
}

impl DataSource {
    /// Opens the file and finds out its encoding, delimiter and header, streaming through it
    /// in chunks (the file is never loaded whole). A workbook (by its extension: `.xlsx`,
    /// `.xlsm`, `.xlsb`, `.xls`, `.ods`) has its sheet read instead.
    pub fn open(path: &Path, opts: &DataOptions) -> Result<DataSource, DataError> {
        let mut source = if is_workbook(path) {
            Self::open_workbook(path, opts)?
        } else {
            Self::open_csv(path, opts)?
        };
        if let Some(ex) = opts.exclude.as_ref().filter(|ex| !ex.rows.is_empty()) {
            let name = file_name(path);
            if name != ex.file {
                return Err(DataError::Fields {
                    path: path.to_path_buf(),
                    message: format!(
                        "{}: [data] exclude_rows are rows of {}, not of {name}; remove exclude_rows and exclude_file from [data] (or set exclude_file = \"{name}\" if it is the same list renamed)",
                        ex.origin, ex.file
                    ),
                });
            }
            let rows: Vec<String> = ex.rows.iter().map(u64::to_string).collect();
            source.notices.push(format!(
                "{} {} left out, as {} [data] exclude_rows says",
                if rows.len() == 1 { "row" } else { "rows" },
                select::compact_rows(&ex.rows),
                ex.origin
            ));
            source.excluded = Arc::new(ex.rows.clone());
        }
        Ok(source)
    }

    fn open_csv(path: &Path, opts: &DataOptions) -> Result<DataSource, DataError> {
        let io_err = |e: io::Error| io_error(path, e);
        let mut file = open_data(path)?;
        let mut head = [0u8; 3];
        let head_len = read_up_to(&mut file, &mut head).map_err(io_err)?;
        if head_len == 0 {
            return Err(DataError::Empty {
                path: path.to_path_buf(),
            });
        }
        // A zip (.xlsx, .ods) or OLE (.xls) file: decoding it as text would give garbage.
        if head[..head_len] == *b"PK\x03" || head[..head_len] == [0xd0, 0xcf, 0x11] {
            return Err(DataError::WorkbookNamedCsv {
                path: path.to_path_buf(),
            });
        }
        let mut notices = Vec::new();
        let name = file_name(path);
        let encoding = if let Some((enc, _)) = sniff::bom(&head[..head_len]) {
            if let Some(label) = &opts.encoding {
                if Encoding::for_label(label.trim().as_bytes()) != Some(enc) {
                    notices.push(format!(
                        "{name} starts with a {} byte-order mark, so it is read as {} and --encoding {label} is ignored",
                        enc.name(),
                        enc.name()
                    ));
                }
            }
            enc
        } else if let Some(label) = &opts.encoding {
            let enc = Encoding::for_label(label.trim().as_bytes()).ok_or_else(|| {
                DataError::UnknownEncoding {
                    path: path.to_path_buf(),
                    label: label.clone(),
                }
            })?;
            if enc == UTF_8 {
                check_whole_file_utf8(path, enc)?;
            }
            enc
        } else {
            let valid = sniff::check_utf8(open_data(path)?).map_err(io_err)?.is_ok();
            let enc = sniff::fallback_encoding(valid);
            if !valid {
                notices.push(format!(
                    "{name} is not UTF-8; reading it as Windows-1252 (set --encoding to override)"
                ));
            }
            enc
        };

        let delimiter = match opts.delimiter {
            Some(d) => d,
            None => {
                let mut sample = Vec::with_capacity(64 * 1024);
                decoded_reader(path, encoding)?
                    .take(64 * 1024)
                    .read_to_end(&mut sample)
                    .map_err(io_err)?;
                if sample.iter().all(|b| b.is_ascii_whitespace()) {
                    return Err(DataError::Empty {
                        path: path.to_path_buf(),
                    });
                }
                sniff::delimiter(&sample)
            }
        };

        let (mut reader, budget) = csv_reader(path, encoding, delimiter)?;
        let mut raw = ByteRecord::new();
        let found = reader.read_byte_record(&mut raw).map_err(|e| {
            if budget.over() {
                record_limit_error(path, 1)
            } else {
                csv_error(path, e)
            }
        })?;
        if !found {
            return Err(DataError::Empty {
                path: path.to_path_buf(),
            });
        }
        let cells: Vec<String> = raw.iter().map(|f| decode_field(f).into_owned()).collect();
        if cells
            .iter()
            .all(|c| c.trim().trim_matches('\u{feff}').is_empty())
        {
            return Err(DataError::NoHeader {
                path: path.to_path_buf(),
            });
        }
        if let Some(k) = cells.iter().position(|c| c.len() > MAX_FIELD_BYTES) {
            return Err(DataError::Limit {
                path: path.to_path_buf(),
                message: format!(
                    "row 1, column {}: the header cell is longer than {}, the longest cell lettermerge reads; check the file is the data you meant (a quote never closed makes the rest of the file one cell)",
                    k + 1,
                    human_size(MAX_FIELD_BYTES as u64)
                ),
            });
        }
        let (headers, header_notices) = Headers::new(&cells);
        notices.extend(header_notices.into_iter().map(|n| format!("{name}: {n}")));
        let headers = Arc::new(headers);
        let (plan, extended) = match_fields(path, &headers, &opts.fields, &mut notices)?;
        Ok(DataSource {
            path: path.to_path_buf(),
            encoding,
            delimiter,
            file_headers: headers,
            headers: extended,
            plan,
            notices,
            sheet: None,
            excluded: Arc::default(),
        })
    }

    fn open_workbook(path: &Path, opts: &DataOptions) -> Result<DataSource, DataError> {
        let (sheet, mut notices) = xlsx::load(path, opts.sheet.as_deref())?;
        let (headers, header_notices) = Headers::new(&sheet.header);
        let label = format!("{}, sheet \"{}\"", file_name(path), sheet.name);
        notices.extend(header_notices.into_iter().map(|n| format!("{label}: {n}")));
        let headers = Arc::new(headers);
        let (plan, extended) = match_fields(path, &headers, &opts.fields, &mut notices)?;
        Ok(DataSource {
            path: path.to_path_buf(),
            encoding: UTF_8,
            delimiter: b',',
            file_headers: headers,
            headers: extended,
            plan,
            notices,
            sheet: Some(Arc::new(sheet)),
            excluded: Arc::default(),
        })
    }

    /// The worksheet read, for a workbook; `None` for CSV.
    pub fn sheet_name(&self) -> Option<&str> {
        self.sheet.as_deref().map(|s| s.name.as_str())
    }

    /// The columns a template sees: the file's, then the standard fields matched to them.
    pub fn headers(&self) -> &Arc<Headers> {
        &self.headers
    }

    /// The file's own columns, without the standard fields matched to them.
    pub fn file_headers(&self) -> &Arc<Headers> {
        &self.file_headers
    }

    /// How the file's columns were matched to the standard fields.
    pub fn fields(&self) -> &FieldPlan {
        &self.plan
    }

    /// Things the user should know that are not errors (encoding guessed, duplicate columns).
    pub fn notices(&self) -> &[String] {
        &self.notices
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The CSV delimiter (`,` for a workbook, which has none).
    pub fn delimiter(&self) -> u8 {
        self.delimiter
    }

    /// The encoding's WHATWG name, e.g. `UTF-8`, `windows-1252`, `UTF-16LE` (`UTF-8` for a
    /// workbook, whose text is Unicode).
    pub fn encoding_name(&self) -> &'static str {
        self.encoding.name()
    }

    /// A new pass over the data rows, reading the file again from the start.
    pub fn records(&self) -> Result<Records, DataError> {
        if let Some(sheet) = &self.sheet {
            return Ok(self.wrap(RecordsFrom::Sheet(sheet.records(&self.file_headers))));
        }
        let (mut reader, budget) = csv_reader(&self.path, self.encoding, self.delimiter)?;
        let mut record = ByteRecord::new();
        // Skip the header, counting any newline inside its cells so row numbers stay right.
        let mut embedded_newlines = 0;
        if reader.read_byte_record(&mut record).map_err(|e| {
            if budget.over() {
                record_limit_error(&self.path, 1)
            } else {
                csv_error(&self.path, e)
            }
        })? {
            embedded_newlines = newlines_in(&record);
        }
        budget.reset();
        let next_row = reader.position().line().saturating_sub(embedded_newlines);
        Ok(self.wrap(RecordsFrom::Csv(CsvRecords {
            reader,
            record,
            headers: Arc::clone(&self.file_headers),
            delimiter: self.delimiter,
            embedded_newlines,
            next_row,
            budget,
            done: false,
        })))
    }

    fn wrap(&self, from: RecordsFrom) -> Records {
        Records {
            from,
            plan: (!self.plan.is_empty()).then(|| Arc::clone(&self.plan)),
            headers: Arc::clone(&self.headers),
            excluded: Arc::clone(&self.excluded),
        }
    }
}

/// Matches the file's columns to the standard fields; returns the plan and the headers the
/// template sees.
fn match_fields(
    path: &Path,
    headers: &Arc<Headers>,
    opts: &FieldOptions,
    notices: &mut Vec<String>,
) -> Result<(Arc<FieldPlan>, Arc<Headers>), DataError> {
    let plan =
        FieldPlan::build(&headers.names, &headers.keys, opts).map_err(|e| DataError::Fields {
            path: path.to_path_buf(),
            message: e.0,
        })?;
    notices.extend(plan.notices().iter().cloned());
    let appended = plan.appended();
    let extended = if appended.is_empty() {
        Arc::clone(headers)
    } else {
        let mut names = headers.names.clone();
        names.extend(appended.iter().map(|s| s.to_string()));
        let mut extended = Headers::new(&names).0;
        extended.file_len = headers.len();
        Arc::new(extended)
    };
    Ok((Arc::new(plan), extended))
}

/// One data row.
#[derive(Debug, Clone, PartialEq)]
pub struct Record {
    /// The row as the spreadsheet numbers it: header = 1, first data row = 2. A cell that
    /// spans several lines does not shift the numbering.
    pub row: u64,
    /// The cells in header order, decoded, NFC, line ends as `\n`.
    pub fields: Vec<String>,
    headers: Arc<Headers>,
    /// Problems found while deriving the standard fields (an address that cannot be split,
    /// none at all).
    pub notes: Vec<Note>,
}

impl Record {
    /// Builds a record directly (for callers and tests that do not read a file). `fields`
    /// should have one entry per header.
    pub fn new(row: u64, fields: Vec<String>, headers: Arc<Headers>) -> Record {
        Record {
            row,
            fields,
            headers,
            notes: Vec::new(),
        }
    }

    /// The cell for a header name or its snake_case key.
    pub fn get(&self, name_or_key: &str) -> Option<&str> {
        let i = self.headers.index_of(name_or_key)?;
        self.fields.get(i).map(String::as_str)
    }

    /// The columns a template sees: the file's, then the standard fields matched to them.
    pub fn headers(&self) -> &Arc<Headers> {
        &self.headers
    }
}

/// A streaming pass over the data rows: `Ok(record)` per row, `Err(problem)` for a ragged
/// row or a workbook cell showing an Excel error (the pass goes on) or an unreadable file (the
/// pass ends).
pub struct Records {
    from: RecordsFrom,
    /// Derives the standard fields; `None` when the file has them all under their names.
    plan: Option<Arc<FieldPlan>>,
    headers: Arc<Headers>,
    excluded: Arc<std::collections::BTreeSet<u64>>,
}

enum RecordsFrom {
    Csv(CsvRecords),
    Sheet(xlsx::SheetRecords),
}

impl Iterator for Records {
    type Item = Result<Record, Problem>;

    fn next(&mut self) -> Option<Self::Item> {
        let item = loop {
            let item = match &mut self.from {
                RecordsFrom::Csv(r) => r.next(),
                RecordsFrom::Sheet(r) => r.next(),
            }?;
            match &item {
                Ok(record) if self.excluded.contains(&record.row) => continue,
                _ => break item,
            }
        };
        let Some(plan) = &self.plan else {
            return Some(item);
        };
        Some(item.map(|mut record| {
            record.notes = plan.derive(record.row, &mut record.fields, &record.headers.names);
            record.headers = Arc::clone(&self.headers);
            record
        }))
    }
}

struct CsvRecords {
    reader: csv::Reader<Box<dyn Read + Send>>,
    record: ByteRecord,
    headers: Arc<Headers>,
    delimiter: u8,
    // Newlines inside quoted cells so far: the parser counts file lines, the spreadsheet
    // counts rows.
    embedded_newlines: u64,
    /// The row the next record starts on (for a record too long to be read whole).
    next_row: u64,
    budget: Budget,
    done: bool,
}

impl Iterator for CsvRecords {
    type Item = Result<Record, Problem>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.done {
            match self.reader.read_byte_record(&mut self.record) {
                Ok(false) => self.done = true,
                Err(_) if self.budget.over() => {
                    self.done = true;
                    let row = self.next_row;
                    return Some(Err(Problem::error(format!(
                        "row {row} is longer than {}, the longest row lettermerge reads",
                        human_size(MAX_RECORD_BYTES)
                    ))
                    .at_row(row)
                    .with_hint(format!(
                        "check row {row} for a quote that is never closed (it makes the rest of the file one cell), or that the file is the data you meant"
                    ))));
                }
                Err(e) => {
                    self.done = true;
                    let row = e
                        .position()
                        .map(|p| p.line().saturating_sub(self.embedded_newlines));
                    let mut problem = Problem::error(format!(
                        "the data file could not be read: {e}"
                    ))
                    .with_hint(
                        "export the spreadsheet again as CSV and check that the file is complete",
                    );
                    if let Some(row) = row {
                        problem = problem.at_row(row);
                    }
                    return Some(Err(problem));
                }
                Ok(true) => {
                    // Every record ends with `\n` (see `LineEnds`), so the parser's line
                    // count now is the record's last line + 1.
                    let inside = newlines_in(&self.record);
                    let end_line = self.reader.position().line();
                    let first_line = end_line.saturating_sub(1 + inside);
                    let row = first_line.saturating_sub(self.embedded_newlines);
                    self.embedded_newlines += inside;
                    self.next_row = end_line.saturating_sub(self.embedded_newlines);
                    self.budget.reset();
                    if self.record.iter().all(|f| f.is_empty()) {
                        // Excel leaves rows like ",,,," at the end of a sheet.
                        continue;
                    }
                    return Some(self.convert(row));
                }
            }
        }
        None
    }
}

impl CsvRecords {
    fn convert(&self, row: u64) -> Result<Record, Problem> {
        let expected = self.headers.len();
        let mut count = self.record.len();
        // Extra trailing empty cells (a stray delimiter at the line end) carry no data.
        while count > expected && self.record.get(count - 1).is_some_and(<[u8]>::is_empty) {
            count -= 1;
        }
        if count != expected {
            let what = match self.delimiter {
                b',' => "comma".to_string(),
                b';' => "semicolon".to_string(),
                b'\t' => "tab".to_string(),
                d => format!("`{}`", d as char),
            };
            let fields = if count == 1 { "field" } else { "fields" };
            return Err(Problem::error(format!(
                "row {row} has {count} {fields} but the header has {expected}"
            ))
            .at_row(row)
            .with_hint(format!(
                "check row {row} for an unquoted {what} or a missing quote"
            ))
            .grouped_as(format!(
                "the row has more or fewer fields than the header's {expected}"
            ))
            .with_group_hint(format!(
                "check those rows for an unquoted {what} or a missing quote"
            )));
        }
        if let Some(k) = self.record.iter().position(|f| f.len() > MAX_FIELD_BYTES) {
            let column = self.headers.names.get(k).cloned().unwrap_or_default();
            return Err(Problem::error(format!(
                "the cell in column \"{column}\" is longer than {}, the longest cell lettermerge reads",
                human_size(MAX_FIELD_BYTES as u64)
            ))
            .at_row(row)
            .in_column(column)
            .with_hint(format!(
                "check row {row} for a quote that is never closed, or shorten the cell"
            )));
        }
        let fields = self
            .record
            .iter()
            .take(expected)
            .map(|f| decode_field(f).into_owned())
            .collect();
        Ok(Record::new(row, fields, Arc::clone(&self.headers)))
    }
}

/// Bytes of the decoded (UTF-8) stream -> final cell text: CRLF as LF, NFC.
fn decode_field(bytes: &[u8]) -> Cow<'_, str> {
    let text = String::from_utf8_lossy(bytes);
    let text = if text.contains('\r') {
        Cow::Owned(text.replace("\r\n", "\n").replace('\r', "\n"))
    } else {
        text
    };
    if is_nfc_quick(text.chars()) == IsNormalized::Yes {
        text
    } else {
        Cow::Owned(text.nfc().collect())
    }
}

fn newlines_in(record: &ByteRecord) -> u64 {
    record
        .iter()
        .map(|f| f.iter().filter(|&&b| b == b'\n').count() as u64)
        .sum()
}

/// The file as a UTF-8 byte stream without BOM, whatever its encoding.
fn decoded_reader(
    path: &Path,
    encoding: &'static Encoding,
) -> Result<Box<dyn Read + Send>, DataError> {
    let file = open_data(path)?;
    let mut builder = DecodeReaderBytesBuilder::new();
    builder.strip_bom(true).bom_override(true);
    if sniff::needs_transcoding(encoding) {
        builder.encoding(Some(encoding));
    } else {
        // Already UTF-8 (checked when opened): pass the bytes through untouched.
        builder.encoding(None).utf8_passthru(true);
    }
    Ok(Box::new(builder.build(file)))
}

/// How far the CSV parser may read into one record: the record limit plus the parser's own
/// buffer, which it fills ahead of the record it is on.
const CSV_BUFFER: u64 = 64 * 1024;

fn csv_reader(
    path: &Path,
    encoding: &'static Encoding,
    delimiter: u8,
) -> Result<(csv::Reader<Box<dyn Read + Send>>, Budget), DataError> {
    let budget = Budget::default();
    let reader: Box<dyn Read + Send> = Box::new(Budgeted {
        inner: LineEnds::new(decoded_reader(path, encoding)?),
        budget: budget.clone(),
    });
    let reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .delimiter(delimiter)
        .buffer_capacity(CSV_BUFFER as usize)
        .from_reader(reader);
    Ok((reader, budget))
}

/// The bytes the CSV parser has read since the last whole record, shared between the
/// reader (which counts and stops) and the records pass (which resets after each record).
#[derive(Debug, Clone, Default)]
struct Budget(Arc<BudgetState>);

#[derive(Debug, Default)]
struct BudgetState {
    used: AtomicU64,
    over: AtomicBool,
}

impl Budget {
    fn reset(&self) {
        self.0.used.store(0, Ordering::Relaxed);
    }

    /// Whether the last read failed because a record went over [`MAX_RECORD_BYTES`].
    fn over(&self) -> bool {
        self.0.over.load(Ordering::Relaxed)
    }
}

/// Stops the CSV parser with an error once one record has taken more than
/// [`MAX_RECORD_BYTES`] (plus the parser's buffer), so memory stays bounded.
struct Budgeted<R> {
    inner: R,
    budget: Budget,
}

impl<R: Read> Read for Budgeted<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let used = self.budget.0.used.load(Ordering::Relaxed);
        if used > MAX_RECORD_BYTES + CSV_BUFFER {
            self.budget.0.over.store(true, Ordering::Relaxed);
            return Err(io::Error::other(format!(
                "a row is longer than {}",
                human_size(MAX_RECORD_BYTES)
            )));
        }
        let n = self.inner.read(buf)?;
        self.budget.0.used.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Opens the data file, which must be a regular file: it is read more than once (sniffed,
/// checked row by row, then read again to write), which a FIFO such as `<(...)` cannot do,
/// and a device such as `/dev/zero` never ends.
fn open_data(path: &Path) -> Result<File, DataError> {
    match open_regular(path) {
        Ok(file) => Ok(file),
        Err(InputError::Io { source, .. }) => Err(io_error(path, source)),
        Err(InputError::NotRegular { kind, .. }) => Err(DataError::NotRegular {
            path: path.to_path_buf(),
            kind,
        }),
        Err(other) => Err(DataError::Io {
            path: path.to_path_buf(),
            message: other.to_string(),
        }),
    }
}

fn record_limit_error(path: &Path, row: u64) -> DataError {
    DataError::Limit {
        path: path.to_path_buf(),
        message: format!(
            "row {row} is longer than {}, the longest row lettermerge reads; check for a quote that is never closed (it makes the rest of the file one cell), or that the file is the data you meant",
            human_size(MAX_RECORD_BYTES)
        ),
    }
}

fn check_whole_file_utf8(path: &Path, enc: &'static Encoding) -> Result<(), DataError> {
    let result = sniff::check_utf8(open_data(path)?).map_err(|e| io_error(path, e))?;
    result.map_err(|bad| DataError::Undecodable {
        path: path.to_path_buf(),
        encoding: enc.name().to_string(),
        line: bad.line,
    })
}

fn read_up_to(file: &mut File, buf: &mut [u8]) -> io::Result<usize> {
    let mut filled = 0;
    while filled < buf.len() {
        match file.read(&mut buf[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(filled)
}

fn io_error(path: &Path, e: io::Error) -> DataError {
    if e.kind() == io::ErrorKind::NotFound {
        DataError::NotFound {
            path: path.to_path_buf(),
        }
    } else {
        DataError::Io {
            path: path.to_path_buf(),
            message: e.to_string(),
        }
    }
}

fn csv_error(path: &Path, e: csv::Error) -> DataError {
    DataError::Csv {
        path: path.to_path_buf(),
        message: e.to_string(),
    }
}

fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

#[cfg(test)]
mod tests;
