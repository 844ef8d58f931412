//! Address header values from the front matter: split a list, parse each mailbox with lettre,
//! and turn every defect into a row problem that says what to fix.
//!
//! Each mailbox is parsed on its own (rather than the whole list by `Mailboxes::from_str`) so
//! that a list with two bad addresses names both of them. The address itself (what goes into
//! RCPT TO) is taken out of its angle brackets and checked by lettre's address parser, which
//! knows quoted local parts (`"jane doe"@example.org`); lettre's mailbox parser drops the
//! quotes and then refuses them. Everything here is linear in the length of the value.

use lettre::message::Mailbox;
use lettre::Address;

use crate::problem::Problem;

/// The longest address taken, in characters of its ASCII form: RFC 5321 section 4.5.3.1.3
/// limits a path to 256 octets with its angle brackets, which leaves 254 for the address (as
/// RFC 3696's erratum 1690 and the large mail providers apply it). A longer one would be
/// refused by the server after the run had begun.
pub const MAX_ADDRESS: usize = 254;

/// The longest local part (before the `@`): RFC 5321 section 4.5.3.1.1.
pub const MAX_LOCAL_PART: usize = 64;

/// The longest part of a domain between dots: RFC 1035 section 2.3.4 (RFC 5321 section
/// 4.5.3.1.2 limits the whole domain to 255, which the 254 of [`MAX_ADDRESS`] already holds).
pub const MAX_LABEL: usize = 63;

/// The most recipients (to, cc and bcc together, each address once) one message may have.
/// RFC 5321 section 4.5.3.1.8 requires servers to accept at least 100 RCPT commands, and
/// many refuse the 101st; past it a message would reach only some of its recipients.
pub const MAX_RECIPIENTS: usize = 100;

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
    let items: Vec<&str> = split_list(value).collect();
    if items.len() > MAX_RECIPIENTS {
        // One problem, not one per address: the list as a whole is what to fix.
        parsed
            .problems
            .push(too_many_recipients(items.len(), key, row));
        return parsed;
    }
    for item in items {
        match mailbox(item) {
            Ok(mailbox) => parsed.mailboxes.push(mailbox),
            Err(Refusal::NonAscii(bad)) => {
                parsed.problems.push(non_ascii_address(item, bad, key, row))
            }
            Err(Refusal::TooLong(why)) => {
                parsed.problems.push(too_long_address(item, &why, key, row))
            }
            Err(Refusal::Invalid) => parsed.problems.push(invalid_address(item, key, row)),
        }
    }
    parsed
}

/// Why one list item is not a usable mailbox.
#[derive(Debug, PartialEq, Eq)]
enum Refusal {
    Invalid,
    /// A non-ASCII character before the `@`.
    NonAscii(char),
    /// Over one of RFC 5321's length limits; the text says which.
    TooLong(String),
}

/// One list item as a usable mailbox: parsed, its domain in ASCII, within the length limits.
fn mailbox(item: &str) -> Result<Mailbox, Refusal> {
    // Measured before parsing too, so that a huge cell costs no parsing work.
    check_lengths(address_part(item))?;
    let mailbox = parse_mailbox(item).map_err(|_| Refusal::Invalid)?;
    let mailbox = ascii_mailbox(mailbox).map_err(Refusal::NonAscii)?;
    let address: &str = mailbox.email.as_ref();
    if address.contains(['<', '>']) || mailbox.email.domain().starts_with('[') {
        // Angle brackets are legal inside a quoted local part, but more servers misread them
        // than accept them; an address literal (`user@[192.0.2.7]`) in a letter's data is a
        // mistake far more often than meant.
        return Err(Refusal::Invalid);
    }
    check_lengths(address)?;
    Ok(mailbox)
}

/// The address of `Name <address>`, or the whole item.
fn address_part(item: &str) -> &str {
    item.strip_suffix('>')
        .and_then(|rest| rest.rfind('<').map(|lt| &rest[lt + 1..]))
        .unwrap_or(item)
}

/// RFC 5321's limits on an address: the whole, the local part, each domain label.
fn check_lengths(address: &str) -> Result<(), Refusal> {
    let chars = address.chars().count();
    if chars > MAX_ADDRESS {
        return Err(Refusal::TooLong(format!(
            "it is {chars} characters long, and an email address is at most {MAX_ADDRESS}"
        )));
    }
    let (local, domain) = address.rsplit_once('@').unwrap_or(("", address));
    let local_chars = local.chars().count();
    if local_chars > MAX_LOCAL_PART {
        return Err(Refusal::TooLong(format!(
            "the part before the @ is {local_chars} characters long, and it is at most \
             {MAX_LOCAL_PART}"
        )));
    }
    if !domain.starts_with('[') {
        if let Some(label) = domain.split('.').find(|l| l.chars().count() > MAX_LABEL) {
            return Err(Refusal::TooLong(format!(
                "the domain part `{label}` is {} characters long, and each part between dots \
                 is at most {MAX_LABEL}",
                label.chars().count()
            )));
        }
    }
    Ok(())
}

