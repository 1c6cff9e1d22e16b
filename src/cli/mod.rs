//! The headless command line: one file per subcommand, each printing a table or `--json`.

mod batch;
mod conversation;
mod events;
mod functions;
mod inspect;
mod invoke;
mod local_flags;
mod modules;
mod output;
mod survey;
mod target;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Command-line arguments. Without a subcommand the console opens.
#[derive(Debug, Parser)]
#[command(
    name = "survey-console",
    version,
    about = "Console for LivePerson Functions survey events and Rocket.Chat livechat surveys.",
    long_about = "Console for LivePerson Functions survey events and Rocket.Chat livechat surveys.\n\
                  Without a subcommand it opens the desktop console."
)]
pub struct Cli {
    /// What to do; nothing opens the desktop console.
    #[command(subcommand)]
    pub command: Option<Command>,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// List the events, their sources, function limits and documented payload fields.
    Events(events::EventsArgs),
    /// Flatten a payload file into rows and check it against its event.
    Inspect(inspect::InspectArgs),
    /// Configure the one function of each event (functions.json).
    Functions(functions::FunctionsArgs),
    /// Send a payload to an event's function and check the answer against the contract.
    Invoke(Box<invoke::InvokeArgs>),
    /// Make a test livechat conversation (visitor and room) on a Rocket.Chat server.
    Conversation(conversation::ConversationArgs),
    /// Send a livechat room survey to a Rocket.Chat server.
    Survey(survey::SurveyArgs),
    /// Send many payloads to an event's function at once and judge every answer.
    Batch(Box<batch::BatchArgs>),
    /// Install or list the platform's modules that local runs load (npm, into the data dir).
    Modules(modules::ModulesArgs),
}

/// Runs a subcommand and returns the process exit code.
pub fn run(command: Command) -> ExitCode {
    let code = match command {
        Command::Events(args) => events::run(&args),
        Command::Inspect(args) => inspect::run(&args),
        Command::Functions(args) => functions::run(args),
        Command::Invoke(args) => invoke::run(&args),
        Command::Conversation(args) => conversation::run(&args),
        Command::Survey(args) => survey::run(&args),
        Command::Batch(args) => batch::run(&args),
        Command::Modules(args) => modules::run(&args),
    };
    ExitCode::from(code)
}

/// Exit code: success.
pub const EXIT_OK: u8 = 0;
/// Exit code: the check failed (error findings, a failed call, a broken contract).
pub const EXIT_FAILED: u8 = 1;
/// Exit code: bad arguments or unreadable input.
pub const EXIT_USAGE: u8 = 2;
