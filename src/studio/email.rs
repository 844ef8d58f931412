//! The Email screen: the `[smtp]` settings as a form (written to lettermerge.toml, comments
//! kept), "send a test to me", the confirmation of a real send, its live progress over
//! server-sent events with a Stop button, and the ledger's state after any restart. The send
//! itself is the campaign layer's engine, on a background thread; this module only asks it
//! and shows what it says.

use super::html::{self, escape};
use super::Studio;
use crate::campaign::send::plan::{self, Confirmation};
use crate::campaign::send::status::{CampaignLedger, RowRecord};
use crate::campaign::send::{
    self as engine, Plan, Progress, Secret, SecretRequest, SendEvent, SendFront,
};
use crate::config::edit;
use crate::config::secret;
use crate::config::send::{Mode, SmtpConfig};
use crate::report::Reporter;
use axum::extract::{Form, Query, State};
use axum::http::{header, StatusCode};
use axum::response::sse::{Event, Sse};
use axum::response::{Html, IntoResponse, Redirect, Response};
use futures_util::stream::Stream;
use std::convert::Infallible;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;

const EMAIL_JS: &str = include_str!("assets/email.js");

/// Recipients named in the confirmation: enough to see the list is the right one.
const CONFIRM_NAMED: usize = 5;

/// Failures listed in the live panel as they come (the ledger section lists them all).
const LIVE_FAILURES: usize = 10;

/// Rows of each state listed in the ledger section before "and N more".
const LEDGER_LISTED: usize = 50;

/// The `[smtp]` keys the form edits, with their labels; the others (ca_file, timeout_s,
/// retries, ...) stay as written in the file.
const FORM_KEYS: [&str; 9] = [
    "host",
    "port",
    "security",
    "username",
    "from",
    "auth",
    "rate_per_minute",
    "max_per_day",
    "password_command",
];

/// Choices whose default the form shows selected: written only when the file has the key
/// already or another choice is made, so a saved form adds no line the user did not mean.
const DEFAULT_CHOICES: [(&str, &str); 2] = [("security", "starttls"), ("auth", "password")];

/// Keys whose value is a whole number in the file.
const NUMBER_KEYS: [&str; 3] = ["port", "rate_per_minute", "max_per_day"];

/// How often the page hears how many rows the check before a send has read.
const CHECK_TICK: Duration = Duration::from_millis(250);

/// How the checking count starts, so the sending phase can take it away.
const CHECKED: &str = "Checked";

/// The send or test run of this studio, the last one started: one at a time, since the
/// ledger lets one run send at a time. Held for the process (one studio per process), so
/// the screen finds it again when the page is reloaded.
static RUN: Mutex<Option<Arc<Run>>> = Mutex::new(None);

struct Run {
    test_to: Option<String>,
    stop: Arc<AtomicBool>,
    state: watch::Sender<Snapshot>,
}

/// A run's state as the page shows it, sent as JSON over the event stream.
#[derive(Debug, Clone, Default, serde::Serialize)]
struct Snapshot {
    /// "checking", "sending", "done" or "failed".
    phase: &'static str,
    /// The panel's heading for this phase.
    title: String,
    total: u64,
    sent: u64,
    failed: u64,
    unknown: u64,
    skipped: u64,
    done: u64,
    /// "12 a minute", or "".
    rate: String,
    /// "about 3 min", or "".
    left: String,
    /// The run's last word: its summary, or why it failed.
    message: String,
    stopped: bool,
    /// The latest failures: (row, code, what the server said).
    failures: Vec<(u64, Option<u16>, String)>,
}

impl Snapshot {
    fn is_over(&self) -> bool {
        matches!(self.phase, "done" | "failed")
    }
}

fn current_run() -> Option<Arc<Run>> {
    RUN.lock().unwrap_or_else(|e| e.into_inner()).clone()
}

/// The studio as the send engine's front end: the confirmation happened in the page, the
/// password came with the form (held only for this run), progress goes to the watchers.
struct Page {
    test_to: Option<String>,
    password: Option<String>,
    progress: Progress,
    state: watch::Sender<Snapshot>,
}

impl Page {
    fn publish(&self, failure: Option<(u64, Option<u16>, String)>) {
        let p = &self.progress;
        let rate = p.per_minute();
        let left = p.time_left();
        self.state.send_modify(|s| {
            s.phase = if p.started.is_some() {
                "sending"
            } else {
                "checking"
            };
            s.title = title(self.test_to.as_deref(), s.phase);
            if s.phase == "sending" && s.message.starts_with(CHECKED) {
                s.message.clear();
            }
            s.total = p.total;
            s.sent = p.sent;
            s.failed = p.failed;
            s.unknown = p.unknown;
            s.skipped = p.skipped;
            s.done = p.done();
            s.rate = rate.map(describe_rate).unwrap_or_default();
            s.left = left.map(describe_left).unwrap_or_default();
            s.stopped = p.stopped;
            if let Some(f) = failure {
                s.failures.push(f);
                if s.failures.len() > LIVE_FAILURES {
                    s.failures.remove(0);
                }
            }
        });
    }
}

