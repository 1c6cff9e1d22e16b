// The sandbox a function runs in: console, timers, module/exports, and the refusals (require,
// eval, new Function). Evaluated once per runtime before the function's code, as a sloppy
// global script whose value is a function of the host object; it returns the control object the
// Rust side drives calls through.
(function (host) {
  "use strict";
  const g = globalThis;
  // The built-ins the sandbox needs, taken before the function's code can replace them.
  const stringify = JSON.stringify;
  const SafeMap = Map;
  const SafePromise = Promise;
  const max = Math.max;
  const toNumber = Number;
  const toString = String;
  const tagOf = Object.prototype.toString;
  const SafeError = Error;
  const SafeEvalError = EvalError;
  const SafeTypeError = TypeError;
  const hide = (name, value) =>
    Object.defineProperty(g, name, { value, writable: true, configurable: true, enumerable: false });

  // Log arguments joined by spaces, objects as JSON (Node's console prints them similarly).
  const formatOne = (value) => {
    try {
      if (typeof value === "string") return value;
      if (value instanceof SafeError) return toString(value);
      if (value !== null && typeof value === "object") {
        let text;
        try {
          text = stringify(value);
        } catch (err) {
          text = undefined;
        }
        return text === undefined ? toString(value) : text;
      }
      return toString(value);
    } catch (err) {
      return "[unprintable " + typeof value + "]";
    }
  };
  const format = (args) => {
    let out = "";
    for (let i = 0; i < args.length; i++) {
      out += (i > 0 ? " " : "") + formatOne(args[i]);
    }
    return out;
  };
  const logger = (level) =>
    function (...args) {
      host.log(level, format(args));
    };
  hide(
    "console",
    Object.freeze({
      debug: logger("debug"),
      info: logger("info"),
      log: logger("info"),
      warn: logger("warn"),
      error: logger("error"),
    })
  );

  // CommonJS-style globals: the function assigns module.exports; require refuses every module.
  const module = { exports: {} };
  hide("module", module);
  hide("exports", module.exports);
  hide("require", function require(name) {
    throw new SafeError(
      "require('" + toString(name) + "') is not available: functions run in a sandbox " +
        "with no modules (no file system, network or process access)"
    );
  });

  // Code generation from strings is refused, as on the platform.
  const refuse = (what) =>
    function refused() {
      throw new SafeEvalError(
        what + " is not allowed: code generation from strings is disabled, as on the platform"
      );
    };
  const FunctionPrototype = Function.prototype;
  const constructors = [
    Function,
    Object.getPrototypeOf(async function () {}).constructor,
    Object.getPrototypeOf(function* () {}).constructor,
    Object.getPrototypeOf(async function* () {}).constructor,
  ];
  for (const ctor of constructors) {
    Object.defineProperty(ctor.prototype, "constructor", {
      value: refuse("new Function"),
      writable: false,
      configurable: false,
      enumerable: false,
    });
  }
  const noFunction = refuse("new Function");
  Object.defineProperty(noFunction, "prototype", { value: FunctionPrototype, writable: false });
  Object.defineProperty(g, "Function", { value: noFunction, writable: false, configurable: false });
  Object.defineProperty(g, "eval", { value: refuse("eval"), writable: false, configurable: false });

  // Timers on the host's clock (milliseconds since the call started, waits skipped).
  let timers = new SafeMap();
  let nextId = 1;
  const addTimer = (fn, ms, args, repeat) => {
    if (typeof fn !== "function") {
      throw new SafeTypeError("The \"callback\" argument must be a function");
    }
    const delay = max(0, toNumber(ms) || 0);
    const id = nextId++;
    timers.set(id, { due: host.now() + delay, delay, fn, args, repeat });
    return id;
  };
  const removeTimer = (id) => {
    timers.delete(toNumber(id));
  };
  hide("setTimeout", function setTimeout(fn, ms, ...args) {
    return addTimer(fn, ms, args, false);
  });
  hide("setInterval", function setInterval(fn, ms, ...args) {
    return addTimer(fn, ms, args, true);
  });
  hide("setImmediate", function setImmediate(fn, ...args) {
    return addTimer(fn, 0, args, false);
  });
  hide("clearTimeout", removeTimer);
  hide("clearInterval", removeTimer);
  hide("clearImmediate", removeTimer);

  // The earliest timer; ties go to the one set first (the map keeps insertion order).
  const earliest = () => {
    let best = null;
    for (const [id, timer] of timers) {
      if (best === null || timer.due < best[1].due) best = [id, timer];
    }
    return best;
  };

  const readString = (value, key) => {
    try {
      const v = value[key];
      return v === undefined || v === null ? undefined : toString(v);
    } catch (err) {
      return undefined;
    }
  };

  return {
    // Starts a call: fn(input, callback); returns the state the host polls.
    invoke(fn, input, awaitResult) {
      timers = new SafeMap();
      const state = { done: false, kind: undefined, value: undefined, error: undefined };
      const callback = function callback(err, result) {
        if (state.done) return;
        state.done = true;
        if (err !== null && err !== undefined) {
          state.kind = "callback-error";
          state.error = err;
        } else {
          state.kind = "result";
          state.value = result;
        }
      };
      const returned = fn(input, callback);
      if (returned !== null && typeof returned === "object" && typeof returned.then === "function") {
        SafePromise.resolve(returned).then(
          (value) => {
            if (state.done) return;
            if (awaitResult || value !== undefined) {
              state.done = true;
              state.kind = "result";
              state.value = value;
            }
          },
          (err) => {
            if (state.done) return;
            state.done = true;
            state.kind = "rejected";
            state.error = err;
          }
        );
      }
      return state;
    },
    // Due time of the earliest timer, or -1 when none is set.
    nextDue() {
      const next = earliest();
      return next === null ? -1 : next[1].due;
    },
    // Runs the earliest timer (re-arming an interval).
    runNext() {
      const next = earliest();
      if (next === null) return;
      const [id, timer] = next;
      if (timer.repeat) {
        timer.due = timer.due + max(1, timer.delay);
      } else {
        timers.delete(id);
      }
      timer.fn.apply(undefined, timer.args);
    },
    // What a thrown or passed error says, as plain strings.
    describe(value) {
      if (value !== null && typeof value === "object") {
        const message = readString(value, "message");
        const name = readString(value, "name");
        const stack = readString(value, "stack");
        if (message !== undefined || name !== undefined) {
          return { name, message: message === undefined ? "" : message, stack };
        }
        let text;
        try {
          text = stringify(value);
        } catch (err) {
          text = undefined;
        }
        return { message: text === undefined ? toString(value) : text };
      }
      return { message: toString(value) };
    },
    // The function the code defines, and its shape.
    entry() {
      const m = g.module;
      if (m !== null && typeof m === "object" && typeof m.exports === "function") {
        return ["module-exports", m.exports];
      }
      if (typeof g.lambda === "function") {
        const tag = tagOf.call(g.lambda);
        return [tag === "[object AsyncFunction]" ? "async-lambda" : "lambda-callback", g.lambda];
      }
      return null;
    },
  };
})
