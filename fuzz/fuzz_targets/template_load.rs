//! Fuzz target: any bytes as a template file (front matter + Handlebars + Markdown body),
//! loaded and checked, then rendered against one fixed record. Every outcome must be a
//! value (Ok or a TemplateError/Problem): never a panic, a stack overflow or a hang.
#![no_main]

use lettermerge::records::{Headers, Record};
use lettermerge::template::Template;
use libfuzzer_sys::fuzz_target;
use std::path::Path;
use std::sync::Arc;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(template) = Template::parse(text, "fuzz.md", Path::new("")) else {
        return;
    };
    let names: Vec<String> = ["name", "email", "title", "returning", "district"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    let (headers, _) = Headers::new(&names);
    let headers = Arc::new(headers);
    let record = Record::new(
        2,
        vec![
            "Jane Doe".into(),
            "jane@example.org".into(),
            "Senator".into(),
            "yes".into(),
            "12".into(),
        ],
        headers.clone(),
    );
    let _ = template.check_columns(&headers);
    let _ = template.printed_columns();
    if let Ok(letter) = template.render(&record) {
        let _ = letter.body_text();
    }
});
