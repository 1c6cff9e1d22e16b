//! The Function tab's form over a working copy of the function: name, description, state,
//! timeout, headers, the endpoint (`endpoint.rs`) and the code editor. Each field shows its
//! error next to it; the tab turns changes into commands.

use super::endpoint::{endpoint_ui, field_error_ui, text_row};
use crate::catalog::EventId;
use crate::functions::{FieldError, FunctionConfig, FunctionState, MAX_TIMEOUT_MS};
use crate::invoke::SessionSecrets;
use crate::ui::app::commands::Command;

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
    ui.vertical(|ui| {
        let mut rename: Option<(String, String)> = None;
        let mut remove: Option<String> = None;
        for (key, value) in draft.headers.iter_mut() {
            ui.horizontal(|ui| {
                let mut name = key.clone();
                let name_edit = ui
                    .add(egui::TextEdit::singleline(&mut name).desired_width(140.0))
                    .labelled_by(label);
                if name_edit.changed() {
                    rename = Some((key.clone(), name));
                }
                ui.add(egui::TextEdit::singleline(value).desired_width(200.0))
                    .labelled_by(name_edit.id);
                if ui
                    .small_button("x")
                    .on_hover_text("Remove this header")
                    .clicked()
                {
                    remove = Some(key.clone());
                }
            });
            field_error_ui(ui, errors, &format!("headers.{key}"));
        }
        if let Some((old, new)) = rename
            && !draft.headers.contains_key(&new)
            && let Some(value) = draft.headers.remove(&old)
        {
            draft.headers.insert(new, value);
        }
        if let Some(key) = remove {
            draft.headers.remove(&key);
        }
        if ui.small_button("Add header").clicked() {
            let mut n = 1;
            while draft.headers.contains_key(&format!("X-Header-{n}")) {
                n += 1;
            }
            draft.headers.insert(format!("X-Header-{n}"), String::new());
        }
    });
}
