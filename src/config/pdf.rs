//! The print run's configuration (`lettermerge pdf`).

use super::{select_spec, Input, UsageError};
use crate::cli::PdfArgs;
use crate::records::SelectSpec;
use crate::template::forms::OfficeTable;
use std::path::PathBuf;

/// Everything a print run needs, validated.
#[derive(Debug, Clone)]
pub struct PdfConfig {
    pub input: Input,
    /// Which rows to write.
    pub select: SelectSpec,
    pub out_dir: PathBuf,
    pub combined: Option<PathBuf>,
    pub duplex: bool,
    pub batch_only: bool,
    pub skip_invalid: bool,
    pub force: bool,
    pub quiet: bool,
    /// Forms of address: the built-in table plus the config file's `[offices]`.
    pub offices: OfficeTable,
    /// How the combined batch is split into several.
    pub split: Split,
    /// The column the letters are ordered by in the batch and the manifest (`--sort`).
    pub sort: Option<String>,
    /// Write PDF/A-2b (`--pdf-a`; the template's `pdf_a: true` also turns it on).
    pub pdf_a: bool,
}

/// How the combined batch is split, from `--split` and `--split-by`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Split {
    /// At most this many letters per batch.
    pub every: Option<u64>,
    /// One batch (or run of batches) per value of this column.
    pub by: Option<String>,
}

impl Split {
    pub fn is_split(&self) -> bool {
        self.every.is_some() || self.by.is_some()
    }
}

impl PdfConfig {
    pub fn from_args(args: PdfArgs) -> Result<PdfConfig, UsageError> {
        let mut input = Input::from_args(args.input)?;
        input.use_config(args.config.as_deref())?;
        let offices = super::forms::load(args.config.as_deref())?;
        let select = select_spec(&args.select, args.limit)?;
        if args.out.is_file() {
            return Err(UsageError(format!(
                "--out {} is a file; give a folder for the letters (it is created if missing)",
                args.out.display()
            )));
        }
        if let Some(combined) = &args.combined {
            if combined.is_dir() {
                return Err(UsageError(format!(
                    "--combined {} is a folder; give a file name such as {}",
                    combined.display(),
                    combined.join("batch.pdf").display()
                )));
            }
        }
        Ok(PdfConfig {
            input,
            select,
            out_dir: args.out,
            combined: args.combined,
            duplex: args.duplex,
            batch_only: args.batch_only,
            skip_invalid: args.skip_invalid,
            force: args.force,
            quiet: args.quiet,
            offices,
            split: Split {
                every: args.split,
                by: args.split_by,
            },
            sort: args.sort,
            pdf_a: args.pdf_a,
        })
    }
}
