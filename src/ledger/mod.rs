//! The send ledger: a SQLite file that records, for each data row of a campaign, whether its
//! email is pending, being handed to the server, sent, failed or unknown, so that a rerun
//! after any crash sends every message once and never twice.
//!
//! Durability rule: every state change is its own committed transaction in `journal_mode=WAL`.
//! [`Ledger::mark_sending`] commits with `synchronous=FULL`: it returns only once `sending` is
//! on disk (the WAL fsynced), and the caller hands the message to the server after that. A run
//! killed at any point therefore leaves either no trace of a message (it never went out) or a
//! `sending` row, which the next [`Ledger::open`] turns into `unknown` — never resent without
//! the user's say-so. Outcomes commit with FULL too by default; [`Durability::SendingOnly`]
//! lets them skip their own fsync, since losing one to a power cut degrades the row to
//! `unknown`, never to a resend.
//!
//! [`Ledger`] is a sending run's handle (it holds the run lock, see [`lock`]); [`LedgerReader`]
//! reads a ledger for `lettermerge status` without the lock, even while a run is going.

mod export;
mod lock;
mod schema;
#[cfg(test)]
mod tests;

pub use export::export_failures_csv;
pub use lock::{lock_path_for, LockHolder};
pub use schema::SCHEMA_VERSION;

use chrono::{DateTime, SecondsFormat, Utc};
use lock::{LockError, RunLock};
use rusqlite::{Connection, OpenFlags, OptionalExtension, TransactionBehavior};
use schema::{Prepared, SchemaProblem};
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

/// How long a statement waits for another connection (a `status` reader, say) to finish.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// What the caller knows about a campaign. `key` identifies it within the ledger; the paths
/// are kept for the status display and refreshed at every open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignInfo {
    pub key: String,
    pub template_hash: String,
    pub data_path: String,
    pub template_path: String,
}

/// The state of one row's message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum RowState {
    /// Not yet handed to the server (never tried, or a temporary failure to retry).
    Pending,
    /// Recorded durably just before the message is handed over; seen at open, it means a run
    /// died mid-handover.
    Sending,
    /// The server accepted it (its reply is kept).
    Sent,
    /// The server refused it, or retries ran out.
    Failed,
    /// The connection broke after the data went out and before the reply: the server may
    /// have it. Never resent without the user's say-so.
    Unknown,
}

impl RowState {
    pub const ALL: [RowState; 5] = [
        RowState::Pending,
        RowState::Sending,
        RowState::Sent,
        RowState::Failed,
        RowState::Unknown,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RowState::Pending => "pending",
            RowState::Sending => "sending",
            RowState::Sent => "sent",
            RowState::Failed => "failed",
            RowState::Unknown => "unknown",
        }
    }
}

impl fmt::Display for RowState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for RowState {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        RowState::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| format!("unknown row state {s:?}"))
    }
}

/// One row as the ledger knows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowRecord {
    pub row_key: String,
    /// Spreadsheet row number (header = 1).
    pub row: u64,
    pub state: RowState,
    pub message_id: Option<String>,
    pub recipients: String,
    /// The server's reply code of the last outcome (none for a network failure).
    pub code: Option<u16>,
    /// The server's reply text, or what went wrong.
    pub text: Option<String>,
    /// How many times the message was handed towards the server ([`Ledger::mark_sending`]).
    pub attempts: u32,
    /// When the state last changed, UTC RFC 3339.
    pub updated: String,
}

/// One state change in a row's history.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowEvent {
    pub at: String,
    pub state: RowState,
    pub message_id: Option<String>,
    pub code: Option<u16>,
    pub text: Option<String>,
}

/// Number of rows in each state.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    pub pending: u64,
    pub sending: u64,
    pub sent: u64,
    pub failed: u64,
    pub unknown: u64,
}

impl Counts {
    pub fn total(&self) -> u64 {
        self.pending + self.sending + self.sent + self.failed + self.unknown
    }

    pub fn get(&self, state: RowState) -> u64 {
        match state {
            RowState::Pending => self.pending,
            RowState::Sending => self.sending,
            RowState::Sent => self.sent,
            RowState::Failed => self.failed,
            RowState::Unknown => self.unknown,
        }
    }

    fn slot(&mut self, state: RowState) -> &mut u64 {
        match state {
            RowState::Pending => &mut self.pending,
            RowState::Sending => &mut self.sending,
            RowState::Sent => &mut self.sent,
            RowState::Failed => &mut self.failed,
            RowState::Unknown => &mut self.unknown,
        }
    }
}

impl fmt::Display for Counts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} sent, {} failed, {} unknown, {} pending, {} sending ({} rows)",
            self.sent,
            self.failed,
            self.unknown,
            self.pending,
            self.sending,
            self.total()
        )
    }
}

/// A template hash that differs from the one the campaign started with.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateChange {
    pub recorded: String,
    pub current: String,
}

/// What [`Ledger::open`] found and did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OpenReport {
    /// The ledger file was new (or empty) and was initialised.
    pub ledger_created: bool,
    /// The campaign was not in the ledger before.
    pub campaign_created: bool,
    /// Rows a crashed run left in `sending`, now `unknown`.
    pub recovered_unknown: u64,
    /// Set when the template changed and `allow_template_change` accepted it.
    pub template_changed: Option<TemplateChange>,
    /// The campaign's rows after recovery.
    pub counts: Counts,
}

