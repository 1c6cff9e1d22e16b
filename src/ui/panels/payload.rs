//! The Payload tab: the loaded payload as a virtualised table of flattened rows, with findings.

use egui_extras::{Column, TableBuilder};

use crate::catalog::EventId;
use crate::catalog::samples::samples_for;
use crate::payload::{Inspection, RowFilter, Section, Severity};
use crate::ui::app::commands::Command;
use crate::ui::app::context::ViewContext;
use crate::ui::app::jobs::JobKind;
use crate::ui::app::session::Loaded;
use crate::ui::widgets::theme;

/// Widget state of the Payload tab: the filter as typed.
#[derive(Default)]
pub struct PayloadPanel {
    filter: String,
    only_findings: bool,
}

impl PayloadPanel {
    /// Draws the payload, or the ways to load one.
    pub fn ui(&mut self, ui: &mut egui::Ui, ctx: &ViewContext<'_>, commands: &mut Vec<Command>) {
        if let Some(job) = ctx.job(JobKind::LoadPayload) {
            ui.horizontal(|ui| {
                ui.spinner();
                ui.label(format!(
                    "{} ({:.1} s)",
                    job.label,
                    job.started.elapsed().as_secs_f32()
                ));
            });
        }
        if let Some(error) = &ctx.session.load_error {
            theme::error_label(ui, error);
            ui.add_space(4.0);
        }
        let Some(loaded) = &ctx.session.loaded else {
            empty_ui(ui, ctx.event(), commands);
            return;
        };
        let inspection = &loaded.inspection;
        summary_ui(ui, loaded);
        findings_ui(ui, inspection);
        ui.horizontal(|ui| {
            ui.label("Filter:");
            ui.add(
                egui::TextEdit::singleline(&mut self.filter)
                    .hint_text("path or value")
                    .desired_width(240.0),
            );
            ui.checkbox(&mut self.only_findings, "Only rows with findings");
        });
        let wanted = RowFilter {
            text: self.filter.clone(),
            only_findings: self.only_findings,
        };
        // Asked once per change; the rows shown are the last ones computed for this payload.
        let asked = (loaded.generation, wanted);
        if ctx.session.rows_requested.as_ref() != Some(&asked) {
            let (generation, filter) = asked;
            commands.push(Command::FilterRows { generation, filter });
        }
        let rows = &ctx.session.rows;
        let rows: &[u32] = if rows.generation == loaded.generation {
            &rows.rows
        } else {
            &[]
        };
        ui.horizontal(|ui| {
            ui.weak(format!(
                "{} of {} rows shown",
                rows.len(),
                inspection.row_count()
            ));
            if ctx.is_running(JobKind::FilterRows) {
                ui.spinner();
                ui.weak("filtering…");
            }
        });
        rows_table(ui, inspection, rows);
    }
}

fn empty_ui(ui: &mut egui::Ui, selected: EventId, commands: &mut Vec<Command>) {
    ui.label("No payload loaded.");
    ui.label("Open one with Open… (Ctrl+O), drop a file on the window, or pick a sample:");
    ui.add_space(4.0);
    for sample in samples_for(selected) {
        if ui
            .button(sample.file_name)
            .on_hover_text(sample.description)
            .clicked()
        {
            commands.push(Command::LoadSample(sample));
        }
    }
}

fn summary_ui(ui: &mut egui::Ui, loaded: &Loaded) {
    let inspection = &loaded.inspection;
    ui.horizontal_wrapped(|ui| {
        ui.strong(loaded.payload.file_name());
        ui.weak(&loaded.payload.origin);
        ui.weak(format!("{} bytes", loaded.payload.size_bytes));
    });
    ui.label(format!("Event: {}", inspection.detection.describe()));
    let counts = inspection.counts();
    ui.horizontal(|ui| {
        ui.label(if inspection.is_envelope {
            "Envelope {timestamp, headers, payload}:"
        } else {
            "Bare payload (sent wrapped in an envelope):"
        });
        ui.label(format!("{} fields,", inspection.row_count()));
        let parts = [
            (Severity::Error, counts.errors, "error"),
            (Severity::Warning, counts.warnings, "warning"),
            (Severity::Info, counts.infos, "note"),
        ];
        for (severity, n, word) in parts {
            let text = format!("{n} {word}{}", if n == 1 { "" } else { "s" });
            if n > 0 {
                ui.colored_label(theme::severity_color(ui, severity), text);
            } else {
                ui.label(text);
            }
        }
    });
}

fn findings_ui(ui: &mut egui::Ui, inspection: &Inspection) {
    if inspection.findings.is_empty() {
        ui.label("No findings: every documented field is present with its documented type.");
        return;
    }
    egui::CollapsingHeader::new(format!("Findings ({})", inspection.findings.len()))
        .id_salt("payload-findings")
        .default_open(inspection.findings.len() <= 12)
        .show(ui, |ui| {
            egui::ScrollArea::vertical()
                .id_salt("findings-scroll")
                .max_height(180.0)
                .show(ui, |ui| {
                    for finding in &inspection.findings {
                        ui.horizontal(|ui| {
                            ui.label(theme::severity_text(ui, finding.severity));
                            ui.monospace(&finding.path);
                            ui.label(&finding.message);
                        });
                    }
                });
        });
}

fn rows_table(ui: &mut egui::Ui, inspection: &Inspection, rows: &[u32]) {
    let row_height = ui.text_style_height(&egui::TextStyle::Body) + 6.0;
    TableBuilder::new(ui)
        .id_salt("payload-rows")
        .striped(true)
        .resizable(true)
        .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
        .column(Column::initial(250.0).at_least(120.0).clip(true))
        .column(Column::initial(100.0).at_least(60.0))
        .column(Column::initial(190.0).at_least(80.0).clip(true))
        .column(Column::initial(150.0).at_least(60.0).clip(true))
        .column(Column::remainder().at_least(100.0).clip(true))
        .header(row_height, |mut header| {
            for title in ["Path", "Type", "Value", "Description", "Findings"] {
                header.col(|ui| {
                    ui.strong(title);
                });
            }
        })
        .body(|body| {
            body.rows(row_height, rows.len(), |mut table_row| {
                let Some(row) = rows
                    .get(table_row.index())
                    .and_then(|&i| inspection.row(i as usize))
                else {
                    return;
                };
                table_row.col(|ui| {
                    let indent = f32::from(row.depth().min(12)) * 12.0;
                    ui.add_space(indent);
                    let path = match row.section() {
                        Section::Envelope => format!("(envelope) {}", row.path()),
                        Section::Payload => row.path().to_owned(),
                    };
                    let response = ui.monospace(path);
                    if let Some(doc) = row.doc() {
                        response.on_hover_text(doc.description);
                    }
                });
                table_row.col(|ui| {
                    let text = row.type_name();
                    match row.doc() {
                        Some(doc) if doc.ty.as_str() != text => {
                            ui.colored_label(ui.visuals().error_fg_color, text)
                                .on_hover_text(format!("documented as {}", doc.ty));
                        }
                        _ => {
                            ui.label(text);
                        }
                    }
                });
                table_row.col(|ui| {
                    ui.monospace(row.value().preview(120));
                });
                table_row.col(|ui| {
                    if let Some(doc) = row.doc() {
                        ui.weak(doc.description).on_hover_text(doc.description);
                    }
                });
                table_row.col(|ui| {
                    for finding in row.findings() {
                        ui.colored_label(
                            theme::severity_color(ui, finding.severity),
                            &finding.message,
                        )
                        .on_hover_text(format!("{}: {}", finding.path, finding.message));
                    }
                });
            });
        });
}
