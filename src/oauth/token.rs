//! Access tokens for a send run: one from the stored refresh token at the start (no prompt),
//! and a new one before it expires, so a run of days goes on by itself. A rotated refresh
//! token is stored at once; `invalid_grant` means the sign-in is gone.

use super::http::{self, Answer};
use super::settings::OAuthConfig;
use super::store::Store;
use super::OAuthError;
use std::time::{Duration, Instant};

/// Renew this long before the provider says the token expires: room for a message in flight,
/// a slow token endpoint and clocks that differ.
pub const RENEW_MARGIN: Duration = Duration::from_secs(120);

/// Providers that leave out `expires_in` give an hour (RFC 6749 leaves it optional).
const DEFAULT_LIFETIME: Duration = Duration::from_secs(3600);

/// A source of access tokens for one sign-in.
pub struct TokenSource {
    cfg: OAuthConfig,
    store: Store,
    client_secret: Option<String>,
    /// The command that makes a new sign-in, for messages.
    login_hint: String,
    current: Option<(String, Instant)>,
}

impl std::fmt::Debug for TokenSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TokenSource")
            .field("token_url", &self.cfg.token_url)
            .finish_non_exhaustive()
    }
}

/// The store for `cfg` and `username` (the same in `login` and `send`).
pub(super) fn store_for(cfg: &OAuthConfig, username: &str) -> Store {
    let provider = cfg.provider.unwrap_or("generic");
    Store::new(&[provider, &cfg.token_url, &cfg.client_id, username])
}

impl TokenSource {
    /// The source for `username` (the config file is named in "sign in again" messages);
    /// `client_secret` is the app's, for providers that give installed apps one.
    pub fn open(cfg: &OAuthConfig, username: &str, client_secret: Option<String>) -> TokenSource {
        TokenSource {
            cfg: cfg.clone(),
            store: store_for(cfg, username),
            client_secret,
            login_hint: format!("lettermerge login --config {}", cfg.config_name),
            current: None,
        }
    }

    /// Warnings from the token store (the keyring did not answer).
    pub fn warnings(&mut self) -> Vec<String> {
        std::mem::take(&mut self.store.warnings)
    }

    fn sign_in_again(&self, why: &str) -> OAuthError {
        OAuthError::SignInAgain(format!("{why}; sign in again: {}", self.login_hint))
    }

    /// Whether the current token expires within the margin (or there is none yet).
    pub fn due(&self) -> bool {
        match &self.current {
            None => true,
            Some((_, renew_at)) => Instant::now() >= *renew_at,
        }
    }

    /// The current access token, renewed first when due.
    pub fn access(&mut self) -> Result<String, OAuthError> {
        if self.due() {
            self.renew()?;
        }
        Ok(self
            .current
            .as_ref()
            .map(|(t, _)| t.clone())
            .unwrap_or_default())
    }

    /// A new access token from the refresh token, now (the server refused the old one, or it
    /// is due). A rotated refresh token is stored before the access token is used.
    pub fn renew(&mut self) -> Result<String, OAuthError> {
        let Some(refresh) = self.store.load()? else {
            return Err(self.sign_in_again(&format!("not signed in to {} yet", self.cfg.token_url)));
        };
        let mut form = vec![
            ("grant_type", "refresh_token"),
            ("refresh_token", refresh.as_str()),
            ("client_id", self.cfg.client_id.as_str()),
        ];
        if let Some(s) = &self.client_secret {
            form.push(("client_secret", s.as_str()));
        }
        match http::post_form(self.cfg.ca_file.as_deref(), &self.cfg.token_url, &form)? {
            Answer::Error { code, description } if code == "invalid_grant" => Err(self
                .sign_in_again(&format!(
                    "the sign-in was revoked or has expired (the provider said invalid_grant: \
                     {description})"
                ))),
            Answer::Error { code, description } => Err(OAuthError::Failed(format!(
                "{}: the provider refused to renew the access token: {code} {description}",
                self.cfg.token_url
            ))),
            Answer::Ok(map) => {
                let access = http::field(&map, "access_token").ok_or_else(|| {
                    OAuthError::Failed(format!(
                        "{}: the answer has no access_token",
                        self.cfg.token_url
                    ))
                })?;
                if let Some(rotated) = http::field(&map, "refresh_token") {
                    if rotated != refresh {
                        self.store.save(&rotated)?;
                    }
                }
                let lifetime =
                    http::number(&map, "expires_in").map_or(DEFAULT_LIFETIME, Duration::from_secs);
                self.current = Some((access.clone(), Instant::now() + renew_after(lifetime)));
                Ok(access)
            }
        }
    }
}

/// When to renew a token that lives `lifetime`: [`RENEW_MARGIN`] before the end, or halfway
/// for a token that lives less than twice the margin.
pub(super) fn renew_after(lifetime: Duration) -> Duration {
    if lifetime >= RENEW_MARGIN * 2 {
        lifetime - RENEW_MARGIN
    } else {
        lifetime / 2
    }
}

#[cfg(test)]
mod tests {
    use super::{renew_after, RENEW_MARGIN};
    use std::time::Duration;

    #[test]
    fn renewal_comes_before_the_end() {
        assert_eq!(
            renew_after(Duration::from_secs(3600)),
            Duration::from_secs(3600) - RENEW_MARGIN
        );
        assert_eq!(renew_after(Duration::from_secs(4)), Duration::from_secs(2));
        assert_eq!(renew_after(Duration::ZERO), Duration::ZERO);
    }
}
