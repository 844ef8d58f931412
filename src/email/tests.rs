//! Tests of whole messages: built here, then read back with a real MIME parser (mail-parser),
//! checking what a recipient's mail client would show.

use chrono::{DateTime, FixedOffset};
use mail_parser::{MessageParser, MimeHeaders};

use super::{
    build, build_preview, check, check_settings, preview, Attachment, Email, EmailSettings,
    RecipientKind,
};
use crate::letter::{Block, EmailHeaders, Inline, Letter, TextStyle};
use crate::problem::Problem;

fn settings() -> EmailSettings {
    EmailSettings {
        from: "Library Advocacy <advocacy@example.org>".into(),
        campaign: "c0ffee42".into(),
        date: DateTime::<FixedOffset>::parse_from_rfc3339("2026-11-29T10:30:00-05:00").unwrap(),
        subject_prefix: None,
        redirect_to: None,
        signature_text: vec!["Pat Lee".into(), "Director, Library Advocacy".into()],
        attachments: Default::default(),
    }
}

fn text(s: &str) -> Inline {
    Inline::Text {
        text: s.to_string(),
        style: TextStyle::default(),
    }
}

fn letter(row: u64) -> Letter {
    Letter {
        row,
        salutation: Some("Dear Senator Doe:".into()),
        body: vec![
            Block::Paragraph(vec![
                text("Congratulations on your election. Libraries in your district served "),
                Inline::Text {
                    text: "41,000".into(),
                    style: TextStyle {
                        bold: true,
                        ..TextStyle::default()
                    },
                },
                text(" residents last year."),
            ]),
            Block::List {
                start: None,
                items: vec![
                    vec![Block::Paragraph(vec![text("Fund broadband")])],
                    vec![Block::Paragraph(vec![text("Keep branches open")])],
                ],
            },
        ],
        closing: Some("Sincerely,".into()),
        email: EmailHeaders {
            to: Some("Jane Doe <jane.doe@senate.example.gov>".into()),
            subject: Some("Welcome to the Senate".into()),
            ..EmailHeaders::default()
        },
        ..Letter::default()
    }
}

fn parse(email: &Email) -> mail_parser::Message<'_> {
    MessageParser::default()
        .parse(&email.formatted)
        .expect("a parseable message")
}

fn errors(result: Result<Email, Vec<Problem>>) -> Vec<Problem> {
    match result {
        Ok(email) => panic!("expected problems, got a message:\n{}", preview(&email)),
        Err(problems) => problems,
    }
}

fn addresses(list: Option<&mail_parser::Address<'_>>) -> Vec<(String, String)> {
    list.map(|a| {
        a.iter()
            .map(|addr| {
                (
                    addr.name().unwrap_or("").to_string(),
                    addr.address().unwrap_or("").to_string(),
                )
            })
            .collect()
    })
    .unwrap_or_default()
}

#[test]
fn a_typical_letter_parses_back_with_headers_and_both_parts() {
    let email = build(&letter(7), &settings(), None).unwrap();
    let raw = std::str::from_utf8(&email.formatted).unwrap();
    assert!(
        !raw.replace("\r\n", "").contains('\n'),
        "bare LF in message"
    );
    assert!(
        !raw.replace("\r\n", "").contains('\r'),
        "bare CR in message"
    );

    let msg = parse(&email);
    assert_eq!(
        addresses(msg.from()),
        vec![("Library Advocacy".into(), "advocacy@example.org".into())]
    );
    assert_eq!(
        addresses(msg.to()),
        vec![("Jane Doe".into(), "jane.doe@senate.example.gov".into())]
    );
    assert_eq!(msg.subject(), Some("Welcome to the Senate"));
    assert_eq!(msg.message_id(), Some("lm.c0ffee42.7@example.org"));
    assert_eq!(email.message_id, "<lm.c0ffee42.7@example.org>");
    assert_eq!(
        msg.date().map(|d| d.to_rfc3339()),
        Some("2026-11-29T15:30:00Z".to_string())
    );
    assert!(msg.header("MIME-Version").is_some());
    assert_eq!(
        msg.content_type().map(|c| (c.ctype(), c.subtype())),
        Some(("multipart", Some("alternative")))
    );

    let text = msg.body_text(0).unwrap();
    assert_eq!(
        text.replace("\r\n", "\n"),
        "Dear Senator Doe:\n\n\
         Congratulations on your election. Libraries in your district served\n\
         41,000 residents last year.\n\n\
         - Fund broadband\n- Keep branches open\n\n\
         Sincerely,\n\n\
         Pat Lee\nDirector, Library Advocacy\n"
    );
    let html = msg.body_html(0).unwrap().replace("\r\n", "\n");
    assert!(html.contains("<strong>41,000</strong>"), "{html}");
    assert!(html.contains("<li style=\"margin:0 0 0.25em 0;\">Keep branches open</li>"));
    assert!(html.contains("Pat Lee<br>\nDirector, Library Advocacy"));
    assert_eq!(msg.attachment_count(), 0);

    assert_eq!(email.envelope_from, "advocacy@example.org");
    assert_eq!(email.recipients.len(), 1);
    assert_eq!(email.recipients[0].address, "jane.doe@senate.example.gov");
    assert_eq!(email.recipients[0].kind, RecipientKind::To);
    assert_eq!(email.subject, "Welcome to the Senate");
    assert_eq!(email.row, 7);
}