/// A campaign as `status` shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignStatus {
    pub info: CampaignInfo,
    pub created: String,
    pub last_opened: String,
    pub counts: Counts,
}

/// Everything that can go wrong with a ledger. Each message names the file and says what to do.
#[derive(Debug)]
pub enum LedgerError {
    /// Another live run holds the ledger's lock.
    Locked {
        ledger: PathBuf,
        holder: Box<LockHolder>,
    },
    /// The campaign started with another template.
    TemplateChanged {
        ledger: PathBuf,
        campaign: String,
        template_path: String,
        recorded_hash: String,
        current_hash: String,
    },
    /// The file is not a SQLite database, is damaged, or is some other program's database.
    Corrupt {
        path: PathBuf,
        detail: String,
    },
    /// `status` was pointed at a file that does not exist or holds no ledger.
    NotFound {
        path: PathBuf,
    },
    /// A campaign key that the ledger does not hold (for [`LedgerReader`] queries).
    NoSuchCampaign {
        path: PathBuf,
        campaign: String,
    },
    /// A mark_* call for a row never registered in this campaign: a bug in the caller.
    NoSuchRow {
        path: PathBuf,
        row_key: String,
    },
    /// A state change the ledger refuses, above all anything that would move a `sent` row
    /// back towards sending: this is the exactly-once guard.
    BadTransition {
        path: PathBuf,
        row_key: String,
        from: RowState,
        to: RowState,
    },
    Io {
        path: PathBuf,
        source: io::Error,
    },
    Sqlite {
        path: PathBuf,
        action: &'static str,
        source: rusqlite::Error,
    },
}

impl fmt::Display for LedgerError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LedgerError::Locked { ledger, holder } => write!(
                f,
                "the send ledger {} is in use by another lettermerge run ({holder}); wait for \
                 that run to finish or stop it, then try again (the lock is held on {} and \
                 vanishes when that process ends)",
                ledger.display(),
                lock_path_for(ledger).display()
            ),
            LedgerError::TemplateChanged {
                ledger,
                campaign,
                template_path,
                recorded_hash,
                current_hash,
            } => write!(
                f,
                "the template {template_path} changed since campaign {campaign:?} started \
                 (recorded in {}: hash {} then, {} now), so rows already sent used other \
                 text; restore the template, start a new campaign with another --ledger file, \
                 or rerun with --allow-template-change to continue with the new text",
                ledger.display(),
                short_hash(recorded_hash),
                short_hash(current_hash)
            ),
            LedgerError::Corrupt { path, detail } => write!(
                f,
                "{} is not a usable lettermerge send ledger: {detail}; point --ledger at the \
                 right file, or move this one aside so a new ledger can be created",
                path.display()
            ),
            LedgerError::NotFound { path } => write!(
                f,
                "there is no send ledger at {}; a `lettermerge send` run creates it (by \
                 default next to the data file), so check the path",
                path.display()
            ),
            LedgerError::NoSuchCampaign { path, campaign } => write!(
                f,
                "the send ledger {} holds no campaign {campaign:?}; `lettermerge status \
                 --ledger {}` lists the campaigns it holds",
                path.display(),
                path.display()
            ),
            LedgerError::NoSuchRow { path, row_key } => write!(
                f,
                "internal error: row {row_key:?} was never recorded in the send ledger {} \
                 before its outcome; please report this bug",
                path.display()
            ),
            LedgerError::BadTransition {
                path,
                row_key,
                from: RowState::Sent,
                to,
            } => write!(
                f,
                "refusing to mark {row_key:?} {to}: the send ledger {} records it as already \
                 sent, and a message is never sent twice; please report this bug",
                path.display()
            ),
            LedgerError::BadTransition {
                path,
                row_key,
                from,
                to,
            } => write!(
                f,
                "internal error: {row_key:?} cannot go from {from} to {to} in the send \
                 ledger {}; please report this bug",
                path.display()
            ),
            LedgerError::Io { path, source } => write!(
                f,
                "cannot use the send ledger's files at {}: {source}; check that the folder \
                 exists and is writable",
                path.display()
            ),
            LedgerError::Sqlite {
                path,
                action,
                source,
            } => write!(
                f,
                "the send ledger {} failed while {action}: {source}; check the disk (space, \
                 permissions) and try again",
                path.display()
            ),
        }
    }
}

impl std::error::Error for LedgerError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match self {
            LedgerError::Io { source, .. } => Some(source),
            LedgerError::Sqlite { source, .. } => Some(source),
            _ => None,
        }
    }
}

fn short_hash(h: &str) -> &str {
    h.get(..12).unwrap_or(h)
}

