//! Relay presets: what `provider = "microsoft365" | "google"` in `[smtp]` fills in (server,
//! security, OAuth endpoints, scopes, flow) and the providers' documented sending limits, used
//! as the defaults for `rate_per_minute` and `max_per_day`. A value the user sets wins; one
//! above a preset's limit is kept, with a warning.

use super::oauth::{Flow, Mechanism};
use super::send::Security;

/// A mail provider with a preset.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Provider {
    Microsoft365,
    Google,
}

/// Everything a preset fills in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Preset {
    pub host: &'static str,
    pub port: u16,
    pub security: Security,
    pub authorization_url: &'static str,
    pub token_url: &'static str,
    /// `None`: the provider has no device grant for mail scopes.
    pub device_url: Option<&'static str>,
    pub scopes: &'static [&'static str],
    pub flow: Flow,
    pub mechanism: Mechanism,
    /// The provider's documented per-minute limit, the default `rate_per_minute`.
    pub rate_per_minute: Option<u32>,
    /// The provider's documented daily limit, the default `max_per_day`.
    pub max_per_day: Option<u32>,
    /// Extra parameters of the authorization request.
    pub authorize_params: &'static [(&'static str, &'static str)],
}

/// Exchange Online: 30 messages a minute per mailbox ("Exchange Online limits", Microsoft
/// Learn, "Sending limits: message rate limit").
pub const MICROSOFT365_PER_MINUTE: u32 = 30;
/// Exchange Online: 10,000 recipients a day per mailbox ("Exchange Online limits", Microsoft
/// Learn, "Sending limits: recipient rate limit"). lettermerge counts messages, so a message
/// with Cc'd staff uses more of the real limit than the cap shows.
pub const MICROSOFT365_PER_DAY: u32 = 10_000;
/// Google Workspace: 2,000 messages a day per user ("Gmail sending limits in Google
/// Workspace", Google Workspace Admin Help).
pub const GOOGLE_PER_DAY: u32 = 2_000;

impl Provider {
    pub const NAMES: [&'static str; 2] = ["microsoft365", "google"];

    pub fn parse(name: &str) -> Option<Provider> {
        match name.to_ascii_lowercase().as_str() {
            "microsoft365" | "microsoft" | "office365" | "outlook" => Some(Provider::Microsoft365),
            "google" | "gmail" | "workspace" => Some(Provider::Google),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Provider::Microsoft365 => "microsoft365",
            Provider::Google => "google",
        }
    }

    pub fn preset(self) -> Preset {
        match self {
            // Microsoft: SMTP AUTH client submission on 587 with STARTTLS; the device grant
            // suits a command line; SMTP.Send is the delegated scope for SMTP AUTH.
            Provider::Microsoft365 => Preset {
                host: "smtp.office365.com",
                port: 587,
                security: Security::StartTls,
                authorization_url: "https://login.microsoftonline.com/common/oauth2/v2.0/authorize",
                token_url: "https://login.microsoftonline.com/common/oauth2/v2.0/token",
                device_url: Some("https://login.microsoftonline.com/common/oauth2/v2.0/devicecode"),
                scopes: &["https://outlook.office.com/SMTP.Send", "offline_access"],
                flow: Flow::Device,
                mechanism: Mechanism::XOAuth2,
                rate_per_minute: Some(MICROSOFT365_PER_MINUTE),
                max_per_day: Some(MICROSOFT365_PER_DAY),
                authorize_params: &[],
            },
            // Google: the mail scope is not allowed on its device grant, so an installed
            // app's loopback redirect with PKCE; implicit TLS on 465.
            Provider::Google => Preset {
                host: "smtp.gmail.com",
                port: 465,
                security: Security::Tls,
                authorization_url: "https://accounts.google.com/o/oauth2/v2/auth",
                token_url: "https://oauth2.googleapis.com/token",
                device_url: None,
                scopes: &["https://mail.google.com/"],
                flow: Flow::Loopback,
                mechanism: Mechanism::XOAuth2,
                rate_per_minute: None,
                max_per_day: Some(GOOGLE_PER_DAY),
                // Google gives a refresh token only for offline access, and again only on
                // consent (a second sign-in would otherwise get none).
                authorize_params: &[("access_type", "offline"), ("prompt", "consent")],
            },
        }
    }
}

/// The limit to use: the user's value, else the preset's. A user's value above the preset's
/// is kept (the account may have a higher limit) with a warning in `warnings`.
pub fn limit(
    key: &str,
    user: Option<u32>,
    preset: Option<u32>,
    provider: Provider,
    warnings: &mut Vec<String>,
) -> Option<u32> {
    match (user, preset) {
        (Some(u), Some(p)) if u > p => {
            // `key` is a config key, or a command-line option ("--rate").
            let setting = if key.starts_with("--") {
                format!("{key} {u}")
            } else {
                format!("{key} = {u}")
            };
            warnings.push(format!(
                "{setting} is above {}'s documented limit of {p}; the server may refuse \
                 messages or lock the account's sending for a day. Lower it unless your \
                 account's limit is higher",
                provider.name()
            ));
            Some(u)
        }
        (Some(u), _) => Some(u),
        (None, p) => p,
    }
}

#[cfg(test)]
mod tests {
    use super::{limit, Provider, GOOGLE_PER_DAY, MICROSOFT365_PER_DAY, MICROSOFT365_PER_MINUTE};

