//! The send engine, one for the command line and the studio: check every row first, then
//! render the messages (dry run), send the first ones to the user (test run), or deliver each
//! message once through one reused SMTP connection, with the ledger making every rerun safe.
//! The front end (the `send` command's terminal, the studio's page) answers its questions
//! (confirm, the password) and hears its progress as [`SendEvent`]s; a shared flag stops it
//! between messages.
//!
//! Rendering runs on worker threads; delivery, the ledger and the rate limit live on the
//! calling thread, in row order.

mod deliver;
pub mod plan;
pub mod progress;
pub mod status;

pub use self::deliver::Outcome;
pub use self::progress::Progress;
/// The login secret a front end hands the engine (a password or an OAuth token).
pub use crate::smtp::Secret;

use self::deliver::{connect, start_of_today, Pacer, Sender};
use crate::campaign::email::{campaign_key, dry_run_text, email_settings, fnv64};
use crate::config::send::{AuthKind, Mode, SendConfig};
use crate::email::{self, Attachment, Email, EmailSettings};
use crate::exit_codes::ExitCode;
use crate::images::ImageStore;
use crate::ledger::{CampaignInfo, Durability, Ledger};
use crate::output::{sanitize_stem, write_atomically};
use crate::parallel;
use crate::pdf::{self, DocInfo, EmbeddedFonts, GlyphUsage};
use crate::problem::Problem;
use crate::records::{DataSource, Record, Selection};
use crate::report::{ProblemLog, Reporter};
use crate::template::Template;
use crate::typeset::Typesetter;
use std::collections::HashSet;
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Instant;

/// What the front end is asked for a real send, after every row passed the check.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plan {
    /// Messages that may go out (rows that passed the check; the ledger skips those sent).
    pub messages: u64,
    pub host: String,
    pub port: u16,
    pub from: String,
}

/// The password (or token) the server wants, as the front end is asked for it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecretRequest {
    /// "password for me@example.org at smtp.example.org".
    pub what: String,
    pub auth: AuthKind,
    pub password_command: Option<String>,
}

impl SecretRequest {
    /// The secret text as the SMTP login of this request's kind.
    pub fn wrap(&self, text: &str) -> Secret {
        match self.auth {
            AuthKind::Password => Secret::Password(text.to_string()),
            AuthKind::XOAuth2 | AuthKind::OAuth2 => Secret::XOAuth2(text.to_string()),
        }
    }
}

/// Why the ledger kept a message back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Skip {
    /// An earlier run sent it.
    AlreadySent,
    /// An earlier run may have delivered it; resent only when asked (`resend_unknown`).
    Unknown,
    /// The server refused it for good (a 5xx reply) in an earlier run.
    Refused,
}

/// What a run reports as it goes, in order.
#[derive(Debug, Clone, PartialEq)]
pub enum SendEvent {
    /// Every selected row was checked.
    Checked {
        rows: u64,
        valid: u64,
        invalid: u64,
    },
    /// Delivery begins: up to `total` messages (the first of them maybe skipped by the
    /// ledger as sent before).
    Started {
        total: u64,
    },
    Sent {
        row: u64,
    },
    Failed {
        row: u64,
        code: Option<u16>,
        message: String,
    },
    /// The connection broke after the message was handed over: it may have arrived.
    Unknown {
        row: u64,
        detail: String,
    },
    Skipped {
        row: u64,
        why: Skip,
    },
    /// Something to tell the user about one message as it happens (a refused recipient, why
    /// a message failed or is unknown); the terminal prints it as `check` does.
    Problem(Problem),
    Finished(Outcome),
}

/// The front end a run talks to: the `send` command's terminal, or the studio.
pub trait SendFront {
    /// Asked once before a real send: Ok to go on, or why nothing is sent.
    fn confirm(&mut self, plan: &Plan) -> Result<(), String>;
    /// The password or token for the login (asked only when the config names a user).
    fn secret(&mut self, request: &SecretRequest) -> Result<Secret, String>;
    fn event(&mut self, event: &SendEvent);
    /// A dry run's text for one message; an error ends the dry run (a closed pipe quietly).
    fn print(&mut self, text: &str) -> io::Result<()>;
}

/// Why a run failed: the exit code, and the message (without "error: ").
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SendFailure {
    pub code: ExitCode,
    pub message: String,
}

/// Why the run ended early.
enum Halt {
    /// --limit reached, or the terminal closed the pipe: a normal end.
    Limit,
    /// The stop flag was set: a normal end, with nothing in flight lost.
    Stopped,
    Fail(ExitCode, String),
}

