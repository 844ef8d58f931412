//! The letter's layout settings: page size, margins, fonts, letterhead, signature. They come
//! from the template's front matter, are the same for every row, and are validated once.

use serde::{Deserialize, Deserializer};
use std::path::PathBuf;

/// Points per inch.
pub const PT_PER_IN: f32 = 72.0;
/// Points per millimetre.
pub const PT_PER_MM: f32 = 72.0 / 25.4;

/// The accepted range of `font.size`, in points: below 4 pt nothing is legible, above 72 pt
/// a line holds a word or two (a letterhead-size headline, not body text).
pub const FONT_SIZE_PT: (f32, f32) = (4.0, 72.0);
/// The accepted range of `font.line_height`, a multiple of the size: under 0.8 lines
/// overprint each other, over 3 the text is mostly gaps.
pub const LINE_HEIGHT: (f32, f32) = (0.8, 3.0);
/// The accepted range of `font.paragraph_spacing`, a multiple of the size (0 is no gap).
pub const PARAGRAPH_SPACING: (f32, f32) = (0.0, 5.0);
/// The smallest text area (width and height) the margins may leave, in points: 2 in holds
/// about 25 characters a line and a dozen lines a page; with less, nothing useful fits.
pub const MIN_TEXT_AREA_PT: f32 = 2.0 * PT_PER_IN;
/// The accepted range of `letterhead.logo_height` and `signature.height`, in points: up to
/// 3 in, a quarter of the page; a logo or signature must also be more than 0 to be seen.
pub const IMAGE_HEIGHT_PT: (f32, f32) = (0.0, 3.0 * PT_PER_IN);

/// A layout value out of its range: `key` is the top-level front-matter key it sits under
/// (for the line), `message` names the full key, the value and the accepted range.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StyleError {
    pub key: &'static str,
    pub message: String,
}

fn range_error(key: &'static str, name: &str, value: f32, range: String) -> StyleError {
    StyleError {
        key,
        message: format!("`{name}` is {value}, but it must be {range}"),
    }
}

/// `value` within `lo..=hi` (and a number: NaN never is).
fn check(
    key: &'static str,
    name: &str,
    value: f32,
    (lo, hi): (f32, f32),
    unit: &str,
) -> Result<(), StyleError> {
    if value.is_finite() && value >= lo && value <= hi {
        Ok(())
    } else {
        Err(range_error(
            key,
            name,
            value,
            format!("between {lo} and {hi}{unit}"),
        ))
    }
}

fn pt(v: f32) -> String {
    format!("{}pt", (v * 10.0).round() / 10.0)
}

/// The language of a letter whose template names none.
pub const DEFAULT_LANG: &str = "en-US";

/// The longest language tag accepted: BCP 47 tags in use are far shorter (RFC 5646 asks
/// software to take at least 35 characters); this only stops a runaway value.
const MAX_LANG_LEN: usize = 35;

/// Whether `tag` has the shape of a BCP 47 language tag: a 2-3 letter primary language (or
/// `i`/`x` for the grandfathered and private forms), then subtags of 1-8 letters or digits,
/// separated by hyphens. The registry itself is not consulted.
pub fn is_language_tag(tag: &str) -> bool {
    if tag.is_empty() || tag.len() > MAX_LANG_LEN {
        return false;
    }
    let mut parts = tag.split('-');
    let primary = parts.next().unwrap_or("");
    let primary_ok = primary.chars().all(|c| c.is_ascii_alphabetic())
        && (matches!(primary.len(), 2 | 3)
            || primary.eq_ignore_ascii_case("i")
            || primary.eq_ignore_ascii_case("x"));
    primary_ok
        && parts.all(|p| (1..=8).contains(&p.len()) && p.chars().all(|c| c.is_ascii_alphanumeric()))
}

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
    /// Write the PDFs as PDF/A-2b (archival), as `--pdf-a` does.
    pub pdf_a: bool,
    /// Write a tagged PDF (PDF/UA-1: structure tree, reading order, alt text); default true.
    /// `tagged: false` leaves the tags out (smaller, slightly faster; not accessible).
    pub tagged: bool,
    /// The letter's language, a BCP 47 tag such as `en-US` or `de-DE`, for screen readers.
    pub lang: String,
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
            pdf_a: false,
            tagged: true,
            lang: DEFAULT_LANG.to_string(),
        }
    }
}

