//! The text/html part: a small self-contained document with inline styles only (Outlook and
//! Gmail drop `<style>` blocks and never load remote images).
//!
//! Every piece of text is HTML-escaped, so data such as `<script>` or `&` shows literally.
//! Links become `<a href>` only for http, https and mailto targets; anything else is printed
//! as text, so a `javascript:` target can never become clickable.

use crate::letter::{Block, Inline, Letter, TextStyle};
use crate::markup::escape_into;

const BODY_STYLE: &str = "margin:0;padding:0;background-color:#ffffff;";
const WRAP_STYLE: &str = "max-width:640px;margin:0 auto;padding:16px;\
font-family:Georgia,'Times New Roman',serif;font-size:16px;line-height:1.5;color:#222222;";
const P_STYLE: &str = "margin:0 0 1em 0;";
const LIST_STYLE: &str = "margin:0 0 1em 0;padding-left:1.6em;";
const LI_STYLE: &str = "margin:0 0 0.25em 0;";
const QUOTE_STYLE: &str =
    "margin:0 0 1em 0;padding:0 0 0 1em;border-left:3px solid #cccccc;color:#444444;";
const HR_STYLE: &str = "border:0;border-top:1px solid #cccccc;margin:1em 0;";
const IMAGE_STYLE: &str = "margin:0 0 1em 0;color:#666666;font-style:italic;";
const LINK_STYLE: &str = "color:#1b4f72;";

/// The HTML body: salutation, body blocks, closing and signature in one small document.
/// `title` (the subject) goes in `<title>`.
pub fn html_body(letter: &Letter, signature: &[String], title: &str) -> String {
    let mut out = String::with_capacity(4096);
    out.push_str("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\">\n");
    out.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n");
    out.push_str("<title>");
    escape_into(title, &mut out);
    out.push_str("</title></head>\n");
    open(&mut out, "body", BODY_STYLE);
    out.push('\n');
    open(&mut out, "div", WRAP_STYLE);
    out.push('\n');
    if let Some(salutation) = &letter.salutation {
        text_paragraph(salutation, &mut out);
    }
    for block in &letter.body {
        block_html(block, &mut out);
    }
    if let Some(closing) = &letter.closing {
        text_paragraph(closing, &mut out);
    }
    if !signature.is_empty() {
        open(&mut out, "p", P_STYLE);
        for (i, line) in signature.iter().enumerate() {
            if i > 0 {
                out.push_str("<br>\n");
            }
            escape_into(line, &mut out);
        }
        out.push_str("</p>\n");
    }
    out.push_str("</div>\n</body></html>\n");
    out
}

fn open(out: &mut String, tag: &str, style: &str) {
    out.push('<');
    out.push_str(tag);
    out.push_str(" style=\"");
    out.push_str(style);
    out.push_str("\">");
}

fn text_paragraph(text: &str, out: &mut String) {
    open(out, "p", P_STYLE);
    escape_into(text, out);
    out.push_str("</p>\n");
}

fn block_html(block: &Block, out: &mut String) {
    match block {
        Block::Paragraph(inlines) => {
            open(out, "p", P_STYLE);
            inlines_html(inlines, out);
            out.push_str("</p>\n");
        }
        Block::Heading { content, .. } => {
            open(out, "p", P_STYLE);
            out.push_str("<strong>");
            inlines_html(content, out);
            out.push_str("</strong></p>\n");
        }
        Block::List { start, items } => {
            match start {
                Some(n) => {
                    out.push_str("<ol start=\"");
                    out.push_str(&n.to_string());
                    out.push_str("\" style=\"");
                    out.push_str(LIST_STYLE);
                    out.push_str("\">\n");
                }
                None => {
                    open(out, "ul", LIST_STYLE);
                    out.push('\n');
                }
            }
            for item in items {
                open(out, "li", LI_STYLE);
                // A one-paragraph item (the usual tight list) needs no <p> and its margin.
                match item.as_slice() {
                    [Block::Paragraph(inlines)] => inlines_html(inlines, out),
                    blocks => {
                        out.push('\n');
                        for b in blocks {
                            block_html(b, out);
                        }
                    }
                }
                out.push_str("</li>\n");
            }
            out.push_str(if start.is_some() {
                "</ol>\n"
            } else {
                "</ul>\n"
            });
        }
        Block::Quote(blocks) => {
            open(out, "blockquote", QUOTE_STYLE);
            out.push('\n');
            for b in blocks {
                block_html(b, out);
            }
            out.push_str("</blockquote>\n");
        }
        Block::Image { alt, .. } => {
            // No remote or embedded images: mail clients block them and they would leak the
            // reader's address; the alt text says what was there.
            open(out, "p", IMAGE_STYLE);
            let alt = alt.trim();
            if alt.is_empty() {
                out.push_str("[image]");
            } else {
                out.push_str("[image: ");
                escape_into(alt, out);
                out.push(']');
            }
            out.push_str("</p>\n");
        }
        Block::Rule => {
            out.push_str("<hr style=\"");
            out.push_str(HR_STYLE);
            out.push_str("\">\n");
        }
    }
}

fn inlines_html(inlines: &[Inline], out: &mut String) {
    for inline in inlines {
        match inline {
            Inline::Text { text, style } => run_html(text, style, out),
            Inline::LineBreak => out.push_str("<br>\n"),
        }
    }
}