impl SendFront for Page {
    fn confirm(&mut self, _plan: &Plan) -> Result<(), String> {
        // The user confirmed on the confirmation page, which showed the same counts.
        Ok(())
    }

    fn secret(&mut self, request: &SecretRequest) -> Result<Secret, String> {
        if let Some(p) = self.password.take().filter(|p| !p.is_empty()) {
            return Ok(request.wrap(&p));
        }
        match secret::without_prompt(request.password_command.as_deref(), &request.what) {
            Some(found) => found.map(|s| request.wrap(s.expose())),
            None => Err(format!(
                "the server needs the {}: type it in the password box (it is used for this send only and never saved)",
                request.what
            )),
        }
    }

    fn event(&mut self, event: &SendEvent) {
        self.progress.apply(event);
        let failure = match event {
            SendEvent::Failed { row, code, message } => Some((*row, *code, message.clone())),
            SendEvent::Unknown { row, detail } => Some((*row, None, format!("unknown: {detail}"))),
            // A recipient refused while the others got the message (failures come above).
            SendEvent::Problem(p) if !p.is_error() => {
                p.row.map(|row| (row, None, p.message.clone()))
            }
            _ => None,
        };
        self.publish(failure);
    }

    fn print(&mut self, _text: &str) -> std::io::Result<()> {
        // The studio starts no dry run.
        Ok(())
    }
}

/// The live panel's heading.
fn title(test_to: Option<&str>, phase: &str) -> String {
    match (test_to, phase) {
        (Some(to), "done") => format!("Test sent to {to}"),
        (Some(to), "failed") => format!("The test to {to} failed"),
        (Some(to), _) => format!("Sending a test to {to}"),
        (None, "checking") => "Checking every row".to_string(),
        (None, "sending") => "Sending".to_string(),
        (None, "done") => "Send finished".to_string(),
        (None, _) => "The send stopped with an error".to_string(),
    }
}

fn describe_rate(per_minute: f64) -> String {
    if per_minute >= 120.0 {
        format!("{:.0} a second", per_minute / 60.0)
    } else {
        format!("{per_minute:.0} a minute")
    }
}

fn describe_left(left: Duration) -> String {
    let s = left.as_secs();
    match s {
        0 => "none".to_string(),
        1..=59 => format!("{s} s"),
        60..=5999 => format!("about {} min", s.div_ceil(60)),
        _ => format!("about {} h", s.div_ceil(3600)),
    }
}

/// Starts a run on a background thread; refused while another one is going.
fn start(
    studio: &Studio,
    mode: Mode,
    choices: Choices,
    password: Option<String>,
) -> Result<(), String> {
    let mut slot = RUN.lock().unwrap_or_else(|e| e.into_inner());
    if slot
        .as_ref()
        .is_some_and(|run| !run.state.borrow().is_over())
    {
        return Err("a send is running already: wait for it to end, or stop it".to_string());
    }
    let input = studio.input()?;
    let cfg = plan::campaign_config(
        input,
        &studio.files().config,
        mode,
        choices.resend_unknown,
        choices.skip_invalid,
        choices.allow_template_change,
    )?;
    let test_to = match &cfg.mode {
        Mode::Test { to } => Some(to.clone()),
        _ => None,
    };
    let (state, _) = watch::channel(Snapshot {
        phase: "checking",
        title: title(test_to.as_deref(), "checking"),
        ..Snapshot::default()
    });
    let run = Arc::new(Run {
        test_to,
        stop: Arc::new(AtomicBool::new(false)),
        state,
    });
    *slot = Some(Arc::clone(&run));
    drop(slot);
    std::thread::spawn(move || {
        // The check pass before the first message reports its rows into `watch`; a ticker
        // shows them while the phase is still "checking".
        let watch = crate::report::Watch::default();
        let reporter = Reporter::watched(&cfg.input.data, watch.clone());
        {
            let state = run.state.clone();
            std::thread::spawn(move || loop {
                std::thread::sleep(CHECK_TICK);
                let mut over = false;
                state.send_if_modified(|s| {
                    over = s.phase != "checking";
                    let Some((_, rows, _)) = watch.read().filter(|_| !over) else {
                        return false;
                    };
                    s.message = format!(
                        "{CHECKED} {rows} rows so far; nothing is sent until every row is checked."
                    );
                    true
                });
                if over {
                    break;
                }
            });
        }
        let mut page = Page {
            test_to: run.test_to.clone(),
            password,
            progress: Progress::default(),
            state: run.state.clone(),
        };
        // A bug in the engine must not leave the screen saying "sending" for ever.
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            engine::run(&cfg, &reporter, &mut page, &run.stop)
        }))
        .unwrap_or_else(|_| {
            Err(engine::SendFailure {
                code: crate::exit_codes::ExitCode::Error,
                message: "the send stopped on an internal error; the send record below says \
                          what went out; please report this"
                    .to_string(),
            })
        });
        let progress = page.progress.clone();
        drop(page);
        run.state.send_modify(|s| match result {
            Ok(_) => {
                s.phase = "done";
                s.stopped = progress.stopped;
                s.title = if progress.stopped {
                    "Send stopped".to_string()
                } else {
                    title(run.test_to.as_deref(), "done")
                };
                s.left = String::new();
                s.message = match &run.test_to {
                    Some(to) => format!(
                        "Sent {} test message(s) to {to}, subject marked [TEST]; the ledger records nothing.",
                        progress.sent
                    ),
                    None => format!(
                        "{}Sent {} messages, {} failed, {} unknown, {} skipped as already sent.",
                        if progress.stopped { "Stopped. " } else { "" },
                        progress.sent,
                        progress.failed,
                        progress.unknown,
                        progress.skipped
                    ),
                };
            }
            Err(failure) => {
                s.phase = "failed";
                s.title = title(run.test_to.as_deref(), "failed");
                s.left = String::new();
                s.message = failure.message;
            }
        });
    });
    Ok(())
}

