//! An .xlsx sheet's layout read from its XML: which rows are hidden in Excel (by a filter or
//! by hand; calamine gives values, not row visibility), the merged ranges (bounded), and a
//! check of every cell reference against the sheet's limits before calamine reads them.
//!
//! Hidden rows are read like the others (a letter must not vanish because of a filter left
//! on in Excel), but the user is told which ones they are. This is best effort: a workbook
//! laid out unusually just gives no notice.

use quick_xml::events::{BytesStart, Event};
use quick_xml::{Reader, XmlVersion};
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek};
use std::path::Path;
use zip::ZipArchive;

/// The most rows a sheet has (Excel's limit, also the .xlsx format's): a cell reference
/// past it is damage, not data.
pub const MAX_ROWS: u32 = 1_048_576;

/// The most columns a sheet has (Excel's limit, column XFD).
pub const MAX_COLUMNS: u32 = 16_384;

/// Merged ranges read from one sheet. Real sheets merge a few hundred ranges (titles, a
/// state down a block of rows); each range costs a little memory and a look-up per row it
/// covers, so a sheet of hundreds of thousands is refused rather than read for minutes.
pub const MAX_MERGED_RANGES: usize = 100_000;

/// A merged range, 0-based and inclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Merge {
    pub top: u32,
    pub left: u32,
    pub bottom: u32,
    pub right: u32,
}

/// What the sheet XML says beyond the values: hidden rows (1-based, ascending) and merged
/// ranges.
#[derive(Debug, Default)]
pub struct Layout {
    pub hidden: Vec<u64>,
    pub merges: Vec<Merge>,
}

/// Reads sheet `name`'s XML once for its layout, and checks every cell reference in it
/// against the sheet's limits, before calamine reads it (calamine's reference arithmetic
/// overflows on a reference like `A99999999999`). A workbook laid out unusually (the sheet
/// part not found this way) gives an empty layout. `Err` names the sheet and the bad
/// reference, or the merged-range limit.
pub fn layout(path: &Path, name: &str) -> Result<Layout, String> {
    let Ok(file) = File::open(path) else {
        return Ok(Layout::default());
    };
    let Ok(mut zip) = ZipArchive::new(BufReader::new(file)) else {
        return Ok(Layout::default());
    };
    let Some(part) = sheet_part(&mut zip, name) else {
        return Ok(Layout::default());
    };
    let Ok(entry) = zip.by_name(&part) else {
        return Ok(Layout::default());
    };
    layout_in(BufReader::new(entry)).map_err(|e| format!("sheet \"{name}\" ({part}): {e}"))
}

/// The zip path of the sheet's XML: `xl/workbook.xml` gives the sheet's relationship id,
/// `xl/_rels/workbook.xml.rels` the file it points at.
fn sheet_part<R: Read + Seek>(zip: &mut ZipArchive<R>, name: &str) -> Option<String> {
    let mut rid = None;
    each_element(zip.by_name("xl/workbook.xml").ok()?, |e| {
        if e.local_name().as_ref() == "sheet" && attr(e, "name").as_deref() == Some(name) {
            rid = e.attributes().flatten().find_map(|a| {
                (a.key.local_name().as_ref() == "id" && a.key.prefix().is_some())
                    .then(|| a.normalized_value(XmlVersion::Implicit1_0).ok())
                    .flatten()
                    .map(|v| v.into_owned())
            });
        }
    });
    let rid = rid?;
    let mut target = None;
    each_element(zip.by_name("xl/_rels/workbook.xml.rels").ok()?, |e| {
        if e.local_name().as_ref() == "Relationship" && attr(e, "Id").as_deref() == Some(&rid) {
            target = attr(e, "Target");
        }
    });
    let target = target?;
    Some(match target.strip_prefix('/') {
        Some(absolute) => absolute.to_string(),
        None => format!("xl/{target}"),
    })
}

