//! SVG output of typeset pages, for the studio's live preview: the page the PDF prints,
//! drawn from the same positioned glyphs with the outlines of the very faces the
//! [`FontSet`] holds, so what the browser shows is what the printer gets.
//!
//! Each glyph a page uses is one `<path>` in the page's `<defs>` (in font units, as the
//! font draws it) and every occurrence a `<use>` of it inside a run's group, which scales by
//! size / units-per-em and flips y. Images are `<image>`s with a `data:` URI (the studio's
//! CSP allows `img-src data:`). Link areas are not drawn: the preview is a picture of the
//! paper. An invisible text layer (one transparent `<text>` per run, stretched to the run's
//! width) makes the page searchable, selectable and readable by a screen reader.
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

/// Outlines and positions are written to 1/100 of their unit: a hundredth of a point is
/// far below a screen pixel at any zoom a preview is read at, and a hundredth of a font
/// unit finer still.
const DECIMALS: i32 = 2;

/// Draws typeset pages as SVG documents; keeps what it has converted (see the module doc).
#[derive(Default)]
pub struct SvgWriter {
    /// Path data of each glyph in font units; `None` for a glyph with no outline (a space).
    glyphs: HashMap<(FontId, u16), Option<Arc<str>>>,
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
        let mut used: Vec<(FontId, u16)> = Vec::new();
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
                    self.run(run, fonts, &mut body, &mut used);
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

        let mut out = String::with_capacity(body.len() + text_layer.len() + used.len() * 300);
        out.push_str("<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"page\" viewBox=\"0 0 ");
        num(&mut out, page.width);
        out.push(' ');
        num(&mut out, page.height);
        let _ = write!(out, "\" data-glyphs=\"{glyph_count}\" data-width=\"");
        num(&mut out, page.width);
        out.push_str("\" data-height=\"");
        num(&mut out, page.height);
        out.push_str("\">\n<defs>\n");
        for key in &used {
            if let Some(Some(d)) = self.glyphs.get(key) {
                let _ = write!(out, "<path id=\"g{}-{}\" d=\"", key.0, key.1);
                out.push_str(d);
                out.push_str("\"/>\n");
            }
        }
        out.push_str("</defs>\n<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n");
        out.push_str(&body);
        out.push_str("<g class=\"text-layer\" fill-opacity=\"0\">\n");
        out.push_str(&text_layer);
        out.push_str("</g>\n</svg>\n");
        out
    }

    /// A run: a group at its origin, scaled from font units to points with y flipped, and
    /// a `<use>` per glyph at its x in font units.
    fn run(
        &mut self,
        run: &GlyphRun,
        fonts: &FontSet,
        out: &mut String,
        used: &mut Vec<(FontId, u16)>,
    ) {
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
        out.push_str(")\">");
        let mut face: Option<ttf_parser::Face> = None;
        for glyph in &run.glyphs {
            let key = (run.font, glyph.id);
            let d = self.glyphs.entry(key).or_insert_with(|| {
                if face.is_none() {
                    face = ttf_parser::Face::parse(&font.data, font.index).ok();
                }
                face.as_ref()
                    .and_then(|f| outline(f, glyph.id))
                    .map(Arc::from)
            });
            if d.is_none() {
                continue;
            }
            if !used.contains(&key) {
                used.push(key);
            }
            let _ = write!(out, "<use href=\"#g{}-{}\" x=\"", key.0, key.1);
            num(out, glyph.x / scale);
            out.push_str("\"/>");
        }
        out.push_str("</g>\n");
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

/// The glyph's outline as SVG path data in font units (y up); `None` when it draws nothing.
fn outline(face: &ttf_parser::Face, glyph: u16) -> Option<String> {
    let mut path = PathData(String::with_capacity(256));
    face.outline_glyph(GlyphId(glyph), &mut path)?;
    (!path.0.is_empty()).then_some(path.0)
}

struct PathData(String);

impl PathData {
    fn cmd(&mut self, c: char, points: &[f32]) {
        self.0.push(c);
        for (i, v) in points.iter().enumerate() {
            if i > 0 {
                self.0.push(' ');
            }
            num(&mut self.0, *v);
        }
    }
}

impl OutlineBuilder for PathData {
    fn move_to(&mut self, x: f32, y: f32) {
        self.cmd('M', &[x, y]);
    }
    fn line_to(&mut self, x: f32, y: f32) {
        self.cmd('L', &[x, y]);
    }
    fn quad_to(&mut self, x1: f32, y1: f32, x: f32, y: f32) {
        self.cmd('Q', &[x1, y1, x, y]);
    }
    fn curve_to(&mut self, x1: f32, y1: f32, x2: f32, y2: f32, x: f32, y: f32) {
        self.cmd('C', &[x1, y1, x2, y2, x, y]);
    }
    fn close(&mut self) {
        self.0.push('Z');
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
    let factor = 10f64.powi(DECIMALS);
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
        let digits = format!("{frac:0width$}", width = DECIMALS as usize);
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
