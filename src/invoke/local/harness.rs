//! The platform layer both engines evaluate (one JavaScript source, assembled from the files in
//! `harness/` at compile time), the settings it is given, and how its outcome becomes a
//! [`LocalRun`]. Keeping the contract in one source is what keeps the engines from drifting
//! apart: an engine only provides a small host interface (clock, timers or its own, requests,
//! module files) and enforces time and memory.

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::errors::{self, CODE_FILE, LocalError};
use super::{LocalOptions, LocalRun, LogLevel, LogLine};
use crate::functions::Runtime;

/// The harness: a function of the host object returning the control object.
pub(crate) const HARNESS: &str = concat!(
    "(function (host) {\n\"use strict\";\nconst g = globalThis;\n",
    include_str!("harness/globals.js"),
    include_str!("harness/url.js"),
    include_str!("harness/fetch.js"),
    include_str!("harness/loader.js"),
    include_str!("harness/toolbelt.js"),
    include_str!("harness/builtins.js"),
    include_str!("harness/platform.js"),
    include_str!("harness/control.js"),
    "\n})"
);

/// The V1 wrapper around the function's code: a CommonJS module (as LivePerson's emulator runs
/// it) whose value calls `lambda` from inside the module's scope, so a missing or misnamed
/// `lambda` fails exactly as it does there.
pub(crate) const V1_PREFIX: &str = "(function (exports, require, module, __filename, __dirname) {";
macro_rules! v1_body {
    () => {
        "\n;return function (input, callback) { return lambda(input, callback); };\n"
    };
}
/// What follows the code in the V1 wrapper's body (the Node engine compiles the body as a
/// function itself).
pub(crate) const V1_BODY: &str = v1_body!();
/// What follows the code in the V1 wrapper.
pub(crate) const V1_SUFFIX: &str = concat!(v1_body!(), "})");
/// What follows the code of a V2 module: the entry the engine hands to the harness.
pub(crate) const V2_SUFFIX: &str =
    "\n;export const __lpPlatformEntry = (input) => lambda(input);\n";

/// Characters of logs kept per invocation.
pub(crate) fn log_chars(runtime: Runtime) -> usize {
    match runtime {
        Runtime::V1 => 6_000,
        Runtime::V2 => 16_384,
    }
}

/// The settings `control.setup` receives.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct HarnessConfig<'a> {
    runtime: &'a str,
    environment: &'a std::collections::BTreeMap<String, String>,
    allowlist: &'a [String],
    secrets: &'a std::collections::BTreeMap<String, String>,
    fixtures: &'a Value,
    fixtures_file: Option<String>,
    max_log_lines: usize,
}

/// The JSON for `control.setup`.
pub(crate) fn config_json(options: &LocalOptions) -> String {
    let empty = Value::Object(serde_json::Map::new());
    let config = HarnessConfig {
        runtime: options.runtime.as_str(),
        environment: &options.environment,
        allowlist: &options.allowlist,
        secrets: &options.secrets,
        fixtures: options.fixtures.as_ref().unwrap_or(&empty),
        fixtures_file: options
            .fixtures_file
            .as_ref()
            .map(|p| p.display().to_string()),
        max_log_lines: options.limits.max_log_lines,
    };
    serde_json::to_string(&config).unwrap_or_else(|_| "{}".to_owned())
}

/// What `control.outcome()` returns.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct Outcome {
    pub kind: String,
    pub result: Option<Value>,
    pub code: Option<String>,
    pub value: Option<Value>,
    pub name: Option<String>,
    pub stack: Option<String>,
    pub logs: Vec<OutcomeLog>,
    pub dropped: usize,
    pub cut: bool,
    pub notes: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub(crate) struct OutcomeLog {
    pub level: String,
    pub message: Option<Value>,
    pub extras: Vec<Value>,
    pub text: String,
}

impl Outcome {
    /// Reads the harness's outcome; `None` when it is not the harness's JSON.
    pub(crate) fn parse(json: &str) -> Option<Outcome> {
        serde_json::from_str(json).ok()
    }

    /// The logs as the console keeps them.
    pub(crate) fn take_logs(&mut self) -> Vec<LogLine> {
        std::mem::take(&mut self.logs)
            .into_iter()
            .map(|l| LogLine {
                level: LogLevel::from_platform(&l.level),
                message: l.text,
                value: l.message,
                extras: l.extras,
            })
            .collect()
    }

