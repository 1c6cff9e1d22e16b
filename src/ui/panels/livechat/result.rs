//! What the Livechat survey view shows after a call: the survey's outcome (the server's
//! answer, accepted and dropped items, the error in plain words), the test conversation's steps,
//! and the history of submissions. Plain drawing functions over core data.

use egui::{Color32, RichText, Ui};

use crate::livechat::{
    ApiError, Conversation, ConversationFailure, ConversationStep, HistoryEntry, SurveyOutcome,
    TranscriptOutcome, mask_token,
};
use crate::ui::widgets::theme;

fn ok_color(ui: &Ui) -> Color32 {
    if ui.visuals().dark_mode {
        Color32::from_rgb(110, 200, 120)
    } else {
        Color32::from_rgb(20, 120, 40)
    }
}

fn status_text(status: Option<u16>) -> String {
    status
        .map(|s| format!("HTTP {s}"))
        .unwrap_or_else(|| "no answer".to_owned())
}

/// An error: its plain message, then its code, status and URL.
fn api_error_ui(ui: &mut Ui, error: &ApiError) {
    theme::error_label(ui, &error.message);
    let mut detail = format!(
        "{} · {}",
        error.code.as_str(),
        status_text(error.http_status)
    );
    if let Some(kind) = error.net_kind {
        detail.push_str(&format!(" · {}", kind.as_str()));
    }
    ui.weak(format!("{detail} · {}", error.url));
}

/// A server's answer, folded, in monospace.
fn answer_ui(ui: &mut Ui, id: &str, title: &str, answer: &str) {
    if answer.is_empty() {
        return;
    }
    egui::CollapsingHeader::new(title)
        .id_salt(id)
        .show(ui, |ui| {
            let shown: String = answer.chars().take(20_000).collect();
            ui.label(RichText::new(shown).monospace());
        });
}

/// The last submission.
pub fn outcome_ui(ui: &mut Ui, outcome: Option<&Result<SurveyOutcome, String>>) {
    ui.strong("Result");
    let Some(outcome) = outcome else {
        ui.weak("Nothing sent yet.");
        return;
    };
    let outcome = match outcome {
        Ok(o) => o,
        Err(not_sent) => {
            theme::error_label(ui, not_sent);
            return;
        }
    };
    match &outcome.error {
        None => {
            ui.label(
                RichText::new(format!(
                    "The server stored the survey ({})",
                    status_text(outcome.http_status)
                ))
                .color(ok_color(ui)),
            );
        }
        Some(error) => api_error_ui(ui, error),
    }
    let room = if outcome.rid.is_empty() {
        "the visitor's own (empty rid)"
    } else {
        outcome.rid.as_str()
    };
    ui.weak(format!(
        "Room {room} · visitor token {} · {} rules · {}",
        outcome.token_masked,
        outcome.rules.as_str(),
        outcome.url
    ));
    if outcome.success() {
        ui.label(format!("Accepted ({})", outcome.accepted.len()));
        egui::Grid::new("livechat-accepted")
            .num_columns(2)
            .striped(true)
            .show(ui, |ui| {
                for item in &outcome.accepted {
                    ui.monospace(&item.name);
                    ui.label(&item.value);
                    ui.end_row();
                }
            });
    }
    if !outcome.dropped.is_empty() {
        ui.label(if outcome.success() {
            format!("Dropped by the server ({})", outcome.dropped.len())
        } else {
            format!("Would be dropped by the server ({})", outcome.dropped.len())
        });
        egui::Grid::new("livechat-dropped")
            .num_columns(3)
            .striped(true)
            .show(ui, |ui| {
                for d in &outcome.dropped {
                    ui.monospace(&d.name);
                    ui.label(&d.value);
                    ui.label(RichText::new(d.reason.describe()).color(ui.visuals().warn_fg_color));
                    ui.end_row();
                }
            });
    }
    answer_ui(
        ui,
        "livechat-answer",
        "The server's answer",
        &outcome.answer,
    );
}

