//! The `local` endpoint: runs a function's JavaScript in-process with QuickJS (through
//! `rquickjs`), with the platform's limits, so an operator can test it offline.
//!
//! - Shapes: `module.exports = (data, cb) => …`, `function lambda(input, callback)` and
//!   `async function lambda(input)`; the invocation envelope `{timestamp, headers, payload}` is
//!   the input. Promises are awaited and the job queue is driven to completion.
//! - Limits ([`LocalLimits`]): execution time (an interrupt handler checks the deadline and the
//!   caller's cancel flag), memory (QuickJS's allocator limit) and log lines.
//! - Sandbox: no file system, network, process or module access; `require` of anything throws;
//!   `eval` and `new Function` are refused; `setTimeout`/`setInterval` work within the time limit
//!   (waits are skipped, not slept, and count against the limit).
//! - Errors carry the platform's codes ([`errors`]).
//!
//! Out of memory: QuickJS refuses the allocation past the limit and throws
//! `InternalError: out of memory`, which the function could catch like any error; that error,
//! thrown or passed to the callback, is reported as [`errors::MEMORY_EXCEEDED`]. When not even
//! the error fits, QuickJS throws `null`, so a thrown (or rejected) `null` counts as out of
//! memory too: certainly when a 1 MiB probe cannot be allocated either, "most likely" when the
//! failed frame already gave its memory back (a function's own `throw null` lands there). A
//! function that catches that `null` itself and answers normally is not caught out: rquickjs
//! offers no allocation hook without `unsafe`.
//!
//! Everything is blocking and bounded by the time limit: the CLI calls [`run_function`] directly,
//! the GUI calls it on a worker thread and sets the cancel flag for Cancel. A [`LocalFunction`]
//! keeps a compiled function warm between calls; it is not `Send` (a QuickJS runtime belongs to
//! the thread that made it), so make and use it on one thread.

pub mod errors;
mod runner;
mod sandbox;

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use serde::{Serialize, Serializer};
use serde_json::Value;

pub use errors::LocalError;
pub use runner::LocalFunction;
pub use sandbox::MAX_LOG_MESSAGE_CHARS;

/// The platform's limits for one invocation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct LocalLimits {
    /// Longest run, from the start of the call (and of the code's top level when compiling).
    #[serde(rename = "timeout_ms", serialize_with = "as_millis")]
    pub timeout: Duration,
    /// Most memory the JavaScript runtime may allocate, in bytes (0 = unlimited).
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

/// The level of a `console` line (`console.log` is `info`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum LogLevel {
    /// `console.debug`.
    Debug,
    /// `console.info` and `console.log`.
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
}

/// One captured `console` line: the arguments joined by spaces, objects as JSON.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LogLine {
    /// Which `console` method wrote it.
    pub level: LogLevel,
    /// The text (cut at [`MAX_LOG_MESSAGE_CHARS`]).
    pub message: String,
}

/// Which of the three function shapes the code has.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FunctionShape {
    /// `module.exports = (data, cb) => { … }`.
    ModuleExports,
    /// `function lambda(input, callback) { … }`.
    LambdaCallback,
    /// `async function lambda(input) { … }`.
    AsyncLambda,
}

impl FunctionShape {
    /// The shape as code, for messages: `module.exports = (data, cb) => …`.
    pub fn signature(self) -> &'static str {
        match self {
            Self::ModuleExports => "module.exports = (data, cb) => …",
            Self::LambdaCallback => "function lambda(input, callback)",
            Self::AsyncLambda => "async function lambda(input)",
        }
    }
}

/// The outcome of one local run.
#[derive(Debug, Clone, Serialize)]
pub struct LocalRun {
    /// The callback's result (or the promise's value) as JSON, or why the run failed.
    #[serde(serialize_with = "ok_or_error")]
    pub result: Result<Value, LocalError>,
    /// The `console` lines kept, in order.
    pub logs: Vec<LogLine>,
    /// How many `console` lines were dropped past [`LocalLimits::max_log_lines`].
    pub logs_dropped: usize,
    /// Wall-clock time of the run (compile included for [`run_function`]).
    #[serde(rename = "duration_ms", serialize_with = "as_millis")]
    pub duration: Duration,
    /// The function's shape, once the code got that far.
    pub shape: Option<FunctionShape>,
}

impl LocalRun {
    /// The note to show under the logs when some were dropped, as the platform does.
    pub fn logs_note(&self) -> Option<String> {
        (self.logs_dropped > 0).then(|| {
            let kept = self.logs.len();
            let dropped = self.logs_dropped;
            let lines = if dropped == 1 { "line" } else { "lines" };
            format!("{dropped} more log {lines} dropped: at most {kept} are kept per invocation")
        })
    }

    /// A failed run that never reached the function.
    pub(crate) fn failed(error: LocalError, started: Instant) -> Self {
        Self {
            result: Err(error),
            logs: Vec::new(),
            logs_dropped: 0,
            duration: started.elapsed(),
            shape: None,
        }
    }
}

/// Compiles `code` and calls it once with `input` (the envelope): the cold path the CLI and
/// the GUI's **Run locally** use. The time limit covers the code's top level and the call
/// together. Never panics on user code; returns within about the time limit, or soon after
/// `cancel` is set.
pub fn run_function(
    code: &str,
    input: &Value,
    limits: &LocalLimits,
    cancel: Arc<AtomicBool>,
) -> LocalRun {
    let started = Instant::now();
    let mut run = match LocalFunction::compile_with_cancel(code, limits, Arc::clone(&cancel)) {
        Ok(mut function) => {
            let left = limits.timeout.saturating_sub(started.elapsed());
            function.call_within(input, cancel, left)
        }
        Err(failed) => *failed,
    };
    run.duration = started.elapsed();
    run
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
mod tests_sandbox;
