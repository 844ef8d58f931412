//! The email run (`lettermerge send`): check every row first, then render the messages
//! (dry run), send the first ones to the user (test run), or deliver each message once
//! through one reused SMTP connection, with the ledger making every rerun safe.
//!
//! Rendering runs on worker threads; delivery, the ledger and the rate limit live on the
//! main thread, in row order.

use crate::campaign::email::{campaign_key, dry_run_text, email_settings, fnv64};
use crate::config::secret;
use crate::config::send::{AuthKind, Mode, Security as CfgSecurity, SendConfig};
use crate::email::{self, Attachment, Email, EmailSettings};
use crate::exit_codes::ExitCode;
use crate::images::ImageStore;
use crate::ledger::{CampaignInfo, Durability, Ledger, LedgerReader, RowState};
use crate::output::{sanitize_stem, write_atomically};
use crate::parallel;
use crate::pdf::{self, DocInfo, EmbeddedFonts, GlyphUsage};
use crate::problem::Problem;
use crate::records::{DataSource, Record, Selection};
use crate::report::Reporter;
use crate::smtp::{Secret, Security, SendError, SmtpClient, SmtpError, SmtpSettings};
use crate::template::Template;
use crate::typeset::Typesetter;
use std::collections::HashSet;
use std::io::{self, BufRead, IsTerminal, Write};
use std::path::Path;
use std::time::{Duration, Instant};

/// Why the run ended early.
enum Halt {
    /// --limit reached: a normal end.
    Limit,
    Fail(ExitCode, String),
}

fn fail(code: ExitCode, msg: impl Into<String>) -> Halt {
    Halt::Fail(code, msg.into())
}

/// Runs `lettermerge send` and decides the exit code.
pub fn run(cfg: &SendConfig) -> ExitCode {
    let reporter = Reporter::new(&cfg.input.data, cfg.quiet);
    match run_inner(cfg, &reporter) {
        Ok(code) => code,
        Err(Halt::Fail(code, message)) => {
            eprintln!("error: {message}");
            code
        }
        Err(Halt::Limit) => ExitCode::Success,
    }
}

/// The run's fixed parts, shared by the workers.
struct Prepared {
    template: Template,
    data: DataSource,
    settings: EmailSettings,
    images: ImageStore,
    /// `--rows` and `--where`: both passes see the same rows.
    selection: Selection,
}

