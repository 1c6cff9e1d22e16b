//! Test invocations: build the envelope, send it to the event's function (a URL, a LivePerson
//! function, or the code in-process), check the answer against the event's contract, keep a
//! history. Blocking and `Send`: the CLI calls it directly, the console on a worker thread.

mod codes;
pub mod contract;
mod curl;
mod envelope;
mod history;
pub mod liveperson;
// A local run's error carries the platform's whole report (code, message, name, value, stack,
// position); it is returned once per run, so its size does not matter.
#[allow(clippy::result_large_err)]
pub mod local;
mod local_run;
mod mask;
mod prepare;
mod record;
mod request_id;
mod send;

use std::collections::{BTreeMap, HashMap};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use bytes::Bytes;
use serde_json::Value;

use crate::catalog::EventId;
use crate::functions::{
    Auth, Endpoint, EndpointKind, FunctionConfig, LocalEndpoint, Runtime, SecretRef,
};
use crate::net;
pub use contract::{
    ContractReport, check_result, check_result_for, count_rules, describe_emails,
    explain_http_failure,
};
pub use curl::curl_command;
use envelope::recorded_body;
pub use envelope::{
    KEEP_ENVELOPE_MAX, PreparedEnvelope, RECORDED_BODY_MAX, envelope, envelope_text,
};
pub use history::{History, HistoryError, MAX_HISTORY, default_history_path};
pub use liveperson::token_url;
pub use local_run::{mask_secrets, options_for as local_options};
pub use mask::{header_value, known_secrets, resolved_headers};
pub use prepare::{REDACTED, SendPlan, authorization_value, is_secret_header, redacted_headers};
pub use record::{
    Attempt, Body, Check, Email, ErrorKind, FunctionLog, Invocation, InvokeError, LocalSummary,
    LogLevel, RecordedRequest, RecordedResponse, Timings, now_ms,
};
pub use send::{
    Credentials, Destination, HttpOutcome, HttpRequest, Purpose, RETRY_STATUSES, RETRY_STEP, Via,
    cancelled_outcome, send, send_async, send_planned,
};

/// Where an invocation goes and how: a configured function, or an ad-hoc URL.
#[derive(Clone, Debug)]
pub struct Target {
    /// The event invoked.
    pub event: EventId,
    /// The configured function's name (none for an ad-hoc URL).
    pub function: Option<String>,
    /// The endpoint.
    pub endpoint: Endpoint,
    /// Extra request headers.
    pub headers: Vec<(String, String)>,
    /// Timeout of the whole invocation.
    pub timeout: Duration,
    /// The function's code (for in-process runs).
    pub code: String,
    /// How an in-process run runs: platform version, environment, allowlist, secrets, fixtures.
    pub local: LocalSettings,
    /// True when the target is an ad-hoc URL rather than a configured function.
    pub ad_hoc: bool,
}

impl Target {
    /// The configured function of an event.
    pub fn from_config(event: EventId, config: &FunctionConfig) -> Target {
        Target {
            event,
            function: Some(config.name.clone()),
            endpoint: config.endpoint.clone(),
            headers: config
                .headers
                .iter()
                .map(|(k, v)| (k.clone(), v.clone()))
                .collect(),
            timeout: Duration::from_millis(config.timeout_ms.max(1)),
            code: config.code.clone(),
            local: LocalSettings::from_config(config),
            ad_hoc: false,
        }
    }

    /// Code run in-process (`name` says where it came from), with the platform's timeout.
    pub fn local(event: EventId, name: &str, code: String) -> Target {
        Target {
            event,
            function: Some(name.to_owned()),
            endpoint: Endpoint::Local(LocalEndpoint::default()),
            headers: Vec::new(),
            timeout: Duration::from_millis(crate::functions::DEFAULT_TIMEOUT_MS),
            code,
            local: LocalSettings::default(),
            ad_hoc: false,
        }
    }

    /// How records name the endpoint: `url` for an ad-hoc URL, else the endpoint's kind.
    pub fn endpoint_kind(&self) -> EndpointKind {
        if self.ad_hoc {
            EndpointKind::Url
        } else {
            self.endpoint.kind()
        }
    }

    /// An ad-hoc URL, no auth.
    pub fn url(event: EventId, url: &str, timeout: Duration) -> Target {
        Target {
            event,
            function: None,
            endpoint: Endpoint::Http {
                url: url.to_owned(),
                auth: Auth::None,
            },
            headers: Vec::new(),
            timeout,
            code: String::new(),
            local: LocalSettings::default(),
            ad_hoc: true,
        }
    }
}

