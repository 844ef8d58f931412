//! Bounds on what a workbook's zip (.xlsx, .xlsm, .ods) inflates to, checked before calamine
//! reads any of it: a small file must not be able to fill the memory (a zip bomb, a shared
//! strings part of 1 MB that inflates to 1 GiB, a string table that claims a billion entries).
//!
//! Every XML part is inflated once here through a counting reader that stops one byte past
//! the limit, so a declared size that lies cannot get past; the declared sizes are checked
//! first so that an honest giant is refused without inflating anything.

use super::DataError;
use crate::input_file::human_size;
use quick_xml::events::Event;
use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::Path;
use zip::ZipArchive;

/// Zip entries in one workbook. A real workbook has a few dozen parts (a few hundred with
/// many sheets, charts and images); the zip reader keeps every entry's name in memory, so a
/// central directory of millions of entries is refused.
pub const MAX_ZIP_ENTRIES: usize = 10_000;

/// The inflated size of one XML part. A sheet of 100,000 officials with 30 columns is about
/// 100 MiB of XML; twice that leaves room while keeping the text calamine holds well under
/// the 1 GiB a run may use.
pub const MAX_PART_BYTES: u64 = 200 * 1024 * 1024;

/// The inflated size of all XML parts together: the sheet and the shared strings of the
/// largest real data workbook fit, a bomb spread over many parts does not.
pub const MAX_TOTAL_BYTES: u64 = 400 * 1024 * 1024;

/// How many times larger than its compressed size a part may inflate. Spreadsheet XML
/// compresses 5 to 30 times (a column of identical cells up to about 100); deflate's own
/// maximum is about 1,000, which only a bomb reaches.
pub const MAX_INFLATION_RATIO: u64 = 200;

/// Parts smaller than this are not held to the ratio: a tiny part of repeated tags can
/// compress far better than 200 times and costs nothing to read.
pub const RATIO_FREE_BYTES: u64 = 4 * 1024 * 1024;

/// Entries of the shared-strings table. Each costs a string header in memory even when
/// empty (`<si/>` is 5 bytes of XML), and calamine reserves the count the table declares;
/// 2 million is far more distinct texts than any list of officials has.
pub const MAX_SHARED_STRINGS: u64 = 2_000_000;

/// The grid an OpenDocument sheet may span, from its first filled cell to its last (rows ×
/// columns). calamine builds an .ods sheet as one dense grid of that size (about 32 bytes a
/// cell) before lettermerge sees a cell, and a row or cell "repeated" a million times costs
/// a few bytes of XML; 5 million cells (160 MiB) is the bound the .xlsx reader puts on
/// filled cells, and more than any list of officials spans.
pub const MAX_ODS_GRID_CELLS: u64 = 5_000_000;

/// Checks the workbook's zip before it is read. `Ok` when the file is not a zip at all
/// (calamine then says what it is not).
pub fn check(path: &Path) -> Result<(), DataError> {
    let file = File::open(path).map_err(|e| super::io_error(path, e))?;
    let Ok(mut zip) = ZipArchive::new(BufReader::new(file)) else {
        return Ok(());
    };
    let limit = |message: String| DataError::Limit {
        path: path.to_path_buf(),
        message,
    };
    if zip.len() > MAX_ZIP_ENTRIES {
        return Err(limit(format!(
            "its zip holds {} entries, more than the {MAX_ZIP_ENTRIES} a workbook may have; the file is damaged or not a real workbook: open it in Excel and save it again",
            zip.len()
        )));
    }
    let mut total = 0u64;
    for i in 0..zip.len() {
        let Ok(entry) = zip.by_index(i) else {
            // A damaged entry: calamine reports it if it needs that part.
            continue;
        };
        let name = entry
            .name()
            .map(|n| n.into_owned())
            .unwrap_or_else(|_| format!("entry {}", i + 1));
        let lower = name.to_ascii_lowercase();
        if !(lower.ends_with(".xml") || lower.ends_with(".rels")) {
            // Images and other binary parts are never inflated by the data reader.
            continue;
        }
        let compressed = entry.compressed_size();
        let declared = entry.size();
        let part_error = |inflated: u64| part_limit(path, &name, inflated, compressed);
        if let Some(e) = part_error(declared) {
            return Err(e);
        }
        let mut guarded = Guarded {
            inner: entry,
            read: 0,
            compressed,
            over: false,
        };
        let outcome = if lower.ends_with("sharedstrings.xml") {
            count_shared_strings(&mut guarded)
        } else if lower == "content.xml" {
            ods_grid(&mut guarded).map(|r| {
                r.map_err(|(table, cells)| {
                    format!(
                        "sheet \"{table}\" spans {cells} cells from its first filled cell to its last (counting repeated rows and cells), over the limit of {MAX_ODS_GRID_CELLS}; delete the stray cells far below or to the right of the data, or save the sheet as .xlsx or CSV"
                    )
                })
            })
        } else {
            io::copy(&mut guarded, &mut io::sink())
                .map(|_| Ok(()))
                .map_err(|e| e.to_string())
        };
        if guarded.over {
            return Err(part_error(guarded.read)
                .unwrap_or_else(|| limit(format!("part {name} is over a size limit"))));
        }
        match outcome {
            Ok(Ok(())) => {}
            Ok(Err(message)) => return Err(limit(message)),
            Err(message) => {
                return Err(DataError::Workbook {
                    path: path.to_path_buf(),
                    message: format!("part {name} cannot be read: {message}"),
                })
            }
        }
        total += guarded.read;
        if total > MAX_TOTAL_BYTES {
            return Err(limit(format!(
                "its XML parts inflate to more than {} together, the most lettermerge reads from one workbook; split the data into smaller workbooks or export the sheet as CSV",
                human_size(MAX_TOTAL_BYTES)
            )));
        }
    }
    Ok(())
}

