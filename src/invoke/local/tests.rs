//! Tests of the platform's contract on both engines: entry point, V1 callback rules, error
//! classification, console, time, limits. Each runs on QuickJS and, where `node` is on PATH,
//! on Node.js (elsewhere the Node half says it was skipped).

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::errors::*;
use super::*;
use crate::functions::{LocalEngine, Runtime};

pub(super) fn engines() -> Vec<LocalEngine> {
    if node::available() {
        vec![LocalEngine::QuickJs, LocalEngine::Node]
    } else {
        eprintln!("Node.js engine half skipped: node is not on PATH");
        vec![LocalEngine::QuickJs]
    }
}

pub(super) fn fixtures_modules() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/modules")
}

pub(super) fn options(engine: LocalEngine, runtime: Runtime) -> LocalOptions {
    LocalOptions {
        engine,
        runtime,
        limits: LocalLimits::with_timeout(Duration::from_secs(10)),
        modules_dir: Some(fixtures_modules()),
        ..LocalOptions::default()
    }
}

pub(super) fn envelope() -> Value {
    json!({"timestamp": 1, "headers": [], "payload": {"csatRank": 2, "skillName": "CustomerCare"}})
}

pub(super) fn run_with(options: &LocalOptions, code: &str) -> LocalRun {
    run_function_value(code, &envelope(), options, Arc::new(AtomicBool::new(false)))
}

pub(super) fn run_on(engine: LocalEngine, code: &str) -> LocalRun {
    run_with(&options(engine, Runtime::V1), code)
}

pub(super) fn ok_on(engine: LocalEngine, code: &str) -> Value {
    match run_on(engine, code).result {
        Ok(value) => value,
        Err(err) => panic!("{engine:?}: expected a result, got {err:#?}"),
    }
}

pub(super) fn err_on(engine: LocalEngine, code: &str) -> LocalError {
    match run_on(engine, code).result {
        Ok(value) => panic!("{engine:?}: expected an error, got {value}"),
        Err(err) => err,
    }
}

#[test]
fn lambda_is_called_with_the_envelope_and_answers_through_the_callback() {
    for engine in engines() {
        let code = "function lambda(input, callback) { callback(null, {skill: input.payload.skillName}); }";
        assert_eq!(ok_on(engine, code), json!({"skill": "CustomerCare"}));
        assert_eq!(
            ok_on(
                engine,
                "function lambda(i, cb) { cb(null, [i.timestamp]); }"
            ),
            json!([1])
        );
    }
}

#[test]
fn module_exports_alone_fails_as_lambda_is_not_defined_with_the_fix() {
    for engine in engines() {
        let run = run_on(
            engine,
            "module.exports = (data, cb) => { cb(null, 'ok'); };",
        );
        let error = run.result.unwrap_err();
        assert_eq!(error.code, RUNTIME_EXCEPTION, "{engine:?}");
        assert_eq!(error.message, "lambda is not defined");
        assert_eq!((error.line, error.column), (None, None), "{error:?}");
        assert!(
            run.notes
                .iter()
                .any(|n| n.contains("function lambda(input, callback)")),
            "{:?}",
            run.notes
        );
    }
}

#[test]
fn v1_results_come_only_through_the_callback() {
    for engine in engines() {
        // A returned promise's value is ignored: nothing answers, nothing is left to wait for.
        let error = err_on(engine, "async function lambda(i, cb) { return 5; }");
        assert_eq!(error.code, EXECUTION_TIME_EXCEEDED, "{engine:?}");
        assert!(
            error.message.contains("never called the callback"),
            "{error:?}"
        );
        // An async lambda calling back is fine, and its rejection is caught.
        assert_eq!(
            ok_on(
                engine,
                "async function lambda(i, cb) { await null; cb(null, 2); }"
            ),
            json!(2)
        );
        let error = err_on(
            engine,
            "async function lambda(i, cb) { await null; throw new RangeError('r'); }",
        );
        assert_eq!(
            (error.code.as_str(), error.message.as_str()),
            (CUSTOM_FAILURE, "r")
        );
        // After the callback answered, a throw does not change the answer; the first answer wins.
        assert_eq!(
            ok_on(
                engine,
                "function lambda(i, cb) { cb(null, 1); throw new Error('after'); }"
            ),
            json!(1)
        );
        assert_eq!(
            ok_on(
                engine,
                "function lambda(i, cb) { cb(null, 1); cb(null, 2); cb(new Error('x')); }"
            ),
            json!(1)
        );
    }
}

