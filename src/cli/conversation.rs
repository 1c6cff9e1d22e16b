//! `survey-console conversation`: makes a test conversation (visitor and room) on a
//! Rocket.Chat server, so that a survey can be sent to it.

use std::io::Write;
use std::process::ExitCode;
use std::time::Duration;

use clap::Args;
use serde_json::json;

use super::OrUsage as _;
use super::args::{HeaderArg, parse_header};
use super::output::{Out, clip, print_json, say};
use crate::livechat::{
    ConversationRequest, ConversationStep, Server, mask_token, start_conversation,
};

const AFTER_HELP: &str = "\
Calls POST livechat/visitor with a new random token, GET livechat/room?token=… and, with \
--close, POST livechat/room.close. Opening a room needs an online livechat agent, or the server \
set to accept chats with no online agents (error code no-agent-online).

--json prints {\"rid\", \"token\", \"visitor_id\", \"closed\"}; on failure the same keys (null \
where unknown) and \"error\": {\"code\", \"message\", \"retry_after_s\"}.
Exit status: 0 the conversation was made, 1 the server refused or could not be reached, 2 bad \
arguments.";

/// Arguments of `conversation`.
#[derive(Debug, Args)]
#[command(after_help = AFTER_HELP)]
pub struct ConversationArgs {
    /// The Rocket.Chat server's base URL, e.g. https://chat.example.com
    #[arg(long, value_name = "URL")]
    pub server: String,
    /// The test visitor's name.
    #[arg(
        long,
        value_name = "NAME",
        default_value = "survey-console test visitor"
    )]
    pub name: String,
    /// Close the room after opening it.
    #[arg(long)]
    pub close: bool,
    /// An extra request header, e.g. 'X-Proxy-Key: abc' (repeatable).
    #[arg(long = "header", value_name = "'K: V'", value_parser = parse_header)]
    pub headers: Vec<HeaderArg>,
    /// Timeout of each call, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=600))]
    pub timeout: u64,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: &ConversationArgs) -> anyhow::Result<ExitCode> {
    crate::net::check_url(&args.server)
        .map_err(|err| anyhow::anyhow!("--server: {err}"))
        .or_usage()?;
    let server = Server {
        url: args.server.clone(),
        headers: args.headers.iter().map(HeaderArg::livechat).collect(),
        timeout: Duration::from_secs(args.timeout.max(1)),
    };
    let mut out = Out::stdout();
    let request = ConversationRequest {
        name: args.name.clone(),
        close: args.close,
        token: None,
    };
    match start_conversation(&server, &request) {
        Ok(conv) => {
            if args.json {
                print_json(
                    &mut out,
                    &json!({
                        "rid": conv.rid,
                        "token": conv.token,
                        "visitor_id": conv.visitor_id,
                        "closed": conv.closed,
                    }),
                )?;
                out.finish()?;
                return Ok(ExitCode::SUCCESS);
            }
            print_steps(&mut out, &conv.steps, &conv.token)?;
            say!(out)?;
            say!(out, "rid:        {}", conv.rid)?;
            say!(out, "token:      {}", conv.token)?;
            say!(out, "visitor id: {}", conv.visitor_id)?;
            say!(
                out,
                "room:       {}",
                if conv.closed { "closed" } else { "open" }
            )?;
            say!(out)?;
            say!(
                out,
                "Send a survey: survey-console survey --server {} --rid {} --token {} --rating satisfaction=5",
                crate::redact::url_passwords(&args.server),
                conv.rid,
                conv.token
            )?;
            out.finish()?;
            Ok(ExitCode::SUCCESS)
        }
        Err(failure) => {
            if args.json {
                print_json(
                    &mut out,
                    &json!({
                        "rid": failure.rid,
                        "token": failure.token,
                        "visitor_id": failure.visitor_id,
                        "closed": false,
                        "error": {
                            "code": failure.error.code.as_str(),
                            "message": failure.error.message,
                            "retry_after_s": failure.error.retry_after_s,
                        },
                    }),
                )?;
            } else {
                print_steps(&mut out, &failure.steps, &failure.token)?;
            }
            out.finish()?;
            super::output::warn(format_args!(
                "survey-console conversation: {} ({})",
                failure.error.code.as_str(),
                failure.error
            ));
            Ok(ExitCode::from(super::EXIT_FAILED))
        }
    }
}

/// Each step, its status and the server's answer (the token masked).
fn print_steps(
    out: &mut impl Write,
    steps: &[ConversationStep],
    token: &str,
) -> anyhow::Result<()> {
    for (i, step) in steps.iter().enumerate() {
        let status = step
            .http_status
            .map(|s| format!("HTTP {s}"))
            .unwrap_or_else(|| "no answer".to_owned());
        say!(
            out,
            "{}. {}: {} {} ({status}, {})",
            i + 1,
            step.title,
            step.call,
            crate::redact::url_passwords(&step.url),
            if step.ok { "ok" } else { "failed" }
        )?;
        for line in clip(&step.answer, 2000).lines() {
            say!(out, "   {line}")?;
        }
    }
    if !steps.is_empty() && !token.is_empty() {
        say!(out, "(token shown as {} in the answers)", mask_token(token))?;
    }
    Ok(())
}
