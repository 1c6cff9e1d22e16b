//! A compiled function kept warm in its own QuickJS runtime, and the loop that drives one call:
//! the call itself, then promise jobs and timers until the function answers, fails, or runs out
//! of time.

use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use rquickjs::context::EvalOptions;
use rquickjs::{Array, Context, Ctx, Function, Object, Persistent, Runtime};
use serde_json::Value;

use super::errors::{self, CODE_FILE, Described, LocalError};
use super::sandbox::{self, Guard, LogSink, Trip};
use super::{FunctionShape, LocalLimits, LocalRun};

/// Native stack QuickJS may use before it throws "stack overflow"; well under the 2 MiB of a
/// Rust thread, so deep recursion is a JavaScript error, never a crash.
const MAX_STACK_BYTES: usize = 768 * 1024;

/// Size of the probe that tells a thrown `null` from QuickJS's out-of-memory `null`.
const OOM_PROBE_BYTES: usize = 1024 * 1024;

/// A function compiled into its own runtime, ready to be called again and again (warm calls).
/// Globals the code keeps survive between calls, as on the platform; timers left when a call
/// ends are dropped. Not `Send`: make and call it on one thread.
pub struct LocalFunction {
    // The JavaScript values come first: fields drop in order, and they must go before the
    // context and the runtime that own them.
    entry: Persistent<Function<'static>>,
    control: Persistent<Object<'static>>,
    context: Context,
    runtime: Runtime,
    guard: Rc<Guard>,
    sink: Rc<RefCell<LogSink>>,
    shape: FunctionShape,
    limits: LocalLimits,
}

impl fmt::Debug for LocalFunction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalFunction")
            .field("shape", &self.shape)
            .field("limits", &self.limits)
            .finish_non_exhaustive()
    }
}

impl LocalFunction {
    /// Compiles `code` and runs its top level (within the time limit), finding the function it
    /// defines. Log lines the top level writes are reported with the first call.
    pub fn compile(code: &str, limits: &LocalLimits) -> Result<Self, LocalError> {
        Self::compile_with_cancel(code, limits, Arc::new(AtomicBool::new(false))).map_err(|run| {
            let run = *run;
            run.result
                .err()
                .unwrap_or_else(|| LocalError::new(errors::ENGINE_ERROR, "compile failed"))
        })
    }

    /// [`Self::compile`] with a cancel flag for the top level; a failure comes back as the run
    /// it was, with the log lines written before it.
    pub fn compile_with_cancel(
        code: &str,
        limits: &LocalLimits,
        cancel: Arc<AtomicBool>,
    ) -> Result<Self, Box<LocalRun>> {
        let started = Instant::now();
        let engine_failure = |what: &str, err: rquickjs::Error| {
            Box::new(LocalRun::failed(
                LocalError::new(errors::ENGINE_ERROR, format!("{what}: {err}")),
                started,
            ))
        };
        let runtime =
            Runtime::new().map_err(|e| engine_failure("cannot start the JavaScript engine", e))?;
        runtime.set_memory_limit(limits.memory_bytes);
        runtime.set_max_stack_size(MAX_STACK_BYTES);
        let guard = Rc::new(Guard::new());
        let interrupt = Rc::clone(&guard);
        runtime.set_interrupt_handler(Some(Box::new(move || interrupt.check().is_some())));
        let context = Context::full(&runtime)
            .map_err(|e| engine_failure("cannot create a JavaScript context", e))?;
        let sink = Rc::new(RefCell::new(LogSink {
            max: limits.max_log_lines,
            ..LogSink::default()
        }));

        guard.arm(limits.timeout, cancel);
        let loaded = context.with(|ctx| load(&ctx, code, &guard, &sink, limits.memory_bytes));
        guard.disarm();
        match loaded {
            Ok((shape, entry, control)) => Ok(Self {
                entry,
                control,
                context,
                runtime,
                guard,
                sink,
                shape,
                limits: *limits,
            }),
            Err((error, shape)) => {
                let (logs, logs_dropped) = take_logs(&sink);
                Err(Box::new(LocalRun {
                    result: Err(error),
                    logs,
                    logs_dropped,
                    duration: started.elapsed(),
                    shape,
                }))
            }
        }
    }

