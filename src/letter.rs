//! The rendered, format-neutral letter: what one data row becomes once the template has run.
//!
//! Every output end (typesetter, email, preview) consumes this one type; none of them knows
//! about CSV or Handlebars. All text here is final, literal text: Markdown has already been
//! parsed and data values can no longer become formatting.

/// One letter, rendered for one data row.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Letter {
    /// The data row this letter came from, numbered as the spreadsheet shows it (header = 1).
    pub row: u64,
    /// The rendered `filename` value (not yet sanitised); `None` when the template has none.
    pub filename: Option<String>,
    /// Recipient address block, one entry per line, empty lines already dropped.
    pub address: Vec<String>,
    /// The letter's date line, e.g. "November 29, 2026".
    pub date: Option<String>,
    /// "Dear Senator Doe:"; `None` when the template gives no salutation.
    pub salutation: Option<String>,
    /// The body blocks, in order.
    pub body: Vec<Block>,
    /// "Sincerely,"; `None` when the template gives no closing.
    pub closing: Option<String>,
    /// Email headers (used by the email end; the print end ignores them).
    pub email: EmailHeaders,
    /// What filling in the template warned about (an address `{{address_lines}}` could not
    /// split with confidence, so it is printed as written), each with its row. The letter
    /// is complete; these are for `check` and `pdf` to report.
    pub warnings: Vec<crate::problem::Problem>,
}

/// Email header values rendered from the front matter. Each is one rendered string, which
/// may still hold several comma-separated addresses; the email end parses and validates them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct EmailHeaders {
    pub to: Option<String>,
    pub cc: Option<String>,
    pub bcc: Option<String>,
    pub reply_to: Option<String>,
    pub from: Option<String>,
    pub subject: Option<String>,
    /// The paths the row's `attachments` value names (split at `;` and line breaks, blanks
    /// dropped), as written: the attachments module checks and resolves them.
    pub attachments: Vec<String>,
}

/// A block of the letter body.
#[derive(Debug, Clone, PartialEq)]
pub enum Block {
    /// A paragraph of inline runs.
    Paragraph(Vec<Inline>),
    /// A heading (level 1-6), set as a bold paragraph in a letter.
    Heading { level: u8, content: Vec<Inline> },
    /// A bullet list (`start == None`) or a numbered list starting at `start`.
    List {
        start: Option<u64>,
        items: Vec<Vec<Block>>,
    },
    /// A block quote, set indented.
    Quote(Vec<Block>),
    /// An image such as a signature or a chart. `path` is resolved (absolute or relative to
    /// the working directory), `width` is in points when the template asked for one.
    Image {
        path: std::path::PathBuf,
        alt: String,
        width: Option<f32>,
    },
    /// A thematic break (`---` in Markdown): a thin rule across the measure.
    Rule,
}

/// An inline piece of a paragraph.
#[derive(Debug, Clone, PartialEq)]
pub enum Inline {
    /// Literal text in one style. Soft line breaks from the source are already spaces.
    Text { text: String, style: TextStyle },
    /// A hard line break (two trailing spaces or a backslash at the end of a Markdown line).
    LineBreak,
}

/// The style of an inline run.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct TextStyle {
    pub bold: bool,
    pub italic: bool,
    /// Target of a Markdown link; the text is printed, the PDF gets a link annotation.
    pub link: Option<String>,
}

/// The link schemes an output end may make clickable (PDF link annotations, email
/// `<a href>`): web and mail. Anything else (`javascript:`, `file:`, `data:`, ...) could run
/// code or open a local file in the reader's viewer, so it is shown as plain text.
pub const LINK_SCHEMES: [&str; 3] = ["http", "https", "mailto"];

/// Whether a link target may become clickable: its scheme is one of [`LINK_SCHEMES`]
/// (case-insensitive, as viewers and browsers treat `JavaScript:` like `javascript:`) with
/// something after it. Control characters and white space, which browsers strip inside a
/// scheme, disqualify a target outright. The one rule for every output end.
pub fn is_safe_link(url: &str) -> bool {
    if url.chars().any(|c| c.is_control() || c.is_whitespace()) {
        return false;
    }
    let Some((scheme, rest)) = url.split_once(':') else {
        return false;
    };
    LINK_SCHEMES.iter().any(|s| scheme.eq_ignore_ascii_case(s)) && !rest.is_empty()
}

impl Letter {
    /// The plain text of the body, paragraphs separated by blank lines (for previews, email
    /// text parts and tests).
    pub fn body_text(&self) -> String {
        let mut out = String::new();
        for block in &self.body {
            block_text(block, &mut out, "");
        }
        out.trim_end().to_string()
    }
}

fn block_text(block: &Block, out: &mut String, indent: &str) {
    match block {
        Block::Paragraph(inlines)
        | Block::Heading {
            content: inlines, ..
        } => {
            out.push_str(indent);
            inline_text(inlines, out, indent);
            out.push_str("\n\n");
        }
        Block::List { start, items } => {
            for (i, item) in items.iter().enumerate() {
                let marker = match start {
                    Some(n) => format!("{}. ", n + i as u64),
                    None => "- ".to_string(),
                };
                let mut inner = String::new();
                for b in item {
                    block_text(b, &mut inner, "");
                }
                let inner = inner.trim_end();
                let pad = " ".repeat(marker.len());
                for (j, line) in inner.lines().enumerate() {
                    out.push_str(indent);
                    out.push_str(if j == 0 { &marker } else { &pad });
                    out.push_str(line);
                    out.push('\n');
                }
            }
            out.push('\n');
        }
        Block::Quote(blocks) => {
            let inner_indent = format!("{indent}> ");
            for b in blocks {
                block_text(b, out, &inner_indent);
            }
        }
        Block::Image { alt, .. } => {
            out.push_str(indent);
            out.push_str(&format!("[image: {alt}]\n\n"));
        }
        Block::Rule => out.push_str("----\n\n"),
    }
}

fn inline_text(inlines: &[Inline], out: &mut String, indent: &str) {
    for inline in inlines {
        match inline {
            Inline::Text { text, .. } => out.push_str(text),
            Inline::LineBreak => {
                out.push('\n');
                out.push_str(indent);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{is_safe_link, Block, Inline, Letter, TextStyle};

    #[test]
    fn only_web_and_mail_links_are_safe() {
        assert!(is_safe_link("https://example.org"));
        assert!(is_safe_link("HTTP://example.org"));
        assert!(is_safe_link("mailto:jane@x.gov"));
        for bad in [
            "javascript:alert(1)",
            "JavaScript:alert(1)",
            "java\tscript:alert(1)",
            "data:text/html,<b>",
            "file:///etc/passwd",
            "www.example.org",
            "/relative",
            "https:",
        ] {
            assert!(!is_safe_link(bad), "{bad}");
        }
    }

    fn text(s: &str) -> Inline {
        Inline::Text {
            text: s.to_string(),
            style: TextStyle::default(),
        }
    }

    #[test]
    fn body_text_joins_paragraphs_and_lists() {
        let letter = Letter {
            body: vec![
                Block::Paragraph(vec![text("Hello"), Inline::LineBreak, text("world")]),
                Block::List {
                    start: Some(3),
                    items: vec![vec![Block::Paragraph(vec![text("a")])]],
                },
            ],
            ..Letter::default()
        };
        assert_eq!(letter.body_text(), "Hello\nworld\n\n3. a");
    }
}
