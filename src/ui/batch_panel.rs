//! The Batch tab: choose payloads (a folder, files, or the event's bundled samples), set
//! iterations, concurrency, delay and fail-fast, run against the function or a URL, watch the
//! progress, read the results table and the latency plots, open any result in full, export.

use std::path::PathBuf;

use egui_extras::{Column, TableBuilder};

use super::app::Command;
use super::batch_job::{BatchRequest, BatchRuns, BatchView, ReportFormat};
use super::latency_plot::{histogram_ui, series_ui};
use super::result_view::invocation_ui;
use super::theme;
use crate::batch::{BatchSettings, MAX_CONCURRENCY, PayloadSource};
use crate::catalog::EventId;
use crate::catalog::samples::samples_for;
use crate::functions::FunctionStore;
use crate::invoke::{Check, Invocation};

/// Where the payloads of the next batch come from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum PayloadChoice {
    /// The event's bundled samples.
    #[default]
    Samples,
    /// Every payload file in a folder.
    Folder(PathBuf),
    /// Chosen files.
    Files(Vec<PathBuf>),
}

/// A result opened in full.
struct Opened {
    event: EventId,
    /// Index into the event's results.
    index: usize,
    /// The record with the envelope sent, when it was kept.
    record: Option<Box<Invocation>>,
    /// The expectation's rules and whether they held.
    expectation: Vec<Check>,
}

/// Widget state of the Batch tab.
pub struct BatchPanel {
    /// The payloads.
    pub choice: PayloadChoice,
    /// A URL to call instead of the configured function (empty: the function).
    pub url: String,
    /// How many times each payload is sent.
    pub iterations: u32,
    /// Requests in flight at once.
    pub concurrency: usize,
    /// Pause between two requests of a worker, in ms.
    pub delay_ms: u64,
    /// Stop at the first failure.
    pub fail_fast: bool,
    /// Show only failed results.
    only_failures: bool,
    /// The result opened in full.
    opened: Option<Opened>,
}

impl Default for BatchPanel {
    fn default() -> Self {
        BatchPanel {
            choice: PayloadChoice::Samples,
            url: String::new(),
            iterations: 1,
            concurrency: 4,
            delay_ms: 0,
            fail_fast: false,
            only_failures: false,
            opened: None,
        }
    }
}

