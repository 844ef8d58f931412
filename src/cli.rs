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
    /// Write one PDF of envelopes, one per data row, with the letterhead's return address.
    Envelopes(EnvelopesArgs),
    /// Write one PDF of address labels (Avery 5160/8160 or L7163 sheets), one per data row.
    Labels(LabelsArgs),
    /// Email each official their letter through your SMTP server, exactly once.
    Send(SendArgs),
    /// Sign in to Microsoft 365, Google or another OAuth 2 provider for `send`.
    Login(LoginArgs),
    /// Show what a send campaign's ledger says went out, and export the failures.
    Status(StatusArgs),
    // The help of `check` and `preview` comes from their argument structs.
    Check(CheckArgs),
    Preview(PreviewArgs),
    /// Write a ready campaign into a folder: config, template, sample data and a README.
    Init(InitArgs),
    /// Run the campaign in your browser: a local web app on 127.0.0.1 only.
    Studio(StudioArgs),
}

/// Run the campaign in your browser: a local web app on 127.0.0.1 only.
///
/// The studio serves the campaign folder DIR (what `init` writes; an empty folder gets a
/// "Start a campaign here" button) to your own browser. It listens on 127.0.0.1 only, prints
/// one line with the URL to open (it holds a secret token made for this launch; only a
/// browser that opened that URL gets in), and opens your browser unless --no-browser or
/// there is no display. Every file it writes is written atomically. Ctrl-C stops it.
#[derive(Debug, Args)]
#[command(
    after_help = "Example:\n  lettermerge studio campaign\n  lettermerge studio --port 8700 --no-browser"
)]
pub struct StudioArgs {
    /// The campaign folder.
    #[arg(value_name = "DIR", default_value = ".")]
    pub dir: PathBuf,

    /// Listen on this port (default: a free one).
    #[arg(long, value_name = "N")]
    pub port: Option<u16>,

    /// Only print the URL; do not open a browser.
    #[arg(long)]
    pub no_browser: bool,
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

    #[command(flatten)]
    pub select: SelectArgs,

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

/// Sign in to Microsoft 365, Google or another OAuth 2 provider for `send`.
///
/// For a config whose [smtp] has `auth = "oauth2"` (or a `provider`): runs the provider's
/// sign-in (Microsoft: "go to this address and enter this code"; Google: a page in your
/// browser) and keeps the sign-in in the system keyring, or where there is none in a file
/// readable only by you. `send` then gets and renews its access tokens by itself. Run it
/// again when `send` says to sign in again.
#[derive(Debug, Args)]
#[command(after_help = "Example:\n  lettermerge login --config lettermerge.toml")]
pub struct LoginArgs {
    /// The config file with the [smtp] table and its [smtp.oauth] settings.
    #[arg(long, short = 'c', value_name = "FILE")]
    pub config: PathBuf,

    /// Print the sign-in address without opening a browser.
    #[arg(long)]
    pub no_browser: bool,
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

    #[command(flatten)]
    pub select: SelectArgs,

    /// Write only the first N selected rows.
    #[arg(long, value_name = "N", help_heading = SELECTING)]
    pub limit: Option<usize>,

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

    /// Split the combined batch into batches of at most N letters (batch-001.pdf,
    /// batch-002.pdf, ... beside the --combined name), for a printer that takes a few
    /// hundred sheets at a time.
    #[arg(long, value_name = "N", requires = "combined", value_parser = clap::value_parser!(u64).range(1..))]
    pub split: Option<u64>,

    /// One batch per value of COLUMN (batch-CA.pdf, batch-OH.pdf, ...), e.g. one per state
    /// or district; with --split, batches of N letters within each value.
    #[arg(long, value_name = "COLUMN", requires = "combined")]
    pub split_by: Option<String>,

    /// Order the batch and the manifest by COLUMN, compared as text (ZIP codes as written:
    /// 05633 before 10001, ZIP+4 after its ZIP; empty values last), for presorted mail.
    /// Ties keep the data's order.
    #[arg(long, value_name = "COLUMN")]
    pub sort: Option<String>,

    /// Write PDF/A-2b (archival PDF: XMP metadata, an sRGB output intent), as the
    /// template's `pdf_a: true` does. Adds about 2.4 KB to each file.
    #[arg(long)]
    pub pdf_a: bool,

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

/// The envelope sizes of `envelopes --size`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum EnvelopeSizeArg {
    /// US #10 business envelope, 9.5 x 4.125 in.
    #[value(name = "10")]
    No10,
    /// DL, 220 x 110 mm (A4 folded in three).
    Dl,
    /// C5, 229 x 162 mm (A4 folded once).
    C5,
}

/// The label sheets of `labels --stock`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LabelStockArg {
    /// Avery 5160 (laser) / 8160 (inkjet): US Letter, 3 x 10 labels of 2.625 x 1 in.
    #[value(name = "5160", alias = "8160")]
    Avery5160,
    /// Avery L7163: A4, 2 x 7 labels of 99.1 x 38.1 mm.
    #[value(name = "l7163", alias = "L7163")]
    AveryL7163,
}

