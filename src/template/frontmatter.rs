//! Splitting a template file into YAML front matter and body, and checking the front matter:
//! per-row Handlebars values, layout settings ([`Style`]) with paths resolved against the
//! template's folder, and errors that point at the user's line and say how to fix it.

use crate::style::Style;
use serde::de::{Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};
use std::fmt;
use std::path::{Path, PathBuf};

/// How deep the front matter's YAML may nest (mappings and lists). Its settings nest two
/// levels (`font:` then `size:`); 16 is generous, and the parser stops there instead of
/// recursing on a file of ten thousand `[`.
pub const MAX_FRONT_MATTER_DEPTH: usize = 16;
/// How many aliases (`*name`) the front matter may use. A template has no reason for more
/// than a few; a "billion laughs" file uses them to expand a few lines into gigabytes.
pub const MAX_FRONT_MATTER_ALIASES: usize = 100;
/// How many YAML events all aliases together may replay: a handful of reused settings is
/// a few hundred events; an alias bomb needs millions.
pub const MAX_ALIAS_REPLAYED_EVENTS: usize = 10_000;

/// The front matter's top level: its `key: value` pairs in file order (keys kept as YAML
/// gave them, so a non-text key can be reported), or something that is not a mapping.
enum TopLevel {
    Settings(Vec<(Value, Value)>),
    NotSettings,
}

impl<'de> Deserialize<'de> for TopLevel {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(TopVisitor)
    }
}

struct TopVisitor;

impl<'de> Visitor<'de> for TopVisitor {
    type Value = TopLevel;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("front matter settings")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<TopLevel, A::Error> {
        let mut out = Vec::new();
        while let Some((k, v)) = map.next_entry::<Value, Value>()? {
            out.push((k, v));
        }
        Ok(TopLevel::Settings(out))
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<TopLevel, A::Error> {
        while seq.next_element::<serde::de::IgnoredAny>()?.is_some() {}
        Ok(TopLevel::NotSettings)
    }

    fn visit_unit<E>(self) -> Result<TopLevel, E> {
        Ok(TopLevel::Settings(Vec::new()))
    }

    fn visit_none<E>(self) -> Result<TopLevel, E> {
        Ok(TopLevel::Settings(Vec::new()))
    }

    fn visit_bool<E>(self, _: bool) -> Result<TopLevel, E> {
        Ok(TopLevel::NotSettings)
    }

    fn visit_i64<E>(self, _: i64) -> Result<TopLevel, E> {
        Ok(TopLevel::NotSettings)
    }

    fn visit_u64<E>(self, _: u64) -> Result<TopLevel, E> {
        Ok(TopLevel::NotSettings)
    }

    fn visit_f64<E>(self, _: f64) -> Result<TopLevel, E> {
        Ok(TopLevel::NotSettings)
    }

    fn visit_str<E>(self, _: &str) -> Result<TopLevel, E> {
        Ok(TopLevel::NotSettings)
    }
}

/// The YAML reader's options: its budgets tightened to what a front matter needs, and
/// error text without a source snippet (the file line is given separately).
fn yaml_options() -> serde_saphyr::Options {
    let mut budget = serde_saphyr::Budget::default();
    budget.max_depth = MAX_FRONT_MATTER_DEPTH;
    budget.max_aliases = MAX_FRONT_MATTER_ALIASES;
    let mut options = serde_saphyr::Options::default();
    options.budget = Some(budget);
    options.alias_limits.max_total_replayed_events = MAX_ALIAS_REPLAYED_EVENTS;
    options.with_snippet = false;
    options
}

/// Front-matter keys whose values are Handlebars templates rendered for every row.
pub const ROW_KEYS: [&str; 12] = [
    "filename",
    "address",
    "date",
    "salutation",
    "closing",
    "to",
    "cc",
    "bcc",
    "reply_to",
    "from",
    "subject",
    "attachments",
];

/// Front-matter keys that are settings of the run, the same for every row, read here rather
/// than by the layout.
pub const RUN_KEYS: [&str; 1] = ["attachment_folders"];

/// Front-matter keys that are layout settings, the same for every row.
pub const STYLE_KEYS: [&str; 12] = [
    "page",
    "margins",
    "font",
    "letterhead",
    "signature",
    "enclosures",
    "copies",
    "window",
    "accent",
    "pdf_a",
    "tagged",
    "lang",
];

/// A mistake in the template file, at a line of the user's file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineError {
    pub line: usize,
    pub message: String,
    pub hint: Option<String>,
}

