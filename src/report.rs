//! What the user sees on the terminal during a run: problems pointing into their data file,
//! a progress bar (only on a terminal), and the one-line summary.

use crate::problem::{Problem, Severity};
use crate::row_runs::RowRuns;
use crate::terminal::escape_controls;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use std::collections::HashMap;
use std::hash::Hash;
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
    /// Where someone else watches the progress (the studio): each pass puts its bar here.
    watch: Option<Watch>,
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
            watch: None,
        }
    }

    /// A silent reporter whose passes put their (hidden) progress bars into `watch`.
    pub fn watched(data: &Path, watch: Watch) -> Reporter {
        Reporter {
            watch: Some(watch),
            ..Reporter::silent(data)
        }
    }

    /// A new hidden bar for a pass, put where the watcher reads it.
    fn watched_pass(&self, len: Option<u64>, what: &'static str) -> Option<ProgressBar> {
        let watch = self.watch.as_ref()?;
        let pb = ProgressBar::hidden();
        if let Some(n) = len {
            pb.set_length(n);
        }
        pb.set_message(what);
        *watch.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(pb.clone());
        Some(pb)
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
        let mut s = self.place(p, p.row);
        s.push_str(&p.message);
        if let Some(hint) = &p.hint {
            s.push_str("\n  hint: ");
            s.push_str(hint);
        }
        s
    }

    /// Formats one problem of many rows once: `warning: officials.csv, column "email":
    /// `{{email}}` is empty, ..., in 13 rows: rows 1687, 1697, 1723 and 10 more`, with
    /// the text and hint said of all of them alike. A problem of one row (or of none) is
    /// formatted as itself, every time it occurs.
    pub fn format_group<K>(&self, g: &Group<'_, K>) -> String {
        if g.rows.len() < 2 {
            let lines: Vec<String> = g.members.iter().map(|p| self.format(p)).collect();
            return lines.join("\n");
        }
        let p = g.first();
        let mut s = self.place(p, None);
        s.push_str(&format!(
            "{}, in {} rows: {}",
            p.group_message(),
            thousands(g.rows.len() as u64),
            rows_phrase(&g.rows)
        ));
        if let Some(hint) = p.group_hint() {
            s.push_str("\n  hint: ");
            s.push_str(hint);
        }
        s
    }

    /// `error: officials.csv row 7, column "email": `.
    fn place(&self, p: &Problem, row: Option<u64>) -> String {
        let label = match p.severity {
            Severity::Error => "error",
            Severity::Warning => "warning",
        };
        let mut s = format!("{label}: {}", self.data_name);
        if let Some(row) = row {
            s.push_str(&format!(" row {row}"));
        }
        if let Some(col) = &p.column {
            s.push_str(&format!(", column \"{col}\""));
        }
        s.push_str(": ");
        s
    }

    pub fn problem(&self, p: &Problem) {
        if self.silent {
            return;
        }
        eprintln!("{}", escape_controls(&self.format(p)));
    }

    /// Prints problems, the same problem in several rows once with its count and first
    /// rows, in the order each first appeared.
    pub fn problems(&self, problems: &[Problem]) {
        if self.silent {
            return;
        }
        for g in group(problems) {
            self.text(&self.format_group(&g));
        }
    }

    /// Prints a [`ProblemLog`] grouped, like [`Reporter::problems`].
    pub fn log(&self, log: &ProblemLog) {
        if self.silent {
            return;
        }
        for g in log.groups() {
            self.text(&self.format_group(&g));
        }
        if log.uncounted() > 0 {
            self.text(&format!(
                "... and {} more problems of other kinds, not listed one by one",
                thousands(log.uncounted() as u64)
            ));
        }
    }

    /// Prints text made of formatted problems (nothing when silent).
    pub fn text(&self, text: &str) {
        if !self.silent {
            eprintln!("{}", escape_controls(text));
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
        if let Some(pb) = self.watched_pass(None, what) {
            return pb;
        }
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
        if let Some(pb) = self.watched_pass(Some(len), what) {
            return pb;
        }
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

/// The progress of a run as another thread sees it: the current pass's bar (its message
/// names the pass, "Checking" or "Writing"; its position and length count the rows).
#[derive(Clone, Default)]
pub struct Watch(std::sync::Arc<std::sync::Mutex<Option<ProgressBar>>>);

impl Watch {
    /// The pass, the rows done and the rows in all (`None`: not known yet).
    pub fn read(&self) -> Option<(String, u64, Option<u64>)> {
        let guard = self.0.lock().unwrap_or_else(|e| e.into_inner());
        let pb = guard.as_ref()?;
        Some((pb.message(), pb.position(), pb.length()))
    }
}

/// One problem said once for every row it occurs in: problems of the same kind (`K`, what
/// the caller tells apart, e.g. the check's finding kinds; `()` for none), severity and
/// column, with the same [`Problem::group_message`].
#[derive(Debug)]
pub struct Group<'a, K> {
    pub key: K,
    /// Every occurrence, in the order they came (or, for the findings a check keeps only
    /// as rows, the one problem said of them all).
    pub members: Vec<&'a Problem>,
    /// How many problems the group stands for: its members, and those only counted.
    pub findings: usize,
    /// The rows they occur in, ascending, each once; empty for a problem of no row.
    pub rows: RowRuns,
}

impl<'a, K> Group<'a, K> {
    pub fn first(&self) -> &'a Problem {
        self.members[0]
    }
}

