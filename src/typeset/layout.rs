//! The page layout of a letter: letterhead, window-envelope address block, date, body,
//! closing and signature, enclosures; page breaks with a continuation header.

use std::path::Path;
use std::sync::Arc;

use crate::images::ImageStore;
use crate::letter::{is_safe_link, Block, Inline, Letter};
use crate::problem::Problem;
use crate::style::{Color, PageSize, Style, PT_PER_IN, PT_PER_MM};

use super::page::{Item, Kind, Page, PageTags, Spans, Structure, ARTIFACT};
use super::par::{Align, Element, Engine, ParStyle, Piece};

const GREY: Color = Color(0x33, 0x33, 0x33);
const MARK_GREY: Color = Color(0x99, 0x99, 0x99);
const ADDRESS_SIZE: f32 = 10.5;
const ADDRESS_LEADING: f32 = 1.2;
const SMALL_SIZE: f32 = 9.5;
const HEADER_SIZE: f32 = 9.0;
/// Natural resolution assumed for images without a width.
const IMAGE_DPI: f32 = 150.0;

/// The envelope window's address box on the sheet, in points from the top-left corner.
struct Window {
    x: f32,
    y: f32,
    width: f32,
    height: f32,
    /// Return address baseline.
    return_baseline: f32,
    /// Where the text flow begins on page 1.
    text_top: f32,
}

fn window(page: PageSize) -> Window {
    match page {
        // #10 window envelope, sheet tri-folded: window 4.5 x 1.125 in, 7/8 in from the
        // left and 1/2 in from the bottom of the envelope.
        PageSize::Letter => Window {
            x: 1.0 * PT_PER_IN,
            y: 2.125 * PT_PER_IN,
            width: 3.5 * PT_PER_IN,
            height: 1.0 * PT_PER_IN,
            return_baseline: 2.125 * PT_PER_IN - 3.0,
            text_top: 3.35 * PT_PER_IN,
        },
        // DIN 5008 form B: address field 20 mm from the left, 45 mm from the top, 85 x 45
        // mm; the recipient lines start below the 17.7 mm notes zone, indented 5 mm.
        PageSize::A4 => Window {
            x: 25.0 * PT_PER_MM,
            y: 62.7 * PT_PER_MM,
            width: 75.0 * PT_PER_MM,
            height: 27.3 * PT_PER_MM,
            return_baseline: 61.0 * PT_PER_MM,
            text_top: 98.0 * PT_PER_MM,
        },
    }
}

/// Face index for a text style: 0 regular, 1 bold, 2 italic, 3 bold italic.
fn face(bold: bool, italic: bool) -> usize {
    usize::from(bold) + 2 * usize::from(italic)
}

fn pieces<'a>(inlines: &'a [Inline], bold: bool, out: &mut Vec<Piece<'a>>) {
    for inline in inlines {
        out.push(match inline {
            Inline::Text { text, style } => Piece::Text {
                text,
                face: face(bold || style.bold, style.italic),
                // A target the PDF may not make clickable stays plain text.
                link: style.link.as_deref().filter(|url| is_safe_link(url)),
            },
            Inline::LineBreak => Piece::LineBreak,
        });
    }
}

fn plain(text: &str, face: usize) -> [Piece<'_>; 1] {
    [Piece::Text {
        text,
        face,
        link: None,
    }]
}

/// Moves elements onto a page, the first one's top at `y`, noting each one's structure
/// node in `spans`. Returns the y below the last.
fn place(
    elements: Vec<Element>,
    mut y: f32,
    page: &mut Vec<Item>,
    spans: &mut Vec<(u32, u32)>,
) -> f32 {
    for e in elements {
        let height = e.height;
        put(e, y, page, spans);
        y += height;
    }
    y
}

/// Puts one element's items on a page at `y`, with their structure nodes.
fn put(e: Element, y: f32, page: &mut Vec<Item>, spans: &mut Vec<(u32, u32)>) {
    let (lead, lead_node) = e.lead;
    for (i, mut item) in e.items.into_iter().enumerate() {
        if i == 0 && lead > 0 {
            PageTags::push(spans, page.len(), lead_node);
        } else if i == lead as usize {
            PageTags::push(spans, page.len(), e.node);
        }
        shift(&mut item, y);
        page.push(item);
    }
}

