//! `lettermerge studio [DIR]`: the campaign in the browser. A local web server on 127.0.0.1
//! only, guarded by a per-launch token (see `security`), with server-rendered pages (`html`,
//! `data`) and its CSS and script built into the binary, so it works offline.

mod campaign;
mod check;
mod data;
mod email;
mod fields;
mod html;
mod letter;
mod print;
mod security;
mod signin;

use crate::exit_codes::ExitCode;
use axum::extract::DefaultBodyLimit;
use axum::http::header;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Router;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// What every request handler sees: the campaign folder and who may talk to us.
pub(crate) struct Studio {
    /// The campaign folder, absolute.
    pub dir: PathBuf,
    pub guard: security::Guard,
    /// The data last read (see `campaign`).
    cache: campaign::Cache,
    /// The last check (see `check`).
    checks: check::Cache,
    /// The current or last print run.
    print: print::Jobs,
}

const STUDIO_CSS: &str = include_str!("assets/studio.css");
const STUDIO_JS: &str = include_str!("assets/studio.js");

/// Starts the server and serves until Ctrl-C (the default SIGINT ends the process: every
/// write is atomic, so there is nothing to flush).
pub fn run(dir: &Path, port: u16, open_browser: bool) -> ExitCode {
    match serve(dir, port, open_browser) {
        Ok(()) => ExitCode::Success,
        Err(message) => {
            eprintln!("error: {message}");
            ExitCode::Error
        }
    }
}

fn serve(dir: &Path, port: u16, open_browser: bool) -> Result<(), String> {
    if dir.is_file() {
        return Err(format!(
            "{} is a file; give the campaign folder (or an empty folder to start one in)",
            dir.display()
        ));
    }
    std::fs::create_dir_all(dir)
        .map_err(|e| format!("cannot create the folder {}: {e}", dir.display()))?;
    let dir = std::fs::canonicalize(dir)
        .map_err(|e| format!("cannot open the folder {}: {e}", dir.display()))?;
    // Bound before the runtime starts so that a taken port is a plain error message.
    let listener = std::net::TcpListener::bind(("127.0.0.1", port)).map_err(|e| {
        format!("cannot listen on 127.0.0.1:{port}: {e}; choose another --port, or leave it out to take a free one")
    })?;
    let port = listener
        .local_addr()
        .map_err(|e| format!("cannot read the port listened on: {e}"))?
        .port();
    listener
        .set_nonblocking(true)
        .map_err(|e| format!("cannot set up the listener: {e}"))?;
    let guard = security::Guard::new(port)?;
    let url = format!("http://127.0.0.1:{port}/?token={}", guard.token());
    let studio = Arc::new(Studio {
        dir,
        guard,
        cache: campaign::Cache::default(),
        checks: check::Cache::default(),
        print: print::Jobs::default(),
    });
    // The data is read while the browser opens, so the first page finds it ready. A
    // problem with it is left for that page to show.
    if data::is_started(&studio.dir) {
        let early = Arc::clone(&studio);
        std::thread::spawn(move || {
            let _ = early.loaded();
        });
    }

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_io()
        .build()
        .map_err(|e| format!("cannot start the server: {e}"))?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::from_std(listener)
            .map_err(|e| format!("cannot set up the listener: {e}"))?;
        let app = router(Arc::clone(&studio));
        // The one line a user (or a test) reads: flushed before anything else can happen.
        let mut out = std::io::stdout().lock();
        writeln!(out, "{url}")
            .and_then(|()| out.flush())
            .map_err(|e| format!("cannot print the URL: {e}"))?;
        drop(out);
        if open_browser {
            crate::browser::open(&url);
        }
        axum::serve(listener, app)
            .await
            .map_err(|e| format!("the server stopped: {e}"))
    })
}

fn router(studio: Arc<Studio>) -> Router {
    Router::new()
        .route("/", get(data::page))
        .route("/start", post(data::start))
        .route("/choose", post(data::choose))
        .route("/exclude", post(data::exclude))
        .route("/fields", get(fields::page).post(fields::save))
        .route("/check", get(check::page))
        .route("/row", get(check::row))
        .route("/print", get(print::page).post(print::start))
        .route("/print/status", get(print::status))
        .route("/files/letters/", get(print::folder))
        .route("/files/letters/{name}", get(print::file))
        .route(
            "/upload",
            post(data::upload)
                // The handler counts the bytes itself and answers with a page (see
                // data::MAX_UPLOAD_BYTES); axum's own 2 MiB default would cut it short.
                .layer(DefaultBodyLimit::disable()),
        )
        // The Letter screen: editor, live preview, email frame, save.
        .route("/letter", get(letter::page))
        .route("/letter/preview", post(letter::preview_post))
        .route("/letter/email/{id}", get(letter::email_frame))
        .route("/letter/save", post(letter::save))
        .route("/assets/letter.js", get(letter::script))
        // Email screen: the [smtp] form, test, confirmation, live send, stop, ledger state.
        .route("/email", get(email::page))
        .route("/email/smtp", post(email::save_smtp))
        .route("/email/test", post(email::send_test))
        .route("/email/confirm", get(email::confirm))
        .route("/email/send", post(email::send_all))
        .route("/email/stop", post(email::stop))
        .route("/email/events", get(email::events))
        .route("/email/signin", post(signin::start))
        .route("/email/signin/status", get(signin::status))
        .route("/assets/email.js", get(email::js))
        .route("/assets/studio.css", get(css))
        .route("/assets/studio.js", get(js))
        .fallback(not_found)
        .layer(axum::middleware::from_fn_with_state(
            Arc::clone(&studio),
            security::guard,
        ))
        .with_state(studio)
}

async fn css() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        STUDIO_CSS,
    )
}

async fn js() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        STUDIO_JS,
    )
}

async fn not_found() -> impl IntoResponse {
    html::message_page(
        axum::http::StatusCode::NOT_FOUND,
        "Not found",
        "There is no such page in the studio.",
    )
}
