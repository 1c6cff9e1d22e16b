//! The menu bar (File, Edit, View, Run, Help) with every named action and its shortcut, then the
//! quick buttons a newcomer looks for first: Open…, Samples, Recent.

use std::path::Path;

use crate::catalog::EventId;
use crate::catalog::samples::{SAMPLES, Sample};
use crate::ui::app::actions::{Menu, UiAction};
use crate::ui::app::commands::Command;
use crate::ui::app::context::ViewContext;
use crate::ui::app::state::ThemeChoice;

/// Draws the menu bar and the quick buttons.
pub fn menu_bar_ui(ui: &mut egui::Ui, ctx: &ViewContext<'_>, commands: &mut Vec<Command>) {
    egui::MenuBar::new().ui(ui, |ui| {
        for menu in Menu::ALL {
            ui.menu_button(menu.title(), |ui| {
                ui.set_min_width(260.0);
                menu_ui(ui, ctx, menu, commands);
            });
        }
        ui.separator();
        let open = UiAction::OpenPayload;
        let button = ui
            .add_enabled(
                ctx.action_blocked(open).is_none(),
                egui::Button::new("Open…"),
            )
            .on_hover_text(open.hover_text(ui.ctx()));
        if button.clicked() {
            commands.push(Command::Action(open));
        }
        ui.menu_button("Samples", |ui| samples_menu_ui(ui, commands));
        ui.menu_button("Recent", |ui| recent_menu_ui(ui, ctx, commands));
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            let palette = UiAction::CommandPalette;
            let keys = palette.shortcut_text(ui.ctx()).unwrap_or_default();
            if ui
                .add(egui::Button::new(format!("All actions ({keys})")).frame(false))
                .on_hover_text(palette.tooltip())
                .clicked()
            {
                commands.push(Command::Action(palette));
            }
        });
    });
}

/// One menu: its actions, with the File menu's samples and recent files.
fn menu_ui(ui: &mut egui::Ui, ctx: &ViewContext<'_>, menu: Menu, commands: &mut Vec<Command>) {
    let mut group = None;
    for action in UiAction::ALL.into_iter().filter(|a| a.menu() == menu) {
        // A separator between groups of a menu.
        let this = group_of(action);
        if group.is_some_and(|g| g != this) {
            ui.separator();
        }
        group = Some(this);
        if action == UiAction::Quit {
            ui.menu_button("Samples", |ui| samples_menu_ui(ui, commands));
            ui.menu_button("Recent files", |ui| recent_menu_ui(ui, ctx, commands));
            ui.separator();
        }
        action_button_ui(ui, ctx, action, commands);
    }
}

/// Which group of its menu an action is in.
fn group_of(action: UiAction) -> u8 {
    use UiAction as A;
    match action {
        A::ShowFields
        | A::ShowPayload
        | A::ShowFunction
        | A::ShowInvocations
        | A::ShowBatch
        | A::ShowLivechat => 1,
        A::NextEvent | A::PreviousEvent => 2,
        A::ZoomIn | A::ZoomOut | A::ZoomReset => 3,
        A::ThemeDark | A::ThemeLight | A::ThemeSystem => 4,
        A::ExportBatchJson | A::ExportBatchJunit => 5,
        A::SaveFunction | A::RevertFunction => 6,
        A::CopyCurl | A::CopyResponse => 7,
        A::Cancel => 8,
        _ => 0,
    }
}

/// An action as a menu entry: its label and shortcut, disabled with the reason when it cannot
/// run now.
pub fn action_button_ui(
    ui: &mut egui::Ui,
    ctx: &ViewContext<'_>,
    action: UiAction,
    commands: &mut Vec<Command>,
) {
    let blocked = ctx.action_blocked(action);
    let selected = match action {
        UiAction::ThemeDark => ctx.state.theme == ThemeChoice::Dark,
        UiAction::ThemeLight => ctx.state.theme == ThemeChoice::Light,
        UiAction::ThemeSystem => ctx.state.theme == ThemeChoice::System,
        _ => action.tab().is_some_and(|t| {
            ctx.state.view == crate::ui::app::state::View::Events && ctx.state.tab == t
        }),
    };
    let mut button = egui::Button::new(action.label()).selected(selected);
    if let Some(keys) = action.shortcut_text(ui.ctx()) {
        button = button.shortcut_text(keys);
    }
    let response = ui.add_enabled(blocked.is_none(), button);
    let response = match &blocked {
        Some(why) => response.on_disabled_hover_text(why),
        None => response.on_hover_text(action.tooltip()),
    };
    if response.clicked() {
        commands.push(Command::Action(action));
        ui.close();
    }
}

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

/// The bundled samples, by event.
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

/// The files that loaded lately, newest first: the file name first, its folder after it.
fn recent_menu_ui(ui: &mut egui::Ui, ctx: &ViewContext<'_>, commands: &mut Vec<Command>) {
    let recent = &ctx.state.recent;
    if recent.is_empty() {
        ui.label("No recent files");
        return;
    }
    for path in recent {
        let name = path.file_name().map_or_else(
            || path.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        let folder = path
            .parent()
            .map(Path::display)
            .map(|d| short_start(&d.to_string(), 48));
        let mut button = egui::Button::new(name);
        if let Some(folder) = &folder {
            button = button.shortcut_text(egui::RichText::new(folder).weak());
        }
        let response = ui.add(button);
        // Screen readers (and tests) read the whole path.
        let full = path.display().to_string();
        response.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, true, &full));
        if response.on_hover_text(&full).clicked() {
            commands.push(Command::LoadFile(path.clone()));
            ui.close();
        }
    }
    ui.separator();
    if ui.button("Clear recent files").clicked() {
        commands.push(Command::ClearRecent);
        ui.close();
    }
}

/// `text` cut at the start to at most `max` characters.
fn short_start(text: &str, max: usize) -> String {
    let count = text.chars().count();
    if count <= max {
        return text.to_owned();
    }
    let tail: String = text.chars().skip(count - (max - 1)).collect();
    format!("…{tail}")
}
