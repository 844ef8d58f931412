//! lettermerge: mail-merge letters for elected officials. Data file -> records -> template ->
//! Letter -> typeset -> PDF (and, later, email).
#![forbid(unsafe_code)]

pub mod attachments;
pub mod browser;
pub mod csv_out;
pub mod email;
pub mod exit_codes;
pub mod fields;
pub mod first_seen;
pub mod images;
pub mod input_file;
pub mod ledger;
pub mod letter;
pub mod markup;
pub mod output;
pub mod parallel;
pub mod pdf;
pub mod problem;
pub mod records;
pub mod row_runs;
pub mod style;
pub mod svg;
pub mod template;
pub mod terminal;
pub mod typeset;

pub mod campaign;
pub mod check_run;
pub mod checks;
pub mod clash;
pub mod cli;
pub mod config;
pub mod init;
pub mod login_run;
pub mod oauth;
pub mod preview_run;
pub mod print_run;
pub mod report;
pub mod review;
pub mod send_run;
pub mod smtp;
pub mod stationery_run;
pub mod studio;

/// Runs one command and returns the exit code; `main` only parses arguments and exits.
pub fn run(cli: cli::Cli) -> exit_codes::ExitCode {
    match cli.command {
        cli::Command::Pdf(args) => match config::PdfConfig::from_args(args) {
            Ok(cfg) => print_run::run(&cfg),
            Err(e) => {
                eprintln!("error: {e}");
                exit_codes::ExitCode::Error
            }
        },
        cli::Command::Envelopes(args) => match config::StationeryConfig::envelopes(args) {
            Ok(cfg) => stationery_run::run(&cfg),
            Err(e) => {
                eprintln!("error: {e}");
                exit_codes::ExitCode::Error
            }
        },
        cli::Command::Labels(args) => match config::StationeryConfig::labels(args) {
            Ok(cfg) => stationery_run::run(&cfg),
            Err(e) => {
                eprintln!("error: {e}");
                exit_codes::ExitCode::Error
            }
        },
        cli::Command::Send(args) => match config::send::SendConfig::from_args(args) {
            Ok(cfg) => {
                for warning in &cfg.smtp.warnings {
                    eprintln!("warning: {warning}");
                }
                send_run::run(&cfg)
            }
            Err(e) => {
                eprintln!("error: {e}");
                exit_codes::ExitCode::Error
            }
        },
        cli::Command::Login(args) => login_run::run(&args.config, !args.no_browser),
        cli::Command::Status(args) => send_run::status(&args.ledger, args.failures.as_deref()),
        cli::Command::Init(args) => init::run(&args.dir, args.force),
        cli::Command::Studio(args) => {
            studio::run(&args.dir, args.port.unwrap_or(0), !args.no_browser)
        }
        cli::Command::Check(args) => match config::CheckConfig::from_args(args) {
            Ok(cfg) => check_run::run(&cfg),
            Err(e) => {
                eprintln!("error: {e}");
                exit_codes::ExitCode::Error
            }
        },
        cli::Command::Preview(args) => match config::PreviewConfig::from_args(args) {
            Ok(cfg) => preview_run::run(&cfg),
            Err(e) => {
                eprintln!("error: {e}");
                exit_codes::ExitCode::Error
            }
        },
    }
}
