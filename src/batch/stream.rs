//! A batch report written while the batch runs, for runs of any length: the JSON's results and
//! the JUnit testcases go out as each result arrives (nothing per result is held but its
//! latency), and the totals close the report. The CLI uses it; a million requests with
//! `--json` stay within a few tens of megabytes.
//!
//! The JSON has the keys of [`super::BatchReport::to_json`], with `results` in the order the
//! requests finished and the totals after them. The JUnit file is written to a temp file
//! beside its path and renamed into place at the end, so a reader never sees half of it.

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use serde_json::json;

use super::BatchError;
use super::report::xml_escape;
use super::run::{BatchResult, RunEnd};
use super::stats::{LatencyStats, requests_per_s};
use crate::catalog::EventId;
use crate::files::{FileError, write_atomic_with};

/// Results kept for a summary table: the first ones, and the first failures.
pub const KEEP_FOR_SUMMARY: usize = 200;

/// The totals of a streamed report, and a few results to show.
#[derive(Debug, Default)]
pub struct StreamSummary {
    /// Results received.
    pub total: usize,
    /// Results that passed.
    pub passed: usize,
    /// Latency statistics of the requests sent.
    pub latency: LatencyStats,
    /// Finished requests per second.
    pub requests_per_s: f64,
    /// The first [`KEEP_FOR_SUMMARY`] results, and failures up to as many again.
    pub shown: Vec<BatchResult>,
    /// Failed results not in `shown`.
    pub failures_not_shown: usize,
}

impl StreamSummary {
    /// Results that failed.
    pub fn failed(&self) -> usize {
        self.total - self.passed
    }
}

/// A report being written.
pub struct StreamingReport<W: Write> {
    event: EventId,
    target: String,
    json: Option<W>,
    junit: Option<(PathBuf, PathBuf, BufWriter<File>)>,
    times: Vec<f64>,
    summary: StreamSummary,
    failures_shown: usize,
    error: Option<std::io::Error>,
}

