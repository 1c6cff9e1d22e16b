//! The Batch tab's results: the table of every request (virtualised, sortable by any column,
//! optionally only the failures, each with its payload's own findings) and the result opened
//! in full in a pane beside it. The pane's verdict is the row's: a row judged against its
//! expectation file says FAIL there too, with why.

use std::cmp::Ordering;

use egui_extras::{Column, TableBuilder};

use crate::batch::BatchResult;
use crate::catalog::EventId;
use crate::invoke::{Check, Invocation};
use crate::ui::app::batch_state::BatchView;
use crate::ui::app::commands::Command;
use crate::ui::widgets::result_view::{ResultAction, ResultOptions, invocation_ui};
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

/// The columns a table can be sorted by.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SortBy {
    /// The order the results finished in.
    Finished,
    File,
    Iteration,
    Verdict,
    Status,
    Time,
    Findings,
}

/// The sorted order, kept until the results or the sort change.
struct Sorted {
    key: (EventId, usize, SortBy, bool, bool),
    rows: Vec<usize>,
}

/// Widget state of the results table.
pub struct ResultsTable {
    /// Show only failed results.
    only_failures: bool,
    /// The result opened in full.
    opened: Option<Opened>,
    sort: SortBy,
    descending: bool,
    sorted: Option<Sorted>,
}

impl Default for ResultsTable {
    fn default() -> Self {
        ResultsTable {
            only_failures: false,
            opened: None,
            sort: SortBy::Finished,
            descending: false,
            sorted: None,
        }
    }
}

impl ResultsTable {
    /// Closes the opened result (a new batch starts).
    pub fn close(&mut self) {
        self.opened = None;
    }

