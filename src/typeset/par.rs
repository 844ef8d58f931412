//! Paragraphs: text pieces -> boxes, glue and penalties -> broken lines -> positioned glyph
//! runs and link areas, one [`Element`] per line.

use std::hash::{Hash, Hasher};

use crate::style::Color;

use super::fonts::FontSet;
use super::fxhash::{FxHashMap, FxHasher};
use super::hyphenate::BreakKind;
use super::linebreak::{break_lines, next_start, Item, Kind, Params, Sums, INF};
use super::page::{GlyphRun, Item as PageItem, PlacedGlyph, ARTIFACT};
use super::shape::Shaper;

/// Penalties for breaking inside a word, by kind. Typst's cost for a hyphen (135, plus 15%
/// per character short of five on either side) hyphenates far less eagerly than TeX's 50.
const HYPHEN_PENALTY: f32 = 135.0;
const URL_PENALTY: f32 = 100.0;
/// Breaking an address or URL that would fit on a line (after `.`, `@`, `/`) reads badly:
/// allowed only when every other way of setting the paragraph is worse than a very loose line.
const FITTING_URL_PENALTY: f32 = 500.0;
const CHAR_PENALTY: f32 = 900.0;

/// A piece of paragraph text in one face.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Piece<'a> {
    Text {
        text: &'a str,
        face: usize,
        link: Option<&'a str>,
    },
    LineBreak,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Align {
    Justify,
    Left,
    Right,
}

/// How one paragraph is set.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ParStyle {
    pub size: f32,
    /// Baseline-to-baseline distance.
    pub leading: f32,
    pub align: Align,
    pub color: Color,
    pub hyphenate: bool,
    /// Left edge and width of the measure, in page points.
    pub x: f32,
    pub width: f32,
}

/// A vertical slice of the flow: one line, a space, an image, a rule. Item coordinates are
/// relative to the element's top (y) and absolute across the page (x).
#[derive(Debug, Clone)]
pub(crate) struct Element {
    pub height: f32,
    pub items: Vec<PageItem>,
    /// Do not end a page after this element (headings, first lines, closing + signature).
    pub keep_with_next: bool,
    /// White space that vanishes at the top of a page.
    pub space: bool,
    /// The structure node its items belong to (tagged PDF; [`ARTIFACT`] until the layout
    /// says what the element is).
    pub node: u32,
    /// The first `.0` items belong to node `.1` instead (a list item's label).
    pub lead: (u32, u32),
}

impl Element {
    pub fn space(height: f32) -> Element {
        Element {
            height,
            items: Vec::new(),
            keep_with_next: false,
            space: true,
            node: ARTIFACT,
            lead: (0, ARTIFACT),
        }
    }
}

/// Most paragraphs of a mail merge are the same in every letter; their finished lines are
/// kept, up to this many paragraphs, and the cache starts over when it is full.
const PAR_CACHE_LIMIT: usize = 4096;
/// Shaped words kept before the word cache starts over.
const SHAPE_CACHE_LIMIT: usize = 200_000;

/// A piece as stored in a paragraph cache key.
#[derive(Debug, PartialEq)]
enum KeyPiece {
    Text {
        text: Box<str>,
        face: usize,
        link: Option<Box<str>>,
    },
    LineBreak,
}

impl KeyPiece {
    fn matches(&self, piece: &Piece) -> bool {
        match (self, piece) {
            (
                KeyPiece::Text { text, face, link },
                Piece::Text {
                    text: t,
                    face: f,
                    link: l,
                },
            ) => &**text == *t && face == f && link.as_deref() == *l,
            (KeyPiece::LineBreak, Piece::LineBreak) => true,
            _ => false,
        }
    }
}

/// A set paragraph: its key (pieces and style) and its lines.
struct ParEntry {
    pieces: Vec<KeyPiece>,
    style: [u32; 8],
    elements: Vec<Element>,
    widest: f32,
    missing: Vec<char>,
}

fn style_bits(st: &ParStyle) -> [u32; 8] {
    let Color(r, g, b) = st.color;
    [
        st.size.to_bits(),
        st.leading.to_bits(),
        st.align as u32,
        u32::from_be_bytes([0, r, g, b]),
        u32::from(st.hyphenate),
        st.x.to_bits(),
        st.width.to_bits(),
        0,
    ]
}

