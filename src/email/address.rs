//! Address header values from the front matter: split a list, parse each mailbox with lettre,
//! and turn every defect into a row problem that says what to fix.
//!
//! Each mailbox is parsed on its own (rather than the whole list by `Mailboxes::from_str`) so
//! that a list with two bad addresses names both of them.

use lettre::message::Mailbox;
use lettre::Address;

use crate::problem::Problem;

/// The parsed mailboxes of one header value; `problems` holds everything wrong with it.
#[derive(Debug, Default)]
pub(super) struct Parsed {
    pub mailboxes: Vec<Mailbox>,
    pub problems: Vec<Problem>,
}

/// Parses one address header value (`key` is the front-matter key, e.g. `to`). `None` or a
/// value with only separators gives no mailboxes and no problems: whether that is an error
/// is the caller's call (`to` must have one, `cc` need not).
pub(super) fn parse_list(value: Option<&str>, key: &str, row: u64) -> Parsed {
    let mut parsed = Parsed::default();
    let Some(value) = value else {
        return parsed;
    };
    // A line break could start a new header; the whole value is refused, not repaired, so
    // the user sees the cell that holds it.
    if let Some(problem) = control_char_problem(value, key, row) {
        parsed.problems.push(problem);
        return parsed;
    }
    for item in split_list(value) {
        match parse_mailbox(item).map(ascii_mailbox) {
            Ok(Ok(mailbox)) => parsed.mailboxes.push(mailbox),
            Ok(Err(bad)) => parsed.problems.push(non_ascii_address(item, bad, key, row)),
            Err(_) => parsed.problems.push(invalid_address(item, key, row)),
        }
    }
    parsed
}

/// One mailbox from run-wide settings (config `from`, `--test-to`), held to the same rules
/// as the letter's values; `None` when it is not one usable address.
pub(super) fn parse_setting(value: &str) -> Option<Mailbox> {
    let value = value.trim();
    if value.chars().any(char::is_control) {
        return None;
    }
    parse_mailbox(value)
        .ok()
        .and_then(|m| ascii_mailbox(m).ok())
}

/// One mailbox. The common shapes, a bare `name@example.org` and `Jane Doe
/// <name@example.org>` with a plain name, are taken apart directly (lettre's general RFC 5322
/// parser is most of the cost of a dry run otherwise); the address itself is always checked
/// by lettre. Everything else (quoted names, comments, non-ASCII names) goes to lettre's parser.
fn parse_mailbox(item: &str) -> Result<Mailbox, lettre::address::AddressError> {
    fn plain_address(s: &str) -> bool {
        !s.is_empty()
            && s.bytes().all(|b| {
                b.is_ascii_graphic()
                    && !matches!(
                        b,
                        b'<' | b'>' | b'"' | b'(' | b')' | b',' | b';' | b':' | b'\\' | b'[' | b']'
                    )
            })
    }
    fn plain_name(s: &str) -> bool {
        !s.is_empty()
            && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b' ')
            && !s.starts_with(' ')
            && !s.ends_with(' ')
            && !s.contains("  ")
    }
    if plain_address(item) {
        return item.parse::<Address>().map(|a| Mailbox::new(None, a));
    }
    if let Some((name, rest)) = item.strip_suffix('>').and_then(|s| s.split_once(" <")) {
        if plain_name(name) && plain_address(rest) {
            return rest
                .parse::<Address>()
                .map(|a| Mailbox::new(Some(name.to_string()), a));
        }
    }
    item.parse::<Mailbox>()
}

/// The mailbox with an internationalised domain in its ASCII (punycode) form, so headers
/// and the SMTP envelope stay 7-bit and any server can deliver it. A non-ASCII character
/// before the `@` would need SMTPUTF8 throughout (and is far more often a look-alike typo):
/// it is returned as the error.
fn ascii_mailbox(mailbox: Mailbox) -> Result<Mailbox, char> {
    let address = &mailbox.email;
    let text: &str = address.as_ref();
    if text.is_ascii() {
        return Ok(mailbox);
    }
    if let Some(c) = address.user().chars().find(|c| !c.is_ascii()) {
        return Err(c);
    }
    let domain = idna::domain_to_ascii(address.domain()).map_err(|_| {
        address
            .domain()
            .chars()
            .find(|c| !c.is_ascii())
            .unwrap_or('?')
    })?;
    let email = Address::new(address.user(), domain).map_err(|_| '?')?;
    Ok(Mailbox::new(mailbox.name, email))
}