    /// The error this outcome reports (for `kind == "error"`).
    pub(crate) fn error(&mut self, line_offset: LineShift) -> LocalError {
        let value = self.value.take().unwrap_or(Value::Null);
        let (message, value) = match value {
            Value::String(s) => (s, None),
            other => (
                serde_json::to_string(&other).unwrap_or_default(),
                Some(other),
            ),
        };
        let stack = self
            .stack
            .take()
            .map(|s| line_offset.apply(&s))
            .and_then(|s| errors::clean_stack(&s));
        let (line, column) = stack
            .as_deref()
            .and_then(errors::location_in_code)
            .map_or((None, None), |(l, c)| (Some(l), Some(c)));
        LocalError {
            code: self.code.take().unwrap_or_default(),
            message,
            value,
            name: self.name.take(),
            stack,
            line,
            column,
        }
    }

    /// Turns a finished outcome into the run's result, logs and notes.
    pub(crate) fn into_run(
        mut self,
        options: &LocalOptions,
        shift: LineShift,
        started: std::time::Instant,
    ) -> LocalRun {
        let result = match self.kind.as_str() {
            "result" => Ok(self.result.take().unwrap_or(Value::Null)),
            "error" => Err(self.error(shift)),
            other => Err(LocalError::new(
                errors::ENGINE_ERROR,
                format!("the platform layer ended in an unknown state {other:?}"),
            )),
        };
        LocalRun {
            result,
            logs: self.take_logs(),
            logs_dropped: self.dropped,
            logs_cut: self.cut,
            notes: std::mem::take(&mut self.notes),
            duration: started.elapsed(),
            engine: options.engine,
            runtime: options.runtime,
        }
    }
}

/// How positions in the engine's view of the code map back to the operator's file: the V1
/// wrapper puts its prefix before the first line, which shifts line 1's columns.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct LineShift {
    /// Columns to remove on line 1.
    pub first_line_columns: u32,
}

impl LineShift {
    /// Rewrites `index.js:1:C` positions in a stack.
    pub(crate) fn apply(self, stack: &str) -> String {
        if self.first_line_columns == 0 {
            return stack.to_owned();
        }
        let needle = format!("{CODE_FILE}:1:");
        let mut out = String::with_capacity(stack.len());
        let mut rest = stack;
        while let Some(at) = rest.find(&needle) {
            let start = at + needle.len();
            out.push_str(&rest[..start]);
            let digits: String = rest[start..]
                .chars()
                .take_while(char::is_ascii_digit)
                .collect();
            let column: u32 = digits.parse().unwrap_or(1);
            out.push_str(
                &column
                    .saturating_sub(self.first_line_columns)
                    .max(1)
                    .to_string(),
            );
            rest = &rest[start + digits.len()..];
        }
        out.push_str(rest);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_first_line_loses_the_wrapper_columns() {
        let shift = LineShift {
            first_line_columns: 10,
        };
        assert_eq!(
            shift.apply("at a (index.js:1:25)\nat b (index.js:12:3)"),
            "at a (index.js:1:15)\nat b (index.js:12:3)"
        );
    }

    #[test]
    fn an_error_outcome_keeps_lpf_s_message_and_finds_the_line() {
        let mut outcome = Outcome::parse(
            r#"{"kind":"error","code":"com.liveperson.faas.handler.runtime-exception","value":"x is not defined","name":"ReferenceError","stack":"ReferenceError: x is not defined\n    at lambda (index.js:3:5)\n    at invokeV1 (platform.js:9:1)","logs":[{"level":"Info","message":"hi","extras":[1],"text":"hi 1"}],"dropped":2,"cut":false,"notes":[]}"#,
        )
        .unwrap();
        let logs = outcome.take_logs();
        assert_eq!(logs[0].level, LogLevel::Info);
        assert_eq!(logs[0].message, "hi 1");
        assert_eq!(logs[0].extras, vec![serde_json::json!(1)]);
        let error = outcome.error(LineShift::default());
        assert_eq!(error.message, "x is not defined");
        assert_eq!((error.line, error.column), (Some(3), Some(5)));
        assert!(!error.stack.unwrap().contains("platform.js"));
    }
}
