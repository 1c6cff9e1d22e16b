//! The request editor of the Invocations tab: the payload (or the whole envelope) as JSON in a
//! code editor, checked as it is typed against the event's fields (the Payload tab's findings),
//! extra HTTP headers, and Save as… for the edited payload.

use std::collections::HashMap;

use crate::catalog::EventId;
use crate::payload::Severity;
use crate::ui::app::actions::UiAction;
use crate::ui::app::commands::Command;
use crate::ui::app::context::ViewContext;
use crate::ui::app::request::{RequestCheck, RequestEdit, header_problem};
use crate::ui::widgets::code_editor::{Marker, code_editor_ui};
use crate::ui::widgets::theme;

/// Findings listed under the editor before "… N more".
const FINDINGS_SHOWN: usize = 40;

/// The text being typed, per event, with the edit generation it matches.
#[derive(Default)]
pub struct RequestEditor {
    buffers: HashMap<EventId, (u64, String)>,
    /// The error position last scrolled to, so it is scrolled to once.
    marked: Option<(EventId, u32, u32)>,
}

impl RequestEditor {
    /// Draws the editor of `edit` in `height` points.
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        ctx: &ViewContext<'_>,
        event: EventId,
        edit: &RequestEdit,
        height: f32,
        commands: &mut Vec<Command>,
    ) {
        let (generation, text) = self
            .buffers
            .entry(event)
            .or_insert_with(|| (0, String::new()));
        if *generation != edit.generation {
            *generation = edit.generation;
            text.clone_from(&edit.text);
        }
        ui.horizontal(|ui| {
            let label = ui.strong("Request");
            let shape = match &edit.check {
                Some(RequestCheck::Parsed(c)) if c.is_envelope => "a whole envelope",
                Some(RequestCheck::Parsed(_)) => "a bare payload (sent inside an envelope)",
                _ => "JSON",
            };
            ui.weak(format!("edited from {} · {shape}", edit.based_on));
            let save = UiAction::SaveRequestAs;
            if ui
                .button("Save as…")
                .on_hover_text(save.hover_text(ui.ctx()))
                .clicked()
            {
                commands.push(Command::Action(save));
            }
            if ui
                .button("Discard edit")
                .on_hover_text("Send the chosen payload as it is again")
                .clicked()
            {
                commands.push(Command::DiscardRequest(event));
            }
            label
        });
        let marker = match &edit.check {
            Some(RequestCheck::Invalid(error)) => error.line.map(|line| Marker {
                line,
                column: error.column.unwrap_or(1),
                message: error.message.clone(),
            }),
            _ => None,
        };
        let new_mark = marker
            .as_ref()
            .map(|m| (event, m.line, m.column))
            .filter(|m| self.marked != Some(*m));
        if new_mark.is_some() {
            self.marked = new_mark;
        }
        let editor_height = (height - 120.0).max(120.0);
        let label = ui.label("Request JSON (payload or envelope):");
        let output = code_editor_ui(
            ui,
            egui::Id::unique(("request-editor", event)),
            text,
            "json",
            10,
            editor_height,
            marker.as_ref(),
            new_mark.is_some(),
            Some(label.id),
        );
        if output.changed {
            *generation = edit.generation + 1;
            commands.push(Command::EditRequestText {
                event,
                text: text.clone(),
            });
        }
        check_ui(ui, edit);
        headers_ui(ui, ctx, event, edit, commands);
    }
}

/// What the check of the text found.
fn check_ui(ui: &mut egui::Ui, edit: &RequestEdit) {
    match &edit.check {
        None => {
            ui.weak("Checking…");
        }
        Some(RequestCheck::Invalid(error)) => theme::error_label(ui, &error.message),
        Some(RequestCheck::Parsed(checked)) => {
            let counts = checked.counts;
            let color = if counts.errors > 0 {
                ui.visuals().error_fg_color
            } else if counts.warnings > 0 {
                ui.visuals().warn_fg_color
            } else {
                ui.visuals().text_color()
            };
            ui.colored_label(
                color,
                format!("Checked as {}: {}", checked.event.name(), checked.summary),
            );
            if checked.findings.is_empty() {
                return;
            }
            egui::CollapsingHeader::new(format!("Findings ({})", checked.findings.len()))
                .id_salt("request-findings")
                .default_open(counts.errors + counts.warnings > 0)
                .show(ui, |ui| {
                    for finding in checked.findings.iter().take(FINDINGS_SHOWN) {
                        ui.horizontal_wrapped(|ui| {
                            ui.label(theme::severity_text(ui, finding.severity));
                            ui.monospace(&finding.path);
                            let color = if finding.severity == Severity::Info {
                                ui.visuals().text_color()
                            } else {
                                theme::severity_color(ui, finding.severity)
                            };
                            ui.colored_label(color, &finding.message);
                        });
                    }
                    let more = checked.findings.len().saturating_sub(FINDINGS_SHOWN);
                    if more > 0 {
                        ui.weak(format!("… {more} more"));
                    }
                });
        }
    }
}

/// Extra HTTP headers sent with the edited request.
fn headers_ui(
    ui: &mut egui::Ui,
    _ctx: &ViewContext<'_>,
    event: EventId,
    edit: &RequestEdit,
    commands: &mut Vec<Command>,
) {
    let mut headers = edit.headers.clone();
    let mut changed = false;
    egui::CollapsingHeader::new(format!("Request headers ({})", edit.filled_headers().len()))
        .id_salt("request-headers")
        .show(ui, |ui| {
            ui.weak("Sent with this request, beside the function's own headers.");
            let mut remove = None;
            for (i, (name, value)) in headers.iter_mut().enumerate() {
                ui.horizontal(|ui| {
                    let label = ui.label("Header");
                    changed |= ui
                        .add(egui::TextEdit::singleline(name).desired_width(180.0))
                        .labelled_by(label.id)
                        .changed();
                    let label = ui.label("Value");
                    changed |= ui
                        .add(egui::TextEdit::singleline(value).desired_width(260.0))
                        .labelled_by(label.id)
                        .changed();
                    if ui.small_button("Remove").clicked() {
                        remove = Some(i);
                    }
                });
                if let Some(problem) =
                    header_problem(name.trim()).filter(|_| !name.trim().is_empty())
                {
                    theme::error_label(ui, &problem);
                }
            }
            if let Some(i) = remove {
                headers.remove(i);
                changed = true;
            }
            if ui.small_button("Add header").clicked() {
                headers.push((String::new(), String::new()));
                changed = true;
            }
        });
    if changed {
        commands.push(Command::EditRequestHeaders { event, headers });
    }
}
