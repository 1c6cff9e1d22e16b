//! The Function tab's form over a working copy of the function: name, description, state,
//! timeout, headers, the endpoint (`endpoint.rs`) and the code editor. Each field shows its
//! error next to it; the tab turns changes into commands.

use super::endpoint::{endpoint_ui, field_error_ui, text_row};
use crate::catalog::EventId;
use crate::functions::{FieldError, FunctionConfig, FunctionState, MAX_TIMEOUT_MS};
use crate::invoke::SessionSecrets;
use crate::ui::app::commands::Command;
use crate::ui::widgets::named_map::{NamedMap, Part, named_map_ui};

/// Draws the form; edits `draft` in place and queues the session secrets typed in.
pub fn form_ui(
    ui: &mut egui::Ui,
    event: EventId,
    draft: &mut FunctionConfig,
    secrets: &SessionSecrets,
    errors: &[FieldError],
    commands: &mut Vec<Command>,
) {
    egui::Grid::new("function-form-grid")
        .num_columns(2)
        .spacing([12.0, 6.0])
        .show(ui, |ui| {
            text_row(ui, "Name", &mut draft.name, errors, "name", "");
            text_row(
                ui,
                "Description",
                &mut draft.description,
                errors,
                "description",
                "",
            );
            ui.label("State");
            ui.horizontal(|ui| {
                ui.radio_value(&mut draft.state, FunctionState::Draft, "Draft");
                ui.radio_value(&mut draft.state, FunctionState::Deployed, "Deployed");
            });
            ui.end_row();
            let label = ui.label("Timeout");
            ui.vertical(|ui| {
                ui.add(
                    egui::DragValue::new(&mut draft.timeout_ms)
                        .range(1..=MAX_TIMEOUT_MS)
                        .suffix(" ms"),
                )
                .labelled_by(label.id);
                field_error_ui(ui, errors, "timeout_ms");
            });
            ui.end_row();
            let label = ui.label("Headers");
            headers_ui(ui, draft, errors, label.id);
            ui.end_row();
        });
    ui.add_space(6.0);
    endpoint_ui(ui, event, &mut draft.endpoint, secrets, errors, commands);
}

fn headers_ui(
    ui: &mut egui::Ui,
    draft: &mut FunctionConfig,
    errors: &[FieldError],
    label: egui::Id,
) {
    let spec = NamedMap {
        label,
        remove_hint: "Remove this header",
        add: "Add header",
        add_hint: None,
        new_name: "X-Header",
        name_width: 140.0,
    };
    named_map_ui(
        ui,
        &mut draft.headers,
        &spec,
        |ui, part, name, value| match part {
            Part::Beside { name_field } => {
                ui.add(egui::TextEdit::singleline(value).desired_width(200.0))
                    .labelled_by(name_field);
            }
            Part::Below => field_error_ui(ui, errors, &format!("headers.{name}")),
        },
    );
}
