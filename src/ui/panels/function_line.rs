//! The line on top of the Invocations and Batch tabs: which function they call, and, when it
//! has unsaved edits, which version is used (the edit, or the saved one) with a way to choose.

use crate::catalog::EventId;
use crate::ui::app::commands::{Command, FunctionVersion};
use crate::ui::app::context::ViewContext;
use crate::ui::app::session::EditUse;

/// Draws "Function: name  state · endpoint" with its unsaved-edit state, or `when_none`.
pub fn function_line_ui(
    ui: &mut egui::Ui,
    ctx: &ViewContext<'_>,
    event: EventId,
    when_none: &str,
    commands: &mut Vec<Command>,
) {
    let function = ctx.session.function_in_use(event);
    ui.horizontal_wrapped(|ui| {
        ui.label("Function:");
        let Some(function) = function else {
            ui.weak(when_none);
            return;
        };
        let f = function.config;
        ui.strong(&f.name);
        ui.weak(format!("{} · {}", f.state.as_str(), f.endpoint.describe()));
        let warn = ui.visuals().warn_fg_color;
        match function.edit {
            EditUse::NoEdit => {}
            EditUse::EditInvalid { errors } => {
                ui.colored_label(
                    warn,
                    format!(
                        "Unsaved edit with {errors} field(s) to fix: the saved version is used"
                    ),
                );
            }
            EditUse::Edited | EditUse::SavedChosen => {
                ui.colored_label(warn, "Unsaved edit:");
                let mut version = ctx.session.version;
                ui.radio_value(&mut version, FunctionVersion::Edited, "use the edit");
                ui.radio_value(
                    &mut version,
                    FunctionVersion::Saved,
                    "use the saved version",
                );
                if version != ctx.session.version {
                    commands.push(Command::UseVersion(version));
                }
            }
        }
    });
}