impl LineError {
    fn new(line: usize, message: impl Into<String>) -> Self {
        LineError {
            line,
            message: message.into(),
            hint: None,
        }
    }

    fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }
}

/// One per-row value from the front matter.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Field {
    pub key: &'static str,
    pub source: String,
    /// File line of the value's first line (the key's line for an inline value, the next
    /// line for a `|` block).
    pub line: usize,
    /// The value is a block (`|` or `>`), so a line inside it maps to `line + n - 1`.
    pub block: bool,
}

/// The checked template file.
#[derive(Debug, Clone)]
pub struct Parsed {
    pub fields: Vec<Field>,
    pub style: Style,
    pub body: String,
    /// File line number of the body's first line.
    pub body_first_line: usize,
    /// `attachment_folders`, resolved against the template's folder and canonical; empty
    /// when the front matter names none (then the template's folder is the one allowed).
    pub attachment_folders: Vec<PathBuf>,
}

/// Splits and checks `text`; `dir` is the template's folder, for resolving paths.
pub fn parse(text: &str, dir: &Path) -> Result<Parsed, LineError> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let lines: Vec<&str> = text.split_inclusive('\n').collect();
    let is_fence = |l: &str| l.trim_end() == "---";
    if lines.first().is_none_or(|l| !is_fence(l)) {
        return Ok(Parsed {
            fields: Vec::new(),
            style: Style::default(),
            body: text.to_string(),
            body_first_line: 1,
            attachment_folders: Vec::new(),
        });
    }
    let close = lines
        .iter()
        .skip(1)
        .position(|l| is_fence(l) || l.trim_end() == "...")
        .map(|i| i + 1)
        .ok_or_else(|| {
            LineError::new(
                1,
                "the front matter that starts here has no closing `---` line",
            )
            .hint("add a line with just `---` after the last setting, before the letter text")
        })?;
    let fm_lines = &lines[1..close];
    // File line of front-matter line index i is i + 2.
    check_unquoted_handlebars(fm_lines)?;
    let fm_text: String = fm_lines.concat();
    let top = if fm_text.trim().is_empty() {
        TopLevel::Settings(Vec::new())
    } else {
        serde_saphyr::from_str_with_options(&fm_text, yaml_options())
            .map_err(|e| yaml_error(&e, fm_lines))?
    };
    let TopLevel::Settings(mapping) = top else {
        return Err(
            LineError::new(2, "the front matter is not a list of settings")
                .hint("write one `key: value` per line, e.g. `subject: Welcome to the library`"),
        );
    };

    let key_lines = top_level_key_lines(fm_lines);
    let line_of = |key: &str| {
        key_lines
            .iter()
            .find(|(k, _)| k == key)
            .map_or(2, |(_, l)| *l)
    };
    let mut fields = Vec::new();
    let mut style_map = Map::new();
    let mut style_lines = Vec::new();
    let mut attachment_folders = Vec::new();
    for (k, v) in mapping {
        let Some(key) = k.as_str() else {
            return Err(LineError::new(2, "a front matter key is not a plain name")
                .hint(format!("valid keys are: {}", valid_keys())));
        };
        let line = line_of(key);
        if let Some(&row_key) = ROW_KEYS.iter().find(|&&r| r == key) {
            let source = match v {
                Value::Null => continue,
                Value::String(s) => s,
                Value::Number(n) => n.to_string(),
                Value::Bool(b) => b.to_string(),
                Value::Array(items) if row_key == "address" || row_key == "attachments" => {
                    let mut lines = Vec::new();
                    for item in items {
                        match item {
                            Value::String(s) => lines.push(s),
                            Value::Number(n) => lines.push(n.to_string()),
                            _ => return Err(not_text(key, line)),
                        }
                    }
                    lines.join("\n")
                }
                _ => return Err(not_text(key, line)),
            };
            let block = is_block_value(fm_lines, line);
            fields.push(Field {
                key: row_key,
                source,
                line: if block { line + 1 } else { line },
                block,
            });
        } else if key == "attachment_folders" {
            attachment_folders = folders(v, line, dir)?;
        } else if STYLE_KEYS.contains(&key) {
            style_lines.push((key.to_string(), line));
            style_map.insert(key.to_string(), v);
        } else {
            let mut hint = format!("valid keys are: {}", valid_keys());
            if let Some(near) = closest(key, all_keys()) {
                hint = format!("did you mean `{near}`? {hint}");
            }
            return Err(
                LineError::new(line, format!("`{key}` is not a front matter setting")).hint(hint),
            );
        }
    }
    let style = parse_style(style_map, &style_lines, dir)?;
    let body: String = lines[close + 1..].concat();
    Ok(Parsed {
        fields,
        style,
        body,
        body_first_line: close + 2,
        attachment_folders,
    })
}

