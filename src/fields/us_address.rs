//! Splitting a one-line US mailing address into its street lines, city, state and ZIP.
//!
//! The public officials' datasets give the mailing address on one line: congress-legislators
//! without a single comma (`511 Hart Senate Office Building Washington DC 20510`), Open States
//! with commas between its pieces (`State Capitol Room 400, 120 4th St., Juneau, AK 99801`).
//! A letter needs it as a block. The ZIP and the state are read from the end; the city is
//! taken as certain only when a comma (or a line break) sets it off from the street and it
//! holds nothing a street has (a number, "Building", "Suite"...), or when the ZIP itself names
//! the city (every DC ZIP is Washington's). Anything less is [`Split::Unsure`] with the best
//! attempt and the reason, so that no letter goes out on a silent guess.
//!
//! The street part becomes lines: every comma-separated piece is a line, a P.O. Box is a
//! line of its own, a building name glued to the house number that follows it
//! (`Legislative Office Building 300 Capitol Ave.`) is cut before the number, and a piece that
//! is only a suite, room or floor (`..., Suite 350`) stays on the street line before it.
//!
//! The work is linear in the input and bounded by [`MAX_ADDRESS_CHARS`]; any text gives an
//! answer, never a panic.

/// The longest input read as an address. The longest in the congress-legislators and Open
/// States files is 105 characters, and a window-envelope block holds about six lines of 40
/// to 50 characters; text past this is not a mailing address (a note, a pasted paragraph),
/// and is reported as such instead of being split.
pub const MAX_ADDRESS_CHARS: usize = 300;

/// A suite or floor piece joins the street line before it only while the joined line stays
/// this short (USPS Publication 28 puts the unit on the delivery line; many address
/// databases cap a line at 40 characters, and a window envelope is about that wide).
pub const MAX_JOINED_LINE_CHARS: usize = 40;

/// An address split into its parts.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Parsed {
    /// The street lines, in order: `["State Capitol Room 400", "120 4th St."]`.
    pub lines: Vec<String>,
    pub city: String,
    /// The two-letter USPS code (a written-out state name is turned into it).
    pub state: String,
    /// Five digits or ZIP+4 (`99801`, `20515-0506`).
    pub zip: String,
}

impl Parsed {
    /// The last line of a USPS block: `Juneau, AK  99801`, with two spaces before the ZIP as
    /// `address_block` writes it.
    pub fn last_line(&self) -> String {
        let mut out = self.city.clone();
        if !self.state.is_empty() {
            if !out.is_empty() {
                out.push_str(", ");
            }
            out.push_str(&self.state);
        }
        if !self.zip.is_empty() {
            if !out.is_empty() {
                out.push_str("  ");
            }
            out.push_str(&self.zip);
        }
        out
    }

    /// The whole block: the street lines, then [`Parsed::last_line`].
    pub fn block(&self) -> Vec<String> {
        let mut out = self.lines.clone();
        let last = self.last_line();
        if !last.is_empty() {
            out.push(last);
        }
        out
    }
}

/// What [`split`] made of an address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Split {
    /// Every part is certain.
    Sure(Parsed),
    /// Some part is missing or could not be told apart from its neighbour.
    Unsure {
        /// The best attempt, when there is one worth showing.
        best: Option<Parsed>,
        /// A short phrase saying why, e.g. "no ZIP code at the end".
        reason: &'static str,
    },
}

impl Split {
    pub fn is_sure(&self) -> bool {
        matches!(self, Split::Sure(_))
    }

    /// The parts: the sure ones, or the best attempt.
    pub fn parsed(&self) -> Option<&Parsed> {
        match self {
            Split::Sure(p) => Some(p),
            Split::Unsure { best, .. } => best.as_ref(),
        }
    }
}

/// The reasons an address is [`Split::Unsure`].
pub mod reason {
    pub const EMPTY: &str = "the address is empty";
    pub const TOO_LONG: &str = "it is too long to be a mailing address";
    pub const NO_ZIP: &str = "no ZIP code at the end";
    pub const NO_STATE: &str = "no state before the ZIP code";
    pub const NO_CITY: &str = "no city before the state";
    pub const NO_STREET: &str = "no street or P.O. Box before the city";
    pub const BOUNDARY: &str = "the city cannot be told from the street";
    pub const CITY_ZIP: &str = "the city does not go with the ZIP code";
}

/// Cities certain from the ZIP alone: (state, first and last three-digit ZIP prefix, city).
/// Every ZIP of the District of Columbia is Washington's, which is what lets the
/// congress-legislators addresses (no commas at all) split with certainty.
const KNOWN_CITIES: [(&str, u16, u16, &str); 1] = [("DC", 200, 205, "Washington")];

