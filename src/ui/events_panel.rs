//! The left panel: the three events, each with its source and function status.

use super::app::{Command, Loaded};
use crate::catalog::EventId;
use crate::functions::FunctionStore;

/// The event list. Holds no state of its own: the selection lives in the app's state.
pub struct EventsPanel;

impl EventsPanel {
    /// Draws the list and queues `SelectEvent` on a click.
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        selected: Option<EventId>,
        loaded: Option<&Loaded>,
        store: Option<&FunctionStore>,
        commands: &mut Vec<Command>,
    ) {
        ui.add_space(4.0);
        ui.heading("Events");
        ui.add_space(4.0);
        for event in EventId::ALL {
            let spec = event.spec();
            let response = ui.selectable_label(selected == Some(event), spec.name);
            if response.clicked() {
                commands.push(Command::SelectEvent(event));
            }
            ui.indent(event.id(), |ui| {
                ui.weak(format!("{}, {}", spec.source, spec.channel));
                match store.and_then(|s| s.get(event)) {
                    Some(f) => {
                        ui.label(format!("fn {} · {}", f.name, f.state.as_str()))
                            .on_hover_text(f.endpoint.describe());
                    }
                    None if store.is_none() => {
                        ui.colored_label(ui.visuals().error_fg_color, "functions file unreadable");
                    }
                    None => {
                        ui.weak("No function yet");
                    }
                }
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