/// Groups problems that differ only in their row (see [`Group`]), keeping first-appearance
/// order. A problem of no row (a file-level one) is a group of its own. Every row is kept
/// (the problems are in memory already).
pub fn group_by<'a, K: Clone + Eq + Hash>(
    items: impl IntoIterator<Item = (K, &'a Problem)>,
) -> Vec<Group<'a, K>> {
    let mut groups: Vec<Group<'a, K>> = Vec::new();
    let mut rows: Vec<Vec<u64>> = Vec::new();
    let mut index: HashMap<(K, Severity, Option<&'a str>, &'a str), usize> = HashMap::new();
    for (key, p) in items {
        let Some(row) = p.row else {
            groups.push(Group {
                key,
                members: vec![p],
                findings: 1,
                rows: RowRuns::default(),
            });
            rows.push(Vec::new());
            continue;
        };
        let at = (
            key.clone(),
            p.severity,
            p.column.as_deref(),
            p.group_message(),
        );
        match index.get(&at) {
            Some(&i) => {
                groups[i].members.push(p);
                groups[i].findings += 1;
                rows[i].push(row);
            }
            None => {
                index.insert(at, groups.len());
                groups.push(Group {
                    key,
                    members: vec![p],
                    findings: 1,
                    rows: RowRuns::default(),
                });
                rows.push(vec![row]);
            }
        }
    }
    for (g, mut rows) in groups.iter_mut().zip(rows) {
        rows.sort_unstable();
        rows.dedup();
        g.rows = RowRuns::from_sorted(&rows);
    }
    groups
}

/// Problems a pass keeps in full before it keeps the rest only as rows of their group: more
/// than anyone reads, and at a couple of hundred bytes each, 2 MB (a warning on every one of
/// half a million rows would be 100 MB kept in full).
pub const MAX_KEPT_PROBLEMS: usize = 10_000;
/// Groups a [`ProblemLog`] makes past [`MAX_KEPT_PROBLEMS`]; problems that would make more
/// are only counted.
pub const MAX_LOG_GROUPS: usize = 1_000;

