//! The row checks behind `check` and the review page of `preview --html`: every selected row
//! rendered (typeset, for print; its email built, for email) exactly as `pdf` and `send`
//! would, every problem collected, plus the problems that only show across rows: duplicate
//! rows and addresses, letters whose file names collide, fields the template prints that
//! are empty.
//!
//! Rows are streamed on every core (`parallel::ordered_map`); only small per-row keys are
//! kept (a hash of the row, its address, its file name) to find the duplicates, in indexes
//! that keep a few MiB in memory and the rest on disk ([`FirstSeen`]), and the rows of a
//! problem past the findings kept in full are kept as bounded runs ([`RowRuns`]): checking
//! any number of rows takes about the memory of checking thirty thousand.

use crate::email::{self, EmailSettings};
use crate::first_seen::{spill_message, FirstSeen};
use crate::images::ImageStore;
use crate::output::{letter_file_name, reserved_names, sanitize_stem, text_hash, NameAllocator};
use crate::parallel;
use crate::problem::Problem;
use crate::records::{DataSource, Record, Selection};
use crate::report::{group_by, join_group, thousands, Group};
use crate::row_runs::RowRuns;
use crate::template::Template;
use crate::typeset::Typesetter;
use std::cmp::Reverse;
use std::collections::HashMap;
use std::hash::{Hash, Hasher};

/// What kind of problem a finding is; the review page counts them by kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Kind {
    Template,
    MissingColumn,
    RaggedRow,
    Render,
    EmailAddress,
    Attachment,
    FileName,
    Image,
    EmptyField,
    AddressWindow,
    MissingGlyph,
    DuplicateRow,
    DuplicateAddress,
    ExtraPage,
    AddressSplit,
    MailingAddress,
    Office,
}

impl Kind {
    /// A short label, e.g. "duplicate rows".
    pub fn label(self) -> &'static str {
        match self {
            Kind::Template => "template or font problems",
            Kind::MissingColumn => "columns missing from the data",
            Kind::RaggedRow => "ragged rows",
            Kind::Render => "values the template cannot fill in",
            Kind::EmailAddress => "email addresses and headers",
            Kind::Attachment => "attachments that cannot be sent",
            Kind::FileName => "file names that collide",
            Kind::Image => "images that cannot be used",
            Kind::EmptyField => "empty fields",
            Kind::AddressWindow => "addresses too large for the envelope window",
            Kind::MissingGlyph => "characters the font cannot print",
            Kind::DuplicateRow => "duplicate rows",
            Kind::DuplicateAddress => "duplicate addresses",
            Kind::ExtraPage => "letters longer than one page",
            Kind::AddressSplit => "addresses that could not be split with confidence",
            Kind::MailingAddress => "rows without a mailing address",
            Kind::Office => "offices lettermerge does not know",
        }
    }
}

/// One problem and its kind.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub kind: Kind,
    pub problem: Problem,
}

impl Finding {
    fn new(kind: Kind, problem: Problem) -> Finding {
        Finding { kind, problem }
    }
}

/// What to check, and with what.
pub struct Checker<'a> {
    pub template: &'a Template,
    pub data: &'a DataSource,
    pub selection: &'a Selection,
    /// Check the emails with these settings; `None`: print only.
    pub email: Option<&'a EmailSettings>,
    /// Typeset every letter (one typesetter per worker); empty: email only.
    pub typesetters: Vec<Typesetter>,
    pub images: &'a ImageStore,
}

/// Findings kept in full (text, hint, row). Past this many, a row's finding is kept only as
/// its row number under its group (in a run of rows, at most [`RUNS_KEPT`] of them a group,
/// then only counted), so that checking half a million rows that share a problem (a data
/// file where every row repeats an email address) stays small: 10,000 full findings are a
/// few MiB, and the report shows them grouped on one screen anyway.
///
/// [`RUNS_KEPT`]: crate::row_runs::RUNS_KEPT
pub const MAX_FULL_FINDINGS: usize = 10_000;