/// How a target's code runs in-process: the function's platform settings.
#[derive(Clone, Debug, Default)]
pub struct LocalSettings {
    /// The platform version the code is written for.
    pub runtime: Runtime,
    /// `process.env` of the function.
    pub environment: BTreeMap<String, String>,
    /// Domains HTTPClient and fetch may call.
    pub allowlist: Vec<String>,
    /// The function's secrets, by name (`env:NAME` or typed in for the session).
    pub secrets: BTreeMap<String, SecretRef>,
    /// The toolbelt's fixtures file (answers of the clients that need LivePerson's services).
    pub fixtures_file: Option<PathBuf>,
    /// Where the platform's modules are installed (default: the data dir's).
    pub modules_dir: Option<PathBuf>,
}

impl LocalSettings {
    /// The settings of a configured function.
    pub fn from_config(config: &FunctionConfig) -> LocalSettings {
        LocalSettings {
            runtime: config.runtime,
            environment: config.environment.clone(),
            allowlist: config.allowlist.clone(),
            secrets: config.secrets.clone(),
            fixtures_file: None,
            modules_dir: None,
        }
    }
}

/// Secrets typed in for this session, by event and field path (`endpoint.auth.token`, …). Never
/// saved, exported or logged.
#[derive(Clone, Default)]
pub struct SessionSecrets {
    values: HashMap<(EventId, String), String>,
}

impl std::fmt::Debug for SessionSecrets {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "SessionSecrets({} set)", self.values.len())
    }
}

impl SessionSecrets {
    /// Sets (or with an empty value, clears) a session secret.
    pub fn set(&mut self, event: EventId, field: &str, value: String) {
        if value.is_empty() {
            self.values.remove(&(event, field.to_owned()));
        } else {
            self.values.insert((event, field.to_owned()), value);
        }
    }

    /// The session secret of a field.
    pub fn get(&self, event: EventId, field: &str) -> Option<&str> {
        self.values
            .get(&(event, field.to_owned()))
            .map(String::as_str)
    }

    /// Resolves a secret field: the environment variable it names, or the value typed in.
    pub fn resolve(
        &self,
        event: EventId,
        field: &str,
        secret: &SecretRef,
    ) -> Result<String, InvokeError> {
        if let Some(name) = secret.env_name() {
            return match std::env::var(name) {
                Ok(value) if !value.is_empty() => Ok(value),
                _ => Err(InvokeError::new(
                    ErrorKind::Config,
                    "missing-secret",
                    format!(
                        "the environment variable {name} is not set ({field} reads env:{name}): set it, or type the secret in for this session"
                    ),
                )),
            };
        }
        match self.get(event, field) {
            Some(value) => Ok(value.to_owned()),
            None => Err(InvokeError::new(
                ErrorKind::Config,
                "missing-secret",
                format!("{field} is to be typed in for this session, and it has not been"),
            )),
        }
    }
}

/// How much longer than the function's own limit an HTTP attempt to LivePerson may take, so
/// that the platform's own `executiontime-exceeded` answer arrives (the official client allows
/// 35 s for the 30 s limit).
pub const LIVEPERSON_GRACE: Duration = Duration::from_secs(5);

/// Invokes the target with `envelope` and checks the answer. Never panics; every failure is in
/// the returned record's `error`. Setting `cancel` stops an in-process run at once and an HTTP
/// call between its steps.
pub fn invoke(
    target: &Target,
    envelope: &Value,
    secrets: &SessionSecrets,
    cancel: &Arc<AtomicBool>,
) -> Invocation {
    let bytes = Bytes::from(serde_json::to_vec(envelope).unwrap_or_default());
    invoke_with(target, Some(envelope), &bytes, true, secrets, cancel)
}

/// Invokes the target with an envelope given as JSON bytes
/// ([`crate::payload::Payload::envelope_bytes`]): no value of the document is built to send it
/// or to run it in-process (the engines read the bytes); the record keeps it when small.
pub fn invoke_bytes(
    target: &Target,
    envelope: Vec<u8>,
    secrets: &SessionSecrets,
    cancel: &Arc<AtomicBool>,
) -> Invocation {
    invoke_with(target, None, &Bytes::from(envelope), true, secrets, cancel)
}

