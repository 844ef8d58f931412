//! Who may talk to the studio. A local web server is reachable from every web page the user
//! opens (through their browser), so each request must prove it comes from the URL the
//! terminal printed: the launch token (once in the URL, then an HttpOnly SameSite=Strict
//! cookie), a Host header naming us (against DNS rebinding), and for every POST an Origin
//! naming us (against cross-site forms). Every response gets a strict CSP.

use super::html;
use super::Studio;
use axum::extract::{Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// Bytes of OS randomness in the token (shown as 64 hex digits).
const TOKEN_BYTES: usize = 32;

/// Everything a page may load comes from the studio itself: no network, no inline script;
/// frames (the email preview, later) only from us; forms post only to us.
const CSP: &str = "default-src 'self'; img-src 'self' data:; frame-src 'self'; \
                   object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'";

/// The launch token and the addresses the studio answers as.
pub(crate) struct Guard {
    token: String,
    port: u16,
}

impl Guard {
    pub fn new(port: u16) -> Result<Guard, String> {
        let mut bytes = [0u8; TOKEN_BYTES];
        getrandom::getrandom(&mut bytes)
            .map_err(|e| format!("cannot read the system's random source: {e}"))?;
        let token = bytes.iter().map(|b| format!("{b:02x}")).collect();
        Ok(Guard { token, port })
    }

    pub fn token(&self) -> &str {
        &self.token
    }

    /// The cookie's name carries the port: cookies are not kept apart by port, and two
    /// studios open at once must not log each other out.
    fn cookie_name(&self) -> String {
        format!("lm_token_{}", self.port)
    }

    fn is_our_host(&self, host: &str) -> bool {
        host == format!("127.0.0.1:{}", self.port) || host == format!("localhost:{}", self.port)
    }

    fn is_our_origin(&self, origin: &str) -> bool {
        origin
            .strip_prefix("http://")
            .is_some_and(|host| self.is_our_host(host))
    }

    fn cookie_token<'a>(&self, headers: &'a HeaderMap) -> Option<&'a str> {
        let name = self.cookie_name();
        headers
            .get_all(header::COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(';'))
            .filter_map(|pair| pair.trim().split_once('='))
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v)
    }
}

/// Compares without stopping at the first difference, so the time taken says nothing about
/// how much of a guess was right.
pub(crate) fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// The middleware in front of every route.
pub(crate) async fn guard(State(studio): State<Arc<Studio>>, req: Request, next: Next) -> Response {
    let mut response = check(&studio.guard, req, next).await;
    let headers = response.headers_mut();
    for (name, value) in [
        (header::CONTENT_SECURITY_POLICY, CSP),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        // Not `no-referrer`: under it a browser sends `Origin: null` with a same-origin form
        // POST, and the Origin check could not tell our pages from any other. `same-origin`
        // still sends nothing to any other site.
        (header::REFERRER_POLICY, "same-origin"),
        (header::CACHE_CONTROL, "no-store"),
        (header::X_FRAME_OPTIONS, "SAMEORIGIN"),
    ] {
        // A document served to a sandboxed frame (the Letter screen's email) brings a CSP
        // that starts with `sandbox`: it keeps that one, which gives it an origin of its own
        // and no script at all. Nothing else may set its own.
        if name == header::CONTENT_SECURITY_POLICY && is_sandboxed(headers) {
            continue;
        }
        headers.insert(name, HeaderValue::from_static(value));
    }
    response
}

fn is_sandboxed(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_SECURITY_POLICY)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("sandbox;") || v == "sandbox")
}

