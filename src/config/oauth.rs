//! The `[smtp.oauth]` table: the OAuth 2 provider lettermerge signs in to (endpoints, client
//! id, scopes, flow, SASL mechanism), checked, with a preset's values as defaults. The client
//! secret is never here: it comes from LETTERMERGE_OAUTH_CLIENT_SECRET or
//! `client_secret_command`.

use super::provider::{Preset, Provider};
use super::UsageError;
pub use crate::oauth::{Flow, Mechanism, OAuthConfig};

const KEYS: [&str; 9] = [
    "ca_file",
    "authorization_url",
    "token_url",
    "device_url",
    "client_id",
    "scopes",
    "flow",
    "mechanism",
    "client_secret_command",
];

/// The environment variable that may hold the OAuth client secret.
pub const CLIENT_SECRET_ENV: &str = "LETTERMERGE_OAUTH_CLIENT_SECRET";

/// The client secret, for providers that give installed apps one (Google): from
/// LETTERMERGE_OAUTH_CLIENT_SECRET or `client_secret_command`, never from the file.
pub fn client_secret(cfg: &OAuthConfig) -> Result<Option<String>, String> {
    if let Ok(v) = std::env::var(CLIENT_SECRET_ENV) {
        if !v.is_empty() {
            return Ok(Some(v));
        }
    }
    match &cfg.client_secret_command {
        None => Ok(None),
        Some(cmd) => super::secret::run_command(cmd, "OAuth client secret")
            .map(|s| Some(s.expose().to_string())),
    }
}

/// Endpoints must be https, except on this computer (a test server, a local proxy).
fn check_url(key: &str, url: &str) -> Result<(), String> {
    let rest = if let Some(r) = url.strip_prefix("https://") {
        r
    } else if let Some(r) = url.strip_prefix("http://") {
        let host = r.split(['/', '?']).next().unwrap_or("");
        let host = host.rsplit_once(':').map_or(host, |(h, _)| h);
        if !matches!(host, "127.0.0.1" | "localhost" | "[::1]") {
            return Err(format!(
                "`{key}` = \"{url}\" must start with https:// (plain http is allowed only to \
                 127.0.0.1); the sign-in would travel unencrypted"
            ));
        }
        r
    } else {
        return Err(format!(
            "`{key}` = \"{url}\" is not a web address; give the provider's https:// endpoint"
        ));
    };
    if rest.is_empty() || url.chars().any(|c| c.is_control() || c == ' ') {
        return Err(format!("`{key}` = {url:?} is not a web address"));
    }
    Ok(())
}

