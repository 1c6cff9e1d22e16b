//! The embedded engine: QuickJS (through `rquickjs`) running the platform layer, the default
//! for local runs (no set-up, fastest for batches). A [`LocalFunction`] is one function
//! compiled into its own runtime and kept warm between calls; the loop in [`drive`] runs promise
//! jobs, waits for timers in real time and for the toolbelt's HTTP requests, until the function
//! answers, fails, or runs out of time.
//!
//! Memory: QuickJS refuses allocations past the limit and throws `InternalError: out of
//! memory` (or `null`, when not even that error fits); the platform layer reports either as
//! memory-exceeded, the second only when memory is still short, so a function's own
//! `throw null` stays a thrown `null`.

mod guard;
mod host;
mod load;
mod messages;
mod modules;

use std::fmt;
use std::rc::Rc;
use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::sync::mpsc::RecvTimeoutError;
use std::time::{Duration, Instant};

use rquickjs::context::EvalOptions;
use rquickjs::{Context, Ctx, Function, Module, Object, Persistent, Runtime};

use super::errors::{self, CODE_FILE, LocalError};
use super::harness::{self, LineShift, Outcome};
use super::{LocalOptions, LocalRun};
use crate::functions::Runtime as Platform;
use guard::{Guard, Trip};
use host::HostState;
use load::{engine_stop, load, syntax_error};

/// Native stack QuickJS may use before it throws "stack overflow"; well under the 2 MiB of a
/// Rust thread, so deep recursion is a JavaScript error, never a crash.
const MAX_STACK_BYTES: usize = 768 * 1024;

/// How often a wait looks at the cancel flag.
const WAIT_SLICE: Duration = Duration::from_millis(20);

/// A function compiled into its own runtime, ready to be called again and again (warm calls).
/// Globals the code keeps survive between calls, as on the platform; timers and requests left
/// when a call ends are dropped. Not `Send`: make and call it on one thread.
pub struct LocalFunction {
    // The JavaScript values come first: fields drop in order, and they must go before the
    // context and the runtime that own them.
    control: Persistent<Object<'static>>,
    context: Context,
    runtime: Runtime,
    guard: Rc<Guard>,
    host: Rc<HostState>,
    options: LocalOptions,
    shift: LineShift,
    code: Arc<str>,
}

impl fmt::Debug for LocalFunction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LocalFunction")
            .field("options", &self.options)
            .finish_non_exhaustive()
    }
}

/// Parses the code without running any of it; the syntax error when it does not parse.
pub(crate) fn syntax_check(code: &str, runtime: Platform) -> Option<LocalError> {
    let engine = |e: rquickjs::Error| Some(LocalError::new(errors::ENGINE_ERROR, e.to_string()));
    let rt = match Runtime::new() {
        Ok(rt) => rt,
        Err(e) => return engine(e),
    };
    rt.set_memory_limit(64 * 1024 * 1024);
    rt.set_max_stack_size(MAX_STACK_BYTES);
    if runtime == Platform::V2 {
        // Imports are resolved when a module is declared: stand-ins keep it to parsing.
        rt.set_loader(modules::Resolver, modules::ParseOnly);
    }
    if code.contains('\0') {
        let mut error = LocalError::new(errors::SYNTAX_ERROR, "the code contains a NUL character");
        error.name = Some("SyntaxError".to_owned());
        return Some(error);
    }
    let context = match Context::full(&rt) {
        Ok(context) => context,
        Err(e) => return engine(e),
    };
    context.with(|ctx| match runtime {
        Platform::V1 => {
            let shift = LineShift {
                first_line_columns: harness::V1_PREFIX.len() as u32,
            };
            let mut options = EvalOptions::default();
            options.strict = false;
            options.filename = Some(CODE_FILE.to_owned());
            // Evaluating the wrapper only makes the function: none of the code runs.
            let source = format!("{}{code}{}", harness::V1_PREFIX, harness::V1_SUFFIX);
            ctx.eval_with_options::<Function, _>(source, options)
                .err()
                .map(|e| syntax_error(&ctx, e, shift))
        }
        Platform::V2 => {
            // Declaring a module parses it; only evaluating would run it.
            let source = format!("{code}{}", harness::V2_SUFFIX);
            Module::declare(ctx.clone(), CODE_FILE, source)
                .err()
                .map(|e| syntax_error(&ctx, e, LineShift::default()))
        }
    })
}

