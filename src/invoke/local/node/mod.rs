//! The Node.js engine: the runtime the platform itself uses. Warm worker processes (a pool per
//! `node` and memory limit) run one call at a time, each in a fresh `vm` context with the same
//! platform layer as the embedded engine ([`super::harness`]) and Node's own globals, built-ins
//! and timers. The console keeps the limits: it kills a worker's whole process group when a
//! call runs past its time limit or is cancelled, Node's heap is capped at the memory limit and
//! a watch on the worker's resident memory stops it above that.
//!
//! `node` comes from the options, then `SURVEY_CONSOLE_NODE`, then PATH; where there is none,
//! the run fails with the install hint. The core stays blocking and `Send`: each call blocks
//! its thread on the worker's answer, so the console runs it on a worker thread.

mod pool;

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Instant;

use serde_json::json;

use super::errors::{self, LocalError};
use super::harness::{self, LineShift, Outcome};
use super::{LocalOptions, LocalRun};
use crate::functions::Runtime;

pub use pool::shutdown_idle_workers;

/// The lowest Node.js major version with everything the platform layer uses (global fetch,
/// structuredClone, `vm` modules).
pub const MIN_NODE_MAJOR: u32 = 18;

/// Where the `node` to run is: the option, `SURVEY_CONSOLE_NODE`, or PATH.
pub fn node_path(configured: Option<&Path>) -> Result<PathBuf, LocalError> {
    if let Some(path) = configured {
        return check_file(path);
    }
    if let Some(path) = std::env::var_os("SURVEY_CONSOLE_NODE").filter(|p| !p.is_empty()) {
        return check_file(Path::new(&path));
    }
    let found = std::env::var_os("PATH").and_then(|paths| {
        std::env::split_paths(&paths)
            .map(|dir| dir.join("node"))
            .find(|candidate| candidate.is_file())
    });
    found.ok_or_else(|| {
        LocalError::new(
            errors::ENGINE_ERROR,
            "the Node.js engine needs `node`, which is not on PATH: install Node.js 18 or newer \
             (Debian: apt-get install nodejs; or https://nodejs.org), or set SURVEY_CONSOLE_NODE \
             to its path, or run with the embedded engine (--engine quickjs)",
        )
    })
}

fn check_file(path: &Path) -> Result<PathBuf, LocalError> {
    if path.is_file() {
        Ok(path.to_path_buf())
    } else {
        Err(LocalError::new(
            errors::ENGINE_ERROR,
            format!(
                "the configured Node.js is not a file (install Node.js 18 or newer, or fix the \
                 path): {}",
                path.display()
            ),
        ))
    }
}

/// Whether a usable Node.js is there (for tests and the console's engine choice).
pub fn available() -> bool {
    node_path(None).is_ok_and(|node| pool::version_of(&node).is_ok())
}

/// Runs the code once on a warm worker.
pub(crate) fn run(
    code: &str,
    input: &[u8],
    options: &LocalOptions,
    cancel: Arc<AtomicBool>,
) -> LocalRun {
    let started = Instant::now();
    let failed = |error: LocalError| LocalRun::failed(error, options, started);
    let node = match node_path(options.node.as_deref()) {
        Ok(node) => node,
        Err(error) => return failed(error),
    };
    if let Err(error) = pool::version_of(&node) {
        return failed(error);
    }
    let Ok(input) = std::str::from_utf8(input) else {
        return failed(LocalError::new(
            errors::ENGINE_ERROR,
            "the envelope is not UTF-8 JSON",
        ));
    };
    let suffix = match options.runtime {
        Runtime::V1 => harness::V1_BODY,
        Runtime::V2 => harness::V2_SUFFIX,
    };
    let modules = options.modules_root();
    let request = json!({
        "type": "run",
        "runtime": options.runtime.as_str(),
        "code": code,
        "suffix": suffix,
        "config": harness::config_json(options),
        "modulesRoot": modules.display().to_string(),
    });
    let answer = pool::call(&node, options, &request, input, &cancel);
    let mut run = match answer {
        Ok(answer) => read_answer(answer, options, started),
        Err(error) => failed(error),
    };
    if let Err(error) = &mut run.result {
        errors::drop_wrapper_positions(error, code);
    }
    run.duration = started.elapsed();
    run
}

/// Turns the worker's answer into the run.
fn read_answer(answer: serde_json::Value, options: &LocalOptions, started: Instant) -> LocalRun {
    let kind = answer["type"].as_str().unwrap_or("");
    let outcome = answer["outcome"].as_str().and_then(Outcome::parse);
    match (kind, outcome) {
        ("done", Some(outcome)) => outcome.into_run(options, LineShift::default(), started),
        ("idle", Some(mut outcome)) => {
            let logs = outcome.take_logs();
            LocalRun {
                result: Err(super::quickjs::idle_error(options)),
                logs,
                logs_dropped: outcome.dropped,
                logs_cut: outcome.cut,
                notes: outcome.notes,
                duration: started.elapsed(),
                engine: options.engine,
                runtime: options.runtime,
            }
        }
        ("syntax", _) => {
            let e = &answer["error"];
            let mut error = LocalError::new(
                errors::SYNTAX_ERROR,
                e["message"].as_str().unwrap_or("the code does not parse"),
            );
            error.name = Some("SyntaxError".to_owned());
            error.line = e["line"].as_u64().and_then(|l| u32::try_from(l).ok());
            error.column = e["column"].as_u64().and_then(|c| u32::try_from(c).ok());
            LocalRun::failed(error, options, started)
        }
        _ => LocalRun::failed(
            LocalError::new(
                errors::ENGINE_ERROR,
                format!(
                    "the Node.js worker failed: {}",
                    answer["message"].as_str().unwrap_or("no answer")
                ),
            ),
            options,
            started,
        ),
    }
}
