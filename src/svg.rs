//! SVG output of typeset pages, for the studio's live preview: the page the PDF prints,
//! drawn from the same positioned glyphs with the outlines of the very faces the
//! [`FontSet`] holds, so what the browser shows is what the printer gets.
//!
//! Each run is one `<path>` inside a group that scales by size / units-per-em and flips y:
//! its glyphs' outlines one after the other, each starting with an absolute move to its
//! origin and going on in relative commands, so a glyph's outline is converted once and
//! then only its first point moves. (One `<use>` per glyph of shared `<defs>` is smaller,
//! but Chromium builds a shadow tree for every `<use>`: measured, swapping a page of 1,700
//! of them took 50-100 ms, a run path 10-20 ms, on the live preview's 150 ms budget.)
//! Images are `<image>`s with a `data:` URI (the studio's CSP allows `img-src data:`). Link
//! areas are not drawn: the preview is a picture of the paper. An invisible text layer (one
//! transparent `<text>` per run, stretched to the run's width) makes the page searchable,
//! selectable and readable by a screen reader.
//!
//! A writer keeps the glyph outlines and image URIs it has made, so a keystroke in the
//! studio redraws a page without re-reading the font or re-encoding the logo. One writer
//! serves one [`FontSet`] and one [`ImageStore`] (the ids it caches are theirs).

use std::collections::HashMap;
use std::fmt::Write;
use std::sync::Arc;

use base64::Engine as _;
use rustybuzz::ttf_parser::{self, GlyphId, OutlineBuilder};

use crate::images::{ImageData, ImageId, ImageStore};
use crate::markup::escape_into;
use crate::style::Color;
use crate::typeset::fonts::FontSet;
use crate::typeset::page::{FontId, GlyphRun, Item, Page};

/// A gap between two glyphs of a run wider than their advance by this share of an em is a
/// word space in the text layer. Justified lines stretch spaces to at least about 0.2 em
/// and kerning never moves a glyph by more than about 0.1 em, so 0.15 em tells them apart.
const WORD_GAP_EM: f32 = 0.15;

/// Positions on the page are written to 1/100 pt, far below a screen pixel at any zoom a
/// preview is read at.
const DECIMALS: i32 = 2;

/// Outlines are in font units, written to 1/10 of one: a ten-thousandth of an em, 0.007 pt
/// in a 72 pt headline. Outlines are most of a page's bytes; one place fewer is a fifth less
/// to send and parse on every keystroke.
const OUTLINE_DECIMALS: i32 = 1;

/// Draws typeset pages as SVG documents; keeps what it has converted (see the module doc).
#[derive(Default)]
pub struct SvgWriter {
    /// Each glyph's outline in font units; `None` for a glyph with no outline (a space).
    glyphs: HashMap<(FontId, u16), Option<Outline>>,
    /// `data:` URI of each image, or `None` for one that could not be converted.
    images: HashMap<ImageId, Option<Arc<str>>>,
}

impl SvgWriter {
    pub fn new() -> SvgWriter {
        SvgWriter::default()
    }

