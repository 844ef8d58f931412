//! Positioned output of the typesetter: pages of glyph runs, rules, images and link areas.
//! Coordinates are points from the top-left corner of the page, y growing downwards; the
//! PDF writer converts to PDF's bottom-left origin.

use crate::images::ImageId;
use crate::style::Color;

/// Index of a face in the run's [`crate::typeset::fonts::FontSet`].
pub type FontId = usize;

/// One finished page.
#[derive(Debug, Clone, PartialEq)]
pub struct Page {
    pub width: f32,
    pub height: f32,
    pub items: Vec<Item>,
}

impl Page {
    pub fn blank(width: f32, height: f32) -> Page {
        Page {
            width,
            height,
            items: Vec::new(),
        }
    }
}

/// Something drawn on a page.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    Text(GlyphRun),
    /// A filled rectangle (rules, fold marks).
    Rule {
        x: f32,
        y: f32,
        width: f32,
        height: f32,
        color: Color,
    },
    /// An image scaled into the box whose top-left corner is (x, y).
    Image {
        image: ImageId,
        x: f32,
        y: f32,
        width: f32,
        height: f32,
    },
    /// A clickable area linking to `uri` (box top-left at x, y).
    Link {
        x: f32,
        y: f32,
        width: f32,
        height: f32,
        uri: String,
    },
}

/// Shaped glyphs of one font and size on one baseline.
#[derive(Debug, Clone, PartialEq)]
pub struct GlyphRun {
    pub font: FontId,
    /// Font size in points.
    pub size: f32,
    pub color: Color,
    /// Baseline origin of the run.
    pub x: f32,
    pub y: f32,
    pub glyphs: Vec<PlacedGlyph>,
}

/// A glyph of the original (not subset) font, `x` points right of the run origin.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PlacedGlyph {
    pub id: u16,
    pub x: f32,
}