/// Compiles and calls once: the cold path.
pub(crate) fn run(
    code: &str,
    input: &[u8],
    options: &LocalOptions,
    cancel: Arc<AtomicBool>,
) -> LocalRun {
    let started = Instant::now();
    match LocalFunction::compile_with_cancel(code, options, Arc::clone(&cancel)) {
        Ok(mut function) => {
            let left = options.limits.timeout.saturating_sub(started.elapsed());
            function.call_within(input, cancel, left)
        }
        Err(failed) => *failed,
    }
}

/// How a call (or the top level) ended before the platform layer could say.
enum Stop {
    Trip(Trip),
    /// Nothing left to wait for and no answer.
    Idle,
    Error(LocalError),
    /// The platform layer has classified the failure; its outcome says what it was.
    Classified,
}

impl LocalFunction {
    /// Compiles `code` and runs its top level (within the time limit).
    pub fn compile(code: &str, options: &LocalOptions) -> Result<Self, LocalError> {
        Self::compile_with_cancel(code, options, Arc::new(AtomicBool::new(false))).map_err(|run| {
            run.result
                .err()
                .unwrap_or_else(|| LocalError::new(errors::ENGINE_ERROR, "compile failed"))
        })
    }

    /// [`Self::compile`] with a cancel flag; a failure comes back as the run it was.
    pub fn compile_with_cancel(
        code: &str,
        options: &LocalOptions,
        cancel: Arc<AtomicBool>,
    ) -> Result<Self, Box<LocalRun>> {
        let started = Instant::now();
        let engine_failure = |what: &str, err: rquickjs::Error| {
            Box::new(LocalRun::failed(
                LocalError::new(errors::ENGINE_ERROR, format!("{what}: {err}")),
                options,
                started,
            ))
        };
        let runtime =
            Runtime::new().map_err(|e| engine_failure("cannot start the JavaScript engine", e))?;
        runtime.set_memory_limit(options.limits.memory_bytes);
        runtime.set_max_stack_size(MAX_STACK_BYTES);
        let guard = Rc::new(Guard::new());
        let interrupt = Rc::clone(&guard);
        runtime.set_interrupt_handler(Some(Box::new(move || interrupt.check().is_some())));
        runtime.set_host_promise_rejection_tracker(Some(Box::new(
            |ctx, promise, reason, handled| {
                let track = || -> rquickjs::Result<()> {
                    let platform: Object = ctx.globals().get("__lpPlatform")?;
                    let track: Function = platform.get("track")?;
                    track.call((promise, reason, handled))
                };
                if track().is_err() {
                    let _ = ctx.catch();
                }
            },
        )));
        // The platform layer comes as bytecode (compiled once per process); V2's imports
        // through the platform's modules.
        match modules::harness_bundle() {
            Some(bundle) => {
                runtime.set_loader((bundle, modules::Resolver), (bundle, modules::Loader))
            }
            None => runtime.set_loader(modules::Resolver, modules::Loader),
        }
        let context = Context::full(&runtime)
            .map_err(|e| engine_failure("cannot create a JavaScript context", e))?;
        let host = Rc::new(HostState::new(
            Rc::clone(&guard),
            Some(options.modules_root()),
        ));
        let shift = LineShift {
            first_line_columns: match options.runtime {
                Platform::V1 => harness::V1_PREFIX.len() as u32,
                Platform::V2 => 0,
            },
        };

        guard.arm(options.limits.timeout, cancel);
        let loaded = context.with(|ctx| load(&ctx, code, &host, options, shift));
        guard.disarm();
        match loaded {
            Ok(control) => Ok(Self {
                control,
                context,
                runtime,
                guard,
                host,
                options: options.clone(),
                shift,
                code: Arc::from(code),
            }),
            Err(run) => {
                host.cancel_all();
                Err(Box::new(run.into_run(options, shift, code, started)))
            }
        }
    }