/// Groups of findings past [`MAX_FULL_FINDINGS`] (one per kind, severity, column and group
/// text). Findings that would make more are only counted: the groups are what the report
/// shows, and a thousand of them is already more than anyone reads. With the runs of rows a
/// group keeps, at most 16 MiB, for a million findings of a thousand different problems
/// each in a thousand scattered rows.
pub const MAX_GROUPS_BEYOND: usize = 1_000;

/// Findings past [`MAX_FULL_FINDINGS`] that share one group: its text (the group's, not any
/// one row's) and their rows.
#[derive(Debug)]
pub struct Beyond {
    pub finding: Finding,
    /// How many findings: one a row, or more when a row has the same problem twice.
    pub count: usize,
    /// Their rows, checked in order: the first runs listed, the rest counted.
    pub rows: RowRuns,
}

/// Everything a check found.
#[derive(Debug, Default)]
pub struct CheckReport {
    /// Rows checked.
    pub rows: u64,
    /// Problems without a row first (missing columns), then in row order; at most
    /// [`MAX_FULL_FINDINGS`] of a row (the rest are in `beyond`).
    pub findings: Vec<Finding>,
    /// Findings past the ones kept in full, by group.
    pub beyond: Vec<Beyond>,
    beyond_index: HashMap<(Kind, crate::problem::Severity, Option<String>, String), usize>,
    /// Findings past the full ones and past [`MAX_GROUPS_BEYOND`] groups: only counted.
    pub uncounted: (u64, u64),
    /// Rows with at least one error: counted, each once (a row's findings come together).
    error_rows: u64,
    /// The last row counted in `error_rows`.
    last_error_row: Option<u64>,
    /// Rows whose letter has no `from` of its own, so the sender comes from the config.
    pub rows_without_from: u64,
    /// Rows broken by a column the data lacks: their problem is the one file-level
    /// missing-columns finding, not one of their own.
    pub broken_rows: RowRuns,
}

impl CheckReport {
    /// Keeps a finding: in full while there is room, else as a row of its group.
    pub fn add(&mut self, finding: Finding) {
        let Some(row) = finding.problem.row else {
            // A file-level problem: a handful per run at most.
            self.findings.push(finding);
            return;
        };
        if self.findings.len() < MAX_FULL_FINDINGS {
            self.findings.push(finding);
            return;
        }
        let p = &finding.problem;
        let key = (
            finding.kind,
            p.severity,
            p.column.clone(),
            p.group_message().to_string(),
        );
        if let Some(&i) = self.beyond_index.get(&key) {
            self.beyond[i].count += 1;
            self.beyond[i].rows.push(row);
            return;
        }
        if self.beyond.len() >= MAX_GROUPS_BEYOND {
            if p.is_error() {
                self.uncounted.0 += 1;
            } else {
                self.uncounted.1 += 1;
            }
            return;
        }
        let problem = finding.problem.said_of_all();
        self.beyond_index.insert(key, self.beyond.len());
        let mut rows = RowRuns::default();
        rows.push(row);
        self.beyond.push(Beyond {
            finding: Finding::new(finding.kind, problem),
            count: 1,
            rows,
        });
    }

    /// Counts a row as one with an error (once, however many errors it has).
    fn mark_error_row(&mut self, row: u64) {
        if self.last_error_row != Some(row) {
            self.last_error_row = Some(row);
            self.error_rows += 1;
        }
    }

    /// How many rows have at least one error.
    pub fn error_rows(&self) -> u64 {
        self.error_rows
    }

    /// Whether any row or the file has an error.
    pub fn has_errors(&self) -> bool {
        self.errors().next().is_some()
            || self.uncounted.0 > 0
            || self.beyond.iter().any(|b| b.finding.problem.is_error())
    }

