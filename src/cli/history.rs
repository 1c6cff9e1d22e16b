//! `survey-console history`: the last invocations (or livechat surveys) as the console keeps
//! them, and how many lines of the file could not be read.

use std::path::PathBuf;
use std::process::ExitCode;

use clap::Args;
use serde_json::json;

use super::OrUsage as _;
use super::output::{Out, clip, print_json, print_table, say, warn};
use crate::invoke::{History, default_history_path};
use crate::livechat::history::format_utc;

/// Arguments of `history`.
#[derive(Debug, Args)]
pub struct HistoryArgs {
    /// The livechat survey history instead of the invocation history.
    #[arg(long)]
    pub livechat: bool,
    /// How many of the last entries to show.
    #[arg(long, value_name = "N", default_value_t = 20, value_parser = clap::value_parser!(u64).range(1..=1000))]
    pub last: u64,
    /// The history file (default: the one the console keeps in the data dir).
    #[arg(long, value_name = "FILE")]
    pub file: Option<PathBuf>,
    /// Print JSON: {"path", "skipped", "entries": [...]}.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: &HistoryArgs) -> anyhow::Result<ExitCode> {
    let last = usize::try_from(args.last).unwrap_or(usize::MAX);
    let mut out = Out::stdout();
    let (path, skipped) = if args.livechat {
        let history = crate::livechat::History::at(
            args.file
                .clone()
                .unwrap_or_else(crate::livechat::History::default_path),
        );
        let read = history.read().or_usage()?;
        let entries = &read.entries[read.entries.len().saturating_sub(last)..];
        if args.json {
            print_json(
                &mut out,
                &json!({"path": history.path, "skipped": read.skipped, "entries": entries}),
            )?;
        } else {
            let rows: Vec<Vec<String>> = entries
                .iter()
                .map(|e| {
                    vec![
                        e.when(),
                        clip(&e.server, 40),
                        e.rid.clone(),
                        if e.success { "stored" } else { "refused" }.to_owned(),
                        e.http_status
                            .map_or_else(|| "-".to_owned(), |s| s.to_string()),
                        e.error_code
                            .map_or_else(String::new, |c| c.as_str().to_owned()),
                    ]
                })
                .collect();
            print_table(
                &mut out,
                &["WHEN", "SERVER", "ROOM", "RESULT", "STATUS", "ERROR"],
                &rows,
            )?;
        }
        (history.path.clone(), read.skipped)
    } else {
        let history = History::open(&args.file.clone().unwrap_or_else(default_history_path));
        let read = history.read().or_usage()?;
        let entries = &read.entries[read.entries.len().saturating_sub(last)..];
        if args.json {
            print_json(
                &mut out,
                &json!({"path": history.path(), "skipped": read.skipped, "entries": entries}),
            )?;
        } else {
            let rows: Vec<Vec<String>> = entries
                .iter()
                .map(|e| {
                    vec![
                        format_utc(e.at_ms / 1000),
                        e.event.id().to_owned(),
                        e.endpoint_kind.to_string(),
                        clip(&e.endpoint, 50),
                        e.headline(),
                    ]
                })
                .collect();
            print_table(
                &mut out,
                &["WHEN", "EVENT", "ENDPOINT", "TARGET", "RESULT"],
                &rows,
            )?;
        }
        (history.path().to_path_buf(), read.skipped)
    };
    if !args.json && skipped == 0 {
        say!(out, "({})", path.display())?;
    }
    out.finish()?;
    if skipped > 0 {
        warn(format_args!(
            "warning: {skipped} line(s) could not be read and were skipped (they go when the history is next trimmed): {}",
            path.display()
        ));
    }
    Ok(ExitCode::SUCCESS)
}