fn run_inner(cfg: &SendConfig, reporter: &Reporter) -> Result<ExitCode, Halt> {
    let started = Instant::now();
    let template = Template::load_with(&cfg.input.template, &cfg.offices)
        .map_err(|e| fail(ExitCode::Problems, e.to_string()))?;
    let data = DataSource::open(&cfg.input.data, &cfg.input.data_options)
        .map_err(|e| fail(ExitCode::Problems, e.to_string()))?;
    for notice in data.notices() {
        reporter.notice(notice);
    }
    let template_text = std::fs::read(&cfg.input.template).map_err(|e| {
        fail(
            ExitCode::Error,
            format!("{}: {e}", cfg.input.template.display()),
        )
    })?;
    let campaign_key = campaign_key(&cfg.input.data, data.sheet_name(), &cfg.input.template);
    let test_to = match &cfg.mode {
        Mode::Test { to } => Some(to.as_str()),
        _ => None,
    };
    let settings = email_settings(&template, cfg.smtp.from.clone(), &campaign_key, test_to);
    let setting_problems = email::check_settings(&settings);
    if !setting_problems.is_empty() {
        reporter.problems(&setting_problems);
        return Err(fail(
            ExitCode::Error,
            "fix `from` in the config file (or --test-to) and run again",
        ));
    }
    let selection = cfg
        .select
        .resolve(data.headers())
        .map_err(|e| fail(ExitCode::Error, e.0))?;
    let prepared = Prepared {
        template,
        data,
        settings,
        images: ImageStore::default(),
        selection,
    };
    let typesetters = if cfg.attach_pdf {
        Typesetter::per_worker(prepared.template.style(), parallel::workers())
            .map_err(|e| fail(ExitCode::Problems, format!("{e:#}")))?
    } else {
        Vec::new()
    };

    // Pass 1: every row rendered and checked before anything leaves.
    let (checked, fonts, typesetters) = check_pass(cfg, reporter, &prepared, typesetters)?;
    reporter.problems(&checked.warnings);
    reporter.problems(&checked.errors);
    if !checked.errors.is_empty() && (!cfg.skip_invalid || checked.valid == 0) {
        return Err(fail(
            ExitCode::Problems,
            format!(
                "{} of {} rows have problems, so no message was sent; fix the problems above{}",
                checked.invalid,
                checked.rows,
                if cfg.skip_invalid {
                    ""
                } else {
                    ", or pass --skip-invalid to send the others"
                }
            ),
        ));
    }
    if checked.valid == 0 {
        return Err(fail(
            ExitCode::Problems,
            if cfg.select.is_all() {
                "the data has no rows, so there is nothing to send".to_string()
            } else {
                format!(
                    "no row matches {}, so there is nothing to send",
                    cfg.select.describe()
                )
            },
        ));
    }

    // Printing a dry run shows headers and text only: no MIME message is needed.
    let preview_only = matches!(cfg.mode, Mode::DryRun { dir: None }) && !cfg.attach_pdf;
    // A row the check pass refused (sent only with --skip-invalid) is skipped quietly: its
    // problems are listed already. Any other row that cannot be built now stops the run,
    // by name, so that no row is ever dropped without a word.
    let refused: HashSet<u64> = checked.errors.iter().filter_map(|p| p.row).collect();
    let render = |ts: &mut Vec<Typesetter>, record: Result<Record, Problem>| -> Rendered {
        let row_of = |p: &Problem| p.row;
        let record = record.map_err(|p| (row_of(&p), p.message))?;
        let row = Some(record.row);
        let letter = prepared
            .template
            .render(&record)
            .map_err(|p| (row, p.message))?;
        let attachment = match (fonts.as_ref(), ts.first_mut()) {
            (Some(fonts), Some(typesetter)) => {
                let typeset = typesetter
                    .typeset(&letter, &prepared.images)
                    .map_err(|p| (row, p.message))?;
                let recipient = letter.address.first().cloned().unwrap_or_default();
                let author = prepared.template.style().letterhead.as_ref();
                let info = DocInfo::lettermerge(
                    format!("Letter to {recipient}"),
                    author.map(|l| l.name.clone()),
                    Some(prepared.settings.date.timestamp()),
                );
                let bytes =
                    pdf::write_pdf(Vec::new(), &typeset.pages, fonts, &prepared.images, info)
                        .map_err(|e| (row, format!("its PDF could not be made: {e}")))?;
                let stem = letter
                    .filename
                    .as_deref()
                    .map(|f| sanitize_stem(f, letter.row))
                    .unwrap_or_else(|| format!("letter-{}", letter.row));
                Some(Attachment {
                    filename: format!("{stem}.pdf"),
                    bytes,
                })
            }
            _ => None,
        };
        let built = if preview_only {
            email::build_preview(&letter, &prepared.settings)
        } else {
            email::build(&letter, &prepared.settings, attachment.as_ref())
        };
        built.map_err(|problems| {
            let why: Vec<String> = problems.into_iter().map(|p| p.message).collect();
            (row, why.join("; "))
        })
    };
    let accept = |rendered: Rendered| -> Result<Option<Email>, Halt> {
        match rendered {
            Ok(email) => Ok(Some(email)),
            Err((Some(row), _)) if refused.contains(&row) => Ok(None),
            Err((row, why)) => Err(fail(
                ExitCode::Problems,
                format!(
                    "{}could not be made into a message although it passed the check ({why}); \
                     the run stopped there and nothing was sent for it; run `lettermerge check` \
                     and report this",
                    row.map(|r| format!("row {r} ")).unwrap_or_default()
                ),
            )),
        }
    };
    let states: Vec<Vec<Typesetter>> = typesetters.into_iter().map(|t| vec![t]).collect();
    let states = if states.is_empty() {
        (0..parallel::workers()).map(|_| Vec::new()).collect()
    } else {
        states
    };
    let records = prepared.selection.apply(
        prepared
            .data
            .records()
            .map_err(|e| fail(ExitCode::Problems, e.to_string()))?,
    );

    match &cfg.mode {
        Mode::DryRun { dir } => {
            if let Some(dir) = dir {
                let mut files = crate::clash::RunFiles::for_run(
                    &cfg.input.data,
                    &cfg.input.template,
                    cfg.input.config.as_deref(),
                    &prepared.template.style().font,
                );
                files.images(&prepared.images);
                for (what, file) in crate::clash::ledger_files(&cfg.ledger) {
                    files.input(what, &file);
                }
                files
                    .outputs_named_in(dir, ".eml file", crate::clash::is_eml_name)
                    .map_err(|e| fail(ExitCode::Error, e.to_string()))?;
                std::fs::create_dir_all(dir).map_err(|e| {
                    fail(
                        ExitCode::Error,
                        format!("cannot create {}: {e}", dir.display()),
                    )
                })?;
            }
            let limit = cfg.limit.unwrap_or(usize::MAX);
            let mut shown = 0usize;
            let stdout = io::stdout();
            let mut out = io::BufWriter::new(stdout.lock());
            let outcome = match &checked.printed {
                // The check pass rendered them already.
                Some(printed) => {
                    shown = printed.len();
                    printed
                        .iter()
                        .try_for_each(|text| print_text(&mut out, text))
                }
                None => {
                    let sink = |rendered: Rendered| -> Result<(), Halt> {
                        let Some(email) = accept(rendered)? else {
                            return Ok(());
                        };
                        if shown >= limit {
                            return Err(Halt::Limit);
                        }
                        shown += 1;
                        match dir {
                            Some(dir) => {
                                let path = dir.join(crate::clash::eml_name(email.row));
                                write_atomically(&path, true, |w| w.write_all(&email.formatted))
                                    .map_err(|e| {
                                        fail(ExitCode::Error, format!("{}: {e}", path.display()))
                                    })
                            }
                            None => print_text(&mut out, &dry_run_text(&email)),
                        }
                    };
                    parallel::ordered_map(records, states, render, sink).map(|_| ())
                }
            };
            match outcome {
                Ok(()) | Err(Halt::Limit) => {}
                Err(h) => return Err(h),
            }
            out.flush().ok();
            let where_to = match dir {
                Some(d) => format!(" as .eml files in {}", d.display()),
                None => String::new(),
            };
            reporter.summary(&format!(
                "Dry run: rendered {shown} messages{where_to} in {:.2} s; no connection was made",
                started.elapsed().as_secs_f64()
            ));
            Ok(if checked.errors.is_empty() {
                ExitCode::Success
            } else {
                ExitCode::Problems
            })
        }
        Mode::Test { to } => {
            let mut client = connect(cfg)?;
            let limit = cfg.limit.unwrap_or(1);
            let mut delivered = 0usize;
            let sink = |rendered: Rendered| -> Result<(), Halt> {
                let Some(email) = accept(rendered)? else {
                    return Ok(());
                };
                if delivered >= limit {
                    return Err(Halt::Limit);
                }
                let rcpt: Vec<String> =
                    email.recipients.iter().map(|r| r.address.clone()).collect();
                client
                    .send(&email.envelope_from, &rcpt, &email.formatted)
                    .map_err(|e| fail(ExitCode::Error, format!("row {}: {e}", email.row)))?;
                delivered += 1;
                Ok(())
            };
            match parallel::ordered_map(records, states, render, sink) {
                Ok(_) | Err(Halt::Limit) => {}
                Err(h) => return Err(h),
            }
            client.quit();
            reporter.summary(&format!(
                "Test: delivered {delivered} message(s) to {to}, subject marked [TEST]; the ledger records nothing"
            ));
            Ok(ExitCode::Success)
        }
        Mode::Send => {
            let campaign = CampaignInfo {
                key: campaign_key.clone(),
                template_hash: format!("{:016x}", fnv64(&template_text)),
                data_path: cfg.input.data.display().to_string(),
                template_path: cfg.input.template.display().to_string(),
            };
            let (mut ledger, report) =
                Ledger::open(&cfg.ledger, &campaign, cfg.allow_template_change)
                    .map_err(|e| fail(ExitCode::Error, e.to_string()))?;
            ledger.set_durability(Durability::SendingOnly);
            if report.recovered_unknown > 0 {
                reporter.notice(&format!(
                    "{} rows were being sent when an earlier run stopped; they are now `unknown`",
                    report.recovered_unknown
                ));
            }
            let unknown = ledger
                .unknown_rows()
                .map_err(|e| fail(ExitCode::Error, e.to_string()))?;
            if !unknown.is_empty() && !cfg.resend_unknown {
                let rows: Vec<String> = unknown.iter().map(|r| r.row.to_string()).collect();
                reporter.notice(&format!(
                    "not resending {} rows whose delivery is unknown (rows {}); check with the recipients \
                     or your server's log, then pass --resend-unknown to send them again",
                    unknown.len(),
                    rows.join(", ")
                ));
            }
            confirm(cfg, checked.valid)?;
            let mut sender = Sender {
                cfg,
                reporter,
                client: connect(cfg)?,
                ledger,
                pacer: Pacer::new(cfg.rate_per_minute),
                day_start: start_of_today(),
                outcome: Outcome::default(),
                held: None,
            };
            let limit = cfg.limit.unwrap_or(usize::MAX);
            let sink = |rendered: Rendered| -> Result<(), Halt> {
                let Some(email) = accept(rendered)? else {
                    return Ok(());
                };
                if sender.outcome.attempted >= limit {
                    return Err(Halt::Limit);
                }
                sender.take(email)
            };
            let result = match parallel::ordered_map(records, states, render, sink) {
                Ok(_) | Err(Halt::Limit) => sender.finish(),
                Err(halt) => {
                    sender.release()?;
                    Err(halt)
                }
            };
            let Sender {
                client,
                mut ledger,
                outcome,
                ..
            } = sender;
            client.quit();
            ledger
                .flush()
                .map_err(|e| fail(ExitCode::Error, e.to_string()))?;
            let counts = ledger
                .counts()
                .map_err(|e| fail(ExitCode::Error, e.to_string()))?;
            reporter.summary(&format!(
                "Sent {} messages, {} failed, {} unknown, {} skipped as already sent, in {:.2} s; ledger {}: {counts}",
                outcome.sent,
                outcome.failed,
                outcome.unknown,
                outcome.already_sent,
                started.elapsed().as_secs_f64(),
                cfg.ledger.display()
            ));
            result?;
            Ok(
                if outcome.failed == 0 && outcome.unknown == 0 && checked.errors.is_empty() {
                    ExitCode::Success
                } else {
                    ExitCode::Problems
                },
            )
        }
    }
}

