//! The sign-in flows of `lettermerge login`: the device authorization grant (RFC 8628: the
//! user opens a URL on any device and enters a code while we poll), and the authorization
//! code grant with PKCE (RFC 7636) and a redirect to a port on 127.0.0.1 (RFC 8252). Either
//! ends with the refresh token in the token store.

use super::http::{self, Answer};
use super::settings::{Flow, OAuthConfig};
use super::store::StoreKind;
use super::token::store_for;
use super::{random_token, OAuthError};
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

/// The longest a device code is waited for, whatever the provider allows (Microsoft gives 15
/// minutes): someone who walked away should not find the command still polling.
const DEVICE_MAX_WAIT: Duration = Duration::from_secs(15 * 60);

/// The polling interval when the provider names none (RFC 8628 section 3.2: 5 seconds).
const DEVICE_DEFAULT_INTERVAL: u64 = 5;

/// RFC 8628 section 3.5: `slow_down` adds 5 seconds to the interval.
const SLOW_DOWN_STEP: u64 = 5;

/// How long the loopback listener waits for the browser to come back with the code.
pub const LOOPBACK_TIMEOUT: Duration = Duration::from_secs(5 * 60);

/// One request to the loopback listener: its request line and headers, read within this.
const LOOPBACK_READ_TIMEOUT: Duration = Duration::from_secs(10);

/// A request line longer than this is not the provider's redirect.
const MAX_REQUEST_LINE: u64 = 16 * 1024;

/// What the front end does during a sign-in.
pub trait LoginPrompt {
    /// Shows a line to the user (the URL to open, the code to enter, progress).
    fn say(&mut self, line: &str);
    /// Opens `url` in the user's browser if it can; false when it did not.
    fn open_browser(&mut self, url: &str) -> bool;
}

/// Runs the configured flow for `username` and stores the refresh token; says where.
/// `client_secret` is the app's, for providers that give installed apps one.
pub fn login(
    cfg: &OAuthConfig,
    username: &str,
    client_secret: Option<String>,
    prompt: &mut dyn LoginPrompt,
) -> Result<(StoreKind, Vec<String>), OAuthError> {
    let refresh = match cfg.flow {
        Flow::Device => device(cfg, client_secret.as_deref(), prompt)?,
        Flow::Loopback => loopback(cfg, username, client_secret.as_deref(), prompt)?,
    };
    let mut store = store_for(cfg, username);
    let kind = store.save(&refresh)?;
    Ok((kind, std::mem::take(&mut store.warnings)))
}

fn with_secret<'a>(
    mut form: Vec<(&'a str, &'a str)>,
    secret: Option<&'a str>,
) -> Vec<(&'a str, &'a str)> {
    if let Some(s) = secret {
        form.push(("client_secret", s));
    }
    form
}

/// The refresh token of a successful token answer.
fn refresh_token(
    url: &str,
    map: &serde_json::Map<String, serde_json::Value>,
) -> Result<String, OAuthError> {
    http::field(map, "refresh_token").ok_or_else(|| {
        OAuthError::Failed(format!(
            "{url} gave no refresh token, so lettermerge could not renew access during a run; \
             add the provider's offline scope (Microsoft: offline_access) to `scopes`"
        ))
    })
}