/// Turns a SQLite error into a [`LedgerError`], recognising a damaged or non-database file.
fn sql_err<'a>(
    path: &'a Path,
    action: &'static str,
) -> impl Fn(rusqlite::Error) -> LedgerError + 'a {
    move |e| {
        if let rusqlite::Error::SqliteFailure(code, _) = &e {
            match code.code {
                rusqlite::ErrorCode::NotADatabase => {
                    return LedgerError::Corrupt {
                        path: path.to_path_buf(),
                        detail: "it is not a SQLite database".to_string(),
                    }
                }
                rusqlite::ErrorCode::DatabaseCorrupt => {
                    return LedgerError::Corrupt {
                        path: path.to_path_buf(),
                        detail: format!("the database is damaged ({e})"),
                    }
                }
                _ => {}
            }
        }
        LedgerError::Sqlite {
            path: path.to_path_buf(),
            action,
            source: e,
        }
    }
}

fn schema_err(path: &Path) -> impl Fn(SchemaProblem) -> LedgerError + '_ {
    move |p| match p {
        SchemaProblem::Empty => LedgerError::NotFound {
            path: path.to_path_buf(),
        },
        SchemaProblem::Foreign(detail) => LedgerError::Corrupt {
            path: path.to_path_buf(),
            detail,
        },
        SchemaProblem::TooNew(v) => LedgerError::Corrupt {
            path: path.to_path_buf(),
            detail: format!(
                "it was written by a newer lettermerge (ledger schema {v}, this build reads \
                 {SCHEMA_VERSION}); use that newer lettermerge"
            ),
        },
        SchemaProblem::Sqlite(e) => sql_err(path, "reading its schema")(e),
    }
}

/// Now, as stored: UTC RFC 3339 with a fixed width, so text order is time order.
fn now() -> String {
    stamp(Utc::now())
}

fn stamp(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Micros, true)
}

/// Opens a connection with the durability settings every ledger connection uses.
fn connect(path: &Path, create: bool) -> Result<Connection, LedgerError> {
    let mut flags = OpenFlags::SQLITE_OPEN_READ_WRITE | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    if create {
        flags |= OpenFlags::SQLITE_OPEN_CREATE;
        // A ledger we create is never made through a symlink: a dangling link where the
        // ledger goes would otherwise create (or, once made, truncate) its target. A link
        // to an existing ledger the user set up is followed as before.
        if !path.exists() {
            if path.symlink_metadata().is_ok() {
                return Err(LedgerError::Io {
                    path: path.to_path_buf(),
                    source: io::Error::other(
                        "it is a symlink to a file that does not exist, and a new ledger is \
                         never made through a symlink; remove the link or give --ledger another path",
                    ),
                });
            }
            flags |= OpenFlags::SQLITE_OPEN_NOFOLLOW;
        }
    } else if !path.is_file() {
        return Err(LedgerError::NotFound {
            path: path.to_path_buf(),
        });
    }
    let conn = Connection::open_with_flags(path, flags).map_err(|e| match e {
        rusqlite::Error::SqliteFailure(code, _) if code.code == rusqlite::ErrorCode::CannotOpen => {
            LedgerError::Io {
                path: path.to_path_buf(),
                source: io::Error::new(io::ErrorKind::NotFound, "cannot open or create the file"),
            }
        }
        e => sql_err(path, "opening it")(e),
    })?;
    let setup = sql_err(path, "setting it up");
    conn.busy_timeout(BUSY_TIMEOUT).map_err(&setup)?;
    // WAL: a commit appends to one file and fsyncs it once, and readers (status) never block
    // the sending run. FULL: that fsync happens at every commit, not only at checkpoints.
    let mode: String = conn
        .pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))
        .map_err(&setup)?;
    if !mode.eq_ignore_ascii_case("wal") {
        return Err(LedgerError::Corrupt {
            path: path.to_path_buf(),
            detail: format!("SQLite would not switch it to WAL journaling (it stays {mode})"),
        });
    }
    conn.pragma_update(None, "synchronous", "FULL")
        .map_err(&setup)?;
    conn.pragma_update(None, "foreign_keys", "ON")
        .map_err(&setup)?;
    Ok(conn)
}

const ROW_COLUMNS: &str =
    "row_key, row, state, message_id, recipients, code, text, attempts, updated";

fn read_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<RowRecord> {
    let state: String = r.get(2)?;
    let state = state.parse::<RowState>().map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(2, rusqlite::types::Type::Text, e.into())
    })?;
    Ok(RowRecord {
        row_key: r.get(0)?,
        row: r.get(1)?,
        state,
        message_id: r.get(3)?,
        recipients: r.get(4)?,
        code: r.get(5)?,
        text: r.get(6)?,
        attempts: r.get(7)?,
        updated: r.get(8)?,
    })
}

fn query_counts(conn: &Connection, path: &Path, campaign_id: i64) -> Result<Counts, LedgerError> {
    let err = sql_err(path, "counting rows");
    let mut stmt = conn
        .prepare_cached("SELECT state, count(*) FROM rows WHERE campaign_id = ?1 GROUP BY state")
        .map_err(&err)?;
    let mut rows = stmt.query([campaign_id]).map_err(&err)?;
    let mut counts = Counts::default();
    while let Some(r) = rows.next().map_err(&err)? {
        let state: String = r.get(0).map_err(&err)?;
        let n: u64 = r.get(1).map_err(&err)?;
        let state = state
            .parse::<RowState>()
            .map_err(|detail| LedgerError::Corrupt {
                path: path.to_path_buf(),
                detail,
            })?;
        *counts.slot(state) += n;
    }
    Ok(counts)
}