fn run_html(text: &str, style: &TextStyle, out: &mut String) {
    // Only web and mail links become clickable: the one rule shared with the PDF.
    let href = style
        .link
        .as_deref()
        .filter(|url| crate::letter::is_safe_link(url));
    if let Some(url) = href {
        out.push_str("<a href=\"");
        escape_into(url, out);
        out.push_str("\" style=\"");
        out.push_str(LINK_STYLE);
        out.push_str("\">");
    }
    if style.bold {
        out.push_str("<strong>");
    }
    if style.italic {
        out.push_str("<em>");
    }
    escape_into(text, out);
    if style.italic {
        out.push_str("</em>");
    }
    if style.bold {
        out.push_str("</strong>");
    }
    match (href, &style.link) {
        (Some(_), _) => out.push_str("</a>"),
        // Not a target we let readers click: show where it pointed, as plain text.
        (None, Some(url)) if text.trim() != url => {
            out.push_str(" &lt;");
            escape_into(url, out);
            out.push_str("&gt;");
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::{escape_into, html_body};
    use crate::letter::{Block, Inline, Letter, TextStyle};

    fn run(text: &str, bold: bool, italic: bool, link: Option<&str>) -> Inline {
        Inline::Text {
            text: text.to_string(),
            style: TextStyle {
                bold,
                italic,
                link: link.map(str::to_string),
            },
        }
    }

    #[test]
    fn a_link_the_shared_rule_refuses_is_shown_as_text() {
        let letter = Letter {
            body: vec![Block::Paragraph(vec![run(
                "click",
                false,
                false,
                Some("javascript:alert(\"x\")"),
            )])],
            ..Letter::default()
        };
        let html = html_body(&letter, &[], "s");
        assert!(!html.contains("<a "));
        assert!(html.contains("click &lt;javascript:alert(&quot;x&quot;)&gt;"));
    }

    fn body_of(html: &str) -> &str {
        let start = html.find("<div").unwrap();
        let start = start + html[start..].find('>').unwrap() + 2;
        &html[start..html.rfind("</div>").unwrap()]
    }

    #[test]
    fn escapes_all_text_data() {
        let mut out = String::new();
        escape_into("<script>alert('x')</script> & \"q\"", &mut out);
        assert_eq!(
            out,
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;"
        );
        let letter = Letter {
            salutation: Some("Dear <b>Sen.</b> O'Neil & Co:".into()),
            body: vec![Block::Paragraph(vec![run(
                "<script>x</script>",
                false,
                false,
                None,
            )])],
            closing: Some("Yours & truly,".into()),
            ..Letter::default()
        };
        let html = html_body(&letter, &["A <B>".to_string()], "Hi <you> & me");
        assert!(html.contains("<title>Hi &lt;you&gt; &amp; me</title>"));
        assert!(html.contains("Dear &lt;b&gt;Sen.&lt;/b&gt; O&#39;Neil &amp; Co:"));
        assert!(html.contains("&lt;script&gt;x&lt;/script&gt;"));
        assert!(!html.contains("<script"));
        assert!(!html.contains("<b>"));
        assert!(html.contains("Yours &amp; truly,"));
        assert!(html.contains("A &lt;B&gt;</p>"));
    }

    #[test]
    fn renders_inline_styles_lists_quotes_rules_and_images() {
        let letter = Letter {
            body: vec![
                Block::Paragraph(vec![
                    run("bold", true, false, None),
                    run(" and ", false, false, None),
                    run("both", true, true, None),
                    Inline::LineBreak,
                    run(
                        "site",
                        false,
                        false,
                        Some("https://example.org/?a=1&b=\"2\""),
                    ),
                ]),
                Block::Heading {
                    level: 2,
                    content: vec![run("Our asks", false, false, None)],
                },
                Block::List {
                    start: None,
                    items: vec![vec![Block::Paragraph(vec![run("one", false, false, None)])]],
                },
                Block::List {
                    start: Some(3),
                    items: vec![vec![
                        Block::Paragraph(vec![run("three", false, false, None)]),
                        Block::Paragraph(vec![run("more", false, false, None)]),
                    ]],
                },
                Block::Quote(vec![Block::Paragraph(vec![run("q", false, false, None)])]),
                Block::Rule,
                Block::Image {
                    path: "x.png".into(),
                    alt: "Chart <2025>".into(),
                    width: None,
                },
            ],
            ..Letter::default()
        };
        let html = html_body(&letter, &[], "s");
        let body = body_of(&html);
        let expected = "<p style=\"margin:0 0 1em 0;\"><strong>bold</strong> and <strong><em>both</em></strong><br>\n\
            <a href=\"https://example.org/?a=1&amp;b=&quot;2&quot;\" style=\"color:#1b4f72;\">site</a></p>\n\
            <p style=\"margin:0 0 1em 0;\"><strong>Our asks</strong></p>\n\
            <ul style=\"margin:0 0 1em 0;padding-left:1.6em;\">\n<li style=\"margin:0 0 0.25em 0;\">one</li>\n</ul>\n\
            <ol start=\"3\" style=\"margin:0 0 1em 0;padding-left:1.6em;\">\n<li style=\"margin:0 0 0.25em 0;\">\n\
            <p style=\"margin:0 0 1em 0;\">three</p>\n<p style=\"margin:0 0 1em 0;\">more</p>\n</li>\n</ol>\n\
            <blockquote style=\"margin:0 0 1em 0;padding:0 0 0 1em;border-left:3px solid #cccccc;color:#444444;\">\n\
            <p style=\"margin:0 0 1em 0;\">q</p>\n</blockquote>\n\
            <hr style=\"border:0;border-top:1px solid #cccccc;margin:1em 0;\">\n\
            <p style=\"margin:0 0 1em 0;color:#666666;font-style:italic;\">[image: Chart &lt;2025&gt;]</p>\n";
        assert_eq!(body, expected);
        assert!(!html.contains("<img"));
    }
}