/// What the user chose on the confirmation page.
#[derive(Debug, Clone, Copy, Default)]
struct Choices {
    /// Send the rows whose delivery is unknown again (`--resend-unknown`).
    resend_unknown: bool,
    /// Leave out the rows with problems and send the others (`--skip-invalid`).
    skip_invalid: bool,
    /// Send the rest with the letter as it now is (`--allow-template-change`).
    allow_template_change: bool,
}

type Params = Query<Vec<(String, String)>>;

fn param<'a>(params: &'a [(String, String)], key: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.as_str())
}

/// GET `/email`.
pub(crate) async fn page(State(studio): State<Arc<Studio>>, Query(params): Params) -> Response {
    let notice = match param(&params, "saved") {
        Some(_) => Some("The mail server settings are saved in lettermerge.toml.".to_string()),
        None => param(&params, "error").map(str::to_string),
    };
    let body = blocking(Arc::clone(&studio), move |studio| {
        if super::data::is_started(&studio.dir) {
            screen(studio, None, notice.as_deref())
        } else {
            r#"<section class="card message"><h1>No campaign here yet</h1><p>Start one on the <a href="/">Data</a> screen first; then set up the mail server here.</p></section>"#.to_string()
        }
    })
    .await;
    Html(html::page(
        "Email",
        "Email",
        &studio.dir.display().to_string(),
        &body,
    ))
    .into_response()
}

async fn blocking(
    studio: Arc<Studio>,
    f: impl FnOnce(&Studio) -> String + Send + 'static,
) -> String {
    html::built(studio, f).await
}

/// The raw `[smtp]` values as written in the file, for the form.
fn smtp_values(studio: &Studio) -> Vec<(String, String)> {
    let text = std::fs::read_to_string(studio.files().config).unwrap_or_default();
    let table = text.parse::<toml::Table>().unwrap_or_default();
    let smtp = table.get("smtp").and_then(|v| v.as_table());
    FORM_KEYS
        .iter()
        .map(|k| {
            let value = match smtp.and_then(|t| t.get(*k)) {
                Some(toml::Value::String(s)) => s.clone(),
                Some(toml::Value::Integer(n)) => n.to_string(),
                Some(other) => other.to_string(),
                None => String::new(),
            };
            (k.to_string(), value)
        })
        .collect()
}