#[test]
fn message_id_and_bytes_are_stable_for_a_campaign_and_row() {
    let a = build(&letter(7), &settings(), None).unwrap();
    let b = build(&letter(7), &settings(), None).unwrap();
    assert_eq!(a.message_id, b.message_id);
    assert_eq!(
        a.formatted, b.formatted,
        "a rerun writes the same .eml bytes"
    );
    let other_row = build(&letter(8), &settings(), None).unwrap();
    assert_eq!(other_row.message_id, "<lm.c0ffee42.8@example.org>");
    let mut s = settings();
    s.campaign = "beef".into();
    let other_campaign = build(&letter(7), &s, None).unwrap();
    assert_eq!(other_campaign.message_id, "<lm.beef.7@example.org>");
    // A campaign id with characters a Message-ID cannot hold is cleaned, not trusted.
    s.campaign = "a b<c>@d".into();
    assert_eq!(
        build(&letter(7), &s, None).unwrap().message_id,
        "<lm.abcd.7@example.org>"
    );
}

#[test]
fn from_reply_to_cc_and_bcc_come_from_the_letter() {
    let mut l = letter(3);
    l.email.from = Some("\"Lee, Pat\" <pat@advocacy.example.net>".into());
    l.email.reply_to = Some("Office <office@example.org>, help@example.org".into());
    l.email.cc = Some("Chief of Staff <cos@senate.example.gov>".into());
    l.email.bcc = Some("archive@example.org".into());
    let email = build(&l, &settings(), None).unwrap();
    let msg = parse(&email);
    assert_eq!(
        addresses(msg.from()),
        vec![("Lee, Pat".into(), "pat@advocacy.example.net".into())]
    );
    assert_eq!(email.envelope_from, "pat@advocacy.example.net");
    assert_eq!(email.message_id, "<lm.c0ffee42.3@advocacy.example.net>");
    assert_eq!(
        addresses(msg.reply_to()),
        vec![
            ("Office".into(), "office@example.org".into()),
            ("".into(), "help@example.org".into())
        ]
    );
    assert_eq!(
        addresses(msg.cc()),
        vec![("Chief of Staff".into(), "cos@senate.example.gov".into())]
    );
    // Bcc: in the envelope, never in the headers.
    assert!(msg.bcc().is_none());
    assert!(!String::from_utf8_lossy(&email.formatted).contains("archive@example.org"));
    let kinds: Vec<(&str, RecipientKind)> = email
        .recipients
        .iter()
        .map(|r| (r.address.as_str(), r.kind))
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("jane.doe@senate.example.gov", RecipientKind::To),
            ("cos@senate.example.gov", RecipientKind::Cc),
            ("archive@example.org", RecipientKind::Bcc),
        ]
    );
    // The preview shows Bcc (and only the preview does).
    let shown = preview(&email);
    assert!(shown.contains("\nBcc: archive@example.org\n"), "{shown}");
    assert!(shown.contains("\nReply-To: Office <office@example.org>, help@example.org\n"));
    assert!(shown.contains("\nCc: Chief of Staff <cos@senate.example.gov>\n"));
}

