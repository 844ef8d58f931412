//! Tests for template loading and rendering, with a fixed "today".

use super::{Template, TemplateError};
use crate::letter::{Block, Inline, Letter, TextStyle};
use crate::problem::Problem;
use crate::records::{Headers, Record};
use chrono::NaiveDate;
use std::path::Path;
use std::sync::Arc;

fn today() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 11, 29).unwrap()
}

fn tpl(text: &str) -> Result<Template, TemplateError> {
    Template::from_text(
        text,
        "welcome.md",
        Path::new("/tpl/welcome.md"),
        Path::new("/tpl"),
        today(),
        &super::forms::OfficeTable::built_in(),
    )
}

fn record(cols: &[(&str, &str)]) -> Record {
    let names: Vec<String> = cols.iter().map(|(n, _)| n.to_string()).collect();
    let (headers, _) = Headers::new(&names);
    Record::new(
        7,
        cols.iter().map(|(_, v)| v.to_string()).collect(),
        Arc::new(headers),
    )
}

fn render(text: &str, cols: &[(&str, &str)]) -> Result<Letter, Problem> {
    tpl(text).unwrap().render(&record(cols))
}

fn body(text: &str, cols: &[(&str, &str)]) -> String {
    render(text, cols).unwrap().body_text()
}

fn plain(s: &str) -> Inline {
    Inline::Text {
        text: s.to_string(),
        style: TextStyle::default(),
    }
}

const WELCOME: &str = "---
to: \"{{email}}\"
subject: Welcome, {{title Name}}
address: |
  {{Name}}
  {{Office}}
  {{Street}}
  {{City}}
salutation: \"Dear {{first_name}}:\"
filename: \"{{last_name}}\"
page: a4
---
Congratulations on your election, **{{first_name}}**!

We look forward to working with you.
";

#[test]
fn renders_front_matter_and_body() {
    let letter = render(
        WELCOME,
        &[
            ("Name", "jane doe"),
            ("First Name", "Jane"),
            ("Last Name", "Doe"),
            ("email", "jane_doe_x@example.gov"),
            ("Office", ""),
            ("Street", "1 Main St\nSuite 200"),
            ("City", "Springfield, IL 62701"),
        ],
    )
    .unwrap();
    assert_eq!(letter.row, 7);
    assert_eq!(letter.email.to.as_deref(), Some("jane_doe_x@example.gov"));
    assert_eq!(letter.email.subject.as_deref(), Some("Welcome, Jane Doe"));
    assert_eq!(letter.email.cc, None);
    // Empty office line dropped; the multi-line cell gives two lines.
    assert_eq!(
        letter.address,
        [
            "jane doe",
            "1 Main St",
            "Suite 200",
            "Springfield, IL 62701"
        ]
    );
    assert_eq!(letter.salutation.as_deref(), Some("Dear Jane:"));
    assert_eq!(letter.filename.as_deref(), Some("Doe"));
    assert_eq!(letter.date.as_deref(), Some("November 29, 2026"));
    assert_eq!(letter.closing.as_deref(), Some("Sincerely,"));
    assert_eq!(
        letter.body[0],
        Block::Paragraph(vec![
            plain("Congratulations on your election, "),
            Inline::Text {
                text: "Jane".into(),
                style: TextStyle {
                    bold: true,
                    ..TextStyle::default()
                }
            },
            plain("!"),
        ])
    );
    assert_eq!(letter.body.len(), 2);
}

#[test]
fn style_comes_from_front_matter() {
    let t = tpl(WELCOME).unwrap();
    assert_eq!(t.style().page, crate::style::PageSize::A4);
    assert!(t.has_filename());
    assert!(!tpl("Hello").unwrap().has_filename());
}

#[test]
fn explicit_date_and_closing() {
    let l = render(
        "---\ndate: \"{{date Sworn format=\\\"%m/%d/%Y\\\"}}\"\nclosing: With thanks,\n---\nx",
        &[("Sworn", "January 5, 2027")],
    )
    .unwrap();
    assert_eq!(l.date.as_deref(), Some("01/05/2027"));
    assert_eq!(l.closing.as_deref(), Some("With thanks,"));
}

