//! The commands panels queue while drawing, and the one place that applies them after the frame:
//! the only code that changes shared state, writes files or starts background jobs.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::app::{SurveyConsoleApp, Tab, View};
use super::batch_job::{BatchRequest, ReportFormat};
use super::function_panel::PanelMessage;
use super::invoke_panel::{InvokeSource, Running};
use super::jobs::Pending;
use crate::catalog::EventId;
use crate::catalog::samples::Sample;
use crate::functions::{FunctionConfig, FunctionStore, StoreError};
use crate::invoke::{
    ErrorKind, Invocation, InvokeError, Target, curl_command, envelope, fail, invoke, now_ms,
};
use crate::payload::{DEFAULT_SIZE_LIMIT, inspect, load_file, parse_bytes};

/// Something a panel asks for while drawing; applied after all panels are drawn.
#[must_use]
#[derive(Debug, Clone)]
pub enum Command {
    /// Select an event in the left panel (re-checks a loaded payload against it).
    SelectEvent(EventId),
    /// Show a tab.
    ShowTab(Tab),
    /// Ask for a payload file with the system dialog (off the UI thread).
    OpenDialog,
    /// Load a payload file.
    LoadFile(PathBuf),
    /// Load a bundled sample.
    LoadSample(&'static Sample),
    /// Forget the recent files.
    ClearRecent,
    /// Create the event's function from its template.
    CreateFunction { event: EventId, name: String },
    /// Save the event's function (with `overwrite`, even when the file changed on disk).
    SaveFunction {
        event: EventId,
        config: Box<FunctionConfig>,
        overwrite: bool,
    },
    /// Remove the event's function.
    RemoveFunction(EventId),
    /// Read the functions file again.
    ReloadFunctions,
    /// Ask for a file with the system dialog: another functions file, or one to import from or
    /// export to.
    FunctionsDialog(FunctionsDialog),
    /// Import the functions of a file (an event that has a function is refused unless
    /// `replace`).
    ImportFunctions { path: PathBuf, replace: bool },
    /// Export one function (or all) to a file.
    ExportFunctions {
        path: PathBuf,
        event: Option<EventId>,
    },
    /// Use another functions file.
    LoadFunctionsFile(PathBuf),
    /// Invoke the event's function (or `url`) with a payload.
    Invoke {
        event: EventId,
        source: InvokeSource,
        url: Option<String>,
    },
    /// Run code in-process (the function's code as edited, saved or not) with the payload chosen
    /// in the Invocations tab.
    RunLocally {
        event: EventId,
        name: String,
        code: String,
        timeout_ms: u64,
    },
    /// Stop waiting for the running invocation.
    CancelInvoke,
    /// Run a batch.
    StartBatch(Box<BatchRequest>),
    /// Stop the running batch.
    CancelBatch,
    /// Choose a batch's payloads: a folder, or files (multi-select), off the UI thread.
    PickBatchPayloads { folder: bool },
    /// Ask where to save a report of the event's last batch.
    ExportBatch {
        event: EventId,
        format: ReportFormat,
    },
    /// Write a report of the event's last batch to `path`.
    WriteBatchReport {
        event: EventId,
        format: ReportFormat,
        path: PathBuf,
    },
    /// Put the request as a curl command on the clipboard.
    CopyCurl {
        event: EventId,
        source: InvokeSource,
        url: Option<String>,
    },
    /// Show the events or the Livechat survey view.
    ShowView(View),
}

impl SurveyConsoleApp {
    /// Applies one command.
    pub fn run_cmd(&mut self, ctx: &egui::Context, command: Command) {
        match command {
            Command::SelectEvent(event) => {
                self.state.selected = event;
                self.state.view = View::Events;
                self.invoke_panel.shown = None;
                let needs_recheck = self
                    .loaded
                    .as_ref()
                    .is_some_and(|l| l.inspection.event() != event);
                if needs_recheck && let Some(loaded) = &self.loaded {
                    let payload = Arc::clone(&loaded.payload);
                    let label = format!("Checking against {}…", event.name());
                    self.start_load(ctx, label, false, move || {
                        let inspection = inspect(&payload, Some(event));
                        Ok((payload, inspection))
                    });
                }
            }
            Command::ShowTab(tab) => self.state.tab = tab,
            Command::OpenDialog => {
                if self.dialog_job.is_none() {
                    self.notice = None;
                    self.dialog_job = Some(Pending::spawn(ctx, "file dialog", || {
                        rfd::FileDialog::new()
                            .set_title("Open a payload file")
                            .add_filter("JSON payload", &["json"])
                            .add_filter("All files", &["*"])
                            .pick_file()
                    }));
                }
            }
            Command::LoadFile(path) => {
                self.remember(&path);
                let label = format!("Loading {}…", path.display());
                self.start_load(ctx, label, true, move || {
                    let payload =
                        load_file(&path, DEFAULT_SIZE_LIMIT).map_err(|e| e.to_string())?;
                    let inspection = inspect(&payload, None);
                    Ok((Arc::new(payload), inspection))
                });
            }
            Command::LoadSample(sample) => {
                let label = format!("Loading sample {}…", sample.file_name);
                self.start_load(ctx, label, true, move || {
                    let origin = format!("sample-payloads/{}", sample.file_name);
                    let payload = parse_bytes(sample.contents.as_bytes(), &origin)
                        .map_err(|e| e.to_string())?;
                    // Detected like any file: the sample's name settles Started or Ended.
                    let inspection = inspect(&payload, None);
                    Ok((Arc::new(payload), inspection))
                });
            }
            Command::ClearRecent => self.state.recent.clear(),
            Command::ShowView(view) => self.state.view = view,
            Command::CreateFunction { event, name } => self.create_function(event, &name),
            Command::SaveFunction {
                event,
                config,
                overwrite,
            } => self.save_function(event, *config, overwrite),
            Command::RemoveFunction(event) => self.remove_function(event),
            Command::ReloadFunctions => {
                let path = self.functions_path();
                self.open_functions(path);
            }
            Command::FunctionsDialog(purpose) => {
                if self.functions_dialog_job.is_none() {
                    let job = Pending::spawn(ctx, "file dialog", move || {
                        let dialog = rfd::FileDialog::new()
                            .set_title(purpose.title())
                            .add_filter("Functions file", &["json"]);
                        match purpose {
                            FunctionsDialog::Export(_) => {
                                dialog.set_file_name("functions-export.json").save_file()
                            }
                            _ => dialog.pick_file(),
                        }
                    });
                    self.functions_dialog_job = Some((purpose, Some(job)));
                }
            }
            Command::ImportFunctions { path, replace } => self.import_functions(&path, replace),
            Command::ExportFunctions { path, event } => self.export_functions(&path, event),
            Command::LoadFunctionsFile(path) => {
                self.state.functions_path = Some(path.clone());
                self.open_functions(path);
            }
            Command::Invoke { event, source, url } => {
                if let Some(target) = self.target(event, url) {
                    self.start_invoke(ctx, event, source, target);
                }
            }
            Command::RunLocally {
                event,
                name,
                code,
                timeout_ms,
            } => {
                let Some(source) = self.invoke_panel.source(event, self.loaded.is_some()) else {
                    return;
                };
                let mut target = Target::local(event, &format!("{name} (as edited)"), code);
                target.timeout = Duration::from_millis(timeout_ms.max(1));
                self.start_invoke(ctx, event, source, target);
            }
            Command::CancelInvoke => {
                if let Some(job) = self.invoke_job.take() {
                    job.cancel.store(true, Ordering::Relaxed);
                    self.invoke_notice = Some(
                        "Cancelled: the console stopped waiting, and any late answer is ignored."
                            .to_owned(),
                    );
                }
            }
            Command::StartBatch(request) => self.start_batch(ctx, *request),
            Command::CancelBatch => self.cancel_batch(),
            Command::PickBatchPayloads { folder } => self.pick_batch_payloads(ctx, folder),
            Command::ExportBatch { event, format } => self.export_batch_dialog(ctx, event, format),
            Command::WriteBatchReport {
                event,
                format,
                path,
            } => self.write_batch_report(ctx, event, format, path),
            Command::CopyCurl { event, source, url } => {
                let Some(target) = self.target(event, url) else {
                    return;
                };
                let loaded = self.loaded_source();
                let ctx2 = ctx.clone();
                self.curl_job = Some(Pending::spawn(ctx, "curl", move || {
                    let text = match envelope_of(&source, loaded.as_ref()) {
                        Ok((body, _)) => curl_command(&target, &body),
                        Err(e) => format!("# {}", e.message),
                    };
                    ctx2.copy_text(text.clone());
                    text
                }));
            }
        }
    }

