//! The config file's `[columns]` table (standard field = the data's column, like Word's
//! "Match Fields") and its `[data]` table (`address = "district"`), checked once at startup.
//!
//! ```toml
//! [columns]
//! first_name = "Preferred First"
//! zip = "Postcode"
//!
//! [data]
//! address = "district"   # Open States: write to the district office
//! exclude_file = "officials.csv"   # the studio's unticked rows, and the file they are of
//! exclude_rows = [7, 12]
//! ```

use super::UsageError;
use crate::fields::{AddressChoice, FieldOptions};
use crate::records::Exclusions;

/// What `[columns]` and `[data]` say.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DataTables {
    pub fields: FieldOptions,
    pub exclude: Option<Exclusions>,
}

const DATA_KEYS: [&str; 3] = ["address", "exclude_rows", "exclude_file"];

/// The most rows `exclude_rows` may list: more than any officials' list has (the largest,
/// Open States for every state, is under 8,000 rows), so a mistaken huge array is refused.
pub const MAX_EXCLUDED_ROWS: usize = 100_000;

/// Reads `[columns]` and `[data]` from a config file's text; `name` is the file for messages.
/// `flag` is `--address`, which wins over the file's `[data] address`.
pub fn parse(
    text: &str,
    name: &str,
    flag: Option<AddressChoice>,
) -> Result<DataTables, UsageError> {
    let err = |msg: String| UsageError(format!("{name}: {msg}"));
    let doc: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| err(format!("not valid TOML: {}", e.message().trim())))?;
    let mut opts = FieldOptions {
        origin: name.to_string(),
        ..FieldOptions::default()
    };
    let mut exclude: Option<Exclusions> = None;
    if let Some(columns) = doc.get("columns") {
        let Some(columns) = columns.as_table() else {
            return Err(err(
                "`columns` must be a table: write [columns] and under it first_name = \"Given Name\""
                    .to_string(),
            ));
        };
        for (field, value) in columns {
            let toml::Value::String(column) = value else {
                return Err(err(format!(
                    "[columns] {field} must be the data's column name in quotes, e.g. {field} = \"My Column\", not {}",
                    value.type_str()
                )));
            };
            if column.trim().is_empty() {
                return Err(err(format!(
                    "[columns] {field} is empty; give the data's column name, or leave the line out"
                )));
            }
            opts.columns.push((field.clone(), column.clone()));
        }
    }
    if let Some(data) = doc.get("data") {
        let Some(data) = data.as_table() else {
            return Err(err(
                "`data` must be a table: write [data] and under it address = \"district\""
                    .to_string(),
            ));
        };
        for (key, value) in data {
            if !DATA_KEYS.contains(&key.as_str()) {
                return Err(err(format!(
                    "unknown key `{key}` in [data]; the keys are: {}",
                    DATA_KEYS.join(", ")
                )));
            }
            match key.as_str() {
                "address" => {
                    opts.address =
                        value
                            .as_str()
                            .and_then(AddressChoice::parse)
                            .ok_or_else(|| {
                                err("[data] address must be \"capitol\" or \"district\""
                                    .to_string())
                            })?;
                }
                "exclude_file" => {
                    let file = value.as_str().filter(|f| !f.trim().is_empty()).ok_or_else(|| {
                        err("[data] exclude_file must be the data file's name in quotes, e.g. exclude_file = \"officials.csv\"".to_string())
                    })?;
                    exclude.get_or_insert_with(Exclusions::default).file = file.to_string();
                }
                _ => {
                    let rows = value.as_array().ok_or_else(|| {
                        err("[data] exclude_rows must be a list of row numbers, e.g. exclude_rows = [7, 12]".to_string())
                    })?;
                    if rows.len() > MAX_EXCLUDED_ROWS {
                        return Err(err(format!(
                            "[data] exclude_rows lists {} rows, more than the {MAX_EXCLUDED_ROWS} lettermerge takes; use --where or --rows to choose rows instead",
                            rows.len()
                        )));
                    }
                    let set = &mut exclude.get_or_insert_with(Exclusions::default).rows;
                    for r in rows {
                        match r.as_integer() {
                            Some(n) if n >= 2 => {
                                set.insert(n as u64);
                            }
                            _ => {
                                return Err(err(format!(
                                    "[data] exclude_rows has {r}, which is not a data row; rows are numbered as the spreadsheet shows them, the first data row is 2"
                                )))
                            }
                        }
                    }
                }
            }
        }
        if let Some(ex) = &mut exclude {
            if ex.file.is_empty() && !ex.rows.is_empty() {
                return Err(err(
                    "[data] exclude_rows needs exclude_file, the data file the rows are of, e.g. exclude_file = \"officials.csv\"".to_string(),
                ));
            }
            ex.origin = name.to_string();
        }
    }
    if let Some(flag) = flag {
        opts.address = flag;
    }
    Ok(DataTables {
        fields: opts,
        exclude,
    })
}

#[cfg(test)]
mod tests {
    use super::parse;
    use crate::fields::AddressChoice;

    #[test]
    fn columns_and_address() {
        let o = parse(
            "[columns]\nfirst_name = \"Given\"\nzip = \"Postcode\"\n[data]\naddress = \"district\"\n",
            "c.toml",
            None,
        )
        .unwrap()
        .fields;
        assert_eq!(
            o.columns,
            [
                ("first_name".to_string(), "Given".to_string()),
                ("zip".to_string(), "Postcode".to_string())
            ]
        );
        assert_eq!(o.address, AddressChoice::District);
        let o = parse(
            "[data]\naddress = \"district\"\n",
            "c",
            Some(AddressChoice::Capitol),
        )
        .unwrap()
        .fields;
        assert_eq!(o.address, AddressChoice::Capitol);
    }

    #[test]
    fn excluded_rows_belong_to_a_file() {
        let t = parse(
            "[data]\nexclude_file = \"list.csv\"\nexclude_rows = [9, 3]\n",
            "c.toml",
            None,
        )
        .unwrap();
        let ex = t.exclude.unwrap();
        assert_eq!(ex.file, "list.csv");
        assert_eq!(ex.rows.into_iter().collect::<Vec<_>>(), [3, 9]);
        let e = parse("[data]\nexclude_rows = [3]\n", "c.toml", None).unwrap_err();
        assert!(e.0.contains("needs exclude_file"), "{e}");
        let e = parse(
            "[data]\nexclude_file = \"a.csv\"\nexclude_rows = [1]\n",
            "c.toml",
            None,
        )
        .unwrap_err();
        assert!(e.0.contains("first data row is 2"), "{e}");
        let e = parse("[data]\nexclude_rows = \"3\"\n", "c.toml", None).unwrap_err();
        assert!(e.0.contains("list of row numbers"), "{e}");
    }

    #[test]
    fn mistakes_are_named() {
        let e = parse("[columns]\nzip = 5\n", "c.toml", None).unwrap_err();
        assert!(e.0.contains("[columns] zip must be"), "{e}");
        let e = parse("[data]\naddress = \"home\"\n", "c.toml", None).unwrap_err();
        assert!(e.0.contains("capitol"), "{e}");
        let e = parse("[data]\nsheet = \"x\"\n", "c.toml", None).unwrap_err();
        assert!(e.0.contains("unknown key `sheet`"), "{e}");
    }
}