#[test]
fn recipients_are_deduplicated_first_kind_wins() {
    let mut l = letter(4);
    l.email.to = Some("a@x.gov, Jane <A@X.gov>, b@x.gov".into());
    l.email.cc = Some("b@x.gov, c@x.gov".into());
    l.email.bcc = Some("C@x.gov, a@x.gov, d@x.gov".into());
    let email = build(&l, &settings(), None).unwrap();
    let kinds: Vec<(&str, RecipientKind)> = email
        .recipients
        .iter()
        .map(|r| (r.address.as_str(), r.kind))
        .collect();
    assert_eq!(
        kinds,
        vec![
            ("a@x.gov", RecipientKind::To),
            ("b@x.gov", RecipientKind::To),
            ("c@x.gov", RecipientKind::Cc),
            ("d@x.gov", RecipientKind::Bcc),
        ]
    );
    let msg = parse(&email);
    assert_eq!(
        addresses(msg.to()),
        vec![("".into(), "a@x.gov".into()), ("".into(), "b@x.gov".into())]
    );
    assert_eq!(addresses(msg.cc()), vec![("".into(), "c@x.gov".into())]);
}

#[test]
fn header_injection_through_any_value_is_a_row_error() {
    for (key, value) in [
        ("to", "jane@x.gov\r\nBcc: everyone@x.gov"),
        ("cc", "cc@x.gov\nX-Evil: 1"),
        ("bcc", "bcc@x.gov\r"),
        ("reply_to", "r@x.gov\r\nSubject: hi"),
        ("from", "me@x.gov\nTo: victim@x.gov"),
        ("subject", "Hello\r\nBcc: everyone@x.gov"),
        ("subject", "Hello\nthere"),
    ] {
        let mut l = letter(9);
        match key {
            "to" => l.email.to = Some(value.into()),
            "cc" => l.email.cc = Some(value.into()),
            "bcc" => l.email.bcc = Some(value.into()),
            "reply_to" => l.email.reply_to = Some(value.into()),
            "from" => l.email.from = Some(value.into()),
            _ => l.email.subject = Some(value.into()),
        }
        let problems = errors(build(&l, &settings(), None));
        assert_eq!(problems.len(), 1, "{key}: {problems:?}");
        let p = &problems[0];
        assert_eq!(p.row, Some(9));
        assert_eq!(p.column.as_deref(), Some(key));
        assert!(p.is_error());
        assert!(p.message.contains("line break"), "{}", p.message);
        // The hint says what to fix where; the row is the problem's own (said once for
        // many rows, a hint must not name one of them).
        assert!(p.hint.as_deref().unwrap().contains(&format!("`{key}`")));
        assert!(p.group_message().contains("line break"), "{key}");
    }
}

#[test]
fn every_problem_of_a_row_is_reported_at_once() {
    let mut l = letter(7);
    l.email.to = Some("jane.doe@".into());
    l.email.cc = Some("ok@x.gov, nope".into());
    l.email.reply_to = Some("also bad".into());
    l.email.from = Some("a@x.gov, b@x.gov".into());
    l.email.subject = None;
    let problems = errors(build(&l, &settings(), None));
    // The check pass reports exactly what the send pass would.
    assert_eq!(check(&l, &settings()), problems);
    assert!(check(&letter(7), &settings()).is_empty());
    let shown: Vec<(String, String)> = problems
        .iter()
        .map(|p| (p.column.clone().unwrap(), p.message.clone()))
        .collect();
    assert_eq!(
        shown,
        vec![
            (
                "to".into(),
                "the `to` value `jane.doe@` is not an email address".into()
            ),
            (
                "cc".into(),
                "the `cc` value `nope` is not an email address".into()
            ),
            (
                "reply_to".into(),
                "the `reply_to` value `also bad` is not an email address".into()
            ),
            (
                "from".into(),
                "the `from` value holds 2 addresses; an email has one sender".into()
            ),
            ("subject".into(), "the email has no subject".into()),
        ]
    );
    assert!(problems
        .iter()
        .all(|p| p.row == Some(7) && p.hint.is_some()));
    assert_eq!(
        problems[0].to_string(),
        "error: row 7, column \"to\": the `to` value `jane.doe@` is not an email address\n  \
         hint: check the email address in the data that fills `to`; an address looks like \
         name@example.org or Jane Doe <name@example.org>"
    );
}