/// Invokes the target with an envelope prepared once, as batches do: no serialization and no
/// copy of the envelope per call. The record's `request.body` is left null (the caller holds
/// the envelope); everything else is as [`invoke`] records it.
pub fn invoke_prepared(
    target: &Target,
    envelope: &PreparedEnvelope,
    secrets: &SessionSecrets,
    cancel: &Arc<AtomicBool>,
) -> Invocation {
    invoke_with(
        target,
        // An in-process run reads the bytes too: no value is built to send them.
        envelope.value.get(),
        &envelope.bytes,
        false,
        secrets,
        cancel,
    )
}

/// Invokes an in-process target with the envelope as JSON text: no document of the payload is
/// built (a large payload's document takes several times its size). The record keeps the
/// envelope when it is at most [`KEEP_ENVELOPE_MAX`] bytes. Other targets go through
/// [`invoke`].
pub fn invoke_text(
    target: &Target,
    envelope: &[u8],
    secrets: &SessionSecrets,
    cancel: &Arc<AtomicBool>,
) -> Invocation {
    if !matches!(target.endpoint, Endpoint::Local(_)) {
        return invoke_with(
            target,
            None,
            &Bytes::copy_from_slice(envelope),
            true,
            secrets,
            cancel,
        );
    }
    let started = Instant::now();
    let kept = (envelope.len() <= KEEP_ENVELOPE_MAX)
        .then(|| serde_json::from_slice(envelope).ok())
        .flatten();
    let mut record = new_record(target);
    record.request.body = kept.clone().unwrap_or(Value::Null);
    local_run::run_local(target, envelope, secrets, cancel, &mut record);
    if kept.is_none() {
        record.notes.push(format!(
            "The envelope ({} bytes) is not kept in this record.",
            envelope.len()
        ));
    }
    record.timings.total_ms = started.elapsed().as_secs_f64() * 1e3;
    record.mask_secrets(&known_secrets(target, secrets));
    record
}

fn invoke_with(
    target: &Target,
    envelope: Option<&Value>,
    bytes: &Bytes,
    record_body: bool,
    secrets: &SessionSecrets,
    cancel: &Arc<AtomicBool>,
) -> Invocation {
    let started = Instant::now();
    let mut record = new_record(target);
    if record_body {
        record.request.body = recorded_body(envelope, bytes);
    }
    match build_request(target, bytes, secrets) {
        Ok(Some(request)) => {
            let outcome = send(&request, cancel);
            apply_outcome(&mut record, outcome);
        }
        Ok(None) => local_run::run_local(target, bytes, secrets, cancel, &mut record),
        Err(error) => fail(&mut record, error),
    }
    record.timings.total_ms = started.elapsed().as_secs_f64() * 1e3;
    // Nothing the call used as a secret stays in what is shown, kept or printed.
    record.mask_secrets(&known_secrets(target, secrets));
    record
}

/// A new record of an invocation of `target`, before anything is sent (its `request.body` is
/// null).
pub fn new_record(target: &Target) -> Invocation {
    Invocation {
        at_ms: now_ms(),
        event: target.event,
        function: target.function.clone(),
        endpoint_kind: target.endpoint_kind(),
        endpoint: target.endpoint.describe(),
        ..Invocation::default()
    }
}

/// Records what a send produced: URL, headers, request id, attempts, the answer checked
/// against the contract, or the error.
pub fn apply_outcome(record: &mut Invocation, outcome: HttpOutcome) {
    record.request.url = outcome.url;
    record.request.headers = outcome.sent_headers;
    record.timings.token_ms = outcome.token_ms;
    record.timings.headers_ms = outcome.headers_ms;
    record.request_id = (!outcome.request_id.is_empty()).then_some(outcome.request_id);
    record.attempts = outcome.attempts;
    match outcome.result {
        Ok(response) => finish_response(record, response),
        Err(error) => fail(record, error),
    }
    record.notes.extend(outcome.notes);
    if record.attempts.len() > 1 {
        record.notes.push(format!(
            "{} attempts, one X-Request-ID ({}): see the attempts.",
            record.attempts.len(),
            record.request_id.as_deref().unwrap_or("-")
        ));
    }
}