fn step_ui(ui: &mut Ui, i: usize, step: &ConversationStep) {
    let title = format!(
        "{}. {}: {} ({}, {})",
        i + 1,
        step.title,
        step.call,
        status_text(step.http_status),
        if step.ok { "ok" } else { "failed" }
    );
    egui::CollapsingHeader::new(title)
        .id_salt(("livechat-step", i))
        .show(ui, |ui| {
            ui.weak(&step.url);
            ui.label(
                RichText::new(step.answer.chars().take(20_000).collect::<String>()).monospace(),
            );
        });
}

/// The last test conversation: each step's answer, then the result.
pub fn conversation_ui(
    ui: &mut Ui,
    conversation: Option<&Result<Conversation, ConversationFailure>>,
) {
    let Some(conversation) = conversation else {
        return;
    };
    match conversation {
        Ok(conv) => {
            for (i, step) in conv.steps.iter().enumerate() {
                step_ui(ui, i, step);
            }
            ui.label(
                RichText::new(format!(
                    "Room {} is {} for visitor {} (token {}): filled in below.",
                    conv.rid,
                    if conv.closed { "closed" } else { "open" },
                    conv.visitor_id,
                    conv.token_masked()
                ))
                .color(ok_color(ui)),
            );
            if let Some(transcript) = &conv.transcript {
                transcript_ui(ui, transcript);
            }
        }
        Err(failure) => {
            for (i, step) in failure.steps.iter().enumerate() {
                step_ui(ui, i, step);
            }
            api_error_ui(ui, &failure.error);
            ui.weak(format!(
                "Visitor token used: {}",
                mask_token(&failure.token)
            ));
            if let Some(rid) = &failure.rid {
                ui.label(format!(
                    "Room {rid} was opened and takes a survey: filled in below."
                ));
            }
        }
    }
}

/// What came of the transcript request.
fn transcript_ui(ui: &mut Ui, transcript: &TranscriptOutcome) {
    match &transcript.error {
        None => {
            ui.label(
                RichText::new(format!(
                    "Transcript sent to {} ({})",
                    transcript.email,
                    transcript
                        .message
                        .as_deref()
                        .unwrap_or("the server said success")
                ))
                .color(ok_color(ui)),
            );
        }
        Some(error) => {
            ui.label(format!("Transcript not sent to {}:", transcript.email));
            api_error_ui(ui, error);
        }
    }
}

/// The submissions, newest first (tokens are stored masked).
pub fn history_ui(ui: &mut Ui, history: &[HistoryEntry], error: Option<&str>, skipped: usize) {
    ui.strong(format!("History ({})", history.len()));
    if let Some(error) = error {
        theme::error_label(ui, error);
    }
    if let Some(notice) = theme::skipped_lines(skipped) {
        theme::warn_label(ui, &notice);
    }
    if history.is_empty() {
        ui.weak("No survey sent yet.");
        return;
    }
    let row_height = ui.text_style_height(&egui::TextStyle::Body) + 4.0;
    egui::ScrollArea::vertical()
        .id_salt("livechat-history")
        .max_height(260.0)
        .auto_shrink([false, true])
        .show_rows(ui, row_height, history.len(), |ui, range| {
            for index in range {
                let Some(entry) = history.get(history.len() - 1 - index) else {
                    continue;
                };
                let result = match (&entry.error_code, &entry.error) {
                    (None, _) => RichText::new(format!(
                        "accepted {}, dropped {}",
                        entry.accepted.len(),
                        entry.dropped.len()
                    ))
                    .color(ok_color(ui)),
                    (Some(code), message) => RichText::new(format!(
                        "{}: {}",
                        code.as_str(),
                        message.as_deref().unwrap_or("")
                    ))
                    .color(ui.visuals().error_fg_color),
                };
                ui.horizontal(|ui| {
                    ui.weak(entry.when());
                    ui.label(format!(
                        "{} · room {} · token {}",
                        entry.server, entry.rid, entry.token
                    ));
                    ui.label(result);
                });
            }
        });
}
