//! What one invocation was and what came back: the record shown in the console, printed by the
//! CLI and kept in history. It never holds a secret.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::catalog::EventId;
use crate::functions::{EndpointKind, LocalEngine, Runtime};
use crate::invoke::local::{LocalError, LogLine};

/// One contract rule and whether the response kept it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Check {
    /// The rule, e.g. "response is a list of e-mail entries" (most rules are fixed text, so
    /// the records of a batch share them rather than copy them).
    pub rule: Cow<'static, str>,
    /// Whether it held.
    pub ok: bool,
    /// What was found.
    pub message: String,
}

/// An e-mail the chat server would send, as the transcript function returned it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Email {
    #[serde(rename = "targetEmail")]
    pub target_email: String,
    #[serde(rename = "senderName")]
    pub sender_name: String,
    #[serde(rename = "senderEmail")]
    pub sender_email: String,
    pub subject: String,
}

/// Whose fault a failed invocation is, as the console reports it (`error.kind` in `--json`
/// and history).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ErrorKind {
    /// The function's own code failed (`handler.*`, `com.customer.faas.function.*`, HTTP 901).
    Function,
    /// The platform refused or could not run the call (`es.*`, `evg.*`, not found, pending).
    Platform,
    /// Credentials were refused (the token endpoint, or a 401/403 from the gateway).
    Auth,
    /// The network failed: refused, DNS, TLS, timeout, reset.
    Network,
    /// The configuration cannot be used: a missing secret, region or setting.
    Config,
    /// A plain URL answered with a non-2xx status.
    Http,
    /// The payload cannot be sent.
    Payload,
    /// The operator cancelled the call.
    Cancelled,
    /// The local engine itself could not run the code (not the function's fault).
    #[serde(alias = "local")]
    Engine,
}

impl ErrorKind {
    /// The kind as written in records and `--json`: `function`, `platform`, ….
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::Function => "function",
            ErrorKind::Platform => "platform",
            ErrorKind::Auth => "auth",
            ErrorKind::Network => "network",
            ErrorKind::Config => "config",
            ErrorKind::Http => "http",
            ErrorKind::Payload => "payload",
            ErrorKind::Cancelled => "cancelled",
            ErrorKind::Engine => "engine",
        }
    }
}

impl std::fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why an invocation produced no usable answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct InvokeError {
    /// Whose fault it is.
    pub kind: ErrorKind,
    /// A precise code: the network failure (`refused`, `dns`, `tls`, `timeout`), the
    /// platform's `errorCode`, or `http-<status>`.
    pub code: String,
    /// What happened and what it means, in plain words.
    pub message: String,
}

impl InvokeError {
    /// A new error.
    pub fn new(kind: ErrorKind, code: &str, message: impl Into<String>) -> InvokeError {
        InvokeError {
            kind,
            code: code.to_owned(),
            message: message.into(),
        }
    }
}

/// The response body as recorded.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", content = "value", rename_all = "lowercase")]
pub enum Body {
    /// No body.
    Empty,
    /// A JSON body.
    Json(Value),
    /// Anything else, as text (invalid UTF-8 replaced).
    Text(String),
}

impl Body {
    /// Parses bytes as JSON when they are JSON, else keeps them as text.
    pub fn from_bytes(bytes: &[u8]) -> Body {
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Body::Empty;
        }
        match serde_json::from_slice::<Value>(bytes) {
            Ok(value) => Body::Json(value),
            Err(_) => Body::Text(String::from_utf8_lossy(bytes).into_owned()),
        }
    }

    /// The body as JSON for `--json` output: the value itself, or the text as a string.
    pub fn to_json(&self) -> Value {
        match self {
            Body::Empty => Value::Null,
            Body::Json(v) => v.clone(),
            Body::Text(t) => Value::String(t.clone()),
        }
    }

    /// The body for display: JSON pretty-printed, text as it is.
    pub fn pretty(&self) -> String {
        match self {
            Body::Empty => String::new(),
            Body::Json(v) => serde_json::to_string_pretty(v).unwrap_or_default(),
            Body::Text(t) => t.clone(),
        }
    }
}

/// The request as sent, with credentials redacted.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RecordedRequest {
    /// The URL called (empty for in-process runs).
    pub url: String,
    /// Headers sent; credentials replaced by `<redacted>`.
    pub headers: Vec<(String, String)>,
    /// The envelope sent.
    pub body: Value,
}