#[test]
fn errors_are_classified_by_their_constructor_however_they_arrive() {
    for engine in engines() {
        let cases = [
            (
                "function lambda(i, cb) { throw new TypeError('t'); }",
                RUNTIME_EXCEPTION,
                "t",
            ),
            (
                "function lambda(i, cb) { cb(new SyntaxError('s')); }",
                RUNTIME_EXCEPTION,
                "s",
            ),
            (
                "function lambda(i, cb) { return Promise.reject(new ReferenceError('r')); }",
                RUNTIME_EXCEPTION,
                "r",
            ),
            (
                "function lambda(i, cb) { undefinedName; }",
                RUNTIME_EXCEPTION,
                "undefinedName is not defined",
            ),
            (
                "function lambda(i, cb) { JSON.parse('{'); }",
                RUNTIME_EXCEPTION,
                "",
            ),
            (
                "function lambda(i, cb) { throw new Error('e'); }",
                CUSTOM_FAILURE,
                "e",
            ),
            (
                "function lambda(i, cb) { cb(new RangeError('g')); }",
                CUSTOM_FAILURE,
                "g",
            ),
            (
                "class Mine extends TypeError {}\nfunction lambda(i, cb) { cb(new Mine('sub')); }",
                CUSTOM_FAILURE,
                "sub",
            ),
            (
                "function lambda(i, cb) { return Promise.reject(new Error('p')); }",
                CUSTOM_FAILURE,
                "p",
            ),
        ];
        for (code, expected, message) in cases {
            let error = err_on(engine, code);
            assert_eq!(error.code, expected, "{engine:?} {code}");
            if !message.is_empty() {
                assert_eq!(error.message, message, "{engine:?} {code}");
            }
        }
    }
}

#[test]
fn runtime_errors_carry_v8_s_message_and_where_they_happened() {
    for engine in engines() {
        let code = "function lambda(input, callback) {\n  const x = input.payload.nope.deeper;\n}";
        let error = err_on(engine, code);
        assert_eq!(error.code, RUNTIME_EXCEPTION);
        assert_eq!(
            error.message,
            "Cannot read properties of undefined (reading 'deeper')"
        );
        assert_eq!(error.name.as_deref(), Some("TypeError"));
        assert_eq!(error.line, Some(2), "{engine:?} {error:?}");
        let code = "function lambda(input, callback) {\n  input.payload.skillName.nope(1);\n}";
        assert_eq!(
            err_on(engine, code).message,
            "input.payload.skillName.nope is not a function",
            "{engine:?}"
        );
    }
}

#[test]
fn values_that_are_not_errors_follow_lpf_s_incorrect_format_rule() {
    for engine in engines() {
        let run = run_on(engine, "function lambda(i, cb) { cb('plain text'); }");
        let error = run.result.unwrap_err();
        assert_eq!(
            (error.code.as_str(), error.message.as_str()),
            (CUSTOM_FAILURE, "plain text")
        );
        assert!(run.notes.iter().any(|n| n.contains("incorrect format")));
        let error = err_on(engine, "function lambda(i, cb) { cb({code: 7}); }");
        assert_eq!(error.code, CUSTOM_FAILURE);
        assert_eq!(error.value, Some(json!({"code": 7})));
        // A falsy failure is not one in LivePerson's emulator: a success with an empty result.
        let run = run_on(engine, "function lambda(i, cb) { throw null; }");
        assert_eq!(run.result.unwrap(), json!(""), "{engine:?}");
        assert!(run.notes.iter().any(|n| n.contains("not an Error")));
    }
}