fn shift(item: &mut Item, dy: f32) {
    match item {
        Item::Text(run) => run.y += dy,
        Item::Rule { y, .. } | Item::Image { y, .. } | Item::Link { y, .. } => *y += dy,
    }
}

struct Layout<'a> {
    eng: &'a mut Engine,
    style: &'a Style,
    images: &'a ImageStore,
    row: u64,
    /// Left edge and width of the measure.
    left: f32,
    measure: f32,
    size: f32,
    leading: f32,
    gap: f32,
    /// The flow being built.
    flow: Vec<Element>,
    /// The letter's logical structure, built in reading order.
    tree: Structure,
    /// Structure runs of the first page's fixed items (letterhead, address block).
    first_spans: Vec<(u32, u32)>,
}

/// The narrowest measure that nesting may leave: deeper quotes and lists stop indenting
/// once less than 1 in would be left for their text (the margins leave at least 2 in), so
/// the measure never shrinks to nothing or below zero, however deep the body nests.
const MIN_NESTED_MEASURE: f32 = PT_PER_IN;

/// `indent` (taken `sides` times from `width`), reduced so that at least
/// [`MIN_NESTED_MEASURE`] of the measure is left (0 when the measure is already that narrow).
fn nested_indent(indent: f32, width: f32, sides: f32) -> f32 {
    indent.min(((width - MIN_NESTED_MEASURE) / sides).max(0.0))
}

/// Lays out one letter into pages.
pub(crate) fn letter(
    eng: &mut Engine,
    style: &Style,
    letter: &Letter,
    images: &ImageStore,
    warnings: &mut Vec<Problem>,
) -> Result<Vec<Page>, Problem> {
    let (pw, ph) = style.page.dimensions();
    let m = &style.margins;
    let measure = pw - m.left.pt() - m.right.pt();
    if measure < 72.0 || ph - m.top.pt() - m.bottom.pt() < 72.0 {
        return Err(Problem::error(format!(
            "the margins leave only {:.0} x {:.0} pt for the text",
            measure.max(0.0),
            (ph - m.top.pt() - m.bottom.pt()).max(0.0)
        ))
        .at_row(letter.row)
        .with_hint("make `margins` smaller in the template's front matter"));
    }
    let size = style.font.size;
    let mut lay = Layout {
        eng,
        style,
        images,
        row: letter.row,
        left: m.left.pt(),
        measure,
        size,
        leading: size * style.font.line_height,
        gap: size * style.font.paragraph_spacing,
        flow: Vec::new(),
        tree: Structure::letter(),
        first_spans: Vec::new(),
    };
    let mut first: Vec<Item> = Vec::new();
    let letterhead_bottom = lay.letterhead(&mut first)?;
    let mut text_top = m.top.pt().max(letterhead_bottom + 0.25 * PT_PER_IN);
    if style.window {
        let win = window(style.page);
        lay.window_address(letter, &win, &mut first, warnings);
        text_top = text_top.max(win.text_top);
        if style.page == PageSize::A4 {
            PageTags::push(&mut lay.first_spans, first.len(), ARTIFACT);
            fold_marks(&mut first);
        }
    } else if !letter.address.is_empty() {
        lay.address_lines(letter, lay.left, lay.measure);
        lay.flow.push(Element::space(2.0 * lay.gap));
    }
    lay.body(letter)?;
    let header = continuation_header(letter);
    let flow = std::mem::take(&mut lay.flow);
    let first_spans = std::mem::take(&mut lay.first_spans);
    let (mut pages, spans) = lay.paginate(flow, (first, first_spans), text_top, &header, pw, ph)?;
    if style.tagged {
        let structure = Arc::new(std::mem::take(&mut lay.tree));
        for (i, (page, spans)) in pages.iter_mut().zip(spans).enumerate() {
            page.tags = Some(PageTags {
                structure: structure.clone(),
                first: i == 0,
                spans,
            });
        }
    }
    Ok(pages)
}

fn continuation_header(letter: &Letter) -> String {
    let mut header = String::new();
    if let Some(name) = letter.address.first() {
        header.push_str(name);
        header.push_str(" · ");
    }
    if let Some(date) = &letter.date {
        header.push_str(date);
        header.push_str(" · ");
    }
    header.push_str("Page ");
    header
}