/// USPS codes and the names people write out (lower case, no periods).
const STATES: [(&str, &str); 62] = [
    ("AL", "alabama"),
    ("AK", "alaska"),
    ("AZ", "arizona"),
    ("AR", "arkansas"),
    ("CA", "california"),
    ("CO", "colorado"),
    ("CT", "connecticut"),
    ("DE", "delaware"),
    ("DC", "district of columbia"),
    ("FL", "florida"),
    ("GA", "georgia"),
    ("HI", "hawaii"),
    ("ID", "idaho"),
    ("IL", "illinois"),
    ("IN", "indiana"),
    ("IA", "iowa"),
    ("KS", "kansas"),
    ("KY", "kentucky"),
    ("LA", "louisiana"),
    ("ME", "maine"),
    ("MD", "maryland"),
    ("MA", "massachusetts"),
    ("MI", "michigan"),
    ("MN", "minnesota"),
    ("MS", "mississippi"),
    ("MO", "missouri"),
    ("MT", "montana"),
    ("NE", "nebraska"),
    ("NV", "nevada"),
    ("NH", "new hampshire"),
    ("NJ", "new jersey"),
    ("NM", "new mexico"),
    ("NY", "new york"),
    ("NC", "north carolina"),
    ("ND", "north dakota"),
    ("OH", "ohio"),
    ("OK", "oklahoma"),
    ("OR", "oregon"),
    ("PA", "pennsylvania"),
    ("RI", "rhode island"),
    ("SC", "south carolina"),
    ("SD", "south dakota"),
    ("TN", "tennessee"),
    ("TX", "texas"),
    ("UT", "utah"),
    ("VT", "vermont"),
    ("VA", "virginia"),
    ("WA", "washington"),
    ("WV", "west virginia"),
    ("WI", "wisconsin"),
    ("WY", "wyoming"),
    ("PR", "puerto rico"),
    ("GU", "guam"),
    ("VI", "virgin islands"),
    ("VI", "us virgin islands"),
    ("AS", "american samoa"),
    ("MP", "northern mariana islands"),
    ("AA", "armed forces americas"),
    ("AE", "armed forces europe"),
    ("AP", "armed forces pacific"),
    ("FM", "micronesia"),
    ("MH", "marshall islands"),
];

/// The most words a state name in [`STATES`] has.
const MAX_STATE_WORDS: usize = 3;

/// A trailing country that means the US (lower case, no periods).
const US: [&str; 4] = ["us", "usa", "united states", "united states of america"];

/// Words no city name has (lower case, no periods): a city piece with one of them (and more
/// words) is part street. Only names that no US place is called by belong here; a missing
/// word costs a false `Sure`, an extra one only a warning.
const NOT_IN_CITIES: [&str; 29] = [
    "building",
    "bldg",
    "suite",
    "ste",
    "room",
    "rm",
    "floor",
    "fl",
    "flr",
    "apt",
    "apartment",
    "unit",
    "capitol",
    "statehouse",
    "annex",
    "office",
    "offices",
    "po",
    "pob",
    "street",
    "ave",
    "blvd",
    "boulevard",
    "hwy",
    "pkwy",
    "rd",
    "legislative",
    "senate",
    "dept",
];

/// Street types (lower case, no periods): seen after a house number, they say a street follows.
const STREET_TYPES: [&str; 64] = [
    "st",
    "street",
    "ave",
    "av",
    "avenue",
    "avenida",
    "calle",
    "blvd",
    "boulevard",
    "rd",
    "road",
    "dr",
    "drive",
    "ln",
    "lane",
    "way",
    "trail",
    "trl",
    "sq",
    "square",
    "plz",
    "plaza",
    "pkwy",
    "parkway",
    "hwy",
    "highway",
    "ct",
    "court",
    "pl",
    "place",
    "cir",
    "circle",
    "ter",
    "terrace",
    "pike",
    "tpke",
    "turnpike",
    "row",
    "mall",
    "loop",
    "walk",
    "path",
    "aly",
    "alley",
    "expy",
    "expressway",
    "fwy",
    "freeway",
    "xing",
    "crossing",
    "run",
    "pass",
    "byp",
    "bypass",
    "cswy",
    "causeway",
    "broadway",
    "route",
    "rte",
    "us",
    "center",
    "ctr",
    "mile",
    "station",
];

/// Words a number after them belongs to (`Room 300`, `State Road 50`): no house number
/// starts there.
const NUMBER_TAKERS: [&str; 31] = [
    "room",
    "rm",
    "suite",
    "ste",
    "unit",
    "apt",
    "apartment",
    "box",
    "floor",
    "fl",
    "flr",
    "level",
    "lot",
    "space",
    "spc",
    "no",
    "number",
    "dept",
    "drawer",
    "stop",
    "route",
    "rte",
    "rt",
    "highway",
    "hwy",
    "road",
    "rd",
    "us",
    "sr",
    "cr",
    "interstate",
];

/// A piece that starts with one of these is a unit of the street line before it.
const UNITS: [&str; 11] = [
    "suite",
    "pmb",
    "ste",
    "unit",
    "apt",
    "apartment",
    "room",
    "rm",
    "floor",
    "fl",
    "flr",
];

/// Floors written out: `Second Floor`.
const ORDINALS: [&str; 10] = [
    "first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth",
];

const DIRECTIONS: [&str; 12] = [
    "n", "s", "e", "w", "ne", "nw", "se", "sw", "north", "south", "east", "west",
];

/// A word as the tables spell it: lower case, no periods.
fn norm(word: &str) -> String {
    word.chars()
        .filter(|c| *c != '.')
        .flat_map(char::to_lowercase)
        .collect()
}

fn is_in(word: &str, table: &[&str]) -> bool {
    table.contains(&norm(word).as_str())
}

fn has_digit(word: &str) -> bool {
    word.bytes().any(|b| b.is_ascii_digit())
}

