//! The history beside the Invocations tab's result: newest first, optionally only the selected
//! event's; click an entry to show it in full, or send its request again.

use std::time::Instant;

use crate::catalog::EventId;
use crate::functions::EndpointKind;
use crate::invoke::Invocation;
use crate::ui::app::commands::{Command, InvokeSource};
use crate::ui::app::session::InvokeStatus;

/// Widget state of the history list.
#[derive(Default)]
pub struct HistoryList {
    /// The entry shown in full (index into the history); the latest result when `None`.
    shown: Option<usize>,
    only_this_event: bool,
    /// The start of the last invocation seen: a new one shows the latest result again.
    seen: Option<Instant>,
    /// The event last drawn for: selecting another one shows its latest result.
    event: Option<EventId>,
}

impl HistoryList {
    /// The history entry shown in full, if one was clicked.
    pub fn shown<'a>(&self, history: &'a [Invocation]) -> Option<&'a Invocation> {
        history.get(self.shown?)
    }

    /// Goes back to the latest result when another event is selected or a new invocation
    /// started (by button, shortcut or re-run).
    pub fn follow(&mut self, event: EventId, status: &InvokeStatus) {
        if self.event.replace(event) != Some(event) {
            self.shown = None;
        }
        if let InvokeStatus::Running { started, .. } = status
            && self.seen != Some(*started)
        {
            self.seen = Some(*started);
            self.shown = None;
        }
    }

    /// Draws the list.
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        event: EventId,
        history: &[Invocation],
        commands: &mut Vec<Command>,
    ) {
        ui.horizontal(|ui| {
            ui.strong("History");
            ui.checkbox(&mut self.only_this_event, "this event only");
        });
        let entries: Vec<usize> = (0..history.len())
            .rev()
            .filter(|&i| !self.only_this_event || history[i].event == event)
            .collect();
        if entries.is_empty() {
            ui.weak("No invocations yet.");
            return;
        }
        let row_height = ui.text_style_height(&egui::TextStyle::Body) * 2.0 + 8.0;
        egui::ScrollArea::vertical()
            .id_salt("history-list")
            .show_rows(ui, row_height, entries.len(), |ui, range| {
                for &i in &entries[range] {
                    let record = &history[i];
                    ui.horizontal(|ui| {
                        let text = format!(
                            "{}\n{} · {}",
                            record.headline(),
                            record.event.name(),
                            record.function.as_deref().unwrap_or(&record.endpoint)
                        );
                        if ui.selectable_label(self.shown == Some(i), text).clicked() {
                            self.shown = Some(i);
                        }
                        if ui.small_button("Re-run").clicked() {
                            self.shown = None;
                            commands.push(Command::Invoke {
                                event: record.event,
                                source: InvokeSource::Recorded(Box::new(
                                    record.request.body.clone(),
                                )),
                                url: (record.endpoint_kind == EndpointKind::Url)
                                    .then(|| record.endpoint.clone()),
                            });
                        }
                    });
                }
            });
    }
}
