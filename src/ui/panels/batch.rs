//! The Batch tab: choose payloads (a folder, files, or the event's bundled samples), set
//! iterations, concurrency, delay and fail-fast, run against the function or a URL, watch the
//! progress, read the latency plots and the results (`batch_table.rs`), export.

use std::path::PathBuf;

use super::batch_table::ResultsTable;
use super::function_line::function_line_ui;
use crate::batch::MAX_CONCURRENCY;
use crate::catalog::EventId;
use crate::catalog::samples::samples_for;
use crate::ui::app::actions::UiAction;
use crate::ui::app::batch_state::BatchView;
use crate::ui::app::commands::{BatchPayloads, Command, FilePurpose};
use crate::ui::app::context::ViewContext;
use crate::ui::app::session::no_function;
use crate::ui::widgets::busy;
use crate::ui::widgets::elide::start_elided_label;
use crate::ui::widgets::latency_plot::{histogram_ui, series_ui};
use crate::ui::widgets::theme;

/// Widget state of the Batch tab: the results table (the settings live in the session, where
/// Ctrl+B finds them too).
#[derive(Default)]
pub struct BatchPanel {
    /// The results table.
    table: ResultsTable,
}

impl BatchPanel {
    /// Draws the tab.
    pub fn ui(&mut self, ui: &mut egui::Ui, ctx: &ViewContext<'_>, commands: &mut Vec<Command>) {
        let event = ctx.event();
        self.settings_ui(ui, ctx, event, commands);
        ui.separator();
        let batch = &ctx.session.batch;
        let Some(view) = batch.views.get(&event) else {
            ui.weak("No batch yet for this event: press Run (Ctrl+B).");
            return;
        };
        if let Some(error) = &view.error {
            theme::error_label(ui, error);
        }
        progress_ui(ui, view, batch.running == Some(event));
        if view.end.is_some() && !view.results.is_empty() {
            ui.horizontal(|ui| {
                for (label, action) in [
                    ("Export JSON…", UiAction::ExportBatchJson),
                    ("Export JUnit…", UiAction::ExportBatchJunit),
                ] {
                    let enabled = ctx.action_blocked(action).is_none();
                    if ui
                        .add_enabled(enabled, egui::Button::new(label))
                        .on_hover_text(action.tooltip())
                        .clicked()
                    {
                        commands.push(Command::Action(action));
                    }
                }
                match &batch.export_message {
                    Some(Ok(message)) => {
                        ui.add(egui::Label::new(message).truncate());
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
        self.table.ui(ui, event, view, commands);
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
        let mut form = ctx.session.batch.form.clone();
        ui.horizontal(|ui| {
            let label = ui.label("Batch URL instead:");
            ui.add(
                egui::TextEdit::singleline(&mut form.url)
                    .hint_text("empty: the configured function")
                    .desired_width(320.0),
            )
            .labelled_by(label.id);
        });
        let payloads = &ctx.session.batch.payloads;
        ui.horizontal(|ui| {
            ui.label("Payloads:");
            let samples = samples_for(event).count();
            let is_samples = *payloads == BatchPayloads::Samples;
            if ui
                .radio(is_samples, format!("all bundled samples ({samples})"))
                .clicked()
            {
                commands.push(Command::SetBatchPayloads(BatchPayloads::Samples));
            }
            let idle = ctx.session.prompt.is_none();
            if ui
                .add_enabled(idle, egui::Button::new("Choose folder…"))
                .on_hover_text(
                    "Every *.json in a folder (a typed path works without a file dialog)",
                )
                .clicked()
            {
                commands.push(Command::ChooseFile(FilePurpose::BatchFolder));
            }
            if ui
                .add_enabled(idle, egui::Button::new("Choose files…"))
                .on_hover_text("Payload files (typed paths work without a file dialog)")
                .clicked()
            {
                commands.push(Command::ChooseFile(FilePurpose::BatchFiles));
            }
            match payloads {
                BatchPayloads::Samples => {}
                BatchPayloads::Folder(dir) => {
                    let text = format!("folder {}", dir.display());
                    start_elided_label(ui, &text, egui::TextStyle::Body, false, None);
                }
                BatchPayloads::Files(files) => {
                    ui.label(format!("{} file(s)", files.len()))
                        .on_hover_text(files_list(files));
                }
            }
        });
        ui.horizontal_wrapped(|ui| {
            let label = ui.label("Iterations:");
            ui.add(egui::DragValue::new(&mut form.iterations).range(1..=1_000_000))
                .labelled_by(label.id);
            ui.add(
                egui::Slider::new(&mut form.concurrency, 1..=MAX_CONCURRENCY).text("concurrency"),
            );
            let label = ui.label("Delay (ms):");
            ui.add(egui::DragValue::new(&mut form.delay_ms).range(0..=60_000))
                .labelled_by(label.id);
            ui.checkbox(&mut form.fail_fast, "Stop at the first failure");
        });
        if form != ctx.session.batch.form {
            commands.push(Command::SetBatchForm(form.clone()));
        }
        ui.horizontal(|ui| {
            let run = UiAction::RunBatch;
            // The form as typed this frame decides, not last frame's copy.
            let blocked = if running.is_some() {
                Some("A batch is running".to_owned())
            } else if ctx.session.function_in_use(event).is_none() && form.url.trim().is_empty() {
                Some(no_function(event))
            } else {
                None
            };
            let button = ui.add_enabled(blocked.is_none(), egui::Button::new("Run batch"));
            let button = match &blocked {
                Some(why) => button.on_disabled_hover_text(why),
                None => button.on_hover_text(run.hover_text(ui.ctx())),
            };
            if button.clicked() {
                self.table.close();
                commands.push(Command::Action(run));
            }
            if running.is_some() && ui.button("Cancel").clicked() {
                commands.push(Command::CancelBatch);
            }
            if let Some(other) = running.filter(|e| *e != event) {
                ui.weak(format!("a batch of {} is running", other.name()));
            }
        });
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
            busy::spinner(ui);
            let elapsed = p.elapsed.as_secs_f64();
            let mut clock = format!("{} elapsed", duration_text(elapsed));
            if p.done > 0 && p.remaining > 0 {
                let left = elapsed / p.done as f64 * p.remaining as f64;
                clock.push_str(&format!(" · about {} left", duration_text(left)));
            }
            ui.label(clock);
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
        summary.push_str(&format!(" · {}", duration_text(end.elapsed.as_secs_f64())));
    }
    ui.horizontal(|ui| {
        ui.strong(summary);
        // Latency figures only once there is a latency to tell.
        if view.results.iter().any(|r| r.sent) {
            let l = &view.latency;
            ui.weak(format!(
                "latency ms: p50 {:.1} · p95 {:.1} · p99 {:.1} · max {:.1}",
                l.p50, l.p95, l.p99, l.max
            ));
        }
        if !view.target.is_empty() {
            start_elided_label(
                ui,
                &format!("to {}", view.target),
                egui::TextStyle::Body,
                true,
                None,
            );
        }
    });
}

/// "850 ms", "12.3 s", "4 min 05 s".
pub fn duration_text(seconds: f64) -> String {
    if seconds < 1.0 {
        format!("{:.0} ms", seconds * 1000.0)
    } else if seconds < 60.0 {
        format!("{seconds:.1} s")
    } else {
        let whole = seconds.round() as u64;
        format!("{} min {:02} s", whole / 60, whole % 60)
    }
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

#[cfg(test)]
mod tests {
    use super::duration_text;

    #[test]
    fn durations_read_in_their_own_unit() {
        assert_eq!(duration_text(0.0123), "12 ms");
        assert_eq!(duration_text(12.34), "12.3 s");
        assert_eq!(duration_text(245.0), "4 min 05 s");
    }
}
