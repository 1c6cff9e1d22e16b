//! Applying invocations: one `Invoke` job at a time, against the version of the function the
//! session says (its unsaved edit, unless the saved one is chosen) or an ad-hoc URL. A cancel
//! drops the job from the registry, so its late answer is never shown or recorded.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::SurveyConsoleApp;
use super::commands::{Command, InvokeSource};
use super::jobs::JobKind;
use super::session::{InvokeStatus, no_function};
use crate::catalog::EventId;
use crate::files::LogRead;
use crate::functions::Endpoint;
use crate::invoke::{
    ErrorKind, Invocation, InvokeError, MAX_HISTORY, Target, curl_command, envelope_text, fail,
    invoke_bytes, invoke_text, now_ms,
};
use crate::payload::{Inspection, Payload, inspect, parse_bytes};
use crate::ui::widgets::theme::skipped_lines;

/// The loaded payload as a worker needs it: the document, and its findings' summary taken from
/// the inspection the console already holds (no second pass over the payload).
type LoadedSource = (Arc<Payload>, Option<String>);

impl SurveyConsoleApp {
    /// Reads the invocation history on a worker.
    pub(super) fn read_history(&mut self, ctx: &egui::Context) {
        let history = self
            .session
            .history_file
            .lock()
            .map(|h| h.clone())
            .unwrap_or_else(|p| p.into_inner().clone());
        let _ = self
            .jobs
            .spawn(ctx, JobKind::History, "reading the history", move |_| {
                Command::HistoryRead(history.read().map_err(|e| e.to_string()))
            });
    }

    /// The history was read: invocations made meanwhile come after it. What could not be read
    /// is said beside the list.
    pub(super) fn history_read(&mut self, read: Result<LogRead<Invocation>, String>) {
        match read {
            Ok(read) => {
                let mut entries = read.entries;
                entries.append(&mut self.session.history);
                self.session.history = entries;
                self.session.history_notice = skipped_lines(read.skipped);
            }
            Err(error) => self.session.history_notice = Some(error),
        }
    }

    /// Asks LivePerson, on a worker, whether a function is deployed for `event`.
    pub(super) fn ask_deployed(&mut self, ctx: &egui::Context, event: EventId) {
        let Some(target) = self.session.function_target(event) else {
            self.session.deployed.insert(event, Err(no_function(event)));
            return;
        };
        let secrets = self.session.secrets.clone();
        let _ = self.jobs.spawn(
            ctx,
            JobKind::Deployed,
            "asking LivePerson what is deployed",
            move |_| Command::DeployedAnswered {
                event,
                answer: crate::invoke::is_implemented(&target, &secrets)
                    .map_err(|e| format!("{} ({}): {}", e.kind, e.code, e.message)),
            },
        );
    }

    /// Where an invocation of `event` goes: `url`, else the function in use.
    fn target(&mut self, event: EventId, url: Option<String>) -> Option<Target> {
        if let Some(url) = url {
            return Some(Target::url(event, &url, Duration::from_secs(30)));
        }
        let target = self.session.function_target(event);
        if target.is_none() {
            self.session.invoke_notice = Some(no_function(event));
        }
        target
    }

    pub(super) fn invoke(
        &mut self,
        ctx: &egui::Context,
        event: EventId,
        source: InvokeSource,
        url: Option<String>,
    ) {
        if self.jobs.is_running(JobKind::Invoke) {
            return;
        }
        if let Some(target) = self.target(event, url) {
            self.start_invoke(ctx, event, source, target);
        }
    }

    /// Runs the code of the event's function as edited, in-process, with its platform settings
    /// (version, environment, allowlist, secrets) on the engine its local endpoint names.
    pub(super) fn run_locally(&mut self, ctx: &egui::Context, event: EventId) {
        let Some(config) = self.session.function_edit(event) else {
            return;
        };
        let Some(source) = self.session.invoke_source(event) else {
            return;
        };
        let target = super::apply_local::local_target(event, config, &self.session.files.modules);
        self.start_invoke(ctx, event, source, target);
    }