fn all_keys() -> impl Iterator<Item = &'static str> {
    ROW_KEYS
        .iter()
        .chain(STYLE_KEYS.iter())
        .chain(RUN_KEYS.iter())
        .copied()
}

fn valid_keys() -> String {
    all_keys().collect::<Vec<_>>().join(", ")
}

/// `attachment_folders:` (one folder or a list): each resolved against the template's
/// folder, checked to be a folder, and made canonical.
fn folders(value: Value, line: usize, dir: &Path) -> Result<Vec<PathBuf>, LineError> {
    let hint = "write `attachment_folders:` followed by one `- folder` line per folder (relative \
                to the template's folder)";
    let items = match value {
        Value::Null => Vec::new(),
        Value::String(s) => vec![s],
        Value::Array(items) => items
            .into_iter()
            .map(|v| match v {
                Value::String(s) => Ok(s),
                _ => Err(
                    LineError::new(line, "`attachment_folders` must list folder paths").hint(hint),
                ),
            })
            .collect::<Result<_, _>>()?,
        _ => {
            return Err(
                LineError::new(line, "`attachment_folders` must list folder paths").hint(hint),
            )
        }
    };
    let mut out = Vec::with_capacity(items.len());
    for item in items {
        let full = resolve_path(Path::new(item.trim()), dir);
        match full.canonicalize() {
            Ok(c) if c.is_dir() => out.push(c),
            Ok(_) => {
                return Err(LineError::new(
                    line,
                    format!("`{item}` in `attachment_folders` is not a folder"),
                )
                .hint(hint))
            }
            Err(_) => {
                return Err(LineError::new(
                    line,
                    format!("the folder `{item}` in `attachment_folders` was not found"),
                )
                .hint(format!(
                    "paths are relative to the template's folder ({}); check the name",
                    display_dir(dir)
                )))
            }
        }
    }
    Ok(out)
}

fn not_text(key: &str, line: usize) -> LineError {
    LineError::new(line, format!("`{key}` must be text")).hint(format!(
        "write it on one line, e.g. `{key}: \"...\"`, or as a `|` block"
    ))
}

/// YAML reads `to: {{email}}` as a mapping; catch that before YAML gives a puzzling message.
fn check_unquoted_handlebars(fm_lines: &[&str]) -> Result<(), LineError> {
    let mut block_indent: Option<usize> = None;
    for (i, raw) in fm_lines.iter().enumerate() {
        let line = raw.trim_end_matches(['\n', '\r']);
        let trimmed = line.trim_start();
        let indent = line.len() - trimmed.len();
        if let Some(bi) = block_indent {
            if trimmed.is_empty() || indent > bi {
                continue;
            }
            block_indent = None;
        }
        if trimmed.starts_with('#') {
            continue;
        }
        let (label, value) = if let Some(rest) = trimmed.strip_prefix("- ") {
            ("- ".to_string(), rest.trim())
        } else if let Some((key, rest)) = trimmed.split_once(':') {
            if key.is_empty()
                || !key
                    .chars()
                    .all(|c| c.is_alphanumeric() || c == '_' || c == '-')
            {
                continue;
            }
            (format!("{key}: "), rest.trim())
        } else {
            continue;
        };
        if value.starts_with("{{") {
            let quoted = if value.contains('"') {
                format!("'{}'", value.replace('\'', "''"))
            } else {
                format!("\"{value}\"")
            };
            let what = label.trim_end_matches([':', ' ', '-']);
            let message = if what.is_empty() {
                "this list item starts with `{{`, which YAML reads as the start of a mapping"
                    .to_string()
            } else {
                format!("the value of `{what}` starts with `{{{{`, which YAML reads as the start of a mapping")
            };
            return Err(LineError::new(i + 2, message).hint(format!(
                "quote the value: {}{quoted}",
                " ".repeat(indent) + &label
            )));
        }
        if value.starts_with('|') || value.starts_with('>') {
            block_indent = Some(indent);
        }
    }
    Ok(())
}

