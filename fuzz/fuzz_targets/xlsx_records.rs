//! Any bytes as an .xlsx data file through the workbook reader, every record pulled: it
//! must return records or errors, never panic, hang or grow without bound.
#![no_main]

use libfuzzer_sys::fuzz_target;
use lettermerge::records::{DataOptions, DataSource};

fuzz_target!(|data: &[u8]| {
    let path = std::env::temp_dir().join(format!("lettermerge-fuzz-{}.xlsx", std::process::id()));
    if std::fs::write(&path, data).is_err() {
        return;
    }
    if let Ok(src) = DataSource::open(&path, &DataOptions::default()) {
        if let Ok(records) = src.records() {
            for record in records {
                let _ = record;
            }
        }
    }
});
