//! The rendered body's Markdown -> the letter's [`Block`]s: paragraphs with bold/italic/link
//! runs, lists, quotes, headings, images and rules. Anything else (code, raw HTML) is kept
//! as literal text; nothing is ever interpreted as HTML.

use crate::letter::{Block, Inline, TextStyle};
use crate::style::Length;
use pulldown_cmark::{Event, HeadingLevel, Options, Parser, Tag, TagEnd};
use std::path::Path;

/// How deep block quotes and lists may nest in the body. A letter's lists and quotes nest
/// two or three deep; every output end (layout, email HTML and text) walks the blocks by
/// recursion, and past a few levels the indents would leave no room for text anyway, so 16
/// is generous and keeps that recursion shallow.
pub const MAX_MARKDOWN_NESTING: usize = 16;

fn too_deep() -> BodyError {
    BodyError {
        message: format!(
            "the letter body nests quotes (`>`) and lists more than {MAX_MARKDOWN_NESTING} deep (the limit)"
        ),
        hint: "use fewer levels of `>` and indented `- ` items".to_string(),
    }
}

/// Counts the quotes and lists `event` opens or closes; `true` once they nest past
/// [`MAX_MARKDOWN_NESTING`]. One rule for the template's own body and every rendered one.
fn too_deep_after(depth: &mut usize, event: &Event<'_>) -> bool {
    match event {
        Event::Start(Tag::BlockQuote(_) | Tag::List(_)) => {
            *depth += 1;
            *depth > MAX_MARKDOWN_NESTING
        }
        Event::End(TagEnd::BlockQuote(_) | TagEnd::List(_)) => {
            *depth = depth.saturating_sub(1);
            false
        }
        _ => false,
    }
}

/// A problem with the body: an image's width, or nesting past the limit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BodyError {
    pub message: String,
    pub hint: String,
}

enum Frame {
    // Containers of blocks. `pending` holds inline content outside a paragraph (tight list
    // items put their text straight into the item).
    Root {
        blocks: Vec<Block>,
        pending: Vec<Inline>,
    },
    Item {
        blocks: Vec<Block>,
        pending: Vec<Inline>,
    },
    Quote {
        blocks: Vec<Block>,
        pending: Vec<Inline>,
    },
    List {
        start: Option<u64>,
        items: Vec<Vec<Block>>,
    },
    Paragraph(Vec<Inline>),
    Heading(u8, Vec<Inline>),
    Image {
        url: String,
        title: String,
        alt: String,
    },
    // Code blocks are printed as plain lines.
    Code(Vec<Inline>),
}

struct Builder<'a> {
    stack: Vec<Frame>,
    bold: u32,
    italic: u32,
    links: Vec<String>,
    dir: &'a Path,
    error: Option<BodyError>,
    /// Open quotes and lists.
    depth: usize,
}

/// Parses `markdown` (smart punctuation on) into blocks; image paths are resolved against
/// `dir`, the template's folder.
pub fn to_blocks(markdown: &str, dir: &Path) -> Result<Vec<Block>, BodyError> {
    let mut b = Builder {
        stack: vec![Frame::Root {
            blocks: Vec::new(),
            pending: Vec::new(),
        }],
        bold: 0,
        italic: 0,
        links: Vec::new(),
        dir,
        error: None,
        depth: 0,
    };
    let parser = Parser::new_ext(markdown, Options::ENABLE_SMART_PUNCTUATION);
    for event in parser {
        if too_deep_after(&mut b.depth, &event) {
            // Stop before building anything deeper.
            return Err(too_deep());
        }
        b.event(event);
    }
    if let Some(e) = b.error {
        return Err(e);
    }
    // Close anything left open (cannot happen with a well-formed event stream).
    while b.stack.len() > 1 {
        b.close();
    }
    match b.stack.pop() {
        Some(Frame::Root {
            mut blocks,
            pending,
        }) => {
            flush_pending(&mut blocks, pending);
            Ok(blocks)
        }
        _ => Ok(Vec::new()),
    }
}

fn flush_pending(blocks: &mut Vec<Block>, pending: Vec<Inline>) {
    let trimmed = trim_inlines(pending);
    if !trimmed.is_empty() {
        blocks.push(Block::Paragraph(trimmed));
    }
}

