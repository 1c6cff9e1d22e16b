//! Applying batches: one `Batch` job at a time. Its worker reads the payloads, runs them and
//! streams the results in chunks (every 30 ms) as commands; the run's end comes last. Reports
//! are written by a `WriteReport` job.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use super::SurveyConsoleApp;
use super::batch_state::BatchView;
use super::commands::{BatchRequest, Command, ReportFormat};
use super::jobs::JobKind;
use super::session::no_function;
use crate::batch::{self, Batch, BatchResult, Progress, RunEnd};
use crate::catalog::EventId;
use crate::invoke::Target;

/// How often the batch worker sends the results it has.
const SEND_EVERY: Duration = Duration::from_millis(30);

impl SurveyConsoleApp {
    /// Starts a batch on a worker (one at a time).
    pub(super) fn start_batch(&mut self, ctx: &egui::Context, request: BatchRequest) {
        if self.jobs.is_running(JobKind::Batch) {
            return;
        }
        let event = request.event;
        let target = match &request.url {
            Some(url) => Target::url(event, url, Duration::from_secs(30)),
            None => match self.session.function_target(event) {
                Some(target) => target,
                None => {
                    let view = BatchView::failed(no_function(event));
                    self.session.batch.views.insert(event, view);
                    return;
                }
            },
        };
        let progress = Arc::new(Progress::default());
        let view = BatchView::new(Arc::clone(&progress));
        let secrets = self.session.secrets.clone();
        let spawned = self.jobs.spawn(ctx, JobKind::Batch, "batch", move |job| {
            let prepared = batch::collect(&request.source, event)
                .map_err(|e| e.to_string())
                .and_then(|items| {
                    request.settings.check().map_err(|e| e.to_string())?;
                    Ok(items)
                });
            let items = match prepared {
                Ok(items) => items,
                Err(error) => {
                    return Command::BatchEnded {
                        event,
                        outcome: Err(error),
                    };
                }
            };
            let batch = Batch {
                event,
                items: Arc::new(items),
                target,
                settings: request.settings,
            };
            job.send(Command::BatchStarted {
                event,
                items: Arc::clone(&batch.items),
                target: batch.target.endpoint.describe(),
            });
            let mut chunk = Vec::new();
            let mut sent = Instant::now();
            let flag = job.cancel_flag();
            let end = batch::run(&batch, &secrets, &flag, &progress, |result| {
                chunk.push(result);
                if sent.elapsed() >= SEND_EVERY {
                    sent = Instant::now();
                    let results = std::mem::take(&mut chunk);
                    job.send(Command::BatchResults { event, results });
                }
            });
            if !chunk.is_empty() {
                job.send(Command::BatchResults {
                    event,
                    results: chunk,
                });
            }
            Command::BatchEnded {
                event,
                outcome: Ok(end),
            }
        });
        if spawned.is_ok() {
            self.session.batch.views.insert(event, view);
            self.session.batch.running = Some(event);
        }
    }

    /// Results of the running batch arrived.
    pub(super) fn batch_results(&mut self, event: EventId, mut results: Vec<BatchResult>) {
        if let Some(view) = self.session.batch.views.get_mut(&event) {
            view.results.append(&mut results);
            view.refresh_stats();
        }
    }

    /// The running batch ended.
    pub(super) fn batch_ended(&mut self, event: EventId, outcome: Result<RunEnd, String>) {
        if self.session.batch.running == Some(event) {
            self.session.batch.running = None;
        }
        if let Some(view) = self.session.batch.views.get_mut(&event) {
            match outcome {
                Ok(end) => view.end = Some(end),
                Err(error) => view.error = Some(error),
            }
            view.refresh_stats();
        }
    }

    /// Writes a report of the event's last batch on a worker.
    pub(super) fn write_batch_report(
        &mut self,
        ctx: &egui::Context,
        event: EventId,
        format: ReportFormat,
        path: PathBuf,
    ) {
        let batch = &mut self.session.batch;
        let Some(view) = batch.views.get(&event).filter(|v| v.end.is_some()) else {
            batch.export_message = Some(Err("No finished batch to export.".to_owned()));
            return;
        };
        let report = view.report(event);
        let spawned = self
            .jobs
            .spawn(ctx, JobKind::WriteReport, "export", move |_| {
                let written = match format {
                    ReportFormat::Json => report.write_json(&path),
                    ReportFormat::Junit => report.write_junit(&path),
                };
                Command::ReportWritten(
                    written
                        .map(|()| format!("Wrote {}.", path.display()))
                        .map_err(|e| e.to_string()),
                )
            });
        if let Err(busy) = spawned {
            self.session.batch.export_message = Some(Err(format!("{busy}.")));
        }
    }
}
