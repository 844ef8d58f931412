//! Changes to the campaign's config file made by the studio: one table's keys set or removed,
//! the rest of the file (its comments, its order, the other tables) kept as the user wrote
//! it, and the result written atomically. What the studio writes, the command line reads.

use crate::output::write_atomically;
use std::io::Write;
use std::path::Path;
use toml_edit::{DocumentMut, Item, Table, Value};

/// The largest config file the studio rewrites: the same cap as when it is read.
const MAX_CONFIG_BYTES: u64 = super::MAX_CONFIG_BYTES;

/// Sets (`Some`) or removes (`None`) `keys` in `[table]` of the TOML file at `path`, creating
/// the file or the table when missing. An empty table left behind is removed, so the file
/// reads as if written by hand. A file that is not valid TOML is refused (nothing written),
/// since rewriting it would lose what the user meant.
pub fn set_table(path: &Path, table: &str, keys: &[(&str, Option<Value>)]) -> Result<(), String> {
    let text = read(path)?;
    let mut doc: DocumentMut = text.parse().map_err(|e: toml_edit::TomlError| {
        format!(
            "{} is not valid TOML ({}); fix it by hand first, then try again",
            path.display(),
            e.message().trim()
        )
    })?;
    if !doc.contains_key(table) {
        let mut fresh = Table::new();
        // A table the studio adds goes at the very end, after the comments that end the
        // file (the sample config ends with commented-out examples of these tables).
        let trailing = doc.trailing().as_str().unwrap_or("").to_string();
        doc.set_trailing("");
        let gap = if trailing.is_empty() || trailing.ends_with("\n\n") {
            ""
        } else {
            "\n"
        };
        fresh.decor_mut().set_prefix(format!("{trailing}{gap}"));
        doc.insert(table, Item::Table(fresh));
    }
    let Some(t) = doc.get_mut(table).and_then(Item::as_table_like_mut) else {
        return Err(format!(
            "{}: `{table}` is not a table; make it [{table}] by hand first",
            path.display()
        ));
    };
    for (key, value) in keys {
        match value {
            Some(v) => {
                // Keep the comment above a key that is being changed.
                match t.get_mut(key).and_then(Item::as_value_mut) {
                    Some(old) => {
                        let decor = old.decor().clone();
                        *old = v.clone();
                        *old.decor_mut() = decor;
                    }
                    None => {
                        t.insert(key, Item::Value(v.clone()));
                    }
                }
            }
            None => {
                t.remove(key);
            }
        }
    }
    if t.is_empty() {
        doc.remove(table);
    }
    let out = doc.to_string();
    write_atomically(path, true, |f| f.write_all(out.as_bytes()))
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}

fn read(path: &Path) -> Result<String, String> {
    match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(String::new()),
        Err(e) => return Err(format!("cannot read {}: {e}", path.display())),
        Ok(meta) if !meta.is_file() => {
            return Err(format!(
                "{} is not a plain file (a link or a folder); the studio does not write through it",
                path.display()
            ))
        }
        Ok(meta) if meta.len() > MAX_CONFIG_BYTES => {
            return Err(format!(
                "{} is larger than {} KiB; that is not a lettermerge config",
                path.display(),
                MAX_CONFIG_BYTES / 1024
            ))
        }
        Ok(_) => {}
    }
    std::fs::read_to_string(path).map_err(|e| format!("cannot read {}: {e}", path.display()))
}

/// A TOML string value.
pub fn string(s: &str) -> Value {
    Value::from(s)
}

#[cfg(test)]
mod tests {
    use super::{set_table, string};
    use toml_edit::Value;

    #[test]
    fn a_key_is_set_and_the_comments_stay() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lettermerge.toml");
        let before = "# campaign settings\n[smtp]\n# the server\nhost = \"smtp.example.org\"\n\n# Your columns\n# [columns]\n# first_name = \"Given\"\n";
        std::fs::write(&path, before).unwrap();
        set_table(
            &path,
            "columns",
            &[("first_name", Some(string("Preferred First")))],
        )
        .unwrap();
        let after = std::fs::read_to_string(&path).unwrap();
        assert_eq!(
            after,
            format!("{before}\n[columns]\nfirst_name = \"Preferred First\"\n")
        );

        set_table(&path, "smtp", &[("host", Some(string("mail.example.net")))]).unwrap();
        let after = std::fs::read_to_string(&path).unwrap();
        assert!(
            after.contains("# the server\nhost = \"mail.example.net\"\n"),
            "{after}"
        );
        let parsed: toml::Table = after.parse().unwrap();
        assert_eq!(
            parsed["columns"]["first_name"].as_str(),
            Some("Preferred First")
        );
    }

    #[test]
    fn removing_the_last_key_removes_the_table() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.toml");
        set_table(
            &path,
            "data",
            &[("exclude_rows", Some(Value::from_iter([3i64, 9])))],
        )
        .unwrap();
        assert_eq!(
            std::fs::read_to_string(&path).unwrap().trim(),
            "[data]\nexclude_rows = [3, 9]"
        );
        set_table(&path, "data", &[("exclude_rows", None)]).unwrap();
        assert_eq!(std::fs::read_to_string(&path).unwrap().trim(), "");
    }

    #[test]
    fn a_broken_file_is_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("c.toml");
        std::fs::write(&path, "[smtp\nhost = 1").unwrap();
        let e = set_table(&path, "smtp", &[("host", Some(string("h")))]).unwrap_err();
        assert!(e.contains("not valid TOML"), "{e}");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), "[smtp\nhost = 1");
    }
}