#[test]
fn an_empty_or_missing_to_is_a_row_error() {
    for to in [None, Some(""), Some(" , ")] {
        let mut l = letter(5);
        l.email.to = to.map(str::to_string);
        l.email.cc = Some("cc@x.gov".into());
        let problems = errors(build(&l, &settings(), None));
        assert_eq!(problems.len(), 1, "{to:?}: {problems:?}");
        assert_eq!(problems[0].column.as_deref(), Some("to"));
        assert!(problems[0].message.contains("no recipient"));
    }
    let mut l = letter(5);
    l.email.subject = Some("   ".into());
    let problems = errors(build(&l, &settings(), None));
    assert_eq!(problems[0].message, "the email has no subject");
}

#[test]
fn bad_settings_are_reported_by_check_and_by_build() {
    let mut s = settings();
    s.from = "not an address".into();
    s.redirect_to = Some("me@".into());
    let problems = check_settings(&s);
    assert_eq!(problems.len(), 2);
    assert!(problems[0]
        .message
        .contains("`not an address` in the config"));
    assert!(problems[1].message.contains("--test-to address `me@`"));
    assert!(check_settings(&settings()).is_empty());
    let problems = errors(build(&letter(2), &s, None));
    assert_eq!(problems.len(), 2);
    assert!(problems.iter().all(|p| p.row == Some(2)));
    // A letter's own `from` replaces the config's, so only --test-to is left wrong.
    let mut l = letter(2);
    l.email.from = Some("me@x.gov".into());
    assert_eq!(errors(build(&l, &s, None)).len(), 1);
}

#[test]
fn test_to_redirects_every_copy_and_names_the_original_recipients() {
    let mut l = letter(6);
    l.email.to = Some("Jane Doe <jane@x.gov>, aide@x.gov".into());
    l.email.cc = Some("cc@x.gov".into());
    l.email.bcc = Some("bcc@x.gov".into());
    let mut s = settings();
    s.subject_prefix = Some("[TEST] ".into());
    s.redirect_to = Some("Tester <tester@example.org>".into());
    let email = build(&l, &s, None).unwrap();
    assert_eq!(email.recipients.len(), 1);
    assert_eq!(email.recipients[0].address, "tester@example.org");
    assert_eq!(email.subject, "[TEST] Welcome to the Senate");
    let msg = parse(&email);
    assert_eq!(msg.subject(), Some("[TEST] Welcome to the Senate"));
    assert_eq!(
        addresses(msg.to()),
        vec![("Tester".into(), "tester@example.org".into())]
    );
    assert!(msg.cc().is_none());
    assert!(msg.bcc().is_none());
    assert_eq!(
        msg.header_raw("X-Lettermerge-Original-To").map(str::trim),
        Some("jane@x.gov, aide@x.gov")
    );
    assert_eq!(
        msg.header_raw("X-Lettermerge-Original-Cc").map(str::trim),
        Some("cc@x.gov")
    );
    assert_eq!(
        msg.header_raw("X-Lettermerge-Original-Bcc").map(str::trim),
        Some("bcc@x.gov")
    );
    let shown = preview(&email);
    assert!(
        shown.contains("\nTo: Tester <tester@example.org>\n"),
        "{shown}"
    );
    assert!(shown.contains("\nX-Lettermerge-Original-To: jane@x.gov, aide@x.gov\n"));
    assert!(!shown.contains("\nCc:"));
}

