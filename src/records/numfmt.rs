//! Excel number formats: a cell's stored number turned into the text the sheet displays
//! (`5633` with format `00000` is `05633`, `45992` with `mmmm d, yyyy` is `November 29, 2025`).
//!
//! Spreadsheets keep ZIP codes, phone numbers and dates as numbers and rely on the format to
//! show them; a letter must print what the user sees in Excel, not the stored number. This
//! covers the format language as far as data for letters needs it: sections and conditions,
//! `0 # ?` placeholders, thousands separators and scaling, percent, scientific notation,
//! quoted and escaped literals, dates and times (US English names, as Excel shows the
//! built-in formats in the United States). Fractions (`# ?/?`) are shown as decimals.

use chrono::{Datelike, NaiveDate};

/// The format code of a built-in format id as Excel shows it in the United States.
///
/// Ids 14 and 22 are "the system's short date": `m/d/yyyy` in the US (the file format's
/// nominal `mm-dd-yy` is not what anyone sees). Ids 5-8 and the East Asian date ids are not
/// in the files at all; they get their US English equivalents.
pub fn builtin_code(id: u32) -> Option<&'static str> {
    Some(match id {
        0 => "General",
        1 => "0",
        2 => "0.00",
        3 => "#,##0",
        4 => "#,##0.00",
        5 => "\"$\"#,##0_);(\"$\"#,##0)",
        6 => "\"$\"#,##0_);[Red](\"$\"#,##0)",
        7 => "\"$\"#,##0.00_);(\"$\"#,##0.00)",
        8 => "\"$\"#,##0.00_);[Red](\"$\"#,##0.00)",
        9 => "0%",
        10 => "0.00%",
        11 => "0.00E+00",
        12 => "# ?/?",
        13 => "# ??/??",
        14 => "m/d/yyyy",
        15 => "d-mmm-yy",
        16 => "d-mmm",
        17 => "mmm-yy",
        18 => "h:mm AM/PM",
        19 => "h:mm:ss AM/PM",
        20 => "h:mm",
        21 => "h:mm:ss",
        22 => "m/d/yyyy h:mm",
        27..=31 | 34..=36 | 50..=58 => "m/d/yyyy",
        32 | 33 => "h:mm:ss",
        37 => "#,##0_);(#,##0)",
        38 => "#,##0_);[Red](#,##0)",
        39 => "#,##0.00_);(#,##0.00)",
        40 => "#,##0.00_);[Red](#,##0.00)",
        41 => "_(* #,##0_);_(* (#,##0);_(* \"-\"_);_(@_)",
        42 => "_(\"$\"* #,##0_);_(\"$\"* (#,##0);_(\"$\"* \"-\"_);_(@_)",
        43 => "_(* #,##0.00_);_(* (#,##0.00);_(* \"-\"??_);_(@_)",
        44 => "_(\"$\"* #,##0.00_);_(\"$\"* (#,##0.00);_(\"$\"* \"-\"??_);_(@_)",
        45 => "mm:ss",
        46 => "[h]:mm:ss",
        47 => "mm:ss.0",
        48 => "##0.0E+0",
        49 => "@",
        _ => return None,
    })
}

/// The format code to apply for a cell whose style names format `id` with `code` (as the
/// workbook or the reader library gives it).
///
/// Built-in ids below 164 whose code is the file format's nominal one (or missing, given as
/// `General`) are shown the way US Excel shows them; a workbook's own codes are kept.
pub fn effective_code(id: Option<u32>, code: &str) -> &str {
    match id {
        Some(14) if code == "mm-dd-yy" || code == "General" => "m/d/yyyy",
        Some(22) if code == "m/d/yy h:mm" || code == "General" => "m/d/yyyy h:mm",
        Some(47) if code == "mmss.0" => "mm:ss.0",
        Some(id) if id < 164 && code == "General" => builtin_code(id).unwrap_or(code),
        _ => code,
    }
}

/// Whether the code shows a date or time (and so the number is a date serial).
pub fn is_date_format(code: &str) -> bool {
    let sections = parse(code);
    sections.first().is_some_and(|s| s.kind == Kind::Date)
}

/// The number as the format shows it. `date1904`: the workbook counts dates from 1904 (old
/// Mac Excel) instead of 1900.
pub fn format_number(value: f64, code: &str, date1904: bool) -> String {
    if !value.is_finite() {
        return general(value);
    }
    let sections = parse(code);
    let Some((section, v, minus)) = pick_section(&sections, value) else {
        return general(value);
    };
    let out = match section.kind {
        Kind::General => render_general(section, v, minus),
        Kind::Date => match render_date(section, v, date1904) {
            Some(s) => s,
            // Excel shows ##### for a negative or out-of-range date; the number says more.
            None => general(value),
        },
        Kind::Number => render_number(section, v, minus),
        Kind::Literal => literal_only(section, minus),
    };
    out.trim_matches(' ').to_string()
}

/// A text cell as the format shows it: through the format's text section (the fourth, or a
/// lone section with `@`), e.g. `"Hon. "@`; otherwise the text itself.
pub fn format_text(text: &str, code: &str) -> String {
    let sections = parse(code);
    let section = match sections.as_slice() {
        [only] if only.tokens.contains(&Tok::Text) => only,
        [_, _, _, text_section, ..] => text_section,
        _ => return text.to_string(),
    };
    let mut out = String::new();
    for t in &section.tokens {
        match t {
            Tok::Lit(s) => out.push_str(s),
            Tok::Text => out.push_str(text),
            _ => {}
        }
    }
    out
}

/// A date serial with the default date format: `m/d/yyyy`, with `h:mm` when there is a time
/// of day, or `h:mm:ss` for a time alone (for workbooks whose formats are not read).
pub fn format_date_default(serial: f64, date1904: bool) -> String {
    format_number(serial, default_date_code(serial), date1904)
}

/// The first serial after 9999-12-31 in the 1900 date system: Excel's calendar ends there.
pub const LAST_SERIAL_1900: f64 = 2_958_466.0;

/// The same end in the 1904 system, whose serial 0 is 1904-01-01 (1,462 days later).
pub const LAST_SERIAL_1904: f64 = LAST_SERIAL_1900 - 1462.0;

