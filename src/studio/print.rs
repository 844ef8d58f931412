//! The Print screen: writes every letter and the printer's batch with the command line's
//! own print run (`campaign::print::write_letters`), on a background thread whose progress
//! the page follows, then links to open the batch, the manifest and the folder of letters.
//! Also serves those files (plain files of the letters folder only) to the browser.

use super::data::form_value;
use super::html::{self, escape};
use super::Studio;
use crate::config::PdfConfig;
use crate::records::SelectSpec;
use crate::report::{Reporter, Watch};
use axum::extract::{Path as UrlPath, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// The folder the letters go into, inside the campaign (as the campaign README's command).
pub(crate) const LETTERS_DIR: &str = "letters";

/// The printer's batch: every letter in one PDF, in the letters folder.
pub(crate) const BATCH_FILE: &str = "batch.pdf";

/// The largest file of the letters folder served to the browser. A batch of 10,000 letters
/// is about 60 MB; the cap keeps a stray huge file from being read whole into memory.
const MAX_SERVED_BYTES: u64 = 512 * 1024 * 1024;

/// One print run of the studio.
pub(crate) struct Job {
    watch: Watch,
    started: Instant,
    /// `Ok(summary)` or `Err(message)` once the run has ended.
    outcome: Mutex<Option<(Result<String, String>, f64)>>,
}

/// The current or last print run.
#[derive(Default)]
pub(crate) struct Jobs(Mutex<Option<Arc<Job>>>);

impl Jobs {
    fn current(&self) -> Option<Arc<Job>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

impl Job {
    fn outcome(&self) -> Option<(Result<String, String>, f64)> {
        self.outcome
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }
}

fn letters_dir(studio: &Studio) -> PathBuf {
    studio.dir.join(LETTERS_DIR)
}

/// The letters written by an earlier run: how many (the manifest's rows).
fn earlier_letters(dir: &Path) -> Option<usize> {
    let manifest = dir.join(crate::output::MANIFEST);
    let text = std::fs::read_to_string(manifest).ok()?;
    Some(text.lines().count().saturating_sub(1))
}

/// GET `/print`.
pub(crate) async fn page(State(studio): State<Arc<Studio>>) -> Response {
    html::screen(studio, "Print", "Print", screen).await
}

fn screen(studio: &Studio) -> String {
    if !super::data::is_started(&studio.dir) {
        return r#"<section class="card message"><h1>No campaign yet</h1><p>Start one on the <a href="/">Data</a> screen.</p></section>"#.to_string();
    }
    let out = letters_dir(studio);
    let files = studio.files();
    let mut body =
        String::from(r#"<section class="card print"><div class="card-head"><h1>Print</h1></div>"#);
    let job = studio.print.current();
    let running = job.as_ref().is_some_and(|j| j.outcome().is_none());
    if let Some(job) = job.as_ref().filter(|_| running) {
        let (pass, done, total) = job
            .watch
            .read()
            .unwrap_or_else(|| ("Starting".to_string(), 0, None));
        body.push_str(&format!(
            r#"<div class="progress" data-print-running aria-live="polite"><p class="pass">{pass}…</p><progress max="{max}" value="{done}"></progress><p class="count">{done} of {total} letters</p></div>"#,
            pass = escape(&pass),
            max = total.unwrap_or(0).max(1),
            total = total.map(|t| t.to_string()).unwrap_or_else(|| "?".to_string()),
        ));
    } else {
        if let Some((outcome, seconds)) = job.as_ref().and_then(|j| j.outcome()) {
            match outcome {
                Ok(summary) => body.push_str(&format!(
                    r#"<p class="verdict good" role="status">{} ({seconds:.1} s)</p>"#,
                    escape(&summary)
                )),
                Err(message) => body.push_str(&format!(
                    r#"<div class="error" role="alert"><p>Nothing was written:</p><pre>{}</pre><p>The <a href="/check">Check</a> screen lists every problem with its row.</p></div>"#,
                    escape(&message)
                )),
            }
        }
        let earlier = earlier_letters(&out);
        let replace = match earlier {
            Some(n) => format!(
                r#"<label class="option"><input type="checkbox" name="replace" value="1"> Replace the {n} letters written before in <code>{LETTERS_DIR}/</code></label>"#
            ),
            None => String::new(),
        };
        body.push_str(&format!(
            r#"<form method="post" action="/print" class="print-form">
<p class="lede">Writes one PDF per official into <code>{LETTERS_DIR}/</code>, a manifest of them, and <code>{LETTERS_DIR}/{BATCH_FILE}</code> with every letter in one file for the printer. Rows left out on the Data screen are not printed.</p>
<label class="option"><input type="checkbox" name="duplex" value="1"> Double-sided printing (each letter starts on the front of a sheet)</label>
<label class="option"><input type="checkbox" name="skip_invalid" value="1"> Write the good letters even when some rows have errors</label>
{replace}
<p><button class="primary" type="submit">Write the letters</button></p>
</form>"#
        ));
        if let Some(n) = earlier {
            body.push_str(&format!(
                r#"<div class="outputs"><h2>Written</h2><ul>
<li><a href="/files/{LETTERS_DIR}/{BATCH_FILE}" target="_blank" rel="noopener">Open the batch</a> <span class="hint">{LETTERS_DIR}/{BATCH_FILE}, for the printer</span></li>
<li><a href="/files/{LETTERS_DIR}/{manifest}" target="_blank" rel="noopener">Open the manifest</a> <span class="hint">which row became which file and pages</span></li>
<li><a href="/files/{LETTERS_DIR}/">Open the folder of letters</a> <span class="hint">{n} letters</span></li>
</ul></div>"#,
                manifest = crate::output::MANIFEST,
            ));
        }
    }
    body.push_str(&format!(
        r#"<p class="cli">On the command line: <code>{} --out {LETTERS_DIR} --combined {LETTERS_DIR}/{BATCH_FILE}</code></p></section>"#,
        escape(&files.command("pdf"))
    ));
    body
}

/// POST `/print`: starts the run (one at a time) and shows its progress.
pub(crate) async fn start(State(studio): State<Arc<Studio>>, body: String) -> Response {
    let flag = |k: &str| form_value(&body, k).as_deref() == Some("1");
    let (duplex, skip_invalid, replace) = (flag("duplex"), flag("skip_invalid"), flag("replace"));
    if studio
        .print
        .current()
        .is_some_and(|j| j.outcome().is_none())
    {
        return Redirect::to("/print").into_response();
    }
    let cfg = match pdf_config(&studio, duplex, skip_invalid, replace) {
        Ok(cfg) => cfg,
        Err(message) => return html::message_page(StatusCode::CONFLICT, "Cannot print", &message),
    };
    let job = Arc::new(Job {
        watch: Watch::default(),
        started: Instant::now(),
        outcome: Mutex::new(None),
    });
    *studio.print.0.lock().unwrap_or_else(|e| e.into_inner()) = Some(Arc::clone(&job));
    std::thread::spawn(move || {
        let reporter = Reporter::watched(&cfg.input.data, job.watch.clone());
        let result = crate::campaign::print::write_letters(&cfg, &reporter)
            .map(|letters| summary(&cfg, letters.files.len()))
            .map_err(|(_, message)| message);
        let seconds = job.started.elapsed().as_secs_f64();
        *job.outcome.lock().unwrap_or_else(|e| e.into_inner()) = Some((result, seconds));
    });
    Redirect::to("/print").into_response()
}

fn summary(cfg: &PdfConfig, letters: usize) -> String {
    let mut s = format!(
        "Wrote {letters} letters to {LETTERS_DIR}/ and the batch {LETTERS_DIR}/{BATCH_FILE}"
    );
    if cfg.duplex {
        s.push_str(", for double-sided printing");
    }
    s
}

fn pdf_config(
    studio: &Studio,
    duplex: bool,
    skip_invalid: bool,
    replace: bool,
) -> Result<PdfConfig, String> {
    let input = studio.input()?;
    let files = studio.files();
    let config = crate::output::occupied(&files.config).then_some(files.config.as_path());
    let offices = crate::config::forms::load(config).map_err(|e| e.0)?;
    let out_dir = letters_dir(studio);
    Ok(PdfConfig {
        input,
        select: SelectSpec::default(),
        combined: Some(out_dir.join(BATCH_FILE)),
        out_dir,
        duplex,
        batch_only: false,
        skip_invalid,
        force: replace,
        quiet: true,
        offices,
        split: Default::default(),
        sort: None,
        pdf_a: false,
    })
}

/// GET `/print/status`: the run's progress as JSON, for the page's script.
pub(crate) async fn status(State(studio): State<Arc<Studio>>) -> Response {
    let value = match studio.print.current() {
        None => serde_json::json!({ "running": false }),
        Some(job) => {
            let (pass, done, total) = job.watch.read().unwrap_or_else(|| (String::new(), 0, None));
            let outcome = job.outcome();
            serde_json::json!({
                "running": outcome.is_none(),
                "pass": pass,
                "done": done,
                "total": total,
                "ok": outcome.as_ref().map(|(r, _)| r.is_ok()),
                "seconds": job.started.elapsed().as_secs_f64(),
            })
        }
    };
    (
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CACHE_CONTROL, "no-store"),
        ],
        value.to_string(),
    )
        .into_response()
}

/// GET `/files/letters/` (a list of the letters) and `/files/letters/NAME` (one file).
pub(crate) async fn folder(State(studio): State<Arc<Studio>>) -> Response {
    let campaign = studio.dir.display().to_string();
    let dir = letters_dir(&studio);
    let mut names: Vec<String> = std::fs::read_dir(&dir)
        .into_iter()
        .flatten()
        .flatten()
        .filter(|e| e.file_type().is_ok_and(|t| t.is_file()))
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| super::campaign::is_plain_name(n))
        .collect();
    names.sort();
    let items: String = names
        .iter()
        .map(|n| {
            format!(
                r#"<li><a href="/files/{LETTERS_DIR}/{href}" target="_blank" rel="noopener">{name}</a></li>"#,
                href = crate::markup::percent_encode(n),
                name = escape(n)
            )
        })
        .collect();
    let body = format!(
        r#"<section class="card"><h1>{LETTERS_DIR}/</h1><p class="meta">{} files in <code>{}</code></p><ul class="file-list">{items}</ul><p><a href="/print">← Print</a></p></section>"#,
        names.len(),
        escape(&dir.display().to_string())
    );
    Html(html::page("Letters", "Print", &campaign, &body)).into_response()
}

