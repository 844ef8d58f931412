//! The text/plain part: the letter as a reader of plain mail sees it, wrapped at 72 columns.
//!
//! Paragraphs are separated by blank lines, lists marked "- " or "1. " with a hanging indent,
//! quotes prefixed "> ", links written "text <url>", hard line breaks kept. Words longer than
//! a line (URLs) are never broken, so they stay clickable.

use crate::letter::{Block, Inline, Letter};

/// Where plain-text lines are wrapped (RFC 3676 suggests 72 or fewer).
const WIDTH: usize = 72;

/// The plain-text body: salutation, body blocks, closing, then the signature lines.
pub fn text_body(letter: &Letter, signature: &[String]) -> String {
    let mut out = String::with_capacity(2048);
    if let Some(salutation) = &letter.salutation {
        wrap_line(salutation, "", "", &mut out);
        out.push('\n');
    }
    blocks(&letter.body, "", &mut out);
    if let Some(closing) = &letter.closing {
        wrap_line(closing, "", "", &mut out);
        out.push('\n');
    }
    for line in signature {
        wrap_line(line, "", "", &mut out);
    }
    while out.ends_with("\n\n") {
        out.pop();
    }
    out
}

/// Writes blocks, each followed by a blank line; `prefix` starts every line (quote marks,
/// list indentation).
fn blocks(list: &[Block], prefix: &str, out: &mut String) {
    for block in list {
        block_lines(block, prefix, prefix, out);
        push_blank(prefix, out);
    }
}

/// Writes one block without the blank line after it. `first` prefixes its first line,
/// `rest` every other line (they differ for the first block of a list item).
fn block_lines(block: &Block, first: &str, rest: &str, out: &mut String) {
    match block {
        Block::Paragraph(inlines)
        | Block::Heading {
            content: inlines, ..
        } => paragraph(inlines, first, rest, out),
        Block::List { start, items } => {
            let mut marker = String::new();
            let mut first_prefix = String::new();
            let mut rest_prefix = String::new();
            for (i, item) in items.iter().enumerate() {
                marker.clear();
                match start {
                    Some(n) => {
                        marker.push_str(&(n + i as u64).to_string());
                        marker.push_str(". ");
                    }
                    None => marker.push_str("- "),
                }
                first_prefix.clear();
                first_prefix.push_str(if i == 0 { first } else { rest });
                first_prefix.push_str(&marker);
                rest_prefix.clear();
                rest_prefix.push_str(rest);
                rest_prefix.extend(std::iter::repeat_n(' ', marker.len()));
                for (j, inner) in item.iter().enumerate() {
                    if j > 0 {
                        push_blank(&rest_prefix, out);
                    }
                    let lead = if j == 0 { &first_prefix } else { &rest_prefix };
                    block_lines(inner, lead, &rest_prefix, out);
                }
            }
        }
        Block::Quote(inner) => {
            let first_q = format!("{first}> ");
            let rest_q = format!("{rest}> ");
            for (j, b) in inner.iter().enumerate() {
                if j > 0 {
                    push_blank(&rest_q, out);
                }
                block_lines(b, if j == 0 { &first_q } else { &rest_q }, &rest_q, out);
            }
        }
        Block::Image { alt, .. } => {
            let text = if alt.trim().is_empty() {
                "[image]".to_string()
            } else {
                format!("[image: {}]", alt.trim())
            };
            wrap_line(&text, first, rest, out);
        }
        Block::Rule => {
            out.push_str(first);
            out.push_str("----------------------------------------\n");
        }
    }
}

/// A paragraph: the runs joined into lines at hard breaks, each line wrapped.
fn paragraph(inlines: &[Inline], first: &str, rest: &str, out: &mut String) {
    let mut line = String::with_capacity(256);
    let mut is_first = true;
    for inline in inlines {
        match inline {
            Inline::Text { text, style } => {
                line.push_str(text);
                if let Some(url) = &style.link {
                    if !link_shows_target(text, url) {
                        line.push_str(" <");
                        line.push_str(url);
                        line.push('>');
                    }
                }
            }
            Inline::LineBreak => {
                wrap_line(&line, if is_first { first } else { rest }, rest, out);
                is_first = false;
                line.clear();
            }
        }
    }
    if !line.is_empty() || is_first {
        wrap_line(&line, if is_first { first } else { rest }, rest, out);
    }
}

/// True when the link text already is the target (an autolink, or a mailto: link whose text
/// is the address), so writing "text <url>" would only repeat it.
fn link_shows_target(text: &str, url: &str) -> bool {
    let text = text.trim();
    text == url || url.strip_prefix("mailto:") == Some(text)
}

