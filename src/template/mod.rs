//! The user's letter template: YAML front matter whose values are Handlebars templates, then
//! a Handlebars body that is Markdown. Renders one record into a [`crate::letter::Letter`].
//!
//! Everything that does not depend on the row (YAML, style, Handlebars compilation) happens
//! once in [`Template::load`]; [`Template::render`] only fills in values and parses the
//! resulting Markdown. Data values are literal text: front-matter values get no escaping
//! (they are plain text, not Markdown), the body escapes every value for Markdown and treats
//! `{{{x}}}` like `{{x}}`.

mod address;
mod columns;
mod escape;
pub mod forms;
mod frontmatter;
mod helpers;
pub mod markdown;
mod missing;
pub mod nesting;
mod warnings;

pub use self::frontmatter::{ROW_KEYS, STYLE_KEYS};
pub use self::missing::{MissingColumns, MissingField};

use self::forms::OfficeTable;
use self::frontmatter::{Field, LineError};
use self::helpers::HelperProblem;
use crate::input_file::{read_bounded_text, InputError};
use crate::letter::{EmailHeaders, Letter};
use crate::problem::Problem;
use crate::records::{Headers, Record};
use crate::style::Style;
use chrono::NaiveDate;
use handlebars::{Context, Handlebars, RenderError, RenderErrorReason};
use serde_json::{Map, Value};
use std::borrow::Cow;
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;

const BODY: &str = "body";

/// The largest template file. A letter template is a few KiB; 1 MiB is hundreds of pages of
/// text. The whole file is held in memory and parsed several times (YAML, Handlebars,
/// Markdown), so a wrong path (a log file, a disk image, `/dev/zero`) is refused up front.
pub const MAX_TEMPLATE_BYTES: u64 = 1 << 20;

/// A mistake in the template file itself. Displays as `welcome.md:14: message` with the line
/// in the user's file, plus `\n  hint: ...`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateError {
    pub file: String,
    pub line: Option<usize>,
    pub message: String,
    pub hint: Option<String>,
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{line}: {}", self.file, self.message)?,
            None => write!(f, "{}: {}", self.file, self.message)?,
        }
        if let Some(hint) = &self.hint {
            write!(f, "\n  hint: {hint}")?;
        }
        Ok(())
    }
}

impl std::error::Error for TemplateError {}

/// A loaded, checked and compiled letter template.
pub struct Template {
    path: PathBuf,
    /// File name for messages, e.g. `welcome.md`.
    name: String,
    dir: PathBuf,
    style: Style,
    /// Front-matter values: plain text, no escaping.
    plain: Handlebars<'static>,
    /// The body: every value escaped for Markdown.
    body: Handlebars<'static>,
    fields: Vec<Field>,
    body_offset: usize,
    /// Today's date as the default `date` line, formatted once.
    today_text: String,
    /// `attachment_folders`, canonical; empty for the template's folder.
    attachment_folders: Vec<PathBuf>,
}

impl fmt::Debug for Template {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Template")
            .field("path", &self.path)
            .field("style", &self.style)
            .field("fields", &self.fields)
            .finish_non_exhaustive()
    }
}

impl Template {
    /// Reads, checks and compiles the template file, with the built-in table of offices.
    pub fn load(path: &Path) -> Result<Template, TemplateError> {
        Template::load_with(path, &OfficeTable::built_in())
    }

    /// Reads, checks and compiles the template file; the forms-of-address helpers read
    /// `offices` (the built-in table plus the config file's `[offices]`).
    pub fn load_with(path: &Path, offices: &OfficeTable) -> Result<Template, TemplateError> {
        let name = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        let err = |line: Option<usize>, message: String, hint: Option<String>| TemplateError {
            file: name.clone(),
            line,
            message,
            hint,
        };
        let text =
            read_bounded_text(path, MAX_TEMPLATE_BYTES, "a template").map_err(|e| match e {
                InputError::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound => {
                    err(
                        None,
                        format!("the template {} was not found", path.display()),
                        Some("check the file name and the folder you run lettermerge from".into()),
                    )
                }
                InputError::Io { source, .. }
                    if source.kind() == std::io::ErrorKind::InvalidData =>
                {
                    err(
                        None,
                        "the template is not UTF-8 text".into(),
                        Some("save it as UTF-8 in your editor".into()),
                    )
                }
                other => err(None, format!("could not read the template: {other}"), None),
            })?;
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Template::from_text(&text, &name, path, &dir, helpers::today(), offices)
    }

