//! The check run (`lettermerge check`): every selected row rendered, typeset and its email
//! checked, every problem listed at once, grouped, nothing written and nothing sent.

use crate::campaign::{check_and_list, open};
use crate::config::CheckConfig;
use crate::exit_codes::ExitCode;
use crate::images::ImageStore;
use crate::problem::Problem;
use crate::records::DataSource;
use crate::report::Reporter;
use crate::template::Template;

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
    if report.has_errors() {
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
