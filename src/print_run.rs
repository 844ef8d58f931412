//! The print run (`lettermerge pdf`): a checking pass over every row, then a writing pass
//! that streams letters into per-official PDFs, the combined batch and the manifest.
//!
//! Both passes stream the data file, so memory does not grow with the number of rows (only
//! the set of file names handed out does, a few bytes per row). The checking pass also
//! collects the glyphs in use so each font is subset once per run.

use crate::config::PdfConfig;
use crate::exit_codes::ExitCode;
use crate::images::ImageStore;
use crate::letter::Letter;
use crate::output::{sanitize_stem, write_atomically, AtomicFile, NameAllocator};
use crate::pdf::{DocInfo, EmbeddedFonts, EncodedPage, GlyphUsage, PdfWriter};
use crate::problem::Problem;
use crate::records::DataSource;
use crate::report::{rows_phrase, Reporter};
use crate::template::Template;
use crate::typeset::page::Page;
use crate::typeset::Typesetter;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::Instant;

const MANIFEST: &str = "manifest.csv";

/// Runs `lettermerge pdf` and decides the exit code.
pub fn run(cfg: &PdfConfig) -> ExitCode {
    let reporter = Reporter::new(&cfg.data, cfg.quiet);
    match run_inner(cfg, &reporter) {
        Ok(code) => code,
        Err(Failure { code, message }) => {
            eprintln!("error: {message}");
            code
        }
    }
}

/// A failure that ends the run before or while writing.
struct Failure {
    code: ExitCode,
    message: String,
}

impl Failure {
    fn problems(message: impl Into<String>) -> Failure {
        Failure {
            code: ExitCode::Problems,
            message: message.into(),
        }
    }

