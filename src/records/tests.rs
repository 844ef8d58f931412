//! Tests for the data reader, on real files in a temp folder.

use super::{DataError, DataOptions, DataSource, Record};
use crate::problem::Problem;
use std::path::PathBuf;

struct Fixture {
    _dir: tempfile::TempDir,
    path: PathBuf,
}

fn file(bytes: &[u8]) -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("data.csv");
    std::fs::write(&path, bytes).unwrap();
    Fixture { _dir: dir, path }
}

fn open(f: &Fixture) -> DataSource {
    DataSource::open(&f.path, &DataOptions::default()).unwrap()
}

fn all(src: &DataSource) -> Vec<Result<Record, Problem>> {
    src.records().unwrap().collect()
}

fn ok_rows(src: &DataSource) -> Vec<(u64, Vec<String>)> {
    all(src)
        .into_iter()
        .map(|r| {
            let mut r = r.unwrap();
            // The file's own cells; the standard fields derived from them follow.
            r.fields.truncate(src.file_headers().len());
            (r.row, r.fields)
        })
        .collect()
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

#[test]
fn utf8_with_bom() {
    let f = file("\u{feff}Name,Email\nZoë,z@example.org\n".as_bytes());
    let src = open(&f);
    assert_eq!(src.encoding_name(), "UTF-8");
    assert_eq!(src.file_headers().names, ["Name", "Email"]);
    assert!(src.notices().is_empty());
    assert_eq!(ok_rows(&src), [(2, strings(&["Zoë", "z@example.org"]))]);
}

#[test]
fn windows_1252_semicolons_from_excel() {
    // "Müller;Zoë;García — ok" in Windows-1252 (0x97 is the em dash).
    let mut bytes = b"Name;Vorname;Note\r\n".to_vec();
    bytes.extend_from_slice(b"M\xfcller;Zo\xeb;Garc\xeda \x97 ok\r\n");
    let f = file(&bytes);
    let src = open(&f);
    assert_eq!(src.encoding_name(), "windows-1252");
    assert_eq!(src.delimiter(), b';');
    assert_eq!(
        src.notices(),
        ["data.csv is not UTF-8; reading it as Windows-1252 (set --encoding to override)"]
    );
    let rows = ok_rows(&src);
    assert_eq!(rows, [(2, strings(&["Müller", "Zoë", "García — ok"]))]);
}

#[test]
fn explicit_encoding_is_used_and_checked() {
    let f = file(b"Name\nM\xfcller\n");
    let opts = DataOptions {
        encoding: Some("utf-8".into()),
        delimiter: None,
        sheet: None,
        ..DataOptions::default()
    };
    let err = DataSource::open(&f.path, &opts).unwrap_err();
    assert!(
        matches!(err, DataError::Undecodable { line: 2, .. }),
        "{err:?}"
    );
    assert!(err
        .to_string()
        .contains("data.csv is not valid UTF-8 (first bad byte on line 2)"));

    let opts = DataOptions {
        encoding: Some("latin1".into()),
        delimiter: None,
        sheet: None,
        ..DataOptions::default()
    };
    let src = DataSource::open(&f.path, &opts).unwrap();
    assert!(src.notices().is_empty());
    assert_eq!(ok_rows(&src), [(2, strings(&["Müller"]))]);

    let opts = DataOptions {
        encoding: Some("klingon".into()),
        delimiter: None,
        sheet: None,
        ..DataOptions::default()
    };
    let err = DataSource::open(&f.path, &opts).unwrap_err();
    assert!(
        err.to_string().contains("`klingon` is not an encoding"),
        "{err}"
    );
}

#[test]
fn utf16_with_bom_is_decoded() {
    let text = "Name\tTown\r\nZoë\tSpringfield\r\n";
    let mut bytes = vec![0xff, 0xfe];
    for unit in text.encode_utf16() {
        bytes.extend_from_slice(&unit.to_le_bytes());
    }
    let f = file(&bytes);
    let src = open(&f);
    assert_eq!(src.encoding_name(), "UTF-16LE");
    assert_eq!(src.delimiter(), b'\t');
    assert_eq!(src.file_headers().names, ["Name", "Town"]);
    assert_eq!(ok_rows(&src), [(2, strings(&["Zoë", "Springfield"]))]);
}

#[test]
fn tab_delimited() {
    let f = file(b"First Name\tLast Name\nJane\tDoe, Jr.\n");
    let src = open(&f);
    assert_eq!(src.delimiter(), b'\t');
    let rows = all(&src);
    let rec = rows[0].as_ref().unwrap();
    assert_eq!(rec.get("first_name"), Some("Jane"));
    assert_eq!(rec.get("Last Name"), Some("Doe, Jr."));
}

#[test]
fn quoted_fields_with_commas_quotes_and_newlines() {
    let f = file(
        b"Name,Address,Note\r\n\"Doe, Jane\",\"1 Main St\r\nApt 2\",\"She said \"\"hi\"\"\"\r\n",
    );
    let src = open(&f);
    assert_eq!(
        ok_rows(&src),
        [(
            2,
            strings(&["Doe, Jane", "1 Main St\nApt 2", "She said \"hi\""])
        )]
    );
}

#[test]
fn ragged_rows_are_numbered_as_the_spreadsheet_after_multiline_cells() {
    let f = file(
        b"a,b,c\n\
          1,\"two\nlines\nhere\",3\n\
          4,5\n\
          6,7,8\n\
          9,10,11,12\n\
          13,14,15,,\n",
    );
    let src = open(&f);
    let rows = all(&src);
    assert_eq!(rows.len(), 5);
    assert_eq!(rows[0].as_ref().unwrap().row, 2);
    let p = rows[1].as_ref().unwrap_err();
    assert_eq!(p.row, Some(3));
    assert_eq!(p.message, "row 3 has 2 fields but the header has 3");
    assert!(p
        .hint
        .as_deref()
        .unwrap()
        .contains("unquoted comma or a missing quote"));
    assert_eq!(rows[2].as_ref().unwrap().row, 4);
    assert_eq!(
        rows[2].as_ref().unwrap().fields[..3],
        strings(&["6", "7", "8"])
    );
    let p = rows[3].as_ref().unwrap_err();
    assert_eq!(p.row, Some(5));
    assert_eq!(p.message, "row 5 has 4 fields but the header has 3");
    // Trailing empty cells from a stray delimiter are not an error.
    assert_eq!(rows[4].as_ref().unwrap().row, 6);
    assert_eq!(
        rows[4].as_ref().unwrap().fields[..3],
        strings(&["13", "14", "15"])
    );
}

#[test]
fn header_normalisation() {
    let f = file("\u{feff} First Name ,E-mail Address,,ZIP,ZIP\n1,2,3,4,5\n".as_bytes());
    let src = open(&f);
    let h = src.file_headers();
    assert_eq!(
        h.names,
        ["First Name", "E-mail Address", "column_3", "ZIP", "ZIP"]
    );
    assert_eq!(
        h.keys,
        ["first_name", "e_mail_address", "column_3", "zip", "zip"]
    );
    assert_eq!(src.notices().len(), 1);
    assert!(src.notices()[0].starts_with("data.csv: column 5 repeats the name \"ZIP\""));
    let rec = all(&src).remove(0).unwrap();
    assert_eq!(rec.get("ZIP"), Some("4"));
    assert_eq!(rec.get("e_mail_address"), Some("2"));
}

#[test]
fn values_are_nfc() {
    let f = file("Name\nZoe\u{308}\n".as_bytes());
    let src = open(&f);
    assert_eq!(ok_rows(&src), [(2, strings(&["Zoë"]))]);
}

#[test]
fn blank_rows_are_skipped_but_counted() {
    let f = file(b"a,b\n1,2\n,\n\n3,4\n,\n,\n");
    let src = open(&f);
    assert_eq!(
        ok_rows(&src),
        [(2, strings(&["1", "2"])), (5, strings(&["3", "4"]))]
    );
}

#[test]
fn two_passes_give_the_same_records() {
    let f = file(b"a;b\nx;\"y\ny\"\nz;w\n");
    let src = open(&f);
    let first = all(&src);
    let second = all(&src);
    assert_eq!(first.len(), 2);
    assert_eq!(first, second);
}

#[test]
fn file_errors_are_sentences() {
    let dir = tempfile::tempdir().unwrap();
    let missing = dir.path().join("nope.csv");
    let err = DataSource::open(&missing, &DataOptions::default()).unwrap_err();
    assert!(matches!(err, DataError::NotFound { .. }));
    assert!(err.to_string().ends_with(
        "nope.csv was not found; check the file name and the folder you run lettermerge from"
    ));

    let f = file(b"");
    let err = DataSource::open(&f.path, &DataOptions::default()).unwrap_err();
    assert!(matches!(err, DataError::Empty { .. }), "{err:?}");

    let f = file(b"\n\n  \n");
    let err = DataSource::open(&f.path, &DataOptions::default()).unwrap_err();
    assert!(matches!(err, DataError::Empty { .. }), "{err:?}");

    let f = file(b",,\n1,2,3\n");
    let err = DataSource::open(&f.path, &DataOptions::default()).unwrap_err();
    assert!(matches!(err, DataError::NoHeader { .. }), "{err:?}");
    assert!(err.to_string().contains("put the column names"));
}

#[test]
fn explicit_delimiter_wins() {
    let f = file(b"a;b,c\n1;2,3\n");
    let opts = DataOptions {
        encoding: None,
        delimiter: Some(b','),
        sheet: None,
        ..DataOptions::default()
    };
    let src = DataSource::open(&f.path, &opts).unwrap();
    assert_eq!(src.file_headers().names, ["a;b", "c"]);
}

#[test]
fn many_rows_stream() {
    let mut data = b"Name,Email\n".to_vec();
    for i in 0..5000 {
        data.extend_from_slice(format!("Person {i},p{i}@example.org\n").as_bytes());
    }
    let f = file(&data);
    let src = open(&f);
    let mut n = 0;
    for (i, r) in src.records().unwrap().enumerate() {
        let r = r.unwrap();
        assert_eq!(r.row, i as u64 + 2);
        n += 1;
    }
    assert_eq!(n, 5000);
}

#[test]
fn a_bom_wins_over_an_explicit_encoding_with_a_notice() {
    let f = file("\u{feff}Name\nZoë\n".as_bytes());
    let opts = DataOptions {
        encoding: Some("windows-1252".into()),
        delimiter: None,
        sheet: None,
        ..DataOptions::default()
    };
    let src = DataSource::open(&f.path, &opts).unwrap();
    assert_eq!(src.encoding_name(), "UTF-8");
    assert_eq!(src.notices().len(), 1);
    assert!(src.notices()[0].contains("--encoding windows-1252 is ignored"));
    assert_eq!(ok_rows(&src), [(2, strings(&["Zoë"]))]);
}

#[test]
#[ignore]
fn bench_read_rows() {
    let mut data = b"Name,First Name,Last Name,Email,Street,City,State,ZIP,Body,Term\n".to_vec();
    for i in 0..100_000 {
        data.extend_from_slice(
            format!("Jane Doe {i},Jane,Doe,jane{i}@example.gov,\"1 Main St\nSuite {i}\",Springfield,IL,62701,State Senate,104\n").as_bytes(),
        );
    }
    let f = file(&data);
    let src = open(&f);
    let start = std::time::Instant::now();
    let n = src.records().unwrap().filter(|r| r.is_ok()).count();
    let per = start.elapsed().as_secs_f64() * 1e6 / n as f64;
    assert_eq!(n, 100_000);
    println!("records: {per:.2} µs/row");
}

#[test]
fn types_can_cross_threads() {
    fn send<T: Send>() {}
    fn sync<T: Sync>() {}
    send::<super::Records>();
    send::<DataSource>();
    sync::<DataSource>();
    send::<Record>();
    sync::<Record>();
}

#[test]
fn a_quote_never_closed_stops_at_the_record_limit_naming_the_row() {
    use super::MAX_RECORD_BYTES;
    let mut bytes = b"Name,Email\nAnn,a@example.org\n\"Bo,b@example.org\n".to_vec();
    bytes.resize(bytes.len() + MAX_RECORD_BYTES as usize * 2, b'x');
    let f = file(&bytes);
    let got = all(&open(&f));
    assert_eq!(got.len(), 2, "{got:?}");
    assert!(got[0].is_ok());
    let p = got[1].as_ref().unwrap_err();
    assert_eq!(p.row, Some(3));
    assert!(
        p.message.contains("row 3 is longer than 4 MiB"),
        "{}",
        p.message
    );
    assert!(
        p.hint
            .as_deref()
            .unwrap_or("")
            .contains("quote that is never closed"),
        "{p:?}"
    );
}

#[test]
fn a_header_with_no_line_end_is_refused_at_the_limit() {
    use super::MAX_RECORD_BYTES;
    let f = file(&vec![b'a'; MAX_RECORD_BYTES as usize * 2]);
    let err = DataSource::open(&f.path, &DataOptions::default()).unwrap_err();
    assert!(matches!(err, DataError::Limit { .. }), "{err:?}");
    assert!(
        err.to_string().contains("row 1 is longer than 4 MiB"),
        "{err}"
    );
}

#[test]
fn a_cell_over_the_field_limit_is_a_problem_of_its_row_and_column() {
    use super::MAX_FIELD_BYTES;
    let mut bytes = b"Name,Note\nAnn,short\nBo,\"".to_vec();
    bytes.resize(bytes.len() + MAX_FIELD_BYTES + 1, b'y');
    bytes.extend_from_slice(b"\"\nCy,fine\n");
    let f = file(&bytes);
    let got = all(&open(&f));
    assert_eq!(got.len(), 3);
    let p = got[1].as_ref().unwrap_err();
    assert_eq!((p.row, p.column.as_deref()), (Some(3), Some("Note")));
    assert!(p.message.contains("longer than 256 KiB"), "{}", p.message);
    assert_eq!(got[2].as_ref().unwrap().fields[..2], ["Cy", "fine"][..]);
}

#[test]
fn a_device_as_data_is_refused_without_reading() {
    let err =
        DataSource::open(std::path::Path::new("/dev/zero"), &DataOptions::default()).unwrap_err();
    assert!(matches!(err, DataError::NotRegular { .. }), "{err:?}");
    assert!(err.to_string().contains("a device"), "{err}");
}

#[cfg(unix)]
#[test]
fn a_fifo_as_data_is_refused_saying_it_is_read_twice() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("data.csv");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let err = DataSource::open(&fifo, &DataOptions::default()).unwrap_err();
    let text = err.to_string();
    assert!(text.contains("FIFO"), "{text}");
    assert!(text.contains("more than once"), "{text}");
}