/// What `envelopes` and `labels` share with `pdf`: the rows, the output file, the checks.
#[derive(Debug, Args)]
pub struct StationeryArgs {
    #[command(flatten)]
    pub input: InputArgs,

    #[command(flatten)]
    pub select: SelectArgs,

    /// Only the first N selected rows.
    #[arg(long, value_name = "N", help_heading = SELECTING)]
    pub limit: Option<usize>,

    /// The PDF to write (never over an input; an existing file only with --force).
    #[arg(long, short = 'o', value_name = "FILE")]
    pub out: PathBuf,

    /// A config file whose [offices] table adds forms of address (titles, honorifics) to
    /// the built-in table; the same file as `pdf --config`.
    #[arg(long, short = 'c', value_name = "FILE")]
    pub config: Option<PathBuf>,

    /// Write PDF/A-2b (archival PDF: XMP metadata, an sRGB output intent), as the
    /// template's `pdf_a: true` does. Adds about 2.4 KB to each file.
    #[arg(long)]
    pub pdf_a: bool,

    /// Write the rows that are fine and list the rows that were skipped, instead of writing
    /// nothing when a row has a problem. The exit code is still 1 if rows were skipped.
    #[arg(long)]
    pub skip_invalid: bool,

    /// Overwrite the output file if it exists.
    #[arg(long, short = 'f')]
    pub force: bool,

    /// No progress bar and no summary line; problems are still reported.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

/// Write one PDF of envelopes, one per data row, with the letterhead's return address.
///
/// Each row's envelope carries the template's `address` block (the lines the letter prints
/// in the window) in the size's address area, and the letterhead's name and postal lines
/// as the return address, top left. One envelope per page, the page the size of the
/// envelope. Every row is checked first: an address too large for the area even at 9 pt is
/// a row problem, and nothing is written.
#[derive(Debug, Args)]
#[command(
    after_help = "Example:\n  lettermerge envelopes --template templates/welcome.md --data samples/officials.csv \\\n      --size 10 --out envelopes.pdf"
)]
pub struct EnvelopesArgs {
    #[command(flatten)]
    pub common: StationeryArgs,

    /// The envelope: 10 (US #10), dl or c5 (default: 10 for a letter-size template, dl for
    /// an A4 one).
    #[arg(long, value_name = "SIZE")]
    pub size: Option<EnvelopeSizeArg>,
}

/// Write one PDF of address labels (Avery 5160/8160 or L7163 sheets), one per data row.
///
/// Each row's label carries the template's `address` block (the lines the letter prints in
/// the window), inset from the label's edges. Labels fill each sheet across, then down;
/// --start N begins at the Nth label of the first sheet, so that a sheet already partly
/// used can be finished. Every row is checked first: an address too large for a label even
/// at 8 pt is a row problem, and nothing is written.
#[derive(Debug, Args)]
#[command(
    after_help = "Example:\n  lettermerge labels --template templates/welcome.md --data samples/officials.csv \\\n      --stock 5160 --start 7 --out labels.pdf"
)]
pub struct LabelsArgs {
    #[command(flatten)]
    pub common: StationeryArgs,

    /// The label sheet: 5160 (also 8160; US Letter, 30 labels) or l7163 (A4, 14 labels)
    /// (default: 5160 for a letter-size template, l7163 for an A4 one).
    #[arg(long, value_name = "STOCK")]
    pub stock: Option<LabelStockArg>,

    /// The first label to use on the first sheet, counted across then down from 1 (the
    /// top-left label).
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    pub start: u32,
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

    /// Which office to write to when the data has two (Open States): capitol (the default)
    /// or district; each falls back to the other where it is empty.
    #[arg(long, value_name = "OFFICE")]
    pub address: Option<String>,
}

/// The help heading of `--rows`, `--where` and `--limit`.
const SELECTING: &str = "Selecting rows";

/// Which rows of the data a command uses; every row when none of these is given.
#[derive(Debug, Clone, Default, Args)]
pub struct SelectArgs {
    /// Only these rows, numbered as the spreadsheet shows them (the header is row 1), e.g.
    /// 2-5,9.
    #[arg(long, value_name = "LIST", help_heading = SELECTING)]
    pub rows: Option<String>,

    /// Only rows whose COLUMN is VALUE (the whole cell, ignoring case and spaces at the ends;
    /// the column by its header name or template name). Repeat it to require several.
    #[arg(long = "where", value_name = "COLUMN=VALUE", help_heading = SELECTING)]
    pub filters: Vec<String>,
}

