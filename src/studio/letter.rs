//! The Letter screen: the template file in an editor with buttons that insert fields and
//! helpers, and beside it the selected row as the printed page (SVG from the typesetter)
//! and as the email, following each edit; a mistake shows with its line, and Save writes the
//! file atomically, exactly as typed.
//!
//! The page is rendered on the server (first view without script); `letter.js` posts the
//! editor's text to `/letter/preview` on each pause in typing and swaps in the fragments the
//! answer carries. Every value from the data reaches the page through `html::escape`; the
//! email's HTML is shown only in a sandboxed frame served with a `sandbox` CSP.

use super::html::{self, escape};
use super::Studio;
use crate::campaign::render::{Note, RenderError, Rendered, Renderer, RowInput, Stage};
use crate::fields::STANDARD;
use crate::output::write_atomically;
use crate::records::Record;
use crate::template::forms::OfficeTable;
use crate::template::Template;
use axum::extract::{Path as UrlPath, Query, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Form;
use serde::Deserialize;
use serde_json::json;
use std::collections::VecDeque;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};

/// Email previews kept for their frames to load. A frame loads right after its preview
/// arrives; the few before it cover a slow frame while typing goes on.
const KEPT_EMAILS: usize = 8;

/// What an email frame may do: nothing but show its inline styles and embedded images. The
/// `sandbox` directive gives it an origin of its own, so even a script that slipped into a
/// message could neither run nor reach the studio.
const EMAIL_CSP: &str = "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; \
                         frame-ancestors 'self'";

/// The renderer (fonts, outlines, images kept between keystrokes) and the recent emails.
/// One studio serves one campaign per process, so the screen keeps them for the process.
struct LetterState {
    renderer: Renderer,
    emails: VecDeque<(u64, String)>,
}

fn state() -> &'static Mutex<LetterState> {
    static STATE: OnceLock<Mutex<LetterState>> = OnceLock::new();
    STATE.get_or_init(|| {
        Mutex::new(LetterState {
            renderer: Renderer::new(),
            emails: VecDeque::new(),
        })
    })
}

/// A poisoned lock only means an earlier render panicked; the caches are still usable.
fn lock() -> std::sync::MutexGuard<'static, LetterState> {
    state().lock().unwrap_or_else(|e| e.into_inner())
}

static NEXT_EMAIL: AtomicU64 = AtomicU64::new(1);

/// What the screen needs from the campaign: the template file and the chosen data's rows.
struct Campaign {
    template: PathBuf,
    data: PathBuf,
    sheet: Option<String>,
    offices: OfficeTable,
    from: Option<String>,
    loaded: Arc<super::campaign::Loaded>,
}

fn campaign(studio: &Studio) -> Result<Campaign, String> {
    let files = studio.files();
    let input = studio.input()?;
    let loaded = studio.loaded()?;
    let offices = crate::config::forms::load(input.config.as_deref()).map_err(|e| e.to_string())?;
    // The sender is only shown; a config without [smtp] (or with a mistake in it, which
    // the Email screen reports) leaves the placeholder.
    let from = input
        .config
        .as_deref()
        .and_then(|c| crate::config::send::SmtpConfig::load_if_present(c).ok())
        .flatten()
        .map(|c| c.from);
    Ok(Campaign {
        template: files.template,
        data: files.data,
        sheet: files.sheet,
        offices,
        from,
        loaded,
    })
}

const LETTER_JS: &str = include_str!("assets/letter.js");

/// GET `/assets/letter.js`.
pub(crate) async fn script() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        LETTER_JS,
    )
}

/// GET `/letter?row=N`: the editor with the file's text and the preview of row N (1-based
/// position among the data's rows).
pub(crate) async fn page(
    State(studio): State<Arc<Studio>>,
    Query(params): Query<Vec<(String, String)>>,
) -> Response {
    let row = params
        .iter()
        .find(|(k, _)| k == "row")
        .and_then(|(_, v)| v.parse::<usize>().ok())
        .unwrap_or(1);
    html::screen(studio, "Letter", "Letter", move |s| screen(s, row)).await
}

