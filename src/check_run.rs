//! The check run (`lettermerge check`): every selected row rendered, typeset and its email
//! checked, every problem listed at once, grouped, nothing written and nothing sent.

use crate::checks::{plural, CheckReport, Checker, Kind};
use crate::config::{CheckConfig, Input};
use crate::email::{self, EmailSettings};
use crate::exit_codes::ExitCode;
use crate::images::ImageStore;
use crate::parallel;
use crate::problem::Problem;
use crate::records::{DataSource, SelectSpec, Selection};
use crate::report::{thousands, Group, Reporter};
use crate::send_run::{campaign_key, email_settings};
use crate::template::forms::OfficeTable;
use crate::template::Template;
use crate::typeset::Typesetter;
use std::collections::BTreeSet;
use std::path::Path;

/// The sender used to check the emails when no config file gives one; never shown as
/// checked (a note says the config's `from` was not checked).
pub const UNCHECKED_FROM: &str = "Sender not set <sender-not-set@example.invalid>";

/// Runs `lettermerge check` and decides the exit code: 1 on errors, 0 on warnings only.
pub fn run(cfg: &CheckConfig) -> ExitCode {
    let reporter = Reporter::new(&cfg.input.data, cfg.quiet);
    if let Err(e) = Template::load_with(&cfg.input.template, &cfg.offices) {
        // No row can be rendered, but the data's own problems can still be listed now,
        // so that one run shows everything there is to fix.
        eprintln!("error: {e}");
        data_problems(cfg, &reporter);
        return ExitCode::Problems;
    }
    let opened = match open(
        &cfg.input,
        &cfg.select,
        cfg.from.as_deref(),
        &cfg.offices,
        &reporter,
    ) {
        Ok(o) => o,
        Err(code) => return code,
    };
    let images = ImageStore::default();
    // A template without `to` is for print only: unless --for email asks for it, its rows
    // are not checked as emails (every one would lack a recipient).
    let email = cfg.email && (opened.template.has_recipient() || !cfg.pdf);
    if cfg.email && !email {
        reporter.notice("the template has no `to`, so the rows were checked as letters only");
    }
    let settings = email.then_some(&opened.settings);
    let report = match check_and_list(&opened, settings, cfg.pdf, cfg.all, &images, &reporter) {
        Ok(r) => r,
        Err(code) => return code,
    };
    if email && cfg.from.is_none() && report.rows_without_from > 0 {
        reporter.notice(
            "no [smtp] settings given (--config with an [smtp] table), so the sender (`from`) was \
             not checked; pass --config lettermerge.toml to check it too",
        );
    }
    if report.rows == 0 && !cfg.select.is_all() {
        reporter.notice(&format!("no row matches {}", cfg.select.describe()));
    }
    if let Some(tally) = report.tally() {
        reporter.summary(&format!("by kind: {tally}"));
    }
    reporter.summary(&report.summary());
    if report.errors().next().is_some() {
        ExitCode::Problems
    } else {
        ExitCode::Success
    }
}

/// With a template that cannot be used: the problems the data has on its own (rows with
/// too many or too few fields, cells Excel shows as errors), among the selected rows.
fn data_problems(cfg: &CheckConfig, reporter: &Reporter) {
    let read = || -> Result<(usize, Vec<Problem>), String> {
        let data = DataSource::open(&cfg.input.data, &cfg.input.data_options)
            .map_err(|e| e.to_string())?;
        for notice in data.notices() {
            reporter.notice(notice);
        }
        let selection = cfg
            .select
            .resolve(data.headers())
            .map_err(|e| e.to_string())?;
        let records = data.records().map_err(|e| e.to_string())?;
        let mut rows = 0usize;
        let mut problems = Vec::new();
        for item in selection.apply(records) {
            rows += 1;
            if let Err(p) = item {
                let ends_the_pass = p.row.is_none();
                problems.push(p);
                if ends_the_pass {
                    break;
                }
            }
        }
        Ok((rows, problems))
    };
    match read() {
        Ok((rows, problems)) => {
            reporter.problems(&problems);
            reporter.summary(&format!(
                "the template has to be fixed before its letters can be checked; {rows} rows \
                 read: {} with problems of their own",
                problems.len()
            ));
        }
        Err(e) => eprintln!("error: {e}"),
    }
}

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
        let findings: usize = hidden.iter().map(|g| g.members.len()).sum();
        let rows: BTreeSet<u64> = hidden.iter().flat_map(|g| g.rows.iter().copied()).collect();
        let what = if first.first().is_error() {
            plural(findings, "error", "errors")
        } else {
            plural(findings, "warning", "warnings")
        };
        out.push(format!(
            "... and {} more {} ({} {what} in {} {}) not shown; --all lists every one",
            thousands(hidden.len() as u64),
            plural(hidden.len(), "problem", "problems"),
            thousands(findings as u64),
            thousands(rows.len() as u64),
            plural(rows.len(), "row", "rows"),
        ));
    }
    out
}