#[test]
fn non_ascii_names_subjects_and_filenames_are_encoded_and_decode_back() {
    let mut l = letter(11);
    l.email.to = Some("Zoë Ñúñez <zoe@x.gov>, \"Kealoha, Kaʻiulani\" <k@x.gov>".into());
    l.email.subject = Some("Aloha from Hawaiʻi — welcome, Zoë! ✉".into());
    l.salutation = Some("Dear Representative Ñúñez:".into());
    let pdf = Attachment {
        filename: "Welcome – Zoë Ñúñez.pdf".into(),
        bytes: b"%PDF-1.7\n\xe2\xe3\xcf\xd3\n%%EOF\n".to_vec(),
    };
    let email = build(&l, &settings(), Some(&pdf)).unwrap();
    let raw = &email.formatted;
    assert!(raw.is_ascii(), "headers and bodies are 7-bit encoded");
    let msg = parse(&email);
    assert_eq!(
        addresses(msg.to()),
        vec![
            ("Zoë Ñúñez".into(), "zoe@x.gov".into()),
            ("Kealoha, Kaʻiulani".into(), "k@x.gov".into())
        ]
    );
    assert_eq!(msg.subject(), Some("Aloha from Hawaiʻi — welcome, Zoë! ✉"));
    assert!(msg
        .body_text(0)
        .unwrap()
        .starts_with("Dear Representative Ñúñez:"));
    assert!(msg
        .body_html(0)
        .unwrap()
        .contains("Dear Representative Ñúñez:"));
    let attachment = msg.attachment(0).unwrap();
    assert_eq!(
        attachment.attachment_name(),
        Some("Welcome – Zoë Ñúñez.pdf")
    );
    assert_eq!(attachment.contents(), pdf.bytes.as_slice());
}

#[test]
fn an_attachment_makes_mixed_alternative_plus_pdf() {
    let pdf = Attachment {
        filename: "Welcome - Senator Doe.pdf".into(),
        bytes: (0..=255u8).cycle().take(5000).collect(),
    };
    let email = build(&letter(12), &settings(), Some(&pdf)).unwrap();
    let msg = parse(&email);
    let ct = msg.content_type().unwrap();
    assert_eq!((ct.ctype(), ct.subtype()), ("multipart", Some("mixed")));
    assert_eq!(msg.text_body_count(), 1);
    assert_eq!(msg.html_body_count(), 1);
    assert_eq!(msg.attachment_count(), 1);
    let attachment = msg.attachment(0).unwrap();
    let act = attachment.content_type().unwrap();
    assert_eq!((act.ctype(), act.subtype()), ("application", Some("pdf")));
    assert_eq!(
        attachment.attachment_name(),
        Some("Welcome - Senator Doe.pdf")
    );
    assert!(attachment
        .content_disposition()
        .is_some_and(|d| d.ctype() == "attachment"));
    assert_eq!(attachment.contents(), pdf.bytes.as_slice());
    let ascii_pdf = Attachment {
        filename: "a.pdf".into(),
        bytes: b"%PDF-1.4\n--=_lm.c0ffee42.12.m\n%%EOF\n".to_vec(),
    };
    let email2 = build(&letter(12), &settings(), Some(&ascii_pdf)).unwrap();
    let raw2 = String::from_utf8_lossy(&email2.formatted);
    assert!(raw2.contains("Content-Type: application/pdf\r\nContent-Transfer-Encoding: base64"));
    assert_eq!(
        parse(&email2).attachment(0).unwrap().contents(),
        ascii_pdf.bytes.as_slice()
    );
    // The first child of mixed is the alternative holding text then HTML.
    let raw = String::from_utf8_lossy(&email.formatted);
    let alt = raw.find("multipart/alternative").unwrap();
    let plain = raw.find("text/plain").unwrap();
    let html = raw.find("text/html").unwrap();
    let pdf_at = raw.find("application/pdf").unwrap();
    assert!(alt < plain && plain < html && html < pdf_at);
}

#[test]
fn data_cannot_forge_html_or_links() {
    let mut l = letter(13);
    l.salutation = Some("Dear <script>alert(1)</script> & Co:".into());
    l.body = vec![Block::Paragraph(vec![Inline::Text {
        text: "click".into(),
        style: TextStyle {
            link: Some("javascript:alert(1)".into()),
            ..TextStyle::default()
        },
    }])];
    let email = build(&l, &settings(), None).unwrap();
    let msg = parse(&email);
    let html = msg.body_html(0).unwrap();
    assert!(html.contains("Dear &lt;script&gt;alert(1)&lt;/script&gt; &amp; Co:"));
    assert!(!html.contains("<script"));
    assert!(!html.contains("<a "));
    let text = msg.body_text(0).unwrap();
    assert!(text.starts_with("Dear <script>alert(1)</script> & Co:"));
}

