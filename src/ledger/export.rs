//! CSV export of ledger rows (the failures, usually) for the user's spreadsheet: one line per
//! row with its SMTP code and text, so staff can fix addresses and follow up.

use super::RowRecord;
use crate::csv_out::inert;
use std::io::{self, Write};

/// The header line, in column order.
pub const FAILURE_CSV_HEADER: [&str; 8] = [
    "row",
    "row_key",
    "recipients",
    "state",
    "code",
    "text",
    "attempts",
    "updated",
];

/// Writes `records` as CSV with a header line. Empty code/text cells mean none was recorded.
pub fn export_failures_csv(records: &[RowRecord], out: impl Write) -> io::Result<()> {
    let mut w = csv::Writer::from_writer(out);
    w.write_record(FAILURE_CSV_HEADER)?;
    for r in records {
        w.write_record([
            r.row.to_string().as_str(),
            &inert(&r.row_key),
            &inert(&r.recipients),
            r.state.as_str(),
            &r.code.map(|c| c.to_string()).unwrap_or_default(),
            &inert(r.text.as_deref().unwrap_or("")),
            &r.attempts.to_string(),
            &r.updated,
        ])?;
    }
    w.flush()
}