/// The problems of a pass over the rows (the warnings of `pdf`'s check pass, say), bounded:
/// the first [`MAX_KEPT_PROBLEMS`] in full, the later ones as a row of their group (its
/// rows as [`RowRuns`]), past [`MAX_LOG_GROUPS`] groups only counted. Below the limit it
/// prints exactly what the problems themselves would ([`Reporter::log`]).
#[derive(Debug, Default)]
pub struct ProblemLog {
    kept: Vec<Problem>,
    /// Past the kept ones: each group's problem (its group text), rows and count.
    beyond: Vec<(Problem, RowRuns, usize)>,
    index: HashMap<(Severity, Option<String>, String), usize>,
    uncounted: usize,
}

impl ProblemLog {
    /// Keeps a problem: in full while there is room (always, for one of no row: a file
    /// has a handful), else as a row of its group.
    pub fn push(&mut self, problem: Problem) {
        let Some(row) = problem.row else {
            self.kept.push(problem);
            return;
        };
        if self.kept.len() < MAX_KEPT_PROBLEMS {
            self.kept.push(problem);
            return;
        }
        let key = (
            problem.severity,
            problem.column.clone(),
            problem.group_message().to_string(),
        );
        if let Some(&i) = self.index.get(&key) {
            self.beyond[i].1.push(row);
            self.beyond[i].2 += 1;
            return;
        }
        if self.beyond.len() >= MAX_LOG_GROUPS {
            self.uncounted += 1;
            return;
        }
        let mut rows = RowRuns::default();
        rows.push(row);
        self.index.insert(key, self.beyond.len());
        self.beyond.push((problem.said_of_all(), rows, 1));
    }

    /// A problem of no row, listed before the others (the missing columns of the file).
    pub fn push_front(&mut self, problem: Problem) {
        self.kept.insert(0, problem);
    }

    /// Every problem pushed, kept, grouped or counted.
    pub fn len(&self) -> usize {
        self.kept.len() + self.beyond.iter().map(|b| b.2).sum::<usize>() + self.uncounted
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The problems kept in full, in the order they came.
    pub fn kept(&self) -> &[Problem] {
        &self.kept
    }

    /// Problems past the groups, only counted.
    pub fn uncounted(&self) -> usize {
        self.uncounted
    }

    /// The problems as the report lists them: [`group`] of the kept ones, the rows past
    /// them joining their group (or making one).
    pub fn groups(&self) -> Vec<Group<'_, ()>> {
        let mut groups = group(&self.kept);
        for (p, rows, count) in &self.beyond {
            join_group(&mut groups, (), p, rows, *count);
        }
        groups
    }
}

/// Joins `count` problems past the ones kept in full (`p`, said of all of them, in `rows`)
/// to their group among `groups` (same key, severity, column and group text), or makes
/// their own: for [`ProblemLog::groups`] and `check`'s report.
pub fn join_group<'a, K: PartialEq>(
    groups: &mut Vec<Group<'a, K>>,
    key: K,
    p: &'a Problem,
    rows: &RowRuns,
    count: usize,
) {
    let same = groups.iter_mut().find(|g| {
        let q = g.first();
        g.key == key
            && !g.rows.is_empty()
            && q.severity == p.severity
            && q.column == p.column
            && q.group_message() == p.group_message()
    });
    match same {
        Some(g) => {
            g.rows.union(rows);
            g.findings += count;
        }
        None => groups.push(Group {
            key,
            members: vec![p],
            findings: count,
            rows: rows.clone(),
        }),
    }
}

/// [`group_by`] with nothing but the problems themselves to tell apart.
pub fn group(problems: &[Problem]) -> Vec<Group<'_, ()>> {
    group_by(problems.iter().map(|p| ((), p)))
}

/// How many runs of rows [`rows_phrase`] names before it counts the rest.
pub const ROWS_NAMED: usize = 3;

