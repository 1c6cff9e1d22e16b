//! The **Livechat survey** view: a Rocket.Chat server (its version and own survey rules on
//! `Check server`), a test conversation (with its transcript, `conversation.rs`), the survey
//! form with the server's questions, and the submission with its pre-send notes, warnings and
//! rate-limit forecast. The result and the history are drawn by `result.rs`.
//!
//! The panel keeps the form as typed; the server URL lives in the persisted state, the results,
//! the checked server and the rate-limit windows in the session. Checks, submissions and test
//! conversations are commands, run as jobs by the app; a conversation's rid and token are taken
//! into the form once its room exists.

mod conversation;
mod result;

use std::time::Duration;

use egui::{RichText, TextEdit, Ui};

use crate::livechat::{
    Header, Precheck, Route, Server, SurveyDraft, SurveyItem, SurveyRules, precheck, question,
};
use crate::ui::app::actions::UiAction;
use crate::ui::app::commands::{Command, LivechatCommand, SecretText};
use crate::ui::app::context::ViewContext;
use crate::ui::app::jobs::JobKind;
use crate::ui::widgets::busy;
use crate::ui::widgets::theme;

/// The survey form as typed.
#[derive(Default)]
struct Form {
    rid: String,
    token: String,
    show_token: bool,
    draft: SurveyDraft,
    headers: Vec<(String, String)>,
    visitor_name: String,
    close_room: bool,
    /// Ask for the closed room's transcript.
    send_transcript: bool,
    /// Where the transcript goes.
    transcript_email: String,
}

/// The Livechat survey view.
pub struct LivechatPanel {
    form: Form,
    /// The test conversation whose rid and token the form took.
    adopted: u64,
}

impl Default for LivechatPanel {
    fn default() -> Self {
        LivechatPanel {
            form: Form {
                visitor_name: "survey-console test visitor".to_owned(),
                close_room: true,
                ..Form::default()
            },
            adopted: 0,
        }
    }
}

impl LivechatPanel {
    /// Draws the view.
    pub fn ui(&mut self, ui: &mut Ui, ctx: &ViewContext<'_>, commands: &mut Vec<Command>) {
        let livechat = &ctx.session.livechat;
        if livechat.conversation_generation != self.adopted {
            // A new test conversation: its room and token are what the survey is for.
            self.adopted = livechat.conversation_generation;
            match &livechat.conversation {
                Some(Ok(conv)) => {
                    self.form.rid = conv.rid.clone();
                    self.form.token = conv.token.clone();
                }
                // The room exists (e.g. the server would not let the visitor close it).
                Some(Err(failure)) if failure.rid.is_some() => {
                    self.form.rid = failure.rid.clone().unwrap_or_default();
                    self.form.token = failure.token.clone();
                }
                _ => {}
            }
        }
        let mut server_url = ctx.state.livechat_server.clone();
        let rules = livechat.rules(&server_url);
        ui.heading("Livechat survey");
        ui.weak("Send a room survey to a Rocket.Chat server, as the livechat widget does.");
        ui.add_space(6.0);
        egui::ScrollArea::vertical()
            .id_salt("livechat-scroll")
            .auto_shrink([false, false])
            .show(ui, |ui| {
                self.server_ui(ui, ctx, &mut server_url, commands);
                ui.separator();
                self.conversation_ui(ui, ctx, &server_url, commands);
                ui.separator();
                let check = self.form_ui(ui, &rules);
                self.submit_ui(ui, ctx, &server_url, &check, &rules, commands);
                ui.separator();
                result::outcome_ui(ui, livechat.outcome.as_ref());
                ui.separator();
                result::history_ui(
                    ui,
                    &livechat.history,
                    livechat.history_error.as_deref(),
                    livechat.history_skipped,
                );
            });
        if server_url != ctx.state.livechat_server {
            commands.push(Command::SetLivechatServer(server_url));
        }
    }