/// One mailbox from run-wide settings (config `from`, `--test-to`), held to the same rules
/// as the letter's values; `None` when it is not one usable address.
pub(super) fn parse_setting(value: &str) -> Option<Mailbox> {
    let value = value.trim();
    if value.chars().any(char::is_control) {
        return None;
    }
    mailbox(value).ok()
}

/// One mailbox. The address is taken out of `Name <address>` (or is the whole item) and
/// parsed as an address, which keeps a quoted local part; a plain name is taken as it is, and
/// any other name (quoted, with comments, non-ASCII) is decoded by lettre's parser. Items of
/// other shapes (a comment after the address) go to lettre's mailbox parser whole.
fn parse_mailbox(item: &str) -> Result<Mailbox, lettre::address::AddressError> {
    fn plain_name(s: &str) -> bool {
        !s.is_empty()
            && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b' ')
            && !s.starts_with(' ')
            && !s.ends_with(' ')
            && !s.contains("  ")
    }
    let spec = address_part(item);
    let name = if spec.len() == item.len() {
        Some(None)
    } else {
        // `item` is `name <spec>`.
        let name = item[..item.len() - spec.len() - 2].trim_end();
        if name.is_empty() {
            Some(None)
        } else if plain_name(name) {
            Some(Some(name.to_string()))
        } else {
            // The name alone, decoded by lettre with a stand-in address.
            format!("{name} <a@example.org>")
                .parse::<Mailbox>()
                .ok()
                .map(|m| m.name)
        }
    };
    if let (Some(name), Ok(address)) = (name, spec.parse::<Address>()) {
        return Ok(Mailbox::new(name, address));
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
        "the `{key}` value `{item}` has a character that is not allowed in an email address \
         here (`{bad}`, U+{:04X})",
        bad as u32
    ))
    .at_row(row)
    .in_column(key)
    .with_hint(format!(
        "check the email address in the data that fills `{key}` for a typo or a look-alike \
         letter; the part before the @ must be plain ASCII"
    ))
    .grouped_as(format!(
        "the `{key}` value has a character that is not allowed in an email address"
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
            "remove the line break or control character from the data that fills `{key}`"
        ))
        .grouped_as(format!(
            "the `{key}` value contains a line break or control character, which could add a \
             header to the email"
        )),
    )
}

fn too_long_address(item: &str, why: &str, key: &str, row: u64) -> Problem {
    let shown: String = item.chars().take(60).collect();
    let more = if item.chars().count() > 60 { "…" } else { "" };
    Problem::error(format!(
        "the `{key}` value `{shown}{more}` is too long for an email address: {why} (RFC 5321)"
    ))
    .at_row(row)
    .in_column(key)
    .with_hint(format!(
        "check the email address in the data that fills `{key}`: it may hold several \
         addresses without a comma between them, or text that is not an address"
    ))
    .grouped_as(format!(
        "the `{key}` value is too long for an email address (RFC 5321)"
    ))
}

fn too_many_recipients(count: usize, key: &str, row: u64) -> Problem {
    Problem::error(format!(
        "the `{key}` value holds {count} addresses; one message may have at most \
         {MAX_RECIPIENTS} recipients"
    ))
    .at_row(row)
    .in_column(key)
    .with_hint(
        "split the addresses over several rows (one message each), or use a mailing list \
         address",
    )
    .grouped_as(format!(
        "the `{key}` value holds more addresses than one message may have (at most \
         {MAX_RECIPIENTS})"
    ))
}