#[test]
fn a_body_holding_the_boundary_falls_back_to_a_random_one() {
    let mut l = letter(14);
    l.body = vec![Block::Paragraph(vec![text("--=_lm.c0ffee42.14.a")])];
    let email = build(&l, &settings(), None).unwrap();
    let msg = parse(&email);
    assert_eq!(msg.text_body_count(), 1);
    assert_eq!(msg.html_body_count(), 1);
    assert!(msg.body_text(0).unwrap().contains("--=_lm.c0ffee42.14.a"));
}

#[test]
fn preview_lists_headers_then_the_text_body() {
    let mut l = letter(7);
    l.email.bcc = Some("archive@example.org".into());
    let email = build(&l, &settings(), None).unwrap();
    let shown = preview(&email);
    let (head, body) = shown.split_once("\n\n").unwrap();
    assert_eq!(
        head,
        "From: Library Advocacy <advocacy@example.org>\n\
         To: Jane Doe <jane.doe@senate.example.gov>\n\
         Bcc: archive@example.org\n\
         Subject: Welcome to the Senate\n\
         Date: Sun, 29 Nov 2026 15:30:00 +0000\n\
         Message-ID: <lm.c0ffee42.7@example.org>"
    );
    assert!(body.starts_with("Dear Senator Doe:\n\nCongratulations"));
    assert!(body.ends_with("Pat Lee\nDirector, Library Advocacy\n"));
    assert!(!shown.to_lowercase().contains("sent"));
}

