//! Applying what local runs need besides the run itself: the save-time checks of a function's
//! code (on a worker, newest edit first), the platform's modules installed with npm (progress
//! streamed into the Function tab), and the target of **Run locally** built from the edit.

use std::path::{Path, PathBuf};

use super::SurveyConsoleApp;
use super::commands::Command;
use super::jobs::{JobHandle, JobKind};
use super::session::CodeFindings;
use crate::catalog::EventId;
use crate::functions::{Endpoint, FunctionConfig, LocalEndpoint, LocalEngine, Runtime};
use crate::invoke::Target;
use crate::invoke::local::{check, modules};

/// Where the toolbelt's fixtures of an event's function are kept: beside the functions file.
pub fn fixtures_beside(functions_file: &Path, event: EventId) -> PathBuf {
    functions_file.with_file_name(format!("{}.fixtures.json", event.id()))
}

/// The target of **Run locally**: the edit as it is, on its local endpoint's engine (QuickJS
/// when the function's endpoint is not local).
pub fn local_target(event: EventId, config: &FunctionConfig, modules: &Path) -> Target {
    let mut target = Target::from_config(event, config);
    target.local.modules_dir = Some(modules.to_path_buf());
    target.function = Some(format!("{} (as edited)", config.name));
    let engine = match &config.endpoint {
        Endpoint::Local(local) => local.engine,
        _ => LocalEngine::QuickJs,
    };
    target.endpoint = Endpoint::Local(LocalEndpoint { engine });
    target
}

/// Installs the modules a local run's code names before it runs, npm's lines streamed to the
/// Function tab. A failure is the run's own error, in its record.
pub fn prepare_modules(target: &Target, npm: &Path, job: &JobHandle<Command>) {
    let root = target
        .local
        .modules_dir
        .clone()
        .unwrap_or_else(modules::default_modules_dir);
    let mut progress = |line: &str| job.send(Command::ModulesProgress(line.to_owned()));
    let _ = modules::ensure_with(
        npm,
        &target.code,
        target.local.runtime,
        &root,
        &mut progress,
        &job.cancel_flag(),
    );
}

impl SurveyConsoleApp {
    /// Checks code on a worker; a newer check replaces an older one still running.
    pub(super) fn check_code(
        &mut self,
        ctx: &egui::Context,
        event: EventId,
        code: String,
        runtime: Runtime,
        key: u64,
    ) {
        self.jobs
            .spawn_replacing(ctx, JobKind::CheckCode, "checking the code", move |_| {
                Command::CodeChecked {
                    event,
                    key,
                    findings: check::check_code(&code, runtime),
                }
            });
    }

    /// Keeps the findings of a check.
    pub(super) fn code_checked(&mut self, event: EventId, key: u64, findings: Vec<check::Finding>) {
        self.session
            .local
            .findings
            .insert(event, CodeFindings { key, findings });
    }

    /// Installs a platform version's modules on a worker.
    pub(super) fn install_modules(&mut self, ctx: &egui::Context, runtime: Runtime) {
        self.session.local.modules_message = None;
        let label = format!("installing the {} modules", runtime.as_str().to_uppercase());
        let root = self.session.files.modules.clone();
        let npm = self.session.files.npm.clone();
        let _ = self.jobs.spawn(ctx, JobKind::Modules, label, move |job| {
            let mut progress = |line: &str| job.send(Command::ModulesProgress(line.to_owned()));
            let outcome =
                modules::install_with(&npm, &root, runtime, &mut progress, &job.cancel_flag())
                    .map(|()| {
                        format!(
                            "The {} modules are installed in {}.",
                            runtime.as_str().to_uppercase(),
                            root.join(runtime.as_str()).display()
                        )
                    })
                    .map_err(|e| e.to_string());
            Command::ModulesInstalled(outcome)
        });
    }

    /// An install ended.
    pub(super) fn modules_installed(&mut self, outcome: Result<String, String>) {
        self.session.local.modules_progress = None;
        self.session.local.modules_message = Some(outcome);
    }
}
