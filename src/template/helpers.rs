//! The Handlebars helpers a letter template can use (`date`, `upper`, `lower`, `title`,
//! `ordinal`, `default`) and the `if`/`unless` replacements that read spreadsheet yes/no
//! columns the way people mean them ("no", "false", "0", "n" and empty are false).

use super::address::{AddressHelper, AddressLinesHelper};
use super::forms::OfficeTable;
use chrono::format::{Item, StrftimeItems};
use chrono::NaiveDate;
use handlebars::{
    Context, Handlebars, Helper, HelperDef, HelperResult, JsonRender, JsonTruthy, Output,
    PathAndJson, RenderContext, RenderError, RenderErrorReason, Renderable, ScopedJson,
};
use serde_json::Value;
use std::fmt;
use std::sync::Arc;

/// A helper's complaint about a data value, carried through Handlebars' error so the
/// template layer can turn it into a row problem with a hint.
#[derive(Debug)]
pub struct HelperProblem {
    pub message: String,
    pub hint: Option<String>,
    pub column: Option<String>,
    /// The message without the value, said once for many rows (see `Problem::group`).
    pub group: Option<String>,
}

impl fmt::Display for HelperProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for HelperProblem {}

fn problem(message: String, group: &str, hint: &str, param: &PathAndJson<'_>) -> RenderError {
    RenderErrorReason::NestedError(Box::new(HelperProblem {
        message,
        hint: Some(hint.to_string()),
        column: param.relative_path().map(|p| column_name(p)),
        group: Some(group.to_string()),
    }))
    .into()
}

/// `[First Name]` -> `First Name`; `this.email` -> `email`.
pub fn column_name(path: &str) -> String {
    let p = path.strip_prefix("this.").unwrap_or(path);
    p.trim_start_matches('[').trim_end_matches(']').to_string()
}

/// Registers every helper on `hb`. `today` is the date `{{date}}` prints; `offices` is the
/// table the forms-of-address helpers read.
pub fn register(hb: &mut Handlebars<'static>, today: NaiveDate, offices: &Arc<OfficeTable>) {
    // Officials' spreadsheets very often have columns named like these helpers (`title`,
    // `date`); a bare `{{title}}` then means the column, `{{title name}}` the helper.
    let value_helpers: [(&'static str, Box<dyn HelperDef + Send + Sync>); 6] = [
        ("date", Box::new(DateHelper { today })),
        ("upper", Box::new(TextHelper("upper", str::to_uppercase))),
        ("lower", Box::new(TextHelper("lower", str::to_lowercase))),
        ("title", Box::new(TextHelper("title", title_case))),
        ("ordinal", Box::new(OrdinalHelper)),
        ("default", Box::new(DefaultHelper)),
    ];
    for (name, inner) in value_helpers {
        hb.register_helper(name, Box::new(ColumnFirst { name, inner }));
    }
    super::forms::register(hb, offices);
    hb.register_helper(
        "address_block",
        Box::new(column_first("address_block", Box::new(AddressHelper))),
    );
    hb.register_helper(
        "address_lines",
        Box::new(column_first("address_lines", Box::new(AddressLinesHelper))),
    );
    hb.register_helper("if", Box::new(IfHelper { positive: true }));
    hb.register_helper("unless", Box::new(IfHelper { positive: false }));
    hb.register_helper("and", Box::new(LogicHelper::And));
    hb.register_helper("or", Box::new(LogicHelper::Or));
    hb.register_helper("not", Box::new(LogicHelper::Not));
}

/// The parameter at `idx`; in strict mode a missing column is an error naming it.
fn param<'a, 'rc>(
    h: &'a Helper<'rc>,
    idx: usize,
    name: &'static str,
) -> Result<&'a PathAndJson<'rc>, RenderError> {
    let p = h
        .param(idx)
        .ok_or(RenderErrorReason::ParamNotFoundForIndex(name, idx))?;
    if p.is_value_missing() {
        return Err(RenderErrorReason::MissingVariable(p.relative_path().cloned()).into());
    }
    Ok(p)
}

fn text(s: String) -> ScopedJson<'static> {
    ScopedJson::Derived(Value::String(s))
}

/// "January 12, 2026".
pub fn long_us(date: NaiveDate) -> String {
    date.format("%B %-d, %Y").to_string()
}

/// Today's date: from `SOURCE_DATE_EPOCH` (seconds, UTC) when set, for reproducible output,
/// else the local clock.
pub fn today() -> NaiveDate {
    std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .and_then(|secs| chrono::DateTime::from_timestamp(secs, 0))
        .map_or_else(|| chrono::Local::now().date_naive(), |dt| dt.date_naive())
}