/// The device authorization grant.
fn device(
    cfg: &OAuthConfig,
    secret: Option<&str>,
    prompt: &mut dyn LoginPrompt,
) -> Result<String, OAuthError> {
    let device_url = cfg.device_url.as_deref().unwrap_or_default();
    let scope = cfg.scopes.join(" ");
    let form = with_secret(
        vec![
            ("client_id", cfg.client_id.as_str()),
            ("scope", scope.as_str()),
        ],
        secret,
    );
    let map = match http::post_form(cfg.ca_file.as_deref(), device_url, &form)? {
        Answer::Ok(map) => map,
        Answer::Error { code, description } => {
            return Err(OAuthError::Failed(format!(
                "{device_url} refused to start the sign-in: {code} {description}"
            )))
        }
    };
    let (Some(device_code), Some(user_code)) = (
        http::field(&map, "device_code"),
        http::field(&map, "user_code"),
    ) else {
        return Err(OAuthError::Failed(format!(
            "{device_url}: the answer has no device_code or user_code"
        )));
    };
    let uri = http::field(&map, "verification_uri")
        .or_else(|| http::field(&map, "verification_url"))
        .ok_or_else(|| {
            OAuthError::Failed(format!("{device_url}: the answer has no verification_uri"))
        })?;
    let printable = |s: &str| s.chars().filter(|c| !c.is_control()).collect::<String>();
    prompt.say(&format!(
        "To sign in, go to {} and enter the code {}",
        printable(&uri),
        printable(&user_code)
    ));
    let mut interval = http::number(&map, "interval")
        .unwrap_or(DEVICE_DEFAULT_INTERVAL)
        .max(1);
    let wait = http::number(&map, "expires_in")
        .map_or(DEVICE_MAX_WAIT, Duration::from_secs)
        .min(DEVICE_MAX_WAIT);
    let deadline = Instant::now() + wait;
    let grant = "urn:ietf:params:oauth:grant-type:device_code";
    loop {
        std::thread::sleep(Duration::from_secs(interval));
        if Instant::now() > deadline {
            return Err(OAuthError::Failed(format!(
                "the code {user_code} was not entered within {} minutes; run login again",
                wait.as_secs() / 60
            )));
        }
        let form = with_secret(
            vec![
                ("grant_type", grant),
                ("device_code", device_code.as_str()),
                ("client_id", cfg.client_id.as_str()),
            ],
            secret,
        );
        match http::post_form(cfg.ca_file.as_deref(), &cfg.token_url, &form)? {
            Answer::Ok(map) => return refresh_token(&cfg.token_url, &map),
            Answer::Error { code, .. } if code == "authorization_pending" => {}
            Answer::Error { code, .. } if code == "slow_down" => interval += SLOW_DOWN_STEP,
            Answer::Error { code, description } => {
                let why = match code.as_str() {
                    "access_denied" => "the sign-in was declined".to_string(),
                    "expired_token" => "the code expired before it was entered".to_string(),
                    _ => format!("{code} {description}"),
                };
                return Err(OAuthError::Failed(format!("{why}; run login again")));
            }
        }
    }
}