/// Drops leading/trailing line breaks and whitespace-only edges.
fn trim_inlines(mut inlines: Vec<Inline>) -> Vec<Inline> {
    while matches!(inlines.last(), Some(Inline::LineBreak)) {
        inlines.pop();
    }
    while matches!(inlines.first(), Some(Inline::LineBreak)) {
        inlines.remove(0);
    }
    if let Some(Inline::Text { text, .. }) = inlines.first_mut() {
        let t = text.trim_start();
        if t.len() != text.len() {
            *text = t.to_string();
        }
    }
    if let Some(Inline::Text { text, .. }) = inlines.last_mut() {
        let t = text.trim_end();
        if t.len() != text.len() {
            *text = t.to_string();
        }
    }
    inlines.retain(|i| !matches!(i, Inline::Text { text, .. } if text.is_empty()));
    inlines
}

impl Builder<'_> {
    fn style(&self) -> TextStyle {
        TextStyle {
            bold: self.bold > 0,
            italic: self.italic > 0,
            link: self.links.last().cloned(),
        }
    }

    fn event(&mut self, event: Event<'_>) {
        match event {
            Event::Start(tag) => self.start(tag),
            Event::End(end) => self.end(end),
            Event::Text(t)
            | Event::Code(t)
            | Event::InlineHtml(t)
            | Event::InlineMath(t)
            | Event::DisplayMath(t)
            | Event::FootnoteReference(t) => self.text(&t),
            Event::Html(t) => {
                // A raw HTML block: printed as it stands, one line per source line.
                let mut first = true;
                for line in t.lines() {
                    if !first {
                        self.inline(Inline::LineBreak);
                    }
                    first = false;
                    self.text(line);
                }
                self.inline(Inline::LineBreak);
            }
            Event::SoftBreak => self.text(" "),
            Event::HardBreak => self.inline(Inline::LineBreak),
            Event::Rule => self.block(Block::Rule),
            Event::TaskListMarker(done) => self.text(if done { "[x] " } else { "[ ] " }),
        }
    }

    fn start(&mut self, tag: Tag<'_>) {
        match tag {
            Tag::Paragraph => self.stack.push(Frame::Paragraph(Vec::new())),
            Tag::Heading { level, .. } => {
                let level = match level {
                    HeadingLevel::H1 => 1,
                    HeadingLevel::H2 => 2,
                    HeadingLevel::H3 => 3,
                    HeadingLevel::H4 => 4,
                    HeadingLevel::H5 => 5,
                    HeadingLevel::H6 => 6,
                };
                self.stack.push(Frame::Heading(level, Vec::new()));
            }
            Tag::BlockQuote(_) => {
                self.flush_container_pending();
                self.stack.push(Frame::Quote {
                    blocks: Vec::new(),
                    pending: Vec::new(),
                });
            }
            Tag::CodeBlock(_) => self.stack.push(Frame::Code(Vec::new())),
            Tag::List(start) => {
                self.flush_container_pending();
                self.stack.push(Frame::List {
                    start,
                    items: Vec::new(),
                });
            }
            Tag::Item => self.stack.push(Frame::Item {
                blocks: Vec::new(),
                pending: Vec::new(),
            }),
            Tag::Emphasis => self.italic += 1,
            Tag::Strong => self.bold += 1,
            Tag::Link { dest_url, .. } => self.links.push(dest_url.to_string()),
            Tag::Image {
                dest_url, title, ..
            } => self.stack.push(Frame::Image {
                url: dest_url.to_string(),
                title: title.to_string(),
                alt: String::new(),
            }),
            // Not enabled: tables, footnotes, definition lists, metadata, strikethrough.
            _ => {}
        }
    }

    fn end(&mut self, end: TagEnd) {
        match end {
            TagEnd::Emphasis => self.italic = self.italic.saturating_sub(1),
            TagEnd::Strong => self.bold = self.bold.saturating_sub(1),
            TagEnd::Link => {
                self.links.pop();
            }
            TagEnd::Paragraph
            | TagEnd::Heading(_)
            | TagEnd::BlockQuote(_)
            | TagEnd::CodeBlock
            | TagEnd::List(_)
            | TagEnd::Item
            | TagEnd::Image => self.close(),
            _ => {}
        }
    }

    /// Pops the top frame and hands its result to the frame below.
    fn close(&mut self) {
        let Some(frame) = self.stack.pop() else {
            return;
        };
        match frame {
            Frame::Paragraph(inlines) | Frame::Code(inlines) => {
                let inlines = trim_inlines(inlines);
                if !inlines.is_empty() {
                    self.block(Block::Paragraph(inlines));
                }
            }
            Frame::Heading(level, content) => self.block(Block::Heading {
                level,
                content: trim_inlines(content),
            }),
            Frame::Quote {
                mut blocks,
                pending,
            } => {
                flush_pending(&mut blocks, pending);
                self.block(Block::Quote(blocks));
            }
            Frame::List { start, items } => self.block(Block::List { start, items }),
            Frame::Item {
                mut blocks,
                pending,
            } => {
                flush_pending(&mut blocks, pending);
                if let Some(Frame::List { items, .. }) = self.stack.last_mut() {
                    items.push(blocks);
                }
            }
            Frame::Image { url, title, alt } => {
                let width = match image_width(&title) {
                    Ok(w) => w,
                    Err(e) => {
                        self.error.get_or_insert(e);
                        None
                    }
                };
                let path = super::frontmatter::resolve_path(Path::new(&url), self.dir);
                self.block(Block::Image { path, alt, width });
            }
            root @ Frame::Root { .. } => self.stack.push(root),
        }
    }

    /// Adds a finished block to the innermost block container. An image inside a
    /// paragraph splits it: the text before becomes its own paragraph.
    fn block(&mut self, block: Block) {
        let Some(top) = self.stack.last_mut() else {
            return;
        };
        match top {
            Frame::Root { blocks, pending }
            | Frame::Item { blocks, pending }
            | Frame::Quote { blocks, pending } => {
                flush_pending(blocks, std::mem::take(pending));
                blocks.push(block);
            }
            Frame::Paragraph(inlines) | Frame::Heading(_, inlines) | Frame::Code(inlines) => {
                // Only images end up here (they are inline in Markdown).
                let before = trim_inlines(std::mem::take(inlines));
                // Find the container below the paragraph.
                let n = self.stack.len();
                if n >= 2 {
                    if let Frame::Root { blocks, pending }
                    | Frame::Item { blocks, pending }
                    | Frame::Quote { blocks, pending } = &mut self.stack[n - 2]
                    {
                        flush_pending(blocks, std::mem::take(pending));
                        if !before.is_empty() {
                            blocks.push(Block::Paragraph(before));
                        }
                        blocks.push(block);
                    }
                }
            }
            Frame::List { items, .. } => items.push(vec![block]),
            Frame::Image { .. } => {}
        }
    }

    fn flush_container_pending(&mut self) {
        if let Some(
            Frame::Root { blocks, pending }
            | Frame::Item { blocks, pending }
            | Frame::Quote { blocks, pending },
        ) = self.stack.last_mut()
        {
            flush_pending(blocks, std::mem::take(pending));
        }
    }

    fn text(&mut self, t: &str) {
        if let Some(Frame::Image { alt, .. }) = self.stack.last_mut() {
            alt.push_str(t);
            return;
        }
        if t.is_empty() {
            return;
        }
        let style = self.style();
        let Some(inlines) = self.inlines() else {
            return;
        };
        if let Some(Inline::Text { text, style: last }) = inlines.last_mut() {
            if *last == style {
                text.push_str(t);
                return;
            }
        }
        inlines.push(Inline::Text {
            text: t.to_string(),
            style,
        });
    }

    fn inline(&mut self, inline: Inline) {
        if let Some(inlines) = self.inlines() {
            inlines.push(inline);
        }
    }

    fn inlines(&mut self) -> Option<&mut Vec<Inline>> {
        match self.stack.last_mut()? {
            Frame::Paragraph(v) | Frame::Heading(_, v) | Frame::Code(v) => Some(v),
            Frame::Root { pending, .. }
            | Frame::Item { pending, .. }
            | Frame::Quote { pending, .. } => Some(pending),
            Frame::List { .. } | Frame::Image { .. } => None,
        }
    }
}