/// The whole screen; `form` holds values the user typed that were not saved (with why).
fn screen(
    studio: &Studio,
    form: Option<(&[(String, String)], &str)>,
    notice: Option<&str>,
) -> String {
    let mut out = String::from("<div class=\"email-screen\">");
    out.push_str("<h1>Email</h1>");
    if let Some(n) = notice {
        out.push_str(&format!(
            "<p class=\"notice email-notice\">{}</p>",
            escape(n)
        ));
    }
    if let Some(run) = current_run() {
        out.push_str(&run_panel(&run));
    }
    let ledger = studio.input().and_then(|input| plan::ledger_state(&input));
    match &ledger {
        Ok(Some(state)) => out.push_str(&ledger_html(state)),
        Ok(None) => {}
        Err(e) => out.push_str(&format!(
            "<section class=\"card ledger\"><h2>Send record</h2><p class=\"error\">{}</p></section>",
            escape(e)
        )),
    }
    let config_ok = SmtpConfig::load(&studio.files().config);
    out.push_str("<div class=\"email-grid\">");
    let values = match form {
        Some((values, _)) => values.to_vec(),
        None => smtp_values(studio),
    };
    out.push_str(&smtp_form(&values, form.map(|(_, e)| e)));
    out.push_str("<div class=\"email-actions\">");
    match &config_ok {
        Ok(smtp) => {
            if smtp.auth == crate::config::send::AuthKind::OAuth2 {
                out.push_str(&format!(
                    r#"<section class="card email-signin"><h2>Sign in</h2>{}</section>"#,
                    super::signin::card(smtp)
                ));
            }
            out.push_str(&test_form(smtp));
            out.push_str(&format!(
                r#"<section class="card email-send"><h2>Send to everyone</h2>
<p>Every row that passes the check gets its message once, through <code>{host}:{port}</code> from <code>{from}</code>. The next step shows how many and to whom before anything is sent.</p>
{record}<a class="button primary" href="/email/confirm">Review and send…</a></section>"#,
                host = escape(&smtp.host),
                port = smtp.port,
                from = escape(&smtp.from),
                record = match &ledger {
                    Ok(None) => "<p class=\"hint\">Nothing has been sent for this campaign yet.</p>",
                    _ => "<p class=\"hint\">Messages sent before are not sent again.</p>",
                }
            ));
        }
        Err(e) => out.push_str(&format!(
            r#"<section class="card email-send"><h2>Sending</h2><p>Fill in the mail server first: {}</p></section>"#,
            escape(&e.0)
        )),
    }
    out.push_str("</div></div>");
    out.push_str("</div><script src=\"/assets/email.js\" defer></script>");
    out
}

fn field(label: &str, name: &str, value: &str, kind: &str, hint: &str) -> String {
    format!(
        r#"<label class="field"><span>{label}</span><input type="{kind}" name="{name}" value="{value}"{extra}>{hint}</label>"#,
        label = escape(label),
        name = name,
        value = escape(value),
        extra = if kind == "number" { " min=\"1\"" } else { "" },
        hint = if hint.is_empty() {
            String::new()
        } else {
            format!("<small>{}</small>", escape(hint))
        }
    )
}

fn select(label: &str, name: &str, value: &str, options: &[(&str, &str)]) -> String {
    let mut s = format!(
        r#"<label class="field"><span>{}</span><select name="{name}">"#,
        escape(label)
    );
    for (v, text) in options {
        let selected = if value.eq_ignore_ascii_case(v) {
            " selected"
        } else {
            ""
        };
        s.push_str(&format!(
            r#"<option value="{v}"{selected}>{}</option>"#,
            escape(text)
        ));
    }
    s.push_str("</select></label>");
    s
}

fn smtp_form(values: &[(String, String)], error: Option<&str>) -> String {
    let v = |k: &str| {
        values
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.as_str())
            .unwrap_or("")
    };
    let mut s = String::from(
        r#"<section class="card email-smtp"><h2>Mail server</h2><form method="post" action="/email/smtp" class="smtp-form">"#,
    );
    if let Some(e) = error {
        s.push_str(&format!("<p class=\"error\">Not saved: {}</p>", escape(e)));
    }
    s.push_str(&field(
        "Server",
        "host",
        v("host"),
        "text",
        "e.g. smtp.example.org",
    ));
    s.push_str("<div class=\"field-row\">");
    s.push_str(&field(
        "Port",
        "port",
        v("port"),
        "number",
        "blank: the usual port",
    ));
    s.push_str(&select(
        "Security",
        "security",
        v("security"),
        &[
            ("starttls", "STARTTLS"),
            ("tls", "TLS"),
            ("none", "None (local test servers only)"),
        ],
    ));
    s.push_str("</div>");
    s.push_str(&field(
        "From",
        "from",
        v("from"),
        "text",
        "e.g. Library Advocacy <advocacy@example.org>",
    ));
    s.push_str("<div class=\"field-row\">");
    s.push_str(&field(
        "User name",
        "username",
        v("username"),
        "text",
        "blank: no login",
    ));
    s.push_str(&select(
        "Login with",
        "auth",
        v("auth"),
        &[
            ("password", "Password"),
            ("oauth2", "Sign in (Microsoft 365, Google, OAuth 2)"),
            ("xoauth2", "OAuth token (XOAUTH2)"),
        ],
    ));
    s.push_str("</div><div class=\"field-row\">");
    s.push_str(&field(
        "Messages a minute",
        "rate_per_minute",
        v("rate_per_minute"),
        "number",
        "blank: as fast as the server takes them",
    ));
    s.push_str(&field(
        "Messages a day",
        "max_per_day",
        v("max_per_day"),
        "number",
        "blank: no daily cap",
    ));
    s.push_str("</div>");
    s.push_str(&field(
        "Password command",
        "password_command",
        v("password_command"),
        "text",
        "optional, e.g. pass show smtp",
    ));
    s.push_str(
        r#"<p class="hint">The password is never saved. It is asked for when you send, used for that send only, unless the LETTERMERGE_SMTP_PASSWORD environment variable or the password command gives it.</p>
<button type="submit">Save settings</button></form></section>"#,
    );
    s
}

