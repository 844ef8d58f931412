//! The ledger's SQLite schema: creating it in a new file, recognising it in an old one, and
//! refusing a file that is some other program's database.
//!
//! The version lives in `PRAGMA user_version`; a marker table names the application, so a
//! database made by another tool (user_version 0, tables of its own) is told apart from an
//! empty file we may initialise.

use rusqlite::{Connection, OptionalExtension};

/// The schema this code writes. Bump it with a migration step in [`prepare`] when the tables
/// change; older lettermerge builds then refuse the file instead of misreading it.
pub const SCHEMA_VERSION: i64 = 1;

/// The value of `meta.application` in every lettermerge ledger.
const APPLICATION: &str = "lettermerge send ledger";

const CREATE: &str = "
CREATE TABLE IF NOT EXISTS meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS campaigns (
    id            INTEGER PRIMARY KEY,
    key           TEXT NOT NULL UNIQUE,
    template_hash TEXT NOT NULL,
    data_path     TEXT NOT NULL,
    template_path TEXT NOT NULL,
    created       TEXT NOT NULL,
    last_opened   TEXT NOT NULL
);
-- One row per data row of a campaign: its current state and last outcome.
CREATE TABLE IF NOT EXISTS rows (
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
    row_key     TEXT NOT NULL,
    row         INTEGER NOT NULL,
    state       TEXT NOT NULL
                CHECK (state IN ('pending', 'sending', 'sent', 'failed', 'unknown')),
    message_id  TEXT,
    recipients  TEXT NOT NULL DEFAULT '',
    code        INTEGER,
    text        TEXT,
    attempts    INTEGER NOT NULL DEFAULT 0,
    updated     TEXT NOT NULL,
    PRIMARY KEY (campaign_id, row_key)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS rows_by_state ON rows (campaign_id, state, row);
-- Every state change, in order: what went out, when, and what the server said, even after a
-- row moved on (an `unknown` row resent, a tempfail retried).
CREATE TABLE IF NOT EXISTS events (
    id          INTEGER PRIMARY KEY,
    campaign_id INTEGER NOT NULL REFERENCES campaigns(id),
    row_key     TEXT NOT NULL,
    at          TEXT NOT NULL,
    state       TEXT NOT NULL,
    message_id  TEXT,
    code        INTEGER,
    text        TEXT
);
CREATE INDEX IF NOT EXISTS events_by_row ON events (campaign_id, row_key, id);
-- The daily cap counts `sent` and `unknown` events of every campaign since a time.
CREATE INDEX IF NOT EXISTS events_by_state_at ON events (state, at);
";

/// What [`prepare`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Prepared {
    /// The file was empty (or new) and now holds a fresh schema.
    Created,
    /// The file already held a ledger of this version.
    Existing,
}

/// Why a file cannot be used as a ledger (the caller adds the file name).
#[derive(Debug)]
pub enum SchemaProblem {
    /// A SQLite database with no tables: nothing has been recorded in it.
    Empty,
    /// A SQLite database, but not one of ours.
    Foreign(String),
    /// Ours, but from a newer lettermerge.
    TooNew(i64),
    Sqlite(rusqlite::Error),
}

impl From<rusqlite::Error> for SchemaProblem {
    fn from(e: rusqlite::Error) -> Self {
        SchemaProblem::Sqlite(e)
    }
}

/// Checks the file's schema and creates it if the database is empty. Runs in one immediate
/// transaction so two processes opening a new file at once cannot both initialise it.
pub fn prepare(conn: &mut Connection) -> Result<Prepared, SchemaProblem> {
    let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
    match verify(&tx) {
        Ok(()) => {
            tx.commit()?;
            Ok(Prepared::Existing)
        }
        Err(SchemaProblem::Empty) => {
            tx.execute_batch(CREATE)?;
            tx.execute(
                "INSERT INTO meta (key, value) VALUES ('application', ?1)",
                [APPLICATION],
            )?;
            tx.pragma_update(None, "user_version", SCHEMA_VERSION)?;
            tx.commit()?;
            Ok(Prepared::Created)
        }
        Err(e) => Err(e),
    }
}

/// Checks, without writing, that the database holds a ledger this build can use.
pub fn verify(conn: &Connection) -> Result<(), SchemaProblem> {
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    let tables: i64 = conn.query_row(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'",
        [],
        |r| r.get(0),
    )?;
    if version == 0 && tables == 0 {
        return Err(SchemaProblem::Empty);
    }
    let has_meta: bool = conn.query_row(
        "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'meta'",
        [],
        |r| r.get::<_, i64>(0).map(|n| n > 0),
    )?;
    let application: Option<String> = if has_meta {
        // A foreign `meta` table may have other columns: any error means "not ours".
        conn.query_row(
            "SELECT value FROM meta WHERE key = 'application'",
            [],
            |r| r.get(0),
        )
        .optional()
        .unwrap_or(None)
    } else {
        None
    };
    if application.as_deref() != Some(APPLICATION) {
        return Err(SchemaProblem::Foreign(format!(
            "it is a SQLite database made by another program (user_version {version}, \
             {tables} table(s), no lettermerge marker)"
        )));
    }
    if version > SCHEMA_VERSION {
        return Err(SchemaProblem::TooNew(version));
    }
    if version < SCHEMA_VERSION {
        // No older released schema exists yet; a future version migrates here, step by step.
        return Err(SchemaProblem::Foreign(format!(
            "it carries lettermerge ledger schema version {version}, which this build cannot read"
        )));
    }
    Ok(())
}