/// `300`, `2200A`, `4325-27`, `412-A`, `185-06`: not `6th` or `E2.414`.
fn is_house_number(word: &str) -> bool {
    fn part(p: &str, letter_alone: bool) -> bool {
        let digits = p.bytes().take_while(u8::is_ascii_digit).count();
        let rest = &p.as_bytes()[digits..];
        match rest {
            [] => digits > 0,
            [c] => c.is_ascii_alphabetic() && (digits > 0 || letter_alone),
            _ => false,
        }
    }
    match word.split_once('-') {
        None => part(word, false),
        Some((head, tail)) => part(head, false) && part(tail, true),
    }
}

/// A ZIP or ZIP+4, as it is written or with the hyphen put back (`995011234`).
fn zip_of(word: &str) -> Option<String> {
    let w = word.trim_end_matches('.');
    let digits = |s: &str, n: usize| s.len() == n && s.bytes().all(|b| b.is_ascii_digit());
    if digits(w, 5) {
        return Some(w.to_string());
    }
    if let Some((five, four)) = w.split_once('-') {
        if digits(five, 5) && digits(four, 4) {
            return Some(w.to_string());
        }
    }
    if digits(w, 9) {
        return Some(format!("{}-{}", &w[..5], &w[5..]));
    }
    None
}

fn state_code(word: &str) -> Option<&'static str> {
    let n = norm(word);
    if n.len() != 2 {
        return None;
    }
    let upper = n.to_ascii_uppercase();
    STATES.iter().map(|s| s.0).find(|code| *code == upper)
}

fn state_named(words: &[&str]) -> Option<&'static str> {
    let name: Vec<String> = words.iter().map(|w| norm(w)).collect();
    let name = name.join(" ");
    STATES.iter().find(|s| s.1 == name).map(|s| s.0)
}

fn known_city(state: &str, zip: &str) -> Option<&'static str> {
    let prefix: u16 = zip.get(..3)?.parse().ok()?;
    KNOWN_CITIES
        .iter()
        .find(|(s, from, to, _)| *s == state && (*from..=*to).contains(&prefix))
        .map(|k| k.3)
}

/// Words between commas (or line breaks), and the line of the input they are on.
#[derive(Debug)]
struct Piece<'a> {
    line: usize,
    words: Vec<&'a str>,
}

/// Splits a one-line US mailing address (or one already on several lines: the lines before
/// the city are then kept as written). See the module documentation for the rules.
pub fn split(one_line: &str) -> Split {
    if one_line.chars().nth(MAX_ADDRESS_CHARS).is_some() {
        return Split::Unsure {
            best: None,
            reason: reason::TOO_LONG,
        };
    }
    let lines: Vec<&str> = one_line
        .split(['\n', '\r', '\u{2028}'])
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect();
    let mut pieces: Vec<Piece<'_>> = Vec::new();
    for (line, text) in lines.iter().enumerate() {
        for part in text.split([',', ';']) {
            let words: Vec<&str> = part.split_whitespace().collect();
            if !words.is_empty() {
                pieces.push(Piece { line, words });
            }
        }
    }
    if pieces.is_empty() {
        return Split::Unsure {
            best: None,
            reason: reason::EMPTY,
        };
    }
    strip_country(&mut pieces);
    let zip = take_zip(&mut pieces);
    let Some(state) = take_state(&mut pieces) else {
        return Split::Unsure {
            best: None,
            reason: if zip.is_some() {
                reason::NO_STATE
            } else {
                reason::NO_ZIP
            },
        };
    };
    let mut why: Option<&'static str> = zip.is_none().then_some(reason::NO_ZIP);
    let zip = zip.unwrap_or_default();
    let mut parsed = Parsed {
        state: state.to_string(),
        zip,
        ..Parsed::default()
    };
    let Some(city_piece) = pieces.pop() else {
        return Split::Unsure {
            best: Some(parsed),
            reason: why.unwrap_or(reason::NO_CITY),
        };
    };
    let known = known_city(state, &parsed.zip);
    let words = &city_piece.words;
    // Where in the city piece the city starts: the words before it are street.
    let city_at = if is_clean_city(words) {
        if known.is_some_and(|k| !words.join(" ").eq_ignore_ascii_case(k)) {
            why.get_or_insert(reason::CITY_ZIP);
        }
        0
    } else if let Some(k) = known.filter(|k| ends_with(words, k)) {
        words.len() - k.split(' ').count()
    } else {
        let at = street_end(words);
        if at == words.len() {
            why.get_or_insert(reason::NO_CITY);
            if let Some(k) = known {
                parsed.city = k.to_string();
            }
        } else {
            why.get_or_insert(reason::BOUNDARY);
        }
        at
    };
    if city_at < words.len() {
        parsed.city = words[city_at..].join(" ");
    }
    // Lines above the city's line stay as the input has them; the street pieces on the
    // city's own line are split into lines.
    for text in &lines[..city_piece.line] {
        parsed
            .lines
            .push(text.split_whitespace().collect::<Vec<_>>().join(" "));
    }
    let mut street: Vec<&[&str]> = pieces
        .iter()
        .filter(|p| p.line == city_piece.line)
        .map(|p| p.words.as_slice())
        .collect();
    if city_at > 0 {
        street.push(&words[..city_at]);
    }
    parsed.lines.extend(street_lines(&street));
    if parsed.lines.is_empty() {
        why.get_or_insert(reason::NO_STREET);
    }
    match why {
        None => Split::Sure(parsed),
        Some(reason) => Split::Unsure {
            best: Some(parsed),
            reason,
        },
    }
}

