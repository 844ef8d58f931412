//! The print engine (`lettermerge pdf`, `preview --pdf`, the studio's Print): a checking
//! pass over every row, then a writing pass that streams letters into per-official PDFs, the
//! combined batch and the manifest.
//!
//! Both passes stream the data file, so memory does not grow with the number of rows (only
//! the set of file names handed out does, a few bytes per row). The checking pass also
//! collects the glyphs in use so each font is subset once per run.

use super::assemble::{Assembly, Placed};
use super::batches::{self, Plan, Tally};
use crate::clash::{resolve_entry, RunFiles};
use crate::config::PdfConfig;
use crate::exit_codes::ExitCode;
use crate::images::ImageStore;
use crate::output::{
    letter_file_name, occupied, reserved_names, write_atomically, AtomicFile, MANIFEST,
};
use crate::parallel;
use crate::pdf::{DocInfo, EmbeddedFonts, EncodedPage, GlyphUsage, PdfWriter};
use crate::problem::Problem;
use crate::records::{DataSource, Record, Selection};
use crate::report::{ProblemLog, Reporter};
use crate::template::Template;
use crate::typeset::Typesetter;
use std::collections::HashMap;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// A print run on the terminal (`pdf`, `preview --pdf`): problems and the summary
/// printed, the exit code decided.
pub fn run_to_terminal(cfg: &PdfConfig) -> ExitCode {
    let reporter = Reporter::new(&cfg.input.data, cfg.quiet);
    match write_letters(cfg, &reporter) {
        Ok(letters) => letters.code,
        Err((code, message)) => {
            eprintln!("error: {message}");
            code
        }
    }
}

/// What a print run wrote.
pub struct Letters {
    pub code: ExitCode,
    /// The file name (in the output folder) of each row's letter.
    pub files: HashMap<u64, String>,
}

/// A print run as `preview` uses it: problems and the summary go to `reporter`; a failure
/// that ends the run is returned with its exit code instead of printed.
pub fn write_letters(cfg: &PdfConfig, reporter: &Reporter) -> Result<Letters, (ExitCode, String)> {
    run_inner(cfg, reporter).map_err(|Failure { code, message }| (code, message))
}

/// A failure that ends the run before or while writing.
pub(super) struct Failure {
    code: ExitCode,
    message: String,
}

impl Failure {
    pub(super) fn problems(message: impl Into<String>) -> Failure {
        Failure {
            code: ExitCode::Problems,
            message: message.into(),
        }
    }

    pub(super) fn io(message: impl Into<String>) -> Failure {
        Failure {
            code: ExitCode::Error,
            message: message.into(),
        }
    }
}

/// What the checking pass learned.
struct Checked {
    rows: u64,
    valid: u64,
    invalid_rows: Vec<u64>,
    errors: ProblemLog,
    warnings: ProblemLog,
    existing: Vec<PathBuf>,
    usage: GlyphUsage,
    /// The file name of each valid row, handed out in row order (none in a batch-only run,
    /// which writes no letter files).
    names: HashMap<u64, String>,
    /// Letters per `--split-by` value (all under "" without one).
    tally: Tally,
}