#[test]
fn throw_null_is_not_reported_as_memory_exceeded() {
    for engine in engines() {
        for code in [
            "function lambda(i, cb) { throw null; }",
            "async function lambda(i, cb) { await null; throw null; }",
        ] {
            let run = run_on(engine, code);
            assert!(
                !matches!(&run.result, Err(e) if e.code == MEMORY_EXCEEDED),
                "{engine:?} {code}: {:?}",
                run.result
            );
        }
    }
}

#[test]
fn console_has_the_platform_s_methods_only() {
    for engine in engines() {
        let error = err_on(
            engine,
            "function lambda(i, cb) { console.log('x'); cb(null, 1); }",
        );
        assert_eq!(error.code, RUNTIME_EXCEPTION);
        assert_eq!(error.message, "console.log is not a function", "{engine:?}");
        let run = run_on(
            engine,
            "function lambda(i, cb) { console.debug('d'); console.info('i', {a: 1}); console.warn(2); console.error('e'); cb(null, 0); }",
        );
        let levels: Vec<_> = run.logs.iter().map(|l| l.level).collect();
        assert_eq!(
            levels,
            [
                LogLevel::Debug,
                LogLevel::Info,
                LogLevel::Warn,
                LogLevel::Error
            ]
        );
        assert_eq!(run.logs[1].message, "i {\"a\":1}");
        assert_eq!(run.logs[1].value, Some(json!("i")));
        assert_eq!(run.logs[1].extras, vec![json!({"a": 1})]);
        // The top level has Node's console; its lines are not the invocation's logs.
        let run = run_on(
            engine,
            "console.log('loading');\nfunction lambda(i, cb) { cb(null, 1); }",
        );
        assert_eq!(run.result.unwrap(), json!(1));
        assert!(run.logs.is_empty());
        assert!(
            run.notes.iter().any(|n| n.contains("loading")),
            "{:?}",
            run.notes
        );
    }
}

#[test]
fn at_most_ten_lines_and_six_thousand_characters_are_kept() {
    for engine in engines() {
        let run = run_on(
            engine,
            "function lambda(i, cb) { for (let n = 0; n < 13; n++) console.info('line ' + n); cb(null, 1); }",
        );
        assert_eq!(run.logs.len(), 10);
        assert_eq!(run.logs_dropped, 3);
        assert!(
            run.logs_note()
                .unwrap()
                .starts_with("3 more log lines dropped")
        );
        let run = run_on(
            engine,
            "function lambda(i, cb) { console.info('a'.repeat(5000)); console.info('b'.repeat(5000)); cb(null, 1); }",
        );
        let kept = |l: &LogLine| l.message.split('…').next().unwrap_or("").chars().count();
        let total: usize = run.logs.iter().map(kept).sum();
        assert_eq!(total, 6000, "{engine:?}");
        assert!(run.logs_cut);
    }
}

#[test]
fn a_200_mb_log_line_is_cut_not_an_engine_error() {
    // QuickJS only: the line is built inside the 256 MiB limit and must not cross to the host.
    let run = run_on(
        LocalEngine::QuickJs,
        "function lambda(i, cb) { const s = 'x'.repeat(200 * 1024 * 1024); console.info(s); cb(null, s.length); }",
    );
    assert_eq!(run.result.unwrap(), json!(200 * 1024 * 1024));
    assert_eq!(run.logs.len(), 1);
    assert!(run.logs[0].message.len() < 7_000);
}

