//! Envelopes and address labels: the stocks' geometry, the recipient block (the letter's
//! `address` lines) and the return address (the letterhead) placed on them, and the checks
//! that each block fits its place on the stock.

use crate::letter::Letter;
use crate::problem::Problem;
use crate::style::{PT_PER_IN, PT_PER_MM};

use super::page::{GlyphRun, Item, Page};
use super::par::{Align, Element, Engine, ParStyle, Piece};
use super::{missing_glyph_warning, Typeset, Typesetter};
use crate::style::Color;

/// An envelope size: one envelope per page, the page the size of the envelope.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EnvelopeSize {
    /// US #10 business envelope, 9.5 x 4.125 in.
    No10,
    /// DL, 220 x 110 mm (an A4 sheet folded in three).
    Dl,
    /// C5, 229 x 162 mm (an A4 sheet folded once).
    C5,
}

/// A rectangle in points from the top-left corner of the page.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Area {
    pub x: f32,
    pub y: f32,
    pub width: f32,
    pub height: f32,
}

/// Distance of the return address from the envelope's top and left edges: 3/8 in (about
/// 10 mm), clear of the 1/4 in a desktop printer cannot print at the edge of an envelope.
const RETURN_INSET: f32 = 0.375 * PT_PER_IN;

/// The recipient block's size on an envelope, and the smallest it may shrink to (with a
/// warning) to fit its area: 12 pt is what Word and LibreOffice set; below 9 pt a sorting
/// machine's address reader and a carrier both misread it.
pub const ENVELOPE_SIZE: f32 = 12.0;
pub const MIN_ENVELOPE_SIZE: f32 = 9.0;
/// The return address's size (its first line, the organisation's name, bold); it never
/// shrinks: a template whose letterhead does not fit is refused before any row is read.
const RETURN_SIZE: f32 = 9.0;
/// Line spacing of the address blocks, as a multiple of the size: tight enough for a
/// six-line address on a label, open enough to keep lines apart for an address reader.
const ADDRESS_LEADING: f32 = 1.15;
/// The step by which a block too large for its place is made smaller.
const SHRINK_STEP: f32 = 0.5;

impl EnvelopeSize {
    pub fn name(self) -> &'static str {
        match self {
            EnvelopeSize::No10 => "#10",
            EnvelopeSize::Dl => "DL",
            EnvelopeSize::C5 => "C5",
        }
    }

    /// Width and height of the envelope (the page), in points, landscape.
    pub fn dimensions(self) -> (f32, f32) {
        match self {
            EnvelopeSize::No10 => (9.5 * PT_PER_IN, 4.125 * PT_PER_IN),
            EnvelopeSize::Dl => (220.0 * PT_PER_MM, 110.0 * PT_PER_MM),
            EnvelopeSize::C5 => (229.0 * PT_PER_MM, 162.0 * PT_PER_MM),
        }
    }

    /// Where the recipient block goes. #10: USPS practice and Word's default, 4 in from the
    /// left and 2 in from the top, kept 1/2 in from the right edge and 5/8 in from the bottom
    /// (USPS keeps that strip free for the barcode it prints). DL and C5: Royal Mail's and
    /// Deutsche Post's practice, the block starting about halfway down and well right of the
    /// middle, kept 15 mm from the right and from the bottom (the coding strip).
    pub fn recipient_area(self) -> Area {
        let (w, h) = self.dimensions();
        let (x, y, right, bottom) = match self {
            EnvelopeSize::No10 => (
                4.0 * PT_PER_IN,
                2.0 * PT_PER_IN,
                0.5 * PT_PER_IN,
                0.625 * PT_PER_IN,
            ),
            EnvelopeSize::Dl => (
                100.0 * PT_PER_MM,
                50.0 * PT_PER_MM,
                15.0 * PT_PER_MM,
                15.0 * PT_PER_MM,
            ),
            EnvelopeSize::C5 => (
                110.0 * PT_PER_MM,
                80.0 * PT_PER_MM,
                15.0 * PT_PER_MM,
                15.0 * PT_PER_MM,
            ),
        };
        Area {
            x,
            y,
            width: w - x - right,
            height: h - y - bottom,
        }
    }

    /// Where the return address goes: the top-left corner, left of the recipient block and
    /// above it (a return address beside the recipient would confuse the address reader).
    pub fn return_area(self) -> Area {
        let r = self.recipient_area();
        Area {
            x: RETURN_INSET,
            y: RETURN_INSET,
            width: r.x - RETURN_INSET - 0.25 * PT_PER_IN,
            height: r.y - RETURN_INSET - 0.25 * PT_PER_IN,
        }
    }
}

