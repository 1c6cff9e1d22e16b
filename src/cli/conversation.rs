//! `survey-console conversation`: makes a test conversation (visitor and room) on a
//! Rocket.Chat server, so that a survey can be sent to it.

use std::time::Duration;

use clap::Args;
use serde_json::json;

use super::output::{clip, print_json};
use crate::livechat::{
    ConversationRequest, ConversationStep, Header, Server, mask_token, start_conversation,
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
    #[arg(long = "header", value_name = "'K: V'", value_parser = Header::parse)]
    pub headers: Vec<Header>,
    /// Timeout of each call, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 30)]
    pub timeout: u64,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: &ConversationArgs) -> u8 {
    if let Err(err) = crate::net::check_url(&args.server) {
        eprintln!("survey-console conversation: --server: {err}");
        return super::EXIT_USAGE;
    }
    let server = Server {
        url: args.server.clone(),
        headers: args.headers.clone(),
        timeout: Duration::from_secs(args.timeout.max(1)),
    };
    let request = ConversationRequest {
        name: args.name.clone(),
        close: args.close,
        token: None,
    };
    match start_conversation(&server, &request) {
        Ok(conv) => {
            if args.json {
                print_json(&json!({
                    "rid": conv.rid,
                    "token": conv.token,
                    "visitor_id": conv.visitor_id,
                    "closed": conv.closed,
                }));
                return super::EXIT_OK;
            }
            print_steps(&conv.steps, &conv.token);
            println!();
            println!("rid:        {}", conv.rid);
            println!("token:      {}", conv.token);
            println!("visitor id: {}", conv.visitor_id);
            println!(
                "room:       {}",
                if conv.closed { "closed" } else { "open" }
            );
            println!();
            println!(
                "Send a survey: survey-console survey --server {} --rid {} --token {} --rating satisfaction=5",
                args.server, conv.rid, conv.token
            );
            super::EXIT_OK
        }
        Err(failure) => {
            if args.json {
                print_json(&json!({
                    "rid": failure.rid,
                    "token": failure.token,
                    "visitor_id": failure.visitor_id,
                    "closed": false,
                    "error": {
                        "code": failure.error.code.as_str(),
                        "message": failure.error.message,
                        "retry_after_s": failure.error.retry_after_s,
                    },
                }));
            } else {
                print_steps(&failure.steps, &failure.token);
            }
            eprintln!(
                "survey-console conversation: {} ({})",
                failure.error.code.as_str(),
                failure.error
            );
            super::EXIT_FAILED
        }
    }
}

/// Each step, its status and the server's answer (the token masked).
fn print_steps(steps: &[ConversationStep], token: &str) {
    for (i, step) in steps.iter().enumerate() {
        let status = step
            .http_status
            .map(|s| format!("HTTP {s}"))
            .unwrap_or_else(|| "no answer".to_owned());
        println!(
            "{}. {}: {} {} ({status}, {})",
            i + 1,
            step.title,
            step.call,
            step.url,
            if step.ok { "ok" } else { "failed" }
        );
        for line in clip(&step.answer, 2000).lines() {
            println!("   {line}");
        }
    }
    if !steps.is_empty() && !token.is_empty() {
        println!("(token shown as {} in the answers)", mask_token(token));
    }
}
