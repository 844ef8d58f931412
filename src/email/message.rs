//! Assembling one message: validate every header value of the row (collecting all problems),
//! then hand headers and parts to lettre's builder.

use std::time::SystemTime;

use lettre::message::header::{
    ContentDisposition, ContentTransferEncoding, ContentType, Header, HeaderName, HeaderValue,
};
use lettre::message::{Body, Mailbox, MultiPart, SinglePart};
use lettre::Message;

use super::address::{
    control_char_problem, parse_list, parse_setting, too_many_in_total, MAX_RECIPIENTS,
};
use super::{html, text, Attachment, Email, EmailSettings, Recipient, RecipientKind, Shown};
use crate::attachments;
use crate::letter::Letter;
use crate::problem::Problem;

/// Message-ID domain when the sender's domain cannot appear in one (non-ASCII).
const FALLBACK_ID_DOMAIN: &str = "lettermerge.invalid";

/// A row's header values, all valid.
struct Valid<'a> {
    from: Mailbox,
    subject: &'a str,
    to: Vec<Mailbox>,
    cc: Vec<Mailbox>,
    bcc: Vec<Mailbox>,
    reply_to: Vec<Mailbox>,
    redirect: Option<Mailbox>,
    /// The row's `attachments`, checked.
    files: Vec<attachments::File>,
}

/// Every problem `build` would report for this row, without building the message: for a
/// check pass that does not need the bytes.
pub fn check(letter: &Letter, settings: &EmailSettings) -> Vec<Problem> {
    validate(letter, settings).err().unwrap_or_default()
}

fn validate<'a>(letter: &'a Letter, settings: &EmailSettings) -> Result<Valid<'a>, Vec<Problem>> {
    let row = letter.row;
    let headers = &letter.email;
    let mut problems = Vec::new();

    let to = parse_list(headers.to.as_deref(), "to", row);
    if to.mailboxes.is_empty() && to.problems.is_empty() {
        problems.push(
            Problem::error("the email has no recipient: the `to` value is empty")
                .at_row(row)
                .in_column("to")
                .with_hint(
                    "fill in the email address that `to` uses, or leave the row out with \
                     --skip-invalid",
                ),
        );
    }
    problems.extend(to.problems);
    let cc = parse_list(headers.cc.as_deref(), "cc", row);
    problems.extend(cc.problems);
    let bcc = parse_list(headers.bcc.as_deref(), "bcc", row);
    problems.extend(bcc.problems);
    let reply_to = parse_list(headers.reply_to.as_deref(), "reply_to", row);
    problems.extend(reply_to.problems);
    let recipients = distinct_addresses([&to.mailboxes, &cc.mailboxes, &bcc.mailboxes]).count();
    if recipients > MAX_RECIPIENTS {
        problems.push(too_many_in_total(recipients, row));
    }

    let from = match headers.from.as_deref() {
        Some(value) => single_mailbox(value, "from", row, &mut problems),
        None => match sender_from_config(settings) {
            Ok(mailbox) => Some(mailbox),
            Err(problem) => {
                problems.push(problem.at_row(row));
                None
            }
        },
    };

    let subject = match headers.subject.as_deref().map(str::trim) {
        None | Some("") => {
            problems.push(
                Problem::error("the email has no subject")
                    .at_row(row)
                    .in_column("subject")
                    .with_hint(
                        "give the template a `subject:` in its front matter, or fill in the \
                         data it uses",
                    ),
            );
            None
        }
        Some(value) => match control_char_problem(value, "subject", row) {
            Some(problem) => {
                problems.push(problem);
                None
            }
            None => Some(value),
        },
    };

    let redirect = match redirect_from_config(settings) {
        Ok(redirect) => redirect,
        Err(problem) => {
            problems.push(problem.at_row(row));
            None
        }
    };

    let files = if headers.attachments.is_empty() {
        Vec::new()
    } else {
        match attachments::check(&headers.attachments, &settings.attachments, row) {
            Ok(files) => files,
            Err(found) => {
                problems.extend(found);
                Vec::new()
            }
        }
    };

    match (from, subject) {
        (Some(from), Some(subject)) if problems.is_empty() => Ok(Valid {
            from,
            subject,
            to: to.mailboxes,
            cc: cc.mailboxes,
            bcc: bcc.mailboxes,
            reply_to: reply_to.mailboxes,
            redirect,
            files,
        }),
        _ => Err(problems),
    }
}

/// Builds the message for one letter, or returns every problem of the row at once.
pub fn build(
    letter: &Letter,
    settings: &EmailSettings,
    pdf: Option<&Attachment>,
) -> Result<Email, Vec<Problem>> {
    build_inner(letter, settings, pdf, true)
}