    /// Checks and compiles a template given as text, as [`Template::load`] does for a file
    /// (`name` is the file name for messages, `dir` the folder paths are relative to), with
    /// the built-in table of offices. The entry point for fuzzing and for callers that hold
    /// the text already.
    pub fn parse(text: &str, name: &str, dir: &Path) -> Result<Template, TemplateError> {
        let path = dir.join(name);
        Template::from_text(
            text,
            name,
            &path,
            dir,
            helpers::today(),
            &OfficeTable::built_in(),
        )
    }

    /// Checks and compiles template text held in memory (the studio's unsaved editor) as if
    /// it were the file at `path`: messages name that file, and paths in it (logo, fonts,
    /// images) are relative to its folder.
    pub fn from_text_at(
        text: &str,
        path: &Path,
        offices: &OfficeTable,
    ) -> Result<Template, TemplateError> {
        let name = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        if text.len() as u64 > MAX_TEMPLATE_BYTES {
            return Err(TemplateError {
                file: name,
                line: None,
                message: format!(
                    "the template is larger than the {} KiB a template may be",
                    MAX_TEMPLATE_BYTES / 1024
                ),
                hint: Some("a letter template is a few KiB: remove what is not the letter".into()),
            });
        }
        let dir = path.parent().map(Path::to_path_buf).unwrap_or_default();
        Template::from_text(text, &name, path, &dir, helpers::today(), offices)
    }

    fn from_text(
        text: &str,
        name: &str,
        path: &Path,
        dir: &Path,
        today: NaiveDate,
        offices: &OfficeTable,
    ) -> Result<Template, TemplateError> {
        let offices = Arc::new(offices.clone());
        let line_err = |e: LineError| TemplateError {
            file: name.to_string(),
            line: Some(e.line),
            message: e.message,
            hint: e.hint,
        };
        let parsed = frontmatter::parse(text, dir).map_err(line_err)?;
        let offset = parsed.body_first_line - 1;
        let mut plain = registry(today, &offices);
        plain.register_escape_fn(handlebars::no_escape);
        let mut body = registry(today, &offices);
        body.register_escape_fn(escape::markdown);

        let compile_err = |e: handlebars::TemplateError,
                           source: &str,
                           to_file_line: &dyn Fn(usize) -> usize| {
            if let Some((line, helper)) = unclosed_block(source) {
                return TemplateError {
                    file: name.to_string(),
                    line: Some(to_file_line(line)),
                    message: format!("`{{{{#{helper}}}}}` is opened here but never closed"),
                    hint: Some(format!(
                        "add `{{{{/{helper}}}}}` where this part of the letter ends"
                    )),
                };
            }
            let line = unterminated_tag(source)
                .or_else(|| e.pos().map(|(l, _)| l))
                .map(to_file_line);
            let message = match e.reason() {
                // The parser's own message lists grammar rule names; say it in words.
                handlebars::TemplateErrorReason::InvalidSyntax(_) => {
                    "a `{{ }}` tag on this line is not valid Handlebars (or a block opened earlier is never closed)".to_string()
                }
                other => format!("the Handlebars in the template is not valid: {other}"),
            };
            TemplateError {
                file: name.to_string(),
                line,
                message,
                hint: Some(
                    "check that every `{{` has its `}}` and every `{{#if ...}}` its `{{/if}}`"
                        .into(),
                ),
            }
        };
        let nest_err = |e: nesting::NestError, file_line: usize| TemplateError {
            file: name.to_string(),
            line: Some(file_line),
            message: e.message,
            hint: Some(e.hint),
        };
        for field in &parsed.fields {
            nesting::check_raw(&field.source)
                .map_err(|e| nest_err(e.clone(), field_line(field, e.line)))?;
        }
        nesting::check_raw(&parsed.body).map_err(|e| nest_err(e.clone(), e.line + offset))?;
        for field in &parsed.fields {
            let compiled =
                handlebars::Template::compile_with_name(&field.source, field.key.to_string())
                    .map_err(|e| compile_err(e, &field.source, &|l| field_line(field, l)))?;
            plain.register_template(field.key, compiled);
        }
        markdown::check_body(&parsed.body).map_err(|(line, e)| TemplateError {
            file: name.to_string(),
            line: Some(line + offset),
            message: e.message,
            hint: Some(e.hint),
        })?;
        let mut compiled = handlebars::Template::compile_with_name(&parsed.body, BODY.to_string())
            .map_err(|e| compile_err(e, &parsed.body, &|l| l + offset))?;
        escape::neutralise_triple_stash(&mut compiled);
        {
            // Front-matter values share one registry (they can include each other as
            // partials); the body has its own.
            let mut sources: Vec<(usize, &str, &handlebars::Template)> = Vec::new();
            for field in &parsed.fields {
                if let Some(t) = plain.get_template(field.key) {
                    sources.push((0, field.key, t));
                }
            }
            sources.push((1, BODY, &compiled));
            nesting::check_compiled(&sources).map_err(|e| {
                let line = match parsed.fields.get(e.source) {
                    Some(field) if e.source < sources.len() - 1 => field_line(field, e.line),
                    _ => e.line + offset,
                };
                nest_err(e, line)
            })?;
        }
        body.register_template(BODY, compiled);

        Ok(Template {
            path: path.to_path_buf(),
            name: name.to_string(),
            dir: dir.to_path_buf(),
            style: parsed.style,
            plain,
            body,
            fields: parsed.fields,
            body_offset: offset,
            today_text: helpers::long_us(today),
            attachment_folders: parsed.attachment_folders,
        })
    }

