//! An invocation of the `local` endpoint: the target's settings become the run's options
//! (secrets resolved, fixtures read, modules installed on first use), the run happens on the
//! chosen engine, and its result is recorded like an HTTP answer, with its logs and notes.

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;

use serde_json::Value;

use super::local::{self, LocalOptions, errors};
use super::record::LocalSummary;
use super::{
    Body, ErrorKind, FunctionLog, Invocation, InvokeError, SessionSecrets, Target, check_result,
    fail,
};
use crate::functions::Endpoint;

/// Largest fixtures file read.
const MAX_FIXTURES_BYTES: u64 = 4 * 1024 * 1024;

/// The run's options from the target, or the configuration error that prevents the run.
pub fn options_for(target: &Target, secrets: &SessionSecrets) -> Result<LocalOptions, InvokeError> {
    let engine = match &target.endpoint {
        Endpoint::Local(local) => local.engine,
        _ => crate::functions::LocalEngine::QuickJs,
    };
    let settings = &target.local;
    let mut resolved = std::collections::BTreeMap::new();
    for (name, secret) in &settings.secrets {
        let value = secrets.resolve(target.event, &format!("secrets.{name}"), secret)?;
        resolved.insert(name.clone(), value);
    }
    let fixtures = match &settings.fixtures_file {
        Some(path) => read_fixtures(path)?,
        None => None,
    };
    Ok(LocalOptions {
        engine,
        runtime: settings.runtime,
        // The platform stops a function at 30 s, whatever the invocation's own timeout.
        limits: local::LocalLimits::with_timeout(
            target.timeout.min(local::LocalLimits::DEFAULT_TIMEOUT),
        ),
        environment: settings.environment.clone(),
        allowlist: settings.allowlist.clone(),
        secrets: resolved,
        fixtures,
        fixtures_file: settings.fixtures_file.clone(),
        modules_dir: settings.modules_dir.clone(),
        node: None,
    })
}

/// The fixtures beside the function; none when there is no such file. The file is read with
/// the console's bounds: a regular file (never a FIFO or a device) of at most 4 MiB.
fn read_fixtures(path: &Path) -> Result<Option<Value>, InvokeError> {
    let config = |message: String| InvokeError::new(ErrorKind::Config, "fixtures", message);
    let text = match crate::files::read_text(path, MAX_FIXTURES_BYTES) {
        Ok(text) => text,
        Err(e) if e.is_not_found() => return Ok(None),
        Err(e) => return Err(config(format!("cannot read the fixtures: {e}"))),
    };
    let value: Value = serde_json::from_str(&text).map_err(|e| {
        config(format!(
            "the fixtures are not valid JSON ({e}): {}",
            path.display()
        ))
    })?;
    if !value.is_object() {
        return Err(config(format!(
            "the fixtures must be an object {{\"Client.method\": answer}}: {}",
            path.display()
        )));
    }
    Ok(Some(value))
}

/// Runs the target's code in-process and records the result like an HTTP answer.
pub fn run_local(
    target: &Target,
    envelope: &[u8],
    secrets: &SessionSecrets,
    cancel: &Arc<AtomicBool>,
    record: &mut Invocation,
) {
    let options = match options_for(target, secrets) {
        Ok(options) => options,
        Err(error) => {
            fail(record, error);
            return;
        }
    };
    if let Err(error) = local::modules::ensure_for(
        &target.code,
        options.runtime,
        &options.modules_root(),
        &mut |_| {},
        cancel,
    ) {
        fail(
            record,
            InvokeError::new(
                ErrorKind::Config,
                errors::MODULES_UNAVAILABLE,
                error.to_string(),
            ),
        );
        return;
    }
    let mut run = local::run_function(&target.code, envelope, &options, Arc::clone(cancel));
    let secrets: Vec<&str> = options.secrets.values().map(String::as_str).collect();
    mask_secrets(&mut run, &secrets);
    record_run(record, run);
}

/// What stands for a secret the function logged or returned.
const MASK: &str = "••••••";

/// Replaces every secret value the run was given wherever the run shows it (logs, notes,
/// result, error), so that a function that logs or returns its secret does not leak it into
/// the history, `--json` or the console.
pub fn mask_secrets(run: &mut local::LocalRun, secrets: &[&str]) {
    let secrets: Vec<&str> = secrets.iter().copied().filter(|s| s.len() >= 3).collect();
    if secrets.is_empty() {
        return;
    }
    let text = |s: &mut String| {
        for secret in &secrets {
            if s.contains(secret) {
                *s = s.replace(secret, MASK);
            }
        }
    };
    fn value(v: &mut Value, text: &dyn Fn(&mut String)) {
        match v {
            Value::String(s) => text(s),
            Value::Array(items) => items.iter_mut().for_each(|i| value(i, text)),
            Value::Object(map) => map.values_mut().for_each(|i| value(i, text)),
            _ => {}
        }
    }
    for line in &mut run.logs {
        text(&mut line.message);
        if let Some(v) = &mut line.value {
            value(v, &text);
        }
        line.extras.iter_mut().for_each(|v| value(v, &text));
    }
    run.notes.iter_mut().for_each(&text);
    match &mut run.result {
        Ok(v) => value(v, &text),
        Err(e) => {
            text(&mut e.message);
            if let Some(stack) = &mut e.stack {
                text(stack);
            }
            if let Some(v) = &mut e.value {
                value(v, &text);
            }
        }
    }
}

