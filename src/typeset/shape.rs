//! Shaping with rustybuzz (kerning, ligatures), cached per (face, text) for the whole run:
//! a thousand letters share almost all their words, so each word is shaped once.

use rustybuzz::{Direction, Face, Language, ShapePlan, UnicodeBuffer};

use super::fonts::{FontSet, ShapeData};
use super::fxhash::FxHashMap;
use super::hyphenate::{break_points, BreakKind};

/// One glyph of a shaped fragment, in font units.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Glyph {
    pub id: u16,
    /// Advance including kerning against the next glyph of the fragment.
    pub advance: i32,
    pub x_offset: i32,
    /// Byte offset in the fragment text of the cluster this glyph belongs to.
    pub cluster: u32,
}

/// A shaped fragment (usually a word) and where it may be broken.
#[derive(Debug)]
pub(crate) struct Shaped {
    pub glyphs: Vec<Glyph>,
    /// Candidate breaks inside the fragment: before glyph `.0`, of kind `.1`.
    pub breaks: Vec<(u32, BreakKind)>,
    /// Characters the face has no glyph for.
    pub missing: Vec<char>,
}

impl Shaped {
    /// Total advance of glyphs `from..to`, in font units.
    pub fn advance(&self, from: usize, to: usize) -> i32 {
        self.glyphs[from..to].iter().map(|g| g.advance).sum()
    }
}

/// Index of a [`Shaped`] in the shaper's arena.
pub(crate) type ShapeId = u32;

/// A single glyph the layout needs on its own (space, hyphen, bullet).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Single {
    pub id: u16,
    pub advance: i32,
}

pub(crate) struct Shaper {
    faces: Vec<Face<'static>>,
    /// Shape plans per face and script: building a plan is far slower than shaping a word.
    plans: Vec<(usize, Option<rustybuzz::Script>, ShapePlan)>,
    cache: Vec<FxHashMap<Box<str>, ShapeId>>,
    arena: Vec<Shaped>,
    pub units_per_em: [f32; 4],
    pub space: [Single; 4],
    pub hyphen: [Single; 4],
    hyphenate: bool,
    language: Language,
    buffer: Option<UnicodeBuffer>,
}

impl Shaper {
    pub fn new(fonts: &mut FontSet, data: ShapeData, hyphenate: bool) -> anyhow::Result<Shaper> {
        let mut faces = Vec::with_capacity(4);
        for (i, d) in data.iter().enumerate() {
            let face = Face::from_slice(d, fonts.faces[i].index).ok_or_else(|| {
                anyhow::anyhow!(
                    "the font `{}` could not be prepared for shaping; use another TTF/OTF file",
                    fonts.faces[i].postscript_name
                )
            })?;
            faces.push(face);
        }
        let mut shaper = Shaper {
            faces,
            plans: Vec::new(),
            cache: (0..4).map(|_| FxHashMap::default()).collect(),
            arena: Vec::new(),
            units_per_em: [1000.0; 4],
            space: [Single { id: 0, advance: 0 }; 4],
            hyphen: [Single { id: 0, advance: 0 }; 4],
            hyphenate,
            language: "en"
                .parse()
                .map_err(|e| anyhow::anyhow!("language tag: {e}"))?,
            buffer: Some(UnicodeBuffer::new()),
        };
        for face in 0..4 {
            shaper.units_per_em[face] = f32::from(fonts.faces[face].units_per_em.max(1));
            shaper.space[face] = shaper.single(fonts, face, " ");
            shaper.hyphen[face] = shaper.single(fonts, face, "-");
        }
        Ok(shaper)
    }

    /// Shapes a short string to its first glyph and total advance.
    pub fn single(&mut self, fonts: &mut FontSet, face: usize, text: &str) -> Single {
        let id = self.shape(fonts, face, text);
        let s = &self.arena[id as usize];
        Single {
            id: s.glyphs.first().map_or(0, |g| g.id),
            advance: s.advance(0, s.glyphs.len()),
        }
    }