/// The format for a date serial read without its format: `m/d/yyyy`, with `h:mm` when there
/// is a time of day, or `h:mm:ss` for a time alone.
pub fn default_date_code(serial: f64) -> &'static str {
    if (0.0..1.0).contains(&serial) {
        "h:mm:ss"
    } else if serial.fract() != 0.0 {
        "m/d/yyyy h:mm"
    } else {
        "m/d/yyyy"
    }
}

/// Whether `code` can show `value`: always for a number format; for a date format only a
/// serial within Excel's calendar, 1900-01-01 (serial 1; 1904-01-01 is serial 0 in the 1904
/// system) to 9999-12-31, where Excel shows `#####` otherwise. A time of day alone (no
/// year, month or day shown) may be below 1.
pub fn date_serial_ok(value: f64, code: &str, date1904: bool) -> bool {
    let sections = parse(code);
    let Some(first) = sections.first().filter(|s| s.kind == Kind::Date) else {
        return true;
    };
    if !value.is_finite() {
        return false;
    }
    let calendar = first.tokens.iter().any(|t| {
        matches!(
            t,
            Tok::Year(_) | Tok::Month(_) | Tok::Day(_) | Tok::MonthOrMinute(_)
        )
    });
    let (first_ok, end) = match (date1904, calendar) {
        (_, false) | (true, true) => (
            0.0,
            if date1904 {
                LAST_SERIAL_1904
            } else {
                LAST_SERIAL_1900
            },
        ),
        (false, true) => (1.0, LAST_SERIAL_1900),
    };
    (first_ok..end).contains(&value)
}

/// Excel's "General" display, for data: integers in full (a phone number stored as a
/// number is `2025551234`, never `2.03E+09`), other numbers with up to 15 significant
/// digits and no float noise (`0.1 + 0.2` is `0.3`).
pub fn general(value: f64) -> String {
    if value.is_nan() {
        return "#NUM!".to_string();
    }
    if value.is_infinite() {
        return if value > 0.0 { "#NUM!" } else { "-#NUM!" }.to_string();
    }
    if value == 0.0 {
        return "0".to_string();
    }
    let sign = if value < 0.0 { "-" } else { "" };
    let d = Decimal::of(value.abs());
    // Plain notation for everything a person would type; scientific only for the extremes.
    if d.exp10 >= 21 || d.exp10 < -9 {
        let mut mantissa = d.digits.clone();
        let first = mantissa.remove(0);
        let rest: String = mantissa.trim_end_matches('0').to_string();
        let exp = d.exp10 - 1;
        let exp_sign = if exp < 0 { '-' } else { '+' };
        return if rest.is_empty() {
            format!("{sign}{first}E{exp_sign}{:02}", exp.abs())
        } else {
            format!("{sign}{first}.{rest}E{exp_sign}{:02}", exp.abs())
        };
    }
    let (int, frac) = d.split(None);
    let frac = frac.trim_end_matches('0');
    let int = if int.is_empty() { "0" } else { int.as_str() };
    if frac.is_empty() {
        format!("{sign}{int}")
    } else {
        format!("{sign}{int}.{frac}")
    }
}

// ---------------------------------------------------------------------------------------
// Parsing

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    General,
    Number,
    Date,
    Literal,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Cmp {
    Lt,
    Le,
    Gt,
    Ge,
    Eq,
    Ne,
}

#[derive(Debug, Clone, Copy, PartialEq)]
struct Condition {
    cmp: Cmp,
    rhs: f64,
}