    /// The shape of the compiled function.
    pub fn shape(&self) -> FunctionShape {
        self.shape
    }

    /// The limits the function was compiled with (each call gets the full time limit).
    pub fn limits(&self) -> &LocalLimits {
        &self.limits
    }

    /// Calls the function with `input` (the envelope) and drives it to its answer, within the
    /// time limit; setting `cancel` stops it.
    pub fn call(&mut self, input: &Value, cancel: Arc<AtomicBool>) -> LocalRun {
        self.call_within(input, cancel, self.limits.timeout)
    }

    /// [`Self::call`] with what is left of the time limit (after a cold start's top level);
    /// errors still name the full limit.
    pub(crate) fn call_within(
        &mut self,
        input: &Value,
        cancel: Arc<AtomicBool>,
        left: Duration,
    ) -> LocalRun {
        let started = Instant::now();
        let input_json = serde_json::to_string(input).unwrap_or_else(|_| "null".to_owned());
        self.guard.arm(left, cancel);
        let result = self.context.with(|ctx| self.drive(&ctx, &input_json));
        self.guard.disarm();
        let result = result.map_err(|failure| self.settle(failure));
        if result.is_err() {
            // Free what a failed call left behind (cycles included) before the next one.
            self.runtime.run_gc();
        }
        let (logs, logs_dropped) = take_logs(&self.sink);
        LocalRun {
            result,
            logs,
            logs_dropped,
            duration: started.elapsed(),
            shape: Some(self.shape),
        }
    }

    /// One call inside the context: invoke, then jobs and timers until the state is done.
    fn drive(&self, ctx: &Ctx<'_>, input_json: &str) -> Result<Value, Failure> {
        let memory_limit = self.limits.memory_bytes;
        let fail = |err: rquickjs::Error, code: &str| {
            failure(ctx, &self.guard, None, err, code, memory_limit)
        };
        let control = self
            .control
            .clone()
            .restore(ctx)
            .map_err(|e| fail(e, errors::ENGINE_ERROR))?;
        let entry = self
            .entry
            .clone()
            .restore(ctx)
            .map_err(|e| fail(e, errors::ENGINE_ERROR))?;
        let fail = |err: rquickjs::Error, code: &str| {
            failure(ctx, &self.guard, Some(&control), err, code, memory_limit)
        };
        let input = ctx
            .json_parse(input_json)
            .map_err(|e| fail(e, errors::RUNTIME_EXCEPTION))?;
        let invoke: Function = control
            .get("invoke")
            .map_err(|e| fail(e, errors::ENGINE_ERROR))?;
        let next_due: Function = control
            .get("nextDue")
            .map_err(|e| fail(e, errors::ENGINE_ERROR))?;
        let run_next: Function = control
            .get("runNext")
            .map_err(|e| fail(e, errors::ENGINE_ERROR))?;
        let awaits = self.shape == FunctionShape::AsyncLambda;
        let state: Object = invoke
            .call((entry, input, awaits))
            .map_err(|e| fail(e, errors::RUNTIME_EXCEPTION))?;

        let done = |state: &Object| state.get::<_, bool>("done").unwrap_or(false);
        loop {
            if let Some(trip) = self.guard.check() {
                return Err(Failure::Trip(trip, None));
            }
            if done(&state) {
                break;
            }
            while ctx.execute_pending_job() {
                if let Some(trip) = self.guard.check() {
                    return Err(Failure::Trip(trip, None));
                }
                if done(&state) {
                    break;
                }
            }
            if done(&state) {
                break;
            }
            let due: f64 = next_due
                .call(())
                .map_err(|e| fail(e, errors::ENGINE_ERROR))?;
            if due < 0.0 {
                let message = if awaits {
                    "did not call callback: the promise lambda returned never settled"
                } else {
                    "did not call callback"
                };
                return Err(Failure::Error(LocalError::new(
                    errors::CUSTOM_FAILURE,
                    message,
                )));
            }
            if !self.guard.skip_to(due) {
                return Err(Failure::Trip(Trip::Timeout, Some(due)));
            }
            run_next
                .call::<_, ()>(())
                .map_err(|e| fail(e, errors::RUNTIME_EXCEPTION))?;
        }

        let kind: String = state.get("kind").unwrap_or_default();
        match kind.as_str() {
            "result" => {
                let value: rquickjs::Value = state
                    .get("value")
                    .map_err(|e| fail(e, errors::RUNTIME_EXCEPTION))?;
                to_json(ctx, value).map_err(|e| match e {
                    ToJson::Js(err) => match fail(err, errors::RUNTIME_EXCEPTION) {
                        Failure::Error(mut error) if error.code == errors::RUNTIME_EXCEPTION => {
                            error.message = format!(
                                "the result cannot be converted to JSON: {}",
                                error.message
                            );
                            Failure::Error(error)
                        }
                        other => other,
                    },
                    ToJson::Parse(message) => Failure::Error(LocalError::new(
                        errors::RUNTIME_EXCEPTION,
                        format!("the result cannot be converted to JSON: {message}"),
                    )),
                })
            }
            "callback-error" | "rejected" => {
                let code = if kind == "rejected" {
                    errors::RUNTIME_EXCEPTION
                } else {
                    errors::CUSTOM_FAILURE
                };
                let value: rquickjs::Value = state.get("error").map_err(|e| fail(e, code))?;
                Err(Failure::Error(describe_value(
                    ctx,
                    Some(&control),
                    value,
                    code,
                    memory_limit,
                )))
            }
            other => Err(Failure::Error(LocalError::new(
                errors::ENGINE_ERROR,
                format!("the call ended in an unknown state {other:?}"),
            ))),
        }
    }

