//! survey-console: no subcommand opens the desktop console; a subcommand runs headless.

use std::process::ExitCode;

use clap::Parser as _;
use survey_console::cli::Cli;

/// mimalloc: a batch's many small, short-lived allocations cost fewer instructions than with
/// the system allocator (see the README's speed section).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Some(command) => survey_console::cli::main(command),
        None => survey_console::ui::run_native(),
    }
}
