//! The **Livechat survey** view: a Rocket.Chat server, a test conversation, the survey form
//! with the widget's questions, and the submission with its pre-send warnings. The result and
//! the history are drawn by `result.rs`.
//!
//! The panel keeps the form as typed; the server URL lives in the persisted state, the results
//! and the history in the session. Submissions and test conversations are commands, run as
//! jobs by the app; a conversation's rid and token are taken into the form once it succeeds.

mod result;

use std::time::Duration;

use egui::{RichText, TextEdit, Ui};

use crate::livechat::{
    ConversationRequest, Header, Precheck, RATINGS, Server, SurveyDraft, SurveyItem, precheck,
};
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
            if let Some(Ok(conv)) = &livechat.conversation {
                self.form.rid = conv.rid.clone();
                self.form.token = conv.token.clone();
            }
        }
        let mut server_url = ctx.state.livechat_server.clone();
        ui.heading("Livechat survey");
        ui.weak("Send a room survey to a Rocket.Chat server, as the livechat widget does.");
        ui.add_space(6.0);
        egui::ScrollArea::vertical()
            .id_salt("livechat-scroll")
            .auto_shrink([false, false])
            .show(ui, |ui| {
                self.server_ui(ui, &mut server_url);
                ui.separator();
                self.conversation_ui(ui, ctx, &server_url, commands);
                ui.separator();
                let check = self.form_ui(ui);
                self.submit_ui(ui, ctx, &server_url, &check, commands);
                ui.separator();
                result::outcome_ui(ui, livechat.outcome.as_ref());
                ui.separator();
                result::history_ui(ui, &livechat.history, livechat.history_error.as_deref());
            });
        if server_url != ctx.state.livechat_server {
            commands.push(Command::SetLivechatServer(server_url));
        }
    }

    fn server_ui(&mut self, ui: &mut Ui, server_url: &mut String) {
        egui::Grid::new("livechat-server")
            .num_columns(2)
            .spacing([8.0, 4.0])
            .show(ui, |ui| {
                let label = ui.label("Server URL");
                ui.add(
                    TextEdit::singleline(server_url)
                        .hint_text("https://chat.example.com")
                        .desired_width(420.0),
                )
                .labelled_by(label.id);
                ui.end_row();
            });
        if !server_url.trim().is_empty()
            && let Err(err) = crate::net::check_url(server_url)
        {
            theme::error_label(ui, &err.to_string());
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

    fn conversation_ui(
        &mut self,
        ui: &mut Ui,
        ctx: &ViewContext<'_>,
        server_url: &str,
        commands: &mut Vec<Command>,
    ) {
        ui.strong("Test conversation");
        ui.weak(
            "Creates a visitor with a new token and opens its room; rid and token are then \
             filled in below.",
        );
        ui.horizontal(|ui| {
            let label = ui.label("Visitor name");
            ui.add(TextEdit::singleline(&mut self.form.visitor_name).desired_width(220.0))
                .labelled_by(label.id);
            ui.checkbox(&mut self.form.close_room, "Close the room afterwards");
        });
        ui.horizontal(|ui| {
            let running = ctx.is_running(JobKind::LivechatConversation);
            let server = self.server(server_url);
            let ready = !running && server.is_ok();
            if ui
                .add_enabled(ready, egui::Button::new("Start test conversation"))
                .clicked()
                && let Ok(server) = server
            {
                let request = ConversationRequest {
                    name: self.form.visitor_name.clone(),
                    close: self.form.close_room,
                    token: None,
                };
                commands.push(Command::Livechat(LivechatCommand::StartConversation {
                    server,
                    request,
                }));
            }
            if running {
                busy::spinner(ui);
                ui.label("Starting the conversation…");
            }
        });
        result::conversation_ui(ui, ctx.session.livechat.conversation.as_ref());
    }

    /// Draws the form and returns what the server will do with it.
    fn form_ui(&mut self, ui: &mut Ui) -> Precheck {
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
                for (rating, value) in RATINGS.iter().zip(self.form.draft.ratings.iter_mut()) {
                    ui.label(rating.question)
                        .on_hover_text(format!("Sent as {}", rating.name));
                    ui.horizontal(|ui| {
                        ui.selectable_value(value, None, "–")
                            .on_hover_text("Not answered: not sent");
                        for v in 1..=5u8 {
                            ui.selectable_value(value, Some(v), v.to_string());
                        }
                    });
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
        precheck(&self.form.rid, &self.form.token, &self.form.draft.items())
    }

    fn submit_ui(
        &mut self,
        ui: &mut Ui,
        ctx: &ViewContext<'_>,
        server_url: &str,
        check: &Precheck,
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
        for warning in &check.warnings {
            ui.label(
                RichText::new(format!("Warning: {warning}")).color(ui.visuals().warn_fg_color),
            );
        }
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
                    items: self.form.draft.items(),
                }));
            }
            if running {
                busy::spinner(ui);
                ui.label("Sending the survey…");
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
        crate::net::check_url(url).map_err(|e| e.to_string())?;
        Ok(Server {
            url: url.trim().to_owned(),
            headers: self.headers()?,
            timeout: Duration::from_secs(30),
        })
    }
}
