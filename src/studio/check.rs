//! The Check screen and the row stepper: the `check` report of the campaign (counts, then
//! each problem with its rows as links), and one row at a time (previous, next, find by
//! name) with its problems, its fields, its page and its email, and the choice to leave it
//! out. The report is the command line's own (`campaign::check_rows`), kept while no file
//! changes.

use super::campaign::Loaded;
use super::html::{self, escape};
use super::Studio;
use crate::campaign;
use crate::checks::CheckReport;
use crate::config::send::SmtpConfig;
use crate::images::ImageStore;
use crate::records::{DataSource, Selection};
use crate::report::thousands;
use crate::template::Template;
use axum::extract::{Query, State};
use axum::response::Response;
use std::sync::{Arc, Mutex};
use std::time::SystemTime;

/// Row links shown under one problem; the rest are counted ("and 212 more").
const ROW_LINKS: usize = 40;

/// What a check was made from: the data chosen, and its three files as they were.
type Stamp = (String, Option<String>, Vec<Option<(SystemTime, u64)>>);

/// A check of the campaign, and what it was made from.
pub(crate) struct Checked {
    pub report: CheckReport,
    /// Whether the rows were checked as emails too (the template has `to`).
    pub email: bool,
    stamp: Stamp,
}

/// The last check, reused while its files are unchanged.
#[derive(Default)]
pub(crate) struct Cache(Mutex<Option<Arc<Checked>>>);

fn stamp(studio: &Studio) -> Stamp {
    let files = studio.files();
    let stamps = [&files.template, &files.data, &files.config]
        .iter()
        .map(|p| {
            let m = std::fs::metadata(p).ok()?;
            Some((m.modified().ok()?, m.len()))
        })
        .collect();
    (files.data_name, files.sheet, stamps)
}

/// Checks every row (not the excluded ones) as `lettermerge check --config` does: as letters
/// and, when the template has a recipient, as emails. Blocking.
pub(crate) fn checked(studio: &Studio) -> Result<Arc<Checked>, String> {
    let now = stamp(studio);
    let mut cache = studio.checks.0.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(hit) = cache.as_ref().filter(|c| c.stamp == now) {
        return Ok(Arc::clone(hit));
    }
    let files = studio.files();
    let input = studio.input()?;
    let config = crate::output::occupied(&files.config).then_some(files.config.as_path());
    let offices = crate::config::forms::load(config).map_err(|e| e.0)?;
    let from = config
        .map(SmtpConfig::load_if_present)
        .transpose()
        .map_err(|e| e.0)?
        .flatten()
        .map(|c| c.from);
    let template = Template::load_with(&input.template, &offices).map_err(|e| e.to_string())?;
    let data = DataSource::open(&input.data, &input.data_options).map_err(|e| e.to_string())?;
    let settings =
        campaign::sender_settings(&template, from.as_deref(), &input.data, data.sheet_name());
    let email = template.has_recipient();
    let report = campaign::check_rows(
        &template,
        &data,
        &Selection::all(),
        email.then_some(&settings),
        true,
        &ImageStore::default(),
    )?;
    let checked = Arc::new(Checked {
        report,
        email,
        stamp: now,
    });
    *cache = Some(Arc::clone(&checked));
    Ok(checked)
}

/// GET `/check`.
pub(crate) async fn page(State(studio): State<Arc<Studio>>) -> Response {
    html::screen(studio, "Check", "Check", screen).await
}

fn not_started() -> String {
    r#"<section class="card message"><h1>No campaign yet</h1><p>Start one on the <a href="/">Data</a> screen.</p></section>"#.to_string()
}