#[test]
fn unquoted_handlebars_in_front_matter() {
    let e = tpl("---\nsubject: Hi\nto: {{email}}\n---\nbody").unwrap_err();
    assert_eq!(
        e.to_string(),
        "welcome.md:3: the value of `to` starts with `{{`, which YAML reads as the start of a mapping\n  hint: quote the value: to: \"{{email}}\""
    );
}

#[test]
fn unknown_key_error_names_the_line() {
    let e = tpl("---\nto: x\nsubjet: y\n---\n").unwrap_err();
    assert_eq!(e.line, Some(3));
    assert!(e.to_string().starts_with(
        "welcome.md:3: `subjet` is not a front matter setting\n  hint: did you mean `subject`?"
    ));
}

#[test]
fn body_syntax_errors_use_file_lines() {
    let e = tpl("---\nto: x\n---\nline one\n\n{{#if x}}never closed\n").unwrap_err();
    assert_eq!(
        e.to_string(),
        "welcome.md:6: `{{#if}}` is opened here but never closed\n  hint: add `{{/if}}` where this part of the letter ends"
    );
    let e = tpl("---\nto: x\n---\nline one\nline {{ two\n").unwrap_err();
    assert_eq!(e.line, Some(5), "{e}");
    assert!(e.message.contains("not valid Handlebars"));
    let e = tpl("---\nto: x\n---\n\n![x](a.png \"width=wide\")\n").unwrap_err();
    assert_eq!(e.line, Some(5), "{e}");
}

#[test]
fn missing_column_names_row_column_and_line() {
    let text = "---\nto: \"{{email}}\"\n---\nDear {{Name}},\n\nWrite to {{emial}}.\n";
    let p = render(
        text,
        &[("Name", "Jane"), ("email", "j@x.org"), ("Town", "X")],
    )
    .unwrap_err();
    assert_eq!(p.row, Some(7));
    assert_eq!(p.column.as_deref(), Some("emial"));
    assert_eq!(
        p.message,
        "the template uses `{{emial}}` but the data has no column `emial`"
    );
    let hint = p.hint.unwrap();
    assert!(
        hint.contains("(template welcome.md line 6)")
            && hint.ends_with("the columns are: Name, email, Town"),
        "{hint}"
    );
    assert!(hint.contains("did you mean `email`?"), "{hint}");

    // In the front matter, the key's line.
    let p = render(
        "---\nsubject: x\nto: \"{{mail}}\"\n---\nbody\n",
        &[("email", "a")],
    )
    .unwrap_err();
    assert!(p.hint.unwrap().contains("line 3"));
    // In a `|` block, the line inside it.
    let p = render(
        "---\naddress: |\n  {{Name}}\n  {{Stret}}\n---\nbody\n",
        &[("Name", "a"), ("Street", "b")],
    )
    .unwrap_err();
    assert_eq!(p.column.as_deref(), Some("Stret"));
    assert!(p.hint.unwrap().contains("line 4"));
}

#[test]
fn check_columns_sees_every_branch_once() {
    let t = tpl("---\nto: \"{{emial}}\"\naddress: |\n  {{Name}}\n  {{Stret}}\n---\nDear {{first_name}},\n\n{{#if returning}}{{upper Twn}}{{/if}} {{emial}}\n").unwrap();
    let (headers, _) = Headers::new(&[
        "Name".to_string(),
        "First Name".into(),
        "email".into(),
        "Street".into(),
        "Town".into(),
        "returning".into(),
    ]);
    let missing = t.check_columns(&headers);
    let found: Vec<(&str, usize, Option<&str>)> = missing
        .fields
        .iter()
        .map(|f| (f.name.as_str(), f.line, f.near.as_deref()))
        .collect();
    assert_eq!(
        found,
        [
            ("emial", 2, Some("email")),
            ("Stret", 5, Some("Street")),
            ("Twn", 9, Some("Town"))
        ]
    );
    // One error for the three, the data's columns listed once.
    let p = missing
        .problem(&crate::row_runs::RowRuns::default())
        .unwrap();
    assert!(p.row.is_none() && p.column.is_none(), "{p:?}");
    assert_eq!(
        p.message,
        "the template uses 3 fields the data has no column for: emial (line 2), Stret (line 5), \
         Twn (line 9)"
    );
    let hint = p.hint.unwrap();
    assert!(
        hint.contains("did you mean `email` for emial, `Street` for Stret, `Town` for Twn?"),
        "{hint}"
    );
    assert_eq!(hint.matches("the columns are:").count(), 1, "{hint}");
}

