//! The commands panels queue while drawing, and the one place that applies them after the frame:
//! the only code that changes shared state, writes files or starts background jobs.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use super::app::{SurveyConsoleApp, Tab};
use super::batch_job::{BatchRequest, ReportFormat};
use super::function_panel::PanelMessage;
use super::invoke_panel::{InvokeSource, Running};
use super::jobs::Pending;
use crate::catalog::EventId;
use crate::catalog::samples::Sample;
use crate::functions::{FunctionConfig, FunctionStore, StoreError};
use crate::invoke::{
    Invocation, InvokeError, Target, curl_command, envelope, fail, invoke, now_ms,
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
    /// Ask for another functions file with the system dialog.
    OpenFunctionsDialog,
    /// Use another functions file.
    LoadFunctionsFile(PathBuf),
    /// Invoke the event's function (or `url`) with a payload.
    Invoke {
        event: EventId,
        source: InvokeSource,
        url: Option<String>,
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
}

impl SurveyConsoleApp {
    /// Applies one command.
    pub fn run_cmd(&mut self, ctx: &egui::Context, command: Command) {
        match command {
            Command::SelectEvent(event) => {
                self.state.selected = event;
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
                    let inspection = inspect(&payload, sample.event);
                    Ok((Arc::new(payload), inspection))
                });
            }
            Command::ClearRecent => self.state.recent.clear(),
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
            Command::OpenFunctionsDialog => {
                if self.functions_dialog_job.is_none() {
                    self.functions_dialog_job = Some(Pending::spawn(ctx, "file dialog", || {
                        rfd::FileDialog::new()
                            .set_title("Open a functions file")
                            .add_filter("Functions file", &["json"])
                            .pick_file()
                    }));
                }
            }
            Command::LoadFunctionsFile(path) => {
                self.state.functions_path = Some(path.clone());
                self.open_functions(path);
            }
            Command::Invoke { event, source, url } => self.start_invoke(ctx, event, source, url),
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
                let loaded = self.loaded.as_ref().map(|l| Arc::clone(&l.payload));
                let ctx2 = ctx.clone();
                self.curl_job = Some(Pending::spawn(ctx, "curl", move || {
                    let text = match envelope_of(&source, loaded.as_deref()) {
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
        url: Option<String>,
    ) {
        if self.invoke_job.is_some() {
            return;
        }
        let Some(target) = self.target(event, url) else {
            return;
        };
        self.invoke_notice = None;
        let secrets = self.secrets.clone();
        let loaded = self.loaded.as_ref().map(|l| Arc::clone(&l.payload));
        let history = Arc::clone(&self.history_file);
        let cancel = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&cancel);
        let job = Pending::spawn(ctx, "invoke", move || {
            let mut record = match envelope_of(&source, loaded.as_deref()) {
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

/// The envelope to send for a source, and a summary of the payload's findings.
fn envelope_of(
    source: &InvokeSource,
    loaded: Option<&crate::payload::Payload>,
) -> Result<(serde_json::Value, Option<String>), InvokeError> {
    let summary = |payload: &crate::payload::Payload| {
        let inspection = inspect(payload, None);
        (!inspection.findings.is_empty()).then(|| inspection.summary())
    };
    match source {
        InvokeSource::Loaded => match loaded {
            Some(payload) => Ok((envelope(payload, now_ms()), summary(payload))),
            None => Err(InvokeError::new(
                "payload",
                "no-payload",
                "no payload is loaded",
            )),
        },
        InvokeSource::Sample(sample) => {
            let payload = parse_bytes(sample.contents.as_bytes(), sample.file_name)
                .map_err(|e| InvokeError::new("payload", "unreadable", e.to_string()))?;
            Ok((envelope(&payload, now_ms()), summary(&payload)))
        }
        InvokeSource::Recorded(body) => Ok(((**body).clone(), None)),
    }
}

fn message_of(error: &StoreError) -> PanelMessage {
    match error {
        StoreError::ChangedOnDisk { .. } => PanelMessage::Conflict(error.to_string()),
        _ => PanelMessage::Failed(error.to_string()),
    }
}
