//! Column names as the header row gives them, and the snake_case keys templates may use
//! instead (`First Name` -> `first_name`), so `{{first_name}}` works without quoting.

use std::collections::HashMap;
use unicode_normalization::UnicodeNormalization;

/// The data file's header row, normalised once and shared by every record.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Headers {
    /// Column names: trimmed, NFC, BOM-free; an empty cell becomes `column_N`.
    pub names: Vec<String>,
    /// snake_case keys, one per name, in the same order.
    pub keys: Vec<String>,
    /// How many of the columns are the file's own; the standard fields matched to them
    /// (see `fields`) follow.
    pub file_len: usize,
    // First column for each name and each key; a later duplicate never wins.
    lookup: HashMap<String, usize>,
}

impl Headers {
    /// Normalises the raw header cells. Returns the headers and a notice for each duplicate
    /// name or key (the first column keeps it).
    pub fn new(raw: &[String]) -> (Headers, Vec<String>) {
        let mut names = Vec::with_capacity(raw.len());
        let mut keys = Vec::with_capacity(raw.len());
        let mut lookup = HashMap::new();
        let mut notices = Vec::new();
        for (i, cell) in raw.iter().enumerate() {
            let cleaned: String = cell.replace('\u{feff}', "").trim().nfc().collect();
            let name = if cleaned.is_empty() {
                format!("column_{}", i + 1)
            } else {
                cleaned
            };
            let key = snake_case(&name);
            let key = if key.is_empty() {
                format!("column_{}", i + 1)
            } else {
                key
            };
            if let Some(&first) = lookup.get(&name) {
                notices.push(format!(
                    "column {} repeats the name \"{name}\" of column {}; the template sees only the first one (rename one of them to use both)",
                    i + 1,
                    first + 1
                ));
            } else {
                lookup.insert(name.clone(), i);
                if let Some(&first) = lookup.get(&key) {
                    if first != i && key != name {
                        notices.push(format!(
                            "column {} (\"{name}\") and column {} have the same template name `{key}`; `{{{{{key}}}}}` means column {}",
                            i + 1,
                            first + 1,
                            first + 1
                        ));
                    }
                } else {
                    lookup.insert(key.clone(), i);
                }
            }
            names.push(name);
            keys.push(key);
        }
        (
            Headers {
                file_len: names.len(),
                names,
                keys,
                lookup,
            },
            notices,
        )
    }

    /// The column for a header name or its snake_case key (also accepts a name written
    /// differently, e.g. `first name` for `First Name`).
    pub fn index_of(&self, name: &str) -> Option<usize> {
        if let Some(&i) = self.lookup.get(name) {
            return Some(i);
        }
        let trimmed = name.trim();
        if let Some(&i) = self.lookup.get(trimmed) {
            return Some(i);
        }
        self.lookup.get(&snake_case(trimmed)).copied()
    }

    /// The file's own column names, without the standard fields derived from them.
    pub fn file_names(&self) -> &[String] {
        &self.names[..self.file_len.min(self.names.len())]
    }

    pub fn len(&self) -> usize {
        self.names.len()
    }

    pub fn is_empty(&self) -> bool {
        self.names.is_empty()
    }
}

/// `First Name` -> `first_name`, `E-mail Address` -> `e_mail_address`, `ZIP` -> `zip`.
/// Letters and digits are kept (any script, lowercased); every other run becomes one `_`.
pub fn snake_case(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    let mut pending_sep = false;
    for c in name.chars() {
        if c.is_alphanumeric() {
            if pending_sep && !out.is_empty() {
                out.push('_');
            }
            pending_sep = false;
            out.extend(c.to_lowercase());
        } else {
            pending_sep = true;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{snake_case, Headers};

    fn raw(cells: &[&str]) -> Vec<String> {
        cells.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn snake_case_examples() {
        assert_eq!(snake_case("First Name"), "first_name");
        assert_eq!(snake_case("E-mail Address"), "e_mail_address");
        assert_eq!(snake_case("ZIP"), "zip");
        assert_eq!(snake_case("  Phone #  (office) "), "phone_office");
        assert_eq!(snake_case("Straße 2"), "straße_2");
    }

    #[test]
    fn names_are_trimmed_nfc_and_bom_free() {
        let (h, notices) = Headers::new(&raw(&["\u{feff}First Name ", " Zoe\u{308}", "", "ZIP"]));
        assert_eq!(h.names, ["First Name", "Zoë", "column_3", "ZIP"]);
        assert_eq!(h.keys, ["first_name", "zoë", "column_3", "zip"]);
        assert!(notices.is_empty());
        assert_eq!(h.index_of("First Name"), Some(0));
        assert_eq!(h.index_of("first_name"), Some(0));
        assert_eq!(h.index_of("first name"), Some(0));
        assert_eq!(h.index_of("zip"), Some(3));
        assert_eq!(h.index_of("column_3"), Some(2));
        assert_eq!(h.index_of("email"), None);
    }

    #[test]
    fn duplicates_keep_the_first_and_give_a_notice() {
        let (h, notices) = Headers::new(&raw(&["Email", "Name", "Email", "name"]));
        assert_eq!(h.index_of("Email"), Some(0));
        assert_eq!(h.index_of("name"), Some(1));
        assert_eq!(notices.len(), 2, "{notices:?}");
        assert!(notices[0].contains("column 3 repeats the name \"Email\" of column 1"));
    }
}
