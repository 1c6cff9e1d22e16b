//! The Function tab: create the event's one function from its template, edit it (name,
//! description, state, timeout, headers, endpoint, code), save, revert, remove.

use std::collections::HashMap;

use egui::{Key, KeyboardShortcut, Modifiers};

use super::app::Command;
use super::commands::FunctionsDialog;
use super::endpoint_form::{endpoint_ui, field_error_ui, text_row};
use super::invoke_panel::Running;
use super::result_view::invocation_ui;
use super::theme;
use crate::catalog::EventId;
use crate::functions::{
    EndpointKind, FunctionConfig, FunctionState, FunctionStore, MAX_TIMEOUT_MS, validate,
};
use crate::invoke::{Invocation, SessionSecrets};

/// What the Function tab shows of local runs.
pub struct LocalRunView<'a> {
    /// The payload a run sends.
    pub payload_name: String,
    /// The running invocation, if any.
    pub running: Option<&'a Running>,
    /// The last invocation (shown when it was a local run of this event).
    pub latest: Option<&'a Invocation>,
}

const SAVE_SHORTCUT: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::S);

/// The outcome of the last action, shown at the top of the tab.
#[derive(Clone, Debug, PartialEq)]
pub enum PanelMessage {
    /// It worked.
    Done(String),
    /// It was refused or failed.
    Failed(String),
    /// The file changed on disk: reload it, or overwrite it with this event's edit.
    Conflict(String),
}

/// Widget state of the Function tab: the edits not saved yet, per event.
#[derive(Default)]
pub struct FunctionPanel {
    drafts: HashMap<EventId, FunctionConfig>,
    new_names: HashMap<EventId, String>,
    confirm_remove: Option<EventId>,
    import_replaces: bool,
    /// The outcome of the last action.
    pub message: Option<PanelMessage>,
}

impl FunctionPanel {
    /// Forgets the edit of an event (after it was saved, removed or reverted).
    pub fn forget_draft(&mut self, event: EventId) {
        self.drafts.remove(&event);
    }

    /// Draws the tab.
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        event: EventId,
        store: &FunctionStore,
        secrets: &mut SessionSecrets,
        local: &LocalRunView<'_>,
        commands: &mut Vec<Command>,
    ) {
        ui.horizontal_wrapped(|ui| {
            ui.weak(format!("Functions file: {}", store.path.display()));
            if ui.small_button("Open another file…").clicked() {
                commands.push(Command::FunctionsDialog(FunctionsDialog::Open));
            }
            if ui.small_button("Import…").clicked() {
                commands.push(Command::FunctionsDialog(FunctionsDialog::Import {
                    replace: self.import_replaces,
                }));
            }
            ui.checkbox(&mut self.import_replaces, "import replaces existing");
            if store.get(event).is_some() && ui.small_button("Export this function…").clicked() {
                commands.push(Command::FunctionsDialog(FunctionsDialog::Export(Some(
                    event,
                ))));
            }
            if !store.file.functions.is_empty() && ui.small_button("Export all…").clicked() {
                commands.push(Command::FunctionsDialog(FunctionsDialog::Export(None)));
            }
            if ui.small_button("Reload").clicked() {
                commands.push(Command::ReloadFunctions);
            }
        });
        self.message_ui(ui, event, commands);
        self.create_ui(ui, event, store, commands);
        let Some(stored) = store.get(event) else {
            return;
        };
        ui.separator();
        let draft = self.drafts.entry(event).or_insert_with(|| stored.clone());
        let errors = validate(draft);
        let dirty = draft != stored;
        ui.horizontal(|ui| {
            let save = ui.add_enabled(dirty && errors.is_empty(), egui::Button::new("Save"));
            let save = save.on_hover_text("Save to the functions file (Ctrl+S)");
            let shortcut = ui.input_mut(|i| i.consume_shortcut(&SAVE_SHORTCUT));
            if (save.clicked() || (shortcut && dirty && errors.is_empty())) && dirty {
                commands.push(Command::SaveFunction {
                    event,
                    config: Box::new(draft.clone()),
                    overwrite: false,
                });
            }
            if ui.add_enabled(dirty, egui::Button::new("Revert")).clicked() {
                *draft = stored.clone();
            }
            if draft.state == FunctionState::Draft && ui.button("Mark deployed").clicked() {
                draft.state = FunctionState::Deployed;
            }
            if ui.button("Remove…").clicked() {
                self.confirm_remove = Some(event);
            }
            if dirty {
                ui.colored_label(ui.visuals().warn_fg_color, "Unsaved changes");
            }
            if !errors.is_empty() {
                theme::error_label(
                    ui,
                    &format!("{} field(s) to fix before saving", errors.len()),
                );
            }
        });
        egui::ScrollArea::vertical()
            .id_salt("function-form")
            .show(ui, |ui| {
                form_ui(ui, event, draft, secrets, &errors);
                ui.add_space(6.0);
                let label = ui
                    .horizontal(|ui| {
                        let label = ui.strong("Code");
                        local_run_ui(ui, event, draft, local, commands);
                        label
                    })
                    .inner;
                code_editor_ui(ui, &mut draft.code, label.id);
                local_result_ui(ui, event, local);
            });
        self.remove_modal(ui, event, stored, commands);
    }

    fn message_ui(&mut self, ui: &mut egui::Ui, event: EventId, commands: &mut Vec<Command>) {
        let Some(message) = &self.message else {
            return;
        };
        match message {
            PanelMessage::Done(text) => {
                ui.label(text);
            }
            PanelMessage::Failed(text) => theme::error_label(ui, text),
            PanelMessage::Conflict(text) => {
                theme::error_label(ui, text);
                ui.horizontal(|ui| {
                    if ui
                        .button("Reload the file (keep my edit to redo)")
                        .clicked()
                    {
                        commands.push(Command::ReloadFunctions);
                    }
                    if let Some(draft) = self.drafts.get(&event)
                        && ui.button("Overwrite the file with my edit").clicked()
                    {
                        commands.push(Command::SaveFunction {
                            event,
                            config: Box::new(draft.clone()),
                            overwrite: true,
                        });
                    }
                });
            }
        }
    }

    fn create_ui(
        &mut self,
        ui: &mut egui::Ui,
        event: EventId,
        store: &FunctionStore,
        commands: &mut Vec<Command>,
    ) {
        let name = self
            .new_names
            .entry(event)
            .or_insert_with(|| FunctionConfig::suggested_name(event).to_owned());
        if store.get(event).is_none() {
            ui.label(format!(
                "{} has no function yet. An event has exactly one function; its code starts from the event's template.",
                event.name()
            ));
        }
        ui.horizontal(|ui| {
            let label = ui.label("New function's name:");
            ui.add(egui::TextEdit::singleline(name).desired_width(200.0))
                .labelled_by(label.id);
            if ui.button("Create from template").clicked() {
                commands.push(Command::CreateFunction {
                    event,
                    name: name.trim().to_owned(),
                });
            }
        });
    }

    fn remove_modal(
        &mut self,
        ui: &mut egui::Ui,
        event: EventId,
        stored: &FunctionConfig,
        commands: &mut Vec<Command>,
    ) {
        if self.confirm_remove != Some(event) {
            return;
        }
        let modal = egui::Modal::new(egui::Id::unique("confirm-remove")).show(ui.ctx(), |ui| {
            ui.label(format!(
                "Remove '{}', the function of {}? Its code and settings leave the functions file (the previous file stays as functions.json.bak).",
                stored.name,
                event.name()
            ));
            ui.horizontal(|ui| {
                if ui.button("Remove the function").clicked() {
                    commands.push(Command::RemoveFunction(event));
                    self.confirm_remove = None;
                }
                if ui.button("Keep it").clicked() {
                    self.confirm_remove = None;
                }
            });
        });
        if modal.should_close() {
            self.confirm_remove = None;
        }
    }
}

