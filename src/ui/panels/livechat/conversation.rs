//! The test conversation section of the Livechat survey view: a visitor, its room, optionally
//! closed and its transcript e-mailed, with the rate-limit forecast of the routes it calls.

use egui::{TextEdit, Ui};

use super::{LivechatPanel, refusals_ui, result};
use crate::livechat::{ConversationRequest, check_email};
use crate::ui::app::commands::{Command, LivechatCommand};
use crate::ui::app::context::ViewContext;
use crate::ui::app::jobs::JobKind;
use crate::ui::widgets::{busy, theme};

impl LivechatPanel {
    pub(super) fn conversation_ui(
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
        let form = &mut self.form;
        ui.horizontal(|ui| {
            let label = ui.label("Visitor name");
            ui.add(TextEdit::singleline(&mut form.visitor_name).desired_width(220.0))
                .labelled_by(label.id);
            ui.checkbox(&mut form.close_room, "Close the room afterwards");
        });
        let mut email_error = None;
        ui.add_enabled_ui(form.close_room, |ui| {
            ui.horizontal(|ui| {
                ui.checkbox(&mut form.send_transcript, "E-mail the transcript")
                    .on_hover_text("POST livechat/transcript once the room is closed");
                let label = ui.label("Transcript e-mail");
                ui.add_enabled(
                    form.send_transcript,
                    TextEdit::singleline(&mut form.transcript_email)
                        .hint_text("visitor@example.com")
                        .desired_width(260.0),
                )
                .labelled_by(label.id);
            });
        });
        let transcript = (form.close_room && form.send_transcript)
            .then(|| form.transcript_email.trim().to_owned());
        if let Some(email) = &transcript
            && let Err(err) = check_email(email)
        {
            theme::error_label(ui, &err);
            email_error = Some(err);
        }
        let request = ConversationRequest {
            name: form.visitor_name.clone(),
            close: form.close_room,
            token: None,
            transcript,
        };
        refusals_ui(ui, ctx, server_url, &request.routes());
        ui.horizontal(|ui| {
            let running = ctx.is_running(JobKind::LivechatConversation);
            let server = self.server(server_url);
            let ready = !running && server.is_ok() && email_error.is_none();
            if ui
                .add_enabled(ready, egui::Button::new("Start test conversation"))
                .clicked()
                && let Ok(server) = server
            {
                commands.push(Command::Livechat(LivechatCommand::StartConversation {
                    server,
                    request,
                }));
            }
            if running {
                busy::spinner(ui);
                ui.label("Starting the conversation…");
                super::cancel_button(ui, commands, JobKind::LivechatConversation);
            }
        });
        result::conversation_ui(ui, ctx.session.livechat.conversation.as_ref());
    }
}
