//! The Batch tab: choose payloads (a folder, files, or the event's bundled samples), set
//! iterations, concurrency, delay and fail-fast, run against the function or a URL, watch the
//! progress, read the latency plots and the results (`batch_table.rs`), export.

use std::path::PathBuf;

use super::batch_table::ResultsTable;
use super::function_line::function_line_ui;
use crate::batch::{BatchSettings, MAX_CONCURRENCY};
use crate::catalog::EventId;
use crate::catalog::samples::samples_for;
use crate::ui::app::batch_state::BatchView;
use crate::ui::app::commands::{BatchPayloads, BatchRequest, Command, FilePurpose, ReportFormat};
use crate::ui::app::context::ViewContext;
use crate::ui::app::jobs::JobKind;
use crate::ui::widgets::latency_plot::{histogram_ui, series_ui};
use crate::ui::widgets::theme;

/// Widget state of the Batch tab.
pub struct BatchPanel {
    /// A URL to call instead of the configured function (empty: the function).
    url: String,
    /// How many times each payload is sent.
    iterations: u32,
    /// Requests in flight at once.
    concurrency: usize,
    /// Pause between two requests of a worker, in ms.
    delay_ms: u64,
    /// Stop at the first failure.
    fail_fast: bool,
    /// The results table.
    table: ResultsTable,
}

impl Default for BatchPanel {
    fn default() -> Self {
        BatchPanel {
            url: String::new(),
            iterations: 1,
            concurrency: 4,
            delay_ms: 0,
            fail_fast: false,
            table: ResultsTable::default(),
        }
    }
}

impl BatchPanel {
    /// Draws the tab.
    pub fn ui(&mut self, ui: &mut egui::Ui, ctx: &ViewContext<'_>, commands: &mut Vec<Command>) {
        let event = ctx.event();
        self.settings_ui(ui, ctx, event, commands);
        ui.separator();
        let batch = &ctx.session.batch;
        let Some(view) = batch.views.get(&event) else {
            ui.weak("No batch yet for this event.");
            return;
        };
        if let Some(error) = &view.error {
            theme::error_label(ui, error);
        }
        progress_ui(ui, view, batch.running == Some(event));
        if view.end.is_some() && !view.results.is_empty() {
            ui.horizontal(|ui| {
                let idle = !ctx.is_running(JobKind::FileDialog);
                for (label, format) in [
                    ("Export JSON…", ReportFormat::Json),
                    ("Export JUnit…", ReportFormat::Junit),
                ] {
                    if ui.add_enabled(idle, egui::Button::new(label)).clicked() {
                        commands.push(Command::ChooseFile(FilePurpose::BatchReport {
                            event,
                            format,
                        }));
                    }
                }
                match &batch.export_message {
                    Some(Ok(message)) => {
                        ui.label(message);
                    }
                    Some(Err(message)) => theme::error_label(ui, message),
                    None => {}
                }
            });
        }
        if view.results.is_empty() {
            return;
        }
        egui::CollapsingHeader::new("Latency")
            .id_salt("batch-latency")
            .default_open(true)
            .show(ui, |ui| {
                let width = ((ui.available_width() - 12.0) / 2.0).max(160.0);
                let size = egui::vec2(width, 150.0);
                ui.horizontal(|ui| {
                    histogram_ui(ui, size, &view.buckets, &view.latency);
                    series_ui(ui, size, &view.results, &view.latency);
                });
            });
        self.table.ui(ui, event, view);
    }

