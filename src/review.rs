//! The review page of `preview --html FILE`: one self-contained HTML file (inline CSS, no
//! scripts, no external URLs, works offline) covering every selected row: a summary of the
//! problems at the top, then per row its problems, its email as the recipient will see it
//! and a link to its PDF, which is written into a folder beside the page.
//!
//! Every value from the data is HTML-escaped where it goes into the page. The email's HTML
//! body is a whole document of its own: it goes into a sandboxed `<iframe srcdoc>` (escaped
//! as an attribute value, and the sandbox allows no scripts), so even a mistake in the
//! email's own escaping could not put markup into the review page.

use crate::campaign::preview::{claim_folder, open, pdf_config};
use crate::campaign::{check_and_list, print, Opened};
use crate::checks::{plural, CheckReport, Finding};
use crate::clash::RunFiles;
use crate::config::PreviewConfig;
use crate::email;
use crate::exit_codes::ExitCode;
use crate::images::ImageStore;
use crate::input_file::open_regular;
use crate::markup::{escape as esc, percent_encode as url_segment};
use crate::output::{occupied, write_atomically};
use crate::parallel;
use crate::problem::{Problem, Severity};
use crate::records::Record;
use crate::report::{thousands, Reporter};
use crate::row_runs::RowRuns;
use std::collections::HashMap;
use std::fmt::Write as _;
use std::io::{self, Write};
use std::path::Path;