    /// One page as a standalone `<svg>` element (a user-unit is a point, the viewBox the
    /// page). Its `data-glyphs` attribute counts the glyphs drawn, as the PDF has them.
    pub fn page(&mut self, page: &Page, fonts: &FontSet, images: &ImageStore) -> String {
        let mut body = String::with_capacity(64 * 1024);
        let mut text_layer = String::with_capacity(4 * 1024);
        let mut glyph_count = 0usize;
        for item in &page.items {
            match item {
                Item::Text(run) => {
                    if run.glyphs.is_empty() || !(run.size.is_finite() && run.size > 0.0) {
                        continue;
                    }
                    let Some(font) = fonts.faces.get(run.font) else {
                        continue;
                    };
                    glyph_count += run.glyphs.len();
                    self.run(run, fonts, &mut body);
                    run_text(run, font, &mut text_layer);
                }
                Item::Rule {
                    x,
                    y,
                    width,
                    height,
                    color,
                } => {
                    body.push_str("<rect x=\"");
                    num(&mut body, *x);
                    body.push_str("\" y=\"");
                    num(&mut body, *y);
                    body.push_str("\" width=\"");
                    num(&mut body, *width);
                    body.push_str("\" height=\"");
                    num(&mut body, *height);
                    body.push_str("\" fill=\"");
                    hex(&mut body, *color);
                    body.push_str("\"/>\n");
                }
                Item::Image {
                    image,
                    x,
                    y,
                    width,
                    height,
                } => {
                    let Some(uri) = self.image_uri(*image, images) else {
                        continue;
                    };
                    // The PDF scales the image into the box whatever its proportions
                    // (the layout made the box from them), so does the SVG.
                    body.push_str("<image preserveAspectRatio=\"none\" x=\"");
                    num(&mut body, *x);
                    body.push_str("\" y=\"");
                    num(&mut body, *y);
                    body.push_str("\" width=\"");
                    num(&mut body, *width);
                    body.push_str("\" height=\"");
                    num(&mut body, *height);
                    body.push_str("\" href=\"");
                    body.push_str(&uri);
                    body.push_str("\"/>\n");
                }
                Item::Link { .. } => {}
            }
        }

        let mut out = String::with_capacity(body.len() + text_layer.len() + 512);
        out.push_str("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"page\" viewBox=\"0 0 ");
        num(&mut out, page.width);
        out.push(' ');
        num(&mut out, page.height);
        let _ = write!(out, "\" data-glyphs=\"{glyph_count}\" data-width=\"");
        num(&mut out, page.width);
        out.push_str("\" data-height=\"");
        num(&mut out, page.height);
        out.push_str("\">\n<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n");
        out.push_str(&body);
        out.push_str("<g class=\"text-layer\" fill-opacity=\"0\">\n");
        out.push_str(&text_layer);
        out.push_str("</g>\n</svg>\n");
        out
    }

    /// A run: a group at its origin, scaled from font units to points with y flipped, and
    /// one path of its glyphs' outlines, each moved to its x in font units.
    fn run(&mut self, run: &GlyphRun, fonts: &FontSet, out: &mut String) {
        let font = &fonts.faces[run.font];
        let scale = run.size / f32::from(font.units_per_em.max(1));
        out.push_str("<g fill=\"");
        hex(out, run.color);
        out.push_str("\" transform=\"translate(");
        num(out, run.x);
        out.push(' ');
        num(out, run.y);
        out.push_str(") scale(");
        num_exact(out, scale);
        out.push(' ');
        num_exact(out, -scale);
        out.push_str(")\"><path d=\"");
        let mut face: Option<ttf_parser::Face> = None;
        for glyph in &run.glyphs {
            let outline = self.glyphs.entry((run.font, glyph.id)).or_insert_with(|| {
                if face.is_none() {
                    face = ttf_parser::Face::parse(&font.data, font.index).ok();
                }
                face.as_ref().and_then(|f| outline(f, glyph.id))
            });
            let Some(outline) = outline else {
                continue;
            };
            out.push('M');
            unit(out, glyph.x / scale + outline.start.0);
            out.push(' ');
            unit(out, outline.start.1);
            out.push_str(&outline.rest);
        }
        out.push_str("\"/></g>\n");
    }

    /// Drops the images' URIs, for a new [`ImageStore`] (whose ids mean other images).
    pub fn forget_images(&mut self) {
        self.images.clear();
    }

    fn image_uri(&mut self, id: ImageId, images: &ImageStore) -> Option<Arc<str>> {
        if let Some(uri) = self.images.get(&id) {
            return uri.clone();
        }
        let uri = images
            .get(id)
            .and_then(|image| data_uri(&image))
            .map(Arc::from);
        self.images.insert(id, uri.clone());
        uri
    }
}

/// A glyph's outline in font units (y up): the first point, and every command after it in
/// relative form, so the outline can be placed anywhere by moving only the first point.
#[derive(Clone)]
struct Outline {
    start: (f32, f32),
    rest: Arc<str>,
}

