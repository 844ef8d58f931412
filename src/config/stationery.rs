//! The configurations of `lettermerge envelopes` and `lettermerge labels`.

use super::{select_spec, Input, UsageError};
use crate::cli::{EnvelopeSizeArg, EnvelopesArgs, LabelStockArg, LabelsArgs, StationeryArgs};
use crate::records::SelectSpec;
use crate::template::forms::OfficeTable;
use crate::typeset::stationery::{EnvelopeSize, LabelStock};
use std::path::PathBuf;

/// What goes on the pages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stock {
    /// Envelopes of this size; `None`: the template's page size decides (#10 or DL).
    Envelopes(Option<EnvelopeSize>),
    /// Label sheets of this stock (`None`: the template's page size decides), starting at
    /// `start` (0-based) on the first sheet.
    Labels {
        stock: Option<LabelStock>,
        start: u32,
    },
}

/// Everything an envelopes or labels run needs, validated.
#[derive(Debug, Clone)]
pub struct StationeryConfig {
    pub input: Input,
    pub select: SelectSpec,
    /// The one PDF written.
    pub out: PathBuf,
    pub stock: Stock,
    pub skip_invalid: bool,
    pub force: bool,
    pub quiet: bool,
    /// Forms of address: the built-in table plus the config file's `[offices]`.
    pub offices: OfficeTable,
    /// Write PDF/A-2b (`--pdf-a`; the template's `pdf_a: true` also turns it on).
    pub pdf_a: bool,
}

impl StationeryConfig {
    pub fn envelopes(args: EnvelopesArgs) -> Result<StationeryConfig, UsageError> {
        let size = args.size.map(|s| match s {
            EnvelopeSizeArg::No10 => EnvelopeSize::No10,
            EnvelopeSizeArg::Dl => EnvelopeSize::Dl,
            EnvelopeSizeArg::C5 => EnvelopeSize::C5,
        });
        common(args.common, Stock::Envelopes(size))
    }

    pub fn labels(args: LabelsArgs) -> Result<StationeryConfig, UsageError> {
        let stock = args.stock.map(|s| match s {
            LabelStockArg::Avery5160 => LabelStock::Avery5160,
            LabelStockArg::AveryL7163 => LabelStock::AveryL7163,
        });
        // The start is checked against the sheet once the stock is known (it may come from
        // the template); a start past the largest sheet is refused here already.
        let largest = LabelStock::Avery5160
            .per_sheet()
            .max(LabelStock::AveryL7163.per_sheet());
        if args.start > largest {
            return Err(UsageError(format!(
                "--start {} is past the last label of a sheet ({} labels on an Avery 5160, {} on an L7163); count the first unused label across, then down, from 1",
                args.start,
                LabelStock::Avery5160.per_sheet(),
                LabelStock::AveryL7163.per_sheet()
            )));
        }
        common(
            args.common,
            Stock::Labels {
                stock,
                start: args.start - 1,
            },
        )
    }

    /// The envelope size, or the label stock, given the template's page size.
    pub fn resolved(&self, page: crate::style::PageSize) -> Stock {
        let a4 = page == crate::style::PageSize::A4;
        match self.stock {
            Stock::Envelopes(size) => Stock::Envelopes(Some(size.unwrap_or(if a4 {
                EnvelopeSize::Dl
            } else {
                EnvelopeSize::No10
            }))),
            Stock::Labels { stock, start } => Stock::Labels {
                stock: Some(stock.unwrap_or(if a4 {
                    LabelStock::AveryL7163
                } else {
                    LabelStock::Avery5160
                })),
                start,
            },
        }
    }
}

fn common(args: StationeryArgs, stock: Stock) -> Result<StationeryConfig, UsageError> {
    let mut input = Input::from_args(args.input)?;
    input.use_config(args.config.as_deref())?;
    let offices = super::forms::load(args.config.as_deref())?;
    let select = select_spec(&args.select, args.limit)?;
    if args.out.is_dir() {
        return Err(UsageError(format!(
            "--out {} is a folder; give a file name such as {}",
            args.out.display(),
            args.out
                .join(match stock {
                    Stock::Envelopes(_) => "envelopes.pdf",
                    Stock::Labels { .. } => "labels.pdf",
                })
                .display()
        )));
    }
    Ok(StationeryConfig {
        input,
        select,
        out: args.out,
        stock,
        skip_invalid: args.skip_invalid,
        force: args.force,
        quiet: args.quiet,
        offices,
        pdf_a: args.pdf_a,
    })
}
