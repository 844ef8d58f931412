//! The data files lettermerge knows by their headers: the congress-legislators CSVs, Open
//! States' people CSVs and Outlook's contacts export, and the standard fields each one lets
//! us work out (titles and bodies from chamber codes, mailing addresses split from one line).

use super::legislatures;
use super::us_address::{self, Split};
use super::{AddressChoice, Note, Source};
use crate::problem::Problem;

/// A recognised data file and the columns its derivations read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dataset {
    /// unitedstates/congress-legislators: `legislators-current.csv`, or the new-members shape
    /// with `is_new_member`.
    Congress {
        kind: usize,
        state: usize,
        address: usize,
        is_new: Option<usize>,
    },
    /// Open States people CSVs, one state's or all of them.
    OpenStates {
        state: usize,
        chamber: usize,
        capitol: usize,
        district: usize,
        is_new: Option<usize>,
        /// Leadership posts ("Majority Leader"); kept as `leadership`.
        title: Option<usize>,
    },
    /// Outlook's contacts export: its "Title" is the honorific, "Job Title" the office.
    Outlook { title: usize, job_title: usize },
}

/// A value worked out from a dataset's columns.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Derived {
    Title,
    Body,
    Street,
    City,
    State,
    Zip,
}

/// One row's derived values.
#[derive(Debug, Default)]
pub struct DerivedRow {
    title: String,
    body: String,
    street: String,
    city: String,
    state: String,
    zip: String,
    pub notes: Vec<Note>,
}

impl DerivedRow {
    pub fn get(&self, d: Derived) -> String {
        match d {
            Derived::Title => &self.title,
            Derived::Body => &self.body,
            Derived::Street => &self.street,
            Derived::City => &self.city,
            Derived::State => &self.state,
            Derived::Zip => &self.zip,
        }
        .clone()
    }
}

fn position(keys: &[String], key: &str) -> Option<usize> {
    keys.iter().position(|k| k == key)
}

impl Dataset {
    /// The dataset a header belongs to, if lettermerge knows it.
    pub fn recognise(keys: &[String]) -> Option<Dataset> {
        let has = |k: &str| position(keys, k).is_some();
        if has("bioguide_id") && has("type") && has("state") && has("address") {
            return Some(Dataset::Congress {
                kind: position(keys, "type")?,
                state: position(keys, "state")?,
                address: position(keys, "address")?,
                is_new: position(keys, "is_new_member"),
            });
        }
        if has("chamber") && has("capitol_address") && has("district_address") && has("state") {
            return Some(Dataset::OpenStates {
                state: position(keys, "state")?,
                chamber: position(keys, "chamber")?,
                capitol: position(keys, "capitol_address")?,
                district: position(keys, "district_address")?,
                is_new: position(keys, "is_new"),
                title: position(keys, "title"),
            });
        }
        if has("job_title") && has("title") && has("business_street") {
            return Some(Dataset::Outlook {
                title: position(keys, "title")?,
                job_title: position(keys, "job_title")?,
            });
        }
        None
    }