/// The message as `--dry-run` prints it ([`crate::email::preview`]): the same checks,
/// recipients, headers and text body as [`build`], without putting the MIME message
/// together (`formatted` is empty). A dry run of thousands of rows spends most of its time
/// there otherwise.
pub fn build_preview(letter: &Letter, settings: &EmailSettings) -> Result<Email, Vec<Problem>> {
    build_inner(letter, settings, None, false)
}

fn build_inner(
    letter: &Letter,
    settings: &EmailSettings,
    pdf: Option<&Attachment>,
    mime: bool,
) -> Result<Email, Vec<Problem>> {
    let row = letter.row;
    let Valid {
        from,
        subject,
        to,
        cc,
        bcc,
        reply_to,
        redirect,
        files,
    } = validate(letter, settings)?;

    // Each address once, the first kind wins: an official listed in To and in Bcc gets one
    // copy, and the headers do not show them twice.
    let mut recipients: Vec<Recipient> = Vec::new();
    let mut seen = std::collections::HashSet::with_capacity(to.len() + cc.len() + bcc.len());
    let mut to_shown = Vec::with_capacity(to.len());
    let mut cc_shown = Vec::with_capacity(cc.len());
    let mut bcc_shown = Vec::with_capacity(bcc.len());
    for (list, kind, shown) in [
        (to, RecipientKind::To, &mut to_shown),
        (cc, RecipientKind::Cc, &mut cc_shown),
        (bcc, RecipientKind::Bcc, &mut bcc_shown),
    ] {
        for mailbox in list {
            let address: &str = mailbox.email.as_ref();
            // A set, not a scan of the list so far: a cell with thousands of addresses
            // would take quadratic time otherwise.
            if !seen.insert(address.to_ascii_lowercase()) {
                continue;
            }
            recipients.push(Recipient {
                address: address.to_string(),
                kind,
            });
            shown.push(mailbox);
        }
    }

    let subject_sent = match &settings.subject_prefix {
        Some(prefix) => format!("{prefix}{subject}"),
        None => subject.to_string(),
    };
    let campaign = id_part(&settings.campaign);
    let domain = from.email.domain();
    let domain = if domain.is_ascii() {
        domain
    } else {
        FALLBACK_ID_DOMAIN
    };
    let message_id = format!("<lm.{campaign}.{row}@{domain}>");
    let envelope_from = from.email.to_string();

    let text = text::text_body(letter, &settings.signature_text);

    // With --test-to, the original recipients are named in headers of their own: bare
    // addresses only, no display name, so nothing there needs encoding and no data text can
    // reach the header unparsed.
    let originals: Vec<(&'static str, String)> = if redirect.is_some() {
        [
            ("X-Lettermerge-Original-To", &to_shown),
            ("X-Lettermerge-Original-Cc", &cc_shown),
            ("X-Lettermerge-Original-Bcc", &bcc_shown),
        ]
        .into_iter()
        .filter(|(_, list)| !list.is_empty())
        .map(|(name, list)| (name, bare_addresses(list)))
        .collect()
    } else {
        Vec::new()
    };

    let mut shown = Vec::with_capacity(10);
    shown.push(("From", from.to_string()));
    match &redirect {
        Some(test_to) => {
            shown.push(("To", test_to.to_string()));
            shown.extend(originals.iter().cloned());
            recipients = vec![Recipient {
                address: test_to.email.to_string(),
                kind: RecipientKind::To,
            }];
        }
        None => {
            shown.push(("To", join_mailboxes(&to_shown)));
            if !cc_shown.is_empty() {
                shown.push(("Cc", join_mailboxes(&cc_shown)));
            }
            if !bcc_shown.is_empty() {
                shown.push(("Bcc", join_mailboxes(&bcc_shown)));
            }
        }
    }
    if !reply_to.is_empty() {
        shown.push(("Reply-To", join_mailboxes(&reply_to)));
    }
    shown.push(("Subject", subject_sent.clone()));
    shown.push((
        "Date",
        // RFC 2822 form, e.g. "Mon, 12 Jan 2026 09:00:00 +0000".
        settings.date.with_timezone(&chrono::Utc).to_rfc2822(),
    ));
    shown.push(("Message-ID", message_id.clone()));
    if !files.is_empty() {
        shown.push(("Attachments", attachments::describe(&files)));
    }
    if !mime {
        // A preview stops here: encoding the headers is most of the builder's cost.
        return Ok(Email {
            row,
            message_id,
            envelope_from,
            recipients,
            subject: subject_sent,
            formatted: Vec::new(),
            shown: Shown {
                headers: shown,
                text,
            },
        });
    }

    // The envelope is given, not left to lettre to read back from the headers: its mailbox
    // parser drops the quotes of a quoted local part (`"jane doe"@example.org`) and then
    // finds no recipient. Our SMTP client sends to `recipients`; this only satisfies the builder.
    let envelope_to: Vec<lettre::Address> = match &redirect {
        Some(test_to) => vec![test_to.email.clone()],
        None => recipients
            .iter()
            .filter_map(|r| r.address.parse().ok())
            .collect(),
    };
    let envelope = lettre::address::Envelope::new(Some(from.email.clone()), envelope_to)
        .map_err(|e| vec![bug(row, &format!("the envelope was refused: {e}"))])?;
    let mut builder = Message::builder()
        .envelope(envelope)
        .from(from)
        .subject(subject_sent.clone())
        .date(SystemTime::from(settings.date))
        .message_id(Some(message_id.clone()));
    match redirect {
        Some(test_to) => {
            for (name, value) in originals {
                builder = builder.raw_header(HeaderValue::new(
                    HeaderName::new_from_ascii_str(name),
                    value,
                ));
            }
            builder = builder.to(test_to);
        }
        None => {
            for mailbox in to_shown {
                builder = builder.to(mailbox);
            }
            for mailbox in cc_shown {
                builder = builder.cc(mailbox);
            }
            // Bcc addresses go to the envelope (`recipients`) only, never into a header.
        }
    }
    for mailbox in reply_to {
        builder = builder.reply_to(mailbox);
    }

    let html = html::html_body(letter, &settings.signature_text, &subject_sent);
    let alt_boundary = boundary(&campaign, row, 'a', &text, &html);
    let mixed_boundary = boundary(&campaign, row, 'm', &text, &html);
    let mut alternative = MultiPart::alternative();
    if let Some(b) = alt_boundary {
        alternative = alternative.boundary(b);
    }
    let alternative = alternative
        .singlepart(SinglePart::plain(crlf(&text)))
        .singlepart(SinglePart::html(crlf(&html)));
    let message = if pdf.is_none() && files.is_empty() {
        builder.multipart(alternative)
    } else {
        let mut mixed = MultiPart::mixed();
        if let Some(b) = mixed_boundary {
            mixed = mixed.boundary(b);
        }
        let mut mixed = mixed.multipart(alternative);
        if let Some(pdf) = pdf {
            // Always base64, even for a PDF that happens to be ASCII: then no line of it can
            // look like a boundary, and no relay rewraps it.
            let body = Body::new_with_encoding(pdf.bytes.clone(), ContentTransferEncoding::Base64)
                .map_err(|_| vec![bug(row, "base64 refused the attachment")])?;
            let part = lettre::message::Attachment::new(attachment_name(&pdf.filename))
                .body(body, pdf_content_type());
            mixed = mixed.singlepart(part);
        }
        for file in &files {
            // Read now, bounded, and refused if it is not the file that was checked.
            let bytes = attachments::read(file, row).map_err(|p| vec![p])?;
            mixed = mixed.singlepart(file_part(file, bytes, row)?);
        }
        builder.multipart(mixed)
    };
    let message = message.map_err(|e| {
        vec![
            Problem::error(format!("the email could not be put together: {e}"))
                .at_row(row)
                .with_hint("this is a bug in lettermerge; please report it with the row's data"),
        ]
    })?;

    Ok(Email {
        row,
        message_id,
        envelope_from,
        recipients,
        subject: subject_sent,
        formatted: message.formatted(),
        shown: Shown {
            headers: shown,
            text,
        },
    })
}