fn screen(studio: &Studio, row: usize) -> String {
    let campaign = match campaign(studio) {
        Ok(c) => c,
        Err(message) => {
            return format!(
                r#"<section class="card message"><h1>Letter</h1><p class="error">{}</p><p>Choose or upload the data on the <a href="/">Data</a> screen first.</p></section>"#,
                escape(&message)
            )
        }
    };
    let text = match std::fs::read_to_string(&campaign.template) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => String::new(),
        Err(e) => {
            return format!(
                r#"<section class="card message"><h1>Letter</h1><p class="error">Cannot read {}: {}</p></section>"#,
                escape(&campaign.template.display().to_string()),
                escape(&e.to_string())
            )
        }
    };
    let records = &campaign.loaded.records;
    let index = row.clamp(1, records.len().max(1)) - 1;
    let view = match records.get(index) {
        Some(record) => preview(&campaign, record, &text),
        None => View::no_rows(),
    };
    let file_name = file_name(&campaign.template);
    format!(
        r#"<section class="letter-screen" data-rows="{rows}">
<div class="editor-pane">
<div class="insert-bar" aria-label="Insert at the cursor">
<div class="insert-group"><span class="insert-label">Fields</span><div class="chips">{fields}</div></div>
<div class="insert-group"><span class="insert-label">Helpers</span><div class="chips">{helpers}</div></div>
</div>
<div class="editor"><pre class="gutter" aria-hidden="true"></pre><textarea id="template" spellcheck="false" wrap="off" autocomplete="off" aria-label="The letter template {name}" data-input-seq="0">
{text}</textarea></div>
<div class="savebar"><button id="save" class="primary" type="button">Save {name}</button><span id="save-status" role="status"></span></div>
</div>
<div class="preview-pane">
<div class="rowbar">
<button id="row-prev" type="button" aria-label="Previous row">◀</button>
<label>Row <input id="row-number" type="number" min="1" max="{rows}" value="{position}"></label> <span>of {rows}</span>
<button id="row-next" type="button" aria-label="Next row">▶</button>
<span id="row-label" class="row-label">{row_label}</span>
<span class="view-switch" role="group" aria-label="Show"><button type="button" data-view="page" aria-pressed="true">Printed page</button><button type="button" data-view="email" aria-pressed="false">Email</button></span>
</div>
<div id="problem" class="problem" role="alert"{problem_hidden} data-line="{problem_line}">{problem}</div>
<div id="preview" class="preview{stale}" data-seq="0">
<div id="pages" class="pages">{pages}</div>
<div id="email" class="email-view" hidden>{email}</div>
</div>
<ul id="notes" class="notes">{notes}</ul>
</div>
</section>
<script src="/assets/letter.js" defer></script>"#,
        rows = records.len(),
        position = index + 1,
        name = escape(&file_name),
        text = escape(&text),
        fields = field_buttons(records.first()),
        helpers = helper_buttons(),
        row_label = escape(&view.row_label),
        problem_hidden = if view.problem.is_empty() {
            " hidden"
        } else {
            ""
        },
        problem_line = view.line.map(|l| l.to_string()).unwrap_or_default(),
        problem = view.problem,
        stale = if view.pages.is_empty() { " stale" } else { "" },
        pages = view.pages,
        email = view.email,
        notes = view.notes,
    )
}

fn file_name(path: &Path) -> String {
    path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    )
}

/// A button for each standard field, then each of the file's own columns (by the key a
/// template writes), each inserting `{{key}}`.
fn field_buttons(record: Option<&Record>) -> String {
    let mut out = String::new();
    let mut seen: Vec<String> = Vec::new();
    for field in STANDARD {
        seen.push(field.name.to_string());
        out.push_str(&format!(
            r#"<button type="button" class="chip" data-insert="{{{{{0}}}}}" title="{1}">{0}</button>"#,
            escape(field.name),
            escape(field.meaning),
        ));
    }
    if let Some(record) = record {
        let headers = record.headers();
        for (name, key) in headers
            .names
            .iter()
            .zip(&headers.keys)
            .take(headers.file_len)
        {
            if seen.contains(key) {
                continue;
            }
            seen.push(key.clone());
            out.push_str(&format!(
                r#"<button type="button" class="chip column" data-insert="{{{{{key}}}}}" title="The column “{name}” of the data">{key}</button>"#,
                key = escape(key),
                name = escape(name),
            ));
        }
    }
    out
}

