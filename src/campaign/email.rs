//! What every message of a campaign shares (the sender, the campaign id, the date, the
//! signature), the same for `send`, `check`, `preview` and the studio; and a message as a dry
//! run shows it.

use crate::email::{self, Email, EmailSettings};
use crate::template::Template;
use std::path::Path;

/// One message as a dry run prints it.
pub fn dry_run_text(email: &Email) -> String {
    format!("=== row {} ===\n{}\n", email.row, email::preview(email))
}

/// What every message of a run shares: the sender, the campaign id (from `campaign_key`),
/// the date, and the signature from the template; with `test_to`, the test run's redirect
/// and subject mark. `check` and `preview` build the same settings as `send`.
pub fn email_settings(
    template: &Template,
    from: String,
    campaign_key: &str,
    test_to: Option<&str>,
) -> EmailSettings {
    EmailSettings {
        from,
        campaign: format!("{:012x}", fnv64(campaign_key.as_bytes()) >> 16),
        date: message_date(),
        subject_prefix: test_to.map(|_| "[TEST] ".to_string()),
        redirect_to: test_to.map(str::to_string),
        signature_text: template
            .style()
            .signature
            .as_ref()
            .map(|s| {
                let mut lines = vec![s.name.clone()];
                lines.extend(s.lines.iter().cloned());
                lines.retain(|l| !l.trim().is_empty());
                lines
            })
            .unwrap_or_default(),
        attachments: template.attachment_rules(),
    }
}

/// The campaign's identity: the data file (and, for a workbook, the sheet: each sheet is its
/// own list of officials) and the template, by their full paths.
pub fn campaign_key(data: &Path, sheet: Option<&str>, template: &Path) -> String {
    let canon = |p: &Path| {
        p.canonicalize()
            .unwrap_or_else(|_| p.to_path_buf())
            .display()
            .to_string()
    };
    match sheet {
        Some(sheet) => format!("{} [{sheet}] | {}", canon(data), canon(template)),
        None => format!("{} | {}", canon(data), canon(template)),
    }
}

fn message_date() -> chrono::DateTime<chrono::FixedOffset> {
    let now = match std::env::var("SOURCE_DATE_EPOCH")
        .ok()
        .and_then(|v| v.trim().parse::<i64>().ok())
        .and_then(|s| chrono::DateTime::from_timestamp(s, 0))
    {
        Some(t) => t,
        None => chrono::Utc::now(),
    };
    now.fixed_offset()
}

/// FNV-1a: a stable, dependency-free hash for ids and change detection (not security).
pub fn fnv64(bytes: &[u8]) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for &b in bytes {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}
