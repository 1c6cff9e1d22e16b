//! The path prompt: a typed path (pre-filled with a sensible folder) for every place that asks
//! for a file, with the system dialog beside it where the desktop has one. It says when no
//! dialog answered, what is wrong with a typed path, and asks before replacing a file.

use crate::ui::app::commands::Command;
use crate::ui::app::context::ViewContext;
use crate::ui::app::jobs::JobKind;
use crate::ui::widgets::{busy, theme};

/// Widget state of the prompt: the text as typed, and whether it has taken the focus.
#[derive(Default)]
pub struct PathPromptPanel {
    /// The text being typed (pushed to the session on each change).
    text: String,
    /// The prompt (by purpose) the text belongs to.
    open_for: Option<crate::ui::app::commands::FilePurpose>,
}

impl PathPromptPanel {
    /// Draws the prompt while the session has one open.
    pub fn ui(&mut self, ui: &mut egui::Ui, ctx: &ViewContext<'_>, commands: &mut Vec<Command>) {
        let Some(prompt) = &ctx.session.prompt else {
            self.open_for = None;
            return;
        };
        let opening = self.open_for != Some(prompt.purpose);
        if opening {
            self.text = prompt.text.clone();
        }
        self.open_for = Some(prompt.purpose);
        let purpose = prompt.purpose;
        let waiting = prompt.dialog_since.is_some() && ctx.is_running(JobKind::FileDialog);
        let checking = ctx.is_running(JobKind::PathCheck);
        let modal = egui::Modal::new(egui::Id::unique("path-prompt")).show(ui.ctx(), |ui| {
            ui.set_width(560.0);
            ui.heading(purpose.title());
            if waiting {
                ui.horizontal(|ui| {
                    busy::spinner(ui);
                    ui.label("Waiting for the system file dialog… or type the path below.");
                });
            } else if ctx.session.no_dialog {
                ui.label(
                    "This desktop has no file dialog (no desktop portal answered): type the \
                     path. ~ stands for your home folder.",
                );
            } else {
                ui.label(
                    "Type the path, or choose it with Browse…. ~ stands for your home folder.",
                );
            }
            ui.add_space(4.0);
            let label = ui.label(if purpose.takes_many() {
                "Paths (one per line):"
            } else if purpose == crate::ui::app::commands::FilePurpose::BatchFolder {
                "Folder:"
            } else {
                "Path:"
            });
            let edit = if purpose.takes_many() {
                egui::TextEdit::multiline(&mut self.text).desired_rows(4)
            } else {
                egui::TextEdit::singleline(&mut self.text)
            };
            let field = ui
                .add(
                    edit.desired_width(f32::INFINITY)
                        .font(egui::TextStyle::Monospace),
                )
                .labelled_by(label.id);
            if opening {
                field.request_focus();
            }
            if field.changed() {
                commands.push(Command::EditPromptText(self.text.clone()));
            }
            let entered = !purpose.takes_many()
                && field.lost_focus()
                && ui.input(|i| i.key_pressed(egui::Key::Enter));
            // The message line is always there, so the buttons below never move under the
            // pointer when it appears.
            let message_height = ui.text_style_height(&egui::TextStyle::Body) * 2.0 + 4.0;
            ui.allocate_ui(egui::vec2(ui.available_width(), message_height), |ui| {
                ui.set_min_height(message_height);
                if let Some(error) = &prompt.error {
                    theme::error_label(ui, error);
                } else if let Some(existing) = &prompt.confirm_overwrite {
                    ui.colored_label(
                        ui.visuals().warn_fg_color,
                        format!("{} exists. Replace it?", existing.display()),
                    );
                } else if checking {
                    ui.horizontal(|ui| {
                        busy::spinner(ui);
                        ui.weak("Checking the path…");
                    });
                }
            });
            ui.horizontal(|ui| {
                let overwrite = prompt.confirm_overwrite.is_some();
                let verb = if overwrite { "Replace" } else { purpose.verb() };
                let go = ui.add_enabled(!checking, egui::Button::new(verb));
                if go.clicked() || (entered && !checking) {
                    commands.push(Command::SubmitPrompt { overwrite });
                }
                if ui
                    .add_enabled(!waiting, egui::Button::new("Browse…"))
                    .on_hover_text("Choose with the system file dialog")
                    .clicked()
                {
                    commands.push(Command::BrowseForPath);
                }
                if ui.button("Cancel").clicked() {
                    commands.push(Command::ClosePrompt);
                }
            });
        });
        if modal.should_close() {
            commands.push(Command::ClosePrompt);
        }
    }
}
