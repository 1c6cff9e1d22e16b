//! Tests of the sandbox (require, eval, timers), warm calls and the bundled templates on the
//! bundled samples.

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::Duration;

use serde_json::{Value, json};

use super::errors::{EXECUTION_TIME_EXCEEDED, RUNTIME_EXCEPTION};
use super::*;
use crate::catalog::{EventId, samples};
use crate::payload;

fn no_cancel() -> Arc<AtomicBool> {
    Arc::new(AtomicBool::new(false))
}

fn run_with(code: &str, input: &Value, timeout_ms: u64) -> LocalRun {
    let limits = LocalLimits::with_timeout(Duration::from_millis(timeout_ms));
    run_function(code, input, &limits, no_cancel())
}

fn run(code: &str) -> LocalRun {
    run_with(
        code,
        &json!({"timestamp": 1, "headers": [], "payload": {}}),
        5_000,
    )
}

fn error_message(code: &str) -> LocalError {
    match run(code).result {
        Ok(value) => panic!("expected an error, got {value}"),
        Err(err) => err,
    }
}

// Sandbox.

#[test]
fn require_fails_with_the_module_name() {
    let error =
        error_message("const fs = require('fs');\nmodule.exports = (d, cb) => cb(null, 1);");
    assert_eq!(error.code, RUNTIME_EXCEPTION);
    assert!(
        error.message.contains("require('fs') is not available"),
        "{error:?}"
    );
    assert!(error.message.contains("sandbox"), "{error:?}");
    let error = error_message("module.exports = (d, cb) => cb(null, require('https'));");
    assert!(error.message.contains("require('https')"), "{error:?}");
}

#[test]
fn eval_and_new_function_are_refused() {
    for (call, what) in [
        ("eval('1 + 1')", "eval"),
        ("globalThis.eval('1')", "eval"),
        ("(0, eval)('1')", "eval"),
        ("new Function('return 1')()", "new Function"),
        ("Function('return 1')()", "new Function"),
        ("(function () {}).constructor('return 1')()", "new Function"),
        (
            "(async function () {}).constructor('return 1')()",
            "new Function",
        ),
        ("(function* () {}).constructor('yield 1')()", "new Function"),
    ] {
        let error = error_message(&format!("module.exports = (d, cb) => cb(null, {call});"));
        assert_eq!(error.code, RUNTIME_EXCEPTION, "{call}");
        assert_eq!(
            error.message,
            format!(
                "EvalError: {what} is not allowed: code generation from strings is disabled, as on the platform"
            ),
            "{call}"
        );
    }
}

#[test]
fn functions_still_behave_as_functions() {
    let code = "module.exports = (d, cb) => cb(null, [(() => 1) instanceof Function, typeof Function, [1, 2].map((x) => x * 2), JSON.stringify({a: 1})]);";
    assert_eq!(
        run(code).result.unwrap(),
        json!([true, "function", [2, 4], "{\"a\":1}"])
    );
}

#[test]
fn there_is_no_process_file_system_or_network() {
    let code = "module.exports = (d, cb) => cb(null, [typeof process, typeof std, typeof os, typeof fetch, typeof XMLHttpRequest, typeof require]);";
    assert_eq!(
        run(code).result.unwrap(),
        json!([
            "undefined",
            "undefined",
            "undefined",
            "undefined",
            "undefined",
            "function"
        ])
    );
}

// Timers.

#[test]
fn a_callback_from_a_timer_answers() {
    let code = r#"module.exports = (data, cb) => {
        const order = [];
        setTimeout(() => { order.push('b'); cb(null, order); }, 1000);
        setTimeout((x) => order.push(x), 10, 'a');
        const never = setTimeout(() => order.push('never'), 5);
        clearTimeout(never);
    };"#;
    let run = run(code);
    assert_eq!(run.result.unwrap(), json!(["a", "b"]));
    // Waits are skipped, not slept.
    assert!(
        run.duration < Duration::from_millis(900),
        "{:?}",
        run.duration
    );
}

#[test]
fn timers_with_equal_times_run_in_the_order_set() {
    let code = r#"module.exports = (d, cb) => {
        const order = [];
        for (let i = 0; i < 5; i++) setTimeout(() => order.push(i), 0);
        setTimeout(() => cb(null, order), 0);
    };"#;
    assert_eq!(run(code).result.unwrap(), json!([0, 1, 2, 3, 4]));
}

#[test]
fn an_interval_repeats_until_cleared() {
    let code = r#"function lambda(input, callback) {
        let n = 0;
        const id = setInterval(() => { n++; if (n === 3) { clearInterval(id); callback(null, n); } }, 100);
    }"#;
    assert_eq!(run(code).result.unwrap(), json!(3));
}

#[test]
fn async_code_can_await_a_timer() {
    let code = r#"const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
    async function lambda(input) { await sleep(50); await sleep(50); return 'slept'; }"#;
    assert_eq!(run(code).result.unwrap(), json!("slept"));
}

