//! The fields a template uses that the data has no column for, said once for the whole file
//! (one error naming every such field and the rows it breaks, the data's columns listed
//! once), and the column a misspelt field almost certainly means.
//!
//! The near-miss is conservative on purpose: a wrong "did you mean" sends the user to
//! change a template that was right, so only a column that is unmistakably the same name
//! (spelling, underscores, one qualifying word) is offered, and only when it is the only one.

use crate::problem::Problem;
use crate::records::{snake_case, Headers};
use crate::row_runs::RowRuns;

/// One field the template uses that the data lacks.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MissingField {
    /// The name as the template writes it.
    pub name: String,
    /// The line of the template file where it is first used.
    pub line: usize,
    /// The data column it almost certainly means, as the template should write it.
    pub near: Option<String>,
}

/// Every field the template uses (in any branch) that the data's header lacks.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MissingColumns {
    pub fields: Vec<MissingField>,
    /// The template's file name.
    template: String,
    /// The data's columns, as its header names them.
    columns: Vec<String>,
}

impl MissingColumns {
    pub(super) fn new(template: &str, headers: &Headers) -> MissingColumns {
        MissingColumns {
            fields: Vec::new(),
            template: template.to_string(),
            columns: headers.file_names().to_vec(),
        }
    }

    pub(super) fn push(&mut self, name: &str, line: usize, headers: &Headers) {
        self.fields.push(MissingField {
            name: name.to_string(),
            line,
            near: near_column(name, headers),
        });
    }

    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// Whether a row's problem is one of these fields missing, so that it is said once for
    /// the file instead of once per row.
    pub fn covers(&self, p: &Problem) -> bool {
        p.is_error()
            && p.column
                .as_deref()
                .is_some_and(|c| self.fields.iter().any(|f| f.name == c))
    }

    /// The one error for every missing field, with the rows it breaks (empty when no row was
    /// read). `None` when nothing is missing.
    pub fn problem(&self, broken: &RowRuns) -> Option<Problem> {
        let breaks = if broken.is_empty() {
            String::new()
        } else {
            format!(" (it breaks {})", crate::report::rows_phrase(broken))
        };
        let columns = self.columns.join(", ");
        match self.fields.as_slice() {
            [] => None,
            [f] => {
                let near = f
                    .near
                    .as_ref()
                    .map(|n| format!("did you mean `{n}`? "))
                    .unwrap_or_default();
                Some(
                    Problem::error(format!(
                        "the template uses `{{{{{}}}}}` but the data has no column `{}`{breaks}",
                        f.name, f.name
                    ))
                    .in_column(f.name.clone())
                    .with_hint(format!(
                        "fix the spelling or add the column (template {} line {}); {near}the columns are: {columns}",
                        self.template, f.line
                    )),
                )
            }
            fields => {
                let list: Vec<String> = fields
                    .iter()
                    .map(|f| format!("{} (line {})", f.name, f.line))
                    .collect();
                let near: Vec<String> = fields
                    .iter()
                    .filter_map(|f| Some(format!("`{}` for {}", f.near.as_ref()?, f.name)))
                    .collect();
                let near = if near.is_empty() {
                    String::new()
                } else {
                    format!("did you mean {}? ", near.join(", "))
                };
                Some(
                    Problem::error(format!(
                        "the template uses {} fields the data has no column for: {}{breaks}",
                        fields.len(),
                        list.join(", ")
                    ))
                    .with_hint(format!(
                        "fix the names in template {} or add the columns; {near}the columns are: {columns}",
                        self.template
                    )),
                )
            }
        }
    }
}

/// The data column that `name` (a field the data lacks) almost certainly means, as a
/// template writes it; `None` unless exactly one column is that close. Close is, on the
/// snake_case keys: the same letters apart from `_` (`lastname`, `last_name`; `e_mail`,
/// `email`); else a letter or two off (`emial`, `Stret`), never only a digit; else the
/// same words with one more at the end (`zip` -> `zip_code`, `email` -> `email_address`)
/// or one fewer when that word says nothing (`zip_code` -> `zip`, `last_name` -> `last`).
pub fn near_column(name: &str, headers: &Headers) -> Option<String> {
    let want = snake_case(name);
    if want.is_empty() {
        return None;
    }
    let keys = &headers.keys;
    // Compared as the field matching compares names: snake_case without its underscores.
    let squash = crate::fields::compact;
    let want_squashed = squash(&want);
    let pick = |matches: Vec<usize>| -> Option<Option<String>> {
        match matches.as_slice() {
            [] => None,
            [i] => Some(Some(as_written(&headers.names[*i], &keys[*i]))),
            // Several columns are as close: no guess.
            _ => Some(None),
        }
    };
    let same: Vec<usize> = (0..keys.len())
        .filter(|&i| squash(&keys[i]) == want_squashed)
        .collect();
    if let Some(found) = pick(same) {
        return found;
    }
    let allowed = match want_squashed.chars().count() {
        0..=2 => 0,
        3..=7 => 1,
        _ => 2,
    };
    if allowed > 0 {
        let distances: Vec<(usize, usize)> = (0..keys.len())
            .filter(|&i| !differ_only_in_digits(&want_squashed, &squash(&keys[i])))
            .map(|i| (i, osa_distance(&want_squashed, &squash(&keys[i]))))
            .filter(|&(_, d)| d <= allowed)
            .collect();
        if let Some(best) = distances.iter().map(|&(_, d)| d).min() {
            let at_best = distances
                .iter()
                .filter(|&&(_, d)| d == best)
                .map(|&(i, _)| i)
                .collect();
            if let Some(found) = pick(at_best) {
                return found;
            }
        }
    }
    let words: Vec<&str> = want.split('_').collect();
    let one_word_more = (0..keys.len())
        .filter(|&i| {
            let theirs: Vec<&str> = keys[i].split('_').collect();
            (theirs.len() == words.len() + 1 && theirs.starts_with(&words) && want.len() >= 3)
                || (words.len() == theirs.len() + 1
                    && words.starts_with(&theirs)
                    && keys[i].len() >= 3
                    && words.last().is_some_and(|w| SAYS_NOTHING.contains(w)))
        })
        .collect();
    pick(one_word_more).flatten()
}

