//! The config file's `[offices]` table: offices the built-in forms-of-address table does not
//! know, or whose title or honorific a campaign wants different, checked once at startup.
//!
//! ```toml
//! [offices."Parish President"]
//! title = "President"            # "Dear President Doe:"
//! honorific = "The Honorable"    # "The Honorable Jane Doe"; "" for none
//! match = ["Parish Pres."]       # other ways the data writes this office
//!
//! [offices]
//! "Police Juror" = "Juror"       # short form: just the title
//! ```

use super::UsageError;
use crate::template::forms::{OfficeTable, DEFAULT_HONORIFIC};
use std::path::Path;

/// The tables a lettermerge config file may have.
pub const TABLES: [&str; 4] = ["smtp", "offices", "columns", "data"];

const KEYS: [&str; 3] = ["title", "honorific", "match"];

/// The built-in table, extended by the `[offices]` of the config file at `path` (if any).
pub fn load(path: Option<&Path>) -> Result<OfficeTable, UsageError> {
    let Some(path) = path else {
        return Ok(OfficeTable::built_in());
    };
    let text = super::read_config(path)?;
    parse(&text, &path.display().to_string())
}

/// Reads the `[offices]` table of a config file's text; `name` is the file for messages.
pub fn parse(text: &str, name: &str) -> Result<OfficeTable, UsageError> {
    let err = |msg: String| UsageError(format!("{name}: {msg}"));
    let doc: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| err(format!("not valid TOML: {}", e.message().trim())))?;
    for key in doc.keys() {
        if !TABLES.contains(&key.as_str()) {
            let hint = if key.starts_with("office") {
                "; did you mean [offices]?".to_string()
            } else {
                String::new()
            };
            return Err(err(format!(
                "unknown table or key `{key}`{hint} (a lettermerge config has the tables {})",
                TABLES.map(|t| format!("[{t}]")).join(", ")
            )));
        }
    }
    let mut table = OfficeTable::built_in();
    let Some(offices) = doc.get("offices") else {
        return Ok(table);
    };
    let Some(offices) = offices.as_table() else {
        return Err(err(
            "`offices` must be a table: write [offices.\"Parish President\"] with title = \"President\" under it"
                .to_string(),
        ));
    };
    for (office, value) in offices {
        let here = format!("[offices.\"{office}\"]");
        if !OfficeTable::is_usable_name(office) {
            return Err(err(format!(
                "{here}: the office name has no letters; write the office as the data does, e.g. [offices.\"Parish President\"]"
            )));
        }
        let (title, honorific, matches) = match value {
            toml::Value::String(title) => {
                (title.clone(), DEFAULT_HONORIFIC.to_string(), Vec::new())
            }
            toml::Value::Table(entry) => {
                for key in entry.keys() {
                    if !KEYS.contains(&key.as_str()) {
                        return Err(err(format!(
                            "unknown key `{key}` in {here}; the keys are: {}",
                            KEYS.join(", ")
                        )));
                    }
                }
                let string = |key: &str| -> Result<Option<String>, UsageError> {
                    match entry.get(key) {
                        None => Ok(None),
                        Some(toml::Value::String(s)) => Ok(Some(s.trim().to_string())),
                        Some(other) => Err(err(format!(
                            "`{key}` in {here} must be text in quotes, not {}",
                            other.type_str()
                        ))),
                    }
                };
                let title = string("title")?.ok_or_else(|| {
                    err(format!(
                        "{here} needs `title`, the word that goes before the surname, e.g. title = \"President\""
                    ))
                })?;
                let honorific =
                    string("honorific")?.unwrap_or_else(|| DEFAULT_HONORIFIC.to_string());
                let matches = match entry.get("match") {
                    None => Vec::new(),
                    Some(toml::Value::String(s)) => vec![s.clone()],
                    Some(toml::Value::Array(items)) => items
                        .iter()
                        .map(|i| match i {
                            toml::Value::String(s) => Ok(s.clone()),
                            other => Err(err(format!(
                                "`match` in {here} must list text in quotes, not {}",
                                other.type_str()
                            ))),
                        })
                        .collect::<Result<Vec<_>, _>>()?,
                    Some(other) => {
                        return Err(err(format!(
                            "`match` in {here} must be a list such as [\"Parish Pres.\"], not {}",
                            other.type_str()
                        )))
                    }
                };
                (title, honorific, matches)
            }
            other => {
                return Err(err(format!(
                "{here} must be a table with title = \"...\" (or just a title in quotes), not {}",
                other.type_str()
            )))
            }
        };
        if title.trim().is_empty() {
            return Err(err(format!(
                "`title` in {here} is empty; give the word that goes before the surname, e.g. \"President\""
            )));
        }
        if title.contains(['\n', '\r']) || honorific.contains(['\n', '\r']) {
            return Err(err(format!(
                "`title` and `honorific` in {here} must be one line"
            )));
        }
        table.add(office, &title, &honorific, &matches);
    }
    Ok(table)
}

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn offices_extend_the_table() {
        let t = parse(
            "[smtp]\nhost = \"h\"\n\n[offices.\"Parish President\"]\ntitle = \"President\"\nhonorific = \"The Honorable\"\nmatch = [\"Parish Pres.\"]\n\n[offices.Mayor]\ntitle = \"Mayor\"\nhonorific = \"His Worship\"\n\n[offices.\"Police Juror\"]\ntitle = \"Juror\"\nhonorific = \"\"\n",
            "lettermerge.toml",
        )
        .unwrap();
        assert_eq!(t.lookup("Parish Pres", None).unwrap().title, "President");
        assert_eq!(t.lookup("mayor", None).unwrap().honorific, "His Worship");
        assert_eq!(t.lookup("Police Juror", None).unwrap().honorific, "");
        assert_eq!(t.lookup("Senator", None).unwrap().title, "Senator");
        let short = parse("[offices]\n\"Police Juror\" = \"Juror\"\n", "f").unwrap();
        let f = short.lookup("police juror", None).unwrap();
        assert_eq!(
            (f.title.as_str(), f.honorific.as_str()),
            ("Juror", "The Honorable")
        );
    }

    #[test]
    fn no_offices_table_is_the_built_in_table() {
        let t = parse("[smtp]\nhost = \"h\"\n", "f").unwrap();
        assert_eq!(t.lookup("Del.", None).unwrap().title, "Delegate");
    }

    #[test]
    fn mistakes_name_the_file_the_office_and_the_key() {
        let e = |text: &str| parse(text, "campaign.toml").unwrap_err().0;
        let m = e("[offices.\"Parish President\"]\ntitel = \"President\"\n");
        assert!(
            m.starts_with("campaign.toml: unknown key `titel` in [offices.\"Parish President\"]")
                && m.contains("title, honorific, match"),
            "{m}"
        );
        let m = e("[offices.\"Parish President\"]\nhonorific = \"The Honorable\"\n");
        assert!(m.contains("needs `title`"), "{m}");
        let m = e("[offices.\"Parish President\"]\ntitle = 3\n");
        assert!(
            m.contains("`title` in [offices.\"Parish President\"] must be text"),
            "{m}"
        );
        let m = e("[offices.\"Parish President\"]\ntitle = \"\"\n");
        assert!(m.contains("is empty"), "{m}");
        let m = e("[offices.\"Parish President\"]\ntitle = \"P\"\nmatch = [1]\n");
        assert!(m.contains("`match`"), "{m}");
        let m = e("[office.\"Parish President\"]\ntitle = \"P\"\n");
        assert!(m.contains("did you mean [offices]?"), "{m}");
        let m = e("offices = 3\n");
        assert!(m.contains("must be a table"), "{m}");
        let m = e("[offices]\n\"Parish President\" = 3\n");
        assert!(
            m.contains("[offices.\"Parish President\"] must be a table"),
            "{m}"
        );
        let m = e("[offices\n");
        assert!(m.contains("not valid TOML"), "{m}");
    }
}