/// Problems with the run-wide settings (config `from`, `--test-to`), to report once before
/// any row is built. `build` reports them too, per row.
pub fn check_settings(settings: &EmailSettings) -> Vec<Problem> {
    let mut problems = Vec::new();
    if let Err(p) = sender_from_config(settings) {
        problems.push(p);
    }
    if let Err(p) = redirect_from_config(settings) {
        problems.push(p);
    }
    problems
}

fn sender_from_config(settings: &EmailSettings) -> Result<Mailbox, Problem> {
    let value = settings.from.trim();
    let bad = || {
        Problem::error(format!(
            "the sender address `{value}` in the config is not one email address"
        ))
        .in_column("from")
        .with_hint(
            "set `from` in the [smtp] table of the config to one address, e.g. \
             from = \"Library Advocacy <advocacy@example.org>\"",
        )
    };
    parse_setting(value).ok_or_else(bad)
}

fn redirect_from_config(settings: &EmailSettings) -> Result<Option<Mailbox>, Problem> {
    let Some(value) = settings.redirect_to.as_deref() else {
        return Ok(None);
    };
    let value = value.trim();
    let bad = || {
        Problem::error(format!(
            "the --test-to address `{value}` is not an email address"
        ))
        .with_hint("give --test-to one address, e.g. --test-to me@example.org")
    };
    parse_setting(value).map(Some).ok_or_else(bad)
}

