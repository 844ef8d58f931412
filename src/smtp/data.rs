//! The DATA payload (RFC 5321 section 4.5.2): CRLF line endings, a "." doubled at the start of a
//! line, and the terminating "\r\n.\r\n", built in one buffer so it goes out in one write.

/// Appends `message`, made transparent and terminated, to `out` (cleared first).
pub(crate) fn encode_into(message: &[u8], out: &mut Vec<u8>) {
    out.clear();
    out.reserve(message.len() + message.len() / 64 + 8);
    let mut line_start = true;
    let mut previous = 0u8;
    for &byte in message {
        if line_start && byte == b'.' {
            out.push(b'.');
        }
        // A bare LF is not a line ending on the wire; servers differ on what they make of it.
        if byte == b'\n' && previous != b'\r' {
            out.push(b'\r');
        }
        out.push(byte);
        line_start = byte == b'\n';
        previous = byte;
    }
    if !message.is_empty() && !line_start {
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b".\r\n");
}

/// Whether the message needs `BODY=8BITMIME`.
pub(crate) fn has_8bit(message: &[u8]) -> bool {
    !message.is_ascii()
}

#[cfg(test)]
mod tests {
    use super::encode_into;

    fn encode(message: &[u8]) -> Vec<u8> {
        let mut out = Vec::new();
        encode_into(message, &mut out);
        out
    }

    #[test]
    fn dots_at_line_start_are_doubled() {
        assert_eq!(
            encode(b".first\r\nmid.dle\r\n.\r\n..two\r\n"),
            b"..first\r\nmid.dle\r\n..\r\n...two\r\n.\r\n"
        );
    }

    #[test]
    fn line_endings_become_crlf_and_the_message_is_terminated() {
        assert_eq!(encode(b"a\nb\r\n.c"), b"a\r\nb\r\n..c\r\n.\r\n");
        assert_eq!(encode(b"no newline"), b"no newline\r\n.\r\n");
        assert_eq!(encode(b""), b".\r\n");
    }
}
