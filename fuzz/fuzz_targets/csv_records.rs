//! Any bytes as a CSV data file through the records reader, every record pulled: it must
//! return records or errors, never panic, hang or grow without bound.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lettermerge::records::{DataOptions, DataSource};

fuzz_target!(|data: &[u8]| {
    // The first byte picks the options a user might give, the rest is the file.
    let (opts, bytes) = match data.split_first() {
        Some((&b, rest)) => {
            let opts = DataOptions {
                encoding: match b % 4 {
                    1 => Some("utf-8".to_string()),
                    2 => Some("windows-1252".to_string()),
                    3 => Some("utf-16le".to_string()),
                    _ => None,
                },
                delimiter: match (b / 4) % 4 {
                    1 => Some(b','),
                    2 => Some(b';'),
                    3 => Some(b'\t'),
                    _ => None,
                },
                sheet: None,
                ..DataOptions::default()
            };
            (opts, rest)
        }
        None => (DataOptions::default(), data),
    };
    let path = std::env::temp_dir().join(format!("lettermerge-fuzz-{}.csv", std::process::id()));
    if std::fs::write(&path, bytes).is_err() {
        return;
    }
    if let Ok(src) = DataSource::open(&path, &opts) {
        if let Ok(records) = src.records() {
            for record in records {
                let _ = record;
            }
        }
    }
});
