//! The `lettermerge` binary: parses arguments and turns the run's outcome into an exit code.
#![forbid(unsafe_code)]

use clap::Parser;

// A batch allocates and frees many small buffers per letter on every core; mimalloc's
// thread-local free lists make that about 10% cheaper than glibc's allocator.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    let cli = lettermerge::cli::Cli::parse();
    lettermerge::run(cli).into()
}