    fn create_function(&mut self, event: EventId, name: &str) {
        let Ok(store) = &mut self.store else {
            return;
        };
        let mut candidate = store.clone();
        let result = candidate
            .create(event, name)
            .map(|_| ())
            .and_then(|()| candidate.save());
        self.function_panel.message = Some(match result {
            Ok(()) => {
                *store = candidate;
                self.function_panel.forget_draft(event);
                PanelMessage::Done(format!(
                    "Created '{name}' for {} from its template and saved it.",
                    event.name()
                ))
            }
            Err(e) => message_of(&e),
        });
    }

    fn save_function(&mut self, event: EventId, config: FunctionConfig, overwrite: bool) {
        let Ok(store) = &mut self.store else {
            return;
        };
        let mut candidate = store.clone();
        let name = config.name.clone();
        let result = candidate.put(event, config).and_then(|()| {
            if overwrite {
                candidate.save_overwriting()
            } else {
                candidate.save()
            }
        });
        self.function_panel.message = Some(match result {
            Ok(()) => {
                *store = candidate;
                self.function_panel.forget_draft(event);
                PanelMessage::Done(format!("Saved '{name}' to {}.", store.path.display()))
            }
            Err(e) => message_of(&e),
        });
    }

    fn remove_function(&mut self, event: EventId) {
        let Ok(store) = &mut self.store else {
            return;
        };
        let mut candidate = store.clone();
        let result = candidate.remove(event).and_then(|removed| {
            candidate.save()?;
            Ok(removed)
        });
        self.function_panel.message = Some(match result {
            Ok(removed) => {
                *store = candidate;
                self.function_panel.forget_draft(event);
                PanelMessage::Done(format!("Removed '{}' from {}.", removed.name, event.name()))
            }
            Err(e) => message_of(&e),
        });
    }