/// The helpers, as the shipped template uses them.
fn helper_buttons() -> String {
    const HELPERS: [(&str, &str, &str); 5] = [
        (
            "Address block",
            "{{address_block (honorific first_name last_name suffix office=title) body address city=city state=state zip=zip}}",
            "The Honorable Jane Doe, the office, the street lines, City, ST  ZIP",
        ),
        (
            "Salutation",
            "{{salutation title first_name last_name}}",
            "Dear Senator Doe: (from the office in the title column)",
        ),
        (
            "Formal name",
            "{{formal_name title first_name last_name}}",
            "Senator Doe",
        ),
        ("Date", "{{date}}", "Today's date, as January 12, 2026"),
        (
            "If / else",
            "{{#if returning}}\n…\n{{else}}\n…\n{{/if}}",
            "Text for rows where a column has a value, and for the others",
        ),
    ];
    HELPERS
        .iter()
        .map(|(label, snippet, title)| {
            format!(
                r#"<button type="button" class="chip helper" data-insert="{}" title="{}">{}</button>"#,
                escape(snippet),
                escape(title),
                escape(label)
            )
        })
        .collect()
}

/// The preview's parts as HTML fragments (every value escaped), shared by the first page
/// and the JSON answers.
struct View {
    row_label: String,
    /// Empty when the row rendered.
    problem: String,
    line: Option<usize>,
    /// The pages' SVG; empty when the row did not render (the last good one stays).
    pages: String,
    email: String,
    notes: String,
    timing: Option<crate::campaign::render::Timings>,
}

impl View {
    fn no_rows() -> View {
        View {
            row_label: String::new(),
            problem: "The data has no rows to preview: upload a list on the Data screen."
                .to_string(),
            line: None,
            pages: String::new(),
            email: String::new(),
            notes: String::new(),
            timing: None,
        }
    }
}

fn row_label(record: &Record, excluded: bool) -> String {
    let name: Vec<&str> = ["first_name", "last_name"]
        .iter()
        .filter_map(|k| record.get(k))
        .filter(|v| !v.trim().is_empty())
        .collect();
    let mut label = format!("spreadsheet row {}", record.row);
    if !name.is_empty() {
        label = format!("{} · {label}", name.join(" "));
    }
    if excluded {
        label.push_str(" · excluded");
    }
    label
}

fn preview(campaign: &Campaign, record: &Record, text: &str) -> View {
    let input = RowInput {
        template_path: &campaign.template,
        offices: &campaign.offices,
        record,
        from: campaign.from.as_deref(),
        data_path: &campaign.data,
        sheet: campaign.sheet.as_deref(),
    };
    let label = row_label(record, campaign.loaded.excluded.contains(&record.row));
    let result = lock().renderer.render(text, &input);
    match result {
        Ok(rendered) => rendered_view(rendered, label),
        Err(e) => error_view(&e, label),
    }
}

