//! The Function tab: create the event's one function from its template, edit it (name,
//! description, state, timeout, headers, endpoint and its engine, platform version, environment,
//! allowlist, secrets, code), see what the platform's editor would say of the code, save,
//! revert, remove, run it locally (installing the platform's modules on first use).
//!
//! The unsaved edit lives in the session, where the Invocations and Batch tabs see it too. The
//! tab edits a copy of it each frame and pushes the changed copy back as `EditDraft`.

mod endpoint;
mod form;
mod platform;

use std::collections::HashMap;

use self::form::{code_editor_ui, form_ui};
use self::platform::platform_ui;
use crate::catalog::EventId;
use crate::functions::{
    Endpoint, EndpointKind, FunctionConfig, FunctionState, FunctionStore, validate,
};
use crate::invoke::local::check::{Finding, Severity, has_errors};
use crate::ui::app::commands::{Command, FilePurpose, FunctionsMessage, UiAction};
use crate::ui::app::context::ViewContext;
use crate::ui::app::jobs::JobKind;
use crate::ui::app::session::{InvokeStatus, StoreState, code_key};
use crate::ui::widgets::result_view::invocation_ui;
use crate::ui::widgets::theme;

/// Widget state of the Function tab.
#[derive(Default)]
pub struct FunctionPanel {
    new_names: HashMap<EventId, String>,
    confirm_remove: Option<EventId>,
    import_replaces: bool,
}

impl FunctionPanel {
    /// Draws the tab.
    pub fn ui(&mut self, ui: &mut egui::Ui, ctx: &ViewContext<'_>, commands: &mut Vec<Command>) {
        let event = ctx.event();
        let store = match &ctx.session.functions {
            StoreState::Ready(store) => store,
            StoreState::Reading(path) => {
                ui.horizontal(|ui| {
                    ui.spinner();
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
        message_ui(ui, ctx, event, commands);
        self.create_ui(ui, event, store, commands);
        let Some(stored) = store.get(event) else {
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
                .on_hover_text(UiAction::SaveFunction.tooltip(ui.ctx()));
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
                ui.spinner();
                ui.label(&job.label);
            }
        });
        egui::ScrollArea::vertical()
            .id_salt("function-form")
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
                code_editor_ui(ui, &mut draft.code, label.id);
                modules_ui(ui, ctx, draft.runtime, commands);
                local_result_ui(ui, ctx, event);
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
        let dialog = !ctx.is_running(JobKind::FileDialog);
        ui.horizontal_wrapped(|ui| {
            ui.weak(format!("Functions file: {}", store.path.display()));
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

/// The outcome of the last action on the functions file.
fn message_ui(
    ui: &mut egui::Ui,
    ctx: &ViewContext<'_>,
    event: EventId,
    commands: &mut Vec<Command>,
) {
    let Some(message) = &ctx.session.functions_message else {
        return;
    };
    match message {
        FunctionsMessage::Done(text) => {
            ui.label(text);
        }
        FunctionsMessage::Failed(text) => theme::error_label(ui, text),
        FunctionsMessage::Conflict(text) => {
            theme::error_label(ui, text);
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
    }
}

/// Run locally, with the payload chosen in the Invocations tab.
fn local_run_ui(
    ui: &mut egui::Ui,
    ctx: &ViewContext<'_>,
    event: EventId,
    commands: &mut Vec<Command>,
) {
    let running = ctx.is_running(JobKind::Invoke);
    let button = ui
        .add_enabled(!running, egui::Button::new("Run locally"))
        .on_hover_text(
            "Run this code in-process, as edited, with the platform's limits (payload: chosen in the Invocations tab)",
        );
    if button.clicked() {
        commands.push(Command::RunLocally(event));
    }
    ui.weak(format!("with {}", ctx.session.invoke_payload_name(event)));
    if let InvokeStatus::Running { started, .. } = ctx.session.invocation {
        ui.spinner();
        ui.label(format!("Running… {:.1} s", started.elapsed().as_secs_f32()));
        if ui.button("Cancel").clicked() {
            commands.push(Command::CancelInvoke);
        }
    }
}

/// The save-time findings of the draft's code, checked on a worker once per edit; `None` until
/// the check of this version of the code is back.
fn findings_of<'a>(
    ctx: &ViewContext<'a>,
    event: EventId,
    draft: &FunctionConfig,
    commands: &mut Vec<Command>,
) -> Option<&'a [Finding]> {
    let key = code_key(&draft.code, draft.runtime);
    match ctx.session.local.findings.get(&event) {
        Some(checked) if checked.key == key => Some(&checked.findings),
        _ => {
            if !ctx.is_running(JobKind::CheckCode) {
                commands.push(Command::CheckCode {
                    event,
                    code: draft.code.clone(),
                    runtime: draft.runtime,
                    key,
                });
            }
            None
        }
    }
}

/// What the platform's editor would say of the code on save, beside the code.
fn findings_ui(ui: &mut egui::Ui, ctx: &ViewContext<'_>, findings: Option<&[Finding]>) {
    match findings {
        None => {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.weak("Checking the code as the platform's editor does…");
            });
        }
        Some([]) if !ctx.is_running(JobKind::CheckCode) => {
            ui.weak("The platform's editor would take this code: no findings.");
        }
        Some(findings) => {
            for finding in findings {
                let text = finding.display();
                match finding.severity {
                    Severity::Error => theme::error_label(ui, &text),
                    Severity::Warning => {
                        ui.colored_label(ui.visuals().warn_fg_color, text);
                    }
                }
            }
        }
    }
}

/// npm's progress while the platform's modules install, how the last install ended, and the
/// button that installs them ahead of the first run.
fn modules_ui(
    ui: &mut egui::Ui,
    ctx: &ViewContext<'_>,
    runtime: crate::functions::Runtime,
    commands: &mut Vec<Command>,
) {
    let local = &ctx.session.local;
    let installing = ctx.is_running(JobKind::Modules) || local.modules_progress.is_some();
    ui.horizontal_wrapped(|ui| {
        if installing {
            ui.spinner();
            ui.label(format!(
                "Installing the platform's modules with npm: {}",
                local.modules_progress.as_deref().unwrap_or("starting…")
            ));
        } else {
            let button = ui
                .add_enabled(
                    !ctx.is_running(JobKind::Modules),
                    egui::Button::new("Install the platform's modules").small(),
                )
                .on_hover_text(
                    "Installs the modules this platform version offers (lodash, luxon, jsonwebtoken, …) with npm into the console's data dir; a run that needs them installs them on first use",
                );
            if button.clicked() {
                commands.push(Command::InstallModules(runtime));
            }
            match &local.modules_message {
                Some(Ok(text)) => {
                    ui.weak(text);
                }
                Some(Err(text)) => theme::error_label(ui, text),
                None => {}
            }
        }
    });
}

/// The last local run of this event; nothing while a run is waiting or after a cancel.
fn local_result_ui(ui: &mut egui::Ui, ctx: &ViewContext<'_>, event: EventId) {
    match ctx.session.invocation {
        InvokeStatus::Running { event: e, .. } if e == event => return,
        InvokeStatus::Cancelled { event: e } if e == event => {
            ui.separator();
            ui.weak("The last run was cancelled: no result.");
            return;
        }
        _ => {}
    }
    if let Some(record) = ctx
        .session
        .latest
        .as_ref()
        .filter(|r| r.event == event && r.endpoint_kind == EndpointKind::Local)
    {
        ui.separator();
        invocation_ui(ui, record);
    }
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
            ui.spinner();
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
