//! `survey-console invoke`: send a payload to an event's function and check the answer.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use clap::Args;

use super::output::print_json;
use super::{EXIT_FAILED, EXIT_OK, EXIT_USAGE};
use crate::catalog::EventId;
use crate::functions::{FunctionStore, default_path};
use crate::invoke::{
    History, SessionSecrets, Target, default_history_path, envelope, invoke, now_ms,
};
use crate::payload::{DEFAULT_SIZE_LIMIT, inspect, load_file};

/// Arguments of `invoke`.
#[derive(Debug, Args)]
pub struct InvokeArgs {
    /// The event whose function is invoked.
    #[arg(long, value_name = "ID")]
    pub event: EventId,
    /// The payload file (an envelope, or a bare payload that is wrapped in one).
    #[arg(long, value_name = "FILE")]
    pub payload: PathBuf,
    /// POST to this URL instead of the configured function.
    #[arg(long, conflicts_with = "code")]
    pub url: Option<String>,
    /// Run this JavaScript file in-process (with the platform's limits) instead of the
    /// configured function.
    #[arg(long, value_name = "FILE.js")]
    pub code: Option<PathBuf>,
    /// An extra request header, 'K: V' (repeatable).
    #[arg(long, value_name = "'K: V'")]
    pub header: Vec<String>,
    /// Timeout in milliseconds (default: the function's, or 30000).
    #[arg(long, value_name = "MS")]
    pub timeout_ms: Option<u64>,
    /// The functions file (default: functions.json in the config dir).
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Do not add this invocation to the history.
    #[arg(long)]
    pub no_history: bool,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

pub fn run(args: &InvokeArgs) -> u8 {
    match target(args) {
        Ok(target) => execute(args, &target),
        Err(message) => {
            eprintln!("survey-console invoke: {message}");
            EXIT_USAGE
        }
    }
}

fn target(args: &InvokeArgs) -> Result<Target, String> {
    let mut headers = Vec::new();
    for header in &args.header {
        let Some((k, v)) = header.split_once(':') else {
            return Err(format!("--header takes 'Name: value', not '{header}'"));
        };
        headers.push((k.trim().to_owned(), v.trim().to_owned()));
    }
    if args.timeout_ms == Some(0) {
        return Err("--timeout-ms must be at least 1".to_owned());
    }
    let mut target = match (&args.url, &args.code) {
        (Some(url), _) => {
            crate::net::check_url(url).map_err(|e| e.to_string())?;
            Target::url(args.event, url, Duration::from_millis(30_000))
        }
        (None, Some(file)) => {
            let code = std::fs::read_to_string(file)
                .map_err(|e| format!("cannot read the code ({e}): {}", file.display()))?;
            Target::local(args.event, &file.display().to_string(), code)
        }
        (None, None) => {
            let path = args.config.clone().unwrap_or_else(default_path);
            let store = FunctionStore::load(&path).map_err(|e| e.to_string())?;
            let Some(config) = store.get(args.event) else {
                return Err(format!(
                    "{} has no function in {}: create one (survey-console functions create {}) or pass --url",
                    args.event.name(),
                    path.display(),
                    args.event.id()
                ));
            };
            Target::from_config(args.event, config)
        }
    };
    target.headers.extend(headers);
    if let Some(ms) = args.timeout_ms {
        target.timeout = Duration::from_millis(ms);
    }
    Ok(target)
}

fn execute(args: &InvokeArgs, target: &Target) -> u8 {
    let payload = match load_file(&args.payload, DEFAULT_SIZE_LIMIT) {
        Ok(p) => p,
        Err(err) => {
            eprintln!("survey-console invoke: {err}");
            return EXIT_USAGE;
        }
    };
    let findings = inspect(&payload, Some(args.event));
    let body = envelope(&payload, now_ms());
    let cancel = Arc::new(AtomicBool::new(false));
    let mut record = invoke(target, &body, &SessionSecrets::default(), &cancel);
    if !findings.findings.is_empty() {
        record.payload_findings = Some(findings.summary());
    }
    if !args.no_history {
        let mut history = History::open(&default_history_path());
        if let Err(err) = history.append(&record) {
            eprintln!("survey-console invoke: {err}");
        }
    }
    if args.json {
        print_json(&record.to_cli_json());
    } else {
        print_human(&record);
    }
    if record.ok { EXIT_OK } else { EXIT_FAILED }
}

fn print_human(record: &crate::invoke::Invocation) {
    println!("{} to {}", record.event.name(), record.endpoint);
    match (&record.response, &record.error) {
        (Some(r), _) => println!(
            "status {} in {:.0} ms ({} bytes{})",
            r.status,
            record.timings.total_ms,
            r.size,
            if r.truncated { ", cut" } else { "" }
        ),
        (None, _) => println!("no answer after {:.0} ms", record.timings.total_ms),
    }
    if let Some(summary) = &record.payload_findings {
        println!("payload findings: {summary}");
    }
    for check in &record.checks {
        println!(
            "  [{}] {}: {}",
            if check.ok { "pass" } else { "FAIL" },
            check.rule,
            check.message
        );
    }
    for e in &record.emails {
        println!(
            "  e-mail to {} from {} <{}>: {}",
            e.target_email, e.sender_name, e.sender_email, e.subject
        );
    }
    if let Some(error) = &record.error {
        println!("error ({}, {}): {}", error.kind, error.code, error.message);
    }
    for note in &record.notes {
        println!("note: {note}");
    }
    if let Some(r) = &record.response {
        let text = r.body.pretty();
        if !text.is_empty() {
            println!("\n{text}");
        }
    }
    println!("\n{}", if record.ok { "passed" } else { "failed" });
}