    /// Turns a trip of the guard into the platform's error.
    fn settle(&self, failure: Failure) -> LocalError {
        settle(failure, self.limits.timeout)
    }
}

/// How a call or the top level failed: an error already read, or the guard's trip.
enum Failure {
    Error(LocalError),
    /// The guard tripped; for a timer past the limit, the timer's due time in ms.
    Trip(Trip, Option<f64>),
}

fn settle(failure: Failure, timeout: Duration) -> LocalError {
    let limit_ms = timeout.as_millis();
    match failure {
        Failure::Error(error) => error,
        Failure::Trip(Trip::Cancelled, _) => {
            LocalError::new(errors::CANCELLED, "the run was cancelled")
        }
        Failure::Trip(Trip::Timeout, None) => LocalError::new(
            errors::EXECUTION_TIME_EXCEEDED,
            format!("the function ran longer than its {limit_ms} ms limit"),
        ),
        Failure::Trip(Trip::Timeout, Some(due)) => LocalError::new(
            errors::EXECUTION_TIME_EXCEEDED,
            format!(
                "a timer due at {} ms would run after the function's {limit_ms} ms limit",
                due.round()
            ),
        ),
    }
}

/// The compiled function: its shape, the function itself and the sandbox's control object.
type Loaded = (
    FunctionShape,
    Persistent<Function<'static>>,
    Persistent<Object<'static>>,
);