/// base64url(SHA-256(verifier)): the S256 code challenge.
fn challenge(verifier: &str) -> String {
    use base64::Engine;
    use sha2::{Digest, Sha256};
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// `application/x-www-form-urlencoded` encoding of one value.
fn encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

fn decode(s: &str) -> String {
    let hex = |b: u8| (b as char).to_digit(16).map(|d| d as u8);
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let pair = (
            bytes.get(i + 1).copied().and_then(hex),
            bytes.get(i + 2).copied().and_then(hex),
        );
        match (bytes[i], pair) {
            (b'+', _) => out.push(b' '),
            (b'%', (Some(hi), Some(lo))) => {
                out.push(hi << 4 | lo);
                i += 2;
            }
            (b, _) => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The query parameters of a request target `/path?a=1&b=2`.
fn query(target: &str) -> Vec<(String, String)> {
    let q = target.split_once('?').map_or("", |(_, q)| q);
    q.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

/// The authorization code grant with PKCE and a loopback redirect.
fn loopback(
    cfg: &OAuthConfig,
    username: &str,
    secret: Option<&str>,
    prompt: &mut dyn LoginPrompt,
) -> Result<String, OAuthError> {
    let failed = |what: &str, e: std::io::Error| OAuthError::Failed(format!("{what}: {e}"));
    let listener =
        TcpListener::bind(("127.0.0.1", 0)).map_err(|e| failed("cannot listen on 127.0.0.1", e))?;
    let port = listener
        .local_addr()
        .map_err(|e| failed("cannot listen on 127.0.0.1", e))?
        .port();
    let redirect_uri = format!("http://127.0.0.1:{port}/");
    let state = random_token(24)?;
    let verifier = random_token(48)?;
    let auth_url = cfg.authorization_url.as_deref().unwrap_or_default();
    let sep = if auth_url.contains('?') { '&' } else { '?' };
    let mut url = format!(
        "{auth_url}{sep}response_type=code&client_id={}&redirect_uri={}&scope={}&state={}&code_challenge={}&code_challenge_method=S256&login_hint={}",
        encode(&cfg.client_id),
        encode(&redirect_uri),
        encode(&cfg.scopes.join(" ")),
        encode(&state),
        encode(&challenge(&verifier)),
        encode(username),
    );
    for (key, value) in cfg.authorize_params {
        url.push_str(&format!("&{}={}", encode(key), encode(value)));
    }
    let opened = prompt.open_browser(&url);
    prompt.say(&format!(
        "{} sign in there:\n{url}",
        if opened {
            "Your browser was opened; if not,"
        } else {
            "Open this address in your browser and"
        }
    ));
    listener
        .set_nonblocking(true)
        .map_err(|e| failed("cannot listen on 127.0.0.1", e))?;
    let deadline = Instant::now() + LOOPBACK_TIMEOUT;
    let code = loop {
        if Instant::now() > deadline {
            return Err(OAuthError::Failed(format!(
                "the browser did not come back within {} minutes; run login again",
                LOOPBACK_TIMEOUT.as_secs() / 60
            )));
        }
        let stream = match listener.accept() {
            Ok((s, _)) => s,
            Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {
                std::thread::sleep(Duration::from_millis(50));
                continue;
            }
            Err(e) => return Err(failed("the sign-in listener failed", e)),
        };
        match redirect(stream, &state) {
            Redirect::Code(code) => break code,
            Redirect::Refused(why) => {
                return Err(OAuthError::Failed(format!("{why}; run login again")))
            }
            Redirect::Ignored => {}
        }
    };
    let form = with_secret(
        vec![
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", redirect_uri.as_str()),
            ("client_id", cfg.client_id.as_str()),
            ("code_verifier", verifier.as_str()),
        ],
        secret,
    );
    match http::post_form(cfg.ca_file.as_deref(), &cfg.token_url, &form)? {
        Answer::Ok(map) => refresh_token(&cfg.token_url, &map),
        Answer::Error { code, description } => Err(OAuthError::Failed(format!(
            "{} refused the sign-in code: {code} {description}; run login again",
            cfg.token_url
        ))),
    }
}

enum Redirect {
    Code(String),
    /// The provider said no (the user declined).
    Refused(String),
    /// Not the redirect (a favicon request, a wrong or missing state): answered and ignored.
    Ignored,
}

/// Reads one request on the loopback port and answers it.
fn redirect(stream: TcpStream, state: &str) -> Redirect {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(LOOPBACK_READ_TIMEOUT));
    let _ = stream.set_write_timeout(Some(LOOPBACK_READ_TIMEOUT));
    let mut reader = BufReader::new(Read::take(&stream, MAX_REQUEST_LINE));
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() {
        return Redirect::Ignored;
    }
    // The headers are not needed, but are read so the browser sees a clean answer.
    let mut header = String::new();
    while reader.read_line(&mut header).is_ok_and(|n| n > 2) {
        header.clear();
    }
    let target = line.split_whitespace().nth(1).unwrap_or("");
    let params = query(target);
    let get = |k: &str| {
        params
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
    };
    let (status, page, result) = if !target.starts_with("/?") && target != "/" {
        ("404 Not Found", "Not found.", Redirect::Ignored)
    } else if get("state").as_deref() != Some(state) {
        // Not from the sign-in this command started (RFC 6749 section 10.12).
        (
            "400 Bad Request",
            "This sign-in link is not the one lettermerge started.",
            Redirect::Ignored,
        )
    } else if let Some(error) = get("error") {
        let text: String = error
            .chars()
            .filter(|c| !c.is_control())
            .take(100)
            .collect();
        (
            "200 OK",
            "The sign-in did not complete. You can close this tab.",
            Redirect::Refused(format!("the provider said {text}")),
        )
    } else if let Some(code) = get("code") {
        (
            "200 OK",
            "Signed in to lettermerge. You can close this tab.",
            Redirect::Code(code),
        )
    } else {
        (
            "400 Bad Request",
            "No code in this address.",
            Redirect::Ignored,
        )
    };
    let body =
        format!("<!doctype html><meta charset=utf-8><title>lettermerge</title><p>{page}</p>\n");
    let _ = write!(
        &stream,
        "HTTP/1.1 {status}\r\nContent-Type: text/html; charset=utf-8\r\nContent-Length: {}\r\nConnection: close\r\nCache-Control: no-store\r\n\r\n{body}",
        body.len()
    );
    result
}

#[cfg(test)]
mod tests {
    use super::{challenge, decode, encode, query};

    #[test]
    fn pkce_s256_matches_rfc_7636_appendix_b() {
        assert_eq!(
            challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn query_values_round_trip() {
        let s = "a b/c?&=é";
        assert_eq!(decode(&encode(s)), s);
        let q = query("/?code=4%2F0Ab&state=xy%3D");
        assert_eq!(
            q,
            vec![
                ("code".into(), "4/0Ab".into()),
                ("state".into(), "xy=".into())
            ]
        );
        assert_eq!(decode("100%"), "100%");
    }
}
