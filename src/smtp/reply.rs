//! SMTP replies (RFC 5321 section 4.2): the three-digit code and text, parsed from one or more
//! lines within fixed bounds, and the EHLO extensions read from them.

use std::fmt;

/// The longest reply line taken, without its CRLF. RFC 5321 section 4.5.3.1.5 allows 512
/// octets including the CRLF; real servers stay well inside that, but some put long
/// diagnostics (a quoted policy URL, a long queue id) on one line, so we allow eight times
/// as much. Anything longer is not an SMTP server talking, and it is refused rather than
/// buffered.
pub const MAX_REPLY_LINE: usize = 4096;

/// The most lines one (multi-line) reply may have. The longest replies are EHLO's: one line
/// per extension, 10 to 30 in practice; a few hundred leaves room for any real server while
/// an endless `250-` stream stops here instead of growing memory.
pub const MAX_REPLY_LINES: usize = 256;

/// The most text one reply may hold, all its lines together (bytes, without the CRLFs and
/// the codes): 64 KiB is far beyond any real reply, and bounds the memory a hostile server
/// can make the client hold to that per connection.
pub const MAX_REPLY_BYTES: usize = 64 * 1024;

/// One server reply. A multi-line reply keeps its lines joined with `\n` in `text`. Control
/// characters the server sent (other than tab) are replaced by U+FFFD, so a reply shown on a
/// terminal or stored in the ledger cannot carry an escape sequence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    pub code: u16,
    pub text: String,
}

impl Reply {
    pub fn is_positive(&self) -> bool {
        (200..400).contains(&self.code)
    }

    pub fn is_transient(&self) -> bool {
        (400..500).contains(&self.code)
    }

    pub fn is_permanent(&self) -> bool {
        self.code >= 500
    }

    /// 421: the server is closing the transmission channel, whatever command it answered.
    pub fn closes_connection(&self) -> bool {
        self.code == 421
    }

    /// Parses one complete reply from the bytes a server sent (lines ending in CRLF or a bare
    /// LF; the last line's ending may be missing), with the same rules and limits as the
    /// client applies on a connection. Bytes after the reply's last line are an error.
    pub fn parse(bytes: &[u8]) -> Result<Reply, String> {
        let mut parser = ReplyParser::default();
        let mut rest = bytes;
        loop {
            let (line, after) = match rest.iter().position(|&b| b == b'\n') {
                Some(n) => (&rest[..n], &rest[n + 1..]),
                None => (rest, &rest[rest.len()..]),
            };
            let line = line.strip_suffix(b"\r").unwrap_or(line);
            if let Step::Done(reply) = parser.line(line)? {
                if !after.is_empty() {
                    return Err("the server sent more after the end of the reply".to_string());
                }
                return Ok(reply);
            }
            if after.is_empty() {
                return Err("the reply ended in the middle (its last line has a `-`)".to_string());
            }
            rest = after;
        }
    }

    /// The reply as a server sends it: `250-first\r\n250 last\r\n`. [`Reply::parse`] gives
    /// back the same reply.
    pub fn to_wire(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.text.len() + 8);
        let mut lines = self.text.split('\n').peekable();
        while let Some(line) = lines.next() {
            let separator = if lines.peek().is_some() { '-' } else { ' ' };
            out.extend_from_slice(format!("{:03}{separator}", self.code).as_bytes());
            out.extend_from_slice(line.as_bytes());
            out.extend_from_slice(b"\r\n");
        }
        out
    }
}

impl fmt::Display for Reply {
    /// One line, as a user would quote it: `550 5.1.1 no such user`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.code)?;
        for line in self.text.lines().filter(|l| !l.is_empty()) {
            write!(f, " {line}")?;
        }
        Ok(())
    }
}

/// Where a reply stands after one more line.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum Step {
    /// More lines follow (`250-...`).
    More,
    Done(Reply),
}

/// Collects the lines of one reply. Lines arrive without their CRLF.
#[derive(Default)]
pub(crate) struct ReplyParser {
    code: Option<u16>,
    text: String,
    lines: usize,
}

/// At most this much of a bad line is quoted in an error: enough to recognise it.
const QUOTED: usize = 80;

/// A bad line as an error message quotes it: cut short, control characters replaced.
fn quoted(line: &[u8]) -> String {
    let cut = &line[..line.len().min(QUOTED)];
    let mut shown = clean(&String::from_utf8_lossy(cut));
    if line.len() > QUOTED {
        shown.push('…');
    }
    format!("{shown:?}")
}

/// Server text with control characters (tab excepted) replaced by U+FFFD: RFC 5321's
/// textstring is tab and printable characters only, and anything else would reach a
/// terminal or a CSV as it came.
fn clean(text: &str) -> String {
    text.chars()
        .map(|c| {
            if c != '\t' && c.is_control() {
                '\u{FFFD}'
            } else {
                c
            }
        })
        .collect()
}