mod properties {
    use super::file;
    use proptest::prelude::*;
    use unicode_normalization::UnicodeNormalization;

    /// Cells as a spreadsheet has them: any text with quotes, delimiters, line ends, unicode.
    fn cell() -> impl Strategy<Value = String> {
        proptest::string::string_regex("[a-zA-Z0-9 ,;\"'\\n\\r\\téüß中文😀\u{301}=+-]{0,12}")
            .unwrap()
    }

    /// What the reader gives for a cell: line ends as `\n`, NFC.
    fn expected(cell: &str) -> String {
        cell.replace("\r\n", "\n")
            .replace('\r', "\n")
            .nfc()
            .collect()
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn csv_written_then_read_gives_the_same_cells(
            width in 1usize..5,
            rows in proptest::collection::vec(proptest::collection::vec(cell(), 5), 1..6),
        ) {
            let header: Vec<String> = (0..width).map(|i| format!("Col{i}")).collect();
            let mut w = csv::Writer::from_writer(Vec::new());
            w.write_record(&header).unwrap();
            // A row of only empty cells is skipped by the reader, as Excel's trailing ",,,"
            // rows are; keep at least one cell filled.
            let rows: Vec<Vec<String>> = rows
                .into_iter()
                .map(|mut r| {
                    r.truncate(width);
                    if r.iter().all(String::is_empty) {
                        r[0] = "x".into();
                    }
                    r
                })
                .collect();
            for r in &rows {
                w.write_record(r).unwrap();
            }
            let bytes = w.into_inner().unwrap();
            let f = file(&bytes);
            let src = super::DataSource::open(&f.path, &super::DataOptions {
                delimiter: Some(b','),
                encoding: Some("utf-8".into()),
                ..Default::default()
            }).unwrap();
            prop_assert_eq!(&src.file_headers().names, &header);
            let got: Vec<Vec<String>> = super::all(&src)
                .into_iter()
                .map(|r| r.map(|r| r.fields[..header.len()].to_vec()).map_err(|p| p.message))
                .collect::<Result<_, _>>()
                .unwrap();
            let want: Vec<Vec<String>> = rows
                .iter()
                .map(|r| r.iter().map(|c| expected(c)).collect())
                .collect();
            prop_assert_eq!(got, want);
            // Row numbers count rows, not lines: a cell with a line end does not shift them.
            let numbers: Vec<u64> = super::all(&src).into_iter().map(|r| r.unwrap().row).collect();
            prop_assert_eq!(numbers, (2..2 + rows.len() as u64).collect::<Vec<_>>());
        }

        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            let f = file(&bytes);
            if let Ok(src) = super::DataSource::open(&f.path, &super::DataOptions::default()) {
                for _ in src.records().unwrap() {}
            }
        }
    }
}
