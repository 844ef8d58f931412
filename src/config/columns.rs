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
//! ```

use super::UsageError;
use crate::fields::{AddressChoice, FieldOptions};

const DATA_KEYS: [&str; 1] = ["address"];

/// Reads `[columns]` and `[data]` from a config file's text; `name` is the file for messages.
/// `flag` is `--address`, which wins over the file's `[data] address`.
pub fn parse(
    text: &str,
    name: &str,
    flag: Option<AddressChoice>,
) -> Result<FieldOptions, UsageError> {
    let err = |msg: String| UsageError(format!("{name}: {msg}"));
    let doc: toml::Table = text
        .parse()
        .map_err(|e: toml::de::Error| err(format!("not valid TOML: {}", e.message().trim())))?;
    let mut opts = FieldOptions {
        origin: name.to_string(),
        ..FieldOptions::default()
    };
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
            let choice = value
                .as_str()
                .and_then(AddressChoice::parse)
                .ok_or_else(|| {
                    err("[data] address must be \"capitol\" or \"district\"".to_string())
                })?;
            opts.address = choice;
        }
    }
    if let Some(flag) = flag {
        opts.address = flag;
    }
    Ok(opts)
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
        .unwrap();
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
        .unwrap();
        assert_eq!(o.address, AddressChoice::Capitol);
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