impl ReplyParser {
    pub(crate) fn line(&mut self, line: &[u8]) -> Result<Step, String> {
        if line.len() > MAX_REPLY_LINE {
            return Err(format!(
                "the server sent a reply line of more than {MAX_REPLY_LINE} bytes (the limit \
                 for one line; SMTP allows 512), starting {}",
                quoted(line)
            ));
        }
        if line.len() < 3 || !line[..3].iter().all(u8::is_ascii_digit) {
            return Err(format!(
                "the server sent {}, not an SMTP reply",
                quoted(line)
            ));
        }
        let code = u16::from(line[0] - b'0') * 100
            + u16::from(line[1] - b'0') * 10
            + u16::from(line[2] - b'0');
        if !(200..600).contains(&code) {
            return Err(format!(
                "the server sent an invalid reply code: {}",
                quoted(line)
            ));
        }
        let continuing = self.code.is_some();
        if let Some(first) = self.code {
            if first != code {
                return Err(format!(
                    "the server changed the reply code within one reply ({first} then {code})"
                ));
            }
        }
        self.code = Some(code);
        let last = match line.get(3) {
            None | Some(b' ') => true,
            Some(b'-') => false,
            Some(_) => {
                return Err(format!(
                    "the server sent a malformed reply line: {}",
                    quoted(line)
                ))
            }
        };
        self.lines += 1;
        if self.lines > MAX_REPLY_LINES {
            return Err(format!(
                "the server sent a reply of more than {MAX_REPLY_LINES} lines (the limit for \
                 one reply)"
            ));
        }
        let text = clean(&String::from_utf8_lossy(line.get(4..).unwrap_or_default()));
        if self.text.len() + text.len() + 1 > MAX_REPLY_BYTES {
            return Err(format!(
                "the server sent a reply of more than {MAX_REPLY_BYTES} bytes (the limit for \
                 one reply)"
            ));
        }
        if continuing {
            self.text.push('\n');
        }
        self.text.push_str(&text);
        if last {
            Ok(Step::Done(Reply {
                code,
                text: std::mem::take(&mut self.text),
            }))
        } else {
            Ok(Step::More)
        }
    }
}

/// What the server offers, from its EHLO reply.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Extensions {
    pub starttls: bool,
    pub pipelining: bool,
    pub eight_bit_mime: bool,
    pub smtputf8: bool,
    /// Upper-cased mechanism names.
    pub auth: Vec<String>,
    pub size: Option<u64>,
}

impl Extensions {
    /// The first line of an EHLO reply is the greeting; each later line is one extension.
    pub(crate) fn from_ehlo(reply: &Reply) -> Extensions {
        let mut ext = Extensions::default();
        for line in reply.text.lines().skip(1) {
            let mut words = line.split([' ', '=']).filter(|w| !w.is_empty());
            let Some(keyword) = words.next() else {
                continue;
            };
            match keyword.to_ascii_uppercase().as_str() {
                "STARTTLS" => ext.starttls = true,
                "PIPELINING" => ext.pipelining = true,
                "8BITMIME" => ext.eight_bit_mime = true,
                "SMTPUTF8" => ext.smtputf8 = true,
                "SIZE" => ext.size = words.next().and_then(|n| n.parse().ok()).filter(|&n| n > 0),
                "AUTH" => {
                    for mechanism in words {
                        let mechanism = mechanism.to_ascii_uppercase();
                        if !ext.auth.contains(&mechanism) {
                            ext.auth.push(mechanism);
                        }
                    }
                }
                _ => {}
            }
        }
        ext
    }
}

#[cfg(test)]
mod tests {
    use super::{
        Extensions, Reply, ReplyParser, Step, MAX_REPLY_BYTES, MAX_REPLY_LINE, MAX_REPLY_LINES,
    };
    use proptest::prelude::{any, prop, proptest, ProptestConfig};

    fn parse(lines: &[&str]) -> Result<Reply, String> {
        let mut parser = ReplyParser::default();
        for (i, line) in lines.iter().enumerate() {
            match parser.line(line.as_bytes())? {
                Step::Done(reply) => {
                    assert_eq!(i, lines.len() - 1, "reply ended early");
                    return Ok(reply);
                }
                Step::More => {}
            }
        }
        panic!("reply did not end")
    }

    #[test]
    fn single_and_multi_line_replies() {
        let r = parse(&["550 5.1.1 no such user"]).unwrap();
        assert_eq!((r.code, r.text.as_str()), (550, "5.1.1 no such user"));
        assert_eq!(r.to_string(), "550 5.1.1 no such user");
        let r = parse(&["250"]).unwrap();
        assert_eq!((r.code, r.text.as_str()), (250, ""));
        assert_eq!(r.to_string(), "250");
        let r = parse(&[
            "250-mail.example.org",
            "250-PIPELINING",
            "250 AUTH PLAIN LOGIN",
        ])
        .unwrap();
        assert_eq!(r.text, "mail.example.org\nPIPELINING\nAUTH PLAIN LOGIN");
        assert_eq!(
            r.to_string(),
            "250 mail.example.org PIPELINING AUTH PLAIN LOGIN"
        );
    }