    /// Where the rows' `attachments` may come from: relative to the template's folder, and
    /// inside `attachment_folders` (the template's folder when it names none).
    pub fn attachment_rules(&self) -> crate::attachments::Rules {
        let allowed = if self.attachment_folders.is_empty() {
            let base = if self.dir.as_os_str().is_empty() {
                Path::new(".")
            } else {
                &self.dir
            };
            base.canonicalize().into_iter().collect()
        } else {
            self.attachment_folders.clone()
        };
        crate::attachments::Rules {
            base: self.dir.clone(),
            allowed,
            seen: None,
        }
    }

    /// Whether the template names per-row attachments.
    pub fn has_attachments(&self) -> bool {
        self.has(crate::attachments::KEY)
    }

    /// The layout settings, paths already resolved against the template's folder.
    pub fn style(&self) -> &Style {
        &self.style
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Whether the front matter sets `filename` (else the caller names files itself).
    pub fn has_filename(&self) -> bool {
        self.has("filename")
    }

    /// Whether the template is meant for email too: it has a `to` value.
    pub fn has_recipient(&self) -> bool {
        self.has("to")
    }

    fn has(&self, key: &str) -> bool {
        self.fields.iter().any(|f| f.key == key)
    }

    /// Checks every column name the template uses (in every branch, front matter and body)
    /// against the data's header, once: the fields the data has no column for, each with
    /// the line that first uses it.
    pub fn check_columns(&self, headers: &Headers) -> MissingColumns {
        let mut missing = MissingColumns::new(&self.name, headers);
        let mut seen: Vec<String> = Vec::new();
        let mut check = |template: Option<&handlebars::Template>,
                         to_line: &dyn Fn(usize) -> usize| {
            for u in template.map(columns::uses).unwrap_or_default() {
                if headers.index_of(&u.name).is_some() || seen.contains(&u.name) {
                    continue;
                }
                seen.push(u.name.clone());
                missing.push(&u.name, to_line(u.line), headers);
            }
        };
        for field in &self.fields {
            check(self.plain.get_template(field.key), &|l| {
                field_line(field, l)
            });
        }
        check(self.body.get_template(BODY), &|l| l + self.body_offset);
        missing
    }

    /// Every data name the template uses (front matter and body), each once, in order.
    pub fn used_names(&self) -> Vec<String> {
        let mut names: Vec<String> = Vec::new();
        let templates = self
            .fields
            .iter()
            .filter_map(|f| self.plain.get_template(f.key))
            .chain(self.body.get_template(BODY));
        for t in templates {
            for u in columns::uses(t) {
                if !names.contains(&u.name) {
                    names.push(u.name);
                }
            }
        }
        names
    }

    /// The columns the template prints without testing them anywhere (front matter and
    /// body): an empty cell there leaves a gap in the letter. See [`columns::printed`].
    pub fn printed_columns(&self) -> Vec<String> {
        let mut templates: Vec<(&handlebars::Template, bool)> = self
            .fields
            .iter()
            // Neither is printed: an empty file name falls back to the row number, an empty
            // `attachments` cell means no files.
            .filter(|f| f.key != "filename" && f.key != crate::attachments::KEY)
            .filter_map(|f| Some((self.plain.get_template(f.key)?, f.key == "address")))
            .collect();
        templates.extend(self.body.get_template(BODY).map(|t| (t, false)));
        columns::printed(&templates)
    }

    /// Fills in the template for one row. What a helper warns about while it runs (an
    /// address it could not split with confidence) is on the letter's `warnings`.
    pub fn render(&self, record: &Record) -> Result<Letter, Problem> {
        self.render_located(record).map_err(|(problem, _)| problem)
    }

    /// [`Template::render`], with the line of the template file a failure comes from (when
    /// Handlebars knows it), for an editor that points at it.
    pub fn render_located(&self, record: &Record) -> Result<Letter, (Problem, Option<usize>)> {
        let (letter, raised) = warnings::collect(|| self.fill_in(record));
        let mut letter = letter?;
        letter.warnings = raised.into_iter().map(|w| w.at_row(record.row)).collect();
        Ok(letter)
    }

    fn fill_in(&self, record: &Record) -> Result<Letter, (Problem, Option<usize>)> {
        let ctx = context(record);
        let raw = |key: &str| -> Result<Option<Cow<'_, str>>, (Problem, Option<usize>)> {
            match self.fields.iter().find(|f| f.key == key) {
                None => Ok(None),
                // No `{{` in it: the value is the same for every row.
                Some(f) if !f.source.contains("{{") => Ok(Some(Cow::Borrowed(f.source.as_str()))),
                Some(_) => self
                    .plain
                    .render_with_context(key, &ctx)
                    .map(|text| Some(Cow::Owned(text)))
                    .map_err(|e| self.render_problem(&e, record)),
            }
        };
        let field = |key: &str| -> Result<Option<String>, (Problem, Option<usize>)> {
            Ok(raw(key)?.and_then(|text| single_line(&text)))
        };
        let address = if let Some(text) = raw("address")? {
            text.lines()
                .map(str::trim)
                .filter(|l| !l.is_empty())
                .map(str::to_string)
                .collect()
        } else {
            Vec::new()
        };
        let date = if self.has("date") {
            field("date")?
        } else {
            Some(self.today_text.clone())
        };
        let closing = if self.has("closing") {
            field("closing")?
        } else {
            Some("Sincerely,".to_string())
        };
        let markdown = self
            .body
            .render_with_context(BODY, &ctx)
            .map_err(|e| self.render_problem(&e, record))?;
        let body = markdown::to_blocks(&markdown, &self.dir).map_err(|e| {
            let problem = Problem::error(e.message)
                .at_row(record.row)
                .with_hint(format!("{} (template {})", e.hint, self.name));
            (problem, None)
        })?;
        Ok(Letter {
            row: record.row,
            filename: field("filename")?,
            address,
            date,
            salutation: field("salutation")?,
            body,
            closing,
            email: EmailHeaders {
                to: field("to")?,
                cc: field("cc")?,
                bcc: field("bcc")?,
                reply_to: field("reply_to")?,
                from: field("from")?,
                subject: field("subject")?,
                attachments: raw("attachments")?
                    .map(|text| crate::attachments::split(&text))
                    .unwrap_or_default(),
            },
            warnings: Vec::new(),
        })
    }