/// What the check pass learned.
struct Checked {
    rows: u64,
    valid: u64,
    invalid: u64,
    errors: Vec<Problem>,
    warnings: Vec<Problem>,
    /// A dry run to the terminal prints what the check pass already rendered (the first
    /// `--limit` messages), so every row is rendered once. `None` for the other modes, and
    /// when the text outgrew [`PRINT_BUFFER_MAX`]: then the messages are rendered again.
    printed: Option<Vec<String>>,
    /// Bytes in `printed`.
    printed_len: usize,
}

/// The most a dry run to the terminal holds back while checking (about 50,000 messages);
/// past it the check pass stops keeping the text and the messages are rendered again after.
const PRINT_BUFFER_MAX: usize = 64 << 20;

/// Writes dry-run text to the terminal; a closed pipe (`| head`) ends the run quietly.
fn print_text(out: &mut impl Write, text: &str) -> Result<(), Halt> {
    let text = crate::terminal::escape_controls(text);
    out.write_all(text.as_bytes()).map_err(|e| {
        if e.kind() == io::ErrorKind::BrokenPipe {
            Halt::Limit
        } else {
            fail(ExitCode::Error, e.to_string())
        }
    })
}

/// A row's message, or why it could not be made: (the row, the reason).
type Rendered = Result<Email, (Option<u64>, String)>;

