//! Field matching: the standard field names the shipped templates are written against
//! (`first_name`, `title`, `body`, `address`, `zip`, `email`, `returning`...), how a data
//! file's own columns are matched to them (exact or snake_case name, a built-in table of
//! synonyms, the config's `[columns]` table), and what the public datasets
//! (congress-legislators, Open States) and contact exports (Outlook, Google) let us derive.
//!
//! Matching is decided once, from the header row, into a [`FieldPlan`]; each record then gets
//! the standard fields it lacks appended as derived columns ([`FieldPlan::derive`]), so every
//! later stage (templates, `--where`, the checks) sees them as ordinary columns. A data
//! column keeps its own name too: a template may use `{{given_name}}` or `{{first_name}}`.

mod datasets;
pub mod legislatures;
mod standard;
pub mod us_address;

pub use self::datasets::Dataset;
pub use self::standard::{compact, Standard, STANDARD};

use crate::problem::Problem;
use std::fmt;

/// Which of an official's offices a letter goes to, when the data has both (Open States'
/// `capitol_address` and `district_address`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum AddressChoice {
    /// The capitol (legislative) office; the district office where it is empty.
    #[default]
    Capitol,
    /// The district office; the capitol office where it is empty.
    District,
}

impl AddressChoice {
    pub fn parse(text: &str) -> Option<AddressChoice> {
        match text.trim().to_ascii_lowercase().as_str() {
            "capitol" | "legislative" => Some(AddressChoice::Capitol),
            "district" => Some(AddressChoice::District),
            _ => None,
        }
    }
}

/// What the user said about matching: the config's `[columns]` (standard field -> their
/// column) and the office to write to.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FieldOptions {
    /// `(standard field, column)` pairs, in the config's order.
    pub columns: Vec<(String, String)>,
    pub address: AddressChoice,
    /// Where `columns` came from, for messages ("lettermerge.toml").
    pub origin: String,
}

/// A `[columns]` entry that cannot be used.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError(pub String);

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A problem found while deriving a row's fields.
#[derive(Debug, Clone, PartialEq)]
pub struct Note {
    pub problem: Problem,
    /// Only about the mailing address: it matters for print, not for email.
    pub print_only: bool,
}

/// Where a standard field's value comes from.
#[derive(Debug, Clone, PartialEq, Eq)]
enum Source {
    /// A copy of one column.
    Column(usize),
    /// Several columns (street lines), the non-empty ones joined by line breaks.
    Lines(Vec<usize>),
    /// The first of several values in one cell (Google joins them with ` ::: `).
    FirstValue(usize),
    /// Yes/no from a yes/no column: "yes", "no" or "" when it does not say (`?`).
    YesNo(usize),
    /// Yes/no from a column that says the opposite (`returning` from `is_new`).
    Negated(usize),
    /// Worked out from a recognised dataset's columns.
    Dataset(datasets::Derived),
    /// Not in the data: an optional field that is always there, empty.
    Empty,
}

/// How one standard field was matched, for the table `check` and `preview` print.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Match {
    /// The standard field.
    pub field: &'static str,
    /// The column(s) or rule it comes from, e.g. "given_name", "capitol_address (split)".
    pub from: String,
    /// How: "config", "name", "synonym", the dataset's name.
    pub how: &'static str,
}

/// One derived column: its name (a standard field) and where its value comes from.
#[derive(Debug, Clone)]
struct Column {
    name: &'static str,
    source: Source,
    /// Replaces the file's column of the same name (a dataset's `state` is the state
    /// represented; the letter's `state` is the mailing address's).
    replaces: Option<usize>,
}

/// The matching of one data file, decided from its header.
#[derive(Debug, Clone, Default)]
pub struct FieldPlan {
    columns: Vec<Column>,
    matches: Vec<Match>,
    dataset: Option<Dataset>,
    notices: Vec<String>,
    address: AddressChoice,
}

