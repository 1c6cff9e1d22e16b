//! The `local` endpoint: runs a function's JavaScript on this machine the way the LivePerson
//! platform runs it, so an operator can decide offline whether it is ready to deploy.
//!
//! - **One platform layer, two engines.** The platform's contract (the `lambda` entry point,
//!   V1's callback and V2's return, error classification, console and log limits, globals,
//!   `require`/`import` of the platform's modules, the toolbelt) is one JavaScript harness
//!   ([`harness`]) that both engines evaluate: embedded QuickJS ([`quickjs`], the default: no
//!   set-up, fastest) and Node.js ([`node`], the runtime the platform uses, with warm workers).
//!   The engines only drive the event loop and enforce time and memory.
//! - **V1 follows LivePerson's emulator** (`lpf invoke --local`) step by step; **V2** follows the
//!   V2 runtime's documented rules ([`crate::functions::Runtime`]).
//! - **Limits** ([`LocalLimits`]): the function's time limit (30 s on the platform), 256 MiB of
//!   memory, 10 log lines and 6,000 characters of logs (16,384 on V2). Timers wait in real time.
//! - **Shared memory budget** ([`budget`]): concurrent runs reserve their memory limit from one
//!   budget, so a batch cannot exhaust the machine.
//!
//! Everything is blocking and bounded by the time limit: the CLI calls [`run_function`] directly,
//! the console calls it on a worker thread and sets the cancel flag for Cancel.

pub mod budget;
pub mod check;
pub mod errors;
pub(crate) mod harness;
mod http;
pub mod modules;
pub mod node;
pub mod quickjs;
mod scan;

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize, Serializer};
use serde_json::Value;

pub use errors::LocalError;
pub use quickjs::LocalFunction;

use crate::functions::{LocalEngine, Runtime};

/// The longest log line kept, in characters; longer ones are cut and marked.
pub const MAX_LOG_MESSAGE_CHARS: usize = 16 * 1024;

/// The platform's limits for one invocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LocalLimits {
    /// Longest run, from the start of the call (and of the code's top level when compiling).
    #[serde(rename = "timeout_ms", serialize_with = "as_millis")]
    pub timeout: Duration,
    /// Most memory the function may use, in bytes (0 = unlimited).
    pub memory_bytes: usize,
    /// Most `console` lines kept per run; the rest are counted in [`LocalRun::logs_dropped`].
    pub max_log_lines: usize,
}

impl LocalLimits {
    /// The platform's execution time limit: 30 s.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
    /// The platform's memory limit: 256 MiB.
    pub const DEFAULT_MEMORY_BYTES: usize = 256 * 1024 * 1024;
    /// The platform's log limit: 10 lines per invocation.
    pub const DEFAULT_MAX_LOG_LINES: usize = 10;

    /// The platform's limits with another time limit (a function's configured timeout).
    pub fn with_timeout(timeout: Duration) -> Self {
        Self {
            timeout,
            ..Self::default()
        }
    }
}

impl Default for LocalLimits {
    fn default() -> Self {
        Self {
            timeout: Self::DEFAULT_TIMEOUT,
            memory_bytes: Self::DEFAULT_MEMORY_BYTES,
            max_log_lines: Self::DEFAULT_MAX_LOG_LINES,
        }
    }
}

/// How one function runs locally: engine, platform version, limits and its settings. Secrets
/// are already resolved here (from `env:NAME` or the session) and never serialized.
#[derive(Clone, Default)]
pub struct LocalOptions {
    /// The engine that runs the code.
    pub engine: LocalEngine,
    /// The platform version the code is written for.
    pub runtime: Runtime,
    /// Time, memory and log limits.
    pub limits: LocalLimits,
    /// `process.env` of the function.
    pub environment: BTreeMap<String, String>,
    /// Domains HTTPClient and fetch may call.
    pub allowlist: Vec<String>,
    /// What `SecretClient.readSecret(name)` answers, by name (resolved values).
    pub secrets: BTreeMap<String, String>,
    /// The toolbelt's fixture answers (`{"Client.method": answer}`), and the file they came
    /// from (named in "add a fixture" messages).
    pub fixtures: Option<Value>,
    /// Where the fixtures are (or would be) kept.
    pub fixtures_file: Option<PathBuf>,
    /// Where the platform's modules are installed (default: the data dir's `modules`).
    pub modules_dir: Option<PathBuf>,
    /// The `node` to run (default: `SURVEY_CONSOLE_NODE`, then `node` on PATH).
    pub node: Option<PathBuf>,
}

impl std::fmt::Debug for LocalOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LocalOptions")
            .field("engine", &self.engine)
            .field("runtime", &self.runtime)
            .field("limits", &self.limits)
            .field("environment", &self.environment.keys().collect::<Vec<_>>())
            .field("allowlist", &self.allowlist)
            .field("secrets", &self.secrets.keys().collect::<Vec<_>>())
            .field("fixtures_file", &self.fixtures_file)
            .finish_non_exhaustive()
    }
}

impl LocalOptions {
    /// The platform's defaults (QuickJS, V1) with another time limit.
    pub fn with_timeout(timeout: Duration) -> Self {
        Self {
            limits: LocalLimits::with_timeout(timeout),
            ..Self::default()
        }
    }

