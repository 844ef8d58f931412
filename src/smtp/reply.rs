//! SMTP replies (RFC 5321 section 4.2): the three-digit code and text, parsed from one or more
//! lines, and the EHLO extensions read from them.

use std::fmt;

/// One server reply. A multi-line reply keeps its lines joined with `\n` in `text`.
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
}

impl ReplyParser {
    pub(crate) fn line(&mut self, line: &[u8]) -> Result<Step, String> {
        let shown = || String::from_utf8_lossy(line).into_owned();
        if line.len() < 3 || !line[..3].iter().all(u8::is_ascii_digit) {
            return Err(format!("the server sent {:?}, not an SMTP reply", shown()));
        }
        let code = u16::from(line[0] - b'0') * 100
            + u16::from(line[1] - b'0') * 10
            + u16::from(line[2] - b'0');
        if !(200..600).contains(&code) {
            return Err(format!(
                "the server sent an invalid reply code: {:?}",
                shown()
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
                    "the server sent a malformed reply line: {:?}",
                    shown()
                ))
            }
        };
        let text = line.get(4..).unwrap_or_default();
        if continuing {
            self.text.push('\n');
        }
        self.text.push_str(&String::from_utf8_lossy(text));
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
    use super::{Extensions, Reply, ReplyParser, Step};

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
}
