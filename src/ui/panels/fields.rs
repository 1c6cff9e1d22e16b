//! The Fields tab: what the documents say about the selected event and its payload fields.

use egui_extras::{Column, TableBuilder};

use crate::catalog::{ENVELOPE_FIELDS, FieldSpec};
use crate::ui::app::context::ViewContext;
use crate::ui::widgets::elide::start_elided_label;

/// Widget state of the Fields tab.
#[derive(Default)]
pub struct FieldsPanel {
    filter: String,
    /// The find requests already answered (Ctrl+F puts the cursor in the filter).
    find_seen: u64,
}

impl FieldsPanel {
    /// Draws the selected event's facts, the envelope and the filtered field table.
    pub fn ui(&mut self, ui: &mut egui::Ui, ctx: &ViewContext<'_>) {
        let spec = ctx.event().spec();
        egui::Grid::new("event-facts")
            .num_columns(2)
            .spacing([12.0, 4.0])
            .show(ui, |ui| {
                ui.strong("Source");
                ui.label(format!("{} ({})", spec.source, spec.channel));
                ui.end_row();
                ui.strong("Functions");
                ui.label(format!(
                    "at most {} per event; several needs belong in one function's code",
                    spec.function_limit
                ));
                ui.end_row();
                ui.strong("Fires when");
                ui.label(spec.fired_when);
                ui.end_row();
                ui.strong("Result");
                ui.label(spec.result_contract);
                ui.end_row();
                ui.strong("On error");
                ui.label(spec.on_error);
                ui.end_row();
            });
        ui.add_space(6.0);
        egui::CollapsingHeader::new(format!("Envelope ({} fields)", ENVELOPE_FIELDS.len()))
            .id_salt("envelope-fields")
            .show(ui, |ui| {
                fields_table(
                    ui,
                    "envelope-table",
                    ENVELOPE_FIELDS.iter().collect(),
                    false,
                );
            });
        ui.horizontal(|ui| {
            ui.label("Filter:");
            let field = ui.add(
                egui::TextEdit::singleline(&mut self.filter)
                    .hint_text("path, type or description")
                    .desired_width(240.0),
            );
            let find = ctx.session.find_requests;
            if std::mem::replace(&mut self.find_seen, find) != find {
                field.request_focus();
            }
            if !self.filter.is_empty() && ui.small_button("Clear").clicked() {
                self.filter.clear();
            }
        });
        let needle = self.filter.to_lowercase();
        let shown: Vec<&FieldSpec> = spec
            .fields
            .iter()
            .filter(|f| {
                needle.is_empty()
                    || f.path.to_lowercase().contains(&needle)
                    || f.ty.as_str().to_lowercase().contains(&needle)
                    || f.description.to_lowercase().contains(&needle)
            })
            .collect();
        ui.weak(format!(
            "{} of {} documented payload fields",
            shown.len(),
            spec.fields.len()
        ));
        fields_table(ui, "fields-table", shown, true);
    }
}

fn fields_table(ui: &mut egui::Ui, id: &str, fields: Vec<&FieldSpec>, scroll: bool) {
    let row_height = ui.text_style_height(&egui::TextStyle::Body) + 6.0;
    let rest = (ui.available_width() - 300.0 - 110.0 - 320.0 - 40.0).max(160.0);
    // Columns keep their widths: widening one scrolls the table sideways instead of squeezing
    // the others.
    egui::ScrollArea::horizontal()
        .id_salt((id, "x"))
        .show(ui, |ui| {
            TableBuilder::new(ui)
                .id_salt(id)
                .striped(true)
                .resizable(true)
                .vscroll(scroll)
                .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
                .column(Column::initial(300.0).at_least(120.0).clip(true))
                .column(Column::initial(110.0).at_least(60.0).clip(true))
                .column(Column::initial(320.0).at_least(100.0).clip(true))
                .column(Column::initial(rest).at_least(100.0).clip(true))
                .header(row_height, |mut header| {
                    for title in ["Path", "Type", "Description", "Example"] {
                        header.col(|ui| {
                            ui.strong(title);
                        });
                    }
                })
                .body(|body| {
                    body.rows(row_height, fields.len(), |mut row| {
                        let Some(field) = fields.get(row.index()) else {
                            return;
                        };
                        row.col(|ui| {
                            start_elided_label(
                                ui,
                                field.path,
                                egui::TextStyle::Monospace,
                                false,
                                None,
                            );
                        });
                        row.col(|ui| {
                            ui.label(field.ty.as_str());
                        });
                        row.col(|ui| {
                            ui.add(egui::Label::new(field.description).truncate());
                        });
                        row.col(|ui| {
                            ui.add(
                                egui::Label::new(egui::RichText::new(field.example).monospace())
                                    .truncate(),
                            );
                        });
                    });
                });
        });
}
