//! The `lettermerge` binary: parses arguments and turns the run's outcome into an exit code.
#![forbid(unsafe_code)]

use clap::Parser;

fn main() -> std::process::ExitCode {
    let cli = lettermerge::cli::Cli::parse();
    lettermerge::run(cli).into()
}