async fn check(guard: &Guard, req: Request, next: Next) -> Response {
    let host = req
        .headers()
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    if !guard.is_our_host(host) {
        return html::message_page(
            StatusCode::MISDIRECTED_REQUEST,
            "Wrong address",
            "The studio answers only at the address the terminal printed (http://127.0.0.1:…). Open that URL.",
        );
    }
    let method = req.method().clone();
    if method != Method::GET && method != Method::HEAD && method != Method::POST {
        return html::message_page(
            StatusCode::METHOD_NOT_ALLOWED,
            "Not allowed",
            "The studio takes only GET and POST requests.",
        );
    }

    if let Some(given) = query_token(req.uri().query()) {
        if !constant_time_eq(given.as_bytes(), guard.token.as_bytes()) || method != Method::GET {
            return refused();
        }
        // Into the cookie, and out of the address bar (and the history) at once.
        let rest = query_without_token(req.uri().query().unwrap_or(""));
        let location = if rest.is_empty() {
            req.uri().path().to_string()
        } else {
            format!("{}?{rest}", req.uri().path())
        };
        let cookie = format!(
            "{}={}; HttpOnly; SameSite=Strict; Path=/",
            guard.cookie_name(),
            guard.token
        );
        let mut response = StatusCode::SEE_OTHER.into_response();
        let headers = response.headers_mut();
        if let (Ok(location), Ok(cookie)) = (
            HeaderValue::from_str(&location),
            HeaderValue::from_str(&cookie),
        ) {
            headers.insert(header::LOCATION, location);
            headers.insert(header::SET_COOKIE, cookie);
            return response;
        }
        return refused();
    }

    let has_cookie = guard
        .cookie_token(req.headers())
        .is_some_and(|t| constant_time_eq(t.as_bytes(), guard.token.as_bytes()));
    if !has_cookie {
        return refused();
    }

    if method == Method::POST {
        let origin = req
            .headers()
            .get(header::ORIGIN)
            .and_then(|o| o.to_str().ok())
            .unwrap_or("");
        if !guard.is_our_origin(origin) {
            return html::message_page(
                StatusCode::FORBIDDEN,
                "Refused",
                "This change did not come from a studio page. Make it from the studio's own page.",
            );
        }
    }
    next.run(req).await
}

fn refused() -> Response {
    html::message_page(
        StatusCode::FORBIDDEN,
        "Open the studio from its URL",
        "This page needs the secret link the studio made when it started. Use the URL the terminal printed (http://127.0.0.1:…/?token=…).",
    )
}

fn query_token(query: Option<&str>) -> Option<&str> {
    query?
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| *k == "token")
        .map(|(_, v)| v)
}

fn query_without_token(query: &str) -> String {
    query
        .split('&')
        .filter(|pair| !pair.is_empty() && !pair.starts_with("token=") && *pair != "token")
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::{constant_time_eq, query_token, query_without_token, Guard};

    #[test]
    fn tokens_are_compared_whole() {
        assert!(constant_time_eq(b"abc", b"abc"));
        assert!(!constant_time_eq(b"abc", b"abd"));
        assert!(!constant_time_eq(b"abc", b"ab"));
        assert!(!constant_time_eq(b"", b"a"));
    }

    #[test]
    fn a_token_is_64_hex_digits_and_new_each_launch() {
        let a = Guard::new(1).unwrap();
        let b = Guard::new(1).unwrap();
        assert_eq!(a.token().len(), 64);
        assert!(a.token().bytes().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a.token(), b.token());
    }

    #[test]
    fn only_our_own_host_and_origin_pass() {
        let g = Guard::new(8700).unwrap();
        assert!(g.is_our_host("127.0.0.1:8700") && g.is_our_host("localhost:8700"));
        for host in [
            "127.0.0.1",
            "127.0.0.1:8701",
            "evil.example:8700",
            "",
            "0.0.0.0:8700",
        ] {
            assert!(!g.is_our_host(host), "{host}");
        }
        assert!(g.is_our_origin("http://127.0.0.1:8700"));
        for origin in ["null", "https://127.0.0.1:8700", "http://evil.example", ""] {
            assert!(!g.is_our_origin(origin), "{origin}");
        }
    }

    #[test]
    fn the_token_leaves_the_query_and_the_rest_stays() {
        assert_eq!(query_token(Some("page=2&token=abc")), Some("abc"));
        assert_eq!(query_token(Some("page=2")), None);
        assert_eq!(query_without_token("page=2&token=abc"), "page=2");
        assert_eq!(query_without_token("token=abc"), "");
    }
}
