//! The letter's layout settings: page size, margins, fonts, letterhead, signature. They come
//! from the template's front matter, are the same for every row, and are validated once.

use serde::{Deserialize, Deserializer};
use std::path::PathBuf;

/// Points per inch.
pub const PT_PER_IN: f32 = 72.0;
/// Points per millimetre.
pub const PT_PER_MM: f32 = 72.0 / 25.4;

/// Everything about how the letter looks. Paths are already resolved against the template's
/// folder by the template loader.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Style {
    /// `letter` (US Letter, #10 window envelope) or `a4` (DIN 5008 form B, DL window envelope).
    pub page: PageSize,
    pub margins: Margins,
    pub font: FontSpec,
    pub letterhead: Option<Letterhead>,
    pub signature: Option<Signature>,
    /// "Enclosures (2): Annual Report; Tour Invitation" below the signature.
    pub enclosures: Vec<String>,
    /// The paper "cc:" line below the signature (not the email Cc, which is `cc`).
    pub copies: Vec<String>,
    /// Place the address block for a window envelope (default true). With false the address
    /// is set at the top of the text block like a plain business letter.
    pub window: bool,
    /// Accent colour for the letterhead name and rule, `#rrggbb`.
    pub accent: Color,
}

impl Default for Style {
    fn default() -> Self {
        Style {
            page: PageSize::Letter,
            margins: Margins::default(),
            font: FontSpec::default(),
            letterhead: None,
            signature: None,
            enclosures: Vec::new(),
            copies: Vec::new(),
            window: true,
            accent: Color(0x1b, 0x4f, 0x72),
        }
    }
}

#[derive(Debug, Clone, Copy, Deserialize, PartialEq, Eq, Default)]
#[serde(rename_all = "lowercase")]
pub enum PageSize {
    #[default]
    Letter,
    A4,
}

impl PageSize {
    /// Width and height in points.
    pub fn dimensions(self) -> (f32, f32) {
        match self {
            PageSize::Letter => (8.5 * PT_PER_IN, 11.0 * PT_PER_IN),
            PageSize::A4 => (210.0 * PT_PER_MM, 297.0 * PT_PER_MM),
        }
    }
}

/// Page margins in points. Defaults: 1 in on every side.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Margins {
    pub top: Length,
    pub right: Length,
    pub bottom: Length,
    pub left: Length,
}

impl Default for Margins {
    fn default() -> Self {
        let inch = Length(PT_PER_IN);
        Margins {
            top: inch,
            right: inch,
            bottom: inch,
            left: inch,
        }
    }
}

/// A length in points, written in the template as `1in`, `25mm`, `2.5cm`, `72pt` or a bare
/// number of points.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Length(pub f32);

impl Length {
    pub fn pt(self) -> f32 {
        self.0
    }

    /// Parses `1in`, `25mm`, `2.5cm`, `72pt` or `72`.
    pub fn parse(s: &str) -> Result<Length, String> {
        let s = s.trim();
        let (num, factor) = if let Some(n) = s.strip_suffix("in") {
            (n, PT_PER_IN)
        } else if let Some(n) = s.strip_suffix("mm") {
            (n, PT_PER_MM)
        } else if let Some(n) = s.strip_suffix("cm") {
            (n, PT_PER_MM * 10.0)
        } else if let Some(n) = s.strip_suffix("pt") {
            (n, 1.0)
        } else {
            (s, 1.0)
        };
        match num.trim().parse::<f32>() {
            Ok(v) if v.is_finite() && v >= 0.0 => Ok(Length(v * factor)),
            _ => Err(format!(
                "`{s}` is not a length; write it like `1in`, `25mm`, `2.5cm` or `12pt`"
            )),
        }
    }
}

impl<'de> Deserialize<'de> for Length {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Num(f32),
            Text(String),
        }
        match Raw::deserialize(d)? {
            Raw::Num(v) => Ok(Length(v)),
            Raw::Text(s) => Length::parse(&s).map_err(serde::de::Error::custom),
        }
    }
}

/// An sRGB colour, written `#rrggbb` in the template.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Color(pub u8, pub u8, pub u8);

