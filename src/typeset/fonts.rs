//! The fonts of a run: loaded once (built-in Libertinus Serif or the user's TTF/OTF files),
//! with their metrics and the glyph-to-text map the PDF needs for copy and search.

use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

use anyhow::{anyhow, bail, Context};
use rustybuzz::ttf_parser::{self, name_id, RawFace, Tag};

use crate::style::FontSpec;

/// The built-in families, as the template names them.
pub const BUILTIN_FAMILIES: [&str; 2] = ["Libertinus Serif", "New Computer Modern"];

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
    ///
    /// Reads `hhea`/`hmtx` straight from the file: parsing only the table directory keeps
    /// this cheap enough to call per glyph without caching a parsed face in `Font`.
    pub fn advance(&self, glyph: u16) -> u16 {
        advance_of(&self.data, self.index, glyph).unwrap_or(0)
    }

    /// Parses one face of `data` and reads its metrics and names.
    pub(crate) fn from_data(data: Arc<[u8]>, index: u32) -> Result<Font, String> {
        let face = ttf_parser::Face::parse(&data, index).map_err(|e| e.to_string())?;
        let postscript_name = name_of(&face, name_id::POST_SCRIPT_NAME)
            .map(|n| {
                n.chars()
                    .filter(|c| c.is_ascii_graphic())
                    .collect::<String>()
            })
            .filter(|n| !n.is_empty())
            .unwrap_or_else(|| {
                let family = family_of(&face).unwrap_or_else(|| "Font".to_string());
                family
                    .chars()
                    .filter(|c| c.is_ascii_alphanumeric())
                    .collect()
            });
        let bbox = face.global_bounding_box();
        let ascender = face.ascender();
        Ok(Font {
            postscript_name,
            index,
            units_per_em: face.units_per_em(),
            ascender,
            descender: face.descender(),
            cap_height: face
                .capital_height()
                .filter(|&h| h > 0)
                .unwrap_or((f32::from(ascender) * 0.7) as i16),
            bbox: [bbox.x_min, bbox.y_min, bbox.x_max, bbox.y_max],
            italic_angle: face.italic_angle(),
            glyph_text: HashMap::new(),
            data,
        })
    }
}

fn advance_of(data: &[u8], index: u32, glyph: u16) -> Option<u16> {
    let raw = RawFace::parse(data, index).ok()?;
    let hhea = raw.table(Tag::from_bytes(b"hhea"))?;
    let hmtx = raw.table(Tag::from_bytes(b"hmtx"))?;
    let be16 = |b: &[u8], at: usize| -> Option<u16> {
        Some(u16::from_be_bytes([*b.get(at)?, *b.get(at + 1)?]))
    };
    let metrics = usize::from(be16(hhea, 34)?);
    if metrics == 0 {
        return None;
    }
    // Glyphs past the last long metric share its advance (monospaced tails).
    let entry = usize::from(glyph).min(metrics - 1);
    be16(hmtx, entry * 4)
}

fn name_of(face: &ttf_parser::Face, id: u16) -> Option<String> {
    let names = face.names();
    // Prefer a Unicode (Windows/Unicode platform) record that decodes.
    (0..names.len())
        .filter_map(|i| names.get(i))
        .filter(|n| n.name_id == id && n.is_unicode())
        .find_map(|n| n.to_string())
}

fn family_of(face: &ttf_parser::Face) -> Option<String> {
    name_of(face, name_id::TYPOGRAPHIC_FAMILY).or_else(|| name_of(face, name_id::FAMILY))
}