fn run_inner(cfg: &PdfConfig, reporter: &Reporter) -> Result<Letters, Failure> {
    let started = Instant::now();
    let template = Template::load_with(&cfg.input.template, &cfg.offices)
        .map_err(|e| Failure::problems(e.to_string()))?;
    let data = DataSource::open(&cfg.input.data, &cfg.input.data_options)
        .map_err(|e| Failure::problems(e.to_string()))?;
    for notice in data.notices() {
        reporter.notice(notice);
    }
    let selection = cfg
        .select
        .resolve(data.headers())
        .map_err(|e| Failure::io(e.0))?;
    for (flag, column) in [("--split-by", &cfg.split.by), ("--sort", &cfg.sort)] {
        let Some(column) = column else { continue };
        if data.headers().index_of(column).is_none() {
            return Err(Failure::io(format!(
                "{flag} {column}: {} has no column `{column}`; the columns are: {}",
                cfg.input.data.display(),
                data.headers().file_names().join(", ")
            )));
        }
    }
    // One typesetter per worker thread: each keeps its own warm caches for both passes.
    let typesetters = Typesetter::per_worker(template.style(), parallel::workers())
        .map_err(|e| Failure::problems(format!("{}: {e:#}", cfg.input.template.display())))?;
    let images = ImageStore::default();
    // The outputs known before any row is read are checked first, so that a --combined
    // naming the data file is refused at once rather than after the whole check pass.
    let single: Vec<PathBuf> = cfg
        .combined
        .iter()
        .filter(|_| !cfg.split.is_split())
        .cloned()
        .collect();
    check_clashes(cfg, &template, &images, &HashMap::new(), &single)?;

    let (checked, mut typesetters) = check_pass(
        cfg,
        reporter,
        &data,
        &selection,
        &template,
        typesetters,
        &images,
    )?;
    // The batches, now that the letters per split value are known.
    let mut checked = checked;
    let plan = cfg
        .combined
        .as_deref()
        .map(|combined| Plan::new(combined, &cfg.split, std::mem::take(&mut checked.tally)))
        .transpose()
        .map_err(|e| Failure::io(crate::first_seen::spill_message("the batches' names", &e)))?;
    let batch_paths = plan.as_ref().map(Plan::paths).unwrap_or_default();
    if cfg.split.is_split() && !cfg.force {
        checked
            .existing
            .extend(batch_paths.iter().filter(|p| occupied(p)).cloned());
    }
    // Now with every letter's name and every image the letters show.
    check_clashes(cfg, &template, &images, &checked.names, &batch_paths)?;
    reporter.log(&checked.warnings);
    reporter.log(&checked.errors);
    if !checked.errors.is_empty() && (!cfg.skip_invalid || checked.valid == 0) {
        let bad = checked.invalid_rows.len();
        let hint = if cfg.skip_invalid || bad == 0 {
            ""
        } else {
            ", or pass --skip-invalid to write the other letters"
        };
        let what = if bad == 0 {
            "the template and the data do not match".to_string()
        } else {
            format!("{bad} of {} rows have problems", checked.rows)
        };
        return Err(Failure::problems(format!(
            "{what}, so nothing was written; fix the problems above{hint}"
        )));
    }
    if checked.valid == 0 {
        return Err(Failure::problems(if cfg.select.is_all() {
            format!(
                "{} has no data rows, so there are no letters to write",
                cfg.input.data.display()
            )
        } else {
            format!(
                "no row of {} matches {}, so there are no letters to write",
                cfg.input.data.display(),
                cfg.select.describe()
            )
        }));
    }
    if !checked.existing.is_empty() {
        let mut msg = String::from("these files already exist and were left untouched:");
        for path in checked.existing.iter().take(10) {
            msg.push_str(&format!("\n  {}", path.display()));
        }
        if checked.existing.len() > 10 {
            msg.push_str(&format!("\n  ... and {} more", checked.existing.len() - 10));
        }
        msg.push_str("\npass --force to overwrite them, or choose another --out folder");
        return Err(Failure::io(msg));
    }

    let (first, others) = typesetters.split_at_mut(1);
    for other in others.iter() {
        first[0].learn_glyph_text(other);
    }
    let fonts = EmbeddedFonts::prepare(first[0].fonts(), &checked.usage)
        .map_err(|e| Failure::problems(format!("cannot embed the fonts: {e:#}")))?;
    let written = write_pass(
        cfg,
        reporter,
        &data,
        &selection,
        &template,
        typesetters,
        &images,
        &fonts,
        &checked,
        plan,
    )?;

    let mut summary = if cfg.batch_only {
        format!(
            "Wrote {} letters ({} pages), manifest in {}",
            written.letters,
            written.pages,
            cfg.out_dir.display()
        )
    } else {
        format!(
            "Wrote {} letters ({} pages) to {}",
            written.letters,
            written.pages,
            cfg.out_dir.display()
        )
    };
    if let Some(combined) = &cfg.combined {
        if batch_paths.len() > 1 || cfg.split.is_split() {
            let dir = combined
                .parent()
                .filter(|d| !d.as_os_str().is_empty())
                .unwrap_or(Path::new("."));
            summary.push_str(&format!(
                " and {} print batches in {} ({} pages)",
                batch_paths.len(),
                dir.display(),
                written.batch_pages
            ));
        } else {
            summary.push_str(&format!(
                " and the print batch {} ({} pages)",
                combined.display(),
                written.batch_pages
            ));
        }
    }
    summary.push_str(&format!(" in {:.2} s", started.elapsed().as_secs_f64()));
    if !checked.warnings.is_empty() {
        summary.push_str(&format!("; {} warnings", checked.warnings.len()));
    }
    if !checked.invalid_rows.is_empty() {
        let rows: Vec<String> = checked.invalid_rows.iter().map(|r| r.to_string()).collect();
        summary.push_str(&format!(
            "; skipped {} invalid rows: {}",
            rows.len(),
            rows.join(", ")
        ));
    }
    reporter.summary(&summary);
    Ok(Letters {
        code: if checked.errors.is_empty() {
            ExitCode::Success
        } else {
            ExitCode::Problems
        },
        files: checked.names,
    })
}

