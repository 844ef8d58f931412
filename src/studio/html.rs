//! The studio's HTML: one escaping function that every value from the user's files goes
//! through, and the page frame (header, screen tabs) every screen shares.
//!
//! Pages are built with `format!` rather than a template engine: there are a handful of
//! them, each a few lines, and a value can only reach a page through [`escape`].

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};

/// Makes text safe anywhere in HTML content or in a quoted attribute value.
pub(crate) use crate::markup::escape;

/// The screens, in the order a campaign goes through them.
const SCREENS: [(&str, &str); 6] = [
    ("Data", "/"),
    ("Match fields", "/fields"),
    ("Letter", "/letter"),
    ("Check", "/check"),
    ("Print", "/print"),
    ("Email", "/email"),
];

/// A whole page: `body` is HTML already (built from escaped values).
pub(crate) fn page(title: &str, active: &str, campaign: &str, body: &str) -> String {
    let mut tabs = String::new();
    for (name, href) in SCREENS {
        if href.is_empty() {
            tabs.push_str(&format!(
                r#"<span class="tab soon" title="Coming soon">{name}</span>"#
            ));
        } else if name == active {
            tabs.push_str(&format!(
                r#"<a class="tab active" aria-current="page" href="{href}">{name}</a>"#
            ));
        } else {
            tabs.push_str(&format!(r#"<a class="tab" href="{href}">{name}</a>"#));
        }
    }
    format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · lettermerge studio</title>
<link rel="stylesheet" href="/assets/studio.css">
<script src="/assets/studio.js" defer></script>
</head>
<body>
<header class="top">
<div class="brand">lettermerge <span>studio</span></div>
<nav class="tabs">{tabs}</nav>
<div class="campaign" title="{campaign}">{campaign}</div>
</header>
<main>
{body}
</main>
</body>
</html>
"#,
        title = escape(title),
        campaign = escape(campaign),
    )
}

/// A screen's body built off the async runtime (building it reads files and may run the
/// engine); a task that fails says so in the page.
pub(crate) async fn built(
    studio: std::sync::Arc<super::Studio>,
    build: impl FnOnce(&super::Studio) -> String + Send + 'static,
) -> String {
    tokio::task::spawn_blocking(move || build(&studio))
        .await
        .unwrap_or_else(|e| {
            format!(
                r#"<p class="error">The page failed: {}</p>"#,
                escape(&e.to_string())
            )
        })
}

/// A whole screen: [`built`] in the page frame, `active` the tab it belongs to.
pub(crate) async fn screen(
    studio: std::sync::Arc<super::Studio>,
    title: &str,
    active: &str,
    build: impl FnOnce(&super::Studio) -> String + Send + 'static,
) -> Response {
    let campaign = studio.dir.display().to_string();
    let body = built(studio, build).await;
    Html(page(title, active, &campaign, &body)).into_response()
}

/// A short page for a refusal or an error, with its status.
pub(crate) fn message_page(status: StatusCode, title: &str, message: &str) -> Response {
    let body = format!(
        r#"<section class="card message"><h1>{}</h1><p>{}</p></section>"#,
        escape(title),
        escape(message)
    );
    (status, Html(page(title, "", "", &body))).into_response()
}

#[cfg(test)]
mod tests {
    use super::{escape, page};

    #[test]
    fn markup_in_data_becomes_text() {
        assert_eq!(
            escape(r#"<script>alert("x")</script> & 'y'"#),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;"
        );
        assert_eq!(escape("Zoë Ångström"), "Zoë Ångström");
    }

    #[test]
    fn the_page_frame_escapes_its_title_and_campaign() {
        let html = page("<b>", "Data", "/tmp/<x>", "");
        assert!(html.contains("&lt;b&gt; · lettermerge studio"));
        assert!(html.contains("/tmp/&lt;x&gt;"));
        assert!(!html.contains("<b>"));
    }
}
