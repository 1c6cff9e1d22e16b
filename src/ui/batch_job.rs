//! The console's batches: the running one (a worker thread streaming results through a
//! channel while the UI polls its progress), the last results of each event, the file dialogs
//! and the report exports. The app applies the batch commands here.

use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver};
use std::time::{Duration, Instant};

use super::app::SurveyConsoleApp;
use super::jobs::Pending;
use crate::batch::{
    self, Batch, BatchItem, BatchReport, BatchResult, BatchSettings, Bucket, LatencyStats,
    PayloadSource, Progress, RunEnd, histogram,
};
use crate::catalog::EventId;
use crate::invoke::{Invocation, Target};

/// Results taken from the channel per frame at most, so a frame never stalls.
const DRAIN_PER_FRAME: usize = 20_000;

/// Histogram bars.
const BUCKETS: usize = 40;

/// What the Run button asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchRequest {
    /// The event.
    pub event: EventId,
    /// The payloads.
    pub source: PayloadSource,
    /// Iterations, concurrency, delay, fail-fast.
    pub settings: BatchSettings,
    /// A URL instead of the configured function.
    pub url: Option<String>,
}

/// The two report formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReportFormat {
    /// Every result as JSON.
    Json,
    /// JUnit XML for CI.
    Junit,
}

impl ReportFormat {
    fn extension(self) -> &'static str {
        match self {
            ReportFormat::Json => "json",
            ReportFormat::Junit => "xml",
        }
    }
}

