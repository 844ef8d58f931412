//! SMTP AUTH (RFC 4954): the initial responses for PLAIN (RFC 4616), LOGIN, XOAUTH2 and
//! OAUTHBEARER (RFC 7628), and the
//! choice among what the server offers. The encoded secrets are only ever written to the socket.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use super::Secret;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mechanism {
    Plain,
    Login,
    XOAuth2,
    OAuthBearer,
}

impl Mechanism {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Mechanism::Plain => "PLAIN",
            Mechanism::Login => "LOGIN",
            Mechanism::XOAuth2 => "XOAUTH2",
            Mechanism::OAuthBearer => "OAUTHBEARER",
        }
    }

    /// PLAIN first: one round trip, and every server that offers LOGIN offers it too in practice.
    pub(crate) fn choose(secret: &Secret, offered: &[String]) -> Option<Mechanism> {
        let has = |m: Mechanism| offered.iter().any(|o| o == m.name());
        match secret {
            Secret::Password(_) => [Mechanism::Plain, Mechanism::Login]
                .into_iter()
                .find(|&m| has(m)),
            Secret::XOAuth2(_) => Some(Mechanism::XOAuth2).filter(|&m| has(m)),
            Secret::OAuthBearer(_) => Some(Mechanism::OAuthBearer).filter(|&m| has(m)),
        }
    }
}

pub(crate) fn b64(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

/// The PLAIN initial response before encoding: `\0user\0password`, no authorisation identity.
pub(crate) fn plain_blob(username: &str, password: &str) -> Vec<u8> {
    let mut raw = Vec::with_capacity(username.len() + password.len() + 2);
    raw.push(0);
    raw.extend_from_slice(username.as_bytes());
    raw.push(0);
    raw.extend_from_slice(password.as_bytes());
    raw
}

/// `AUTH PLAIN <base64("\0user\0password")>`.
pub(crate) fn plain_command(username: &str, password: &str) -> String {
    format!("AUTH PLAIN {}\r\n", b64(&plain_blob(username, password)))
}

/// The XOAUTH2 initial response before encoding, as Google and Microsoft expect it.
pub(crate) fn xoauth2_blob(username: &str, token: &str) -> Vec<u8> {
    format!("user={username}\x01auth=Bearer {token}\x01\x01").into_bytes()
}

/// `AUTH XOAUTH2 <base64("user=U\x01auth=Bearer T\x01\x01")>`.
pub(crate) fn xoauth2_command(username: &str, token: &str) -> String {
    format!("AUTH XOAUTH2 {}\r\n", b64(&xoauth2_blob(username, token)))
}

/// The OAUTHBEARER initial response before encoding (RFC 7628 section 3.1): the GS2 header
/// with the authorisation identity, then host, port and the bearer token.
pub(crate) fn oauthbearer_blob(username: &str, host: &str, port: u16, token: &str) -> Vec<u8> {
    format!(
        "n,a={},\x01host={host}\x01port={port}\x01auth=Bearer {token}\x01\x01",
        gs2_name(username)
    )
    .into_bytes()
}

/// RFC 5801's saslname: `,` and `=` in the name are written `=2C` and `=3D`.
fn gs2_name(username: &str) -> String {
    username.replace('=', "=3D").replace(',', "=2C")
}

/// `AUTH OAUTHBEARER <base64(gs2 header, host, port, auth)>`.
pub(crate) fn oauthbearer_command(username: &str, host: &str, port: u16, token: &str) -> String {
    format!(
        "AUTH OAUTHBEARER {}\r\n",
        b64(&oauthbearer_blob(username, host, port, token))
    )
}

/// After a failed OAUTHBEARER the server sends a 334 with a JSON error; the client answers
/// with a lone ^A (RFC 7628 section 3.2.3) and gets the final 535.
pub(crate) const OAUTHBEARER_FAILURE_ACK: &str = "AQ==\r\n";

#[cfg(test)]
mod tests {
    use super::{oauthbearer_command, plain_command, xoauth2_command, Mechanism};
    use crate::smtp::Secret;

    #[test]
    fn initial_responses() {
        // RFC 4616 example credentials.
        assert_eq!(
            plain_command("tim", "tanstaaftanstaaf"),
            "AUTH PLAIN AHRpbQB0YW5zdGFhZnRhbnN0YWFm\r\n"
        );
        assert_eq!(
            xoauth2_command("someuser@example.com", "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg"),
            "AUTH XOAUTH2 dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5LnZGOWRmdDRxbVRjMk52YjNSbGNrQmhkSFJoZG1semRHRXVZMjl0Q2cBAQ==\r\n"
        );
    }

    #[test]
    fn mechanism_choice() {
        let offered = |list: &[&str]| list.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        let pw = Secret::Password("x".into());
        let token = Secret::XOAuth2("t".into());
        assert_eq!(
            Mechanism::choose(&pw, &offered(&["LOGIN", "PLAIN"])),
            Some(Mechanism::Plain)
        );
        assert_eq!(
            Mechanism::choose(&pw, &offered(&["LOGIN"])),
            Some(Mechanism::Login)
        );
        assert_eq!(Mechanism::choose(&pw, &offered(&["XOAUTH2"])), None);
        assert_eq!(
            Mechanism::choose(&token, &offered(&["PLAIN", "XOAUTH2"])),
            Some(Mechanism::XOAuth2)
        );
        assert_eq!(Mechanism::choose(&token, &offered(&["PLAIN"])), None);
        let bearer = Secret::OAuthBearer("t".into());
        assert_eq!(
            Mechanism::choose(&bearer, &offered(&["XOAUTH2", "OAUTHBEARER"])),
            Some(Mechanism::OAuthBearer)
        );
        assert_eq!(Mechanism::choose(&bearer, &offered(&["XOAUTH2"])), None);
    }

    #[test]
    fn oauthbearer_initial_response() {
        // RFC 7628 section 4.1's example, sent as one initial response.
        let line = oauthbearer_command(
            "user@example.com",
            "server.example.com",
            587,
            "vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCgo=",
        );
        let b64 = line.strip_prefix("AUTH OAUTHBEARER ").unwrap().trim_end();
        let raw = base64::Engine::decode(&base64::engine::general_purpose::STANDARD, b64).unwrap();
        assert_eq!(
            String::from_utf8(raw).unwrap(),
            "n,a=user@example.com,\x01host=server.example.com\x01port=587\x01auth=Bearer vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCgo=\x01\x01"
        );
    }
}