/// Build time per message for a typical letter (release: `cargo test --release -- --ignored
/// bench_build --nocapture`).
#[test]
#[ignore]
fn bench_build() {
    let s = settings();
    let mut l = letter(2);
    l.body.push(Block::Paragraph(vec![text(
        "We would welcome the chance to show you the work of the libraries in your district, \
         from early literacy programmes to job-search help, and to hear your priorities for the \
         coming session. Our staff will be in touch to arrange a visit at your convenience.",
    )]));
    let n = 50_000u64;
    let start = std::time::Instant::now();
    let mut bytes = 0;
    for row in 0..n {
        l.row = row + 2;
        bytes += build(&l, &s, None).unwrap().formatted.len();
    }
    let per = start.elapsed().as_secs_f64() * 1e6 / n as f64;
    println!(
        "build: {per:.2} µs/message ({} bytes each)",
        bytes / n as usize
    );
    let start = std::time::Instant::now();
    let mut len = 0;
    for _ in 0..n {
        len += super::text_body(&l, &s.signature_text).len();
        len += super::html_body(&l, &s.signature_text, "Welcome").len();
    }
    let per = start.elapsed().as_secs_f64() * 1e6 / n as f64;
    println!("of which text + HTML bodies: {per:.2} µs/message ({len} bytes)");

    // With the template render in front, as a dry run does it.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("welcome.md");
    std::fs::write(
        &path,
        "---\n\
         to: \"{{title}} {{name}} <{{email}}>\"\n\
         subject: Welcome to the {{chamber}}, {{title}} {{last_name}}\n\
         salutation: \"Dear {{title}} {{last_name}}:\"\n\
         ---\n\
         Congratulations on your election to the {{chamber}}. Libraries in {{district}} served \
         **{{visits}}** residents last year, and we look forward to working with you.\n\n\
         - Broadband for rural branches\n- Summer reading for every child\n\n\
         We would welcome the chance to show you the work of the libraries in your district, \
         from early literacy to job-search help. [Our annual report](https://example.org/report) \
         has the figures.\n",
    )
    .unwrap();
    let template = crate::template::Template::load(&path).unwrap();
    let names: Vec<String> = [
        "title",
        "name",
        "last_name",
        "email",
        "chamber",
        "district",
        "visits",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let (headers, _) = crate::records::Headers::new(&names);
    let headers = std::sync::Arc::new(headers);
    let fields: Vec<String> = [
        "Senator",
        "Jane Doe",
        "Doe",
        "jane.doe@senate.example.gov",
        "Senate",
        "District 7",
        "41,000",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let start = std::time::Instant::now();
    for row in 0..n {
        let record = crate::records::Record::new(row + 2, fields.clone(), headers.clone());
        let letter = template.render(&record).unwrap();
        bytes += build(&letter, &s, None).unwrap().formatted.len();
    }
    let per = start.elapsed().as_secs_f64() * 1e6 / n as f64;
    println!("template render + build: {per:.2} µs/message ({bytes} bytes in all)");
}

/// Through the real template engine: front matter and Markdown body rendered from a data
/// row, then built. Data can neither add a header nor become HTML.
#[test]
fn a_template_row_becomes_a_message_and_hostile_data_stays_data() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("welcome.md");
    std::fs::write(
        &path,
        "---\n\
         to: \"{{Name}} <{{email}}>\"\n\
         cc: \"{{cc}}\"\n\
         subject: Welcome, {{Name}}\n\
         salutation: \"Dear {{Name}}:\"\n\
         ---\n\
         Your district: **{{district}}**. See [our report](https://example.org/r?d={{district}}).\n\n\
         - Libraries\n- Schools\n",
    )
    .unwrap();
    let template = crate::template::Template::load(&path).unwrap();
    let names: Vec<String> = ["Name", "email", "cc", "district"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let (headers, _) = crate::records::Headers::new(&names);
    let headers = std::sync::Arc::new(headers);
    let row = |n: u64, fields: [&str; 4]| {
        let record = crate::records::Record::new(
            n,
            fields.iter().map(|s| s.to_string()).collect(),
            headers.clone(),
        );
        template.render(&record).unwrap()
    };

    let good = row(
        2,
        [
            "Zoë Ñúñez",
            "zoe@x.gov",
            "",
            "<script>alert(1)</script> & 7",
        ],
    );
    let email = build(&good, &settings(), None).unwrap();
    let msg = parse(&email);
    assert_eq!(
        addresses(msg.to()),
        vec![("Zoë Ñúñez".into(), "zoe@x.gov".into())]
    );
    assert!(msg.cc().is_none());
    assert_eq!(msg.subject(), Some("Welcome, Zoë Ñúñez"));
    let html = msg.body_html(0).unwrap();
    assert!(html.contains("<strong>&lt;script&gt;alert(1)&lt;/script&gt; &amp; 7</strong>"));
    assert!(!html.contains("<script"));
    let text = msg.body_text(0).unwrap().replace("\r\n", "\n");
    assert!(text.starts_with("Dear Zoë Ñúñez:\n\nYour district: <script>alert(1)</script> & 7."));
    assert!(text.contains("- Libraries\n- Schools\n"), "{text}");

    // A cell with a line break and a fake header, in `to` and `cc`: the template folds it
    // to one line, and what is left is not an address, so the row is refused.
    let hostile = row(
        3,
        [
            "Jane",
            "jane@x.gov\r\nBcc: everyone@x.gov",
            "cc@x.gov\nX-Evil: yes",
            "1",
        ],
    );
    let problems = errors(build(&hostile, &settings(), None));
    let columns: Vec<&str> = problems
        .iter()
        .filter_map(|p| p.column.as_deref())
        .collect();
    assert_eq!(columns, vec!["to", "cc"], "{problems:?}");
    assert!(problems.iter().all(|p| p.row == Some(3)));
}

#[test]
fn an_attachment_name_cannot_carry_a_path_or_a_line_break() {
    let pdf = Attachment {
        filename: "a\"b\r\nX-Evil: 1/../c\\d.pdf".into(),
        bytes: b"%PDF".to_vec(),
    };
    let email = build(&letter(2), &settings(), Some(&pdf)).unwrap();
    let msg = parse(&email);
    assert!(msg.header("X-Evil").is_none());
    let name = msg.attachment(0).unwrap().attachment_name().unwrap();
    assert_eq!(name, "a\"b  X-Evil: 1-..-c-d.pdf");
    let unnamed = Attachment {
        filename: " \r\n ".into(),
        bytes: b"%PDF".to_vec(),
    };
    let email = build(&letter(2), &settings(), Some(&unnamed)).unwrap();
    let msg = parse(&email);
    assert_eq!(
        msg.attachment(0).unwrap().attachment_name(),
        Some("letter.pdf")
    );
}

#[test]
fn the_preview_only_build_shows_exactly_what_the_full_build_shows() {
    let letter = letter(7);
    let settings = settings();
    let full = build(&letter, &settings, None).unwrap();
    let quick = build_preview(&letter, &settings).unwrap();
    assert_eq!(preview(&full), preview(&quick));
    assert_eq!(full.recipients, quick.recipients);
    assert_eq!(full.message_id, quick.message_id);
    assert!(quick.formatted.is_empty());
}
