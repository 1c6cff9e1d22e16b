//! The Batch tab's results: the table of every request (virtualised, optionally only the
//! failures) and the result opened in full beside it, with its expectation's rules.

use egui_extras::{Column, TableBuilder};

use crate::batch::BatchResult;
use crate::catalog::EventId;
use crate::invoke::{Check, Invocation};
use crate::ui::app::batch_state::BatchView;
use crate::ui::widgets::result_view::invocation_ui;
use crate::ui::widgets::theme;

/// A result opened in full.
struct Opened {
    event: EventId,
    /// Index into the event's results.
    index: usize,
    /// The record with the envelope sent, when it was kept.
    record: Option<Box<Invocation>>,
    /// The expectation's rules and whether they held.
    expectation: Vec<Check>,
}

/// Widget state of the results table.
#[derive(Default)]
pub struct ResultsTable {
    /// Show only failed results.
    only_failures: bool,
    /// The result opened in full.
    opened: Option<Opened>,
}

impl ResultsTable {
    /// Closes the opened result (a new batch starts).
    pub fn close(&mut self) {
        self.opened = None;
    }

    /// Draws the opened result, the filter and the table.
    pub fn ui(&mut self, ui: &mut egui::Ui, event: EventId, view: &BatchView) {
        self.detail_ui(ui, event, view);
        ui.checkbox(&mut self.only_failures, "failures only");
        self.table_ui(ui, event, view);
    }

    /// The opened result in full, in a panel on the right.
    fn detail_ui(&mut self, ui: &mut egui::Ui, event: EventId, view: &BatchView) {
        let Some(opened) = self.opened.as_ref().filter(|o| o.event == event) else {
            return;
        };
        let Some(result) = view.results.get(opened.index) else {
            return;
        };
        let mut close = false;
        egui::Panel::right("batch-invocation")
            .resizable(true)
            .default_size(460.0)
            .show(ui, |ui| {
                ui.horizontal(|ui| {
                    ui.strong(format!("{} · iteration {}", result.file, result.iteration));
                    close = ui.button("Close").clicked();
                });
                for failure in &result.failures {
                    theme::error_label(ui, failure);
                }
                if !opened.expectation.is_empty() {
                    ui.strong("Expectation");
                    checks_ui(ui, &opened.expectation);
                }
                egui::ScrollArea::vertical()
                    .id_salt("batch-invocation-scroll")
                    .show(ui, |ui| match &opened.record {
                        Some(record) => invocation_ui(ui, record),
                        None => {
                            ui.weak(
                                "The full record of this request was not kept: large batches \
                                 keep the first 500 and the failures.",
                            );
                        }
                    });
            });
        if close {
            self.opened = None;
        }
    }

    /// The results, one row each (only the visible rows are built).
    fn table_ui(&mut self, ui: &mut egui::Ui, event: EventId, view: &BatchView) {
        // Only the failures' indices are listed; all rows map to themselves.
        let failures: Option<Vec<usize>> = self.only_failures.then(|| {
            (0..view.results.len())
                .filter(|&i| !view.results[i].ok)
                .collect()
        });
        let count = failures.as_ref().map_or(view.results.len(), Vec::len);
        let row_height = ui.text_style_height(&egui::TextStyle::Body) + 6.0;
        let mut open = None;
        TableBuilder::new(ui)
            .id_salt("batch-results")
            .striped(true)
            .resizable(true)
            .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
            .column(Column::initial(260.0).at_least(120.0).clip(true))
            .column(Column::initial(44.0).at_least(30.0))
            .column(Column::initial(52.0).at_least(40.0))
            .column(Column::initial(56.0).at_least(40.0))
            .column(Column::initial(72.0).at_least(50.0))
            .column(Column::remainder().at_least(160.0).clip(true))
            .header(row_height, |mut header| {
                for title in ["File", "Iter", "Result", "Status", "Time ms", "Rules"] {
                    header.col(|ui| {
                        ui.strong(title);
                    });
                }
            })
            .body(|body| {
                body.rows(row_height, count, |mut row| {
                    let index = match &failures {
                        Some(failures) => match failures.get(row.index()) {
                            Some(&index) => index,
                            None => return,
                        },
                        None => row.index(),
                    };
                    let Some(result) = view.results.get(index) else {
                        return;
                    };
                    let selected = self
                        .opened
                        .as_ref()
                        .is_some_and(|o| o.event == event && o.index == index);
                    row.col(|ui| {
                        if ui.selectable_label(selected, &*result.file).clicked() {
                            open = Some(index);
                        }
                    });
                    row.col(|ui| {
                        ui.label(result.iteration.to_string());
                    });
                    row.col(|ui| {
                        theme::verdict_ui(ui, result.ok);
                    });
                    row.col(|ui| {
                        ui.label(
                            result
                                .status
                                .map_or_else(|| "-".to_owned(), |s| s.to_string()),
                        );
                    });
                    row.col(|ui| {
                        ui.label(format!("{:.1}", result.time_ms));
                    });
                    row.col(|ui| {
                        rules_ui(ui, result);
                    });
                });
            });
        if let Some(index) = open {
            self.opened = Some(Opened {
                event,
                index,
                record: view.record(index).map(Box::new),
                expectation: view.expectation_checks(index),
            });
        }
    }
}

fn checks_ui(ui: &mut egui::Ui, checks: &[Check]) {
    for check in checks {
        ui.horizontal_wrapped(|ui| {
            theme::verdict_ui(ui, check.ok);
            ui.label(&check.message);
        });
    }
}

/// The rules column: "4/4 rules" when all held, else the first failure.
fn rules_ui(ui: &mut egui::Ui, result: &BatchResult) {
    let text = format!("{}/{} rules", result.rules_held, result.rules_total);
    if result.ok {
        ui.weak(text);
    } else {
        let first = result.failures.first().map_or("failed", String::as_str);
        ui.colored_label(ui.visuals().error_fg_color, format!("{text} · {first}"))
            .on_hover_text(result.failures.join("\n"));
    }
}