impl Color {
    pub const BLACK: Color = Color(0, 0, 0);

    pub fn parse(s: &str) -> Result<Color, String> {
        let hex = s.trim().trim_start_matches('#');
        let bad = || format!("`{s}` is not a colour; write it as #rrggbb, e.g. #1b4f72");
        if hex.len() != 6 || !hex.is_ascii() {
            return Err(bad());
        }
        let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).map_err(|_| bad());
        Ok(Color(byte(0)?, byte(2)?, byte(4)?))
    }
}

impl<'de> Deserialize<'de> for Color {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Color::parse(&s).map_err(serde::de::Error::custom)
    }
}

/// The text font. The default is Libertinus Serif, built in. A user font is given as up to
/// four TTF/OTF files; missing styles fall back to the regular face.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct FontSpec {
    /// Name of a built-in family (`Libertinus Serif`, `New Computer Modern`), ignored when
    /// `regular` is given.
    pub family: String,
    pub regular: Option<PathBuf>,
    pub bold: Option<PathBuf>,
    pub italic: Option<PathBuf>,
    pub bold_italic: Option<PathBuf>,
    /// Body text size in points.
    pub size: f32,
    /// Baseline-to-baseline distance as a multiple of the size.
    pub line_height: f32,
    /// Space between paragraphs as a multiple of the size.
    pub paragraph_spacing: f32,
    /// Justify body paragraphs (default true); false sets them ragged right.
    pub justify: bool,
    /// Hyphenate English words at line ends (default true).
    pub hyphenate: bool,
}

impl Default for FontSpec {
    fn default() -> Self {
        FontSpec {
            family: "Libertinus Serif".to_string(),
            regular: None,
            bold: None,
            italic: None,
            bold_italic: None,
            size: 11.5,
            line_height: 1.3,
            paragraph_spacing: 0.5,
            justify: true,
            hyphenate: true,
        }
    }
}

/// The letterhead at the top of the first page.
#[derive(Debug, Clone, Deserialize, PartialEq, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Letterhead {
    /// Organisation name, set large in the accent colour.
    pub name: String,
    /// Address, phone, email lines, set small on the right (or under the name).
    pub lines: Vec<String>,
    /// Optional logo (PNG or JPEG), left of the name.
    pub logo: Option<PathBuf>,
    /// Logo height; default 0.6in.
    pub logo_height: Option<Length>,
    /// One-line return address printed small above the recipient in the envelope window
    /// (DIN 5008 "Rücksendeangabe"); optional.
    pub return_address: Option<String>,
}

/// The signature block after the closing.
#[derive(Debug, Clone, Deserialize, PartialEq, Default)]
#[serde(default, deny_unknown_fields)]
pub struct Signature {
    /// Signature image (PNG or JPEG) set in the space above the name.
    pub image: Option<PathBuf>,
    /// Height of the signature image (or of the blank space when there is none); default 0.55in.
    pub height: Option<Length>,
    /// Signer's name.
    pub name: String,
    /// Lines under the name: title, organisation.
    pub lines: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::{Color, Length, Style, PT_PER_IN};

    #[test]
    fn lengths_parse_units() {
        assert_eq!(Length::parse("1in").unwrap().pt(), PT_PER_IN);
        assert!((Length::parse("25.4mm").unwrap().pt() - 72.0).abs() < 1e-3);
        assert_eq!(Length::parse("12").unwrap().pt(), 12.0);
        assert!(Length::parse("1 furlong").is_err());
    }

    #[test]
    fn colours_parse_hex() {
        assert_eq!(Color::parse("#1b4f72").unwrap(), Color(0x1b, 0x4f, 0x72));
        assert!(Color::parse("blue").is_err());
    }

    #[test]
    fn style_deserializes_from_yaml() {
        let s: Style =
            serde_yaml::from_str("page: a4\nmargins: {left: 25mm}\nfont: {size: 11}\n").unwrap();
        assert_eq!(s.page, super::PageSize::A4);
        assert!((s.margins.left.pt() - 70.866).abs() < 0.01);
        assert_eq!(s.margins.top.pt(), 72.0);
        assert_eq!(s.font.size, 11.0);
        assert!(s.window);
    }
}