/// Records a finished local run: result or error, logs, notes.
pub fn record_run(record: &mut Invocation, run: local::LocalRun) {
    let logs_note = run.logs_note();
    record.logs = run
        .logs
        .iter()
        .map(|l| FunctionLog {
            level: l.level.as_str().to_owned(),
            message: l.message.clone(),
        })
        .collect();
    let mut summary = LocalSummary {
        engine: run.engine,
        runtime: run.runtime,
        result: None,
        error: None,
        logs: run.logs.clone(),
        logs_dropped: run.logs_dropped,
        duration_ms: run.duration.as_secs_f64() * 1e3,
    };
    let notes = run.notes;
    match run.result {
        Ok(value) => {
            let report = check_result(record.event, None, &Body::Json(value.clone()));
            record.ok = report.ok();
            record.checks = report.checks;
            record.emails = report.emails;
            record.notes = report.notes;
            summary.result = Some(value.clone());
            record.local_result = Some(value);
        }
        Err(e) => {
            let mut message = e.display();
            if let Some(stack) = e.stack.as_deref().filter(|s| !s.trim().is_empty()) {
                message.push_str(&format!("\n{}", stack.trim_end()));
            }
            if let Some(meaning) = errors::explain(&e.code) {
                message = format!("{meaning}: {message}");
            }
            let kind = match e.code.as_str() {
                errors::CANCELLED => ErrorKind::Cancelled,
                errors::ENGINE_ERROR => ErrorKind::Engine,
                errors::MODULES_UNAVAILABLE => ErrorKind::Config,
                _ => ErrorKind::Function,
            };
            let code = if e.code.is_empty() {
                "no-error-code".to_owned()
            } else {
                e.code.clone()
            };
            summary.error = Some(e);
            fail(record, InvokeError::new(kind, &code, message));
        }
    }
    record.notes.extend(notes);
    record.notes.extend(logs_note);
    record.local = Some(summary);
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::AtomicBool;

    use super::*;
    use crate::catalog::EventId;
    use crate::functions::SecretRef;

    #[test]
    fn a_large_envelope_is_run_from_its_text_and_not_kept_in_the_record() {
        let target = Target::local(
            EventId::MessagingSurveyEnded,
            "size",
            "function lambda(i, cb) { cb(null, i.payload.items.length); }".to_owned(),
        );
        let items = vec!["x".repeat(100); 20_000];
        let text = serde_json::to_vec(
            &serde_json::json!({"timestamp": 1, "headers": [], "payload": {"items": items}}),
        )
        .unwrap();
        assert!(text.len() > crate::invoke::KEEP_ENVELOPE_MAX);
        let record = crate::invoke::invoke_text(
            &target,
            &text,
            &SessionSecrets::default(),
            &Arc::new(AtomicBool::new(false)),
        );
        assert_eq!(record.local_result, Some(serde_json::json!(20_000)));
        assert_eq!(record.request.body, Value::Null);
        assert!(
            record
                .notes
                .iter()
                .any(|n| n.contains("is not kept in this record"))
        );
        // A small one is kept as it was sent.
        let small = br#"{"timestamp":1,"headers":[],"payload":{"items":[1]}}"#;
        let record = crate::invoke::invoke_text(
            &target,
            small,
            &SessionSecrets::default(),
            &Arc::new(AtomicBool::new(false)),
        );
        assert_eq!(
            record.request.body["payload"]["items"],
            serde_json::json!([1])
        );
    }

    #[test]
    fn a_secret_the_function_logs_or_returns_is_masked_in_the_record() {
        // No test sets this variable.
        let name = "SC_TEST_LOCAL_RUN_SECRET";
        let mut target = Target::local(
            EventId::MessagingSurveyEnded,
            "leaky",
            "const { Toolbelt } = require('lp-faas-toolbelt');\nfunction lambda(i, cb) { Toolbelt.SecretClient().readSecret('token').then((s) => { console.info('token is', s.value); cb(null, {echo: s.value}); }); }".to_owned(),
        );
        target
            .local
            .secrets
            .insert("token".into(), SecretRef::env(name));
        let mut secrets = SessionSecrets::default();
        secrets.set(
            EventId::MessagingSurveyEnded,
            "secrets.token",
            "hunter2-value".into(),
        );
        // An env: reference without the variable is a configuration error, not a run.
        let mut record = Invocation::default();
        run_local(
            &target,
            b"{}",
            &secrets,
            &Arc::new(AtomicBool::new(false)),
            &mut record,
        );
        assert_eq!(record.error.as_ref().unwrap().code, "missing-secret");
        // A secret typed in for the session is read, and masked everywhere it shows.
        target
            .local
            .secrets
            .insert("token".into(), SecretRef(String::new()));
        let mut record = Invocation::default();
        run_local(
            &target,
            b"{}",
            &secrets,
            &Arc::new(AtomicBool::new(false)),
            &mut record,
        );
        let json = serde_json::to_string(&record).unwrap();
        assert!(!json.contains("hunter2-value"), "{json}");
        assert_eq!(record.logs[0].message, "token is ••••••");
        assert_eq!(
            record.local_result,
            Some(serde_json::json!({"echo": "••••••"}))
        );
    }
}