/// What the worker streams.
enum Message {
    /// The payloads were read; the run starts.
    Started {
        items: Arc<Vec<BatchItem>>,
        target: String,
    },
    /// One finished request.
    Result(BatchResult),
}

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
    fn new(progress: Arc<Progress>) -> BatchView {
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
            record.request.body = (*envelope.value).clone();
        }
        Some(record)
    }

    /// The expectation's rules on a result whose record was kept (empty without an
    /// expectation file).
    pub fn expectation_checks(&self, index: usize) -> Vec<crate::invoke::Check> {
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

    /// Recomputes the statistics when results came in (at most 5 times a second while running).
    fn refresh_stats(&mut self) {
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

    fn report(&self, event: EventId) -> BatchReport {
        BatchReport::new(
            event,
            self.target.clone(),
            self.results.clone(),
            self.end.unwrap_or_default(),
        )
    }
}

/// The running batch.
struct Running {
    event: EventId,
    cancel: Arc<AtomicBool>,
    rx: Receiver<Message>,
    job: Option<Pending<Result<RunEnd, String>>>,
}

/// Every batch of the session.
#[derive(Default)]
pub struct BatchRuns {
    /// The last batch of each event.
    pub views: HashMap<EventId, BatchView>,
    running: Option<Running>,
    dialog: Option<Pending<Option<Vec<PathBuf>>>>,
    dialog_folder: bool,
    save_dialog: Option<Pending<Option<PathBuf>>>,
    save_for: Option<(EventId, ReportFormat)>,
    export: Option<Pending<Result<String, String>>>,
    /// The outcome of the last export: `Ok(message)` or `Err(message)`.
    pub export_message: Option<Result<String, String>>,
    /// Payloads chosen in a dialog, for the panel to take: (folder?, paths).
    pub picked: Option<(bool, Vec<PathBuf>)>,
}

impl BatchRuns {
    /// The event of the running batch.
    pub fn running_event(&self) -> Option<EventId> {
        self.running.as_ref().map(|r| r.event)
    }

    /// True while a batch, a dialog or an export runs.
    pub fn is_busy(&self) -> bool {
        self.running.is_some()
            || self.dialog.is_some()
            || self.save_dialog.is_some()
            || self.export.is_some()
    }

    /// True while a file dialog is open.
    pub fn dialog_open(&self) -> bool {
        self.dialog.is_some() || self.save_dialog.is_some()
    }
}

impl SurveyConsoleApp {
    /// Starts a batch on a worker thread (one at a time).
    pub(super) fn start_batch(&mut self, ctx: &egui::Context, request: BatchRequest) {
        if self.batch.running.is_some() {
            return;
        }
        let event = request.event;
        let progress = Arc::new(Progress::default());
        let mut view = BatchView::new(Arc::clone(&progress));
        let target = match &request.url {
            Some(url) => Target::url(event, url, Duration::from_secs(30)),
            None => match self.store.as_ref().ok().and_then(|s| s.get(event)) {
                Some(config) => Target::from_config(event, config),
                None => {
                    view.error = Some(format!(
                        "{} has no function: create one in the Function tab, or give a URL.",
                        event.name()
                    ));
                    self.batch.views.insert(event, view);
                    return;
                }
            },
        };
        let (tx, rx) = mpsc::channel();
        let cancel = Arc::new(AtomicBool::new(false));
        let (flag, secrets, repaint) = (Arc::clone(&cancel), self.secrets.clone(), ctx.clone());
        let job = Pending::spawn(ctx, "batch", move || {
            let items = batch::collect(&request.source, event).map_err(|e| e.to_string())?;
            request.settings.check().map_err(|e| e.to_string())?;
            let batch = Batch {
                event,
                items: Arc::new(items),
                target,
                settings: request.settings,
            };
            let _ = tx.send(Message::Started {
                items: Arc::clone(&batch.items),
                target: batch.target.endpoint.describe(),
            });
            let mut repainted = Instant::now();
            let end = batch::run(&batch, &secrets, &flag, &progress, |result| {
                let _ = tx.send(Message::Result(result));
                if repainted.elapsed() >= Duration::from_millis(30) {
                    repainted = Instant::now();
                    repaint.request_repaint();
                }
            });
            Ok(end)
        });
        self.batch.views.insert(event, view);
        self.batch.running = Some(Running {
            event,
            cancel,
            rx,
            job: Some(job),
        });
    }

    /// Asks the running batch to stop; it returns within about a second.
    pub(super) fn cancel_batch(&mut self) {
        if let Some(running) = &self.batch.running {
            running.cancel.store(true, Ordering::Relaxed);
        }
    }

    /// Opens a folder dialog (or a multi-select file dialog) off the UI thread.
    pub(super) fn pick_batch_payloads(&mut self, ctx: &egui::Context, folder: bool) {
        if self.batch.dialog.is_some() {
            return;
        }
        self.batch.dialog_folder = folder;
        self.batch.dialog = Some(Pending::spawn(ctx, "file dialog", move || {
            let dialog = rfd::FileDialog::new().set_title(if folder {
                "Choose a folder of payload files"
            } else {
                "Choose payload files"
            });
            if folder {
                dialog.pick_folder().map(|p| vec![p])
            } else {
                dialog
                    .add_filter("JSON payload", &["json"])
                    .add_filter("All files", &["*"])
                    .pick_files()
            }
        }));
    }

    /// Asks where to save a report, off the UI thread; the write follows as a command.
    pub(super) fn export_batch_dialog(
        &mut self,
        ctx: &egui::Context,
        event: EventId,
        format: ReportFormat,
    ) {
        if self.batch.save_dialog.is_some() {
            return;
        }
        let name = format!("batch-{}.{}", event.id(), format.extension());
        let job = Pending::spawn(ctx, "save dialog", move || {
            rfd::FileDialog::new()
                .set_title("Save the batch report")
                .set_file_name(name)
                .save_file()
        });
        self.batch.save_dialog = Some(job);
        self.batch.save_for = Some((event, format));
    }

    /// Writes a report of the event's last batch on a worker thread.
    pub(super) fn write_batch_report(
        &mut self,
        ctx: &egui::Context,
        event: EventId,
        format: ReportFormat,
        path: PathBuf,
    ) {
        let Some(view) = self.batch.views.get(&event).filter(|v| v.end.is_some()) else {
            self.batch.export_message = Some(Err("No finished batch to export.".to_owned()));
            return;
        };
        let report = view.report(event);
        self.batch.export = Some(Pending::spawn(ctx, "export", move || {
            let written = match format {
                ReportFormat::Json => report.write_json(&path),
                ReportFormat::Junit => report.write_junit(&path),
            };
            written
                .map(|()| format!("Wrote {}.", path.display()))
                .map_err(|e| e.to_string())
        }));
    }

    /// Takes what the batch's worker streamed and what the dialogs returned.
    pub(super) fn poll_batch(&mut self, ctx: &egui::Context) {
        if let Some(result) = Pending::take_ready(&mut self.batch.dialog)
            && let Some(paths) = result.flatten().filter(|p| !p.is_empty())
        {
            self.batch.picked = Some((self.batch.dialog_folder, paths));
        }
        if let Some(result) = Pending::take_ready(&mut self.batch.save_dialog)
            && let Some((event, format)) = self.batch.save_for.take()
            && let Some(path) = result.flatten()
        {
            self.run_cmd(
                ctx,
                super::Command::WriteBatchReport {
                    event,
                    format,
                    path,
                },
            );
        }
        if let Some(result) = Pending::take_ready(&mut self.batch.export) {
            self.batch.export_message =
                Some(result.unwrap_or_else(|| Err("The export failed unexpectedly.".to_owned())));
        }
        self.drain_batch(ctx);
    }

    fn drain_batch(&mut self, ctx: &egui::Context) {
        let Some(running) = &mut self.batch.running else {
            return;
        };
        let event = running.event;
        let Some(view) = self.batch.views.get_mut(&event) else {
            return;
        };
        for message in running.rx.try_iter().take(DRAIN_PER_FRAME) {
            match message {
                Message::Started { items, target } => {
                    view.items = items;
                    view.target = target;
                }
                Message::Result(result) => view.results.push(result),
            }
        }
        if let Some(outcome) = Pending::take_ready(&mut running.job) {
            // The run has returned: everything it sent is in the channel already.
            for message in running.rx.try_iter() {
                if let Message::Result(result) = message {
                    view.results.push(result);
                }
            }
            match outcome {
                Some(Ok(end)) => view.end = Some(end),
                Some(Err(message)) => view.error = Some(message),
                None => view.error = Some("The batch failed unexpectedly.".to_owned()),
            }
            view.refresh_stats();
            self.batch.running = None;
            return;
        }
        view.refresh_stats();
        ctx.request_repaint_after(Duration::from_millis(50));
    }
}