/// A password box when the server wants a login; the environment or password_command may
/// give it instead, so it may be left blank.
fn password_box(smtp: &SmtpConfig) -> String {
    if smtp.auth == crate::config::send::AuthKind::OAuth2 {
        // lettermerge signs in itself: the access token comes from the kept sign-in.
        return r#"<p class="hint">No password: lettermerge uses the kept sign-in (see Sign in). If a send says to sign in again, sign in again here.</p>"#.to_string();
    }
    match &smtp.username {
        None => String::new(),
        Some(user) => format!(
            r#"<label class="field"><span>Password for {}</span><input type="password" name="password" autocomplete="off"><small>Used for this send only, never saved. Blank: from LETTERMERGE_SMTP_PASSWORD or the password command.</small></label>"#,
            escape(user)
        ),
    }
}

fn test_form(smtp: &SmtpConfig) -> String {
    format!(
        r#"<section class="card email-test"><h2>Send a test to me</h2>
<form method="post" action="/email/test" class="test-form">
<p>The first message goes to your address only, its subject marked [TEST]. Nothing is recorded, so the real send still goes to everyone.</p>
<label class="field"><span>Your address</span><input type="email" name="to" required placeholder="you@example.org"></label>
{password}
<button type="submit">Send a test</button></form></section>"#,
        password = password_box(smtp)
    )
}

fn run_panel(run: &Run) -> String {
    let s = run.state.borrow().clone();
    let live = if s.is_over() { "" } else { " data-live=\"1\"" };
    let mut failures = String::new();
    // The server's words carry its code; the send record's table has a column for it.
    for (row, _code, text) in &s.failures {
        failures.push_str(&format!("<li>row {row}: {}</li>", escape(text)));
    }
    format!(
        r#"<section class="card run run-{phase}" id="run"{live}>
<h2 data-k="title">{title}</h2>
<progress max="{max}" value="{done}" aria-label="Messages dealt with"></progress>
<div class="counts">
<div class="count-box good"><span class="n" data-k="sent">{sent}</span><span class="l">sent</span></div>
<div class="count-box"><span class="n" data-k="total">{total}</span><span class="l">in all</span></div>
<div class="count-box{bad}" data-box="failed"><span class="n" data-k="failed">{failed}</span><span class="l">failed</span></div>
{more}
</div>
<p class="run-message" data-k="message">{message}</p>
<ul class="run-failures" data-k="failures">{failures}</ul>
{stop}
</section>"#,
        phase = s.phase,
        title = escape(&s.title),
        max = s.total.max(1),
        done = s.done,
        sent = s.sent,
        total = s.total,
        failed = s.failed,
        bad = if s.failed > 0 { " bad" } else { "" },
        // A test is one message: the ledger's counts and the pace say nothing about it.
        more = if run.test_to.is_some() {
            String::new()
        } else {
            format!(
                r#"<div class="count-box{warn}" data-box="unknown"><span class="n" data-k="unknown">{unknown}</span><span class="l">unknown</span></div>
<div class="count-box"><span class="n" data-k="skipped">{skipped}</span><span class="l">sent before</span></div>
<div class="count-box"><span class="n" data-k="rate">{rate}</span><span class="l">rate</span></div>
<div class="count-box"><span class="n" data-k="left">{left}</span><span class="l">time left</span></div>"#,
                warn = if s.unknown > 0 { " warn" } else { "" },
                unknown = s.unknown,
                skipped = s.skipped,
                rate = escape(if s.rate.is_empty() { "–" } else { &s.rate }),
                left = escape(if s.left.is_empty() { "–" } else { &s.left }),
            )
        },
        message = escape(&s.message),
        stop = if s.stopped && s.is_over() {
            r#"<a class="button primary" href="/email/confirm">Send the rest…</a>"#.to_string()
        } else if s.is_over() {
            String::new()
        } else {
            r#"<form method="post" action="/email/stop" class="stop-form"><button type="submit" class="danger">Stop</button></form>"#.to_string()
        }
    )
}