    /// Every finding counted, the ones past the full ones included: (errors, warnings).
    pub fn finding_counts(&self) -> (usize, usize) {
        let (mut errors, mut warnings) = (self.errors().count(), self.warnings().count());
        for b in &self.beyond {
            if b.finding.problem.is_error() {
                errors += b.count;
            } else {
                warnings += b.count;
            }
        }
        (
            errors + self.uncounted.0 as usize,
            warnings + self.uncounted.1 as usize,
        )
    }

    /// How many findings are not kept one by one (past [`MAX_FULL_FINDINGS`]).
    pub fn not_kept(&self) -> usize {
        self.beyond.iter().map(|b| b.count).sum::<usize>()
            + (self.uncounted.0 + self.uncounted.1) as usize
    }

    pub fn errors(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| f.problem.is_error())
    }

    pub fn warnings(&self) -> impl Iterator<Item = &Finding> {
        self.findings.iter().filter(|f| !f.problem.is_error())
    }

    /// Every finding of one row, the missing columns that break it included (of the
    /// findings past the ones kept in full, those of the rows their group lists).
    pub fn for_row(&self, row: u64) -> impl Iterator<Item = &Finding> {
        let broken = self.broken_rows.contains(row);
        let kept = self.findings.iter().filter(move |f| {
            f.problem.row == Some(row)
                || (broken && f.kind == Kind::MissingColumn && f.problem.row.is_none())
        });
        let beyond = self
            .beyond
            .iter()
            .filter(move |b| b.rows.contains(row))
            .map(|b| &b.finding);
        kept.chain(beyond)
    }

    /// The errors (or the warnings) as the report lists them: the same problem in many
    /// rows one entry ([`group_by`] on kind, severity, column and group text); the
    /// problems of no row first, then those of the most rows, then by first row.
    pub fn groups(&self, errors: bool) -> Vec<Group<'_, Kind>> {
        let mut groups = group_by(
            self.findings
                .iter()
                .filter(|f| f.problem.is_error() == errors)
                .map(|f| (f.kind, &f.problem)),
        );
        // The rows past the full findings join their group (or make one).
        for b in self
            .beyond
            .iter()
            .filter(|b| b.finding.problem.is_error() == errors)
        {
            join_group(
                &mut groups,
                b.finding.kind,
                &b.finding.problem,
                &b.rows,
                b.count,
            );
        }
        groups.sort_by_key(|g| (!g.rows.is_empty(), Reverse(g.rows.len()), g.rows.first()));
        groups
    }

    /// How many findings of each kind, errors and warnings apart, most frequent first.
    pub fn counts(&self) -> Vec<(Kind, bool, usize)> {
        let mut counts: HashMap<(Kind, bool), usize> = HashMap::new();
        for f in &self.findings {
            *counts.entry((f.kind, f.problem.is_error())).or_default() += 1;
        }
        for b in &self.beyond {
            *counts
                .entry((b.finding.kind, b.finding.problem.is_error()))
                .or_default() += b.count;
        }
        let mut out: Vec<(Kind, bool, usize)> =
            counts.into_iter().map(|((k, e), n)| (k, e, n)).collect();
        out.sort_by(|a, b| b.1.cmp(&a.1).then(b.2.cmp(&a.2)).then(a.0.cmp(&b.0)));
        out
    }

    /// The problems counted by kind, when there are many or of several kinds, e.g.
    /// "errors: email addresses and headers (14); warnings: addresses too large for the
    /// envelope window (3912), duplicate addresses (289)": a long list's shape at a glance.
    pub fn tally(&self) -> Option<String> {
        let counts = self.counts();
        if counts.len() < 2 && self.findings.len() <= 10 {
            return None;
        }
        let part = |errors: bool| -> Option<String> {
            let items: Vec<String> = counts
                .iter()
                .filter(|c| c.1 == errors)
                .map(|(kind, _, n)| format!("{} ({})", kind.label(), thousands(*n as u64)))
                .collect();
            let what = if errors { "errors" } else { "warnings" };
            (!items.is_empty()).then(|| format!("{what}: {}", items.join(", ")))
        };
        let parts: Vec<String> = [part(true), part(false)].into_iter().flatten().collect();
        Some(parts.join("; "))
    }

    /// "7,453 rows checked: 3 errors in 2 rows, 4,721 warnings": every finding counted.
    pub fn summary(&self) -> String {
        let (errors, warnings) = self.finding_counts();
        format!(
            "{} {} checked: {} {} in {} {}, {} {}",
            thousands(self.rows),
            plural(self.rows as usize, "row", "rows"),
            thousands(errors as u64),
            plural(errors, "error", "errors"),
            thousands(self.error_rows),
            plural(self.error_rows as usize, "row", "rows"),
            thousands(warnings as u64),
            plural(warnings, "warning", "warnings"),
        )
    }
}

