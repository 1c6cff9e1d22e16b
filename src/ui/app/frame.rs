//! The window's layout: the top bar, the event list on the left, the selected event's tabs (or
//! the Livechat survey view) in the middle. Everything is drawn from one read-only context; what
//! the operator asks for comes back as commands.

use std::path::PathBuf;

use super::SurveyConsoleApp;
use super::commands::{Command, FilePurpose, UiAction};
use super::context::ViewContext;
use super::jobs::JobKind;
use super::state::{Tab, View};
use crate::catalog::EventId;
use crate::catalog::samples::{SAMPLES, Sample};

impl SurveyConsoleApp {
    /// Draws the frame and returns what it asked for.
    pub(super) fn draw(&mut self, ui: &mut egui::Ui) -> Vec<Command> {
        let mut commands = Vec::new();
        for action in UiAction::ALL {
            if action.is_available(&self.state)
                && ui.input_mut(|i| i.consume_shortcut(&action.shortcut()))
            {
                commands.push(Command::Action(action));
            }
        }
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
            top_bar_ui(ui, &ctx, &mut commands);
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
        hovered_files_ui(ui.ctx());
        commands
    }
}

/// Open…, the samples, the recent files, and what is loading.
fn top_bar_ui(ui: &mut egui::Ui, ctx: &ViewContext<'_>, commands: &mut Vec<Command>) {
    ui.horizontal(|ui| {
        let dialog_open = ctx.is_running(JobKind::FileDialog);
        let open = ui
            .add_enabled(!dialog_open, egui::Button::new("Open…"))
            .on_hover_text(UiAction::OpenPayload.tooltip(ui.ctx()));
        if open.clicked() {
            commands.push(Command::ChooseFile(FilePurpose::OpenPayload));
        }
        ui.menu_button("Samples", |ui| {
            samples_menu_ui(ui, commands);
        });
        ui.menu_button("Recent", |ui| {
            let recent = &ctx.state.recent;
            if recent.is_empty() {
                ui.label("No recent files");
            }
            for path in recent {
                if ui.button(path.display().to_string()).clicked() {
                    commands.push(Command::LoadFile(path.clone()));
                    ui.close();
                }
            }
            if !recent.is_empty() && ui.button("Clear recent files").clicked() {
                commands.push(Command::ClearRecent);
                ui.close();
            }
        });
        ui.separator();
        if let Some(job) = ctx.job(JobKind::LoadPayload) {
            ui.spinner();
            ui.label(&job.label);
        } else if dialog_open {
            ui.spinner();
            ui.label("Waiting for the file dialog…");
        } else if let Some(notice) = &ctx.session.notice {
            ui.label(notice);
        }
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
            if ui
                .selectable_label(ctx.state.tab == tab, tab.title())
                .clicked()
            {
                commands.push(Command::ShowTab(tab));
            }
        }
    });
}

/// One entry a sample.
fn sample_buttons_ui<'a>(
    ui: &mut egui::Ui,
    samples: impl Iterator<Item = &'a &'static Sample>,
    commands: &mut Vec<Command>,
) {
    for sample in samples {
        if ui
            .button(sample.file_name)
            .on_hover_text(sample.description)
            .clicked()
        {
            commands.push(Command::LoadSample(sample));
            ui.close();
        }
    }
}

fn samples_menu_ui(ui: &mut egui::Ui, commands: &mut Vec<Command>) {
    for event in EventId::ALL {
        let samples: Vec<&'static Sample> =
            SAMPLES.iter().filter(|s| s.event == Some(event)).collect();
        if samples.is_empty() {
            continue;
        }
        ui.menu_button(event.name(), |ui| {
            sample_buttons_ui(ui, samples.iter(), commands);
        });
    }
    ui.menu_button("Unreadable files", |ui| {
        let unreadable: Vec<&'static Sample> =
            SAMPLES.iter().filter(|s| s.event.is_none()).collect();
        sample_buttons_ui(ui, unreadable.iter(), commands);
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