#[test]
fn snake_case_and_header_names_both_work() {
    let cols = [("First Name", "Jane"), ("E-mail Address", "j@x.org")];
    assert_eq!(
        body("{{first_name}} {{[First Name]}} {{e_mail_address}}", &cols),
        "Jane Jane j@x.org"
    );
}

#[test]
fn header_values_stay_on_one_line() {
    let l = render(
        "---\nsubject: \"Hi {{v}}\"\n---\nx",
        &[("v", "there\r\nBcc: evil@example.com")],
    )
    .unwrap();
    assert_eq!(
        l.email.subject.as_deref(),
        Some("Hi there Bcc: evil@example.com")
    );
}

#[test]
fn data_values_stay_literal_in_the_body() {
    for value in [
        "*Star*",
        "jane_doe_x@example.gov",
        "<script>alert(1)</script>",
        "<b>bold</b>",
        "# 1",
        "[x](y)",
        "`code`",
        "a -- b --- c",
        "\"quoted\"",
        "O'Brien & Sons",
        "&amp; 50% off!",
        "![img](x.png)",
        "trailing backslash\\",
    ] {
        let letter = render("Value: {{v}} end", &[("v", value)]).unwrap();
        assert_eq!(
            letter.body,
            [Block::Paragraph(vec![plain(&format!(
                "Value: {value} end"
            ))])],
            "{value}"
        );
    }
    // At a line start, where Markdown would see a list or heading.
    for value in ["1. x", "- x", "# x", "> x", "---", "+ x", "    indented"] {
        let letter = render("{{v}}", &[("v", value)]).unwrap();
        assert_eq!(
            letter.body,
            [Block::Paragraph(vec![plain(value.trim_start())])],
            "{value}"
        );
    }
    // Triple-stash is escaped too.
    let letter = render("{{{v}}} and {{&v}}", &[("v", "**b**")]).unwrap();
    assert_eq!(letter.body_text(), "**b** and **b**");
    // A multi-line cell stays inside its paragraph.
    assert_eq!(
        body("A {{v}} B", &[("v", "one\n\n- two")]),
        "A one  - two B"
    );
}

#[test]
fn front_matter_values_are_not_escaped() {
    let l = render(
        "---\nsubject: \"{{v}}\"\nto: \"{{e}}\"\n---\nx",
        &[("v", "*Star* & <b>"), ("e", "jane_doe_x@example.gov")],
    )
    .unwrap();
    assert_eq!(l.email.subject.as_deref(), Some("*Star* & <b>"));
    assert_eq!(l.email.to.as_deref(), Some("jane_doe_x@example.gov"));
}

#[test]
fn helpers_work_in_the_body() {
    let cols = [
        ("Name", "mary o'brien"),
        ("Term", "113"),
        ("Nick", ""),
        ("Start", "2026-01-12"),
        ("Town", "Springfield"),
    ];
    assert_eq!(
        body("{{upper Town}} {{lower Town}}", &cols),
        "SPRINGFIELD springfield"
    );
    assert_eq!(body("{{title Name}}", &cols), "Mary O'Brien");
    assert_eq!(
        body("the {{ordinal Term}} session", &cols),
        "the 113th session"
    );
    assert_eq!(body("Hi {{default Nick \"Friend\"}}", &cols), "Hi Friend");
    assert_eq!(
        body("Hi {{default Town \"Friend\"}}", &cols),
        "Hi Springfield"
    );
    assert_eq!(body("{{date Start}}", &cols), "January 12, 2026");
    assert_eq!(body("{{date}}", &cols), "November 29, 2026");
    assert_eq!(
        body("{{date Start format=\"%d.%m.%Y\"}}", &cols),
        "12.01.2026"
    );
}

#[test]
fn helper_errors_are_row_problems() {
    let p = render("line 1\n{{ordinal Name}}", &[("Name", "Jane")]).unwrap_err();
    assert_eq!(p.row, Some(7));
    assert_eq!(p.column.as_deref(), Some("Name"));
    assert!(
        p.message
            .contains("needs a whole number, but the value is `Jane`"),
        "{}",
        p.message
    );
    assert!(p.hint.unwrap().contains("line 2"));

    let p = render("{{date When}}", &[("When", "next week")]).unwrap_err();
    assert_eq!(p.message, "`next week` is not a date lettermerge can read");
    assert_eq!(p.column.as_deref(), Some("When"));

    let p = render("{{upper Nope}}", &[("Name", "x")]).unwrap_err();
    assert_eq!(p.column.as_deref(), Some("Nope"));

    let p = render("{{date format=\"%Q\"}}", &[("Name", "x")]).unwrap_err();
    assert!(
        p.message.contains("date format `%Q` is not valid"),
        "{}",
        p.message
    );
}