fn ledger_html(ledger: &CampaignLedger) -> String {
    let c = ledger.counts();
    let mut s = format!(
        r#"<section class="card ledger"><h2>Send record</h2>
<p class="ledger-counts"><strong>{}</strong> sent · <strong>{}</strong> failed · <strong>{}</strong> unknown · {} pending</p>
<p class="hint">From <code>{}</code>, the same record <code>lettermerge send</code> and <code>lettermerge status</code> use: a message is never sent twice.</p>"#,
        c.sent,
        c.failed,
        c.unknown,
        c.pending + c.sending,
        escape(&ledger.path.display().to_string())
    );
    if !ledger.unknown.is_empty() {
        s.push_str(&format!(
            r#"<div class="ledger-unknown"><h3>Unknown: may have arrived</h3>
<p>The connection broke after these messages were handed to the server, so they may have arrived. They are not sent again unless you say so: check with the recipients or your server's log first.</p>{}
<a class="button" href="/email/confirm?resend_unknown=1">{}</a></div>"#,
            rows_table(&ledger.unknown, false),
            match ledger.unknown.len() {
                1 => "Resend this message…".to_string(),
                n => format!("Resend these {n} messages…"),
            }
        ));
    }
    if !ledger.failed.is_empty() {
        s.push_str(&format!(
            "<div class=\"ledger-failed\"><h3>Failed</h3>{}</div>",
            rows_table(&ledger.failed, true)
        ));
    }
    if !ledger.sent.is_empty() {
        s.push_str(&format!(
            "<details class=\"ledger-sent\"><summary>Sent ({})</summary>{}</details>",
            ledger.sent.len(),
            rows_table(&ledger.sent, false)
        ));
    }
    s.push_str("</section>");
    s
}

fn rows_table(rows: &[RowRecord], codes: bool) -> String {
    let mut s = String::from("<table class=\"rows\"><thead><tr><th>Row</th><th>To</th>");
    if codes {
        s.push_str("<th>Code</th>");
    }
    s.push_str("<th>Server said</th><th>When</th></tr></thead><tbody>");
    for r in rows.iter().take(LEDGER_LISTED) {
        s.push_str(&format!(
            "<tr><td>{}</td><td>{}</td>",
            r.row,
            escape(&r.recipients)
        ));
        if codes {
            s.push_str(&format!(
                "<td class=\"code\">{}</td>",
                r.code.map(|c| c.to_string()).unwrap_or_else(|| "–".into())
            ));
        }
        s.push_str(&format!(
            "<td>{}</td><td>{}</td></tr>",
            escape(r.text.as_deref().unwrap_or("")),
            escape(&when(&r.updated))
        ));
    }
    s.push_str("</tbody></table>");
    if rows.len() > LEDGER_LISTED {
        s.push_str(&format!(
            "<p class=\"hint\">and {} more; <code>lettermerge status --failures FILE.csv</code> writes them all</p>",
            rows.len() - LEDGER_LISTED
        ));
    }
    s
}

/// "2026-12-02T06:18:22.018922Z" as "2026-12-02 06:18 UTC"; anything else as it is.
fn when(rfc3339: &str) -> String {
    match chrono::DateTime::parse_from_rfc3339(rfc3339) {
        Ok(t) => t.format("%Y-%m-%d %H:%M UTC").to_string(),
        Err(_) => rfc3339.to_string(),
    }
}

/// POST `/email/smtp`: the form written to `[smtp]`, if the command line would take it.
pub(crate) async fn save_smtp(
    State(studio): State<Arc<Studio>>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let campaign = studio.dir.display().to_string();
    let outcome = tokio::task::spawn_blocking({
        let studio = Arc::clone(&studio);
        move || match save(&studio, &form) {
            Ok(()) => Ok(()),
            Err(e) => Err(screen(&studio, Some((&form, &e)), None)),
        }
    })
    .await;
    match outcome {
        Ok(Ok(())) => Redirect::to("/email?saved=1").into_response(),
        Ok(Err(body)) => (
            StatusCode::UNPROCESSABLE_ENTITY,
            Html(html::page("Email", "Email", &campaign, &body)),
        )
            .into_response(),
        Err(e) => html::message_page(
            StatusCode::INTERNAL_SERVER_ERROR,
            "Not saved",
            &e.to_string(),
        ),
    }
}

