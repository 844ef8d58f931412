//! Font embedding, done once per run: which glyphs the run uses ([`GlyphUsage`]), and each
//! used face turned into a compressed subset with its widths and ToUnicode map
//! ([`EmbeddedFonts`]), so every PDF file of the run just copies the prepared bytes.

use anyhow::{anyhow, Context};
use pdf_writer::types::{SystemInfo, UnicodeCmap};
use pdf_writer::{Name, Str};
use rustybuzz::ttf_parser;

use crate::typeset::fonts::{Font, FontSet};
use crate::typeset::page::{Item, Page};

/// Fonts and ToUnicode maps are compressed once per run, so the small extra time of the
/// best level buys smaller files for every letter.
const FONT_COMPRESSION: u8 = 9;

/// Words in a bit set covering every possible glyph id.
const BITSET_WORDS: usize = (u16::MAX as usize + 1) / 64;

/// The glyphs a run uses, per face: pass 1 of a run feeds every page here.
pub struct GlyphUsage {
    /// One bit per glyph id; an empty vector for a face not used yet.
    faces: Vec<Vec<u64>>,
}

impl GlyphUsage {
    pub fn new(fonts: &FontSet) -> GlyphUsage {
        GlyphUsage {
            faces: vec![Vec::new(); fonts.faces.len()],
        }
    }

    pub fn add_page(&mut self, page: &Page) {
        for item in &page.items {
            if let Item::Text(run) = item {
                for glyph in &run.glyphs {
                    self.add_glyph(run.font, glyph.id);
                }
            }
        }
    }

    pub fn add_glyph(&mut self, face: usize, glyph: u16) {
        if face >= self.faces.len() {
            self.faces.resize(face + 1, Vec::new());
        }
        let bits = &mut self.faces[face];
        if bits.is_empty() {
            bits.resize(BITSET_WORDS, 0);
        }
        bits[glyph as usize / 64] |= 1 << (glyph % 64);
    }

    /// Adds every glyph `other` has seen (usage gathered on several threads).
    pub fn merge(&mut self, other: &GlyphUsage) {
        for (face, bits) in other.faces.iter().enumerate() {
            if bits.is_empty() {
                continue;
            }
            if face >= self.faces.len() {
                self.faces.resize(face + 1, Vec::new());
            }
            let mine = &mut self.faces[face];
            if mine.is_empty() {
                mine.resize(BITSET_WORDS, 0);
            }
            for (a, b) in mine.iter_mut().zip(bits) {
                *a |= b;
            }
        }
    }

    /// The glyph ids of `face` in use, ascending.
    pub fn glyphs(&self, face: usize) -> impl Iterator<Item = u16> + '_ {
        let bits = self.faces.get(face).map_or(&[][..], Vec::as_slice);
        bits.iter().enumerate().flat_map(|(word_index, &word)| {
            (0..64u32)
                .filter(move |bit| word & (1 << bit) != 0)
                .map(move |bit| (word_index * 64 + bit as usize) as u16)
        })
    }

    pub fn is_used(&self, face: usize) -> bool {
        self.faces
            .get(face)
            .is_some_and(|bits| bits.iter().any(|&w| w != 0))
    }
}

/// The faces of a run, subset and ready to be copied into any number of PDF files.
pub struct EmbeddedFonts {
    /// Indexed like [`FontSet::faces`]; `None` for a face no page uses.
    pub(crate) faces: Vec<Option<EmbeddedFace>>,
}

/// How the outlines of a subset are stored, which decides the PDF font types.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Outlines {
    /// A bare CFF table: CIDFontType0 with FontFile3 /CIDFontType0C.
    Cff,
    /// A TrueType font: CIDFontType2 with FontFile2.
    TrueType,
}

pub(crate) struct EmbeddedFace {
    /// `ABCDEF+PostScriptName`.
    pub base_font: String,
    pub outlines: Outlines,
    /// The subset font program, zlib-compressed, and its uncompressed length.
    pub program: Vec<u8>,
    pub program_len: usize,
    /// The ToUnicode CMap, zlib-compressed.
    pub to_unicode: Vec<u8>,
    /// Subset glyph id for each original glyph id (0 for glyphs not in the subset; the
    /// original .notdef maps to 0 as well).
    new_ids: Vec<u16>,
    /// Advance widths in thousandths of an em, indexed by subset glyph id. The content
    /// stream positions text with exactly these numbers, so they are also what the PDF's
    /// /W array says.
    pub widths: Vec<f32>,
    pub ascent: f32,
    pub descent: f32,
    pub cap_height: f32,
    pub bbox: [f32; 4],
    pub italic_angle: f32,
    pub stem_v: f32,
    pub fixed_pitch: bool,
    pub serif: bool,
}