fn query_rows(
    conn: &Connection,
    path: &Path,
    campaign_id: i64,
    state: Option<RowState>,
) -> Result<Vec<RowRecord>, LedgerError> {
    let err = sql_err(path, "reading rows");
    let sql = format!(
        "SELECT {ROW_COLUMNS} FROM rows WHERE campaign_id = ?1 AND (?2 IS NULL OR state = ?2) \
         ORDER BY row, row_key"
    );
    let mut stmt = conn.prepare_cached(&sql).map_err(&err)?;
    let rows = stmt
        .query_map(
            rusqlite::params![campaign_id, state.map(RowState::as_str)],
            read_row,
        )
        .map_err(&err)?;
    rows.collect::<Result<Vec<_>, _>>().map_err(&err)
}

fn query_row(
    conn: &Connection,
    path: &Path,
    campaign_id: i64,
    row_key: &str,
) -> Result<Option<RowRecord>, LedgerError> {
    let sql = format!("SELECT {ROW_COLUMNS} FROM rows WHERE campaign_id = ?1 AND row_key = ?2");
    let err = sql_err(path, "reading a row");
    let mut stmt = conn.prepare_cached(&sql).map_err(&err)?;
    stmt.query_row(rusqlite::params![campaign_id, row_key], read_row)
        .optional()
        .map_err(&err)
}

fn query_history(
    conn: &Connection,
    path: &Path,
    campaign_id: i64,
    row_key: &str,
) -> Result<Vec<RowEvent>, LedgerError> {
    let err = sql_err(path, "reading a row's history");
    let mut stmt = conn
        .prepare_cached(
            "SELECT at, state, message_id, code, text FROM events \
             WHERE campaign_id = ?1 AND row_key = ?2 ORDER BY id",
        )
        .map_err(&err)?;
    let rows = stmt
        .query_map(rusqlite::params![campaign_id, row_key], |r| {
            let state: String = r.get(1)?;
            let state = state.parse::<RowState>().map_err(|e| {
                rusqlite::Error::FromSqlConversionFailure(1, rusqlite::types::Type::Text, e.into())
            })?;
            Ok(RowEvent {
                at: r.get(0)?,
                state,
                message_id: r.get(2)?,
                code: r.get(3)?,
                text: r.get(4)?,
            })
        })
        .map_err(&err)?;
    rows.collect::<Result<Vec<_>, _>>().map_err(&err)
}

fn query_sent_since(
    conn: &Connection,
    path: &Path,
    since: DateTime<Utc>,
) -> Result<u64, LedgerError> {
    // Counted from the history, not the rows: an `unknown` row later resent may have reached
    // the server twice, and both count against the server's daily limit.
    conn.prepare_cached(
        "SELECT count(*) FROM events WHERE state IN ('sent', 'unknown') AND at >= ?1",
    )
    .and_then(|mut s| s.query_row([stamp(since)], |r| r.get(0)))
    .map_err(sql_err(path, "counting messages sent"))
}

/// Writes the `status` text for one campaign: counts, then each unknown row.
fn write_summary(
    out: &mut String,
    status: &CampaignStatus,
    unknown: &[RowRecord],
    failed: &[RowRecord],
) {
    use std::fmt::Write as _;
    let info = &status.info;
    let c = &status.counts;
    let _ = writeln!(out, "campaign {:?}", info.key);
    let _ = writeln!(out, "  data:     {}", info.data_path);
    let _ = writeln!(out, "  template: {}", info.template_path);
    let _ = writeln!(
        out,
        "  started {}, last run {}",
        status.created, status.last_opened
    );
    let _ = writeln!(out, "  {c}");
    if !failed.is_empty() {
        let _ = writeln!(
            out,
            "  {} failed (export them as CSV for their SMTP codes)",
            failed.len()
        );
    }
    if !unknown.is_empty() {
        let _ = writeln!(
            out,
            "  {} unknown: the connection broke while the server had them, so they may have \
             arrived; check with the recipients, or rerun with --resend-unknown to send them again:",
            unknown.len()
        );
        for r in unknown {
            let _ = write!(out, "    row {}: {} ({})", r.row, r.row_key, r.updated);
            if let Some(id) = &r.message_id {
                let _ = write!(out, " Message-ID {id}");
            }
            if let Some(text) = &r.text {
                let _ = write!(out, " — {text}");
            }
            out.push('\n');
        }
    }
}

/// Which commits wait for the disk (fsync). Every mode survives SIGKILL of the process
/// alike (a commit is in the OS's cache when the call returns); the modes differ only
/// after a power cut or an OS crash.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Durability {
    /// Every state change waits for the disk (two fsyncs per message).
    #[default]
    EveryChange,
    /// Only `mark_sending` (and pending rows) wait for the disk; outcomes (`sent`, `failed`,
    /// `unknown`, deferred) are written without waiting and become durable with the next
    /// `mark_sending`, [`Ledger::flush`] or drop. One fsync per message instead of two.
    /// Safe for exactly-once: an outcome lost to a power cut leaves the row `sending`, which
    /// the next open turns into `unknown` — reported, never resent on its own.
    SendingOnly,
}