    fn server_ui(
        &mut self,
        ui: &mut Ui,
        ctx: &ViewContext<'_>,
        server_url: &mut String,
        commands: &mut Vec<Command>,
    ) {
        ui.horizontal(|ui| {
            let label = ui.label("Server URL");
            ui.add(
                TextEdit::singleline(server_url)
                    .hint_text("https://chat.example.com")
                    .desired_width(420.0),
            )
            .labelled_by(label.id);
            let running = ctx.is_running(JobKind::LivechatServer);
            let server = self.server(server_url);
            if ui
                .add_enabled(
                    !running && server.is_ok(),
                    egui::Button::new("Check server"),
                )
                .on_hover_text(
                    "Ask for its version (GET /api/info) and survey (GET livechat/config)",
                )
                .clicked()
                && let Ok(server) = server
            {
                commands.push(Command::Livechat(LivechatCommand::CheckServer { server }));
            }
            if running {
                busy::spinner(ui);
                ui.label("Checking the server…");
                cancel_button(ui, commands, JobKind::LivechatServer);
            }
        });
        if !server_url.trim().is_empty()
            && let Err(err) = crate::net::check_url(server_url)
        {
            theme::error_label(ui, &err.to_string());
        }
        match ctx.session.livechat.checked(server_url) {
            Some(checked) => {
                match &checked.info.version {
                    Ok(_) => ui.label(format!("Server: {}", checked.info.version_text())),
                    Err(err) => ui.label(
                        RichText::new(format!("Server version unknown: {}", err.message))
                            .color(ui.visuals().warn_fg_color),
                    ),
                };
                for note in checked.info.notes() {
                    ui.weak(note);
                }
            }
            None => {
                ui.weak("Survey rules: the built-in list (Check server reads the server's own).");
            }
        }
        let headers = &mut self.form.headers;
        egui::CollapsingHeader::new(format!("Extra headers ({})", headers.len()))
            .id_salt("livechat-headers")
            .show(ui, |ui| {
                ui.weak("Sent with every call, e.g. for a proxy in front of the server.");
                let mut remove = None;
                for (i, (name, value)) in headers.iter_mut().enumerate() {
                    ui.horizontal(|ui| {
                        let label = ui.label("Header");
                        ui.add(TextEdit::singleline(name).desired_width(160.0))
                            .labelled_by(label.id);
                        let label = ui.label("Value");
                        ui.add(TextEdit::singleline(value).desired_width(240.0))
                            .labelled_by(label.id);
                        if ui.button("Remove header").clicked() {
                            remove = Some(i);
                        }
                    });
                    if !(name.trim().is_empty() && value.trim().is_empty())
                        && let Err(err) = Header::new(name, value)
                    {
                        theme::error_label(ui, &err);
                    }
                }
                if let Some(i) = remove {
                    headers.remove(i);
                }
                if ui.button("Add header").clicked() {
                    headers.push((String::new(), String::new()));
                }
            });
    }

    /// Draws the form and returns what the server will do with it.
    fn form_ui(&mut self, ui: &mut Ui, rules: &SurveyRules) -> Precheck {
        ui.strong("Survey");
        egui::Grid::new("livechat-room")
            .num_columns(2)
            .spacing([8.0, 4.0])
            .show(ui, |ui| {
                let label = ui.label("Room id (rid)");
                ui.add(TextEdit::singleline(&mut self.form.rid).desired_width(320.0))
                    .labelled_by(label.id);
                ui.end_row();
                let label = ui.label("Visitor token");
                ui.horizontal(|ui| {
                    ui.add(
                        TextEdit::singleline(&mut self.form.token)
                            .password(!self.form.show_token)
                            .desired_width(320.0),
                    )
                    .labelled_by(label.id);
                    ui.checkbox(&mut self.form.show_token, "Show token");
                });
                ui.end_row();
            });
        ui.add_space(4.0);
        egui::Grid::new("livechat-ratings")
            .num_columns(2)
            .spacing([12.0, 6.0])
            .show(ui, |ui| {
                for name in &rules.items {
                    ui.label(question(name))
                        .on_hover_text(format!("Sent as {name}"));
                    let mut value = self.form.draft.ratings.get(name).cloned();
                    ui.horizontal(|ui| {
                        ui.selectable_value(&mut value, None, "–")
                            .on_hover_text("Not answered: not sent");
                        for v in &rules.values {
                            ui.selectable_value(&mut value, Some(v.clone()), v.as_str());
                        }
                    });
                    match value {
                        Some(v) => self.form.draft.ratings.insert(name.clone(), v),
                        None => self.form.draft.ratings.remove(name),
                    };
                    ui.end_row();
                }
            });
        ui.add_space(4.0);
        let label = ui.label("Additional feedback");
        ui.add(
            TextEdit::multiline(&mut self.form.draft.feedback)
                .desired_rows(2)
                .desired_width(520.0),
        )
        .labelled_by(label.id);
        ui.add_space(4.0);
        ui.label("Extra items (sent as they are: try out the server's rules)");
        let mut remove = None;
        for (i, item) in self.form.draft.extra.iter_mut().enumerate() {
            ui.horizontal(|ui| {
                let label = ui.label("Name");
                ui.add(TextEdit::singleline(&mut item.name).desired_width(180.0))
                    .labelled_by(label.id);
                let label = ui.label("Value");
                ui.add(TextEdit::singleline(&mut item.value).desired_width(220.0))
                    .labelled_by(label.id);
                if ui.button("Remove item").clicked() {
                    remove = Some(i);
                }
            });
        }
        if let Some(i) = remove {
            self.form.draft.extra.remove(i);
        }
        if ui.button("Add item").clicked() {
            self.form.draft.extra.push(SurveyItem::new("", ""));
        }
        let items = self.form.draft.items(rules);
        precheck(&self.form.rid, &self.form.token, &items, rules)
    }

