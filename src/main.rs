//! survey-console: no subcommand opens the desktop console; a subcommand runs headless.

use std::process::ExitCode;

use clap::Parser as _;
use survey_console::cli::Cli;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Some(command) => survey_console::cli::main(command),
        None => survey_console::ui::run_native(),
    }
}