pub(crate) async fn file(
    State(studio): State<Arc<Studio>>,
    UrlPath(name): UrlPath<String>,
) -> Response {
    if !super::campaign::is_plain_name(&name) {
        return html::message_page(
            StatusCode::NOT_FOUND,
            "Not found",
            "There is no such file among the letters.",
        );
    }
    let path = letters_dir(&studio).join(&name);
    let result = tokio::task::spawn_blocking(move || -> Result<Vec<u8>, String> {
        // Never through a link, never a device or a huge file.
        let meta = std::fs::symlink_metadata(&path).map_err(|e| e.to_string())?;
        if !meta.is_file() || meta.len() > MAX_SERVED_BYTES {
            return Err("not a letter file".to_string());
        }
        std::fs::read(&path).map_err(|e| e.to_string())
    })
    .await
    .unwrap_or_else(|e| Err(e.to_string()));
    let Ok(bytes) = result else {
        return html::message_page(
            StatusCode::NOT_FOUND,
            "Not found",
            "There is no such file among the letters.",
        );
    };
    let kind = match name
        .rsplit('.')
        .next()
        .map(str::to_ascii_lowercase)
        .as_deref()
    {
        Some("pdf") => "application/pdf",
        // Shown in the browser as text rather than downloaded.
        Some("csv") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    };
    ([(header::CONTENT_TYPE, kind)], bytes).into_response()
}