/// The template, the data, the rows and the sender of `check` and `preview`.
#[derive(Debug, Args)]
pub struct RowsArgs {
    #[command(flatten)]
    pub input: InputArgs,

    #[command(flatten)]
    pub select: SelectArgs,

    /// Only the first N selected rows.
    #[arg(long, value_name = "N", help_heading = SELECTING)]
    pub limit: Option<usize>,

    /// The config file of `send`, for the sender (`from`) of the emails; without it only a
    /// `from` in the template is checked.
    #[arg(long, short = 'c', value_name = "FILE")]
    pub config: Option<PathBuf>,
}

/// What `check` checks the rows for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum CheckFor {
    /// The printed letters: layout, images, fonts, file names.
    Pdf,
    /// The emails: addresses, subject, sender.
    Email,
}

/// Check every row for every problem at once; write and send nothing.
///
/// Every selected row is rendered (and typeset, for pdf) exactly as `pdf` and `send` would,
/// and every problem is listed at once, with its spreadsheet row, its column and what to
/// do: the same problem in many rows once, with its count and first rows (--all lists
/// every row's). Nothing is written and no connection is made.
///
/// Errors (exit code 1): a column the template uses is missing, a ragged row, an empty or
/// invalid email address or one with a line break (for email), an attachment that is
/// missing, outside the allowed folders or too large (for email), two letters with the same
/// file name (for pdf), an image that cannot be read, a template syntax error.
///
/// Warnings (exit code 0 if there are only warnings): a field the template prints is empty,
/// an address block too large for the envelope window, a character the font cannot print,
/// duplicate rows or addresses, a letter that runs onto a second page.
#[derive(Debug, Args)]
#[command(
    after_help = "Example:\n  lettermerge check --template templates/welcome.md --data samples/officials.csv --config lettermerge.toml"
)]
pub struct CheckArgs {
    #[command(flatten)]
    pub rows: RowsArgs,

    /// Check for printing only, or for email only (default: both).
    #[arg(long = "for", value_name = "pdf|email")]
    pub check_for: Option<CheckFor>,

    /// List every row's problems one by one, however many.
    ///
    /// By default the same problem in many rows is one line with its count and first rows
    /// ("in 1,207 rows: rows 57, 81, 105 and 1,204 more"), and the report fits on one
    /// screen: past that, a line says how many more problems there are. With --all every
    /// problem of every row is its own line, with its own values and rows; the counts at
    /// the end are the same either way.
    #[arg(long)]
    pub all: bool,

    /// No summary line or notes; problems are still listed.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

/// How `preview` shows the rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum PreviewFormat {
    /// The email as the recipient sees it: headers, then the text body.
    Text,
    /// The whole MIME message, as sent.
    Eml,
    /// The printed letters, as PDF files.
    Pdf,
}

/// Show chosen rows as they will go out: the email, the MIME message, the PDF, or a review
/// page.
///
/// Without --rows, --where or --limit, preview shows the first 3 rows (a preview of
/// thousands of letters to the terminal helps nobody); --html covers every selected row,
/// all of them if none are selected.
///
/// --format text (the default) prints each row's email: the headers, then the text body.
/// --format eml prints the whole MIME message, or with --out writes one .eml file per row.
/// --format pdf writes each row's letter as `pdf` would, into --out (default: a folder
/// named `preview` in the current folder; its files are replaced on each preview).
///
/// --html FILE writes one page to open in any browser, offline: a summary of every problem,
/// then per row its problems, its email as the recipient sees it and a link to its PDF (the
/// PDFs go into a folder beside the page, FILE's name + "-pdf").
#[derive(Debug, Args)]
#[command(
    after_help = "Examples:\n  lettermerge preview -t templates/welcome.md -d samples/officials.csv --rows 2-3\n  lettermerge preview -t templates/welcome.md -d samples/officials.csv --where state=OH --format pdf\n  lettermerge preview -t templates/welcome.md -d samples/officials.csv --html review.html"
)]
pub struct PreviewArgs {
    #[command(flatten)]
    pub rows: RowsArgs,

    /// What to show: text (the email as read), eml (the MIME message) or pdf (the letters).
    #[arg(long, value_name = "FORMAT", conflicts_with = "html")]
    pub format: Option<PreviewFormat>,

    /// Folder for the files of --format pdf (default: preview) or --format eml (default:
    /// print to the terminal).
    #[arg(long, short = 'o', value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// Write one self-contained review page of every selected row to FILE, with the PDFs in
    /// a folder beside it.
    #[arg(long, value_name = "FILE")]
    pub html: Option<PathBuf>,

    /// No summary line or notes; problems are still listed.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}
