//! What covers the window for a moment: the command palette (Ctrl+P: every action by name, with
//! its shortcut, or why it cannot run now), the keyboard shortcuts, About, and the question
//! asked before quitting with unsaved function edits.

use crate::catalog::EventId;
use crate::ui::app::actions::{Menu, UiAction};
use crate::ui::app::commands::Command;
use crate::ui::app::context::ViewContext;
use crate::ui::app::session::Overlay;

/// Widget state of the overlays: the palette's query and choice.
#[derive(Default)]
pub struct OverlaysPanel {
    query: String,
    chosen: usize,
    /// True while the palette is shown (its field takes the focus when it opens).
    palette_shown: bool,
}

impl OverlaysPanel {
    /// Draws the overlay the session says is open.
    pub fn ui(&mut self, ui: &mut egui::Ui, ctx: &ViewContext<'_>, commands: &mut Vec<Command>) {
        let overlay = ctx.session.overlay;
        if overlay != Some(Overlay::Palette) {
            self.palette_shown = false;
        }
        match overlay {
            None => {}
            Some(Overlay::Palette) => self.palette_ui(ui, ctx, commands),
            Some(Overlay::Shortcuts) => shortcuts_ui(ui, commands),
            Some(Overlay::About) => about_ui(ui, ctx, commands),
            Some(Overlay::ConfirmQuit) => confirm_quit_ui(ui, ctx, commands),
        }
    }

    fn palette_ui(
        &mut self,
        ui: &mut egui::Ui,
        ctx: &ViewContext<'_>,
        commands: &mut Vec<Command>,
    ) {
        let opening = !std::mem::replace(&mut self.palette_shown, true);
        if opening {
            self.query.clear();
            self.chosen = 0;
        }
        let matches = matching(&self.query);
        let (up, down, enter) = ui.input_mut(|i| {
            (
                i.consume_key(egui::Modifiers::NONE, egui::Key::ArrowUp),
                i.consume_key(egui::Modifiers::NONE, egui::Key::ArrowDown),
                i.consume_key(egui::Modifiers::NONE, egui::Key::Enter),
            )
        });
        if down {
            self.chosen = (self.chosen + 1).min(matches.len().saturating_sub(1));
        }
        if up {
            self.chosen = self.chosen.saturating_sub(1);
        }
        self.chosen = self.chosen.min(matches.len().saturating_sub(1));
        let mut run = enter.then(|| matches.get(self.chosen).copied()).flatten();
        let modal = egui::Modal::new(egui::Id::unique("command-palette")).show(ui.ctx(), |ui| {
            ui.set_width(520.0);
            let label = ui.strong("Command palette");
            let field = ui
                .add(
                    egui::TextEdit::singleline(&mut self.query)
                        .hint_text("Type to find an action…")
                        .desired_width(f32::INFINITY),
                )
                .labelled_by(label.id);
            if opening {
                field.request_focus();
            }
            if field.changed() {
                self.chosen = 0;
            }
            ui.add_space(4.0);
            if matches.is_empty() {
                ui.weak("No action matches.");
            }
            egui::ScrollArea::vertical()
                .max_height(380.0)
                .show(ui, |ui| {
                    for (i, action) in matches.iter().enumerate() {
                        let blocked = ctx.action_blocked(*action);
                        let mut button = egui::Button::new(action.label())
                            .selected(i == self.chosen)
                            .frame_when_inactive(false);
                        let keys = action.shortcut_text(ui.ctx()).unwrap_or_default();
                        let right = match &blocked {
                            Some(why) => format!("{why} · {keys}"),
                            None => keys,
                        };
                        button = button.right_text(egui::RichText::new(right).weak());
                        let response = ui.add_sized([ui.available_width(), 22.0], button);
                        if i == self.chosen && (up || down) {
                            response.scroll_to_me(None);
                        }
                        if response.on_hover_text(action.tooltip()).clicked() {
                            run = Some(*action);
                        }
                    }
                });
            ui.add_space(4.0);
            ui.weak("Up and Down to choose, Enter to run, Esc to close");
        });
        if let Some(action) = run {
            commands.push(Command::CloseOverlay);
            commands.push(Command::Action(action));
        } else if modal.should_close() {
            commands.push(Command::CloseOverlay);
        }
    }
}

/// The actions whose label, tooltip or menu hold every word of `query`.
pub fn matching(query: &str) -> Vec<UiAction> {
    let words: Vec<String> = query.split_whitespace().map(str::to_lowercase).collect();
    UiAction::ALL
        .into_iter()
        .filter(|a| *a != UiAction::CommandPalette)
        .filter(|a| {
            let text = format!("{} {} {}", a.label(), a.tooltip(), a.menu().title()).to_lowercase();
            words.iter().all(|w| text.contains(w.as_str()))
        })
        .collect()
}

