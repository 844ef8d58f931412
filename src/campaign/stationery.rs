//! The envelopes and labels engine (`lettermerge envelopes`, `lettermerge labels`): the
//! print engine's two passes for one PDF of envelopes or label sheets. The checking pass
//! renders every row's address and checks it against its place on the stock (and collects
//! the glyphs, so the fonts are subset once); the writing pass streams the pages into one
//! file written atomically.

use crate::clash::RunFiles;
use crate::config::{StationeryConfig, Stock};
use crate::exit_codes::ExitCode;
use crate::images::ImageStore;
use crate::output::{occupied, AtomicFile};
use crate::parallel;
use crate::pdf::{DocInfo, EmbeddedFonts, GlyphUsage, PdfWriter};
use crate::problem::Problem;
use crate::records::{DataSource, Record, Selection};
use crate::report::{ProblemLog, Reporter};
use crate::template::Template;
use crate::typeset::page::Page;
use crate::typeset::stationery::{place_label, EnvelopeSize, LabelStock};
use crate::typeset::{Typeset, Typesetter};
use std::path::Path;
use std::time::Instant;

/// What the pages carry, resolved against the template.
#[derive(Debug, Clone, Copy)]
enum Kind {
    Envelopes(EnvelopeSize),
    Labels { stock: LabelStock, start: u32 },
}

impl Kind {
    fn noun(self) -> &'static str {
        match self {
            Kind::Envelopes(_) => "envelopes",
            Kind::Labels { .. } => "labels",
        }
    }

    fn lay_out(
        self,
        typesetter: &mut Typesetter,
        letter: &crate::letter::Letter,
    ) -> Result<Typeset, Problem> {
        match self {
            Kind::Envelopes(size) => typesetter.envelope(letter, size),
            Kind::Labels { stock, .. } => typesetter.label(letter, stock),
        }
    }
}

