//! Raw command-line arguments (and the send command's TOML file) turned once into validated
//! configurations: paths checked, delimiter and encoding understood. Nothing downstream looks
//! at clap types.

mod check;
pub mod columns;
pub mod edit;
pub mod forms;
pub mod oauth;
mod pdf;
pub mod provider;
pub mod secret;
pub mod send;
mod stationery;

pub use check::{CheckConfig, PreviewConfig, PreviewOutput, PREVIEW_DEFAULT_ROWS};
pub use pdf::{PdfConfig, Split};
pub use stationery::{StationeryConfig, Stock};

use crate::cli::{InputArgs, SelectArgs};
use crate::records::{DataOptions, SelectSpec};
use std::fmt;
use std::path::{Path, PathBuf};

/// A usage problem found before any work starts (exit code 2).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UsageError(pub String);

impl fmt::Display for UsageError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// The template and data file of a run, checked.
#[derive(Debug, Clone)]
pub struct Input {
    pub template: PathBuf,
    pub data: PathBuf,
    pub data_options: DataOptions,
    /// The `--config` file, when one is given: read like the others, so no output may
    /// replace it.
    pub config: Option<PathBuf>,
    /// `--address`, kept to win over the config's `[data] address`.
    address_flag: Option<crate::fields::AddressChoice>,
}

impl Input {
    /// Records the `--config` file and reads its `[columns]` and `[data]` tables into the
    /// field matching.
    pub fn use_config(&mut self, config: Option<&Path>) -> Result<(), UsageError> {
        self.config = config.map(Path::to_path_buf);
        if let Some(path) = config {
            let text = read_config(path)?;
            let tables = columns::parse(&text, &path.display().to_string(), self.address_flag)?;
            self.data_options.fields = tables.fields;
            self.data_options.exclude = tables.exclude;
        }
        Ok(())
    }

    /// The input of a campaign folder as the studio opens it: what the command line builds
    /// from `--template T --data D [--sheet S] --config C`, encoding and delimiter detected.
    pub fn campaign(
        template: &Path,
        data: &Path,
        sheet: Option<&str>,
        config: Option<&Path>,
    ) -> Result<Input, UsageError> {
        let mut input = Input::from_args(InputArgs {
            template: template.to_path_buf(),
            data: data.to_path_buf(),
            sheet: sheet
                .filter(|_| crate::records::is_workbook(data))
                .map(str::to_string),
            encoding: None,
            delimiter: None,
            address: None,
        })?;
        input.use_config(config)?;
        Ok(input)
    }

    pub fn from_args(args: InputArgs) -> Result<Input, UsageError> {
        require_file(&args.template, "--template", "the letter template")?;
        require_file(&args.data, "--data", "the data file")?;
        check_workbook_flags(&args)?;
        let delimiter = args.delimiter.as_deref().map(parse_delimiter).transpose()?;
        if let Some(label) = &args.encoding {
            if encoding_rs::Encoding::for_label(label.trim().as_bytes()).is_none() {
                return Err(UsageError(format!(
                    "--encoding {label} is not an encoding I know; use utf-8 or windows-1252"
                )));
            }
        }
        let address_flag = args
            .address
            .as_deref()
            .map(|a| {
                crate::fields::AddressChoice::parse(a).ok_or_else(|| {
                    UsageError(format!(
                        "--address {a} is not an office I know; use --address capitol or --address district"
                    ))
                })
            })
            .transpose()?;
        Ok(Input {
            template: args.template,
            data: args.data,
            data_options: DataOptions {
                encoding: args.encoding,
                delimiter,
                sheet: args.sheet,
                fields: crate::fields::FieldOptions {
                    address: address_flag.unwrap_or_default(),
                    ..Default::default()
                },
                exclude: None,
            },
            config: None,
            address_flag,
        })
    }
}

/// `--sheet` belongs to workbooks, `--encoding` and `--delimiter` to CSV files: given to the
/// other kind they would silently do nothing, so they are refused.
fn check_workbook_flags(args: &InputArgs) -> Result<(), UsageError> {
    let data = args.data.display();
    if crate::records::is_workbook(&args.data) {
        for (flag, given) in [
            ("--encoding", args.encoding.is_some()),
            ("--delimiter", args.delimiter.is_some()),
        ] {
            if given {
                return Err(UsageError(format!(
                    "{flag} applies to CSV files, and {data} is a workbook (its cells carry their own text); leave {flag} out"
                )));
            }
        }
    } else if let Some(sheet) = &args.sheet {
        return Err(UsageError(format!(
            "--sheet {sheet} applies to workbooks (.xlsx, .xlsm, .xlsb, .xls, .ods), and {data} is read as CSV; leave --sheet out, or give the workbook itself with --data"
        )));
    }
    Ok(())
}

/// `--rows`, `--where` and `--limit`, checked for form (the columns are checked once the
/// data file is open).
pub fn select_spec(args: &SelectArgs, limit: Option<usize>) -> Result<SelectSpec, UsageError> {
    SelectSpec::parse(args.rows.as_deref(), &args.filters, limit).map_err(|e| UsageError(e.0))
}

/// The largest config file read. A full config (every `[smtp]` key, a long `[offices]`
/// table) is a few KiB; 1 MiB is hundreds of times that and still nothing to hold in memory,
/// so a device such as `/dev/zero` or a wrong file given as `--config` is refused at once.
pub const MAX_CONFIG_BYTES: u64 = 1024 * 1024;

/// The text of the config file given with `--config` (`[smtp]`, `[offices]`): a regular
/// UTF-8 file of at most [`MAX_CONFIG_BYTES`].
fn read_config(path: &Path) -> Result<String, UsageError> {
    use crate::input_file::{read_bounded_text, InputError};
    read_bounded_text(path, MAX_CONFIG_BYTES, "a config file").map_err(|e| match e {
        InputError::Io { source, .. } => UsageError(format!(
            "cannot read the config file {}: {source}; give its path with --config",
            path.display()
        )),
        // These say what to do themselves.
        other => UsageError(format!("--config {other}")),
    })
}

fn require_file(path: &Path, flag: &str, what: &str) -> Result<(), UsageError> {
    if path.is_file() {
        Ok(())
    } else if path.exists() {
        Err(UsageError(format!(
            "{flag} {} is not a file; give the path of {what}",
            path.display()
        )))
    } else {
        Err(UsageError(format!(
            "{flag} {}: no such file; check the path of {what}",
            path.display()
        )))
    }
}

fn parse_delimiter(s: &str) -> Result<u8, UsageError> {
    match s {
        "," | "comma" => Ok(b','),
        ";" | "semicolon" => Ok(b';'),
        "\t" | "\\t" | "tab" => Ok(b'\t'),
        "|" | "pipe" => Ok(b'|'),
        _ => Err(UsageError(format!(
            "--delimiter {s:?} is not supported; use ',', ';', 'tab' or '|'"
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::parse_delimiter;

    #[test]
    fn delimiters_by_char_or_name() {
        assert_eq!(parse_delimiter("tab").unwrap(), b'\t');
        assert_eq!(parse_delimiter(";").unwrap(), b';');
        assert!(parse_delimiter("::").is_err());
    }
}