type CheckState = (Vec<Typesetter>, Option<GlyphUsage>);

#[allow(clippy::type_complexity)]
fn check_pass(
    cfg: &SendConfig,
    reporter: &Reporter,
    prepared: &Prepared,
    typesetters: Vec<Typesetter>,
) -> Result<(Checked, Option<EmbeddedFonts>, Vec<Typesetter>), Halt> {
    let mut checked = Checked {
        rows: 0,
        valid: 0,
        invalid: 0,
        errors: Vec::new(),
        warnings: Vec::new(),
        printed: (matches!(cfg.mode, Mode::DryRun { dir: None }) && !cfg.attach_pdf).then(Vec::new),
        printed_len: 0,
    };
    // Columns the template names that the data lacks, in any branch: one error for the
    // file, with the rows they break, instead of one per row.
    let missing = prepared.template.check_columns(prepared.data.headers());
    let mut broken: Vec<u64> = Vec::new();
    let print = checked.printed.is_some();
    let print_limit = cfg.limit.unwrap_or(usize::MAX);
    let records = prepared.selection.apply(
        prepared
            .data
            .records()
            .map_err(|e| fail(ExitCode::Problems, e.to_string()))?,
    );
    let states: Vec<CheckState> = if typesetters.is_empty() {
        (0..parallel::workers())
            .map(|_| (Vec::new(), None))
            .collect()
    } else {
        typesetters
            .into_iter()
            .map(|t| {
                let usage = GlyphUsage::new(t.fonts());
                (vec![t], Some(usage))
            })
            .collect()
    };
    let work = |(ts, usage): &mut CheckState,
                record: Result<Record, Problem>|
     -> Result<(Vec<Problem>, Option<String>), Problem> {
        let record = record?;
        let letter = prepared.template.render(&record)?;
        if print {
            // The same checks as `email::check`, and the text a dry run prints.
            return Ok(match email::build_preview(&letter, &prepared.settings) {
                Ok(email) => (Vec::new(), Some(dry_run_text(&email))),
                Err(problems) => (problems, None),
            });
        }
        let mut problems = email::check(&letter, &prepared.settings);
        if let (Some(typesetter), Some(usage)) = (ts.first_mut(), usage.as_mut()) {
            // The attached letter prints the address: one printed as written is reported.
            problems.extend(letter.warnings.iter().cloned());
            match typesetter.typeset(&letter, &prepared.images) {
                Ok(typeset) => {
                    for page in &typeset.pages {
                        usage.add_page(page);
                    }
                    problems.extend(typeset.warnings);
                }
                Err(p) => problems.push(p),
            }
        }
        Ok((problems, None))
    };
    let pb = reporter.spinner("Checking");
    let sink = |result: Result<(Vec<Problem>, Option<String>), Problem>| -> Result<(), Halt> {
        pb.inc(1);
        checked.rows += 1;
        let problems = match result {
            Ok((p, text)) => {
                if let (Some(text), Some(printed)) = (text, checked.printed.as_mut()) {
                    if printed.len() < print_limit {
                        checked.printed_len += text.len();
                        printed.push(text);
                        if checked.printed_len > PRINT_BUFFER_MAX {
                            checked.printed = None;
                        }
                    }
                }
                p
            }
            Err(p) if p.row.is_none() => {
                return Err(fail(ExitCode::Problems, reporter.format(&p)));
            }
            Err(p) => vec![p],
        };
        let (errors, warnings): (Vec<Problem>, Vec<Problem>) =
            problems.into_iter().partition(Problem::is_error);
        if errors.is_empty() {
            checked.valid += 1;
        } else {
            checked.invalid += 1;
        }
        for p in errors {
            match p.row {
                Some(row) if missing.covers(&p) => broken.push(row),
                _ => checked.errors.push(p),
            }
        }
        checked.warnings.extend(warnings);
        Ok(())
    };
    let states = parallel::ordered_map(records, states, work, sink);
    pb.finish_and_clear();
    let states = states?;
    broken.dedup();
    if let Some(p) = missing.problem(&broken) {
        checked.errors.insert(0, p);
    }
    let mut usage_all: Option<GlyphUsage> = None;
    let mut typesetters = Vec::new();
    for (ts, usage) in states {
        if let Some(usage) = usage {
            match usage_all.as_mut() {
                Some(all) => all.merge(&usage),
                None => usage_all = Some(usage),
            }
        }
        typesetters.extend(ts);
    }
    let fonts =
        match (usage_all, typesetters.split_first_mut()) {
            (Some(usage), Some((first, others))) if cfg.attach_pdf => {
                for other in others.iter() {
                    first.learn_glyph_text(other);
                }
                Some(EmbeddedFonts::prepare(first.fonts(), &usage).map_err(|e| {
                    fail(ExitCode::Problems, format!("cannot embed the fonts: {e:#}"))
                })?)
            }
            _ => None,
        };
    Ok((checked, fonts, typesetters))
}

