//! Loading a function into the embedded engine: the platform layer from its bytecode, then the
//! code's top level as V1 script or V2 module, with a parse error's line and column and a
//! top-level failure classified by the platform layer like a failed call.

use std::rc::Rc;

use rquickjs::context::EvalOptions;
use rquickjs::{Ctx, Function, Module, Object, Persistent};

use super::super::LocalOptions;
use super::super::errors::{self, CODE_FILE, HARNESS_FILE, LocalError};
use super::super::harness::{self, LineShift};
use super::host::{self, HostState};
use super::{Ended, Stop, modules};
use crate::functions::Runtime as Platform;

/// The platform layer's factory: from its compiled bytecode when there is one (a cold run then
/// skips parsing it), else from its source.
pub(super) fn harness_factory<'js>(ctx: &Ctx<'js>) -> rquickjs::Result<Function<'js>> {
    if modules::harness_bundle().is_some() {
        let promise = Module::import(ctx, modules::HARNESS_MODULE)?;
        while ctx.execute_pending_job() {}
        let namespace: Object = promise.finish()?;
        return namespace.get("default");
    }
    let mut options = EvalOptions::default();
    options.filename = Some(HARNESS_FILE.to_owned());
    ctx.eval_with_options(harness::HARNESS, options)
}

/// Installs the platform layer, evaluates the code's top level and hands its entry over.
pub(super) fn load(
    ctx: &Ctx<'_>,
    code: &str,
    host: &Rc<HostState>,
    options: &LocalOptions,
    shift: LineShift,
) -> Result<Persistent<Object<'static>>, Ended> {
    let engine = |e: rquickjs::Error| {
        Ended::error(LocalError::new(
            errors::ENGINE_ERROR,
            format!("cannot set up the platform layer: {e}"),
        ))
    };
    let factory = harness_factory(ctx).map_err(|e| engine(read_exception(ctx, e)))?;
    let host_object = host::install(ctx, host).map_err(engine)?;
    let control: Object = factory.call((host_object,)).map_err(engine)?;
    let setup: Function = control.get("setup").map_err(engine)?;
    setup
        .call::<_, ()>((harness::config_json(options),))
        .map_err(|e| engine(read_exception(ctx, e)))?;

    if let Some(at) = code.find('\0') {
        // QuickJS reads the code as a C string; a NUL would cut it short.
        let before = &code[..at];
        let mut error = LocalError::new(errors::SYNTAX_ERROR, "the code contains a NUL character");
        error.name = Some("SyntaxError".to_owned());
        error.line = u32::try_from(before.matches('\n').count() + 1).ok();
        error.column =
            u32::try_from(before.rsplit('\n').next().map_or(0, |l| l.chars().count()) + 1).ok();
        return Err(Ended::error(error));
    }
    let started = match options.runtime {
        Platform::V1 => load_v1(ctx, code, &control, shift),
        Platform::V2 => load_v2(ctx, code, &control, host),
    };
    match started {
        Ok(()) => Ok(Persistent::save(ctx, control)),
        Err(Stop::Classified) => Err(Ended::outcome(&control)),
        Err(stop) => Err(Ended::stopped(stop, &control, options)),
    }
}

pub(super) fn load_v1<'js>(
    ctx: &Ctx<'js>,
    code: &str,
    control: &Object<'js>,
    shift: LineShift,
) -> Result<(), Stop> {
    let mut options = EvalOptions::default();
    options.strict = false;
    options.filename = Some(CODE_FILE.to_owned());
    let source = format!("{}{code}{}", harness::V1_PREFIX, harness::V1_SUFFIX);
    let wrapper: Function = ctx
        .eval_with_options(source, options)
        .map_err(|e| Stop::Error(syntax_error(ctx, e, shift)))?;
    let load: Function = control.get("loadV1").map_err(|e| engine_stop(ctx, e))?;
    if let Err(err) = load.call::<_, ()>((wrapper,)) {
        return Err(top_level_failure(ctx, control, err));
    }
    Ok(())
}