fn rendered_view(rendered: Rendered, row_label: String) -> View {
    let pages = rendered
        .pages
        .iter()
        .enumerate()
        .map(|(i, svg)| {
            format!(
                r#"<figure class="sheet" aria-label="Page {n} of {total}">{svg}<figcaption>Page {n} of {total}</figcaption></figure>"#,
                n = i + 1,
                total = rendered.pages.len()
            )
        })
        .collect();
    let email = match &rendered.email {
        None => r#"<p class="empty">This letter is printed only: the template has no <code>to</code>, so no email goes out.</p>"#.to_string(),
        Some(view) => {
            let id = NEXT_EMAIL.fetch_add(1, Ordering::Relaxed);
            {
                let mut state = lock();
                state.emails.push_back((id, view.html.clone()));
                while state.emails.len() > KEPT_EMAILS {
                    state.emails.pop_front();
                }
            }
            let mut head = String::from(r#"<dl class="email-head">"#);
            let shown: Vec<(&str, &str)> = if view.headers.is_empty() {
                vec![("Subject", view.subject.as_str())]
            } else {
                view.headers
                    .iter()
                    .filter(|(k, _)| !matches!(*k, "Date" | "Message-ID"))
                    .map(|(k, v)| (*k, v.as_str()))
                    .collect()
            };
            for (k, v) in shown {
                head.push_str(&format!("<dt>{}</dt><dd>{}</dd>", escape(k), escape(v)));
            }
            head.push_str("</dl>");
            format!(
                r#"{head}<iframe class="email-frame" sandbox="" referrerpolicy="no-referrer" title="The email as its recipient sees it" src="/letter/email/{id}"></iframe>"#
            )
        }
    };
    View {
        row_label,
        problem: String::new(),
        line: None,
        pages,
        email,
        notes: notes_html(&rendered.notes),
        timing: Some(rendered.timings),
    }
}

fn notes_html(notes: &[Note]) -> String {
    notes
        .iter()
        .map(|n| {
            let line = n
                .line
                .map(|l| {
                    format!(
                        r#"<button type="button" class="goto" data-line="{l}">Line {l}</button> "#
                    )
                })
                .unwrap_or_default();
            let hint = n
                .problem
                .hint
                .as_deref()
                .map(|h| format!(r#"<span class="hint">{}</span>"#, escape(h)))
                .unwrap_or_default();
            let class = if n.problem.is_error() {
                "error"
            } else {
                "warning"
            };
            format!(
                r#"<li class="{class}">{line}{}{hint}</li>"#,
                escape(&n.problem.message)
            )
        })
        .collect()
}

fn error_view(e: &RenderError, row_label: String) -> View {
    let what = match e.stage {
        Stage::Template => "The template has a mistake",
        Stage::Row => "This row cannot be filled in",
        Stage::Fonts => "The fonts cannot be loaded",
        Stage::Layout => "The letter cannot be laid out",
    };
    let place = match e.line {
        Some(l) => {
            format!(r#" on <button type="button" class="goto" data-line="{l}">line {l}</button>"#)
        }
        None => String::new(),
    };
    let hint = e
        .hint
        .as_deref()
        .map(|h| format!(r#"<p class="hint">{}</p>"#, escape(h)))
        .unwrap_or_default();
    View {
        row_label,
        problem: format!(
            r#"<p><strong>{what}</strong>{place}: {}</p>{hint}<p class="stale-note">The preview below is the last one that worked.</p>"#,
            escape(&e.message)
        ),
        line: e.line,
        pages: String::new(),
        email: String::new(),
        notes: String::new(),
        timing: None,
    }
}

#[derive(Deserialize)]
pub(crate) struct PreviewForm {
    text: String,
    /// 1-based position among the rows.
    row: usize,
    /// The editor's input count this text is from; echoed so the page drops late answers.
    seq: u64,
}

/// POST `/letter/preview`: the row rendered with the editor's text, as JSON fragments.
pub(crate) async fn preview_post(
    State(studio): State<Arc<Studio>>,
    Form(form): Form<PreviewForm>,
) -> Response {
    let seq = form.seq;
    let answer = tokio::task::spawn_blocking(move || {
        let started = std::time::Instant::now();
        let campaign = campaign(&studio)?;
        let records = &campaign.loaded.records;
        let index = form.row.clamp(1, records.len().max(1)) - 1;
        let view = match records.get(index) {
            Some(record) => preview(&campaign, record, &form.text),
            None => View::no_rows(),
        };
        Ok::<_, String>((view, index + 1, records.len(), started.elapsed()))
    })
    .await
    .map_err(|e| e.to_string())
    .and_then(|r| r);
    let (view, row, rows, total) = match answer {
        Ok(a) => a,
        Err(message) => {
            let body = json!({ "seq": seq, "ok": false, "problem": format!("<p>{}</p>", escape(&message)) })
                .to_string();
            return json_response(StatusCode::OK, body, None);
        }
    };
    let body = json!({
        "seq": seq,
        "row": row,
        "rows": rows,
        "rowLabel": view.row_label,
        "ok": view.problem.is_empty(),
        "problem": view.problem,
        "line": view.line,
        "pages": view.pages,
        "email": view.email,
        "notes": view.notes,
    })
    .to_string();
    let timing = view.timing.map(|t| {
        let ms = |d: std::time::Duration| d.as_secs_f64() * 1000.0;
        format!(
            "parse;dur={:.2}, fill;dur={:.2}, typeset;dur={:.2}, svg;dur={:.2}, email;dur={:.2}, total;dur={:.2}",
            ms(t.parse),
            ms(t.fill),
            ms(t.typeset),
            ms(t.svg),
            ms(t.email),
            ms(total)
        )
    });
    json_response(StatusCode::OK, body, timing)
}

fn json_response(status: StatusCode, body: String, timing: Option<String>) -> Response {
    let mut response = (
        status,
        [(header::CONTENT_TYPE, "application/json; charset=utf-8")],
        body,
    )
        .into_response();
    if let Some(t) = timing.and_then(|t| HeaderValue::from_str(&t).ok()) {
        response.headers_mut().insert("server-timing", t);
    }
    response
}

/// GET `/letter/email/ID`: one email preview's HTML, for the sandboxed frame only.
pub(crate) async fn email_frame(UrlPath(id): UrlPath<u64>) -> Response {
    let html = lock()
        .emails
        .iter()
        .find(|(i, _)| *i == id)
        .map(|(_, h)| h.clone());
    let html = html.unwrap_or_else(|| {
        "<!doctype html><p style=\"font-family:sans-serif;color:#666\">This preview has been replaced by a newer one.</p>".to_string()
    });
    let mut response = (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/html; charset=utf-8")],
        html,
    )
        .into_response();
    response.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(EMAIL_CSP),
    );
    response
}

#[derive(Deserialize)]
pub(crate) struct SaveForm {
    text: String,
}

/// POST `/letter/save`: writes the template file atomically, exactly as typed, and says
/// whether the text has a mistake (it is saved anyway: work in progress is worth keeping).
pub(crate) async fn save(
    State(studio): State<Arc<Studio>>,
    Form(form): Form<SaveForm>,
) -> Response {
    let answer = tokio::task::spawn_blocking(move || {
        let campaign = campaign(&studio)?;
        let path = campaign.template.clone();
        write_atomically(&path, true, |f| f.write_all(form.text.as_bytes()))
            .map_err(|e| format!("{} could not be saved: {e}", path.display()))?;
        let name = file_name(&path);
        let mistake = Template::from_text_at(&form.text, &path, &campaign.offices).err();
        Ok::<_, String>((name, mistake))
    })
    .await
    .map_err(|e| e.to_string())
    .and_then(|r| r);
    let body = match answer {
        Ok((name, None)) => json!({ "saved": true, "message": format!("Saved {name}.") }),
        Ok((name, Some(e))) => {
            let place = e.line.map(|l| format!(" on line {l}")).unwrap_or_default();
            json!({
                "saved": true,
                "line": e.line,
                "message": format!(
                    "Saved {name}, but it has a mistake{place}: {}. Letters cannot be made until it is fixed.",
                    e.message
                ),
            })
        }
        Err(message) => json!({ "saved": false, "message": message }),
    };
    json_response(StatusCode::OK, body.to_string(), None)
}

/// The saved template rendered for one row, as the Check screen's row view shows it: its
/// printed pages and its email side by side, or the template's mistake.
pub(crate) fn row_preview(studio: &Studio, record: &Record) -> String {
    let campaign = match campaign(studio) {
        Ok(c) => c,
        Err(message) => return format!(r#"<p class="error">{}</p>"#, escape(&message)),
    };
    let text = match std::fs::read_to_string(&campaign.template) {
        Ok(t) => t,
        Err(e) => {
            return format!(
                r#"<p class="error">Cannot read {}: {}</p>"#,
                escape(&campaign.template.display().to_string()),
                escape(&e.to_string())
            )
        }
    };
    let view = preview(&campaign, record, &text);
    if !view.problem.is_empty() {
        return format!(
            r#"<div class="problem" role="alert">{}</div><p><a href="/letter">Fix it on the Letter screen</a></p>"#,
            view.problem
        );
    }
    format!(
        r#"<div class="row-letter"><div class="row-page"><h2>Printed page</h2><div class="pages">{pages}</div></div><div class="row-email"><h2>Email</h2>{email}</div></div>{notes}"#,
        pages = view.pages,
        email = view.email,
        notes = if view.notes.is_empty() {
            String::new()
        } else {
            format!(r#"<ul class="notes">{}</ul>"#, view.notes)
        },
    )
}

#[cfg(test)]
mod tests {
    use super::{field_buttons, helper_buttons, notes_html};
    use crate::campaign::render::Note;
    use crate::problem::Problem;
    use crate::records::{Headers, Record};
    use std::sync::Arc;

    #[test]
    fn column_buttons_escape_the_header() {
        let (headers, _) = Headers::new(&["<b>Ward</b>".to_string(), "First Name".to_string()]);
        let record = Record::new(2, vec!["1".into(), "Ann".into()], Arc::new(headers));
        let html = field_buttons(Some(&record));
        assert!(!html.contains("<b>"), "{html}");
        assert!(html.contains("&lt;b&gt;Ward&lt;/b&gt;"), "{html}");
        // `First Name` is the standard first_name: one button, not two.
        assert_eq!(html.matches(r#"data-insert="{{first_name}}""#).count(), 1);
    }

    #[test]
    fn helper_snippets_are_attribute_safe() {
        let html = helper_buttons();
        assert!(html.contains(r#"data-insert="{{salutation title first_name last_name}}""#));
        assert!(html.contains("{{#if returning}}\n…\n{{else}}"));
    }

    #[test]
    fn notes_escape_their_text_and_point_at_their_line() {
        let html = notes_html(&[Note {
            problem: Problem::error("no column `<x>`"),
            line: Some(7),
        }]);
        assert!(html.contains("no column `&lt;x&gt;`"), "{html}");
        assert!(html.contains(r#"data-line="7""#), "{html}");
    }
}