    /// The modules directory to use: the configured one or the data dir's.
    pub fn modules_root(&self) -> PathBuf {
        self.modules_dir
            .clone()
            .unwrap_or_else(modules::default_modules_dir)
    }
}

/// The level of a `console` line, named as LivePerson's logger names it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogLevel {
    /// `console.debug`.
    Debug,
    /// `console.info` (and V2's `console.log`).
    Info,
    /// `console.warn`.
    Warn,
    /// `console.error`.
    Error,
}

impl LogLevel {
    /// `"debug"`, `"info"`, `"warn"` or `"error"`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Debug => "debug",
            Self::Info => "info",
            Self::Warn => "warn",
            Self::Error => "error",
        }
    }

    /// From LivePerson's level names (`Debug`, `Info`, `Warn`, `Error`).
    pub(crate) fn from_platform(name: &str) -> Self {
        match name {
            "Debug" => Self::Debug,
            "Warn" => Self::Warn,
            "Error" => Self::Error,
            _ => Self::Info,
        }
    }
}

/// One captured `console` line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LogLine {
    /// Which `console` method wrote it.
    pub level: LogLevel,
    /// The arguments as text, joined by spaces (cut at the limits).
    pub message: String,
    /// The first argument as JSON, as LivePerson's logger keeps it (absent when it has no JSON
    /// form or is too long).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
    /// The other arguments as JSON.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub extras: Vec<Value>,
}

/// The outcome of one local run.
#[derive(Debug, Clone, Serialize)]
pub struct LocalRun {
    /// The result (V1: the callback's; V2: the returned value) as JSON, or why the run failed.
    #[serde(serialize_with = "ok_or_error")]
    pub result: Result<Value, LocalError>,
    /// The `console` lines kept, in order.
    pub logs: Vec<LogLine>,
    /// How many `console` lines were dropped past the limits.
    pub logs_dropped: usize,
    /// True when a line was cut at the characters limit.
    pub logs_cut: bool,
    /// What the operator should know about the run (blocked requests, fixtures used, where the
    /// platform or LivePerson's emulator would differ).
    pub notes: Vec<String>,
    /// Wall-clock time of the run (compile included for [`run_function`]).
    #[serde(rename = "duration_ms", serialize_with = "as_millis")]
    pub duration: Duration,
    /// The engine that ran it.
    pub engine: LocalEngine,
    /// The platform version it ran as.
    pub runtime: Runtime,
}

impl LocalRun {
    /// The note to show under the logs when some were dropped, as the platform does.
    pub fn logs_note(&self) -> Option<String> {
        (self.logs_dropped > 0).then(|| {
            let kept = self.logs.len();
            let dropped = self.logs_dropped;
            let lines = if dropped == 1 { "line" } else { "lines" };
            format!(
                "{dropped} more log {lines} dropped: at most {kept} lines and {} characters are kept per invocation",
                harness::log_chars(self.runtime)
            )
        })
    }

    /// A failed run that never reached the function.
    pub(crate) fn failed(error: LocalError, options: &LocalOptions, started: Instant) -> Self {
        Self {
            result: Err(error),
            logs: Vec::new(),
            logs_dropped: 0,
            logs_cut: false,
            notes: Vec::new(),
            duration: started.elapsed(),
            engine: options.engine,
            runtime: options.runtime,
        }
    }
}

/// Compiles `code` and calls it once with `input` (the envelope as JSON text) on the options'
/// engine: the path the CLI, batches and the console's **Run locally** use. Waits for the
/// memory budget first. Never panics on user code; returns within about the time limit, or soon
/// after `cancel` is set.
pub fn run_function(
    code: &str,
    input: &[u8],
    options: &LocalOptions,
    cancel: Arc<AtomicBool>,
) -> LocalRun {
    let started = Instant::now();
    let Some(_permit) = budget::shared().acquire(options.limits.memory_bytes, input.len(), &cancel)
    else {
        return LocalRun::failed(
            LocalError::new(errors::CANCELLED, "the run was cancelled"),
            options,
            started,
        );
    };
    let mut run = match options.engine {
        LocalEngine::QuickJs => quickjs::run(code, input, options, cancel),
        LocalEngine::Node => node::run(code, input, options, cancel),
    };
    run.duration = started.elapsed();
    run
}

/// [`run_function`] with the envelope as a JSON value (tests and small callers).
pub fn run_function_value(
    code: &str,
    input: &Value,
    options: &LocalOptions,
    cancel: Arc<AtomicBool>,
) -> LocalRun {
    let bytes = serde_json::to_vec(input).unwrap_or_else(|_| b"null".to_vec());
    run_function(code, &bytes, options, cancel)
}

fn as_millis<S: Serializer>(duration: &Duration, serializer: S) -> Result<S::Ok, S::Error> {
    serializer.serialize_f64(duration.as_secs_f64() * 1000.0)
}

/// `{"ok": value}` or `{"error": {code, message, …}}`.
fn ok_or_error<S: Serializer>(
    result: &Result<Value, LocalError>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    use serde::ser::SerializeMap as _;
    let mut map = serializer.serialize_map(Some(1))?;
    match result {
        Ok(value) => map.serialize_entry("ok", value)?,
        Err(error) => map.serialize_entry("error", error)?,
    }
    map.end()
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_platform;
