//! Tests of the local runtime: shapes, errors, limits, sandbox, timers, the bundled templates.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::errors::{
    CANCELLED, CUSTOM_FAILURE, EXECUTION_TIME_EXCEEDED, MEMORY_EXCEEDED, RUNTIME_EXCEPTION,
    SANDBOX_FILE, SYNTAX_ERROR,
};
use super::*;

fn envelope() -> Value {
    json!({"timestamp": 1, "headers": [], "payload": {"csatRank": 2, "skillName": "CustomerCare"}})
}

fn no_cancel() -> Arc<AtomicBool> {
    Arc::new(AtomicBool::new(false))
}

fn limits_ms(ms: u64) -> LocalLimits {
    LocalLimits::with_timeout(Duration::from_millis(ms))
}

fn run(code: &str) -> LocalRun {
    run_function(code, &envelope(), &limits_ms(5_000), no_cancel())
}

fn ok(code: &str) -> Value {
    let run = run(code);
    match run.result {
        Ok(value) => value,
        Err(err) => panic!("expected a result, got {err:#?}"),
    }
}

fn err(code: &str) -> LocalError {
    let run = run(code);
    match run.result {
        Ok(value) => panic!("expected an error, got {value}"),
        Err(err) => err,
    }
}

// Shapes.

#[test]
fn module_exports_calls_back_with_the_result() {
    let run = run("module.exports = (data, cb) => { cb(null, {skill: data.payload.skillName}); };");
    assert_eq!(run.shape, Some(FunctionShape::ModuleExports));
    assert_eq!(run.result.unwrap(), json!({"skill": "CustomerCare"}));
}

#[test]
fn lambda_with_a_callback_is_called_with_the_envelope() {
    let run = run("function lambda(input, callback) { callback(null, input.headers); }");
    assert_eq!(run.shape, Some(FunctionShape::LambdaCallback));
    assert_eq!(run.result.unwrap(), json!([]));
}

#[test]
fn async_lambda_is_awaited_through_the_job_queue() {
    let code = r#"
        const later = (v) => new Promise((resolve) => resolve(v));
        async function lambda(input) {
            const a = await later(input.payload.csatRank);
            const b = await Promise.all([later(1), later(2)]);
            return {a, b};
        }"#;
    let run = run(code);
    assert_eq!(run.shape, Some(FunctionShape::AsyncLambda));
    assert_eq!(run.result.unwrap(), json!({"a": 2, "b": [1, 2]}));
}

#[test]
fn async_lambda_returning_nothing_gives_null() {
    assert_eq!(ok("async function lambda(input) {}"), Value::Null);
}

#[test]
fn async_module_exports_may_return_its_result() {
    assert_eq!(
        ok("module.exports = async (data) => [data.timestamp];"),
        json!([1])
    );
}

#[test]
fn results_convert_to_json() {
    assert_eq!(
        ok("module.exports = (d, cb) => cb(null, 'ok');"),
        json!("ok")
    );
    assert_eq!(ok("module.exports = (d, cb) => cb(null, 1.5);"), json!(1.5));
    assert_eq!(
        ok("module.exports = (d, cb) => cb(null, true);"),
        json!(true)
    );
    assert_eq!(
        ok("module.exports = (d, cb) => cb(null, null);"),
        Value::Null
    );
    assert_eq!(ok("module.exports = (d, cb) => cb();"), Value::Null);
    assert_eq!(
        ok("module.exports = (d, cb) => cb(null, {b: 1, a: [undefined, () => 1], f: () => 1});"),
        json!({"b": 1, "a": [null, null]})
    );
}

#[test]
fn only_the_first_callback_counts() {
    assert_eq!(
        ok("module.exports = (d, cb) => { cb(null, 1); cb(null, 2); cb(new Error('late')); };"),
        json!(1)
    );
}

#[test]
fn a_result_that_is_not_json_is_a_runtime_exception() {
    let error = err("module.exports = (d, cb) => { const o = {}; o.self = o; cb(null, o); };");
    assert_eq!(error.code, RUNTIME_EXCEPTION);
    assert!(
        error
            .message
            .starts_with("the result cannot be converted to JSON"),
        "{error:?}"
    );
}

