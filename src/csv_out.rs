//! Cells of the CSV files lettermerge writes (the manifest, the failures export), made safe
//! to open in a spreadsheet: text that a spreadsheet would run as a formula is defused.

use std::borrow::Cow;

/// The first characters that make Excel, LibreOffice or Google Sheets read a cell as a
/// formula (OWASP's CSV-injection list: `=`, `+`, `-`, `@`, tab and carriage return), and
/// their full-width forms, which some spreadsheets fold to the ASCII ones.
const FORMULA_STARTS: [char; 10] = [
    '=', '+', '-', '@', '\t', '\r', '\u{ff1d}', '\u{ff0b}', '\u{ff0d}', '\u{ff20}',
];

/// A cell from the data or a server as it is written to a CSV file: one starting like a
/// formula gets a leading apostrophe, which spreadsheets show as text and do not run
/// (`=HYPERLINK("http://evil")` stays visible text). Other cells are unchanged.
pub fn inert(cell: &str) -> Cow<'_, str> {
    if cell.starts_with(FORMULA_STARTS) {
        format!("'{cell}").into()
    } else {
        cell.into()
    }
}

#[cfg(test)]
mod tests {
    use super::inert;
    use proptest::prelude::*;

    #[test]
    fn formula_like_cells_are_defused() {
        assert_eq!(inert("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(inert("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(inert("+1"), "'+1");
        assert_eq!(inert("-2+3"), "'-2+3");
        assert_eq!(inert("\t=1"), "'\t=1");
        assert_eq!(inert("\r=1"), "'\r=1");
        assert_eq!(inert("\u{ff1d}1+1"), "'\u{ff1d}1+1");
        assert_eq!(inert("550 5.1.1 no such user"), "550 5.1.1 no such user");
        assert_eq!(inert("Hon. Ann Lee"), "Hon. Ann Lee");
        assert_eq!(inert(""), "");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// No written cell starts like a formula, and nothing but the apostrophe is added.
        #[test]
        fn no_cell_starts_like_a_formula(cell in ".{0,20}") {
            let out = inert(&cell);
            prop_assert!(!out.starts_with(super::FORMULA_STARTS));
            let quoted = format!("'{}", cell);
            prop_assert!(out == cell || out == quoted);
        }
    }
}
