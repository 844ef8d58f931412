//! Positioned output of the typesetter: pages of glyph runs, rules, images and link areas.
//! Coordinates are points from the top-left corner of the page, y growing downwards; the
//! PDF writer converts to PDF's bottom-left origin.

use std::sync::Arc;

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
    /// What each item is in the letter's structure (tagged PDF); `None` for untagged output.
    pub tags: Option<PageTags>,
}

impl Page {
    pub fn blank(width: f32, height: f32) -> Page {
        Page {
            width,
            height,
            items: Vec::new(),
            tags: None,
        }
    }
}

/// Marks a structure node that is no part of the content: page furniture (fold marks, the
/// continuation header, the return-address line, rules), an `/Artifact` in the PDF.
pub const ARTIFACT: u32 = u32::MAX;

/// The logical structure of one letter, in reading order: node 0 is the letter itself (a
/// `Part`), every other node names its parent, which comes before it.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Structure {
    pub nodes: Vec<Node>,
}

/// An element of a letter's structure.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub kind: Kind,
    /// Index of the parent node (node 0 is its own parent).
    pub parent: u32,
}

/// The standard structure types a letter uses.
#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    Part,
    Div,
    P,
    /// A heading, level 1 to 6.
    H(u8),
    L,
    LI,
    Lbl,
    LBody,
    BlockQuote,
    /// An image with its alternative text.
    Figure(String),
}

impl Kind {
    /// The PDF structure type name.
    pub fn name(&self) -> &'static str {
        match self {
            Kind::Part => "Part",
            Kind::Div => "Div",
            Kind::P => "P",
            Kind::H(1) => "H1",
            Kind::H(2) => "H2",
            Kind::H(3) => "H3",
            Kind::H(4) => "H4",
            Kind::H(5) => "H5",
            Kind::H(_) => "H6",
            Kind::L => "L",
            Kind::LI => "LI",
            Kind::Lbl => "Lbl",
            Kind::LBody => "LBody",
            Kind::BlockQuote => "BlockQuote",
            Kind::Figure(_) => "Figure",
        }
    }
}

impl Structure {
    /// A letter's structure with only its root `Part`.
    pub fn letter() -> Structure {
        Structure {
            nodes: vec![Node {
                kind: Kind::Part,
                parent: 0,
            }],
        }
    }

    /// Adds a node under `parent` and returns its index.
    pub fn add(&mut self, kind: Kind, parent: u32) -> u32 {
        self.nodes.push(Node { kind, parent });
        (self.nodes.len() - 1) as u32
    }
}

/// Runs of a page's items and their structure nodes (see [`PageTags::spans`]).
pub type Spans = Vec<(u32, u32)>;

/// A page's share of its letter's structure.
#[derive(Debug, Clone, PartialEq)]
pub struct PageTags {
    /// The whole letter's structure (shared by its pages).
    pub structure: Arc<Structure>,
    /// This is the letter's first page (the writer starts a new letter's elements here).
    pub first: bool,
    /// Runs of items: from item index `.0` on, the items belong to node `.1` (or are
    /// [`ARTIFACT`]s), until the next run.
    pub spans: Vec<(u32, u32)>,
}

impl PageTags {
    /// Notes that items from `at` on belong to `node` (merged with the run before).
    pub fn push(spans: &mut Vec<(u32, u32)>, at: usize, node: u32) {
        match spans.last() {
            Some(&(_, last)) if last == node => {}
            Some(&(start, _)) if start as usize == at => {
                spans.pop();
                PageTags::push(spans, at, node);
            }
            _ => spans.push((at as u32, node)),
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