/// Installs the sandbox, evaluates the code's top level and finds its function.
fn load(
    ctx: &Ctx<'_>,
    code: &str,
    guard: &Rc<Guard>,
    sink: &Rc<RefCell<LogSink>>,
    memory_limit: usize,
) -> Result<Loaded, (LocalError, Option<FunctionShape>)> {
    let timeout = guard.timeout();
    let control = sandbox::install(ctx, guard, sink).map_err(|e| {
        let failure = failure(ctx, guard, None, e, errors::ENGINE_ERROR, memory_limit);
        (settle(failure, timeout), None)
    })?;
    let fail = |err: rquickjs::Error, code: &str| {
        (
            settle(
                failure(ctx, guard, Some(&control), err, code, memory_limit),
                timeout,
            ),
            None,
        )
    };

    if let Some(at) = code.find('\0') {
        // QuickJS reads the code as a C string; a NUL would cut it short.
        let before = &code[..at];
        let line = before.matches('\n').count() + 1;
        let column = before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1;
        let mut error = LocalError::new(
            errors::SYNTAX_ERROR,
            "SyntaxError: the code contains a NUL character",
        );
        error.line = u32::try_from(line).ok();
        error.column = u32::try_from(column).ok();
        return Err((error, None));
    }
    let mut options = EvalOptions::default();
    options.strict = false;
    options.filename = Some(CODE_FILE.to_owned());
    if let Err(err) = ctx.eval_with_options::<(), _>(code.as_bytes().to_vec(), options) {
        let (mut error, shape) = fail(err, errors::RUNTIME_EXCEPTION);
        if is_parse_error(&error) {
            error.code = errors::SYNTAX_ERROR.to_owned();
        }
        return Err((error, shape));
    }
    // Promise jobs the top level started run now; timers it set are dropped at the first call.
    while ctx.execute_pending_job() {
        if let Some(trip) = guard.check() {
            return Err((settle(Failure::Trip(trip, None), timeout), None));
        }
    }

    let entry_fn: Function = control
        .get("entry")
        .map_err(|e| fail(e, errors::ENGINE_ERROR))?;
    let found: rquickjs::Value = entry_fn
        .call(())
        .map_err(|e| fail(e, errors::ENGINE_ERROR))?;
    let Some(found) = found.into_array() else {
        return Err((
            LocalError::new(
                errors::RUNTIME_EXCEPTION,
                format!(
                    "the code defines no function: write `{}`, `{}` or `{}`",
                    FunctionShape::ModuleExports.signature(),
                    FunctionShape::LambdaCallback.signature(),
                    FunctionShape::AsyncLambda.signature(),
                ),
            ),
            None,
        ));
    };
    let (shape, entry) = read_entry(&found).map_err(|e| fail(e, errors::ENGINE_ERROR))?;
    Ok((
        shape,
        Persistent::save(ctx, entry),
        Persistent::save(ctx, control),
    ))
}

fn read_entry<'js>(found: &Array<'js>) -> rquickjs::Result<(FunctionShape, Function<'js>)> {
    let name: String = found.get(0)?;
    let shape = match name.as_str() {
        "module-exports" => FunctionShape::ModuleExports,
        "async-lambda" => FunctionShape::AsyncLambda,
        _ => FunctionShape::LambdaCallback,
    };
    Ok((shape, found.get(1)?))
}

/// A SyntaxError thrown by the parser, not by running code (`JSON.parse` at the top level): the
/// parser's stack has only the bare location, no function frame.
fn is_parse_error(error: &LocalError) -> bool {
    if !error.message.starts_with("SyntaxError") {
        return false;
    }
    let first_frame = error
        .stack
        .as_deref()
        .and_then(|s| s.lines().map(str::trim).find(|l| !l.is_empty()));
    match first_frame {
        Some(frame) => frame.starts_with(&format!("at {CODE_FILE}:")),
        None => true,
    }
}

/// Reads a failed engine call: the guard's trip first, then the pending exception.
fn failure<'js>(
    ctx: &Ctx<'js>,
    guard: &Guard,
    control: Option<&Object<'js>>,
    err: rquickjs::Error,
    code: &str,
    memory_limit: usize,
) -> Failure {
    if let Some(trip) = guard.check() {
        // Clear the uncatchable "interrupted" exception.
        let _ = ctx.catch();
        return Failure::Trip(trip, None);
    }
    match err {
        rquickjs::Error::Exception => {
            let value = ctx.catch();
            Failure::Error(describe_value(ctx, control, value, code, memory_limit))
        }
        other => Failure::Error(LocalError::new(code, other.to_string())),
    }
}