#[test]
fn timers_wait_in_real_time_and_agree_with_date_now() {
    for engine in engines() {
        let code = "const start = Date.now();\nfunction lambda(i, cb) { setTimeout(() => cb(null, Date.now() - start), 120); }";
        let elapsed = ok_on(engine, code).as_f64().unwrap();
        assert!(elapsed >= 119.0, "{engine:?}: {elapsed}");
        // Polling until a deadline ends when the deadline passes.
        let code = "function lambda(i, cb) { const until = Date.now() + 80; let n = 0;\n  const tick = () => { n++; if (Date.now() >= until) cb(null, n); else setTimeout(tick, 10); }; tick(); }";
        assert!(ok_on(engine, code).as_u64().unwrap() >= 2);
        let code = "function lambda(i, cb) { let n = 0; const t = setInterval(() => { if (++n === 3) { clearInterval(t); cb(null, n); } }, 5); }";
        assert_eq!(ok_on(engine, code), json!(3));
    }
}

#[test]
fn the_time_limit_stops_a_loop_and_names_one_limit() {
    for engine in engines() {
        let mut opts = options(engine, Runtime::V1);
        opts.limits.timeout = Duration::from_millis(300);
        let started = Instant::now();
        let error = run_with(&opts, "function lambda(i, cb) { while (true) {} }")
            .result
            .unwrap_err();
        assert!(started.elapsed() < Duration::from_secs(5));
        assert_eq!(error.code, EXECUTION_TIME_EXCEEDED);
        assert_eq!(
            error.message,
            "the function ran longer than its time limit (300 ms)"
        );
        let error = run_with(
            &opts,
            "function lambda(i, cb) { setTimeout(() => cb(null, 1), 5000); }",
        )
        .result
        .unwrap_err();
        assert_eq!(error.code, EXECUTION_TIME_EXCEEDED, "{engine:?}");
    }
    assert_eq!(
        quickjs::time_limit_error(&LocalOptions::default()).message,
        "the function ran longer than the platform's time limit (30 s)"
    );
}

#[test]
fn cancel_stops_a_run() {
    for engine in engines() {
        let cancel = Arc::new(AtomicBool::new(false));
        let flag = Arc::clone(&cancel);
        let stopper = std::thread::Builder::new()
            .name("stopper".into())
            .spawn(move || {
                std::thread::sleep(Duration::from_millis(200));
                flag.store(true, Ordering::Relaxed);
            })
            .unwrap();
        let run = run_function_value(
            "function lambda(i, cb) { while (true) {} }",
            &envelope(),
            &options(engine, Runtime::V1),
            cancel,
        );
        stopper.join().unwrap();
        assert_eq!(run.result.unwrap_err().code, CANCELLED, "{engine:?}");
    }
}

#[test]
fn syntax_errors_say_where_before_anything_runs() {
    for engine in engines() {
        let error = err_on(
            engine,
            "function lambda(input, callback) {\n  const x = ;\n}",
        );
        assert_eq!(error.code, SYNTAX_ERROR, "{engine:?}");
        assert_eq!(error.line, Some(2), "{engine:?} {error:?}");
        assert!(error.column.is_some());
    }
}

#[test]
fn eval_and_new_function_are_refused_as_the_platform_refuses_them() {
    for engine in engines() {
        for code in [
            "function lambda(i, cb) { cb(null, eval('1 + 1')); }",
            "function lambda(i, cb) { cb(null, new Function('return 1')()); }",
            "function lambda(i, cb) { cb(null, (async function () {}).constructor('return 1')); }",
        ] {
            let error = err_on(engine, code);
            assert_eq!(
                error.message, "Code generation from strings disallowed for this context",
                "{engine:?} {code}"
            );
        }
    }
}

#[test]
fn the_memory_limit_stops_a_function_that_allocates_too_much() {
    let mut opts = options(LocalEngine::QuickJs, Runtime::V1);
    opts.limits.memory_bytes = 32 * 1024 * 1024;
    let run = run_with(
        &opts,
        "function lambda(i, cb) { const a = []; while (true) a.push(new Array(10000).fill(1)); }",
    );
    let error = run.result.unwrap_err();
    assert_eq!(error.code, MEMORY_EXCEEDED, "{error:?}");
    assert_eq!(
        error.message,
        "the function used more than its 32 MiB memory limit"
    );
    if node::available() {
        let mut opts = options(LocalEngine::Node, Runtime::V1);
        opts.limits.memory_bytes = 64 * 1024 * 1024;
        let run = run_with(
            &opts,
            "function lambda(i, cb) { const b = Buffer.alloc(400 * 1024 * 1024, 1); setTimeout(() => cb(null, b.length), 2000); }",
        );
        assert_eq!(run.result.unwrap_err().code, MEMORY_EXCEEDED);
    }
}

