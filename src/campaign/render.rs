//! Rendering one row from template text held in memory (the studio's editor, saved or not):
//! the printed pages as SVG (the same typesetter and fonts as the PDF) and the email, or the
//! one mistake that stops it with its line in the template, so an editor can point at it.
//!
//! A [`Renderer`] lives as long as the editor: it keeps a typesetter (with its fonts and
//! shaping caches) and an SVG writer (with its glyph outlines) per style, and the images,
//! so a keystroke costs a parse and one letter's layout, not a font load.

use std::path::Path;
use std::time::{Duration, Instant};

use super::open::sender_settings;
use crate::email;
use crate::images::ImageStore;
use crate::problem::Problem;
use crate::records::Record;
use crate::style::Style;
use crate::svg::SvgWriter;
use crate::template::forms::OfficeTable;
use crate::template::{Template, TemplateError};
use crate::typeset::Typesetter;

/// Styles whose typesetter is kept. Editing the body keeps one style; trying margins or a
/// font makes a few, and going back to an earlier one is common ("no, the old margins").
/// Each keeps four faces' shaping caches and outlines, a few MiB; four bound that.
pub const MAX_CACHED_STYLES: usize = 4;

/// What a row is rendered from, besides the template text.
pub struct RowInput<'a> {
    /// The template file the text is (or will be) saved as: names it in messages, and paths
    /// in the front matter are relative to its folder.
    pub template_path: &'a Path,
    pub offices: &'a OfficeTable,
    pub record: &'a Record,
    /// The config's sender (`[smtp] from`), for the email's From.
    pub from: Option<&'a str>,
    /// The data file and sheet: with the template, the campaign's id in the Message-ID.
    pub data_path: &'a Path,
    pub sheet: Option<&'a str>,
}

/// Which part of the pipeline a failure comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stage {
    /// The template itself: YAML front matter, Handlebars syntax, Markdown.
    Template,
    /// Filling in this row: a missing column, a helper that cannot use the row's value.
    Row,
    /// Loading the fonts the front matter names.
    Fonts,
    /// Laying out the letter: an image that cannot be read.
    Layout,
}

/// The mistake that stops a row from rendering, with its line in the template file when
/// there is one.
#[derive(Debug, Clone, PartialEq)]
pub struct RenderError {
    pub stage: Stage,
    pub line: Option<usize>,
    pub message: String,
    pub hint: Option<String>,
}

impl RenderError {
    fn template(e: TemplateError) -> RenderError {
        RenderError {
            stage: Stage::Template,
            line: e.line,
            message: e.message,
            hint: e.hint,
        }
    }

    fn problem(stage: Stage, p: Problem, line: Option<usize>) -> RenderError {
        RenderError {
            stage,
            line,
            message: p.message,
            hint: p.hint,
        }
    }
}

/// A problem of the rendered row that does not stop it (a field another branch uses that
/// the data lacks, an address too large for the window, an email without a recipient).
#[derive(Debug, Clone, PartialEq)]
pub struct Note {
    pub problem: Problem,
    /// The template line it comes from, when it comes from one.
    pub line: Option<usize>,
}

/// The email of the row as a reader sees it.
#[derive(Debug, Clone)]
pub struct EmailView {
    /// Decoded headers (From, To, Subject...), in the order `preview` prints them; empty
    /// when the message could not be built (see the notes for why).
    pub headers: Vec<(&'static str, String)>,
    pub subject: String,
    /// The text/html part, a complete document.
    pub html: String,
}

/// Where the time of one render went: the studio sends it as `Server-Timing`.
#[derive(Debug, Clone, Copy, Default)]
pub struct Timings {
    pub parse: Duration,
    pub fill: Duration,
    pub typeset: Duration,
    pub svg: Duration,
    pub email: Duration,
}

/// One row rendered.
#[derive(Debug)]
pub struct Rendered {
    /// Each printed page as an `<svg>` document.
    pub pages: Vec<String>,
    /// `None` when the template has no `to` (a printed-only letter).
    pub email: Option<EmailView>,
    pub notes: Vec<Note>,
    pub timings: Timings,
}

/// Renders rows from template text, keeping fonts, outlines and images between calls.
#[derive(Default)]
pub struct Renderer {
    /// Most recently used last.
    styles: Vec<(Style, Typesetter, SvgWriter)>,
    /// Images by path, loaded once. A logo replaced on disk shows after the studio restarts
    /// (as in a print run, which also reads each image once).
    images: ImageStore,
}

impl Renderer {
    pub fn new() -> Renderer {
        Renderer::default()
    }

