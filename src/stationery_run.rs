//! The envelopes and labels runs (`lettermerge envelopes`, `lettermerge labels`): the
//! campaign's stationery engine, its problems and summary on the terminal, and the exit code.

use crate::campaign::stationery;
use crate::config::StationeryConfig;
use crate::exit_codes::ExitCode;

/// Runs `lettermerge envelopes` or `lettermerge labels` and decides the exit code.
pub fn run(cfg: &StationeryConfig) -> ExitCode {
    stationery::run_to_terminal(cfg)
}