#[derive(Default)]
struct Outcome {
    attempted: usize,
    sent: u64,
    failed: u64,
    unknown: u64,
    already_sent: u64,
}

/// Delivery state of a real send run.
struct Sender<'a> {
    cfg: &'a SendConfig,
    reporter: &'a Reporter,
    client: SmtpClient,
    ledger: Ledger,
    pacer: Pacer,
    day_start: chrono::DateTime<chrono::Utc>,
    outcome: Outcome,
    /// The message taken last, delivered when the next one arrives (or at the end): while the
    /// server works on a message, the next one's `sending` mark is written and synced, so the
    /// ledger's one wait per message overlaps the server's.
    held: Option<Queued>,
}

/// What became of one delivery attempt.
enum Attempt {
    Done,
    Retry,
}

/// A message the ledger allows to go out.
struct Queued {
    email: Email,
    key: String,
    recipients: Vec<String>,
    /// Already recorded `sending` (during the previous message's delivery).
    marked: bool,
}

impl Queued {
    /// Records, durably, that this message is about to be handed over.
    fn mark_sending(&self, ledger: &mut Ledger) -> Result<(), crate::ledger::LedgerError> {
        ledger.mark_sending(
            &self.key,
            self.email.row,
            &self.email.message_id,
            &self.recipients.join(", "),
        )
    }
}

