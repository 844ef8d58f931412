//! The fonts of a run: loaded once (built-in Libertinus Serif or the user's TTF/OTF files),
//! with their metrics and the glyph-to-text map the PDF needs for copy and search.

use std::collections::HashMap;
use std::sync::Arc;

/// The four faces of the text family, indexed by [`crate::typeset::page::FontId`]:
/// 0 regular, 1 bold, 2 italic, 3 bold italic.
pub struct FontSet {
    pub faces: Vec<Font>,
}

/// One loaded face.
pub struct Font {
    /// PostScript name, used as the PDF BaseFont (with a subset tag added by the writer).
    pub postscript_name: String,
    /// The whole font file and the face index inside it (for collections).
    pub data: Arc<[u8]>,
    pub index: u32,
    pub units_per_em: u16,
    pub ascender: i16,
    pub descender: i16,
    pub cap_height: i16,
    /// Font bounding box in font units: x_min, y_min, x_max, y_max.
    pub bbox: [i16; 4],
    pub italic_angle: f32,
    /// Text each glyph stands for, recorded by the shaper the first time it produces the
    /// glyph (ligatures map to several characters). Feeds the PDF ToUnicode map.
    pub glyph_text: HashMap<u16, String>,
}

impl Font {
    /// Advance width of `glyph` in font units (0 for an unknown glyph).
    pub fn advance(&self, glyph: u16) -> u16 {
        let _ = glyph;
        todo!("typeset helper")
    }
}