fn yaml_error(e: &serde_saphyr::Error, fm_lines: &[&str]) -> LineError {
    // The reader counts lines from 1 at the first front-matter line (file line 2).
    let line = e
        .location()
        .map_or(2, |l| {
            usize::try_from(l.line())
                .unwrap_or(usize::MAX)
                .saturating_add(1)
        })
        .clamp(2, fm_lines.len() + 1);
    let mut message = e.without_snippet().to_string();
    // The reader may append "at line N column M"; the file line is given separately.
    if let Some(i) = message.find(" at line ") {
        message.truncate(i);
    }
    let message = message.trim_end_matches(['.', ' ', '\n']).to_string();
    let lower = message.to_lowercase();
    if lower.contains("alias") {
        return LineError::new(
            line,
            format!(
                "the front matter expands its aliases (`*name`) past the limit of {MAX_FRONT_MATTER_ALIASES} aliases and {MAX_ALIAS_REPLAYED_EVENTS} repeated YAML items ({message})"
            ),
        )
        .hint("write the settings out instead of repeating them through `&anchor` and `*alias`");
    }
    if lower.contains("recursion limit") || lower.contains("depth") || lower.contains("nesting") {
        return LineError::new(
            line,
            format!(
                "the front matter nests lists and settings more than {MAX_FRONT_MATTER_DEPTH} deep (the limit)"
            ),
        )
        .hint("settings nest two levels, like `font:` then `  size: 11`; check the brackets on this line");
    }
    if let Some(key) = message.strip_prefix("duplicate mapping key: ") {
        let key = key.split(',').next().unwrap_or(key).trim();
        return LineError::new(line, format!("`{key}` is set twice in the front matter"))
            .hint("keep one of the two lines");
    }
    LineError::new(line, format!("the front matter is not valid YAML: {message}")).hint(
        "write one `key: value` per line, indent nested settings with spaces (not tabs), and put quotes around values that contain `: ` or start with `{`, `[`, `*`, `&`, `!`, `%`, `@` or a quote",
    )
}

/// (key, file line) for every top-level `key:` line.
fn top_level_key_lines(fm_lines: &[&str]) -> Vec<(String, usize)> {
    let mut out = Vec::new();
    for (i, line) in fm_lines.iter().enumerate() {
        if line.starts_with([' ', '\t', '#', '-']) {
            continue;
        }
        if let Some((key, _)) = line.split_once(':') {
            let key = key.trim().trim_matches(['"', '\'']);
            if !key.is_empty() {
                out.push((key.to_string(), i + 2));
            }
        }
    }
    out
}

fn is_block_value(fm_lines: &[&str], file_line: usize) -> bool {
    fm_lines
        .get(file_line.wrapping_sub(2))
        .and_then(|l| l.split_once(':'))
        .is_some_and(|(_, v)| v.trim_start().starts_with(['|', '>']))
}

