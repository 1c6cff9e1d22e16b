//! The left panel: the three events, each with its source, function status and loaded payload,
//! and the entry of the Livechat survey view.

use crate::catalog::EventId;
use crate::ui::app::commands::Command;
use crate::ui::app::context::ViewContext;
use crate::ui::app::session::StoreState;
use crate::ui::app::state::View;

/// The event list. Holds no state of its own: the selection lives in the app's state.
#[derive(Default)]
pub struct EventsPanel;

impl EventsPanel {
    /// Draws the list and queues `SelectEvent` on a click.
    pub fn ui(&mut self, ui: &mut egui::Ui, ctx: &ViewContext<'_>, commands: &mut Vec<Command>) {
        let selected = (ctx.state.view == View::Events).then_some(ctx.event());
        let session = ctx.session;
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
                match &session.functions {
                    StoreState::Ready(_) => match session.function_edit(event) {
                        Some(f) => {
                            let edited = if session.is_edited(event) {
                                " · unsaved edit"
                            } else {
                                ""
                            };
                            ui.label(format!("fn {} · {}{edited}", f.name, f.state.as_str()))
                                .on_hover_text(f.endpoint.describe());
                        }
                        None => {
                            ui.weak("No function yet");
                        }
                    },
                    StoreState::Reading(_) => {
                        ui.weak("reading the functions file…");
                    }
                    StoreState::Unreadable { .. } => {
                        ui.colored_label(ui.visuals().error_fg_color, "functions file unreadable");
                    }
                }
                if let Some(loaded) = &session.loaded
                    && loaded.inspection.event() == event
                {
                    ui.weak(format!("Payload: {}", loaded.payload.file_name()));
                }
            });
            ui.add_space(6.0);
        }
        ui.separator();
        let livechat = ctx.state.view == View::Livechat;
        if ui.selectable_label(livechat, "Livechat survey").clicked() {
            commands.push(Command::ShowView(View::Livechat));
        }
        ui.indent("livechat", |ui| ui.weak("Rocket.Chat, room.survey"));
    }
}
