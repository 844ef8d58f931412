//! What can go wrong with SMTP, sorted by what the caller must do about it: connection-level
//! failures (`SmtpError`) and per-message outcomes (`SendError`). No message ever contains a
//! password or token: the commands that carry them are never quoted, and what the server says
//! is masked where it is read (see `mask`).

use std::fmt;
use std::path::PathBuf;

use super::reply::Reply;

/// Opening a session failed: connecting, TLS, STARTTLS, login, or a server that does not speak
/// SMTP as expected. Nothing was sent.
#[derive(Debug)]
pub enum SmtpError {
    /// TCP connect, name lookup, greeting or EHLO failed (refused, timed out, dropped, or a 4xx/5xx
    /// greeting).
    Connect {
        server: String,
        detail: String,
        reply: Option<Reply>,
    },
    /// The TLS handshake failed. `untrusted` is set when the server's certificate did not verify
    /// (unknown issuer, wrong host name, expired).
    Tls {
        server: String,
        detail: String,
        untrusted: bool,
    },
    /// The `ca_file` could not be read or holds no PEM certificate.
    CaFile { path: PathBuf, detail: String },
    /// `security = starttls` but the server does not offer STARTTLS (or refused it).
    StartTlsUnavailable {
        server: String,
        reply: Option<Reply>,
    },
    /// The login was refused, or cannot be attempted (no usable mechanism, no secret).
    Auth {
        server: String,
        username: String,
        reply: Option<Reply>,
        detail: String,
    },
    /// A setting cannot go onto the wire as it is (a CR or LF in the EHLO name, the host or
    /// the login name): nothing was sent, not even a connection made.
    Settings { setting: String, detail: String },
    /// The server answered something SMTP does not allow here.
    Protocol {
        server: String,
        detail: String,
        reply: Option<Reply>,
    },
}

impl SmtpError {
    /// True when trying again later may work (network trouble, a server that is busy or
    /// restarting). False for what needs the user: untrusted certificates, refused logins,
    /// a missing STARTTLS.
    pub fn is_temporary(&self) -> bool {
        match self {
            SmtpError::Connect { reply, .. } => reply.as_ref().is_none_or(Reply::is_transient),
            SmtpError::Auth { reply, .. } => reply.as_ref().is_some_and(Reply::is_transient),
            SmtpError::Protocol { reply, .. } => reply.as_ref().is_some_and(Reply::is_transient),
            SmtpError::Tls { untrusted, .. } => !untrusted,
            SmtpError::CaFile { .. }
            | SmtpError::StartTlsUnavailable { .. }
            | SmtpError::Settings { .. } => false,
        }
    }
}

fn with_reply(reply: &Option<Reply>) -> String {
    match reply {
        Some(r) => format!(" (server replied: {r})"),
        None => String::new(),
    }
}

impl fmt::Display for SmtpError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SmtpError::Connect {
                server,
                detail,
                reply,
            } => write!(
                f,
                "could not open an SMTP session with {server}: {detail}{}; check `host` and `port` \
                 in [smtp] and that this computer can reach the server",
                with_reply(reply)
            ),
            SmtpError::Tls {
                server,
                detail,
                untrusted: true,
            } => write!(
                f,
                "the TLS certificate of {server} is not trusted: {detail}; if this is your \
                 organisation's self-signed certificate, put it (PEM) in `ca_file` in [smtp] to \
                 pin it (`openssl s_client -connect {server} -starttls smtp -showcerts` shows \
                 it; ask the server's administrator that it is the right one); if your \
                 organisation runs its own certificate authority, set `ca_file` to that CA \
                 certificate; and check that `host` is the name the certificate was issued for"
            ),
            SmtpError::Tls { server, detail, .. } => write!(
                f,
                "the TLS handshake with {server} failed: {detail}; check `security` and `port` in \
                 [smtp] (`tls` is usually port 465, `starttls` port 587)"
            ),
            SmtpError::CaFile { path, detail } => write!(
                f,
                "cannot use the CA certificate file {}: {detail}; set `ca_file` in [smtp] to a \
                 PEM file holding the certificate authority's certificate",
                path.display()
            ),
            SmtpError::StartTlsUnavailable { server, reply } => write!(
                f,
                "{server} does not offer STARTTLS{}, so the login and the letters would travel \
                 unencrypted; refused. Use `security = \"tls\"` (usually port 465) if the server \
                 supports it, or ask its administrator",
                with_reply(reply)
            ),
            SmtpError::Auth {
                server,
                username,
                reply,
                detail,
            } => write!(
                f,
                "{server} refused the login of {username:?}: {detail}{}; check `username` in \
                 [smtp] and the password or token given to lettermerge",
                with_reply(reply)
            ),
            SmtpError::Settings { setting, detail } => write!(
                f,
                "the `{setting}` setting cannot be used: {detail}; fix `{setting}` in [smtp]"
            ),
            SmtpError::Protocol {
                server,
                detail,
                reply,
            } => write!(
                f,
                "{server} answered unexpectedly: {detail}{}; check that `host` and `port` in \
                 [smtp] point at an SMTP submission server",
                with_reply(reply)
            ),
        }
    }
}

