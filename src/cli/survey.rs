//! `survey-console survey`: sends a livechat room survey to a Rocket.Chat server.

use std::io::Write;
use std::process::ExitCode;

use clap::Args;
use serde_json::Value;

use super::args::{HeaderArg, parse_header};
use super::output::{Out, clip, note, print_json, say, warn};
use super::{OrUsage as _, usage};
use crate::livechat::{
    FEEDBACK_NAME, History, HistoryEntry, RateLimits, Route, Server, SurveyItem, SurveyOutcome,
    SurveyRequest, SurveyRules, codes_help, precheck, server_info, submit_survey,
};

/// The help after the options: rules, output, every error code with its meaning, exit codes.
fn after_help() -> String {
    format!(
        "\
Survey rules: before sending, the server is asked for its version (GET /api/info) and its own \
survey items and values (GET livechat/config); a server that publishes none leaves the built-in \
list (ratings satisfaction, agentKnowledge, agentResposiveness - the server's spelling; \
agentResponsiveness is accepted too - and agentFriendliness, each 1 to 5). --builtin-rules skips \
the two calls. A rating or --field item the server will drop is sent anyway with a warning, as \
in the console: the server drops unknown names and out-of-range values silently. An empty --rid \
is sent as it is: the server then uses the visitor's own room.

Rate limits: the server's X-RateLimit-* answers are kept per server and route (in \
livechat-rate-limits.json in the data dir, or the file named by \
SURVEY_CONSOLE_LIVECHAT_RATE_LIMITS); when room.survey has no call left, a warning says so \
before sending, and for how long.

--json prints {{\"success\", \"http_status\", \"rid\", \"accepted\": {{name: value}}, \
\"dropped\": [{{\"name\", \"value\", \"reason\"}}], \"error\": null | {{\"code\", \"message\", \
\"retry_after_s\"}}, \"rules\": \"server\" | \"built-in\", \"server_version\"}}.
Error codes (the server's own words in brackets):
{}
Drop reasons: unknown-name, out-of-range, replaced (a later item of the same name), \
not-accepted (valid but missing from the server's answer).

Exit status: 0 the server answered success, 1 it refused or could not be reached, 2 bad \
arguments (an empty token, a malformed rating, field, header or URL).
Each submission is added to the history (token masked) in the data dir, or in the file named by \
SURVEY_CONSOLE_LIVECHAT_HISTORY.",
        codes_help()
    )
}

/// Arguments of `survey`.
#[derive(Debug, Args)]
#[command(after_help = after_help())]
pub struct SurveyArgs {
    /// The Rocket.Chat server's base URL, e.g. https://chat.example.com
    #[arg(long, value_name = "URL")]
    pub server: String,
    /// The livechat room's id; empty lets the server use the visitor's own room.
    #[arg(long, value_name = "RID")]
    pub rid: String,
    /// The visitor's token (shown and stored masked).
    #[arg(long, value_name = "TOKEN")]
    pub token: String,
    /// A rating, e.g. satisfaction=5 (repeatable).
    #[arg(long = "rating", value_name = "NAME=VALUE", value_parser = parse_rating)]
    pub ratings: Vec<SurveyItem>,
    /// The additional feedback text.
    #[arg(long, value_name = "TEXT")]
    pub feedback: Option<String>,
    /// Any item sent as it is, e.g. nps=9 (repeatable).
    #[arg(long = "field", value_name = "NAME=VALUE", value_parser = parse_field)]
    pub fields: Vec<SurveyItem>,
    /// An extra request header, e.g. 'X-Proxy-Key: abc' (repeatable).
    #[arg(long = "header", value_name = "'K: V'", value_parser = parse_header)]
    pub headers: Vec<HeaderArg>,
    /// Time limit of the whole command, in seconds: the server check and the survey share it.
    #[arg(long, value_name = "SECONDS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=600))]
    pub timeout: u64,
    /// Check the items against the built-in rules; do not ask the server for its own.
    #[arg(long)]
    pub builtin_rules: bool,
    /// Do not add the submission to the history.
    #[arg(long)]
    pub no_history: bool,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// The `--server` argument with its headers: a bad URL is a usage error. `--timeout` is the
/// whole command's: its calls share it, from now.
pub(super) fn server(url: &str, headers: &[HeaderArg], timeout_s: u64) -> anyhow::Result<Server> {
    let headers = headers.iter().map(HeaderArg::livechat).collect();
    let mut server = Server::checked(url, headers, timeout_s)
        .map_err(|err| anyhow::anyhow!("--server: {err}"))
        .or_usage()?;
    server.deadline = std::time::Instant::now().checked_add(server.timeout);
    Ok(server)
}

/// `NAME=VALUE` for a rating. Whether the server keeps it is its rules' matter, said before
/// sending; only the shape is checked here.
fn parse_rating(text: &str) -> Result<SurveyItem, String> {
    let (name, value) = text
        .split_once('=')
        .ok_or_else(|| format!("'{text}' is not NAME=VALUE, e.g. satisfaction=5"))?;
    if name.trim().is_empty() {
        return Err(format!("'{text}' has no rating name"));
    }
    Ok(SurveyItem::new(name.trim(), value.trim()))
}

/// `NAME=VALUE`, sent as it is.
fn parse_field(text: &str) -> Result<SurveyItem, String> {
    let (name, value) = text
        .split_once('=')
        .ok_or_else(|| format!("'{text}' is not NAME=VALUE"))?;
    Ok(SurveyItem::new(name, value))
}

pub fn run(args: &SurveyArgs) -> anyhow::Result<ExitCode> {
    let server = server(&args.server, &args.headers, args.timeout)?;
    let mut out = Out::stdout();
    let note = |out: &mut Out, line: &str| note(out, args.json, line);
    let limits = RateLimits::open_default();
    let (rules, version) = if args.builtin_rules {
        (SurveyRules::builtin(), None)
    } else {
        let info = server_info(&server, &limits);
        note(&mut out, &format!("server: {}", info.version_text()))?;
        for line in info.notes() {
            note(&mut out, &format!("note: {line}"))?;
        }
        (info.rules(), info.version.ok())
    };
    let mut items: Vec<SurveyItem> = args
        .ratings
        .iter()
        .map(|r| SurveyItem::new(rules.canonical_name(&r.name), r.value.clone()))
        .collect();
    if let Some(feedback) = &args.feedback {
        items.push(SurveyItem::new(FEEDBACK_NAME, feedback.clone()));
    }
    items.extend(args.fields.iter().cloned());

    let check = precheck(&args.rid, &args.token, &items, &rules);
    if !check.can_send() {
        out.finish()?;
        let errors: Vec<String> = check.errors.iter().map(ToString::to_string).collect();
        return Err(usage(format!("{} Nothing was sent.", errors.join(" "))));
    }
    for line in &check.notes {
        note(&mut out, &format!("note: {line}"))?;
    }
    for warning in &check.warnings {
        note(&mut out, &format!("warning: {warning}"))?;
    }
    for refusal in limits.refusals(&server.url, &[Route::RoomSurvey]) {
        note(&mut out, &format!("warning: {refusal}."))?;
    }

    let request = SurveyRequest {
        rid: args.rid.clone(),
        token: args.token.clone(),
        items,
        rules,
    };
    let outcome = submit_survey(&server, &limits, &request).or_usage()?;
    if !args.no_history {
        let history = History::open_default();
        match history.append(&HistoryEntry::from_outcome(&args.server, &outcome)) {
            Ok(appended) if appended.skipped > 0 => warn(format_args!(
                "warning: {} line(s) of the livechat history could not be read and were skipped: {}",
                appended.skipped,
                history.path.display()
            )),
            Ok(_) => {}
            Err(err) => warn(format_args!("warning: {err}")),
        }
    }
    let code = super::verdict(outcome.success());
    if args.json {
        let mut json = outcome.to_json();
        if let Value::Object(map) = &mut json {
            map.insert("server_version".to_owned(), version.into());
        }
        print_json(&mut out, &json)?;
    } else {
        print_outcome(&mut out, &outcome)?;
    }
    out.finish()?;
    Ok(code)
}

/// The outcome as text: the call, what the server kept, what it dropped or would have.
fn print_outcome(out: &mut impl Write, outcome: &SurveyOutcome) -> anyhow::Result<()> {
    let status = outcome
        .http_status
        .map(|s| format!("HTTP {s}"))
        .unwrap_or_else(|| "no answer".to_owned());
    say!(out, "POST {}: {status}", outcome.url)?;
    let room = if outcome.rid.is_empty() {
        "the visitor's own room (empty rid)"
    } else {
        outcome.rid.as_str()
    };
    say!(out, "room {room}, visitor token {}", outcome.token_masked)?;
    match &outcome.error {
        None => {
            say!(out, "The server stored the survey.")?;
            say!(out, "accepted:")?;
            for item in &outcome.accepted {
                say!(out, "  {:<20}  {}", item.name, clip(&item.value, 100))?;
            }
        }
        Some(err) => {
            warn(format_args!(
                "survey-console survey: {} ({err})",
                err.code.as_str()
            ));
            if !outcome.answer.is_empty() {
                say!(out, "the server's answer:")?;
                for line in clip(&outcome.answer, 2000).lines() {
                    say!(out, "  {line}")?;
                }
            }
        }
    }
    if !outcome.dropped.is_empty() {
        say!(
            out,
            "{}",
            if outcome.success() {
                "dropped by the server:"
            } else {
                "would be dropped by the server:"
            }
        )?;
        for d in &outcome.dropped {
            say!(
                out,
                "  {} = \"{}\": {}",
                d.name,
                clip(&d.value, 60),
                d.reason.describe()
            )?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratings_are_checked_for_their_shape_only() {
        assert_eq!(
            parse_rating(" satisfaction = 9").unwrap(),
            SurveyItem::new("satisfaction", "9")
        );
        assert!(parse_rating("=3").is_err());
        assert!(parse_rating("satisfaction").is_err());
        assert_eq!(parse_field("nps=").unwrap(), SurveyItem::new("nps", ""));
        assert!(after_help().contains("error-not-allowed-to-close-conversation"));
    }
}