/// Reads a thrown or passed JavaScript value into an error, recognising out of memory.
fn describe_value<'js>(
    ctx: &Ctx<'js>,
    control: Option<&Object<'js>>,
    value: rquickjs::Value<'js>,
    code: &str,
    memory_limit: usize,
) -> LocalError {
    let limit_mib = memory_limit as f64 / (1024.0 * 1024.0);
    let over = format!("the function used more than its {limit_mib:.0} MiB memory limit");
    // QuickJS throws null when it cannot even allocate the error. If memory is still short,
    // that is certain; if the failed frame already gave its memory back, it is only likely.
    if value.is_null() && memory_limit > 0 && code != errors::CUSTOM_FAILURE {
        let message = if null_means_oom(ctx, memory_limit) {
            over
        } else {
            format!(
                "{over}, most likely: QuickJS threw null, as it does when not even the error \
                 fits in memory (or the function threw null itself)"
            )
        };
        return LocalError::new(errors::MEMORY_EXCEEDED, message);
    }
    let described = read_described(ctx, control, value);
    if errors::is_out_of_memory(&described) {
        return LocalError::new(errors::MEMORY_EXCEEDED, over);
    }
    LocalError::from_js(code, described)
}

fn read_described<'js>(
    ctx: &Ctx<'js>,
    control: Option<&Object<'js>>,
    value: rquickjs::Value<'js>,
) -> Described {
    let fallback = |value: &rquickjs::Value<'js>| Described {
        message: format!("a thrown {}", value.type_name()),
        ..Described::default()
    };
    let Some(control) = control else {
        return match rquickjs::Exception::from_value(value.clone()) {
            Ok(exception) => Described {
                name: None,
                message: exception.message().unwrap_or_default(),
                stack: exception.stack(),
            },
            Err(_) => fallback(&value),
        };
    };
    let read = || -> rquickjs::Result<Described> {
        let describe: Function = control.get("describe")?;
        let parts: Object = describe.call((value.clone(),))?;
        Ok(Described {
            name: parts.get("name")?,
            message: parts
                .get::<_, Option<String>>("message")?
                .unwrap_or_default(),
            stack: parts.get("stack")?,
        })
    };
    match read() {
        Ok(described) => described,
        Err(_) => {
            let _ = ctx.catch();
            fallback(&value)
        }
    }
}

/// Whether memory is still short: a probe (1 MiB, or an eighth of the limit) cannot be
/// allocated.
fn null_means_oom(ctx: &Ctx<'_>, memory_limit: usize) -> bool {
    let probe_len = OOM_PROBE_BYTES.min(memory_limit / 8).max(1);
    let probe = rquickjs::String::from_str(ctx.clone(), &" ".repeat(probe_len));
    match probe {
        Ok(_) => false,
        Err(_) => {
            let _ = ctx.catch();
            true
        }
    }
}

enum ToJson {
    Js(rquickjs::Error),
    Parse(String),
}

/// The result as JSON: `undefined` (and functions, symbols) become `null`.
fn to_json<'js>(ctx: &Ctx<'js>, value: rquickjs::Value<'js>) -> Result<Value, ToJson> {
    let Some(text) = ctx.json_stringify(value).map_err(ToJson::Js)? else {
        return Ok(Value::Null);
    };
    let text = text.to_string().map_err(ToJson::Js)?;
    serde_json::from_str(&text).map_err(|e| ToJson::Parse(e.to_string()))
}

fn take_logs(sink: &RefCell<LogSink>) -> (Vec<super::LogLine>, usize) {
    sink.try_borrow_mut()
        .map(|mut s| s.take())
        .unwrap_or_default()
}