/// The response as received.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RecordedResponse {
    /// HTTP status.
    pub status: u16,
    /// Response headers.
    pub headers: Vec<(String, String)>,
    /// The body (cut at the cap when `truncated`).
    pub body: Body,
    /// Size of the body received, in bytes.
    pub size: usize,
    /// True when the body was longer than the cap and was cut.
    pub truncated: bool,
}

/// One HTTP attempt of an invocation: why it was made and what came of it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Attempt {
    /// Why: "first attempt", "retry 1 of 3 after reset, 350 ms later", "a new token after
    /// HTTP 401" (the first attempt's reason is shared, not copied, by every record).
    pub reason: Cow<'static, str>,
    /// What came of it: "HTTP 200", "reset (…)" (an answer's status text is shared, not
    /// copied: [`status_text`]).
    pub outcome: Cow<'static, str>,
    /// How long it took, in milliseconds.
    pub time_ms: f64,
}

/// "HTTP 200" and the like: the outcome of an attempt that was answered, made once per status
/// for the whole process, so the attempts of a million-request batch share their texts.
pub fn status_text(status: u16) -> Cow<'static, str> {
    static TEXTS: std::sync::OnceLock<Box<[String]>> = std::sync::OnceLock::new();
    let texts = TEXTS.get_or_init(|| (100..600).map(|s| format!("HTTP {s}")).collect());
    match usize::from(status)
        .checked_sub(100)
        .and_then(|i| texts.get(i))
    {
        Some(text) => Cow::Borrowed(text.as_str()),
        None => Cow::Owned(format!("HTTP {status}")),
    }
}

/// How long things took, in milliseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Timings {
    /// Fetching an access token (LivePerson), when one was fetched.
    pub token_ms: Option<f64>,
    /// Until the response headers arrived.
    pub headers_ms: Option<f64>,
    /// The whole invocation.
    pub total_ms: f64,
}

/// A log line the function wrote (in-process runs).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FunctionLog {
    /// debug, info, warn or error.
    pub level: String,
    /// The message.
    pub message: String,
}

/// The level of a function's log line.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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

impl FunctionLog {
    /// The line's level (an unknown one reads as debug).
    pub fn severity(&self) -> LogLevel {
        match self.level.as_str() {
            "error" => LogLevel::Error,
            "warn" => LogLevel::Warn,
            "info" => LogLevel::Info,
            _ => LogLevel::Debug,
        }
    }
}

/// What an in-process run reported, kept plainly for scripts (`--json`) and the history.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct LocalSummary {
    /// The engine that ran it.
    pub engine: LocalEngine,
    /// The platform version it ran as.
    pub runtime: Runtime,
    /// The result, when it answered.
    #[serde(default)]
    pub result: Option<Value>,
    /// The error, when it failed: `code` (the platform's errorCode), `message` (its errorMsg),
    /// `name`, `value`, `line`, `column`, `stack`.
    #[serde(default)]
    pub error: Option<LocalError>,
    /// The console lines kept, with the values they logged.
    #[serde(default)]
    pub logs: Vec<LogLine>,
    /// Lines dropped past the platform's limits.
    #[serde(default)]
    pub logs_dropped: usize,
    /// How long the run took.
    #[serde(default)]
    pub duration_ms: f64,
}