/// A sending run's handle on one campaign of a ledger, holding the ledger's run lock.
#[derive(Debug)]
pub struct Ledger {
    // Field order matters: the connection closes before the lock is released.
    conn: Connection,
    path: PathBuf,
    campaign: CampaignInfo,
    campaign_id: i64,
    durability: Durability,
    /// The connection's current `PRAGMA synchronous` is FULL (else NORMAL).
    sync_full: bool,
    _lock: RunLock,
}

impl Ledger {
    /// Opens (creating if needed) the ledger and the campaign and takes the run lock.
    ///
    /// Fails with [`LedgerError::Locked`] while another process holds the ledger, with
    /// [`LedgerError::TemplateChanged`] when the template's hash differs from the campaign's
    /// first run (unless `allow_template_change`, which records the new hash), and with
    /// [`LedgerError::Corrupt`] for a file that is not a ledger. Rows a crashed run left in
    /// `sending` become `unknown`; the report counts them.
    pub fn open(
        path: &Path,
        campaign: &CampaignInfo,
        allow_template_change: bool,
    ) -> Result<(Ledger, OpenReport), LedgerError> {
        let lock = RunLock::acquire(path, &campaign.key).map_err(|e| match e {
            LockError::Held { holder } => LedgerError::Locked {
                ledger: path.to_path_buf(),
                holder: Box::new(holder),
            },
            LockError::Io { lock_path, source } => LedgerError::Io {
                path: lock_path,
                source,
            },
        })?;
        let mut conn = connect(path, true)?;
        let prepared = schema::prepare(&mut conn).map_err(schema_err(path))?;
        let err = sql_err(path, "opening the campaign");
        let at = now();
        let tx = conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(&err)?;
        let existing: Option<(i64, String)> = tx
            .query_row(
                "SELECT id, template_hash FROM campaigns WHERE key = ?1",
                [&campaign.key],
                |r| Ok((r.get(0)?, r.get(1)?)),
            )
            .optional()
            .map_err(&err)?;
        let mut template_changed = None;
        let campaign_created = existing.is_none();
        let campaign_id = match existing {
            Some((id, recorded)) => {
                if recorded != campaign.template_hash {
                    if !allow_template_change {
                        return Err(LedgerError::TemplateChanged {
                            ledger: path.to_path_buf(),
                            campaign: campaign.key.clone(),
                            template_path: campaign.template_path.clone(),
                            recorded_hash: recorded,
                            current_hash: campaign.template_hash.clone(),
                        });
                    }
                    template_changed = Some(TemplateChange {
                        recorded,
                        current: campaign.template_hash.clone(),
                    });
                }
                tx.execute(
                    "UPDATE campaigns SET template_hash = ?2, data_path = ?3, template_path = ?4, \
                     last_opened = ?5 WHERE id = ?1",
                    rusqlite::params![
                        id,
                        campaign.template_hash,
                        campaign.data_path,
                        campaign.template_path,
                        at
                    ],
                )
                .map_err(&err)?;
                id
            }
            None => {
                tx.execute(
                    "INSERT INTO campaigns (key, template_hash, data_path, template_path, \
                     created, last_opened) VALUES (?1, ?2, ?3, ?4, ?5, ?5)",
                    rusqlite::params![
                        campaign.key,
                        campaign.template_hash,
                        campaign.data_path,
                        campaign.template_path,
                        at
                    ],
                )
                .map_err(&err)?;
                tx.last_insert_rowid()
            }
        };
        // The lock guarantees no live run is between mark_sending and its outcome, so every
        // `sending` row belongs to a run that died mid-handover.
        let detail = "the run handing this message to the server stopped before recording \
                      the server's answer";
        tx.execute(
            "INSERT INTO events (campaign_id, row_key, at, state, message_id, text) \
             SELECT campaign_id, row_key, ?2, 'unknown', message_id, ?3 FROM rows \
             WHERE campaign_id = ?1 AND state = 'sending'",
            rusqlite::params![campaign_id, at, detail],
        )
        .map_err(&err)?;
        let recovered_unknown = tx
            .execute(
                "UPDATE rows SET state = 'unknown', code = NULL, text = ?3, updated = ?2 \
                 WHERE campaign_id = ?1 AND state = 'sending'",
                rusqlite::params![campaign_id, at, detail],
            )
            .map_err(&err)? as u64;
        tx.commit().map_err(&err)?;
        let counts = query_counts(&conn, path, campaign_id)?;
        let report = OpenReport {
            ledger_created: prepared == Prepared::Created,
            campaign_created,
            recovered_unknown,
            template_changed,
            counts,
        };
        Ok((
            Ledger {
                conn,
                path: path.to_path_buf(),
                campaign: campaign.clone(),
                campaign_id,
                durability: Durability::default(),
                sync_full: true,
                _lock: lock,
            },
            report,
        ))
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn campaign(&self) -> &CampaignInfo {
        &self.campaign
    }

    pub fn set_durability(&mut self, durability: Durability) {
        self.durability = durability;
    }

    /// Switches `PRAGMA synchronous` between FULL and NORMAL (outside any transaction, where
    /// SQLite allows it), only when it differs.
    fn use_full_sync(&mut self, full: bool) -> Result<(), LedgerError> {
        if self.sync_full != full {
            self.conn
                .pragma_update(None, "synchronous", if full { "FULL" } else { "NORMAL" })
                .map_err(sql_err(&self.path, "setting its durability"))?;
            self.sync_full = full;
        }
        Ok(())
    }

    /// Makes every change so far durable: one small FULL commit, whose WAL fsync covers all
    /// the commits before it. Called on drop; call it at the end of a run to see errors.
    pub fn flush(&mut self) -> Result<(), LedgerError> {
        self.use_full_sync(true)?;
        self.conn
            .execute(
                "INSERT INTO meta (key, value) VALUES ('last_flush', ?1) \
                 ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [now()],
            )
            .map_err(sql_err(&self.path, "flushing it to disk"))?;
        Ok(())
    }

    /// The row's current record, or `None` if the ledger has never seen it.
    pub fn state(&self, row_key: &str) -> Result<Option<RowRecord>, LedgerError> {
        query_row(&self.conn, &self.path, self.campaign_id, row_key)
    }

    /// Every state change of a row, oldest first.
    pub fn history(&self, row_key: &str) -> Result<Vec<RowEvent>, LedgerError> {
        query_history(&self.conn, &self.path, self.campaign_id, row_key)
    }

    /// Records rows as `pending` in one transaction (rows already known are left alone), so
    /// `status` can show what is still to go before it has been tried. Returns how many were
    /// new.
    pub fn register_pending<'a>(
        &mut self,
        rows: impl IntoIterator<Item = (&'a str, u64)>,
    ) -> Result<u64, LedgerError> {
        self.use_full_sync(true)?;
        let err = sql_err(&self.path, "recording pending rows");
        let at = now();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(&err)?;
        let mut added = 0;
        {
            let mut stmt = tx
                .prepare_cached(
                    "INSERT INTO rows (campaign_id, row_key, row, state, updated) \
                     VALUES (?1, ?2, ?3, 'pending', ?4) ON CONFLICT DO NOTHING",
                )
                .map_err(&err)?;
            for (key, row) in rows {
                added += stmt
                    .execute(rusqlite::params![self.campaign_id, key, row, at])
                    .map_err(&err)? as u64;
            }
        }
        tx.commit().map_err(&err)?;
        Ok(added)
    }

    /// Records, durably, that this row's message is about to be handed to the server. Call it
    /// before the SMTP transaction (MAIL FROM) and hand the message over only after it
    /// returns. Refused for a row already `sent`. Each call counts one attempt.
    pub fn mark_sending(
        &mut self,
        row_key: &str,
        row: u64,
        message_id: &str,
        recipients: &str,
    ) -> Result<(), LedgerError> {
        self.use_full_sync(true)?;
        let err = sql_err(&self.path, "recording a message as sending");
        let at = now();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(&err)?;
        let changed = tx
            .prepare_cached(
                "INSERT INTO rows (campaign_id, row_key, row, state, message_id, recipients, \
                 attempts, updated) VALUES (?1, ?2, ?3, 'sending', ?4, ?5, 1, ?6) \
                 ON CONFLICT (campaign_id, row_key) DO UPDATE SET row = excluded.row, \
                 state = 'sending', message_id = excluded.message_id, \
                 recipients = excluded.recipients, code = NULL, text = NULL, \
                 attempts = rows.attempts + 1, updated = excluded.updated \
                 WHERE rows.state <> 'sent'",
            )
            .and_then(|mut s| {
                s.execute(rusqlite::params![
                    self.campaign_id,
                    row_key,
                    row,
                    message_id,
                    recipients,
                    at
                ])
            })
            .map_err(&err)?;
        if changed == 0 {
            return Err(LedgerError::BadTransition {
                path: self.path.clone(),
                row_key: row_key.to_string(),
                from: RowState::Sent,
                to: RowState::Sending,
            });
        }
        insert_event(
            &tx,
            self.campaign_id,
            row_key,
            &at,
            RowState::Sending,
            Some(message_id),
            None,
            Some(recipients),
        )
        .map_err(&err)?;
        tx.commit().map_err(&err)
    }

    /// The server accepted the message; `reply` is its text (with the queue id, usually).
    pub fn mark_sent(&mut self, row_key: &str, code: u16, reply: &str) -> Result<(), LedgerError> {
        self.transition(
            row_key,
            RowState::Sent,
            &[RowState::Sending, RowState::Unknown],
            Some(code),
            Some(reply),
        )
    }

    /// The server refused the message (`code` absent when no reply came, e.g. retries ran
    /// out on network errors).
    pub fn mark_failed(
        &mut self,
        row_key: &str,
        code: Option<u16>,
        text: &str,
    ) -> Result<(), LedgerError> {
        self.transition(
            row_key,
            RowState::Failed,
            &[
                RowState::Pending,
                RowState::Sending,
                RowState::Unknown,
                RowState::Failed,
            ],
            code,
            Some(text),
        )
    }

    /// The connection broke after the data went out and before the reply came.
    pub fn mark_unknown(&mut self, row_key: &str, detail: &str) -> Result<(), LedgerError> {
        self.transition(
            row_key,
            RowState::Unknown,
            &[RowState::Sending, RowState::Unknown],
            None,
            Some(detail),
        )
    }

    /// Puts a row back to `pending` (a temporary failure before the server took the message,
    /// to be retried later), recording the reason. Refused for a row already `sent`.
    pub fn mark_deferred(
        &mut self,
        row_key: &str,
        code: Option<u16>,
        text: &str,
    ) -> Result<(), LedgerError> {
        self.transition(
            row_key,
            RowState::Pending,
            &[
                RowState::Pending,
                RowState::Sending,
                RowState::Unknown,
                RowState::Failed,
            ],
            code,
            Some(text),
        )
    }

    /// Records a row as `pending`, adding it if new, keeping its last outcome text. Refused
    /// for a row already `sent`.
    pub fn mark_pending(&mut self, row_key: &str, row: u64) -> Result<(), LedgerError> {
        self.use_full_sync(true)?;
        let err = sql_err(&self.path, "recording a row as pending");
        let at = now();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(&err)?;
        let changed = tx
            .prepare_cached(
                "INSERT INTO rows (campaign_id, row_key, row, state, updated) \
                 VALUES (?1, ?2, ?3, 'pending', ?4) \
                 ON CONFLICT (campaign_id, row_key) DO UPDATE SET row = excluded.row, \
                 state = 'pending', updated = excluded.updated WHERE rows.state <> 'sent'",
            )
            .and_then(|mut s| s.execute(rusqlite::params![self.campaign_id, row_key, row, at]))
            .map_err(&err)?;
        if changed == 0 {
            return Err(LedgerError::BadTransition {
                path: self.path.clone(),
                row_key: row_key.to_string(),
                from: RowState::Sent,
                to: RowState::Pending,
            });
        }
        insert_event(
            &tx,
            self.campaign_id,
            row_key,
            &at,
            RowState::Pending,
            None,
            None,
            None,
        )
        .map_err(&err)?;
        tx.commit().map_err(&err)
    }

    /// Moves an existing row to `to`, if its current state is one of `from`, in one
    /// transaction with its history event.
    fn transition(
        &mut self,
        row_key: &str,
        to: RowState,
        from: &[RowState],
        code: Option<u16>,
        text: Option<&str>,
    ) -> Result<(), LedgerError> {
        self.use_full_sync(self.durability == Durability::EveryChange)?;
        let err = sql_err(&self.path, "recording a message's outcome");
        let at = now();
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)
            .map_err(&err)?;
        let current: Option<String> = tx
            .prepare_cached("SELECT state FROM rows WHERE campaign_id = ?1 AND row_key = ?2")
            .and_then(|mut s| {
                s.query_row(rusqlite::params![self.campaign_id, row_key], |r| r.get(0))
                    .optional()
            })
            .map_err(&err)?;
        let Some(current) = current else {
            return Err(LedgerError::NoSuchRow {
                path: self.path.clone(),
                row_key: row_key.to_string(),
            });
        };
        let current = current
            .parse::<RowState>()
            .map_err(|detail| LedgerError::Corrupt {
                path: self.path.clone(),
                detail,
            })?;
        if !from.contains(&current) {
            return Err(LedgerError::BadTransition {
                path: self.path.clone(),
                row_key: row_key.to_string(),
                from: current,
                to,
            });
        }
        tx.prepare_cached(
            "UPDATE rows SET state = ?3, code = ?4, text = ?5, updated = ?6 \
             WHERE campaign_id = ?1 AND row_key = ?2",
        )
        .and_then(|mut s| {
            s.execute(rusqlite::params![
                self.campaign_id,
                row_key,
                to.as_str(),
                code,
                text,
                at
            ])
        })
        .map_err(&err)?;
        insert_event(&tx, self.campaign_id, row_key, &at, to, None, code, text).map_err(&err)?;
        tx.commit().map_err(&err)
    }