fn par_hash(pieces: &[Piece], style: &[u32; 8]) -> u64 {
    let mut h = FxHasher::default();
    style.hash(&mut h);
    for p in pieces {
        match p {
            Piece::Text { text, face, link } => {
                h.write_usize(*face);
                h.write(text.as_bytes());
                h.write_u8(0xff);
                if let Some(l) = link {
                    h.write(l.as_bytes());
                }
                h.write_u8(0xfe);
            }
            Piece::LineBreak => h.write_u8(0xfd),
        }
    }
    h.finish()
}

/// Fonts, shaper and reusable buffers: everything that persists across letters.
pub(crate) struct Engine {
    pub fonts: FontSet,
    pub shaper: Shaper,
    items: Vec<Item>,
    sums: Sums,
    breaks: Vec<usize>,
    /// Ascender and descender of the regular face as fractions of the size.
    pub ascent: f32,
    pub descent: f32,
    /// Characters the fonts lack, found while setting the current letter.
    pub missing: Vec<char>,
    /// ... and while setting the current paragraph.
    par_missing: Vec<char>,
    par_cache: FxHashMap<u64, ParEntry>,
}

impl Engine {
    pub fn new(fonts: FontSet, shaper: Shaper) -> Engine {
        let f = &fonts.faces[0];
        let upm = f32::from(f.units_per_em.max(1));
        Engine {
            ascent: f32::from(f.ascender) / upm,
            descent: -f32::from(f.descender) / upm,
            fonts,
            shaper,
            items: Vec::new(),
            sums: Sums::default(),
            breaks: Vec::new(),
            missing: Vec::new(),
            par_missing: Vec::new(),
            par_cache: FxHashMap::default(),
        }
    }

    /// Distance from the top of a line box to its baseline: the glyph box centred in the
    /// leading (the CSS "half-leading" model).
    pub fn baseline(&self, size: f32, leading: f32) -> f32 {
        (leading - (self.ascent + self.descent) * size) / 2.0 + self.ascent * size
    }

    /// Natural width of a single-line text in one face.
    pub fn measure(&mut self, text: &str, face: usize, size: f32) -> f32 {
        let scale = size / self.shaper.units_per_em[face];
        let space = self.shaper.space[face].advance as f32 * scale;
        let mut w = 0.0;
        for (i, word) in text.split(' ').enumerate() {
            if i > 0 {
                w += space;
            }
            if !word.is_empty() {
                let id = self.shaper.shape(&mut self.fonts, face, word);
                let s = self.shaper.get(id);
                w += s.advance(0, s.glyphs.len()) as f32 * scale;
            }
        }
        w
    }

    /// Sets a paragraph, pushing one element per line. Returns the widest line's width.
    pub fn paragraph(&mut self, pieces: &[Piece], st: &ParStyle, out: &mut Vec<Element>) -> f32 {
        let style = style_bits(st);
        let hash = par_hash(pieces, &style);
        if let Some(entry) = self.par_cache.get(&hash) {
            if entry.style == style
                && entry.pieces.len() == pieces.len()
                && entry.pieces.iter().zip(pieces).all(|(k, p)| k.matches(p))
            {
                out.extend(entry.elements.iter().cloned());
                for &c in &entry.missing {
                    if !self.missing.contains(&c) {
                        self.missing.push(c);
                    }
                }
                return entry.widest;
            }
        }
        let from = out.len();
        self.shaper.trim(SHAPE_CACHE_LIMIT);
        self.par_missing.clear();
        let widest = self.set_paragraph(pieces, st, out);
        for &c in &self.par_missing {
            if !self.missing.contains(&c) {
                self.missing.push(c);
            }
        }
        if self.par_cache.len() >= PAR_CACHE_LIMIT {
            self.par_cache.clear();
        }
        let key = pieces
            .iter()
            .map(|p| match *p {
                Piece::Text { text, face, link } => KeyPiece::Text {
                    text: text.into(),
                    face,
                    link: link.map(Into::into),
                },
                Piece::LineBreak => KeyPiece::LineBreak,
            })
            .collect();
        self.par_cache.insert(
            hash,
            ParEntry {
                pieces: key,
                style,
                elements: out[from..].to_vec(),
                widest,
                missing: self.par_missing.clone(),
            },
        );
        widest
    }