fn form_ui(
    ui: &mut egui::Ui,
    event: EventId,
    draft: &mut FunctionConfig,
    secrets: &mut SessionSecrets,
    errors: &[crate::functions::FieldError],
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
    endpoint_ui(ui, event, &mut draft.endpoint, secrets, errors);
}

fn local_run_ui(
    ui: &mut egui::Ui,
    event: EventId,
    draft: &FunctionConfig,
    local: &LocalRunView<'_>,
    commands: &mut Vec<Command>,
) {
    {
        let button = ui
            .add_enabled(local.running.is_none(), egui::Button::new("Run locally"))
            .on_hover_text(
                "Run this code in-process, as edited, with the platform's limits (payload: chosen in the Invocations tab)",
            );
        if button.clicked() {
            commands.push(Command::RunLocally {
                event,
                name: draft.name.clone(),
                code: draft.code.clone(),
                timeout_ms: draft.timeout_ms,
            });
        }
        ui.weak(format!("with {}", local.payload_name));
        if let Some(running) = local.running {
            ui.spinner();
            ui.label(format!(
                "Running… {:.1} s",
                running.started.elapsed().as_secs_f32()
            ));
            if ui.button("Cancel").clicked() {
                commands.push(Command::CancelInvoke);
            }
        }
    }
}

fn local_result_ui(ui: &mut egui::Ui, event: EventId, local: &LocalRunView<'_>) {
    if let Some(record) = local
        .latest
        .filter(|r| r.event == event && r.endpoint_kind == EndpointKind::Local)
    {
        ui.separator();
        invocation_ui(ui, record);
    }
}

fn headers_ui(
    ui: &mut egui::Ui,
    draft: &mut FunctionConfig,
    errors: &[crate::functions::FieldError],
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

/// A code editor with JavaScript highlighting.
pub fn code_editor_ui(ui: &mut egui::Ui, code: &mut String, label: egui::Id) {
    let theme = egui_extras::syntax_highlighting::CodeTheme::from_memory(ui.ctx(), ui.style());
    let mut layouter = |ui: &egui::Ui, text: &dyn egui::TextBuffer, wrap_width: f32| {
        let mut job = egui_extras::syntax_highlighting::highlight(
            ui.ctx(),
            ui.style(),
            &theme,
            text.as_str(),
            "js",
        );
        job.wrap.max_width = wrap_width;
        ui.fonts_mut(|f| f.layout_job(job))
    };
    egui::ScrollArea::vertical()
        .id_salt("code-editor")
        .max_height(420.0)
        .show(ui, |ui| {
            ui.add(
                egui::TextEdit::multiline(code)
                    .code_editor()
                    .desired_rows(18)
                    .desired_width(f32::INFINITY)
                    .layouter(&mut layouter),
            )
            .labelled_by(label);
        });
}