pub fn plural<'a>(n: usize, one: &'a str, many: &'a str) -> &'a str {
    if n == 1 {
        one
    } else {
        many
    }
}

/// What a worker learns about one row.
enum RowCheck {
    /// The data file cannot be read any further.
    Fatal(Problem),
    Row(Box<RowFacts>),
}

/// One row's findings and the keys that find duplicates across rows.
struct RowFacts {
    row: u64,
    findings: Vec<Finding>,
    /// A hash of every cell (`None` for a ragged row).
    fingerprint: Option<u64>,
    /// The address block, case and spacing folded.
    address: Option<String>,
    /// The `to` addresses, case folded.
    to: Option<String>,
    /// The rendered `filename` value, when the template has one and print is checked.
    filename: Option<Option<String>>,
    has_from: bool,
}

impl Checker<'_> {
    /// Checks every selected row. `Err` only when the data file cannot be read any further.
    pub fn run(self) -> Result<CheckReport, Problem> {
        let mut report = CheckReport::default();
        let headers = self.data.headers();
        let missing = self.template.check_columns(headers);
        let mut broken = RowRuns::default();
        // An empty cell only matters in a column the template prints without testing it.
        let printed: Vec<(usize, String)> = self
            .template
            .printed_columns()
            .into_iter()
            .filter_map(|c| headers.index_of(&c).map(|i| (i, headers.names[i].clone())))
            .collect();
        let print = !self.typesetters.is_empty();
        if print {
            if let Some(problem) = logo_without_alt(self.template.style()) {
                report.findings.push(Finding::new(Kind::Template, problem));
            }
        }
        let check_names = print && self.template.has_filename();
        let states: Vec<Option<Typesetter>> = if print {
            self.typesetters.into_iter().map(Some).collect()
        } else {
            (0..parallel::workers()).map(|_| None).collect()
        };
        let template = self.template;
        let images = self.images;
        let settings = self.email;
        let work = |ts: &mut Option<Typesetter>, record: Result<Record, Problem>| {
            let record = match record {
                Ok(r) => r,
                Err(p) => {
                    let Some(row) = p.row else {
                        return RowCheck::Fatal(p);
                    };
                    return RowCheck::Row(Box::new(RowFacts {
                        row,
                        findings: vec![Finding::new(Kind::RaggedRow, p)],
                        fingerprint: None,
                        address: None,
                        to: None,
                        filename: None,
                        has_from: true,
                    }));
                }
            };
            RowCheck::Row(Box::new(check_row(
                template,
                &record,
                &printed,
                ts.as_mut(),
                images,
                settings,
                check_names,
            )))
        };
        let mut seen = Seen::default();
        let sink = |result: RowCheck| -> Result<(), Problem> {
            let facts = match result {
                RowCheck::Fatal(p) => return Err(p),
                RowCheck::Row(facts) => facts,
            };
            report.rows += 1;
            if !facts.has_from {
                report.rows_without_from += 1;
            }
            let row = facts.row;
            let mut findings = facts.findings;
            // Rows broken by a missing column are listed once, with the missing columns.
            findings.retain(|f| {
                if missing.covers(&f.problem) {
                    broken.push(row);
                    report.mark_error_row(row);
                    false
                } else {
                    true
                }
            });
            let across = seen
                .across_rows(
                    row,
                    facts.fingerprint,
                    facts.address,
                    facts.to,
                    facts.filename,
                )
                .map_err(|e| {
                    Problem::error(spill_message(
                        "the keys that find duplicate rows and addresses",
                        &e,
                    ))
                })?;
            findings.extend(across);
            if findings.iter().any(|f| f.problem.is_error()) {
                report.mark_error_row(row);
            }
            for finding in findings {
                report.add(finding);
            }
            Ok(())
        };
        parallel::ordered_map(
            self.selection.apply(
                self.data
                    .records()
                    .map_err(|e| Problem::error(e.to_string()))?,
            ),
            states,
            work,
            sink,
        )?;
        let mut file_level: Vec<Finding> = missing
            .problem(&broken)
            .map(|p| Finding::new(Kind::MissingColumn, p))
            .into_iter()
            .collect();
        file_level.append(&mut report.findings);
        report.findings = file_level;
        report.broken_rows = broken;
        Ok(report)
    }
}

