//! The Invoke tab: pick a payload, invoke the event's function (Ctrl+Enter), cancel, see the
//! result, copy the request as curl, and go back through the history.

use std::time::Instant;

use egui::{Key, KeyboardShortcut, Modifiers};

use super::app::{Command, Loaded};
use super::result_view::invocation_ui;
use super::theme;
use crate::catalog::EventId;
use crate::catalog::samples::{Sample, samples_for};
use crate::functions::{Endpoint, EndpointKind, FunctionStore};
use crate::invoke::Invocation;

const INVOKE_SHORTCUT: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::Enter);

impl PartialEq for PayloadChoice {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (PayloadChoice::Loaded, PayloadChoice::Loaded) => true,
            (PayloadChoice::Sample(a), PayloadChoice::Sample(b)) => a.file_name == b.file_name,
            _ => false,
        }
    }
}

/// Where the payload of the next invocation comes from.
#[derive(Clone, Copy, Debug)]
pub enum PayloadChoice {
    /// The payload loaded in the Payload tab.
    Loaded,
    /// A bundled sample.
    Sample(&'static Sample),
}

/// What is sent, as the app needs it to start the work.
#[derive(Clone, Debug)]
pub enum InvokeSource {
    /// The loaded payload.
    Loaded,
    /// A bundled sample.
    Sample(&'static Sample),
    /// A history entry's request body, sent again.
    Recorded(Box<serde_json::Value>),
}

/// A running invocation, as the panel shows it.
pub struct Running {
    /// The event invoked.
    pub event: EventId,
    /// When it started.
    pub started: Instant,
}

/// Widget state of the Invoke tab.
#[derive(Default)]
pub struct InvokePanel {
    choice: Option<PayloadChoice>,
    /// A URL to invoke instead of the configured function (empty: the function).
    pub ad_hoc_url: String,
    /// The history entry shown (index into the history), or the latest result when `None`.
    pub shown: Option<usize>,
    only_this_event: bool,
}

impl InvokePanel {
    /// Draws the tab.
    #[allow(clippy::too_many_arguments)]
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        event: EventId,
        store: &FunctionStore,
        loaded: Option<&Loaded>,
        running: Option<&Running>,
        latest: Option<&Invocation>,
        history: &[Invocation],
        commands: &mut Vec<Command>,
    ) {
        let function = store.get(event);
        theme::function_line_ui(
            ui,
            function,
            "none configured: invoke a URL below, or create one in the Function tab",
        );
        ui.horizontal(|ui| {
            let label = ui.label("Invoke a URL instead:");
            ui.add(
                egui::TextEdit::singleline(&mut self.ad_hoc_url)
                    .hint_text("empty: the configured function")
                    .desired_width(320.0),
            )
            .labelled_by(label.id);
        });
        self.payload_ui(ui, event, loaded);
        let local = self.ad_hoc_url.trim().is_empty()
            && function.is_some_and(|f| matches!(f.endpoint, Endpoint::Local(_)));
        let source = match self.choice {
            Some(PayloadChoice::Sample(sample)) => Some(InvokeSource::Sample(sample)),
            Some(PayloadChoice::Loaded) if loaded.is_some() => Some(InvokeSource::Loaded),
            _ => None,
        };
        let can_invoke = source.is_some()
            && running.is_none()
            && (function.is_some() || !self.ad_hoc_url.trim().is_empty());
        ui.horizontal(|ui| {
            let label = if local { "Run locally" } else { "Invoke" };
            let button = ui
                .add_enabled(can_invoke, egui::Button::new(label))
                .on_hover_text("Send the payload to the function (Ctrl+Enter)");
            let shortcut = ui.input_mut(|i| i.consume_shortcut(&INVOKE_SHORTCUT));
            if (button.clicked() || (shortcut && can_invoke))
                && let Some(source) = source.clone()
            {
                commands.push(self.invoke_command(event, source));
            }
            if let Some(running) = running {
                ui.spinner();
                let what = if running.event == event {
                    "Invoking".to_owned()
                } else {
                    format!("Invoking {}", running.event.name())
                };
                ui.label(format!(
                    "{what}… {:.1} s",
                    running.started.elapsed().as_secs_f32()
                ));
                if ui.button("Cancel").clicked() {
                    commands.push(Command::CancelInvoke);
                }
            }
            if let Some(source) = &source
                && !local
                && ui.button("Copy as curl").clicked()
            {
                commands.push(Command::CopyCurl {
                    event,
                    source: source.clone(),
                    url: self.url(),
                });
            }
        });
        ui.separator();
        let shown = match self.shown {
            Some(i) => history.get(i),
            None => latest.filter(|r| r.event == event),
        };
        egui::Panel::right("invoke-history")
            .resizable(true)
            .default_size(300.0)
            .show(ui, |ui| {
                self.history_ui(ui, event, history, commands);
            });
        egui::ScrollArea::vertical()
            .id_salt("invocation-result")
            .show(ui, |ui| match shown {
                Some(record) => invocation_ui(ui, record),
                None => {
                    ui.weak("No invocation yet for this event.");
                }
            });
    }

