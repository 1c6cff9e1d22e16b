//! Errors of a local run, in the platform's codes: V1's `com.liveperson.faas.handler.*`, V2's
//! `com.customer.faas.function.*`, and the console's own codes for what the platform reports
//! elsewhere (a syntax error at save time, memory, cancel, an engine that cannot start).

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::functions::Runtime;

/// The function's code does not parse; [`LocalError::line`] and [`LocalError::column`] say where.
pub const SYNTAX_ERROR: &str = "syntax-error";
/// V1: the function threw a TypeError, SyntaxError or ReferenceError.
pub const RUNTIME_EXCEPTION: &str = "com.liveperson.faas.handler.runtime-exception";
/// V1: the function failed with any other error (thrown, rejected or called back).
pub const CUSTOM_FAILURE: &str = "com.liveperson.faas.handler.custom-failure";
/// V1: the function ran longer than its time limit (or never called back).
pub const EXECUTION_TIME_EXCEEDED: &str = "com.liveperson.faas.handler.executiontime-exceeded";
/// V2: the function threw a TypeError, SyntaxError or ReferenceError.
pub const V2_JS_RUNTIME_ERROR: &str = "com.customer.faas.function.js-runtime-error";
/// V2: the function threw (or its promise rejected with) any other value.
pub const V2_THREW_ERROR: &str = "com.customer.faas.function.threw-error";
/// V2: the function ran longer than its time limit.
pub const V2_EXECUTION_EXCEEDED: &str = "com.customer.faas.function.execution-exceeded";
/// The function allocated more than its memory limit.
pub const MEMORY_EXCEEDED: &str = "memory-exceeded";
/// The caller's cancel flag stopped the run.
pub const CANCELLED: &str = "cancelled";
/// The engine itself could not run the code (not the function's fault): Node.js missing, a
/// worker that died, a broken installation.
pub const ENGINE_ERROR: &str = "engine-error";
/// The platform's modules the function needs are not installed and could not be.
pub const MODULES_UNAVAILABLE: &str = "modules-unavailable";

/// The code for "ran too long" on a platform version.
pub fn time_exceeded(runtime: Runtime) -> &'static str {
    match runtime {
        Runtime::V1 => EXECUTION_TIME_EXCEEDED,
        Runtime::V2 => V2_EXECUTION_EXCEEDED,
    }
}

/// The code for a TypeError, SyntaxError or ReferenceError on a platform version.
pub fn runtime_error(runtime: Runtime) -> &'static str {
    match runtime {
        Runtime::V1 => RUNTIME_EXCEPTION,
        Runtime::V2 => V2_JS_RUNTIME_ERROR,
    }
}

/// What a code means, in one phrase for the operator.
pub fn explain(code: &str) -> Option<&'static str> {
    Some(match code {
        RUNTIME_EXCEPTION | V2_JS_RUNTIME_ERROR => {
            "the function crashed with a runtime error (a TypeError, SyntaxError or ReferenceError)"
        }
        CUSTOM_FAILURE => {
            "the function failed with its own error (thrown, rejected or called back)"
        }
        V2_THREW_ERROR => "the function threw an error",
        EXECUTION_TIME_EXCEEDED | V2_EXECUTION_EXCEEDED => "the function did not answer in time",
        SYNTAX_ERROR => "the code does not parse",
        MEMORY_EXCEEDED => "the function ran out of memory",
        MODULES_UNAVAILABLE => "the platform's modules are not installed",
        _ => return None,
    })
}

/// Why a local run failed: a platform error code, the error's message (LivePerson's `errorMsg`),
/// and what else the error said.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
#[error("{code}: {message}")]
pub struct LocalError {
    /// One of the codes in this module ([`RUNTIME_EXCEPTION`], [`SYNTAX_ERROR`], …); empty when
    /// the function logged an `errorMsg` without an `errorCode`, as LivePerson's emulator shows.
    #[serde(default)]
    pub code: String,
    /// The error's message as the platform reports it (`errorMsg`): the message alone, without
    /// the error's name.
    #[serde(default)]
    pub message: String,
    /// The `errorMsg` when it is not a string (a function that called back with an object).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Value>,
    /// The error's name (`TypeError`, `Error`, …), when it had one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The JavaScript stack trace, the platform layer's own frames removed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stack: Option<String>,
    /// 1-based line in the function's code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u32>,
    /// 1-based column in the function's code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<u32>,
}

