//! Text on its way to a terminal: control characters from the data (ESC sequences that
//! clear the screen, retitle the window or fake a line, a bare CR that overwrites a line)
//! are shown escaped, so `preview`, the dry run and every problem message show a hostile
//! cell as the characters it holds, never as commands to the terminal.

use std::borrow::Cow;

/// Whether `c` must not reach a terminal as is. Newline and tab lay text out and are kept;
/// every other C0 control, DEL and the C1 controls (U+0080–U+009F, which some terminals
/// obey as CSI and OSC) are escaped.
fn is_unsafe(c: char) -> bool {
    match c {
        '\n' | '\t' => false,
        c => c.is_control(),
    }
}

/// Whether the UTF-8 text has a character [`is_unsafe`] refuses, by bytes: a dry run prints
/// megabytes, and a byte scan is several times faster than decoding each character. C0
/// controls and DEL are single bytes; the C1 controls are `0xC2 0x80..=0x9F`.
fn has_unsafe_bytes(bytes: &[u8]) -> bool {
    bytes.iter().enumerate().any(|(i, &b)| {
        (b < 0x20 && b != b'\n' && b != b'\t')
            || b == 0x7F
            || (b == 0xC2 && bytes.get(i + 1).is_some_and(|n| (0x80..=0x9F).contains(n)))
    })
}

/// `s` with every unsafe control character written as `\x1B`-style escapes (`\u{9B}` for
/// C1 controls). Text without any is returned as is, without copying.
pub fn escape_controls(s: &str) -> Cow<'_, str> {
    if !has_unsafe_bytes(s.as_bytes()) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        push_escaped(&mut out, c);
    }
    Cow::Owned(out)
}

/// [`escape_controls`] for a MIME message shown on a terminal: its CRLF line ends are kept
/// (a CR directly before LF moves nothing), any other control character is escaped.
pub fn escape_controls_keep_crlf(s: &str) -> Cow<'_, str> {
    let unsafe_at =
        |i: usize, c: char| is_unsafe(c) && !(c == '\r' && s[i + 1..].starts_with('\n'));
    if !s.char_indices().any(|(i, c)| unsafe_at(i, c)) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for (i, c) in s.char_indices() {
        if unsafe_at(i, c) {
            push_escaped(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Bytes for a terminal: the text escaped, and bytes that are not UTF-8 shown as U+FFFD.
pub fn escape_bytes(bytes: &[u8], keep_crlf: bool) -> Vec<u8> {
    let text = String::from_utf8_lossy(bytes);
    let escaped = if keep_crlf {
        escape_controls_keep_crlf(&text)
    } else {
        escape_controls(&text)
    };
    escaped.as_bytes().to_vec()
}

fn push_escaped(out: &mut String, c: char) {
    use std::fmt::Write;
    if !is_unsafe(c) {
        out.push(c);
    } else if (c as u32) < 0x80 {
        let _ = write!(out, "\\x{:02X}", c as u32);
    } else {
        let _ = write!(out, "\\u{{{:X}}}", c as u32);
    }
}

#[cfg(test)]
mod tests {
    use super::{escape_bytes, escape_controls, escape_controls_keep_crlf};
    use proptest::prelude::*;
    use std::borrow::Cow;

    #[test]
    fn escape_sequences_are_shown_not_obeyed() {
        assert_eq!(
            escape_controls("Jane\x1b]0;pwned\x07 Doe\x1b[2J"),
            "Jane\\x1B]0;pwned\\x07 Doe\\x1B[2J"
        );
        assert_eq!(escape_controls("fake\rline"), "fake\\x0Dline");
        assert_eq!(escape_controls("c1\u{9b}2J"), "c1\\u{9B}2J");
        assert_eq!(escape_controls("del\x7f"), "del\\x7F");
    }

    #[test]
    fn ordinary_text_is_not_copied() {
        let s = "Dear Senator Pérez:\n\tthank you";
        assert!(matches!(escape_controls(s), Cow::Borrowed(_)));
        assert!(matches!(
            escape_controls_keep_crlf("Subject: x\r\n\r\nbody\r\n"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn a_mime_message_keeps_its_crlf_but_not_a_bare_cr() {
        assert_eq!(
            escape_controls_keep_crlf("a\r\nb\rc\x1b\r\n"),
            "a\r\nb\\x0Dc\\x1B\r\n"
        );
        assert_eq!(
            escape_bytes(b"ok\xff\x1b", false),
            "ok\u{fffd}\\x1B".as_bytes()
        );
        assert_eq!(escape_bytes(b"plain\r\n", true), b"plain\r\n");
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]
        #[test]
        fn the_byte_scan_agrees_with_the_character_rule(s in any::<String>()) {
            prop_assert_eq!(super::has_unsafe_bytes(s.as_bytes()), s.chars().any(super::is_unsafe));
        }

        #[test]
        fn nothing_but_newline_and_tab_survives(s in any::<String>()) {
            let e = escape_controls(&s);
            prop_assert!(e.chars().all(|c| !c.is_control() || c == '\n' || c == '\t'));
            let k = escape_controls_keep_crlf(&s);
            for (i, c) in k.char_indices() {
                if c == '\r' {
                    prop_assert!(k[i + 1..].starts_with('\n'));
                } else {
                    prop_assert!(!c.is_control() || c == '\n' || c == '\t');
                }
            }
        }
    }
}
