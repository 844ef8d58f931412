//! What a send would do, worked out before it starts: how many messages go out, to whom
//! (the first few), from whom and through which server; the ledger's earlier runs counted
//! out. The studio's confirmation step shows it; nothing is sent or written.

use super::deliver::{kept_back, row_key};
use super::Skip;
use crate::campaign::email::{campaign_key, email_settings, fnv64};
use crate::config::send::SendConfig;
use crate::email;
use crate::ledger::{LedgerReader, RowState};
use crate::records::DataSource;
use crate::template::Template;
use std::collections::HashMap;

/// One message the send would deliver, as the confirmation names it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Addressee {
    pub row: u64,
    /// The first line of the letter's address (the official's name), maybe empty.
    pub name: String,
    /// To, Cc and Bcc, joined.
    pub addresses: String,
}

/// What a send of `cfg` would do now.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Confirmation {
    /// Rows selected.
    pub rows: u64,
    /// Rows with a problem that stops the send (see the Check screen).
    pub invalid: u64,
    /// Messages that would go out now.
    pub messages: u64,
    pub already_sent: u64,
    /// Kept back as `unknown` (they may have arrived), unless resending them was chosen.
    pub unknown_held: u64,
    /// Refused for good by the server in an earlier run.
    pub refused: u64,
    /// The first messages that would go out.
    pub first: Vec<Addressee>,
    /// The template changed since the campaign's first send: the rest would go with other
    /// text, which the send refuses unless `allow_template_change`.
    pub template_changed: bool,
    pub from: String,
    pub host: String,
    pub port: u16,
}

/// Renders every selected row's message (without sending) and counts what the ledger would
/// let out; `first` names at most that many.
pub fn confirmation(cfg: &SendConfig, first: usize) -> Result<Confirmation, String> {
    let template =
        Template::load_with(&cfg.input.template, &cfg.offices).map_err(|e| e.to_string())?;
    let data =
        DataSource::open(&cfg.input.data, &cfg.input.data_options).map_err(|e| e.to_string())?;
    let key = campaign_key(&cfg.input.data, data.sheet_name(), &cfg.input.template);
    let settings = email_settings(&template, cfg.smtp.from.clone(), &key, None);
    let problems = email::check_settings(&settings);
    if let Some(p) = problems.first() {
        return Err(p.message.clone());
    }
    let selection = cfg.select.resolve(data.headers()).map_err(|e| e.0)?;
    let template_text = std::fs::read(&cfg.input.template)
        .map_err(|e| format!("{}: {e}", cfg.input.template.display()))?;
    let template_hash = format!("{:016x}", fnv64(&template_text));
    let mut template_changed = false;
    let known: HashMap<String, (RowState, Option<u16>)> = match LedgerReader::open(&cfg.ledger) {
        Ok(reader) => {
            let campaigns = reader.campaigns().map_err(|e| e.to_string())?;
            match campaigns.iter().find(|c| c.info.key == key) {
                Some(c) => {
                    template_changed = c.info.template_hash != template_hash;
                    reader
                        .rows(&key, None)
                        .map_err(|e| e.to_string())?
                        .into_iter()
                        .map(|r| (r.row_key, (r.state, r.code)))
                        .collect()
                }
                // No run of this campaign yet.
                None => HashMap::new(),
            }
        }
        Err(_) if !cfg.ledger.exists() => HashMap::new(),
        Err(e) => return Err(e.to_string()),
    };
    let mut out = Confirmation {
        rows: 0,
        invalid: 0,
        messages: 0,
        already_sent: 0,
        unknown_held: 0,
        refused: 0,
        first: Vec::new(),
        template_changed,
        from: cfg.smtp.from.clone(),
        host: cfg.smtp.host.clone(),
        port: cfg.smtp.port,
    };
    let limit = cfg.limit.map_or(u64::MAX, |n| n as u64);
    let records = selection.apply(data.records().map_err(|e| e.to_string())?);
    for record in records {
        out.rows += 1;
        let Ok(record) = record else {
            out.invalid += 1;
            continue;
        };
        let built = template
            .render(&record)
            .map_err(|p| vec![p])
            .and_then(|letter| email::build_preview(&letter, &settings).map(|e| (letter, e)));
        let Ok((letter, message)) = built else {
            out.invalid += 1;
            continue;
        };
        let (row_key, recipients) = row_key(&message);
        if let Some((state, code)) = known.get(&row_key) {
            match kept_back(*state, *code, cfg.resend_unknown) {
                Some(Skip::AlreadySent) => {
                    out.already_sent += 1;
                    continue;
                }
                Some(Skip::Unknown) => {
                    out.unknown_held += 1;
                    continue;
                }
                Some(Skip::Refused) => {
                    out.refused += 1;
                    continue;
                }
                None => {}
            }
        }
        if out.messages >= limit {
            continue;
        }
        out.messages += 1;
        if out.first.len() < first {
            out.first.push(Addressee {
                row: message.row,
                name: letter.address.first().cloned().unwrap_or_default(),
                addresses: recipients.join(", "),
            });
        }
    }
    Ok(out)
}

/// The send of a campaign folder's files as the studio starts it: what `lettermerge send
/// --template T --data D --config C --yes` builds (with `--resend-unknown`,
/// `--skip-invalid` and `--allow-template-change` when asked), every row selected (the config's exclusions are in
/// `input`), the ledger at its default place beside the data.
pub fn campaign_config(
    input: crate::config::Input,
    config: &std::path::Path,
    mode: crate::config::send::Mode,
    resend_unknown: bool,
    skip_invalid: bool,
    allow_template_change: bool,
) -> Result<SendConfig, String> {
    use crate::config::send::{default_ledger_path, SmtpConfig};
    let smtp = SmtpConfig::load(config).map_err(|e| e.0)?;
    let offices = crate::config::forms::load(Some(config)).map_err(|e| e.0)?;
    let limit = match mode {
        // As `--test-to` without `--limit`: the first message only.
        crate::config::send::Mode::Test { .. } => Some(1),
        _ => None,
    };
    Ok(SendConfig {
        ledger: default_ledger_path(&input.data),
        input,
        select: crate::records::SelectSpec::default(),
        rate_per_minute: smtp.rate_per_minute,
        smtp,
        mode,
        limit,
        attach_pdf: false,
        resend_unknown,
        allow_template_change,
        skip_invalid,
        yes: true,
        quiet: true,
        offices,
    })
}

/// This campaign's rows in its ledger (see [`super::status::campaign`]); `None` before its
/// first send.
pub fn ledger_state(
    input: &crate::config::Input,
) -> Result<Option<super::status::CampaignLedger>, String> {
    let data = DataSource::open(&input.data, &input.data_options).map_err(|e| e.to_string())?;
    let key = campaign_key(&input.data, data.sheet_name(), &input.template);
    let ledger = crate::config::send::default_ledger_path(&input.data);
    super::status::campaign(&ledger, &key)
}
