//! Applying the payload's commands and the file dialogs: every load and re-check runs as the one
//! `LoadPayload` job (a newer request replaces the running one), every dialog as the one
//! `FileDialog` job, and what a dialog returns goes where its purpose says.

use std::path::PathBuf;
use std::sync::Arc;

use super::SurveyConsoleApp;
use super::commands::{BatchPayloads, Command, FilePurpose, LoadOutcome, RowsView};
use super::jobs::JobKind;
use super::session::Loaded;
use super::state::{Tab, View};
use crate::catalog::EventId;
use crate::catalog::samples::Sample;
use crate::payload::{DEFAULT_SIZE_LIMIT, RowFilter, inspect, load_file, parse_bytes};

/// Below this many rows a filter runs at once; above it on a worker, so typing never waits.
const FILTER_ON_WORKER_ROWS: usize = 50_000;

impl SurveyConsoleApp {
    /// Selects an event and re-checks the loaded payload against it.
    pub(super) fn select_event(&mut self, ctx: &egui::Context, event: EventId) {
        self.state.selected = event;
        self.state.view = View::Events;
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
        self.state.tab = Tab::Payload;
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
        self.state.tab = Tab::Payload;
    }

    /// A load finished: the payload replaces the one loaded, or its error is shown.
    pub(super) fn payload_loaded(&mut self, outcome: LoadOutcome) {
        if let Some(file) = &outcome.file {
            // Remembered even when it failed, so it can be opened again once fixed.
            self.state.remember(file);
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

    /// Opens the system file dialog for `purpose` on a worker (dialogs may block).
    pub(super) fn choose_file(&mut self, ctx: &egui::Context, purpose: FilePurpose) {
        self.session.notice = None;
        let spawned = self
            .jobs
            .spawn(ctx, JobKind::FileDialog, "file dialog", move |_| {
                Command::PathsChosen {
                    purpose,
                    paths: dialog_paths(purpose),
                }
            });
        if spawned.is_err() {
            self.session.notice =
                Some("A file dialog is open already: answer it first.".to_owned());
        }
    }

    /// What a file dialog returned goes where its purpose says.
    pub(super) fn paths_chosen(
        &mut self,
        ctx: &egui::Context,
        purpose: FilePurpose,
        mut paths: Vec<PathBuf>,
    ) {
        if paths.is_empty() {
            self.session.notice = Some(
                "No file was chosen. If no dialog appeared, this desktop has no file dialog \
                 portal: drop a file on the window or pick one under Samples."
                    .to_owned(),
            );
            return;
        }
        let first = paths.remove(0);
        match purpose {
            FilePurpose::OpenPayload => self.load_file(ctx, first),
            FilePurpose::OpenFunctions => {
                self.run_cmd(ctx, Command::LoadFunctionsFile(first));
            }
            FilePurpose::ImportFunctions { replace } => self.import_functions(ctx, first, replace),
            FilePurpose::ExportFunctions(event) => self.export_functions(ctx, first, event),
            FilePurpose::BatchFolder => {
                self.session.batch.payloads = BatchPayloads::Folder(first);
            }
            FilePurpose::BatchFiles => {
                paths.insert(0, first);
                self.session.batch.payloads = BatchPayloads::Files(paths);
            }
            FilePurpose::BatchReport { event, format } => {
                self.write_batch_report(ctx, event, format, first);
            }
        }
    }
}

/// Asks the system dialog (on a worker thread); nothing when it is cancelled or cannot open.
fn dialog_paths(purpose: FilePurpose) -> Vec<PathBuf> {
    let json = |dialog: rfd::FileDialog, what: &str| {
        dialog
            .add_filter(what, &["json"])
            .add_filter("All files", &["*"])
    };
    let dialog = rfd::FileDialog::new();
    let one = |path: Option<PathBuf>| path.into_iter().collect();
    match purpose {
        FilePurpose::OpenPayload => one(json(dialog, "JSON payload")
            .set_title("Open a payload file")
            .pick_file()),
        FilePurpose::OpenFunctions => one(json(dialog, "Functions file")
            .set_title("Open a functions file")
            .pick_file()),
        FilePurpose::ImportFunctions { .. } => one(json(dialog, "Functions file")
            .set_title("Import functions from a file")
            .pick_file()),
        FilePurpose::ExportFunctions(_) => one(json(dialog, "Functions file")
            .set_title("Export functions to a file")
            .set_file_name("functions-export.json")
            .save_file()),
        FilePurpose::BatchFolder => one(dialog
            .set_title("Choose a folder of payload files")
            .pick_folder()),
        FilePurpose::BatchFiles => json(dialog, "JSON payload")
            .set_title("Choose payload files")
            .pick_files()
            .unwrap_or_default(),
        FilePurpose::BatchReport { event, format } => one(dialog
            .set_title("Save the batch report")
            .set_file_name(format!("batch-{}.{}", event.id(), format.extension()))
            .save_file()),
    }
}
