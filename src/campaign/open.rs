//! Opening a campaign (template, data with its field matching, selection, email settings)
//! and checking its rows: what `check`, `preview` and the studio share.

use super::email::{campaign_key, email_settings};
use crate::checks::{plural, CheckReport, Checker, Kind};
use crate::config::Input;
use crate::email::{self, EmailSettings};
use crate::exit_codes::ExitCode;
use crate::images::ImageStore;
use crate::parallel;
use crate::records::{DataSource, SelectSpec, Selection};
use crate::report::{thousands, Group, Reporter};
use crate::row_runs::RowRuns;
use crate::template::forms::OfficeTable;
use crate::template::Template;
use crate::typeset::Typesetter;
use std::path::Path;

/// The sender used to check the emails when no config file gives one; never shown as
/// checked (a note says the config's `from` was not checked).
pub const UNCHECKED_FROM: &str = "Sender not set <sender-not-set@example.invalid>";

/// The template, the data and the selection of a check or preview, opened, and the email
/// settings `send` would use.
pub struct Opened {
    pub template: Template,
    pub data: DataSource,
    pub selection: Selection,
    pub settings: EmailSettings,
}

/// Opens what a check or preview reads; prints why and returns the exit code when one of
/// them is unusable (the template line of a syntax error, the `--where` column the data
/// lacks, a config `from` that is not an address).
pub fn open(
    input: &Input,
    select: &SelectSpec,
    from: Option<&str>,
    offices: &OfficeTable,
    reporter: &Reporter,
) -> Result<Opened, ExitCode> {
    let template = Template::load_with(&input.template, offices).map_err(|e| {
        eprintln!("error: {e}");
        eprintln!("the template has to be fixed before its rows can be checked");
        ExitCode::Problems
    })?;
    let data = DataSource::open(&input.data, &input.data_options).map_err(|e| {
        eprintln!("error: {e}");
        ExitCode::Problems
    })?;
    for notice in data.notices() {
        reporter.notice(notice);
    }
    let table = data.fields().table(&template.used_names());
    if !table.is_empty() {
        reporter.notice(&format!(
            "the template's fields come from these columns:\n    {}",
            table.join("\n    ")
        ));
    }
    let selection = select.resolve(data.headers()).map_err(|e| {
        eprintln!("error: {e}");
        ExitCode::Error
    })?;
    let settings = sender_settings(&template, from, &input.data, data.sheet_name());
    let problems = email::check_settings(&settings);
    if !problems.is_empty() {
        reporter.problems(&problems);
        eprintln!("error: fix `from` in the config file and run again");
        return Err(ExitCode::Problems);
    }
    Ok(Opened {
        template,
        data,
        selection,
        settings,
    })
}

/// Checks every selected row and lists the problems on the terminal (`all`: every row's
/// one by one, see [`print_findings`]).
pub fn check_and_list(
    opened: &Opened,
    settings: Option<&EmailSettings>,
    print: bool,
    all: bool,
    images: &ImageStore,
    reporter: &Reporter,
) -> Result<CheckReport, ExitCode> {
    let report = check_rows(
        &opened.template,
        &opened.data,
        &opened.selection,
        settings,
        print,
        images,
    )
    .map_err(|message| {
        eprintln!("error: {message}");
        ExitCode::Problems
    })?;
    print_findings(reporter, &report, all);
    Ok(report)
}

/// The email settings `send` would use, with the config's `from` or, without a config file,
/// a placeholder sender.
pub fn sender_settings(
    template: &Template,
    from: Option<&str>,
    data: &Path,
    sheet: Option<&str>,
) -> EmailSettings {
    email_settings(
        template,
        from.unwrap_or(UNCHECKED_FROM).to_string(),
        &campaign_key(data, sheet, template.path()),
        None,
    )
}