impl LocalError {
    /// An error with a code and a message and nothing else.
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        Self {
            code: code.to_owned(),
            message: message.into(),
            value: None,
            name: None,
            stack: None,
            line: None,
            column: None,
        }
    }

    /// The error as one paragraph for people: `TypeError: message (line 3, column 7)`.
    pub fn display(&self) -> String {
        let mut text = match self.name.as_deref() {
            Some(name) if !name.is_empty() && !self.message.starts_with(name) => {
                if self.message.is_empty() {
                    name.to_owned()
                } else {
                    format!("{name}: {}", self.message)
                }
            }
            _ => self.message.clone(),
        };
        if let (Some(line), Some(column)) = (self.line, self.column) {
            text.push_str(&format!(" (line {line}, column {column})"));
        }
        text
    }

    /// True for the codes the platform itself answers with.
    pub fn is_platform_code(&self) -> bool {
        [
            RUNTIME_EXCEPTION,
            CUSTOM_FAILURE,
            EXECUTION_TIME_EXCEEDED,
            V2_JS_RUNTIME_ERROR,
            V2_THREW_ERROR,
            V2_EXECUTION_EXCEEDED,
        ]
        .contains(&self.code.as_str())
    }
}

/// The file name the function's code runs under; stack frames name it.
pub(crate) const CODE_FILE: &str = "index.js";

/// The file name the platform layer runs under; its frames are removed from stacks.
pub(crate) const HARNESS_FILE: &str = "platform.js";

/// The first `index.js:LINE:COLUMN` in a stack trace (QuickJS's `at f (index.js:3:7)` and V8's
/// `at f (/function/index.js:3:7)` alike).
pub(crate) fn location_in_code(stack: &str) -> Option<(u32, u32)> {
    let needle = format!("{CODE_FILE}:");
    stack.lines().find_map(|frame| {
        let at = frame.find(&needle)?;
        let rest = &frame[at + needle.len()..];
        let mut parts = rest.split(|c: char| !c.is_ascii_digit());
        let line = parts.next()?.parse().ok()?;
        let column = parts.next().and_then(|c| c.parse().ok()).unwrap_or(1);
        Some((line, column))
    })
}

/// A stack without the platform layer's frames (and the engine's internals after them).
pub(crate) fn clean_stack(stack: &str) -> Option<String> {
    let kept: Vec<&str> = stack
        .lines()
        .filter(|frame| {
            !frame.contains(HARNESS_FILE)
                && !frame.contains("node:internal")
                && !frame.contains("worker.js")
                && !frame.contains("(<anonymous>)")
                && !frame.contains("(native)")
                && !frame.contains("[eval]")
        })
        .collect();
    let text = kept.join("\n").trim_end().to_owned();
    (!text.trim().is_empty()).then_some(text)
}

/// Removes what points into the platform's wrapper around the code (the lines after it: a
/// missing `lambda` is found there) from an error's location and stack.
pub(crate) fn drop_wrapper_positions(error: &mut LocalError, code: &str) {
    let lines = code.lines().count().max(1) as u32;
    if error.line.is_some_and(|l| l > lines) {
        error.line = None;
        error.column = None;
    }
    if let Some(stack) = &error.stack {
        let kept: Vec<&str> = stack
            .lines()
            .filter(|frame| location_in_code(frame).is_none_or(|(l, _)| l <= lines))
            .collect();
        error.stack = (!kept.is_empty()).then(|| kept.join("\n"));
        if error.line.is_none()
            && let Some((l, c)) = error.stack.as_deref().and_then(location_in_code)
        {
            error.line = Some(l);
            error.column = Some(c);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn location_is_read_from_the_first_frame_in_the_code() {
        let stack =
            "    at f (native)\n    at lambda (index.js:12:7)\n    at <anonymous> (index.js:2:1)";
        assert_eq!(location_in_code(stack), Some((12, 7)));
        assert_eq!(
            location_in_code("    at lambda (/function/index.js:3:9)"),
            Some((3, 9))
        );
        assert_eq!(location_in_code("    at index.js:3"), Some((3, 1)));
        assert_eq!(location_in_code("    at <eval>:3:4"), None);
    }

    #[test]
    fn display_names_the_error_once_and_says_where() {
        let mut error = LocalError::new(RUNTIME_EXCEPTION, "x is not a function");
        error.name = Some("TypeError".into());
        error.line = Some(4);
        error.column = Some(9);
        assert_eq!(
            error.display(),
            "TypeError: x is not a function (line 4, column 9)"
        );
        assert_eq!(
            error.to_string(),
            format!("{RUNTIME_EXCEPTION}: x is not a function")
        );
        let plain = LocalError::new(CUSTOM_FAILURE, "boom");
        assert_eq!(plain.display(), "boom");
        assert!(plain.is_platform_code());
        assert!(!LocalError::new(SYNTAX_ERROR, "x").is_platform_code());
    }

    #[test]
    fn stacks_lose_the_platform_frames() {
        let stack =
            "TypeError: x\n    at lambda (index.js:2:3)\n    at invokeV1 (platform.js:200:5)";
        assert_eq!(
            clean_stack(stack).as_deref(),
            Some("TypeError: x\n    at lambda (index.js:2:3)")
        );
    }
}
