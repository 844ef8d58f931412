//! Row selection shared by `pdf`, `send`, `check` and `preview`: `--rows 2-5,9`,
//! `--where COLUMN=VALUE` (repeatable) and `--limit N`, applied to a streaming pass over the
//! records so that every pass of a run sees exactly the same rows.
//!
//! Matching rule for `--where`: the cell and the value are compared after trimming spaces at
//! both ends of each, in Unicode NFC, ignoring case, as a spreadsheet's own filter does:
//! `--where state=md` matches `MD` (Open States writes `MD`, a staffer types `md`). Nothing
//! looser: `Ohio` does not match `OH`, and `Mc Donald` does not match `McDonald`.

use super::{Headers, Record};
use crate::problem::Problem;
use std::fmt;
use unicode_normalization::UnicodeNormalization;

/// A selection as the user wrote it, checked for form but not yet against a data file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SelectSpec {
    /// Inclusive row ranges, spreadsheet numbering (header = row 1).
    pub rows: Option<Vec<(u64, u64)>>,
    /// `(column as written, value)`, all of which must match.
    pub filters: Vec<(String, String)>,
    /// At most this many selected rows (the first ones).
    pub limit: Option<usize>,
}

/// A malformed `--rows`, `--where` or `--limit`, or a `--where` column the data lacks.
/// Displays as a sentence that says the accepted form.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelectError(pub String);

impl fmt::Display for SelectError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for SelectError {}

impl SelectSpec {
    /// Parses the raw option values. `rows` is `2-5,9`; each `filters` entry is
    /// `COLUMN=VALUE`.
    pub fn parse(
        rows: Option<&str>,
        filters: &[String],
        limit: Option<usize>,
    ) -> Result<SelectSpec, SelectError> {
        let rows = rows.map(parse_rows).transpose()?;
        let filters = filters
            .iter()
            .map(|f| parse_filter(f))
            .collect::<Result<Vec<_>, _>>()?;
        if limit == Some(0) {
            return Err(SelectError("--limit must be at least 1".to_string()));
        }
        Ok(SelectSpec {
            rows,
            filters,
            limit,
        })
    }

    /// Whether anything narrows the rows at all.
    pub fn is_all(&self) -> bool {
        self.rows.is_none() && self.filters.is_empty() && self.limit.is_none()
    }

    /// Resolves the `--where` columns against the data's header. An unknown column is an
    /// error naming the columns there are.
    pub fn resolve(&self, headers: &Headers) -> Result<Selection, SelectError> {
        let mut filters = Vec::with_capacity(self.filters.len());
        for (column, value) in &self.filters {
            let Some(index) = headers.index_of(column) else {
                return Err(SelectError(format!(
                    "--where {column}=...: the data has no column `{column}`; the columns are: {}",
                    headers.names.join(", ")
                )));
            };
            filters.push(Filter {
                index,
                value: normalise(value),
            });
        }
        Ok(Selection {
            rows: self.rows.clone(),
            filters,
            limit: self.limit,
            last_row: self
                .rows
                .as_ref()
                .and_then(|r| r.iter().map(|&(_, end)| end).max()),
        })
    }

    /// The selection in words for messages, e.g. `--rows 2-5 --where state=OH`.
    pub fn describe(&self) -> String {
        let mut parts = Vec::new();
        if let Some(rows) = &self.rows {
            parts.push(format!("--rows {}", ranges_text(rows)));
        }
        for (column, value) in &self.filters {
            parts.push(format!("--where {column}={value}"));
        }
        if let Some(n) = self.limit {
            parts.push(format!("--limit {n}"));
        }
        parts.join(" ")
    }
}

/// Row ranges in the form `--rows` takes: `2-5,9`.
fn ranges_text(ranges: &[(u64, u64)]) -> String {
    let parts: Vec<String> = ranges
        .iter()
        .map(|&(a, b)| {
            if a == b {
                a.to_string()
            } else {
                format!("{a}-{b}")
            }
        })
        .collect();
    parts.join(",")
}

/// A set of rows in the form `--rows` takes, runs of neighbours joined: `2-5,9`.
pub fn compact_rows(rows: &std::collections::BTreeSet<u64>) -> String {
    let mut ranges: Vec<(u64, u64)> = Vec::new();
    for &r in rows {
        match ranges.last_mut() {
            Some((_, end)) if *end + 1 == r => *end = r,
            _ => ranges.push((r, r)),
        }
    }
    ranges_text(&ranges)
}