const CSS: &str = "\
body{font-family:system-ui,-apple-system,'Segoe UI',Roboto,sans-serif;margin:0;background:#f4f5f7;color:#1d2329;line-height:1.45}
main{max-width:60rem;margin:0 auto;padding:1rem 1.25rem 3rem}
h1{font-size:1.5rem;margin:.5rem 0}
h2{font-size:1.15rem;margin:0 0 .5rem}
section{background:#fff;border:1px solid #d8dce1;border-radius:6px;padding:1rem 1.25rem;margin:1rem 0}
.meta{color:#5a6570;font-size:.9rem}
table{border-collapse:collapse;margin:.5rem 0}
td,th{border:1px solid #d8dce1;padding:.25rem .6rem;text-align:left;vertical-align:top}
th{background:#f0f2f4}
.num{text-align:right}
ul.problems{padding-left:1.2rem;margin:.5rem 0}
.error{color:#a4161a}
.warning{color:#8a5a00}
.ok{color:#1e6b34}
.hint{color:#5a6570;display:block}
.badge{display:inline-block;font-size:.8rem;padding:0 .45rem;border-radius:.6rem;margin-left:.4rem;vertical-align:middle}
.badge.error{background:#fde2e2}.badge.warning{background:#fff1cc}.badge.ok{background:#dcf3e3}
dl.headers{display:grid;grid-template-columns:max-content 1fr;gap:.1rem .8rem;margin:.5rem 0;font-size:.92rem}
dl.headers dt{font-weight:600;color:#5a6570}
dl.headers dd{margin:0;overflow-wrap:anywhere}
iframe{width:100%;height:30rem;border:1px solid #d8dce1;border-radius:4px;background:#fff}
a{color:#1b4f72}
";

/// Writes the review page and its PDFs. Exit code 1 when a row has an error.
pub fn run(cfg: &PreviewConfig, file: &Path, pdf_dir: &Path) -> ExitCode {
    let reporter = Reporter::new(&cfg.input.data, cfg.quiet);
    let opened = match open(cfg, &reporter) {
        Ok(o) => o,
        Err(code) => return code,
    };
    let images = ImageStore::default();
    // A template without `to` is for print only: its rows are checked and shown as letters.
    let for_email = opened.template.has_recipient();
    let settings = for_email.then_some(&opened.settings);
    if let Err(message) = check_page(cfg, file, &opened, &images) {
        eprintln!("error: {message}");
        return ExitCode::Error;
    }
    let report = match check_and_list(&opened, settings, true, false, &images, &reporter) {
        Ok(r) => r,
        Err(code) => return code,
    };
    // Again with the images the letters show, then the PDFs' folder is made preview's own;
    // all before the first byte is written.
    if let Err(message) =
        check_page(cfg, file, &opened, &images).and_then(|()| claim_folder(pdf_dir, "--html"))
    {
        eprintln!("error: {message}");
        return ExitCode::Error;
    }

    // The PDFs: the print engine's own run, the rows with errors left out; its problems
    // are the ones just listed, so it reports nothing itself.
    let pdfs = if report.rows > report.error_rows() {
        match print::write_letters(
            &pdf_config(cfg, pdf_dir),
            &Reporter::silent(&cfg.input.data),
        ) {
            Ok(letters) => letters.files,
            Err((ExitCode::Error, message)) => {
                eprintln!("error: {message}");
                return ExitCode::Error;
            }
            Err(_) => HashMap::new(),
        }
    } else {
        HashMap::new()
    };
    let folder = pdf_dir
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();

    let page = Page {
        cfg,
        opened: &opened,
        report: &report,
        pdfs: &pdfs,
        folder: &folder,
    };
    if let Some(parent) = file.parent().filter(|p| !p.as_os_str().is_empty()) {
        if let Err(e) = std::fs::create_dir_all(parent) {
            eprintln!("error: cannot create the folder {}: {e}", parent.display());
            return ExitCode::Error;
        }
    }
    if let Err(e) = write_atomically(file, true, |w| page.write(w)) {
        eprintln!("error: cannot write {}: {e}", file.display());
        return ExitCode::Error;
    }
    reporter.summary(&format!(
        "{}; review page {} ({} PDFs in {})",
        report.summary(),
        file.display(),
        pdfs.len(),
        pdf_dir.display()
    ));
    if report.has_errors() {
        ExitCode::Problems
    } else {
        ExitCode::Success
    }
}

/// Said in every review page's head, so that a later preview knows the file is its own.
const GENERATOR: &str = "<meta name=\"generator\" content=\"lettermerge preview --html\">";

/// How much of an existing file is read to recognise an earlier review page.
const PAGE_HEAD_BYTES: u64 = 4096;

/// The review page may replace neither an input (data, template, config, fonts, images) nor
/// a file that is not an earlier review page.
fn check_page(
    cfg: &PreviewConfig,
    file: &Path,
    opened: &Opened,
    images: &ImageStore,
) -> Result<(), String> {
    let mut files = RunFiles::for_run(
        &cfg.input.data,
        &cfg.input.template,
        cfg.input.config.as_deref(),
        &opened.template.style().font,
    );
    files.images(images);
    files
        .output("review page", file)
        .map_err(|e| e.to_string())?;
    if occupied(file) && !is_review_page(file) {
        return Err(format!(
            "--html {} already exists and is not an earlier review page; choose another file \
             name for the page, or move that file away",
            file.display()
        ));
    }
    Ok(())
}

/// Whether the file at `path` is a review page an earlier preview wrote: a regular file whose
/// head says so (a symlink, a FIFO or anything else is not).
fn is_review_page(path: &Path) -> bool {
    if std::fs::symlink_metadata(path).map_or(true, |m| !m.is_file()) {
        return false;
    }
    let Ok(file) = open_regular(path) else {
        return false;
    };
    let mut head = Vec::new();
    if io::Read::read_to_end(&mut io::Read::take(file, PAGE_HEAD_BYTES), &mut head).is_err() {
        return false;
    }
    let head = String::from_utf8_lossy(&head);
    head.starts_with("<!DOCTYPE html>")
        && (head.contains(GENERATOR) || head.contains("<title>Review: "))
}

/// What the page is made of.
struct Page<'a> {
    cfg: &'a PreviewConfig,
    opened: &'a Opened,
    report: &'a CheckReport,
    /// Row -> PDF file name in `folder`.
    pdfs: &'a HashMap<u64, String>,
    folder: &'a str,
}

impl Page<'_> {
    fn write(&self, w: &mut dyn Write) -> io::Result<()> {
        let mut head = String::with_capacity(8192);
        self.head(&mut head);
        w.write_all(head.as_bytes())?;
        // Rows are rendered again on every core and written in row order: the page of
        // thousands of letters is never held in memory whole.
        let records = self
            .opened
            .data
            .records()
            .map_err(|e| io::Error::other(e.to_string()))?;
        let records = self.opened.selection.apply(records);
        parallel::ordered_map(
            records,
            vec![(); parallel::workers()],
            |_, record| self.row_section(record),
            |section: String| w.write_all(section.as_bytes()),
        )?;
        w.write_all(b"</main>\n</body>\n</html>\n")
    }

    fn head(&self, out: &mut String) {
        let r = self.report;
        let data_name = file_name(&self.cfg.input.data);
        let template_name = file_name(&self.cfg.input.template);
        out.push_str("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n");
        out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
        out.push_str(GENERATOR);
        out.push('\n');
        // No fetches of any kind: everything the page shows is in this file or beside it.
        out.push_str(
            "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; \
             style-src 'unsafe-inline'; frame-src 'self' about:; img-src 'self' data:\">\n",
        );
        let _ = write!(
            out,
            "<title>Review: {}</title>\n<style>\n{CSS}</style>\n</head>\n<body>\n<main>\n",
            esc(&data_name)
        );
        let _ = write!(
            out,
            "<h1>Review of {} letters</h1>\n<p class=\"meta\">Data {} · template {}{}</p>\n",
            r.rows,
            esc(&data_name),
            esc(&template_name),
            if self.cfg.select.is_all() {
                String::new()
            } else {
                format!(
                    " · selected with <code>{}</code>",
                    esc(&self.cfg.select.describe())
                )
            }
        );
        let (errors, warnings) = r.finding_counts();
        out.push_str("<section id=\"summary\">\n<h2>Summary</h2>\n");
        let _ = write!(
            out,
            "<table>\n<tr><th>Rows</th><td>{}</td></tr>\n\
             <tr><th>Errors</th><td class=\"{}\">{errors} in {} {}</td></tr>\n\
             <tr><th>Warnings</th><td class=\"{}\">{warnings}</td></tr>\n\
             <tr><th>PDFs written</th><td>{} in {}/</td></tr>\n</table>\n",
            r.rows,
            if errors > 0 { "error" } else { "ok" },
            r.error_rows(),
            plural(r.error_rows() as usize, "row", "rows"),
            if warnings > 0 { "warning" } else { "ok" },
            self.pdfs.len(),
            esc(self.folder),
        );
        let counts = r.counts();
        if counts.is_empty() {
            out.push_str("<p class=\"ok\">No problems found.</p>\n");
        } else {
            out.push_str("<h3>Problems by kind</h3>\n<table>\n<tr><th>Kind</th><th>Severity</th><th>Count</th></tr>\n");
            for (kind, is_error, n) in counts {
                let class = if is_error { "error" } else { "warning" };
                let _ = writeln!(
                    out,
                    "<tr><td>{}</td><td class=\"{class}\">{class}</td><td class=\"num\">{n}</td></tr>",
                    esc(kind.label())
                );
            }
            out.push_str("</table>\n<h3>Every problem</h3>\n<ul class=\"problems\">\n");
            // The same problem in many rows is one item, with links to all its rows.
            for g in r.groups(true).into_iter().chain(r.groups(false)) {
                if g.rows.len() < 2 {
                    for p in &g.members {
                        out.push_str("<li>");
                        problem_html(p, &RowRuns::from_sorted(p.row.as_slice()), false, out);
                        out.push_str("</li>\n");
                    }
                } else {
                    out.push_str("<li>");
                    problem_html(g.first(), &g.rows, true, out);
                    out.push_str("</li>\n");
                }
            }
            out.push_str("</ul>\n");
        }
        if self.cfg.from.is_none() && r.rows_without_from > 0 {
            out.push_str(
                "<p class=\"meta\">No config file was given, so the sender shown is a \
                 placeholder and the config's <code>from</code> was not checked.</p>\n",
            );
        }
        out.push_str("</section>\n");
    }

    /// One row's section: its problems, its email, its PDF.
    fn row_section(&self, record: Result<Record, Problem>) -> String {
        let mut out = String::with_capacity(16 * 1024);
        let (row, record) = match record {
            Ok(r) => (r.row, Some(r)),
            Err(p) => match p.row {
                Some(row) => (row, None),
                None => return out,
            },
        };
        let findings: Vec<&Finding> = self.report.for_row(row).collect();
        let letter = record
            .as_ref()
            .and_then(|r| self.opened.template.render(r).ok());
        let name = letter
            .as_ref()
            .and_then(|l| l.address.first().cloned().or_else(|| l.email.to.clone()))
            .or_else(|| {
                record
                    .as_ref()
                    .and_then(|r| r.fields.iter().find(|f| !f.trim().is_empty()).cloned())
            })
            .unwrap_or_else(|| "(no name)".to_string());
        let errors = findings.iter().filter(|f| f.problem.is_error()).count();
        let warnings = findings.len() - errors;
        let _ = write!(
            out,
            "<section class=\"row\" id=\"row-{row}\">\n<h2>Row {row}: {}",
            esc(&name)
        );
        if errors > 0 {
            let _ = write!(
                out,
                "<span class=\"badge error\">{errors} {}</span>",
                plural(errors, "error", "errors")
            );
        }
        if warnings > 0 {
            let _ = write!(
                out,
                "<span class=\"badge warning\">{warnings} {}</span>",
                plural(warnings, "warning", "warnings")
            );
        }
        if findings.is_empty() {
            out.push_str("<span class=\"badge ok\">no problems</span>");
        }
        out.push_str("</h2>\n");
        if !findings.is_empty() {
            out.push_str("<ul class=\"problems\">\n");
            for f in &findings {
                out.push_str("<li>");
                problem_html(&f.problem, &RowRuns::default(), false, &mut out);
                out.push_str("</li>\n");
            }
            out.push_str("</ul>\n");
        }
        match self.pdfs.get(&row) {
            Some(pdf) => {
                let href = format!("{}/{}", url_segment(self.folder), url_segment(pdf));
                let _ = writeln!(
                    out,
                    "<p>PDF: <a href=\"{}\">{}</a></p>",
                    esc(&href),
                    esc(pdf)
                );
            }
            None => out.push_str("<p class=\"meta\">No PDF: this row's letter has errors.</p>\n"),
        }
        if let Some(letter) = letter
            .as_ref()
            .filter(|_| !self.opened.template.has_recipient())
        {
            out.push_str(
                "<p class=\"meta\">Print only: the template has no <code>to</code>, so no email.</p>\n",
            );
            let html = email::html_body(letter, &self.opened.settings.signature_text, "Letter");
            let _ = writeln!(
                out,
                "<iframe sandbox loading=\"lazy\" title=\"The letter to row {row}\" srcdoc=\"{}\"></iframe>",
                esc(&html)
            );
        } else if let Some(letter) = &letter {
            match email::build_preview(letter, &self.opened.settings) {
                Ok(message) => {
                    out.push_str("<dl class=\"headers\">\n");
                    for (name, value) in message.headers_shown() {
                        let _ = writeln!(out, "<dt>{}</dt><dd>{}</dd>", esc(name), esc(value));
                    }
                    out.push_str("</dl>\n");
                    let html = email::html_body(
                        letter,
                        &self.opened.settings.signature_text,
                        &message.subject,
                    );
                    let _ = writeln!(
                        out,
                        "<iframe sandbox loading=\"lazy\" title=\"The email to row {row} as the recipient sees it\" srcdoc=\"{}\"></iframe>",
                        esc(&html)
                    );
                }
                Err(_) => out.push_str(
                    "<p class=\"meta\">No email: this row's email has errors (above).</p>\n",
                ),
            }
        }
        out.push_str("</section>\n");
        out
    }
}

/// One problem as a list item's content: severity, rows, column, message, hint; `grouped`:
/// the text said of all its rows alike.
fn problem_html(p: &Problem, rows: &RowRuns, grouped: bool, out: &mut String) {
    let class = match p.severity {
        Severity::Error => "error",
        Severity::Warning => "warning",
    };
    let _ = write!(out, "<strong class=\"{class}\">{class}</strong>");
    if !rows.is_empty() {
        let links: Vec<String> = rows
            .iter()
            .take(50)
            .map(|r| format!("<a href=\"#row-{r}\">{r}</a>"))
            .collect();
        let more = if rows.len() > 50 {
            format!(" and {} more", thousands(rows.len() as u64 - 50))
        } else {
            String::new()
        };
        let label = plural(rows.len(), "row", "rows");
        let _ = write!(out, " {label} {}{more}", links.join(", "));
    }
    if let Some(column) = &p.column {
        let sep = if rows.is_empty() { " in" } else { "," };
        let _ = write!(out, "{sep} column “{}”", esc(column));
    }
    let (message, hint) = if grouped {
        (p.group_message(), p.group_hint())
    } else {
        (p.message.as_str(), p.hint.as_deref())
    };
    let _ = write!(out, ": {}", esc(message));
    if let Some(hint) = hint {
        let _ = write!(out, "<span class=\"hint\">hint: {}</span>", esc(hint));
    }
}

fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| path.display().to_string())
}

#[cfg(test)]
mod tests {
    use super::{esc, url_segment};

    #[test]
    fn data_cannot_become_markup_or_leave_the_link() {
        assert_eq!(
            esc("<img src=x onerror=\"alert('x')\">&"),
            "&lt;img src=x onerror=&quot;alert(&#39;x&#39;)&quot;&gt;&amp;"
        );
        assert_eq!(
            url_segment("Doe, Jane #2?.pdf"),
            "Doe%2C%20Jane%20%232%3F.pdf"
        );
        assert_eq!(url_segment("Zoë.pdf"), "Zo%C3%AB.pdf");
    }
}