/// Drops a trailing `USA`, `United States`...: a whole last piece, or words after the ZIP.
fn strip_country(pieces: &mut Vec<Piece<'_>>) {
    let Some(last) = pieces.last_mut() else {
        return;
    };
    for n in (1..=4).rev() {
        if n > last.words.len() || !is_us(&last.words[last.words.len() - n..]) {
            continue;
        }
        let rest = last.words.len() - n;
        if rest == 0 {
            if pieces.len() > 1 {
                pieces.pop();
            }
            return;
        }
        if zip_of(last.words[rest - 1]).is_some() {
            last.words.truncate(rest);
            return;
        }
    }
}

fn is_us(words: &[&str]) -> bool {
    let name: Vec<String> = words.iter().map(|w| norm(w)).collect();
    US.contains(&name.join(" ").as_str())
}

/// Removes and returns the ZIP at the very end.
fn take_zip(pieces: &mut Vec<Piece<'_>>) -> Option<String> {
    let last = pieces.last_mut()?;
    let zip = zip_of(last.words.last()?)?;
    last.words.pop();
    if last.words.is_empty() {
        pieces.pop();
    }
    Some(zip)
}

/// Removes and returns the state at the end: a code (`AK`, `D.C.`, `D. C.`) or a name
/// (`Alaska`, `New Mexico`).
fn take_state(pieces: &mut Vec<Piece<'_>>) -> Option<&'static str> {
    let last = pieces.last_mut()?;
    let n = last.words.len();
    let found = if let Some(code) = state_code(last.words[n - 1]) {
        Some((code, 1))
    } else if n >= 2
        && [last.words[n - 2], last.words[n - 1]]
            .iter()
            .all(|w| w.len() == 2 && w.ends_with('.'))
    {
        state_code(&format!("{}{}", last.words[n - 2], last.words[n - 1])).map(|c| (c, 2))
    } else {
        (1..=MAX_STATE_WORDS.min(n))
            .rev()
            .find_map(|k| state_named(&last.words[n - k..]).map(|c| (c, k)))
    };
    let (code, k) = found?;
    last.words.truncate(n - k);
    if last.words.is_empty() {
        pieces.pop();
    }
    Some(code)
}

/// Whether the words can only be a city: letters, no number, nothing a street or building
/// has (one word alone is always a city: there are towns called Street and Avenue).
fn is_clean_city(words: &[&str]) -> bool {
    let letters = words.iter().any(|w| w.chars().any(char::is_alphabetic));
    letters
        && !words.iter().any(|w| has_digit(w) || w.starts_with('#'))
        && (words.len() == 1 || !words.iter().any(|w| is_in(w, &NOT_IN_CITIES)))
}

/// Whether `words` end with the words of `city` (any case).
fn ends_with(words: &[&str], city: &str) -> bool {
    let city: Vec<&str> = city.split(' ').collect();
    words.len() >= city.len()
        && words[words.len() - city.len()..]
            .iter()
            .zip(&city)
            .all(|(w, c)| w.eq_ignore_ascii_case(c))
}

/// Where the street ends in a piece that runs on into the city without a comma: after its
/// last number, street type or building word (and a direction right after it). A best
/// attempt only.
fn street_end(words: &[&str]) -> usize {
    let mut end = 0;
    for (i, w) in words.iter().enumerate() {
        let streety = has_digit(w)
            || w.starts_with('#')
            || is_in(w, &NOT_IN_CITIES)
            || is_in(w, &STREET_TYPES)
            || is_in(w, &UNITS);
        if streety || (end == i && i > 0 && is_in(w, &DIRECTIONS)) {
            end = i + 1;
        }
    }
    end
}

/// The number of words that say "P.O. Box" at the start of `words`.
fn po_box_label(words: &[&str]) -> Option<usize> {
    let n: Vec<String> = words.iter().take(3).map(|w| norm(w)).collect();
    let is = |i: usize, s: &str| n.get(i).is_some_and(|w| w == s);
    if is(0, "pobox") {
        Some(1)
    } else if is(0, "po") && is(1, "box") {
        Some(2)
    } else if (is(0, "p") && is(1, "o") || is(0, "post") && is(1, "office")) && is(2, "box") {
        Some(3)
    } else {
        None
    }
}

/// `17th Floor`, `Second Floor`: the floor's number comes before it, so a number after it
/// is not the floor's.
fn floor_after_its_number(words: &[&str], floor: usize) -> bool {
    is_in(words[floor], &["floor", "fl", "flr"])
        && floor > 0
        && (has_digit(words[floor - 1]) || is_in(words[floor - 1], &ORDINALS))
}

/// Whether a house number at `i` starts a street: a direction or street type follows it.
fn street_follows(words: &[&str], i: usize) -> bool {
    let Some(next) = words.get(i + 1) else {
        return false;
    };
    if has_digit(next) {
        return false;
    }
    (is_in(next, &DIRECTIONS) && words.len() > i + 2)
        || words[i + 1..].iter().any(|w| is_in(w, &STREET_TYPES))
}

/// Cuts one comma piece into lines: before and after a P.O. Box, and before a house number
/// glued to the building name before it.
fn segments<'a, 'w>(words: &'a [&'w str]) -> Vec<&'a [&'w str]> {
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    while i < words.len() {
        if let Some(n) = po_box_label(&words[i..]) {
            if i > start {
                out.push(&words[start..i]);
                start = i;
            }
            i += n;
            if words.get(i).is_some_and(|w| has_digit(w)) {
                i += 1;
                if i < words.len() {
                    out.push(&words[start..i]);
                    start = i;
                }
            }
            continue;
        }
        let prev = if i > start { words.get(i - 1) } else { None };
        let cut = prev.is_some_and(|prev| {
            is_house_number(words[i])
                && street_follows(words, i)
                && if has_digit(prev) {
                    i - 1 > start
                } else {
                    // `2122 W. 1800 North` (Utah's grid), `107 and 109 Avenue B`.
                    let joined = is_in(prev, &DIRECTIONS) || is_in(prev, &["and", "&", "to"]);
                    !joined
                        && (!is_in(prev, &NUMBER_TAKERS) || floor_after_its_number(words, i - 1))
                }
        });
        if cut {
            out.push(&words[start..i]);
            start = i;
        }
        i += 1;
    }
    if start < words.len() {
        out.push(&words[start..]);
    }
    out
}