    /// The options the function was compiled with (each call gets the full time limit).
    pub fn options(&self) -> &LocalOptions {
        &self.options
    }

    /// Calls the function with `input` (the envelope as JSON) and drives it to its answer,
    /// within the time limit; setting `cancel` stops it.
    pub fn call(&mut self, input: &[u8], cancel: Arc<AtomicBool>) -> LocalRun {
        self.call_within(input, cancel, self.options.limits.timeout)
    }

    /// [`Self::call`] with what is left of the time limit (after a cold start's top level).
    pub(crate) fn call_within(
        &mut self,
        input: &[u8],
        cancel: Arc<AtomicBool>,
        left: Duration,
    ) -> LocalRun {
        let started = Instant::now();
        self.guard.arm(left, cancel);
        let finished = self.context.with(|ctx| self.call_in(&ctx, input));
        self.guard.disarm();
        self.host.cancel_all();
        let run = finished.into_run(&self.options, self.shift, &self.code, started);
        if run.result.is_err() {
            // Free what a failed call left behind (cycles included) before the next one.
            self.runtime.run_gc();
        }
        run
    }

    fn call_in(&self, ctx: &Ctx<'_>, input: &[u8]) -> Ended {
        let memory = self.options.limits.memory_bytes;
        let control = match self.control.clone().restore(ctx) {
            Ok(control) => control,
            Err(e) => return Ended::error(LocalError::new(errors::ENGINE_ERROR, e.to_string())),
        };
        let started = (|| -> rquickjs::Result<()> {
            // One copy with room for the NUL QuickJS needs, so none is made again.
            let mut text = Vec::with_capacity(input.len() + 1);
            text.extend_from_slice(input);
            let value = ctx.json_parse(text)?;
            let invoke: Function = control.get("invoke")?;
            invoke.call::<_, rquickjs::Value>((value,))?;
            Ok(())
        })();
        if let Err(err) = started {
            let stop = match failure(ctx, &self.guard, err, memory) {
                Stop::Error(error) if error.code == errors::MEMORY_EXCEEDED => {
                    Stop::Error(LocalError::new(
                        errors::MEMORY_EXCEEDED,
                        format!(
                            "the envelope ({} bytes) does not fit in the function's {} MiB memory limit once parsed",
                            input.len(),
                            memory / (1024 * 1024)
                        ),
                    ))
                }
                other => other,
            };
            return Ended::stopped(stop, &control, &self.options);
        }
        match drive(ctx, &control, &self.guard, &self.host, memory) {
            Ok(()) => Ended::outcome(&control),
            Err(stop) => Ended::stopped(stop, &control, &self.options),
        }
    }
}

/// A call's end: the platform layer's outcome, or a stop the engine decided.
enum Ended {
    Outcome(Outcome),
    Error(LocalError, Outcome),
}

impl Ended {
    fn error(error: LocalError) -> Self {
        Ended::Error(error, Outcome::default())
    }

    fn outcome(control: &Object<'_>) -> Self {
        let read = || -> rquickjs::Result<String> {
            let outcome: Function = control.get("outcome")?;
            outcome.call(())
        };
        match read().ok().as_deref().and_then(Outcome::parse) {
            Some(outcome) => Ended::Outcome(outcome),
            None => Ended::error(LocalError::new(
                errors::ENGINE_ERROR,
                "the platform layer gave no outcome",
            )),
        }
    }

    /// The engine stopped the call: the logs so far, and the error for the stop.
    fn stopped(stop: Stop, control: &Object<'_>, options: &LocalOptions) -> Self {
        let _ = control
            .get::<_, Function>("end")
            .and_then(|f| f.call::<_, ()>(()));
        let mut partial = match Self::outcome(control) {
            Ended::Outcome(o) => o,
            Ended::Error(_, o) => o,
        };
        let error = match stop {
            Stop::Classified => return Self::outcome(control),
            Stop::Error(mut error) => {
                if error.message == "out of memory" {
                    memory_error(&mut error, options);
                }
                error
            }
            Stop::Trip(trip) => trip_error(trip, options),
            Stop::Idle => idle_error(options),
        };
        partial.kind = "error".to_owned();
        Ended::Error(error, partial)
    }

