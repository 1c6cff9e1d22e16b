//! `survey-console survey`: sends a livechat room survey to a Rocket.Chat server.

use std::process::ExitCode;
use std::time::Duration;

use clap::Args;

use super::args::{HeaderArg, parse_header};
use super::output::{Out, clip, print_json, say, warn};
use super::{OrUsage as _, usage};
use crate::livechat::{
    FEEDBACK_NAME, History, HistoryEntry, Server, SurveyItem, precheck, rating_name, submit_survey,
};

const AFTER_HELP: &str = "\
Ratings: satisfaction, agentKnowledge, agentResposiveness (the server's spelling; \
agentResponsiveness is accepted too), agentFriendliness, each 1 to 5. --field sends any item as \
it is: the server drops unknown names and out-of-range values silently (a warning says so).

--json prints {\"success\", \"http_status\", \"rid\", \"accepted\": {name: value}, \
\"dropped\": [{\"name\", \"value\", \"reason\"}], \"error\": null | {\"code\", \"message\", \
\"retry_after_s\"}}.
Error codes: invalid-token (no visitor has that token), invalid-room (the room is not a livechat \
room of that visitor), invalid-data (no valid item), invalid-params (the body's shape, with the \
server's message), rate-limited (HTTP 429, retry_after_s says how long to wait), http-error (any \
other HTTP error), not-json (e.g. a proxy's HTML page), network (no answer: refused, DNS, TLS, \
timeout).
Drop reasons: unknown-name, out-of-range, replaced (a later item of the same name), \
not-accepted (valid but missing from the server's answer).

Exit status: 0 the server answered success, 1 it refused or could not be reached, 2 bad \
arguments (an empty rid or token, a rating outside 1..5, a malformed header or URL).
Each submission is added to the history (token masked) in the data dir, or in the file named by \
SURVEY_CONSOLE_LIVECHAT_HISTORY.";

/// Arguments of `survey`.
#[derive(Debug, Args)]
#[command(after_help = AFTER_HELP)]
pub struct SurveyArgs {
    /// The Rocket.Chat server's base URL, e.g. https://chat.example.com
    #[arg(long, value_name = "URL")]
    pub server: String,
    /// The livechat room's id.
    #[arg(long, value_name = "RID")]
    pub rid: String,
    /// The visitor's token (shown and stored masked).
    #[arg(long, value_name = "TOKEN")]
    pub token: String,
    /// A rating, e.g. satisfaction=5 (repeatable).
    #[arg(long = "rating", value_name = "NAME=1..5", value_parser = parse_rating)]
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
    /// Timeout of the call, in seconds.
    #[arg(long, value_name = "SECONDS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..=600))]
    pub timeout: u64,
    /// Do not add the submission to the history.
    #[arg(long)]
    pub no_history: bool,
    /// Print JSON instead of text.
    #[arg(long)]
    pub json: bool,
}

/// `NAME=1..5` with a rating name (the correct spelling of agentResponsiveness is mapped).
fn parse_rating(text: &str) -> Result<SurveyItem, String> {
    let (name, value) = text
        .split_once('=')
        .ok_or_else(|| format!("'{text}' is not NAME=1..5"))?;
    let name = rating_name(name.trim()).ok_or_else(|| {
        format!(
            "'{}' is not a rating: satisfaction, agentKnowledge, agentResposiveness, \
             agentFriendliness (use --field to send any name)",
            name.trim()
        )
    })?;
    match value.trim().parse::<u8>() {
        Ok(v @ 1..=5) => Ok(SurveyItem::new(name, v.to_string())),
        _ => Err(format!(
            "a rating is 1 to 5, not '{}' (use --field to send any value)",
            value.trim()
        )),
    }
}

/// `NAME=VALUE`, sent as it is.
fn parse_field(text: &str) -> Result<SurveyItem, String> {
    let (name, value) = text
        .split_once('=')
        .ok_or_else(|| format!("'{text}' is not NAME=VALUE"))?;
    Ok(SurveyItem::new(name, value))
}

pub fn run(args: &SurveyArgs) -> anyhow::Result<ExitCode> {
    crate::net::check_url(&args.server)
        .map_err(|err| anyhow::anyhow!("--server: {err}"))
        .or_usage()?;
    let mut items = args.ratings.clone();
    if let Some(feedback) = &args.feedback {
        items.push(SurveyItem::new(FEEDBACK_NAME, feedback.clone()));
    }
    items.extend(args.fields.iter().cloned());

    let check = precheck(&args.rid, &args.token, &items);
    if !check.can_send() {
        let errors: Vec<String> = check.errors.iter().map(ToString::to_string).collect();
        return Err(usage(format!("{} Nothing was sent.", errors.join(" "))));
    }
    let mut out = Out::stdout();
    for warning in &check.warnings {
        if args.json {
            warn(format_args!("warning: {warning}"));
        } else {
            say!(out, "warning: {warning}")?;
        }
    }

    let server = Server {
        url: args.server.clone(),
        headers: args.headers.iter().map(HeaderArg::livechat).collect(),
        timeout: Duration::from_secs(args.timeout.max(1)),
    };
    let outcome = submit_survey(&server, &args.rid, &args.token, &items).or_usage()?;
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
        print_json(&mut out, &outcome.to_json())?;
        out.finish()?;
        return Ok(code);
    }

    let status = outcome
        .http_status
        .map(|s| format!("HTTP {s}"))
        .unwrap_or_else(|| "no answer".to_owned());
    say!(
        out,
        "POST {}: {status}",
        crate::redact::url_passwords(&outcome.url)
    )?;
    say!(
        out,
        "room {}, visitor token {}",
        outcome.rid,
        outcome.token_masked
    )?;
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
    out.finish()?;
    Ok(code)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratings_are_checked() {
        assert_eq!(
            parse_rating("agentResponsiveness=4").unwrap(),
            SurveyItem::new("agentResposiveness", "4")
        );
        assert!(parse_rating("satisfaction=9").is_err());
        assert!(parse_rating("x=3").is_err());
        assert!(parse_rating("satisfaction").is_err());
        assert_eq!(parse_field("nps=").unwrap(), SurveyItem::new("nps", ""));
    }
}
