//! `survey-console conversation`: makes a test conversation (visitor and room) on a
//! Rocket.Chat server, so that a survey can be sent to it.

use std::io::Write;
use std::process::ExitCode;

use clap::Args;
use serde_json::json;

use super::args::{HeaderArg, parse_header};
use super::output::{Out, clip, note, print_json, say, warn};
use super::survey::server;
use crate::livechat::{
    ConversationRequest, ConversationStep, RateLimits, TranscriptOutcome, check_email, codes_help,
    mask_token, server_info, start_conversation,
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
    #[arg(long = "header", value_name = "'K: V'", value_parser = parse_header)]
    pub headers: Vec<HeaderArg>,
    /// Time limit of the whole command, in seconds: the server check and every call of the
    /// conversation share it.
    #[arg(long, value_name = "SECONDS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=600))]
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

pub fn run(args: &ConversationArgs) -> anyhow::Result<ExitCode> {
    let server = server(&args.server, &args.headers, args.timeout)?;
    let mut out = Out::stdout();
    let note = |out: &mut Out, line: &str| note(out, args.json, line);
    let request = ConversationRequest {
        name: args.name.clone(),
        close: args.close,
        token: None,
        transcript: args.transcript.clone(),
    };
    let limits = RateLimits::open_default();
    let info = server_info(&server, &limits);
    note(&mut out, &format!("server: {}", info.version_text()))?;
    for line in info.livechat_notes() {
        note(&mut out, &format!("note: {line}"))?;
    }
    for refusal in limits.refusals(&server.url, &request.routes()) {
        note(&mut out, &format!("warning: {refusal}."))?;
    }
    let version = info.version.ok();
    match start_conversation(&server, &limits, &request) {
        Ok(conv) => {
            let transcript_ok = conv.transcript.as_ref().is_none_or(TranscriptOutcome::sent);
            let code = super::verdict(transcript_ok);
            if args.json {
                print_json(
                    &mut out,
                    &json!({
                        "rid": conv.rid,
                        "token": conv.token,
                        "visitor_id": conv.visitor_id,
                        "closed": conv.closed,
                        "transcript": conv.transcript.as_ref().map(TranscriptOutcome::to_json),
                        "server_version": version,
                    }),
                )?;
            } else {
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
                if let Some(transcript) = &conv.transcript {
                    say!(out, "transcript: {}", transcript_line(transcript))?;
                }
                say!(out)?;
                say!(
                    out,
                    "Send a survey: survey-console survey --server {} --rid {} --token {} --rating satisfaction=5",
                    args.server,
                    conv.rid,
                    conv.token
                )?;
            }
            out.finish()?;
            if let Some(err) = conv.transcript.as_ref().and_then(|t| t.error.as_ref()) {
                warn(format_args!(
                    "survey-console conversation: the transcript was not sent: {} ({err})",
                    err.code.as_str()
                ));
            }
            Ok(code)
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
                        "transcript": null,
                        "server_version": version,
                        "error": {
                            "code": failure.error.code.as_str(),
                            "message": failure.error.message,
                            "retry_after_s": failure.error.retry_after_s,
                        },
                    }),
                )?;
            } else {
                print_steps(&mut out, &failure.steps, &failure.token)?;
                if let Some(rid) = &failure.rid {
                    say!(out)?;
                    say!(out, "rid:        {rid} (open)")?;
                    say!(out, "token:      {}", failure.token)?;
                }
            }
            out.finish()?;
            warn(format_args!(
                "survey-console conversation: {} ({})",
                failure.error.code.as_str(),
                failure.error
            ));
            Ok(ExitCode::from(super::EXIT_FAILED))
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
            step.url,
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