/// Reads the date forms people type in spreadsheets.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    // A timestamp such as 2026-01-12T09:00:00 or "2026-01-12 09:00".
    let iso = s
        .get(..10)
        .filter(|head| s.len() > 10 && head.as_bytes()[4] == b'-');
    let s = iso.unwrap_or(s);
    // Two-digit years (1/12/26) mean 20xx.
    let parts: Vec<&str> = s.split('/').collect();
    if let [m, d, y] = parts[..] {
        if y.len() == 2 {
            let (m, d, y) = (m.parse().ok()?, d.parse().ok()?, y.parse::<i32>().ok()?);
            return NaiveDate::from_ymd_opt(2000 + y, m, d);
        }
    }
    const FORMATS: [&str; 8] = [
        "%Y-%m-%d",
        "%m/%d/%Y",
        "%B %d, %Y",
        "%b %d, %Y",
        "%B %d %Y",
        "%d %B %Y",
        "%b. %d, %Y",
        "%Y/%m/%d",
    ];
    for f in FORMATS {
        if let Ok(d) = NaiveDate::parse_from_str(s, f) {
            return Some(d);
        }
    }
    None
}

/// `inner`, except that a bare `{{name}}` means the row's column `name` when there is one.
pub fn column_first(
    name: &'static str,
    inner: Box<dyn HelperDef + Send + Sync>,
) -> impl HelperDef + Send + Sync {
    ColumnFirst { name, inner }
}

/// Wraps a helper so that, used bare (no parameters), it yields the row's column of the same
/// name when there is one.
struct ColumnFirst {
    name: &'static str,
    inner: Box<dyn HelperDef + Send + Sync>,
}

impl HelperDef for ColumnFirst {
    fn call_inner<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        r: &'reg Handlebars<'reg>,
        ctx: &'rc Context,
        rc: &mut RenderContext<'reg, 'rc>,
    ) -> Result<ScopedJson<'rc>, RenderError> {
        if h.params().is_empty() && h.hash().is_empty() {
            if let Some(value) = ctx.data().get(self.name) {
                return Ok(ScopedJson::Derived(value.clone()));
            }
        }
        self.inner.call_inner(h, r, ctx, rc)
    }
}

struct DateHelper {
    today: NaiveDate,
}

impl HelperDef for DateHelper {
    fn call_inner<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        _: &'reg Handlebars<'reg>,
        _: &'rc Context,
        _: &mut RenderContext<'reg, 'rc>,
    ) -> Result<ScopedJson<'rc>, RenderError> {
        let date = if h.params().is_empty() {
            self.today
        } else {
            let p = param(h, 0, "date")?;
            let raw = p.value().render();
            if raw.trim().is_empty() {
                return Ok(text(String::new()));
            }
            parse_date(&raw).ok_or_else(|| {
                problem(
                    format!("`{}` is not a date lettermerge can read", raw.trim()),
                    "the value is not a date lettermerge can read",
                    "write dates like 2026-01-12, 01/12/2026, 1/12/26 or January 12, 2026",
                    p,
                )
            })?
        };
        match h.hash_get("format") {
            None => Ok(text(long_us(date))),
            Some(f) => {
                let f = f.value().render();
                let items: Vec<Item<'_>> = StrftimeItems::new(&f).collect();
                if items.iter().any(|i| matches!(i, Item::Error)) {
                    return Err(RenderErrorReason::Other(format!(
                        "the date format `{f}` is not valid; use strftime codes such as %m/%d/%Y or %B %-d, %Y"
                    ))
                    .into());
                }
                let mut out = String::new();
                fmt::write(&mut out, format_args!("{}", date.format_with_items(items.iter())))
                    .map_err(|_| {
                        RenderErrorReason::Other(format!(
                            "the date format `{f}` cannot be used for a date alone; use codes such as %m/%d/%Y"
                        ))
                    })?;
                Ok(text(out))
            }
        }
    }
}

struct TextHelper(&'static str, fn(&str) -> String);

impl HelperDef for TextHelper {
    fn call_inner<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        _: &'reg Handlebars<'reg>,
        _: &'rc Context,
        _: &mut RenderContext<'reg, 'rc>,
    ) -> Result<ScopedJson<'rc>, RenderError> {
        let p = param(h, 0, self.0)?;
        Ok(text((self.1)(&p.value().render())))
    }
}

// Little words kept lower case inside a title ("Committee on Ways and Means").
const SMALL_WORDS: [&str; 13] = [
    "a", "an", "and", "at", "but", "by", "for", "in", "of", "on", "or", "the", "to",
];

