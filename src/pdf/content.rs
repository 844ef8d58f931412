//! Page content streams: turns a page's items into PDF drawing operators, written by hand
//! into a reused buffer because this is the hot loop of a large batch (thousands of numbers
//! per page), with numbers rounded to what print needs.

use std::collections::BTreeSet;

use super::fonts::EmbeddedFonts;
use crate::images::ImageId;
use crate::style::Color;
use crate::typeset::page::{GlyphRun, Item, Page, ARTIFACT};

/// Positions in points need no more than 1/100 pt (0.0035 mm).
const POS_DECIMALS: u32 = 2;
/// TJ adjustments are in thousandths of an em; 1/10 of that is far below a printer dot.
const ADJUST_DECIMALS: u32 = 1;

/// What a page's content stream refers to, so the writer can list it in the resources.
#[derive(Default)]
pub(crate) struct PageRefs {
    pub fonts: BTreeSet<usize>,
    pub images: BTreeSet<ImageId>,
    /// The page shows glyph 0 (.notdef, a character the font lacks): PDF/A forbids that.
    pub notdef: bool,
    /// The structure node of each marked-content id (MCID) on a tagged page, in order.
    pub mcids: Vec<u32>,
}

/// Error for a page that uses a glyph the prepared fonts lack: a bug in the caller (a page
/// not shown to [`super::GlyphUsage`]), not a user error.
#[derive(Debug)]
pub(crate) struct MissingGlyph {
    pub face: usize,
    pub glyph: u16,
}

/// Builds the (uncompressed) content stream of `page` into `out`.
pub(crate) fn page_content(
    page: &Page,
    fonts: &EmbeddedFonts,
    out: &mut Vec<u8>,
    refs: &mut PageRefs,
) -> Result<(), MissingGlyph> {
    let mut ops = Ops {
        out,
        height: page.height,
        in_text: false,
        font: None,
        fill: Color::BLACK,
    };
    let spans = page.tags.as_ref().map_or(&[][..], |t| &t.spans[..]);
    let mut next_span = 0;
    // The open marked-content sequence: its node, and whether it opened inside a text
    // object (then it must close before that object's ET, so text runs of one paragraph
    // share one BT ... ET with marks inside it, as the untagged stream does).
    let mut marked: Option<(u32, bool)> = None;
    for (index, item) in page.items.iter().enumerate() {
        if let Some(&(at, node)) = spans.get(next_span) {
            if at as usize == index {
                next_span += 1;
                if let Some((_, in_text)) = marked {
                    if !in_text {
                        ops.end_text();
                    }
                    ops.out.extend_from_slice(b"EMC\n");
                }
                // A text run's mark opens inside a text object, so the next run's can too.
                if matches!(item, Item::Text(_)) {
                    if !ops.in_text {
                        ops.out.extend_from_slice(b"BT\n");
                        ops.in_text = true;
                    }
                } else {
                    ops.end_text();
                }
                open_mark(&mut ops, page, node, &mut refs.mcids);
                marked = Some((node, ops.in_text));
            }
        }
        // Drawing a rule or image ends the text object: a mark opened inside it closes first
        // and opens again (a new MCID of the same element) outside it.
        if !matches!(item, Item::Text(_) | Item::Link { .. }) && ops.in_text {
            if let Some((node, true)) = marked {
                ops.out.extend_from_slice(b"EMC\n");
                ops.end_text();
                open_mark(&mut ops, page, node, &mut refs.mcids);
                marked = Some((node, false));
            }
        }
        match item {
            Item::Text(run) => {
                // A zero or broken size would put infinities into the TJ numbers.
                if run.glyphs.is_empty() || !(run.size.is_finite() && run.size > 0.0) {
                    continue;
                }
                refs.notdef |= ops.text(run, fonts)?;
                refs.fonts.insert(run.font);
            }
            Item::Rule {
                x,
                y,
                width,
                height,
                color,
            } => {
                ops.end_text();
                ops.set_fill(*color);
                let bottom = page.height - y - height;
                for v in [*x, bottom, *width, *height] {
                    ops.num(v, POS_DECIMALS);
                }
                ops.out.extend_from_slice(b"re f\n");
            }
            Item::Image {
                image,
                x,
                y,
                width,
                height,
            } => {
                ops.end_text();
                let bottom = page.height - y - height;
                ops.out.extend_from_slice(b"q ");
                for v in [*width, 0.0, 0.0, *height, *x, bottom] {
                    ops.num(v, POS_DECIMALS);
                }
                ops.out.extend_from_slice(b"cm /I");
                ops.int(*image as i64);
                ops.out.extend_from_slice(b" Do Q\n");
                refs.images.insert(*image);
            }
            // Links are annotations, not content.
            Item::Link { .. } => {}
        }
    }
    match marked {
        Some((_, true)) => {
            ops.out.extend_from_slice(b"EMC\n");
            ops.end_text();
        }
        Some((_, false)) => {
            ops.end_text();
            ops.out.extend_from_slice(b"EMC\n");
        }
        None => ops.end_text(),
    }
    Ok(())
}

