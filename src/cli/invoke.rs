//! `survey-console invoke`: send a payload to an event's function and check the answer.

use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use clap::Args;

use super::OrUsage as _;
use super::args::TargetArgs;
use super::local_flags::RunFlags;
use super::output::{Out, print_json, say, warn};
use crate::catalog::EventId;
use crate::functions::Endpoint;
use crate::invoke::{
    History, SessionSecrets, default_history_path, envelope_text, invoke_bytes, invoke_text, now_ms,
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
    /// How code runs in-process (`--code`, `--engine`, `--runtime`, `--env`, …).
    #[command(flatten)]
    pub local: RunFlags,
    /// Where to send, and how to print.
    #[command(flatten)]
    pub target: TargetArgs,
    /// Do not add this invocation to the history.
    #[arg(long)]
    pub no_history: bool,
}

pub fn run(args: &InvokeArgs) -> anyhow::Result<ExitCode> {
    let mut target = super::target::resolve(args.event, &args.target, args.local.code.as_deref())?;
    args.local
        .apply(&mut target, args.target.config.as_deref())
        .map_err(super::usage)?;
    let payload = load_file(&args.payload, DEFAULT_SIZE_LIMIT).or_usage()?;
    let inspection = inspect(&payload, Some(args.event));
    let findings = (!inspection.findings.is_empty()).then(|| inspection.summary());
    // Only the envelope's bytes are needed from here on: the rows go before the call.
    drop(inspection);
    let cancel = Arc::new(AtomicBool::new(false));
    RunFlags::prepare_modules(&target, &cancel);
    let mut record = if matches!(target.endpoint, Endpoint::Local(_)) {
        // In-process runs take the envelope as text: no document of the payload is built.
        // The envelope's text on its own, so that the payload's rows go before the engine
        // parses its own copy: the run's peak is then the text and the engine, not the rows too.
        let text = envelope_text(&payload, now_ms()).into_owned();
        drop(payload);
        invoke_text(&target, &text, &SessionSecrets::default(), &cancel)
    } else {
        let body = payload.envelope_bytes(now_ms());
        drop(payload);
        invoke_bytes(&target, body, &SessionSecrets::default(), &cancel)
    };
    record.payload_findings = findings;
    if !args.no_history {
        let mut history = History::open(&default_history_path());
        match history.append(&record) {
            Ok(appended) if appended.skipped > 0 => warn(format_args!(
                "warning: {} line(s) of the history could not be read and were skipped (they go when it is trimmed): {}",
                appended.skipped,
                history.path().display()
            )),
            Ok(_) => {}
            Err(err) => warn(format_args!("warning: {err}")),
        }
    }
    let mut out = Out::stdout();
    if args.target.json {
        print_json(&mut out, &record.to_cli_json())?;
    } else {
        print_human(&mut out, &record)?;
    }
    out.finish()?;
    Ok(super::verdict(record.ok))
}

fn print_human(out: &mut impl Write, record: &crate::invoke::Invocation) -> anyhow::Result<()> {
    say!(out, "{} to {}", record.event.name(), record.endpoint)?;
    match &record.response {
        Some(r) => say!(
            out,
            "status {} in {:.0} ms ({} bytes{})",
            r.status,
            record.timings.total_ms,
            r.size,
            if r.truncated { ", cut" } else { "" }
        )?,
        None => say!(out, "no answer after {:.0} ms", record.timings.total_ms)?,
    }
    if let Some(id) = &record.request_id {
        say!(out, "request id {id} (quote it to LivePerson support)")?;
    }
    if record.attempts.len() > 1 {
        for (i, a) in record.attempts.iter().enumerate() {
            say!(
                out,
                "  attempt {}: {} -> {} ({:.0} ms)",
                i + 1,
                a.reason,
                a.outcome,
                a.time_ms
            )?;
        }
    }
    if let Some(summary) = &record.payload_findings {
        say!(out, "payload findings: {summary}")?;
    }
    for check in &record.checks {
        say!(
            out,
            "  [{}] {}: {}",
            if check.ok { "pass" } else { "FAIL" },
            check.rule,
            check.message
        )?;
    }
    for e in &record.emails {
        say!(
            out,
            "  e-mail to {} from {} <{}>: {}",
            e.target_email,
            e.sender_name,
            e.sender_email,
            e.subject
        )?;
    }
    if let Some(local) = &record.local {
        say!(
            out,
            "ran locally on {} as {}",
            local.engine.name(),
            local.runtime.as_str().to_uppercase()
        )?;
        if let Some(value) = &local.result {
            say!(
                out,
                "result: {}",
                serde_json::to_string(value).unwrap_or_default()
            )?;
        }
        for line in &local.logs {
            say!(out, "  log {}: {}", line.level.as_str(), line.message)?;
        }
    }
    if let Some(error) = &record.error {
        say!(
            out,
            "error ({}, {}): {}",
            error.kind,
            error.code,
            error.message
        )?;
    }
    for note in &record.notes {
        say!(out, "note: {note}")?;
    }
    if let Some(r) = &record.response {
        let text = r.body.pretty();
        if !text.is_empty() {
            say!(out, "\n{text}")?;
        }
    }
    say!(out, "\n{}", if record.ok { "passed" } else { "failed" })
}