#[test]
fn a_timer_past_the_limit_exceeds_the_execution_time() {
    let code = "module.exports = (d, cb) => { setTimeout(() => cb(null, 'late'), 40000); };";
    let run = run_with(code, &json!({}), 30_000);
    let error = run.result.unwrap_err();
    assert_eq!(error.code, EXECUTION_TIME_EXCEEDED);
    assert!(error.message.contains("40000 ms"), "{error:?}");
    assert!(run.duration < Duration::from_secs(1), "{:?}", run.duration);
}

#[test]
fn an_endless_interval_exceeds_the_execution_time() {
    let code = "module.exports = () => { setInterval(() => {}, 10); };";
    let run = run_with(code, &json!({}), 1_000);
    assert_eq!(run.result.unwrap_err().code, EXECUTION_TIME_EXCEEDED);
}

#[test]
fn a_throw_in_a_timer_is_a_runtime_exception() {
    let code =
        "module.exports = (d, cb) => { setTimeout(() => { throw new Error('in timer'); }, 5); };";
    let error = error_message(code);
    assert_eq!(
        (error.code.as_str(), error.message.as_str()),
        (RUNTIME_EXCEPTION, "in timer")
    );
}

#[test]
fn set_timeout_needs_a_function() {
    let error = error_message("module.exports = () => { setTimeout('cb(null, 1)', 5); };");
    assert!(error.message.starts_with("TypeError"), "{error:?}");
}

// Warm calls.

#[test]
fn a_compiled_function_keeps_its_globals_between_calls() {
    let code = "let calls = 0;\nfunction lambda(input, callback) { calls++; callback(null, calls + input.n); }";
    let mut function = LocalFunction::compile(code, &LocalLimits::default()).unwrap();
    assert_eq!(function.shape(), FunctionShape::LambdaCallback);
    let results: Vec<Value> = (0..3)
        .map(|n| {
            function
                .call(&json!({"n": n * 10}), no_cancel())
                .result
                .unwrap()
        })
        .collect();
    assert_eq!(results, [json!(1), json!(12), json!(23)]);
}

#[test]
fn compile_reports_syntax_errors() {
    let error = LocalFunction::compile("function lambda( {", &LocalLimits::default()).unwrap_err();
    assert_eq!(error.code, super::errors::SYNTAX_ERROR);
    assert_eq!(error.line, Some(1));
}

#[test]
fn a_run_serializes_with_ok_or_error() {
    let run = run("module.exports = (d, cb) => { console.info('hi'); cb(null, 'ok'); };");
    let json = serde_json::to_value(&run).unwrap();
    assert_eq!(json["result"], json!({"ok": "ok"}));
    assert_eq!(json["logs"], json!([{"level": "info", "message": "hi"}]));
    assert_eq!(json["shape"], json!("module-exports"));
    assert!(json["duration_ms"].is_number());
    let failed = serde_json::to_value(error_message("throw new Error('x')")).unwrap();
    assert_eq!(failed["code"], json!(RUNTIME_EXCEPTION));
}

// The bundled templates on the bundled samples.

/// A bundled sample as the envelope the function receives.
pub(super) fn sample_envelope(name: &str) -> Value {
    let sample = samples::sample(name).unwrap_or_else(|| panic!("no sample {name}"));
    let parsed = payload::parse_bytes(sample.contents.as_bytes(), name).unwrap();
    if parsed.is_envelope {
        parsed.document().clone()
    } else {
        json!({"timestamp": 1_700_000_000_000_u64, "headers": [], "payload": parsed.document()})
    }
}

#[test]
fn the_transcript_template_sends_the_right_emails_for_each_sample() {
    let template = EventId::ChatPostSurveyEmailTranscript.spec().template;
    let email = json!([{
        "targetEmail": "ReplaceMe@company.com",
        "senderName": "Sender X",
        "senderEmail": "ReplaceMe@company.com",
        "subject": "Email Transcript Notification"
    }]);
    let mut function = LocalFunction::compile(template, &LocalLimits::default()).unwrap();
    assert_eq!(function.shape(), FunctionShape::ModuleExports);
    let cases = [
        ("transcript-csat-1.json", &email),
        ("transcript-csat-2.json", &email),
        ("transcript-csat-3.json", &email),
        ("transcript-multi-select.json", &email),
        ("transcript.envelope.json", &email),
        ("transcript.bare.json", &email),
        ("transcript-csat-4.json", &json!([])),
        ("transcript-csat-5.json", &json!([])),
        ("transcript-csat-unanswered.json", &json!([])),
        ("transcript-skill-mismatch.json", &json!([])),
        ("transcript-agent-mismatch.json", &json!([])),
    ];
    for (name, expected) in cases {
        let input = sample_envelope(name);
        // Cold and warm give the same answer.
        let cold = run_function(template, &input, &LocalLimits::default(), no_cancel());
        assert_eq!(cold.result.as_ref().unwrap(), expected, "{name} (cold)");
        let warm = function.call(&input, no_cancel());
        assert_eq!(warm.result.as_ref().unwrap(), expected, "{name} (warm)");
        assert!(warm.logs.is_empty(), "{name}");
    }
}