    fn import_functions(&mut self, path: &std::path::Path, replace: bool) {
        let Ok(store) = &mut self.store else {
            return;
        };
        let incoming = std::fs::read(path)
            .map_err(|e| format!("cannot read the file ({e}): {}", path.display()))
            .and_then(|bytes| crate::functions::parse(&bytes, path).map_err(|e| e.to_string()));
        let mut candidate = store.clone();
        let result = incoming.and_then(|file| {
            let events = candidate.import(file, replace).map_err(|e| e.to_string())?;
            candidate.save().map_err(|e| e.to_string())?;
            Ok(events)
        });
        self.function_panel.message = Some(match result {
            Ok(events) => {
                *store = candidate;
                for event in &events {
                    self.function_panel.forget_draft(*event);
                }
                let names: Vec<&str> = events.iter().map(|e| e.name()).collect();
                PanelMessage::Done(format!(
                    "Imported {} function(s) from {}: {}.",
                    events.len(),
                    path.display(),
                    names.join(", ")
                ))
            }
            Err(e) => PanelMessage::Failed(e),
        });
    }

    fn export_functions(&mut self, path: &std::path::Path, event: Option<EventId>) {
        let Ok(store) = &self.store else {
            return;
        };
        let result = store.export(event).and_then(|file| {
            let mut text = serde_json::to_string_pretty(&file).unwrap_or_default();
            text.push('\n');
            crate::files::write_atomic(path, text.as_bytes(), false)?;
            Ok(file.functions.len())
        });
        self.function_panel.message = Some(match result {
            Ok(n) => PanelMessage::Done(format!(
                "Exported {n} function(s) to {} (secrets stay references; typed-in ones are never written).",
                path.display()
            )),
            Err(e) => PanelMessage::Failed(e.to_string()),
        });
    }

    /// Opens a functions file; a bad file is reported and never overwritten.
    pub fn open_functions(&mut self, path: PathBuf) {
        self.store = FunctionStore::load(&path).map_err(|e| e.to_string());
        self.function_panel.message = match &self.store {
            Ok(store) => Some(PanelMessage::Done(format!(
                "Read {} function(s) from {}.",
                store.file.functions.len(),
                store.path.display()
            ))),
            Err(e) => Some(PanelMessage::Failed(e.clone())),
        };
    }

