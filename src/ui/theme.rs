//! Colours and small shared widgets.

use egui::{Color32, RichText, Ui};

use crate::functions::FunctionConfig;
use crate::payload::Severity;

/// The colour of a finding of this severity in the current theme.
pub fn severity_color(ui: &Ui, severity: Severity) -> Color32 {
    let dark = ui.visuals().dark_mode;
    match severity {
        Severity::Error => ui.visuals().error_fg_color,
        Severity::Warning => ui.visuals().warn_fg_color,
        Severity::Info => {
            if dark {
                Color32::from_rgb(120, 170, 230)
            } else {
                Color32::from_rgb(30, 90, 170)
            }
        }
    }
}

/// Shows an error in the error colour, wrapped.
pub fn error_label(ui: &mut Ui, text: &str) {
    ui.label(RichText::new(text).color(ui.visuals().error_fg_color));
}

/// A severity as a short coloured word.
pub fn severity_text(ui: &Ui, severity: Severity) -> RichText {
    RichText::new(severity.as_str()).color(severity_color(ui, severity))
}

/// "Function: name  state · endpoint", or what to do when the event has none.
pub fn function_line_ui(ui: &mut Ui, function: Option<&FunctionConfig>, when_none: &str) {
    ui.horizontal_wrapped(|ui| {
        ui.label("Function:");
        match function {
            Some(f) => {
                ui.strong(&f.name);
                ui.weak(format!("{} · {}", f.state.as_str(), f.endpoint.describe()));
            }
            None => {
                ui.weak(when_none);
            }
        }
    });
}
