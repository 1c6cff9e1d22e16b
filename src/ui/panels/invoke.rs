//! The Invocations tab: which function (and which version of it) is called, the payload (or an
//! edited request, `request_editor.rs`), Invoke (Ctrl+Enter), Cancel, Copy as curl, the result,
//! and the history beside it (`invoke_history.rs`) with any entry reopened or two compared.
//!
//! The buttons sit left of everything that comes and goes (the spinner, "Copied", a notice), so
//! none of them moves under the pointer.

use super::function_line::function_line_ui;
use super::invoke_history::{HistoryList, Shown, differences};
use super::request_editor::RequestEditor;
use crate::catalog::EventId;
use crate::catalog::samples::samples_for;
use crate::functions::{Endpoint, FunctionConfig};
use crate::invoke::Invocation;
use crate::ui::app::actions::UiAction;
use crate::ui::app::commands::{Command, Copied, InvokePayload};
use crate::ui::app::context::ViewContext;
use crate::ui::app::session::InvokeStatus;
use crate::ui::widgets::busy;
use crate::ui::widgets::result_view::{ResultAction, ResultOptions, invocation_ui};

/// Widget state of the Invocations tab.
#[derive(Default)]
pub struct InvokePanel {
    history: HistoryList,
    editor: RequestEditor,
}

impl InvokePanel {
    /// Draws the tab.
    pub fn ui(&mut self, ui: &mut egui::Ui, ctx: &ViewContext<'_>, commands: &mut Vec<Command>) {
        let event = ctx.event();
        let session = ctx.session;
        self.history.follow(event, &session.invocation);
        function_line_ui(
            ui,
            ctx,
            event,
            "none yet: create one below, or invoke a URL",
            commands,
        );
        match session.function_edit(event) {
            None if session.store().is_some() => create_ui(ui, event, commands),
            Some(f) if matches!(f.endpoint, Endpoint::Local(_)) => {
                // The same row as the create button, so nothing below moves once it is made.
                ui.horizontal(|ui| {
                    ui.set_min_height(ui.spacing().interact_size.y);
                    ui.weak(
                        "Runs in-process, with the platform's limits. To call a deployed \
                         function, set its endpoint in the Function tab.",
                    );
                });
            }
            _ => {}
        }
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
        run_row_ui(ui, ctx, event, commands);
        ui.separator();
        egui::Panel::right("invoke-history")
            .resizable(true)
            .default_size(320.0)
            .min_size(220.0)
            .show(ui, |ui| {
                self.history.ui(
                    ui,
                    event,
                    &session.history,
                    session.history_notice.as_deref(),
                    session.find_requests,
                    commands,
                );
            });
        let shown = self.history.shown(&session.history);
        let copied = [Copied::Response, Copied::Request, Copied::RequestId]
            .into_iter()
            .find(|c| session.just_copied(*c));
        let options = ResultOptions {
            verdict: None,
            copied,
        };
        // The rest of the width, clipped: nothing is drawn over the history.
        egui::CentralPanel::no_frame().show(ui, |ui| {
            if let Some(edit) = session.requests.get(&event)
                && !matches!(shown, Some(Shown::Compare(..)))
            {
                let height = (ui.available_height() * 0.45).max(200.0);
                egui::ScrollArea::vertical()
                    .id_salt("request-editor-area")
                    .max_height(height)
                    .show(ui, |ui| {
                        self.editor.ui(ui, ctx, event, edit, height, commands);
                    });
                ui.separator();
            }
            let mut action = None;
            match shown {
                Some(Shown::Compare(a, b)) => {
                    if ui.button("Close the comparison").clicked() {
                        self.history.show_latest();
                    }
                    compare_ui(ui, &session.history[a], &session.history[b], &options);
                }
                Some(Shown::One(i)) => {
                    egui::ScrollArea::vertical()
                        .id_salt("invocation-result")
                        .auto_shrink([false, false])
                        .show(ui, |ui| {
                            ui.horizontal(|ui| {
                                ui.weak("A history entry, reopened in full.");
                                if ui.small_button("Show the latest result").clicked() {
                                    self.history.show_latest();
                                }
                            });
                            action = invocation_ui(ui, &session.history[i], &options);
                        });
                }
                None => {
                    egui::ScrollArea::vertical()
                        .id_salt("invocation-result")
                        .auto_shrink([false, false])
                        .show(ui, |ui| {
                            action = latest_ui(
                                ui,
                                event,
                                &session.invocation,
                                session.latest.as_ref(),
                                &options,
                            );
                        });
                }
            }
            if let Some(ResultAction::Copy(what, text)) = action {
                commands.push(Command::CopyText { what, text });
            }
        });
    }
}

/// No function yet: make one from the event's template in one click. It runs in-process, so
/// the first invocation works with nothing else set up.
fn create_ui(ui: &mut egui::Ui, event: EventId, commands: &mut Vec<Command>) {
    ui.horizontal_wrapped(|ui| {
        let name = FunctionConfig::suggested_name(event);
        if ui
            .button(format!("Create '{name}' from the template"))
            .on_hover_text(
                "The event's template, run inside the console with the platform's limits \
                 (change the endpoint later in the Function tab)",
            )
            .clicked()
        {
            commands.push(Command::CreateFunction {
                event,
                name: name.to_owned(),
            });
        }
        ui.weak("runs in-process: no server needed");
    });
}