    /// "congress-legislators", for the matching table.
    pub fn short_name(&self) -> &'static str {
        match self {
            Dataset::Congress { .. } => "congress-legislators",
            Dataset::OpenStates { .. } => "Open States",
            Dataset::Outlook { .. } => "Outlook",
        }
    }

    /// The notice saying what was recognised and what it means for the letters.
    pub fn notice(&self, keys: &[String]) -> String {
        match self {
            Dataset::Congress { is_new, .. } => {
                let shape = if is_new.is_some() {
                    "its new-members list"
                } else {
                    "its current members"
                };
                let mut s = format!(
                    "this is the congress-legislators data ({shape}): the title and body come from `type` and `state`, the mailing address is split from `address`, and the state represented is `represented_state`"
                );
                if position(keys, "email").is_none() {
                    s.push_str(
                        "; it has no email column: congressional offices take mail through the web forms in `contact_form`, so these letters can be printed but not emailed",
                    );
                }
                if is_new.is_none() {
                    s.push_str(
                        "; it does not say who is new, so the letter uses the wording that fits both",
                    );
                }
                s
            }
            Dataset::OpenStates { .. } => "this is an Open States people file: the title and body come from `chamber` and `state`, the mailing address is split from `capitol_address` (or `district_address` with --address district; each falls back to the other where it is empty), `is_new` says who is new, and the file's `title` (leadership posts) is `leadership`".to_string(),
            Dataset::Outlook { .. } => "this is an Outlook contacts export: its \"Title\" (Mr., Dr.) is the `honorific`, \"Job Title\" the office (`title`), and the address is the Business one".to_string(),
        }
    }

    /// Where a standard field comes from in this dataset, when the dataset decides it.
    pub(super) fn source(
        &self,
        field: &str,
        names: &[String],
        address: AddressChoice,
    ) -> Option<(Source, String)> {
        let d = |d: Derived, from: String| Some((Source::Dataset(d), from));
        let col = |i: usize| Some((Source::Column(i), names[i].clone()));
        // Where each dataset takes the office from and the one-line address it splits.
        let (title_from, body_from, split, state, is_new) = match self {
            Dataset::Congress {
                kind,
                state,
                address: line,
                is_new,
            } => (
                format!("{} + {}", names[*kind], names[*state]),
                names[*kind].clone(),
                format!("{}, split", names[*line]),
                *state,
                *is_new,
            ),
            Dataset::OpenStates {
                state,
                chamber,
                capitol,
                district,
                is_new,
                ..
            } => {
                let (first, second) = match address {
                    AddressChoice::Capitol => (*capitol, *district),
                    AddressChoice::District => (*district, *capitol),
                };
                let seat = format!("{} + {}", names[*chamber], names[*state]);
                (
                    seat.clone(),
                    seat,
                    format!("{} (else {}), split", names[first], names[second]),
                    *state,
                    *is_new,
                )
            }
            Dataset::Outlook { title, job_title } => {
                return match field {
                    "honorific" => col(*title),
                    "title" => col(*job_title),
                    _ => None,
                }
            }
        };
        match field {
            "title" => d(Derived::Title, title_from),
            "body" => d(Derived::Body, body_from),
            "address" => d(Derived::Street, split),
            "city" => d(Derived::City, split),
            "state" => d(Derived::State, split),
            "zip" => d(Derived::Zip, split),
            "represented_state" => col(state),
            "new_member" => is_new.map(|i| (Source::YesNo(i), names[i].clone())),
            "returning" => is_new.map(|i| (Source::Negated(i), format!("not {}", names[i]))),
            _ => None,
        }
    }

    /// Columns of the file a standard field replaces that are kept under another name.
    pub(super) fn kept(&self) -> Vec<(&'static str, usize)> {
        match self {
            Dataset::OpenStates { title: Some(t), .. } => vec![("leadership", *t)],
            _ => Vec::new(),
        }
    }

    /// Works out one row's derived values; `names` are the file's column names.
    pub fn derive_row(
        &self,
        row: u64,
        fields: &[String],
        names: &[String],
        address: AddressChoice,
    ) -> DerivedRow {
        let cell = |i: usize| fields.get(i).map(|s| s.trim()).unwrap_or("");
        let mut out = DerivedRow::default();
        match self {
            Dataset::Congress {
                kind,
                state,
                address: line,
                ..
            } => {
                match legislatures::congress(cell(*kind), cell(*state)) {
                    Some(seat) => {
                        out.title = seat.title.to_string();
                        out.body = seat.body;
                    }
                    None => {
                        out.notes
                            .push(unknown_seat(row, names, *kind, cell(*kind), cell(*state)))
                    }
                }
                out.split_address(row, &[(*line, cell(*line))], names);
            }
            Dataset::OpenStates {
                state,
                chamber,
                capitol,
                district,
                ..
            } => {
                match legislatures::state_legislature(cell(*state), cell(*chamber)) {
                    Some(seat) => {
                        out.title = seat.title.to_string();
                        out.body = seat.body;
                    }
                    None => {
                        out.body = cell(*chamber).to_string();
                        out.notes.push(unknown_seat(
                            row,
                            names,
                            *chamber,
                            cell(*chamber),
                            cell(*state),
                        ));
                    }
                }
                let order = match address {
                    AddressChoice::Capitol => [*capitol, *district],
                    AddressChoice::District => [*district, *capitol],
                };
                out.split_address(row, &order.map(|i| (i, cell(i))), names);
            }
            Dataset::Outlook { .. } => {}
        }
        out
    }
}

