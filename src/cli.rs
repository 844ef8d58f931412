//! The command line as the user types it (clap derive). Raw arguments only: they are turned
//! into a validated configuration by `config`.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

/// Mail-merge welcome letters for elected officials.
///
/// lettermerge turns a spreadsheet of officials (CSV or Excel) and a letter template (YAML
/// front matter + Handlebars + Markdown) into print-ready PDF letters (one file per official
/// and one batch for the printer, the address placed for a window envelope) or into email
/// sent through your own SMTP server, each message exactly once.
///
/// Every row is rendered and checked before anything is written or sent; if any row has a
/// problem, nothing goes out and every problem is listed with its spreadsheet row number.
///
/// Exit codes: 0 done; 1 data or template problems (or messages that failed); 2 usage,
/// connection or I/O error.
#[derive(Debug, Parser)]
#[command(
    name = "lettermerge",
    version,
    after_help = "Example:\n  lettermerge pdf --template templates/welcome.md --data samples/officials.csv --out letters --combined letters/batch.pdf\n\nRun `lettermerge pdf --help` for every option."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Write one PDF letter per data row, and optionally one combined print batch.
    Pdf(PdfArgs),
    /// Email each official their letter through your SMTP server, exactly once.
    Send(SendArgs),
    /// Show what a send campaign's ledger says went out, and export the failures.
    Status(StatusArgs),
    /// Write a ready campaign into a folder: config, template, sample data and a README.
    Init(InitArgs),
}

/// Write a ready campaign into a folder: config, template, sample data and a README.
///
/// DIR gets lettermerge.toml (the [smtp] settings, every key explained, and an [offices]
/// example), welcome.md (the letter template) with its logo and signature images,
/// officials.csv (sample data), and README.md saying what to run. Existing files are never
/// overwritten without --force.
#[derive(Debug, Args)]
#[command(
    after_help = "Example:\n  lettermerge init campaign\n  cd campaign\n  lettermerge pdf --template welcome.md --data officials.csv --out letters"
)]
pub struct InitArgs {
    /// The folder to write into (created if missing).
    #[arg(value_name = "DIR", default_value = ".")]
    pub dir: PathBuf,

    /// Overwrite files that already exist.
    #[arg(long, short = 'f')]
    pub force: bool,
}

/// Email each official their letter through your SMTP server, exactly once.
///
/// Every row is rendered and checked before anything is sent; if any row has a problem
/// (a missing or invalid address, an address with a line break, a missing column), nothing
/// is sent. Each message's state is kept in a ledger (SQLite, next to the data file by
/// default), so a rerun after a crash or a dropped connection sends only what has not gone
/// out, and never resends a message whose fate is unknown unless told to.
///
/// Start with --dry-run to see every message without connecting, and --test-to to send the
/// first one to yourself. The password comes from LETTERMERGE_SMTP_PASSWORD,
/// password_command in the config file, or a prompt; never from a file or an argument.
#[derive(Debug, Args)]
#[command(
    after_help = "Example:\n  lettermerge send --template templates/welcome.md --data samples/officials.csv \\\n      --config lettermerge.toml --dry-run outbox/"
)]
pub struct SendArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// The config file with the [smtp] table (host, port, security, username, from, ...).
    #[arg(long, short = 'c', value_name = "FILE")]
    pub config: PathBuf,

    /// Render every message without connecting: print them, or with DIR write one .eml file
    /// per message into DIR.
    #[arg(long, value_name = "DIR", num_args = 0..=1)]
    pub dry_run: Option<Option<PathBuf>>,

    /// Send (or with --dry-run show) at most N messages; with --test-to, default 1.
    #[arg(long, value_name = "N")]
    pub limit: Option<usize>,

    /// Send the first message(s) to ADDR only, subject marked [TEST]; the ledger records
    /// nothing.
    #[arg(long, value_name = "ADDR")]
    pub test_to: Option<String>,

    /// Attach each official's letter as a PDF, typeset as `lettermerge pdf` does.
    #[arg(long)]
    pub attach_pdf: bool,

    /// The ledger database (default: next to the data file, DATA.ledger.sqlite).
    #[arg(long, value_name = "FILE")]
    pub ledger: Option<PathBuf>,

    /// At most this many messages per minute, e.g. 30/min (overrides rate_per_minute).
    #[arg(long, value_name = "N/min")]
    pub rate: Option<String>,

    /// Send again the rows whose earlier delivery is unknown (the connection broke after the
    /// message was handed over). Their recipients may get the letter twice.
    #[arg(long)]
    pub resend_unknown: bool,

    /// Go on with a campaign although the template changed since it started.
    #[arg(long)]
    pub allow_template_change: bool,

    /// Send the rows that are fine and list the ones skipped, instead of sending nothing when
    /// a row has a problem.
    #[arg(long)]
    pub skip_invalid: bool,

    /// Do not ask for confirmation before sending (for scripts).
    #[arg(long, short = 'y')]
    pub yes: bool,

    /// No progress bar and no summary line; problems are still reported.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

