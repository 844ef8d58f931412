//! The Email screen's sign-in for Microsoft 365, Google or another OAuth 2 provider: the same
//! flows as `lettermerge login` (a device code, or the browser sent to the provider and back
//! to 127.0.0.1), run on a background thread from a button, the page showing the address to
//! open and the code to enter. The refresh token goes to the same store as `login`'s; the page
//! never sees a token.

use super::html::escape;
use super::Studio;
use crate::config::send::{AuthKind, SmtpConfig};
use crate::oauth::{LoginPrompt, StoreKind};
use axum::extract::State;
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use std::sync::{Arc, Mutex};

/// Lines of the flow's own words kept for the page (it says a few; a provider that says more
/// is cut, not stored without end).
const MAX_LINES: usize = 20;

/// The sign-in under way or last finished, shared by the thread and the page.
static SIGNIN: Mutex<Option<Arc<Mutex<SignIn>>>> = Mutex::new(None);

/// What the page shows of a sign-in.
#[derive(Debug, Clone, Default, serde::Serialize)]
pub(crate) struct SignIn {
    /// The flow's words, in order ("To sign in, go to ... and enter the code ...").
    lines: Vec<String>,
    /// The address to open, from those words.
    url: Option<String>,
    done: bool,
    /// Where the sign-in is kept, once done.
    kept: Option<String>,
    error: Option<String>,
}

fn current() -> Option<SignIn> {
    let slot = SIGNIN.lock().unwrap_or_else(|e| e.into_inner());
    slot.as_ref()
        .map(|s| s.lock().unwrap_or_else(|e| e.into_inner()).clone())
}

/// The page as the flow's front end.
struct Page(Arc<Mutex<SignIn>>);

impl LoginPrompt for Page {
    fn say(&mut self, line: &str) {
        let mut s = self.0.lock().unwrap_or_else(|e| e.into_inner());
        if s.url.is_none() {
            s.url = line
                .split_whitespace()
                .find(|w| w.starts_with("https://") || w.starts_with("http://"))
                .map(str::to_string);
        }
        if s.lines.len() < MAX_LINES {
            s.lines.push(line.to_string());
        }
    }

    /// The person is in a browser already: the page shows the address as a link.
    fn open_browser(&mut self, _url: &str) -> bool {
        false
    }
}

/// POST `/email/signin`: starts the sign-in the config describes, unless one is under way.
pub(crate) async fn start(State(studio): State<Arc<Studio>>) -> Response {
    if current().is_some_and(|s| !s.done) {
        return Redirect::to("/email#signin").into_response();
    }
    let config = studio.files().config;
    let smtp = match SmtpConfig::load(&config) {
        Ok(smtp) => smtp,
        Err(e) => return redirect_error(&e.to_string()),
    };
    let (Some(oauth), Some(user), AuthKind::OAuth2) = (smtp.oauth, smtp.username, smtp.auth) else {
        return redirect_error(
            "signing in is for a provider (Microsoft 365, Google) or auth = \"oauth2\" with a username; save those settings first",
        );
    };
    let secret = match crate::config::oauth::client_secret(&oauth) {
        Ok(s) => s,
        Err(e) => return redirect_error(&e),
    };
    let state = Arc::new(Mutex::new(SignIn::default()));
    *SIGNIN.lock().unwrap_or_else(|e| e.into_inner()) = Some(Arc::clone(&state));
    std::thread::spawn(move || {
        let mut page = Page(Arc::clone(&state));
        let result = crate::oauth::login(&oauth, &user, secret, &mut page);
        let mut s = state.lock().unwrap_or_else(|e| e.into_inner());
        match result {
            Ok((kind, warnings)) => {
                s.kept = Some(match kind {
                    StoreKind::Keyring => "in the system keyring".to_string(),
                    StoreKind::File(path) => {
                        format!("in {} (readable only by you)", path.display())
                    }
                });
                s.lines.extend(warnings.into_iter().take(MAX_LINES));
            }
            Err(e) => s.error = Some(e.to_string()),
        }
        s.done = true;
    });
    Redirect::to("/email#signin").into_response()
}

fn redirect_error(message: &str) -> Response {
    Redirect::to(&format!(
        "/email?error={}",
        crate::markup::percent_encode(message)
    ))
    .into_response()
}

/// GET `/email/signin/status`: the sign-in's state as JSON, for the page's script.
pub(crate) async fn status() -> Response {
    let value = serde_json::to_value(current()).unwrap_or_default();
    (
        [(header::CONTENT_TYPE, "application/json")],
        value.to_string(),
    )
        .into_response()
}

/// The sign-in card of the Email screen, for a config that signs in with OAuth 2.
pub(crate) fn card(smtp: &SmtpConfig) -> String {
    let who = smtp.username.as_deref().unwrap_or_default();
    let s = current();
    let live = s.as_ref().is_some_and(|s| !s.done);
    format!(
        r#"<div class="signin" id="signin"{live}>
<p>{who} signs in with the provider, once: lettermerge keeps the sign-in (never in this folder) and gets and renews its access tokens by itself, also in the middle of a long send.</p>
<form method="post" action="/email/signin"><button type="submit"{disabled}>Sign in</button></form>
<div class="signin-status" id="signin-status" aria-live="polite">{status}</div>
</div>"#,
        live = if live { " data-live=\"1\"" } else { "" },
        who = escape(who),
        disabled = if live { " disabled" } else { "" },
        status = s.map(|s| status_html(&s)).unwrap_or_default(),
    )
}

/// The sign-in's words for the page (the script builds the same from the JSON).
fn status_html(s: &SignIn) -> String {
    let mut out = String::new();
    for line in &s.lines {
        out.push_str(&format!("<p>{}</p>", escape(line)));
    }
    if let (Some(url), false) = (&s.url, s.done) {
        out.push_str(&format!(
            r#"<p><a href="{u}" target="_blank" rel="noopener noreferrer">{u}</a></p>"#,
            u = escape(url)
        ));
    }
    if let Some(kept) = &s.kept {
        out.push_str(&format!(
            r#"<p class="ok">Signed in. The sign-in is kept {}.</p>"#,
            escape(kept)
        ));
    }
    if let Some(e) = &s.error {
        out.push_str(&format!(
            r#"<p class="bad">Not signed in: {}</p>"#,
            escape(e)
        ));
    }
    out
}