fn fail(code: ExitCode, msg: impl Into<String>) -> Halt {
    Halt::Fail(code, msg.into())
}

/// Runs a send (any mode) and decides the exit code. `reporter` gets the problems and the
/// summary as the terminal shows them (a silent one for the studio); `stop` ends the run
/// between messages.
pub fn run(
    cfg: &SendConfig,
    reporter: &Reporter,
    front: &mut dyn SendFront,
    stop: &AtomicBool,
) -> Result<ExitCode, SendFailure> {
    match run_inner(cfg, reporter, front, stop) {
        Ok(code) => Ok(code),
        Err(Halt::Fail(code, message)) => Err(SendFailure { code, message }),
        Err(Halt::Limit | Halt::Stopped) => Ok(ExitCode::Success),
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

fn run_inner(
    cfg: &SendConfig,
    reporter: &Reporter,
    front: &mut dyn SendFront,
    stop: &AtomicBool,
) -> Result<ExitCode, Halt> {
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
    let mut settings = email_settings(&template, cfg.smtp.from.clone(), &campaign_key, test_to);
    // An attachment that changes between the check pass and its message is refused.
    settings.attachments = settings.attachments.remembering();
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
    reporter.log(&checked.warnings);
    reporter.problems(&checked.errors);
    front.event(&SendEvent::Checked {
        rows: checked.rows,
        valid: checked.valid,
        invalid: checked.invalid,
    });
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
        let record = record.map_err(|p| Unbuilt::from((row_of(&p), p.message)))?;
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
                )
                // The template's `pdf_a: true` covers the emailed letters too.
                .with_pdf_a(prepared.template.style().pdf_a)
                .with_tags(
                    prepared.template.style().tagged,
                    &prepared.template.style().lang,
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
            let attachment_changed = problems.iter().any(crate::attachments::is_changed);
            let why: Vec<String> = problems.into_iter().map(|p| p.message).collect();
            Unbuilt {
                row,
                why: why.join("; "),
                attachment_changed,
            }
        })
    };
    let accept = |rendered: Rendered| -> Result<Option<Email>, Halt> {
        match rendered {
            Ok(email) => Ok(Some(email)),
            Err(Unbuilt { row: Some(row), .. }) if refused.contains(&row) => Ok(None),
            Err(Unbuilt {
                row,
                why,
                attachment_changed: true,
            }) => Err(fail(
                ExitCode::Problems,
                format!(
                    "{}was not made into a message: {why}; the run stopped there",
                    row.map(|r| format!("row {r} ")).unwrap_or_default()
                ),
            )),
            Err(Unbuilt { row, why, .. }) => Err(fail(
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
    let mut states = if states.is_empty() {
        (0..parallel::workers()).map(|_| Vec::new()).collect()
    } else {
        states
    };
    if prepared.template.has_attachments() && !preview_only {
        // Each message then holds its files (up to 24 MiB encoded), and the workers render
        // hundreds of messages ahead of the server: one worker keeps one or two in memory,
        // and sending such a message takes far longer than making it.
        states.truncate(1);
    }
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
            let outcome = match &checked.printed {
                // The check pass rendered them already.
                Some(printed) => {
                    shown = printed.len();
                    printed.iter().try_for_each(|text| print_text(front, text))
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
                            None => print_text(front, &dry_run_text(&email)),
                        }
                    };
                    parallel::ordered_map(records, states, render, sink).map(|_| ())
                }
            };
            match outcome {
                Ok(()) | Err(Halt::Limit) => {}
                Err(h) => return Err(h),
            }
            front.event(&SendEvent::Finished(Outcome::default()));
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
            let (mut client, _tokens) = connect(cfg, front)?;
            let limit = cfg.limit.unwrap_or(1);
            front.event(&SendEvent::Started {
                total: checked.valid.min(limit as u64),
            });
            let mut delivered = 0usize;
            let sink = |rendered: Rendered| -> Result<(), Halt> {
                let Some(email) = accept(rendered)? else {
                    return Ok(());
                };
                if delivered >= limit {
                    return Err(Halt::Limit);
                }
                if stop.load(Ordering::Relaxed) {
                    return Err(Halt::Stopped);
                }
                let rcpt: Vec<String> =
                    email.recipients.iter().map(|r| r.address.clone()).collect();
                client
                    .send(&email.envelope_from, &rcpt, &email.formatted)
                    .map_err(|e| fail(ExitCode::Error, format!("row {}: {e}", email.row)))?;
                delivered += 1;
                front.event(&SendEvent::Sent { row: email.row });
                Ok(())
            };
            let stopped = match parallel::ordered_map(records, states, render, sink) {
                Ok(_) | Err(Halt::Limit) => false,
                Err(Halt::Stopped) => true,
                Err(h) => return Err(h),
            };
            client.quit();
            front.event(&SendEvent::Finished(Outcome {
                attempted: delivered,
                sent: delivered as u64,
                stopped,
                ..Outcome::default()
            }));
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
            front
                .confirm(&Plan {
                    messages: checked.valid,
                    host: cfg.smtp.host.clone(),
                    port: cfg.smtp.port,
                    from: cfg.smtp.from.clone(),
                })
                .map_err(|e| fail(ExitCode::Error, e))?;
            let (client, tokens) = connect(cfg, front)?;
            let limit = cfg.limit.unwrap_or(usize::MAX);
            front.event(&SendEvent::Started {
                total: checked.valid.min(limit as u64),
            });
            let mut sender = Sender {
                cfg,
                front,
                stop,
                client,
                ledger,
                pacer: Pacer::new(cfg.rate_per_minute),
                day_start: start_of_today(),
                outcome: Outcome::default(),
                held: None,
                tokens,
            };
            let sink = |rendered: Rendered| -> Result<(), Halt> {
                let rendered = match rendered {
                    // A file changed or went away since the check pass: this row fails, the
                    // others go on, and the ledger keeps it pending for the next run.
                    Err(Unbuilt {
                        row: Some(row),
                        why,
                        attachment_changed: true,
                    }) => {
                        sender.unbuilt(row, &why);
                        return Ok(());
                    }
                    other => other,
                };
                let Some(email) = accept(rendered)? else {
                    return Ok(());
                };
                if sender.outcome.attempted >= limit {
                    return Err(Halt::Limit);
                }
                if stop.load(Ordering::Relaxed) {
                    return Err(Halt::Stopped);
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
            // A stop is a normal end: what was in flight finished, the held message is
            // `pending` again.
            let result = match result {
                Err(Halt::Stopped) => {
                    sender.outcome.stopped = true;
                    Ok(())
                }
                other => other,
            };
            let Sender {
                client,
                mut ledger,
                outcome,
                front,
                ..
            } = sender;
            client.quit();
            ledger
                .flush()
                .map_err(|e| fail(ExitCode::Error, e.to_string()))?;
            let counts = ledger
                .counts()
                .map_err(|e| fail(ExitCode::Error, e.to_string()))?;
            front.event(&SendEvent::Finished(outcome.clone()));
            reporter.summary(&format!(
                "{}Sent {} messages, {} failed, {} unknown, {} skipped as already sent, in {:.2} s; ledger {}: {counts}",
                if outcome.stopped { "Stopped. " } else { "" },
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
    warnings: ProblemLog,
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

/// Hands dry-run text to the front end; a closed pipe (`| head`) ends the run quietly.
fn print_text(front: &mut dyn SendFront, text: &str) -> Result<(), Halt> {
    front.print(text).map_err(|e| {
        if e.kind() == io::ErrorKind::BrokenPipe {
            Halt::Limit
        } else {
            fail(ExitCode::Error, e.to_string())
        }
    })
}

/// A row's message, or why it could not be made.
type Rendered = Result<Email, Unbuilt>;

/// Why a row's message could not be made.
struct Unbuilt {
    row: Option<u64>,
    why: String,
    /// An attachment changed or went away after the check pass: the row fails, not the run.
    attachment_changed: bool,
}

impl From<(Option<u64>, String)> for Unbuilt {
    fn from((row, why): (Option<u64>, String)) -> Unbuilt {
        Unbuilt {
            row,
            why,
            attachment_changed: false,
        }
    }
}

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
        warnings: ProblemLog::default(),
        printed: (matches!(cfg.mode, Mode::DryRun { dir: None }) && !cfg.attach_pdf).then(Vec::new),
        printed_len: 0,
    };
    // Columns the template names that the data lacks, in any branch: one error for the
    // file, with the rows they break, instead of one per row.
    let missing = prepared.template.check_columns(prepared.data.headers());
    let mut broken = crate::row_runs::RowRuns::default();
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
        for warning in warnings {
            checked.warnings.push(warning);
        }
        Ok(())
    };
    let states = parallel::ordered_map(records, states, work, sink);
    pb.finish_and_clear();
    let states = states?;
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
