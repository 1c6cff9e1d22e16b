//! Applying the named actions (`actions.rs`) — whether they came from a shortcut, the menu bar
//! or the command palette — and the window's own business: zoom, theme, and quitting without
//! losing an unsaved function edit.

use super::SurveyConsoleApp;
use super::actions::UiAction;
use super::commands::{Command, Copied, FilePurpose, LivechatCommand, ReportFormat};
use super::context::ViewContext;
use super::jobs::JobKind;
use super::session::Overlay;
use super::state::{Tab, ThemeChoice, View, ZOOM_RANGE};
use crate::catalog::EventId;
use crate::invoke::Body;

/// One step of Zoom in / Zoom out.
const ZOOM_STEP: f32 = 0.1;

impl SurveyConsoleApp {
    /// Sets egui's zoom and theme from the persisted state (at start).
    pub(super) fn apply_appearance(&self, ctx: &egui::Context) {
        ctx.options_mut(|o| {
            // The console's own actions zoom, so the factor is remembered and listed.
            o.zoom_with_keyboard = false;
        });
        ctx.set_zoom_factor(self.state.zoom_factor());
        ctx.set_theme(self.state.theme.preference());
        super::super::widgets::theme::apply_contrast(ctx);
    }

    /// Runs a named action, or says in the status bar why it cannot run now.
    pub(super) fn run_action(&mut self, ctx: &egui::Context, action: UiAction) {
        let view = ViewContext {
            state: &self.state,
            session: &self.session,
            jobs: &self.jobs,
        };
        if let Some(why) = view.action_blocked(action) {
            self.say_error(format!("{}: {why}.", action.label().trim_end_matches('…')));
            return;
        }
        let event = self.state.selected;
        if let Some(tab) = action.tab() {
            self.state.view = View::Events;
            self.state.tab = tab;
            return;
        }
        match action {
            UiAction::OpenPayload => self.choose_file(ctx, FilePurpose::OpenPayload),
            UiAction::SaveRequestAs => self.choose_file(ctx, FilePurpose::SaveRequest(event)),
            UiAction::OpenFunctionsFile => self.choose_file(ctx, FilePurpose::OpenFunctions),
            UiAction::ExportBatchJson | UiAction::ExportBatchJunit => {
                let format = if action == UiAction::ExportBatchJson {
                    ReportFormat::Json
                } else {
                    ReportFormat::Junit
                };
                self.choose_file(ctx, FilePurpose::BatchReport { event, format });
            }
            UiAction::Quit => ctx.send_viewport_cmd(egui::ViewportCommand::Close),
            UiAction::SaveFunction => {
                if let Some(config) = self.session.drafts.get(&event).cloned() {
                    self.save_function(ctx, event, config, false);
                }
            }
            UiAction::RevertFunction => {
                self.session.drafts.remove(&event);
            }
            UiAction::CopyCurl => {
                if let Some(source) = self.session.invoke_source(event) {
                    let url = self.session.invoke_url();
                    self.copy_curl(ctx, event, source, url);
                }
            }
            UiAction::CopyResponse => {
                if let Some(text) = self.latest_body_text(event) {
                    self.run_cmd(
                        ctx,
                        Command::CopyText {
                            what: Copied::Response,
                            text,
                        },
                    );
                    self.say("Copied the response body to the clipboard.".to_owned());
                }
            }
            UiAction::Find => self.session.find_requests += 1,
            UiAction::ShowLivechat => self.state.view = View::Livechat,
            UiAction::NextEvent | UiAction::PreviousEvent => {
                let all = EventId::ALL;
                let at = all.iter().position(|e| *e == event).unwrap_or(0);
                let next = if action == UiAction::NextEvent {
                    (at + 1) % all.len()
                } else {
                    (at + all.len() - 1) % all.len()
                };
                self.select_event(ctx, all[next]);
            }
            UiAction::ZoomIn | UiAction::ZoomOut | UiAction::ZoomReset => {
                let zoom = match action {
                    UiAction::ZoomIn => self.state.zoom_factor() + ZOOM_STEP,
                    UiAction::ZoomOut => self.state.zoom_factor() - ZOOM_STEP,
                    _ => 1.0,
                };
                // Rounded, so steps land on 90 %, 110 %, … exactly.
                let zoom =
                    ((zoom * 10.0).round() / 10.0).clamp(*ZOOM_RANGE.start(), *ZOOM_RANGE.end());
                self.state.zoom = zoom;
                ctx.set_zoom_factor(zoom);
                self.say(format!("Zoom {:.0} %", zoom * 100.0));
            }
            UiAction::ThemeDark | UiAction::ThemeLight | UiAction::ThemeSystem => {
                self.state.theme = match action {
                    UiAction::ThemeDark => ThemeChoice::Dark,
                    UiAction::ThemeLight => ThemeChoice::Light,
                    _ => ThemeChoice::System,
                };
                ctx.set_theme(self.state.theme.preference());
            }
            UiAction::CommandPalette => self.toggle_overlay(Overlay::Palette),
            UiAction::KeyboardShortcuts => self.toggle_overlay(Overlay::Shortcuts),
            UiAction::About => self.toggle_overlay(Overlay::About),
            UiAction::Invoke => {
                self.state.view = View::Events;
                self.state.tab = Tab::Invoke;
                if let Some(source) = self.session.invoke_source(event) {
                    let url = self.session.invoke_url();
                    self.invoke(ctx, event, source, url);
                }
            }
            UiAction::RunLocally => self.run_locally(ctx, event),
            UiAction::RunBatch => {
                self.state.view = View::Events;
                self.state.tab = Tab::Batch;
                let request = self.session.batch.request(event);
                self.start_batch(ctx, request);
            }
            UiAction::Cancel => {
                if self.jobs.is_running(JobKind::Invoke) {
                    self.cancel_invoke();
                } else if self.jobs.is_running(JobKind::Batch) {
                    self.jobs.request_stop(JobKind::Batch);
                } else if let Some(kind) = JobKind::LIVECHAT_CALLS
                    .into_iter()
                    .find(|&kind| self.jobs.is_running(kind))
                {
                    self.run_livechat(ctx, LivechatCommand::Cancel(kind));
                }
            }
            UiAction::ShowFields
            | UiAction::ShowPayload
            | UiAction::ShowFunction
            | UiAction::ShowInvocations
            | UiAction::ShowBatch => {}
        }
    }

