//! The print run (`lettermerge pdf`): the campaign's print engine, its problems and summary
//! on the terminal, and the exit code.

use crate::campaign::print;
use crate::config::PdfConfig;
use crate::exit_codes::ExitCode;

/// Runs `lettermerge pdf` and decides the exit code.
pub fn run(cfg: &PdfConfig) -> ExitCode {
    print::run_to_terminal(cfg)
}
