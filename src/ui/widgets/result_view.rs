//! One invocation in full: verdict, status, timings, the payload sent and its findings, contract
//! rules, e-mails, error, notes, logs, the response (pretty, raw or as a tree, with a copy
//! button), its headers, and the request as it was sent. Everything fits the width it is
//! given: long values wrap, tables cut cells (the whole text on hover), so nothing is drawn
//! over a neighbouring pane.

use egui::Ui;
use egui_extras::{Column, TableBuilder};
use serde_json::Value;

use super::theme;
use crate::invoke::{Body, ErrorKind, Invocation, LogLevel};
use crate::ui::app::commands::Copied;

/// Children shown per JSON level before "… N more".
const TREE_CHILDREN_MAX: usize = 200;

/// Lines of a pretty or raw body shown before "… N more lines".
const TEXT_LINES_MAX: usize = 400;

/// How a body is shown.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum BodyView {
    /// Indented JSON.
    #[default]
    Pretty,
    /// As one line, as it travels.
    Raw,
    /// A tree to fold and unfold.
    Tree,
}

/// What the caller adds to a record's view.
#[derive(Clone, Debug, Default)]
pub struct ResultOptions {
    /// A verdict that overrides the record's own (a batch row judged against its expectation
    /// file): whether it passed, and why not.
    pub verdict: Option<(bool, Vec<String>)>,
    /// What was just copied to the clipboard, so its button says so.
    pub copied: Option<Copied>,
}

/// What the operator asked for in the view.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ResultAction {
    /// Put this text on the clipboard.
    Copy(Copied, String),
}

/// Draws an invocation record; returns what a button asked for.
pub fn invocation_ui(
    ui: &mut Ui,
    record: &Invocation,
    options: &ResultOptions,
) -> Option<ResultAction> {
    let mut action = None;
    headline_ui(ui, record, options);
    if let Some(error) = &record.error {
        ui.add_space(4.0);
        theme::error_label(
            ui,
            &format!("{} ({}): {}", error.kind, error.code, error.message),
        );
        ui.weak(whose_fault(error.kind));
    }
    if let Some(id) = &record.request_id {
        action = action.or(request_id_ui(ui, id, options));
    }
    if record.attempts.len() > 1 {
        egui::CollapsingHeader::new(format!("Attempts ({})", record.attempts.len()))
            .id_salt("invocation-attempts")
            .default_open(true)
            .show(ui, |ui| {
                for (i, attempt) in record.attempts.iter().enumerate() {
                    ui.horizontal_wrapped(|ui| {
                        ui.label(format!("{}.", i + 1));
                        ui.label(attempt.reason.as_ref());
                        ui.weak(format!("{} · {:.0} ms", attempt.outcome, attempt.time_ms));
                    });
                }
            });
    }
    if let Some(error) = record.local.as_ref().and_then(|l| l.error.as_ref()) {
        // What the platform would answer, as it answers it.
        ui.horizontal_wrapped(|ui| {
            ui.weak("errorCode");
            ui.monospace(&error.code);
            ui.weak("errorMsg");
            ui.monospace(&error.message);
        });
    }
    if !record.checks.is_empty() {
        ui.add_space(4.0);
        ui.strong("Contract");
        for check in &record.checks {
            ui.horizontal_wrapped(|ui| {
                theme::verdict_ui(ui, check.ok);
                ui.label(check.rule.as_ref());
                ui.weak(&check.message);
            });
        }
    }
    if !record.emails.is_empty() {
        ui.add_space(4.0);
        ui.strong("E-mails the chat server would send");
        emails_ui(ui, record);
    }
    for note in &record.notes {
        ui.label(note);
    }
    logs_ui(ui, record);
    if let Some(value) = &record.local_result {
        // A V1 function calls back with its result; a V2 function returns it.
        let how = match record.local.as_ref().map(|l| l.runtime) {
            Some(crate::functions::Runtime::V2) => "Result (returned)",
            _ => "Result (called back)",
        };
        let body = Body::Json(value.clone());
        action = action.or(body_ui(
            ui,
            "local-result",
            how,
            &body,
            Copied::Response,
            options,
        ));
    }
    if let Some(response) = &record.response {
        let title = format!(
            "Response body ({} bytes{})",
            response.size,
            if response.truncated { ", cut" } else { "" }
        );
        action = action.or(body_ui(
            ui,
            "response-body",
            &title,
            &response.body,
            Copied::Response,
            options,
        ));
        egui::CollapsingHeader::new(format!("Response headers ({})", response.headers.len()))
            .id_salt("response-headers")
            .show(ui, |ui| {
                for (k, v) in &response.headers {
                    ui.add(
                        egui::Label::new(egui::RichText::new(format!("{k}: {v}")).monospace())
                            .wrap(),
                    );
                }
            });
    }
    let request = egui::CollapsingHeader::new("Request as sent")
        .id_salt("request")
        .show(ui, |ui| {
            let url = if record.request.url.is_empty() {
                "(in-process run)".to_owned()
            } else {
                format!("POST {}", record.request.url)
            };
            ui.add(egui::Label::new(egui::RichText::new(url).monospace()).wrap());
            for (k, v) in &record.request.headers {
                ui.add(
                    egui::Label::new(egui::RichText::new(format!("{k}: {v}")).monospace()).wrap(),
                );
            }
            let body = Body::Json(record.request.body.clone());
            body_ui(ui, "request-body", "Body", &body, Copied::Request, options)
        });
    action.or(request.body_returned.flatten())
}