/// Everything about one invocation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Invocation {
    /// When it started, in milliseconds since the epoch.
    pub at_ms: u64,
    /// The event.
    pub event: EventId,
    /// The configured function's name, when one was used.
    pub function: Option<String>,
    /// The payload sent: a file's or a sample's name ("(edited)" when it was changed first).
    pub payload_name: Option<String>,
    /// What kind of endpoint it went to (`url` for an ad-hoc URL).
    pub endpoint_kind: EndpointKind,
    /// Where it went, without secrets.
    pub endpoint: String,
    /// What was sent.
    pub request: RecordedRequest,
    /// What came back, when anything did.
    pub response: Option<RecordedResponse>,
    /// Timings.
    pub timings: Timings,
    /// The contract rules and whether they held.
    pub checks: Vec<Check>,
    /// The e-mails the chat server would send (transcript event).
    pub emails: Vec<Email>,
    /// Why there is no usable answer, when there is none.
    pub error: Option<InvokeError>,
    /// Plain-language notes: what the invoker does with the result, what happens on error.
    pub notes: Vec<String>,
    /// Log lines of an in-process run.
    pub logs: Vec<FunctionLog>,
    /// The value an in-process run called back with.
    pub local_result: Option<Value>,
    /// An in-process run as the platform would report it: engine, version, the result or the
    /// error (code, message, name), and the logs with their values.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub local: Option<LocalSummary>,
    /// Summary of the payload's findings when it was sent ("1 error, 2 warnings").
    pub payload_findings: Option<String>,
    /// The `X-Request-ID` sent (the same on every attempt): quote it to LivePerson support.
    pub request_id: Option<String>,
    /// Every HTTP attempt (more than one when retried).
    pub attempts: Vec<Attempt>,
    /// True when the call succeeded and the response keeps the event's contract.
    pub ok: bool,
}

impl Default for Invocation {
    fn default() -> Self {
        Invocation {
            at_ms: 0,
            event: EventId::ALL[0],
            function: None,
            payload_name: None,
            endpoint_kind: EndpointKind::Http,
            endpoint: String::new(),
            request: RecordedRequest {
                url: String::new(),
                headers: Vec::new(),
                body: Value::Null,
            },
            response: None,
            timings: Timings::default(),
            checks: Vec::new(),
            emails: Vec::new(),
            error: None,
            notes: Vec::new(),
            logs: Vec::new(),
            local_result: None,
            local: None,
            payload_findings: None,
            request_id: None,
            attempts: Vec::new(),
            ok: false,
        }
    }
}

impl Invocation {
    /// The HTTP status, when a response came.
    pub fn status(&self) -> Option<u16> {
        self.response.as_ref().map(|r| r.status)
    }

    /// The `--json` form: `{"event","endpoint","status","ok","time_ms","request_id","attempts",
    /// "response","checks","emails","error","logs","notes","local"}`.
    pub fn to_cli_json(&self) -> Value {
        serde_json::json!({
            "event": self.event.id(),
            "endpoint": self.endpoint,
            "status": self.status(),
            "ok": self.ok,
            "time_ms": self.timings.total_ms,
            "request_id": self.request_id,
            "attempts": self.attempts,
            "response": match (&self.response, &self.local_result) {
                (Some(r), _) => r.body.to_json(),
                (None, Some(v)) => v.clone(),
                (None, None) => Value::Null,
            },
            "checks": self.checks,
            "emails": self.emails,
            "error": self.error,
            "logs": self.logs,
            "notes": self.notes,
            "local": self.local,
        })
    }

    /// One line for lists: "200 OK · 12 ms · 2 e-mails".
    pub fn headline(&self) -> String {
        let status = match (&self.response, &self.error) {
            (Some(r), _) => r.status.to_string(),
            (None, Some(e)) => e.kind.to_string(),
            (None, None) => "-".to_owned(),
        };
        let verdict = if self.ok { "passed" } else { "failed" };
        format!("{status} · {:.0} ms · {verdict}", self.timings.total_ms)
    }
}

/// Milliseconds since the Unix epoch.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_texts_read_as_formatted_ones_and_common_ones_are_shared() {
        for status in [0, 99, 100, 200, 204, 401, 599, 600, 999, u16::MAX] {
            assert_eq!(status_text(status), format!("HTTP {status}"));
        }
        assert!(matches!(status_text(200), Cow::Borrowed(_)));
        assert!(matches!(status_text(600), Cow::Owned(_)));
        // Records read back from history hold their outcome as given.
        let attempt: Attempt = serde_json::from_str(
            r#"{"reason":"first attempt","outcome":"HTTP 503","time_ms":1.0}"#,
        )
        .unwrap();
        assert_eq!(attempt.outcome, "HTTP 503");
    }

    #[test]
    fn error_kinds_read_older_records() {
        let old: InvokeError =
            serde_json::from_str(r#"{"kind":"local","code":"engine-error","message":"m"}"#)
                .unwrap();
        assert_eq!(old.kind, ErrorKind::Engine);
        let json = serde_json::to_value(InvokeError::new(ErrorKind::Platform, "c", "m")).unwrap();
        assert_eq!(json["kind"], "platform");
    }
}
