//! Text made safe for HTML and for URLs: the one escape every page (the review page, the
//! studio) and every email's HTML part uses, and the percent-encoding of links built from
//! data.

/// Appends `text` with `& < > " '` escaped: safe both as element text and inside a
/// double-quoted attribute.
pub fn escape_into(text: &str, out: &mut String) {
    let mut last = 0;
    for (i, b) in text.bytes().enumerate() {
        let rep = match b {
            b'&' => "&amp;",
            b'<' => "&lt;",
            b'>' => "&gt;",
            b'"' => "&quot;",
            b'\'' => "&#39;",
            _ => continue,
        };
        out.push_str(&text[last..i]);
        out.push_str(rep);
        last = i + 1;
    }
    out.push_str(&text[last..]);
}

/// `text` escaped as by [`escape_into`].
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    escape_into(text, &mut out);
    out
}

/// Everything but unreserved ASCII (`A-Z a-z 0-9 - . _ ~`) percent-encoded, byte by byte:
/// one URL path segment or query value (spaces, `#`, `?`, `&`, `%` and non-ASCII letters
/// in names from the data).
pub fn percent_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{escape, percent_encode};

    #[test]
    fn markup_and_links() {
        assert_eq!(
            escape("<img src=x onerror=\"alert('x')\">&"),
            "&lt;img src=x onerror=&quot;alert(&#39;x&#39;)&quot;&gt;&amp;"
        );
        assert_eq!(escape("Zoë"), "Zoë");
        assert_eq!(
            percent_encode("Doe, Jane #2?.pdf"),
            "Doe%2C%20Jane%20%232%3F.pdf"
        );
        assert_eq!(percent_encode("Zoë"), "Zo%C3%AB");
    }
}