    /// Draws the filter, the table and the opened result beside it.
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        event: EventId,
        view: &BatchView,
        commands: &mut Vec<Command>,
    ) {
        ui.horizontal(|ui| {
            ui.checkbox(&mut self.only_failures, "failures only");
            ui.weak("Click a column's title to sort by it, a row to open it.");
        });
        let opened = self
            .opened
            .as_ref()
            .filter(|o| o.event == event && o.index < view.results.len())
            .is_some();
        if opened {
            egui::Panel::right("batch-invocation")
                .resizable(true)
                .default_size(460.0)
                .min_size(280.0)
                .show(ui, |ui| self.detail_ui(ui, view, commands));
        }
        // The rest of the width, clipped: the table never runs under the pane.
        egui::CentralPanel::no_frame().show(ui, |ui| self.table_ui(ui, event, view));
    }

    /// The opened result in full.
    fn detail_ui(&mut self, ui: &mut egui::Ui, view: &BatchView, commands: &mut Vec<Command>) {
        let Some(opened) = self.opened.as_ref() else {
            return;
        };
        let Some(result) = view.results.get(opened.index) else {
            return;
        };
        let mut close = false;
        ui.horizontal(|ui| {
            close = ui.button("Close").clicked();
            ui.strong(format!("{} · iteration {}", result.file, result.iteration));
        });
        ui.horizontal(|ui| {
            ui.label("This row:");
            theme::verdict_ui(ui, result.ok);
            ui.weak(format!(
                "{}/{} rules",
                result.rules_held, result.rules_total
            ));
        });
        if let Some(findings) = view
            .items
            .get(result.item)
            .and_then(|i| i.findings.as_deref())
        {
            ui.colored_label(
                ui.visuals().warn_fg_color,
                format!("Payload findings: {findings}"),
            );
        }
        if !opened.expectation.is_empty() {
            ui.strong("Expectation");
            checks_ui(ui, &opened.expectation);
        }
        ui.separator();
        egui::ScrollArea::vertical()
            .id_salt("batch-invocation-scroll")
            .auto_shrink([false, false])
            .show(ui, |ui| match &opened.record {
                Some(record) => {
                    let options = ResultOptions {
                        verdict: Some((result.ok, result.failures.clone())),
                        copied: None,
                    };
                    if let Some(ResultAction::Copy(what, text)) =
                        invocation_ui(ui, record, &options)
                    {
                        commands.push(Command::CopyText { what, text });
                    }
                }
                None => {
                    for failure in &result.failures {
                        theme::error_label(ui, failure);
                    }
                    ui.weak(
                        "The full record of this request was not kept: large batches keep the \
                         first 500 and the failures.",
                    );
                }
            });
        if close {
            self.opened = None;
        }
    }

    /// The row order for the current sort (recomputed only when it changes).
    fn order(&mut self, event: EventId, view: &BatchView) -> &[usize] {
        let key = (
            event,
            view.results.len(),
            self.sort,
            self.descending,
            self.only_failures,
        );
        if self.sorted.as_ref().is_none_or(|s| s.key != key) {
            let results = &view.results;
            let mut rows: Vec<usize> = (0..results.len())
                .filter(|&i| !self.only_failures || !results[i].ok)
                .collect();
            let findings = |r: &BatchResult| {
                view.items
                    .get(r.item)
                    .and_then(|i| i.findings.clone())
                    .unwrap_or_default()
            };
            let sort = self.sort;
            if sort != SortBy::Finished {
                rows.sort_by(|&a, &b| {
                    let (x, y) = (&results[a], &results[b]);
                    match sort {
                        SortBy::File => x.file.cmp(&y.file),
                        SortBy::Iteration => x.iteration.cmp(&y.iteration),
                        SortBy::Verdict => x.ok.cmp(&y.ok),
                        SortBy::Status => x.status.cmp(&y.status),
                        SortBy::Time => {
                            x.time_ms.partial_cmp(&y.time_ms).unwrap_or(Ordering::Equal)
                        }
                        SortBy::Findings => findings(x).cmp(&findings(y)),
                        SortBy::Finished => Ordering::Equal,
                    }
                    .then(a.cmp(&b))
                });
            }
            if self.descending {
                rows.reverse();
            }
            self.sorted = Some(Sorted { key, rows });
        }
        self.sorted.as_ref().map_or(&[], |s| &s.rows)
    }

    /// The results, one row each (only the visible rows are built).
    fn table_ui(&mut self, ui: &mut egui::Ui, event: EventId, view: &BatchView) {
        let row_height = ui.text_style_height(&egui::TextStyle::Body) + 6.0;
        let opened = self
            .opened
            .as_ref()
            .filter(|o| o.event == event)
            .map(|o| o.index);
        let (sort, descending) = (self.sort, self.descending);
        let rows = self.order(event, view).to_vec();
        let mut open = None;
        let mut sort_by = None;
        let rest =
            (ui.available_width() - 240.0 - 44.0 - 56.0 - 60.0 - 72.0 - 150.0 - 30.0).max(160.0);
        egui::ScrollArea::horizontal()
            .id_salt("batch-results-x")
            .show(ui, |ui| {
                TableBuilder::new(ui)
                    .id_salt("batch-results")
                    .striped(true)
                    .resizable(true)
                    .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
                    .column(Column::initial(240.0).at_least(100.0).clip(true))
                    .column(Column::initial(44.0).at_least(30.0))
                    .column(Column::initial(56.0).at_least(40.0))
                    .column(Column::initial(60.0).at_least(40.0))
                    .column(Column::initial(72.0).at_least(50.0))
                    .column(Column::initial(150.0).at_least(60.0).clip(true))
                    .column(Column::initial(rest).at_least(120.0).clip(true))
                    .header(row_height, |mut header| {
                        for (title, by) in [
                            ("File", SortBy::File),
                            ("Iter", SortBy::Iteration),
                            ("Result", SortBy::Verdict),
                            ("Status", SortBy::Status),
                            ("Time ms", SortBy::Time),
                            ("Payload findings", SortBy::Findings),
                            ("Rules", SortBy::Finished),
                        ] {
                            header.col(|ui| {
                                let mark = match (sort == by, descending) {
                                    (true, false) if by != SortBy::Finished => " ^",
                                    (true, true) if by != SortBy::Finished => " v",
                                    _ => "",
                                };
                                let hint = if by == SortBy::Finished {
                                    "Sort in the order the results finished"
                                } else {
                                    "Sort by this column: ^ smallest first, v largest \
                                     first (click again for the other way)"
                                };
                                let title = egui::RichText::new(format!("{title}{mark}")).strong();
                                if ui
                                    .add(egui::Button::new(title).frame(false))
                                    .on_hover_text(hint)
                                    .clicked()
                                {
                                    sort_by = Some(by);
                                }
                            });
                        }
                    })
                    .body(|body| {
                        body.rows(row_height, rows.len(), |mut row| {
                            let Some(&index) = rows.get(row.index()) else {
                                return;
                            };
                            let Some(result) = view.results.get(index) else {
                                return;
                            };
                            let selected = opened == Some(index);
                            row.set_selected(selected);
                            row.col(|ui| {
                                let response = ui.add(
                                    egui::Button::selectable(selected, &*result.file).truncate(),
                                );
                                if response.clicked() {
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
                                let findings = view
                                    .items
                                    .get(result.item)
                                    .and_then(|i| i.findings.as_deref());
                                match findings {
                                    Some(text) => {
                                        ui.add(
                                            egui::Label::new(
                                                egui::RichText::new(text)
                                                    .color(ui.visuals().warn_fg_color),
                                            )
                                            .truncate(),
                                        );
                                    }
                                    None => {
                                        ui.weak("none");
                                    }
                                }
                            });
                            row.col(|ui| {
                                rules_ui(ui, result);
                            });
                        });
                    });
            });
        if let Some(by) = sort_by {
            if self.sort == by && by != SortBy::Finished {
                self.descending = !self.descending;
            } else {
                self.sort = by;
                self.descending = false;
            }
        }
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

/// The rules column: "4/4 rules" when all held, else the first failure (all on hover).
fn rules_ui(ui: &mut egui::Ui, result: &BatchResult) {
    let text = format!("{}/{} rules", result.rules_held, result.rules_total);
    if result.ok {
        ui.weak(text);
    } else {
        let first = result.failures.first().map_or("failed", String::as_str);
        let label =
            egui::RichText::new(format!("{text} · {first}")).color(ui.visuals().error_fg_color);
        // One tooltip: every failure.
        ui.add(
            egui::Label::new(label)
                .truncate()
                .show_tooltip_when_elided(false),
        )
        .on_hover_text(result.failures.join("\n"));
    }
}