fn parse_style(
    map: Map<String, Value>,
    lines: &[(String, usize)],
    dir: &Path,
) -> Result<Style, LineError> {
    // Deserialize key by key first, so a mistake is reported at its own line.
    for (key, line) in lines {
        let mut one = Map::new();
        if let Some(v) = map.get(key) {
            one.insert(key.clone(), v.clone());
        }
        if let Err(e) = serde_json::from_value::<Style>(Value::Object(one)) {
            return Err(LineError::new(*line, format!("`{key}`: {e}")).hint(style_hint(key)));
        }
    }
    let mut style: Style = serde_json::from_value(Value::Object(map))
        .map_err(|e| LineError::new(2, format!("the layout settings are not valid: {e}")))?;
    let line_of = |key: &str| lines.iter().find(|(k, _)| k == key).map_or(2, |(_, l)| *l);
    style
        .validate()
        .map_err(|e| LineError::new(line_of(e.key), e.message).hint(style_hint(e.key)))?;
    let font_line = line_of("font");
    for (name, path) in [
        ("font.regular", &mut style.font.regular),
        ("font.bold", &mut style.font.bold),
        ("font.italic", &mut style.font.italic),
        ("font.bold_italic", &mut style.font.bold_italic),
    ] {
        resolve(path, name, font_line, dir)?;
    }
    if let Some(lh) = &mut style.letterhead {
        resolve(&mut lh.logo, "letterhead.logo", line_of("letterhead"), dir)?;
    }
    if let Some(sig) = &mut style.signature {
        resolve(&mut sig.image, "signature.image", line_of("signature"), dir)?;
    }
    Ok(style)
}

fn resolve(
    path: &mut Option<PathBuf>,
    name: &str,
    line: usize,
    dir: &Path,
) -> Result<(), LineError> {
    let Some(p) = path.as_mut() else {
        return Ok(());
    };
    let full = resolve_path(p, dir);
    match std::fs::metadata(&full) {
        Ok(meta) if meta.is_file() => {}
        Ok(_) => {
            return Err(LineError::new(
                line,
                format!(
                    "`{}` given as `{name}` is not an ordinary file (it is a folder, a device or a pipe)",
                    p.display()
                ),
            )
            .hint("give the path of a font or image file"))
        }
        Err(_) => {
            return Err(LineError::new(
                line,
                format!("the file `{}` given as `{name}` was not found", p.display()),
            )
            .hint(format!(
                "paths are relative to the template's folder ({}); check the name and that the file is there",
                display_dir(dir)
            )))
        }
    }
    *p = full;
    Ok(())
}

/// `p` relative to `dir` unless it is absolute.
pub fn resolve_path(p: &Path, dir: &Path) -> PathBuf {
    if p.is_absolute() || dir.as_os_str().is_empty() {
        p.to_path_buf()
    } else {
        dir.join(p)
    }
}

fn display_dir(dir: &Path) -> String {
    if dir.as_os_str().is_empty() {
        ".".to_string()
    } else {
        dir.display().to_string()
    }
}

fn style_hint(key: &str) -> String {
    match key {
        "page" => "write `page: letter` or `page: a4`".into(),
        "margins" => "write e.g. `margins: {top: 1in, left: 25mm}` (top, right, bottom, left)".into(),
        "font" => "font settings are: family, regular, bold, italic, bold_italic, size, line_height, paragraph_spacing, justify, hyphenate".into(),
        "letterhead" => "letterhead settings are: name, lines, logo, logo_alt, logo_height, return_address".into(),
        "signature" => "signature settings are: image, height, name, lines".into(),
        "enclosures" | "copies" => format!("write `{key}:` followed by one `- item` line per entry"),
        "window" => "write `window: true` or `window: false`".into(),
        "pdf_a" => "write `pdf_a: true` for archival PDF/A-2b files, or `pdf_a: false`".into(),
        "tagged" => "write `tagged: true` (the default: an accessible PDF/UA file) or `tagged: false`".into(),
        "lang" => "write the letter's language as a BCP 47 tag, e.g. `lang: en-US`".into(),
        "accent" => "write the colour as `accent: \"#1b4f72\"` (quoted, because YAML treats # as a comment)".into(),
        _ => format!("valid layout keys are: {}", STYLE_KEYS.join(", ")),
    }
}

/// The candidate within edit distance 2 of `word`, if any (for "did you mean").
pub fn closest<'a>(word: &str, candidates: impl Iterator<Item = &'a str>) -> Option<&'a str> {
    let word = word.to_lowercase();
    candidates
        .map(|c| (edit_distance(&word, &c.to_lowercase()), c))
        .filter(|(d, _)| *d <= 2)
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| c)
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1; b.len() + 1];
        for (j, &cb) in b.iter().enumerate() {
            let cost = usize::from(ca != cb);
            cur[j + 1] = (prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1);
        }
        prev = cur;
    }
    prev[b.len()]
}

