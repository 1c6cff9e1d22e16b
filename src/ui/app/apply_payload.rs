//! Applying the payload's commands and the file dialogs: every load and re-check runs as the one
//! `LoadPayload` job (a newer request replaces the running one), every dialog as the one
//! `FileDialog` job, and what a dialog returns goes where its purpose says.

use std::path::PathBuf;
use std::sync::Arc;

use super::SurveyConsoleApp;
use super::commands::{Command, LoadOutcome, RowsView};
use super::jobs::JobKind;
use super::session::Loaded;
use super::state::{Tab, View};
use crate::catalog::EventId;
use crate::catalog::samples::Sample;
use crate::payload::{DEFAULT_SIZE_LIMIT, RowFilter, inspect, load_file, parse_bytes};

/// Below this many rows a filter runs at once; above it on a worker, so typing never waits.
const FILTER_ON_WORKER_ROWS: usize = 50_000;

impl SurveyConsoleApp {
    /// Selects an event. A loaded payload stays checked against the event it was checked
    /// against; the Payload tab offers to check it against the selected one.
    pub(super) fn select_event(&mut self, _ctx: &egui::Context, event: EventId) {
        self.state.selected = event;
        self.state.view = View::Events;
    }

    /// Checks the loaded payload against `event`, as the operator asked.
    pub(super) fn check_payload_as(&mut self, ctx: &egui::Context, event: EventId) {
        let Some(loaded) = &self.session.loaded else {
            return;
        };
        if loaded.inspection.event() == event {
            return;
        }
        let payload = Arc::clone(&loaded.payload);
        let label = format!("Checking against {}…", event.name());
        self.jobs
            .spawn_replacing(ctx, JobKind::LoadPayload, label, move |_| {
                let inspection = inspect(&payload, Some(event));
                Command::PayloadLoaded(Box::new(LoadOutcome {
                    file: None,
                    selects_event: false,
                    result: Ok((payload, inspection)),
                }))
            });
    }

    /// Loads a payload file on a worker.
    pub(super) fn load_file(&mut self, ctx: &egui::Context, path: PathBuf) {
        let label = format!("Loading {}…", path.display());
        self.jobs
            .spawn_replacing(ctx, JobKind::LoadPayload, label, move |_| {
                let file = Some(std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone()));
                let result = load_file(&path, DEFAULT_SIZE_LIMIT)
                    .map_err(|e| e.to_string())
                    .map(|payload| {
                        let inspection = inspect(&payload, None);
                        (Arc::new(payload), inspection)
                    });
                Command::PayloadLoaded(Box::new(LoadOutcome {
                    file,
                    selects_event: true,
                    result,
                }))
            });
        self.show_payload_tab();
    }

    /// A load shows its progress, its error or its rows in the Payload tab, wherever the
    /// operator was (the Livechat view too).
    fn show_payload_tab(&mut self) {
        self.state.view = View::Events;
        self.state.tab = Tab::Payload;
    }

    /// Loads a bundled sample on a worker; it is detected like any file.
    pub(super) fn load_sample(&mut self, ctx: &egui::Context, sample: &'static Sample) {
        let label = format!("Loading sample {}…", sample.file_name);
        self.jobs
            .spawn_replacing(ctx, JobKind::LoadPayload, label, move |_| {
                let origin = format!("sample-payloads/{}", sample.file_name);
                let result = parse_bytes(sample.contents.as_bytes(), &origin)
                    .map_err(|e| e.to_string())
                    .map(|payload| {
                        // The sample's name settles Started or Ended.
                        let inspection = inspect(&payload, None);
                        (Arc::new(payload), inspection)
                    });
                Command::PayloadLoaded(Box::new(LoadOutcome {
                    file: None,
                    selects_event: true,
                    result,
                }))
            });
        self.show_payload_tab();
    }

    /// A load finished: the payload replaces the one loaded, or its error is shown.
    pub(super) fn payload_loaded(&mut self, outcome: LoadOutcome) {
        // Only files that loaded are offered again; one that no longer loads is dropped.
        match (&outcome.file, &outcome.result) {
            (Some(file), Ok(_)) => self.state.remember(file),
            (Some(file), Err(_)) => self.state.forget(file),
            (None, _) => {}
        }
        let loaded_what = match &outcome.result {
            Ok((payload, inspection)) if outcome.selects_event => Some(format!(
                "Loaded {}: {} payload, {}.",
                payload.file_name(),
                inspection.event().name(),
                inspection.summary()
            )),
            _ => None,
        };
        if let Some(text) = loaded_what {
            self.say(text);
        }
        let session = &mut self.session;
        match outcome.result {
            Ok((payload, inspection)) => {
                if outcome.selects_event {
                    self.state.selected = inspection.event();
                }
                session.generation += 1;
                session.load_error = None;
                session.loaded = Some(Loaded {
                    payload,
                    inspection: Arc::new(inspection),
                    generation: session.generation,
                });
            }
            Err(message) => session.load_error = Some(message),
        }
    }

    /// Filters the loaded payload's rows: at once when it is small, else on a worker (the
    /// previous rows stay shown meanwhile; a newer filter replaces a running one).
    pub(super) fn filter_rows(&mut self, ctx: &egui::Context, generation: u64, filter: RowFilter) {
        let Some(loaded) = self
            .session
            .loaded
            .as_ref()
            .filter(|l| l.generation == generation)
        else {
            return;
        };
        self.session.rows_requested = Some((generation, filter.clone()));
        if loaded.inspection.row_count() < FILTER_ON_WORKER_ROWS {
            let rows = loaded.inspection.matching_rows(&filter);
            self.session.rows = RowsView {
                generation,
                filter,
                rows,
            };
            return;
        }
        let inspection = Arc::clone(&loaded.inspection);
        self.jobs
            .spawn_replacing(ctx, JobKind::FilterRows, "filtering…", move |_| {
                let rows = inspection.matching_rows(&filter);
                Command::RowsFiltered(RowsView {
                    generation,
                    filter,
                    rows,
                })
            });
    }
}