impl EmbeddedFace {
    /// The subset glyph id of an original glyph id, `None` if the glyph is not in the subset.
    pub fn new_id(&self, old: u16) -> Option<u16> {
        match self.new_ids.get(old as usize) {
            _ if old == 0 => Some(0),
            Some(&0) | None => None,
            Some(&new) => Some(new),
        }
    }
}

impl EmbeddedFonts {
    /// Subsets every face `usage` saw. An error names the face that could not be subset.
    pub fn prepare(fonts: &FontSet, usage: &GlyphUsage) -> anyhow::Result<EmbeddedFonts> {
        let mut faces = Vec::with_capacity(fonts.faces.len());
        for (index, font) in fonts.faces.iter().enumerate() {
            if !usage.is_used(index) {
                faces.push(None);
                continue;
            }
            let glyphs: Vec<u16> = usage.glyphs(index).collect();
            let glyphs = existing_glyphs(font, glyphs);
            let face = embed_face(font, &glyphs).with_context(|| {
                format!(
                    "cannot embed the font {} in the PDF; try another font file",
                    font.postscript_name
                )
            })?;
            faces.push(Some(face));
        }
        Ok(EmbeddedFonts { faces })
    }

    pub(crate) fn face(&self, index: usize) -> Option<&EmbeddedFace> {
        self.faces.get(index).and_then(Option::as_ref)
    }

    /// The subset font name (with its tag) of a face, if the face is embedded.
    pub fn base_font(&self, index: usize) -> Option<&str> {
        self.face(index).map(|f| f.base_font.as_str())
    }
}

/// Drops glyph ids the face does not have, which would make the subsetter fail with a
/// message about the font; the writer then reports the page's glyph instead.
fn existing_glyphs(font: &Font, mut glyphs: Vec<u16>) -> Vec<u16> {
    if let Ok(face) = ttf_parser::Face::parse(&font.data, font.index) {
        let count = face.number_of_glyphs();
        glyphs.retain(|&g| g < count);
    }
    glyphs
}

fn embed_face(font: &Font, glyphs: &[u16]) -> anyhow::Result<EmbeddedFace> {
    let face = ttf_parser::Face::parse(&font.data, font.index)
        .map_err(|e| anyhow!("the font file cannot be read: {e}"))?;
    let mut remapper = subsetter::GlyphRemapper::new();
    for &g in glyphs {
        remapper.remap(g);
    }
    let subset = subsetter::subset(&font.data, font.index, &remapper)
        .map_err(|e| anyhow!("subsetting failed: {e}"))?;

    let (outlines, program) = if face.tables().cff.is_some() {
        // The subsetter always produces a CID-keyed CFF whose CIDs are the new glyph ids,
        // which is exactly what a CIDFontType0 addressed with Identity-H needs.
        let raw = ttf_parser::RawFace::parse(&subset, 0)
            .map_err(|e| anyhow!("the subset cannot be read back: {e}"))?;
        let cff = raw
            .table(ttf_parser::Tag::from_bytes(b"CFF "))
            .ok_or_else(|| anyhow!("the subset has no CFF table"))?;
        (Outlines::Cff, cff.to_vec())
    } else if face.tables().glyf.is_some() {
        (Outlines::TrueType, subset)
    } else {
        return Err(anyhow!(
            "the font has neither TrueType nor CFF outlines (CFF2 variable fonts are not supported)"
        ));
    };

    let scale = 1000.0 / f32::from(font.units_per_em.max(1));
    let to_pdf = |v: f32| (v * scale * 100.0).round() / 100.0;

    // The remapper may have added glyphs (composite TrueType parts), so size by its count.
    let count = remapper.num_gids() as usize;
    let mut widths = vec![0.0; count];
    let mut new_ids = vec![0u16; glyphs.last().map_or(0, |&g| g as usize + 1)];
    for &old in glyphs {
        let Some(new) = remapper.get(old) else {
            continue;
        };
        new_ids[old as usize] = new;
        let advance = face
            .glyph_hor_advance(ttf_parser::GlyphId(old))
            .unwrap_or(0);
        if let Some(w) = widths.get_mut(new as usize) {
            *w = to_pdf(f32::from(advance));
        }
    }

    let mut cmap = UnicodeCmap::new(
        Name(b"Custom"),
        SystemInfo {
            registry: Str(b"Adobe"),
            ordering: Str(b"Identity"),
            supplement: 0,
        },
    );
    for &old in glyphs {
        if let (Some(text), Some(new)) = (font.glyph_text.get(&old), remapper.get(old)) {
            if !text.is_empty() {
                cmap.pair_with_multiple(new, text.chars());
            }
        }
    }
    let cmap = cmap.finish();

    let [x0, y0, x1, y1] = font.bbox.map(|v| to_pdf(f32::from(v)));
    let weight = f32::from(face.weight().to_number());
    // sFamilyClass (high byte: class) sits at offset 30 of the OS/2 table.
    let family_class = face
        .raw_face()
        .table(ttf_parser::Tag::from_bytes(b"OS/2"))
        .and_then(|os2| os2.get(30).copied())
        .unwrap_or(0);
    Ok(EmbeddedFace {
        base_font: format!(
            "{}+{}",
            subset_tag(&font.postscript_name, glyphs),
            font.postscript_name
        ),
        outlines,
        program_len: program.len(),
        program: miniz_oxide::deflate::compress_to_vec_zlib(&program, FONT_COMPRESSION),
        to_unicode: miniz_oxide::deflate::compress_to_vec_zlib(&cmap, FONT_COMPRESSION),
        new_ids,
        widths,
        ascent: to_pdf(f32::from(font.ascender)),
        descent: to_pdf(f32::from(font.descender)),
        cap_height: to_pdf(f32::from(font.cap_height)),
        bbox: [x0, y0, x1, y1],
        italic_angle: font.italic_angle,
        // The usual estimate from the weight class; viewers only use it for hinting.
        stem_v: (10.0 + 0.244 * (weight - 50.0)).round(),
        fixed_pitch: face.is_monospaced(),
        // OS/2 sFamilyClass 1-7 are the serif classes.
        serif: (1..=7).contains(&family_class),
    })
}