impl Style {
    /// Checks every numeric value: finite, in its range, and margins that leave a text area
    /// of at least [`MIN_TEXT_AREA_PT`] each way. The first value out of range is the error.
    pub fn validate(&self) -> Result<(), StyleError> {
        let f = &self.font;
        check("font", "font.size", f.size, FONT_SIZE_PT, " (points)")?;
        check(
            "font",
            "font.line_height",
            f.line_height,
            LINE_HEIGHT,
            " (times the size)",
        )?;
        check(
            "font",
            "font.paragraph_spacing",
            f.paragraph_spacing,
            PARAGRAPH_SPACING,
            " (times the size)",
        )?;
        let (pw, ph) = self.page.dimensions();
        let m = &self.margins;
        for (name, v) in [
            ("margins.top", m.top.pt()),
            ("margins.right", m.right.pt()),
            ("margins.bottom", m.bottom.pt()),
            ("margins.left", m.left.pt()),
        ] {
            if !v.is_finite() || v < 0.0 {
                return Err(range_error("margins", name, v, "0 or more".into()));
            }
        }
        let width = pw - m.left.pt() - m.right.pt();
        let height = ph - m.top.pt() - m.bottom.pt();
        if width < MIN_TEXT_AREA_PT || height < MIN_TEXT_AREA_PT {
            return Err(StyleError {
                key: "margins",
                message: format!(
                    "the margins leave a text area of {} x {} on the page, but it must be at least {} (2in) each way",
                    pt(width.max(0.0)),
                    pt(height.max(0.0)),
                    pt(MIN_TEXT_AREA_PT)
                ),
            });
        }
        if !is_language_tag(&self.lang) {
            return Err(StyleError {
                key: "lang",
                message: format!(
                    "`lang: {}` is not a language tag: write a BCP 47 tag such as `en-US`, `en`, `fr-CA` or `zh-Hant-TW`",
                    self.lang
                ),
            });
        }
        let (lo, hi) = IMAGE_HEIGHT_PT;
        let above_zero = format!("more than 0 and at most {}", pt(hi));
        if let Some(h) = self.letterhead.as_ref().and_then(|l| l.logo_height) {
            if !(h.pt().is_finite() && h.pt() > lo && h.pt() <= hi) {
                return Err(range_error(
                    "letterhead",
                    "letterhead.logo_height",
                    h.pt(),
                    above_zero,
                ));
            }
        }
        if let Some(sig) = &self.signature {
            if let Some(h) = sig.height {
                let v = h.pt();
                let ok = v.is_finite() && v <= hi && (v > lo || (v == lo && sig.image.is_none()));
                if !ok {
                    let range = if sig.image.is_some() {
                        above_zero
                    } else {
                        format!("between 0 and {}", pt(hi))
                    };
                    return Err(range_error("signature", "signature.height", v, range));
                }
            }
        }
        Ok(())
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
            Ok(v) if v.is_finite() && v >= 0.0 && (v * factor).is_finite() => {
                Ok(Length(v * factor))
            }
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
    /// The logo's alternative text for screen readers; default: the letterhead name.
    pub logo_alt: Option<String>,
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
    fn layout_values_out_of_range_are_refused() {
        let ok = Style::default();
        assert_eq!(ok.validate(), Ok(()));
        let with = |f: &dyn Fn(&mut Style)| {
            let mut s = Style::default();
            f(&mut s);
            s.validate()
        };
        for size in [f32::NAN, 0.0, -3.0, 3.9, 72.1, f32::INFINITY] {
            let e = with(&|s| s.font.size = size).unwrap_err();
            assert_eq!(e.key, "font");
            assert!(
                e.message.starts_with(&format!(
                    "`font.size` is {size}, but it must be between 4 and 72"
                )),
                "{}",
                e.message
            );
        }
        assert!(with(&|s| s.font.size = 4.0).is_ok());
        assert!(with(&|s| s.font.size = 72.0).is_ok());
        assert!(with(&|s| s.font.line_height = 0.0).is_err());
        assert!(with(&|s| s.font.paragraph_spacing = -1.0).is_err());
        assert!(with(&|s| s.font.paragraph_spacing = 0.0).is_ok());
        let e = with(&|s| s.margins.left = Length(f32::NAN)).unwrap_err();
        assert_eq!(e.message, "`margins.left` is NaN, but it must be 0 or more");
        let e = with(&|s| s.margins.left = Length(6.0 * PT_PER_IN)).unwrap_err();
        assert!(
            e.message.contains("leave a text area of 108pt x 648pt"),
            "{}",
            e.message
        );
        assert!(with(&|s| s.margins.left = Length(0.0)).is_ok());
        let e = with(&|s| {
            s.letterhead = Some(super::Letterhead {
                logo_height: Some(Length(0.0)),
                ..Default::default()
            })
        })
        .unwrap_err();
        assert_eq!(e.key, "letterhead");
        let sig = |image: bool, h: f32| {
            with(&|s| {
                s.signature = Some(super::Signature {
                    image: image.then(|| "sig.png".into()),
                    height: Some(Length(h)),
                    ..Default::default()
                })
            })
        };
        assert!(sig(false, 0.0).is_ok());
        assert!(sig(true, 0.0).is_err());
        assert!(sig(true, 1e9).is_err());
        assert!(Length::parse("1e38in").is_err());
    }

    #[test]
    fn colours_parse_hex() {
        assert_eq!(Color::parse("#1b4f72").unwrap(), Color(0x1b, 0x4f, 0x72));
        assert!(Color::parse("blue").is_err());
    }

    #[test]
    fn style_deserializes_from_yaml() {
        let s: Style =
            serde_saphyr::from_str("page: a4\nmargins: {left: 25mm}\nfont: {size: 11}\n").unwrap();
        assert_eq!(s.page, super::PageSize::A4);
        assert!((s.margins.left.pt() - 70.866).abs() < 0.01);
        assert_eq!(s.margins.top.pt(), 72.0);
        assert_eq!(s.font.size, 11.0);
        assert!(s.window);
    }
}