fn non_ascii_address(item: &str, bad: char, key: &str, row: u64) -> Problem {
    Problem::error(format!(
        "the `{key}` value `{item}` has a character that is not allowed in an email address          here (`{bad}`, U+{:04X})",
        bad as u32
    ))
    .at_row(row)
    .in_column(key)
    .with_hint(format!(
        "check the email address in the data that fills `{key}` in row {row} for a typo or a \
         look-alike letter; the part before the @ must be plain ASCII"
    ))
}

/// A problem when `value` holds a CR, LF or another control character (tab excepted), which
/// no header value may carry.
pub(super) fn control_char_problem(value: &str, key: &str, row: u64) -> Option<Problem> {
    let bad = value.chars().find(|&c| c != '\t' && c.is_control())?;
    let what = match bad {
        '\r' | '\n' => "a line break".to_string(),
        other => format!("a control character (U+{:04X})", other as u32),
    };
    Some(
        Problem::error(format!(
            "the `{key}` value contains {what}, which could add a header to the email"
        ))
        .at_row(row)
        .in_column(key)
        .with_hint(format!(
            "remove the line break or control character from the data that fills `{key}` in row {row}"
        )),
    )
}

fn invalid_address(item: &str, key: &str, row: u64) -> Problem {
    if item.ends_with("<>") {
        // "Jane Doe <{{email}}>" with the email cell empty.
        return Problem::error(format!(
            "the `{key}` value `{item}` has no address between `<` and `>`: the email cell it \
             uses is empty"
        ))
        .at_row(row)
        .in_column(key)
        .with_hint(format!(
            "fill in the email address in row {row}, or leave the row out with --rows/--where \
             or --skip-invalid"
        ));
    }
    Problem::error(format!(
        "the `{key}` value `{item}` is not an email address"
    ))
    .at_row(row)
    .in_column(key)
    .with_hint(format!(
        "check the email address in the data that fills `{key}` in row {row}; an address \
             looks like name@example.org or Jane Doe <name@example.org>"
    ))
}