    fn toggle_overlay(&mut self, overlay: Overlay) {
        self.session.overlay = if self.session.overlay == Some(overlay) {
            None
        } else {
            Some(overlay)
        };
    }

    /// The body of the latest result of `event` as text (JSON pretty-printed).
    fn latest_body_text(&self, event: EventId) -> Option<String> {
        let record = self.session.latest.as_ref().filter(|r| r.event == event)?;
        if let Some(response) = &record.response {
            return Some(response.body.pretty());
        }
        record
            .local_result
            .as_ref()
            .map(|v| Body::Json(v.clone()).pretty())
    }

    /// The window is asked to close: with unsaved function edits the operator is asked first.
    pub(super) fn close_requested(&mut self, ctx: &egui::Context) {
        let edited = EventId::ALL.iter().any(|e| self.session.is_edited(*e));
        if edited && !self.session.quit_confirmed {
            ctx.send_viewport_cmd(egui::ViewportCommand::CancelClose);
            self.session.overlay = Some(Overlay::ConfirmQuit);
        }
    }

    /// The operator answered the quit question: save the valid edits first, or drop them.
    pub(super) fn quit(&mut self, ctx: &egui::Context, save: bool) {
        self.session.overlay = None;
        if save {
            let edits: Vec<_> = self
                .session
                .drafts
                .iter()
                .filter(|(_, d)| crate::functions::validate(d).is_empty())
                .map(|(e, d)| (*e, d.clone()))
                .collect();
            let invalid = self.session.drafts.len() - edits.len();
            if invalid > 0 {
                self.say_error(format!(
                    "{invalid} unsaved edit(s) have fields to fix: fix them in the Function tab, \
                     or quit without saving."
                ));
                return;
            }
            // The window closes once the save is written (`functions_written`).
            self.session.quit_after_save = true;
            self.save_functions(ctx, edits);
            return;
        }
        self.session.quit_confirmed = true;
        ctx.send_viewport_cmd(egui::ViewportCommand::Close);
    }
}