    fn into_run(
        self,
        options: &LocalOptions,
        shift: LineShift,
        code: &str,
        started: Instant,
    ) -> LocalRun {
        match self {
            Ended::Outcome(outcome) => {
                let mut run = outcome.into_run(options, shift, started);
                if let Err(error) = &mut run.result {
                    memory_error(error, options);
                    in_v8_words(error, code, options.runtime);
                }
                run
            }
            Ended::Error(error, mut partial) => {
                let logs = partial.take_logs();
                LocalRun {
                    result: Err(error),
                    logs,
                    logs_dropped: partial.dropped,
                    logs_cut: partial.cut,
                    notes: std::mem::take(&mut partial.notes),
                    duration: started.elapsed(),
                    engine: options.engine,
                    runtime: options.runtime,
                }
            }
        }
    }
}

/// QuickJS's own out-of-memory error, however it arrived, is the platform's memory limit.
fn memory_error(error: &mut LocalError, options: &LocalOptions) {
    let oom =
        error.name.as_deref() == Some("InternalError") && error.message.contains("out of memory");
    if oom || error.code == errors::MEMORY_EXCEEDED {
        *error = LocalError::new(errors::MEMORY_EXCEEDED, memory_message(options));
    }
}

/// QuickJS's common messages get V8's words; positions past the code are the V1 wrapper's (a
/// missing `lambda`) and are dropped.
fn in_v8_words(error: &mut LocalError, code: &str, runtime: Platform) {
    if matches!(
        error.name.as_deref(),
        Some("TypeError" | "ReferenceError" | "SyntaxError")
    ) {
        // The wrapper's lines follow the code (its prefix shares line 1, already shifted).
        let suffix = match runtime {
            Platform::V1 => harness::V1_SUFFIX,
            Platform::V2 => harness::V2_SUFFIX,
        };
        let seen = format!("{code}{suffix}");
        if let Some(message) = messages::v8_message(&error.message, &seen, error.line, error.column)
        {
            error.message = message;
        }
    }
    errors::drop_wrapper_positions(error, code);
}

fn memory_message(options: &LocalOptions) -> String {
    let mib = options.limits.memory_bytes as f64 / (1024.0 * 1024.0);
    format!("the function used more than its {mib:.0} MiB memory limit")
}

pub(crate) fn trip_error(trip: Trip, options: &LocalOptions) -> LocalError {
    match trip {
        Trip::Cancelled => LocalError::new(errors::CANCELLED, "the run was cancelled"),
        Trip::Timeout => time_limit_error(options),
    }
}

/// The function ran into its time limit; the message names that one limit.
pub(crate) fn time_limit_error(options: &LocalOptions) -> LocalError {
    let limit = options.limits.timeout;
    let message = if limit == super::LocalLimits::DEFAULT_TIMEOUT {
        "the function ran longer than the platform's time limit (30 s)".to_owned()
    } else {
        format!(
            "the function ran longer than its time limit ({} ms)",
            limit.as_millis()
        )
    };
    LocalError::new(errors::time_exceeded(options.runtime), message)
}

/// The function can make no more progress and never answered: on the platform it would run
/// into its time limit.
pub(crate) fn idle_error(options: &LocalOptions) -> LocalError {
    let what = match options.runtime {
        Platform::V1 => "the function never called the callback",
        Platform::V2 => "the promise lambda returned never settled",
    };
    LocalError::new(
        errors::time_exceeded(options.runtime),
        format!(
            "{what}, and nothing is left for it to wait for (no timer, no request): the platform \
             would stop it at its time limit"
        ),
    )
}