impl FieldPlan {
    /// Matches the header `names` (as the file writes them; `keys` their snake_case forms) to
    /// the standard fields. Errors name a `[columns]` entry whose column the file lacks.
    pub fn build(
        names: &[String],
        keys: &[String],
        opts: &FieldOptions,
    ) -> Result<FieldPlan, FieldError> {
        let mut plan = FieldPlan {
            address: opts.address,
            ..FieldPlan::default()
        };
        let find_key = |key: &str| keys.iter().position(|k| k == key);
        // 1. The config's [columns] table wins over everything.
        let mut configured: Vec<(&'static str, usize)> = Vec::new();
        for (field, column) in &opts.columns {
            let Some(standard) = standard::find(field) else {
                return Err(FieldError(format!(
                    "{}: [columns] names `{field}`, which is not a standard field; the standard fields are {}{}",
                    opts.origin,
                    STANDARD.iter().map(|s| s.name).collect::<Vec<_>>().join(", "),
                    standard::did_you_mean(field)
                        .map(|s| format!(" (did you mean `{s}`?)"))
                        .unwrap_or_default()
                )));
            };
            let index = names
                .iter()
                .position(|n| n == column.trim())
                .or_else(|| find_key(&crate::records::snake_case(column)));
            let Some(index) = index else {
                return Err(FieldError(format!(
                    "{}: [columns] maps `{field}` to the column \"{column}\", but the data has no such column; the columns are: {}",
                    opts.origin,
                    names.join(", ")
                )));
            };
            configured.push((standard.name, index));
        }
        plan.dataset = Dataset::recognise(keys);
        if let Some(dataset) = &plan.dataset {
            plan.notices.push(dataset.notice(keys));
        }
        for standard in STANDARD {
            let field = standard.name;
            if let Some(&(_, index)) = configured.iter().find(|(f, _)| *f == field) {
                let source = match field {
                    "returning" | "new_member" => Source::YesNo(index),
                    _ => Source::Column(index),
                };
                plan.add(field, source, names[index].clone(), "config", keys);
                continue;
            }
            if let Some(dataset) = &plan.dataset {
                if let Some((source, from)) = dataset.source(field, names, opts.address) {
                    plan.add(field, source, from, dataset.short_name(), keys);
                    continue;
                }
            }
            if let Some(index) = find_key(field) {
                plan.matches.push(Match {
                    field,
                    from: names[index].clone(),
                    how: "name",
                });
                continue;
            }
            if let Some((source, from)) = standard::synonym_source(standard, names, keys) {
                plan.add(field, source, from, "synonym", keys);
                continue;
            }
            // `returning` and `new_member` say the same thing from two sides.
            let partner = match field {
                "returning" => Some("new_member"),
                "new_member" => Some("returning"),
                _ => None,
            };
            if let Some(partner) = partner {
                let partner_column = configured
                    .iter()
                    .find(|(f, _)| *f == partner)
                    .map(|&(_, i)| i)
                    .or_else(|| find_key(partner))
                    .or_else(|| {
                        let standard = standard::find(partner)?;
                        match standard::synonym_source(standard, names, keys)?.0 {
                            Source::YesNo(i) | Source::Column(i) => Some(i),
                            _ => None,
                        }
                    });
                if let Some(index) = partner_column {
                    plan.add(
                        field,
                        Source::Negated(index),
                        format!("not {}", names[index]),
                        "derived",
                        keys,
                    );
                    continue;
                }
            }
            if standard.optional {
                plan.add(field, Source::Empty, String::new(), "empty", keys);
            }
        }
        if let Some(dataset) = plan.dataset.clone() {
            for (name, index) in dataset.kept() {
                if !keys.iter().any(|k| k == name) {
                    plan.columns.push(Column {
                        name,
                        source: Source::Column(index),
                        replaces: None,
                    });
                }
            }
        }
        Ok(plan)
    }

    fn add(
        &mut self,
        field: &'static str,
        source: Source,
        from: String,
        how: &'static str,
        keys: &[String],
    ) {
        // Only the config or a dataset reach here for a field the file has under its own
        // name: the file's value is then replaced.
        let replaces = keys.iter().position(|k| k == field);
        if let (Some(i), Source::Column(j)) = (replaces, &source) {
            if i == *j {
                self.matches.push(Match { field, from, how });
                return;
            }
        }
        if !matches!(source, Source::Empty) {
            self.matches.push(Match { field, from, how });
        }
        self.columns.push(Column {
            name: field,
            source,
            replaces,
        });
    }

    /// The names of the columns [`derive`](Self::derive) appends, in order (standard fields
    /// the file does not have under their own name).
    pub fn appended(&self) -> Vec<&'static str> {
        self.columns
            .iter()
            .filter(|c| c.replaces.is_none())
            .map(|c| c.name)
            .collect()
    }

    /// File columns whose value a standard field of the same name replaces, with the new
    /// name the file's own value is kept under (`state` -> `represented_state`), if any.
    pub fn replaced(&self) -> Vec<(usize, &'static str)> {
        self.columns
            .iter()
            .filter_map(|c| c.replaces.map(|i| (i, c.name)))
            .collect()
    }

    /// How each standard field was matched, in the standard order.
    pub fn matches(&self) -> &[Match] {
        &self.matches
    }