    fn set_paragraph(&mut self, pieces: &[Piece], st: &ParStyle, out: &mut Vec<Element>) -> f32 {
        let mut links: Vec<&str> = Vec::new();
        self.build(pieces, st, &mut links);
        if self.items.is_empty() {
            return 0.0;
        }
        self.sums.compute(&self.items);
        let params = Params {
            width: st.width,
            ragged: st.align != Align::Justify,
            rag: 3.0 * st.size,
        };
        let mut breaks = std::mem::take(&mut self.breaks);
        break_lines(&self.items, &self.sums, &params, &mut breaks);
        let mut start = 0;
        let mut widest: f32 = 0.0;
        for &b in &breaks {
            if start < b {
                widest = widest.max(self.render_line(start, b, st, &links, out));
            }
            start = next_start(&self.items, b);
        }
        self.breaks = breaks;
        widest
    }

    fn build<'a>(&mut self, pieces: &[Piece<'a>], st: &ParStyle, links: &mut Vec<&'a str>) {
        self.items.clear();
        for piece in pieces {
            match *piece {
                Piece::LineBreak => {
                    self.trim_trailing_glue();
                    if self.items.is_empty() {
                        continue;
                    }
                    // A hard break ends a ragged line, even in a justified paragraph.
                    self.items.push(Item::glue(0.0, INF, 0.0, 0));
                    self.items.push(Item::penalty(0.0, -INF, false, 0));
                }
                Piece::Text { text, face, link } => {
                    let link_index = match link {
                        Some(uri) => match links.iter().position(|l| *l == uri) {
                            Some(i) => i + 1,
                            None => {
                                links.push(uri);
                                links.len()
                            }
                        },
                        None => 0,
                    } as u16;
                    self.text(text, face, link_index, st);
                }
            }
        }
        self.trim_trailing_glue();
        if !self.items.is_empty() {
            self.items.push(Item::glue(0.0, INF, 0.0, 0));
            self.items.push(Item::penalty(0.0, -INF, false, 0));
        }
    }

    fn trim_trailing_glue(&mut self) {
        while self.items.last().is_some_and(|i| i.kind == Kind::Glue) {
            self.items.pop();
        }
    }

    fn text(&mut self, text: &str, face: usize, link: u16, st: &ParStyle) {
        let scale = st.size / self.shaper.units_per_em[face];
        let mut rest = text;
        while !rest.is_empty() {
            let space_len = rest.len() - rest.trim_start_matches(is_break_space).len();
            if space_len > 0 {
                let at_line_start = self.items.last().is_none_or(|i| i.kind != Kind::Box);
                if !at_line_start {
                    let w = self.shaper.space[face].advance as f32 * scale;
                    let mut glue = Item::glue(w, w / 2.0, w / 3.0, face as u8);
                    glue.link = link;
                    self.items.push(glue);
                }
                rest = &rest[space_len..];
                continue;
            }
            let word_len = rest.find(is_break_space).unwrap_or(rest.len());
            self.word(&rest[..word_len], face, link, scale, st);
            rest = &rest[word_len..];
        }
    }

    fn word(&mut self, word: &str, face: usize, link: u16, scale: f32, st: &ParStyle) {
        let id = self.shaper.shape(&mut self.fonts, face, word);
        let shaped = self.shaper.get(id);
        for &c in &shaped.missing {
            if !self.par_missing.contains(&c) {
                self.par_missing.push(c);
            }
        }
        let n = shaped.glyphs.len();
        let total = shaped.advance(0, n) as f32 * scale;
        let hyphen = self.shaper.hyphen[face].advance as f32 * scale;
        let boxed = |g0: usize, g1: usize| Item {
            kind: Kind::Box,
            width: shaped.advance(g0, g1) as f32 * scale,
            link,
            shape: id,
            g0: g0 as u32,
            g1: g1 as u32,
            ..Item::glue(0.0, 0.0, 0.0, face as u8)
        };
        let penalty_for = |kind: Option<BreakKind>| match kind {
            Some(BreakKind::Hyphen(steps)) => Item::penalty(
                hyphen,
                HYPHEN_PENALTY * (1.0 + 0.15 * f32::from(steps)),
                true,
                face as u8,
            ),
            Some(BreakKind::Explicit) => Item::penalty(0.0, 0.0, true, face as u8),
            Some(BreakKind::Url) => Item::penalty(0.0, URL_PENALTY, false, face as u8),
            None => Item::penalty(0.0, CHAR_PENALTY, false, face as u8),
        };
        // A line that ends inside a word ends with that glyph's full advance, not the one
        // kerned against the next glyph (now on the next line): a break there carries the
        // difference, so the line is measured by what it really prints.
        let font = &self.fonts.faces[face];
        let kern_back = |g: usize| -> f32 {
            let Some(last) = g.checked_sub(1).and_then(|i| shaped.glyphs.get(i)) else {
                return 0.0;
            };
            (i32::from(font.advance(last.id)) - last.advance).max(0) as f32 * scale
        };
        let with_kern_back = |mut pen: Item, g: usize| {
            if !pen.hyphen {
                pen.width = kern_back(g);
            }
            pen
        };
        let usable = |k: BreakKind| !matches!(k, BreakKind::Hyphen(_)) || st.hyphenate;
        let mut g0 = 0;
        if total > st.width && n > 1 {
            // Wider than the measure: it must break somewhere, preferably at a URL or hyphen
            // point, else between any two clusters; never with a hyphen added.
            let mut known = shaped.breaks.iter().filter(|b| usable(b.1)).peekable();
            for g in 1..n {
                if shaped.glyphs[g].cluster == shaped.glyphs[g - 1].cluster {
                    continue;
                }
                let kind = match known.peek() {
                    Some(&&(at, kind)) if at as usize == g => {
                        known.next();
                        Some(kind)
                    }
                    _ => None,
                };
                let kind = kind.filter(|k| !matches!(k, BreakKind::Hyphen(_)));
                self.items.push(boxed(g0, g));
                self.items.push(with_kern_back(penalty_for(kind), g));
                g0 = g;
            }
        } else {
            for &(g, kind) in shaped.breaks.iter().filter(|b| usable(b.1)) {
                let g = g as usize;
                self.items.push(boxed(g0, g));
                let pen = match kind {
                    BreakKind::Url => Item::penalty(0.0, FITTING_URL_PENALTY, false, face as u8),
                    kind => penalty_for(Some(kind)),
                };
                self.items.push(with_kern_back(pen, g));
                g0 = g;
            }
        }
        self.items.push(boxed(g0, n));
    }

    /// Draws items `start..end` (a break at `end`) as one line. Returns its width.
    fn render_line(
        &mut self,
        start: usize,
        end: usize,
        st: &ParStyle,
        links: &[&str],
        out: &mut Vec<Element>,
    ) -> f32 {
        let (w, stretch, shrink, inf) = self.sums.line(&self.items, start, end);
        let (w, stretch, shrink) = (w as f32, stretch as f32, shrink as f32);
        let end_item = self.items[end];
        let ends_with_hyphen = end_item.kind == Kind::Penalty && end_item.hyphen;
        // Justified lines fill the measure; any line that would overrun it is squeezed.
        let ratio = if w > st.width && shrink > 0.0 {
            (st.width - w) / shrink
        } else if st.align == Align::Justify && w < st.width && inf == 0 && stretch > 0.0 {
            (st.width - w) / stretch
        } else {
            0.0
        };
        let width = if ratio > 0.0 {
            w + ratio * stretch
        } else {
            w + ratio * shrink
        };
        let x0 = st.x
            + match st.align {
                Align::Right => (st.width - width).max(0.0),
                _ => 0.0,
            };
        let baseline = self.baseline(st.size, st.leading);
        let mut items: Vec<PageItem> = Vec::new();
        let mut run: Option<GlyphRun> = None;
        let mut pen = x0;
        // Open link area: (link, x from, x to).
        let mut link_area: Option<(u16, f32, f32)> = None;
        let link_top = baseline - self.ascent * st.size;
        let link_height = (self.ascent + self.descent) * st.size;
        let close_link = |area: Option<(u16, f32, f32)>, items: &mut Vec<PageItem>| {
            if let Some((l, from, to)) = area {
                items.push(PageItem::Link {
                    x: from,
                    y: link_top,
                    width: to - from,
                    height: link_height,
                    uri: links[usize::from(l) - 1].to_string(),
                });
            }
        };
        for i in start..end {
            let item = self.items[i];
            match item.kind {
                Kind::Box => {
                    let face = usize::from(item.face);
                    let scale = st.size / self.shaper.units_per_em[face];
                    let run = run_for(&mut run, &mut items, face, st, pen, baseline);
                    let shaped = self.shaper.get(item.shape);
                    for g in &shaped.glyphs[item.g0 as usize..item.g1 as usize] {
                        run.glyphs.push(PlacedGlyph {
                            id: g.id,
                            x: pen - run.x + g.x_offset as f32 * scale,
                        });
                        pen += g.advance as f32 * scale;
                    }
                    if item.link != 0 {
                        match &mut link_area {
                            Some((l, _, to)) if *l == item.link => *to = pen,
                            _ => {
                                close_link(link_area.take(), &mut items);
                                link_area = Some((item.link, pen - item.width, pen));
                            }
                        }
                    } else {
                        close_link(link_area.take(), &mut items);
                    }
                }
                Kind::Glue => {
                    if item.stretch >= INF {
                        continue;
                    }
                    let face = usize::from(item.face);
                    let space = self.shaper.space[face];
                    let run = run_for(&mut run, &mut items, face, st, pen, baseline);
                    // The real space glyph, so text extraction sees word boundaries (unless
                    // the font has none: .notdef would print a box).
                    if space.id != 0 {
                        run.glyphs.push(PlacedGlyph {
                            id: space.id,
                            x: pen - run.x,
                        });
                    }
                    pen += item.width
                        + if ratio > 0.0 {
                            ratio * item.stretch
                        } else {
                            ratio * item.shrink
                        };
                }
                Kind::Penalty => {}
            }
        }
        // A line broken at a word space keeps that space as its last glyph (invisible, past
        // the text), so the words either side of the break stay apart when the text is
        // extracted or read aloud from the structure tree.
        if end_item.kind == Kind::Glue && end_item.stretch < INF {
            let face = usize::from(end_item.face);
            let space = self.shaper.space[face];
            if space.id != 0 {
                let run = run_for(&mut run, &mut items, face, st, pen, baseline);
                run.glyphs.push(PlacedGlyph {
                    id: space.id,
                    x: pen - run.x,
                });
            }
        }
        if ends_with_hyphen {
            let face = usize::from(end_item.face);
            let hyphen = self.shaper.hyphen[face];
            let run = run_for(&mut run, &mut items, face, st, pen, baseline);
            run.glyphs.push(PlacedGlyph {
                id: hyphen.id,
                x: pen - run.x,
            });
            if let Some((_, _, to)) = &mut link_area {
                *to = pen + end_item.width;
            }
        }
        close_link(link_area.take(), &mut items);
        if let Some(r) = run.take() {
            items.push(PageItem::Text(r));
        }
        out.push(Element {
            height: st.leading,
            items,
            // A word split across two pages is hard to read.
            keep_with_next: ends_with_hyphen,
            space: false,
            node: ARTIFACT,
            lead: (0, ARTIFACT),
        });
        width
    }
}

/// White space where a line may break: not the no-break spaces, which belong to their word.
fn is_break_space(c: char) -> bool {
    c.is_whitespace() && !matches!(c, '\u{a0}' | '\u{2007}' | '\u{202f}')
}

/// The open glyph run if it has `face`, else a new one starting at `pen`.
fn run_for<'r>(
    run: &'r mut Option<GlyphRun>,
    items: &mut Vec<PageItem>,
    face: usize,
    st: &ParStyle,
    pen: f32,
    baseline: f32,
) -> &'r mut GlyphRun {
    if run.as_ref().is_some_and(|r| r.font != face) {
        if let Some(r) = run.take() {
            items.push(PageItem::Text(r));
        }
    }
    run.get_or_insert_with(|| GlyphRun {
        font: face,
        size: st.size,
        color: st.color,
        x: pen,
        y: baseline,
        glyphs: Vec::with_capacity(48),
    })
}
