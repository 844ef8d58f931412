//! The check run (`lettermerge check`): every selected row rendered, typeset and its email
//! checked, every problem listed at once, grouped, nothing written and nothing sent.

use crate::checks::{CheckReport, Checker, Finding};
use crate::config::CheckConfig;
use crate::email::{self, EmailSettings};
use crate::exit_codes::ExitCode;
use crate::images::ImageStore;
use crate::parallel;
use crate::problem::Problem;
use crate::records::{DataSource, Selection};
use crate::report::Reporter;
use crate::send_run::{campaign_key, email_settings};
use crate::style::Style;
use crate::template::Template;
use crate::typeset::Typesetter;
use std::path::Path;

/// The sender used to check the emails when no config file gives one; never shown as
/// checked (a note says the config's `from` was not checked).
pub const UNCHECKED_FROM: &str = "Sender not set <sender-not-set@example.invalid>";

/// Runs `lettermerge check` and decides the exit code: 1 on errors, 0 on warnings only.
pub fn run(cfg: &CheckConfig) -> ExitCode {
    let reporter = Reporter::new(&cfg.input.data, cfg.quiet);
    let template = match Template::load(&cfg.input.template) {
        Ok(t) => t,
        Err(e) => {
            eprintln!("error: {e}");
            eprintln!("the template has to be fixed before its rows can be checked");
            return ExitCode::Problems;
        }
    };
    let data = match DataSource::open(&cfg.input.data, &cfg.input.data_options) {
        Ok(d) => d,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::Problems;
        }
    };
    for notice in data.notices() {
        reporter.notice(notice);
    }
    let selection = match cfg.select.resolve(data.headers()) {
        Ok(s) => s,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::Error;
        }
    };
    let settings = cfg
        .email
        .then(|| sender_settings(&template, cfg.from.as_deref(), &cfg.input.data));
    if let Some(settings) = &settings {
        let problems = email::check_settings(settings);
        if !problems.is_empty() {
            reporter.problems(&problems);
            eprintln!("error: fix `from` in the config file and run again");
            return ExitCode::Problems;
        }
    }
    let images = ImageStore::default();
    let report = match check_rows(
        &template,
        &data,
        &selection,
        settings.as_ref(),
        cfg.pdf,
        &images,
    ) {
        Ok(r) => r,
        Err(message) => {
            eprintln!("error: {message}");
            return ExitCode::Problems;
        }
    };
    print_findings(&reporter, &report);
    if cfg.email && cfg.from.is_none() && report.rows_without_from > 0 {
        reporter.notice(
            "no --config given, so the sender (`from` in the config file) was not checked; \
             pass --config lettermerge.toml to check it too",
        );
    }
    if report.rows == 0 && !cfg.select.is_all() {
        reporter.notice(&format!("no row matches {}", cfg.select.describe()));
    }
    reporter.summary(&report.summary());
    if report.errors().next().is_some() {
        ExitCode::Problems
    } else {
        ExitCode::Success
    }
}

/// The email settings `send` would use, with the config's `from` or, without a config file,
/// a placeholder sender.
pub fn sender_settings(template: &Template, from: Option<&str>, data: &Path) -> EmailSettings {
    email_settings(
        template,
        from.unwrap_or(UNCHECKED_FROM).to_string(),
        &campaign_key(data, template.path()),
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
        typesetters(template.style())
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

/// One typesetter per worker thread, each keeping its own caches.
pub fn typesetters(style: &Style) -> anyhow::Result<Vec<Typesetter>> {
    (0..parallel::workers())
        .map(|_| Typesetter::new(style))
        .collect()
}

/// Warnings first, then errors (the last lines on the screen are the ones that stop a run),
/// each the same problem in several rows once with all its rows.
pub fn print_findings(reporter: &Reporter, report: &CheckReport) {
    let problems = |f: &mut dyn Iterator<Item = &Finding>| -> Vec<Problem> {
        f.map(|f| f.problem.clone()).collect()
    };
    reporter.problems(&problems(&mut report.warnings()));
    reporter.problems(&problems(&mut report.errors()));
}
