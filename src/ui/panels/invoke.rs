//! The Invocations tab: pick a payload, invoke the event's function or a URL (Ctrl+Enter),
//! cancel, see the result, copy the request as curl, and go back through the history
//! (`invoke_history.rs`).

use super::function_line::function_line_ui;
use super::invoke_history::HistoryList;
use crate::catalog::EventId;
use crate::catalog::samples::samples_for;
use crate::functions::Endpoint;
use crate::invoke::Invocation;
use crate::ui::app::commands::{Command, InvokePayload, UiAction};
use crate::ui::app::context::ViewContext;
use crate::ui::app::jobs::JobKind;
use crate::ui::app::session::InvokeStatus;
use crate::ui::widgets::result_view::invocation_ui;

/// Widget state of the Invocations tab.
#[derive(Default)]
pub struct InvokePanel {
    history: HistoryList,
}

impl InvokePanel {
    /// Draws the tab.
    pub fn ui(&mut self, ui: &mut egui::Ui, ctx: &ViewContext<'_>, commands: &mut Vec<Command>) {
        let event = ctx.event();
        let session = ctx.session;
        self.history.follow(event, &session.invocation);
        if let Some(notice) = &session.invoke_notice {
            ui.colored_label(ui.visuals().warn_fg_color, notice);
        }
        function_line_ui(
            ui,
            ctx,
            event,
            "none configured: invoke a URL below, or create one in the Function tab",
            commands,
        );
        ui.horizontal(|ui| {
            let label = ui.label("Invoke a URL instead:");
            let mut url = session.invoke_url.clone();
            let edit = ui
                .add(
                    egui::TextEdit::singleline(&mut url)
                        .hint_text("empty: the configured function")
                        .desired_width(320.0),
                )
                .labelled_by(label.id);
            if edit.changed() {
                commands.push(Command::SetInvokeUrl(url));
            }
        });
        payload_ui(ui, ctx, event, commands);
        let url = session.invoke_url();
        let function = session.function_in_use(event);
        let local = url.is_none()
            && function.is_some_and(|f| matches!(f.config.endpoint, Endpoint::Local(_)));
        let source = session.invoke_source(event);
        let running = ctx.is_running(JobKind::Invoke);
        let can_invoke = source.is_some() && !running && (function.is_some() || url.is_some());
        ui.horizontal(|ui| {
            let label = if local { "Run locally" } else { "Invoke" };
            let button = ui
                .add_enabled(can_invoke, egui::Button::new(label))
                .on_hover_text(UiAction::Invoke.tooltip(ui.ctx()));
            if button.clicked()
                && let Some(source) = source.clone()
            {
                commands.push(Command::Invoke {
                    event,
                    source,
                    url: url.clone(),
                });
            }
            if let InvokeStatus::Running {
                event: running,
                started,
            } = session.invocation
            {
                ui.spinner();
                let what = if running == event {
                    "Invoking".to_owned()
                } else {
                    format!("Invoking {}", running.name())
                };
                ui.label(format!("{what}… {:.1} s", started.elapsed().as_secs_f32()));
                if ui.button("Cancel").clicked() {
                    commands.push(Command::CancelInvoke);
                }
            }
            if let Some(source) = &source
                && !local
                && ui.button("Copy as curl").clicked()
            {
                commands.push(Command::CopyCurl {
                    event,
                    source: source.clone(),
                    url,
                });
            }
        });
        ui.separator();
        egui::Panel::right("invoke-history")
            .resizable(true)
            .default_size(300.0)
            .show(ui, |ui| {
                self.history.ui(ui, event, &session.history, commands);
            });
        let shown = self.history.shown(&session.history);
        egui::ScrollArea::vertical()
            .id_salt("invocation-result")
            .show(ui, |ui| match shown {
                Some(record) => invocation_ui(ui, record),
                None => latest_ui(ui, event, &session.invocation, session.latest.as_ref()),
            });
    }
}

/// The latest invocation of `event`; while one runs or after a cancel, that instead of an older
/// result.
pub fn latest_ui(
    ui: &mut egui::Ui,
    event: EventId,
    status: &InvokeStatus,
    latest: Option<&Invocation>,
) {
    match status {
        InvokeStatus::Running { event: e, .. } if *e == event => {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.weak("Waiting for the answer…");
            });
        }
        InvokeStatus::Cancelled { event: e } if *e == event => {
            ui.weak("The last invocation was cancelled: no result.");
        }
        _ => match latest.filter(|r| r.event == event) {
            Some(record) => invocation_ui(ui, record),
            None => {
                ui.weak("No invocation yet for this event.");
            }
        },
    }
}

/// The payload picker: the loaded payload or one of the event's samples.
fn payload_ui(
    ui: &mut egui::Ui,
    ctx: &ViewContext<'_>,
    event: EventId,
    commands: &mut Vec<Command>,
) {
    let session = ctx.session;
    let loaded = session.loaded.as_ref();
    let current = session.invoke_choice(event);
    ui.horizontal(|ui| {
        let label = ui.label("Payload:");
        let selected = match current {
            Some(InvokePayload::Sample(s)) => s.file_name.to_owned(),
            _ => loaded.map_or("(none loaded)".to_owned(), |l| {
                format!("loaded: {}", l.payload.file_name())
            }),
        };
        let mut choice = current;
        egui::ComboBox::from_id_salt("invoke-payload")
            .selected_text(selected)
            .width(320.0)
            .show_ui(ui, |ui| {
                if let Some(l) = loaded {
                    ui.selectable_value(
                        &mut choice,
                        Some(InvokePayload::Loaded),
                        format!("loaded: {}", l.payload.file_name()),
                    );
                }
                for sample in samples_for(event) {
                    ui.selectable_value(
                        &mut choice,
                        Some(InvokePayload::Sample(sample)),
                        sample.file_name,
                    )
                    .on_hover_text(sample.description);
                }
            })
            .response
            .labelled_by(label.id);
        if choice != current
            && let Some(choice) = choice
        {
            commands.push(Command::ChooseInvokePayload { event, choice });
        }
        if let (Some(InvokePayload::Loaded), Some(l)) = (current, loaded) {
            let counts = l.inspection.counts();
            if counts.errors + counts.warnings > 0 {
                ui.colored_label(
                    ui.visuals().warn_fg_color,
                    format!("{}: sent as it is", l.inspection.summary()),
                );
            }
        }
    });
}