    #[test]
    fn the_preset_limit_is_the_default_and_lowering_is_quiet() {
        let mut w = Vec::new();
        let p = Provider::Microsoft365.preset();
        assert_eq!(
            limit(
                "max_per_day",
                None,
                p.max_per_day,
                Provider::Microsoft365,
                &mut w
            ),
            Some(MICROSOFT365_PER_DAY)
        );
        assert_eq!(
            limit(
                "rate_per_minute",
                Some(10),
                p.rate_per_minute,
                Provider::Microsoft365,
                &mut w
            ),
            Some(10)
        );
        assert!(w.is_empty(), "{w:?}");
    }

    #[test]
    fn raising_above_the_preset_warns_and_keeps_the_value() {
        let mut w = Vec::new();
        let p = Provider::Microsoft365.preset();
        let got = limit(
            "rate_per_minute",
            Some(MICROSOFT365_PER_MINUTE + 1),
            p.rate_per_minute,
            Provider::Microsoft365,
            &mut w,
        );
        assert_eq!(got, Some(MICROSOFT365_PER_MINUTE + 1));
        assert_eq!(w.len(), 1);
        assert!(
            w[0].contains("rate_per_minute = 31") && w[0].contains("limit of 30"),
            "{w:?}"
        );
        // Equal to the limit is not a raise.
        let mut w = Vec::new();
        limit(
            "max_per_day",
            Some(GOOGLE_PER_DAY),
            Some(GOOGLE_PER_DAY),
            Provider::Google,
            &mut w,
        );
        assert!(w.is_empty());
        // No preset limit (Google has no per-minute one): nothing to raise.
        limit("rate_per_minute", Some(500), None, Provider::Google, &mut w);
        assert!(w.is_empty());
    }

    #[test]
    fn presets_hold_the_documented_numbers() {
        let m = Provider::Microsoft365.preset();
        assert_eq!((m.host, m.port), ("smtp.office365.com", 587));
        assert_eq!((m.rate_per_minute, m.max_per_day), (Some(30), Some(10_000)));
        let g = Provider::Google.preset();
        assert_eq!((g.host, g.port), ("smtp.gmail.com", 465));
        assert_eq!((g.rate_per_minute, g.max_per_day), (None, Some(2_000)));
        assert_eq!(Provider::parse("Gmail"), Some(Provider::Google));
        assert_eq!(Provider::parse("yahoo"), None);
    }
}
