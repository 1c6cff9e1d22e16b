//! The batches of a session: the payloads chosen for the next one, which one runs, and each
//! event's last results with their latency statistics, as the Batch tab reads them.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::commands::{BatchForm, BatchPayloads, BatchRequest};
use crate::batch::{
    self, BatchItem, BatchReport, BatchResult, BatchSettings, Bucket, LatencyStats,
    MAX_CONCURRENCY, Progress, RunEnd, histogram,
};
use crate::catalog::EventId;
use crate::invoke::{Check, Invocation};

/// Histogram bars.
const BUCKETS: usize = 40;

/// One batch's results as the console keeps them.
pub struct BatchView {
    /// Where the requests went.
    pub target: String,
    /// The payloads (their envelopes fill in the records opened in full).
    pub items: Arc<Vec<BatchItem>>,
    /// Results in the order they finished.
    pub results: Vec<BatchResult>,
    /// Live counters.
    pub progress: Arc<Progress>,
    /// How the run ended, once it has.
    pub end: Option<RunEnd>,
    /// Why the batch could not start or failed.
    pub error: Option<String>,
    /// Latency statistics of the results so far.
    pub latency: LatencyStats,
    /// Histogram of the results so far.
    pub buckets: Vec<Bucket>,
    stats_of: (usize, Option<Instant>),
}

impl BatchView {
    /// A batch about to start, counting into `progress`.
    pub fn new(progress: Arc<Progress>) -> BatchView {
        BatchView {
            target: String::new(),
            items: Arc::new(Vec::new()),
            results: Vec::new(),
            progress,
            end: None,
            error: None,
            latency: LatencyStats::default(),
            buckets: Vec::new(),
            stats_of: (0, None),
        }
    }

    /// A batch that could not start.
    pub fn failed(error: String) -> BatchView {
        let mut view = BatchView::new(Arc::new(Progress::default()));
        view.error = Some(error);
        view
    }

    /// Passed and failed results so far (from the live counters: no pass over the results).
    pub fn counts(&self) -> (usize, usize) {
        let p = self.progress.snapshot();
        (p.done.saturating_sub(p.failed), p.failed)
    }

    /// The full record of a result, with the envelope that was sent; `None` when it was not
    /// kept (large batches keep the first results and the failures).
    pub fn record(&self, index: usize) -> Option<Invocation> {
        let result = self.results.get(index)?;
        let mut record = result.record.as_deref()?.clone();
        if let Some(Ok(envelope)) = self.items.get(result.item).map(|i| &i.envelope) {
            record.request.body = envelope.recorded();
        }
        Some(record)
    }

    /// The expectation's rules on a result whose record was kept (empty without an
    /// expectation file).
    pub fn expectation_checks(&self, index: usize) -> Vec<Check> {
        let Some(result) = self.results.get(index) else {
            return Vec::new();
        };
        let expectation = self
            .items
            .get(result.item)
            .and_then(|i| i.expectation.as_ref());
        match (result.record.as_deref(), expectation) {
            (Some(record), Some(expect)) => batch::expectation_checks(record, expect),
            _ => Vec::new(),
        }
    }

    /// Recomputes the statistics when results came in (at most 5 times a second while running,
    /// and once at the end).
    pub fn refresh_stats(&mut self) {
        let (count, at) = self.stats_of;
        let due = at.is_none_or(|t| t.elapsed() >= Duration::from_millis(200));
        if count == self.results.len() || !(due || self.end.is_some()) {
            return;
        }
        let times: Vec<f64> = self
            .results
            .iter()
            .filter(|r| r.sent)
            .map(|r| r.time_ms)
            .collect();
        self.latency = LatencyStats::of(&times);
        self.buckets = histogram(&times, BUCKETS);
        self.stats_of = (self.results.len(), Some(Instant::now()));
    }

    /// The report of the batch, for the exports.
    pub fn report(&self, event: EventId) -> BatchReport {
        BatchReport::new(
            event,
            self.target.clone(),
            self.results.clone(),
            self.end.unwrap_or_default(),
        )
    }
}

/// Every batch of the session.
#[derive(Default)]
pub struct BatchSession {
    /// The payloads of the next batch.
    pub payloads: BatchPayloads,
    /// The settings of the next batch.
    pub form: BatchForm,
    /// The last batch of each event.
    pub views: HashMap<EventId, BatchView>,
    /// The event of the running batch.
    pub running: Option<EventId>,
    /// The outcome of the last export: `Ok(message)` or `Err(message)`.
    pub export_message: Option<Result<String, String>>,
}

impl BatchSession {
    /// The URL the next batch calls instead of the function, when one is given.
    pub fn url(&self) -> Option<String> {
        let url = self.form.url.trim();
        (!url.is_empty()).then(|| url.to_owned())
    }

    /// The next batch of `event`, as the Batch tab's settings say.
    pub fn request(&self, event: EventId) -> BatchRequest {
        let form = &self.form;
        BatchRequest {
            event,
            source: self.payloads.source(),
            settings: BatchSettings {
                iterations: form.iterations.max(1),
                concurrency: form.concurrency.clamp(1, MAX_CONCURRENCY),
                delay: Duration::from_millis(form.delay_ms),
                fail_fast: form.fail_fast,
            },
            url: self.url(),
        }
    }
}
