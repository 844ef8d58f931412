//! The `address_block` helper: a USPS-style mailing address from the row's columns. Blank
//! lines are dropped, the city, state and ZIP share the last line with two spaces before the
//! ZIP, and the ZIP stays text (05633 keeps its zero; 12247-0001 stays whole). And
//! `address_lines`: a one-line address column (congress-legislators, Open States) as such a
//! block, or, when it cannot be split with confidence, as written, with a warning.

use super::helpers::{column_name, truthy};
use super::warnings;
use crate::fields::us_address::{self, Split};
use crate::problem::Problem;
use handlebars::{
    Context, Handlebars, Helper, HelperDef, JsonRender, RenderContext, RenderError,
    RenderErrorReason, ScopedJson,
};
use serde_json::Value;

/// The pieces of an address, as the template gives them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Address {
    /// Name, title, organisation, street...: each may hold several lines.
    pub lines: Vec<String>,
    pub city: String,
    pub state: String,
    pub zip: String,
    pub country: String,
}

/// Country names that mean the letter stays in the US (no country line, ZIP rules apply).
const US: [&str; 6] = [
    "us",
    "usa",
    "united states",
    "united states of america",
    "u.s.",
    "u.s.a.",
];

/// A ZIP as text. Excel drops leading zeros from a column it takes for numbers, so an
/// all-digit ZIP of 3 or 4 digits gets them back (2133 -> 02133), and 9 digits (8 with the
/// zero lost) become ZIP+4 (021330001 -> 02133-0001). Anything else is kept as written.
pub fn zip_text(zip: &str) -> String {
    let zip = zip.trim();
    if zip.is_empty() || !zip.bytes().all(|b| b.is_ascii_digit()) {
        return zip.to_string();
    }
    match zip.len() {
        3 | 4 => format!("{zip:0>5}"),
        8 | 9 => {
            let z = format!("{zip:0>9}");
            format!("{}-{}", &z[..5], &z[5..])
        }
        _ => zip.to_string(),
    }
}

/// Spaces collapsed, except the two before the ZIP of a "City, ST  ZIP" line given whole
/// (from `address_lines`); `each` styles the text between.
fn tidy(line: &str, each: &dyn Fn(&str) -> String) -> String {
    if let Some((head, zip)) = line.trim_end().rsplit_once("  ") {
        let state = head.trim_end().rsplit(' ').next().unwrap_or_default();
        let zip_like =
            matches!(zip.len(), 5 | 10) && zip.bytes().all(|b| b.is_ascii_digit() || b == b'-');
        if zip_like && state.len() == 2 && state.bytes().all(|b| b.is_ascii_alphabetic()) {
            return format!("{}  {zip}", each(head));
        }
    }
    each(line)
}