/// A sheet of address labels.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LabelStock {
    /// Avery 5160 / 8160: US Letter, 3 x 10 labels of 2.625 x 1 in.
    Avery5160,
    /// Avery L7163: A4, 2 x 7 labels of 99.1 x 38.1 mm.
    AveryL7163,
}

/// How far the text stays inside each label's edges: 1/8 in left and right, 1/16 in top
/// and bottom. A sheet fed through a desktop printer lands up to about 1 mm off, so text set
/// to the very edge of a cell would be cut or print onto the next label.
const LABEL_INSET_X: f32 = 0.125 * PT_PER_IN;
const LABEL_INSET_Y: f32 = 0.0625 * PT_PER_IN;
/// The label text's size, and the smallest it may shrink to (with a warning) to fit the
/// cell: 10 pt is the labels' usual size; USPS asks for at least 8 pt on mail pieces.
pub const LABEL_SIZE: f32 = 10.0;
pub const MIN_LABEL_SIZE: f32 = 8.0;

/// One stock's layout: the sheet, the grid and the cell.
struct Grid {
    sheet: (f32, f32),
    columns: u32,
    rows: u32,
    cell: (f32, f32),
    top: f32,
    left: f32,
    pitch: (f32, f32),
}

impl LabelStock {
    pub fn name(self) -> &'static str {
        match self {
            LabelStock::Avery5160 => "Avery 5160/8160",
            LabelStock::AveryL7163 => "Avery L7163",
        }
    }

    fn grid(self) -> Grid {
        match self {
            LabelStock::Avery5160 => Grid {
                sheet: (8.5 * PT_PER_IN, 11.0 * PT_PER_IN),
                columns: 3,
                rows: 10,
                cell: (2.625 * PT_PER_IN, 1.0 * PT_PER_IN),
                top: 0.5 * PT_PER_IN,
                left: 0.1875 * PT_PER_IN,
                pitch: (2.75 * PT_PER_IN, 1.0 * PT_PER_IN),
            },
            LabelStock::AveryL7163 => Grid {
                sheet: (210.0 * PT_PER_MM, 297.0 * PT_PER_MM),
                columns: 2,
                rows: 7,
                cell: (99.1 * PT_PER_MM, 38.1 * PT_PER_MM),
                top: 15.1 * PT_PER_MM,
                left: 4.65 * PT_PER_MM,
                pitch: (101.6 * PT_PER_MM, 38.1 * PT_PER_MM),
            },
        }
    }

    /// Width and height of the sheet, in points.
    pub fn sheet(self) -> (f32, f32) {
        self.grid().sheet
    }

    /// Labels on one sheet.
    pub fn per_sheet(self) -> u32 {
        let g = self.grid();
        g.columns * g.rows
    }

    /// The label at `position` (0-based, across then down), on the sheet.
    pub fn cell(self, position: u32) -> Area {
        let g = self.grid();
        let (col, row) = (position % g.columns, (position / g.columns) % g.rows);
        Area {
            x: g.left + col as f32 * g.pitch.0,
            y: g.top + row as f32 * g.pitch.1,
            width: g.cell.0,
            height: g.cell.1,
        }
    }

    /// Where the text may go in a label, from the label's top-left corner.
    pub fn text_area(self) -> Area {
        let g = self.grid();
        Area {
            x: LABEL_INSET_X,
            y: LABEL_INSET_Y,
            width: g.cell.0 - 2.0 * LABEL_INSET_X,
            height: g.cell.1 - 2.0 * LABEL_INSET_Y,
        }
    }
}

