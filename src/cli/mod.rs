//! The headless command line: one file per subcommand, each printing a table or `--json`.
//!
//! Arguments are parsed into types once, at the edge (`args`): headers, targets, ranges and
//! closed sets are checked by clap, so a bad one is a usage error (exit 2) before anything runs.
//! Each subcommand returns `anyhow::Result<ExitCode>`; errors are printed once, here, with their
//! whole chain (`{:#}`). A closed stdout pipe (`| head`) ends the command quietly with exit 0,
//! as ripgrep does; any other failed write is an error (exit 1).

mod args;
mod batch;
mod conversation;
mod events;
mod functions;
mod functions_deployed;
mod functions_set;
mod history;
mod inspect;
mod invoke;
mod local_flags;
mod modules;
mod output;
mod survey;
mod target;

use std::io::Write as _;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

pub use args::{HeaderArg, TargetArgs, parse_header};

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
    /// Show the last invocations (or livechat surveys) the console kept.
    History(history::HistoryArgs),
    /// Install or list the platform's modules that local runs load (npm, into the data dir).
    Modules(modules::ModulesArgs),
}

impl Command {
    /// The subcommand's name, as messages name it.
    pub fn name(&self) -> &'static str {
        match self {
            Command::Events(_) => "events",
            Command::Inspect(_) => "inspect",
            Command::Functions(_) => "functions",
            Command::Invoke(_) => "invoke",
            Command::Conversation(_) => "conversation",
            Command::Survey(_) => "survey",
            Command::Batch(_) => "batch",
            Command::History(_) => "history",
            Command::Modules(_) => "modules",
        }
    }
}

/// Runs a subcommand and prints its error, if any, once: the process's exit code.
pub fn main(command: Command) -> ExitCode {
    let name = command.name();
    match run(command) {
        Ok(code) => code,
        Err(err) => {
            if is_broken_pipe(&err) {
                // The reader went away (`| head`): not an error, as for any POSIX tool.
                return ExitCode::SUCCESS;
            }
            let text = crate::redact::url_passwords(&format!("{err:#}")).into_owned();
            // Nothing is left to tell when stderr itself is gone.
            let _ = writeln!(std::io::stderr().lock(), "survey-console {name}: {text}");
            ExitCode::from(if err.is::<Usage>() {
                EXIT_USAGE
            } else {
                EXIT_FAILED
            })
        }
    }
}

/// Runs a subcommand: `Ok` with the exit code of its outcome (0 passed, 1 a check failed), or
/// the error that stopped it.
pub fn run(command: Command) -> anyhow::Result<ExitCode> {
    match command {
        Command::Events(args) => events::run(&args),
        Command::Inspect(args) => inspect::run(&args),
        Command::Functions(args) => functions::run(args),
        Command::Invoke(args) => invoke::run(&args),
        Command::Conversation(args) => conversation::run(&args),
        Command::Survey(args) => survey::run(&args),
        Command::Batch(args) => batch::run(&args),
        Command::History(args) => history::run(&args),
        Command::Modules(args) => modules::run(&args),
    }
}

/// True when the error comes from writing into a pipe whose reader has gone.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
    })
}

/// Exit code: success.
pub const EXIT_OK: u8 = 0;
/// Exit code: the check failed (error findings, a failed call, a broken contract).
pub const EXIT_FAILED: u8 = 1;
/// Exit code: bad arguments or unreadable input.
pub const EXIT_USAGE: u8 = 2;

/// The exit code of an outcome: 0 when it passed, 1 when not.
fn verdict(passed: bool) -> ExitCode {
    ExitCode::from(if passed { EXIT_OK } else { EXIT_FAILED })
}

/// An error in the arguments or the input (an unreadable file, a bad URL): the command exits
/// with [`EXIT_USAGE`]. Any other error exits with [`EXIT_FAILED`].
#[derive(Debug, thiserror::Error)]
#[error("{0:#}")]
pub struct Usage(pub anyhow::Error);

/// A usage error with this message.
fn usage(message: impl std::fmt::Display) -> anyhow::Error {
    Usage(anyhow::anyhow!("{message}")).into()
}

/// Marks the error of a result as a usage error.
trait OrUsage<T> {
    /// The result, its error a [`Usage`] error.
    fn or_usage(self) -> anyhow::Result<T>;
}

impl<T, E: Into<anyhow::Error>> OrUsage<T> for Result<T, E> {
    fn or_usage(self) -> anyhow::Result<T> {
        self.map_err(|e| Usage(e.into()).into())
    }
}
