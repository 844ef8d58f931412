//! Typesetting: turns a [`Letter`] into positioned pages. Owns fonts, shaping (kerning and
//! ligatures), hyphenation, paragraph line breaking and the page layout of a letter.

pub mod fonts;
mod fxhash;
mod hyphenate;
mod layout;
mod linebreak;
pub mod page;
mod par;
mod shape;
pub mod stationery;

use crate::images::ImageStore;
use crate::letter::Letter;
use crate::problem::Problem;
use crate::style::Style;

use fonts::FontSet;
use page::Page;
use par::Engine;
use shape::Shaper;

/// The result of typesetting one letter.
#[derive(Debug)]
pub struct Typeset {
    pub pages: Vec<Page>,
    /// Row warnings: address too large for the envelope window, characters the font lacks.
    pub warnings: Vec<Problem>,
}

/// Typesets letters with one style; keeps fonts and caches across letters.
pub struct Typesetter {
    engine: Engine,
    style: Style,
}

impl Typesetter {
    /// Loads the fonts the style names. A font file that is missing or unreadable is an error
    /// naming the file.
    pub fn new(style: &Style) -> anyhow::Result<Typesetter> {
        let (mut fonts, data) = FontSet::load(&style.font)?;
        let shaper = Shaper::new(&mut fonts, data, style.font.hyphenate)?;
        Ok(Typesetter {
            engine: Engine::new(fonts, shaper),
            style: style.clone(),
        })
    }

    /// `n` typesetters of one style, one per worker thread, each keeping its own caches.
    pub fn per_worker(style: &Style, n: usize) -> anyhow::Result<Vec<Typesetter>> {
        (0..n.max(1)).map(|_| Typesetter::new(style)).collect()
    }

    /// Lays out one letter. An image that cannot be read is a row error.
    pub fn typeset(&mut self, letter: &Letter, images: &ImageStore) -> Result<Typeset, Problem> {
        self.engine.missing.clear();
        let mut warnings = Vec::new();
        let pages = layout::letter(&mut self.engine, &self.style, letter, images, &mut warnings)?;
        for &c in &self.engine.missing {
            warnings.push(missing_glyph_warning(c, Some(letter.row)));
        }
        Ok(Typeset { pages, warnings })
    }

    /// Takes over the glyph-to-text map another typesetter of the same style learned, so
    /// that after a run on several threads the PDF's ToUnicode map covers every glyph any of
    /// them produced.
    pub fn learn_glyph_text(&mut self, other: &Typesetter) {
        let theirs = &other.engine.fonts.faces;
        for (mine, theirs) in self.engine.fonts.faces.iter_mut().zip(theirs) {
            for (glyph, text) in &theirs.glyph_text {
                mine.glyph_text
                    .entry(*glyph)
                    .or_insert_with(|| text.clone());
            }
        }
    }

    pub fn fonts(&self) -> &FontSet {
        &self.engine.fonts
    }
}

/// A character the fonts lack, as every output reports it: the text still prints, with a box.
fn missing_glyph_warning(c: char, row: Option<u64>) -> Problem {
    let p = Problem::warning(format!(
        "the font has no glyph for U+{:04X} ({c}); it prints as a blank box",
        u32::from(c)
    ))
    .with_hint(
        "replace the character in the data or template, or give a font that has it \
         (`font.regular` in the template)",
    );
    match row {
        Some(row) => p.at_row(row),
        None => p,
    }
}

#[cfg(test)]
mod tests;
