//! A finished batch as a report: counts, latency statistics, every result; as JSON (the CLI's
//! `--json` and the console's export) and as JUnit XML for CI.

use std::fmt::Write as _;
use std::path::Path;

use serde_json::{Value, json};

use super::BatchError;
use super::run::{BatchResult, RunEnd};
use super::stats::{LatencyStats, requests_per_s};
use crate::catalog::EventId;
use crate::files::write_atomic;

/// A batch's results and what they add up to.
#[derive(Clone, Debug)]
pub struct BatchReport {
    /// The event.
    pub event: EventId,
    /// Where the requests went (function name and endpoint, or the URL), without secrets.
    pub target: String,
    /// Results, by file then iteration.
    pub results: Vec<BatchResult>,
    /// Results that passed.
    pub passed: usize,
    /// Results that failed.
    pub failed: usize,
    /// How the run ended.
    pub end: RunEnd,
    /// Latencies of the requests sent.
    pub latency: LatencyStats,
    /// Finished requests per second.
    pub requests_per_s: f64,
}

impl BatchReport {
    /// Builds the report from the results (any order).
    pub fn new(
        event: EventId,
        target: String,
        mut results: Vec<BatchResult>,
        end: RunEnd,
    ) -> BatchReport {
        results.sort_by_key(|r| (r.item, r.iteration));
        let passed = results.iter().filter(|r| r.ok).count();
        let times: Vec<f64> = results
            .iter()
            .filter(|r| r.sent)
            .map(|r| r.time_ms)
            .collect();
        BatchReport {
            event,
            target,
            passed,
            failed: results.len() - passed,
            latency: LatencyStats::of(&times),
            requests_per_s: requests_per_s(results.len(), end.elapsed),
            results,
            end,
        }
    }

    /// True when every planned request ran and passed.
    pub fn all_passed(&self) -> bool {
        self.failed == 0
            && !self.end.cancelled
            && !self.results.is_empty()
            && self.results.len() == self.end.planned
    }

    /// The JSON form: `{"total","passed","failed","requests_per_s","latency_ms":{"p50","p95",
    /// "p99","max"},"results":[{"file","iteration","ok","status","time_ms","failures"}]}` and a
    /// few more keys (event, target, planned, cancelled, stopped_at_failure, elapsed_s).
    pub fn to_json(&self) -> Value {
        let results: Vec<Value> = self
            .results
            .iter()
            .map(|r| {
                json!({
                    "file": &*r.origin,
                    "iteration": r.iteration,
                    "ok": r.ok,
                    "status": r.status,
                    "time_ms": round3(r.time_ms),
                    "failures": r.failures,
                })
            })
            .collect();
        json!({
            "event": self.event.id(),
            "target": self.target,
            "total": self.results.len(),
            "passed": self.passed,
            "failed": self.failed,
            "planned": self.end.planned,
            "cancelled": self.end.cancelled,
            "stopped_at_failure": self.end.stopped_at_failure,
            "elapsed_s": round3(self.end.elapsed.as_secs_f64()),
            "requests_per_s": round3(self.requests_per_s),
            "latency_ms": {
                "p50": round3(self.latency.p50),
                "p95": round3(self.latency.p95),
                "p99": round3(self.latency.p99),
                "max": round3(self.latency.max),
                "mean": round3(self.latency.mean),
            },
            "results": results,
        })
    }