    /// The matching table `check` and `preview` print: one line per source, for the
    /// standard fields among `used` (the names a template uses) that do not simply match a
    /// column of the same name. Empty when there is nothing to say.
    pub fn table(&self, used: &[String]) -> Vec<String> {
        let mut rows: Vec<(Vec<&'static str>, String)> = Vec::new();
        for m in &self.matches {
            if m.how == "name"
                || !used
                    .iter()
                    .any(|u| standard::find(u).is_some_and(|s| s.name == m.field))
            {
                continue;
            }
            let from = format!("{} ({})", m.from, m.how);
            match rows.iter_mut().find(|(_, f)| *f == from) {
                Some((fields, _)) => fields.push(m.field),
                None => rows.push((vec![m.field], from)),
            }
        }
        let width = rows
            .iter()
            .map(|(f, _)| f.join(", ").chars().count())
            .max()
            .unwrap_or(0);
        rows.into_iter()
            .map(|(fields, from)| format!("{:width$} <- {from}", fields.join(", ")))
            .collect()
    }

    /// The dataset recognised from the header, if any.
    pub fn dataset(&self) -> Option<&Dataset> {
        self.dataset.as_ref()
    }

    /// Notices to show once (the dataset recognised, what it lacks).
    pub fn notices(&self) -> &[String] {
        &self.notices
    }

    /// True when nothing is derived: records pass through untouched.
    pub fn is_empty(&self) -> bool {
        self.columns.is_empty()
    }

    /// Fills in the standard fields of one row: `fields` holds the file's cells and gets the
    /// appended columns pushed (in [`appended`](Self::appended) order) and replaced ones
    /// overwritten. Problems that make a row unprintable (no mailing address) or doubtful (an
    /// address split without confidence) are returned with the row; `names` are the file's
    /// column names, for messages.
    pub fn derive(&self, row: u64, fields: &mut Vec<String>, names: &[String]) -> Vec<Note> {
        let mut notes = Vec::new();
        let file_len = fields.len();
        let mut cache = None;
        let mut replaced = Vec::new();
        // One allocation for the appended columns, not a regrowth partway through them.
        fields.reserve(self.columns.len());
        for column in &self.columns {
            let cell = |i: usize| fields.get(i).map(String::as_str).unwrap_or("");
            let value = match &column.source {
                Source::Column(i) => cell(*i).to_string(),
                Source::Lines(cols) => {
                    let lines: Vec<&str> = cols
                        .iter()
                        .map(|&i| cell(i).trim())
                        .filter(|s| !s.is_empty())
                        .collect();
                    lines.join("\n")
                }
                Source::FirstValue(i) => first_value(cell(*i)).to_string(),
                Source::Negated(i) => negate(cell(*i)).to_string(),
                Source::YesNo(i) => match yes_no(cell(*i)) {
                    Some(true) => "yes",
                    Some(false) => "no",
                    None => "",
                }
                .to_string(),
                Source::Empty => String::new(),
                Source::Dataset(d) => {
                    let dataset = self
                        .dataset
                        .as_ref()
                        .expect("a dataset source has a dataset");
                    let derived = cache.get_or_insert_with(|| {
                        dataset.derive_row(row, &fields[..file_len], names, self.address)
                    });
                    derived.get(*d)
                }
            };
            match column.replaces {
                Some(i) => replaced.push((i, value)),
                None => fields.push(value),
            }
        }
        for (i, value) in replaced {
            if let Some(f) = fields.get_mut(i) {
                *f = value;
            }
        }
        if let Some(derived) = cache {
            notes.extend(derived.notes);
        }
        notes
    }
}

/// The first of the values Google Contacts joins into one cell with ` ::: `.
fn first_value(cell: &str) -> &str {
    cell.split(":::").next().unwrap_or("").trim()
}

/// "yes" for a false-looking cell, "no" for a true one, "" when the cell is empty or says
/// neither (Open States writes `?` when it does not know).
fn negate(cell: &str) -> &'static str {
    match yes_no(cell) {
        Some(true) => "no",
        Some(false) => "yes",
        None => "",
    }
}

/// What a yes/no cell says: `None` when it is empty or unclear.
pub fn yes_no(cell: &str) -> Option<bool> {
    let t = cell.trim().to_ascii_lowercase();
    match t.as_str() {
        "yes" | "y" | "true" | "1" | "x" => Some(true),
        "no" | "n" | "false" | "0" => Some(false),
        _ => None,
    }
}

#[cfg(test)]
mod tests;
