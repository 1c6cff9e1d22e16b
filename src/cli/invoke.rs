//! `survey-console invoke`: send a payload to an event's function and check the answer.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use clap::Args;

use super::local_flags::RunFlags;
use super::output::print_json;
use super::{EXIT_FAILED, EXIT_OK, EXIT_USAGE};
use crate::catalog::EventId;
use crate::invoke::{
    History, SessionSecrets, Target, default_history_path, envelope, envelope_text, invoke,
    invoke_text, now_ms,
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
    #[arg(long)]
    pub url: Option<String>,
    #[command(flatten)]
    pub local: RunFlags,
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
    let mut target = super::target::resolve(
        args.event,
        args.url.as_deref(),
        args.local.code.as_deref(),
        args.config.as_deref(),
        &args.header,
        args.timeout_ms,
    )?;
    args.local.apply(&mut target, args.config.as_deref())?;
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
    let cancel = Arc::new(AtomicBool::new(false));
    RunFlags::prepare_modules(target, &cancel);
    let mut record = if matches!(target.endpoint, crate::functions::Endpoint::Local(_)) {
        // In-process runs take the envelope as text: no document of the payload is built.
        let text = envelope_text(&payload, now_ms());
        invoke_text(target, &text, &SessionSecrets::default(), &cancel)
    } else {
        let body = envelope(&payload, now_ms());
        invoke(target, &body, &SessionSecrets::default(), &cancel)
    };
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
    if let Some(id) = &record.request_id {
        println!("request id {id} (quote it to LivePerson support)");
    }
    if record.attempts.len() > 1 {
        for (i, a) in record.attempts.iter().enumerate() {
            println!(
                "  attempt {}: {} -> {} ({:.0} ms)",
                i + 1,
                a.reason,
                a.outcome,
                a.time_ms
            );
        }
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
    if let Some(local) = &record.local {
        println!(
            "ran locally on {} as {}",
            local.engine.name(),
            local.runtime.as_str().to_uppercase()
        );
        if let Some(value) = &local.result {
            println!(
                "result: {}",
                serde_json::to_string(value).unwrap_or_default()
            );
        }
        for line in &local.logs {
            println!("  log {}: {}", line.level.as_str(), line.message);
        }
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