/// A suite, room or floor on its own: `Suite 350`, `#201`, `Second Floor`.
fn is_unit(words: &[&str]) -> bool {
    words
        .first()
        .is_some_and(|w| w.starts_with('#') || is_in(w, &UNITS))
        || (words.len() == 2 && floor_after_its_number(words, 1))
}

/// The street lines of the comma pieces before the city.
fn street_lines(pieces: &[&[&str]]) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut on_street = false;
    for (p, piece) in pieces.iter().enumerate() {
        for (s, seg) in segments(piece).into_iter().enumerate() {
            let text = seg.join(" ");
            if let Some(last) = lines.last_mut() {
                let fits = last.chars().count() + 2 + text.chars().count() <= MAX_JOINED_LINE_CHARS;
                if p > 0 && s == 0 && on_street && is_unit(seg) && fits {
                    last.push_str(", ");
                    last.push_str(&text);
                    continue;
                }
            }
            on_street = seg.first().is_some_and(|w| is_house_number(w));
            lines.push(text);
        }
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::{reason, split, Parsed, Split, MAX_ADDRESS_CHARS};

    fn sure(input: &str) -> Parsed {
        match split(input) {
            Split::Sure(p) => p,
            other => panic!("{input:?} was not sure: {other:?}"),
        }
    }

    fn unsure(input: &str) -> (Option<Parsed>, &'static str) {
        match split(input) {
            Split::Unsure { best, reason } => (best, reason),
            other => panic!("{input:?} was sure: {other:?}"),
        }
    }

    /// The block, one string: street lines, then "City, ST  ZIP".
    fn block(input: &str) -> String {
        sure(input).block().join(" | ")
    }

    #[test]
    fn congress_addresses_have_no_commas_but_washington_is_certain() {
        assert_eq!(
            sure("511 Hart Senate Office Building Washington DC 20510"),
            Parsed {
                lines: vec!["511 Hart Senate Office Building".into()],
                city: "Washington".into(),
                state: "DC".into(),
                zip: "20510".into(),
            }
        );
        assert_eq!(
            block("2312 Rayburn House Office Building Washington DC 20515-0506"),
            "2312 Rayburn House Office Building | Washington, DC  20515-0506"
        );
        assert_eq!(
            block("1 Cannon House Office Building Washington DC 20515"),
            "1 Cannon House Office Building | Washington, DC  20515"
        );
        assert_eq!(
            block("B-40H Longworth House Office Building Washington, D.C. 20515"),
            "B-40H Longworth House Office Building | Washington, DC  20515"
        );
    }

    #[test]
    fn open_states_pieces_become_lines() {
        let cases = [
            (
                "State Capitol Room 400, 120 4th St., Juneau, AK 99801",
                "State Capitol Room 400 | 120 4th St. | Juneau, AK  99801",
            ),
            (
                "Room 203IN, New Mexico Capitol Annex 325 Don Gaspar Ave., Santa Fe, NM 87501",
                "Room 203IN | New Mexico Capitol Annex | 325 Don Gaspar Ave. | Santa Fe, NM  87501",
            ),
            ("P.O. Box 844, Sitka, AK 99835", "P.O. Box 844 | Sitka, AK  99835"),
            (
                "Room 4105, Legislative Office Building 300 Capitol Ave., Hartford, CT 06106",
                "Room 4105 | Legislative Office Building | 300 Capitol Ave. | Hartford, CT  06106",
            ),
            (
                "1021 O St. Suite 7230, Sacramento, CA 95814",
                "1021 O St. Suite 7230 | Sacramento, CA  95814",
            ),
            (
                "Room 5500, Binsfeld Building P.O. Box 30036, Lansing, MI 48909",
                "Room 5500 | Binsfeld Building | P.O. Box 30036 | Lansing, MI  48909",
            ),
            (
                "P.O. Box 1401 411 Legislative Ave., Dover, DE 19903",
                "P.O. Box 1401 | 411 Legislative Ave. | Dover, DE  19903",
            ),
            (
                "State Capitol Room 228M, Complex, Building 1 1900 Kanawha Blvd. East, Charleston, WV 25305",
                "State Capitol Room 228M | Complex | Building 1 | 1900 Kanawha Blvd. East | Charleston, WV  25305",
            ),
            (
                "P.O. Box 145030 350 N. State St., Suite 350, Salt Lake City, UT 84114",
                "P.O. Box 145030 | 350 N. State St., Suite 350 | Salt Lake City, UT  84114",
            ),
            (
                "Capitol Building, 1301 E. 6th Ave. P.O. Box 200400, Helena, MT 59620",
                "Capitol Building | 1301 E. 6th Ave. | P.O. Box 200400 | Helena, MT  59620",
            ),
            (
                "State Capitol Room 15 West, P.O. Box 8952 , 2 E. Main St., Madison, WI 53708",
                "State Capitol Room 15 West | P.O. Box 8952 | 2 E. Main St. | Madison, WI  53708",
            ),
            (
                "P.O. Box 068 State House, 145 W. State St., Trenton, NJ 08625",
                "P.O. Box 068 | State House | 145 W. State St. | Trenton, NJ  08625",
            ),
            (
                "77 S. High St. 10th Floor, Columbus, OH 43215",
                "77 S. High St. 10th Floor | Columbus, OH  43215",
            ),
            (
                "16207 State Road 50 Suite 402, Clermont, FL 34711",
                "16207 State Road 50 Suite 402 | Clermont, FL  34711",
            ),
            (
                "El Capitolio, Avenida Constitución P.O. Box 9022228, San Juan, PR 00902",
                "El Capitolio | Avenida Constitución | P.O. Box 9022228 | San Juan, PR  00902",
            ),
            (
                "2721 Napa Valley Corporate Drive Building 4, Second Floor, Napa, CA 94558",
                "2721 Napa Valley Corporate Drive Building 4 | Second Floor | Napa, CA  94558",
            ),
            (
                "103 N. College Ave., #201, Bloomington, IN 47404",
                "103 N. College Ave., #201 | Bloomington, IN  47404",
            ),
            (
                "State Capitol 200 W. 24th St., Cheyenne, WY 82002",
                "State Capitol | 200 W. 24th St. | Cheyenne, WY  82002",
            ),
            (
                "Room 204W, Building 1, State Capitol Complex, Charleston, WV 25305",
                "Room 204W | Building 1 | State Capitol Complex | Charleston, WV  25305",
            ),
            (
                "2223 County Road 19 North, Wedowee, AL 36278",
                "2223 County Road 19 North | Wedowee, AL  36278",
            ),
            (
                "Room E2.414, P.O. Box 12910, Austin, TX 78711",
                "Room E2.414 | P.O. Box 12910 | Austin, TX  78711",
            ),
        ];
        for (input, want) in cases {
            assert_eq!(block(input), want, "{input}");
        }
    }

    /// District offices from the Open States file, where the rules meet their exceptions.
    #[test]
    fn open_states_district_offices() {
        let cases = [
            (
                "7450 E. Main St. Suite A, Farmington, NM 87402",
                "7450 E. Main St. Suite A | Farmington, NM  87402",
            ),
            (
                "State Capitol Room 203B, New Mexico  490 Old Santa Fe Trail, Santa Fe, NM 87501",
                "State Capitol Room 203B | New Mexico | 490 Old Santa Fe Trail | Santa Fe, NM  87501",
            ),
            (
                "Sunshine Professional Center 9240 Bonita Beach Road SE, Suite 2215, Bonita Springs, FL 34135",
                "Sunshine Professional Center | 9240 Bonita Beach Road SE, Suite 2215 | Bonita Springs, FL  34135",
            ),
            (
                "1000 Whitlock Ave. Suite 320, PMB #249, Marietta, GA 30064",
                "1000 Whitlock Ave. Suite 320, PMB #249 | Marietta, GA  30064",
            ),
            // Utah's grid and Chicago's suburbs: a number after a direction is the street's.
            (
                "2122 W. 1800 North Suite D #340, Clinton, UT 84015",
                "2122 W. 1800 North Suite D #340 | Clinton, UT  84015",
            ),
            (
                "24 W. 500 Maple Ave. Suite 215, Naperville, IL 60540",
                "24 W. 500 Maple Ave. Suite 215 | Naperville, IL  60540",
            ),
            (
                "107 and 109 Avenue B, New York, NY 10009",
                "107 and 109 Avenue B | New York, NY  10009",
            ),
            (
                "101 Municipal Building 400 S. 8th St., Lebanon, PA 17042",
                "101 Municipal Building | 400 S. 8th St. | Lebanon, PA  17042",
            ),
            (
                "Oswego City Hall, Second Floor 13 W. Oneida St., Oswego, NY 13126",
                "Oswego City Hall | Second Floor | 13 W. Oneida St. | Oswego, NY  13126",
            ),
            (
                "Office of the Clerk of the House 2 State House Station, Augusta, ME 04333",
                "Office of the Clerk of the House | 2 State House Station | Augusta, ME  04333",
            ),
            (
                "Cornell Cooperative Extension of Genesee County 420 E. Main St., Batavia, NY 14020",
                "Cornell Cooperative Extension of Genesee County | 420 E. Main St. | Batavia, NY  14020",
            ),
            (
                "10408 Courthouse Road, Box 66, Spotsylvania, VA 22553",
                "10408 Courthouse Road | Box 66 | Spotsylvania, VA  22553",
            ),
            (
                "P.O.Box 289, Glasgow, MT 59230",
                "P.O.Box 289 | Glasgow, MT  59230",
            ),
        ];
        for (input, want) in cases {
            assert_eq!(block(input), want, "{input}");
        }
        // "Office" is no part of a city: the city is missing, or it is "Las Vegas"?
        assert_eq!(
            unsure("Room 248, 7230 Amigo St., Las Vegas Office, NV 89119").1,
            reason::NO_CITY
        );
    }

    #[test]
    fn cities_with_street_words_in_their_names_are_still_cities() {
        for (input, city) in [
            ("P.O. Box 1, St. Paul, MN 55155", "St. Paul"),
            ("100 Main St., Pike Road, AL 36064", "Pike Road"),
            (
                "2 Elm St., Cape May Court House, NJ 08210",
                "Cape May Court House",
            ),
            ("3 Oak Ave., Box Elder, SD 57719", "Box Elder"),
            ("4 Pine St., Coeur d’Alene, ID 83814", "Coeur d’Alene"),
            ("5 Main St., Street, MD 21154", "Street"),
        ] {
            assert_eq!(sure(input).city, city, "{input}");
        }
    }

    #[test]
    fn zip_plus_four_state_names_country_and_spacing() {
        let p = sure("P.O. Box 844,   Sitka,  Alaska   99835-0844  ");
        assert_eq!((p.city.as_str(), p.state.as_str()), ("Sitka", "AK"));
        assert_eq!(p.zip, "99835-0844");
        assert_eq!(sure("120 4th St., Juneau, Alaska 99801").state, "AK");
        assert_eq!(
            sure("1 Main St., Charleston, West Virginia 25305").state,
            "WV"
        );
        assert_eq!(sure("1 Main St., Richmond, Virginia 23219").state, "VA");
        assert_eq!(sure("1 Main St., Santa Fe, New Mexico 87501").state, "NM");
        assert_eq!(
            sure("1 Main St., New York, New York 10007").city,
            "New York"
        );
        assert_eq!(sure("1 Main St., Juneau, ak 99801").state, "AK");
        assert_eq!(sure("1 Main St., Juneau, AK 998011234").zip, "99801-1234");
        for tail in [
            ", USA",
            " USA",
            ", United States",
            ", U.S.A.",
            " United States of America",
        ] {
            let p = sure(&format!("120 4th St., Juneau, AK 99801{tail}"));
            assert_eq!(p.block().join(" | "), "120 4th St. | Juneau, AK  99801");
        }
        assert_eq!(
            sure("1 First St. NE Washington DC 20543").lines,
            ["1 First St. NE"]
        );
    }

    #[test]
    fn lines_already_split_are_kept() {
        let p = sure("Room 311, State Capitol\n415 S. Beretania St.\r\nHonolulu, HI 96813");
        assert_eq!(p.lines, ["Room 311, State Capitol", "415 S. Beretania St."]);
        assert_eq!(p.city, "Honolulu");
        // A line break sets the city off like a comma.
        let p = sure("State Capitol\nHonolulu HI 96813");
        assert_eq!((p.lines.len(), p.city.as_str()), (1, "Honolulu"));
        let (best, why) = unsure("State Capitol\n415 S. Beretania St. Honolulu HI 96813");
        assert_eq!(why, reason::BOUNDARY);
        let best = best.unwrap();
        assert_eq!(best.lines, ["State Capitol", "415 S. Beretania St."]);
        assert_eq!(best.city, "Honolulu");
    }

    #[test]
    fn without_a_comma_an_unknown_city_is_unsure_with_a_best_attempt() {
        let (best, why) = unsure("120 4th St. Juneau AK 99801");
        assert_eq!(why, reason::BOUNDARY);
        let best = best.unwrap();
        assert_eq!(
            (best.lines, best.city),
            (vec!["120 4th St.".to_string()], "Juneau".into())
        );
        let (best, why) = unsure("Room 400, State Capitol Juneau, AK 99801");
        assert_eq!(why, reason::BOUNDARY);
        assert_eq!(best.unwrap().city, "Juneau");
        // Is it Main St. North in Springfield, or Main St. in North Springfield?
        assert_eq!(
            unsure("10 Main St North Springfield, VT 05150").1,
            reason::BOUNDARY
        );
    }

    #[test]
    fn missing_parts_are_unsure() {
        let (best, why) = unsure("606 Walnut St., Rock Springs, WY");
        assert_eq!(why, reason::NO_ZIP);
        let best = best.unwrap();
        assert_eq!(best.block(), ["606 Walnut St.", "Rock Springs, WY"]);
        assert_eq!(unsure("North Little Rock, AR").1, reason::NO_ZIP);
        assert_eq!(unsure("AL").1, reason::NO_ZIP);
        assert_eq!(unsure("None"), (None, reason::NO_ZIP));
        assert_eq!(unsure("P.O. Box 12345"), (None, reason::NO_STATE));
        assert_eq!(unsure(""), (None, reason::EMPTY));
        assert_eq!(unsure(" ,\n, ").1, reason::EMPTY);
        let (best, why) = unsure("Albany, NY 12247");
        assert_eq!(why, reason::NO_STREET);
        assert_eq!(best.unwrap().last_line(), "Albany, NY  12247");
        let (best, why) = unsure("100 Main St., Suite 5, IL 62704");
        assert_eq!(why, reason::NO_CITY);
        assert_eq!(best.unwrap().lines, ["100 Main St., Suite 5"]);
        assert_eq!(unsure("100 Main St., IL 62704").1, reason::NO_CITY);
        // A DC ZIP is Washington's: a missing city is filled in for the best attempt only.
        let (best, why) = unsure("511 Hart Senate Office Building DC 20510");
        assert_eq!(why, reason::NO_CITY);
        assert_eq!(best.unwrap().city, "Washington");
        assert_eq!(
            unsure("1 Main St., Arlington, DC 20510").1,
            reason::CITY_ZIP
        );
        let long = format!(
            "1 Main St., Juneau, AK 99801 {}",
            "x".repeat(MAX_ADDRESS_CHARS)
        );
        assert_eq!(unsure(&long), (None, reason::TOO_LONG));
    }
}

