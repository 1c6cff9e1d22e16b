//! The window's layout: the menu bar, the status bar at the bottom (what runs, passing
//! messages), the event list on the left, the selected event's tabs (or the Livechat survey
//! view) in the middle, and whatever covers them for a moment (the path prompt, the palette).
//! Everything is drawn from one read-only context; what the operator asks for comes back as
//! commands.
//!
//! The status bar has a fixed height and passing messages live there, so nothing above moves
//! when a message appears or goes.

use std::path::PathBuf;

use super::super::widgets::busy;
use super::SurveyConsoleApp;
use super::actions::UiAction;
use super::commands::Command;
use super::context::ViewContext;
use super::jobs::JobKind;
use super::session::Overlay;
use super::state::{Tab, View};
use crate::ui::panels::menu_bar::menu_bar_ui;

/// Jobs the status bar names while they run, most telling first.
const STATUS_JOBS: [JobKind; 8] = [
    JobKind::LoadPayload,
    JobKind::FileDialog,
    JobKind::FunctionsFile,
    JobKind::Batch,
    JobKind::Invoke,
    JobKind::WriteReport,
    JobKind::WriteFile,
    JobKind::LivechatSubmit,
];

impl SurveyConsoleApp {
    /// Draws the frame and returns what it asked for.
    pub(super) fn draw(&mut self, ui: &mut egui::Ui) -> Vec<Command> {
        let mut commands = Vec::new();
        self.shortcuts(ui, &mut commands);
        let dropped: Option<PathBuf> = ui.input(|i| {
            i.raw
                .dropped_files
                .iter()
                .map(|f| f.path().to_path_buf())
                .find(|p| !p.as_os_str().is_empty())
        });
        if let Some(path) = dropped {
            commands.push(Command::LoadFile(path));
        }

        let ctx = ViewContext {
            state: &self.state,
            session: &self.session,
            jobs: &self.jobs,
        };
        let panels = &mut self.panels;
        egui::Panel::top("menu").show(ui, |ui| {
            menu_bar_ui(ui, &ctx, &mut commands);
        });
        egui::Panel::bottom("status")
            .exact_size(ui.text_style_height(&egui::TextStyle::Body) + 10.0)
            .show(ui, |ui| {
                status_bar_ui(ui, &ctx, &mut commands);
            });
        egui::Panel::left("events")
            .resizable(true)
            .default_size(260.0)
            .show(ui, |ui| {
                panels.events.ui(ui, &ctx, &mut commands);
            });
        egui::CentralPanel::default().show(ui, |ui| {
            if ctx.state.view == View::Livechat {
                panels.livechat.ui(ui, &ctx, &mut commands);
                return;
            }
            tabs_ui(ui, &ctx, &mut commands);
            ui.separator();
            match ctx.state.tab {
                Tab::Fields => panels.fields.ui(ui, &ctx),
                Tab::Payload => panels.payload.ui(ui, &ctx, &mut commands),
                Tab::Function => panels.function.ui(ui, &ctx, &mut commands),
                Tab::Invoke => panels.invoke.ui(ui, &ctx, &mut commands),
                Tab::Batch => panels.batch.ui(ui, &ctx, &mut commands),
            }
        });
        panels.prompt.ui(ui, &ctx, &mut commands);
        panels.overlays.ui(ui, &ctx, &mut commands);
        hovered_files_ui(ui.ctx());
        commands
    }

    /// The action whose shortcut was pressed. While a question covers the window only its own
    /// keys count; Escape cancels only while something runs.
    fn shortcuts(&self, ui: &mut egui::Ui, commands: &mut Vec<Command>) {
        let overlay = self.session.overlay;
        let modal = self.session.prompt.is_some() || overlay == Some(Overlay::ConfirmQuit);
        if modal {
            return;
        }
        let running = JobKind::CANCELLABLE
            .into_iter()
            .any(|kind| self.jobs.is_running(kind));
        let palette = overlay.is_some();
        let pressed = ui.input_mut(|i| {
            UiAction::pressed(i, |a| {
                if palette {
                    a == UiAction::CommandPalette
                } else {
                    !a.only_while_running() || running
                }
            })
        });
        if let Some(action) = pressed {
            commands.push(Command::Action(action));
        }
    }
}

/// What runs on the left; the passing message (with its close button) on the right.
fn status_bar_ui(ui: &mut egui::Ui, ctx: &ViewContext<'_>, commands: &mut Vec<Command>) {
    ui.horizontal_centered(|ui| {
        let running = STATUS_JOBS
            .iter()
            .find_map(|k| ctx.job(*k).map(|j| (*k, j)));
        match running {
            Some((kind, job)) => {
                busy::spinner(ui);
                let label = if kind == JobKind::FileDialog {
                    "Waiting for the file dialog…".to_owned()
                } else {
                    job.label.clone()
                };
                ui.label(format!(
                    "{label} {:.1} s",
                    job.started.elapsed().as_secs_f32()
                ));
            }
            None => {
                ui.weak("Ready");
            }
        }
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            let zoom = ctx.state.zoom_factor();
            if (zoom - 1.0).abs() > 0.01 {
                ui.weak(format!("Zoom {:.0} %", zoom * 100.0));
            }
            if let Some(notice) = ctx.session.notice() {
                if ui
                    .small_button("×")
                    .on_hover_text("Close this message")
                    .clicked()
                {
                    commands.push(Command::DismissNotice);
                }
                let color = if notice.error {
                    ui.visuals().error_fg_color
                } else {
                    ui.visuals().text_color()
                };
                ui.add(egui::Label::new(egui::RichText::new(&notice.text).color(color)).truncate());
            }
        });
    });
}

/// The selected event's name and its tabs.
fn tabs_ui(ui: &mut egui::Ui, ctx: &ViewContext<'_>, commands: &mut Vec<Command>) {
    let event = ctx.event();
    ui.horizontal(|ui| {
        ui.heading(event.name());
        ui.weak(event.id());
    });
    ui.horizontal(|ui| {
        for tab in Tab::ALL {
            let action = [
                UiAction::ShowFields,
                UiAction::ShowPayload,
                UiAction::ShowFunction,
                UiAction::ShowInvocations,
                UiAction::ShowBatch,
            ]
            .into_iter()
            .find(|a| a.tab() == Some(tab));
            let mut response = ui.selectable_label(ctx.state.tab == tab, tab.title());
            if let Some(action) = action {
                response = response.on_hover_text(action.hover_text(ui.ctx()));
            }
            if response.clicked() {
                commands.push(Command::ShowTab(tab));
            }
        }
    });
}

fn hovered_files_ui(ctx: &egui::Context) {
    let hovering = ctx.input(|i| !i.raw.hovered_files.is_empty());
    if !hovering {
        return;
    }
    let content_rect = ctx.content_rect();
    let painter = ctx.layer_painter(egui::LayerId::new(
        egui::Order::Foreground,
        egui::Id::unique("file-drop"),
    ));
    painter.rect_filled(content_rect, 0.0, egui::Color32::from_black_alpha(160));
    painter.text(
        content_rect.center(),
        egui::Align2::CENTER_CENTER,
        "Drop a payload file to load it",
        egui::FontId::proportional(22.0),
        egui::Color32::WHITE,
    );
}