/// Checks the template's own body (before any row is rendered): a bad `width=` on an
/// image, or quotes and lists nested past [`MAX_MARKDOWN_NESTING`], is reported once, at
/// its line (1-based within `source`).
pub fn check_body(source: &str) -> Result<(), (usize, BodyError)> {
    let line_of = |at: usize| source[..at].matches('\n').count() + 1;
    let mut depth = 0usize;
    for (event, range) in Parser::new_ext(source, Options::empty()).into_offset_iter() {
        if too_deep_after(&mut depth, &event) {
            return Err((line_of(range.start), too_deep()));
        }
        // A width filled in from the data is checked per row instead.
        if let Event::Start(Tag::Image { title, .. }) = event {
            if !title.contains("{{") {
                if let Err(e) = image_width(&title) {
                    return Err((line_of(range.start), e));
                }
            }
        }
    }
    Ok(())
}

/// `width=1.8in` in an image title -> points.
fn image_width(title: &str) -> Result<Option<f32>, BodyError> {
    for part in title.split([' ', ',', ';']) {
        if let Some(v) = part.trim().strip_prefix("width=") {
            return Length::parse(v)
                .ok()
                .filter(|l| l.pt() > 0.0)
                .map(|l| Some(l.pt()))
                .ok_or_else(|| BodyError {
                    message: format!("the image width `{v}` is not a length more than 0"),
                    hint: "write it in the image title like `![Signature](sig.png \"width=1.8in\")`, in in, mm, cm or pt".to_string(),
                });
        }
    }
    Ok(None)
}