#[cfg(test)]
mod properties {
    use super::{split, Split, MAX_ADDRESS_CHARS, STATES};
    use proptest::prelude::{any, prop, prop_assert, prop_assert_eq, proptest, ProptestConfig};
    use proptest::test_runner::TestCaseError;
    use std::time::{Duration, Instant};

    /// What holds for every answer: a sure split has every part, and invents no words.
    fn check(input: &str) -> Result<(), TestCaseError> {
        let result = split(input);
        let Split::Sure(p) = &result else {
            return Ok(());
        };
        prop_assert!(
            !p.lines.is_empty() && !p.city.is_empty(),
            "{input:?}: {p:?}"
        );
        prop_assert!(STATES.iter().any(|s| s.0 == p.state), "{input:?}: {p:?}");
        prop_assert!(p.zip.len() == 5 || p.zip.len() == 10, "{input:?}: {p:?}");
        let given: Vec<&str> = input
            .split(|c: char| c.is_whitespace() || c == ',' || c == ';')
            .collect();
        for line in p.lines.iter().chain([&p.city]) {
            for word in line.split([' ', ',']).filter(|w| !w.is_empty()) {
                prop_assert!(given.contains(&word), "{word:?} is not in {input:?}");
            }
        }
        Ok(())
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]

        /// Any text gives an answer, never a panic.
        #[test]
        fn any_text_splits_without_panic(input in "\\PC{0,400}") {
            check(&input)?;
        }

