//! CSV export of ledger rows (the failures, usually) for the user's spreadsheet: one line per
//! row with its SMTP code and text, so staff can fix addresses and follow up.

use super::RowRecord;
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

/// Text that came from the data or a server opens in a spreadsheet; one starting with
/// `=`, `+`, `-` or `@` would run as a formula there, so it gets a leading apostrophe.
fn inert(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.starts_with(['=', '+', '-', '@']) {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

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

#[cfg(test)]
mod tests {
    use super::inert;

    #[test]
    fn formula_like_cells_are_defused() {
        assert_eq!(inert("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(inert("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(inert("550 5.1.1 no such user"), "550 5.1.1 no such user");
    }
}