/// What a worker makes of one row in the check pass.
enum RowCheck {
    /// The data file cannot be read any further.
    Fatal(Problem),
    Invalid(Problem),
    Valid {
        row: u64,
        filename: Option<String>,
        warnings: Vec<Problem>,
        /// The `--split-by` value.
        group: String,
    },
}

/// Pass 1: renders and typesets every row (on all cores), collecting problems, glyphs and
/// file names in row order.
fn check_pass(
    cfg: &PdfConfig,
    reporter: &Reporter,
    data: &DataSource,
    selection: &Selection,
    template: &Template,
    typesetters: Vec<Typesetter>,
    images: &ImageStore,
) -> Result<(Checked, Vec<Typesetter>), Failure> {
    let mut checked = Checked {
        rows: 0,
        valid: 0,
        invalid_rows: Vec::new(),
        errors: ProblemLog::default(),
        warnings: ProblemLog::default(),
        existing: Vec::new(),
        usage: GlyphUsage::new(typesetters[0].fonts()),
        names: HashMap::new(),
        tally: Tally::default(),
    };
    let mut names = reserved_names();
    // A batch in the letters' folder keeps its name: a letter that would be called the
    // same (a row named "batch") gets the next free one, as with the manifest.
    if let Some(batch) = batch_name_in_out_dir(cfg) {
        names
            .reserve(&batch)
            .map_err(|e| Failure::io(names_failure(&e)))?;
    }
    if !cfg.force {
        let single_batch = cfg.combined.clone().filter(|_| !cfg.split.is_split());
        for extra in [Some(cfg.out_dir.join(MANIFEST)), single_batch]
            .into_iter()
            .flatten()
        {
            if occupied(&extra) {
                checked.existing.push(extra);
            }
        }
    }
    // Columns the template names that the data lacks, in any branch: reported once, with
    // the rows they break, instead of once per row.
    let missing_columns = template.check_columns(data.headers());
    let mut broken = crate::row_runs::RowRuns::default();
    let records = selection.apply(
        data.records()
            .map_err(|e| Failure::problems(e.to_string()))?,
    );
    let pb = reporter.spinner("Checking");
    // Each worker gathers the glyphs its letters use; the sets are merged at the end.
    let work = |(typesetter, usage): &mut (Typesetter, GlyphUsage),
                record: Result<Record, Problem>| {
        let record = match record {
            Ok(r) => r,
            Err(p) if p.row.is_some() => return RowCheck::Invalid(p),
            Err(p) => return RowCheck::Fatal(p),
        };
        let row = record.row;
        // A row the fields could not be worked out for (no mailing address) is not printed.
        if let Some(note) = record.notes.iter().find(|n| n.problem.is_error()) {
            return RowCheck::Invalid(note.problem.clone());
        }
        let notes: Vec<Problem> = record.notes.iter().map(|n| n.problem.clone()).collect();
        let group = batches::value_of(&cfg.split, &record);
        let typeset = template
            .render(&record)
            .and_then(|letter| typesetter.typeset(&letter, images).map(|t| (letter, t)));
        match typeset {
            Ok((letter, typeset)) => {
                for page in &typeset.pages {
                    usage.add_page(page);
                }
                // The data's notes (an address split without confidence), then the
                // template's (an address printed as written), then the layout's.
                let mut warnings = notes;
                warnings.extend(letter.warnings);
                warnings.extend(typeset.warnings);
                RowCheck::Valid {
                    row,
                    filename: letter.filename,
                    warnings,
                    group,
                }
            }
            Err(p) if p.row.is_none() => RowCheck::Invalid(p.at_row(row)),
            Err(p) => RowCheck::Invalid(p),
        }
    };
    let sink = |result: RowCheck| {
        pb.inc(1);
        match result {
            RowCheck::Fatal(p) => return Err(Failure::problems(reporter.format(&p))),
            RowCheck::Invalid(p) => {
                checked.rows += 1;
                let row = p.row.unwrap_or_default();
                checked.invalid_rows.push(row);
                if missing_columns.covers(&p) {
                    broken.push(row);
                } else {
                    checked.errors.push(p);
                }
            }
            RowCheck::Valid {
                row,
                filename,
                warnings,
                group,
            } => {
                if cfg.combined.is_some() {
                    checked.tally.add(&group).map_err(|n| {
                        Failure::io(format!(
                            "--split-by {}: row {row} makes {n} different values, more than the \
                             {} batches one run may split into; split by a column with fewer \
                             values (state rather than district), or use --split N",
                            cfg.split.by.as_deref().unwrap_or_default(),
                            batches::MAX_SPLIT_VALUES
                        ))
                    })?;
                }
                checked.rows += 1;
                checked.valid += 1;
                for warning in warnings {
                    checked.warnings.push(warning);
                }
                // A batch-only run writes no letter files, so it keeps no names: nothing
                // is held per letter (the valid rows are those not in `invalid_rows`).
                if !cfg.batch_only {
                    let name = letter_file_name(&mut names, filename.as_deref(), row)
                        .map_err(|e| Failure::io(names_failure(&e)))?;
                    let path = cfg.out_dir.join(&name);
                    if !cfg.force && occupied(&path) {
                        checked.existing.push(path);
                    }
                    checked.names.insert(row, name);
                }
            }
        }
        Ok(())
    };
    let states = typesetters
        .into_iter()
        .map(|t| {
            let usage = GlyphUsage::new(t.fonts());
            (t, usage)
        })
        .collect();
    let states = parallel::ordered_map(records, states, work, sink);
    pb.finish_and_clear();
    let mut typesetters = Vec::new();
    for (typesetter, usage) in states? {
        checked.usage.merge(&usage);
        typesetters.push(typesetter);
    }
    // The file's missing columns come first.
    if let Some(p) = missing_columns.problem(&broken) {
        checked.errors.push_front(p);
    }
    Ok((checked, typesetters))
}