    /// Renders `input.record` with the template `text`.
    pub fn render(&mut self, text: &str, input: &RowInput<'_>) -> Result<Rendered, RenderError> {
        let mut timings = Timings::default();
        let started = Instant::now();
        let template = Template::from_text_at(text, input.template_path, input.offices)
            .map_err(RenderError::template)?;
        timings.parse = started.elapsed();

        let started = Instant::now();
        let mut notes: Vec<Note> = Vec::new();
        // Every field the template uses anywhere, checked against the header once: the
        // ones in a branch this row does not take are notes, as `check` reports them.
        for field in template.check_columns(input.record.headers()).fields {
            let near = field
                .near
                .as_ref()
                .map(|n| format!("did you mean `{n}`? "))
                .unwrap_or_default();
            notes.push(Note {
                problem: Problem::error(format!(
                    "the template uses `{{{{{}}}}}` but the data has no column `{}`",
                    field.name, field.name
                ))
                .in_column(field.name.clone())
                .with_hint(format!(
                    "{near}fix the spelling, or match a column to it on the Match fields screen"
                )),
                line: Some(field.line),
            });
        }
        let letter = template
            .render_located(input.record)
            .map_err(|(p, line)| RenderError::problem(Stage::Row, p, line))?;
        notes.extend(letter.warnings.iter().map(|p| Note {
            problem: p.clone(),
            line: None,
        }));
        timings.fill = started.elapsed();

        let started = Instant::now();
        let (typesetter, writer) = typesetter_for(&mut self.styles, template.style())?;
        let typeset = typesetter
            .typeset(&letter, &self.images)
            .map_err(|p| RenderError::problem(Stage::Layout, p, None))?;
        notes.extend(typeset.warnings.into_iter().map(|problem| Note {
            problem,
            line: None,
        }));
        timings.typeset = started.elapsed();

        let started = Instant::now();
        let pages = typeset
            .pages
            .iter()
            .map(|page| writer.page(page, typesetter.fonts(), &self.images))
            .collect();
        timings.svg = started.elapsed();

        let started = Instant::now();
        let email = template.has_recipient().then(|| {
            let settings = sender_settings(&template, input.from, input.data_path, input.sheet);
            let (headers, subject) = match email::build_preview(&letter, &settings) {
                Ok(built) => (built.headers_shown().to_vec(), built.subject.clone()),
                Err(problems) => {
                    notes.extend(problems.into_iter().map(|problem| Note {
                        problem,
                        line: None,
                    }));
                    (Vec::new(), letter.email.subject.clone().unwrap_or_default())
                }
            };
            let html = email::html_body(&letter, &settings.signature_text, &subject);
            EmailView {
                headers,
                subject,
                html,
            }
        });
        timings.email = started.elapsed();

        Ok(Rendered {
            pages,
            email,
            notes,
            timings,
        })
    }
}

/// The typesetter and SVG writer of `style` (most recently used last), made (fonts loaded)
/// the first time, the least recently used dropped beyond [`MAX_CACHED_STYLES`].
fn typesetter_for<'s>(
    styles: &'s mut Vec<(Style, Typesetter, SvgWriter)>,
    style: &Style,
) -> Result<(&'s mut Typesetter, &'s mut SvgWriter), RenderError> {
    match styles.iter().position(|(s, _, _)| s == style) {
        Some(i) => {
            let entry = styles.remove(i);
            styles.push(entry);
        }
        None => {
            let typesetter = Typesetter::new(style).map_err(|e| RenderError {
                stage: Stage::Fonts,
                line: None,
                message: format!("{e:#}"),
                hint: Some("check the `font` settings in the front matter".into()),
            })?;
            if styles.len() >= MAX_CACHED_STYLES {
                styles.remove(0);
            }
            styles.push((style.clone(), typesetter, SvgWriter::new()));
        }
    }
    match styles.last_mut() {
        Some((_, typesetter, writer)) => Ok((typesetter, writer)),
        None => unreachable!("a style was just pushed or moved to the end"),
    }
}

#[cfg(test)]
mod tests;
