//! The email end: one rendered Letter becomes one RFC 5322 message (text + HTML alternative,
//! optionally a PDF attachment), or the list of everything wrong with the row.
//!
//! lettre's builder does the header encoding (RFC 2047), the MIME structure and the transfer
//! encodings; this module decides what goes in. It never connects anywhere: the send
//! pipeline hands `Email::formatted` to its SMTP client, or writes it to a `.eml` file.

mod address;
mod html;
mod message;
mod text;

use std::fmt::Write;

pub use address::{MAX_ADDRESS, MAX_LABEL, MAX_LOCAL_PART, MAX_RECIPIENTS};
pub use html::html_body;
pub use message::{build, build_preview, check, check_settings};
pub use text::text_body;

/// The addresses of one address header value (`to`, `cc`, `bcc`, `reply_to`) as the letter's
/// checks read it: the bare addresses as they go into RCPT TO, and a problem for each item that
/// is not one (naming `row` and the column `key`). For fuzzing and other tools.
pub fn parse_addresses(
    value: &str,
    key: &str,
    row: u64,
) -> (Vec<String>, Vec<crate::problem::Problem>) {
    let parsed = address::parse_list(Some(value), key, row);
    let addresses = parsed
        .mailboxes
        .iter()
        .map(|m| AsRef::<str>::as_ref(&m.email).to_string())
        .collect();
    (addresses, parsed.problems)
}

/// What every message of a run shares; built once by the send pipeline.
#[derive(Debug, Clone)]
pub struct EmailSettings {
    /// Sender from the config, e.g. "Library Advocacy <advocacy@example.org>"; a letter's own
    /// `from` overrides it.
    pub from: String,
    /// Campaign id (e.g. a hex hash); with the row it makes the Message-ID, so a resent
    /// message carries the same id and a receiving server can drop the duplicate.
    pub campaign: String,
    /// The Date header (tests pass a fixed one). Written in UTC.
    pub date: chrono::DateTime<chrono::FixedOffset>,
    /// Put in front of every subject, e.g. "[TEST] " for `--test-to`.
    pub subject_prefix: Option<String>,
    /// `--test-to ADDR`: deliver to this address only (no Cc, no Bcc); the original
    /// recipients are named in `X-Lettermerge-Original-*` headers.
    pub redirect_to: Option<String>,
    /// Signature block after the closing: the style's signature name, then its lines.
    pub signature_text: Vec<String>,
    /// Where the rows' `attachments` may come from (the template's folder by default).
    pub attachments: crate::attachments::Rules,
}

/// A PDF to attach (the row's letter, typeset by the print engine).
#[derive(Debug, Clone)]
pub struct Attachment {
    /// File name shown to the recipient, e.g. "Welcome - Senator Doe.pdf".
    pub filename: String,
    pub bytes: Vec<u8>,
}

/// Whether a recipient was in To, Cc or Bcc.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RecipientKind {
    To,
    Cc,
    Bcc,
}

/// One envelope recipient (RCPT TO), a bare address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recipient {
    pub address: String,
    pub kind: RecipientKind,
}

/// One message, ready for SMTP.
#[derive(Debug, Clone)]
pub struct Email {
    pub row: u64,
    /// "<lm.{campaign}.{row}@{domain of from}>", stable for a campaign and row.
    pub message_id: String,
    /// Bare sender address for MAIL FROM.
    pub envelope_from: String,
    /// To, then Cc, then Bcc, each address once (the first kind wins); Bcc addresses are not
    /// in the headers. With `redirect_to`, only that address.
    pub recipients: Vec<Recipient>,
    /// The subject as sent (with the prefix).
    pub subject: String,
    /// The whole message with CRLF line ends. Not dot-stuffed: that is the SMTP client's job.
    pub formatted: Vec<u8>,
    /// Decoded headers and the text body, for `preview`.
    shown: Shown,
}

/// What `preview` prints: headers as a person reads them (decoded), then the text body.
#[derive(Debug, Clone)]
struct Shown {
    headers: Vec<(&'static str, String)>,
    text: String,
}

impl Email {
    /// The headers as a person reads them (decoded, Bcc included), in the order `preview`
    /// prints them: for a review page that lays them out itself.
    pub fn headers_shown(&self) -> &[(&'static str, String)] {
        &self.shown.headers
    }
}

/// The message as `--dry-run` prints it: the headers a person cares about (Bcc too, which
/// the real message does not carry), a blank line, then the plain-text body.
pub fn preview(email: &Email) -> String {
    let mut out = String::with_capacity(email.shown.text.len() + 512);
    for (name, value) in &email.shown.headers {
        // Writing to a String cannot fail.
        let _ = writeln!(out, "{name}: {value}");
    }
    out.push('\n');
    out.push_str(&email.shown.text);
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests;