/// Hidden rows (`hidden="1"` or `true`) and merged ranges of a sheet XML, with every
/// cell reference checked.
fn layout_in(reader: impl BufRead) -> Result<Layout, String> {
    // One bit per possible row, so that repeated `<row hidden="1">` elements cost nothing.
    let mut hidden = vec![0u64; MAX_ROWS as usize / 64 + 1];
    let mut merges = Vec::new();
    let mut xml = Reader::from_reader(reader);
    xml.config_mut().check_end_names = false;
    let mut buf = Vec::new();
    let mut in_sheet_data = false;
    loop {
        match xml.read_event_into(&mut buf) {
            Ok(Event::Start(e)) if e.local_name().as_ref() == "sheetData" => in_sheet_data = true,
            Ok(Event::Start(e) | Event::Empty(e)) => match e.local_name().as_ref() {
                "row" if in_sheet_data => {
                    if let Some(r) = attr(&e, "r") {
                        let row = parse_row(&r).ok_or_else(|| {
                            format!("row number `{r}` is outside the sheet's {MAX_ROWS} rows")
                        })?;
                        if matches!(attr(&e, "hidden").as_deref(), Some("1" | "true")) {
                            hidden[row as usize / 64] |= 1 << (row % 64);
                        }
                    }
                }
                "c" if in_sheet_data => {
                    if let Some(r) = attr(&e, "r") {
                        parse_ref(&r).ok_or_else(|| bad_ref(&r))?;
                    }
                }
                "dimension" => {
                    if let Some(r) = attr(&e, "ref") {
                        parse_range(&r).ok_or_else(|| bad_ref(&r))?;
                    }
                }
                "mergeCell" => {
                    if let Some(r) = attr(&e, "ref") {
                        let m = parse_range(&r).ok_or_else(|| bad_ref(&r))?;
                        if merges.len() >= MAX_MERGED_RANGES {
                            return Err(format!(
                                "it has more than {MAX_MERGED_RANGES} merged ranges, the most lettermerge reads from one sheet; unmerge the cells (Home > Merge & Center > Unmerge Cells) and save again"
                            ));
                        }
                        merges.push(m);
                    }
                }
                _ => {}
            },
            Ok(Event::End(e)) if e.local_name().as_ref() == "sheetData" => {
                in_sheet_data = false;
            }
            Ok(Event::Eof) => break,
            // Damaged XML: calamine reports it when it reads the values.
            Err(_) => break,
            _ => {}
        }
        buf.clear();
    }
    let hidden = hidden
        .iter()
        .enumerate()
        .flat_map(|(w, bits)| {
            (0..64)
                .filter(move |b| bits & (1u64 << b) != 0)
                .map(move |b| (w * 64 + b) as u64)
        })
        .collect();
    Ok(Layout { hidden, merges })
}

fn bad_ref(r: &str) -> String {
    format!(
        "cell reference `{r}` is not a cell of a sheet (at most {MAX_ROWS} rows and {MAX_COLUMNS} columns, A1 to XFD{MAX_ROWS}); the file is damaged: open it in Excel and save it again"
    )
}

/// A 1-based row number within the sheet's limits.
fn parse_row(s: &str) -> Option<u32> {
    let s = s.trim();
    if s.is_empty() || s.len() > 7 || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let row: u32 = s.parse().ok()?;
    (1..=MAX_ROWS).contains(&row).then_some(row)
}

/// `B7` -> (6, 1): a cell reference, 0-based (row, column), within the sheet's limits.
pub fn parse_ref(s: &str) -> Option<(u32, u32)> {
    let letters = s.bytes().take_while(u8::is_ascii_alphabetic).count();
    if !(1..=3).contains(&letters) {
        return None;
    }
    let col = s[..letters].bytes().fold(0u32, |n, b| {
        n * 26 + u32::from(b.to_ascii_uppercase() - b'A') + 1
    });
    if col > MAX_COLUMNS {
        return None;
    }
    let row = parse_row(&s[letters..])?;
    Some((row - 1, col - 1))
}