/// Every output of the run (letters, manifest, batch) against every input (data, template,
/// config, fonts, the images loaded so far) and against each other: a clash is a usage
/// error, with or without --force.
fn check_clashes(
    cfg: &PdfConfig,
    template: &Template,
    images: &ImageStore,
    names: &HashMap<u64, String>,
    batches: &[PathBuf],
) -> Result<(), Failure> {
    let mut files = RunFiles::for_run(
        &cfg.input.data,
        &cfg.input.template,
        cfg.input.config.as_deref(),
        &template.style().font,
    );
    files.images(images);
    let usage = |e: crate::clash::Clash| Failure::io(e.to_string());
    files
        .output("manifest", &cfg.out_dir.join(MANIFEST))
        .map_err(usage)?;
    for batch in batches {
        files.output("print batch", batch).map_err(usage)?;
    }
    if !cfg.batch_only {
        let mut rows: Vec<(&u64, &String)> = names.iter().collect();
        rows.sort();
        for (row, name) in rows {
            files
                .output(&format!("letter of row {row}"), &cfg.out_dir.join(name))
                .map_err(usage)?;
        }
    }
    Ok(())
}

/// The batch's file name when it goes into the letters' folder (however either is spelled).
fn batch_name_in_out_dir(cfg: &PdfConfig) -> Option<String> {
    let batch = resolve_entry(cfg.combined.as_deref()?);
    let letters = resolve_entry(&cfg.out_dir.join("letter.pdf"));
    (batch.parent() == letters.parent())
        .then(|| batch.file_name().map(|n| n.to_string_lossy().into_owned()))
        .flatten()
}