/// The error for a part that inflates to `inflated` bytes from `compressed`, if that is
/// over a limit.
fn part_limit(path: &Path, name: &str, inflated: u64, compressed: u64) -> Option<DataError> {
    let message = if inflated > MAX_PART_BYTES {
        format!(
            "part {name} inflates to more than {}, the most lettermerge reads from one part of a workbook; split the data into smaller workbooks or export the sheet as CSV",
            human_size(MAX_PART_BYTES)
        )
    } else if over_ratio(inflated, compressed) {
        format!(
            "part {name} inflates more than {MAX_INFLATION_RATIO} times its compressed size, as only a zip bomb does; the file is damaged or hostile: do not use it, or open it in Excel and save it again"
        )
    } else {
        return None;
    };
    Some(DataError::Limit {
        path: path.to_path_buf(),
        message,
    })
}

fn over_ratio(inflated: u64, compressed: u64) -> bool {
    inflated > RATIO_FREE_BYTES && inflated > compressed.saturating_mul(MAX_INFLATION_RATIO)
}

/// A reader that counts the inflated bytes and fails as soon as the part goes over the
/// size or ratio limit (`over` says that was why).
struct Guarded<R> {
    inner: R,
    read: u64,
    compressed: u64,
    over: bool,
}

impl<R: Read> Read for Guarded<R> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        // Never ask for more than one byte past the limit.
        let room = (MAX_PART_BYTES + 1).saturating_sub(self.read);
        let want = buf.len().min(usize::try_from(room).unwrap_or(usize::MAX));
        let n = self.inner.read(&mut buf[..want])?;
        self.read += n as u64;
        if self.read > MAX_PART_BYTES || over_ratio(self.read, self.compressed) {
            self.over = true;
            return Err(io::Error::other("over the limit"));
        }
        Ok(n)
    }
}

/// Reads the whole shared-strings part, counting its entries (and its declared count).
/// `Ok(Err(n))` when there are too many.
fn count_shared_strings(reader: &mut impl Read) -> Result<Result<(), String>, String> {
    Ok(shared_strings_count(reader)?.map_err(|count| {
        format!(
            "its shared-strings table holds {count} entries or more, over the limit of {MAX_SHARED_STRINGS}; save the workbook again in Excel, or export the sheet as CSV"
        )
    }))
}