/// Show what a send campaign's ledger says went out, and export the failures.
#[derive(Debug, Args)]
#[command(
    after_help = "Example:\n  lettermerge status --ledger samples/officials.ledger.sqlite --failures failures.csv"
)]
pub struct StatusArgs {
    /// The ledger database written by `lettermerge send`.
    #[arg(long, value_name = "FILE")]
    pub ledger: PathBuf,

    /// Also write the failed and unknown rows, with their SMTP codes, to this CSV file.
    #[arg(long, value_name = "FILE")]
    pub failures: Option<PathBuf>,
}

/// Write one PDF letter per data row, and optionally one combined print batch.
///
/// Each row of the data file becomes one letter, named from the template's `filename` value
/// (default: the row number). A manifest.csv in the output folder maps each row to its file
/// and its pages in the batch. Existing files are never overwritten without --force.
#[derive(Debug, Args)]
#[command(
    after_help = "Example:\n  lettermerge pdf --template templates/welcome.md --data samples/officials.csv \\\n      --out letters --combined letters/batch.pdf --duplex"
)]
pub struct PdfArgs {
    #[command(flatten)]
    pub input: InputArgs,

    /// Folder for the letters (created if missing).
    #[arg(long, short = 'o', value_name = "DIR")]
    pub out: PathBuf,

    /// Also write every letter into one PDF for the printer.
    #[arg(long, value_name = "FILE")]
    pub combined: Option<PathBuf>,

    /// A config file whose [offices] table adds forms of address (titles, honorifics) to
    /// the built-in table; the same file as `send --config`.
    #[arg(long, short = 'c', value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Start each letter of the combined batch on a front side, for double-sided printing
    /// (a blank back page is added after letters with an odd number of pages).
    #[arg(long, requires = "combined")]
    pub duplex: bool,

    /// Write only the combined batch (and the manifest), not one file per letter.
    #[arg(long, requires = "combined")]
    pub batch_only: bool,

    /// Write the rows that are fine and list the rows that were skipped, instead of writing
    /// nothing when a row has a problem. The exit code is still 1 if rows were skipped.
    #[arg(long)]
    pub skip_invalid: bool,

    /// Overwrite letters, batch and manifest that already exist.
    #[arg(long, short = 'f')]
    pub force: bool,

    /// No progress bar and no summary line; problems are still reported.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

/// The template and the data, shared by every command that renders letters.
#[derive(Debug, Args)]
pub struct InputArgs {
    /// The letter template (YAML front matter, then a Handlebars + Markdown body).
    #[arg(long, short = 't', value_name = "FILE")]
    pub template: PathBuf,

    /// The officials' data: a CSV file (comma, semicolon or tab; UTF-8 or Windows-1252) or an
    /// Excel workbook (.xlsx; cells read as the sheet shows them).
    #[arg(long, short = 'd', value_name = "FILE")]
    pub data: PathBuf,

    /// The worksheet to read when --data is a workbook (default: the first sheet).
    #[arg(long, value_name = "NAME")]
    pub sheet: Option<String>,

    /// Text encoding of a CSV data file, e.g. utf-8 or windows-1252 (default: detected; files
    /// that are not valid UTF-8 are read as Windows-1252, as Excel writes them).
    #[arg(long, value_name = "NAME")]
    pub encoding: Option<String>,

    /// Field delimiter of a CSV data file: ',', ';' or 'tab' (default: detected).
    #[arg(long, value_name = "CHAR")]
    pub delimiter: Option<String>,
}