impl Condition {
    fn holds(&self, v: f64) -> bool {
        match self.cmp {
            Cmp::Lt => v < self.rhs,
            Cmp::Le => v <= self.rhs,
            Cmp::Gt => v > self.rhs,
            Cmp::Ge => v >= self.rhs,
            Cmp::Eq => v == self.rhs,
            Cmp::Ne => v != self.rhs,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Unit {
    Hours,
    Minutes,
    Seconds,
}

#[derive(Debug, Clone, PartialEq)]
enum Tok {
    Lit(String),
    /// `_x`: room the width of `x` (a space, which numbers trim at their ends; none in text).
    Pad,
    /// `0` (always a digit), `#` (digit if significant), `?` (digit or space).
    Digit(char),
    Point,
    Comma,
    Percent,
    /// `E+` (always a sign) or `E-` (minus only).
    Exp(bool),
    General,
    /// `@`: the text of a text cell; a number shows as General.
    Text,
    Year(usize),
    /// A run of `m`: month, or minutes next to hours or seconds (settled after parsing).
    MonthOrMinute(usize),
    Month(usize),
    Minute(usize),
    Day(usize),
    Hour(usize),
    Second(usize),
    /// Digits of a second after `ss.`.
    SubSecond(usize),
    /// `AM/PM` or `A/P`, in the case written.
    AmPm {
        short: bool,
        lower: bool,
    },
    Elapsed(Unit, usize),
}

#[derive(Debug, Clone, PartialEq)]
struct Section {
    kind: Kind,
    tokens: Vec<Tok>,
    condition: Option<Condition>,
}

fn parse(code: &str) -> Vec<Section> {
    split_sections(code)
        .iter()
        .map(|s| parse_section(s))
        .collect()
}

/// Splits at `;` outside quotes, brackets and escapes.
fn split_sections(code: &str) -> Vec<String> {
    let mut sections = vec![String::new()];
    let mut chars = code.chars();
    let mut in_quote = false;
    let mut in_bracket = false;
    while let Some(c) = chars.next() {
        let cur = sections.last_mut().expect("at least one section");
        match c {
            '"' => {
                in_quote = !in_quote;
                cur.push(c);
            }
            '\\' | '_' | '*' if !in_quote && !in_bracket => {
                cur.push(c);
                if let Some(next) = chars.next() {
                    cur.push(next);
                }
            }
            '[' if !in_quote => {
                in_bracket = true;
                cur.push(c);
            }
            ']' if !in_quote => {
                in_bracket = false;
                cur.push(c);
            }
            ';' if !in_quote && !in_bracket => sections.push(String::new()),
            _ => cur.push(c),
        }
    }
    sections
}

fn parse_section(src: &str) -> Section {
    let chars: Vec<char> = src.chars().collect();
    let mut tokens = Vec::new();
    let mut condition = None;
    let mut i = 0;
    let run = |i: usize, lower: char| {
        chars[i..]
            .iter()
            .take_while(|c| c.to_ascii_lowercase() == lower)
            .count()
    };
    while i < chars.len() {
        let c = chars[i];
        let lc = c.to_ascii_lowercase();
        match c {
            '"' => {
                let end = chars[i + 1..]
                    .iter()
                    .position(|&c| c == '"')
                    .map_or(chars.len(), |p| i + 1 + p);
                tokens.push(Tok::Lit(chars[i + 1..end].iter().collect()));
                i = end + 1;
            }
            '\\' => {
                if let Some(&next) = chars.get(i + 1) {
                    tokens.push(Tok::Lit(next.to_string()));
                }
                i += 2;
            }
            // Padding the width of the next character: one space is its best plain-text form.
            '_' => {
                tokens.push(Tok::Pad);
                i += 2;
            }
            // Fill to the column width: nothing in plain text.
            '*' => i += 2,
            '[' => {
                let end = chars[i + 1..]
                    .iter()
                    .position(|&c| c == ']')
                    .map_or(chars.len(), |p| i + 1 + p);
                let inner: String = chars[i + 1..end].iter().collect();
                // `[$-F800]` / `[$-F400]`: "the system's long date / time", whatever follows.
                let locale = inner.to_ascii_lowercase();
                if locale.starts_with("$-f800") || locale.starts_with("$-f400") {
                    let system = if locale.starts_with("$-f800") {
                        "dddd, mmmm d, yyyy"
                    } else {
                        "h:mm:ss AM/PM"
                    };
                    tokens = parse_section(system).tokens;
                    break;
                }
                bracket(&inner, &mut tokens, &mut condition);
                i = end + 1;
            }
            '0' | '#' | '?' => {
                tokens.push(Tok::Digit(c));
                i += 1;
            }
            '.' => {
                // `ss.00`: fractions of a second.
                let after_seconds = matches!(
                    tokens
                        .iter()
                        .rev()
                        .find(|t| !matches!(t, Tok::Lit(_) | Tok::Pad)),
                    Some(Tok::Second(_) | Tok::Elapsed(Unit::Seconds, _))
                );
                let zeros = chars[i + 1..].iter().take_while(|&&c| c == '0').count();
                if after_seconds && zeros > 0 {
                    tokens.push(Tok::SubSecond(zeros));
                    i += 1 + zeros;
                } else {
                    tokens.push(Tok::Point);
                    i += 1;
                }
            }
            ',' => {
                tokens.push(Tok::Comma);
                i += 1;
            }
            '%' => {
                tokens.push(Tok::Percent);
                i += 1;
            }
            '@' => {
                tokens.push(Tok::Text);
                i += 1;
            }
            'E' | 'e' if matches!(chars.get(i + 1), Some('+' | '-')) => {
                tokens.push(Tok::Exp(chars[i + 1] == '+'));
                i += 2;
            }
            _ if starts_with_ci(&chars[i..], "general") => {
                tokens.push(Tok::General);
                i += 7;
            }
            _ if starts_with_ci(&chars[i..], "am/pm") => {
                tokens.push(Tok::AmPm {
                    short: false,
                    lower: c.is_ascii_lowercase(),
                });
                i += 5;
            }
            _ if starts_with_ci(&chars[i..], "a/p") => {
                tokens.push(Tok::AmPm {
                    short: true,
                    lower: c.is_ascii_lowercase(),
                });
                i += 3;
            }
            _ if matches!(lc, 'y' | 'm' | 'd' | 'h' | 's') => {
                let n = run(i, lc);
                tokens.push(match lc {
                    'y' => Tok::Year(n),
                    'm' => Tok::MonthOrMinute(n),
                    'd' => Tok::Day(n),
                    'h' => Tok::Hour(n),
                    _ => Tok::Second(n),
                });
                i += n;
            }
            // `e` is the year in Excel's date formats.
            'e' | 'E' => {
                tokens.push(Tok::Year(4));
                i += 1;
            }
            _ => {
                push_lit(&mut tokens, c);
                i += 1;
            }
        }
    }
    settle_minutes(&mut tokens);
    let kind = if tokens.iter().any(is_date_tok) {
        Kind::Date
    } else if tokens.iter().any(|t| matches!(t, Tok::General)) {
        Kind::General
    } else if tokens.iter().any(|t| matches!(t, Tok::Digit(_))) {
        Kind::Number
    } else {
        Kind::Literal
    };
    Section {
        kind,
        tokens,
        condition,
    }
}

fn push_lit(tokens: &mut Vec<Tok>, c: char) {
    if let Some(Tok::Lit(s)) = tokens.last_mut() {
        s.push(c);
    } else {
        tokens.push(Tok::Lit(c.to_string()));
    }
}

fn starts_with_ci(chars: &[char], word: &str) -> bool {
    let n = word.chars().count();
    chars.len() >= n
        && chars[..n]
            .iter()
            .zip(word.chars())
            .all(|(a, b)| a.to_ascii_lowercase() == b)
}

/// `[Red]`, `[<=9999999]`, `[h]`, `[$€-407]`.
fn bracket(inner: &str, tokens: &mut Vec<Tok>, condition: &mut Option<Condition>) {
    let lower = inner.to_ascii_lowercase();
    if let Some(cond) = parse_condition(inner) {
        *condition = Some(cond);
    } else if let Some(rest) = inner.strip_prefix('$') {
        // `[$€-407]`: a currency symbol, then the locale it belongs to.
        let (symbol, _locale) = rest.split_once('-').unwrap_or((rest, ""));
        if !symbol.is_empty() {
            tokens.push(Tok::Lit(symbol.to_string()));
        }
    } else if !lower.is_empty() && lower.chars().all(|c| c == 'h') {
        tokens.push(Tok::Elapsed(Unit::Hours, lower.len()));
    } else if !lower.is_empty() && lower.chars().all(|c| c == 'm') {
        tokens.push(Tok::Elapsed(Unit::Minutes, lower.len()));
    } else if !lower.is_empty() && lower.chars().all(|c| c == 's') {
        tokens.push(Tok::Elapsed(Unit::Seconds, lower.len()));
    }
    // Anything else is a colour (`[Red]`, `[Color10]`) or a calendar: nothing to print.
}

fn parse_condition(inner: &str) -> Option<Condition> {
    let (cmp, rest) = if let Some(r) = inner.strip_prefix("<=") {
        (Cmp::Le, r)
    } else if let Some(r) = inner.strip_prefix(">=") {
        (Cmp::Ge, r)
    } else if let Some(r) = inner.strip_prefix("<>") {
        (Cmp::Ne, r)
    } else if let Some(r) = inner.strip_prefix('<') {
        (Cmp::Lt, r)
    } else if let Some(r) = inner.strip_prefix('>') {
        (Cmp::Gt, r)
    } else if let Some(r) = inner.strip_prefix('=') {
        (Cmp::Eq, r)
    } else {
        return None;
    };
    let rhs = rest.trim().parse().ok()?;
    Some(Condition { cmp, rhs })
}

fn is_date_tok(t: &Tok) -> bool {
    matches!(
        t,
        Tok::Year(_)
            | Tok::Month(_)
            | Tok::Minute(_)
            | Tok::MonthOrMinute(_)
            | Tok::Day(_)
            | Tok::Hour(_)
            | Tok::Second(_)
            | Tok::SubSecond(_)
            | Tok::AmPm { .. }
            | Tok::Elapsed(..)
    )
}

/// `m`/`mm` right after an hour or right before a second are minutes; otherwise months.
fn settle_minutes(tokens: &mut [Tok]) {
    let dated: Vec<usize> = (0..tokens.len())
        .filter(|&i| is_date_tok(&tokens[i]))
        .collect();
    for (k, &i) in dated.iter().enumerate() {
        if let Tok::MonthOrMinute(n) = tokens[i] {
            let prev = k.checked_sub(1).map(|p| &tokens[dated[p]]);
            let next = dated.get(k + 1).map(|&j| &tokens[j]);
            let minute = n <= 2
                && (matches!(prev, Some(Tok::Hour(_) | Tok::Elapsed(Unit::Hours, _)))
                    || matches!(next, Some(Tok::Second(_) | Tok::Elapsed(Unit::Seconds, _))));
            tokens[i] = if minute {
                Tok::Minute(n)
            } else {
                Tok::Month(n)
            };
        }
    }
}

/// The section for this value, the value to show in it, and whether to put a minus first.
fn pick_section(sections: &[Section], v: f64) -> Option<(&Section, f64, bool)> {
    // A fourth section is for text; numbers use the first three.
    let numeric = &sections[..sections.len().min(3)];
    if numeric.iter().any(|s| s.condition.is_some()) {
        for s in numeric {
            match s.condition {
                Some(c) if c.holds(v) => {
                    let minus = v < 0.0 && !matches!(c.cmp, Cmp::Lt | Cmp::Le if c.rhs <= 0.0);
                    return Some((s, v.abs(), minus));
                }
                Some(_) => {}
                None => return Some((s, v.abs(), v < 0.0 && std::ptr::eq(s, &numeric[0]))),
            }
        }
        return None;
    }
    match numeric {
        [] => None,
        [only] if only.kind == Kind::Literal && only.tokens.contains(&Tok::Text) => {
            // `@` alone: a number in a text-formatted cell shows as General.
            None
        }
        [only] => Some((only, v.abs(), v < 0.0)),
        [pos, neg] => Some(if v < 0.0 {
            (neg, -v, false)
        } else {
            (pos, v, false)
        }),
        [pos, neg, zero, ..] => Some(if v < 0.0 {
            (neg, -v, false)
        } else if v == 0.0 {
            (zero, v, false)
        } else {
            (pos, v, false)
        }),
    }
}

// ---------------------------------------------------------------------------------------
// Rendering

fn literal_only(section: &Section, minus: bool) -> String {
    let mut out = String::new();
    if minus {
        out.push('-');
    }
    for t in &section.tokens {
        match t {
            Tok::Lit(s) => out.push_str(s),
            Tok::Pad => out.push(' '),
            _ => {}
        }
    }
    out
}

fn render_general(section: &Section, v: f64, minus: bool) -> String {
    let mut out = String::new();
    if minus {
        out.push('-');
    }
    for t in &section.tokens {
        match t {
            Tok::Lit(s) => out.push_str(s),
            Tok::Pad => out.push(' '),
            Tok::General => out.push_str(&general(v)),
            _ => {}
        }
    }
    out
}

/// A number's decimal digits, rounded to 15 significant digits as Excel shows them:
/// `value = 0.DIGITS × 10^exp10`.
#[derive(Debug, Clone)]
struct Decimal {
    digits: String,
    exp10: i32,
}

impl Decimal {
    fn of(v: f64) -> Decimal {
        if v == 0.0 {
            return Decimal {
                digits: "0".to_string(),
                exp10: 1,
            };
        }
        let s = format!("{:.14e}", v.abs());
        let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
        let digits: String = mantissa.chars().filter(char::is_ascii_digit).collect();
        let exp: i32 = exp.parse().unwrap_or(0);
        Decimal {
            digits,
            exp10: exp + 1,
        }
    }

    /// Integer digits (no leading zeros; empty for 0) and fraction digits: all of them, or
    /// exactly `decimals`, rounded half away from zero.
    fn split(&self, decimals: Option<usize>) -> (String, String) {
        let mut digits: Vec<u8> = self.digits.bytes().map(|b| b - b'0').collect();
        let mut point = self.exp10; // digits before the point
        if point < 0 {
            let pad = (-point) as usize;
            let mut padded = vec![0; pad];
            padded.extend(digits);
            digits = padded;
            point = 0;
        }
        let point = point as usize;
        if digits.len() < point {
            digits.resize(point, 0);
        }
        if let Some(decimals) = decimals {
            let keep = point + decimals;
            if digits.len() > keep {
                let round_up = digits[keep] >= 5;
                digits.truncate(keep);
                if round_up {
                    let mut i = keep;
                    let mut carry = true;
                    while carry && i > 0 {
                        i -= 1;
                        if digits[i] == 9 {
                            digits[i] = 0;
                        } else {
                            digits[i] += 1;
                            carry = false;
                        }
                    }
                    if carry {
                        digits.insert(0, 1);
                        return Self::strings(&digits, point + 1);
                    }
                }
            } else {
                digits.resize(keep, 0);
            }
        }
        Self::strings(&digits, point)
    }

    fn strings(digits: &[u8], point: usize) -> (String, String) {
        let to_s = |d: &[u8]| d.iter().map(|&d| char::from(b'0' + d)).collect::<String>();
        let int = to_s(&digits[..point]);
        let int = int.trim_start_matches('0').to_string();
        (int, to_s(&digits[point..]))
    }
}

fn render_number(section: &Section, v: f64, minus: bool) -> String {
    let toks = &section.tokens;
    // A fraction (`# ?/?`) is shown as a decimal number: rare in letters' data.
    if is_fraction(toks) {
        return format!("{}{}", if minus { "-" } else { "" }, general(v));
    }
    let exp_at = toks.iter().position(|t| matches!(t, Tok::Exp(_)));
    let mantissa_end = exp_at.unwrap_or(toks.len());
    let point_at = toks[..mantissa_end].iter().position(|t| *t == Tok::Point);
    let int_end = point_at.unwrap_or(mantissa_end);

    let int_places: Vec<usize> = (0..int_end)
        .filter(|&i| matches!(toks[i], Tok::Digit(_)))
        .collect();
    let frac_places: Vec<usize> = (int_end..mantissa_end)
        .filter(|&i| matches!(toks[i], Tok::Digit(_)))
        .collect();
    let last_digit = (0..mantissa_end)
        .rev()
        .find(|&i| matches!(toks[i], Tok::Digit(_)));
    // Commas right after the last digit, or just before the point, divide by 1000 each
    // (`0.0,,"M"`); a comma between integer digits turns on the thousands separator.
    let commas_from = |i: usize| toks[i..].iter().take_while(|t| **t == Tok::Comma).count();
    let mut scale_commas = last_digit.map_or(0, |d| commas_from(d + 1));
    if let (Some(_), Some(&last_int), false) = (point_at, int_places.last(), frac_places.is_empty())
    {
        scale_commas += commas_from(last_int + 1);
    }
    let grouping = match (int_places.first(), int_places.last()) {
        (Some(&a), Some(&b)) => (a..b).any(|i| toks[i] == Tok::Comma),
        _ => false,
    };
    let percents = toks.iter().filter(|t| **t == Tok::Percent).count();
    let mut v = v * 100f64.powi(percents as i32) / 1000f64.powi(scale_commas as i32);

    let mut exponent = None;
    if let Some(at) = exp_at {
        let (m, e) = scientific(v, &int_places, toks, frac_places.len());
        v = m;
        exponent = Some((at, e));
    }

    let (int_digits, frac_digits) = Decimal::of(v).split(Some(frac_places.len()));
    // Leading zeros from the first `0` placeholder on.
    let min_digits = int_places
        .iter()
        .position(|&i| toks[i] == Tok::Digit('0'))
        .map_or(0, |p| int_places.len() - p);
    let mut int_digits = int_digits;
    while int_digits.len() < min_digits {
        int_digits.insert(0, '0');
    }
    let int_chunks = assign_int_digits(&int_digits, &int_places, toks);
    let frac_chunks = assign_frac_digits(&frac_digits, &frac_places, toks);

    let mut out = String::new();
    if minus && (int_digits.chars().chain(frac_digits.chars())).any(|c| c != '0') {
        out.push('-');
    }
    let total_int = int_digits.len();
    let mut emitted_int = 0usize;
    for (i, t) in toks.iter().enumerate() {
        if let Some((at, e)) = exponent {
            if i == at {
                out.push('E');
                let show_plus = matches!(t, Tok::Exp(true));
                if e < 0 {
                    out.push('-');
                } else if show_plus {
                    out.push('+');
                }
                let places = toks[at + 1..]
                    .iter()
                    .filter(|t| matches!(t, Tok::Digit(_)))
                    .count();
                out.push_str(&format!("{:0width$}", e.abs(), width = places.max(1)));
                // The exponent's own placeholders are consumed; literals after them stay.
                for t in &toks[at + 1..] {
                    match t {
                        Tok::Lit(s) => out.push_str(s),
                        Tok::Pad => out.push(' '),
                        _ => {}
                    }
                }
                break;
            }
        }
        match t {
            Tok::Lit(s) => out.push_str(s),
            Tok::Pad => out.push(' '),
            Tok::Percent => out.push('%'),
            Tok::Point if i == int_end => {
                if int_places.is_empty() {
                    // `.00` with 12.5: the integer digits still show.
                    out.push_str(&int_digits);
                }
                out.push('.');
            }
            Tok::Point => out.push('.'),
            Tok::Digit(_) if i < int_end => {
                if let Some(chunk) = int_chunks.get(&i) {
                    for c in chunk.chars() {
                        out.push(c);
                        if c.is_ascii_digit() {
                            emitted_int += 1;
                            let left = total_int.saturating_sub(emitted_int);
                            if grouping && left > 0 && left % 3 == 0 {
                                out.push(',');
                            }
                        }
                    }
                }
            }
            Tok::Digit(_) => {
                if let Some(c) = frac_chunks.get(&i) {
                    out.push_str(c);
                }
            }
            Tok::Text => out.push_str(&general(v)),
            // Separators and scaling commas print nothing themselves.
            _ => {}
        }
    }
    out
}

fn is_fraction(toks: &[Tok]) -> bool {
    toks.windows(2)
        .any(|w| matches!((&w[0], &w[1]), (Tok::Digit(_), Tok::Lit(s)) if s.starts_with('/')))
        && !toks.contains(&Tok::Point)
}

/// Mantissa and exponent for `0.00E+00` (one integer digit) or `##0.0E+0` (engineering:
/// exponents in steps of the integer digits).
fn scientific(v: f64, int_places: &[usize], toks: &[Tok], decimals: usize) -> (f64, i32) {
    if v == 0.0 {
        return (0.0, 0);
    }
    let n = int_places.len().max(1) as i32;
    let engineering = n > 1 && int_places.iter().any(|&i| toks[i] == Tok::Digit('#'));
    let exp_of = |v: f64| Decimal::of(v).exp10 - 1;
    let mut e = exp_of(v);
    e = if engineering {
        e - e.rem_euclid(n)
    } else {
        e - (n - 1)
    };
    let mut m = v / 10f64.powi(e);
    // Rounding can carry the mantissa to the next power (9.996 -> 10.00).
    let (int, _) = Decimal::of(m).split(Some(decimals));
    if int.len() as i32 > n {
        e += if engineering { n } else { 1 };
        m = v / 10f64.powi(e);
    }
    (m, e)
}

/// The digits each integer placeholder shows: one each from the right; the leftmost takes
/// every digit left over. A placeholder without a digit shows `0`, a space (`?`) or nothing.
fn assign_int_digits(
    digits: &str,
    places: &[usize],
    toks: &[Tok],
) -> std::collections::HashMap<usize, String> {
    let mut out = std::collections::HashMap::new();
    let mut rest: Vec<char> = digits.chars().collect();
    for (k, &i) in places.iter().enumerate().rev() {
        let leftmost = k == 0;
        let chunk: String = if leftmost {
            rest.drain(..).collect()
        } else if let Some(c) = rest.pop() {
            c.to_string()
        } else {
            String::new()
        };
        let chunk = if chunk.is_empty() {
            match toks[i] {
                Tok::Digit('0') => "0".to_string(),
                Tok::Digit('?') => " ".to_string(),
                _ => String::new(),
            }
        } else {
            chunk
        };
        out.insert(i, chunk);
    }
    out
}

/// The digit each fraction placeholder shows; trailing zeros vanish at `#` and become
/// spaces at `?`.
fn assign_frac_digits(
    digits: &str,
    places: &[usize],
    toks: &[Tok],
) -> std::collections::HashMap<usize, String> {
    let mut out = std::collections::HashMap::new();
    let digits: Vec<char> = digits.chars().collect();
    let mut trailing = true;
    for (k, &i) in places.iter().enumerate().rev() {
        let d = digits.get(k).copied().unwrap_or('0');
        let shown = if trailing && d == '0' {
            match toks[i] {
                Tok::Digit('#') => String::new(),
                Tok::Digit('?') => " ".to_string(),
                _ => {
                    trailing = false;
                    "0".to_string()
                }
            }
        } else {
            trailing = false;
            d.to_string()
        };
        out.insert(i, shown);
    }
    out
}

const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
const DAYS: [&str; 7] = [
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
    "Sunday",
];

/// A calendar date as Excel counts it (including its 29 February 1900, serial 60).
struct Ymd {
    year: i32,
    month: u32,
    day: u32,
    /// 0 = Monday.
    weekday: usize,
}

fn ymd(days: i64, date1904: bool) -> Option<Ymd> {
    let from = |base: NaiveDate, offset: i64| {
        let d = base.checked_add_signed(chrono::Duration::try_days(offset)?)?;
        Some(Ymd {
            year: d.year(),
            month: d.month(),
            day: d.day(),
            weekday: d.weekday().num_days_from_monday() as usize,
        })
    };
    if date1904 {
        return from(NaiveDate::from_ymd_opt(1904, 1, 1)?, days);
    }
    match days {
        // Excel's day 0 is "1/0/1900" and day 60 the 29 February 1900 that never was
        // (kept for Lotus 1-2-3); later serials are one day ahead of the calendar.
        0 => Some(Ymd {
            year: 1900,
            month: 1,
            day: 0,
            weekday: 5,
        }),
        60 => Some(Ymd {
            year: 1900,
            month: 2,
            day: 29,
            weekday: 2,
        }),
        1..=59 => from(NaiveDate::from_ymd_opt(1899, 12, 31)?, days),
        _ => from(NaiveDate::from_ymd_opt(1899, 12, 30)?, days),
    }
}

fn render_date(section: &Section, serial: f64, date1904: bool) -> Option<String> {
    // Dates before 1900 (or 1904) and after 9999 are shown as ##### by Excel.
    if !(0.0..2_958_466.0).contains(&serial) {
        return None;
    }
    let toks = &section.tokens;
    let sub_digits = toks
        .iter()
        .find_map(|t| match t {
            Tok::SubSecond(n) => Some((*n).min(3)),
            _ => None,
        })
        .unwrap_or(0);
    // Round to the shown precision first, so 23:59:59.7 shows as the next day's 0:00:00.
    let ticks_per_sec = 10i64.pow(sub_digits as u32);
    let ticks_per_day = 86_400 * ticks_per_sec;
    let ticks = (serial * ticks_per_day as f64).round() as i64;
    let days = ticks.div_euclid(ticks_per_day);
    let in_day = ticks.rem_euclid(ticks_per_day);
    let secs = in_day / ticks_per_sec;
    let sub = in_day % ticks_per_sec;
    let (hour, minute, second) = (secs / 3600, (secs / 60) % 60, secs % 60);
    let date = ymd(days, date1904)?;
    let twelve = toks.iter().any(|t| matches!(t, Tok::AmPm { .. }));

    let mut out = String::new();
    let pad = |out: &mut String, v: i64, n: usize| {
        if n >= 2 {
            out.push_str(&format!("{v:02}"));
        } else {
            out.push_str(&v.to_string());
        }
    };
    for t in toks {
        match t {
            Tok::Lit(s) => out.push_str(s),
            Tok::Pad => out.push(' '),
            Tok::Year(n) => {
                if *n <= 2 {
                    out.push_str(&format!("{:02}", date.year.rem_euclid(100)));
                } else {
                    out.push_str(&format!("{:04}", date.year));
                }
            }
            Tok::Month(n) => {
                let name = MONTHS[(date.month as usize).saturating_sub(1) % 12];
                match n {
                    1 | 2 => pad(&mut out, i64::from(date.month), *n),
                    3 => out.push_str(&name[..3]),
                    5 => out.push_str(&name[..1]),
                    _ => out.push_str(name),
                }
            }
            Tok::Day(n) => match n {
                1 | 2 => pad(&mut out, i64::from(date.day), *n),
                3 => out.push_str(&DAYS[date.weekday][..3]),
                _ => out.push_str(DAYS[date.weekday]),
            },
            Tok::Hour(n) => {
                let h = if twelve {
                    match hour % 12 {
                        0 => 12,
                        h => h,
                    }
                } else {
                    hour
                };
                pad(&mut out, h, *n);
            }
            Tok::Minute(n) => pad(&mut out, minute, *n),
            Tok::Second(n) => pad(&mut out, second, *n),
            Tok::SubSecond(n) => {
                out.push('.');
                let s = format!("{sub:0w$}", w = sub_digits);
                out.push_str(&s);
                for _ in sub_digits..*n {
                    out.push('0');
                }
            }
            Tok::AmPm { short, lower } => {
                let s = match (hour < 12, short) {
                    (true, false) => "AM",
                    (false, false) => "PM",
                    (true, true) => "A",
                    (false, true) => "P",
                };
                if *lower {
                    out.push_str(&s.to_lowercase());
                } else {
                    out.push_str(s);
                }
            }
            Tok::Elapsed(unit, n) => {
                let total_secs = ticks / ticks_per_sec;
                let v = match unit {
                    Unit::Hours => total_secs / 3600,
                    Unit::Minutes => total_secs / 60,
                    Unit::Seconds => total_secs,
                };
                out.push_str(&format!("{v:0n$}"));
            }
            Tok::Digit('0') => out.push('0'),
            Tok::Comma => out.push(','),
            Tok::Point => out.push('.'),
            Tok::Percent => out.push('%'),
            _ => {}
        }
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::{
        effective_code, format_date_default, format_number, format_text, general, is_date_format,
    };

    fn f(v: f64, code: &str) -> String {
        format_number(v, code, false)
    }

    #[test]
    fn zip_codes_keep_their_leading_zeros() {
        assert_eq!(f(5633.0, "00000"), "05633");
        assert_eq!(f(2134.0, "00000"), "02134");
        assert_eq!(f(96813.0, "00000"), "96813");
        // Excel's "Zip Code + 4" special format.
        assert_eq!(f(56331234.0, "00000-0000"), "05633-1234");
        assert_eq!(f(123456789.0, "000-00-0000"), "123-45-6789");
        // The codes Excel's Special category writes.
        assert_eq!(f(56331234.0, "00000\\-0000"), "05633-1234");
        assert_eq!(f(123456789.0, "000\\-00\\-0000"), "123-45-6789");
    }

    #[test]
    fn phone_numbers_are_digits_not_scientific() {
        assert_eq!(f(2025551234.0, "General"), "2025551234");
        assert_eq!(general(2025551234.0), "2025551234");
        // Excel's "Phone Number" special format.
        let phone = "[<=9999999]###-####;(###) ###-####";
        assert_eq!(f(2025551234.0, phone), "(202) 555-1234");
        let excel_phone = "[<=9999999]###\\-####;\\(###\\)\\ ###\\-####";
        assert_eq!(f(2025551234.0, excel_phone), "(202) 555-1234");
        assert_eq!(f(5551234.0, excel_phone), "555-1234");
        assert_eq!(f(5551234.0, phone), "555-1234");
        assert_eq!(f(2025551234.0, "0"), "2025551234");
        assert_eq!(f(12345678901234.0, "General"), "12345678901234");
    }

    #[test]
    fn general_numbers_have_no_float_noise_or_trailing_point_zero() {
        assert_eq!(general(42.0), "42");
        assert_eq!(general(-7.0), "-7");
        assert_eq!(general(0.1 + 0.2), "0.3");
        assert_eq!(general(3.25), "3.25");
        assert_eq!(general(-0.005), "-0.005");
        assert_eq!(general(1e22), "1E+22");
        assert_eq!(general(1.5e-12), "1.5E-12");
        assert_eq!(general(0.0), "0");
    }

    #[test]
    fn decimals_grouping_percent_and_currency() {
        assert_eq!(f(1234567.891, "#,##0.00"), "1,234,567.89");
        assert_eq!(f(1234.5, "#,##0"), "1,235");
        assert_eq!(f(999.0, "#,##0"), "999");
        assert_eq!(f(0.0, "#,##0"), "0");
        assert_eq!(f(2.675, "0.00"), "2.68");
        assert_eq!(f(0.5, "0%"), "50%");
        assert_eq!(f(0.1234, "0.00%"), "12.34%");
        assert_eq!(f(1.5, "#.##"), "1.5");
        assert_eq!(f(0.25, ".00"), ".25");
        assert_eq!(f(12.5, "0.0?"), "12.5");
        assert_eq!(f(-1234.5, "#,##0.00"), "-1,234.50");
        assert_eq!(f(1234.5, "$#,##0.00"), "$1,234.50");
        assert_eq!(f(-1234.5, "\"$\"#,##0.00_);(\"$\"#,##0.00)"), "($1,234.50)");
        assert_eq!(f(1234.5, "\"$\"#,##0.00_);(\"$\"#,##0.00)"), "$1,234.50");
        assert_eq!(f(1234.5, "[$$-409]#,##0.00"), "$1,234.50");
        assert_eq!(f(1234.5, "#,##0.00 [$€-407]"), "1,234.50 €");
        assert_eq!(
            f(0.0, "_(* #,##0.00_);_(* (#,##0.00);_(* \"-\"??_);_(@_)"),
            "-"
        );
        assert_eq!(f(1500000.0, "#,##0.0,,\"M\""), "1.5M");
        assert_eq!(f(-5.0, "0;[Red]0"), "5");
        assert_eq!(f(3.0, "0\" units\""), "3 units");
        assert_eq!(f(7.0, ";;;"), "");
        assert_eq!(f(7.0, "@"), "7");
    }

    #[test]
    fn scientific_notation_when_the_format_asks_for_it() {
        assert_eq!(f(12345.0, "0.00E+00"), "1.23E+04");
        assert_eq!(f(0.000123, "0.00E+00"), "1.23E-04");
        assert_eq!(f(99999.0, "0.00E+00"), "1.00E+05");
        assert_eq!(f(12345.0, "##0.0E+0"), "12.3E+3");
    }

    #[test]
    fn dates_as_the_sheet_shows_them() {
        // 29 November 2026 is serial 46355.
        let d = 46355.0;
        assert_eq!(f(d, "m/d/yyyy"), "11/29/2026");
        assert_eq!(f(d, "yyyy-mm-dd"), "2026-11-29");
        assert_eq!(f(d, "d-mmm-yy"), "29-Nov-26");
        assert_eq!(f(d, "mmmm d, yyyy"), "November 29, 2026");
        assert_eq!(f(d, "dddd, mmmm d, yyyy"), "Sunday, November 29, 2026");
        assert_eq!(
            f(d, "[$-F800]dddd, mmmm dd, yyyy"),
            "Sunday, November 29, 2026"
        );
        assert_eq!(f(d, "[$-409]mmmm d, yyyy;@"), "November 29, 2026");
        assert_eq!(f(d, "mm/dd/yy"), "11/29/26");
        assert_eq!(f(d, "dd.mm.yyyy"), "29.11.2026");
        assert_eq!(f(d, "mmm-yy"), "Nov-26");
        assert_eq!(f(d, "mmmmm"), "N");
        assert_eq!(f(d, effective_code(Some(14), "mm-dd-yy")), "11/29/2026");
        assert_eq!(f(1.0, "m/d/yyyy"), "1/1/1900");
        assert_eq!(f(61.0, "yyyy-mm-dd"), "1900-03-01");
        assert_eq!(f(60.0, "yyyy-mm-dd"), "1900-02-29");
        assert_eq!(format_number(0.0, "yyyy-mm-dd", true), "1904-01-01");
        assert_eq!(format_number(d - 1462.0, "m/d/yyyy", true), "11/29/2026");
    }

    #[test]
    fn times_and_minutes_versus_months() {
        let t = 46355.0 + (14.0 * 3600.0 + 5.0 * 60.0 + 9.0) / 86400.0;
        assert_eq!(f(t, "h:mm AM/PM"), "2:05 PM");
        assert_eq!(f(t, "hh:mm:ss"), "14:05:09");
        assert_eq!(f(t, "m/d/yyyy h:mm"), "11/29/2026 14:05");
        assert_eq!(f(t, "mm:ss"), "05:09");
        assert_eq!(f(t, "h:mm a/p"), "2:05 p");
        assert_eq!(f(1.5, "[h]:mm:ss"), "36:00:00");
        assert_eq!(f(0.5 / 86400.0 + 0.25, "h:mm:ss.0"), "6:00:00.5");
        // 23:59:59.6 rounds to midnight of the next day.
        let late = 46355.0 + (86_399.6) / 86400.0;
        assert_eq!(f(late, "m/d/yyyy h:mm:ss"), "11/30/2026 0:00:00");
        assert_eq!(format_date_default(0.75, false), "18:00:00");
        assert_eq!(format_date_default(46355.0, false), "11/29/2026");
    }

    #[test]
    fn text_cells_go_through_the_text_section_only() {
        assert_eq!(format_text("05633", "@"), "05633");
        assert_eq!(format_text("05633", "00000"), "05633");
        assert_eq!(format_text("Jane Doe", "\"Hon. \"@"), "Hon. Jane Doe");
        assert_eq!(format_text(" Jane ", "0;-0;0;@"), " Jane ");
        assert_eq!(
            format_text("n/a", "_(* #,##0_);_(* (#,##0);_(* \"-\"_);_(@_)"),
            "n/a"
        );
        assert_eq!(format_text("x", "General"), "x");
    }

    #[test]
    fn date_formats_are_recognised() {
        assert!(is_date_format("m/d/yyyy"));
        assert!(is_date_format("[$-409]mmmm d, yyyy;@"));
        assert!(is_date_format("h:mm"));
        assert!(!is_date_format("00000"));
        assert!(!is_date_format("General"));
        assert!(!is_date_format("[Red]#,##0"));
        assert!(!is_date_format("\"day\" 0"));
    }

    #[test]
    fn serials_outside_excels_calendar_are_not_dates() {
        use super::date_serial_ok;
        for bad in [
            0.0,
            0.5,
            -1.0,
            -0.25,
            2_958_466.0,
            1e300,
            f64::NAN,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ] {
            assert!(!date_serial_ok(bad, "mmmm d, yyyy", false), "{bad}");
            assert!(!date_serial_ok(bad, "m/d/yyyy h:mm", false), "{bad}");
        }
        for good in [1.0, 46355.0, 46355.75, 2_958_465.999] {
            assert!(date_serial_ok(good, "mmmm d, yyyy", false), "{good}");
        }
        // A time of day alone, and the 1904 system's first day.
        assert!(date_serial_ok(0.5, "h:mm AM/PM", false));
        assert!(date_serial_ok(0.0, "yyyy-mm-dd", true));
        assert!(!date_serial_ok(2_957_004.0, "yyyy-mm-dd", true));
        // Not a date format: any number shows.
        assert!(date_serial_ok(-5.0, "0.00", false));
        assert!(date_serial_ok(0.0, "General", false));
    }

    #[test]
    fn odd_input_never_panics() {
        for code in [
            "",
            "\"",
            "[",
            "\\",
            "_",
            "*",
            "0.0E+",
            "[<]0",
            "#,##0,,,",
            "?/?",
            "# ??/??",
            "E+0",
            "[h",
            "ddddddd",
            "0;",
            ";;;;;",
            "yyyyyyyy",
            "0.00000000000000000000000",
        ] {
            for v in [0.0, -1.5, 1e300, -1e-300, 45000.5, f64::NAN, f64::INFINITY] {
                let _ = format_number(v, code, false);
            }
        }
        assert_eq!(f(0.75, "# ?/?"), "0.75");
    }
}
