//! The Function tab: create the event's one function from its template, edit it (name,
//! description, state, timeout, headers, endpoint and its engine, platform version, environment,
//! allowlist, secrets, code), see what the platform's editor would say of the code, save,
//! revert, remove, run it locally (installing the platform's modules on first use).
//!
//! The unsaved edit lives in the session, where the Invocations and Batch tabs see it too. The
//! tab edits a copy of it each frame and pushes the changed copy back as `EditDraft`.

mod checks;
mod endpoint;
mod form;
mod local_run;
mod platform;

use std::collections::HashMap;

use self::checks::{code_marker, findings_of, findings_ui, modules_ui};
use self::form::form_ui;
use self::local_run::{local_result_ui, local_run_shown, local_run_ui};
use self::platform::platform_ui;
use crate::catalog::EventId;
use crate::functions::{Endpoint, FunctionConfig, FunctionState, FunctionStore, validate};
use crate::invoke::local::check::has_errors;
use crate::ui::app::commands::{Command, FilePurpose, FunctionsMessage, UiAction};
use crate::ui::app::context::ViewContext;
use crate::ui::app::jobs::JobKind;
use crate::ui::app::session::StoreState;
use crate::ui::widgets::busy;
use crate::ui::widgets::code_editor::code_editor_ui;
use crate::ui::widgets::elide::start_elided_label;
use crate::ui::widgets::theme;

/// Widget state of the Function tab.
#[derive(Default)]
pub struct FunctionPanel {
    new_names: HashMap<EventId, String>,
    confirm_remove: Option<EventId>,
    import_replaces: bool,
    /// The error position last scrolled to, so the editor scrolls to a new one once.
    marked: Option<(EventId, u32, u32)>,
}