/// Reads a failed engine call: the guard's trip first, then memory, then the exception.
fn failure(ctx: &Ctx<'_>, guard: &Guard, err: rquickjs::Error, memory: usize) -> Stop {
    if let Some(trip) = guard.check() {
        // Clear the uncatchable "interrupted" exception.
        let _ = ctx.catch();
        return Stop::Trip(trip);
    }
    let value = match err {
        rquickjs::Error::Exception => ctx.catch(),
        other => return Stop::Error(LocalError::new(errors::ENGINE_ERROR, other.to_string())),
    };
    let oom = value.is_null()
        || rquickjs::Exception::from_value(value.clone())
            .ok()
            .and_then(|e| e.message())
            .is_some_and(|m| m.contains("out of memory"));
    if oom && memory > 0 {
        return Stop::Error(LocalError::new(errors::MEMORY_EXCEEDED, "out of memory"));
    }
    let message = rquickjs::Exception::from_value(value)
        .ok()
        .and_then(|e| e.message())
        .unwrap_or_else(|| "the platform layer failed".to_owned());
    Stop::Error(LocalError::new(errors::ENGINE_ERROR, message))
}

/// Runs one call to its end: jobs, host answers and timers, in real time.
fn drive(
    ctx: &Ctx<'_>,
    control: &Object<'_>,
    guard: &Guard,
    host: &HostState,
    memory: usize,
) -> Result<(), Stop> {
    let get = |name: &str| -> Result<Function, Stop> {
        control.get(name).map_err(|e| engine_stop(ctx, e))
    };
    let (done, next_due, run_due, complete, flush) = (
        get("done")?,
        get("nextDue")?,
        get("runDue")?,
        get("complete")?,
        get("flushRejections")?,
    );
    let is_done = || done.call::<_, bool>(()).unwrap_or(true);
    let call0 = |f: &Function| -> Result<(), Stop> {
        f.call::<_, ()>(())
            .map_err(|e| failure(ctx, guard, e, memory))
    };
    let answer = |id: u64, answer: String| -> Result<(), Stop> {
        if !host.answered(id) {
            return Ok(());
        }
        complete
            .call::<_, ()>((id as f64, answer))
            .map_err(|e| failure(ctx, guard, e, memory))
    };
    loop {
        if let Some(trip) = guard.check() {
            return Err(Stop::Trip(trip));
        }
        while ctx.execute_pending_job() {
            if let Some(trip) = guard.check() {
                return Err(Stop::Trip(trip));
            }
        }
        call0(&flush)?;
        if is_done() {
            return Ok(());
        }
        let mut answered = false;
        while let Ok((id, text)) = host.answers.try_recv() {
            answer(id, text)?;
            answered = true;
        }
        if answered {
            continue;
        }
        let due: f64 = next_due.call(()).unwrap_or(-1.0);
        let now = guard.now_ms();
        if due >= 0.0 && due <= now {
            call0(&run_due)?;
            continue;
        }
        if due < 0.0 && host.inflight() == 0 {
            return Err(Stop::Idle);
        }
        let until_due = if due >= 0.0 {
            Duration::from_secs_f64(((due - now) / 1000.0).max(0.0))
        } else {
            Duration::MAX
        };
        let wait = until_due.min(guard.left()).min(WAIT_SLICE);
        match host.answers.recv_timeout(wait) {
            Ok((id, text)) => answer(id, text)?,
            Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::invoke::local::errors::HARNESS_FILE;

    #[test]
    fn the_harness_parses_in_the_embedded_engine() {
        let runtime = Runtime::new().unwrap();
        let context = Context::full(&runtime).unwrap();
        context.with(|ctx| {
            let mut options = EvalOptions::default();
            options.filename = Some(HARNESS_FILE.to_owned());
            let factory: rquickjs::Result<Function> =
                ctx.eval_with_options(harness::HARNESS, options);
            if factory.is_err() {
                let e = ctx.catch();
                panic!(
                    "{:?}",
                    rquickjs::Exception::from_value(e)
                        .ok()
                        .map(|e| (e.message(), e.stack()))
                );
            }
        });
    }
}