    fn settings_ui(
        &mut self,
        ui: &mut egui::Ui,
        ctx: &ViewContext<'_>,
        event: EventId,
        commands: &mut Vec<Command>,
    ) {
        let running = ctx.session.batch.running;
        function_line_ui(
            ui,
            ctx,
            event,
            "none configured: give a URL, or create one in the Function tab",
            commands,
        );
        let has_function = ctx.session.function_in_use(event).is_some();
        ui.horizontal(|ui| {
            let label = ui.label("Batch URL instead:");
            ui.add(
                egui::TextEdit::singleline(&mut self.url)
                    .hint_text("empty: the configured function")
                    .desired_width(320.0),
            )
            .labelled_by(label.id);
        });
        let payloads = &ctx.session.batch.payloads;
        ui.horizontal_wrapped(|ui| {
            ui.label("Payloads:");
            let samples = samples_for(event).count();
            let is_samples = *payloads == BatchPayloads::Samples;
            if ui
                .radio(is_samples, format!("all bundled samples ({samples})"))
                .clicked()
            {
                commands.push(Command::SetBatchPayloads(BatchPayloads::Samples));
            }
            let idle = !ctx.is_running(JobKind::FileDialog);
            if ui
                .add_enabled(idle, egui::Button::new("Choose folder…"))
                .clicked()
            {
                commands.push(Command::ChooseFile(FilePurpose::BatchFolder));
            }
            if ui
                .add_enabled(idle, egui::Button::new("Choose files…"))
                .clicked()
            {
                commands.push(Command::ChooseFile(FilePurpose::BatchFiles));
            }
            match payloads {
                BatchPayloads::Samples => {}
                BatchPayloads::Folder(dir) => {
                    ui.label(format!("folder {}", dir.display()));
                }
                BatchPayloads::Files(files) => {
                    ui.label(format!("{} file(s)", files.len()))
                        .on_hover_text(files_list(files));
                }
            }
        });
        ui.horizontal_wrapped(|ui| {
            let label = ui.label("Iterations:");
            ui.add(egui::DragValue::new(&mut self.iterations).range(1..=1_000_000))
                .labelled_by(label.id);
            ui.add(
                egui::Slider::new(&mut self.concurrency, 1..=MAX_CONCURRENCY).text("concurrency"),
            );
            let label = ui.label("Delay (ms):");
            ui.add(egui::DragValue::new(&mut self.delay_ms).range(0..=60_000))
                .labelled_by(label.id);
            ui.checkbox(&mut self.fail_fast, "Stop at the first failure");
        });
        ui.horizontal(|ui| {
            let url = self.url.trim();
            let can_run = running.is_none() && (has_function || !url.is_empty());
            if ui.add_enabled(can_run, egui::Button::new("Run")).clicked() {
                self.table.close();
                commands.push(Command::StartBatch(Box::new(self.request(event, payloads))));
            }
            if running.is_some() && ui.button("Cancel").clicked() {
                commands.push(Command::CancelBatch);
            }
            if let Some(other) = running.filter(|e| *e != event) {
                ui.weak(format!("a batch of {} is running", other.name()));
            }
        });
    }

    fn request(&self, event: EventId, payloads: &BatchPayloads) -> BatchRequest {
        let url = self.url.trim();
        BatchRequest {
            event,
            source: payloads.source(),
            settings: BatchSettings {
                iterations: self.iterations.max(1),
                concurrency: self.concurrency.clamp(1, MAX_CONCURRENCY),
                delay: std::time::Duration::from_millis(self.delay_ms),
                fail_fast: self.fail_fast,
            },
            url: (!url.is_empty()).then(|| url.to_owned()),
        }
    }
}

fn progress_ui(ui: &mut egui::Ui, view: &BatchView, running: bool) {
    let p = view.progress.snapshot();
    let fraction = if p.total == 0 {
        0.0
    } else {
        p.done as f32 / p.total as f32
    };
    let text = format!(
        "done {} / {} · failed {} · remaining {} · {:.0} req/s",
        p.done, p.total, p.failed, p.remaining, p.requests_per_s
    );
    ui.horizontal(|ui| {
        ui.add(
            egui::ProgressBar::new(fraction)
                .desired_width(360.0)
                .text(text),
        );
        if running {
            ui.spinner();
        }
    });
    let (passed, failed) = view.counts();
    let mut summary = format!("{passed} passed · {failed} failed");
    if let Some(end) = &view.end {
        if end.cancelled {
            summary.push_str(" · cancelled");
        } else if end.stopped_at_failure {
            summary.push_str(" · stopped at the first failure");
        }
        summary.push_str(&format!(" · {:.1} s", end.elapsed.as_secs_f64()));
    }
    ui.horizontal(|ui| {
        ui.strong(summary);
        let l = &view.latency;
        ui.weak(format!(
            "latency ms: p50 {:.1} · p95 {:.1} · p99 {:.1} · max {:.1}",
            l.p50, l.p95, l.p99, l.max
        ));
        if !view.target.is_empty() {
            ui.weak(format!("to {}", view.target));
        }
    });
}

fn files_list(files: &[PathBuf]) -> String {
    let shown: Vec<String> = files
        .iter()
        .take(30)
        .map(|f| f.display().to_string())
        .collect();
    let more = files.len().saturating_sub(shown.len());
    let mut text = shown.join("\n");
    if more > 0 {
        text.push_str(&format!("\n… {more} more"));
    }
    text
}