impl FunctionPanel {
    /// Draws the tab.
    pub fn ui(&mut self, ui: &mut egui::Ui, ctx: &ViewContext<'_>, commands: &mut Vec<Command>) {
        let event = ctx.event();
        let store = match &ctx.session.functions {
            StoreState::Ready(store) => store,
            StoreState::Reading(path) => {
                ui.horizontal(|ui| {
                    busy::spinner(ui);
                    ui.label(format!("Reading {}…", path.display()));
                });
                return;
            }
            StoreState::Unreadable { error, .. } => {
                unreadable_ui(ui, error, commands);
                return;
            }
        };
        self.file_bar_ui(ui, ctx, store, commands);
        let Some(stored) = store.get(event) else {
            message_ui(ui, ctx, event, commands);
            self.create_ui(ui, event, store, commands);
            return;
        };
        ui.separator();
        let before = ctx.session.function_edit(event).unwrap_or(stored);
        let mut draft = before.clone();
        let errors = validate(&draft);
        let dirty = draft != *stored;
        let findings = findings_of(ctx, event, &draft, commands);
        let writing = ctx.is_running(JobKind::FunctionsFile);
        ui.horizontal(|ui| {
            let can_save = dirty && errors.is_empty() && !writing;
            // The platform's editor would refuse such code; a draft may still be kept.
            let code_errors = findings.is_some_and(has_errors);
            let save_label = if code_errors {
                "Save with code errors"
            } else {
                "Save"
            };
            let save = ui
                .add_enabled(can_save, egui::Button::new(save_label))
                .on_hover_text(UiAction::SaveFunction.hover_text(ui.ctx()));
            if save.clicked() {
                commands.push(Command::SaveFunction {
                    event,
                    config: Box::new(draft.clone()),
                    overwrite: false,
                });
            }
            if ui.add_enabled(dirty, egui::Button::new("Revert")).clicked() {
                commands.push(Command::RevertDraft(event));
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
            if let Some(job) = ctx.job(JobKind::FunctionsFile) {
                busy::spinner(ui);
                ui.label(&job.label);
            } else {
                // Right of the buttons, so they never move when it appears.
                message_line_ui(ui, ctx);
            }
        });
        conflict_ui(ui, ctx, event, commands);
        let shows_run = local_run_shown(ctx, event);
        if shows_run {
            // The run's result beside the code, where it is seen without scrolling.
            egui::Panel::right("local-run")
                .resizable(true)
                .default_size(420.0)
                .min_size(260.0)
                .show(ui, |ui| {
                    egui::ScrollArea::vertical()
                        .id_salt("local-run-scroll")
                        .auto_shrink([false, false])
                        .show(ui, |ui| local_result_ui(ui, ctx, event, commands));
                });
        }
        egui::CentralPanel::no_frame().show(ui, |ui| {
            egui::ScrollArea::vertical()
                .id_salt(("function-form", event))
                .show(ui, |ui| {
                    form_ui(
                        ui,
                        event,
                        &mut draft,
                        &ctx.session.secrets,
                        &errors,
                        commands,
                    );
                    if let Endpoint::Liveperson(_) = &draft.endpoint {
                        deployed_ui(ui, ctx, event, commands);
                    }
                    ui.add_space(6.0);
                    platform_ui(
                        ui,
                        event,
                        &mut draft,
                        &ctx.session.secrets,
                        &errors,
                        commands,
                    );
                    ui.add_space(6.0);
                    let label = ui
                        .horizontal(|ui| {
                            let label = ui.strong("Code");
                            local_run_ui(ui, ctx, event, commands);
                            label
                        })
                        .inner;
                    findings_ui(ui, ctx, findings);
                    let (marker, from_run) = code_marker(ctx, event, &draft.code, findings);
                    let new_mark = marker.as_ref().map(|m| (event, m.line, m.column));
                    let scroll = new_mark.is_some() && self.marked != new_mark;
                    self.marked = new_mark;
                    let _ = code_editor_ui(
                        ui,
                        egui::Id::unique(("code-editor", event)),
                        &mut draft.code,
                        "js",
                        18,
                        460.0,
                        marker.as_ref(),
                        scroll,
                        Some(label.id),
                    );
                    // A finding is listed above the code already; a run's error is not.
                    if let Some(m) = marker.as_ref().filter(|_| from_run) {
                        ui.colored_label(
                            ui.visuals().error_fg_color,
                            format!("Line {}, column {}: {}", m.line, m.column, m.message),
                        );
                    }
                    modules_ui(ui, ctx, draft.runtime, commands);
                });
        });
        if draft != *before {
            commands.push(Command::EditDraft {
                event,
                config: Box::new(draft),
            });
        }
        self.remove_modal(ui, event, stored, commands);
    }

    /// The functions file's path and what can be done with the file.
    fn file_bar_ui(
        &mut self,
        ui: &mut egui::Ui,
        ctx: &ViewContext<'_>,
        store: &FunctionStore,
        commands: &mut Vec<Command>,
    ) {
        let event = ctx.event();
        let dialog = ctx.session.prompt.is_none();
        // One row that never wraps: the buttons first, then the file's path, cut at its start
        // so the file name stays.
        ui.horizontal(|ui| {
            let mut choose = |ui: &mut egui::Ui, label: &str, purpose: FilePurpose| {
                let button = ui.add_enabled(dialog, egui::Button::new(label).small());
                if button.clicked() {
                    commands.push(Command::ChooseFile(purpose));
                }
            };
            choose(ui, "Open another file…", FilePurpose::OpenFunctions);
            choose(
                ui,
                "Import…",
                FilePurpose::ImportFunctions {
                    replace: self.import_replaces,
                },
            );
            ui.checkbox(&mut self.import_replaces, "import replaces existing");
            if store.get(event).is_some() {
                choose(
                    ui,
                    "Export this function…",
                    FilePurpose::ExportFunctions(Some(event)),
                );
            }
            if !store.file.functions.is_empty() {
                choose(ui, "Export all…", FilePurpose::ExportFunctions(None));
            }
            if ui.small_button("Reload").clicked() {
                commands.push(Command::ReloadFunctions);
            }
            let path = format!("Functions file: {}", store.path.display());
            start_elided_label(ui, &path, egui::TextStyle::Body, true, None);
        });
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
        if store.get(event).is_some() {
            return;
        }
        ui.label(format!(
            "{} has no function yet. An event has exactly one function; its code starts from \
             the event's template and runs in-process until you give it an endpoint.",
            event.name()
        ));
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

/// The functions file could not be read: say why, and offer another read or another file.
fn unreadable_ui(ui: &mut egui::Ui, error: &str, commands: &mut Vec<Command>) {
    theme::error_label(ui, error);
    ui.label("Fix the file, or open another one; the console will not write to it.");
    ui.horizontal(|ui| {
        if ui.button("Reload").clicked() {
            commands.push(Command::ReloadFunctions);
        }
        if ui.button("Open another file…").clicked() {
            commands.push(Command::ChooseFile(FilePurpose::OpenFunctions));
        }
    });
}

/// The outcome of the last action on the functions file, on its own lines (no function yet).
fn message_ui(
    ui: &mut egui::Ui,
    ctx: &ViewContext<'_>,
    event: EventId,
    commands: &mut Vec<Command>,
) {
    match &ctx.session.functions_message {
        Some(FunctionsMessage::Done(text)) => {
            ui.label(text);
        }
        Some(FunctionsMessage::Failed(text) | FunctionsMessage::Conflict(text)) => {
            theme::error_label(ui, text);
        }
        None => {}
    }
    conflict_ui(ui, ctx, event, commands);
}

/// The outcome of the last action on the functions file, in one line (the whole on hover).
fn message_line_ui(ui: &mut egui::Ui, ctx: &ViewContext<'_>) {
    let (text, color) = match &ctx.session.functions_message {
        Some(FunctionsMessage::Done(text)) => (text, ui.visuals().text_color()),
        Some(FunctionsMessage::Failed(text) | FunctionsMessage::Conflict(text)) => {
            (text, ui.visuals().error_fg_color)
        }
        None => return,
    };
    ui.add(egui::Label::new(egui::RichText::new(text).color(color)).truncate());
}

/// The file changed on disk: reload it, or overwrite it with this event's edit.
fn conflict_ui(
    ui: &mut egui::Ui,
    ctx: &ViewContext<'_>,
    event: EventId,
    commands: &mut Vec<Command>,
) {
    if !matches!(
        ctx.session.functions_message,
        Some(FunctionsMessage::Conflict(_))
    ) {
        return;
    }
    ui.horizontal(|ui| {
        if ui
            .button("Reload the file (keep my edit to redo)")
            .clicked()
        {
            commands.push(Command::ReloadFunctions);
        }
        if let Some(draft) = ctx.session.drafts.get(&event)
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

/// Whether the platform has a function deployed for the event: LivePerson's `isImplemented`,
/// asked on a worker.
fn deployed_ui(
    ui: &mut egui::Ui,
    ctx: &ViewContext<'_>,
    event: EventId,
    commands: &mut Vec<Command>,
) {
    ui.add_space(4.0);
    ui.horizontal_wrapped(|ui| {
        let asking = ctx.is_running(JobKind::Deployed);
        let button = ui
            .add_enabled(
                !asking,
                egui::Button::new("Ask LivePerson what is deployed"),
            )
            .on_hover_text(format!(
                "…/events/{}/isImplemented, with this function's account and credentials",
                event.spec().platform_id
            ));
        if button.clicked() {
            commands.push(Command::AskDeployed(event));
        }
        if asking {
            busy::spinner(ui);
        }
        match ctx.session.deployed.get(&event) {
            Some(Ok(true)) => {
                ui.label(format!(
                    "Deployed: the platform has a function for {}.",
                    event.spec().platform_id
                ));
            }
            Some(Ok(false)) => {
                ui.colored_label(
                    ui.visuals().warn_fg_color,
                    format!(
                        "Not deployed: the platform has no function for {}.",
                        event.spec().platform_id
                    ),
                );
            }
            Some(Err(error)) => theme::error_label(ui, error),
            None => {}
        }
    });
}