/// DIN 5008 fold marks (105 and 210 mm) and the hole mark (148.5 mm) at the left edge.
fn fold_marks(items: &mut Vec<Item>) {
    for (y_mm, len_mm) in [(105.0, 5.0), (148.5, 7.0), (210.0, 5.0)] {
        items.push(Item::Rule {
            x: 4.0 * PT_PER_MM,
            y: y_mm * PT_PER_MM - 0.2,
            width: len_mm * PT_PER_MM,
            height: 0.4,
            color: MARK_GREY,
        });
    }
}

impl Layout<'_> {
    /// Adds a structure node under `parent`.
    fn node(&mut self, kind: Kind, parent: u32) -> u32 {
        self.tree.add(kind, parent)
    }

    /// Says the flow's elements from `from` on are (part of) `node`.
    fn tag_from(&mut self, from: usize, node: u32) {
        for e in &mut self.flow[from..] {
            e.node = node;
        }
    }

    fn par_style(&self, size: f32, leading: f32, align: Align, x: f32, width: f32) -> ParStyle {
        ParStyle {
            size,
            leading,
            align,
            color: Color::BLACK,
            hyphenate: false,
            x,
            width,
        }
    }

    fn image_error(&self, path: &Path, e: String) -> Problem {
        Problem::error(format!("cannot use the image {}: {e}", path.display()))
            .at_row(self.row)
            .with_hint("check the image path in the template (PNG or JPEG, relative to the template's folder)")
    }

    /// Draws the letterhead; returns the y of its bottom edge (0 without one).
    fn letterhead(&mut self, items: &mut Vec<Item>) -> Result<f32, Problem> {
        let Some(head) = &self.style.letterhead else {
            return Ok(0.0);
        };
        let div = self.tree.add(Kind::Div, 0);
        let top = 0.45 * PT_PER_IN;
        let mut bottom = top;
        let mut name_x = self.left;
        let name_size = 15.0;
        let mut name_baseline = top + 0.75 * name_size;
        if let Some(logo) = &head.logo {
            let id = self
                .images
                .load(logo)
                .map_err(|e| self.image_error(logo, e))?;
            let (wpx, hpx) = self.images.size_px(id);
            let h = head.logo_height.map_or(0.6 * PT_PER_IN, |l| l.pt());
            let w = if hpx > 0 {
                h * wpx as f32 / hpx as f32
            } else {
                h
            };
            // `check` warns about a logo with neither alt text nor a name to stand for it.
            let alt = match (&head.logo_alt, head.name.is_empty()) {
                (Some(alt), _) => alt.clone(),
                (None, false) => head.name.clone(),
                (None, true) => "Logo".to_string(),
            };
            let figure = self.tree.add(Kind::Figure(alt), div);
            PageTags::push(&mut self.first_spans, items.len(), figure);
            items.push(Item::Image {
                image: id,
                x: self.left,
                y: top,
                width: w,
                height: h,
            });
            name_x += w + 10.0;
            name_baseline = top + h / 2.0 + 0.35 * name_size;
            bottom = bottom.max(top + h);
        }
        // The contact lines sit right-aligned beside the name when both fit on the measure,
        // otherwise right-aligned under it: they must never overprint the name.
        let small = 8.75;
        let mut info_st =
            self.par_style(small, small * 1.25, Align::Right, self.left, self.measure);
        info_st.color = GREY;
        let mut info = Vec::new();
        let mut info_width: f32 = 0.0;
        for line in &head.lines {
            let mut els = Vec::new();
            info_width = info_width.max(self.eng.paragraph(&plain(line, 0), &info_st, &mut els));
            info.push(els);
        }
        // The name is read first, then the contact lines, whatever their placement.
        let name_node = (!head.name.is_empty()).then(|| self.tree.add(Kind::P, div));
        for els in &mut info {
            let p = self.tree.add(Kind::P, div);
            for e in els.iter_mut() {
                e.node = p;
            }
        }
        let mut name_right = name_x;
        if !head.name.is_empty() {
            let mut st = self.par_style(
                name_size,
                name_size * 1.2,
                Align::Left,
                name_x,
                self.left + self.measure - name_x,
            );
            st.color = self.style.accent;
            let mut lines = Vec::new();
            let name_width = self.eng.paragraph(&plain(&head.name, 1), &st, &mut lines);
            for e in &mut lines {
                e.node = name_node.unwrap_or(ARTIFACT);
            }
            name_right = name_x + name_width;
            let line_top = name_baseline - self.eng.baseline(st.size, st.leading);
            bottom = bottom.max(name_baseline + self.eng.descent * name_size);
            let end = place(lines, line_top, items, &mut self.first_spans);
            bottom = bottom.max(end - (st.leading - name_size * 1.0) / 2.0);
        }
        let beside = info.is_empty() || name_right + 12.0 <= self.left + self.measure - info_width;
        let mut y = if beside {
            top + 0.8 * small - self.eng.baseline(small, info_st.leading)
        } else {
            bottom + 3.0
        };
        for els in info {
            y = place(els, y, items, &mut self.first_spans);
            bottom = bottom.max(y - (info_st.leading - small) / 2.0);
        }
        let rule_y = bottom + 4.0;
        PageTags::push(&mut self.first_spans, items.len(), ARTIFACT);
        items.push(Item::Rule {
            x: self.left,
            y: rule_y,
            width: self.measure,
            height: 0.6,
            color: self.style.accent,
        });
        Ok(rule_y + 0.6)
    }

    /// Sets the address lines into `self.flow` at `x`; returns the widest line.
    fn address_lines(&mut self, letter: &Letter, x: f32, width: f32) -> f32 {
        let st = self.par_style(
            ADDRESS_SIZE,
            ADDRESS_SIZE * ADDRESS_LEADING,
            Align::Left,
            x,
            width,
        );
        let mut widest: f32 = 0.0;
        let div = self.node(Kind::Div, 0);
        for line in &letter.address {
            // "City, ST  ZIP": the two spaces USPS asks for before the ZIP would collapse
            // into one word space; a no-break space after the word space keeps the gap.
            let line = line.replace("  ", " \u{a0}");
            let from = self.flow.len();
            let w = self.eng.paragraph(&plain(&line, 0), &st, &mut self.flow);
            let p = self.node(Kind::P, div);
            self.tag_from(from, p);
            widest = widest.max(w);
        }
        widest
    }

    fn window_address(
        &mut self,
        letter: &Letter,
        win: &Window,
        items: &mut Vec<Item>,
        warnings: &mut Vec<Problem>,
    ) {
        let (pw, _) = self.style.page.dimensions();
        // Never past the right margin, even if the window would allow it.
        let room = pw - self.style.margins.right.pt() - win.x;
        if let Some(ret) = self
            .style
            .letterhead
            .as_ref()
            .and_then(|h| h.return_address.as_deref())
        {
            let st = self.par_style(7.0, 8.0, Align::Left, win.x, room);
            let mut els = Vec::new();
            self.eng.paragraph(&plain(ret, 0), &st, &mut els);
            let top = win.return_baseline - self.eng.baseline(7.0, 8.0);
            // The return address is for the post office, not the reader.
            place(els, top, items, &mut self.first_spans);
        }
        let flow_before = self.flow.len();
        self.address_lines(letter, win.x, room);
        let els: Vec<Element> = self.flow.drain(flow_before..).collect();
        let leading = ADDRESS_SIZE * ADDRESS_LEADING;
        let lines = els.len();
        let fit = ((win.height + 0.01) / leading).floor() as usize;
        let (unit, factor) = match self.style.page {
            PageSize::Letter => ("in", PT_PER_IN),
            PageSize::A4 => ("mm", PT_PER_MM),
        };
        if lines > fit {
            warnings.push(
                Problem::warning(format!(
                    "address block is {lines} lines, too tall for the envelope window (at most {fit} fit)"
                ))
                .at_row(self.row)
                .with_hint(format!(
                    "use at most {fit} address lines: combine lines or leave out what the post office does not need"
                ))
                .grouped_as(format!(
                    "address block is too tall for the envelope window (at most {fit} lines fit)"
                )),
            );
        }
        for line in &letter.address {
            let w = self.eng.measure(line, 0, ADDRESS_SIZE);
            if w > win.width + 0.01 {
                warnings.push(
                    Problem::warning(format!(
                        "address block is too wide for the envelope window: \"{line}\" is {:.2}{unit} wide, the window holds {:.2}{unit}",
                        w / factor,
                        win.width / factor
                    ))
                    .at_row(self.row)
                    .with_hint("shorten that address line (abbreviate, e.g. \"St.\", \"Ste.\") or split it")
                    .grouped_as(format!(
                        "address block is too wide for the envelope window: a line is wider than the window's {:.2}{unit}",
                        win.width / factor
                    ))
                    .with_group_hint("shorten the address lines that are too wide (abbreviate, e.g. \"St.\", \"Ste.\") or split them; check --all shows each"),
                );
                break;
            }
        }
        place(els, win.y, items, &mut self.first_spans);
    }

    fn body_style(&self, x: f32, width: f32) -> ParStyle {
        let mut st = self.par_style(
            self.size,
            self.leading,
            if self.style.font.justify {
                Align::Justify
            } else {
                Align::Left
            },
            x,
            width,
        );
        st.hyphenate = self.style.font.hyphenate;
        st
    }

    /// A one-paragraph line of the letter (date, salutation, closing, signature lines).
    fn line(&mut self, text: &str, face: usize, align: Align) {
        let st = self.par_style(self.size, self.leading, align, self.left, self.measure);
        let from = self.flow.len();
        self.eng.paragraph(&plain(text, face), &st, &mut self.flow);
        let p = self.node(Kind::P, 0);
        self.tag_from(from, p);
    }

    fn keep_last(&mut self) {
        if let Some(e) = self.flow.last_mut() {
            e.keep_with_next = true;
        }
    }

    fn body(&mut self, letter: &Letter) -> Result<(), Problem> {
        if let Some(date) = &letter.date {
            self.line(date, 0, Align::Right);
            self.flow.push(Element::space(self.gap));
        }
        if let Some(s) = &letter.salutation {
            self.line(s, 0, Align::Left);
            self.keep_last();
            self.flow.push(Element::space(self.gap));
            self.keep_last();
        }
        self.blocks(&letter.body, self.left, self.measure, self.gap, 0)?;
        if let Some(closing) = &letter.closing {
            self.flow.push(Element::space(self.gap));
            self.line(closing, 0, Align::Left);
            if self.style.signature.is_some() {
                self.keep_last();
            }
        }
        if let Some(sig) = &self.style.signature {
            let h = sig.height.map_or(0.55 * PT_PER_IN, |l| l.pt());
            let mut e = Element {
                height: h,
                items: Vec::new(),
                keep_with_next: true,
                space: false,
                node: ARTIFACT,
                lead: (0, ARTIFACT),
            };
            if let Some(path) = &sig.image {
                let id = self
                    .images
                    .load(path)
                    .map_err(|e| self.image_error(path, e))?;
                let (wpx, hpx) = self.images.size_px(id);
                let w = if hpx > 0 {
                    h * wpx as f32 / hpx as f32
                } else {
                    h
                };
                let scale = (self.measure / w).min(1.0);
                let alt = if sig.name.is_empty() {
                    "Signature".to_string()
                } else {
                    format!("Signature of {}", sig.name)
                };
                e.node = self.node(Kind::Figure(alt), 0);
                e.items.push(Item::Image {
                    image: id,
                    x: self.left,
                    y: 0.0,
                    width: w * scale,
                    height: h * scale,
                });
            }
            self.flow.push(e);
            if !sig.name.is_empty() {
                self.line(&sig.name, 0, Align::Left);
                self.keep_last();
            }
            for l in &sig.lines {
                self.line(l, 0, Align::Left);
                self.keep_last();
            }
            if let Some(e) = self.flow.last_mut() {
                e.keep_with_next = false;
            }
        }
        let style = self.style;
        if !style.enclosures.is_empty() || !style.copies.is_empty() {
            self.flow
                .push(Element::space(0.4 * self.size + self.gap / 2.0));
            let st = self.par_style(
                SMALL_SIZE,
                SMALL_SIZE * self.style.font.line_height,
                Align::Left,
                self.left,
                self.measure,
            );
            let mut texts: Vec<String> = Vec::new();
            match style.enclosures.as_slice() {
                [] => {}
                [one] => texts.push(format!("Enclosure: {one}")),
                many => texts.push(format!("Enclosures ({}): {}", many.len(), many.join("; "))),
            }
            for c in &style.copies {
                texts.push(format!("cc: {c}"));
            }
            for t in &texts {
                let from = self.flow.len();
                self.eng.paragraph(&plain(t, 0), &st, &mut self.flow);
                let p = self.node(Kind::P, 0);
                self.tag_from(from, p);
            }
        }
        Ok(())
    }

    /// Sets body blocks into the flow, their structure under node `parent`.
    fn blocks(
        &mut self,
        blocks: &[Block],
        x: f32,
        width: f32,
        gap: f32,
        parent: u32,
    ) -> Result<(), Problem> {
        let mut pieces: Vec<Piece> = Vec::new();
        for (i, block) in blocks.iter().enumerate() {
            if i > 0 {
                // A heading keeps close to (and on the same page as) what it introduces.
                if matches!(blocks[i - 1], Block::Heading { .. }) {
                    self.flow.push(Element::space(gap / 2.0));
                    self.keep_last();
                } else {
                    self.flow.push(Element::space(gap));
                }
            }
            match block {
                Block::Paragraph(inlines) => {
                    pieces.clear();
                    self::pieces(inlines, false, &mut pieces);
                    let st = self.body_style(x, width);
                    let from = self.flow.len();
                    self.eng.paragraph(&pieces, &st, &mut self.flow);
                    let p = self.node(Kind::P, parent);
                    self.tag_from(from, p);
                    let n = self.flow.len() - from;
                    // No lone first line at a page foot, no lone last line at a page head.
                    if n >= 2 {
                        self.flow[from].keep_with_next = true;
                        self.flow[from + n - 2].keep_with_next = true;
                    }
                }
                Block::Heading { level, content } => {
                    pieces.clear();
                    self::pieces(content, true, &mut pieces);
                    let mut st = self.body_style(x, width);
                    st.align = Align::Left;
                    st.hyphenate = false;
                    let from = self.flow.len();
                    self.eng.paragraph(&pieces, &st, &mut self.flow);
                    let h = self.node(Kind::H((*level).clamp(1, 6)), parent);
                    self.tag_from(from, h);
                    for e in &mut self.flow[from..] {
                        e.keep_with_next = true;
                    }
                }
                Block::List { start, items } => self.list(*start, items, x, width, parent)?,
                Block::Quote(inner) => {
                    let indent = nested_indent(1.5 * self.size, width, 2.0);
                    let quote = self.node(Kind::BlockQuote, parent);
                    self.blocks(inner, x + indent, width - 2.0 * indent, gap, quote)?;
                }
                Block::Image {
                    path,
                    width: w,
                    alt,
                } => {
                    let from = self.flow.len();
                    self.image(path, *w, x, width)?;
                    let figure = self.node(Kind::Figure(alt.clone()), parent);
                    self.tag_from(from, figure);
                }
                Block::Rule => {
                    let h = self.size;
                    self.flow.push(Element {
                        height: h,
                        items: vec![Item::Rule {
                            x,
                            y: h / 2.0 - 0.25,
                            width,
                            height: 0.5,
                            color: GREY,
                        }],
                        keep_with_next: false,
                        space: false,
                        node: ARTIFACT,
                        lead: (0, ARTIFACT),
                    });
                }
            }
        }
        Ok(())
    }

    fn list(
        &mut self,
        start: Option<u64>,
        items: &[Vec<Block>],
        x: f32,
        width: f32,
        parent: u32,
    ) -> Result<(), Problem> {
        let list = self.node(Kind::L, parent);
        let marker = |i: usize| match start {
            Some(n) => format!("{}.", n + i as u64),
            None => "•".to_string(),
        };
        let widest = (0..items.len())
            .map(|i| self.eng.measure(&marker(i), 0, self.size))
            .fold(0.0f32, f32::max);
        let hang = nested_indent((widest + 0.5 * self.size).max(1.2 * self.size), width, 1.0);
        let item_gap = 0.3 * self.size;
        for (i, blocks) in items.iter().enumerate() {
            if i > 0 {
                self.flow.push(Element::space(item_gap));
            }
            let from = self.flow.len();
            let li = self.node(Kind::LI, list);
            let lbl = self.node(Kind::Lbl, li);
            let body = self.node(Kind::LBody, li);
            self.blocks(blocks, x + hang, width - hang, self.gap / 2.0, body)?;
            // The marker hangs right-aligned in the indent, on the item's first baseline.
            let Some(first) = self.flow[from..].iter().position(|e| !e.space) else {
                continue;
            };
            let mut st = self.par_style(
                self.size,
                self.leading,
                Align::Right,
                x,
                hang - 0.4 * self.size,
            );
            st.width = st.width.max(1.0);
            let mut els = Vec::new();
            self.eng.paragraph(&plain(&marker(i), 0), &st, &mut els);
            if let Some(e) = els.pop() {
                // The label comes first in the content too (reading order = visual order).
                let target = &mut self.flow[from + first];
                let n = e.items.len() as u32;
                if target.lead.0 == 0 {
                    target.lead = (n, lbl);
                    target.items.splice(0..0, e.items);
                } else {
                    // The item opens with a nested list, whose label leads: this one is
                    // read with it.
                    target.items.extend(e.items);
                }
            }
        }
        Ok(())
    }

    fn image(&mut self, path: &Path, w: Option<f32>, x: f32, width: f32) -> Result<(), Problem> {
        let id = self
            .images
            .load(path)
            .map_err(|e| self.image_error(path, e))?;
        let (wpx, hpx) = self.images.size_px(id);
        let natural_w = wpx as f32 * 72.0 / IMAGE_DPI;
        let natural_h = hpx as f32 * 72.0 / IMAGE_DPI;
        let mut iw = w.unwrap_or(natural_w).max(1.0);
        let mut ih = if natural_w > 0.0 {
            iw * natural_h / natural_w
        } else {
            iw
        };
        if iw > width {
            ih *= width / iw;
            iw = width;
        }
        self.flow.push(Element {
            height: ih,
            items: vec![Item::Image {
                image: id,
                x,
                y: 0.0,
                width: iw,
                height: ih,
            }],
            keep_with_next: false,
            space: false,
            node: ARTIFACT,
            lead: (0, ARTIFACT),
        });
        Ok(())
    }

    /// Distributes the flow over pages.
    fn paginate(
        &mut self,
        flow: Vec<Element>,
        (first, first_spans): (Vec<Item>, Spans),
        text_top: f32,
        header: &str,
        pw: f32,
        ph: f32,
    ) -> Result<(Vec<Page>, Vec<Spans>), Problem> {
        let m = &self.style.margins;
        let bottom = ph - m.bottom.pt();
        // Continuation pages: header line at the top margin, a thin rule, then the text.
        let header_leading = HEADER_SIZE * 1.3;
        let rule_y = m.top.pt() + header_leading + 2.0;
        let cont_top = rule_y + 0.75 * self.leading;
        let page_top = |page: usize| if page == 0 { text_top } else { cont_top };
        // Pass 1: page and y of each element (None: a space dropped at a page head).
        let mut pos: Vec<Option<(usize, f32)>> = Vec::with_capacity(flow.len());
        let (mut page, mut y, mut page_first, mut i) = (0usize, text_top, 0usize, 0usize);
        while i < flow.len() {
            let e = &flow[i];
            if e.space && i == page_first && page > 0 {
                pos.push(None);
                i += 1;
                page_first = i;
                continue;
            }
            if y + e.height > bottom + 0.5 && i > page_first {
                let mut j = i;
                while j > page_first && flow[j - 1].keep_with_next {
                    j -= 1;
                }
                if j == page_first {
                    j = i;
                }
                pos.truncate(j);
                page += 1;
                y = page_top(page);
                page_first = j;
                i = j;
                continue;
            }
            pos.push(Some((page, y)));
            y += e.height;
            i += 1;
        }
        let mut pages: Vec<Page> = (0..=page).map(|_| Page::blank(pw, ph)).collect();
        let mut spans: Vec<Vec<(u32, u32)>> = vec![Vec::new(); pages.len()];
        pages[0].items = first;
        spans[0] = first_spans;
        for (n, p) in pages.iter_mut().enumerate().skip(1) {
            let text = format!("{header}{}", n + 1);
            let mut st = self.par_style(
                HEADER_SIZE,
                header_leading,
                Align::Left,
                self.left,
                self.measure,
            );
            st.color = GREY;
            let mut els = Vec::new();
            self.eng.paragraph(&plain(&text, 0), &st, &mut els);
            // The continuation header is page furniture: an artifact (the default node).
            place(els, m.top.pt(), &mut p.items, &mut spans[n]);
            PageTags::push(&mut spans[n], p.items.len(), ARTIFACT);
            p.items.push(Item::Rule {
                x: self.left,
                y: rule_y,
                width: self.measure,
                height: 0.4,
                color: GREY,
            });
        }
        for (e, at) in flow.into_iter().zip(pos) {
            if let Some((page, y)) = at {
                put(e, y, &mut pages[page].items, &mut spans[page]);
            }
        }
        Ok((pages, spans))
    }
}