/// Asks the platform whether a function is deployed for the target's event
/// (`…/events/{event}/isImplemented`). Only for LivePerson endpoints.
pub fn is_implemented(target: &Target, secrets: &SessionSecrets) -> Result<bool, InvokeError> {
    let Endpoint::Liveperson(lp) = &target.endpoint else {
        return Err(InvokeError::new(
            ErrorKind::Config,
            "not-liveperson",
            "only a LivePerson endpoint can say whether the platform has a function deployed",
        ));
    };
    let _ = lp;
    let Some(mut request) = build_request(target, &Bytes::new(), secrets)? else {
        return Err(InvokeError::new(
            ErrorKind::Config,
            "not-liveperson",
            "no HTTP request",
        ));
    };
    request.purpose = send::Purpose::IsImplemented;
    let outcome = send(&request, &AtomicBool::new(false));
    let response = outcome.result?;
    if !(200..300).contains(&response.status) {
        return Err(contract::explain_failure(
            target.event,
            EndpointKind::Liveperson,
            response.status,
            &response.body,
        ));
    }
    match &response.body {
        Body::Json(json) => json.get("implemented").and_then(Value::as_bool),
        _ => None,
    }
    .ok_or_else(|| {
        InvokeError::new(
            ErrorKind::Platform,
            "not-parsed",
            format!(
                "the isImplemented answer has no \"implemented\" true or false: {}",
                outcome.url
            ),
        )
    })
}

/// The HTTP request a target sends, credentials resolved, with an empty body; `None` for an
/// in-process target. Batches prepare their requests once with it.
pub fn http_request(
    target: &Target,
    secrets: &SessionSecrets,
) -> Result<Option<HttpRequest>, InvokeError> {
    build_request(target, &Bytes::new(), secrets)
}

/// The HTTP request for a target; `None` for an in-process target.
fn build_request(
    target: &Target,
    body: &Bytes,
    secrets: &SessionSecrets,
) -> Result<Option<HttpRequest>, InvokeError> {
    let event = target.event;
    let (destination, credentials, timeout) = match &target.endpoint {
        Endpoint::Local(_) => return Ok(None),
        Endpoint::Http { url, auth } => {
            // A user and password in the URL are sent as basic auth, never in the URL.
            let (url, from_url) = mask::split_userinfo(url);
            let credentials = match auth {
                Auth::None => from_url.map_or(Credentials::None, |(user, password)| {
                    Credentials::Basic { user, password }
                }),
                Auth::Bearer { token } => {
                    Credentials::Bearer(secrets.resolve(event, "endpoint.auth.token", token)?)
                }
                Auth::Basic { user, password } => Credentials::Basic {
                    user: user.clone(),
                    password: secrets.resolve(event, "endpoint.auth.password", password)?,
                },
            };
            (Destination::Url(url), credentials, target.timeout)
        }
        Endpoint::Liveperson(lp) => {
            let secret = secrets.resolve(event, "endpoint.client_secret", &lp.client_secret)?;
            (
                Destination::Liveperson(Box::new(lp.clone())),
                Credentials::LivePerson {
                    client_id: lp.client_id.trim().to_owned(),
                    client_secret: secret,
                },
                target.timeout + LIVEPERSON_GRACE,
            )
        }
    };
    Ok(Some(HttpRequest {
        destination,
        purpose: Purpose::Invoke,
        event,
        headers: resolved_headers(target)?,
        env_headers: target
            .headers
            .iter()
            .any(|(_, value)| value.starts_with("env:")),
        credentials,
        body: body.clone(),
        timeout,
        body_cap: net::DEFAULT_BODY_CAP,
    }))
}

/// Records a response: the contract checks, the e-mails, and the error of a non-2xx answer.
pub fn finish_response(record: &mut Invocation, response: RecordedResponse) {
    let report = check_result(record.event, Some(response.status), &response.body);
    record.checks = report.checks;
    record.emails = report.emails;
    record.notes = report.notes;
    if response.truncated {
        record.notes.push(format!(
            "The answer was longer than {} bytes and was cut there.",
            response.size
        ));
    }
    if !(200..300).contains(&response.status) {
        let error = contract::explain_failure(
            record.event,
            record.endpoint_kind,
            response.status,
            &response.body,
        );
        record.response = Some(response);
        fail(record, error);
        return;
    }
    record.ok = record.checks.iter().all(|c| c.ok) && !response.truncated;
    record.response = Some(response);
}

/// Marks a record failed, adding what the platform does on an invocation error.
pub fn fail(record: &mut Invocation, error: InvokeError) {
    record.ok = false;
    if record.event.spec().failure_consequence.is_some() {
        let note = record.event.spec().on_error.to_owned();
        if !record.notes.contains(&note) {
            record.notes.push(note);
        }
    }
    record.error = Some(error);
}
