//! The HTTP side of OAuth: form POSTs to the provider's endpoints over ureq (rustls, the
//! Mozilla roots), with a timeout and a size limit on every answer, and the answers parsed
//! into tokens or the provider's error code (RFC 6749 section 5.2).

use super::OAuthError;
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

fn agent() -> ureq::Agent {
    ureq::Agent::config_builder()
        .timeout_global(Some(HTTP_TIMEOUT))
        .http_status_as_error(false)
        // A token endpoint answers; it does not send the client elsewhere.
        .max_redirects(0)
        .user_agent(concat!("lettermerge/", env!("CARGO_PKG_VERSION")))
        .build()
        .into()
}

/// POSTs `form` to `url` and reads the JSON answer. Errors name the endpoint, never a value
/// from the form (it may hold a refresh token or a client secret).
pub(super) fn post_form(url: &str, form: &[(&str, &str)]) -> Result<Answer, OAuthError> {
    let failed = |detail: String| OAuthError::Failed(format!("{url}: {detail}"));
    let mut response = agent()
        .post(url)
        .header("Accept", "application/json")
        .send_form(form.iter().copied())
        .map_err(|e| failed(format!("no answer ({e})")))?;
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