impl std::error::Error for SmtpError {}

/// Why one message was not (certainly) delivered.
#[derive(Debug)]
pub enum SendError {
    /// Nothing was handed over; trying again later may work: a 4xx reply at MAIL, RCPT, DATA or
    /// after the data, a 421, or an I/O error, timeout or dropped connection before the final
    /// "." was written. If the connection broke, the next `send` reconnects.
    Temporary {
        reply: Option<Reply>,
        detail: String,
    },
    /// The server refused the message for good: 5xx at MAIL, every recipient 5xx at RCPT, 5xx
    /// at DATA or after the data. `refused` lists recipients refused at RCPT.
    Permanent {
        reply: Reply,
        refused: Vec<(String, Reply)>,
    },
    /// The message data was written but no reply came (connection dropped or timed out after
    /// the final "."): the server may or may not have accepted it. Never retry automatically.
    Unknown { detail: String },
    /// The connection had to be re-made before this message and that failed, or the server
    /// broke the protocol before the message was handed over (a reply past the limits of
    /// [`super::reply`], garbage): nothing was sent. `SmtpError::is_temporary` says whether to
    /// try again; an `Auth` or `Protocol` failure should stop the run.
    Connect(SmtpError),
    /// The envelope is unusable (no recipients, an address with a line break or angle bracket);
    /// nothing was sent. A bug or an unchecked row: fix the data.
    Invalid { detail: String },
}

impl SendError {
    /// True when the same message may be sent again later without risk of a duplicate.
    pub fn is_retryable(&self) -> bool {
        match self {
            SendError::Temporary { .. } => true,
            SendError::Connect(e) => e.is_temporary(),
            SendError::Permanent { .. } | SendError::Unknown { .. } | SendError::Invalid { .. } => {
                false
            }
        }
    }

    /// The reply to record, if the server gave one.
    pub fn reply(&self) -> Option<&Reply> {
        match self {
            SendError::Temporary { reply, .. } => reply.as_ref(),
            SendError::Permanent { reply, .. } => Some(reply),
            SendError::Unknown { .. } | SendError::Connect(_) | SendError::Invalid { .. } => None,
        }
    }
}

impl fmt::Display for SendError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            SendError::Temporary { detail, .. } => write!(
                f,
                "temporary failure, not sent: {detail}; it can be retried later"
            ),
            SendError::Permanent { reply, refused } => {
                write!(f, "refused by the server: {reply}")?;
                for (address, r) in refused {
                    write!(f, "; {address}: {r}")?;
                }
                Ok(())
            }
            SendError::Unknown { detail } => write!(
                f,
                "delivery unknown: the message was handed over but {detail}; the server may have \
                 accepted it, so it is not resent automatically (check the recipient's copy \
                 before resending)"
            ),
            SendError::Connect(e) => write!(f, "not sent: {e}"),
            SendError::Invalid { detail } => write!(f, "not sent: {detail}"),
        }
    }
}

impl std::error::Error for SendError {}