#[test]
fn the_template_file_is_the_catalog_template() {
    let on_disk = include_str!("../../../assets/templates/chat-post-survey-email-transcript.js");
    assert_eq!(
        EventId::ChatPostSurveyEmailTranscript.spec().template,
        on_disk
    );
}

#[test]
fn the_messaging_template_answers_ok_and_logs_one_line() {
    let template = include_str!("../../../assets/templates/messaging-survey.js");
    for name in [
        "messaging-survey-started.envelope.json",
        "messaging-survey.bare.json",
    ] {
        let run = run_function(
            template,
            &sample_envelope(name),
            &LocalLimits::default(),
            no_cancel(),
        );
        assert_eq!(run.result.unwrap(), json!("ok"), "{name}");
        assert_eq!(run.logs.len(), 1, "{name}");
        assert_eq!(run.logs[0].level, LogLevel::Info);
        assert!(
            run.logs[0].message.starts_with("survey "),
            "{}",
            run.logs[0].message
        );
        assert!(
            !run.logs[0].message.contains("undefined"),
            "{}",
            run.logs[0].message
        );
    }
}

// Hostile or odd code never panics and always answers.

#[test]
fn odd_code_always_gets_an_answer() {
    let cases = [
        ("", RUNTIME_EXCEPTION),
        ("module.exports = 1;", RUNTIME_EXCEPTION),
        (
            "module.exports = (d, cb) => cb(null, 1);\0",
            super::errors::SYNTAX_ERROR,
        ),
        (
            "Promise = null; JSON = null; Map = null; Object.prototype.then = 1;\nmodule.exports = (d, cb) => cb(null, 1);",
            "",
        ),
        (
            "module.exports = () => { throw {get message() { throw new Error('getter'); }}; };",
            RUNTIME_EXCEPTION,
        ),
        (
            "module.exports = () => { throw Object.create(null); };",
            RUNTIME_EXCEPTION,
        ),
        (
            "module.exports = () => { throw Symbol('s'); };",
            RUNTIME_EXCEPTION,
        ),
        (
            "module.exports = (d, cb) => cb(null, 10n);",
            RUNTIME_EXCEPTION,
        ),
        (
            "module.exports = (d, cb) => cb(null, {toJSON() { throw new Error('no'); }});",
            RUNTIME_EXCEPTION,
        ),
        (
            "module.exports = (d, cb) => { console.log({toString: null, valueOf: null}); cb(null, 1); };",
            "",
        ),
        (
            "module.exports = (d, cb) => { console.log(Object.create(null), Symbol('x')); cb(null, 1); };",
            "",
        ),
        (
            "module.exports = (d, cb) => { delete globalThis.console; cb(null, 1); };",
            "",
        ),
        (
            "module.exports = (d, cb) => cb(null, d.payload.missing.field);",
            RUNTIME_EXCEPTION,
        ),
        (
            "module.exports = (d, cb) => { let a = []; a[0] = a; cb(null, a); };",
            RUNTIME_EXCEPTION,
        ),
    ];
    let nul = run("// ok\nlet a = 1;\0").result.unwrap_err();
    assert_eq!((nul.line, nul.column), (Some(2), Some(11)));
    for (code, expected) in cases {
        let run = run(code);
        match (&run.result, expected) {
            (Ok(_), "") => {}
            (Err(error), code_expected) if error.code == code_expected => {}
            (result, _) => panic!("{code:?}: expected {expected:?}, got {result:?}"),
        }
    }
}

#[test]
fn deeply_nested_results_are_an_error_not_a_crash() {
    let code = "module.exports = (d, cb) => { let v = 1; for (let i = 0; i < 10000; i++) v = [v]; cb(null, v); };";
    assert_eq!(run(code).result.unwrap_err().code, RUNTIME_EXCEPTION);
}

#[test]
fn a_large_input_and_result_round_trip() {
    let items: Vec<Value> = (0..5_000)
        .map(|i| json!({"question": format!("q{i}"), "answer": "ä;b"}))
        .collect();
    let input = json!({"timestamp": 1, "headers": [], "payload": {"questionWithAnswers": items}});
    let code = "module.exports = (d, cb) => cb(null, d.payload.questionWithAnswers);";
    let run = run_with(code, &input, 5_000);
    assert_eq!(run.result.unwrap(), input["payload"]["questionWithAnswers"]);
}

#[test]
fn replacing_built_ins_does_not_break_the_sandbox() {
    let code = r#"String = null; Error = null; TypeError = null; EvalError = null; Math = null; Number = null;
    Object.prototype.message = 'x';
    module.exports = (d, cb) => {
        console.info('still', {logging: true});
        let refused = '';
        try { eval('1'); } catch (e) { refused = e.name; }
        setTimeout(() => cb(null, refused), 5);
    };"#;
    let run = run(code);
    assert_eq!(run.result.unwrap(), json!("EvalError"));
    assert_eq!(run.logs[0].message, r#"still {"logging":true}"#);
    let error = error_message("Error = null;\nmodule.exports = () => require('fs');");
    assert!(
        error.message.contains("require('fs') is not available"),
        "{error:?}"
    );
}