/// "row 7", "rows 2-4, 7, 9-10" or "rows 57, 81, 105 and 1,204 more": row numbers with
/// runs collapsed, the first [`ROWS_NAMED`] runs named and the other rows counted.
pub fn rows_phrase(rows: &RowRuns) -> String {
    let label = if rows.len() == 1 { "row" } else { "rows" };
    let runs = &rows.runs()[..rows.runs().len().min(ROWS_NAMED)];
    let named: Vec<String> = runs
        .iter()
        .map(|&(start, end)| {
            if start == end {
                start.to_string()
            } else {
                format!("{start}-{end}")
            }
        })
        .collect();
    let shown: u64 = runs.iter().map(|&(start, end)| end - start + 1).sum();
    let rest = (rows.len() as u64).saturating_sub(shown);
    if rest == 0 {
        format!("{label} {}", named.join(", "))
    } else {
        format!("{label} {} and {} more", named.join(", "), thousands(rest))
    }
}

/// `1204` -> "1,204".
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{
        group, group_by, thousands, ProblemLog, Reporter, MAX_KEPT_PROBLEMS, MAX_LOG_GROUPS,
    };
    use crate::problem::Problem;
    use crate::row_runs::RowRuns;
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
        let groups = group(&problems);
        assert_eq!(groups.len(), 2);
        assert_eq!(groups[0].rows, RowRuns::from_sorted(&[2, 4, 5]));
        let r = Reporter::new(Path::new("d.csv"), true);
        assert_eq!(
            r.format_group(&groups[0]),
            "error: d.csv: cannot use the image x.png: file not found, in 3 rows: rows 2, 4-5"
        );
        // A problem of one row reads as itself.
        assert_eq!(r.format_group(&groups[1]), "warning: d.csv row 3: other");
    }

    #[test]
    fn a_message_naming_the_rows_own_values_is_grouped_by_its_group_text() {
        let bad = |row: u64, value: &str| {
            Problem::error(format!("the `to` value `{value}` is not an email address"))
                .at_row(row)
                .in_column("to")
                .with_hint(format!("check the address in row {row}"))
                .grouped_as("the `to` value is not an email address")
                .with_group_hint("check the addresses in the data")
        };
        let problems = [
            bad(9, "x"),
            bad(4, "y"),
            // Another column, another severity or a problem of no row: apart.
            bad(5, "z").in_column("cc"),
            Problem::warning("the `to` value is not an email address")
                .at_row(6)
                .in_column("to"),
            Problem::error("the template has a mistake"),
            Problem::error("the template has a mistake"),
        ];
        let groups = group(&problems);
        let rows: Vec<Vec<u64>> = groups.iter().map(|g| g.rows.iter().collect()).collect();
        assert_eq!(rows, [&[4, 9][..], &[5], &[6], &[], &[]]);
        let r = Reporter::new(Path::new("d.csv"), true);
        assert_eq!(
            r.format_group(&groups[0]),
            "error: d.csv, column \"to\": the `to` value is not an email address, in 2 rows: \
             rows 4, 9\n  hint: check the addresses in the data"
        );
        assert_eq!(
            r.format_group(&groups[1]),
            "error: d.csv row 5, column \"cc\": the `to` value `z` is not an email address\n  \
             hint: check the address in row 5"
        );
        // The same problem twice in one row: both said, each as itself.
        let twice = [bad(3, "a"), bad(3, "b")];
        let groups = group(&twice);
        assert_eq!(groups.len(), 1);
        assert_eq!(r.format_group(&groups[0]).matches("row 3,").count(), 2);
        // Kinds the caller tells apart stay apart.
        let by_kind = group_by([(1, &problems[0]), (2, &problems[1])]);
        assert_eq!(by_kind.len(), 2);
    }

    #[test]
    fn the_rows_phrase_names_the_first_runs_and_counts_the_rest() {
        let rows_phrase = |rows: &[u64]| super::rows_phrase(&RowRuns::from_sorted(rows));
        assert_eq!(rows_phrase(&[7]), "row 7");
        assert_eq!(rows_phrase(&[2, 3, 4, 7, 9, 10]), "rows 2-4, 7, 9-10");
        assert_eq!(
            rows_phrase(&[2, 3, 4, 7, 9, 10, 12]),
            "rows 2-4, 7, 9-10 and 1 more"
        );
        let many: Vec<u64> = (0..1207).map(|i| 57 + 24 * i).collect();
        assert_eq!(rows_phrase(&many), "rows 57, 81, 105 and 1,204 more");
        assert_eq!(rows_phrase(&(2..7455).collect::<Vec<u64>>()), "rows 2-7454");
        // Rows past the runs a set lists are counted with the rest.
        let mut capped = RowRuns::default();
        for i in 0..100_000 {
            capped.push(10 + 3 * i);
        }
        assert!(capped.unlisted() > 0);
        assert_eq!(
            super::rows_phrase(&capped),
            "rows 10, 13, 16 and 99,997 more"
        );
    }

    #[test]
    fn thousands_are_separated() {
        assert_eq!(thousands(0), "0");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1204), "1,204");
        assert_eq!(thousands(1_234_567), "1,234,567");
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

    #[test]
    fn a_problem_log_below_its_limit_groups_as_the_problems_do() {
        let problems: Vec<Problem> = (2..40)
            .map(|row| {
                Problem::warning(format!("row {row} has the long name {row}"))
                    .at_row(row)
                    .grouped_as("the name is long")
            })
            .chain([Problem::error("no such column").in_column("zip")])
            .collect();
        let mut log = ProblemLog::default();
        for p in &problems {
            log.push(p.clone());
        }
        let r = Reporter::new(Path::new("d.csv"), true);
        let plain: Vec<String> = group(&problems).iter().map(|g| r.format_group(g)).collect();
        let logged: Vec<String> = log.groups().iter().map(|g| r.format_group(g)).collect();
        assert_eq!(plain, logged);
        assert_eq!(log.len(), problems.len());
        assert_eq!(log.kept().len(), problems.len());
    }

    #[test]
    fn a_problem_log_keeps_rows_not_problems_past_its_limit_and_counts_exactly() {
        let mut log = ProblemLog::default();
        let n = MAX_KEPT_PROBLEMS as u64 + 5_000;
        let warn = |row: u64| {
            Problem::warning(format!("row {row} has the same address as row 1"))
                .at_row(row)
                .grouped_as("the row has the same address as an earlier row")
        };
        for row in 2..2 + n {
            log.push(warn(row));
        }
        // A problem first seen past the limit makes a group of its own.
        log.push(Problem::warning("late").at_row(2 + n).in_column("zip"));
        assert_eq!(log.kept().len(), MAX_KEPT_PROBLEMS);
        assert_eq!(log.len(), n as usize + 1);
        let groups = log.groups();
        assert_eq!(groups.len(), 2, "{groups:?}");
        assert_eq!(groups[0].findings, n as usize);
        assert_eq!(groups[0].rows.len(), n as usize);
        assert_eq!(groups[0].rows.runs(), &[(2, 1 + n)]);
        assert_eq!(groups[1].rows.len(), 1);
        assert_eq!(groups[1].first().column.as_deref(), Some("zip"));
        let r = Reporter::new(Path::new("d.csv"), true);
        let text = r.format_group(&groups[0]);
        assert!(
            text.contains("the row has the same address as an earlier row, in 15,000 rows"),
            "{text}"
        );
    }

    #[test]
    fn a_problem_log_counts_what_it_cannot_group() {
        let mut log = ProblemLog::default();
        let mut row = 2;
        for _ in 0..MAX_KEPT_PROBLEMS {
            log.push(Problem::warning("kept").at_row(row));
            row += 1;
        }
        for k in 0..MAX_LOG_GROUPS + 7 {
            log.push(Problem::warning(format!("kind {k}")).at_row(row));
            row += 1;
        }
        assert_eq!(log.uncounted(), 7);
        assert_eq!(log.len(), MAX_KEPT_PROBLEMS + MAX_LOG_GROUPS + 7);
        assert_eq!(log.groups().len(), 1 + MAX_LOG_GROUPS);
    }
}