/// The glyph's outline; `None` when it draws nothing.
fn outline(face: &ttf_parser::Face, glyph: u16) -> Option<Outline> {
    let mut path = PathData {
        out: String::with_capacity(256),
        start: None,
        pen: (0.0, 0.0),
        contour: (0.0, 0.0),
    };
    face.outline_glyph(GlyphId(glyph), &mut path)?;
    let start = path.start?;
    Some(Outline {
        start,
        rest: Arc::from(path.out),
    })
}

/// Builds the relative path. Points are rounded to [`OUTLINE_DECIMALS`] places first and the
/// differences taken between rounded points, so rounding never adds up along a contour.
struct PathData {
    out: String,
    /// The first point (written by the caller, as an absolute move).
    start: Option<(f32, f32)>,
    /// The current point, rounded.
    pen: (f32, f32),
    /// Where the current contour began (a close returns there).
    contour: (f32, f32),
}

fn round(v: f32) -> f32 {
    let factor = 10f32.powi(OUTLINE_DECIMALS);
    (v * factor).round() / factor
}

impl PathData {
    /// `c` with the points made relative to the pen, which ends at the last point.
    fn cmd(&mut self, c: char, points: &[(f32, f32)]) {
        self.out.push(c);
        let from = self.pen;
        for (i, &(x, y)) in points.iter().enumerate() {
            let (x, y) = (round(x), round(y));
            if i > 0 {
                self.out.push(' ');
            }
            unit(&mut self.out, x - from.0);
            self.out.push(' ');
            unit(&mut self.out, y - from.1);
            self.pen = (x, y);
        }
    }
}

impl OutlineBuilder for PathData {
    fn move_to(&mut self, x: f32, y: f32) {
        let p = (round(x), round(y));
        if self.start.is_none() {
            self.start = Some(p);
            self.pen = p;
        } else {
            self.cmd('m', &[p]);
        }
        self.contour = p;
    }
    fn line_to(&mut self, x: f32, y: f32) {
        self.cmd('l', &[(x, y)]);
    }
    fn quad_to(&mut self, x1: f32, y1: f32, x: f32, y: f32) {
        self.cmd('q', &[(x1, y1), (x, y)]);
    }
    fn curve_to(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, x: f32, y: f32) {
        self.cmd('c', &[(x1, y1), (x2, y2), (x, y)]);
    }
    fn close(&mut self) {
        self.out.push('z');
        self.pen = self.contour;
    }
}

/// The text layer's `<text>` for a run: the characters its glyphs stand for (the same map
/// the PDF's ToUnicode is made from), a space at each word gap, stretched over the run.
fn run_text(run: &GlyphRun, font: &crate::typeset::fonts::Font, out: &mut String) {
    let scale = run.size / f32::from(font.units_per_em.max(1));
    let text_of = |id: u16| font.glyph_text.get(&id).map_or("\u{fffd}", String::as_str);
    // Space glyphs at either end (a space before a word in another face) are left out, so
    // the text starts where its first letter does.
    let blank = |g: &&crate::typeset::page::PlacedGlyph| text_of(g.id).trim().is_empty();
    let Some(first) = run.glyphs.iter().position(|g| !blank(&g)) else {
        return;
    };
    let last = run.glyphs.iter().rposition(|g| !blank(&g)).unwrap_or(first);
    let glyphs = &run.glyphs[first..=last];
    let mut text = String::with_capacity(glyphs.len() + 8);
    let mut end: Option<f32> = None;
    for glyph in glyphs {
        if end.is_some_and(|e| glyph.x - e > WORD_GAP_EM * run.size) {
            text.push(' ');
        }
        text.push_str(text_of(glyph.id));
        end = Some(glyph.x + f32::from(font.advance(glyph.id)) * scale);
    }
    let start = glyphs[0].x;
    let width = end.map_or(0.0, |e| e - start);
    out.push_str("<text x=\"");
    num(out, run.x + start);
    out.push_str("\" y=\"");
    num(out, run.y);
    out.push_str("\" font-size=\"");
    num(out, run.size);
    if width > 0.0 {
        out.push_str("\" textLength=\"");
        num(out, width);
        out.push_str("\" lengthAdjust=\"spacingAndGlyphs");
    }
    out.push_str("\">");
    escape_into(&text, out);
    out.push_str("</text>\n");
}