    /// Rows per state in this campaign.
    pub fn counts(&self) -> Result<Counts, LedgerError> {
        query_counts(&self.conn, &self.path, self.campaign_id)
    }

    /// Rows of this campaign, in row order, optionally only those in one state.
    pub fn rows(&self, state: Option<RowState>) -> Result<Vec<RowRecord>, LedgerError> {
        query_rows(&self.conn, &self.path, self.campaign_id, state)
    }

    pub fn unknown_rows(&self) -> Result<Vec<RowRecord>, LedgerError> {
        self.rows(Some(RowState::Unknown))
    }

    pub fn failures(&self) -> Result<Vec<RowRecord>, LedgerError> {
        self.rows(Some(RowState::Failed))
    }

    /// Messages that reached (or may have reached: `unknown`) the server since `since`, over
    /// ALL campaigns in this ledger: what the daily cap counts.
    pub fn sent_since(&self, since: DateTime<Utc>) -> Result<u64, LedgerError> {
        query_sent_since(&self.conn, &self.path, since)
    }

    /// The `status` text for this campaign: counts per state and every unknown row.
    pub fn summary(&self) -> Result<String, LedgerError> {
        let status = campaign_status(&self.conn, &self.path, self.campaign_id)?;
        let mut out = String::new();
        write_summary(&mut out, &status, &self.unknown_rows()?, &self.failures()?);
        Ok(out)
    }
}