fn collapse(line: &str) -> String {
    line.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// USPS Publication 28 style for `upper`: capitals, no periods or commas ("P.O. Box" ->
/// "PO BOX", "Suite 5, Floor 2" -> "SUITE 5 FLOOR 2").
fn usps(line: &str) -> String {
    let stripped: String = line.chars().filter(|c| *c != '.' && *c != ',').collect();
    collapse(&stripped).to_uppercase()
}

/// The address block, one line per line.
pub fn block(a: &Address, upper: bool) -> Vec<String> {
    let clean = |s: &str| tidy(s, if upper { &usps } else { &collapse });
    let mut out: Vec<String> = a
        .lines
        .iter()
        .flat_map(|v| v.lines())
        .map(clean)
        .filter(|l| !l.is_empty())
        .collect();
    let (city, state) = (clean(&a.city), clean(&a.state));
    let country = clean(&a.country);
    let domestic = country.is_empty() || US.contains(&country.to_lowercase().as_str());
    let zip = if domestic {
        zip_text(&a.zip)
    } else {
        a.zip.split_whitespace().collect::<Vec<_>>().join(" ")
    };
    let comma = if upper { " " } else { ", " };
    let mut last = match (city.is_empty(), state.is_empty()) {
        (false, false) => format!("{city}{comma}{state}"),
        (false, true) => city,
        (true, _) => state,
    };
    if !zip.is_empty() {
        if !last.is_empty() {
            last.push_str("  ");
        }
        last.push_str(&if upper { zip.to_uppercase() } else { zip });
    }
    if !last.is_empty() {
        out.push(last);
    }
    if !domestic {
        out.push(country);
    }
    out
}

/// `{{address_block name title street city=city state=state zip=zip upper=true}}`.
pub struct AddressHelper;

const OPTIONS: [&str; 5] = ["city", "state", "zip", "country", "upper"];

impl HelperDef for AddressHelper {
    fn call_inner<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        _: &'reg Handlebars<'reg>,
        _: &'rc Context,
        _: &mut RenderContext<'reg, 'rc>,
    ) -> Result<ScopedJson<'rc>, RenderError> {
        let missing = |p: &handlebars::PathAndJson<'_>| -> RenderError {
            RenderErrorReason::MissingVariable(p.relative_path().cloned()).into()
        };
        if h.params().is_empty() && h.hash().is_empty() {
            return Err(RenderErrorReason::Other(
                "`{{address_block}}` needs the address: write it like {{address_block name street city=city state=state zip=zip}}"
                    .to_string(),
            )
            .into());
        }
        let mut a = Address::default();
        for p in h.params() {
            if p.is_value_missing() {
                return Err(missing(p));
            }
            a.lines.push(p.value().render());
        }
        let mut upper = false;
        for (key, v) in h.hash() {
            if v.is_value_missing() {
                return Err(missing(v));
            }
            let text = v.value().render();
            match *key {
                "city" => a.city = text,
                "state" => a.state = text,
                "zip" => a.zip = text,
                "country" => a.country = text,
                "upper" => upper = truthy(v.value()),
                other => {
                    return Err(RenderErrorReason::Other(format!(
                        "`{{{{address_block}}}}` has no option `{other}=`; its options are {}",
                        OPTIONS.map(|o| format!("{o}=")).join(", ")
                    ))
                    .into())
                }
            }
        }
        Ok(ScopedJson::Derived(Value::String(
            block(&a, upper).join("\n"),
        )))
    }
}

/// `{{address_lines capitol_address}}`: a one-line address (or one on several lines) as
/// the lines of a USPS block, street lines first and "City, ST  ZIP" last, split by
/// [`us_address::split`]. When the split is not certain the value is printed as written
/// (nothing the splitter guessed goes on the envelope) and the row gets a warning naming
/// the column, the reason and the best attempt.
pub struct AddressLinesHelper;

impl HelperDef for AddressLinesHelper {
    fn call_inner<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        _: &'reg Handlebars<'reg>,
        _: &'rc Context,
        _: &mut RenderContext<'reg, 'rc>,
    ) -> Result<ScopedJson<'rc>, RenderError> {
        let (Some(p), 1, true) = (h.param(0), h.params().len(), h.hash().is_empty()) else {
            return Err(RenderErrorReason::Other(
                "`{{address_lines}}` takes one value, the column with the address: write it like {{address_lines capitol_address}}"
                    .to_string(),
            )
            .into());
        };
        if p.is_value_missing() {
            return Err(RenderErrorReason::MissingVariable(p.relative_path().cloned()).into());
        }
        let raw = p.value().render();
        if raw.trim().is_empty() {
            // An empty cell is the empty-field check's to report.
            return Ok(ScopedJson::Derived(Value::String(String::new())));
        }
        let lines = match us_address::split(&raw) {
            Split::Sure(parsed) => parsed.block(),
            Split::Unsure { best, reason } => {
                warnings::raise(unsure(
                    p.relative_path().map(|p| column_name(p)),
                    best.as_ref(),
                    reason,
                ));
                raw.lines()
                    .map(|l| l.split_whitespace().collect::<Vec<_>>().join(" "))
                    .filter(|l| !l.is_empty())
                    .collect()
            }
        };
        Ok(ScopedJson::Derived(Value::String(lines.join("\n"))))
    }
}

/// The warning for an address that could not be split with confidence.
fn unsure(column: Option<String>, best: Option<&us_address::Parsed>, reason: &str) -> Problem {
    let what = match &column {
        Some(c) => format!("the address in `{c}`"),
        None => "an address".to_string(),
    };
    let mut hint = String::from(
        "check the address in the data: written as `street, city, ST ZIP`, with a comma before the city, it splits for sure",
    );
    if let Some(best) = best {
        hint.push_str(&format!(
            "; lettermerge's best reading is \"{}\"",
            best.block().join(" / ")
        ));
    }
    let p = Problem::warning(format!(
        "{what} could not be split with confidence ({reason}), so it is printed as written"
    ))
    .with_hint(hint);
    match column {
        Some(c) => p.in_column(c),
        None => p,
    }
}