fn screen(studio: &Studio) -> String {
    if !super::data::is_started(&studio.dir) {
        return not_started();
    }
    let checked = match checked(studio) {
        Ok(c) => c,
        Err(e) => {
            return format!(
                r#"<section class="card"><h1>Check</h1><p class="error" role="alert">{}</p><p>Fix it on the <a href="/letter">Letter</a> or <a href="/">Data</a> screen, then come back.</p></section>"#,
                escape(&e)
            )
        }
    };
    let report = &checked.report;
    let (errors, warnings) = report.finding_counts();
    let ready = report.rows.saturating_sub(report.error_rows());
    let verdict = if errors == 0 {
        r#"<p class="verdict good">Every letter is ready.</p>"#.to_string()
    } else {
        format!(
            r#"<p class="verdict bad">{} {} errors: fix them (or leave the rows out) before anything is printed or sent.</p>"#,
            thousands(report.error_rows()),
            if report.error_rows() == 1 {
                "row has"
            } else {
                "rows have"
            }
        )
    };
    let mut out = format!(
        r#"<section class="card check">
<div class="card-head"><h1>Check</h1><a class="button" href="/row">Step through the letters →</a></div>
<div class="counts">
<div class="count-box"><span class="n">{rows}</span><span class="l">rows checked</span></div>
<div class="count-box good"><span class="n">{ready}</span><span class="l">ready</span></div>
<div class="count-box{bad}"><span class="n">{error_rows}</span><span class="l">with errors</span></div>
<div class="count-box{warn}"><span class="n">{warnings}</span><span class="l">warnings</span></div>
</div>
{verdict}
<p class="meta">{summary}{how}</p>"#,
        rows = thousands(report.rows),
        ready = thousands(ready),
        error_rows = thousands(report.error_rows()),
        warnings = thousands(warnings as u64),
        bad = if errors > 0 { " bad" } else { "" },
        warn = if warnings > 0 { " warn" } else { "" },
        summary = escape(&report.summary()),
        how = if checked.email {
            " · checked as letters and as emails"
        } else {
            " · checked as letters (the template has no `to`, so no email)"
        },
    );
    for (is_error, title) in [(true, "Errors"), (false, "Warnings")] {
        let groups = report.groups(is_error);
        if groups.is_empty() {
            continue;
        }
        out.push_str(&format!(
            r#"<h2>{title}</h2><ul class="problems {}">"#,
            if is_error { "errors" } else { "warnings" }
        ));
        for g in &groups {
            let p = g.first();
            let message = if g.rows.len() > 1 {
                p.group_message()
            } else {
                &p.message
            };
            let hint = if g.rows.len() > 1 {
                p.group_hint()
            } else {
                p.hint.as_deref()
            };
            let column = p
                .column
                .as_ref()
                .map(|c| format!(r#"<span class="column">column “{}”</span> "#, escape(c)))
                .unwrap_or_default();
            let mut item = format!(r#"<li><p class="what">{column}{}</p>"#, escape(message));
            if let Some(hint) = hint {
                item.push_str(&format!(r#"<p class="hint">{}</p>"#, escape(hint)));
            }
            if !g.rows.is_empty() {
                item.push_str(&format!(
                    r#"<p class="rows-of">{} {}: "#,
                    thousands(g.rows.len() as u64),
                    if g.rows.len() == 1 { "row" } else { "rows" }
                ));
                for r in g.rows.iter().take(ROW_LINKS) {
                    item.push_str(&format!(
                        r#"<a class="row-link" href="/row?n={r}">{r}</a> "#
                    ));
                }
                if g.rows.len() > ROW_LINKS {
                    item.push_str(&format!(
                        "and {} more",
                        thousands((g.rows.len() - ROW_LINKS) as u64)
                    ));
                }
                item.push_str("</p>");
            }
            item.push_str("</li>");
            out.push_str(&item);
        }
        out.push_str("</ul>");
    }
    out.push_str(&format!(
        r#"<p class="cli">On the command line: <code>{}</code></p></section>"#,
        escape(&studio.files().command("check"))
    ));
    out
}

/// GET `/row?n=N` (`&find=TEXT`, `&go=next|prev`): one row of the data.
pub(crate) async fn row(
    State(studio): State<Arc<Studio>>,
    Query(params): Query<Vec<(String, String)>>,
) -> Response {
    let get = |k: &str| {
        params
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
    };
    let n = get("n").and_then(|v| v.trim().parse::<u64>().ok());
    let find = get("find")
        .map(|f| f.trim().to_string())
        .filter(|f| !f.is_empty());
    html::screen(studio, "Row", "Check", move |s| {
        row_screen(s, n, find.as_deref())
    })
    .await
}

/// The first row after `after` (wrapping round) with a cell that contains `text`, ignoring
/// case.
fn find_row(loaded: &Loaded, after: Option<u64>, text: &str) -> Option<u64> {
    let needle = text.to_lowercase();
    let start = after
        .and_then(|a| loaded.records.iter().position(|r| r.row > a))
        .unwrap_or(0);
    let n = loaded.records.len();
    (0..n)
        .map(|i| &loaded.records[(start + i) % n])
        .find(|r| r.fields.iter().any(|c| c.to_lowercase().contains(&needle)))
        .map(|r| r.row)
}

fn row_screen(studio: &Studio, n: Option<u64>, find: Option<&str>) -> String {
    if !super::data::is_started(&studio.dir) {
        return not_started();
    }
    let loaded = match studio.loaded() {
        Ok(l) => l,
        Err(e) => {
            return format!(
                r#"<section class="card"><p class="error">{}</p></section>"#,
                escape(&e)
            )
        }
    };
    let Some(first) = loaded.records.first() else {
        return format!(
            r#"<section class="card"><h1>No rows</h1><p>{} has no data rows.</p></section>"#,
            escape(&loaded.name)
        );
    };
    let mut notice = String::new();
    let row = match find {
        Some(text) => match find_row(&loaded, n, text) {
            Some(r) => r,
            None => {
                notice = format!(
                    r#"<p class="error" role="alert">No row has “{}”.</p>"#,
                    escape(text)
                );
                n.unwrap_or(first.row)
            }
        },
        None => n.unwrap_or(first.row),
    };
    let Some(index) = loaded.records.iter().position(|r| r.row >= row) else {
        return format!(
            r#"<section class="card"><p class="error">{} has no row {row}.</p><p><a href="/row">First row</a></p></section>"#,
            escape(&loaded.name)
        );
    };
    let record = &loaded.records[index];
    let prev = index.checked_sub(1).map(|i| loaded.records[i].row);
    let next = loaded.records.get(index + 1).map(|r| r.row);
    let link = |target: Option<u64>, label: &str, rel: &str| match target {
        Some(r) => format!(r#"<a class="button" rel="{rel}" href="/row?n={r}">{label}</a>"#),
        None => format!(r#"<span class="button disabled">{label}</span>"#),
    };
    let excluded = loaded.excluded.contains(&record.row);

    // The row's problems, from the check (an excluded row is not checked).
    let problems = match checked(studio) {
        Ok(c) => {
            let items: Vec<String> = c
                .report
                .for_row(record.row)
                .map(|f| {
                    let class = if f.problem.is_error() {
                        "error-item"
                    } else {
                        "warning-item"
                    };
                    let mut s = format!(
                        r#"<li class="{class}"><strong>{}</strong> {}"#,
                        if f.problem.is_error() {
                            "Error"
                        } else {
                            "Warning"
                        },
                        escape(&f.problem.message)
                    );
                    if let Some(h) = &f.problem.hint {
                        s.push_str(&format!(r#"<br><span class="hint">{}</span>"#, escape(h)));
                    }
                    s.push_str("</li>");
                    s
                })
                .collect();
            if excluded {
                r#"<p class="meta">This row is left out, so it is not checked.</p>"#.to_string()
            } else if items.is_empty() {
                r#"<p class="verdict good">No problems: this letter is ready.</p>"#.to_string()
            } else {
                format!(r#"<ul class="row-problems">{}</ul>"#, items.join(""))
            }
        }
        Err(e) => format!(r#"<p class="error">{}</p>"#, escape(&e)),
    };

    let headers = record.headers();
    let mut cells = String::new();
    for (i, name) in headers.names.iter().enumerate() {
        let value = record.fields.get(i).map(String::as_str).unwrap_or("");
        let derived = i >= headers.file_len;
        // A standard field the data has nothing for is noise here.
        if derived && value.is_empty() {
            continue;
        }
        cells.push_str(&format!(
            r#"<tr{}><th scope="row">{}</th><td>{}</td></tr>"#,
            if derived {
                r#" class="derived" title="worked out from the columns""#
            } else {
                ""
            },
            escape(name),
            escape(value).replace('\n', "<br>")
        ));
    }
    let position = format!(
        "Row {} · {} of {}",
        record.row,
        thousands(index as u64 + 1),
        thousands(loaded.records.len() as u64)
    );
    let preview = format!(
        r#"{}<p><a class="button" href="/letter?row={}">Edit the letter for this row →</a></p>"#,
        super::letter::row_preview(studio, record),
        index + 1
    );
    format!(
        r#"<section class="card row-view{excluded_class}">
<div class="card-head"><h1>{position}</h1>
<div class="stepper">{prev}{next}
<form class="find" method="get" action="/row"><input type="hidden" name="n" value="{row}"><input type="search" name="find" placeholder="Find by name" aria-label="Find a row by name" value="{find}"><button type="submit">Find</button></form>
</div></div>
{notice}
<p class="include-row"><label><input type="checkbox" name="include" value="{row}" data-exclude{checked}> Include this row in the letters and emails</label> <span class="left-out-count">{left_out}</span></p>
<p class="exclude-error error" role="alert" hidden></p>
{problems}
<div class="row-grid">
<div class="row-preview">{preview}</div>
<details class="row-fields"><summary>The row's fields</summary><table class="fields-of-row">{cells}</table></details>
</div>
<p><a href="/check">← Back to the check</a></p>
</section>"#,
        prev = link(prev, "← Previous", "prev"),
        next = link(next, "Next →", "next"),
        row = record.row,
        find = escape(find.unwrap_or("")),
        checked = if excluded { "" } else { " checked" },
        excluded_class = if excluded { " excluded" } else { "" },
        left_out = if loaded.excluded.is_empty() {
            String::new()
        } else {
            format!("{} left out", loaded.excluded.len())
        },
    )
}