#[cfg(test)]
mod tests {
    use super::{closest, parse};
    use crate::style::PageSize;
    use std::path::Path;

    #[test]
    fn splits_front_matter_and_body() {
        let p = parse(
            "---\nto: \"{{email}}\"\naddress: |\n  {{name}}\n  {{street}}\npage: a4\n---\nDear {{name}},\n",
            Path::new(""),
        )
        .unwrap();
        assert_eq!(p.body, "Dear {{name}},\n");
        assert_eq!(p.body_first_line, 8);
        assert_eq!(p.style.page, PageSize::A4);
        assert_eq!(p.fields[0].key, "to");
        assert_eq!(p.fields[0].source, "{{email}}");
        assert_eq!(p.fields[0].line, 2);
        assert_eq!(p.fields[1].key, "address");
        assert_eq!(p.fields[1].source, "{{name}}\n{{street}}\n");
        assert_eq!((p.fields[1].line, p.fields[1].block), (4, true));
    }

    #[test]
    fn no_front_matter_is_all_body() {
        let p = parse("Hello\n---\n", Path::new("")).unwrap();
        assert_eq!(p.body, "Hello\n---\n");
        assert_eq!(p.body_first_line, 1);
    }

    #[test]
    fn unquoted_handlebars_gets_a_quote_hint() {
        let e = parse("---\nsubject: Hi\nto: {{email}}\n---\nx", Path::new("")).unwrap_err();
        assert_eq!(e.line, 3);
        assert!(e.message.contains("`to` starts with `{{`"), "{}", e.message);
        assert_eq!(
            e.hint.as_deref(),
            Some("quote the value: to: \"{{email}}\"")
        );
        // Inside a `|` block it is fine.
        assert!(parse("---\naddress: |\n  {{name}}\n---\nx", Path::new("")).is_ok());
    }

    #[test]
    fn unknown_key_names_line_and_valid_keys() {
        let e = parse("---\nto: a@b.c\nadress: x\n---\n", Path::new("")).unwrap_err();
        assert_eq!(e.line, 3);
        assert_eq!(e.message, "`adress` is not a front matter setting");
        let hint = e.hint.unwrap();
        assert!(
            hint.starts_with("did you mean `address`? valid keys are: filename, address"),
            "{hint}"
        );
    }

    #[test]
    fn missing_closing_fence() {
        let e = parse("---\nto: a@b.c\nDear all\n", Path::new("")).unwrap_err();
        assert_eq!(e.line, 1);
        assert!(e.message.contains("no closing `---`"));
    }

    #[test]
    fn yaml_mistakes_point_at_the_file_line() {
        let e = parse(
            "---\nto: a\nsubject: \"unclosed\n---\nbody\n",
            Path::new(""),
        )
        .unwrap_err();
        assert!(e.line >= 3 && e.line <= 4, "{e:?}");
        assert!(e.message.starts_with("the front matter is not valid YAML"));
        assert!(!e.message.contains(" at line "));
    }

    #[test]
    fn alias_bombs_and_deep_nesting_are_refused() {
        let mut bomb = String::from("---\nsubject: hi\na: &a [x,x,x,x,x,x,x,x,x,x]\n");
        for (i, c) in "bcdefghij".chars().enumerate() {
            let prev = (b'a' + i as u8) as char;
            bomb.push_str(&format!(
                "{c}: &{c} [{}]\n",
                vec![format!("*{prev}"); 10].join(",")
            ));
        }
        bomb.push_str("---\nbody\n");
        let e = parse(&bomb, Path::new("")).unwrap_err();
        assert!(
            e.message.contains("past the limit of 100 aliases"),
            "{}",
            e.message
        );
        assert!(e.line >= 4 && e.line <= 12, "{e:?}");
        let deep = format!("---\nsubject: hi\nfont: {}\n---\n", "[".repeat(5000));
        let e = parse(&deep, Path::new("")).unwrap_err();
        assert_eq!(e.line, 3);
        assert!(
            e.message.contains("more than 16 deep (the limit)"),
            "{}",
            e.message
        );
        let at_limit = format!("---\ncopies: {}x{}\n---\n", "[".repeat(15), "]".repeat(15));
        let e = parse(&at_limit, Path::new("")).unwrap_err();
        assert!(!e.message.contains("deep"), "{}", e.message);
    }