/// A front-matter value that must hold exactly one mailbox (`from`).
fn single_mailbox(
    value: &str,
    key: &str,
    row: u64,
    problems: &mut Vec<Problem>,
) -> Option<Mailbox> {
    let parsed = parse_list(Some(value), key, row);
    if !parsed.problems.is_empty() {
        problems.extend(parsed.problems);
        return None;
    }
    let count = parsed.mailboxes.len();
    if count != 1 {
        let what = if count == 0 {
            "is empty".to_string()
        } else {
            format!("holds {count} addresses")
        };
        problems.push(
            Problem::error(format!("the `{key}` value {what}; an email has one sender"))
                .at_row(row)
                .in_column(key)
                .with_hint(format!(
                    "make `{key}` one address, or leave it out to use the config's"
                ))
                .grouped_as(format!(
                    "the `{key}` value is not one address; an email has one sender"
                )),
        );
        return None;
    }
    parsed.mailboxes.into_iter().next()
}

/// The addresses of the lists, each once (case folded), in order: linear in their number.
fn distinct_addresses<'a>(lists: [&'a Vec<Mailbox>; 3]) -> impl Iterator<Item = String> + 'a {
    let mut seen = std::collections::HashSet::new();
    lists
        .into_iter()
        .flatten()
        .map(|m| AsRef::<str>::as_ref(&m.email).to_ascii_lowercase())
        .filter(move |a| seen.insert(a.clone()))
}

/// The campaign id as it may appear in a Message-ID and a MIME boundary: letters, digits,
/// `-` and `_` only.
fn id_part(campaign: &str) -> String {
    let cleaned: String = campaign
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '_')
        .collect();
    if cleaned.is_empty() {
        "campaign".to_string()
    } else {
        cleaned
    }
}

/// A boundary fixed by campaign and row, so a dry run writes the same `.eml` bytes each time
/// (diffable). `=_` cannot occur in quoted-printable or base64 output; should a 7bit body
/// contain the boundary anyway, lettre's random one is used instead (`None`).
fn boundary(campaign: &str, row: u64, kind: char, text: &str, html: &str) -> Option<String> {
    let b = format!("=_lm.{campaign}.{row}.{kind}");
    if text.contains(&b) || html.contains(&b) {
        None
    } else {
        Some(b)
    }
}

/// `text` with CRLF line ends, in one pass. lettre would convert bare LFs itself, but by
/// inserting one `\r` at a time (a memmove of the message tail for each line).
fn crlf(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + text.len() / 32);
    for line in text.split_inclusive('\n') {
        match line.strip_suffix('\n') {
            Some(body) => {
                out.push_str(body.strip_suffix('\r').unwrap_or(body));
                out.push_str("\r\n");
            }
            None => out.push_str(line),
        }
    }
    out
}