    /// The line in the user's file for a Handlebars error position.
    fn file_line(&self, template: Option<&str>, line: Option<usize>) -> Option<usize> {
        match template {
            Some(BODY) => line.map(|l| l + self.body_offset),
            Some(key) => {
                let field = self.fields.iter().find(|f| f.key == key)?;
                Some(field_line(field, line.unwrap_or(1)))
            }
            None => None,
        }
    }

    fn render_problem(&self, e: &RenderError, record: &Record) -> (Problem, Option<usize>) {
        let line = self.file_line(e.template_name.as_deref(), e.line_no);
        (self.render_problem_at(e, record, line), line)
    }

    fn render_problem_at(&self, e: &RenderError, record: &Record, line: Option<usize>) -> Problem {
        let place = match line {
            Some(l) => format!("template {} line {l}", self.name),
            None => format!("template {}", self.name),
        };
        match e.reason() {
            RenderErrorReason::MissingVariable(None) => {
                Problem::error("the template asks for a value this row does not have")
                    .at_row(record.row)
                    .with_hint(format!(
                        "check the names used in {place}; the columns are: {}",
                        record.headers().names.join(", ")
                    ))
            }
            RenderErrorReason::MissingVariable(Some(path)) => {
                let col = helpers::column_name(path);
                let headers = record.headers();
                if headers.index_of(&col).is_some() {
                    // The column exists but was used as a list or object (`{{#each}}`).
                    return Problem::error(format!(
                        "the template uses column `{col}` as a list, but values from the data are text"
                    ))
                    .at_row(record.row)
                    .in_column(col.clone())
                    .with_hint(format!("use `{{{{{col}}}}}` on its own or inside `{{{{#if}}}}` ({place})"));
                }
                missing_column(&col, headers, &place).at_row(record.row)
            }
            RenderErrorReason::PartialNotFound(p) => Problem::error(format!(
                "the template includes `{{{{> {p}}}}}`, but lettermerge templates have no partials"
            ))
            .at_row(record.row)
            .with_hint(format!("put the text into the template itself ({place})")),
            RenderErrorReason::NestedError(inner) => {
                match inner.downcast_ref::<HelperProblem>() {
                    Some(hp) => {
                        let mut p = Problem::error(hp.message.clone()).at_row(record.row);
                        if let Some(c) = &hp.column {
                            p = p.in_column(c.clone());
                        }
                        if let Some(g) = &hp.group {
                            p = p.grouped_as(g.clone());
                        }
                        let hint = match &hp.hint {
                            Some(h) => format!("{h} ({place})"),
                            None => format!("see {place}"),
                        };
                        p.with_hint(hint)
                    }
                    None => Problem::error(format!("the template could not be filled in: {inner}"))
                        .at_row(record.row)
                        .with_hint(format!("see {place}")),
                }
            }
            RenderErrorReason::Other(message) => Problem::error(message.clone())
                .at_row(record.row)
                .with_hint(format!("see {place}")),
            RenderErrorReason::HelperNotFound(h) => Problem::error(format!(
                "the template uses a helper `{h}` that does not exist"
            ))
            .at_row(record.row)
            .with_hint(format!(
                "fix {place}; the helpers are: date, upper, lower, title, ordinal, default, honorific, salutation, formal_name, address_block, address_lines, if, unless, each, with, eq, ne, and, or, not"
            )),
            other => Problem::error(format!("the template could not be filled in: {other}"))
                .at_row(record.row)
                .with_hint(format!("see {place}")),
        }
    }
}