/// Title case that leaves mixed-case words alone (`McAllister`, `DeVos`), capitalises after
/// a hyphen and after a one-letter prefix with an apostrophe (`o'brien` -> `O'Brien`), and
/// keeps little words lower case except at the start.
pub fn title_case(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut first = true;
    for (i, word) in s.split(' ').enumerate() {
        if i > 0 {
            out.push(' ');
        }
        if word.is_empty() {
            continue;
        }
        let has_upper = word.chars().any(char::is_uppercase);
        let has_lower = word.chars().any(char::is_lowercase);
        if has_upper && has_lower {
            out.push_str(word);
        } else {
            let lower = word.to_lowercase();
            if !first && SMALL_WORDS.contains(&lower.as_str()) {
                out.push_str(&lower);
            } else {
                out.push_str(&capitalise_word(&lower));
            }
        }
        first = false;
    }
    out
}

fn capitalise_word(lower: &str) -> String {
    let mut out = String::with_capacity(lower.len());
    let chars: Vec<char> = lower.chars().collect();
    let mut upper_next = true;
    for (i, &c) in chars.iter().enumerate() {
        if upper_next && c.is_alphabetic() {
            out.extend(c.to_uppercase());
            upper_next = false;
        } else {
            out.push(c);
        }
        match c {
            '-' => upper_next = true,
            // O'Brien, D'Angelo; but not don't, it's.
            '\'' | '\u{2019}' => {
                let letters_before = chars[..i]
                    .iter()
                    .rev()
                    .take_while(|c| c.is_alphabetic())
                    .count();
                let letters_after = chars[i + 1..]
                    .iter()
                    .take_while(|c| c.is_alphabetic())
                    .count();
                upper_next = letters_before == 1 && letters_after >= 2;
            }
            _ => {}
        }
    }
    // McAllister, McDonald.
    if chars.len() > 3 && chars[0] == 'm' && chars[1] == 'c' && chars[2].is_alphabetic() {
        let mut s: Vec<char> = out.chars().collect();
        s[2] = s[2].to_uppercase().next().unwrap_or(s[2]);
        return s.into_iter().collect();
    }
    out
}

/// 1 -> "1st", 12 -> "12th", 22 -> "22nd", 113 -> "113th".
pub fn ordinal(n: i64) -> String {
    let abs = n.unsigned_abs();
    let suffix = match (abs % 10, abs % 100) {
        (_, 11..=13) => "th",
        (1, _) => "st",
        (2, _) => "nd",
        (3, _) => "rd",
        _ => "th",
    };
    format!("{n}{suffix}")
}

struct OrdinalHelper;

impl HelperDef for OrdinalHelper {
    fn call_inner<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        _: &'reg Handlebars<'reg>,
        _: &'rc Context,
        _: &mut RenderContext<'reg, 'rc>,
    ) -> Result<ScopedJson<'rc>, RenderError> {
        let p = param(h, 0, "ordinal")?;
        let raw = p.value().render();
        let n = raw.trim().parse::<i64>().map_err(|_| {
            problem(
                format!("`{{{{ordinal}}}}` needs a whole number, but the value is `{raw}`"),
                "`{{ordinal}}` needs a whole number, but the value is not one",
                "put a number such as 3 in the cell (it prints as 3rd)",
                p,
            )
        })?;
        Ok(text(ordinal(n)))
    }
}

struct DefaultHelper;

impl HelperDef for DefaultHelper {
    fn call_inner<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        _: &'reg Handlebars<'reg>,
        _: &'rc Context,
        _: &mut RenderContext<'reg, 'rc>,
    ) -> Result<ScopedJson<'rc>, RenderError> {
        let value = param(h, 0, "default")?.value().render();
        if value.trim().is_empty() {
            Ok(text(param(h, 1, "default")?.value().render()))
        } else {
            Ok(text(value))
        }
    }
}

/// Spreadsheet truthiness: text "no", "false", "0", "n" and empty (any case, trimmed) are
/// false; other values follow Handlebars.
pub fn truthy(v: &Value) -> bool {
    match v {
        Value::String(s) => {
            let t = s.trim();
            !(t.is_empty()
                || ["no", "false", "0", "n"]
                    .iter()
                    .any(|f| t.eq_ignore_ascii_case(f)))
        }
        other => other.is_truthy(false),
    }
}

struct IfHelper {
    positive: bool,
}