/// Splits a list on `,` or `;` outside quoted strings and angle brackets, trimming each item
/// and dropping empty ones: a template such as `{{email}}, {{email2}}` leaves a trailing comma
/// when the second column is empty, and Outlook users separate addresses with `;`.
fn split_list(value: &str) -> impl Iterator<Item = &str> {
    let bytes = value.as_bytes();
    let mut items = Vec::new();
    let (mut start, mut in_quotes, mut in_angle, mut escaped) = (0, false, false, false);
    for (i, &b) in bytes.iter().enumerate() {
        if escaped {
            escaped = false;
            continue;
        }
        match b {
            b'\\' if in_quotes => escaped = true,
            b'"' if !in_angle => in_quotes = !in_quotes,
            b'<' if !in_quotes => in_angle = true,
            b'>' if !in_quotes => in_angle = false,
            b',' | b';' if !in_quotes && !in_angle => {
                items.push(&value[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    items.push(&value[start..]);
    items.into_iter().map(str::trim).filter(|s| !s.is_empty())
}

#[cfg(test)]
mod tests {
    use super::{parse_list, parse_mailbox, split_list};
    use lettre::message::Mailbox;

    #[test]
    fn the_quick_path_agrees_with_lettres_parser() {
        for item in [
            "jane.doe@senate.example.gov",
            "Jane Doe <jane.doe@senate.example.gov>",
            "Anytown Public Library Advocacy <advocacy@anytownlibrary.org>",
            "o'brien+office@house.example.gov",
            "J Doe 2nd <j@x.gov>",
            "user@[127.0.0.1]",
            "Jane  Doe <j@x.gov>",
            "Jane Doe<j@x.gov>",
            "\"Doe, Jane\" <j@x.gov>",
            "Jane Doe <j@x.gov> (office)",
            "Zoë Ríos <zoe@x.gov>",
            "jane@",
            "@x.gov",
            "a@b@c.gov",
            "Jane <j@x.gov",
            "Jane Doe <>",
            "j..doe@x.gov",
            ".j@x.gov",
            "j@-x.gov",
            "j@x..gov",
            "j@x_y.gov",
            "plain text",
        ] {
            let quick = parse_mailbox(item).map(|m| (m.name, m.email.to_string()));
            let lettre = item
                .parse::<Mailbox>()
                .map(|m| (m.name, m.email.to_string()));
            assert_eq!(
                quick.is_ok(),
                lettre.is_ok(),
                "{item}: {quick:?} vs {lettre:?}"
            );
            assert_eq!(quick.ok(), lettre.ok(), "{item}");
        }
    }

    #[test]
    fn an_empty_address_in_angles_says_the_cell_is_empty() {
        let parsed = parse_list(Some("Willie Preston <>"), "to", 1687);
        assert_eq!(parsed.problems.len(), 1);
        assert!(
            parsed.problems[0]
                .message
                .contains("the email cell it uses is empty"),
            "{:?}",
            parsed.problems
        );
    }

    #[test]
    fn splits_outside_quotes_and_angles() {
        let items: Vec<&str> =
            split_list("\"Doe, Jane\" <jane@x.gov>; bob@y.gov,, <odd,@z.gov> ,").collect();
        assert_eq!(
            items,
            vec!["\"Doe, Jane\" <jane@x.gov>", "bob@y.gov", "<odd,@z.gov>"]
        );
    }

    #[test]
    fn parses_names_quoted_names_and_non_ascii_names() {
        let parsed = parse_list(
            Some("Jane Doe <jane@x.gov>, \"Doe, Jane\" <jd@x.gov>, Zoë Ñúñez <zoe@x.gov>, bare@y.org"),
            "to",
            2,
        );
        assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
        let shown: Vec<(Option<&str>, String)> = parsed
            .mailboxes
            .iter()
            .map(|m| (m.name.as_deref(), m.email.to_string()))
            .collect();
        assert_eq!(
            shown,
            vec![
                (Some("Jane Doe"), "jane@x.gov".to_string()),
                (Some("Doe, Jane"), "jd@x.gov".to_string()),
                (Some("Zoë Ñúñez"), "zoe@x.gov".to_string()),
                (None, "bare@y.org".to_string()),
            ]
        );
    }

    #[test]
    fn every_bad_address_is_named() {
        let parsed = parse_list(Some("jane.doe@, ok@x.gov, not an address"), "cc", 7);
        assert_eq!(parsed.mailboxes.len(), 1);
        let messages: Vec<&str> = parsed.problems.iter().map(|p| p.message.as_str()).collect();
        assert_eq!(
            messages,
            vec![
                "the `cc` value `jane.doe@` is not an email address",
                "the `cc` value `not an address` is not an email address",
            ]
        );
        assert!(parsed
            .problems
            .iter()
            .all(|p| p.row == Some(7) && p.column.as_deref() == Some("cc") && p.hint.is_some()));
    }

    #[test]
    fn line_breaks_and_control_characters_are_refused() {
        for value in [
            "jane@x.gov\r\nBcc: evil@x.org",
            "jane@x.gov\nBcc: evil@x.org",
            "jane@x.gov\r",
            "ja\u{7}ne@x.gov",
        ] {
            let parsed = parse_list(Some(value), "to", 4);
            assert!(parsed.mailboxes.is_empty(), "{value:?}");
            assert_eq!(parsed.problems.len(), 1, "{value:?}");
            assert!(parsed.problems[0].message.contains("could add a header"));
        }
    }

    #[test]
    fn international_domains_become_punycode_and_non_ascii_local_parts_are_refused() {
        let parsed = parse_list(Some("Jörg <joerg@bücher.de>, jane@x.gov\u{a0}"), "to", 3);
        assert!(parsed.problems.is_empty(), "{:?}", parsed.problems);
        assert_eq!(
            parsed.mailboxes[0].email.to_string(),
            "joerg@xn--bcher-kva.de"
        );
        assert_eq!(parsed.mailboxes[0].name.as_deref(), Some("Jörg"));
        assert_eq!(parsed.mailboxes[1].email.to_string(), "jane@x.gov");
        // A Cyrillic "а" that looks like a Latin "a".
        let parsed = parse_list(Some("j\u{430}ne@x.gov"), "to", 3);
        assert!(parsed.mailboxes.is_empty());
        assert_eq!(parsed.problems.len(), 1);
        assert!(
            parsed.problems[0].message.contains("U+0430"),
            "{}",
            parsed.problems[0].message
        );
    }

    #[test]
    fn absent_or_only_separators_is_empty_without_problems() {
        assert!(parse_list(None, "to", 2).mailboxes.is_empty());
        let parsed = parse_list(Some(" , ; "), "to", 2);
        assert!(parsed.mailboxes.is_empty() && parsed.problems.is_empty());
    }
}
