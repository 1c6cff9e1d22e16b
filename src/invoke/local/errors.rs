//! Errors of a local run, in the platform's codes, and how they are read from JavaScript
//! values (thrown errors, callback errors, rejections, syntax errors).

use serde::Serialize;

/// The function's code does not parse; [`LocalError::line`] and [`LocalError::column`] say where.
pub const SYNTAX_ERROR: &str = "syntax-error";
/// The function threw (or its promise was rejected, or a timer callback threw).
pub const RUNTIME_EXCEPTION: &str = "com.liveperson.faas.handler.runtime-exception";
/// The function called back with an error, or never called back.
pub const CUSTOM_FAILURE: &str = "com.liveperson.faas.handler.custom-failure";
/// The function ran longer than its time limit.
pub const EXECUTION_TIME_EXCEEDED: &str = "com.liveperson.faas.handler.executiontime-exceeded";
/// The function allocated more than its memory limit.
pub const MEMORY_EXCEEDED: &str = "memory-exceeded";
/// The caller's cancel flag stopped the run.
pub const CANCELLED: &str = "cancelled";
/// The JavaScript engine itself could not be set up (not the function's fault).
pub const ENGINE_ERROR: &str = "engine-error";

/// Why a local run failed: a platform error code, a message, and where it happened when known.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, thiserror::Error)]
#[error("{code}: {message}")]
pub struct LocalError {
    /// One of the codes in this module ([`RUNTIME_EXCEPTION`], [`SYNTAX_ERROR`], …).
    pub code: String,
    /// What went wrong, for the operator.
    pub message: String,
    /// The JavaScript stack trace, when the error carried one.
    pub stack: Option<String>,
    /// 1-based line in the function's code.
    pub line: Option<u32>,
    /// 1-based column in the function's code.
    pub column: Option<u32>,
}

impl LocalError {
    /// An error with a code and a message and no location.
    pub fn new(code: &str, message: impl Into<String>) -> Self {
        Self {
            code: code.to_owned(),
            message: message.into(),
            stack: None,
            line: None,
            column: None,
        }
    }

    /// An error built from what a JavaScript error object says. The location is the first frame
    /// of the stack that points into the function's code.
    pub(crate) fn from_js(code: &str, described: Described) -> Self {
        let message = match described.name.as_deref() {
            Some(name) if !name.is_empty() && name != "Error" && code != CUSTOM_FAILURE => {
                if described.message.is_empty() {
                    name.to_owned()
                } else {
                    format!("{name}: {}", described.message)
                }
            }
            _ => described.message,
        };
        // The sandbox's own frames (the call into the function) are noise to the operator.
        let stack = described
            .stack
            .map(|s| {
                s.lines()
                    .filter(|frame| !frame.contains(SANDBOX_FILE))
                    .collect::<Vec<_>>()
                    .join("\n")
                    .trim_end()
                    .to_owned()
            })
            .filter(|s| !s.is_empty());
        let (line, column) = stack
            .as_deref()
            .and_then(location_in_code)
            .map_or((None, None), |(l, c)| (Some(l), Some(c)));
        Self {
            code: code.to_owned(),
            message,
            stack,
            line,
            column,
        }
    }

    /// True for the three codes the platform itself answers with.
    pub fn is_platform_code(&self) -> bool {
        [RUNTIME_EXCEPTION, CUSTOM_FAILURE, EXECUTION_TIME_EXCEEDED].contains(&self.code.as_str())
    }
}

/// The parts of a JavaScript error, read by the sandbox's `describe`.
#[derive(Debug, Clone, Default)]
pub(crate) struct Described {
    pub name: Option<String>,
    pub message: String,
    pub stack: Option<String>,
}

/// The file name the function's code is evaluated under; stack frames name it.
pub(crate) const CODE_FILE: &str = "function.js";

/// The file name the sandbox's prelude is evaluated under.
pub(crate) const SANDBOX_FILE: &str = "sandbox.js";

/// The first `function.js:LINE:COLUMN` in a QuickJS stack trace.
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

/// True when QuickJS's error means the memory limit was hit: `InternalError: out of memory`
/// (a thrown `null`, when even that error could not be allocated, is handled by the caller).
pub(crate) fn is_out_of_memory(described: &Described) -> bool {
    described.message.contains("out of memory")
        && described
            .name
            .as_deref()
            .is_none_or(|n| n == "InternalError")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn location_is_read_from_the_first_frame_in_the_code() {
        let stack = "    at f (native)\n    at lambda (function.js:12:7)\n    at <anonymous> (function.js:2:1)";
        assert_eq!(location_in_code(stack), Some((12, 7)));
        assert_eq!(location_in_code("    at function.js:3"), Some((3, 1)));
        assert_eq!(location_in_code("    at <eval>:3:4"), None);
    }

    #[test]
    fn messages_keep_the_error_name_except_for_plain_errors() {
        let typed = LocalError::from_js(
            RUNTIME_EXCEPTION,
            Described {
                name: Some("TypeError".into()),
                message: "x is not a function".into(),
                stack: Some("    at lambda (function.js:4:9)\n".into()),
            },
        );
        assert_eq!(typed.message, "TypeError: x is not a function");
        assert_eq!((typed.line, typed.column), (Some(4), Some(9)));
        assert_eq!(
            typed.stack.as_deref(),
            Some("    at lambda (function.js:4:9)")
        );
        let plain = LocalError::from_js(
            RUNTIME_EXCEPTION,
            Described {
                name: Some("Error".into()),
                message: "boom".into(),
                stack: None,
            },
        );
        assert_eq!(plain.to_string(), format!("{RUNTIME_EXCEPTION}: boom"));
        assert!(plain.is_platform_code());
        assert!(!LocalError::new(SYNTAX_ERROR, "x").is_platform_code());
    }

    #[test]
    fn out_of_memory_is_recognised() {
        let oom = Described {
            name: Some("InternalError".into()),
            message: "out of memory".into(),
            stack: None,
        };
        assert!(is_out_of_memory(&oom));
        let other = Described {
            name: Some("Error".into()),
            message: "out of memory".into(),
            stack: None,
        };
        assert!(!is_out_of_memory(&other));
    }
}