/// Moves a label (laid out from its own top-left corner, as [`Typesetter::label`] returns
/// it) onto `sheet` at `position`.
pub fn place_label(stock: LabelStock, position: u32, label: Page, sheet: &mut Page) {
    let cell = stock.cell(position);
    for mut item in label.items {
        shift(&mut item, cell.x, cell.y);
        sheet.items.push(item);
    }
}

fn shift(item: &mut Item, dx: f32, dy: f32) {
    match item {
        Item::Text(GlyphRun { x, y, .. })
        | Item::Rule { x, y, .. }
        | Item::Image { x, y, .. }
        | Item::Link { x, y, .. } => {
            *x += dx;
            *y += dy;
        }
    }
}

/// Where the address lines go and how large they may be.
struct Place<'a> {
    area: Area,
    size: f32,
    min_size: f32,
    /// "the #10 envelope's address area", "an Avery 5160/8160 label".
    what: &'a str,
    unit: (&'a str, f32),
}

/// The address lines as they are set: "City, ST  ZIP" keeps its two spaces (a no-break
/// space after the word space), as the letter does.
fn set_line(line: &str) -> String {
    line.replace("  ", " \u{a0}")
}

/// The largest size from `place.size` down to `place.min_size` at which `lines` fit the
/// area, or the problem (an error naming the line or the count) when none does.
fn fitting_size(
    eng: &mut Engine,
    lines: &[String],
    place: &Place,
    row: u64,
) -> Result<f32, Problem> {
    let (unit, per) = place.unit;
    let mut size = place.size;
    loop {
        let tall = lines.len() as f32 * size * ADDRESS_LEADING > place.area.height + 0.01;
        let wide = lines
            .iter()
            .map(|l| (l, eng.measure(&set_line(l), 0, size)))
            .find(|(_, w)| *w > place.area.width + 0.01);
        if !tall && wide.is_none() {
            return Ok(size);
        }
        if size - SHRINK_STEP < place.min_size - 0.001 {
            let fit = (place.area.height / (place.min_size * ADDRESS_LEADING)).floor() as usize;
            let problem = if tall {
                Problem::error(format!(
                    "the address is {} lines, too many for {} (at most {fit} fit at {} pt)",
                    lines.len(),
                    place.what,
                    place.min_size
                ))
                .with_hint(format!(
                    "use at most {fit} address lines: combine lines or leave out what the post office does not need"
                ))
                .grouped_as(format!(
                    "the address has too many lines for {} (at most {fit} fit)",
                    place.what
                ))
            } else {
                let (line, w) = wide.unwrap_or((&lines[0], 0.0));
                Problem::error(format!(
                    "the address line \"{line}\" is too wide for {}: {:.2} {unit} at {} pt, the space is {:.2} {unit}",
                    place.what,
                    w / per,
                    place.min_size,
                    place.area.width / per
                ))
                .with_hint("shorten that address line (abbreviate, e.g. \"St.\", \"Ste.\") or split it")
                .grouped_as(format!("an address line is too wide for {}", place.what))
            };
            return Err(problem.at_row(row));
        }
        size -= SHRINK_STEP;
    }
}

/// Sets `lines` at `size` from the top-left corner of `area` (vertically centred in it when
/// `centre`), one paragraph per line, never wrapped (the fit was checked).
fn set_lines(
    eng: &mut Engine,
    lines: &[(String, usize)],
    size: f32,
    area: Area,
    centre: bool,
    items: &mut Vec<Item>,
) {
    let leading = size * ADDRESS_LEADING;
    let st = ParStyle {
        size,
        leading,
        align: Align::Left,
        color: Color::BLACK,
        hyphenate: false,
        x: area.x,
        // A hair over the area: a line measured to fit must not wrap on rounding.
        width: area.width + 1.0,
    };
    let block = lines.len() as f32 * leading;
    let mut y = if centre {
        area.y + ((area.height - block) / 2.0).max(0.0)
    } else {
        area.y
    };
    for (line, face) in lines {
        let text = set_line(line);
        let mut els: Vec<Element> = Vec::new();
        eng.paragraph(
            &[Piece::Text {
                text: &text,
                face: *face,
                link: None,
            }],
            &st,
            &mut els,
        );
        for e in els {
            for mut item in e.items {
                shift(&mut item, 0.0, y);
                items.push(item);
            }
            y += e.height;
        }
    }
}