struct Written {
    letters: u64,
    pages: u64,
    batch_pages: usize,
}

/// What a worker makes of one row in the write pass: the letter file is already written,
/// the encoded pages go on to the batch.
enum RowWrite {
    /// A row the check pass refused (only with --skip-invalid).
    Skip,
    Letter {
        placed: Placed,
        /// Its `--sort` value.
        sort_key: String,
    },
    Failed(Failure),
}

/// Pass 2: writes every valid letter (on all cores), then the batch and the manifest in
/// row order.
#[allow(clippy::too_many_arguments)]
fn write_pass(
    cfg: &PdfConfig,
    reporter: &Reporter,
    data: &DataSource,
    selection: &Selection,
    template: &Template,
    typesetters: Vec<Typesetter>,
    images: &ImageStore,
    fonts: &EmbeddedFonts,
    checked: &Checked,
    plan: Option<Plan>,
) -> Result<Written, Failure> {
    std::fs::create_dir_all(&cfg.out_dir).map_err(|e| {
        Failure::io(format!(
            "cannot create the output folder {}: {e}",
            cfg.out_dir.display()
        ))
    })?;
    let style = template.style();
    let author = style.letterhead.as_ref().map(|l| l.name.clone());
    let created = creation_time();
    let pdf_a = cfg.pdf_a || style.pdf_a;
    let tags = (style.tagged, style.lang.clone());
    let info = doc_info(
        "Welcome letters".to_string(),
        &author,
        created,
        pdf_a,
        &tags,
    );
    let mut assembly = Assembly::new(cfg, fonts, images, info, plan)?;
    let records = selection.apply(
        data.records()
            .map_err(|e| Failure::problems(e.to_string()))?,
    );
    let pb = reporter.bar(checked.valid, "Writing");
    let changed = || {
        Failure::io(format!(
            "{} changed while the letters were being written; run again",
            cfg.input.data.display()
        ))
    };
    let work = |typesetter: &mut Typesetter, record: Result<Record, Problem>| {
        // Rows the check pass refused have no name and are skipped here.
        let Some(record) = record.ok() else {
            return RowWrite::Skip;
        };
        if checked.invalid_rows.binary_search(&record.row).is_ok() {
            return RowWrite::Skip;
        }
        let name = match checked.names.get(&record.row) {
            Some(name) => name.clone(),
            None if cfg.batch_only => String::new(),
            None => return RowWrite::Skip,
        };
        let Ok(letter) = template.render(&record) else {
            return RowWrite::Failed(changed());
        };
        let Ok(typeset) = typesetter.typeset(&letter, images) else {
            return RowWrite::Failed(changed());
        };
        // Each page is encoded and compressed once, for its letter file and the batch.
        let pages = match typeset
            .pages
            .iter()
            .map(|page| EncodedPage::encode(page, fonts))
            .collect::<io::Result<Vec<_>>>()
        {
            Ok(pages) => pages,
            Err(e) => return RowWrite::Failed(Failure::io(format!("row {}: {e}", letter.row))),
        };
        let recipient = letter.address.first().cloned().unwrap_or_default();
        let group = batches::value_of(&cfg.split, &record);
        let sort_key = cfg
            .sort
            .as_deref()
            .and_then(|column| record.get(column))
            .unwrap_or_default()
            .to_string();
        if !cfg.batch_only {
            let title = if recipient.is_empty() {
                "Letter".to_string()
            } else {
                format!("Letter to {recipient}")
            };
            let info = doc_info(title, &author, created, pdf_a, &tags);
            let path = cfg.out_dir.join(&name);
            if let Err(e) = write_atomically(&path, cfg.force, |w| {
                write_pages(w, &pages, fonts, images, info)
            }) {
                return RowWrite::Failed(io_failure(&path, e));
            }
        }
        let last_page_size = typeset
            .pages
            .last()
            .map_or((612.0, 792.0), |p| (p.width, p.height));
        let page_count = pages.len();
        RowWrite::Letter {
            placed: Placed {
                row: letter.row,
                name,
                recipient,
                // Only the batch needs the pages once the letter's own file is written.
                pages: if cfg.combined.is_some() {
                    pages
                } else {
                    Vec::new()
                },
                page_count,
                last_page_size,
                group,
            },
            sort_key,
        }
    };
    let sink = |result: RowWrite| match result {
        RowWrite::Skip => Ok(()),
        RowWrite::Failed(f) => Err(f),
        RowWrite::Letter { placed, sort_key } => {
            assembly.take(placed, &sort_key)?;
            pb.inc(1);
            Ok(())
        }
    };
    let outcome = parallel::ordered_map(records, typesetters, work, sink);
    pb.finish_and_clear();
    outcome?;
    let done = assembly.finish(changed)?;
    if done.letters != checked.valid {
        return Err(changed());
    }
    Ok(Written {
        letters: done.letters,
        pages: done.pages,
        batch_pages: done.batch_pages,
    })
}

