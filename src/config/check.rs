//! The configurations of `check` and `preview`: template, data, selection, and the sender
//! from the send config file when one is given.

use super::send::SmtpConfig;
use super::{select_spec, Input, UsageError};
use crate::cli::{CheckArgs, CheckFor, PreviewArgs, PreviewFormat, RowsArgs};
use crate::records::SelectSpec;
use crate::template::forms::OfficeTable;
use std::path::{Path, PathBuf};

/// Rows `preview` shows when nothing selects them.
pub const PREVIEW_DEFAULT_ROWS: usize = 3;

/// Everything `lettermerge check` needs, validated.
#[derive(Debug, Clone)]
pub struct CheckConfig {
    pub input: Input,
    pub select: SelectSpec,
    /// The config file's `from`, when `--config` was given.
    pub from: Option<String>,
    /// The forms-of-address table, with the config file's `[offices]`.
    pub offices: OfficeTable,
    /// Check the printed letters.
    pub pdf: bool,
    /// Check the emails.
    pub email: bool,
    /// List every row's problems one by one instead of grouped and capped to one screen.
    pub all: bool,
    pub quiet: bool,
}

impl CheckConfig {
    pub fn from_args(args: CheckArgs) -> Result<CheckConfig, UsageError> {
        let (input, select, from, offices) = rows(args.rows)?;
        let (pdf, email) = match args.check_for {
            None => (true, true),
            Some(CheckFor::Pdf) => (true, false),
            Some(CheckFor::Email) => (false, true),
        };
        Ok(CheckConfig {
            input,
            select,
            from,
            offices,
            pdf,
            email,
            all: args.all,
            quiet: args.quiet,
        })
    }
}

/// What `preview` produces.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PreviewOutput {
    /// Each email as the recipient reads it, on stdout.
    Text,
    /// Each whole MIME message: on stdout, or one `.eml` file per row in the folder.
    Eml { dir: Option<PathBuf> },
    /// Each letter as a PDF in the folder (as `pdf` writes it; files there are replaced).
    Pdf { dir: PathBuf },
    /// One review page, its PDFs in a folder beside it.
    Html { file: PathBuf, pdf_dir: PathBuf },
}

/// Everything `lettermerge preview` needs, validated.
#[derive(Debug, Clone)]
pub struct PreviewConfig {
    pub input: Input,
    /// The rows to show; the first [`PREVIEW_DEFAULT_ROWS`] when the user selected none
    /// (except for the review page, which covers every selected row).
    pub select: SelectSpec,
    pub from: Option<String>,
    pub offices: OfficeTable,
    pub output: PreviewOutput,
    /// Nothing was selected, so only the first rows are shown (the summary says so).
    pub first_rows_only: bool,
    pub quiet: bool,
}

impl PreviewConfig {
    pub fn from_args(args: PreviewArgs) -> Result<PreviewConfig, UsageError> {
        let (input, mut select, from, offices) = rows(args.rows)?;
        let output = match (args.html, args.format) {
            (Some(file), _) => {
                if file.is_dir() {
                    return Err(UsageError(format!(
                        "--html {} is a folder; give a file name such as {}",
                        file.display(),
                        file.join("review.html").display()
                    )));
                }
                if args.out.is_some() {
                    return Err(UsageError(
                        "--out does not go with --html: the page's PDFs go into a folder beside it"
                            .to_string(),
                    ));
                }
                let pdf_dir = html_pdf_dir(&file);
                PreviewOutput::Html { file, pdf_dir }
            }
            (None, None | Some(PreviewFormat::Text)) => {
                if let Some(out) = &args.out {
                    return Err(UsageError(format!(
                        "--out {} needs --format eml or --format pdf; the text preview goes to the terminal",
                        out.display()
                    )));
                }
                PreviewOutput::Text
            }
            (None, Some(PreviewFormat::Eml)) => PreviewOutput::Eml { dir: args.out },
            (None, Some(PreviewFormat::Pdf)) => PreviewOutput::Pdf {
                dir: args.out.unwrap_or_else(|| PathBuf::from("preview")),
            },
        };
        if let PreviewOutput::Eml { dir: Some(d) } | PreviewOutput::Pdf { dir: d } = &output {
            if d.is_file() {
                return Err(UsageError(format!(
                    "--out {} is a file; give a folder (it is created if missing)",
                    d.display()
                )));
            }
        }
        let first_rows_only = select.is_all() && !matches!(output, PreviewOutput::Html { .. });
        if first_rows_only {
            select.limit = Some(PREVIEW_DEFAULT_ROWS);
        }
        Ok(PreviewConfig {
            input,
            select,
            from,
            offices,
            output,
            first_rows_only,
            quiet: args.quiet,
        })
    }
}

/// `review.html` -> `review-pdf/` beside it.
fn html_pdf_dir(file: &Path) -> PathBuf {
    let stem = file
        .file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_else(|| "review".to_string());
    file.with_file_name(format!("{stem}-pdf"))
}

/// Input, selection, the send config file's `from` (when one is given) and its `[offices]`.
fn rows(args: RowsArgs) -> Result<(Input, SelectSpec, Option<String>, OfficeTable), UsageError> {
    let mut input = Input::from_args(args.input)?;
    input.use_config(args.config.as_deref())?;
    let select = select_spec(&args.select, args.limit)?;
    let from = args
        .config
        .as_deref()
        .map(SmtpConfig::load_if_present)
        .transpose()?
        .flatten()
        .map(|c| c.from);
    let offices = super::forms::load(args.config.as_deref())?;
    Ok((input, select, from, offices))
}

#[cfg(test)]
mod tests {
    use super::html_pdf_dir;
    use std::path::Path;

    #[test]
    fn the_pages_pdfs_go_beside_it() {
        assert_eq!(
            html_pdf_dir(Path::new("out/review.html")),
            Path::new("out/review-pdf")
        );
    }
}