/// Verdict, status, timings; where it went and what was sent.
fn headline_ui(ui: &mut Ui, record: &Invocation, options: &ResultOptions) {
    let (ok, why) = match &options.verdict {
        Some((ok, why)) => (*ok, why.as_slice()),
        None => (record.ok, &[][..]),
    };
    ui.horizontal_wrapped(|ui| {
        let (text, color) = if ok {
            ("PASSED", theme::ok_color(ui.visuals()))
        } else {
            ("FAILED", ui.visuals().error_fg_color)
        };
        ui.label(egui::RichText::new(text).strong().color(color));
        match record.status() {
            Some(status) => ui.label(format!("HTTP {status}")),
            None => ui.label("no HTTP answer"),
        };
        ui.label(format!("{:.1} ms total", record.timings.total_ms));
        if let Some(h) = record.timings.headers_ms {
            ui.weak(format!("headers after {h:.1} ms"));
        }
        if let Some(t) = record.timings.token_ms {
            ui.weak(format!("token fetched in {t:.1} ms"));
        }
        if options.verdict.is_some() && record.ok != ok {
            ui.weak(format!(
                "(the event's contract alone: {})",
                if record.ok { "passed" } else { "failed" }
            ));
        }
    });
    for reason in why {
        theme::error_label(ui, reason);
    }
    let mut sent = format!(
        "{} to {}",
        record.function.as_deref().unwrap_or("ad-hoc URL"),
        record.endpoint
    );
    if let Some(name) = &record.payload_name {
        sent.push_str(&format!(" · payload {name}"));
    }
    if let Some(findings) = &record.payload_findings {
        sent.push_str(&format!(" ({findings})"));
    }
    ui.add(
        egui::Label::new(egui::RichText::new(sent).color(ui.visuals().weak_text_color())).wrap(),
    );
    if let Some(local) = &record.local {
        ui.weak(format!(
            "Ran locally on {} as {} in {:.1} ms",
            local.engine.name(),
            local.runtime.as_str().to_uppercase(),
            local.duration_ms
        ));
    }
}

/// The request id with a copy button: what LivePerson support asks for.
fn request_id_ui(ui: &mut Ui, id: &str, options: &ResultOptions) -> Option<ResultAction> {
    let mut action = None;
    ui.horizontal_wrapped(|ui| {
        ui.label("Request id");
        ui.monospace(id);
        if ui
            .small_button(Copied::RequestId.button())
            .on_hover_text("Put the request id on the clipboard")
            .clicked()
        {
            action = Some(ResultAction::Copy(Copied::RequestId, id.to_owned()));
        }
        let note = if options.copied == Some(Copied::RequestId) {
            "Copied"
        } else {
            "quote this to LivePerson support"
        };
        ui.weak(note);
    });
    action
}

/// Whose fault a failure of this kind is, in a sentence.
pub fn whose_fault(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::Function => "The function's own code failed.",
        ErrorKind::Platform => "LivePerson's platform refused or could not run the call.",
        ErrorKind::Auth => "The credentials were refused.",
        ErrorKind::Network => "The network failed on the way: nothing answered completely.",
        ErrorKind::Config => "The configuration cannot be used as it is.",
        ErrorKind::Http => "The URL answered with an error status.",
        ErrorKind::Payload => "The payload cannot be sent.",
        ErrorKind::Cancelled => "The call was cancelled.",
        ErrorKind::Engine => "The local engine could not run the code (not the function's fault).",
    }
}

/// The e-mails as a table that fits the width (cells cut, whole on hover).
fn emails_ui(ui: &mut Ui, record: &Invocation) {
    let row_height = ui.text_style_height(&egui::TextStyle::Body) + 6.0;
    ui.push_id("emails", |ui| {
        TableBuilder::new(ui)
            .striped(true)
            .vscroll(false)
            .cell_layout(egui::Layout::left_to_right(egui::Align::Center))
            .columns(Column::remainder().at_least(60.0).clip(true), 4)
            .header(row_height, |mut header| {
                for title in ["To", "Sender", "Sender e-mail", "Subject"] {
                    header.col(|ui| {
                        ui.strong(title);
                    });
                }
            })
            .body(|body| {
                body.rows(row_height, record.emails.len(), |mut row| {
                    let Some(e) = record.emails.get(row.index()) else {
                        return;
                    };
                    for text in [&e.target_email, &e.sender_name, &e.sender_email, &e.subject] {
                        row.col(|ui| {
                            ui.add(egui::Label::new(text.as_str()).truncate());
                        });
                    }
                });
            });
    });
}