/// The span of filled cells of each table of an OpenDocument `content.xml`, with repeated
/// rows and cells counted as calamine expands them; `Err((table, cells))` for the first
/// table over [`MAX_ODS_GRID_CELLS`]. A cell is filled when it has a value type or content.
fn ods_grid(reader: &mut impl Read) -> Result<Result<(), (String, u64)>, String> {
    let mut xml = quick_xml::Reader::from_reader(BufReader::new(reader));
    xml.config_mut().check_end_names = false;
    let mut buf = Vec::new();
    let repeat = |e: &quick_xml::events::BytesStart, key: &str| -> u64 {
        e.attributes()
            .flatten()
            .find(|a| a.key.as_ref() == key)
            .and_then(|a| a.value.trim().parse::<u64>().ok())
            .unwrap_or(1)
            .max(1)
    };
    let (mut table, mut row, mut col, mut row_repeat) = (String::new(), 0u64, 0u64, 1u64);
    // (first row, last row, first column, last column) of the filled cells of this table.
    let mut span: Option<(u64, u64, u64, u64)> = None;
    let mut open_cell: Option<(u64, u64)> = None;
    let area = |s: Option<(u64, u64, u64, u64)>| {
        s.map_or(0, |(r0, r1, c0, c1)| {
            (r1 - r0)
                .saturating_add(1)
                .saturating_mul((c1 - c0).saturating_add(1))
        })
    };
    let fill = |span: &mut Option<(u64, u64, u64, u64)>, r0: u64, r1: u64, c0: u64, c1: u64| {
        *span = Some(match *span {
            None => (r0, r1, c0, c1),
            Some((a, b, c, d)) => (a.min(r0), b.max(r1), c.min(c0), d.max(c1)),
        });
    };
    loop {
        let event = xml.read_event_into(&mut buf).map_err(|e| e.to_string())?;
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let empty = matches!(event, Event::Empty(_));
                match e.name().as_ref() {
                    "table:table" => {
                        table = e
                            .attributes()
                            .flatten()
                            .find(|a| a.key.as_ref() == "table:name")
                            .map(|a| a.value.to_string())
                            .unwrap_or_default();
                        (row, span) = (0, None);
                    }
                    "table:table-row" => {
                        row_repeat = repeat(e, "table:number-rows-repeated");
                        col = 0;
                        if empty {
                            row = row.saturating_add(row_repeat);
                        }
                    }
                    "table:table-cell" | "table:covered-table-cell" => {
                        let n = repeat(e, "table:number-columns-repeated");
                        let (c0, c1) = (col, col.saturating_add(n - 1));
                        col = col.saturating_add(n);
                        let valued = e.attributes().flatten().any(|a| {
                            a.key.as_ref() == "office:value-type"
                                || a.key.as_ref() == "calcext:value-type"
                        });
                        if valued {
                            fill(&mut span, row, row.saturating_add(row_repeat - 1), c0, c1);
                        } else if !empty {
                            open_cell = Some((c0, c1));
                        }
                    }
                    _ => {
                        // Content inside a cell without a value type (text:p) fills it.
                        if let Some((c0, c1)) = open_cell.take() {
                            fill(&mut span, row, row.saturating_add(row_repeat - 1), c0, c1);
                        }
                    }
                }
                if area(span) > MAX_ODS_GRID_CELLS {
                    return Ok(Err((table, area(span))));
                }
            }
            Event::End(ref e) => match e.name().as_ref() {
                "table:table-row" => row = row.saturating_add(row_repeat),
                "table:table-cell" | "table:covered-table-cell" => open_cell = None,
                _ => {}
            },
            Event::Eof => return Ok(Ok(())),
            _ => {}
        }
        buf.clear();
    }
}