    #[test]
    fn malformed_replies_are_errors() {
        assert!(parse(&["hello"]).is_err());
        assert!(parse(&["25"]).is_err());
        assert!(parse(&["999 what"]).is_err());
        assert!(parse(&["250x"]).is_err());
        assert!(parse(&["250-a", "251 b"]).is_err());
    }

    #[test]
    fn ehlo_extensions() {
        let r = parse(&[
            "250-mail.example.org greets you",
            "250-PIPELINING",
            "250-SIZE 35882577",
            "250-8BITMIME",
            "250-AUTH=LOGIN",
            "250-AUTH PLAIN login XOAUTH2",
            "250-STARTTLS",
            "250 SMTPUTF8",
        ])
        .unwrap();
        let ext = Extensions::from_ehlo(&r);
        assert!(ext.pipelining && ext.eight_bit_mime && ext.starttls && ext.smtputf8);
        assert_eq!(ext.size, Some(35882577));
        assert_eq!(ext.auth, ["LOGIN", "PLAIN", "XOAUTH2"]);
        let bare = Extensions::from_ehlo(&parse(&["250 only.greeting"]).unwrap());
        assert_eq!(bare, Extensions::default());
    }

    #[test]
    fn an_endless_multi_line_reply_stops_at_the_line_limit() {
        let mut parser = ReplyParser::default();
        let mut outcome = Ok(Step::More);
        for _ in 0..=MAX_REPLY_LINES {
            outcome = parser.line(b"250-more");
            if outcome.is_err() {
                break;
            }
        }
        let e = outcome.expect_err("stops");
        assert!(
            e.contains(&format!("more than {MAX_REPLY_LINES} lines")),
            "{e}"
        );
    }

    #[test]
    fn long_lines_and_large_replies_are_refused() {
        let long = format!("250 {}", "x".repeat(MAX_REPLY_LINE));
        let e = Reply::parse(long.as_bytes()).unwrap_err();
        assert!(
            e.contains(&format!("more than {MAX_REPLY_LINE} bytes")),
            "{e}"
        );
        assert!(e.len() < 400, "the line is quoted cut short: {e}");
        let line = format!("250-{}\r\n", "y".repeat(MAX_REPLY_LINE - 4));
        let big = line.repeat(MAX_REPLY_BYTES / (MAX_REPLY_LINE - 4) + 1) + "250 end\r\n";
        let e = Reply::parse(big.as_bytes()).unwrap_err();
        assert!(
            e.contains(&format!("more than {MAX_REPLY_BYTES} bytes")),
            "{e}"
        );
        // Just inside the limits is fine.
        let fits = format!("250 {}", "z".repeat(MAX_REPLY_LINE - 4));
        assert!(Reply::parse(fits.as_bytes()).is_ok());
    }

    #[test]
    fn control_characters_from_the_server_are_replaced() {
        let r = Reply::parse(b"550 no\x1b]0;owned\x07 such\tuser\r\n").unwrap();
        assert_eq!(r.text, "no\u{FFFD}]0;owned\u{FFFD} such\tuser");
        let e = Reply::parse(b"\x1b[2Jhello").unwrap_err();
        assert!(!e.contains('\x1b'), "{e}");
    }

    #[test]
    fn parse_takes_whole_replies_only() {
        assert_eq!(Reply::parse(b"250-a\r\n250 b\r\n").unwrap().text, "a\nb");
        assert_eq!(Reply::parse(b"250 ok").unwrap().text, "ok");
        assert!(Reply::parse(b"250-a\r\n").is_err());
        assert!(Reply::parse(b"250 a\r\n250 b\r\n").is_err());
        assert!(Reply::parse(b"").is_err());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// A reply rendered as a server sends it parses back to itself.
        #[test]
        fn a_rendered_reply_parses_back_to_itself(
            code in 200u16..600,
            lines in prop::collection::vec("[ -~\t\u{a0}-\u{2fff}]{0,60}", 1..12),
        ) {
            let reply = Reply { code, text: lines.join("\n") };
            let wire = reply.to_wire();
            assert_eq!(Reply::parse(&wire), Ok(reply));
        }

        /// Any bytes give a reply or an error, never a panic, and a reply stays in bounds.
        #[test]
        fn any_bytes_parse_within_bounds(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
            if let Ok(reply) = Reply::parse(&bytes) {
                assert!(reply.text.len() <= MAX_REPLY_BYTES);
                assert_eq!(Reply::parse(&reply.to_wire()), Ok(reply));
            }
        }
    }
}