    #[test]
    fn yaml_errors_name_their_line_and_twice_set_keys() {
        let e = parse("---\nsubject: hi\nto: x\nsubject: y\n---\n", Path::new("")).unwrap_err();
        assert_eq!(e.line, 4);
        assert_eq!(e.message, "`subject` is set twice in the front matter");
        let e = parse("---\nsubject: hi\nfont:\n\tsize: 3\n---\n", Path::new("")).unwrap_err();
        assert_eq!(e.line, 4);
        assert!(e.message.contains("tabs"), "{}", e.message);
        let e = parse("---\nfont:\n  size: .nan\n---\n", Path::new("")).unwrap_err();
        assert_eq!(e.line, 3);
        let e = parse("---\nfont:\n  size: 0\n---\n", Path::new("")).unwrap_err();
        assert_eq!(e.line, 2);
        assert!(
            e.message
                .starts_with("`font.size` is 0, but it must be between 4 and 72"),
            "{}",
            e.message
        );
    }

    #[test]
    fn style_errors_point_at_their_key() {
        let e = parse("---\nto: x\npage: legal\n---\n", Path::new("")).unwrap_err();
        assert_eq!(e.line, 3);
        assert!(e.message.starts_with("`page`"), "{}", e.message);
        assert_eq!(
            e.hint.as_deref(),
            Some("write `page: letter` or `page: a4`")
        );
        let e = parse("---\nmargins:\n  lft: 1in\n---\n", Path::new("")).unwrap_err();
        assert_eq!(e.line, 2);
    }

    #[test]
    fn style_paths_resolve_against_the_template_folder() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("sig.png"), b"png").unwrap();
        std::fs::write(dir.path().join("logo.png"), b"png").unwrap();
        let p = parse(
            "---\nsignature:\n  image: sig.png\n  name: Pat Lee\nletterhead:\n  name: Friends\n  logo: logo.png\n---\n",
            dir.path(),
        )
        .unwrap();
        assert_eq!(
            p.style.signature.unwrap().image.unwrap(),
            dir.path().join("sig.png")
        );
        assert_eq!(
            p.style.letterhead.unwrap().logo.unwrap(),
            dir.path().join("logo.png")
        );
        let e = parse("---\nfont:\n  regular: missing.ttf\n---\n", dir.path()).unwrap_err();
        assert_eq!(e.line, 2);
        assert!(e
            .message
            .contains("`missing.ttf` given as `font.regular` was not found"));
    }

    #[test]
    fn attachments_are_a_row_value_and_their_folders_resolve() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("reports")).unwrap();
        let p = parse(
            "---\nattachments:\n  - \"reports/{{district}}.pdf\"\n  - invite.ics\nattachment_folders: [reports]\n---\n",
            dir.path(),
        )
        .unwrap();
        assert_eq!(p.fields[0].key, "attachments");
        assert_eq!(p.fields[0].source, "reports/{{district}}.pdf\ninvite.ics");
        assert_eq!(
            p.attachment_folders,
            [dir.path().join("reports").canonicalize().unwrap()]
        );
        let e = parse("---\nto: x\nattachment_folders: [nope]\n---\n", dir.path()).unwrap_err();
        assert_eq!(e.line, 3);
        assert!(e.message.contains("the folder `nope`"), "{}", e.message);
        let e = parse("---\nattachment_folder: x\n---\n", dir.path()).unwrap_err();
        assert!(
            e.hint
                .unwrap()
                .starts_with("did you mean `attachment_folders`?"),
            "{}",
            e.message
        );
    }

    #[test]
    fn did_you_mean() {
        assert_eq!(
            closest("emial", ["name", "email"].into_iter()),
            Some("email")
        );
        assert_eq!(closest("zzzzzz", ["name", "email"].into_iter()), None);
    }
}