    fn io(message: impl Into<String>) -> Failure {
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
    errors: Vec<Problem>,
    warnings: Vec<Problem>,
    existing: Vec<PathBuf>,
    usage: GlyphUsage,
}

fn run_inner(cfg: &PdfConfig, reporter: &Reporter) -> Result<ExitCode, Failure> {
    let started = Instant::now();
    let template = Template::load(&cfg.template).map_err(|e| Failure::problems(e.to_string()))?;
    let data = DataSource::open(&cfg.data, &cfg.data_options)
        .map_err(|e| Failure::problems(e.to_string()))?;
    for notice in data.notices() {
        reporter.notice(notice);
    }
    let mut typesetter = Typesetter::new(template.style())
        .map_err(|e| Failure::problems(format!("{}: {e:#}", cfg.template.display())))?;
    let images = ImageStore::default();

    let checked = check_pass(cfg, reporter, &data, &template, &mut typesetter, &images)?;
    for w in &checked.warnings {
        reporter.problem(w);
    }
    for e in &checked.errors {
        reporter.problem(e);
    }
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
        return Err(Failure::problems(format!(
            "{} has no data rows, so there are no letters to write",
            cfg.data.display()
        )));
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

    let fonts = EmbeddedFonts::prepare(typesetter.fonts(), &checked.usage)
        .map_err(|e| Failure::problems(format!("cannot embed the fonts: {e:#}")))?;
    let written = write_pass(
        cfg,
        reporter,
        &data,
        &template,
        &mut typesetter,
        &images,
        &fonts,
        checked.valid,
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
        summary.push_str(&format!(
            " and the print batch {} ({} pages)",
            combined.display(),
            written.batch_pages
        ));
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
    Ok(if checked.errors.is_empty() {
        ExitCode::Success
    } else {
        ExitCode::Problems
    })
}

/// Pass 1: renders and typesets every row, collecting problems, glyphs and file names.
fn check_pass(
    cfg: &PdfConfig,
    reporter: &Reporter,
    data: &DataSource,
    template: &Template,
    typesetter: &mut Typesetter,
    images: &ImageStore,
) -> Result<Checked, Failure> {
    let mut checked = Checked {
        rows: 0,
        valid: 0,
        invalid_rows: Vec::new(),
        errors: Vec::new(),
        warnings: Vec::new(),
        existing: Vec::new(),
        usage: GlyphUsage::new(typesetter.fonts()),
    };
    let mut names = reserved_names();
    if !cfg.force {
        for extra in [Some(cfg.out_dir.join(MANIFEST)), cfg.combined.clone()]
            .into_iter()
            .flatten()
        {
            if extra.exists() {
                checked.existing.push(extra);
            }
        }
    }
    // Columns the template names that the data lacks, in any branch: reported once, with
    // the rows they break, instead of once per row.
    let mut missing_columns: Vec<(Problem, Vec<u64>)> = template
        .check_columns(data.headers())
        .into_iter()
        .map(|p| (p, Vec::new()))
        .collect();
    let records = data
        .records()
        .map_err(|e| Failure::problems(e.to_string()))?;
    let pb = reporter.spinner("Checking");
    for record in records {
        pb.inc(1);
        let record = match record {
            Ok(r) => r,
            Err(p) => {
                let Some(row) = p.row else {
                    // Not a row problem: the file itself cannot be read any further.
                    pb.finish_and_clear();
                    return Err(Failure::problems(reporter.format(&p)));
                };
                checked.rows += 1;
                checked.invalid_rows.push(row);
                checked.errors.push(p);
                continue;
            }
        };
        checked.rows += 1;
        let row = record.row;
        let typeset = template
            .render(&record)
            .and_then(|letter| typesetter.typeset(&letter, images).map(|t| (letter, t)));
        let (letter, typeset) = match typeset {
            Ok(x) => x,
            Err(p) => {
                checked.invalid_rows.push(row);
                let known = missing_columns
                    .iter_mut()
                    .find(|(m, _)| m.column.is_some() && m.column == p.column);
                match known {
                    Some((_, rows)) => rows.push(row),
                    None => checked.errors.push(p),
                }
                continue;
            }
        };
        checked.valid += 1;
        checked.warnings.extend(typeset.warnings);
        for page in &typeset.pages {
            checked.usage.add_page(page);
        }
        let name = letter_file_name(&mut names, &letter);
        let path = cfg.out_dir.join(&name);
        if !cfg.force && !cfg.batch_only && path.exists() {
            checked.existing.push(path);
        }
    }
    pb.finish_and_clear();
    let mut file_level: Vec<Problem> = missing_columns
        .into_iter()
        .map(|(mut p, rows)| {
            if !rows.is_empty() {
                p.message
                    .push_str(&format!(" (it breaks {})", rows_phrase(&rows)));
            }
            p
        })
        .collect();
    file_level.append(&mut checked.errors);
    checked.errors = file_level;
    Ok(checked)
}

fn reserved_names() -> NameAllocator {
    let mut names = NameAllocator::default();
    names.reserve(MANIFEST);
    names
}

fn letter_file_name(names: &mut NameAllocator, letter: &Letter) -> String {
    let raw = letter
        .filename
        .clone()
        .unwrap_or_else(|| format!("row-{}", letter.row));
    names.allocate(&sanitize_stem(&raw, letter.row), "pdf")
}

struct Written {
    letters: u64,
    pages: u64,
    batch_pages: usize,
}

/// Pass 2: writes every valid letter, the batch and the manifest.
#[allow(clippy::too_many_arguments)]
fn write_pass(
    cfg: &PdfConfig,
    reporter: &Reporter,
    data: &DataSource,
    template: &Template,
    typesetter: &mut Typesetter,
    images: &ImageStore,
    fonts: &EmbeddedFonts,
    expected: u64,
) -> Result<Written, Failure> {
    std::fs::create_dir_all(&cfg.out_dir).map_err(|e| {
        Failure::io(format!(
            "cannot create the output folder {}: {e}",
            cfg.out_dir.display()
        ))
    })?;
    let author = template.style().letterhead.as_ref().map(|l| l.name.clone());
    let created = creation_time();
    let mut batch = match &cfg.combined {
        Some(path) => {
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent).map_err(|e| io_failure(parent, e))?;
            }
            let file = AtomicFile::create(path).map_err(|e| io_failure(path, e))?;
            let info = doc_info("Welcome letters".to_string(), &author, created);
            Some(PdfWriter::new(file, fonts, info).map_err(|e| io_failure(path, e))?)
        }
        None => None,
    };
    let manifest_path = cfg.out_dir.join(MANIFEST);
    let mut manifest = csv::Writer::from_writer(Vec::new());
    manifest
        .write_record([
            "row",
            "file",
            "pages",
            "batch_first_page",
            "batch_last_page",
            "recipient",
        ])
        .map_err(|e| Failure::io(e.to_string()))?;

