//! What a campaign's send ledger says, as data: `lettermerge status` prints it, the studio's
//! Email screen shows it. Read without the run lock, so it works while a run sends.

use crate::ledger::{self, LedgerError, LedgerReader, RowState};
pub use crate::ledger::{CampaignStatus, Counts, RowRecord};
use crate::output::write_atomically;
use std::path::{Path, PathBuf};

/// One campaign's rows in the ledger, by state.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CampaignLedger {
    pub path: PathBuf,
    pub status: CampaignStatus,
    pub sent: Vec<RowRecord>,
    /// Refused by the server, or retries ran out; each with its SMTP code when there was one.
    pub failed: Vec<RowRecord>,
    /// May have arrived: resent only on an explicit choice.
    pub unknown: Vec<RowRecord>,
}

impl CampaignLedger {
    pub fn counts(&self) -> Counts {
        self.status.counts
    }
}

/// The campaign `key` (see `campaign::email::campaign_key`) in the ledger at `path`; `None`
/// when there is no ledger yet or nothing of this campaign was sent.
pub fn campaign(path: &Path, key: &str) -> Result<Option<CampaignLedger>, String> {
    if !path.exists() {
        return Ok(None);
    }
    let reader = LedgerReader::open(path).map_err(|e| e.to_string())?;
    let campaigns = reader.campaigns().map_err(|e| e.to_string())?;
    let Some(status) = campaigns.into_iter().find(|c| c.info.key == key) else {
        return Ok(None);
    };
    let rows = |state| reader.rows(key, Some(state)).map_err(|e| e.to_string());
    Ok(Some(CampaignLedger {
        path: path.to_path_buf(),
        sent: rows(RowState::Sent)?,
        failed: rows(RowState::Failed)?,
        unknown: rows(RowState::Unknown)?,
        status,
    }))
}

/// The `status` text for every campaign in the ledger.
pub fn summary(path: &Path) -> Result<String, String> {
    let reader = LedgerReader::open(path).map_err(|e| e.to_string())?;
    reader.summary().map_err(|e: LedgerError| e.to_string())
}

/// Writes every failed or unknown row of every campaign to the CSV at `out`, atomically;
/// returns how many. Refused before the ledger is opened when `out` is the ledger (or one of
/// its files): written over, the send history would be gone and the next send would resend
/// every row.
pub fn export_failures(path: &Path, out: &Path) -> Result<usize, String> {
    check_export_path(path, out)?;
    let reader = LedgerReader::open(path).map_err(|e| e.to_string())?;
    let mut records = Vec::new();
    for c in reader.campaigns().map_err(|e| e.to_string())? {
        records.extend(reader.failures(&c.info.key).map_err(|e| e.to_string())?);
        records.extend(
            reader
                .unknown_rows(&c.info.key)
                .map_err(|e| e.to_string())?,
        );
    }
    write_atomically(out, true, |w| ledger::export_failures_csv(&records, w))
        .map_err(|e| format!("cannot write {}: {e}", out.display()))?;
    Ok(records.len())
}

/// Refuses a failures CSV at `out` that is the ledger at `path` or one of its files.
pub fn check_export_path(path: &Path, out: &Path) -> Result<(), String> {
    let mut files = crate::clash::RunFiles::new();
    for (what, file) in crate::clash::ledger_files(path) {
        files.input(what, &file);
    }
    files.output("failures CSV", out).map_err(|e| e.to_string())
}