/// Invoke, Copy as curl and their confirmations; Cancel and the clock while a call runs.
fn run_row_ui(
    ui: &mut egui::Ui,
    ctx: &ViewContext<'_>,
    event: EventId,
    commands: &mut Vec<Command>,
) {
    let session = ctx.session;
    let url = session.invoke_url();
    let local = url.is_none()
        && session
            .function_in_use(event)
            .is_some_and(|f| matches!(f.config.endpoint, Endpoint::Local(_)));
    ui.horizontal(|ui| {
        let blocked = ctx.invoke_blocked(true);
        let label = if local { "Run locally" } else { "Invoke" };
        let button = ui.add_enabled(blocked.is_none(), egui::Button::new(label));
        let button = match &blocked {
            Some(why) => button.on_disabled_hover_text(why),
            None => button.on_hover_text(UiAction::Invoke.hover_text(ui.ctx())),
        };
        if button.clicked() {
            commands.push(Command::Action(UiAction::Invoke));
        }
        let curl = UiAction::CopyCurl;
        let curl_blocked = ctx.action_blocked(curl);
        let response = ui
            .add_enabled(
                !local && curl_blocked.is_none(),
                egui::Button::new("Copy as curl"),
            )
            .on_hover_text(curl.hover_text(ui.ctx()));
        if response.clicked() {
            commands.push(Command::Action(curl));
        }
        // A fixed slot, so what follows never moves.
        let copied = if session.just_copied(Copied::Curl) {
            "Copied"
        } else {
            ""
        };
        ui.add_sized([56.0, response.rect.height()], egui::Label::new(copied));
        ui.separator();
        if let InvokeStatus::Running {
            event: running,
            started,
        } = session.invocation
        {
            if ui
                .button("Cancel")
                .on_hover_text(UiAction::Cancel.hover_text(ui.ctx()))
                .clicked()
            {
                commands.push(Command::Action(UiAction::Cancel));
            }
            busy::spinner(ui);
            let what = if running == event {
                "Invoking".to_owned()
            } else {
                format!("Invoking {}", running.name())
            };
            ui.label(format!("{what}… {:.1} s", started.elapsed().as_secs_f32()));
        } else if let Some(notice) = &session.invoke_notice {
            ui.colored_label(ui.visuals().warn_fg_color, notice);
        } else if let Some(why) = &blocked {
            ui.weak(why);
        }
    });
}

/// The latest invocation of `event`; while one runs or after a cancel, that instead of an older
/// result.
pub fn latest_ui(
    ui: &mut egui::Ui,
    event: EventId,
    status: &InvokeStatus,
    latest: Option<&Invocation>,
    options: &ResultOptions,
) -> Option<ResultAction> {
    match status {
        InvokeStatus::Running { event: e, .. } if *e == event => {
            ui.horizontal(|ui| {
                busy::spinner(ui);
                ui.weak("Waiting for the answer…");
            });
            None
        }
        InvokeStatus::Cancelled { event: e } if *e == event => {
            ui.weak("The last invocation was cancelled: no result.");
            None
        }
        _ => match latest.filter(|r| r.event == event) {
            Some(record) => invocation_ui(ui, record, options),
            None => {
                ui.weak("No invocation yet for this event: press Invoke (Ctrl+Enter).");
                None
            }
        },
    }
}

/// Two history entries side by side, what differs first.
fn compare_ui(ui: &mut egui::Ui, a: &Invocation, b: &Invocation, options: &ResultOptions) {
    ui.strong("Differences");
    egui::Grid::new("differences")
        .num_columns(3)
        .striped(true)
        .spacing([16.0, 2.0])
        .show(ui, |ui| {
            ui.weak("");
            ui.strong("Left (older)");
            ui.strong("Right (newer)");
            ui.end_row();
            for (what, left, right) in differences(a, b) {
                ui.label(what);
                ui.label(left);
                ui.label(right);
                ui.end_row();
            }
        });
    ui.separator();
    ui.columns(2, |columns| {
        for (i, (column, record)) in columns.iter_mut().zip([a, b]).enumerate() {
            column.push_id(("compare", i), |ui| {
                egui::ScrollArea::vertical()
                    .id_salt("compare-scroll")
                    .auto_shrink([false, false])
                    .show(ui, |ui| {
                        let _ = invocation_ui(ui, record, options);
                    });
            });
        }
    });
}

/// The payload picker: the loaded payload or one of the event's samples, or the edited request.
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
        if let Some(edit) = session.requests.get(&event) {
            ui.strong(edit.name());
            ui.weak("(the request editor below is what is sent)");
            return;
        }
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
                    )
                    .on_hover_text(format!(
                        "Checked as a {} payload",
                        l.inspection.event().name()
                    ));
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
        if ui
            .button("Edit request…")
            .on_hover_text("Edit the payload (or its envelope) and the headers before sending")
            .clicked()
        {
            commands.push(Command::EditRequest(event));
        }
        if let (Some(InvokePayload::Loaded), Some(l)) = (current, loaded) {
            let checked_as = l.inspection.event();
            if checked_as != event {
                ui.colored_label(
                    ui.visuals().warn_fg_color,
                    format!("checked as {}, not this event", checked_as.name()),
                );
            } else {
                let counts = l.inspection.counts();
                if counts.errors + counts.warnings > 0 {
                    ui.colored_label(
                        ui.visuals().warn_fg_color,
                        format!("{}: sent as it is", l.inspection.summary()),
                    );
                }
            }
        }
    });
}
