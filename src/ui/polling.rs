//! Collecting what background jobs finished: dialogs, loads, invocations, the history.

use super::app::{Loaded, SurveyConsoleApp};
use super::commands::{Command, FunctionsDialog};
use super::jobs::Pending;

impl SurveyConsoleApp {
    /// Collects finished jobs.
    pub(super) fn poll_jobs(&mut self) {
        if let Some(result) = Pending::take_ready(&mut self.dialog_job) {
            match result.flatten() {
                Some(path) => self.pending_open = Some(path),
                None => {
                    self.notice = Some(
                        "No file was chosen. If no dialog appeared, this desktop has no file \
                         dialog portal: drop a file on the window or pick one under Samples."
                            .to_owned(),
                    );
                }
            }
        }
        let chosen = self
            .functions_dialog_job
            .as_mut()
            .and_then(|(purpose, job)| Pending::take_ready(job).map(|r| (*purpose, r.flatten())));
        if let Some((purpose, path)) = chosen {
            self.functions_dialog_job = None;
            if let Some(path) = path {
                self.pending_functions_action = Some(match purpose {
                    FunctionsDialog::Open => Command::LoadFunctionsFile(path),
                    FunctionsDialog::Import { replace } => {
                        Command::ImportFunctions { path, replace }
                    }
                    FunctionsDialog::Export(event) => Command::ExportFunctions { path, event },
                });
            }
        }
        let finished = self
            .invoke_job
            .as_mut()
            .and_then(|j| Pending::take_ready(&mut j.job));
        if let Some(result) = finished {
            self.invoke_job = None;
            match result {
                Some(record) => {
                    self.history.push(record.clone());
                    let excess = self
                        .history
                        .len()
                        .saturating_sub(crate::invoke::MAX_HISTORY);
                    self.history.drain(..excess);
                    self.latest = Some(record);
                }
                None => {
                    self.invoke_notice = Some(
                        "The invocation failed unexpectedly; nothing was recorded.".to_owned(),
                    );
                }
            }
        }
        if let Some(result) = Pending::take_ready(&mut self.history_job) {
            let mut loaded = result.unwrap_or_default();
            // Invocations made while the file was read come after it.
            loaded.append(&mut self.history);
            self.history = loaded;
        }
        let _ = Pending::take_ready(&mut self.curl_job);
        if let Some(result) = Pending::take_ready(&mut self.load_job) {
            match result {
                Some(Ok((payload, inspection))) => {
                    if self.load_selects_event {
                        self.state.selected = inspection.event();
                    }
                    self.generation += 1;
                    self.load_error = None;
                    self.loaded = Some(Loaded {
                        payload,
                        inspection: std::sync::Arc::new(inspection),
                        generation: self.generation,
                    });
                }
                Some(Err(message)) => self.load_error = Some(message),
                None => {
                    self.load_error =
                        Some("Loading failed unexpectedly; the payload was not loaded.".to_owned())
                }
            }
        }
    }
}