    /// JUnit XML: one testsuite for the event, one testcase per file per iteration, a
    /// `<failure>` with the messages for each failed one.
    pub fn to_junit(&self) -> String {
        let secs = self.end.elapsed.as_secs_f64();
        let suite = format!("survey-console batch: {}", self.event.id());
        let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
        let _ = writeln!(
            xml,
            "<testsuites name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" time=\"{secs:.3}\">",
            xml_escape(&suite),
            self.results.len(),
            self.failed
        );
        let _ = writeln!(
            xml,
            "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"0\" time=\"{secs:.3}\">",
            xml_escape(&suite),
            self.results.len(),
            self.failed
        );
        let _ = writeln!(xml, "    <properties>");
        let _ = writeln!(
            xml,
            "      <property name=\"target\" value=\"{}\"/>",
            xml_escape(&self.target)
        );
        let _ = writeln!(
            xml,
            "      <property name=\"cancelled\" value=\"{}\"/>",
            self.end.cancelled
        );
        let _ = writeln!(xml, "    </properties>");
        for r in &self.results {
            let _ = write!(
                xml,
                "    <testcase classname=\"{}\" name=\"{}\" time=\"{:.3}\"",
                xml_escape(&format!("{}.{}", self.event.id(), r.file)),
                xml_escape(&format!("{} #{}", r.origin, r.iteration)),
                r.time_ms / 1e3
            );
            if r.ok {
                xml.push_str("/>\n");
                continue;
            }
            let first = r.failures.first().map_or("failed", String::as_str);
            let _ = writeln!(
                xml,
                ">\n      <failure message=\"{}\" type=\"{}\">{}</failure>\n    </testcase>",
                xml_escape(first),
                if r.sent { "expectation" } else { "payload" },
                xml_escape(&r.failures.join("\n"))
            );
        }
        xml.push_str("  </testsuite>\n</testsuites>\n");
        xml
    }

    /// Writes the JSON form to `path` atomically.
    pub fn write_json(&self, path: &Path) -> Result<(), BatchError> {
        let mut text = serde_json::to_string_pretty(&self.to_json()).unwrap_or_default();
        text.push('\n');
        write_atomic(path, text.as_bytes(), false)?;
        Ok(())
    }

    /// Writes the JUnit XML to `path` atomically.
    pub fn write_junit(&self, path: &Path) -> Result<(), BatchError> {
        write_atomic(path, self.to_junit().as_bytes(), false)?;
        Ok(())
    }
}

fn round3(x: f64) -> f64 {
    (x * 1e3).round() / 1e3
}

/// Escapes text for XML attributes and content; characters XML 1.0 forbids are dropped.
pub fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\n' => out.push_str("&#10;"),
            '\t' | '\r' => out.push_str(&format!("&#{};", c as u32)),
            c if (c as u32) < 0x20 || c == '\u{FFFE}' || c == '\u{FFFF}' => {}
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    fn result(item: usize, ok: bool, failures: &[&str]) -> BatchResult {
        BatchResult {
            item,
            file: format!("f{item}.json").into(),
            origin: format!("dir/f{item}.json").into(),
            iteration: 1,
            ok,
            sent: true,
            status: Some(200),
            time_ms: 10.0 * (item + 1) as f64,
            at_s: 0.0,
            rules_held: 0,
            rules_total: 0,
            failures: failures.iter().map(|s| (*s).to_owned()).collect(),
            record: None,
        }
    }

    fn report() -> BatchReport {
        let end = RunEnd {
            elapsed: Duration::from_millis(500),
            planned: 2,
            ..RunEnd::default()
        };
        BatchReport::new(
            EventId::ChatPostSurveyEmailTranscript,
            "url http://127.0.0.1/fn".into(),
            vec![
                result(1, false, &["expected status 200, got <500> & \"more\""]),
                result(0, true, &[]),
            ],
            end,
        )
    }

    #[test]
    fn json_has_the_documented_keys() {
        let json = report().to_json();
        for key in [
            "total",
            "passed",
            "failed",
            "requests_per_s",
            "latency_ms",
            "results",
        ] {
            assert!(json.get(key).is_some(), "{key}");
        }
        assert_eq!(json["total"], 2);
        assert_eq!(json["failed"], 1);
        assert_eq!(json["requests_per_s"], 4.0);
        assert_eq!(json["latency_ms"]["max"], 20.0);
        assert_eq!(json["results"][0]["file"], "dir/f0.json");
        assert_eq!(json["results"][1]["ok"], false);
    }

    #[test]
    fn junit_escapes_and_counts() {
        let xml = report().to_junit();
        assert!(xml.contains("tests=\"2\" failures=\"1\""), "{xml}");
        assert!(xml.contains(
            "<failure message=\"expected status 200, got &lt;500&gt; &amp; &quot;more&quot;\""
        ));
        assert_eq!(xml.matches("<testcase ").count(), 2);
        assert_eq!(xml_escape("a\u{1}b'"), "ab&apos;");
    }
}