impl OAuthConfig {
    /// Reads `[smtp.oauth]` (`table`, possibly absent) over the preset's values.
    pub fn parse(
        table: Option<&toml::Table>,
        provider: Option<Provider>,
        preset: Option<&Preset>,
        config_name: &str,
        dir: &std::path::Path,
        err: &dyn Fn(String) -> UsageError,
    ) -> Result<OAuthConfig, UsageError> {
        let empty = toml::Table::new();
        let t = table.unwrap_or(&empty);
        for key in t.keys() {
            if key == "client_secret" {
                return Err(err(format!(
                    "`client_secret` must not be in a file: remove it, and give it in the \
                     {CLIENT_SECRET_ENV} environment variable or with client_secret_command \
                     in [smtp.oauth]"
                )));
            }
            if !KEYS.contains(&key.as_str()) {
                return Err(err(format!(
                    "unknown key `{key}` in [smtp.oauth]; the keys are: {}",
                    KEYS.join(", ")
                )));
            }
        }
        let string = |key: &str| -> Result<Option<String>, UsageError> {
            match t.get(key) {
                None => Ok(None),
                Some(toml::Value::String(s)) if s.trim().is_empty() => Ok(None),
                Some(toml::Value::String(s)) => Ok(Some(s.trim().to_string())),
                Some(other) => Err(err(format!(
                    "`{key}` in [smtp.oauth] must be a string in quotes, not {}",
                    other.type_str()
                ))),
            }
        };
        let url = |key: &str, default: Option<&str>| -> Result<Option<String>, UsageError> {
            let value = string(key)?.or(default.map(str::to_string));
            if let Some(u) = &value {
                check_url(key, u).map_err(&err)?;
            }
            Ok(value)
        };
        let authorization_url = url("authorization_url", preset.map(|p| p.authorization_url))?;
        let device_url = url("device_url", preset.and_then(|p| p.device_url))?;
        let token_url = url("token_url", preset.map(|p| p.token_url))?.ok_or_else(|| {
            err(
                "[smtp.oauth] needs `token_url`, the provider's token endpoint (or set \
                 provider = \"microsoft365\" or \"google\" in [smtp])"
                    .to_string(),
            )
        })?;
        let client_id = string("client_id")?.ok_or_else(|| {
            err(
                "[smtp.oauth] needs `client_id`, the id of the app registered with your mail \
                 provider (Microsoft Entra \"App registrations\", or Google Cloud \"OAuth \
                 client ID\" of type Desktop app); see the README"
                    .to_string(),
            )
        })?;
        let scopes = match t.get("scopes") {
            None => preset
                .map(|p| p.scopes.iter().map(|s| s.to_string()).collect())
                .unwrap_or_default(),
            Some(toml::Value::String(s)) => s.split_whitespace().map(str::to_string).collect(),
            Some(toml::Value::Array(a)) => a
                .iter()
                .map(|v| {
                    v.as_str().map(str::to_string).ok_or_else(|| {
                        err("`scopes` in [smtp.oauth] must be a list of strings".to_string())
                    })
                })
                .collect::<Result<Vec<_>, _>>()?,
            Some(other) => {
                return Err(err(format!(
                    "`scopes` in [smtp.oauth] must be a list of strings, not {}",
                    other.type_str()
                )))
            }
        };
        if scopes.is_empty() {
            return Err(err(
                "[smtp.oauth] needs `scopes`, e.g. scopes = [\"https://mail.google.com/\"]"
                    .to_string(),
            ));
        }
        let flow = match string("flow")?.as_deref().map(str::to_ascii_lowercase) {
            None => match (preset, &device_url) {
                (Some(p), _) => p.flow,
                (None, Some(_)) => Flow::Device,
                (None, None) => Flow::Loopback,
            },
            Some(s) if s == "device" => Flow::Device,
            Some(s) if s == "loopback" => Flow::Loopback,
            Some(s) => {
                return Err(err(format!(
                    "flow = \"{s}\" in [smtp.oauth] is not one of \"device\", \"loopback\""
                )))
            }
        };
        match flow {
            Flow::Device if device_url.is_none() => {
                return Err(err(
                    "flow = \"device\" needs `device_url` in [smtp.oauth], the provider's \
                     device authorization endpoint"
                        .to_string(),
                ))
            }
            Flow::Loopback if authorization_url.is_none() => {
                return Err(err(
                    "flow = \"loopback\" needs `authorization_url` in [smtp.oauth], the \
                     provider's authorization endpoint"
                        .to_string(),
                ))
            }
            _ => {}
        }
        let mechanism = match string("mechanism")?.as_deref().map(str::to_ascii_lowercase) {
            None => preset.map_or(Mechanism::XOAuth2, |p| p.mechanism),
            Some(s) if s == "xoauth2" => Mechanism::XOAuth2,
            Some(s) if s == "oauthbearer" => Mechanism::OAuthBearer,
            Some(s) => {
                return Err(err(format!(
                    "mechanism = \"{s}\" in [smtp.oauth] is not one of \"xoauth2\", \
                     \"oauthbearer\""
                )))
            }
        };
        let ca_file = string("ca_file")?.map(|f| dir.join(f));
        if let Some(ca) = &ca_file {
            if !ca.is_file() {
                return Err(err(format!(
                    "ca_file {} in [smtp.oauth]: no such file; give the PEM certificate of the \
                     CA that signs the sign-in endpoints' certificates",
                    ca.display()
                )));
            }
        }
        Ok(OAuthConfig {
            provider: provider.map(Provider::name),
            authorize_params: preset.map_or(&[][..], |p| p.authorize_params),
            authorization_url,
            token_url,
            device_url,
            client_id,
            scopes,
            flow,
            mechanism,
            client_secret_command: string("client_secret_command")?,
            config_name: config_name.to_string(),
            ca_file,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::check_url;

    #[test]
    fn endpoints_are_https_except_on_this_computer() {
        assert!(check_url("token_url", "https://oauth2.googleapis.com/token").is_ok());
        assert!(check_url("token_url", "http://127.0.0.1:8080/token").is_ok());
        assert!(check_url("token_url", "http://localhost/token").is_ok());
        let e = check_url("token_url", "http://evil.example/token").unwrap_err();
        assert!(e.contains("https://"), "{e}");
        assert!(check_url("token_url", "ftp://x").is_err());
        assert!(check_url("token_url", "https://").is_err());
    }
}
