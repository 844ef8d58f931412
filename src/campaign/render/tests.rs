//! One row rendered from template text: pages, email, and each kind of mistake with the
//! line of the template it is on.

use std::path::Path;
use std::sync::Arc;

use super::{Renderer, RowInput, Stage, MAX_CACHED_STYLES};
use crate::records::{Headers, Record};
use crate::template::forms::OfficeTable;

fn record() -> Record {
    let (headers, _) = Headers::new(&[
        "first_name".to_string(),
        "last_name".to_string(),
        "email".to_string(),
        "returning".to_string(),
    ]);
    Record::new(
        2,
        vec![
            "Dana".into(),
            "Nguyen".into(),
            "dana@senate.example.gov".into(),
            String::new(),
        ],
        Arc::new(headers),
    )
}

fn render(renderer: &mut Renderer, text: &str) -> Result<super::Rendered, super::RenderError> {
    let record = record();
    let offices = OfficeTable::built_in();
    let input = RowInput {
        template_path: Path::new("/nowhere/welcome.md"),
        offices: &offices,
        record: &record,
        from: Some("Library Advocacy <advocacy@library.example.org>"),
        data_path: Path::new("/nowhere/officials.csv"),
        sheet: None,
    };
    renderer.render(text, &input)
}

const GOOD: &str = "---\n\
to: \"{{email}}\"\n\
subject: \"Welcome, {{first_name}} {{last_name}}\"\n\
salutation: \"Dear {{first_name}}:\"\n\
---\n\
Thank you for serving, {{first_name}}. The library looks forward to working with you.\n";

/// The words of the pages' text layers.
fn page_text(pages: &[String]) -> String {
    let mut out = String::new();
    for page in pages {
        for part in page.split("<text ").skip(1) {
            let start = part.find('>').unwrap() + 1;
            let end = part.find("</text>").unwrap();
            out.push_str(&part[start..end]);
            out.push(' ');
        }
    }
    out
}

#[test]
fn a_row_renders_to_pages_and_an_email() {
    let mut renderer = Renderer::new();
    let out = render(&mut renderer, GOOD).expect("renders");
    assert_eq!(out.pages.len(), 1);
    let text = page_text(&out.pages);
    assert!(text.contains("Dear Dana:"), "{text}");
    assert!(text.contains("Thank you for serving, Dana."), "{text}");
    let email = out.email.expect("the template has a `to`");
    assert_eq!(email.subject, "Welcome, Dana Nguyen");
    assert!(email
        .headers
        .iter()
        .any(|(k, v)| *k == "To" && v.contains("dana@senate.example.gov")));
    assert!(email.html.contains("Thank you for serving, Dana."));
    assert!(out.notes.is_empty(), "{:?}", out.notes);
}

#[test]
fn the_unsaved_text_is_what_renders() {
    let mut renderer = Renderer::new();
    let edited = GOOD.replace("Thank you for serving", "Congratulations on your election");
    let out = render(&mut renderer, &edited).unwrap();
    let text = page_text(&out.pages);
    assert!(
        text.contains("Congratulations on your election, Dana."),
        "{text}"
    );
    assert!(!text.contains("Thank you for serving"));
}

#[test]
fn a_yaml_mistake_carries_its_line() {
    let mut renderer = Renderer::new();
    let broken = GOOD.replace(
        "salutation: \"Dear {{first_name}}:\"",
        "salutation: \"Dear {{first_name}}:\n  oops: [",
    );
    let err = render(&mut renderer, &broken).unwrap_err();
    assert_eq!(err.stage, Stage::Template);
    assert!(matches!(err.line, Some(4 | 5)), "{err:?}");
}

#[test]
fn an_unclosed_block_carries_the_line_that_opens_it() {
    let mut renderer = Renderer::new();
    let broken = format!("{GOOD}\n{{{{#if returning}}}}Welcome back.\n");
    let err = render(&mut renderer, &broken).unwrap_err();
    assert_eq!(err.stage, Stage::Template);
    assert_eq!(err.line, Some(8), "{err:?}");
    assert!(err.message.contains("never closed"), "{}", err.message);
}

#[test]
fn a_missing_column_on_the_row_carries_its_line() {
    let mut renderer = Renderer::new();
    let broken = format!("{GOOD}\nYour district, {{{{distrct}}}}, is served by three branches.\n");
    let err = render(&mut renderer, &broken).unwrap_err();
    assert_eq!(err.stage, Stage::Row);
    assert_eq!(err.line, Some(8), "{err:?}");
    assert!(err.message.contains("distrct"), "{}", err.message);
}

#[test]
fn a_missing_column_in_another_branch_is_a_note_with_its_line() {
    let mut renderer = Renderer::new();
    let text = format!("{GOOD}\n{{{{#if returning}}}}Since {{{{first_term}}}}.{{{{/if}}}}\n");
    let out = render(&mut renderer, &text).expect("this row does not take the branch");
    assert_eq!(out.notes.len(), 1, "{:?}", out.notes);
    assert_eq!(out.notes[0].line, Some(8));
    assert_eq!(out.notes[0].problem.column.as_deref(), Some("first_term"));
}

#[test]
fn an_unknown_helper_carries_its_line() {
    let mut renderer = Renderer::new();
    let text = format!("{GOOD}\nSee you {{{{shout first_name}}}}.\n");
    let err = render(&mut renderer, &text).unwrap_err();
    assert_eq!(err.line, Some(8), "{err:?}");
    assert!(err.message.contains("shout"), "{}", err.message);
}

#[test]
fn a_printed_only_letter_has_no_email() {
    let mut renderer = Renderer::new();
    let text = GOOD.replace("to: \"{{email}}\"\n", "");
    let out = render(&mut renderer, &text).unwrap();
    assert!(out.email.is_none());
    assert_eq!(out.pages.len(), 1);
}

#[test]
fn typesetters_are_kept_per_style_and_bounded() {
    let mut renderer = Renderer::new();
    render(&mut renderer, GOOD).unwrap();
    render(&mut renderer, &GOOD.replace("Thank", "Many thanks")).unwrap();
    assert_eq!(
        renderer.styles.len(),
        1,
        "the body changed, the style did not"
    );
    for size in 0..MAX_CACHED_STYLES + 2 {
        let text = GOOD.replace(
            "---\nThank",
            &format!("font: {{size: {}}}\n---\nThank", 10 + size),
        );
        render(&mut renderer, &text).unwrap();
    }
    assert_eq!(renderer.styles.len(), MAX_CACHED_STYLES);
}