fn write_pages(
    out: &mut AtomicFile,
    pages: &[EncodedPage],
    fonts: &EmbeddedFonts,
    images: &ImageStore,
    info: DocInfo,
) -> io::Result<()> {
    let mut pdf = PdfWriter::new(out, fonts, info)?;
    for page in pages {
        pdf.add_encoded(page, images)?;
    }
    pdf.finish(images)?;
    Ok(())
}

fn names_failure(e: &io::Error) -> String {
    crate::first_seen::spill_message("the letters' file names", e)
}

pub(super) fn io_failure(path: &Path, e: io::Error) -> Failure {
    let what = if e.kind() == io::ErrorKind::AlreadyExists {
        "already exists; pass --force to overwrite it".to_string()
    } else {
        format!("cannot be written: {e}")
    };
    Failure::io(format!("{} {what}", path.display()))
}

/// `tags`: whether the file is tagged, and its language.
fn doc_info(
    title: String,
    author: &Option<String>,
    created: Option<i64>,
    pdf_a: bool,
    tags: &(bool, String),
) -> DocInfo {
    DocInfo::lettermerge(title, author.clone(), created)
        .with_pdf_a(pdf_a)
        .with_tags(tags.0, &tags.1)
}

/// The documents' creation time: SOURCE_DATE_EPOCH when set (reproducible builds and
/// tests), otherwise now.
fn creation_time() -> Option<i64> {
    match std::env::var("SOURCE_DATE_EPOCH") {
        Ok(v) => v.trim().parse().ok(),
        Err(_) => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .ok()
            .map(|d| d.as_secs() as i64),
    }
}