fn ledger_err(e: crate::ledger::LedgerError) -> Halt {
    fail(ExitCode::Error, e.to_string())
}

impl Sender<'_> {
    /// Takes the next rendered message: delivers the one held before it, and holds this one.
    fn take(&mut self, email: Email) -> Result<(), Halt> {
        let mut queued = match self.admit(email) {
            Ok(Some(queued)) => queued,
            Ok(None) => return Ok(()),
            Err(halt) => {
                // The daily cap counts the held message in: it still goes out.
                self.finish()?;
                return Err(halt);
            }
        };
        if let Some(current) = self.held.take() {
            if let Err(halt) = self.deliver(&current, Some(&mut queued)) {
                self.held = Some(queued);
                self.release()?;
                return Err(halt);
            }
        }
        self.held = Some(queued);
        Ok(())
    }

    /// Delivers the message still held: the end of the run.
    fn finish(&mut self) -> Result<(), Halt> {
        match self.held.take() {
            Some(last) => self.deliver(&last, None),
            None => Ok(()),
        }
    }

    /// The run stops with a message held: if it was already marked `sending`, it never went
    /// out, so it goes back to `pending` (not to `unknown` on the next run).
    fn release(&mut self) -> Result<(), Halt> {
        if let Some(held) = self.held.take() {
            if held.marked {
                self.ledger
                    .mark_pending(&held.key, held.email.row)
                    .map_err(ledger_err)?;
            }
        }
        Ok(())
    }

    /// Whether the ledger lets this message go out: not when it was sent, refused for good,
    /// or may have arrived (`unknown`) in an earlier run; and not past the daily cap.
    fn admit(&mut self, email: Email) -> Result<Option<Queued>, Halt> {
        let recipients: Vec<String> = email.recipients.iter().map(|r| r.address.clone()).collect();
        let key = format!("row {}: {}", email.row, recipients.join(", "));
        if let Some(rec) = self.ledger.state(&key).map_err(ledger_err)? {
            match rec.state {
                RowState::Sent => {
                    self.outcome.already_sent += 1;
                    return Ok(None);
                }
                RowState::Unknown if !self.cfg.resend_unknown => return Ok(None),
                RowState::Failed if rec.code.is_some_and(|c| c >= 500) => return Ok(None),
                _ => {}
            }
        }
        if let Some(cap) = self.cfg.smtp.max_per_day {
            // The held message goes out before this one.
            let today = self.ledger.sent_since(self.day_start).map_err(ledger_err)?
                + u64::from(self.held.is_some());
            if today >= u64::from(cap) {
                return Err(fail(
                    ExitCode::Problems,
                    format!(
                        "the daily cap of {cap} messages (max_per_day) is reached; the rest stay \
                         pending: run again tomorrow"
                    ),
                ));
            }
        }
        self.outcome.attempted += 1;
        Ok(Some(Queued {
            email,
            key,
            recipients,
            marked: false,
        }))
    }

    /// Delivers `current` with retries, recording every step in the ledger. While the server
    /// takes `current`, `next` is recorded `sending` (not when a rate limit spaces messages
    /// out: then it would wait marked, and a crash in the wait would make it `unknown`).
    fn deliver(&mut self, current: &Queued, mut next: Option<&mut Queued>) -> Result<(), Halt> {
        let email = &current.email;
        let key = current.key.as_str();
        let recipients = &current.recipients;
        let overlap = self.pacer.interval.is_none();
        let mut delay = self.cfg.smtp.retry_delay;
        let mut attempt = 0;
        loop {
            self.pacer.wait();
            if attempt > 0 || !current.marked {
                current.mark_sending(&mut self.ledger).map_err(ledger_err)?;
            }
            let mut marked_next: Result<(), crate::ledger::LedgerError> = Ok(());
            let upcoming = next.as_deref_mut().filter(|n| overlap && !n.marked);
            let ledger = &mut self.ledger;
            let result =
                self.client
                    .send_and(&email.envelope_from, recipients, &email.formatted, || {
                        if let Some(n) = upcoming {
                            marked_next = n.mark_sending(ledger).map(|()| n.marked = true);
                        }
                    });
            let outcome = self.record(email, key, result, &mut attempt, &mut delay);
            marked_next.map_err(ledger_err)?;
            match outcome? {
                Attempt::Done => return Ok(()),
                Attempt::Retry => {}
            }
        }
    }

    /// Records one attempt's result, and says whether to try again (after the backoff).
    fn record(
        &mut self,
        email: &Email,
        key: &str,
        result: Result<crate::smtp::Delivery, SendError>,
        attempt: &mut u32,
        delay: &mut Duration,
    ) -> Result<Attempt, Halt> {
        match result {
            Ok(delivery) => {
                self.ledger
                    .mark_sent(key, delivery.reply.code, &delivery.reply.text)
                    .map_err(ledger_err)?;
                self.outcome.sent += 1;
                for (address, reply) in &delivery.refused {
                    self.reporter.problem(
                        &Problem::warning(format!(
                            "the server refused the recipient {address} ({reply}); the others got the message"
                        ))
                        .at_row(email.row),
                    );
                }
                Ok(Attempt::Done)
            }
            Err(SendError::Connect(e @ SmtpError::Auth { .. })) if !e.is_temporary() => {
                self.ledger
                    .mark_pending(key, email.row)
                    .map_err(ledger_err)?;
                Err(fail(ExitCode::Error, format!("stopped: {e}")))
            }
            Err(e) if e.is_retryable() && *attempt < self.cfg.smtp.retries => {
                let code = e.reply().map(|r| r.code);
                self.ledger
                    .mark_deferred(key, code, &e.to_string())
                    .map_err(ledger_err)?;
                *attempt += 1;
                std::thread::sleep(jitter(*delay, email.row, *attempt));
                *delay = delay.saturating_mul(2);
                Ok(Attempt::Retry)
            }
            Err(SendError::Unknown { detail }) => {
                self.ledger.mark_unknown(key, &detail).map_err(ledger_err)?;
                self.outcome.unknown += 1;
                self.reporter.problem(
                    &Problem::error(format!(
                        "the connection broke after the message was handed over ({detail}); \
                         it may have arrived, so it is marked unknown and not sent again"
                    ))
                    .at_row(email.row)
                    .with_hint(
                        "check with the recipient; rerun with --resend-unknown to send it again",
                    ),
                );
                Ok(Attempt::Done)
            }
            Err(e) => {
                let code = e.reply().map(|r| r.code);
                self.ledger
                    .mark_failed(key, code, &e.to_string())
                    .map_err(ledger_err)?;
                self.outcome.failed += 1;
                self.reporter
                    .problem(&Problem::error(format!("not sent: {e}")).at_row(email.row));
                if let SendError::Connect(c) = &e {
                    return Err(fail(ExitCode::Error, format!("stopped: {c}")));
                }
                Ok(Attempt::Done)
            }
        }
    }
}