pub(super) fn load_v2<'js>(
    ctx: &Ctx<'js>,
    code: &str,
    control: &Object<'js>,
    host: &Rc<HostState>,
) -> Result<(), Stop> {
    let source = format!("{code}{}", harness::V2_SUFFIX);
    let declared = Module::declare(ctx.clone(), CODE_FILE, source)
        .map_err(|e| Stop::Error(syntax_error(ctx, e, LineShift::default())))?;
    let (module, promise) = match declared.eval() {
        Ok(evaluated) => evaluated,
        Err(err) => return Err(top_level_failure(ctx, control, err)),
    };
    // Top-level await: run the module's promise jobs.
    while ctx.execute_pending_job() {
        if let Some(trip) = host.guard.check() {
            let _ = ctx.catch();
            return Err(Stop::Trip(trip));
        }
    }
    match promise.result::<rquickjs::Value>() {
        Some(Ok(_)) => {}
        Some(Err(err)) => return Err(top_level_failure(ctx, control, err)),
        None => {
            return Err(Stop::Error(LocalError::new(
                errors::ENGINE_ERROR,
                "the module's top-level await waits for a timer or a request, which the embedded \
                 engine runs only during a call: move that work into lambda, or use the Node.js engine",
            )));
        }
    }
    let namespace = module.namespace().map_err(|e| engine_stop(ctx, e))?;
    let entry: rquickjs::Value = namespace
        .get("__lpPlatformEntry")
        .map_err(|e| engine_stop(ctx, e))?;
    let load: Function = control.get("loadV2").map_err(|e| engine_stop(ctx, e))?;
    load.call::<_, ()>((entry,))
        .map_err(|e| top_level_failure(ctx, control, e))
}

/// A failure at the code's top level: classified by the platform layer like a failed call.
pub(super) fn top_level_failure<'js>(
    ctx: &Ctx<'js>,
    control: &Object<'js>,
    err: rquickjs::Error,
) -> Stop {
    let value = match err {
        rquickjs::Error::Exception => ctx.catch(),
        other => return Stop::Error(LocalError::new(errors::ENGINE_ERROR, other.to_string())),
    };
    let fail = || -> rquickjs::Result<()> {
        let fail: Function = control.get("failLoad")?;
        fail.call((value,))
    };
    match fail() {
        Ok(()) => Stop::Classified,
        Err(e) => engine_stop(ctx, e),
    }
}

pub(super) fn engine_stop(ctx: &Ctx<'_>, err: rquickjs::Error) -> Stop {
    Stop::Error(LocalError::new(
        errors::ENGINE_ERROR,
        read_exception(ctx, err).to_string(),
    ))
}

/// A parse error of the code, with its line and column.
pub(super) fn syntax_error(ctx: &Ctx<'_>, err: rquickjs::Error, shift: LineShift) -> LocalError {
    let rquickjs::Error::Exception = err else {
        return LocalError::new(errors::ENGINE_ERROR, err.to_string());
    };
    let value = ctx.catch();
    let exception = rquickjs::Exception::from_value(value).ok();
    let message = exception
        .as_ref()
        .and_then(rquickjs::Exception::message)
        .unwrap_or_else(|| "the code does not parse".to_owned());
    let stack = exception
        .as_ref()
        .and_then(rquickjs::Exception::stack)
        .map(|s| shift.apply(&s));
    let mut error = LocalError::new(errors::SYNTAX_ERROR, message);
    error.name = Some("SyntaxError".to_owned());
    if let Some((line, column)) = stack.as_deref().and_then(errors::location_in_code) {
        error.line = Some(line);
        error.column = Some(column);
    }
    error.stack = stack.and_then(|s| errors::clean_stack(&s));
    error
}

/// An engine error's text, with the pending exception read when there is one.
pub(super) fn read_exception(ctx: &Ctx<'_>, err: rquickjs::Error) -> rquickjs::Error {
    if let rquickjs::Error::Exception = err {
        let value = ctx.catch();
        if let Ok(exception) = rquickjs::Exception::from_value(value) {
            return rquickjs::Error::new_from_js_message(
                "exception",
                "error",
                exception.message().unwrap_or_default(),
            );
        }
    }
    err
}