        /// Any bytes, as a data file might hold them once decoded.
        #[test]
        fn any_bytes_split_without_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
            check(&String::from_utf8_lossy(&bytes))?;
        }

        /// The words addresses are made of, in any order, so that the rules meet each other.
        #[test]
        fn address_words_in_any_order(
            words in prop::collection::vec(
                "P\\.O\\.|Box|Room|Suite|#12|[0-9]{1,6}|[0-9]{5}-[0-9]{4}|Main|St\\.|Ave\\.|N\\.|North|Floor|2nd|Building|State|Capitol|Washington|DC|D\\.|C\\.|AK|New|York|Mexico|USA|,|\n|  |ß|\u{300}|\u{2028}|Å",
                0..40,
            ),
        ) {
            check(&words.join(" "))?;
        }

        /// A well-formed Open States style address always splits for sure into what it was
        /// made of, and its block, written on one line again, splits the same.
        #[test]
        fn well_formed_addresses_split_for_sure_and_round_trip(
            pieces in prop::collection::vec(
                "Room [1-9][0-9]{0,3}[A-C]?|State Capitol|P\\.O\\. Box [1-9][0-9]{0,5}|[1-9][0-9]{0,4} (N\\. |W\\. )?[A-Z][a-z]{2,8} (St\\.|Ave\\.|Road|Blvd\\.)|Suite [1-9][0-9]{0,2}",
                1..4,
            ),
            city in "(St\\. Paul|Juneau|Santa Fe|Coeur d’Alene|Salt Lake City|Box Elder|Pike Road)",
            state in prop::sample::select(vec!["AK", "NM", "NY", "PR", "WV"]),
            zip in "[0-9]{5}(-[0-9]{4})?",
        ) {
            let input = format!("{}, {city}, {state} {zip}", pieces.join(", "));
            let Split::Sure(p) = split(&input) else {
                return Err(TestCaseError::fail(format!("{input:?}: {:?}", split(&input))));
            };
            prop_assert_eq!((&p.city, p.state.as_str(), &p.zip), (&city, state, &zip));
            let again = format!("{}, {}", p.lines.join(", "), p.last_line());
            prop_assert_eq!(split(&again), Split::Sure(p), "{}", again);
        }
    }

    #[test]
    fn hostile_inputs_are_quick() {
        let start = Instant::now();
        let big = MAX_ADDRESS_CHARS * 1000;
        for unit in [
            "1 ",
            ", ",
            "P.O. Box ",
            "a",
            "\n",
            "Washington DC ",
            "New York ",
            "é",
        ] {
            let _ = split(&unit.repeat(big / unit.len()));
            // Just under the limit, where all the rules run.
            let _ = split(&unit.repeat((MAX_ADDRESS_CHARS - 20) / unit.chars().count()));
        }
        assert!(
            start.elapsed() < Duration::from_secs(2),
            "{:?}",
            start.elapsed()
        );
    }
}