#[cfg(test)]
mod tests {
    use super::to_blocks;
    use crate::letter::{Block, Inline, TextStyle};
    use std::path::Path;

    fn t(s: &str) -> Inline {
        Inline::Text {
            text: s.to_string(),
            style: TextStyle::default(),
        }
    }

    fn styled(s: &str, bold: bool, italic: bool) -> Inline {
        Inline::Text {
            text: s.to_string(),
            style: TextStyle {
                bold,
                italic,
                link: None,
            },
        }
    }

    fn blocks(md: &str) -> Vec<Block> {
        to_blocks(md, Path::new("/tpl")).unwrap()
    }

    #[test]
    fn paragraphs_emphasis_and_breaks() {
        let b = blocks("Hello **bold *both*** and *it*\nnext  \nline\\\nend\n\nSecond");
        assert_eq!(
            b,
            [
                Block::Paragraph(vec![
                    t("Hello "),
                    styled("bold ", true, false),
                    styled("both", true, true),
                    t(" and "),
                    styled("it", false, true),
                    t(" next"),
                    Inline::LineBreak,
                    t("line"),
                    Inline::LineBreak,
                    t("end"),
                ]),
                Block::Paragraph(vec![t("Second")]),
            ]
        );
    }

    #[test]
    fn lists_nest_and_number() {
        let b = blocks("- one\n- two\n  1. a\n  2. b\n\n3. x\n4. y\n");
        assert_eq!(
            b,
            [
                Block::List {
                    start: None,
                    items: vec![
                        vec![Block::Paragraph(vec![t("one")])],
                        vec![
                            Block::Paragraph(vec![t("two")]),
                            Block::List {
                                start: Some(1),
                                items: vec![
                                    vec![Block::Paragraph(vec![t("a")])],
                                    vec![Block::Paragraph(vec![t("b")])],
                                ],
                            },
                        ],
                    ],
                },
                Block::List {
                    start: Some(3),
                    items: vec![
                        vec![Block::Paragraph(vec![t("x")])],
                        vec![Block::Paragraph(vec![t("y")])],
                    ],
                },
            ]
        );
    }