    /// The payload the next invocation sends: the one chosen here, else the loaded payload, else
    /// the event's first bundled sample.
    pub fn source(&self, event: EventId, has_loaded: bool) -> Option<InvokeSource> {
        match self.choice {
            Some(PayloadChoice::Sample(sample)) => Some(InvokeSource::Sample(sample)),
            Some(PayloadChoice::Loaded) if has_loaded => Some(InvokeSource::Loaded),
            _ if has_loaded => Some(InvokeSource::Loaded),
            _ => samples_for(event).next().map(InvokeSource::Sample),
        }
    }

    /// A short name of the payload the next invocation sends.
    pub fn source_name(&self, event: EventId, loaded: Option<&Loaded>) -> String {
        match self.source(event, loaded.is_some()) {
            Some(InvokeSource::Sample(s)) => s.file_name.to_owned(),
            Some(InvokeSource::Loaded) => {
                loaded.map_or_else(String::new, |l| l.payload.file_name().to_owned())
            }
            _ => "(none)".to_owned(),
        }
    }

    fn url(&self) -> Option<String> {
        let url = self.ad_hoc_url.trim();
        (!url.is_empty()).then(|| url.to_owned())
    }

    fn invoke_command(&mut self, event: EventId, source: InvokeSource) -> Command {
        self.shown = None;
        Command::Invoke {
            event,
            source,
            url: self.url(),
        }
    }

    fn payload_ui(&mut self, ui: &mut egui::Ui, event: EventId, loaded: Option<&Loaded>) {
        if self.choice.is_none() {
            self.choice = Some(if loaded.is_some() {
                PayloadChoice::Loaded
            } else {
                PayloadChoice::Sample(
                    samples_for(event)
                        .next()
                        .unwrap_or(&crate::catalog::samples::SAMPLES[0]),
                )
            });
        }
        if let Some(PayloadChoice::Sample(sample)) = self.choice
            && sample
                .event
                .is_some_and(|e| !e.spec().same_payload(event.spec()))
        {
            // The chosen sample belongs to another kind of event: offer this event's first.
            if let Some(first) = samples_for(event).next() {
                self.choice = Some(PayloadChoice::Sample(first));
            }
        }
        ui.horizontal(|ui| {
            let label = ui.label("Payload:");
            let selected = match self.choice {
                Some(PayloadChoice::Sample(s)) => s.file_name.to_owned(),
                _ => loaded.map_or("(none loaded)".to_owned(), |l| {
                    format!("loaded: {}", l.payload.file_name())
                }),
            };
            egui::ComboBox::from_id_salt("invoke-payload")
                .selected_text(selected)
                .width(320.0)
                .show_ui(ui, |ui| {
                    if let Some(l) = loaded {
                        ui.selectable_value(
                            &mut self.choice,
                            Some(PayloadChoice::Loaded),
                            format!("loaded: {}", l.payload.file_name()),
                        );
                    }
                    for sample in samples_for(event) {
                        ui.selectable_value(
                            &mut self.choice,
                            Some(PayloadChoice::Sample(sample)),
                            sample.file_name,
                        )
                        .on_hover_text(sample.description);
                    }
                })
                .response
                .labelled_by(label.id);
            if let (Some(PayloadChoice::Loaded), Some(l)) = (self.choice, loaded) {
                let counts = l.inspection.counts();
                if counts.errors + counts.warnings > 0 {
                    ui.colored_label(
                        ui.visuals().warn_fg_color,
                        format!("{}: sent as it is", l.inspection.summary()),
                    );
                }
            }
        });
    }

    fn history_ui(
        &mut self,
        ui: &mut egui::Ui,
        event: EventId,
        history: &[Invocation],
        commands: &mut Vec<Command>,
    ) {
        ui.horizontal(|ui| {
            ui.strong("History");
            ui.checkbox(&mut self.only_this_event, "this event only");
        });
        let entries: Vec<usize> = (0..history.len())
            .rev()
            .filter(|&i| !self.only_this_event || history[i].event == event)
            .collect();
        if entries.is_empty() {
            ui.weak("No invocations yet.");
            return;
        }
        let row_height = ui.text_style_height(&egui::TextStyle::Body) * 2.0 + 8.0;
        egui::ScrollArea::vertical()
            .id_salt("history-list")
            .show_rows(ui, row_height, entries.len(), |ui, range| {
                for &i in &entries[range] {
                    let record = &history[i];
                    ui.horizontal(|ui| {
                        let selected = self.shown == Some(i);
                        let text = format!(
                            "{}\n{} · {}",
                            record.headline(),
                            record.event.name(),
                            record.function.as_deref().unwrap_or(&record.endpoint)
                        );
                        if ui.selectable_label(selected, text).clicked() {
                            self.shown = Some(i);
                        }
                        if ui.small_button("Re-run").clicked() {
                            self.shown = None;
                            commands.push(Command::Invoke {
                                event: record.event,
                                source: InvokeSource::Recorded(Box::new(
                                    record.request.body.clone(),
                                )),
                                url: (record.endpoint_kind == EndpointKind::Url)
                                    .then(|| record.endpoint.clone()),
                            });
                        }
                    });
                }
            });
    }
}