/// Writes `text` greedily wrapped to `WIDTH` columns, each line started by its prefix.
fn wrap_line(text: &str, first: &str, rest: &str, out: &mut String) {
    let mut prefix = first;
    let mut col = 0;
    let mut line_open = false;
    for word in text.split(' ').filter(|w| !w.is_empty()) {
        let len = word.chars().count();
        if line_open && col + 1 + len > WIDTH {
            out.push('\n');
            line_open = false;
            prefix = rest;
        }
        if line_open {
            out.push(' ');
            col += 1;
        } else {
            out.push_str(prefix);
            col = prefix.chars().count();
            line_open = true;
        }
        out.push_str(word);
        col += len;
    }
    if !line_open {
        out.push_str(prefix.trim_end());
    }
    out.push('\n');
}

/// A blank line between blocks; inside a quote it keeps the quote mark ("> " becomes ">").
fn push_blank(prefix: &str, out: &mut String) {
    out.push_str(prefix.trim_end());
    out.push('\n');
}

#[cfg(test)]
mod tests {
    use super::text_body;
    use crate::letter::{Block, Inline, Letter, TextStyle};

    fn text(s: &str) -> Inline {
        Inline::Text {
            text: s.to_string(),
            style: TextStyle::default(),
        }
    }

    fn para(s: &str) -> Block {
        Block::Paragraph(vec![text(s)])
    }

    fn link(s: &str, url: &str) -> Inline {
        Inline::Text {
            text: s.to_string(),
            style: TextStyle {
                link: Some(url.to_string()),
                ..TextStyle::default()
            },
        }
    }

    #[test]
    fn lays_out_salutation_blocks_closing_and_signature() {
        let letter = Letter {
            salutation: Some("Dear Senator Doe:".into()),
            body: vec![
                Block::Paragraph(vec![
                    text("Welcome to the "),
                    Inline::Text {
                        text: "Senate".into(),
                        style: TextStyle {
                            bold: true,
                            ..TextStyle::default()
                        },
                    },
                    text(". Read "),
                    link("our report", "https://example.org/r"),
                    text(" or mail "),
                    link("info@example.org", "mailto:info@example.org"),
                    text("."),
                ]),
                Block::List {
                    start: None,
                    items: vec![vec![para("Libraries")], vec![para("Schools & <kids>")]],
                },
                Block::List {
                    start: Some(9),
                    items: vec![vec![para("nine")], vec![para("ten")]],
                },
                Block::Paragraph(vec![text("Line one"), Inline::LineBreak, text("Line two")]),
                Block::Quote(vec![para("Quoted"), para("twice")]),
                Block::Image {
                    path: "chart.png".into(),
                    alt: "Visits per year".into(),
                    width: None,
                },
                Block::Rule,
            ],
            closing: Some("Sincerely,".into()),
            ..Letter::default()
        };
        let signature = vec!["Pat Lee".to_string(), "Director".to_string()];
        assert_eq!(
            text_body(&letter, &signature),
            "Dear Senator Doe:\n\n\
             Welcome to the Senate. Read our report <https://example.org/r> or mail\n\
             info@example.org.\n\n\
             - Libraries\n- Schools & <kids>\n\n\
             9. nine\n10. ten\n\n\
             Line one\nLine two\n\n\
             > Quoted\n>\n> twice\n\n\
             [image: Visits per year]\n\n\
             ----------------------------------------\n\n\
             Sincerely,\n\n\
             Pat Lee\nDirector\n"
        );
    }

    #[test]
    fn wraps_at_72_with_hanging_indent_and_keeps_long_words_whole() {
        let long = "word ".repeat(30);
        let url = format!("https://example.org/{}", "x".repeat(80));
        let letter = Letter {
            body: vec![
                Block::List {
                    start: Some(1),
                    items: vec![vec![para(&long)]],
                },
                Block::Paragraph(vec![text("see "), link(&url, &url)]),
            ],
            ..Letter::default()
        };
        let out = text_body(&letter, &[]);
        let lines: Vec<&str> = out.lines().collect();
        assert!(lines
            .iter()
            .all(|l| l.chars().count() <= 72 || l.contains(&url)));
        assert!(lines[0].starts_with("1. word"));
        assert!(lines[1].starts_with("   word"));
        assert!(lines.contains(&url.as_str()), "{out}");
    }

    #[test]
    fn list_items_with_several_blocks_stay_indented() {
        let letter = Letter {
            body: vec![Block::List {
                start: None,
                items: vec![vec![para("first"), para("more")], vec![para("second")]],
            }],
            ..Letter::default()
        };
        assert_eq!(text_body(&letter, &[]), "- first\n\n  more\n- second\n");
    }
}