#[test]
fn an_uncaught_error_in_a_timer_or_an_unhandled_rejection_fails_the_run() {
    for engine in engines() {
        let run = run_on(
            engine,
            "function lambda(i, cb) { setTimeout(() => { null.x; }, 1); }",
        );
        let error = run.result.unwrap_err();
        assert_eq!(error.code, RUNTIME_EXCEPTION, "{engine:?}");
        assert_eq!(
            error.message,
            "Cannot read properties of null (reading 'x')"
        );
        assert!(run.notes.iter().any(|n| n.contains("outside the call")));
        let error = err_on(
            engine,
            "function lambda(i, cb) { Promise.reject(new Error('lost')); }",
        );
        assert_eq!(
            (error.code.as_str(), error.message.as_str()),
            (CUSTOM_FAILURE, "lost")
        );
    }
}

#[test]
fn a_warm_function_keeps_its_globals_but_not_its_timers() {
    let opts = options(LocalEngine::QuickJs, Runtime::V1);
    let mut function = LocalFunction::compile(
        "let calls = 0;\nfunction lambda(i, cb) { calls++; setTimeout(() => {}, 100000); cb(null, calls); }",
        &opts,
    )
    .unwrap();
    let input = serde_json::to_vec(&envelope()).unwrap();
    for n in 1..=3 {
        let run = function.call(&input, Arc::new(AtomicBool::new(false)));
        assert_eq!(run.result.unwrap(), json!(n));
    }
}

#[test]
fn a_lambda_that_is_not_a_function_says_so_in_v8_s_words() {
    for engine in engines() {
        let error = err_on(engine, "const lambda = 42;");
        assert_eq!(error.code, RUNTIME_EXCEPTION);
        assert_eq!(error.message, "lambda is not a function", "{engine:?}");
    }
}

#[test]
fn the_function_cannot_reach_the_machine_through_the_host_s_objects() {
    for engine in engines() {
        for code in [
            "function lambda(i, cb) { cb(null, Buffer.constructor('return process')().pid); }",
            "function lambda(i, cb) { cb(null, setTimeout.constructor('return process')().pid); }",
            "function lambda(i, cb) { cb(null, typeof require('child_process').exec); }",
            "function lambda(i, cb) { cb(null, process.binding ? process.binding('fs') : 'none'); }",
        ] {
            let run = run_on(engine, code);
            match &run.result {
                Ok(value) => assert_eq!(value, &json!("none"), "{engine:?} {code}"),
                Err(error) => assert!(
                    error.code == CUSTOM_FAILURE || error.code == RUNTIME_EXCEPTION,
                    "{engine:?} {code}: {error:?}"
                ),
            }
        }
        // Deep recursion is the function's error, not a crash of the engine.
        let error = err_on(
            engine,
            "function f(n) { return f(n + 1) + 1; }\nfunction lambda(i, cb) { cb(null, f(0)); }",
        );
        assert!(error.message.contains("stack"), "{engine:?} {error:?}");
    }
}

#[test]
fn a_configured_timeout_above_the_platform_s_is_cut_to_30_s() {
    let target = crate::invoke::Target::from_config(
        crate::catalog::EventId::MessagingSurveyEnded,
        &crate::functions::FunctionConfig {
            timeout_ms: 600_000,
            endpoint: crate::functions::Endpoint::Local(crate::functions::LocalEndpoint::default()),
            ..crate::functions::FunctionConfig::default()
        },
    );
    let options =
        crate::invoke::local_options(&target, &crate::invoke::SessionSecrets::default()).unwrap();
    assert_eq!(options.limits.timeout, LocalLimits::DEFAULT_TIMEOUT);
}
