//! The Payload tab: the loaded payload as a virtualised table of flattened rows, with findings.
//! The event it is checked against is said, and changed only when the operator asks (selecting
//! another event in the list does not silently re-check it).

use egui_extras::{Column, TableBuilder};

use crate::catalog::EventId;
use crate::catalog::samples::samples_for;
use crate::payload::{Inspection, RowFilter, Section, Severity};
use crate::ui::app::commands::Command;
use crate::ui::app::context::ViewContext;
use crate::ui::app::jobs::JobKind;
use crate::ui::app::session::Loaded;
use crate::ui::widgets::busy;
use crate::ui::widgets::elide::start_elided_label;
use crate::ui::widgets::theme;

/// Widget state of the Payload tab: the filter as typed.
#[derive(Default)]
pub struct PayloadPanel {
    filter: String,
    only_findings: bool,
    /// The find requests already answered (Ctrl+F puts the cursor in the filter).
    find_seen: u64,
}

impl PayloadPanel {
    /// Draws the payload, or the ways to load one.
    pub fn ui(&mut self, ui: &mut egui::Ui, ctx: &ViewContext<'_>, commands: &mut Vec<Command>) {
        if let Some(job) = ctx.job(JobKind::LoadPayload) {
            ui.horizontal(|ui| {
                busy::spinner(ui);
                ui.label(format!(
                    "{} ({:.1} s)",
                    job.label,
                    job.started.elapsed().as_secs_f32()
                ));
            });
        }
        let find = ctx.session.find_requests;
        if let Some(error) = &ctx.session.load_error {
            theme::error_label(ui, error);
            ui.add_space(4.0);
        }
        let Some(loaded) = &ctx.session.loaded else {
            empty_ui(ui, ctx.event(), commands);
            return;
        };
        let inspection = &loaded.inspection;
        summary_ui(ui, loaded, ctx.event(), commands);
        findings_ui(ui, inspection);
        ui.horizontal(|ui| {
            ui.label("Filter:");
            let field = ui.add(
                egui::TextEdit::singleline(&mut self.filter)
                    .hint_text("path or value")
                    .desired_width(240.0),
            );
            if std::mem::replace(&mut self.find_seen, find) != find {
                field.request_focus();
            }
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
                busy::spinner(ui);
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

fn summary_ui(ui: &mut egui::Ui, loaded: &Loaded, selected: EventId, commands: &mut Vec<Command>) {
    let inspection = &loaded.inspection;
    ui.horizontal(|ui| {
        ui.strong(loaded.payload.file_name());
        ui.weak(format!("{} bytes", loaded.payload.size_bytes));
        start_elided_label(
            ui,
            &loaded.payload.origin,
            egui::TextStyle::Body,
            true,
            None,
        );
    });
    ui.horizontal_wrapped(|ui| {
        ui.label(format!("Checked as: {}", inspection.detection.describe()));
    });
    let checked_as = inspection.event();
    ui.horizontal_wrapped(|ui| {
        if checked_as != selected {
            ui.colored_label(
                ui.visuals().warn_fg_color,
                format!("You selected {}.", selected.name()),
            );
            if ui
                .button(format!("Check against {}", selected.name()))
                .clicked()
            {
                commands.push(Command::CheckPayloadAs(selected));
            }
        }
        let others: Vec<EventId> = EventId::ALL
            .into_iter()
            .filter(|e| *e != checked_as && *e != selected)
            .collect();
        if !others.is_empty() {
            ui.menu_button("Check against another event", |ui| {
                for other in others {
                    if ui.button(other.name()).clicked() {
                        commands.push(Command::CheckPayloadAs(other));
                        ui.close();
                    }
                }
            });
        }
    });
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
    let findings = &inspection.findings;
    egui::CollapsingHeader::new(format!("Findings ({})", findings.len()))
        .id_salt("payload-findings")
        .default_open(findings.len() <= 12)
        .show(ui, |ui| {
            let row_height = ui.text_style_height(&egui::TextStyle::Body) + 4.0;
            // Only the visible findings are laid out: a payload can have a million.
            egui::ScrollArea::vertical()
                .id_salt("findings-scroll")
                .max_height(180.0)
                .show_rows(ui, row_height, findings.len(), |ui, range| {
                    for finding in &findings[range] {
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
    // Columns keep their widths: widening one scrolls the table sideways instead of
    // squeezing the others.
    let rest = (ui.available_width() - 250.0 - 100.0 - 190.0 - 150.0 - 40.0).max(180.0);
    egui::ScrollArea::horizontal()
        .id_salt("payload-rows-x")
        .show(ui, |ui| {
            TableBuilder::new(ui)
                .id_salt("payload-rows")
                .striped(true)
                .resizable(true)
                .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
                .column(Column::initial(250.0).at_least(120.0).clip(true))
                .column(Column::initial(100.0).at_least(60.0).clip(true))
                .column(Column::initial(190.0).at_least(80.0).clip(true))
                .column(Column::initial(150.0).at_least(60.0).clip(true))
                .column(Column::initial(rest).at_least(100.0).clip(true))
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
                        row_cells(&mut table_row, &row);
                    });
                });
        });
}

/// One row's cells; each shows its whole text on hover once.
fn row_cells(table_row: &mut egui_extras::TableRow<'_, '_>, row: &crate::payload::Row<'_>) {
    table_row.col(|ui| {
        let indent = f32::from(row.depth().min(12)) * 12.0;
        ui.add_space(indent);
        let path = match row.section() {
            Section::Envelope => format!("(envelope) {}", row.path()),
            Section::Payload => row.path().to_owned(),
        };
        let about = row.doc().map(|d| d.description);
        start_elided_label(ui, &path, egui::TextStyle::Monospace, false, about);
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
        ui.add(
            egui::Label::new(egui::RichText::new(row.value().preview(120)).monospace()).truncate(),
        );
    });
    table_row.col(|ui| {
        if let Some(doc) = row.doc() {
            ui.add(
                egui::Label::new(
                    egui::RichText::new(doc.description).color(ui.visuals().weak_text_color()),
                )
                .truncate(),
            );
        }
    });
    table_row.col(|ui| {
        for finding in row.findings() {
            ui.add(
                egui::Label::new(
                    egui::RichText::new(&finding.message)
                        .color(theme::severity_color(ui, finding.severity)),
                )
                .truncate(),
            );
        }
    });
}