/// Spaces messages out to the rate limit.
struct Pacer {
    interval: Option<Duration>,
    next: Instant,
}

impl Pacer {
    fn new(per_minute: Option<u32>) -> Pacer {
        Pacer {
            interval: per_minute.map(|n| Duration::from_secs(60) / n.max(1)),
            next: Instant::now(),
        }
    }

    fn wait(&mut self) {
        let Some(interval) = self.interval else {
            return;
        };
        let now = Instant::now();
        if self.next > now {
            std::thread::sleep(self.next - now);
        }
        self.next = self.next.max(now) + interval;
    }
}

/// `delay` plus up to 50% more, varied per row and attempt so retries do not march in step.
fn jitter(delay: Duration, row: u64, attempt: u32) -> Duration {
    let spread = fnv64(&[row.to_le_bytes(), u64::from(attempt).to_le_bytes()].concat()) % 1000;
    delay + delay.mul_f64(spread as f64 / 2000.0)
}

fn connect(cfg: &SendConfig) -> Result<SmtpClient, Halt> {
    let smtp = &cfg.smtp;
    let secret = match &smtp.username {
        None => None,
        Some(user) => {
            let what = match smtp.auth {
                AuthKind::Password => format!("password for {user} at {}", smtp.host),
                AuthKind::XOAuth2 => format!("XOAUTH2 token for {user} at {}", smtp.host),
            };
            let s = secret::obtain(smtp.password_command.as_deref(), &what)
                .map_err(|e| fail(ExitCode::Error, e))?;
            Some(match smtp.auth {
                AuthKind::Password => Secret::Password(s.expose().to_string()),
                AuthKind::XOAuth2 => Secret::XOAuth2(s.expose().to_string()),
            })
        }
    };
    let settings = SmtpSettings {
        host: smtp.host.clone(),
        port: smtp.port,
        security: match smtp.security {
            CfgSecurity::StartTls => Security::StartTls,
            CfgSecurity::Tls => Security::Tls,
            CfgSecurity::None => Security::None,
        },
        username: smtp.username.clone(),
        secret,
        ca_file: smtp.ca_file.clone(),
        accept_invalid_certs: smtp.accept_invalid_certs,
        timeout: smtp.timeout,
        hello_name: smtp.hello_name.clone().unwrap_or_default(),
    };
    SmtpClient::connect(&settings).map_err(|e| fail(ExitCode::Error, e.to_string()))
}