fn shared_strings_count(reader: &mut impl Read) -> Result<Result<(), u64>, String> {
    let mut xml = quick_xml::Reader::from_reader(BufReader::new(reader));
    xml.config_mut().check_end_names = false;
    let mut buf = Vec::new();
    let mut count = 0u64;
    loop {
        match xml.read_event_into(&mut buf) {
            Ok(Event::Start(e) | Event::Empty(e)) => match e.local_name().as_ref() {
                "si" => {
                    count += 1;
                    if count > MAX_SHARED_STRINGS {
                        return Ok(Err(count));
                    }
                }
                "sst" => {
                    for a in e.attributes().flatten() {
                        let key = a.key.local_name();
                        if key.as_ref() == "uniqueCount" || key.as_ref() == "count" {
                            let declared = a.value.trim().parse::<u64>().ok();
                            match declared {
                                Some(n)
                                    if n > MAX_SHARED_STRINGS && key.as_ref() == "uniqueCount" =>
                                {
                                    return Ok(Err(n))
                                }
                                _ => {}
                            }
                        }
                    }
                }
                _ => {}
            },
            Ok(Event::Eof) => return Ok(Ok(())),
            Err(e) => return Err(e.to_string()),
            _ => {}
        }
        buf.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::{check, MAX_INFLATION_RATIO, MAX_SHARED_STRINGS};
    use crate::records::DataError;
    use std::io::Write;
    use zip::write::SimpleFileOptions;

    fn zip_with(dir: &std::path::Path, parts: &[(&str, &[u8])]) -> std::path::PathBuf {
        let path = dir.join("book.xlsx");
        let file = std::fs::File::create(&path).unwrap();
        let mut zip = zip::ZipWriter::new(file);
        let opts =
            SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        for (name, bytes) in parts {
            zip.start_file(*name, opts).unwrap();
            zip.write_all(bytes).unwrap();
        }
        zip.finish().unwrap();
        path
    }

    #[test]
    fn a_zip_bomb_part_is_refused_by_its_ratio() {
        let dir = tempfile::tempdir().unwrap();
        let bomb = vec![b' '; 64 * 1024 * 1024];
        let path = zip_with(dir.path(), &[("xl/sharedStrings.xml", &bomb)]);
        let err = check(&path).unwrap_err();
        assert!(matches!(err, DataError::Limit { .. }), "{err:?}");
        let text = err.to_string();
        assert!(text.contains("xl/sharedStrings.xml"), "{text}");
        assert!(
            text.contains(&format!("more than {MAX_INFLATION_RATIO} times")),
            "{text}"
        );
    }

    #[test]
    fn a_shared_string_count_over_the_limit_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let sst = format!(r#"<sst uniqueCount="{}"><si><t>a</t></si></sst>"#, u64::MAX);
        let path = zip_with(dir.path(), &[("xl/sharedStrings.xml", sst.as_bytes())]);
        let text = check(&path).unwrap_err().to_string();
        assert!(
            text.contains(&format!("over the limit of {MAX_SHARED_STRINGS}")),
            "{text}"
        );
    }

    #[test]
    fn ordinary_parts_pass() {
        let dir = tempfile::tempdir().unwrap();
        let path = zip_with(
            dir.path(),
            &[
                (
                    "xl/sharedStrings.xml",
                    b"<sst uniqueCount=\"1\"><si><t>a</t></si></sst>",
                ),
                ("xl/media/image1.png", &[0u8; 1000]),
            ],
        );
        check(&path).unwrap();
    }

    fn ods_content(rows: &str) -> Vec<u8> {
        format!(
            "<?xml version=\"1.0\"?><office:document-content xmlns:office=\"o\" xmlns:table=\"t\" xmlns:text=\"x\"><office:body><office:spreadsheet><table:table table:name=\"Officials\">{rows}</table:table></office:spreadsheet></office:body></office:document-content>"
        )
        .into_bytes()
    }

    #[test]
    fn an_ods_sheet_spanning_a_huge_grid_is_refused_and_trailing_empties_are_not_counted() {
        let dir = tempfile::tempdir().unwrap();
        let a1 = "<table:table-row><table:table-cell office:value-type=\"string\"><text:p>Name</text:p></table:table-cell>\
                  <table:table-cell table:number-columns-repeated=\"16383\"/></table:table-row>";
        // What LibreOffice writes for an ordinary sheet: a filled row, then the rest of the
        // sheet as repeated empty rows and cells. Its span is one cell.
        let ordinary = format!(
            "{a1}<table:table-row table:number-rows-repeated=\"1048575\"><table:table-cell table:number-columns-repeated=\"16384\"/></table:table-row>"
        );
        let path = zip_with(dir.path(), &[("content.xml", &ods_content(&ordinary))]);
        check(&path).unwrap();
        // One stray text cell far below and to the right: 1,000,000 x 16,000 cells.
        let stray = format!(
            "{a1}<table:table-row table:number-rows-repeated=\"999998\"><table:table-cell/></table:table-row>\
             <table:table-row><table:table-cell table:number-columns-repeated=\"15999\"/><table:table-cell><text:p>x</text:p></table:table-cell></table:table-row>"
        );
        let path = zip_with(dir.path(), &[("content.xml", &ods_content(&stray))]);
        match check(&path) {
            Err(DataError::Limit { message, .. }) => {
                assert!(message.contains("sheet \"Officials\""), "{message}");
                assert!(message.contains("5000000"), "{message}");
            }
            other => panic!("a huge .ods grid got past: {other:?}"),
        }
        // A filled row repeated a million times spans a million rows too.
        let repeated = "<table:table-row table:number-rows-repeated=\"1000000\"><table:table-cell office:value-type=\"float\" table:number-columns-repeated=\"10\"/></table:table-row>";
        let path = zip_with(dir.path(), &[("content.xml", &ods_content(repeated))]);
        assert!(matches!(check(&path), Err(DataError::Limit { .. })));
    }
}

#[cfg(test)]
mod lying_sizes {
    use super::check;
    use crate::records::DataError;
    use std::io::Write;

    /// A part whose local and central headers declare 100 bytes but which inflates to
    /// 64 MiB: the counter, not the declaration, decides.
    #[test]
    fn a_declared_size_that_lies_does_not_get_past() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("liar.xlsx");
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let opts = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        zip.start_file("xl/worksheets/sheet1.xml", opts).unwrap();
        zip.write_all(&vec![b' '; 64 * 1024 * 1024]).unwrap();
        let mut bytes = zip.finish().unwrap().into_inner();
        let size = (64u32 * 1024 * 1024).to_le_bytes();
        let small = 100u32.to_le_bytes();
        // Every copy of the true size (local header, data descriptor, central directory).
        let mut i = 0;
        while i + 4 <= bytes.len() {
            if bytes[i..i + 4] == size {
                bytes[i..i + 4].copy_from_slice(&small);
            }
            i += 1;
        }
        std::fs::write(&path, &bytes).unwrap();
        match check(&path) {
            Err(DataError::Limit { message, .. }) => {
                assert!(message.contains("sheet1.xml"), "{message}")
            }
            // The zip reader itself refuses an entry larger than it declares.
            Err(DataError::Workbook { message, .. }) => {
                assert!(message.contains("sheet1.xml"), "{message}")
            }
            other => panic!("a lying size got past: {other:?}"),
        }
    }
}