fn save(studio: &Studio, form: &[(String, String)]) -> Result<(), String> {
    let path = studio.files().config;
    let text = std::fs::read_to_string(&path).unwrap_or_default();
    let doc: toml::Table = text.parse().map_err(|e: toml::de::Error| {
        format!(
            "lettermerge.toml is not valid TOML ({}); fix it by hand first",
            e.message().trim()
        )
    })?;
    let mut smtp = doc
        .get("smtp")
        .and_then(|v| v.as_table())
        .cloned()
        .unwrap_or_default();
    let mut changes: Vec<(&str, Option<toml_edit::Value>)> = Vec::new();
    for key in FORM_KEYS {
        let raw = form
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.trim())
            .unwrap_or("");
        if !smtp.contains_key(key) && DEFAULT_CHOICES.contains(&(key, raw)) {
            continue;
        }
        if raw.is_empty() {
            smtp.remove(key);
            changes.push((key, None));
        } else if NUMBER_KEYS.contains(&key) {
            let n: i64 = raw
                .parse()
                .map_err(|_| format!("`{key}` must be a whole number, not {raw:?}"))?;
            smtp.insert(key.to_string(), toml::Value::Integer(n));
            changes.push((key, Some(toml_edit::Value::from(n))));
        } else {
            smtp.insert(key.to_string(), toml::Value::String(raw.to_string()));
            changes.push((key, Some(toml_edit::Value::from(raw))));
        }
    }
    // Checked exactly as `send` will read it, before anything is written.
    let mut whole = toml::Table::new();
    whole.insert("smtp".to_string(), toml::Value::Table(smtp));
    let candidate = toml::to_string(&whole).map_err(|e| e.to_string())?;
    let dir = path.parent().unwrap_or(&studio.dir).to_path_buf();
    SmtpConfig::parse(&candidate, "lettermerge.toml", &dir).map_err(|e| e.0)?;
    edit::set_table(&path, "smtp", &changes)
}

/// GET `/email/confirm`: how many messages go to whom, and the Send button.
pub(crate) async fn confirm(State(studio): State<Arc<Studio>>, Query(params): Params) -> Response {
    let resend_unknown = param(&params, "resend_unknown").is_some();
    let campaign = studio.dir.display().to_string();
    let body = blocking(studio, move |studio| {
        let planned = studio
            .input()
            .and_then(|input| {
                plan::campaign_config(
                    input,
                    &studio.files().config,
                    Mode::Send,
                    resend_unknown,
                    false,
                    false,
                )
            })
            .and_then(|cfg| {
                plan::confirmation(&cfg, CONFIRM_NAMED).map(|c| (c, cfg.smtp))
            });
        match planned {
            Ok((c, smtp)) => confirmation_html(&c, &smtp, resend_unknown),
            Err(e) => format!(
                "<section class=\"card\"><h1>Cannot send yet</h1><p class=\"error\">{}</p><p><a href=\"/email\">Back to Email</a></p></section>",
                escape(&e)
            ),
        }
    })
    .await;
    Html(html::page("Send", "Email", &campaign, &body)).into_response()
}

fn confirmation_html(c: &Confirmation, smtp: &SmtpConfig, resend_unknown: bool) -> String {
    let mut s = String::from("<section class=\"card confirm\">");
    if c.messages == 0 {
        s.push_str(&format!(
            "<h1>Nothing to send</h1><p>All {} rows are sent already or kept back (sent before: {}, unknown: {}, refused: {}, with problems: {}).</p><p><a href=\"/email\">Back to Email</a></p></section>",
            c.rows, c.already_sent, c.unknown_held, c.refused, c.invalid
        ));
        return s;
    }
    s.push_str(&format!(
        "<h1>Send {} message{} to {}?</h1>",
        c.messages,
        if c.messages == 1 { "" } else { "s" },
        if c.messages == 1 {
            "this official"
        } else {
            "these officials"
        }
    ));
    s.push_str(
        "<table class=\"rows\"><thead><tr><th>Row</th><th>Name</th><th>To</th></tr></thead><tbody>",
    );
    for a in &c.first {
        s.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td></tr>",
            a.row,
            escape(&a.name),
            escape(&a.addresses)
        ));
    }
    s.push_str("</tbody></table>");
    if c.messages > c.first.len() as u64 {
        s.push_str(&format!(
            "<p class=\"hint\">and {} more</p>",
            c.messages - c.first.len() as u64
        ));
    }
    s.push_str(&format!(
        "<dl class=\"facts\"><dt>From</dt><dd>{}</dd><dt>Through</dt><dd>{}:{}</dd>",
        escape(&c.from),
        escape(&c.host),
        c.port
    ));
    if c.already_sent > 0 {
        s.push_str(&format!(
            "<dt>Sent before</dt><dd>{} (not sent again)</dd>",
            c.already_sent
        ));
    }
    if c.unknown_held > 0 {
        s.push_str(&format!(
            "<dt>Unknown</dt><dd>{} kept back (they may have arrived)</dd>",
            c.unknown_held
        ));
    }
    if c.invalid > 0 {
        s.push_str(&format!(
            "<dt>Problems</dt><dd>{} rows have problems and cannot be sent; the <a href=\"/check\">Check</a> screen lists them</dd>",
            c.invalid
        ));
    }
    if let Some(rate) = smtp.rate_per_minute {
        s.push_str(&format!("<dt>Pace</dt><dd>{rate} a minute</dd>"));
    }
    s.push_str("</dl>");
    s.push_str(&format!(
        r#"<form method="post" action="/email/send" class="send-form">
<input type="hidden" name="resend_unknown" value="{resend}">
{skip}{changed}{password}
<div class="buttons"><a class="button" href="/email">Cancel</a>
<button type="submit" class="primary">Send {n} message{plural}</button></div></form></section>"#,
        resend = if resend_unknown { "1" } else { "" },
        // Nothing goes out while a row has a problem unless the user says to leave them out.
        skip = if c.invalid > 0 {
            format!(
                r#"<label class="check"><input type="checkbox" name="skip_invalid" value="1" required> Leave out the {} row{} with problems and send the others</label>"#,
                c.invalid,
                if c.invalid == 1 { "" } else { "s" }
            )
        } else {
            String::new()
        },
        changed = if c.template_changed {
            r#"<label class="check"><input type="checkbox" name="allow_template_change" value="1" required> The letter changed since the first messages went out: send the rest with the letter as it is now</label>"#
        } else {
            ""
        },
        password = password_box(smtp),
        n = c.messages,
        plural = if c.messages == 1 { "" } else { "s" }
    ));
    s
}

