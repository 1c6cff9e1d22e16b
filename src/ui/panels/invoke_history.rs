//! The history beside the Invocations tab's result: newest first, each entry with its time,
//! verdict, payload and endpoint; a filter, "this event only", click an entry to reopen it in
//! full, tick two to compare them side by side, or send an entry's request again.

use std::collections::BTreeSet;
use std::time::Instant;

use crate::catalog::EventId;
use crate::functions::EndpointKind;
use crate::invoke::{Invocation, now_ms};
use crate::livechat::history::format_utc;
use crate::ui::app::commands::{Command, InvokeSource};
use crate::ui::app::session::InvokeStatus;
use crate::ui::widgets::theme;

/// What the result area shows instead of the latest result.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Shown {
    /// One entry in full (index into the history).
    One(usize),
    /// Two entries side by side.
    Compare(usize, usize),
}

/// Widget state of the history list.
#[derive(Default)]
pub struct HistoryList {
    shown: Option<Shown>,
    only_this_event: bool,
    filter: String,
    /// Entries ticked for comparison (at most two).
    ticked: BTreeSet<usize>,
    /// The start of the last invocation seen: a new one shows the latest result again.
    seen: Option<Instant>,
    /// The event last drawn for: selecting another one shows its latest result.
    event: Option<EventId>,
    /// The find requests already answered (Ctrl+F puts the cursor in the filter).
    find_seen: u64,
}

impl HistoryList {
    /// What the result area shows, if an entry was opened or two are compared.
    pub fn shown(&self, history: &[Invocation]) -> Option<Shown> {
        match self.shown? {
            Shown::One(i) if i < history.len() => Some(Shown::One(i)),
            Shown::Compare(a, b) if a < history.len() && b < history.len() => {
                Some(Shown::Compare(a, b))
            }
            _ => None,
        }
    }

    /// Back to the latest result.
    pub fn show_latest(&mut self) {
        self.shown = None;
    }

    /// Goes back to the latest result when another event is selected or a new invocation
    /// started (by button, shortcut or re-run).
    pub fn follow(&mut self, event: EventId, status: &InvokeStatus) {
        if self.event.replace(event) != Some(event) {
            self.shown = None;
        }
        if let InvokeStatus::Running { started, .. } = status
            && self.seen != Some(*started)
        {
            self.seen = Some(*started);
            self.shown = None;
        }
    }