    /// Forgets the shaped words once there are more than `limit`, so that a run over a very
    /// large file (every name a new word) stays within bounded memory. The glyph texts
    /// already recorded in the fonts stay.
    pub fn trim(&mut self, limit: usize) {
        if self.arena.len() > limit {
            self.arena.clear();
            for map in &mut self.cache {
                map.clear();
            }
        }
    }

    pub fn get(&self, id: ShapeId) -> &Shaped {
        &self.arena[id as usize]
    }

    /// Shapes `text` in `face` (cached), recording each new glyph's text in the font, and
    /// finds its hyphenation and URL break points.
    pub fn shape(&mut self, fonts: &mut FontSet, face: usize, text: &str) -> ShapeId {
        if let Some(&id) = self.cache[face].get(text) {
            return id;
        }
        let key: Box<str> = text.into();
        let shaped = self.shape_uncached(fonts, face, text);
        let id = self.arena.len() as ShapeId;
        self.arena.push(shaped);
        self.cache[face].insert(key, id);
        id
    }

    fn shape_uncached(&mut self, fonts: &mut FontSet, face: usize, text: &str) -> Shaped {
        let mut buffer = self.buffer.take().unwrap_or_default();
        buffer.push_str(text);
        buffer.set_direction(Direction::LeftToRight);
        buffer.set_language(self.language.clone());
        buffer.guess_segment_properties();
        let script = Some(buffer.script());
        let plan_index = match self
            .plans
            .iter()
            .position(|(f, s, _)| *f == face && *s == script)
        {
            Some(i) => i,
            None => {
                let plan = ShapePlan::new(
                    &self.faces[face],
                    Direction::LeftToRight,
                    script,
                    Some(&self.language),
                    &[],
                );
                self.plans.push((face, script, plan));
                self.plans.len() - 1
            }
        };
        let output =
            rustybuzz::shape_with_plan(&self.faces[face], &self.plans[plan_index].2, buffer);
        let infos = output.glyph_infos();
        let positions = output.glyph_positions();
        let mut glyphs = Vec::with_capacity(infos.len());
        let mut missing = Vec::new();
        let glyph_text = &mut fonts.faces[face].glyph_text;
        for (i, (info, pos)) in infos.iter().zip(positions).enumerate() {
            let cluster = info.cluster as usize;
            let end = infos[i + 1..]
                .iter()
                .map(|g| g.cluster as usize)
                .find(|&c| c > cluster)
                .unwrap_or(text.len());
            let cluster_text = text.get(cluster..end).unwrap_or("");
            let id = info.glyph_id as u16;
            if id == 0 {
                missing.extend(
                    cluster_text
                        .chars()
                        .filter(|c| !c.is_whitespace() && !c.is_control()),
                );
            }
            // Only the first glyph of a cluster stands for its text.
            let first_of_cluster = i == 0 || infos[i - 1].cluster as usize != cluster;
            if first_of_cluster && id != 0 && !cluster_text.is_empty() {
                glyph_text
                    .entry(id)
                    .or_insert_with(|| cluster_text.to_string());
            }
            glyphs.push(Glyph {
                id,
                advance: pos.x_advance,
                x_offset: pos.x_offset,
                cluster: info.cluster,
            });
        }
        self.buffer = Some(output.clear());
        let breaks = break_points(text, self.hyphenate)
            .into_iter()
            .filter_map(|(byte, kind)| {
                // A break is only possible where a glyph starts a cluster: never inside a
                // ligature.
                let g = glyphs.iter().position(|g| g.cluster as usize == byte)?;
                (g > 0 && glyphs[g - 1].cluster as usize != byte).then_some((g as u32, kind))
            })
            .collect();
        Shaped {
            glyphs,
            breaks,
            missing,
        }
    }
}