/// POST `/email/test`.
pub(crate) async fn send_test(
    State(studio): State<Arc<Studio>>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let to = param(&form, "to").unwrap_or("").trim().to_string();
    if to.contains(['\r', '\n']) || !to.contains('@') {
        return Redirect::to(&error_url(&format!(
            "{to:?} is not an email address; give your own address for the test"
        )))
        .into_response();
    }
    let password = param(&form, "password").map(str::to_string);
    launch(studio, Mode::Test { to }, Choices::default(), password).await
}

/// POST `/email/send`.
pub(crate) async fn send_all(
    State(studio): State<Arc<Studio>>,
    Form(form): Form<Vec<(String, String)>>,
) -> Response {
    let choices = Choices {
        resend_unknown: param(&form, "resend_unknown").is_some_and(|v| v == "1"),
        skip_invalid: param(&form, "skip_invalid").is_some_and(|v| v == "1"),
        allow_template_change: param(&form, "allow_template_change").is_some_and(|v| v == "1"),
    };
    let password = param(&form, "password").map(str::to_string);
    launch(studio, Mode::Send, choices, password).await
}

async fn launch(
    studio: Arc<Studio>,
    mode: Mode,
    choices: Choices,
    password: Option<String>,
) -> Response {
    let started =
        tokio::task::spawn_blocking(move || start(&studio, mode, choices, password)).await;
    match started {
        Ok(Ok(())) => Redirect::to("/email").into_response(),
        Ok(Err(e)) => Redirect::to(&error_url(&e)).into_response(),
        Err(e) => Redirect::to(&error_url(&e.to_string())).into_response(),
    }
}

fn error_url(message: &str) -> String {
    format!("/email?error={}", crate::markup::percent_encode(message))
}

/// POST `/email/stop`: the run ends after the message being handed over.
pub(crate) async fn stop() -> Response {
    if let Some(run) = current_run() {
        run.stop.store(true, Ordering::Relaxed);
    }
    Redirect::to("/email").into_response()
}

/// GET `/email/events`: the run's state as server-sent events, one each time it changes,
/// ending with the run.
pub(crate) async fn events() -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let rx = current_run().map(|run| run.state.subscribe());
    let stream = futures_util::stream::unfold((rx, true), |(rx, first)| async move {
        let mut rx = rx?;
        if !first && rx.changed().await.is_err() {
            return None;
        }
        let snapshot = rx.borrow_and_update().clone();
        let event = Event::default()
            .event("progress")
            .data(serde_json::to_string(&snapshot).unwrap_or_default());
        let next = if snapshot.is_over() { None } else { Some(rx) };
        Some((Ok(event), (next, false)))
    });
    Sse::new(stream)
}

pub(crate) async fn js() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        EMAIL_JS,
    )
}

#[cfg(test)]
mod tests {
    use super::{describe_left, describe_rate, when};
    use std::time::Duration;

    #[test]
    fn rates_and_times_read_as_words() {
        assert_eq!(describe_rate(30.0), "30 a minute");
        assert_eq!(describe_rate(600.0), "10 a second");
        assert_eq!(describe_left(Duration::from_secs(42)), "42 s");
        assert_eq!(describe_left(Duration::from_secs(61)), "about 2 min");
        assert_eq!(describe_left(Duration::ZERO), "none");
        assert_eq!(when("2026-12-02T06:18:22.018922Z"), "2026-12-02 06:18 UTC");
        assert_eq!(when("yesterday"), "yesterday");
    }
}