impl Drop for Ledger {
    fn drop(&mut self) {
        // Errors cannot be reported from drop; a run that cares calls flush() itself.
        let _ = self.flush();
    }
}

#[allow(clippy::too_many_arguments)]
fn insert_event(
    tx: &rusqlite::Transaction<'_>,
    campaign_id: i64,
    row_key: &str,
    at: &str,
    state: RowState,
    message_id: Option<&str>,
    code: Option<u16>,
    text: Option<&str>,
) -> rusqlite::Result<()> {
    tx.prepare_cached(
        "INSERT INTO events (campaign_id, row_key, at, state, message_id, code, text) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?
    .execute(rusqlite::params![
        campaign_id,
        row_key,
        at,
        state.as_str(),
        message_id,
        code,
        text
    ])?;
    Ok(())
}

fn campaign_status(
    conn: &Connection,
    path: &Path,
    campaign_id: i64,
) -> Result<CampaignStatus, LedgerError> {
    let (info, created, last_opened) = conn
        .query_row(
            "SELECT key, template_hash, data_path, template_path, created, last_opened \
             FROM campaigns WHERE id = ?1",
            [campaign_id],
            |r| {
                Ok((
                    CampaignInfo {
                        key: r.get(0)?,
                        template_hash: r.get(1)?,
                        data_path: r.get(2)?,
                        template_path: r.get(3)?,
                    },
                    r.get(4)?,
                    r.get(5)?,
                ))
            },
        )
        .map_err(sql_err(path, "reading a campaign"))?;
    Ok(CampaignStatus {
        info,
        created,
        last_opened,
        counts: query_counts(conn, path, campaign_id)?,
    })
}

/// Reads a ledger for `lettermerge status`: no lock, no changes, usable while a run sends.
#[derive(Debug)]
pub struct LedgerReader {
    conn: Connection,
    path: PathBuf,
}

impl LedgerReader {
    /// Opens an existing ledger; a missing file is [`LedgerError::NotFound`].
    pub fn open(path: &Path) -> Result<LedgerReader, LedgerError> {
        // Opened read-write (never created) rather than read-only: a read-only connection to a
        // WAL database fails when the -shm file is missing, and we write nothing anyway.
        let conn = connect(path, false)?;
        schema::verify(&conn).map_err(schema_err(path))?;
        Ok(LedgerReader {
            conn,
            path: path.to_path_buf(),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    fn campaign_id(&self, key: &str) -> Result<i64, LedgerError> {
        self.conn
            .query_row("SELECT id FROM campaigns WHERE key = ?1", [key], |r| {
                r.get(0)
            })
            .optional()
            .map_err(sql_err(&self.path, "finding a campaign"))?
            .ok_or_else(|| LedgerError::NoSuchCampaign {
                path: self.path.clone(),
                campaign: key.to_string(),
            })
    }

    /// Every campaign in the ledger, oldest first, with its counts.
    pub fn campaigns(&self) -> Result<Vec<CampaignStatus>, LedgerError> {
        let ids: Vec<i64> = self
            .conn
            .prepare("SELECT id FROM campaigns ORDER BY created, id")
            .and_then(|mut s| {
                s.query_map([], |r| r.get(0))?
                    .collect::<rusqlite::Result<Vec<i64>>>()
            })
            .map_err(sql_err(&self.path, "listing campaigns"))?;
        ids.into_iter()
            .map(|id| campaign_status(&self.conn, &self.path, id))
            .collect()
    }

    /// Rows of a campaign, in row order, optionally only those in one state.
    pub fn rows(
        &self,
        campaign: &str,
        state: Option<RowState>,
    ) -> Result<Vec<RowRecord>, LedgerError> {
        let id = self.campaign_id(campaign)?;
        query_rows(&self.conn, &self.path, id, state)
    }

    pub fn failures(&self, campaign: &str) -> Result<Vec<RowRecord>, LedgerError> {
        self.rows(campaign, Some(RowState::Failed))
    }

    pub fn unknown_rows(&self, campaign: &str) -> Result<Vec<RowRecord>, LedgerError> {
        self.rows(campaign, Some(RowState::Unknown))
    }

    pub fn history(&self, campaign: &str, row_key: &str) -> Result<Vec<RowEvent>, LedgerError> {
        let id = self.campaign_id(campaign)?;
        query_history(&self.conn, &self.path, id, row_key)
    }

    /// Messages that reached (or may have reached) the server since `since`, all campaigns.
    pub fn sent_since(&self, since: DateTime<Utc>) -> Result<u64, LedgerError> {
        query_sent_since(&self.conn, &self.path, since)
    }

    /// The `status` text for every campaign in the ledger.
    pub fn summary(&self) -> Result<String, LedgerError> {
        let mut out = format!("send ledger {}\n", self.path.display());
        let campaigns = self.campaigns()?;
        if campaigns.is_empty() {
            out.push_str("  no campaigns yet\n");
        }
        for status in campaigns {
            let id = self.campaign_id(&status.info.key)?;
            let unknown = query_rows(&self.conn, &self.path, id, Some(RowState::Unknown))?;
            let failed = query_rows(&self.conn, &self.path, id, Some(RowState::Failed))?;
            write_summary(&mut out, &status, &unknown, &failed);
        }
        Ok(out)
    }
}