#[test]
fn if_reads_spreadsheet_yes_and_no() {
    let t = "{{#if returning}}Welcome back{{else}}Welcome{{/if}}";
    for (v, want) in [
        ("yes", "Welcome back"),
        ("no", "Welcome"),
        ("No", "Welcome"),
        ("FALSE", "Welcome"),
        ("0", "Welcome"),
        ("n", "Welcome"),
        ("", "Welcome"),
        ("Y", "Welcome back"),
    ] {
        assert_eq!(body(t, &[("returning", v)]), want, "{v:?}");
    }
    assert_eq!(
        body(
            "{{#unless returning}}new{{/unless}}",
            &[("returning", "no")]
        ),
        "new"
    );
    assert_eq!(
        body(
            "{{#if a}}A{{else if b}}B{{else}}C{{/if}}",
            &[("a", "no"), ("b", "yes")]
        ),
        "B"
    );
    assert!(render("{{#if retruning}}x{{/if}}", &[("returning", "yes")]).is_err());
    let cols = [("member", "yes"), ("retired", "No"), ("chair", "")];
    assert_eq!(
        body("{{#if (and member (not retired))}}A{{else}}B{{/if}}", &cols),
        "A"
    );
    assert_eq!(
        body("{{#if (or chair retired)}}A{{else}}B{{/if}}", &cols),
        "B"
    );
    assert_eq!(body("{{#and member chair}}A{{else}}B{{/and}}", &cols), "B");
}

#[test]
fn markdown_structure_in_the_body() {
    let l = render(
        "Dear {{n}},\n\n- **Tour** of the *library*\n- Meeting\n\n1. First\n2. Second\n\n![Signature](sig.png \"width=2in\")\n",
        &[("n", "Pat")],
    )
    .unwrap();
    assert_eq!(l.body.len(), 4);
    assert!(matches!(&l.body[1], Block::List { start: None, items } if items.len() == 2));
    assert!(matches!(&l.body[2], Block::List { start: Some(1), items } if items.len() == 2));
    assert_eq!(
        l.body[3],
        Block::Image {
            path: Path::new("/tpl/sig.png").to_path_buf(),
            alt: "Signature".into(),
            width: Some(144.0),
        }
    );
}

#[test]
fn load_reads_a_file_and_resolves_paths() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("sig.png"), b"x").unwrap();
    let path = dir.path().join("welcome.md");
    std::fs::write(
        &path,
        "---\nsignature:\n  image: sig.png\n  name: Pat\n---\nHello {{Name}}\n",
    )
    .unwrap();
    let t = Template::load(&path).unwrap();
    assert_eq!(t.path(), path);
    assert_eq!(
        t.style().signature.as_ref().unwrap().image.as_deref(),
        Some(dir.path().join("sig.png").as_path())
    );
    let l = t.render(&record(&[("Name", "Jo")])).unwrap();
    assert_eq!(l.body_text(), "Hello Jo");

    let e = Template::load(&dir.path().join("nope.md")).unwrap_err();
    assert!(e.to_string().starts_with("nope.md: the template"), "{e}");
}

#[test]
fn template_is_shareable_between_threads() {
    fn both<T: Send + Sync>() {}
    both::<Template>();
}

#[test]
fn today_comes_from_source_date_epoch() {
    // The only test that sets this variable; 1768176000 is 2026-01-12T00:00:00Z.
    std::env::set_var("SOURCE_DATE_EPOCH", "1768176000");
    let d = super::helpers::today();
    std::env::remove_var("SOURCE_DATE_EPOCH");
    assert_eq!(d, NaiveDate::from_ymd_opt(2026, 1, 12).unwrap());
}