impl HelperDef for IfHelper {
    fn call<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        r: &'reg Handlebars<'reg>,
        ctx: &'rc Context,
        rc: &mut RenderContext<'reg, 'rc>,
        out: &mut dyn Output,
    ) -> HelperResult {
        let name = if self.positive { "if" } else { "unless" };
        let value = truthy(param(h, 0, name)?.value()) == self.positive;
        match if value { h.template() } else { h.inverse() } {
            Some(t) => t.render(r, ctx, rc, out),
            None => Ok(()),
        }
    }
}

/// `and`, `or`, `not` with the same spreadsheet truthiness as `if`, usable as
/// subexpressions (`{{#if (and member (not retired))}}`) and as blocks.
enum LogicHelper {
    And,
    Or,
    Not,
}

impl LogicHelper {
    fn name(&self) -> &'static str {
        match self {
            LogicHelper::And => "and",
            LogicHelper::Or => "or",
            LogicHelper::Not => "not",
        }
    }

    fn eval(&self, h: &Helper<'_>) -> Result<bool, RenderError> {
        let name = self.name();
        let first = truthy(param(h, 0, name)?.value());
        let mut rest = Vec::new();
        for i in 1..h.params().len() {
            rest.push(truthy(param(h, i, name)?.value()));
        }
        Ok(match self {
            LogicHelper::And => first && rest.iter().all(|&b| b),
            LogicHelper::Or => first || rest.iter().any(|&b| b),
            LogicHelper::Not => !first,
        })
    }
}

impl HelperDef for LogicHelper {
    fn call_inner<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        _: &'reg Handlebars<'reg>,
        _: &'rc Context,
        _: &mut RenderContext<'reg, 'rc>,
    ) -> Result<ScopedJson<'rc>, RenderError> {
        Ok(ScopedJson::Derived(Value::Bool(self.eval(h)?)))
    }

    fn call<'reg: 'rc, 'rc>(
        &self,
        h: &Helper<'rc>,
        r: &'reg Handlebars<'reg>,
        ctx: &'rc Context,
        rc: &mut RenderContext<'reg, 'rc>,
        out: &mut dyn Output,
    ) -> HelperResult {
        let value = self.eval(h)?;
        if !h.is_block() {
            return out
                .write(if value { "true" } else { "false" })
                .map_err(|e| RenderErrorReason::Other(e.to_string()).into());
        }
        match if value { h.template() } else { h.inverse() } {
            Some(t) => t.render(r, ctx, rc, out),
            None => Ok(()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::{long_us, ordinal, parse_date, title_case, truthy};
    use chrono::NaiveDate;
    use serde_json::json;

    #[test]
    fn dates_parse_in_common_forms() {
        let d = NaiveDate::from_ymd_opt(2026, 1, 12).unwrap();
        for s in [
            "2026-01-12",
            "01/12/2026",
            "1/12/26",
            "January 12, 2026",
            "Jan 12, 2026",
            "2026-01-12T09:30:00",
        ] {
            assert_eq!(parse_date(s), Some(d), "{s}");
        }
        assert_eq!(parse_date("13/45/2026"), None);
        assert_eq!(parse_date("soon"), None);
        assert_eq!(long_us(d), "January 12, 2026");
    }

    #[test]
    fn title_case_is_sensible_for_names() {
        assert_eq!(title_case("jane doe"), "Jane Doe");
        assert_eq!(title_case("MARY O'BRIEN"), "Mary O'Brien");
        assert_eq!(title_case("McAllister"), "McAllister");
        assert_eq!(title_case("mcallister"), "McAllister");
        assert_eq!(title_case("anne smith-jones"), "Anne Smith-Jones");
        assert_eq!(
            title_case("committee on ways and means"),
            "Committee on Ways and Means"
        );
        assert_eq!(title_case("the council"), "The Council");
        assert_eq!(title_case("don't stop"), "Don't Stop");
    }

    #[test]
    fn ordinals() {
        let cases = [
            (1, "1st"),
            (2, "2nd"),
            (3, "3rd"),
            (4, "4th"),
            (11, "11th"),
            (12, "12th"),
            (13, "13th"),
            (21, "21st"),
            (22, "22nd"),
            (101, "101st"),
            (111, "111th"),
            (113, "113th"),
        ];
        for (n, s) in cases {
            assert_eq!(ordinal(n), s);
        }
    }

    #[test]
    fn spreadsheet_truthiness() {
        for f in ["no", "No ", "FALSE", "0", "n", "", "  "] {
            assert!(!truthy(&json!(f)), "{f:?}");
        }
        for t in ["yes", "Y", "true", "1", "x"] {
            assert!(truthy(&json!(t)), "{t:?}");
        }
    }
}
