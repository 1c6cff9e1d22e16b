//! The left panel: the three events, each with its source and function status.

use super::app::{Command, Loaded};
use crate::catalog::EventId;

/// The event list. Holds no state of its own: the selection lives in the app's state.
pub struct EventsPanel;

impl EventsPanel {
    /// Draws the list and queues `SelectEvent` on a click.
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        selected: EventId,
        loaded: Option<&Loaded>,
        commands: &mut Vec<Command>,
    ) {
        ui.add_space(4.0);
        ui.heading("Events");
        ui.add_space(4.0);
        for event in EventId::ALL {
            let spec = event.spec();
            let response = ui.selectable_label(selected == event, spec.name);
            if response.clicked() {
                commands.push(Command::SelectEvent(event));
            }
            ui.indent(event.id(), |ui| {
                ui.weak(format!("{}, {}", spec.source, spec.channel));
                ui.weak("No function yet");
                if let Some(loaded) = loaded
                    && loaded.inspection.event() == event
                {
                    ui.weak(format!("Payload: {}", loaded.payload.file_name()));
                }
            });
            ui.add_space(6.0);
        }
    }
}