/// An envelopes or labels run on the terminal: problems and the summary printed, the exit
/// code decided.
pub fn run_to_terminal(cfg: &StationeryConfig) -> ExitCode {
    let reporter = Reporter::new(&cfg.input.data, cfg.quiet);
    match run(cfg, &reporter) {
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

/// What a worker makes of one row in the check pass.
enum RowCheck {
    /// The data file cannot be read any further.
    Fatal(Problem),
    Invalid(Problem),
    Valid(Vec<Problem>),
}

/// What the checking pass learned.
struct Checked {
    rows: u64,
    valid: u64,
    invalid_rows: Vec<u64>,
    errors: ProblemLog,
    warnings: ProblemLog,
    usage: GlyphUsage,
}

fn run(cfg: &StationeryConfig, reporter: &Reporter) -> Result<ExitCode, Failure> {
    let started = Instant::now();
    let template = Template::load_with(&cfg.input.template, &cfg.offices)
        .map_err(|e| Failure::problems(e.to_string()))?;
    let kind = match cfg.resolved(template.style().page) {
        Stock::Envelopes(size) => Kind::Envelopes(size.unwrap_or(EnvelopeSize::No10)),
        Stock::Labels { stock, start } => {
            let stock = stock.unwrap_or(LabelStock::Avery5160);
            if start >= stock.per_sheet() {
                return Err(Failure::io(format!(
                    "--start {} is past the last label of an {} sheet, which has {} labels; count the first unused label across, then down, from 1",
                    start + 1,
                    stock.name(),
                    stock.per_sheet()
                )));
            }
            Kind::Labels { stock, start }
        }
    };
    let data = DataSource::open(&cfg.input.data, &cfg.input.data_options)
        .map_err(|e| Failure::problems(e.to_string()))?;
    for notice in data.notices() {
        reporter.notice(notice);
    }
    let selection = cfg
        .select
        .resolve(data.headers())
        .map_err(|e| Failure::io(e.0))?;
    // The output against every input (data, template, config, fonts), before any row.
    let mut files = RunFiles::for_run(
        &cfg.input.data,
        &cfg.input.template,
        cfg.input.config.as_deref(),
        &template.style().font,
    );
    files
        .output(kind.noun(), &cfg.out)
        .map_err(|e| Failure::io(e.to_string()))?;
    let mut typesetters = Typesetter::per_worker(template.style(), parallel::workers())
        .map_err(|e| Failure::problems(format!("{}: {e:#}", cfg.input.template.display())))?;
    let mut template_warnings = Vec::new();
    if let Kind::Envelopes(size) = kind {
        template_warnings = typesetters[0].check_return_address(size).map_err(|p| {
            Failure::problems(format!(
                "{}: {}",
                cfg.input.template.display(),
                reporter.format(&p)
            ))
        })?;
    }

    let (checked, mut typesetters) =
        check_pass(reporter, &data, &selection, &template, typesetters, kind)?;
    reporter.problems(&template_warnings);
    reporter.log(&checked.warnings);
    reporter.log(&checked.errors);
    let noun = kind.noun();
    if !checked.errors.is_empty() && (!cfg.skip_invalid || checked.valid == 0) {
        let bad = checked.invalid_rows.len();
        let hint = if cfg.skip_invalid || bad == 0 {
            ""
        } else {
            ", or pass --skip-invalid to write the others"
        };
        let what = if bad == 0 {
            "the template and the data do not match".to_string()
        } else {
            format!("{bad} of {} rows have problems", checked.rows)
        };
        return Err(Failure::problems(format!(
            "{what}, so no {noun} were written; fix the problems above{hint}"
        )));
    }
    if checked.valid == 0 {
        return Err(Failure::problems(if cfg.select.is_all() {
            format!(
                "{} has no data rows, so there are no {noun} to write",
                cfg.input.data.display()
            )
        } else {
            format!(
                "no row of {} matches {}, so there are no {noun} to write",
                cfg.input.data.display(),
                cfg.select.describe()
            )
        }));
    }
    if !cfg.force && occupied(&cfg.out) {
        return Err(Failure::io(format!(
            "{} already exists and was left untouched; pass --force to overwrite it, or choose another --out",
            cfg.out.display()
        )));
    }
    let (first, others) = typesetters.split_at_mut(1);
    for other in others.iter() {
        first[0].learn_glyph_text(other);
    }
    let fonts = EmbeddedFonts::prepare(first[0].fonts(), &checked.usage)
        .map_err(|e| Failure::problems(format!("cannot embed the fonts: {e:#}")))?;
    let pages = write_pass(
        cfg,
        reporter,
        &data,
        &selection,
        &template,
        typesetters,
        &fonts,
        &checked,
        kind,
    )?;

    let mut summary = match kind {
        Kind::Envelopes(size) => format!(
            "Wrote {} {} envelopes to {}",
            checked.valid,
            size.name(),
            cfg.out.display()
        ),
        Kind::Labels { stock, start } => {
            let per = u64::from(stock.per_sheet());
            let end = u64::from(start) + checked.valid;
            let left = (per - end % per) % per;
            let mut s = format!(
                "Wrote {} labels on {pages} {} {} to {} (first sheet from label {})",
                checked.valid,
                stock.name(),
                if pages == 1 { "sheet" } else { "sheets" },
                cfg.out.display(),
                start + 1
            );
            if left > 0 {
                s.push_str(&format!(
                    "; the last sheet has {left} labels left: use them with --start {}",
                    end % per + 1
                ));
            }
            s
        }
    };
    summary.push_str(&format!(" in {:.2} s", started.elapsed().as_secs_f64()));
    let warnings = checked.warnings.len() + template_warnings.len();
    if warnings > 0 {
        summary.push_str(&format!("; {warnings} warnings"));
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

/// Pass 1: renders every row and lays out its address (on all cores), collecting problems
/// and glyphs in row order.
fn check_pass(
    reporter: &Reporter,
    data: &DataSource,
    selection: &Selection,
    template: &Template,
    typesetters: Vec<Typesetter>,
    kind: Kind,
) -> Result<(Checked, Vec<Typesetter>), Failure> {
    let mut checked = Checked {
        rows: 0,
        valid: 0,
        invalid_rows: Vec::new(),
        errors: ProblemLog::default(),
        warnings: ProblemLog::default(),
        usage: GlyphUsage::new(typesetters[0].fonts()),
    };
    let missing_columns = template.check_columns(data.headers());
    let mut broken = crate::row_runs::RowRuns::default();
    let records = selection.apply(
        data.records()
            .map_err(|e| Failure::problems(e.to_string()))?,
    );
    let pb = reporter.spinner("Checking");
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
        let laid_out = template
            .render(&record)
            .and_then(|letter| kind.lay_out(typesetter, &letter).map(|t| (letter, t)));
        match laid_out {
            Ok((letter, typeset)) => {
                for page in &typeset.pages {
                    usage.add_page(page);
                }
                let mut warnings = notes;
                warnings.extend(letter.warnings);
                warnings.extend(typeset.warnings);
                RowCheck::Valid(warnings)
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
            RowCheck::Valid(warnings) => {
                checked.rows += 1;
                checked.valid += 1;
                for warning in warnings {
                    checked.warnings.push(warning);
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

/// Pass 2: lays out every valid row again (on all cores) and writes the pages in row
/// order: one per envelope, or the label sheets as they fill. Returns the pages written.
#[allow(clippy::too_many_arguments)]
fn write_pass(
    cfg: &StationeryConfig,
    reporter: &Reporter,
    data: &DataSource,
    selection: &Selection,
    template: &Template,
    typesetters: Vec<Typesetter>,
    fonts: &EmbeddedFonts,
    checked: &Checked,
    kind: Kind,
) -> Result<usize, Failure> {
    let out = &cfg.out;
    if let Some(parent) = out.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(parent).map_err(|e| io_failure(parent, e))?;
    }
    // Envelopes and labels carry no images; the writer wants a store all the same.
    let images = ImageStore::default();
    let author = template.style().letterhead.as_ref().map(|l| l.name.clone());
    let title = match kind {
        Kind::Envelopes(size) => format!("{} envelopes", size.name()),
        Kind::Labels { stock, .. } => format!("{} labels", stock.name()),
    };
    let file = AtomicFile::create(out).map_err(|e| io_failure(out, e))?;
    let mut pdf = PdfWriter::new(
        file,
        fonts,
        DocInfo::lettermerge(title, author, creation_time())
            .with_pdf_a(cfg.pdf_a || template.style().pdf_a),
    )
    .map_err(|e| io_failure(out, e))?;
    let changed = || {
        Failure::io(format!(
            "{} changed while the {} were being written; run again",
            cfg.input.data.display(),
            kind.noun()
        ))
    };
    let records = selection.apply(
        data.records()
            .map_err(|e| Failure::problems(e.to_string()))?,
    );
    let pb = reporter.bar(checked.valid, "Writing");
    let invalid: std::collections::HashSet<u64> = checked.invalid_rows.iter().copied().collect();
    // None: a row the check pass refused (only with --skip-invalid).
    let work = |typesetter: &mut Typesetter, record: Result<Record, Problem>| {
        let record = record.ok()?;
        if invalid.contains(&record.row) {
            return None;
        }
        let laid_out = template
            .render(&record)
            .ok()
            .and_then(|letter| kind.lay_out(typesetter, &letter).ok());
        Some(laid_out.and_then(|t| t.pages.into_iter().next()))
    };
    let mut written = 0u64;
    let mut sheet: Option<Page> = None;
    let mut position = match kind {
        Kind::Labels { start, .. } => start,
        Kind::Envelopes(_) => 0,
    };
    let sink = |result: Option<Option<Page>>| {
        let Some(page) = result else {
            return Ok(());
        };
        let page = page.ok_or_else(changed)?;
        match kind {
            Kind::Envelopes(_) => pdf
                .add_page(&page, &images)
                .map_err(|e| io_failure(out, e))?,
            Kind::Labels { stock, .. } => {
                let (w, h) = stock.sheet();
                let current = sheet.get_or_insert_with(|| Page::blank(w, h));
                place_label(stock, position, page, current);
                position += 1;
                if position == stock.per_sheet() {
                    position = 0;
                    if let Some(full) = sheet.take() {
                        pdf.add_page(&full, &images)
                            .map_err(|e| io_failure(out, e))?;
                    }
                }
            }
        }
        written += 1;
        pb.inc(1);
        Ok(())
    };
    let outcome = parallel::ordered_map(records, typesetters, work, sink);
    pb.finish_and_clear();
    outcome?;
    if let Some(last) = sheet.take() {
        pdf.add_page(&last, &images)
            .map_err(|e| io_failure(out, e))?;
    }
    if written != checked.valid {
        return Err(changed());
    }
    let pages = pdf.page_count();
    let file = pdf.finish(&images).map_err(|e| io_failure(out, e))?;
    file.commit(cfg.force).map_err(|e| io_failure(out, e))?;
    Ok(pages)
}

fn io_failure(path: &Path, e: std::io::Error) -> Failure {
    let what = if e.kind() == std::io::ErrorKind::AlreadyExists {
        "already exists; pass --force to overwrite it".to_string()
    } else {
        format!("cannot be written: {e}")
    };
    Failure::io(format!("{} {what}", path.display()))
}

/// The document's creation time: SOURCE_DATE_EPOCH when set (reproducible builds and
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