/// Renders, typesets and builds the email of one row, collecting every problem.
/// A tagged letter's logo needs alternative text: `logo_alt`, or else the letterhead name.
/// A logo with neither is read as "Logo", which tells a screen-reader user nothing.
fn logo_without_alt(style: &crate::style::Style) -> Option<Problem> {
    let head = style.letterhead.as_ref()?;
    if !style.tagged || head.logo.is_none() || head.logo_alt.is_some() || !head.name.is_empty() {
        return None;
    }
    Some(
        Problem::warning("the letterhead logo has no alternative text for screen readers")
            .with_hint(
                "add `logo_alt: \"Your organisation's name\"` under `letterhead:` in the template",
            ),
    )
}

fn check_row(
    template: &Template,
    record: &Record,
    printed: &[(usize, String)],
    typesetter: Option<&mut Typesetter>,
    images: &ImageStore,
    settings: Option<&EmailSettings>,
    check_names: bool,
) -> RowFacts {
    let row = record.row;
    let mut facts = RowFacts {
        row,
        findings: Vec::new(),
        fingerprint: Some(fingerprint(&record.fields)),
        address: None,
        to: None,
        filename: None,
        has_from: true,
    };
    for note in &record.notes {
        if typesetter.is_some() || !note.print_only {
            let kind = match (note.print_only, note.problem.is_error()) {
                (true, true) => Kind::MailingAddress,
                (true, false) => Kind::AddressSplit,
                (false, _) => Kind::Office,
            };
            facts
                .findings
                .push(Finding::new(kind, note.problem.clone()));
        }
    }
    for (i, column) in printed {
        if record.fields.get(*i).is_some_and(|v| v.trim().is_empty()) {
            facts.findings.push(Finding::new(
                Kind::EmptyField,
                Problem::warning(format!(
                    "`{{{{{column}}}}}` is empty, so the letter has a gap where the template prints it"
                ))
                .at_row(row)
                .in_column(column.clone())
                .with_hint(format!(
                    "fill in the cell, or if it may be empty put it inside `{{{{#if {}}}}}...{{{{/if}}}}` in the template",
                    crate::records::snake_case(column)
                )),
            ));
        }
    }
    let letter = match template.render(record) {
        Ok(letter) => letter,
        Err(p) => {
            let p = if p.row.is_none() { p.at_row(row) } else { p };
            facts.findings.push(Finding::new(Kind::Render, p));
            return facts;
        }
    };
    facts.findings.extend(
        letter
            .warnings
            .iter()
            .map(|w| Finding::new(Kind::AddressSplit, w.clone())),
    );
    facts.has_from = letter.email.from.is_some();
    if !letter.address.is_empty() {
        facts.address = Some(fold(&letter.address.join("\n")));
    }
    if let Some(settings) = settings {
        facts.to = letter.email.to.as_deref().map(fold);
        facts
            .findings
            .extend(email::check(&letter, settings).into_iter().map(|p| {
                let kind = if crate::attachments::is_about_attachments(&p) {
                    Kind::Attachment
                } else {
                    Kind::EmailAddress
                };
                Finding::new(kind, p)
            }));
    }
    if let Some(typesetter) = typesetter {
        if check_names {
            facts.filename = Some(letter.filename.clone());
        }
        match typesetter.typeset(&letter, images) {
            Ok(typeset) => {
                for w in typeset.warnings {
                    let kind = if w.message.contains("glyph") {
                        Kind::MissingGlyph
                    } else {
                        Kind::AddressWindow
                    };
                    facts.findings.push(Finding::new(kind, w));
                }
                let pages = typeset.pages.len();
                if pages > 1 {
                    facts.findings.push(Finding::new(
                        Kind::ExtraPage,
                        Problem::warning(format!("the letter runs onto {pages} pages"))
                            .at_row(row)
                            .grouped_as("the letter runs onto more than one page")
                            .with_hint(
                                "shorten the letter or this row's text, or make `font.size` or \
                                 `margins` smaller in the template",
                            ),
                    ));
                }
            }
            Err(p) => {
                let kind = if p.message.contains("image") {
                    Kind::Image
                } else {
                    Kind::Render
                };
                facts.findings.push(Finding::new(kind, p));
            }
        }
    }
    facts
}