    fn start_invoke(
        &mut self,
        ctx: &egui::Context,
        event: EventId,
        source: InvokeSource,
        mut target: Target,
    ) {
        let secrets = self.session.secrets.clone();
        let loaded = self.loaded_source();
        let history = Arc::clone(&self.session.history_file);
        let payload_name = self.source_name(&source);
        if let InvokeSource::Edited { headers, .. } = &source {
            target.headers.extend(headers.iter().cloned());
        }
        let local = matches!(target.endpoint, Endpoint::Local(_));
        if local && target.local.fixtures_file.is_none() {
            target.local.fixtures_file = Some(super::apply_local::fixtures_beside(
                self.session.functions_path(),
                event,
            ));
        }
        if local && target.local.modules_dir.is_none() {
            target.local.modules_dir = Some(self.session.files.modules.clone());
        }
        let npm = self.session.files.npm.clone();
        let spawned = self.jobs.spawn(ctx, JobKind::Invoke, "invoke", move |job| {
            let flag = job.cancel_flag();
            if local {
                super::apply_local::prepare_modules(&target, &npm, job);
            }
            let mut record = match (local, &source, loaded.as_ref()) {
                // In-process runs of the loaded payload take its text: no document is built.
                (true, InvokeSource::Loaded, Some((payload, summary))) => {
                    let text = envelope_text(payload, now_ms());
                    let mut record = invoke_text(&target, &text, &secrets, &flag);
                    record.payload_findings = summary.clone();
                    record
                }
                _ => match envelope_of(&source, loaded.as_ref(), event) {
                    Ok((body, findings)) => {
                        let mut record = invoke_bytes(&target, body, &secrets, &flag);
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
                },
            };
            record.payload_name = payload_name;
            // A cancelled call is not recorded: the operator stopped waiting for it.
            if !job.cancelled() {
                let mut history = history.lock().unwrap_or_else(|p| p.into_inner());
                if let Err(e) = history.append(&record) {
                    record.notes.push(e.to_string());
                }
            }
            Command::Invoked(Some(Box::new(record)))
        });
        if spawned.is_ok() {
            self.session.invoke_notice = None;
            self.session.invocation = InvokeStatus::Running {
                event,
                started: Instant::now(),
            };
        }
    }

    /// Stops waiting for the running invocation; nothing it answers later is shown.
    pub(super) fn cancel_invoke(&mut self) {
        if !self.jobs.cancel(JobKind::Invoke) {
            return;
        }
        if let InvokeStatus::Running { event, .. } = self.session.invocation {
            self.session.invocation = InvokeStatus::Cancelled { event };
        }
        self.session.invoke_notice = Some(
            "Cancelled: the console stopped waiting, and any late answer is ignored.".to_owned(),
        );
    }

    /// An invocation finished: it becomes the latest result and joins the history.
    pub(super) fn invoked(&mut self, record: Option<Box<Invocation>>) {
        self.session.invocation = InvokeStatus::Idle;
        self.session.local.modules_progress = None;
        let Some(record) = record else {
            return;
        };
        let history = &mut self.session.history;
        history.push((*record).clone());
        let excess = history.len().saturating_sub(MAX_HISTORY);
        history.drain(..excess);
        self.session.latest = Some(*record);
    }

    /// Puts the request as a curl command on the clipboard (built on a worker).
    pub(super) fn copy_curl(
        &mut self,
        ctx: &egui::Context,
        event: EventId,
        source: InvokeSource,
        url: Option<String>,
    ) {
        let Some(mut target) = self.target(event, url) else {
            return;
        };
        if let InvokeSource::Edited { headers, .. } = &source {
            target.headers.extend(headers.iter().cloned());
        }
        let loaded = self.loaded_source();
        let clipboard = ctx.clone();
        let _ = self.jobs.spawn(ctx, JobKind::Curl, "curl", move |_| {
            let text = match envelope_of(&source, loaded.as_ref(), event) {
                Ok((body, _)) => match serde_json::from_slice(&body) {
                    Ok(value) => curl_command(&target, &value),
                    Err(e) => format!("# the envelope is not JSON ({e})"),
                },
                Err(e) => format!("# {}", e.message),
            };
            clipboard.copy_text(text);
            Command::CurlCopied
        });
    }

    /// The name records give the payload of `source`.
    fn source_name(&self, source: &InvokeSource) -> Option<String> {
        match source {
            InvokeSource::Loaded => self
                .session
                .loaded
                .as_ref()
                .map(|l| l.payload.file_name().to_owned()),
            InvokeSource::Sample(sample) => Some(sample.file_name.to_owned()),
            InvokeSource::Recorded { name, .. } => Some(match name {
                Some(name) => format!("{name} (re-run)"),
                None => "a recorded request".to_owned(),
            }),
            InvokeSource::Edited { name, .. } => Some(name.clone()),
        }
    }

    fn loaded_source(&self) -> Option<LoadedSource> {
        self.session
            .loaded
            .as_ref()
            .map(|l| (Arc::clone(&l.payload), findings_summary(&l.inspection)))
    }
}

/// The envelope to send for a source, and a summary of the payload's findings.
/// The envelope is written from the payload's text, as bytes: no value of a large payload is
/// built to send it.
fn envelope_of(
    source: &InvokeSource,
    loaded: Option<&LoadedSource>,
    event: EventId,
) -> Result<(Vec<u8>, Option<String>), InvokeError> {
    match source {
        InvokeSource::Loaded => match loaded {
            Some((payload, summary)) => Ok((payload.envelope_bytes(now_ms()), summary.clone())),
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
            Ok((payload.envelope_bytes(now_ms()), summary))
        }
        // A payload too large to be kept in the record was noted by its size, not kept.
        InvokeSource::Recorded { body, .. } if !body.is_object() => Err(InvokeError::new(
            ErrorKind::Payload,
            "not-kept",
            "this invocation's payload was too large to be kept: load the file again to send it",
        )),
        InvokeSource::Recorded { body, .. } => {
            Ok((serde_json::to_vec(&**body).unwrap_or_default(), None))
        }
        InvokeSource::Edited { text, .. } => {
            let payload = parse_bytes(text.as_bytes(), "edited request").map_err(|e| {
                InvokeError::new(
                    ErrorKind::Payload,
                    "unreadable",
                    super::request::text_error(&e).message,
                )
            })?;
            let summary = findings_summary(&inspect(&payload, Some(event)));
            Ok((payload.envelope_bytes(now_ms()), summary))
        }
    }
}

fn findings_summary(inspection: &Inspection) -> Option<String> {
    (!inspection.findings.is_empty()).then(|| inspection.summary())
}