fn io_error(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> BatchError {
    let path = path.to_path_buf();
    move |source| {
        BatchError::Write(FileError::Io {
            action,
            source,
            path,
        })
    }
}

impl<W: Write> StreamingReport<W> {
    /// Starts a report: the JSON goes to `json` (e.g. stdout), the JUnit XML to `junit`.
    pub fn start(
        event: EventId,
        target: String,
        planned: usize,
        mut json: Option<W>,
        junit: Option<&Path>,
    ) -> Result<StreamingReport<W>, BatchError> {
        if let Some(out) = json.as_mut() {
            let head = json!({"event": event.id(), "target": target, "planned": planned});
            let head = head.to_string();
            // `{"event":…,"target":…,"planned":N` then the results.
            let open = head.strip_suffix('}').unwrap_or(&head);
            write!(out, "{open},\"results\":[")
                .map_err(io_error("writing the report", Path::new("stdout")))?;
        }
        let junit = match junit {
            Some(path) => {
                let dir = path
                    .parent()
                    .filter(|d| !d.as_os_str().is_empty())
                    .unwrap_or(Path::new("."));
                let name = path
                    .file_name()
                    .map_or_else(|| "junit.xml".into(), |n| n.to_string_lossy().into_owned());
                let cases = dir.join(format!(".{name}.{}.cases", std::process::id()));
                let file = File::create(&cases).map_err(io_error("writing the report", &cases))?;
                Some((path.to_path_buf(), cases, BufWriter::new(file)))
            }
            None => None,
        };
        Ok(StreamingReport {
            event,
            target,
            json,
            junit,
            times: Vec::new(),
            summary: StreamSummary::default(),
            failures_shown: 0,
            error: None,
        })
    }

    /// Adds one result (the first write error is kept and reported by [`Self::finish`]).
    pub fn add(&mut self, mut result: BatchResult) {
        if result.sent {
            self.times.push(result.time_ms);
        }
        let first = self.summary.total == 0;
        self.summary.total += 1;
        self.summary.passed += usize::from(result.ok);
        if let Some(out) = self.json.as_mut() {
            let line = json!({
                "file": &*result.origin,
                "iteration": result.iteration,
                "ok": result.ok,
                "status": result.status,
                "time_ms": (result.time_ms * 1e3).round() / 1e3,
                "failures": result.failures,
            });
            let sep = if first { "\n" } else { ",\n" };
            if let Err(e) = write!(out, "{sep}{line}") {
                self.error.get_or_insert(e);
            }
        }
        if let Some((_, _, cases)) = self.junit.as_mut()
            && let Err(e) = write_case(cases, self.event, &result)
        {
            self.error.get_or_insert(e);
        }
        result.record = None;
        if self.summary.shown.len() < KEEP_FOR_SUMMARY {
            self.summary.shown.push(result);
        } else if !result.ok {
            if self.failures_shown < KEEP_FOR_SUMMARY {
                self.failures_shown += 1;
                self.summary.shown.push(result);
            } else {
                self.summary.failures_not_shown += 1;
            }
        }
    }

    /// Writes the totals and closes the report.
    pub fn finish(mut self, end: &RunEnd) -> Result<StreamSummary, BatchError> {
        self.summary.latency = LatencyStats::of(&self.times);
        self.summary.requests_per_s = requests_per_s(self.summary.total, end.elapsed);
        self.summary.shown.sort_by_key(|r| (r.item, r.iteration));
        if let Some(error) = self.error.take() {
            return Err(io_error("writing the report", Path::new("the report"))(
                error,
            ));
        }
        let round3 = |x: f64| (x * 1e3).round() / 1e3;
        let s = &self.summary;
        if let Some(out) = self.json.as_mut() {
            let l = &s.latency;
            let tail = json!({
                "total": s.total,
                "passed": s.passed,
                "failed": s.failed(),
                "cancelled": end.cancelled,
                "stopped_at_failure": end.stopped_at_failure,
                "elapsed_s": round3(end.elapsed.as_secs_f64()),
                "requests_per_s": round3(s.requests_per_s),
                "latency_ms": {"p50": round3(l.p50), "p95": round3(l.p95), "p99": round3(l.p99),
                               "max": round3(l.max), "mean": round3(l.mean)},
            })
            .to_string();
            let tail = tail.strip_prefix('{').unwrap_or(&tail);
            writeln!(out, "\n],{tail}")
                .and_then(|()| out.flush())
                .map_err(io_error("writing the report", Path::new("stdout")))?;
        }
        if let Some((path, cases, writer)) = self.junit.take() {
            let result = finish_junit(&path, &cases, writer, self.event, &self.target, s, end);
            let _ = std::fs::remove_file(&cases);
            result?;
        }
        Ok(self.summary)
    }
}

fn write_case(out: &mut impl Write, event: EventId, r: &BatchResult) -> std::io::Result<()> {
    write!(
        out,
        "    <testcase classname=\"{}\" name=\"{}\" time=\"{:.3}\"",
        xml_escape(&format!("{}.{}", event.id(), r.file)),
        xml_escape(&format!("{} #{}", r.origin, r.iteration)),
        r.time_ms / 1e3
    )?;
    if r.ok {
        return out.write_all(b"/>\n");
    }
    let first = r.failures.first().map_or("failed", String::as_str);
    writeln!(
        out,
        ">\n      <failure message=\"{}\" type=\"{}\">{}</failure>\n    </testcase>",
        xml_escape(first),
        if r.sent { "expectation" } else { "payload" },
        xml_escape(&r.failures.join("\n"))
    )
}

fn finish_junit(
    path: &Path,
    cases: &Path,
    writer: BufWriter<File>,
    event: EventId,
    target: &str,
    s: &StreamSummary,
    end: &RunEnd,
) -> Result<(), BatchError> {
    writer
        .into_inner()
        .map_err(|e| e.into_error())
        .and_then(|f| f.sync_all())
        .map_err(io_error("writing the report", cases))?;
    let secs = end.elapsed.as_secs_f64();
    let suite = xml_escape(&format!("survey-console batch: {}", event.id()));
    let write = |out: &mut dyn Write| -> std::io::Result<()> {
        writeln!(out, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>")?;
        writeln!(
            out,
            "<testsuites name=\"{suite}\" tests=\"{}\" failures=\"{}\" errors=\"0\" time=\"{secs:.3}\">",
            s.total,
            s.failed()
        )?;
        writeln!(
            out,
            "  <testsuite name=\"{suite}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"0\" time=\"{secs:.3}\">",
            s.total,
            s.failed()
        )?;
        writeln!(out, "    <properties>")?;
        writeln!(
            out,
            "      <property name=\"target\" value=\"{}\"/>",
            xml_escape(target)
        )?;
        writeln!(
            out,
            "      <property name=\"cancelled\" value=\"{}\"/>",
            end.cancelled
        )?;
        writeln!(out, "    </properties>")?;
        std::io::copy(&mut File::open(cases)?, out)?;
        writeln!(out, "  </testsuite>\n</testsuites>")
    };
    // Atomic, as every file the console writes: a reader never sees half of it.
    write_atomic_with(path, false, write).map_err(BatchError::Write)
}