fn unknown_seat(row: u64, names: &[String], column: usize, value: &str, state: &str) -> Note {
    Note {
        print_only: false,
        problem: Problem::warning(format!(
            "lettermerge does not know the office \"{value}\" for the state \"{state}\", so the letter has no title for it (the greeting uses the name alone)"
        ))
        .at_row(row)
        .in_column(names[column].clone())
        .with_hint("give the office in a `title` column of your own and map it with [columns] title = \"...\" in the config"),
    }
}

impl DerivedRow {
    /// Splits the first non-empty of the one-line addresses into street, city, state, ZIP.
    fn split_address(&mut self, row: u64, candidates: &[(usize, &str)], names: &[String]) {
        // A cell that holds only a state ("KY") or a ZIP is no address: try the next one.
        let usable = |line: &str| {
            line.chars().filter(|c| c.is_alphabetic()).count() > 2
                && line.split_whitespace().count() > 1
        };
        let Some(&(column, line)) = candidates.iter().find(|(_, l)| usable(l)) else {
            let columns: Vec<String> = candidates
                .iter()
                .map(|(i, _)| format!("`{}`", names[*i]))
                .collect();
            self.notes.push(Note {
                print_only: true,
                problem: Problem::error(format!(
                    "no mailing address: {} {} empty{}",
                    columns.join(" and "),
                    if columns.len() == 1 { "is" } else { "are both" },
                    if candidates.iter().any(|(_, l)| !l.is_empty()) {
                        " or hold no more than a state or ZIP"
                    } else {
                        ""
                    }
                ))
                .at_row(row)
                .in_column(names[candidates[0].0].clone())
                .with_hint(
                    "fill in an address, or leave this row out of the print run (--where, --rows); it can still be emailed",
                ),
            });
            return;
        };
        match us_address::split(line) {
            Split::Sure(parsed) => self.take(parsed),
            Split::Unsure { best, reason } => {
                let shown = match best {
                    Some(parsed) => {
                        self.take(parsed);
                        "its best reading is printed"
                    }
                    None => {
                        self.street = line.to_string();
                        "it is printed as one line"
                    }
                };
                self.notes.push(Note {
                    print_only: true,
                    problem: Problem::warning(format!(
                        "the address \"{line}\" could not be split into street, city, state and ZIP with confidence ({reason}); {shown}"
                    ))
                    .at_row(row)
                    .in_column(names[column].clone())
                    .with_hint("check this letter's address block in the preview, or correct the cell"),
                });
            }
        }
    }

    fn take(&mut self, parsed: us_address::Parsed) {
        self.street = fit_street_lines(parsed.lines).join("\n");
        self.city = parsed.city;
        self.state = parsed.state;
        self.zip = parsed.zip;
    }
}

/// The most street lines a derived address keeps. A window envelope shows five lines: the
/// name, the office or body, the street lines and "City, ST  ZIP" leave room for two.
pub const MAX_STREET_LINES: usize = 2;

/// Joins the top street lines ("Room 5710", "1021 O St.") until at most
/// [`MAX_STREET_LINES`] are left; the line just above the city, where the post office
/// delivers, is kept as it is.
fn fit_street_lines(mut lines: Vec<String>) -> Vec<String> {
    while lines.len() > MAX_STREET_LINES {
        let second = lines.remove(1);
        lines[0] = format!("{}, {second}", lines[0].trim_end_matches(','));
    }
    lines
}

#[cfg(test)]
mod tests {
    use super::fit_street_lines;

    #[test]
    fn street_lines_fit_the_window() {
        let lines = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<Vec<_>>();
        assert_eq!(
            fit_street_lines(lines(&["Room 5710", "1021 O St.", "P.O. Box 942849"])),
            lines(&["Room 5710, 1021 O St.", "P.O. Box 942849"])
        );
        assert_eq!(
            fit_street_lines(lines(&["State Capitol Room 400", "120 4th St."])),
            lines(&["State Capitol Room 400", "120 4th St."])
        );
    }
}