impl BatchPanel {
    /// Draws the tab.
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        event: EventId,
        store: &FunctionStore,
        runs: &BatchRuns,
        commands: &mut Vec<Command>,
    ) {
        let running = runs.running_event();
        self.settings_ui(ui, event, store, runs, running, commands);
        ui.separator();
        let Some(view) = runs.views.get(&event) else {
            ui.weak("No batch yet for this event.");
            return;
        };
        if let Some(error) = &view.error {
            theme::error_label(ui, error);
        }
        progress_ui(ui, view, running == Some(event));
        if view.end.is_some() && !view.results.is_empty() {
            ui.horizontal(|ui| {
                let idle = !runs.dialog_open();
                for (label, format) in [
                    ("Export JSON…", ReportFormat::Json),
                    ("Export JUnit…", ReportFormat::Junit),
                ] {
                    if ui.add_enabled(idle, egui::Button::new(label)).clicked() {
                        commands.push(Command::ExportBatch { event, format });
                    }
                }
                match &runs.export_message {
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
        self.detail_ui(ui, event, view);
        ui.checkbox(&mut self.only_failures, "failures only");
        self.table_ui(ui, event, view);
    }

    fn settings_ui(
        &mut self,
        ui: &mut egui::Ui,
        event: EventId,
        store: &FunctionStore,
        runs: &BatchRuns,
        running: Option<EventId>,
        commands: &mut Vec<Command>,
    ) {
        let function = store.get(event);
        theme::function_line_ui(
            ui,
            function,
            "none configured: give a URL, or create one in the Function tab",
        );
        ui.horizontal(|ui| {
            let label = ui.label("Batch URL instead:");
            ui.add(
                egui::TextEdit::singleline(&mut self.url)
                    .hint_text("empty: the configured function")
                    .desired_width(320.0),
            )
            .labelled_by(label.id);
        });
        ui.horizontal_wrapped(|ui| {
            ui.label("Payloads:");
            let samples = samples_for(event).count();
            let is_samples = self.choice == PayloadChoice::Samples;
            if ui
                .radio(is_samples, format!("all bundled samples ({samples})"))
                .clicked()
            {
                self.choice = PayloadChoice::Samples;
            }
            let idle = !runs.dialog_open();
            if ui
                .add_enabled(idle, egui::Button::new("Choose folder…"))
                .clicked()
            {
                commands.push(Command::PickBatchPayloads { folder: true });
            }
            if ui
                .add_enabled(idle, egui::Button::new("Choose files…"))
                .clicked()
            {
                commands.push(Command::PickBatchPayloads { folder: false });
            }
            match &self.choice {
                PayloadChoice::Samples => {}
                PayloadChoice::Folder(dir) => {
                    ui.label(format!("folder {}", dir.display()));
                }
                PayloadChoice::Files(files) => {
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
            let can_run = running.is_none() && (function.is_some() || !url.is_empty());
            if ui.add_enabled(can_run, egui::Button::new("Run")).clicked() {
                self.opened = None;
                commands.push(Command::StartBatch(Box::new(self.request(event))));
            }
            if running.is_some() && ui.button("Cancel").clicked() {
                commands.push(Command::CancelBatch);
            }
            if let Some(other) = running.filter(|e| *e != event) {
                ui.weak(format!("a batch of {} is running", other.name()));
            }
        });
    }

    fn request(&self, event: EventId) -> BatchRequest {
        let source = match &self.choice {
            PayloadChoice::Samples => PayloadSource::Samples,
            PayloadChoice::Folder(dir) => PayloadSource::Paths(vec![dir.clone()]),
            PayloadChoice::Files(files) => PayloadSource::Paths(files.clone()),
        };
        let url = self.url.trim();
        BatchRequest {
            event,
            source,
            settings: BatchSettings {
                iterations: self.iterations.max(1),
                concurrency: self.concurrency.clamp(1, MAX_CONCURRENCY),
                delay: std::time::Duration::from_millis(self.delay_ms),
                fail_fast: self.fail_fast,
            },
            url: (!url.is_empty()).then(|| url.to_owned()),
        }
    }

    /// Takes payloads chosen in a dialog.
    pub fn take_picked(&mut self, picked: (bool, Vec<PathBuf>)) {
        let (folder, mut paths) = picked;
        self.choice = match (folder, paths.len()) {
            (true, 1) => PayloadChoice::Folder(paths.remove(0)),
            _ => PayloadChoice::Files(paths),
        };
    }

    fn detail_ui(&mut self, ui: &mut egui::Ui, event: EventId, view: &BatchView) {
        let Some(opened) = self.opened.as_ref().filter(|o| o.event == event) else {
            return;
        };
        let Some(result) = view.results.get(opened.index) else {
            return;
        };
        let mut close = false;
        egui::Panel::right("batch-invocation")
            .resizable(true)
            .default_size(460.0)
            .show(ui, |ui| {
                ui.horizontal(|ui| {
                    ui.strong(format!("{} · iteration {}", result.file, result.iteration));
                    close = ui.button("Close").clicked();
                });
                for failure in &result.failures {
                    theme::error_label(ui, failure);
                }
                if !opened.expectation.is_empty() {
                    ui.strong("Expectation");
                    checks_ui(ui, &opened.expectation);
                }
                egui::ScrollArea::vertical()
                    .id_salt("batch-invocation-scroll")
                    .show(ui, |ui| match &opened.record {
                        Some(record) => invocation_ui(ui, record),
                        None => {
                            ui.weak(
                                "The full record of this request was not kept: large batches \
                                 keep the first 500 and the failures.",
                            );
                        }
                    });
            });
        if close {
            self.opened = None;
        }
    }

    fn table_ui(&mut self, ui: &mut egui::Ui, event: EventId, view: &BatchView) {
        // Only the failures' indices are listed; all rows map to themselves.
        let failures: Option<Vec<usize>> = self.only_failures.then(|| {
            (0..view.results.len())
                .filter(|&i| !view.results[i].ok)
                .collect()
        });
        let count = failures.as_ref().map_or(view.results.len(), Vec::len);
        let row_height = ui.text_style_height(&egui::TextStyle::Body) + 6.0;
        let mut open = None;
        TableBuilder::new(ui)
            .id_salt("batch-results")
            .striped(true)
            .resizable(true)
            .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
            .column(Column::initial(260.0).at_least(120.0).clip(true))
            .column(Column::initial(44.0).at_least(30.0))
            .column(Column::initial(52.0).at_least(40.0))
            .column(Column::initial(56.0).at_least(40.0))
            .column(Column::initial(72.0).at_least(50.0))
            .column(Column::remainder().at_least(160.0).clip(true))
            .header(row_height, |mut header| {
                for title in ["File", "Iter", "Result", "Status", "Time ms", "Rules"] {
                    header.col(|ui| {
                        ui.strong(title);
                    });
                }
            })
            .body(|body| {
                body.rows(row_height, count, |mut row| {
                    let index = match &failures {
                        Some(failures) => match failures.get(row.index()) {
                            Some(&index) => index,
                            None => return,
                        },
                        None => row.index(),
                    };
                    let Some(result) = view.results.get(index) else {
                        return;
                    };
                    let selected = self
                        .opened
                        .as_ref()
                        .is_some_and(|o| o.event == event && o.index == index);
                    row.col(|ui| {
                        if ui.selectable_label(selected, &*result.file).clicked() {
                            open = Some(index);
                        }
                    });
                    row.col(|ui| {
                        ui.label(result.iteration.to_string());
                    });
                    row.col(|ui| {
                        if result.ok {
                            ui.colored_label(ui.visuals().hyperlink_color, "pass");
                        } else {
                            ui.colored_label(ui.visuals().error_fg_color, "FAIL");
                        }
                    });
                    row.col(|ui| {
                        ui.label(
                            result
                                .status
                                .map_or_else(|| "-".to_owned(), |s| s.to_string()),
                        );
                    });
                    row.col(|ui| {
                        ui.label(format!("{:.1}", result.time_ms));
                    });
                    row.col(|ui| {
                        rules_ui(ui, result);
                    });
                });
            });
        if let Some(index) = open {
            self.opened = Some(Opened {
                event,
                index,
                record: view.record(index).map(Box::new),
                expectation: view.expectation_checks(index),
            });
        }
    }
}

fn checks_ui(ui: &mut egui::Ui, checks: &[Check]) {
    for check in checks {
        ui.horizontal_wrapped(|ui| {
            if check.ok {
                ui.colored_label(ui.visuals().hyperlink_color, "pass");
            } else {
                ui.colored_label(ui.visuals().error_fg_color, "FAIL");
            }
            ui.label(&check.message);
        });
    }
}

/// The rules column: "4/4 rules" when all held, else the first failure.
fn rules_ui(ui: &mut egui::Ui, result: &crate::batch::BatchResult) {
    let text = format!("{}/{} rules", result.rules_held, result.rules_total);
    if result.ok {
        ui.weak(text);
    } else {
        let first = result.failures.first().map_or("failed", String::as_str);
        ui.colored_label(ui.visuals().error_fg_color, format!("{text} · {first}"))
            .on_hover_text(result.failures.join("\n"));
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
