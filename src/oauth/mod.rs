//! OAuth 2 sign-in for SMTP: `lettermerge login` runs the provider's flow (the device grant,
//! or a loopback redirect with PKCE) and keeps the refresh token in the token store; `send`
//! turns it into access tokens and renews them before they expire. No token is ever printed,
//! logged or written into the campaign folder.

mod flow;
mod http;
mod settings;
pub mod store;
mod token;

pub use flow::{login, LoginPrompt};
pub use settings::{Flow, Mechanism, OAuthConfig};
pub use store::{Store, StoreKind};
pub use token::TokenSource;

use std::fmt;

/// Why signing in or renewing a token did not work.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OAuthError {
    /// The sign-in is gone (never made, revoked, expired: `invalid_grant`): only
    /// `lettermerge login` can fix it.
    SignInAgain(String),
    /// Anything else (network, the provider's answer, the token store).
    Failed(String),
}

impl fmt::Display for OAuthError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OAuthError::SignInAgain(s) | OAuthError::Failed(s) => f.write_str(s),
        }
    }
}

/// `n` random bytes from the OS, base64url without padding (state, PKCE verifier).
fn random_token(n: usize) -> Result<String, OAuthError> {
    use base64::Engine;
    let mut bytes = vec![0u8; n];
    getrandom::getrandom(&mut bytes)
        .map_err(|e| OAuthError::Failed(format!("no random numbers from the system: {e}")))?;
    Ok(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
}