/// "the template uses `{{emial}}` but the data has no column `emial`", with a hint that
/// names the template line, the column it almost certainly means and all columns.
fn missing_column(col: &str, headers: &Headers, place: &str) -> Problem {
    let suggestion = missing::near_column(col, headers)
        .map(|n| format!("did you mean `{n}`? "))
        .unwrap_or_default();
    Problem::error(format!(
        "the template uses `{{{{{col}}}}}` but the data has no column `{col}`"
    ))
    .in_column(col)
    .with_hint(format!(
        "fix the spelling or add the column ({place}); {suggestion}the columns are: {}",
        headers.names.join(", ")
    ))
}

/// The innermost `{{#block}}` that has no `{{/block}}`: (line in `source`, helper name).
/// Handlebars only reports the end of the file for this mistake.
fn unclosed_block(source: &str) -> Option<(usize, String)> {
    let mut open: Vec<(usize, String)> = Vec::new();
    for (i, line) in source.lines().enumerate() {
        let mut rest = line;
        while let Some(at) = rest.find("{{") {
            rest = &rest[at + 2..];
            let tag = rest.trim_start_matches('~').trim_start();
            let name = |t: &str| -> String {
                t.chars()
                    .take_while(|c| !c.is_whitespace() && *c != '}' && *c != '~')
                    .collect()
            };
            if let Some(t) = tag.strip_prefix('#') {
                open.push((
                    i + 1,
                    name(t.trim_start_matches('>').trim_start_matches('*')),
                ));
            } else if tag.starts_with('/') {
                open.pop();
            }
        }
    }
    open.pop()
}