#[test]
fn code_without_a_function_says_which_shapes_work() {
    let error = err("const x = 1;");
    assert_eq!(error.code, RUNTIME_EXCEPTION);
    assert!(
        error.message.contains("async function lambda(input)"),
        "{error:?}"
    );
}

// Errors.

#[test]
fn a_syntax_error_has_its_line_and_column() {
    let run = run("module.exports = (data, cb) => {\n  let x = ;\n};");
    assert_eq!(run.shape, None);
    let error = run.result.unwrap_err();
    assert_eq!(error.code, SYNTAX_ERROR);
    assert!(error.message.starts_with("SyntaxError"), "{error:?}");
    assert_eq!(error.line, Some(2), "{error:?}");
    assert!(
        error.column.is_some_and(|c| (9..=11).contains(&c)),
        "{error:?}"
    );
}

#[test]
fn a_syntax_error_thrown_by_running_code_is_a_runtime_exception() {
    let error = err("module.exports = (d, cb) => cb(null, JSON.parse('{'));");
    assert_eq!(error.code, RUNTIME_EXCEPTION);
    assert!(error.message.starts_with("SyntaxError"), "{error:?}");
}

#[test]
fn a_string_too_long_is_a_runtime_exception() {
    let error = err("module.exports = () => { let s = 'xy'; for (;;) s = s + s; };");
    assert_eq!(error.code, RUNTIME_EXCEPTION);
    assert_eq!(error.message, "InternalError: string too long");
    let stack = error.stack.unwrap();
    assert!(!stack.contains(SANDBOX_FILE), "{stack}");
    assert!(stack.contains("function.js:1:"), "{stack}");
}

#[test]
fn a_throw_is_a_runtime_exception_with_message_and_stack() {
    let code = "function check(p) {\n  throw new TypeError('no csatRank in ' + p.skillName);\n}\nmodule.exports = (data, cb) => { check(data.payload); };";
    let error = err(code);
    assert_eq!(error.code, RUNTIME_EXCEPTION);
    assert_eq!(error.message, "TypeError: no csatRank in CustomerCare");
    let stack = error.stack.as_deref().unwrap_or_default();
    assert!(stack.contains("check"), "{stack}");
    assert!(stack.contains("function.js:2"), "{stack}");
    assert_eq!(error.line, Some(2));
}