/// Opens the marked-content sequence of `node`: `/Artifact BMC`, or the element's tag with
/// the page's next MCID.
fn open_mark(ops: &mut Ops<'_>, page: &Page, node: u32, mcids: &mut Vec<u32>) {
    if node == ARTIFACT {
        ops.out.extend_from_slice(b"/Artifact BMC\n");
        return;
    }
    let tag = page
        .tags
        .as_ref()
        .and_then(|t| t.structure.nodes.get(node as usize));
    ops.out.push(b'/');
    ops.out
        .extend_from_slice(tag.map_or("Span", |n| n.kind.name()).as_bytes());
    ops.out.extend_from_slice(b" <</MCID ");
    ops.int(mcids.len() as i64);
    ops.out.extend_from_slice(b">> BDC\n");
    mcids.push(node);
}

struct Ops<'a> {
    out: &'a mut Vec<u8>,
    height: f32,
    in_text: bool,
    /// Current font face and size inside the text object.
    font: Option<(usize, f32)>,
    /// PDF's initial fill colour is black.
    fill: Color,
}

impl Ops<'_> {
    fn end_text(&mut self) {
        if self.in_text {
            self.out.extend_from_slice(b"ET\n");
            self.in_text = false;
            // Tf does not survive ET in our bookkeeping; keep it simple and set it again.
            self.font = None;
        }
    }

    fn set_fill(&mut self, color: Color) {
        if color == self.fill {
            return;
        }
        for c in [color.0, color.1, color.2] {
            self.num(f32::from(c) / 255.0, 3);
        }
        self.out.extend_from_slice(b"rg\n");
        self.fill = color;
    }

    /// Shows a run; true if it shows glyph 0 (.notdef).
    fn text(&mut self, run: &GlyphRun, fonts: &EmbeddedFonts) -> Result<bool, MissingGlyph> {
        let missing = |glyph| MissingGlyph {
            face: run.font,
            glyph,
        };
        let face = fonts.face(run.font).ok_or(missing(run.glyphs[0].id))?;
        if !self.in_text {
            self.out.extend_from_slice(b"BT\n");
            self.in_text = true;
        }
        self.set_fill(run.color);
        if self.font != Some((run.font, run.size)) {
            self.out.push(b'/');
            self.out.push(b'F');
            self.int(run.font as i64);
            self.out.push(b' ');
            self.num(run.size, POS_DECIMALS);
            self.out.extend_from_slice(b"Tf\n");
            self.font = Some((run.font, run.size));
        }
        self.out.extend_from_slice(b"1 0 0 1 ");
        self.num(run.x, POS_DECIMALS);
        self.num(self.height - run.y, POS_DECIMALS);
        self.out.extend_from_slice(b"Tm\n[");

        // Track the pen in text space units (1/1000 em) exactly as a viewer will, using the
        // same rounded widths and adjustments we write, so rounding never accumulates.
        let units_per_pt = 1000.0 / f64::from(run.size);
        let mut pen = 0.0f64;
        let mut open = false;
        let factor = 10f64.powi(ADJUST_DECIMALS as i32);
        let mut notdef = false;
        for glyph in &run.glyphs {
            let new = face.new_id(glyph.id).ok_or(missing(glyph.id))?;
            notdef |= new == 0;
            let target = f64::from(glyph.x) * units_per_pt;
            let delta = pen - target;
            // Most glyphs sit exactly at the pen; skip the rounding for them.
            let adjust = if delta.abs() * factor < 0.5 {
                0.0
            } else {
                (delta * factor).round() / factor
            };
            if adjust != 0.0 {
                if open {
                    self.out.push(b')');
                    open = false;
                }
                self.num(adjust as f32, ADJUST_DECIMALS);
                pen -= adjust;
            }
            if !open {
                self.out.push(b'(');
                open = true;
            }
            glyph_bytes(self.out, new);
            pen += f64::from(face.widths.get(new as usize).copied().unwrap_or(0.0));
        }
        if open {
            self.out.push(b')');
        }
        self.out.extend_from_slice(b"]TJ\n");
        Ok(notdef)
    }

    fn int(&mut self, v: i64) {
        push_int(self.out, v);
    }

    /// A number followed by a space.
    fn num(&mut self, v: f32, decimals: u32) {
        push_num(self.out, v, decimals);
        self.out.push(b' ');
    }
}