    #[test]
    fn links_headings_quotes_rules_code_and_html() {
        let b = blocks(
            "# Title\n\nSee [our site](https://lib.example.org).\n\n> quoted\n\n---\n\nUse `code` <b>x</b>\n\n<div>raw</div>\n",
        );
        assert_eq!(
            b[0],
            Block::Heading {
                level: 1,
                content: vec![t("Title")]
            }
        );
        assert_eq!(
            b[1],
            Block::Paragraph(vec![
                t("See "),
                Inline::Text {
                    text: "our site".into(),
                    style: TextStyle {
                        link: Some("https://lib.example.org".into()),
                        ..TextStyle::default()
                    }
                },
                t("."),
            ])
        );
        assert_eq!(
            b[2],
            Block::Quote(vec![Block::Paragraph(vec![t("quoted")])])
        );
        assert_eq!(b[3], Block::Rule);
        assert_eq!(b[4], Block::Paragraph(vec![t("Use code <b>x</b>")]));
        assert_eq!(b[5], Block::Paragraph(vec![t("<div>raw</div>")]));
    }

    #[test]
    fn images_resolve_and_take_a_width() {
        let b = blocks("Yours,\n\n![Signature](sig.png \"width=1.8in\")\n\nPat");
        assert_eq!(
            b[1],
            Block::Image {
                path: Path::new("/tpl/sig.png").to_path_buf(),
                alt: "Signature".into(),
                width: Some(1.8 * 72.0),
            }
        );
        assert_eq!(b.len(), 3);
        // An image inside text splits the paragraph.
        let b = blocks("Before ![x](/abs/x.png) after");
        assert_eq!(b.len(), 3, "{b:?}");
        assert!(
            matches!(&b[1], Block::Image { path, width: None, .. } if path == Path::new("/abs/x.png"))
        );
        assert!(to_blocks("![x](a.png \"width=wide\")", Path::new("")).is_err());
        let (line, e) = super::check_body("a\n\nb ![x](a.png \"width=wide\")").unwrap_err();
        assert_eq!(line, 3);
        assert_eq!(
            e.message,
            "the image width `wide` is not a length more than 0"
        );
        assert!(super::check_body("![x](a.png \"width=0in\")").is_err());
        assert!(super::check_body("![x](a.png \"width=2in\")").is_ok());
        assert!(super::check_body("![x](a.png \"width={{w}}\")").is_ok());
    }

    #[test]
    fn nesting_just_under_and_over_the_limit() {
        use super::{check_body, MAX_MARKDOWN_NESTING};
        for marker in ["> ", "- ", "1. "] {
            let at = |n: usize| format!("Intro\n\n{}deep\n", marker.repeat(n));
            assert!(check_body(&at(MAX_MARKDOWN_NESTING)).is_ok(), "{marker}");
            assert!(to_blocks(&at(MAX_MARKDOWN_NESTING), Path::new("")).is_ok());
            let (line, e) = check_body(&at(MAX_MARKDOWN_NESTING + 1)).unwrap_err();
            assert_eq!(line, 3, "{marker}");
            assert!(e.message.contains("more than 16 deep"), "{}", e.message);
            let e = to_blocks(&at(MAX_MARKDOWN_NESTING + 1), Path::new("")).unwrap_err();
            assert!(e.message.contains("(the limit)"));
        }
        // Thousands deep: refused quickly, no stack overflow.
        assert!(to_blocks(&"> ".repeat(5000), Path::new("")).is_err());
        assert!(check_body(&format!("{}x", "- ".repeat(5000))).is_err());
    }

    #[test]
    fn smart_punctuation_for_template_text() {
        let b = blocks("\"Hello\" -- it's 9--5 --- ok");
        assert_eq!(b, [Block::Paragraph(vec![t("“Hello” – it’s 9–5 — ok")])]);
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig::with_cases(256))]

        /// Any Markdown, including deep mixes of quotes, lists and emphasis, gives blocks or
        /// an error; never a panic or a stack overflow, also when its text is walked.
        #[test]
        fn any_markdown_gives_blocks_or_an_error(
            pieces in proptest::collection::vec(
                proptest::sample::select(vec!["> ", "- ", "1. ", "  ", "\n", "x", "*", "**", "[a](b)", "![i](p.png)", "`", "---", "# ", "<b>"]),
                0..300,
            ),
        ) {
            let md: String = pieces.concat();
            if let Ok(blocks) = to_blocks(&md, Path::new("")) {
                let letter = crate::letter::Letter { body: blocks, ..Default::default() };
                let _ = letter.body_text();
            }
            let _ = super::check_body(&md);
        }
    }
}