#[test]
fn a_thrown_plain_value_is_a_runtime_exception() {
    let error = err("module.exports = () => { throw 'bad input'; };");
    assert_eq!(
        (error.code.as_str(), error.message.as_str()),
        (RUNTIME_EXCEPTION, "bad input")
    );
    let error = err("module.exports = () => { throw {code: 7}; };");
    assert_eq!(error.message, r#"{"code":7}"#);
    // QuickJS throws null when it runs out of memory, so a null thrown is read as that.
    let error = err("module.exports = () => { throw null; };");
    assert_eq!(error.code, MEMORY_EXCEEDED);
    assert!(
        error.message.contains("or the function threw null itself"),
        "{error:?}"
    );
    let error = err("module.exports = () => { throw undefined; };");
    assert_eq!(
        (error.code.as_str(), error.message.as_str()),
        (RUNTIME_EXCEPTION, "undefined")
    );
}

#[test]
fn a_throw_at_the_top_level_is_a_runtime_exception() {
    let error = err("throw new Error('top');");
    assert_eq!(
        (error.code.as_str(), error.message.as_str()),
        (RUNTIME_EXCEPTION, "top")
    );
}

#[test]
fn a_callback_error_is_a_custom_failure() {
    let error = err("module.exports = (d, cb) => cb(new Error('no agent'));");
    assert_eq!(
        (error.code.as_str(), error.message.as_str()),
        (CUSTOM_FAILURE, "no agent")
    );
    let error = err("function lambda(input, callback) { callback('plain text'); }");
    assert_eq!(
        (error.code.as_str(), error.message.as_str()),
        (CUSTOM_FAILURE, "plain text")
    );
}

#[test]
fn a_callback_never_called_is_a_custom_failure() {
    let error = err("module.exports = (data, cb) => { console.info('forgot'); };");
    assert_eq!(error.code, CUSTOM_FAILURE);
    assert_eq!(error.message, "did not call callback");
    let error = err("async function lambda(input) { await new Promise(() => {}); }");
    assert_eq!(error.code, CUSTOM_FAILURE);
    assert!(error.message.starts_with("did not call callback"));
}

#[test]
fn an_async_rejection_is_a_runtime_exception() {
    let error = err("async function lambda(input) { await null; throw new RangeError('late'); }");
    assert_eq!(
        (error.code.as_str(), error.message.as_str()),
        (RUNTIME_EXCEPTION, "RangeError: late")
    );
    let error = err("async function lambda(input) { return Promise.reject(new Error('nope')); }");
    assert_eq!(error.message, "nope");
}

#[test]
fn deep_recursion_is_an_error_not_a_crash() {
    let error =
        err("function f(n) { return f(n + 1) + 1; }\nmodule.exports = (d, cb) => cb(null, f(0));");
    assert_eq!(error.code, RUNTIME_EXCEPTION);
    assert!(error.message.contains("stack"), "{error:?}");
}

// Limits.

#[test]
fn an_infinite_loop_stops_within_50_ms_of_the_limit() {
    let limit = Duration::from_millis(200);
    let code = "module.exports = (d, cb) => { let i = 0; while (true) { i++; } };";
    let mut function = LocalFunction::compile(code, &LocalLimits::with_timeout(limit)).unwrap();
    // Best of three runs: a busy machine may deschedule the test thread, but an interrupt that
    // fires late fails every run. Each run must still end within a second of the limit.
    let mut overshoots = Vec::new();
    for _ in 0..3 {
        let started = Instant::now();
        let run = function.call(&envelope(), no_cancel());
        let elapsed = started.elapsed();
        let error = run.result.unwrap_err();
        assert_eq!(error.code, EXECUTION_TIME_EXCEEDED);
        assert!(error.message.contains("200 ms"), "{error:?}");
        assert!(elapsed >= limit, "{elapsed:?}");
        assert!(elapsed < limit + Duration::from_secs(1), "{elapsed:?}");
        overshoots.push(elapsed - limit);
    }
    let best = overshoots.iter().min().copied().unwrap_or_default();
    assert!(best < Duration::from_millis(50), "{overshoots:?}");
}

#[test]
fn a_loop_that_catches_everything_still_stops() {
    let code = "module.exports = () => { for (;;) { try { for (;;) {} } catch (e) {} finally { continue; } } };";
    let run = run_function(code, &envelope(), &limits_ms(100), no_cancel());
    assert_eq!(run.result.unwrap_err().code, EXECUTION_TIME_EXCEEDED);
    assert!(
        run.duration < Duration::from_millis(150),
        "{:?}",
        run.duration
    );
}

#[test]
fn an_endless_promise_chain_stops_at_the_limit() {
    let code =
        "const spin = () => Promise.resolve().then(spin);\nmodule.exports = () => { spin(); };";
    let run = run_function(code, &envelope(), &limits_ms(100), no_cancel());
    assert_eq!(run.result.unwrap_err().code, EXECUTION_TIME_EXCEEDED);
}

#[test]
fn a_top_level_loop_stops_at_the_limit() {
    let run = run_function("while (true) {}", &envelope(), &limits_ms(100), no_cancel());
    assert_eq!(run.result.unwrap_err().code, EXECUTION_TIME_EXCEEDED);
}

#[test]
fn the_cancel_flag_stops_an_infinite_loop() {
    let cancel = no_cancel();
    let flag = Arc::clone(&cancel);
    let setter = std::thread::Builder::new()
        .name("setter".into())
        .spawn(move || {
            std::thread::sleep(Duration::from_millis(100));
            flag.store(true, Ordering::Relaxed);
        })
        .unwrap();
    let started = Instant::now();
    let run = run_function(
        "module.exports = () => { for (;;) {} };",
        &envelope(),
        &LocalLimits::default(),
        cancel,
    );
    let elapsed = started.elapsed();
    setter.join().unwrap();
    assert_eq!(run.result.unwrap_err().code, CANCELLED);
    assert!(elapsed < Duration::from_secs(2), "{elapsed:?}");
}

#[test]
fn a_cancel_flag_set_before_the_call_stops_it_at_once() {
    let cancel = Arc::new(AtomicBool::new(true));
    let run = run_function(
        "module.exports = (d, cb) => cb(null, 1);",
        &envelope(),
        &LocalLimits::default(),
        cancel,
    );
    assert_eq!(run.result.unwrap_err().code, CANCELLED);
}

fn memory_limited(code: &str) -> LocalRun {
    let limits = LocalLimits {
        memory_bytes: 32 * 1024 * 1024,
        ..limits_ms(10_000)
    };
    run_function(code, &envelope(), &limits, no_cancel())
}

#[test]
fn an_allocation_loop_exceeds_the_memory_limit() {
    for code in [
        "module.exports = () => { const all = []; for (;;) all.push(new Array(200000).fill(7)); };",
        "const kept = [];\nmodule.exports = () => { for (;;) kept.push({n: kept.length, s: 'x' + kept.length}); };",
        "module.exports = () => { const parts = []; for (;;) parts.push('x'.repeat(100000) + parts.length); };",
        "async function lambda() { const all = []; for (;;) { all.push(new Array(1000).fill(1)); } }",
    ] {
        let run = memory_limited(code);
        let error = run.result.unwrap_err();
        assert_eq!(error.code, MEMORY_EXCEEDED, "{code}: {error:?}");
        assert!(error.message.contains("32 MiB"), "{error:?}");
    }
}

#[test]
fn a_function_that_catches_out_of_memory_is_still_reported() {
    let code = "module.exports = (d, cb) => { try { const a = []; for (;;) a.push(new Array(200000).fill(1)); } catch (e) { cb(e); } };";
    assert_eq!(
        memory_limited(code).result.unwrap_err().code,
        MEMORY_EXCEEDED
    );
}

#[test]
fn a_warm_function_runs_again_after_running_out_of_memory() {
    let code = "module.exports = (d, cb) => { if (d.big) { const a = []; for (;;) a.push(new Array(10000).fill(1)); } cb(null, 'fine'); };";
    let limits = LocalLimits {
        memory_bytes: 32 * 1024 * 1024,
        ..limits_ms(10_000)
    };
    let mut function = LocalFunction::compile(code, &limits).unwrap();
    let first = function.call(&json!({"big": true}), no_cancel());
    assert_eq!(first.result.unwrap_err().code, MEMORY_EXCEEDED);
    let second = function.call(&json!({"big": false}), no_cancel());
    assert_eq!(second.result.unwrap(), json!("fine"));
}

#[test]
fn logs_keep_ten_lines_with_their_levels_and_count_the_rest() {
    let code = r#"module.exports = (d, cb) => {
        const levels = ['debug', 'info', 'warn', 'error', 'log'];
        for (let i = 0; i < 15; i++) console[levels[i % 5]]('line', i, {i});
        cb(null, 'ok');
    };"#;
    let run = run(code);
    assert_eq!(run.logs.len(), 10);
    assert_eq!(run.logs_dropped, 5);
    let levels: Vec<&str> = run.logs.iter().map(|l| l.level.as_str()).collect();
    assert_eq!(
        levels,
        [
            "debug", "info", "warn", "error", "info", "debug", "info", "warn", "error", "info"
        ]
    );
    assert_eq!(run.logs[3].message, r#"line 3 {"i":3}"#);
    assert_eq!(
        run.logs_note().unwrap(),
        "5 more log lines dropped: at most 10 are kept per invocation"
    );
}

#[test]
fn log_arguments_are_formatted_like_console() {
    let code = r#"module.exports = (d, cb) => {
        const loop = {}; loop.loop = loop;
        console.info('a', 1, true, null, undefined, [1, 'x'], new Error('e'), loop);
        cb(null, 'ok');
    };"#;
    let run = run(code);
    assert_eq!(run.logs_dropped, 0);
    assert_eq!(run.logs_note(), None);
    assert_eq!(
        run.logs[0].message,
        r#"a 1 true null undefined [1,"x"] Error: e [object Object]"#
    );
}

#[test]
fn top_level_logs_come_with_the_first_call() {
    let code = "console.warn('loading');\nmodule.exports = (d, cb) => { console.info('called'); cb(null, 1); };";
    let mut function = LocalFunction::compile(code, &LocalLimits::default()).unwrap();
    let first = function.call(&envelope(), no_cancel());
    let messages: Vec<&str> = first.logs.iter().map(|l| l.message.as_str()).collect();
    assert_eq!(messages, ["loading", "called"]);
    let second = function.call(&envelope(), no_cancel());
    assert_eq!(second.logs.len(), 1);
}
