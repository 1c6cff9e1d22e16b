//! One invocation in full: status, timings, contract rules, e-mails, error, notes, logs, the body
//! as a collapsible JSON tree, headers.

use serde_json::Value;

use super::theme;
use crate::invoke::{Body, ErrorKind, Invocation, LogLevel};

/// Children shown per JSON level before "… N more".
const TREE_CHILDREN_MAX: usize = 200;

/// Draws an invocation record.
pub fn invocation_ui(ui: &mut egui::Ui, record: &Invocation) {
    ui.horizontal_wrapped(|ui| {
        let (text, color) = if record.ok {
            ("PASSED", ui.visuals().hyperlink_color)
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
    });
    ui.weak(format!(
        "{} to {}{}",
        record.function.as_deref().unwrap_or("ad-hoc URL"),
        record.endpoint,
        record
            .payload_findings
            .as_ref()
            .map(|f| format!(" · payload: {f}"))
            .unwrap_or_default()
    ));
    if let Some(local) = &record.local {
        ui.weak(format!(
            "Ran locally on {} as {} in {:.1} ms",
            local.engine.name(),
            local.runtime.as_str().to_uppercase(),
            local.duration_ms
        ));
    }
    if let Some(error) = &record.error {
        ui.add_space(4.0);
        theme::error_label(
            ui,
            &format!("{} ({}): {}", error.kind, error.code, error.message),
        );
        ui.weak(whose_fault(error.kind));
    }
    if let Some(id) = &record.request_id {
        request_id_ui(ui, id);
    }
    if record.attempts.len() > 1 {
        egui::CollapsingHeader::new(format!("Attempts ({})", record.attempts.len()))
            .id_salt("invocation-attempts")
            .default_open(true)
            .show(ui, |ui| {
                for (i, attempt) in record.attempts.iter().enumerate() {
                    ui.horizontal_wrapped(|ui| {
                        ui.label(format!("{}.", i + 1));
                        ui.label(&attempt.reason);
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
                ui.label(&check.rule);
                ui.weak(&check.message);
            });
        }
    }
    if !record.emails.is_empty() {
        ui.add_space(4.0);
        ui.strong("E-mails the chat server would send");
        egui::Grid::new("emails")
            .striped(true)
            .num_columns(4)
            .show(ui, |ui| {
                for title in ["To", "Sender", "Sender e-mail", "Subject"] {
                    ui.strong(title);
                }
                ui.end_row();
                for e in &record.emails {
                    ui.label(&e.target_email);
                    ui.label(&e.sender_name);
                    ui.label(&e.sender_email);
                    ui.label(&e.subject);
                    ui.end_row();
                }
            });
    }
    for note in &record.notes {
        ui.label(note);
    }
    if !record.logs.is_empty() {
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
                        ui.monospace(&line.message);
                    });
                }
            });
    }
    if let Some(value) = &record.local_result {
        let how = match record.local.as_ref().map(|l| l.runtime) {
            Some(crate::functions::Runtime::V2) => "Result (returned)",
            _ => "Result (called back)",
        };
        egui::CollapsingHeader::new(how)
            .id_salt("local-result")
            .default_open(true)
            .show(ui, |ui| json_tree_ui(ui, "result", value, 0));
    }
    if let Some(response) = &record.response {
        let title = format!(
            "Response body ({} bytes{})",
            response.size,
            if response.truncated { ", cut" } else { "" }
        );
        egui::CollapsingHeader::new(title)
            .id_salt("response-body")
            .default_open(true)
            .show(ui, |ui| match &response.body {
                Body::Empty => {
                    ui.weak("(empty)");
                }
                Body::Json(value) => json_tree_ui(ui, "body", value, 0),
                Body::Text(text) => {
                    let shown: String = text.chars().take(20_000).collect();
                    ui.add(egui::Label::new(egui::RichText::new(shown).monospace()).wrap());
                }
            });
        egui::CollapsingHeader::new(format!("Response headers ({})", response.headers.len()))
            .id_salt("response-headers")
            .show(ui, |ui| {
                for (k, v) in &response.headers {
                    ui.monospace(format!("{k}: {v}"));
                }
            });
    }
    egui::CollapsingHeader::new("Request")
        .id_salt("request")
        .show(ui, |ui| {
            ui.monospace(format!("POST {}", record.request.url));
            for (k, v) in &record.request.headers {
                ui.monospace(format!("{k}: {v}"));
            }
            json_tree_ui(ui, "request-body", &record.request.body, 0);
        });
}

/// A JSON value as a tree of collapsing headers.
pub fn json_tree_ui(ui: &mut egui::Ui, id: &str, value: &Value, depth: usize) {
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

fn entry_ui(ui: &mut egui::Ui, id: &str, label: &str, value: &Value, depth: usize) {
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
                ui.monospace(shown);
            });
        }
    }
}

/// The invocation's `X-Request-ID`, with a button that copies it (it is no secret).
fn request_id_ui(ui: &mut egui::Ui, id: &str) {
    ui.horizontal_wrapped(|ui| {
        ui.label("Request id");
        ui.monospace(id);
        if ui
            .small_button("Copy")
            .on_hover_text("quote this to LivePerson support")
            .clicked()
        {
            ui.ctx().copy_text(id.to_owned());
        }
        ui.weak("quote this to LivePerson support");
    });
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