/// The attachment's name as the recipient's mail client will save it: lettre encodes it
/// safely (RFC 2231) whatever it holds, but a line break or a path separator has no business
/// in a file name, so they become a space and `-`.
fn attachment_name(raw: &str) -> String {
    let name: String = raw
        .chars()
        .map(|c| match c {
            '/' | '\\' => '-',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect();
    let name = name.trim();
    if name.is_empty() {
        "letter.pdf".to_string()
    } else {
        name.to_string()
    }
}

/// lettre refused what validation let through: not the user's fault.
fn bug(row: u64, what: &str) -> Problem {
    Problem::error(format!("the email could not be put together: {what}"))
        .at_row(row)
        .with_hint("this is a bug in lettermerge; please report it with the row's data")
}

/// One attached file: its type by extension with the name in an RFC 2047 `name` parameter
/// (for older mail clients), `Content-Disposition: attachment` with the RFC 2231 `filename*`
/// that lettre writes for a non-ASCII name, and the bytes in base64 at 76 columns.
fn file_part(
    file: &attachments::File,
    bytes: Vec<u8>,
    row: u64,
) -> Result<SinglePart, Vec<Problem>> {
    let body = Body::new_with_encoding(bytes, ContentTransferEncoding::Base64)
        .map_err(|_| vec![bug(row, "base64 refused the attachment")])?;
    Ok(SinglePart::builder()
        .header(NamedType::new(file.content_type(), &file.name))
        .header(ContentDisposition::attachment(&file.name))
        .body(body))
}

/// The longest RFC 2047 encoded word (RFC 2047 section 2: 75 characters).
const MAX_ENCODED_WORD: usize = 75;

/// `Content-Type: type; name="..."`, the name as RFC 2047 encoded words when it is not plain
/// ASCII, folded between words.
#[derive(Debug, Clone)]
struct NamedType(HeaderValue);

impl NamedType {
    fn new(mime: &str, name: &str) -> NamedType {
        let plain = name
            .chars()
            .all(|c| c.is_ascii() && !c.is_ascii_control() && c != '"' && c != '\\');
        let value = if plain {
            format!("{mime};\r\n name=\"{name}\"")
        } else {
            format!("{mime};\r\n name=\"{}\"", encoded_words(name).join("\r\n "))
        };
        let raw = format!("{mime}; name=\"{name}\"");
        NamedType(HeaderValue::dangerous_new_pre_encoded(
            Self::name(),
            raw,
            value,
        ))
    }
}

impl Header for NamedType {
    fn name() -> HeaderName {
        HeaderName::new_from_ascii_str("Content-Type")
    }

    fn parse(s: &str) -> Result<Self, Box<dyn std::error::Error + Send + Sync>> {
        Ok(NamedType::new("application/octet-stream", s))
    }

    fn display(&self) -> HeaderValue {
        self.0.clone()
    }
}

/// `text` as RFC 2047 "B" encoded words (`=?utf-8?b?...?=`), each at most
/// [`MAX_ENCODED_WORD`] characters and split between characters, never inside one.
fn encoded_words(text: &str) -> Vec<String> {
    use base64::Engine as _;
    // "=?utf-8?b?" + "?=" is 12 characters; 63 left hold 15 groups of 4, that is 45 bytes.
    let max_bytes = (MAX_ENCODED_WORD - 12) / 4 * 3;
    let mut words = Vec::new();
    let mut chunk = String::new();
    for c in text.chars() {
        if chunk.len() + c.len_utf8() > max_bytes {
            words.push(std::mem::take(&mut chunk));
        }
        chunk.push(c);
    }
    if !chunk.is_empty() || words.is_empty() {
        words.push(chunk);
    }
    words
        .into_iter()
        .map(|w| {
            format!(
                "=?utf-8?b?{}?=",
                base64::engine::general_purpose::STANDARD.encode(w.as_bytes())
            )
        })
        .collect()
}

fn pdf_content_type() -> ContentType {
    // A constant MIME type: parsing it cannot fail, but no unwrap all the same.
    ContentType::parse("application/pdf").unwrap_or(ContentType::TEXT_PLAIN)
}

fn join_mailboxes(list: &[Mailbox]) -> String {
    let mut out = String::new();
    for (i, m) in list.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(&m.to_string());
    }
    out
}

fn bare_addresses(list: &[Mailbox]) -> String {
    let mut out = String::new();
    for (i, m) in list.iter().enumerate() {
        if i > 0 {
            out.push_str(", ");
        }
        out.push_str(m.email.as_ref());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{attachment_name, crlf, encoded_words, MAX_ENCODED_WORD};

    #[test]
    fn encoded_words_stay_short_and_whole() {
        let name = "Rapport annuel de la bibliothèque — circonscription n° 12 (révisé).pdf";
        let words = encoded_words(name);
        assert!(words.len() > 1, "{words:?}");
        let mut decoded = String::new();
        for w in &words {
            assert!(w.len() <= MAX_ENCODED_WORD, "{w}");
            let b64 = w
                .strip_prefix("=?utf-8?b?")
                .unwrap()
                .strip_suffix("?=")
                .unwrap();
            use base64::Engine as _;
            let bytes = base64::engine::general_purpose::STANDARD
                .decode(b64)
                .unwrap();
            decoded.push_str(std::str::from_utf8(&bytes).expect("each word whole UTF-8"));
        }
        assert_eq!(decoded, name);
    }

    #[test]
    fn crlf_converts_bare_line_feeds_only() {
        assert_eq!(crlf("a\nb\r\nc\n\nd"), "a\r\nb\r\nc\r\n\r\nd");
        assert_eq!(crlf(""), "");
    }

    #[test]
    fn attachment_names_are_cleaned() {
        assert_eq!(attachment_name("x/y\\z\t.pdf"), "x-y-z .pdf");
        assert_eq!(attachment_name("\n"), "letter.pdf");
    }
}