/// The line of the first `{{` that has no `}}` before the next `{{` (Handlebars reports the
/// end of the file for this mistake).
fn unterminated_tag(source: &str) -> Option<usize> {
    let mut pos = 0;
    while let Some(at) = source[pos..].find("{{") {
        let start = pos + at;
        let inner = start
            + source[start..]
                .find(|c| c != '{')
                .unwrap_or(source.len() - start);
        let close = source[inner..].find("}}").map(|i| i + inner);
        let next_open = source[inner..].find("{{").map(|i| i + inner);
        match (close, next_open) {
            (Some(c), Some(o)) if c < o => pos = c + 2,
            (Some(c), None) => pos = c + 2,
            _ => return Some(source[..start].matches('\n').count() + 1),
        }
    }
    None
}

/// Every front-matter value but `address` is one line: a line break from a data cell
/// becomes a space, so it can never start a new email header. Empty means absent.
fn single_line(text: &str) -> Option<String> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    if !text.contains(['\n', '\r']) {
        return Some(text.to_string());
    }
    Some(text.split_whitespace().collect::<Vec<_>>().join(" "))
}

fn field_line(field: &Field, line_in_value: usize) -> usize {
    if field.block {
        field.line + line_in_value.saturating_sub(1)
    } else {
        field.line
    }
}

fn registry(today: NaiveDate, offices: &Arc<OfficeTable>) -> Handlebars<'static> {
    let mut hb = Handlebars::new();
    hb.set_strict_mode(true);
    helpers::register(&mut hb, today, offices);
    hb
}

/// The row as Handlebars data: every column by its header name and by its snake_case key,
/// every value a string. The first column wins when two share a name.
fn context(record: &Record) -> Context {
    let headers = record.headers();
    let mut map = Map::with_capacity(headers.len() * 2);
    for (i, name) in headers.names.iter().enumerate() {
        let value = record.fields.get(i).cloned().unwrap_or_default();
        if let Some(key) = headers.keys.get(i) {
            if key != name && !map.contains_key(key.as_str()) {
                map.insert(key.clone(), Value::String(value.clone()));
            }
        }
        if !map.contains_key(name.as_str()) {
            map.insert(name.clone(), Value::String(value));
        }
    }
    Context::from(Value::Object(map))
}

#[cfg(test)]
mod tests;

#[cfg(test)]
mod unit {
    use super::{single_line, unclosed_block, unterminated_tag};

    #[test]
    fn finds_the_unclosed_block() {
        assert_eq!(
            unclosed_block("a\n{{#if x}}b\n{{#each y}}{{/each}}\nc\n"),
            Some((2, "if".to_string()))
        );
        assert_eq!(unclosed_block("{{#if x}}a{{else}}b{{/if}}"), None);
        assert_eq!(unterminated_tag("a {{b}} {{{c}}}\nd {{e\nf {{g}}"), Some(2));
        assert_eq!(unterminated_tag("a {{b}} {{{c}}}\n"), None);
    }

    #[test]
    fn single_line_values() {
        assert_eq!(
            single_line("  Hi\r\nBcc: x@y.z "),
            Some("Hi Bcc: x@y.z".to_string())
        );
        assert_eq!(single_line("  "), None);
    }
}