/// The return address's lines: the letterhead's name, then its lines without those that
/// carry an email or web address or a phone number (they are not postal).
fn return_lines(typesetter: &Typesetter) -> Vec<(String, usize)> {
    let Some(head) = &typesetter.style.letterhead else {
        return Vec::new();
    };
    let mut lines = Vec::new();
    if !head.name.trim().is_empty() {
        lines.push((head.name.trim().to_string(), 1));
    }
    for line in &head.lines {
        let lower = line.to_lowercase();
        let contact = lower.contains('@')
            || lower.contains("http")
            || lower.contains("www.")
            || has_phone_number(line);
        if !contact && !line.trim().is_empty() {
            lines.push((line.trim().to_string(), 0));
        }
    }
    lines
}

/// Digits in a run of digits, spaces and `()-.+` from which a line counts as a phone
/// number: seven (a local number); a street number and a ZIP code are never one run.
const PHONE_DIGITS: usize = 7;

fn has_phone_number(line: &str) -> bool {
    line.split(|c: char| !(c.is_ascii_digit() || " ()-.+".contains(c)))
        .any(|run| run.chars().filter(char::is_ascii_digit).count() >= PHONE_DIGITS)
}

impl Typesetter {
    /// Checks that the return address (the letterhead) fits the envelope's corner, before
    /// any row is read: a letterhead too large is one template problem, not one per row.
    /// Returns the warnings (characters the font lacks).
    pub fn check_return_address(&mut self, size: EnvelopeSize) -> Result<Vec<Problem>, Problem> {
        let lines = return_lines(self);
        let area = size.return_area();
        let eng = &mut self.engine;
        eng.missing.clear();
        let tall = lines.len() as f32 * RETURN_SIZE * ADDRESS_LEADING > area.height + 0.01;
        if tall {
            return Err(Problem::error(format!(
                "the return address (the letterhead's name and lines) is {} lines, too many for the top-left corner of a {} envelope",
                lines.len(),
                size.name()
            ))
            .with_hint("use fewer `letterhead.lines` in the template's front matter"));
        }
        for (line, face) in &lines {
            let w = eng.measure(&set_line(line), *face, RETURN_SIZE);
            if w > area.width + 0.01 {
                return Err(Problem::error(format!(
                    "the return address line \"{line}\" (from the letterhead) is too wide for the top-left corner of a {} envelope",
                    size.name()
                ))
                .with_hint("shorten that line of `letterhead` in the template's front matter"));
            }
        }
        let mut items = Vec::new();
        set_lines(eng, &lines, RETURN_SIZE, area, false, &mut items);
        Ok(eng
            .missing
            .drain(..)
            .map(|c| missing_glyph_warning(c, None))
            .collect())
    }

    /// Lays out one envelope: the return address top left, the recipient block in its
    /// area. A block that does not fit even at [`MIN_ENVELOPE_SIZE`] is a row error.
    pub fn envelope(&mut self, letter: &Letter, size: EnvelopeSize) -> Result<Typeset, Problem> {
        let (w, h) = size.dimensions();
        let mut page = Page::blank(w, h);
        let ret = return_lines(self);
        set_lines(
            &mut self.engine,
            &ret,
            RETURN_SIZE,
            size.return_area(),
            false,
            &mut page.items,
        );
        let what = format!("the {} envelope's address area", size.name());
        let unit = match size {
            EnvelopeSize::No10 => ("in", PT_PER_IN),
            _ => ("mm", PT_PER_MM),
        };
        let place = Place {
            area: size.recipient_area(),
            size: ENVELOPE_SIZE,
            min_size: MIN_ENVELOPE_SIZE,
            what: &what,
            unit,
        };
        let warnings = self.recipient(letter, &place, false, &mut page.items)?;
        Ok(Typeset {
            pages: vec![page],
            warnings,
        })
    }