    /// Draws the list.
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        event: EventId,
        history: &[Invocation],
        notice: Option<&str>,
        find_requests: u64,
        commands: &mut Vec<Command>,
    ) {
        ui.horizontal(|ui| {
            ui.strong("History");
            ui.checkbox(&mut self.only_this_event, "this event only");
        });
        if let Some(notice) = notice {
            crate::ui::widgets::theme::warn_label(ui, notice);
        }
        let field = ui.add(
            egui::TextEdit::singleline(&mut self.filter)
                .hint_text("filter: payload, endpoint, status, passed…")
                .desired_width(f32::INFINITY),
        );
        if std::mem::replace(&mut self.find_seen, find_requests) != find_requests {
            field.request_focus();
        }
        let needle = self.filter.trim().to_lowercase();
        let entries: Vec<usize> = (0..history.len())
            .rev()
            .filter(|&i| !self.only_this_event || history[i].event == event)
            .filter(|&i| needle.is_empty() || entry_text(&history[i]).contains(&needle))
            .collect();
        self.ticked.retain(|i| *i < history.len());
        ui.horizontal(|ui| {
            let ticked: Vec<usize> = self.ticked.iter().copied().collect();
            let can_compare = ticked.len() == 2;
            let compare = ui
                .add_enabled(can_compare, egui::Button::new("Compare"))
                .on_hover_text("Show the two ticked entries side by side")
                .on_disabled_hover_text("Tick two entries to compare them");
            if compare.clicked() {
                self.shown = Some(Shown::Compare(ticked[1], ticked[0]));
            }
            ui.weak(format!("{} of {} shown", entries.len(), history.len()));
        });
        if entries.is_empty() {
            ui.weak(if history.is_empty() {
                "No invocations yet."
            } else {
                "No entry matches."
            });
            return;
        }
        let now = now_ms();
        let row_height = ui.text_style_height(&egui::TextStyle::Body) * 2.0 + 10.0;
        egui::ScrollArea::vertical()
            .id_salt("history-list")
            .auto_shrink([false, false])
            .show_rows(ui, row_height, entries.len(), |ui, range| {
                for &i in &entries[range] {
                    self.entry_ui(ui, i, &history[i], now, commands);
                }
            });
    }

    fn entry_ui(
        &mut self,
        ui: &mut egui::Ui,
        i: usize,
        record: &Invocation,
        now: u64,
        commands: &mut Vec<Command>,
    ) {
        let open = self.shown == Some(Shown::One(i));
        ui.horizontal(|ui| {
            let mut ticked = self.ticked.contains(&i);
            if ui
                .checkbox(&mut ticked, "")
                .on_hover_text("Tick two entries to compare them")
                .changed()
            {
                if ticked {
                    if self.ticked.len() == 2 {
                        // Keep the newest tick and the one before it.
                        let oldest = self.ticked.iter().next().copied();
                        if let Some(o) = oldest {
                            self.ticked.remove(&o);
                        }
                    }
                    self.ticked.insert(i);
                } else {
                    self.ticked.remove(&i);
                }
            }
            ui.vertical(|ui| {
                ui.horizontal(|ui| {
                    let (relative, absolute) = format_time(record.at_ms, now);
                    let status = match (record.status(), &record.error) {
                        (Some(status), _) => format!("HTTP {status}"),
                        (None, Some(e)) => e.kind.to_string(),
                        (None, None) => "in-process".to_owned(),
                    };
                    let headline =
                        format!("{relative} · {status} · {:.0} ms", record.timings.total_ms);
                    let response = ui.selectable_label(open, headline).on_hover_text(absolute);
                    if response.clicked() {
                        self.shown = Some(Shown::One(i));
                    }
                    theme::verdict_ui(ui, record.ok);
                    if ui
                        .small_button("Re-run")
                        .on_hover_text("Send this entry's request again, to the same place")
                        .clicked()
                    {
                        self.shown = None;
                        commands.push(Command::Invoke {
                            event: record.event,
                            source: InvokeSource::Recorded {
                                body: Box::new(record.request.body.clone()),
                                name: record.payload_name.clone(),
                            },
                            url: (record.endpoint_kind == EndpointKind::Url)
                                .then(|| record.endpoint.clone()),
                        });
                    }
                });
                // What was sent first: that is what tells entries apart.
                let detail = format!(
                    "{} to {} · {}",
                    record
                        .payload_name
                        .as_deref()
                        .unwrap_or("payload not named"),
                    record.function.as_deref().unwrap_or(&record.endpoint),
                    record.event.name(),
                );
                let text = egui::RichText::new(&detail).color(ui.visuals().weak_text_color());
                ui.add(egui::Label::new(text).truncate());
            });
        });
    }
}

/// The text an entry is filtered on (lower case).
fn entry_text(record: &Invocation) -> String {
    format!(
        "{} {} {} {} {} {}",
        record.headline(),
        record.event.name(),
        record.payload_name.as_deref().unwrap_or(""),
        record.function.as_deref().unwrap_or(""),
        record.endpoint,
        record.error.as_ref().map(|e| e.code.as_str()).unwrap_or("")
    )
    .to_lowercase()
}

/// "3 min ago" and "2026-12-01 14:03:22 UTC" for a time in ms since the epoch.
pub fn format_time(at_ms: u64, now_ms: u64) -> (String, String) {
    let seconds = now_ms.saturating_sub(at_ms) / 1000;
    let relative = match seconds {
        0..=9 => "just now".to_owned(),
        10..=59 => format!("{seconds} s ago"),
        60..=3_599 => format!("{} min ago", seconds / 60),
        3_600..=86_399 => format!("{} h ago", seconds / 3_600),
        _ => format!("{} d ago", seconds / 86_400),
    };
    (relative, format_utc(at_ms / 1000))
}