/// The keys of the rows checked so far, to name the earlier row of a duplicate. Addresses
/// are kept as 64-bit hashes, not text (16 bytes a row instead of the address): two
/// different addresses share a hash about once in 10^8 checks of half a million rows. Each
/// index keeps a few MiB in memory and the rest in a temporary file ([`FirstSeen`]).
struct Seen {
    rows: FirstSeen,
    addresses: FirstSeen,
    emails: FirstSeen,
    /// Lower-cased file name (hashed) -> the row whose letter has it.
    files: FirstSeen,
    names: NameAllocator,
}

impl Default for Seen {
    fn default() -> Seen {
        Seen {
            rows: FirstSeen::default(),
            addresses: FirstSeen::default(),
            emails: FirstSeen::default(),
            files: FirstSeen::default(),
            names: reserved_names(),
        }
    }
}

impl Seen {
    fn across_rows(
        &mut self,
        row: u64,
        fingerprint: Option<u64>,
        address: Option<String>,
        to: Option<String>,
        filename: Option<Option<String>>,
    ) -> std::io::Result<Vec<Finding>> {
        let mut out = Vec::new();
        let mut duplicate_row = false;
        if let Some(fp) = fingerprint {
            if let Some(first) = self.rows.first_or_insert(fp, row)? {
                duplicate_row = true;
                out.push(Finding::new(
                    Kind::DuplicateRow,
                    Problem::warning(format!("row {row} repeats row {first} exactly"))
                        .at_row(row)
                        .with_hint(format!(
                            "delete one of rows {first} and {row}, or the official gets two letters"
                        ))
                        .grouped_as("the row repeats an earlier row exactly")
                        .with_group_hint(
                            "delete the repeats (check --all names the earlier row of each), \
                             or those officials get two letters",
                        ),
                ));
            }
        }
        if let Some(address) = address.filter(|a| !a.is_empty()) {
            let address = text_hash(&address);
            let first = self.addresses.first_or_insert(address, row)?;
            if let Some(first) = first.filter(|_| !duplicate_row) {
                out.push(Finding::new(
                    Kind::DuplicateAddress,
                    Problem::warning(format!("row {row} has the same address as row {first}"))
                        .at_row(row)
                        .with_hint(format!(
                            "check rows {first} and {row}: one official listed twice gets two letters"
                        ))
                        .grouped_as("the row has the same address as an earlier row")
                        .with_group_hint(
                            "check each against the earlier row (check --all names it): one \
                             official listed twice gets two letters",
                        ),
                ));
            }
        }
        if let Some(to) = to.filter(|t| !t.is_empty()) {
            let key = text_hash(&to);
            let first = self.emails.first_or_insert(key, row)?;
            if let Some(first) = first.filter(|_| !duplicate_row) {
                out.push(Finding::new(
                    Kind::DuplicateAddress,
                    Problem::warning(format!(
                        "row {row} has the same email address ({to}) as row {first}"
                    ))
                    .at_row(row)
                    .in_column("to")
                    .with_hint(format!(
                        "check rows {first} and {row}: that address would get two messages"
                    ))
                    .grouped_as("the row has the same email address as an earlier row")
                    .with_group_hint(
                        "check each against the earlier row (check --all names it): that \
                         address would get two messages",
                    ),
                ));
            }
        }
        if let Some(filename) = filename {
            let name = letter_file_name(&mut self.names, filename.as_deref(), row)?;
            let wanted = match filename.as_deref() {
                Some(raw) => format!("{}.pdf", sanitize_stem(raw, row)),
                None => format!("row-{row}.pdf"),
            };
            let key = text_hash(&wanted.to_lowercase());
            if name == wanted {
                self.files.first_or_insert(key, row)?;
            } else {
                let first = self.files.get(key)?;
                let earlier = match first {
                    Some(first) => format!("row {first}'s letter"),
                    None => "another letter's".to_string(),
                };
                out.push(Finding::new(
                    Kind::FileName,
                    Problem::error(format!(
                        "the letter's file name {wanted} is already {earlier} (pdf would write this one as {name})"
                    ))
                    .at_row(row)
                    .with_hint(
                        "make the template's `filename` give every letter its own name, e.g. \
                         add a column such as {{district}} to it",
                    )
                    .grouped_as(
                        "the letter's file name is already another letter's (pdf would add -2, \
                         -3, ... to it)",
                    ),
                ));
            }
        }
        Ok(out)
    }
}

