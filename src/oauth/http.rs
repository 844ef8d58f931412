//! The HTTP side of OAuth: form POSTs to the provider's endpoints over ureq (rustls, the
//! Mozilla roots or the config's `ca_file`), with a timeout and a size limit on every answer, and the answers parsed
//! into tokens or the provider's error code (RFC 6749 section 5.2).

use super::OAuthError;
use std::path::Path;
use std::time::Duration;

/// One request to the provider, from connecting to the last byte of the answer: a provider
/// that stops answering must not hang a send run that has letters waiting.
pub(super) const HTTP_TIMEOUT: Duration = Duration::from_secs(30);

/// A token or device answer is a few kilobytes; anything far bigger is not one.
const MAX_ANSWER_BYTES: u64 = 256 * 1024;

/// The JSON answer of an endpoint: success, or the OAuth error code and its description.
pub(super) enum Answer {
    Ok(serde_json::Map<String, serde_json::Value>),
    Error { code: String, description: String },
}

/// The CA certificates in the PEM file `path`, as roots to trust instead of the Mozilla ones.
fn roots(path: &Path) -> Result<ureq::tls::RootCerts, String> {
    let pem = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    let certs: Vec<ureq::tls::Certificate<'static>> = ureq::tls::parse_pem(&pem)
        .filter_map(|item| match item {
            Ok(ureq::tls::PemItem::Certificate(c)) => Some(c),
            _ => None,
        })
        .collect();
    if certs.is_empty() {
        return Err(format!("{} holds no PEM certificate", path.display()));
    }
    Ok(ureq::tls::RootCerts::new_with_certs(&certs))
}

fn agent(ca_file: Option<&Path>) -> Result<ureq::Agent, String> {
    let mut tls = ureq::tls::TlsConfig::builder();
    if let Some(path) = ca_file {
        tls = tls.root_certs(roots(path)?);
    }
    Ok(ureq::Agent::config_builder()
        .tls_config(tls.build())
        .timeout_global(Some(HTTP_TIMEOUT))
        .http_status_as_error(false)
        // A token endpoint answers; it does not send the client elsewhere.
        .max_redirects(0)
        .user_agent(concat!("lettermerge/", env!("CARGO_PKG_VERSION")))
        .build()
        .into())
}

/// POSTs `form` to `url` and reads the JSON answer. Errors name the endpoint, never a value
/// from the form (it may hold a refresh token or a client secret).
pub(super) fn post_form(
    ca_file: Option<&Path>,
    url: &str,
    form: &[(&str, &str)],
) -> Result<Answer, OAuthError> {
    let failed = |detail: String| OAuthError::Failed(format!("{url}: {detail}"));
    let mut response = agent(ca_file)
        .map_err(|e| failed(format!("ca_file in [smtp.oauth]: {e}")))?
        .post(url)
        .header("Accept", "application/json")
        .send_form(form.iter().copied())
        .map_err(|e| {
            failed(format!(
                "no answer ({e}); check the address and the connection (a certificate from a \
                 private CA needs ca_file in [smtp.oauth])"
            ))
        })?;
    let status = response.status().as_u16();
    let body = response
        .body_mut()
        .with_config()
        .limit(MAX_ANSWER_BYTES)
        .read_to_string()
        .map_err(|e| failed(format!("the answer could not be read ({e})")))?;
    let json: Option<serde_json::Map<String, serde_json::Value>> = serde_json::from_str(&body).ok();
    match json {
        Some(map) if map.get("error").and_then(|v| v.as_str()).is_some() => Ok(Answer::Error {
            code: map["error"].as_str().unwrap_or_default().to_string(),
            description: map
                .get("error_description")
                .and_then(|v| v.as_str())
                .unwrap_or_default()
                .chars()
                .filter(|c| !c.is_control())
                .take(300)
                .collect(),
        }),
        Some(map) if (200..300).contains(&status) => Ok(Answer::Ok(map)),
        _ => Err(failed(format!(
            "HTTP {status}, and not the JSON answer of an OAuth endpoint; check the URL in \
             [smtp.oauth]"
        ))),
    }
}

/// A string field of an answer.
pub(super) fn field(map: &serde_json::Map<String, serde_json::Value>, key: &str) -> Option<String> {
    map.get(key)
        .and_then(|v| v.as_str())
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// A number field of an answer (some providers send numbers as strings).
pub(super) fn number(map: &serde_json::Map<String, serde_json::Value>, key: &str) -> Option<u64> {
    match map.get(key)? {
        serde_json::Value::Number(n) => n.as_u64(),
        serde_json::Value::String(s) => s.parse().ok(),
        _ => None,
    }
}