#[test]
#[ignore]
fn bench_render_per_row() {
    let text = "---
to: \"{{email}}\"
subject: Welcome to office, {{title Name}}
address: |
  {{Name}}
  {{Office}}
  {{Street}}
  {{City}}, {{State}} {{ZIP}}
salutation: \"Dear {{Title}} {{last_name}}:\"
filename: \"{{last_name}}-{{first_name}}\"
---
On behalf of the **Friends of the Springfield Public Library**, congratulations on your
election to the {{Body}}, {{first_name}}! We look forward to working with you during the
{{ordinal Term}} session.

{{#if returning}}Welcome back — we are glad to continue our partnership.{{else}}As a new
member, you may not yet know how much the library does for {{City}}.{{/if}}

Some facts about our library:

- Over **1.2 million** visits last year
- *Free* internet access at 14 branches
- Summer reading for 9,000 children

We would be delighted to give you a tour of the library. Please contact us at any time.

![Signature](sig.png \"width=1.8in\")
";
    let t = tpl(text).unwrap();
    let r = record(&[
        ("Name", "jane q. doe"),
        ("First Name", "Jane"),
        ("Last Name", "Doe"),
        ("Title", "Senator"),
        ("email", "jane_doe_x@example.gov"),
        ("Office", "Room 200"),
        ("Street", "1 Capitol Ave"),
        ("City", "Springfield"),
        ("State", "IL"),
        ("ZIP", "62701"),
        ("Body", "State Senate"),
        ("Term", "104"),
        ("returning", "no"),
    ]);
    let n = 20_000;
    let start = std::time::Instant::now();
    for _ in 0..n {
        std::hint::black_box(t.render(&r).unwrap());
    }
    let per = start.elapsed().as_secs_f64() * 1e6 / n as f64;
    println!("template render: {per:.1} µs/row");
}

#[test]
fn columns_named_like_helpers_win_when_used_bare() {
    let cols = [
        ("title", "Senator"),
        ("date", "2026-01-12"),
        ("name", "ada lovelace"),
    ];
    let t =
        "---\nsalutation: \"Dear {{title}}:\"\n---\n{{date}} / {{date date}} / {{title name}}\n";
    let letter = render(t, &cols).unwrap();
    assert_eq!(letter.salutation.as_deref(), Some("Dear Senator:"));
    assert_eq!(
        letter.body_text(),
        "2026-01-12 / January 12, 2026 / Ada Lovelace"
    );
    // Without a `date` column, a bare {{date}} is today.
    assert_eq!(body("{{date}}", &[("x", "1")]), "November 29, 2026");
}

#[test]
fn forms_of_address_fill_the_letter() {
    let cols = [
        ("first_name", "Jane"),
        ("last_name", "Doe"),
        ("office", "State Senator"),
        ("street", "Vermont State House\n115 State St."),
        ("city", "Montpelier"),
        ("state", "VT"),
        ("zip", "05633"),
        ("salutation", ""),
    ];
    let t = "---\naddress: |\n  {{address_block (honorific first_name last_name office=office) street city=city state=state zip=zip}}\nsalutation: \"{{salutation office first_name last_name}}\"\nsubject: \"Welcome, {{formal_name office first_name last_name}}\"\n---\nDear {{formal_name office first_name last_name}}.\n";
    let letter = render(t, &cols).unwrap();
    assert_eq!(
        letter.address,
        [
            "The Honorable Jane Doe",
            "Vermont State House",
            "115 State St.",
            "Montpelier, VT  05633"
        ]
    );
    assert_eq!(letter.salutation.as_deref(), Some("Dear Senator Doe:"));
    assert_eq!(
        letter.email.subject.as_deref(),
        Some("Welcome, Senator Doe")
    );
    assert_eq!(letter.body_text(), "Dear Senator Doe.");
    // Every column the helpers use is checked against the header like any other.
    let (headers, _) = Headers::new(&["first_name".to_string(), "office".to_string()]);
    let missing: Vec<String> = tpl(t)
        .unwrap()
        .check_columns(&headers)
        .fields
        .into_iter()
        .map(|f| f.name)
        .collect();
    assert_eq!(missing, ["last_name", "street", "city", "state", "zip"]);
}

/// Property: any text, and any mix of the pieces templates are made of (front-matter
/// fences and keys, YAML anchors, Handlebars blocks, partials, comments, escapes, Markdown
/// quotes and lists), loads and renders to Ok or Err: never a panic or a stack overflow
/// (a test thread has a 2 MiB stack, like a worker).
mod no_panic {
    use super::{record, tpl};
    use proptest::prelude::*;

    const PIECES: [&str; 34] = [
        "---\n",
        "\n",
        "subject: ",
        "to: ",
        "address: |\n  ",
        "font:\n  size: ",
        "margins: {left: ",
        "}",
        "&a ",
        "*a",
        "[",
        "]",
        "x",
        "{{",
        "}}",
        "{{name}}",
        "{{#if name}}",
        "{{/if}}",
        "{{else}}",
        "{{> a}}",
        "{{> body}}",
        "{{#*inline \"a\"}}",
        "{{/inline}}",
        "(lower ",
        ")",
        "{{!--",
        "--}}",
        "\\{{",
        "> ",
        "- ",
        "1. ",
        "**",
        "[l](javascript:x)",
        "![i](a.png \"width=0\")",
    ];

    fn check(text: &str) {
        if let Ok(t) = tpl(text) {
            let _ = t.render(&record(&[("name", "Jane"), ("email", "j@x.org")]));
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(256))]

        #[test]
        fn any_text(text in "\\PC{0,300}") {
            check(&text);
        }

        #[test]
        fn any_mix_of_template_pieces(
            pieces in proptest::collection::vec(0..PIECES.len(), 0..200),
            repeat in 1usize..80,
        ) {
            let mut text: String = pieces.iter().map(|&i| PIECES[i]).collect();
            // Now and then, something repeated deep enough to pass a limit.
            if let Some(&i) = pieces.first() {
                text.push_str(&PIECES[i].repeat(repeat));
            }
            check(&text);
        }
    }
}

#[test]
fn address_lines_splits_a_one_line_address_into_the_block() {
    let cols = [
        ("name", "Jane Doe"),
        (
            "capitol_address",
            "State Capitol Room 400, 120 4th St., Juneau, AK 99801",
        ),
    ];
    let t = "---\naddress: |\n  {{name}}\n  {{address_lines capitol_address}}\n---\nHi.\n";
    let letter = render(t, &cols).unwrap();
    assert_eq!(
        letter.address,
        [
            "Jane Doe",
            "State Capitol Room 400",
            "120 4th St.",
            "Juneau, AK  99801"
        ]
    );
    assert!(letter.warnings.is_empty(), "{:?}", letter.warnings);
    // Inside address_block, with its capitals: the last line keeps its two spaces.
    let t = "---\naddress: \"{{address_block (upper name) (address_lines capitol_address) upper=true}}\"\n---\nHi.\n";
    assert_eq!(
        render(t, &cols).unwrap().address,
        [
            "JANE DOE",
            "STATE CAPITOL ROOM 400",
            "120 4TH ST",
            "JUNEAU AK  99801"
        ]
    );
}

#[test]
fn an_address_split_without_confidence_is_printed_as_written_with_a_warning() {
    let cols = [("district_address", "606  Walnut St., Rock Springs, WY")];
    let t = "---\naddress: |\n  {{address_lines district_address}}\n---\n{{address_lines district_address}}\n";
    let letter = render(t, &cols).unwrap();
    assert_eq!(letter.address, ["606 Walnut St., Rock Springs, WY"]);
    // Raised twice (front matter and body), reported once.
    assert_eq!(letter.warnings.len(), 1, "{:?}", letter.warnings);
    let w = &letter.warnings[0];
    assert!(!w.is_error());
    assert_eq!(
        (w.row, w.column.as_deref()),
        (Some(7), Some("district_address"))
    );
    assert_eq!(
        w.message,
        "the address in `district_address` could not be split with confidence (no ZIP code at the end), so it is printed as written"
    );
    assert!(
        w.hint
            .as_deref()
            .unwrap_or_default()
            .contains("best reading is \"606 Walnut St. / Rock Springs, WY\""),
        "{w:?}"
    );
    // An empty cell is not an address problem (the empty-field check reports it).
    let letter = render(t, &[("district_address", " ")]).unwrap();
    assert!(letter.address.is_empty() && letter.warnings.is_empty());
    // A column the data does not have is the usual error.
    let e = render(t, &[("other", "x")]).unwrap_err();
    assert_eq!(e.column.as_deref(), Some("district_address"));
    let e = render("---\n---\n{{address_lines}}\n", &[("x", "1")]).unwrap_err();
    assert!(e.message.contains("takes one value"), "{e:?}");
}