/// Asks before a real send unless --yes; refuses without a terminal to ask on.
fn confirm(cfg: &SendConfig, messages: u64) -> Result<(), Halt> {
    if cfg.yes {
        return Ok(());
    }
    let question = format!(
        "Send up to {messages} messages through {}:{} as {}? [y/N] ",
        cfg.smtp.host, cfg.smtp.port, cfg.smtp.from
    );
    if !io::stdin().is_terminal() {
        return Err(fail(
            ExitCode::Error,
            "not on a terminal, so I cannot ask before sending: pass --yes to send, or \
             --dry-run to look first",
        ));
    }
    eprint!("{question}");
    let mut answer = String::new();
    io::stdin().lock().read_line(&mut answer).ok();
    if matches!(answer.trim().to_ascii_lowercase().as_str(), "y" | "yes") {
        Ok(())
    } else {
        Err(fail(ExitCode::Error, "nothing was sent"))
    }
}

fn start_of_today() -> chrono::DateTime<chrono::Utc> {
    let now = chrono::Local::now();
    now.date_naive()
        .and_hms_opt(0, 0, 0)
        .and_then(|t| t.and_local_timezone(chrono::Local).earliest())
        .map(|t| t.with_timezone(&chrono::Utc))
        .unwrap_or_else(|| now.with_timezone(&chrono::Utc) - chrono::Duration::hours(24))
}

/// Runs `lettermerge status`.
pub fn status(ledger: &Path, failures: Option<&Path>) -> ExitCode {
    match status_inner(ledger, failures) {
        Ok(()) => ExitCode::Success,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::Error
        }
    }
}

fn status_inner(ledger: &Path, failures: Option<&Path>) -> Result<(), String> {
    // Before the ledger is even opened: the failures CSV written over the ledger (or its WAL)
    // would destroy the send history, and the next send would resend every row.
    if let Some(path) = failures {
        let mut files = crate::clash::RunFiles::new();
        for (what, file) in crate::clash::ledger_files(ledger) {
            files.input(what, &file);
        }
        files
            .output("failures CSV", path)
            .map_err(|e| e.to_string())?;
    }
    let reader = LedgerReader::open(ledger).map_err(|e| e.to_string())?;
    println!("{}", reader.summary().map_err(|e| e.to_string())?);
    let Some(path) = failures else {
        return Ok(());
    };
    let mut records = Vec::new();
    for c in reader.campaigns().map_err(|e| e.to_string())? {
        records.extend(reader.failures(&c.info.key).map_err(|e| e.to_string())?);
        records.extend(
            reader
                .unknown_rows(&c.info.key)
                .map_err(|e| e.to_string())?,
        );
    }
    write_atomically(path, true, |w| {
        crate::ledger::export_failures_csv(&records, w)
    })
    .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    eprintln!(
        "wrote {} failed or unknown rows to {}",
        records.len(),
        path.display()
    );
    Ok(())
}
