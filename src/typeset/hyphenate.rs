//! Where a word may be broken at a line end: English hyphenation (hypher), after explicit
//! hyphens and dashes, and inside URLs and email addresses.

/// Kinds of break inside a word.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum BreakKind {
    /// A hyphenation point: a hyphen is added when the line breaks here. The number says
    /// how close the point is to the word's edges (characters short of five, both sides
    /// summed); breaks near an edge cost more.
    Hyphen(u8),
    /// After a hyphen or dash already in the text.
    Explicit,
    /// Inside a URL or email address, after `/ . @ - _ ?` and friends; no hyphen added.
    Url,
}

/// Shortest word (in characters) that is hyphenated.
const MIN_WORD: usize = 5;

/// Break points of a token (text between spaces) as byte offsets, in increasing order.
pub(crate) fn break_points(text: &str, hyphenate: bool) -> Vec<(usize, BreakKind)> {
    let mut out = Vec::new();
    if text.len() < 3 {
        return out;
    }
    let url_like = text.chars().count() >= 12
        && (text.contains('/') || text.contains('@') || text.starts_with("www."));
    let chars: Vec<(usize, char)> = text.char_indices().collect();
    for w in 1..chars.len() {
        let (at, next) = chars[w];
        let prev = chars[w - 1].1;
        let prev2 = if w >= 2 { Some(chars[w - 2].1) } else { None };
        if url_like {
            if matches!(
                prev,
                '/' | '.' | '@' | '-' | '_' | '?' | '&' | '=' | '#' | ':'
            ) && next.is_alphanumeric()
            {
                out.push((at, BreakKind::Url));
            }
        } else if matches!(prev, '-' | '\u{2010}' | '\u{2013}' | '\u{2014}')
            // Words on both sides, at least two letters each: not "E-Rate", not "010-2000".
            && next.is_alphabetic()
            && prev2.is_some_and(char::is_alphabetic)
            && w >= 3
            && chars.get(w + 1).is_some_and(|c| c.1.is_alphabetic())
        {
            out.push((at, BreakKind::Explicit));
        }
    }
    let no_hyphenation = !hyphenate
        || url_like
        || text
            .chars()
            .any(|c| c.is_ascii_digit() || c == '@' || c == '/' || c.is_numeric());
    if !no_hyphenation {
        // Hyphenate each run of letters on its own ("well-known", "library's").
        let mut start = None;
        for (i, c) in text
            .char_indices()
            .chain(std::iter::once((text.len(), ' ')))
        {
            if c.is_alphabetic() {
                start.get_or_insert(i);
            } else if let Some(s) = start.take() {
                hyphenate_word(&text[s..i], s, &mut out);
            }
        }
        out.sort_by_key(|&(at, _)| at);
    }
    out
}

fn hyphenate_word(word: &str, offset: usize, out: &mut Vec<(usize, BreakKind)>) {
    let mut chars = word.chars();
    let first_is_lower = chars.next().is_some_and(char::is_lowercase);
    // Capitalised words are mostly names, which must not be split.
    if !first_is_lower || word.chars().count() < MIN_WORD {
        return;
    }
    let total = word.chars().count();
    let mut at = offset;
    let mut left = 0;
    let mut syllables = hypher::hyphenate(word, hypher::Lang::English).peekable();
    while let Some(s) = syllables.next() {
        at += s.len();
        left += s.chars().count();
        if syllables.peek().is_some() {
            let steps = 5usize.saturating_sub(left) + 5usize.saturating_sub(total - left);
            out.push((at, BreakKind::Hyphen(steps as u8)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{break_points, BreakKind};

    fn split(text: &str, kind: BreakKind) -> Vec<&str> {
        let mut last = 0;
        let mut parts = Vec::new();
        for (at, k) in break_points(text, true) {
            if std::mem::discriminant(&k) == std::mem::discriminant(&kind) {
                parts.push(&text[last..at]);
                last = at;
            }
        }
        parts.push(&text[last..]);
        parts
    }

    #[test]
    fn hyphenates_lowercase_words_only() {
        assert_eq!(
            split("extensive,", BreakKind::Hyphen(0)),
            ["ex", "ten", "sive,"]
        );
        assert_eq!(split("Washington", BreakKind::Hyphen(0)), ["Washington"]);
        assert_eq!(split("cat", BreakKind::Hyphen(0)), ["cat"]);
        assert_eq!(split("abc123defgh", BreakKind::Hyphen(0)), ["abc123defgh"]);
        assert!(break_points("characteristically", false).is_empty());
    }

    #[test]
    fn breaks_after_explicit_hyphens_and_in_urls() {
        assert_eq!(split("well-known", BreakKind::Explicit), ["well-", "known"]);
        assert_eq!(split("E-Rate", BreakKind::Explicit), ["E-Rate"]);
        assert_eq!(split("010-2000", BreakKind::Explicit), ["010-2000"]);
        assert_eq!(
            split("https://example.org/a_b", BreakKind::Url),
            ["https://", "example.", "org/", "a_", "b"]
        );
        assert_eq!(
            split("advocacy@anytownlibrary.org", BreakKind::Url),
            ["advocacy@", "anytownlibrary.", "org"]
        );
    }
}