/// A glyph id as two bytes of a literal string: half the size of hex, so less to compress.
/// Delimiters and the backslash are escaped, and so are line ends, which a reader would
/// otherwise normalise.
fn glyph_bytes(out: &mut Vec<u8>, v: u16) {
    for b in v.to_be_bytes() {
        match b {
            b'(' | b')' | b'\\' => out.extend_from_slice(&[b'\\', b]),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\n' => out.extend_from_slice(b"\\n"),
            _ => out.push(b),
        }
    }
}

pub(super) fn push_int(out: &mut Vec<u8>, v: i64) {
    if v < 0 {
        out.push(b'-');
    }
    let mut n = v.unsigned_abs();
    let mut digits = [0u8; 20];
    let mut len = 0;
    loop {
        digits[len] = b'0' + (n % 10) as u8;
        len += 1;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend(digits[..len].iter().rev());
}

/// Writes `v` rounded to `decimals` places, without trailing zeros or a trailing point
/// (`12`, `0.5`, `-3.25`).
pub(crate) fn push_num(out: &mut Vec<u8>, v: f32, decimals: u32) {
    let scale = 10i64.pow(decimals);
    let scaled = (f64::from(v) * scale as f64).round();
    if !scaled.is_finite() {
        out.push(b'0');
        return;
    }
    let scaled = scaled as i64;
    if scaled < 0 {
        out.push(b'-');
    }
    let abs = scaled.unsigned_abs();
    push_int(out, (abs / scale as u64) as i64);
    let mut frac = abs % scale as u64;
    if frac != 0 {
        out.push(b'.');
        let mut width = decimals;
        while frac.is_multiple_of(10) {
            frac /= 10;
            width -= 1;
        }
        let mut digits = [b'0'; 20];
        for slot in digits[..width as usize].iter_mut().rev() {
            *slot = b'0' + (frac % 10) as u8;
            frac /= 10;
        }
        out.extend_from_slice(&digits[..width as usize]);
    }
}

#[cfg(test)]
mod tests {
    use super::push_num;

    fn fmt(v: f32, d: u32) -> String {
        let mut out = Vec::new();
        push_num(&mut out, v, d);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn numbers_are_compact() {
        assert_eq!(fmt(12.0, 2), "12");
        assert_eq!(fmt(0.5, 2), "0.5");
        assert_eq!(fmt(-3.256, 2), "-3.26");
        assert_eq!(fmt(72.049, 2), "72.05");
        assert_eq!(fmt(0.004, 2), "0");
        assert_eq!(fmt(-0.004, 2), "0");
        assert_eq!(fmt(0.05, 3), "0.05");
        assert_eq!(fmt(1.007, 3), "1.007");
        assert_eq!(fmt(-0.25, 1), "-0.3");
        assert_eq!(fmt(f32::NAN, 2), "0");
    }
}