#[cfg(test)]
mod tests {
    use super::{block, zip_text, Address};

    fn addr(lines: &[&str], city: &str, state: &str, zip: &str) -> Address {
        Address {
            lines: lines.iter().map(|s| s.to_string()).collect(),
            city: city.into(),
            state: state.into(),
            zip: zip.into(),
            country: String::new(),
        }
    }

    #[test]
    fn zips_stay_text_and_get_lost_zeros_back() {
        assert_eq!(zip_text("05633"), "05633");
        assert_eq!(zip_text("5633"), "05633");
        assert_eq!(zip_text("501"), "00501");
        assert_eq!(zip_text("62704-1234"), "62704-1234");
        assert_eq!(zip_text("627041234"), "62704-1234");
        assert_eq!(zip_text("21331234"), "02133-1234");
        assert_eq!(zip_text(" 12247 "), "12247");
        assert_eq!(zip_text("K1A 0B1"), "K1A 0B1");
        assert_eq!(zip_text(""), "");
    }

    #[test]
    fn a_block_drops_empty_lines_and_puts_two_spaces_before_the_zip() {
        let a = addr(
            &[
                "The Honorable Jane Doe",
                "",
                "Vermont State House\n\n115 State St.",
                "  ",
            ],
            "Montpelier",
            "VT",
            "05633",
        );
        assert_eq!(
            block(&a, false),
            [
                "The Honorable Jane Doe",
                "Vermont State House",
                "115 State St.",
                "Montpelier, VT  05633"
            ]
        );
    }

    #[test]
    fn upper_is_usps_style() {
        let a = addr(
            &["Jane Doe", "P.O. Box 2910", "State House, Room 280"],
            "Springfield",
            "IL",
            "62704-1234",
        );
        assert_eq!(
            block(&a, true),
            [
                "JANE DOE",
                "PO BOX 2910",
                "STATE HOUSE ROOM 280",
                "SPRINGFIELD IL  62704-1234"
            ]
        );
        let a = addr(&["Zoë Lindqvist"], "Burlington", "VT", "5401");
        assert_eq!(block(&a, true), ["ZOË LINDQVIST", "BURLINGTON VT  05401"]);
    }

    #[test]
    fn a_whole_last_line_keeps_its_two_spaces() {
        let a = addr(
            &[
                "P.O. Box  84401",
                "Juneau, AK  99801-1182",
                "Suite  5,  Floor 2",
            ],
            "",
            "",
            "",
        );
        assert_eq!(
            block(&a, true),
            ["PO BOX 84401", "JUNEAU AK  99801-1182", "SUITE 5 FLOOR 2"]
        );
        assert_eq!(
            block(&a, false),
            [
                "P.O. Box 84401",
                "Juneau, AK  99801-1182",
                "Suite 5, Floor 2"
            ]
        );
    }

    #[test]
    fn missing_parts_of_the_last_line() {
        assert_eq!(block(&addr(&["A"], "", "", ""), false), ["A"]);
        assert_eq!(
            block(&addr(&["A"], "Boston", "", ""), false),
            ["A", "Boston"]
        );
        assert_eq!(
            block(&addr(&["A"], "", "MA", "02133"), false),
            ["A", "MA  02133"]
        );
        assert_eq!(
            block(&addr(&["A"], "Boston", "MA", ""), false),
            ["A", "Boston, MA"]
        );
        assert_eq!(block(&addr(&["A"], "", "", "02133"), false), ["A", "02133"]);
    }

    #[test]
    fn a_foreign_country_gets_its_line_and_its_postcode_untouched() {
        let mut a = addr(&["A"], "Ottawa", "ON", "K1A 0B1");
        a.country = "Canada".into();
        assert_eq!(block(&a, false), ["A", "Ottawa, ON  K1A 0B1", "Canada"]);
        a.country = "USA".into();
        a.zip = "1234".into();
        assert_eq!(block(&a, false), ["A", "Ottawa, ON  01234"]);
    }
}