/// One `--where` test, its column found in the header.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Filter {
    index: usize,
    value: String,
}

/// A selection resolved against one data file's header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    rows: Option<Vec<(u64, u64)>>,
    filters: Vec<Filter>,
    limit: Option<usize>,
    /// No row after this one can be selected: the pass stops reading there.
    last_row: Option<u64>,
}

impl Selection {
    /// Every row.
    pub fn all() -> Selection {
        Selection {
            rows: None,
            filters: Vec::new(),
            limit: None,
            last_row: None,
        }
    }

    fn in_rows(&self, row: u64) -> bool {
        match &self.rows {
            None => true,
            Some(ranges) => ranges.iter().any(|&(a, b)| (a..=b).contains(&row)),
        }
    }

    /// Whether a record passes `--rows` and every `--where`.
    pub fn matches(&self, record: &Record) -> bool {
        self.in_rows(record.row)
            && self.filters.iter().all(|f| {
                record
                    .fields
                    .get(f.index)
                    .is_some_and(|cell| normalise(cell) == f.value)
            })
    }

    /// The selected records of one pass, in file order. A ragged row (its cells cannot be
    /// trusted) is passed on when `--rows` includes it and no `--where` is given, so the
    /// caller reports it; a problem that ends the pass is always passed on.
    pub fn apply<I>(&self, records: I) -> Selected<'_, I>
    where
        I: Iterator<Item = Result<Record, Problem>>,
    {
        Selected {
            selection: self,
            inner: records,
            taken: 0,
        }
    }
}

/// The iterator [`Selection::apply`] returns.
pub struct Selected<'a, I> {
    selection: &'a Selection,
    inner: I,
    taken: usize,
}

impl<I> Iterator for Selected<'_, I>
where
    I: Iterator<Item = Result<Record, Problem>>,
{
    type Item = Result<Record, Problem>;

    fn next(&mut self) -> Option<Self::Item> {
        let sel = self.selection;
        if sel.limit.is_some_and(|n| self.taken >= n) {
            return None;
        }
        loop {
            let item = self.inner.next()?;
            let row = match &item {
                Ok(r) => Some(r.row),
                Err(p) => p.row,
            };
            if let (Some(row), Some(last)) = (row, sel.last_row) {
                if row > last {
                    return None;
                }
            }
            let keep = match &item {
                Ok(record) => sel.matches(record),
                Err(p) => match p.row {
                    Some(row) => sel.in_rows(row) && sel.filters.is_empty(),
                    None => true,
                },
            };
            if keep {
                self.taken += 1;
                return Some(item);
            }
        }
    }
}

fn normalise(s: &str) -> String {
    s.trim().nfc().collect::<String>().to_lowercase()
}

/// `2-5,9` -> `[(2, 5), (9, 9)]`. Row 1 is the header, so ranges start at 2.
fn parse_rows(s: &str) -> Result<Vec<(u64, u64)>, SelectError> {
    let bad = |why: &str| {
        SelectError(format!(
            "--rows {s:?} {why}; write spreadsheet row numbers and ranges separated by commas, \
             e.g. --rows 2-5,9 (row 1 is the header, so data starts at row 2)"
        ))
    };
    let number = |t: &str| -> Result<u64, SelectError> {
        let t = t.trim();
        let n: u64 = t
            .parse()
            .map_err(|_| bad(&format!("has `{t}`, which is not a row number")))?;
        if n < 2 {
            return Err(bad(&format!(
                "asks for row {n}, but the first data row is 2"
            )));
        }
        Ok(n)
    };
    let mut out = Vec::new();
    for part in s.split(',') {
        if part.trim().is_empty() {
            return Err(bad("has an empty part"));
        }
        let (a, b) = match part.split_once('-') {
            Some((a, b)) => (number(a)?, number(b)?),
            None => {
                let n = number(part)?;
                (n, n)
            }
        };
        if a > b {
            return Err(bad(&format!("has the range {a}-{b}, which runs backwards")));
        }
        out.push((a, b));
    }
    Ok(out)
}

