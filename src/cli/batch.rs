//! `survey-console batch`: send many payloads to an event's function, judge every answer, print
//! the results (or `--json`), optionally write JUnit XML for CI.

use std::io::{IsTerminal as _, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use clap::Args;

use super::OrUsage as _;
use super::args::TargetArgs;
use super::output::{Out, clip, print_table, say};
use crate::batch::{
    self, Batch, BatchSettings, KEEP_FOR_SUMMARY, MAX_CONCURRENCY, PayloadSource, Progress,
    ProgressSnapshot, RunEnd, StreamSummary, StreamingReport,
};
use crate::catalog::EventId;
use crate::invoke::SessionSecrets;

/// Arguments of `batch`.
#[derive(Debug, Args)]
pub struct BatchArgs {
    /// The event whose function is invoked.
    #[arg(long, value_name = "ID")]
    pub event: EventId,
    /// Payload files, or folders of them (every *.json that is not *.expect.json). A payload's
    /// NAME.expect.json beside it says what the answer should be.
    #[arg(long, value_name = "DIR|FILE", num_args = 1.., required_unless_present = "samples")]
    pub payloads: Vec<PathBuf>,
    /// Send the event's bundled samples (with their bundled expectations).
    #[arg(long, conflicts_with = "payloads")]
    pub samples: bool,
    /// How code runs in-process (`--code`, `--engine`, `--runtime`, `--env`, …).
    #[command(flatten)]
    pub local: super::local_flags::RunFlags,
    /// How many times each payload is sent.
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..))]
    pub iterations: u32,
    /// Requests in flight at once (1 to 64).
    #[arg(long, value_name = "N", default_value_t = 1, value_parser = parse_concurrency)]
    pub concurrency: usize,
    /// Pause of each worker between two of its requests, in milliseconds.
    #[arg(long, value_name = "MS", default_value_t = 0)]
    pub delay_ms: u64,
    /// Stop at the first failure.
    #[arg(long)]
    pub fail_fast: bool,
    /// Write JUnit XML to this file (one testcase per file per iteration).
    #[arg(long, value_name = "FILE")]
    pub junit: Option<PathBuf>,
    /// Where to send, and how to print.
    #[command(flatten)]
    pub target: TargetArgs,
}

/// `--concurrency`: 1 to [`MAX_CONCURRENCY`].
fn parse_concurrency(text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(n) if (1..=MAX_CONCURRENCY).contains(&n) => Ok(n),
        _ => Err(format!(
            "--concurrency must be 1 to {MAX_CONCURRENCY}, not {}",
            text.trim()
        )),
    }
}

/// Runs the subcommand; returns the exit code.
pub fn run(args: &BatchArgs) -> anyhow::Result<ExitCode> {
    let batch = prepare(args)?;
    let json = args.target.json;
    let cancel = Arc::new(AtomicBool::new(false));
    super::local_flags::RunFlags::prepare_modules(&batch.target, &cancel);
    let progress = Arc::new(Progress::default());
    let show_bar = std::io::stderr().is_terminal();
    // Results are written as they arrive: a batch of any length holds only their latencies.
    let stdout =
        json.then(|| std::io::BufWriter::with_capacity(64 * 1024, std::io::stdout().lock()));
    let target = batch.target.endpoint.describe();
    let mut report = StreamingReport::start(
        batch.event,
        target.clone(),
        batch.planned(),
        stdout,
        args.junit.as_deref(),
    )
    .or_usage()?;
    let mut last_bar = Instant::now();
    let end = batch::run(
        &batch,
        &SessionSecrets::default(),
        &cancel,
        &progress,
        |result| {
            report.add(result);
            if show_bar && last_bar.elapsed() >= Duration::from_millis(100) {
                last_bar = Instant::now();
                draw_bar(&progress.snapshot());
            }
        },
    );
    if show_bar {
        draw_bar(&progress.snapshot());
        let _ = writeln!(std::io::stderr());
    }
    let summary = report.finish(&end)?;
    if !json {
        let mut out = Out::stdout();
        print_human(&mut out, batch.event, &target, &summary, &end)?;
        out.finish()?;
    }
    let all_passed = summary.failed() == 0
        && !end.cancelled
        && summary.total > 0
        && summary.total == end.planned;
    Ok(super::verdict(all_passed))
}

fn prepare(args: &BatchArgs) -> anyhow::Result<Batch> {
    let mut target = super::target::resolve(args.event, &args.target, args.local.code.as_deref())?;
    args.local
        .apply(&mut target, args.target.config.as_deref())
        .map_err(super::usage)?;
    let source = if args.samples {
        PayloadSource::Samples
    } else {
        PayloadSource::Paths(args.payloads.clone())
    };
    let items = batch::collect(&source, args.event).or_usage()?;
    let settings = BatchSettings {
        iterations: args.iterations,
        concurrency: args.concurrency,
        delay: Duration::from_millis(args.delay_ms),
        fail_fast: args.fail_fast,
    };
    settings.check().or_usage()?;
    Ok(Batch {
        event: args.event,
        target,
        items: Arc::new(items),
        settings,
    })
}

fn draw_bar(p: &ProgressSnapshot) {
    const WIDTH: usize = 30;
    let filled = (p.done * WIDTH)
        .checked_div(p.total)
        .unwrap_or(0)
        .min(WIDTH);
    let mut err = std::io::stderr().lock();
    let _ = write!(
        err,
        "\r[{}{}] {}/{} · {} failed · {} remaining · {:.0} req/s   ",
        "#".repeat(filled),
        ".".repeat(WIDTH - filled),
        p.done,
        p.total,
        p.failed,
        p.remaining,
        p.requests_per_s
    );
    let _ = err.flush();
}

fn print_human(
    out: &mut impl Write,
    event: EventId,
    target: &str,
    summary: &StreamSummary,
    end: &RunEnd,
) -> anyhow::Result<()> {
    let list_all = summary.total <= KEEP_FOR_SUMMARY;
    let rows: Vec<Vec<String>> = summary
        .shown
        .iter()
        .filter(|r| list_all || !r.ok)
        .map(|r| {
            vec![
                r.origin.to_string(),
                r.iteration.to_string(),
                if r.ok { "pass" } else { "FAIL" }.to_owned(),
                r.status.map_or_else(|| "-".to_owned(), |s| s.to_string()),
                format!("{:.1}", r.time_ms),
                clip(&r.failures.join("; "), 160),
            ]
        })
        .collect();
    if !rows.is_empty() {
        print_table(
            out,
            &["file", "iter", "result", "status", "ms", "what differs"],
            &rows,
        )?;
        if summary.failures_not_shown > 0 {
            say!(
                out,
                "… and {} more failures (see --json or --junit)",
                summary.failures_not_shown
            )?;
        }
        say!(out)?;
    }
    let l = &summary.latency;
    say!(
        out,
        "{} to {}: {} passed, {} failed of {} ({} planned){}",
        event.name(),
        target,
        summary.passed,
        summary.failed(),
        summary.total,
        end.planned,
        if end.cancelled {
            " · cancelled"
        } else if end.stopped_at_failure {
            " · stopped at the first failure"
        } else {
            ""
        }
    )?;
    say!(
        out,
        "{:.1} s · {:.0} req/s · latency ms p50 {:.1} · p95 {:.1} · p99 {:.1} · max {:.1}",
        end.elapsed.as_secs_f64(),
        summary.requests_per_s,
        l.p50,
        l.p95,
        l.p99,
        l.max
    )
}
