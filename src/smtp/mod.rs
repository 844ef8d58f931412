//! Our own SMTP submission client (RFC 5321, 3207, 4954, 2920): one authenticated connection
//! reused for many messages, reconnected when it drops, with a timeout on every step, the reply
//! to each recipient, and failures sorted into temporary / permanent / unknown. We speak the
//! protocol ourselves because lettre 0.11 cannot: it never sets TCP_NODELAY and writes the final
//! "." on its own (about 40 ms of delayed-ACK wait per message on a reused connection), and it
//! aborts a message at the first refused recipient.

mod auth;
mod client;
mod conn;
mod data;
mod error;
mod mask;
mod reply;
mod tls;
mod wire;

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

pub use client::{Delivery, Envelope, SmtpClient};
pub use error::{SendError, SmtpError};
pub use reply::{Reply, MAX_REPLY_BYTES, MAX_REPLY_LINE, MAX_REPLY_LINES};
pub use wire::{check_domain, check_hello_name, check_one_line, MAX_DOMAIN, MAX_LABEL};

/// How the connection is encrypted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Security {
    /// Plain TCP, then STARTTLS before anything else; refused if the server does not offer it.
    StartTls,
    /// TLS from the first byte (usually port 465).
    Tls,
    /// No encryption at all (a local relay).
    None,
}

/// The login secret. Its `Debug` never shows the value.
#[derive(Clone, PartialEq, Eq)]
pub enum Secret {
    Password(String),
    /// An OAuth 2 access token, sent with the XOAUTH2 mechanism.
    XOAuth2(String),
    /// An OAuth 2 access token, sent with the OAUTHBEARER mechanism (RFC 7628).
    OAuthBearer(String),
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Secret::Password(_) => f.write_str("Password(***)"),
            Secret::XOAuth2(_) => f.write_str("XOAuth2(***)"),
            Secret::OAuthBearer(_) => f.write_str("OAuthBearer(***)"),
        }
    }
}

/// Everything needed to open a session.
#[derive(Debug, Clone)]
pub struct SmtpSettings {
    pub host: String,
    pub port: u16,
    pub security: Security,
    /// Log in when set.
    pub username: Option<String>,
    pub secret: Option<Secret>,
    /// Extra CA certificate(s), PEM, trusted in addition to the system's.
    pub ca_file: Option<PathBuf>,
    /// Skip certificate verification: an explicit opt-out, never a default.
    pub accept_invalid_certs: bool,
    /// Applies to connecting, to each command's reply, and to the data phase.
    pub timeout: Duration,
    /// The name this computer gives in EHLO; empty means the address literal of this end of
    /// the connection (`[192.0.2.7]`), which is always valid.
    pub hello_name: String,
}

impl SmtpSettings {
    /// Settings with the usual defaults: STARTTLS, no login, verified certificates, 30 s.
    pub fn new(host: impl Into<String>, port: u16) -> SmtpSettings {
        SmtpSettings {
            host: host.into(),
            port,
            security: Security::StartTls,
            username: None,
            secret: None,
            ca_file: None,
            accept_invalid_certs: false,
            timeout: Duration::from_secs(30),
            hello_name: String::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Secret;

    #[test]
    fn secrets_never_show_in_debug_output() {
        let shown = format!(
            "{:?} {:?} {:?}",
            Secret::Password("hunter2".into()),
            Secret::XOAuth2("ya29.token".into()),
            Secret::OAuthBearer("ya29.bearer".into())
        );
        assert!(
            !shown.contains("hunter2") && !shown.contains("ya29"),
            "{shown}"
        );
        assert!(shown.contains("***"));
    }
}