fn logs_ui(ui: &mut Ui, record: &Invocation) {
    if record.logs.is_empty() {
        return;
    }
    egui::CollapsingHeader::new(format!("Logs ({})", record.logs.len()))
        .id_salt("invocation-logs")
        .default_open(true)
        .show(ui, |ui| {
            for line in &record.logs {
                ui.horizontal_wrapped(|ui| {
                    let color = match line.severity() {
                        LogLevel::Error => ui.visuals().error_fg_color,
                        LogLevel::Warn => ui.visuals().warn_fg_color,
                        LogLevel::Debug | LogLevel::Info => ui.visuals().weak_text_color(),
                    };
                    ui.colored_label(color, &line.level);
                    ui.add(egui::Label::new(egui::RichText::new(&line.message).monospace()).wrap());
                });
            }
        });
}

/// A body with its Pretty / Raw / Tree choice and a copy button.
fn body_ui(
    ui: &mut Ui,
    id: &str,
    title: &str,
    body: &Body,
    what: Copied,
    options: &ResultOptions,
) -> Option<ResultAction> {
    let mut action = None;
    let view_id = ui.scope_id().with((id, "view"));
    let mut view: BodyView = ui.data(|d| d.get_temp(view_id)).unwrap_or_default();
    egui::CollapsingHeader::new(title)
        .id_salt(id)
        .default_open(true)
        .show(ui, |ui| {
            ui.horizontal(|ui| {
                for (choice, label) in [
                    (BodyView::Pretty, "Pretty"),
                    (BodyView::Raw, "Raw"),
                    (BodyView::Tree, "Tree"),
                ] {
                    ui.selectable_value(&mut view, choice, label);
                }
                ui.separator();
                let copy = ui
                    .small_button(what.button())
                    .on_hover_text("Put this body on the clipboard");
                if copy.clicked() {
                    action = Some(ResultAction::Copy(what, body_text(body, BodyView::Pretty)));
                }
                // Always there, so nothing beside it moves.
                let copied = if options.copied == Some(what) {
                    "Copied"
                } else {
                    ""
                };
                ui.add_sized([52.0, copy.rect.height()], egui::Label::new(copied));
            });
            match (body, view) {
                (Body::Empty, _) => {
                    ui.weak("(empty)");
                }
                (Body::Json(value), BodyView::Tree) => json_tree_ui(ui, id, value, 0),
                _ => text_ui(ui, &body_text(body, view)),
            }
        });
    ui.data_mut(|d| d.insert_temp(view_id, view));
    action
}

/// A body as text in a view.
fn body_text(body: &Body, view: BodyView) -> String {
    match (body, view) {
        (Body::Json(value), BodyView::Raw) => serde_json::to_string(value).unwrap_or_default(),
        _ => body.pretty(),
    }
}

/// Long text in monospace, wrapped, with at most [`TEXT_LINES_MAX`] lines.
fn text_ui(ui: &mut Ui, text: &str) {
    let lines = text.lines().count();
    let shown: String = if lines > TEXT_LINES_MAX {
        text.lines()
            .take(TEXT_LINES_MAX)
            .collect::<Vec<_>>()
            .join("\n")
    } else {
        text.chars().take(200_000).collect()
    };
    ui.add(egui::Label::new(egui::RichText::new(shown).monospace()).wrap());
    if lines > TEXT_LINES_MAX {
        ui.weak(format!(
            "… {} more lines (Copy takes them all)",
            lines - TEXT_LINES_MAX
        ));
    }
}

/// A JSON value as a tree of collapsing headers.
pub fn json_tree_ui(ui: &mut Ui, id: &str, value: &Value, depth: usize) {
    match value {
        Value::Object(map) => {
            for (i, (key, child)) in map.iter().enumerate() {
                if i == TREE_CHILDREN_MAX {
                    ui.weak(format!("… {} more", map.len() - i));
                    break;
                }
                entry_ui(ui, &format!("{id}.{key}"), key, child, depth);
            }
        }
        Value::Array(items) => {
            for (i, child) in items.iter().enumerate() {
                if i == TREE_CHILDREN_MAX {
                    ui.weak(format!("… {} more", items.len() - i));
                    break;
                }
                entry_ui(ui, &format!("{id}[{i}]"), &format!("[{i}]"), child, depth);
            }
        }
        scalar => {
            ui.monospace(scalar.to_string());
        }
    }
}

fn entry_ui(ui: &mut Ui, id: &str, label: &str, value: &Value, depth: usize) {
    match value {
        Value::Object(map) => {
            egui::CollapsingHeader::new(format!("{label}: {{{} fields}}", map.len()))
                .id_salt(id)
                .default_open(depth < 2)
                .show(ui, |ui| json_tree_ui(ui, id, value, depth + 1));
        }
        Value::Array(items) => {
            egui::CollapsingHeader::new(format!("{label}: [{} items]", items.len()))
                .id_salt(id)
                .default_open(depth < 2)
                .show(ui, |ui| json_tree_ui(ui, id, value, depth + 1));
        }
        scalar => {
            ui.horizontal_wrapped(|ui| {
                ui.label(format!("{label}:"));
                let text = scalar.to_string();
                let shown: String = text.chars().take(2_000).collect();
                ui.add(egui::Label::new(egui::RichText::new(shown).monospace()).wrap());
            });
        }
    }
}