    let mut names = reserved_names();
    let mut written = Written {
        letters: 0,
        pages: 0,
        batch_pages: 0,
    };
    let records = data
        .records()
        .map_err(|e| Failure::problems(e.to_string()))?;
    let pb = reporter.bar(expected, "Writing");
    for record in records {
        // Rows that failed the check pass fail the same way again and are skipped here.
        let Ok(record) = record else { continue };
        let Ok(letter) = template.render(&record) else {
            continue;
        };
        // Images were all loaded by the check pass; the same ids come back here.
        let Ok(typeset) = typesetter.typeset(&letter, images) else {
            continue;
        };
        let images: &ImageStore = images;
        let name = letter_file_name(&mut names, &letter);
        let path = cfg.out_dir.join(&name);
        let recipient = letter.address.first().cloned().unwrap_or_default();
        let title = if recipient.is_empty() {
            "Letter".to_string()
        } else {
            format!("Letter to {recipient}")
        };
        let info = doc_info(title, &author, created);
        // Each page is encoded and compressed once, for its letter file and the batch.
        let encoded = typeset
            .pages
            .iter()
            .map(|page| EncodedPage::encode(page, fonts))
            .collect::<io::Result<Vec<_>>>()
            .map_err(|e| Failure::io(format!("row {}: {e}", letter.row)))?;
        if !cfg.batch_only {
            write_atomically(&path, cfg.force, |w| {
                write_pages(w, &encoded, fonts, images, info)
            })
            .map_err(|e| io_failure(&path, e))?;
        }

        let (mut first, mut last) = (String::new(), String::new());
        if let Some(batch) = batch.as_mut() {
            let start = batch.page_count();
            batch.add_bookmark(&recipient_or_row(&recipient, letter.row), start);
            for page in &typeset.pages {
                batch
                    .add_page(page, images)
                    .map_err(|e| io_failure_batch(cfg, e))?;
            }
            first = (start + 1).to_string();
            last = batch.page_count().to_string();
            if cfg.duplex && typeset.pages.len() % 2 == 1 {
                let (w, h) = typeset
                    .pages
                    .last()
                    .map(|p| (p.width, p.height))
                    .unwrap_or((612.0, 792.0));
                batch
                    .add_page(&Page::blank(w, h), images)
                    .map_err(|e| io_failure_batch(cfg, e))?;
            }
        }
        manifest
            .write_record([
                record.row.to_string(),
                if cfg.batch_only { String::new() } else { name },
                typeset.pages.len().to_string(),
                first,
                last,
                recipient,
            ])
            .map_err(|e| Failure::io(e.to_string()))?;
        written.letters += 1;
        written.pages += typeset.pages.len() as u64;
        pb.inc(1);
    }
    pb.finish_and_clear();
    if written.letters != expected {
        return Err(Failure::io(format!(
            "{} changed while letters were being written ({} letters checked, {} written); run again",
            cfg.data.display(),
            expected,
            written.letters
        )));
    }
    if let (Some(batch), Some(path)) = (batch, &cfg.combined) {
        written.batch_pages = batch.page_count();
        let file = batch.finish(images).map_err(|e| io_failure_batch(cfg, e))?;
        file.commit(cfg.force).map_err(|e| io_failure(path, e))?;
    }
    let manifest_bytes = manifest
        .into_inner()
        .map_err(|e| Failure::io(e.to_string()))?;
    write_atomically(&manifest_path, cfg.force, |w| w.write_all(&manifest_bytes))
        .map_err(|e| io_failure(&manifest_path, e))?;
    Ok(written)
}

fn recipient_or_row(recipient: &str, row: u64) -> String {
    if recipient.is_empty() {
        format!("Row {row}")
    } else {
        format!("Row {row}: {recipient}")
    }
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

fn io_failure(path: &Path, e: io::Error) -> Failure {
    let what = if e.kind() == io::ErrorKind::AlreadyExists {
        "already exists; pass --force to overwrite it".to_string()
    } else {
        format!("cannot be written: {e}")
    };
    Failure::io(format!("{} {what}", path.display()))
}

fn io_failure_batch(cfg: &PdfConfig, e: io::Error) -> Failure {
    match &cfg.combined {
        Some(path) => io_failure(path, e),
        None => Failure::io(e.to_string()),
    }
}

fn doc_info(title: String, author: &Option<String>, created: Option<i64>) -> DocInfo {
    DocInfo {
        title: Some(title),
        author: author.clone(),
        creator: Some("lettermerge".to_string()),
        producer: Some(concat!("lettermerge ", env!("CARGO_PKG_VERSION")).to_string()),
        created,
    }
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