/// A `data:` URI the browser can show: a JPEG as it is, pixels encoded as PNG.
fn data_uri(image: &crate::images::Image) -> Option<String> {
    let (mime, bytes) = match &image.data {
        ImageData::Jpeg { bytes, .. } => ("image/jpeg", bytes.clone()),
        ImageData::Pixels {
            components,
            compressed,
            alpha,
        } => (
            "image/png",
            png_bytes(image, *components, compressed, alpha)?,
        ),
    };
    let b64 = base64::engine::general_purpose::STANDARD.encode(bytes);
    Some(format!("data:{mime};base64,{b64}"))
}

/// The image store keeps pixels the way the PDF wants them (colour and alpha apart, each
/// zlib-compressed); a browser wants a PNG. Made once per image per writer.
fn png_bytes(
    image: &crate::images::Image,
    components: u8,
    compressed: &[u8],
    alpha: &Option<Vec<u8>>,
) -> Option<Vec<u8>> {
    let color = miniz_oxide::inflate::decompress_to_vec_zlib(compressed).ok()?;
    let alpha = match alpha {
        Some(a) => Some(miniz_oxide::inflate::decompress_to_vec_zlib(a).ok()?),
        None => None,
    };
    let c = usize::from(components);
    let pixels = image.width as usize * image.height as usize;
    if color.len() != pixels * c || alpha.as_ref().is_some_and(|a| a.len() != pixels) {
        return None;
    }
    let (color_type, samples) = match (components, &alpha) {
        (1, None) => (png::ColorType::Grayscale, color),
        (3, None) => (png::ColorType::Rgb, color),
        (1 | 3, Some(alpha)) => {
            let mut joined = Vec::with_capacity(pixels * (c + 1));
            for (px, a) in color.chunks_exact(c).zip(alpha) {
                joined.extend_from_slice(px);
                joined.push(*a);
            }
            let t = if c == 1 {
                png::ColorType::GrayscaleAlpha
            } else {
                png::ColorType::Rgba
            };
            (t, joined)
        }
        _ => return None,
    };
    let mut out = Vec::with_capacity(samples.len() / 2);
    {
        let mut encoder = png::Encoder::new(&mut out, image.width, image.height);
        encoder.set_color(color_type);
        encoder.set_depth(png::BitDepth::Eight);
        // Made once per image, then sent with every preview of the page: size over speed.
        encoder.set_compression(png::Compression::High);
        let mut writer = encoder.write_header().ok()?;
        writer.write_image_data(&samples).ok()?;
    }
    Some(out)
}

fn hex(out: &mut String, c: Color) {
    let _ = write!(out, "#{:02x}{:02x}{:02x}", c.0, c.1, c.2);
}

/// `v` to [`DECIMALS`] places, without trailing zeros (`12`, `0.5`, `-3.25`).
fn num(out: &mut String, v: f32) {
    num_to(out, v, DECIMALS);
}

/// A number in font units, to [`OUTLINE_DECIMALS`] places.
fn unit(out: &mut String, v: f32) {
    num_to(out, v, OUTLINE_DECIMALS);
}

fn num_to(out: &mut String, v: f32, decimals: i32) {
    let factor = 10f64.powi(decimals);
    let scaled = (f64::from(v) * factor).round();
    if !scaled.is_finite() || scaled == 0.0 {
        out.push('0');
        return;
    }
    let scaled = scaled as i64;
    if scaled < 0 {
        out.push('-');
    }
    let abs = scaled.unsigned_abs();
    let whole = abs / factor as u64;
    let frac = abs % factor as u64;
    let _ = write!(out, "{whole}");
    if frac != 0 {
        let digits = format!("{frac:0width$}", width = decimals as usize);
        out.push('.');
        out.push_str(digits.trim_end_matches('0'));
    }
}

/// A scale factor in full: 11.5 pt over 1000 units is 0.0115, which two places would ruin.
fn num_exact(out: &mut String, v: f32) {
    let _ = write!(out, "{v}");
}

#[cfg(test)]
mod tests;
