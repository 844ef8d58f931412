//! Problems found in the user's data or template: one type shared by every stage, so that a
//! check run can collect all of them and report them grouped, with row and column.

use std::fmt;

/// How bad a problem is. Errors stop a run (unless rows are skipped); warnings never do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Warning,
    Error,
}

/// One problem, pointing into the user's own files.
#[derive(Debug, Clone, PartialEq)]
pub struct Problem {
    pub severity: Severity,
    /// Spreadsheet row number (header = 1), when the problem belongs to a row.
    pub row: Option<u64>,
    /// The data column concerned, as the header names it.
    pub column: Option<String>,
    /// What is wrong, in one sentence.
    pub message: String,
    /// What to do about it.
    pub hint: Option<String>,
    /// How the problem reads when it is said once for many rows, where `message` or
    /// `hint` names something of this row's own (a value, an earlier row's number).
    /// `None`: they already read the same for every row with this problem.
    pub group: Option<Box<GroupText>>,
}

/// The message and hint of a problem said of every row with it alike: the text the same
/// problem in many rows is grouped under (see [`crate::report::group_by`]) and shown with.
/// Each `None` is the problem's own.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct GroupText {
    pub message: Option<String>,
    pub hint: Option<String>,
}

impl Problem {
    pub fn error(message: impl Into<String>) -> Self {
        Problem {
            severity: Severity::Error,
            row: None,
            column: None,
            message: message.into(),
            hint: None,
            group: None,
        }
    }

    pub fn warning(message: impl Into<String>) -> Self {
        Problem {
            severity: Severity::Warning,
            ..Problem::error(message)
        }
    }

    pub fn at_row(mut self, row: u64) -> Self {
        self.row = Some(row);
        self
    }

    pub fn in_column(mut self, column: impl Into<String>) -> Self {
        self.column = Some(column.into());
        self
    }

    pub fn with_hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    /// The message the problem is grouped under and shown with for many rows (see
    /// `group`), when `message` names this row's own values.
    pub fn grouped_as(mut self, message: impl Into<String>) -> Self {
        self.group.get_or_insert_with(Box::default).message = Some(message.into());
        self
    }

    /// The hint shown once for many rows with this problem, when `hint` names this row's
    /// own values.
    pub fn with_group_hint(mut self, hint: impl Into<String>) -> Self {
        self.group.get_or_insert_with(Box::default).hint = Some(hint.into());
        self
    }

    /// This problem as said once of every row that has it: its group text as its own (the
    /// one problem a group keeps for the rows past the problems kept in full).
    pub fn said_of_all(mut self) -> Problem {
        self.message = self.group_message().to_string();
        self.hint = self.group_hint().map(str::to_string);
        self.group = None;
        self
    }

    /// The message said of every row with this problem alike.
    pub fn group_message(&self) -> &str {
        self.group
            .as_ref()
            .and_then(|g| g.message.as_deref())
            .unwrap_or(&self.message)
    }

    /// The hint said once for every row with this problem.
    pub fn group_hint(&self) -> Option<&str> {
        self.group
            .as_ref()
            .and_then(|g| g.hint.as_deref())
            .or(self.hint.as_deref())
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let label = match self.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        write!(f, "{label}")?;
        match (&self.row, &self.column) {
            (Some(row), Some(col)) => write!(f, ": row {row}, column \"{col}\"")?,
            (Some(row), None) => write!(f, ": row {row}")?,
            (None, Some(col)) => write!(f, ": column \"{col}\"")?,
            (None, None) => {}
        }
        write!(f, ": {}", self.message)?;
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

/// `5, 9-12, 20` for row numbers in ascending order, at most `max` runs (then `...`).
pub fn row_runs(rows: &[u64], max: usize) -> String {
    match first_runs(rows, max) {
        (named, 0) => named,
        (named, _) if named.is_empty() => "...".to_string(),
        (named, _) => format!("{named}, ..."),
    }
}

/// The first `max` runs of row numbers in ascending order (`5, 9-12, 20`), and how many
/// rows come after them.
pub fn first_runs(rows: &[u64], max: usize) -> (String, usize) {
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < rows.len() {
        if parts.len() == max {
            return (parts.join(", "), rows.len() - i);
        }
        let start = rows[i];
        let mut end = start;
        while i + 1 < rows.len() && rows[i + 1] == end + 1 {
            i += 1;
            end = rows[i];
        }
        parts.push(if start == end {
            start.to_string()
        } else {
            format!("{start}-{end}")
        });
        i += 1;
    }
    (parts.join(", "), 0)
}

#[cfg(test)]
mod tests {
    use super::{first_runs, row_runs, Problem};

    #[test]
    fn row_runs_collapse_and_stop_at_max() {
        assert_eq!(row_runs(&[5, 9, 10, 11, 12, 20], 5), "5, 9-12, 20");
        assert_eq!(row_runs(&[1, 3, 5, 7], 2), "1, 3, ...");
        assert_eq!(row_runs(&[], 3), "");
        assert_eq!(
            first_runs(&[1, 3, 4, 5, 7, 8], 2),
            ("1, 3-5".to_string(), 2)
        );
        assert_eq!(first_runs(&[1, 2], 2), ("1-2".to_string(), 0));
    }

    #[test]
    fn display_names_row_column_and_hint() {
        let p = Problem::error("the template uses `email` but this row has no such column")
            .at_row(7)
            .in_column("email")
            .with_hint("add the column");
        assert_eq!(
            p.to_string(),
            "error: row 7, column \"email\": the template uses `email` but this row has no such column\n  hint: add the column"
        );
    }
}