    fn target(&mut self, event: EventId, url: Option<String>) -> Option<Target> {
        if let Some(url) = url {
            return Some(Target::url(event, &url, Duration::from_secs(30)));
        }
        let config = self.store.as_ref().ok().and_then(|s| s.get(event));
        match config {
            Some(config) => Some(Target::from_config(event, config)),
            None => {
                self.invoke_notice = Some(format!(
                    "{} has no function: create one in the Function tab, or give a URL.",
                    event.name()
                ));
                None
            }
        }
    }

    fn start_invoke(
        &mut self,
        ctx: &egui::Context,
        event: EventId,
        source: InvokeSource,
        target: Target,
    ) {
        if self.invoke_job.is_some() {
            return;
        }
        self.invoke_notice = None;
        let secrets = self.secrets.clone();
        let loaded = self.loaded_source();
        let history = Arc::clone(&self.history_file);
        let cancel = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&cancel);
        let job = Pending::spawn(ctx, "invoke", move || {
            let mut record = match envelope_of(&source, loaded.as_ref()) {
                Ok((body, findings)) => {
                    let mut record = invoke(&target, &body, &secrets, &flag);
                    record.payload_findings = findings;
                    record
                }
                Err(error) => {
                    let mut record = Invocation {
                        at_ms: now_ms(),
                        event,
                        ..Invocation::default()
                    };
                    fail(&mut record, error);
                    record
                }
            };
            if !flag.load(Ordering::Relaxed) {
                let mut history = history.lock().unwrap_or_else(|p| p.into_inner());
                if let Err(e) = history.append(&record) {
                    record.notes.push(e.to_string());
                }
            }
            record
        });
        self.invoke_job = Some(super::app::InvokeJob {
            job: Some(job),
            cancel,
            running: Running {
                event,
                started: Instant::now(),
            },
        });
    }
}

/// What a functions file dialog is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum FunctionsDialog {
    /// Use another functions file.
    Open,
    /// Import functions from a file.
    Import { replace: bool },
    /// Export one function (or all) to a file.
    Export(Option<EventId>),
}

impl FunctionsDialog {
    fn title(self) -> &'static str {
        match self {
            FunctionsDialog::Open => "Open a functions file",
            FunctionsDialog::Import { .. } => "Import functions from a file",
            FunctionsDialog::Export(_) => "Export functions to a file",
        }
    }
}

/// The envelope to send for a source, and a summary of the payload's findings.
fn envelope_of(
    source: &InvokeSource,
    loaded: Option<&LoadedSource>,
) -> Result<(serde_json::Value, Option<String>), InvokeError> {
    match source {
        InvokeSource::Loaded => match loaded {
            Some((payload, summary)) => Ok((envelope(payload, now_ms()), summary.clone())),
            None => Err(InvokeError::new(
                ErrorKind::Payload,
                "no-payload",
                "no payload is loaded",
            )),
        },
        InvokeSource::Sample(sample) => {
            let payload = parse_bytes(sample.contents.as_bytes(), sample.file_name)
                .map_err(|e| InvokeError::new(ErrorKind::Payload, "unreadable", e.to_string()))?;
            let inspection = inspect(&payload, None);
            let summary = findings_summary(&inspection);
            Ok((envelope(&payload, now_ms()), summary))
        }
        InvokeSource::Recorded(body) => Ok(((**body).clone(), None)),
    }
}

/// The loaded payload as a worker needs it: the document, and its findings' summary taken from
/// the inspection the console already holds (no second pass over the payload).
type LoadedSource = (Arc<crate::payload::Payload>, Option<String>);

fn findings_summary(inspection: &crate::payload::Inspection) -> Option<String> {
    (!inspection.findings.is_empty()).then(|| inspection.summary())
}

impl SurveyConsoleApp {
    fn loaded_source(&self) -> Option<LoadedSource> {
        self.loaded
            .as_ref()
            .map(|l| (Arc::clone(&l.payload), findings_summary(&l.inspection)))
    }
}

fn message_of(error: &StoreError) -> PanelMessage {
    match error {
        StoreError::ChangedOnDisk { .. } => PanelMessage::Conflict(error.to_string()),
        _ => PanelMessage::Failed(error.to_string()),
    }
}