/// Six capital letters derived from the font name and glyph set (FNV-1a), so the same run
/// always produces the same file and different subsets of a face get different names.
fn subset_tag(name: &str, glyphs: &[u16]) -> String {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    let bytes = name
        .bytes()
        .chain(glyphs.iter().flat_map(|g| g.to_be_bytes()));
    for b in bytes {
        hash ^= u64::from(b);
        hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
    }
    (0..6)
        .map(|_| {
            let letter = (b'A' + (hash % 26) as u8) as char;
            hash /= 26;
            letter
        })
        .collect()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::{subset_tag, EmbeddedFonts, GlyphUsage, Outlines};
    use crate::typeset::fonts::{Font, FontSet};
    use crate::typeset::page::{GlyphRun, Item, Page, PlacedGlyph};
    use rustybuzz::ttf_parser;
    use std::collections::HashMap;
    use std::sync::Arc;

    /// Loads a bundled font by PostScript name prefix, as the typesetter would.
    pub(crate) fn bundled_font(name: &str) -> Font {
        for data in typst_assets::fonts() {
            let Ok(face) = ttf_parser::Face::parse(data, 0) else {
                continue;
            };
            let ps = face
                .names()
                .into_iter()
                .filter(|n| n.name_id == ttf_parser::name_id::POST_SCRIPT_NAME)
                .find_map(|n| n.to_string())
                .unwrap_or_default();
            if ps != name {
                continue;
            }
            let bbox = face.global_bounding_box();
            return Font {
                postscript_name: ps,
                data: Arc::from(data),
                index: 0,
                units_per_em: face.units_per_em(),
                ascender: face.ascender(),
                descender: face.descender(),
                cap_height: face.capital_height().unwrap_or(face.ascender()),
                bbox: [bbox.x_min, bbox.y_min, bbox.x_max, bbox.y_max],
                italic_angle: face.italic_angle(),
                glyph_text: HashMap::new(),
            };
        }
        panic!("no bundled font {name}");
    }

    /// Shapes `text` with rustybuzz (kerning, ligatures) as the typesetter does, recording
    /// each glyph's text from the clusters, and returns the run.
    pub(crate) fn shaped_run(
        font: &mut Font,
        id: usize,
        text: &str,
        size: f32,
        x: f32,
        y: f32,
    ) -> GlyphRun {
        let face = rustybuzz::Face::from_slice(&font.data, font.index).unwrap();
        let mut buffer = rustybuzz::UnicodeBuffer::new();
        buffer.push_str(text);
        let shaped = rustybuzz::shape(&face, &[], buffer);
        let infos = shaped.glyph_infos();
        let scale = size / f32::from(font.units_per_em);
        let mut pen = 0.0;
        let mut glyphs = Vec::new();
        for (i, (info, pos)) in infos.iter().zip(shaped.glyph_positions()).enumerate() {
            let start = info.cluster as usize;
            let end = infos
                .get(i + 1)
                .map_or(text.len(), |next| next.cluster as usize);
            let g = info.glyph_id as u16;
            if end > start {
                font.glyph_text
                    .entry(g)
                    .or_insert_with(|| text[start..end].to_string());
            }
            glyphs.push(PlacedGlyph {
                id: g,
                x: pen + pos.x_offset as f32 * scale,
            });
            pen += pos.x_advance as f32 * scale;
        }
        GlyphRun {
            font: id,
            size,
            color: crate::style::Color::BLACK,
            x,
            y,
            glyphs,
        }
    }

    #[test]
    fn usage_collects_glyphs_per_face() {
        let fonts = FontSet { faces: Vec::new() };
        let mut usage = GlyphUsage::new(&fonts);
        let mut page = Page::blank(100.0, 100.0);
        page.items.push(Item::Text(GlyphRun {
            font: 1,
            size: 10.0,
            color: crate::style::Color::BLACK,
            x: 0.0,
            y: 0.0,
            glyphs: [700, 3, 65535, 3]
                .into_iter()
                .map(|id| PlacedGlyph { id, x: 0.0 })
                .collect(),
        }));
        usage.add_page(&page);
        assert!(!usage.is_used(0));
        assert!(usage.is_used(1));
        assert_eq!(usage.glyphs(1).collect::<Vec<_>>(), [3, 700, 65535]);
    }

    #[test]
    fn subset_tags_are_stable_and_differ_by_glyph_set() {
        let a = subset_tag("LibertinusSerif-Regular", &[1, 2, 3]);
        assert_eq!(a, subset_tag("LibertinusSerif-Regular", &[1, 2, 3]));
        assert_ne!(a, subset_tag("LibertinusSerif-Regular", &[1, 2, 4]));
        assert_eq!(a.len(), 6);
        assert!(a.bytes().all(|b| b.is_ascii_uppercase()));
    }

    /// PDF/A-2 6.2.11.5: the /W widths of every glyph shown equal the advance widths in the
    /// embedded font program (checked here for a TrueType subset, whose program has hmtx).
    #[test]
    fn truetype_subset_widths_match_the_embedded_program() {
        let mut mono = bundled_font("DejaVuSansMono");
        let run = shaped_run(&mut mono, 0, "Widths: ij MW 0.1 {}", 12.0, 0.0, 0.0);
        let fonts = FontSet { faces: vec![mono] };
        let mut usage = GlyphUsage::new(&fonts);
        let mut page = Page::blank(100.0, 100.0);
        page.items.push(Item::Text(run.clone()));
        usage.add_page(&page);
        let embedded = EmbeddedFonts::prepare(&fonts, &usage).unwrap();
        let face = embedded.face(0).unwrap();
        assert_eq!(face.outlines, Outlines::TrueType);
        let program = miniz_oxide::inflate::decompress_to_vec_zlib(&face.program).unwrap();
        assert_eq!(program.len(), face.program_len);
        let parsed = ttf_parser::Face::parse(&program, 0).unwrap();
        let scale = 1000.0 / f32::from(parsed.units_per_em());
        let mut checked = 0;
        for glyph in &run.glyphs {
            let new = face.new_id(glyph.id).unwrap();
            let advance = parsed.glyph_hor_advance(ttf_parser::GlyphId(new)).unwrap();
            let want = f32::from(advance) * scale;
            let got = face.widths[new as usize];
            assert!(
                (got - want).abs() < 0.01,
                "glyph {new}: /W {got}, program {want}"
            );
            checked += 1;
        }
        assert!(checked >= 15);
    }

    #[test]
    fn prepares_cff_and_truetype_subsets_of_used_faces_only() {
        let mut serif = bundled_font("LibertinusSerif-Regular");
        let mut mono = bundled_font("DejaVuSansMono");
        let unused = bundled_font("LibertinusSerif-Bold");
        let run_a = shaped_run(&mut serif, 0, "Hello", 12.0, 0.0, 0.0);
        let run_b = shaped_run(&mut mono, 2, "code", 12.0, 0.0, 0.0);
        let fonts = FontSet {
            faces: vec![serif, unused, mono],
        };
        let mut usage = GlyphUsage::new(&fonts);
        let mut page = Page::blank(100.0, 100.0);
        page.items.push(Item::Text(run_a.clone()));
        page.items.push(Item::Text(run_b));
        usage.add_page(&page);
        let embedded = EmbeddedFonts::prepare(&fonts, &usage).unwrap();
        let serif = embedded.face(0).unwrap();
        assert_eq!(serif.outlines, Outlines::Cff);
        assert!(serif.base_font.ends_with("+LibertinusSerif-Regular"));
        assert!(embedded.face(1).is_none());
        let mono = embedded.face(2).unwrap();
        assert_eq!(mono.outlines, Outlines::TrueType);
        // 4 distinct glyphs in "Hello" plus .notdef.
        assert_eq!(serif.widths.len(), 5);
        let h = serif.new_id(run_a.glyphs[0].id).unwrap();
        assert!(h > 0 && serif.widths[h as usize] > 500.0);
        assert_eq!(serif.new_id(9999), None);
        // Subsets are small compared to the whole fonts.
        assert!(serif.program.len() < 20_000, "{}", serif.program.len());
        assert!(mono.program.len() < 20_000, "{}", mono.program.len());
    }
}
