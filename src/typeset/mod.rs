//! Typesetting: turns a [`Letter`] into positioned pages. Owns fonts, shaping (kerning and
//! ligatures), hyphenation, paragraph line breaking and the page layout of a letter.

pub mod fonts;
pub mod page;

use crate::images::ImageStore;
use crate::letter::Letter;
use crate::problem::Problem;
use crate::style::Style;

use fonts::FontSet;
use page::Page;

/// The result of typesetting one letter.
#[derive(Debug)]
pub struct Typeset {
    pub pages: Vec<Page>,
    /// Row warnings: address too large for the envelope window, characters the font lacks.
    pub warnings: Vec<Problem>,
}

/// Typesets letters with one style; keeps fonts and caches across letters.
pub struct Typesetter {
    fonts: FontSet,
}

impl Typesetter {
    /// Loads the fonts the style names. A font file that is missing or unreadable is an error
    /// naming the file.
    pub fn new(style: &Style) -> anyhow::Result<Typesetter> {
        let _ = style;
        todo!("typeset helper")
    }

    /// Lays out one letter. An image that cannot be read is a row error.
    pub fn typeset(&mut self, letter: &Letter, images: &mut ImageStore) -> Result<Typeset, Problem> {
        let _ = (letter, images);
        todo!("typeset helper")
    }

    pub fn fonts(&self) -> &FontSet {
        &self.fonts
    }
}