/// The problem when a message's recipients (to, cc and bcc together, each once) are more than
/// [`MAX_RECIPIENTS`].
pub(super) fn too_many_in_total(count: usize, row: u64) -> Problem {
    Problem::error(format!(
        "the email has {count} recipients in to, cc and bcc together; one message may have at \
         most {MAX_RECIPIENTS}"
    ))
    .at_row(row)
    .in_column("to")
    .with_hint(
        "split the recipients over several rows (one message each), or use a mailing list \
         address",
    )
    .grouped_as(format!(
        "the email has more than {MAX_RECIPIENTS} recipients in to, cc and bcc together"
    ))
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
        .with_hint(
            "fill in the email address, or leave the row out with --rows/--where or \
             --skip-invalid",
        )
        .grouped_as(format!(
            "the `{key}` value has no address between `<` and `>`: the email cell it uses is \
             empty"
        ));
    }
    Problem::error(format!(
        "the `{key}` value `{item}` is not an email address"
    ))
    .at_row(row)
    .in_column(key)
    .with_hint(format!(
        "check the email address in the data that fills `{key}`; an address looks like \
         name@example.org or Jane Doe <name@example.org>"
    ))
    .grouped_as(format!("the `{key}` value is not an email address"))
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
    use super::{mailbox, parse_list, parse_setting, split_list, MAX_ADDRESS, MAX_RECIPIENTS};
    use lettre::message::Mailbox;
    use proptest::prelude::{any, prop, proptest, ProptestConfig};

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
            let quick = mailbox(item).map(|m| (m.name, m.email.to_string()));
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

    #[test]
    fn quoted_local_parts_are_accepted_with_their_quotes() {
        let parsed = parse_list(
            Some("\"jane doe\"@example.org, Jane <\"j.\\\"d\\\"\"@example.org>, \"Doe, J\" <\"a b\"@x.gov>"),
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
                (None, "\"jane doe\"@example.org".to_string()),
                (Some("Jane"), "\"j.\\\"d\\\"\"@example.org".to_string()),
                (Some("Doe, J"), "\"a b\"@x.gov".to_string()),
            ]
        );
        assert!(parse_setting("\"office desk\"@example.org").is_some());
        // Angle brackets inside the quotes are refused: servers misread them.
        assert_eq!(parse_list(Some("\"a<b\"@x.gov"), "to", 2).problems.len(), 1);
    }

    #[test]
    fn rfc_5321_length_limits_are_named() {
        let long = format!("{}@{}.example.org", "a".repeat(60), "b".repeat(60));
        let long = format!("{long}{}", ".cc".repeat(70));
        assert!(long.len() > MAX_ADDRESS);
        let parsed = parse_list(Some(&long), "to", 9);
        assert_eq!(parsed.problems.len(), 1);
        let p = &parsed.problems[0];
        assert!(
            p.message
                .contains(&format!("{} characters long", long.len())),
            "{}",
            p.message
        );
        assert!(p.message.contains("at most 254"), "{}", p.message);
        assert_eq!((p.row, p.column.as_deref()), (Some(9), Some("to")));
        let local = format!("{}@x.gov", "l".repeat(65));
        let m = &parse_list(Some(&local), "cc", 3).problems[0].message;
        assert!(
            m.contains("before the @ is 65") && m.contains("at most 64"),
            "{m}"
        );
        let label = format!("j@{}.gov", "d".repeat(64));
        let m = &parse_list(Some(&label), "cc", 3).problems[0].message;
        assert!(
            m.contains("64 characters") && m.contains("at most 63"),
            "{m}"
        );
        // Exactly at the limits is fine.
        let fits = format!(
            "{}@{}.{}.{}.gov",
            "l".repeat(64),
            "a".repeat(63),
            "b".repeat(63),
            "c".repeat(57)
        );
        assert_eq!(fits.len(), 254);
        assert!(parse_list(Some(&fits), "to", 2).problems.is_empty());
        // Named also as `Name <address>`, and for the config's sender.
        assert_eq!(
            parse_list(Some(&format!("Jane <{long}>")), "to", 2)
                .problems
                .len(),
            1
        );
        assert!(parse_setting(&long).is_none());
    }

    #[test]
    fn more_than_the_recipient_limit_is_one_clear_problem() {
        let list: Vec<String> = (0..=MAX_RECIPIENTS)
            .map(|i| format!("p{i}@x.gov"))
            .collect();
        let parsed = parse_list(Some(&list.join(", ")), "bcc", 4);
        assert!(parsed.mailboxes.is_empty());
        assert_eq!(parsed.problems.len(), 1);
        assert!(
            parsed.problems[0].message.contains("holds 101 addresses")
                && parsed.problems[0].message.contains("at most 100"),
            "{}",
            parsed.problems[0].message
        );
        let fits = &list[..MAX_RECIPIENTS];
        assert_eq!(
            parse_list(Some(&fits.join(", ")), "bcc", 4).mailboxes.len(),
            100
        );
    }

    #[test]
    fn a_cell_with_many_addresses_takes_linear_time() {
        // 200,000 addresses: quadratic work would take minutes; linear takes milliseconds.
        let cell = "someone@example.org, ".repeat(200_000);
        let start = std::time::Instant::now();
        let parsed = parse_list(Some(&cell), "to", 2);
        assert_eq!(parsed.problems.len(), 1);
        let long = "x".repeat(1_000_000);
        assert_eq!(parse_list(Some(&long), "to", 2).problems.len(), 1);
        assert!(start.elapsed().as_secs() < 5, "{:?}", start.elapsed());
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        /// Any text gives mailboxes and problems, never a panic, and every mailbox is within
        /// the limits.
        #[test]
        fn any_text_parses_without_panic_within_limits(value in "\\PC{0,300}") {
            let parsed = parse_list(Some(&value), "to", 2);
            for m in &parsed.mailboxes {
                let a: &str = m.email.as_ref();
                assert!(a.len() <= MAX_ADDRESS && a.is_ascii(), "{a}");
            }
            assert!(parsed.mailboxes.len() + parsed.problems.len() <= MAX_RECIPIENTS + 1);
        }

        /// Address-like pieces joined by separators: every item is accounted for.
        #[test]
        fn lists_of_address_like_items_are_each_accounted_for(
            items in prop::collection::vec("[a-z\"<> .@,;]{1,12}@[a-z]{1,8}\\.org", 1..20),
            bytes in prop::collection::vec(any::<u8>(), 0..64),
        ) {
            let value = items.join(", ");
            let _ = parse_list(Some(&value), "cc", 3);
            let _ = parse_list(Some(&String::from_utf8_lossy(&bytes)), "cc", 3);
        }
    }
}
