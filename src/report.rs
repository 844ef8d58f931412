//! What the user sees on the terminal during a run: problems pointing into their data file,
//! a progress bar (only on a terminal), and the one-line summary.

use crate::problem::{row_runs, Problem, Severity};
use crate::terminal::escape_controls;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::io::IsTerminal;
use std::path::Path;
use std::time::Duration;

/// Writes problems and progress to stderr.
pub struct Reporter {
    data_name: String,
    quiet: bool,
    progress: bool,
    /// Prints nothing at all, problems included: for a run whose problems another pass
    /// already reported (`preview --html` writing its PDFs).
    silent: bool,
}

impl Reporter {
    pub fn new(data: &Path, quiet: bool) -> Reporter {
        let data_name = data
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| data.display().to_string());
        Reporter {
            data_name,
            quiet,
            progress: !quiet && std::io::stderr().is_terminal(),
            silent: false,
        }
    }

    /// A reporter that prints nothing, not even problems.
    pub fn silent(data: &Path) -> Reporter {
        Reporter {
            quiet: true,
            progress: false,
            silent: true,
            ..Reporter::new(data, true)
        }
    }

    /// Formats a problem so it points into the data file:
    /// `error: officials.csv row 7, column "email": ...`.
    pub fn format(&self, p: &Problem) -> String {
        self.format_rows(p, p.row.as_slice())
    }

    /// Formats a problem with all the rows it occurs in (see [`group`]).
    pub fn format_rows(&self, p: &Problem, rows: &[u64]) -> String {
        let label = match p.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let mut s = format!("{label}: {}", self.data_name);
        if !rows.is_empty() {
            s.push(' ');
            s.push_str(&rows_phrase(rows));
        }
        if let Some(col) = &p.column {
            s.push_str(&format!(", column \"{col}\""));
        }
        s.push_str(": ");
        s.push_str(&p.message);
        if let Some(hint) = &p.hint {
            s.push_str("\n  hint: ");
            s.push_str(hint);
        }
        s
    }

    pub fn problem(&self, p: &Problem) {
        if self.silent {
            return;
        }
        eprintln!("{}", escape_controls(&self.format(p)));
    }

    /// Prints problems, the same problem in several rows once with all its rows
    /// ("rows 2-4, 9"), in the order each first appeared.
    pub fn problems(&self, problems: &[Problem]) {
        if self.silent {
            return;
        }
        for (p, rows) in group(problems) {
            eprintln!("{}", escape_controls(&self.format_rows(p, &rows)));
        }
    }

    /// A notice about how the input was read (encoding, delimiter); hidden by --quiet.
    pub fn notice(&self, msg: &str) {
        if !self.quiet {
            eprintln!("note: {}", escape_controls(msg));
        }
    }

    /// A final summary line; hidden by --quiet.
    pub fn summary(&self, msg: &str) {
        if !self.quiet {
            eprintln!("{}", escape_controls(msg));
        }
    }

    /// A spinner for a pass of unknown length, or a hidden bar when not on a terminal.
    pub fn spinner(&self, what: &'static str) -> ProgressBar {
        if !self.progress {
            return ProgressBar::hidden();
        }
        let pb = ProgressBar::with_draw_target(None, ProgressDrawTarget::stderr());
        pb.set_style(
            ProgressStyle::with_template("{spinner} {msg} {pos} rows")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        pb.set_message(what);
        pb.enable_steady_tick(Duration::from_millis(120));
        pb
    }

    /// A progress bar over `len` letters, or a hidden bar when not on a terminal.
    pub fn bar(&self, len: u64, what: &'static str) -> ProgressBar {
        if !self.progress {
            return ProgressBar::hidden();
        }
        let pb = ProgressBar::with_draw_target(Some(len), ProgressDrawTarget::stderr());
        pb.set_style(
            ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} ({eta} left)")
                .unwrap_or_else(|_| ProgressStyle::default_bar())
                .progress_chars("=> "),
        );
        pb.set_message(what);
        pb
    }
}

/// What makes two problems "the same" apart from their row.
type GroupKey<'a> = (Severity, Option<&'a str>, &'a str, Option<&'a str>);

/// Groups problems that differ only in their row, keeping first-appearance order.
pub fn group(problems: &[Problem]) -> Vec<(&Problem, Vec<u64>)> {
    let mut groups: Vec<(&Problem, Vec<u64>)> = Vec::new();
    let mut index: std::collections::HashMap<GroupKey<'_>, usize> =
        std::collections::HashMap::new();
    for p in problems {
        let key = (
            p.severity,
            p.column.as_deref(),
            p.message.as_str(),
            p.hint.as_deref(),
        );
        match (p.row, index.get(&key)) {
            (Some(row), Some(&i)) => groups[i].1.push(row),
            _ => {
                index.insert(key, groups.len());
                groups.push((p, p.row.into_iter().collect()));
            }
        }
    }
    for (_, rows) in &mut groups {
        rows.sort_unstable();
        rows.dedup();
    }
    groups
}

/// "row 7" or "rows 2-4, 7, 9-10": row numbers (ascending) with runs collapsed.
pub fn rows_phrase(rows: &[u64]) -> String {
    let label = if rows.len() == 1 { "row" } else { "rows" };
    format!("{label} {}", row_runs(rows, usize::MAX))
}

#[cfg(test)]
mod tests {
    use super::{rows_phrase, Reporter};
    use crate::problem::Problem;
    use std::path::Path;

    #[test]
    fn the_same_problem_in_several_rows_is_listed_once() {
        let same = |row| Problem::error("cannot use the image x.png: file not found").at_row(row);
        let problems = [
            same(2),
            Problem::warning("other").at_row(3),
            same(4),
            same(5),
        ];
        let groups = super::group(&problems);
        assert_eq!(groups.len(), 2);
        assert_eq!(groups[0].1, [2, 4, 5]);
        let r = Reporter::new(Path::new("d.csv"), true);
        assert_eq!(
            r.format_rows(groups[0].0, &groups[0].1),
            "error: d.csv rows 2, 4-5: cannot use the image x.png: file not found"
        );
    }

    #[test]
    fn row_runs_collapse() {
        assert_eq!(rows_phrase(&[7]), "row 7");
        assert_eq!(rows_phrase(&[2, 3, 4, 7, 9, 10]), "rows 2-4, 7, 9-10");
    }

    #[test]
    fn problems_point_into_the_data_file() {
        let r = Reporter::new(Path::new("/tmp/x/officials.csv"), true);
        let p = Problem::error("no such column")
            .at_row(4)
            .in_column("email")
            .with_hint("add it");
        assert_eq!(
            r.format(&p),
            "error: officials.csv row 4, column \"email\": no such column\n  hint: add it"
        );
    }
}