/// Last words of a field name that add nothing to it: `zip_code` is `zip`.
const SAYS_NOTHING: [&str; 7] = ["code", "number", "num", "no", "name", "address", "addr"];

/// A column as a template can write it: its header name when that is a plain name
/// (`Street`, `zip_code`), else its snake_case key (`ZIP Code` -> `zip_code`).
fn as_written(name: &str, key: &str) -> String {
    if !name.is_empty() && name.chars().all(|c| c.is_alphanumeric() || c == '_') {
        name.to_string()
    } else {
        key.to_string()
    }
}

/// `phone1` and `phone2`: the same letters, other digits; a different column, not a typo.
fn differ_only_in_digits(a: &str, b: &str) -> bool {
    let letters = |s: &str| -> String { s.chars().filter(|c| !c.is_ascii_digit()).collect() };
    a != b && letters(a) == letters(b)
}

/// Edit distance counting a swap of two neighbours as one edit (`emial` -> `email` is 1).
fn osa_distance(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    let mut d = vec![vec![0usize; b.len() + 1]; a.len() + 1];
    for (i, row) in d.iter_mut().enumerate() {
        row[0] = i;
    }
    for (j, cell) in d[0].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut best = (d[i - 1][j] + 1)
                .min(d[i][j - 1] + 1)
                .min(d[i - 1][j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                best = best.min(d[i - 2][j - 2] + 1);
            }
            d[i][j] = best;
        }
    }
    d[a.len()][b.len()]
}

#[cfg(test)]
mod tests {
    use super::{near_column, osa_distance, MissingColumns};
    use crate::records::Headers;
    use crate::row_runs::RowRuns;

    fn headers(names: &[&str]) -> Headers {
        let raw: Vec<String> = names.iter().map(|s| s.to_string()).collect();
        Headers::new(&raw).0
    }

    #[test]
    fn a_near_column_is_offered_only_when_it_is_unmistakable() {
        let h = headers(&[
            "ZIP Code",
            "e_mail",
            "lastname",
            "Street",
            "phone2",
            "capitol_address",
            "district_address",
            "name",
            "given_name",
            "family_name",
        ]);
        let near = |n: &str| near_column(n, &h);
        // Underscores apart.
        assert_eq!(near("email").as_deref(), Some("e_mail"));
        assert_eq!(near("last_name").as_deref(), Some("lastname"));
        // A letter off or two swapped.
        assert_eq!(near("Stret").as_deref(), Some("Street"));
        assert_eq!(near("emial").as_deref(), Some("e_mail"));
        // One more word at the end; a header with a space is written as its key.
        assert_eq!(near("zip").as_deref(), Some("zip_code"));
        // Another digit is another column.
        assert_eq!(near("phone1"), None);
        // Two columns as close: no guess.
        assert_eq!(near("address"), None);
        // `name` is not `first_name` (the word dropped says something), nor `given_name`.
        assert_eq!(near("first_name"), None);
        assert_eq!(near("returning"), None);
        assert_eq!(near("suffix"), None);
        // Short names need an exact match apart from underscores.
        assert_eq!(near("id"), None);

        let h = headers(&["zip", "email_address", "Last"]);
        assert_eq!(near_column("zip_code", &h).as_deref(), Some("zip"));
        assert_eq!(near_column("email", &h).as_deref(), Some("email_address"));
        assert_eq!(near_column("last_name", &h).as_deref(), Some("Last"));
        assert_eq!(near_column("last_initial", &h), None);
    }

    #[test]
    fn swaps_count_as_one_edit() {
        assert_eq!(osa_distance("emial", "email"), 1);
        assert_eq!(osa_distance("stret", "street"), 1);
        assert_eq!(osa_distance("abc", "abc"), 0);
        assert_eq!(osa_distance("", "ab"), 2);
    }

    #[test]
    fn several_missing_fields_are_one_error_listing_the_columns_once() {
        let h = headers(&["name", "ZIP Code", "email"]);
        let mut m = MissingColumns::new("welcome.md", &h);
        assert_eq!(m.problem(&RowRuns::default()), None);
        m.push("last_name", 7, &h);
        m.push("zip", 16, &h);
        let p = m.problem(&RowRuns::from_sorted(&[2, 3, 4, 9])).unwrap();
        assert!(p.is_error() && p.column.is_none() && p.row.is_none());
        assert_eq!(
            p.message,
            "the template uses 2 fields the data has no column for: last_name (line 7), \
             zip (line 16) (it breaks rows 2-4, 9)"
        );
        let hint = p.hint.unwrap();
        assert_eq!(
            hint,
            "fix the names in template welcome.md or add the columns; did you mean `zip_code` \
             for zip? the columns are: name, ZIP Code, email"
        );
        assert!(m.covers(&crate::problem::Problem::error("x").in_column("zip")));
        assert!(!m.covers(&crate::problem::Problem::warning("x").in_column("zip")));
        assert!(!m.covers(&crate::problem::Problem::error("x").in_column("email")));
    }
}
