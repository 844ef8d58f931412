//! The preview run (`lettermerge preview`): chosen rows as they will go out. The email as
//! the recipient reads it (headers, then the text body), the whole MIME message, the PDF
//! letters (the print engine's own run), or one review page of every selected row.

use crate::campaign::email::dry_run_text;
use crate::campaign::preview::{claim_folder, open, pdf_config};
use crate::clash::RunFiles;
use crate::config::{PreviewConfig, PreviewOutput, PREVIEW_DEFAULT_ROWS};
use crate::email;
use crate::exit_codes::ExitCode;
use crate::letter::Letter;
use crate::output::write_atomically;
use crate::parallel;
use crate::problem::Problem;
use crate::records::Record;
use crate::report::Reporter;
use crate::review;
use crate::terminal::escape_bytes;
use std::io::{self, Write};
use std::path::Path;

/// Runs `lettermerge preview` and decides the exit code: 1 when a shown row has an error.
pub fn run(cfg: &PreviewConfig) -> ExitCode {
    match &cfg.output {
        PreviewOutput::Pdf { dir } => {
            if let Err(message) = claim_folder(dir, "--out") {
                eprintln!("error: {message}");
                return ExitCode::Error;
            }
            crate::campaign::print::run_to_terminal(&pdf_config(cfg, dir))
        }
        PreviewOutput::Html { file, pdf_dir } => review::run(cfg, file, pdf_dir),
        PreviewOutput::Text => emails(cfg, None, false),
        PreviewOutput::Eml { dir } => emails(cfg, dir.as_deref(), true),
    }
}

/// A print letter as text: the address block, the date, then what an email's text part
/// would say (salutation, body, closing, signature).
fn letter_text(letter: &Letter, signature: &[String]) -> Vec<u8> {
    let mut out = format!("=== row {} (letter) ===\n", letter.row);
    for line in &letter.address {
        out.push_str(line);
        out.push('\n');
    }
    if let Some(date) = &letter.date {
        out.push('\n');
        out.push_str(date);
        out.push('\n');
    }
    out.push('\n');
    out.push_str(&email::text_body(letter, signature));
    out.push_str("\n\n");
    out.into_bytes()
}

/// One row's message as shown, or its problems.
type Shown = Result<(u64, Vec<u8>), Vec<Problem>>;

/// Text or eml: each selected row's message to stdout, or (eml) one file per row in `dir`.
fn emails(cfg: &PreviewConfig, dir: Option<&Path>, eml: bool) -> ExitCode {
    let reporter = Reporter::new(&cfg.input.data, cfg.quiet);
    let opened = match open(cfg, &reporter) {
        Ok(o) => o,
        Err(code) => return code,
    };
    if let Some(dir) = dir {
        let files = RunFiles::for_run(
            &cfg.input.data,
            &cfg.input.template,
            cfg.input.config.as_deref(),
            &opened.template.style().font,
        );
        let claimed = files
            .outputs_named_in(dir, ".eml file", crate::clash::is_eml_name)
            .map_err(|e| e.to_string())
            .and_then(|()| claim_folder(dir, "--out"));
        if let Err(message) = claimed {
            eprintln!("error: {message}");
            return ExitCode::Error;
        }
    }
    let records = match opened.data.records() {
        Ok(r) => opened.selection.apply(r),
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::Problems;
        }
    };
    // A letter template without `to` is for print only: the text preview shows the letter.
    let for_email = opened.template.has_recipient();
    let work = |_: &mut (), record: Result<Record, Problem>| -> Shown {
        let record = record.map_err(|p| vec![p])?;
        let letter = opened.template.render(&record).map_err(|p| vec![p])?;
        if eml {
            let email = email::build(&letter, &opened.settings, None)?;
            Ok((email.row, email.formatted))
        } else if !for_email {
            Ok((
                letter.row,
                letter_text(&letter, &opened.settings.signature_text),
            ))
        } else {
            let email = email::build_preview(&letter, &opened.settings)?;
            Ok((email.row, dry_run_text(&email).into_bytes()))
        }
    };
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let mut problems = Vec::new();
    let mut shown = 0usize;
    let sink = |result: Shown| -> Result<(), String> {
        let (row, bytes) = match result {
            Ok(r) => r,
            Err(p) if p.iter().any(|p| p.row.is_none()) => {
                return Err(p
                    .iter()
                    .map(|p| reporter.format(p))
                    .collect::<Vec<_>>()
                    .join("\n"));
            }
            Err(p) => {
                problems.extend(p);
                return Ok(());
            }
        };
        shown += 1;
        let result = match dir {
            Some(dir) => {
                let path = dir.join(crate::clash::eml_name(row));
                return write_atomically(&path, true, |w| w.write_all(&bytes))
                    .map_err(|e| format!("cannot write {}: {e}", path.display()));
            }
            None if eml => out
                .write_all(format!("=== row {row} ===\n").as_bytes())
                .and_then(|()| out.write_all(&escape_bytes(&bytes, true)))
                .and_then(|()| out.write_all(b"\n")),
            None => out.write_all(&escape_bytes(&bytes, false)),
        };
        match result {
            Err(e) if e.kind() != io::ErrorKind::BrokenPipe => Err(e.to_string()),
            _ => Ok(()),
        }
    };
    // Messages with their files in them (up to 24 MiB each) are made one at a time, not
    // hundreds ahead of the output.
    let workers = if eml && opened.template.has_attachments() {
        1
    } else {
        parallel::workers()
    };
    let outcome = parallel::ordered_map(records, vec![(); workers], work, sink);
    out.flush().ok();
    drop(out);
    if let Err(message) = outcome {
        eprintln!("error: {message}");
        return ExitCode::Problems;
    }
    reporter.problems(&problems);
    let what = match (eml, for_email, shown) {
        (true, _, 1) => "message",
        (true, _, _) => "messages",
        (false, false, 1) => "letter (as text; the template has no `to`, so no email)",
        (false, false, _) => "letters (as text; the template has no `to`, so no email)",
        (false, true, 1) => "email",
        (false, true, _) => "emails",
    };
    let place = match dir {
        Some(d) => format!(" as .eml files in {}", d.display()),
        None => String::new(),
    };
    let mut summary = format!("Previewed {shown} {what}{place}; nothing was sent");
    if cfg.first_rows_only {
        summary.push_str(&format!(
            " (the first {PREVIEW_DEFAULT_ROWS} rows: choose others with --rows, --where or --limit)"
        ));
    }
    let bad: std::collections::BTreeSet<u64> = problems.iter().filter_map(|p| p.row).collect();
    if !bad.is_empty() {
        summary.push_str(&format!("; {} rows have problems (above)", bad.len()));
    }
    if shown == 0 && bad.is_empty() {
        summary = format!("no row matches {}", cfg.select.describe());
    }
    reporter.summary(&summary);
    if problems.iter().any(Problem::is_error) {
        ExitCode::Problems
    } else {
        ExitCode::Success
    }
}