/// Runs the row checks; `print` typesets every letter too.
pub fn check_rows(
    template: &Template,
    data: &DataSource,
    selection: &Selection,
    settings: Option<&EmailSettings>,
    print: bool,
    images: &ImageStore,
) -> Result<CheckReport, String> {
    let typesetters = if print {
        Typesetter::per_worker(template.style(), parallel::workers())
            .map_err(|e| format!("{}: {e:#}", template.path().display()))?
    } else {
        Vec::new()
    };
    Checker {
        template,
        data,
        selection,
        email: settings,
        typesetters,
        images,
    }
    .run()
    .map_err(|p| p.to_string())
}

/// The lines of the terminal the problems of one severity take at most by default: the
/// warnings, the errors, a line for each saying what is not shown, the counts and the
/// notes fit on one 50-line screen whatever the mix.
pub const LINES_PER_SEVERITY: usize = 16;

/// Warnings first, then errors (the last lines on the screen are the ones that stop a run).
/// By default the same problem in many rows is one entry ([`CheckReport::groups`]), and
/// each severity takes at most [`LINES_PER_SEVERITY`] lines, then one line says how many
/// problems are not shown; `all` lists every finding on its own, in row order.
pub fn print_findings(reporter: &Reporter, report: &CheckReport, all: bool) {
    for errors in [false, true] {
        if all {
            for f in report.findings.iter() {
                if f.problem.is_error() == errors {
                    reporter.problem(&f.problem);
                }
            }
            // Past the findings kept in full, each group once with all its rows.
            for b in &report.beyond {
                if b.finding.problem.is_error() == errors {
                    let g = Group {
                        key: b.finding.kind,
                        members: vec![&b.finding.problem],
                        findings: b.count,
                        rows: b.rows.clone(),
                    };
                    reporter.text(&reporter.format_group(&g));
                }
            }
            let (uncounted, what) = if errors {
                (report.uncounted.0, "errors")
            } else {
                (report.uncounted.1, "warnings")
            };
            if uncounted > 0 {
                reporter.text(&format!(
                    "... and {} more {what} of other kinds, past the first {} findings and {} groups (fix these and check again)",
                    thousands(uncounted),
                    thousands(crate::checks::MAX_FULL_FINDINGS as u64),
                    crate::checks::MAX_GROUPS_BEYOND
                ));
            }
        } else {
            for text in one_screen(reporter, &report.groups(errors), LINES_PER_SEVERITY) {
                reporter.text(&text);
            }
        }
    }
}

/// The groups formatted, as many as fit in `lines` lines (at least one), then, if some do
/// not, a line that counts them and every finding and row in them.
fn one_screen(reporter: &Reporter, groups: &[Group<'_, Kind>], lines: usize) -> Vec<String> {
    let mut out = Vec::new();
    let mut used = 0;
    for g in groups {
        let text = reporter.format_group(g);
        let n = text.lines().count();
        if !out.is_empty() && used + n > lines {
            break;
        }
        used += n;
        out.push(text);
    }
    let hidden = &groups[out.len()..];
    if let Some(first) = hidden.first() {
        let findings: usize = hidden.iter().map(|g| g.findings).sum();
        let mut rows = RowRuns::default();
        for g in hidden {
            rows.union(&g.rows);
        }
        // The rows a group only counts (past its first runs) cannot be told from another
        // group's: with several groups, say as many as surely have one.
        let (at_least, rows_in) = if hidden.len() > 1 && rows.unlisted() > 0 {
            let most = hidden.iter().map(|g| g.rows.len()).max().unwrap_or(0);
            ("at least ", most.max(rows.len() - rows.unlisted()))
        } else {
            ("", rows.len())
        };
        let what = if first.first().is_error() {
            plural(findings, "error", "errors")
        } else {
            plural(findings, "warning", "warnings")
        };
        out.push(format!(
            "... and {} more {} ({} {what} in {at_least}{} {}) not shown; --all lists every one",
            thousands(hidden.len() as u64),
            plural(hidden.len(), "problem", "problems"),
            thousands(findings as u64),
            thousands(rows_in as u64),
            plural(rows_in, "row", "rows"),
        ));
    }
    out
}