/// Lowercase letters and digits only, so "NewComputerModern" matches "New Computer Modern".
fn family_key(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The font data the shaper works on: one `'static` slice per face, same order as
/// [`FontSet::faces`].
pub(crate) type ShapeData = [&'static [u8]; 4];

impl FontSet {
    /// Loads the four faces the spec names: the user's files when `regular` is given, else a
    /// built-in family.
    pub(crate) fn load(spec: &FontSpec) -> anyhow::Result<(FontSet, ShapeData)> {
        match &spec.regular {
            Some(regular) => Self::load_files(spec, regular),
            None => Self::load_builtin(&spec.family),
        }
    }

    fn load_builtin(family: &str) -> anyhow::Result<(FontSet, ShapeData)> {
        let wanted = family_key(family);
        // (weight distance, data) per slot; pick the face closest to 400/700 upright/italic.
        let mut best: [Option<(u16, &'static [u8])>; 4] = [None; 4];
        for data in typst_assets::fonts() {
            let Ok(face) = ttf_parser::Face::parse(data, 0) else {
                continue;
            };
            let Some(name) = family_of(&face) else {
                continue;
            };
            let key = family_key(&name);
            // "New Computer Modern" ships as "NewComputerModern10" (design size suffix).
            let matches = key == wanted
                || key.strip_prefix(wanted.as_str()).is_some_and(|rest| {
                    !rest.is_empty() && rest.chars().all(|c| c.is_ascii_digit())
                });
            if !matches {
                continue;
            }
            let weight = face.weight().to_number();
            let italic = face.is_italic();
            for (slot, target) in [(0, 400u16), (1, 700), (2, 400), (3, 700)] {
                if italic != (slot >= 2) {
                    continue;
                }
                let distance = weight.abs_diff(target);
                if best[slot].is_none_or(|(d, _)| distance < d) {
                    best[slot] = Some((distance, data));
                }
            }
        }
        let Some((_, regular)) = best[0] else {
            bail!(
                "the font family `{family}` is not built in (built-in families: {}); \
                 name one of those in `font.family`, or give your own font files with \
                 `font.regular` (and optionally `font.bold`, `font.italic`, `font.bold_italic`)",
                BUILTIN_FAMILIES.join(", ")
            );
        };
        let mut shape_data = [regular; 4];
        let mut faces = Vec::with_capacity(4);
        for slot in 0..4 {
            let data = best[slot].map_or(regular, |(_, d)| d);
            shape_data[slot] = data;
            let font = Font::from_data(Arc::from(data), 0)
                .map_err(|e| anyhow!("the built-in font `{family}` could not be read: {e}"))?;
            faces.push(font);
        }
        Ok((FontSet { faces }, shape_data))
    }

    fn load_files(spec: &FontSpec, regular: &Path) -> anyhow::Result<(FontSet, ShapeData)> {
        let paths = [
            Some(regular),
            spec.bold.as_deref(),
            spec.italic.as_deref(),
            spec.bold_italic.as_deref(),
        ];
        let mut loaded: Vec<(Font, &'static [u8])> = Vec::with_capacity(4);
        for path in paths.iter().flatten() {
            loaded.push(load_file(path)?);
        }
        let mut faces = Vec::with_capacity(4);
        let mut shape_data = [loaded[0].1; 4];
        let mut next = 0;
        for (slot, path) in paths.iter().enumerate() {
            // A missing style falls back to the regular face (a second copy, so that every
            // slot owns its own glyph_text map).
            let take = if path.is_some() {
                next += 1;
                next - 1
            } else {
                0
            };
            let (font, data) = &loaded[take];
            shape_data[slot] = data;
            let mut copy = Font::from_data(font.data.clone(), font.index)
                .map_err(|e| anyhow!("font could not be read: {e}"))?;
            copy.postscript_name = font.postscript_name.clone();
            faces.push(copy);
        }
        Ok((FontSet { faces }, shape_data))
    }
}

/// The largest font file a template may name. Latin text fonts are well under 1 MiB and the
/// largest common fonts (pan-CJK families) about 20 MiB; each face is held in memory for
/// the whole run (twice, for shaping and for the PDF), so 64 MiB is room for any real font
/// while a wrong path (a disk image, `/dev/zero`) is refused before it is read.
pub const MAX_FONT_BYTES: u64 = 64 << 20;

fn load_file(path: &Path) -> anyhow::Result<(Font, &'static [u8])> {
    let bytes = crate::input_file::read_bounded(path, MAX_FONT_BYTES, "a font file").with_context(
        || {
            format!(
                "cannot read the font file {}; check the path in `font:` of the template (it is \
             relative to the template's folder) or remove it to use the built-in Libertinus Serif",
                path.display()
            )
        },
    )?;
    let data: Arc<[u8]> = Arc::from(bytes);
    let font = Font::from_data(data.clone(), 0).map_err(|e| {
        anyhow!(
            "the font file {} is not a usable TrueType/OpenType font ({e}); give a .ttf or .otf file",
            path.display()
        )
    })?;
    // The shaper needs font data that outlives every borrow of it; a run loads its fonts
    // once, so keeping this one copy for the life of the process is the simple, safe choice.
    let leaked: &'static [u8] = Box::leak(data.to_vec().into_boxed_slice());
    Ok((font, leaked))
}

#[cfg(test)]
mod tests {
    use super::{FontSet, ShapeData};
    use crate::style::FontSpec;

    fn load(family: &str) -> (FontSet, ShapeData) {
        let spec = FontSpec {
            family: family.to_string(),
            ..FontSpec::default()
        };
        FontSet::load(&spec).expect("built-in family loads")
    }

    #[test]
    fn libertinus_has_four_distinct_faces() {
        let (set, _) = load("Libertinus Serif");
        let names: Vec<&str> = set
            .faces
            .iter()
            .map(|f| f.postscript_name.as_str())
            .collect();
        assert_eq!(
            names,
            [
                "LibertinusSerif-Regular",
                "LibertinusSerif-Bold",
                "LibertinusSerif-Italic",
                "LibertinusSerif-BoldItalic"
            ]
        );
        let f = &set.faces[0];
        assert_eq!(f.units_per_em, 1000);
        assert!(f.ascender > 0 && f.descender < 0 && f.cap_height > 0);
        assert!(f.bbox[2] > f.bbox[0]);
        assert_eq!(f.italic_angle, 0.0);
        assert!(set.faces[2].italic_angle < 0.0);
        // 'a' via cmap -> advance from hmtx.
        let face = rustybuzz::ttf_parser::Face::parse(&f.data, 0).unwrap();
        let a = face.glyph_index('a').unwrap();
        assert_eq!(
            f.advance(a.0),
            face.glyph_hor_advance(a).unwrap(),
            "hmtx reader agrees with ttf-parser"
        );
    }

    #[test]
    fn new_computer_modern_is_built_in() {
        let (set, _) = load("New Computer Modern");
        assert!(set.faces[0].postscript_name.starts_with("NewCM"));
        assert_ne!(set.faces[0].postscript_name, set.faces[1].postscript_name);
    }

    #[test]
    fn unknown_family_and_missing_file_are_errors() {
        let spec = FontSpec {
            family: "Comic Sans".into(),
            ..FontSpec::default()
        };
        let err = FontSet::load(&spec).err().unwrap().to_string();
        assert!(
            err.contains("Comic Sans") && err.contains("font.regular"),
            "{err}"
        );
        let spec = FontSpec {
            regular: Some("/nonexistent/Foo.ttf".into()),
            ..FontSpec::default()
        };
        let err = format!("{:#}", FontSet::load(&spec).err().unwrap());
        assert!(err.contains("/nonexistent/Foo.ttf"), "{err}");
    }

    #[test]
    fn user_font_files_load_and_fall_back_to_regular() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("Mine.otf");
        let data = typst_assets::fonts()
            .find(|d| {
                rustybuzz::ttf_parser::Face::parse(d, 0).is_ok_and(|f| {
                    super::name_of(&f, 6).as_deref() == Some("LibertinusSerif-Italic")
                })
            })
            .unwrap();
        std::fs::write(&path, data).unwrap();
        let spec = FontSpec {
            regular: Some(path),
            ..FontSpec::default()
        };
        let (set, _) = FontSet::load(&spec).unwrap();
        assert_eq!(set.faces.len(), 4);
        assert!(set
            .faces
            .iter()
            .all(|f| f.postscript_name == "LibertinusSerif-Italic"));
        let bad = dir.path().join("bad.ttf");
        std::fs::write(&bad, b"not a font").unwrap();
        let spec = FontSpec {
            regular: Some(bad),
            ..FontSpec::default()
        };
        let err = FontSet::load(&spec).err().unwrap().to_string();
        assert!(err.contains("bad.ttf") && err.contains(".otf"), "{err}");
    }
}
