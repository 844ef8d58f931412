//! Masking the login secret in everything a server sends back: a server may quote the AUTH
//! line it refused (`535 ... AUTH PLAIN AHVzZXIAaHVudGVyMg==`), and its replies end up in
//! error messages, the ledger and the failures CSV. Every reply read after the login began
//! passes through [`Masker::mask`] before it becomes a [`super::Reply`] or an error text.

use base64::engine::general_purpose::STANDARD;
use base64::Engine;

use super::auth;
use super::Secret;

/// What a masked secret is shown as.
pub(crate) const MASK: &str = "***";

/// A base64 piece of the secret shorter than this is not masked on its own (three characters
/// would match ordinary words); the secret itself and the whole encoded AUTH lines always are.
const MIN_PIECE: usize = 4;

/// The strings to hide, ASCII-lowercased: a server may echo them in another case.
#[derive(Debug, Clone, Default)]
pub(crate) struct Masker {
    needles: Vec<String>,
}

impl Masker {
    /// Everything the login of `username` with `secret` puts on the wire that would reveal
    /// the secret: the secret itself, its base64 form at each of the three alignments it can
    /// take inside a longer base64 string (so a blob holding it is caught wherever it starts),
    /// the whole AUTH PLAIN and XOAUTH2 initial responses, and LOGIN's base64 username and
    /// password, each also in the URL-safe base64 alphabet.
    pub(crate) fn for_login(username: &str, secret: &Secret) -> Masker {
        let (raw, blob) = match secret {
            Secret::Password(p) => (p.as_str(), auth::plain_blob(username, p)),
            Secret::XOAuth2(t) => (t.as_str(), auth::xoauth2_blob(username, t)),
            // The token's own base64 at every alignment (below) covers the blob around it.
            Secret::OAuthBearer(t) => (t.as_str(), auth::xoauth2_blob(username, t)),
        };
        let mut masker = Masker::default();
        masker.add(raw);
        for encoded in [
            STANDARD.encode(&blob),
            STANDARD.encode(username.as_bytes()),
            STANDARD.encode(raw.as_bytes()),
        ] {
            masker.add_base64(&encoded);
        }
        for offset in 0..3usize {
            let mut shifted = vec![0u8; offset];
            shifted.extend_from_slice(raw.as_bytes());
            let encoded = STANDARD.encode(&shifted);
            // Base64 character i carries bits 6i..6i+6; keep those that come from the secret
            // alone, not from the bytes before or after it.
            let start = (8 * offset).div_ceil(6);
            let end = (8 * (offset + raw.len())) / 6;
            if end >= start + MIN_PIECE {
                masker.add_base64(&encoded[start..end]);
            }
        }
        masker
    }

    fn add(&mut self, needle: &str) {
        let needle = needle.to_ascii_lowercase();
        if !needle.is_empty() && !self.needles.contains(&needle) {
            self.needles.push(needle);
        }
    }

    fn add_base64(&mut self, encoded: &str) {
        self.add(encoded);
        let url: String = encoded
            .chars()
            .map(|c| match c {
                '+' => '-',
                '/' => '_',
                c => c,
            })
            .collect();
        self.add(&url);
        let trimmed = encoded.trim_end_matches('=');
        if trimmed.len() >= MIN_PIECE {
            self.add(trimmed);
        }
    }

    /// `text` with every occurrence of a secret form (in any letter case) replaced by `***`.
    pub(crate) fn mask(&self, text: &str) -> String {
        if self.needles.is_empty() {
            return text.to_string();
        }
        let lower = text.to_ascii_lowercase();
        let mut ranges: Vec<(usize, usize)> = Vec::new();
        for needle in &self.needles {
            ranges.extend(
                lower
                    .match_indices(needle.as_str())
                    .map(|(i, m)| (i, i + m.len())),
            );
        }
        if ranges.is_empty() {
            return text.to_string();
        }
        ranges.sort_unstable();
        let mut out = String::with_capacity(text.len());
        let mut at = 0;
        for (start, end) in ranges {
            if end <= at {
                continue;
            }
            if start >= at {
                out.push_str(&text[at..start]);
                out.push_str(MASK);
            }
            at = end;
        }
        out.push_str(&text[at..]);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::Masker;
    use crate::smtp::auth;
    use crate::smtp::Secret;

    fn password(p: &str) -> Secret {
        Secret::Password(p.to_string())
    }

    #[test]
    fn the_auth_plain_line_quoted_back_is_masked() {
        let m = Masker::for_login("alice@example.org", &password("hunter2-correct-horse"));
        let line = auth::plain_command("alice@example.org", "hunter2-correct-horse");
        let quoted = format!("5.7.8 Authentication failed for {}", line.trim_end());
        let shown = m.mask(&quoted);
        assert_eq!(shown, "5.7.8 Authentication failed for AUTH PLAIN ***");
        // In another case, too.
        assert_eq!(
            m.mask(&quoted.to_uppercase()),
            "5.7.8 AUTHENTICATION FAILED FOR AUTH PLAIN ***"
        );
        assert_eq!(
            m.mask("bad password hunter2-correct-horse!"),
            "bad password ***!"
        );
    }

    #[test]
    fn login_pieces_and_xoauth2_are_masked() {
        let m = Masker::for_login("bob", &password("s3cret-pass"));
        let user = auth::b64(b"bob");
        let pass = auth::b64(b"s3cret-pass");
        let shown = m.mask(&format!("got {user} then {pass}"));
        assert!(!shown.contains(&pass) && !shown.contains(&user), "{shown}");
        let token = "ya29.a0AfH6SMBx-token-value";
        let m = Masker::for_login("bob@example.org", &Secret::XOAuth2(token.to_string()));
        let line = auth::xoauth2_command("bob@example.org", token);
        let shown = m.mask(&format!("334 {}", line.trim_end()));
        assert!(!shown.contains(&line.trim_end()[13..]), "{shown}");
        assert!(!m.mask(token).contains("token-value"));
    }

    #[test]
    fn the_secret_is_masked_in_any_base64_blob_at_any_alignment() {
        let secret = "Tr0ub4dor&3-long-enough";
        let m = Masker::for_login("u", &password(secret));
        for prefix in ["", "x", "xy", "xyz", "\0someone\0"] {
            let blob = auth::b64(format!("{prefix}{secret}!!").as_bytes());
            let shown = m.mask(&format!("echo {blob} end"));
            // What is left of the blob cannot give the secret back.
            for piece in shown.split("***") {
                assert!(
                    piece.len() < 8 || !blob.contains(piece.trim()),
                    "{prefix:?}: {shown}"
                );
            }
            assert!(shown.contains("***"), "{prefix:?}: {shown}");
        }
    }

    #[test]
    fn text_without_the_secret_is_unchanged() {
        let m = Masker::for_login("alice", &password("hunter2"));
        assert_eq!(
            m.mask("250 2.0.0 Ok: queued as 4F2B1"),
            "250 2.0.0 Ok: queued as 4F2B1"
        );
        assert_eq!(Masker::default().mask("hunter2"), "hunter2");
        // Non-ASCII text around a match keeps its characters.
        assert_eq!(m.mask("é hunter2 ü"), "é *** ü");
    }
}