fn shortcuts_ui(ui: &mut egui::Ui, commands: &mut Vec<Command>) {
    let modal = egui::Modal::new(egui::Id::unique("keyboard-shortcuts")).show(ui.ctx(), |ui| {
        ui.set_width(460.0);
        ui.heading("Keyboard shortcuts");
        egui::ScrollArea::vertical()
            .max_height(480.0)
            .show(ui, |ui| {
                for menu in Menu::ALL {
                    let actions: Vec<UiAction> = UiAction::ALL
                        .into_iter()
                        .filter(|a| a.menu() == menu && a.shortcut().is_some())
                        .collect();
                    if actions.is_empty() {
                        continue;
                    }
                    ui.add_space(4.0);
                    ui.strong(menu.title());
                    egui::Grid::new(("shortcuts", menu.title()))
                        .num_columns(2)
                        .spacing([24.0, 2.0])
                        .show(ui, |ui| {
                            for action in actions {
                                ui.label(action.label());
                                let keys: Vec<String> = action
                                    .shortcuts()
                                    .iter()
                                    .map(|s| ui.ctx().format_shortcut(s))
                                    .collect();
                                ui.monospace(keys.join(" or "));
                                ui.end_row();
                            }
                        });
                }
            });
        ui.add_space(6.0);
        if ui.button("Close").clicked() {
            commands.push(Command::CloseOverlay);
        }
    });
    if modal.should_close() {
        commands.push(Command::CloseOverlay);
    }
}

fn about_ui(ui: &mut egui::Ui, ctx: &ViewContext<'_>, commands: &mut Vec<Command>) {
    let files = &ctx.session.files;
    let modal = egui::Modal::new(egui::Id::unique("about")).show(ui.ctx(), |ui| {
        ui.set_width(520.0);
        ui.heading(format!("survey-console {}", env!("CARGO_PKG_VERSION")));
        ui.label(
            "A console for LivePerson Functions survey events and Rocket.Chat livechat \
             surveys: payloads checked against the documented fields, functions invoked and \
             checked against their event's contract, batches, room surveys.",
        );
        ui.add_space(6.0);
        egui::Grid::new("about-files")
            .num_columns(2)
            .show(ui, |ui| {
                for (what, path) in [
                    ("Functions file", &files.functions),
                    ("Invocation history", &files.history),
                    ("Survey history", &files.livechat_history),
                ] {
                    ui.label(what);
                    ui.monospace(path.display().to_string());
                    ui.end_row();
                }
            });
        ui.add_space(6.0);
        ui.weak("Every feature is also on the command line: survey-console --help");
        if ui.button("Close").clicked() {
            commands.push(Command::CloseOverlay);
        }
    });
    if modal.should_close() {
        commands.push(Command::CloseOverlay);
    }
}

fn confirm_quit_ui(ui: &mut egui::Ui, ctx: &ViewContext<'_>, commands: &mut Vec<Command>) {
    let edited: Vec<String> = EventId::ALL
        .into_iter()
        .filter(|e| ctx.session.is_edited(*e))
        .filter_map(|e| {
            ctx.session
                .drafts
                .get(&e)
                .map(|d| format!("'{}' ({})", d.name, e.name()))
        })
        .collect();
    let saving = ctx.session.quit_after_save;
    let modal = egui::Modal::new(egui::Id::unique("confirm-quit")).show(ui.ctx(), |ui| {
        ui.set_width(480.0);
        ui.heading("Unsaved function edits");
        ui.label(format!(
            "{} not saved: {}. Quit anyway?",
            if edited.len() == 1 {
                "This edit is"
            } else {
                "These edits are"
            },
            edited.join(", ")
        ));
        ui.add_space(6.0);
        ui.horizontal(|ui| {
            if ui
                .add_enabled(!saving, egui::Button::new("Save and quit"))
                .clicked()
            {
                commands.push(Command::Quit { save: true });
            }
            if ui.button("Quit without saving").clicked() {
                commands.push(Command::Quit { save: false });
            }
            if ui.button("Keep editing").clicked() {
                commands.push(Command::CloseOverlay);
            }
        });
    });
    if modal.should_close() {
        commands.push(Command::CloseOverlay);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_palette_finds_actions_by_any_of_their_words() {
        assert_eq!(matching("junit"), vec![UiAction::ExportBatchJunit]);
        let zoom = matching("zoom");
        assert!(zoom.contains(&UiAction::ZoomIn) && zoom.contains(&UiAction::ZoomReset));
        assert_eq!(matching("curl COPY"), vec![UiAction::CopyCurl]);
        assert!(matching("no such action").is_empty());
        assert_eq!(matching("").len(), UiAction::ALL.len() - 1);
    }
}