    /// Lays out one label, from the label's own top-left corner (a page the size of the
    /// label; [`place_label`] puts it on the sheet). A block that does not fit even at
    /// [`MIN_LABEL_SIZE`] is a row error.
    pub fn label(&mut self, letter: &Letter, stock: LabelStock) -> Result<Typeset, Problem> {
        let cell = stock.cell(0);
        let mut page = Page::blank(cell.width, cell.height);
        let what = format!("an {} label", stock.name());
        let unit = match stock {
            LabelStock::Avery5160 => ("in", PT_PER_IN),
            LabelStock::AveryL7163 => ("mm", PT_PER_MM),
        };
        let place = Place {
            area: stock.text_area(),
            size: LABEL_SIZE,
            min_size: MIN_LABEL_SIZE,
            what: &what,
            unit,
        };
        let warnings = self.recipient(letter, &place, true, &mut page.items)?;
        Ok(Typeset {
            pages: vec![page],
            warnings,
        })
    }

    /// The recipient block: checked against its place (shrunk within the minimum, with a
    /// warning), set, and the characters the font lacks reported as the letter does.
    fn recipient(
        &mut self,
        letter: &Letter,
        place: &Place,
        centre: bool,
        items: &mut Vec<Item>,
    ) -> Result<Vec<Problem>, Problem> {
        let row = letter.row;
        if letter.address.iter().all(|l| l.trim().is_empty()) {
            return Err(Problem::error("the address is empty, so there is nothing to print")
                .at_row(row)
                .with_hint(
                    "fill in the row's address columns, or check the template's `address` value",
                ));
        }
        let eng = &mut self.engine;
        let size = fitting_size(eng, &letter.address, place, row)?;
        let mut warnings = Vec::new();
        if size < place.size {
            warnings.push(
                Problem::warning(format!(
                    "the address is set at {size} pt instead of {} pt to fit {}",
                    place.size, place.what
                ))
                .at_row(row)
                .with_hint("shorten the address (fewer or shorter lines) to print it full size")
                .grouped_as(format!(
                    "the address is set smaller to fit {} (at least {} pt)",
                    place.what, place.min_size
                )),
            );
        }
        eng.missing.clear();
        let lines: Vec<(String, usize)> = letter.address.iter().map(|l| (l.clone(), 0)).collect();
        set_lines(eng, &lines, size, place.area, centre, items);
        warnings.extend(
            eng.missing
                .drain(..)
                .map(|c| missing_glyph_warning(c, Some(row))),
        );
        Ok(warnings)
    }
}

#[cfg(test)]
mod tests {
    use super::{has_phone_number, EnvelopeSize, LabelStock};

    #[test]
    fn phone_numbers_are_told_from_street_addresses() {
        assert!(has_phone_number("(555) 010-4400 · advocacy@example.org"));
        assert!(has_phone_number("Tel. +44 20 7946 0000"));
        assert!(!has_phone_number("120 Reading Way · Riverside, OH 45431"));
        assert!(!has_phone_number(
            "1418 Longworth House Office Building 20515"
        ));
    }

    #[test]
    fn label_cells_stay_on_the_sheet_and_apart() {
        for stock in [LabelStock::Avery5160, LabelStock::AveryL7163] {
            let (w, h) = stock.sheet();
            for p in 0..stock.per_sheet() {
                let c = stock.cell(p);
                assert!(c.x >= 0.0 && c.y >= 0.0, "{stock:?} {p}");
                assert!(
                    c.x + c.width <= w && c.y + c.height <= h + 0.01,
                    "{stock:?} {p}"
                );
                if p + 1 < stock.per_sheet() {
                    let n = stock.cell(p + 1);
                    assert!(n.x >= c.x + c.width - 0.01 || n.y >= c.y + c.height - 0.01);
                }
            }
        }
    }

    #[test]
    fn envelope_areas_stay_on_the_envelope() {
        for size in [EnvelopeSize::No10, EnvelopeSize::Dl, EnvelopeSize::C5] {
            let (w, h) = size.dimensions();
            let (r, a) = (size.return_area(), size.recipient_area());
            assert!(a.width > 2.0 * 72.0 && a.height > 1.0 * 72.0, "{size:?}");
            assert!(a.x + a.width < w && a.y + a.height < h, "{size:?}");
            assert!(r.x + r.width < a.x && r.y + r.height < a.y, "{size:?}");
        }
    }
}
