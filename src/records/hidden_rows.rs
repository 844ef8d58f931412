//! Which rows of an .xlsx sheet are hidden in Excel (by a filter or by hand), read from the
//! sheet's XML: calamine gives values, not row visibility.
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

/// The 1-based numbers of the hidden rows of sheet `name`, ascending; empty when none are
/// hidden or the workbook cannot be read this way.
pub fn hidden_rows(path: &Path, name: &str) -> Vec<u64> {
    let Ok(file) = File::open(path) else {
        return Vec::new();
    };
    let Ok(mut zip) = ZipArchive::new(BufReader::new(file)) else {
        return Vec::new();
    };
    sheet_part(&mut zip, name)
        .and_then(|part| {
            let entry = zip.by_name(&part).ok()?;
            Some(hidden_in(BufReader::new(entry)))
        })
        .unwrap_or_default()
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

/// Rows with `hidden="1"` (or `true`) in the sheet XML.
fn hidden_in(reader: impl BufRead) -> Vec<u64> {
    let mut rows = Vec::new();
    let mut xml = Reader::from_reader(reader);
    let mut buf = Vec::new();
    loop {
        match xml.read_event_into(&mut buf) {
            Ok(Event::Start(e) | Event::Empty(e)) if e.local_name().as_ref() == "row" => {
                let hidden = matches!(attr(&e, "hidden").as_deref(), Some("1" | "true"));
                if let (true, Some(r)) = (hidden, attr(&e, "r").and_then(|r| r.parse().ok())) {
                    rows.push(r);
                }
            }
            Ok(Event::End(e)) if e.local_name().as_ref() == "sheetData" => break,
            Ok(Event::Eof) | Err(_) => break,
            _ => {}
        }
        buf.clear();
    }
    rows.sort_unstable();
    rows
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
    use super::hidden_in;

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