/// `State=OH` -> `("State", "OH")`; the first `=` splits.
fn parse_filter(s: &str) -> Result<(String, String), SelectError> {
    match s.split_once('=') {
        Some((column, value)) if !column.trim().is_empty() => {
            Ok((column.trim().to_string(), value.to_string()))
        }
        _ => Err(SelectError(format!(
            "--where {s:?} is not COLUMN=VALUE; write it like --where state=OH (the column as the \
             header names it, or its template name)"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::{parse_rows, SelectSpec};
    use crate::problem::Problem;
    use crate::records::{Headers, Record};
    use std::sync::Arc;

    fn records(rows: &[(u64, &str, &str)]) -> (Arc<Headers>, Vec<Result<Record, Problem>>) {
        let (h, _) = Headers::new(&["Name".to_string(), "State Code".to_string()]);
        let h = Arc::new(h);
        let recs = rows
            .iter()
            .map(|&(row, name, state)| {
                if name == "RAGGED" {
                    Err(Problem::error("ragged").at_row(row))
                } else {
                    Ok(Record::new(
                        row,
                        vec![name.to_string(), state.to_string()],
                        Arc::clone(&h),
                    ))
                }
            })
            .collect();
        (h, recs)
    }

    fn selected(spec: &SelectSpec, data: &[(u64, &str, &str)]) -> Vec<u64> {
        let (h, recs) = records(data);
        let sel = spec.resolve(&h).unwrap();
        sel.apply(recs.into_iter())
            .map(|r| match r {
                Ok(r) => r.row,
                Err(p) => p.row.unwrap(),
            })
            .collect()
    }

    const DATA: [(u64, &str, &str); 6] = [
        (2, "Ann", "OH"),
        (3, "Bob", " oh "),
        (4, "RAGGED", ""),
        (5, "Cy", "OH "),
        (6, "Di", "PA"),
        (9, "Ed", "OH"),
    ];

    #[test]
    fn a_set_of_rows_is_written_as_ranges() {
        let rows: std::collections::BTreeSet<u64> = [2, 3, 4, 5, 9, 11, 12].into();
        assert_eq!(super::compact_rows(&rows), "2-5,9,11-12");
        assert_eq!(super::compact_rows(&Default::default()), "");
    }

    #[test]
    fn rows_parse_with_ranges_and_say_the_form() {
        assert_eq!(parse_rows("2-5,9").unwrap(), [(2, 5), (9, 9)]);
        assert_eq!(parse_rows(" 7 ").unwrap(), [(7, 7)]);
        for bad in ["", "1", "5-2", "a-3", "2,,3", "2-"] {
            let e = parse_rows(bad).unwrap_err().0;
            assert!(e.contains("e.g. --rows 2-5,9"), "{bad}: {e}");
        }
    }

    #[test]
    fn rows_where_and_limit_select_exactly() {
        let rows = SelectSpec::parse(Some("3-5,9"), &[], None).unwrap();
        assert_eq!(selected(&rows, &DATA), [3, 4, 5, 9]);
        let state = SelectSpec::parse(None, &["state_code=OH".to_string()], None).unwrap();
        // After trimming, in any case: " oh " and "OH " are OH. The ragged row cannot match.
        assert_eq!(selected(&state, &DATA), [2, 3, 5, 9]);
        let both = SelectSpec::parse(
            Some("2-6"),
            &["State Code= OH".to_string(), "Name=Cy".to_string()],
            None,
        )
        .unwrap();
        assert_eq!(selected(&both, &DATA), [5]);
        let limit = SelectSpec::parse(None, &[], Some(2)).unwrap();
        assert_eq!(selected(&limit, &DATA), [2, 3]);
        let limit_where = SelectSpec::parse(None, &["state_code=OH".to_string()], Some(2)).unwrap();
        assert_eq!(selected(&limit_where, &DATA), [2, 3]);
        let not_prefix = SelectSpec::parse(None, &["state_code=O".to_string()], None).unwrap();
        assert!(selected(&not_prefix, &DATA).is_empty());
    }

    #[test]
    fn an_unknown_column_names_the_columns() {
        let (h, _) = records(&[]);
        let spec = SelectSpec::parse(None, &["county=X".to_string()], None).unwrap();
        let e = spec.resolve(&h).unwrap_err().0;
        assert!(e.contains("no column `county`"), "{e}");
        assert!(e.contains("Name, State Code"), "{e}");
        assert!(SelectSpec::parse(None, &["novalue".to_string()], None).is_err());
        assert!(SelectSpec::parse(None, &[], Some(0)).is_err());
    }
}