    fn submit_ui(
        &mut self,
        ui: &mut Ui,
        ctx: &ViewContext<'_>,
        server_url: &str,
        check: &Precheck,
        rules: &SurveyRules,
        commands: &mut Vec<Command>,
    ) {
        ui.add_space(6.0);
        let server = self.server(server_url);
        for error in &check.errors {
            theme::error_label(ui, error);
        }
        if server_url.trim().is_empty() {
            theme::error_label(ui, "Enter the server URL.");
        }
        for note in &check.notes {
            ui.label(format!("Note: {note}"));
        }
        for warning in &check.warnings {
            warning_label(ui, &format!("Warning: {warning}"));
        }
        refusals_ui(ui, ctx, server_url, &[Route::RoomSurvey]);
        ui.horizontal(|ui| {
            let running = ctx.is_running(JobKind::LivechatSubmit);
            let ready = check.can_send() && server.is_ok() && !running;
            if ui.add_enabled(ready, egui::Button::new("Submit")).clicked()
                && let Ok(server) = server
            {
                commands.push(Command::Livechat(LivechatCommand::Submit {
                    server,
                    rid: self.form.rid.trim().to_owned(),
                    token: SecretText(self.form.token.trim().to_owned()),
                    items: self.form.draft.items(rules),
                    rules: rules.clone(),
                }));
            }
            if running {
                busy::spinner(ui);
                ui.label("Sending the survey…");
                cancel_button(ui, commands, JobKind::LivechatSubmit);
            }
        });
    }

    /// The extra headers that are filled in, checked.
    fn headers(&self) -> Result<Vec<Header>, String> {
        self.form
            .headers
            .iter()
            .filter(|(n, v)| !(n.trim().is_empty() && v.trim().is_empty()))
            .map(|(n, v)| Header::new(n, v))
            .collect()
    }

    /// The server to call, or why it cannot be called.
    fn server(&self, url: &str) -> Result<Server, String> {
        Server::checked(url.trim(), self.headers()?, 30).map_err(|e| e.to_string())
    }
}

/// A warning in the theme's warning colour.
fn warning_label(ui: &mut Ui, text: &str) {
    ui.label(RichText::new(text).color(ui.visuals().warn_fg_color));
}

/// Says which of `routes` the server will refuse next, and for how long; keeps the countdown
/// moving while one is refused.
fn refusals_ui(ui: &mut Ui, ctx: &ViewContext<'_>, server_url: &str, routes: &[Route]) {
    let refusals = ctx.session.livechat.limits.refusals(server_url, routes);
    for refusal in &refusals {
        warning_label(ui, &format!("Rate limit: {refusal}."));
    }
    if !refusals.is_empty() {
        ui.ctx().request_repaint_after(Duration::from_secs(1));
    }
}

/// The Cancel button beside a running call's spinner: it ends the call in flight.
fn cancel_button(ui: &mut Ui, commands: &mut Vec<Command>, job: JobKind) {
    let hover = match UiAction::Cancel.shortcut_text(ui.ctx()) {
        Some(keys) => format!("End the call now; its answer is not shown ({keys})"),
        None => "End the call now; its answer is not shown".to_owned(),
    };
    if ui.button("Cancel").on_hover_text(hover).clicked() {
        commands.push(Command::Livechat(LivechatCommand::Cancel(job)));
    }
}