/// `A1:B9` (or a lone `C3`) as a range whose end is not before its start.
fn parse_range(s: &str) -> Option<Merge> {
    let (a, b) = s.split_once(':').unwrap_or((s, s));
    let (top, left) = parse_ref(a)?;
    let (bottom, right) = parse_ref(b)?;
    (bottom >= top && right >= left).then_some(Merge {
        top,
        left,
        bottom,
        right,
    })
}

fn each_element(reader: impl Read, mut f: impl FnMut(&BytesStart<'_>)) {
    let mut xml = Reader::from_reader(BufReader::new(reader));
    let mut buf = Vec::new();
    loop {
        match xml.read_event_into(&mut buf) {
            Ok(Event::Start(e) | Event::Empty(e)) => f(&e),
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
        buf.clear();
    }
}

fn attr(e: &BytesStart<'_>, key: &str) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == key)
        .and_then(|a| a.normalized_value(XmlVersion::Implicit1_0).ok())
        .map(|v| v.into_owned())
}

#[cfg(test)]
mod tests {
    use super::{layout_in, parse_ref, Merge, MAX_MERGED_RANGES};

    fn hidden_in(xml: &[u8]) -> Vec<u64> {
        layout_in(xml).unwrap().hidden
    }

    #[test]
    fn references_past_the_sheet_are_refused() {
        assert_eq!(parse_ref("A1"), Some((0, 0)));
        assert_eq!(parse_ref("XFD1048576"), Some((1_048_575, 16_383)));
        assert_eq!(parse_ref("xfd2"), Some((1, 16_383)));
        for bad in [
            "XFE1",
            "A1048577",
            "A0",
            "A",
            "1",
            "AAAA1",
            "A99999999999",
            "A-1",
            "A1x",
            "",
        ] {
            assert_eq!(parse_ref(bad), None, "{bad}");
            let xml = format!(
                r#"<worksheet><sheetData><row r="1"><c r="{bad}"/></row></sheetData></worksheet>"#
            );
            let err = layout_in(xml.as_bytes()).unwrap_err();
            assert!(err.contains("is not a cell of a sheet"), "{err}");
        }
        let backwards = r#"<worksheet><dimension ref="B2:A1"/><sheetData/></worksheet>"#;
        assert!(layout_in(backwards.as_bytes()).is_err());
    }

    #[test]
    fn merges_are_read_and_bounded() {
        let xml = r#"<worksheet><sheetData/><mergeCells><mergeCell ref="A2:A1048576"/><mergeCell ref="C3"/></mergeCells></worksheet>"#;
        assert_eq!(
            layout_in(xml.as_bytes()).unwrap().merges,
            [
                Merge {
                    top: 1,
                    left: 0,
                    bottom: 1_048_575,
                    right: 0
                },
                Merge {
                    top: 2,
                    left: 2,
                    bottom: 2,
                    right: 2
                }
            ]
        );
        let many: String = (0..=MAX_MERGED_RANGES)
            .map(|_| r#"<mergeCell ref="A1:A9"/>"#)
            .collect();
        let xml = format!("<worksheet><mergeCells>{many}</mergeCells></worksheet>");
        let err = layout_in(xml.as_bytes()).unwrap_err();
        assert!(
            err.contains(&format!("more than {MAX_MERGED_RANGES} merged ranges")),
            "{err}"
        );
    }

    #[test]
    fn hidden_rows_from_sheet_xml() {
        let xml = r#"<worksheet><sheetData>
            <row r="1"><c r="A1"/></row>
            <row r="3" hidden="1"><c r="A3"/></row>
            <row r="4" hidden="true" spans="1:2"/>
            <row r="5" hidden="0"/>
            </sheetData><rowBreaks><row r="9" hidden="1"/></rowBreaks></worksheet>"#;
        assert_eq!(hidden_in(xml.as_bytes()), [3, 4]);
    }
}