/// A hash of a row's cells, to find rows that repeat another exactly.
fn fingerprint(fields: &[String]) -> u64 {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    for f in fields {
        f.trim().hash(&mut h);
    }
    h.finish()
}

/// Case and spacing folded, so "1 Main St" and "1  MAIN ST" are the same address.
fn fold(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

#[cfg(test)]
mod tests {
    use super::{fold, CheckReport, Finding, Kind, Seen, MAX_FULL_FINDINGS};
    use crate::first_seen::IN_MEMORY;
    use crate::problem::Problem;
    use crate::report::{Reporter, ROWS_NAMED};
    use crate::row_runs::RUNS_KEPT;

    #[test]
    fn duplicates_name_both_rows() {
        let mut seen = Seen::default();
        assert!(seen
            .across_rows(2, Some(1), Some(fold("1 Main St")), None, None)
            .unwrap()
            .is_empty());
        let again = seen
            .across_rows(3, Some(1), Some(fold("1 MAIN  St")), None, None)
            .unwrap();
        assert_eq!(
            again.len(),
            1,
            "a duplicate row is not also a duplicate address"
        );
        assert_eq!(again[0].problem.message, "row 3 repeats row 2 exactly");
        let addr = seen
            .across_rows(4, Some(2), Some(fold("1 main st")), None, None)
            .unwrap();
        assert_eq!(
            addr[0].problem.message,
            "row 4 has the same address as row 2"
        );
    }

    #[test]
    fn colliding_file_names_are_errors_naming_the_first_row() {
        let mut seen = Seen::default();
        let name = |s: &str| Some(Some(s.to_string()));
        assert!(seen
            .across_rows(2, Some(1), None, None, name("Doe"))
            .unwrap()
            .is_empty());
        let f = seen
            .across_rows(5, Some(2), None, None, name("doe"))
            .unwrap();
        assert!(f[0].problem.is_error());
        assert!(
            f[0].problem
                .message
                .contains("doe.pdf is already row 2's letter"),
            "{}",
            f[0].problem.message
        );
        assert!(f[0].problem.message.contains("doe-2.pdf"));
    }

    #[test]
    fn duplicates_of_rows_past_the_keys_kept_in_memory_name_the_first_row() {
        // More rows than an index keeps in memory, each with its own row, address, email
        // address and file name: the early ones are on disk when they come back.
        let mut seen = Seen::default();
        let n = IN_MEMORY as u64 + 5_000;
        for r in 2..n {
            let found = seen
                .across_rows(
                    r,
                    Some(r * 1_000_003),
                    Some(fold(&format!("{r} Main St"))),
                    Some(format!("p{r}@example.org")),
                    Some(Some(format!("Name {r}"))),
                )
                .unwrap();
            assert!(found.is_empty(), "row {r}: {found:?}");
        }
        let f = seen
            .across_rows(
                n,
                Some(7),
                Some(fold("2 main st")),
                Some("p3@example.org".to_string()),
                Some(Some("name 4".to_string())),
            )
            .unwrap();
        let messages: Vec<&str> = f.iter().map(|f| f.problem.message.as_str()).collect();
        assert_eq!(messages.len(), 3, "{messages:?}");
        assert_eq!(
            messages[0],
            format!("row {n} has the same address as row 2")
        );
        assert_eq!(
            messages[1],
            format!("row {n} has the same email address (p3@example.org) as row 3")
        );
        assert!(
            messages[2].contains(
                "name 4.pdf is already row 4's letter (pdf would write this one as name 4-2.pdf)"
            ),
            "{}",
            messages[2]
        );
        let again = seen
            .across_rows(n + 1, Some(5 * 1_000_003), None, None, None)
            .unwrap();
        assert_eq!(
            again[0].problem.message,
            format!("row {} repeats row 5 exactly", n + 1)
        );
    }

    #[test]
    fn findings_past_the_full_ones_are_counted_exactly_in_bounded_runs() {
        let warn = |row: u64| {
            Finding::new(
                Kind::EmptyField,
                Problem::warning("`{{district}}` is empty")
                    .at_row(row)
                    .in_column("district"),
            )
        };
        let mut report = CheckReport::default();
        // Every other row from row 2, and row 40,000 twice.
        let rows: Vec<u64> = (0..200_000).map(|i| 2 + 2 * i).collect();
        for &row in &rows {
            report.add(warn(row));
            if row == 40_000 {
                report.add(warn(row));
            }
        }
        assert_eq!(report.finding_counts(), (0, rows.len() + 1));
        assert_eq!(report.not_kept(), rows.len() + 1 - MAX_FULL_FINDINGS);
        assert_eq!(report.beyond.len(), 1);
        assert_eq!(report.beyond[0].rows.runs().len(), RUNS_KEPT);
        assert_eq!(report.counts(), [(Kind::EmptyField, false, rows.len() + 1)]);
        // The kept rows and the counted ones make one group of every row, once each.
        let groups = report.groups(false);
        assert_eq!(groups.len(), 1);
        assert_eq!(groups[0].rows.len(), rows.len());
        assert_eq!(groups[0].findings, rows.len() + 1);
        let r = Reporter::new(std::path::Path::new("d.csv"), true);
        assert_eq!(
            r.format_group(&groups[0]),
            format!(
                "warning: d.csv, column \"district\": `{{{{district}}}}` is empty, in 200,000 rows: \
                 rows 2, 4, 6 and {} more",
                crate::report::thousands((rows.len() - ROWS_NAMED) as u64)
            )
        );
        // A row's own findings: listed for the rows the group lists.
        assert_eq!(report.for_row(4).count(), 1);
        assert_eq!(report.for_row(2 * MAX_FULL_FINDINGS as u64 + 10).count(), 1);
        assert_eq!(report.for_row(5).count(), 0);
    }
}
