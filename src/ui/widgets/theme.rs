//! Colours and small shared widgets.

use egui::{Color32, RichText, Ui};

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

/// "pass" in the link colour, or "FAIL" in the error colour.
pub fn verdict_ui(ui: &mut Ui, ok: bool) {
    if ok {
        ui.colored_label(ui.visuals().hyperlink_color, "pass");
    } else {
        ui.colored_label(ui.visuals().error_fg_color, "FAIL");
    }
}