/// What differs between two records, as (what, first, second).
pub fn differences(a: &Invocation, b: &Invocation) -> Vec<(&'static str, String, String)> {
    let verdict = |r: &Invocation| if r.ok { "passed" } else { "failed" }.to_owned();
    let status = |r: &Invocation| {
        r.status()
            .map_or_else(|| "no answer".to_owned(), |s| s.to_string())
    };
    let error = |r: &Invocation| {
        r.error
            .as_ref()
            .map_or_else(|| "none".to_owned(), |e| e.code.clone())
    };
    let body = |r: &Invocation| {
        r.response
            .as_ref()
            .map(|x| x.body.pretty())
            .or_else(|| r.local_result.as_ref().map(|v| v.to_string()))
            .unwrap_or_default()
    };
    let rows = [
        ("Verdict", verdict(a), verdict(b)),
        ("HTTP status", status(a), status(b)),
        ("Error", error(a), error(b)),
        (
            "Event",
            a.event.name().to_owned(),
            b.event.name().to_owned(),
        ),
        (
            "Payload",
            a.payload_name.clone().unwrap_or_default(),
            b.payload_name.clone().unwrap_or_default(),
        ),
        ("Endpoint", a.endpoint.clone(), b.endpoint.clone()),
        (
            "E-mails",
            a.emails.len().to_string(),
            b.emails.len().to_string(),
        ),
        (
            "Rules held",
            format!(
                "{}/{}",
                a.checks.iter().filter(|c| c.ok).count(),
                a.checks.len()
            ),
            format!(
                "{}/{}",
                b.checks.iter().filter(|c| c.ok).count(),
                b.checks.len()
            ),
        ),
    ];
    let mut out: Vec<(&'static str, String, String)> =
        rows.into_iter().filter(|(_, x, y)| x != y).collect();
    let (body_a, body_b) = (body(a), body(b));
    if body_a != body_b {
        let line = body_a
            .lines()
            .zip(body_b.lines())
            .position(|(x, y)| x != y)
            .unwrap_or_else(|| body_a.lines().count().min(body_b.lines().count()))
            + 1;
        out.push((
            "Response body",
            format!("differs from line {line}"),
            format!("{} bytes", body_b.len()),
        ));
    }
    if a.request.body.get("payload") != b.request.body.get("payload") {
        out.push(("Payload sent", "differs".to_owned(), "differs".to_owned()));
    }
    out.push((
        "Time",
        format!("{:.1} ms", a.timings.total_ms),
        format!("{:.1} ms", b.timings.total_ms),
    ));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_as_a_date_and_as_how_long_ago() {
        let at = 1_764_600_202_000; // 2025-12-01 14:43:22 UTC
        let (relative, absolute) = format_time(at, at + 125_000);
        assert_eq!(relative, "2 min ago");
        assert_eq!(absolute, "2025-12-01 14:43:22 UTC");
        assert_eq!(
            format_time(0, 0),
            ("just now".to_owned(), "1970-01-01 00:00:00 UTC".to_owned())
        );
        assert_eq!(
            format_time(951_782_400_000, 951_782_400_000).1,
            "2000-02-29 00:00:00 UTC"
        );
    }

    #[test]
    fn a_comparison_lists_what_differs() {
        let a = Invocation {
            ok: true,
            payload_name: Some("a.json".to_owned()),
            ..Invocation::default()
        };
        let mut b = a.clone();
        let same: Vec<&str> = differences(&a, &b).iter().map(|d| d.0).collect();
        assert_eq!(same, ["Time"]);
        b.ok = false;
        b.payload_name = Some("b.json".to_owned());
        let what: Vec<&str> = differences(&a, &b).iter().map(|d| d.0).collect();
        assert_eq!(what, ["Verdict", "Payload", "Time"]);
    }
}
