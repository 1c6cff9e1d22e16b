//! `survey-console conversation`: makes a test conversation (visitor and room) on a
//! Rocket.Chat server, so that a survey can be sent to it.

use clap::Args;
use serde_json::json;

use super::output::{clip, print_json};
use crate::livechat::{
    ConversationRequest, ConversationStep, Header, RateLimits, Server, TranscriptOutcome,
    check_email, codes_help, mask_token, server_info, start_conversation,
};

/// The help after the options: the calls made, the output, the error codes, exit codes.
fn after_help() -> String {
    format!(
        "\
Asks the server for its version (GET /api/info) and livechat settings (GET livechat/config), \
then calls POST livechat/visitor with a new random token, GET livechat/room?token=… and, with \
--close, POST livechat/room.close; with --transcript EMAIL it then asks the server to e-mail the \
closed room's transcript (POST livechat/transcript). Opening a room needs an online livechat \
agent, or the server set to accept chats with no online agents (no-agent-online); closing it \
needs the server to let visitors close conversations (close-not-allowed).

Rate limits: livechat/visitor and GET livechat/room allow 5 calls a minute on the newest \
servers, the other routes 10. The server's X-RateLimit-* answers are kept per server and route \
(livechat-rate-limits.json in the data dir, or the file named by \
SURVEY_CONSOLE_LIVECHAT_RATE_LIMITS); a route with no call left is named before sending, with \
how long it stays refused.

--json prints {{\"rid\", \"token\", \"visitor_id\", \"closed\", \"transcript\": null | \
{{\"email\", \"sent\", \"message\", \"error\"}}, \"server_version\"}}; on failure the same keys \
(null where unknown) and \"error\": {{\"code\", \"message\", \"retry_after_s\"}}.
Error codes:
{}
Exit status: 0 the conversation was made (and its transcript sent, when asked), 1 the server \
refused or could not be reached, 2 bad arguments.",
        codes_help()
    )
}

/// Arguments of `conversation`.
#[derive(Debug, Args)]
#[command(after_help = after_help())]
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
    /// After closing the room, ask the server to e-mail its transcript to EMAIL.
    #[arg(long, value_name = "EMAIL", requires = "close", value_parser = parse_email)]
    pub transcript: Option<String>,
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

/// An e-mail address, checked.
fn parse_email(text: &str) -> Result<String, String> {
    check_email(text)?;
    Ok(text.trim().to_owned())
}

pub fn run(args: &ConversationArgs) -> u8 {
    let server = match Server::checked(&args.server, args.headers.clone(), args.timeout) {
        Ok(server) => server,
        Err(err) => {
            eprintln!("survey-console conversation: --server: {err}");
            return super::EXIT_USAGE;
        }
    };
    // Notes and warnings: on stderr when stdout is JSON.
    let say = |line: &str| {
        if args.json {
            eprintln!("{line}");
        } else {
            println!("{line}");
        }
    };
    let request = ConversationRequest {
        name: args.name.clone(),
        close: args.close,
        token: None,
        transcript: args.transcript.clone(),
    };
    let limits = RateLimits::open_default();
    let info = server_info(&server, &limits);
    say(&format!("server: {}", info.version_text()));
    for note in info.livechat_notes() {
        say(&format!("note: {note}"));
    }
    for refusal in limits.refusals(&server.url, &request.routes()) {
        say(&format!("warning: {refusal}."));
    }
    let version = info.version.ok();
    match start_conversation(&server, &limits, &request) {
        Ok(conv) => {
            let transcript_ok = conv.transcript.as_ref().is_none_or(TranscriptOutcome::sent);
            let code = if transcript_ok {
                super::EXIT_OK
            } else {
                super::EXIT_FAILED
            };
            if args.json {
                print_json(&json!({
                    "rid": conv.rid,
                    "token": conv.token,
                    "visitor_id": conv.visitor_id,
                    "closed": conv.closed,
                    "transcript": conv.transcript.as_ref().map(TranscriptOutcome::to_json),
                    "server_version": version,
                }));
            } else {
                print_steps(&conv.steps, &conv.token);
                println!();
                println!("rid:        {}", conv.rid);
                println!("token:      {}", conv.token);
                println!("visitor id: {}", conv.visitor_id);
                println!(
                    "room:       {}",
                    if conv.closed { "closed" } else { "open" }
                );
                if let Some(transcript) = &conv.transcript {
                    println!("transcript: {}", transcript_line(transcript));
                }
                println!();
                println!(
                    "Send a survey: survey-console survey --server {} --rid {} --token {} --rating satisfaction=5",
                    args.server, conv.rid, conv.token
                );
            }
            if let Some(err) = conv.transcript.as_ref().and_then(|t| t.error.as_ref()) {
                eprintln!(
                    "survey-console conversation: the transcript was not sent: {} ({err})",
                    err.code.as_str()
                );
            }
            code
        }
        Err(failure) => {
            if args.json {
                print_json(&json!({
                    "rid": failure.rid,
                    "token": failure.token,
                    "visitor_id": failure.visitor_id,
                    "closed": false,
                    "transcript": null,
                    "server_version": version,
                    "error": {
                        "code": failure.error.code.as_str(),
                        "message": failure.error.message,
                        "retry_after_s": failure.error.retry_after_s,
                    },
                }));
            } else {
                print_steps(&failure.steps, &failure.token);
                if let Some(rid) = &failure.rid {
                    println!();
                    println!("rid:        {rid} (open)");
                    println!("token:      {}", failure.token);
                }
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

/// The transcript request in one line.
fn transcript_line(transcript: &TranscriptOutcome) -> String {
    match &transcript.error {
        None => format!(
            "sent to {} ({})",
            transcript.email,
            transcript
                .message
                .as_deref()
                .unwrap_or("the server said success")
        ),
        Some(err) => format!("not sent to {}: {}", transcript.email, err.message),
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
