// The engine's side of the platform layer: `setup` installs the globals of one context, the
// engine compiles the function's code and hands its entry to `loadV1`/`loadV2`, then drives
// each `invoke` until `done()` (or its own limits) and reads `outcome()`. Timers, uncaught
// errors and host requests come back in through here. Ends the harness's function scope: its
// value is the control object.

const ops = new SafeMap();
const hostFetch = natives.fetch ? null : makeHostFetch(ops);
let config = { runtime: "v1" };
let entry = null;
let loadRun = null;
let loader = null;
let toolbeltExports = null;
let nextTimerId = 1;
// True when the code sets `module.exports` to a function (the older shape) instead of `lambda`.
let exportsOnly = false;
const MODULE_EXPORTS_HINT = "The code sets module.exports but defines no lambda: the platform (and LivePerson's " +
  "emulator) calls `function lambda(input, callback)`. Write the function as `function lambda(input, callback) " +
  "{ … }`; the console's templates have that shape.";
// Rejected promises nobody handled yet (the embedded engine's rejection tracker fills it).
const rejections = new SafeMap();

const ERR_CALLBACK = (fn) => {
  const err = new TypeError('The "callback" argument must be of type function. Received ' +
    (fn === null ? "null" : typeof fn === "object" ? "an instance of " + (read(fn, "constructor") || {}).name : typeof fn + " (" + String(fn) + ")"));
  err.code = "ERR_INVALID_ARG_TYPE";
  return err;
};

// Timers in real time. The Node engine keeps Node's timers (wrapped so a throw is the run's
// error, not the worker's); the embedded engine keeps them here and waits for `nextDue()`.
function addTimer(fn, ms, args, repeat) {
  if (typeof fn !== "function") throw ERR_CALLBACK(fn);
  const run = current;
  let delay = Number(ms);
  if (!(delay >= 1 && delay <= 2147483647)) delay = 1;
  const call = () => {
    if (!run || run.done) return;
    try {
      fn.apply(undefined, args);
    } catch (err) {
      uncaught(run, err);
    }
  };
  if (natives.setTimeout) {
    let handle;
    const fire = () => {
      if (!repeat && run) run.timers.delete(handle);
      call();
    };
    handle = repeat ? natives.setInterval(fire, delay) : natives.setTimeout(fire, delay);
    if (run) run.timers.set(handle, { handle });
    return handle;
  }
  const id = nextTimerId++;
  if (run) run.timers.set(id, { due: host.now() + delay, delay, call, repeat });
  return id;
}
function removeTimer(id) {
  if (!current) return;
  if (natives.clearTimeout) {
    if (id !== undefined && id !== null) natives.clearTimeout(id);
    current.timers.delete(id);
  } else {
    current.timers.delete(typeof id === "object" && id !== null ? id : Number(id));
  }
}
function addImmediate(fn, args) {
  if (typeof fn !== "function") throw ERR_CALLBACK(fn);
  if (!natives.setImmediate) return addTimer(fn, 0, args, false);
  const run = current;
  const handle = natives.setImmediate(() => {
    if (run) run.timers.delete(handle);
    if (!run || run.done) return;
    try {
      fn.apply(undefined, args);
    } catch (err) {
      uncaught(run, err);
    }
  });
  if (run) run.timers.set(handle, { handle, immediate: true });
  return handle;
}
function microtask(fn, args) {
  const run = current;
  SafePromise.resolve().then(() => {
    try {
      fn.apply(undefined, args);
    } catch (err) {
      uncaught(run, err);
    }
  });
}

function makeProcess(environment) {
  const info = natives.process || {};
  const refuse = (what) => () => {
    throw new Error("process." + what + " is not available to a function: the platform runs it for you");
  };
  const start = host.now();
  const p = {
    env: Object.assign({}, environment),
    argv: ["node", "/function/index.js"],
    argv0: "node",
    execArgv: [],
    platform: info.platform || "linux",
    arch: info.arch || "x64",
    version: info.version || "v20.0.0",
    versions: Object.assign({}, info.versions || { node: "20.0.0" }),
    release: { name: "node" },
    title: "node",
    pid: 1,
    exitCode: undefined,
    nextTick: (fn, ...args) => {
      if (typeof fn !== "function") throw ERR_CALLBACK(fn);
      // Node runs next-tick callbacks before promise jobs; an engine without Node queues them.
      if (natives.nextTick) {
        const run = current;
        natives.nextTick(() => {
          if (!run || run.done) return;
          try {
            fn.apply(undefined, args);
          } catch (err) {
            uncaught(run, err);
          }
        });
      } else {
        microtask(fn, args);
      }
    },
    cwd: () => "/function",
    uptime: () => (host.now() - start) / 1000,
    memoryUsage: () => ({ rss: 0, heapTotal: 0, heapUsed: 0, external: 0, arrayBuffers: 0 }),
    hrtime: (prev) => {
      const t = host.now();
      let s = Math.floor(t / 1000);
      let ns = Math.floor((t % 1000) * 1e6);
      if (prev) {
        s -= prev[0];
        ns -= prev[1];
        if (ns < 0) (s -= 1), (ns += 1e9);
      }
      return [s, ns];
    },
    emitWarning: () => {},
    exit: refuse("exit"),
    abort: refuse("abort"),
    kill: refuse("kill"),
    chdir: refuse("chdir"),
  };
  p.hrtime.bigint = () => BigInt(Math.floor(host.now() * 1e6));
  for (const m of ["on", "once", "off", "addListener", "removeListener", "removeAllListeners", "prependListener"]) {
    p[m] = () => p;
  }
  p.emit = () => false;
  p.listeners = () => [];
  return p;
}

// Code generation from strings is refused, as the platform's editor refuses it. The Node engine
// refuses it for the whole context instead (same message).
function refuseCodeGeneration() {
  const refused = function () {
    throw new EvalError("Code generation from strings disallowed for this context");
  };
  const FunctionPrototype = Function.prototype;
  for (const ctor of [Function, Object.getPrototypeOf(async function () {}).constructor,
    Object.getPrototypeOf(function* () {}).constructor, Object.getPrototypeOf(async function* () {}).constructor]) {
    Object.defineProperty(ctor.prototype, "constructor", { value: refused, writable: false, configurable: false });
  }
  Object.defineProperty(refused, "prototype", { value: FunctionPrototype, writable: false });
  Object.defineProperty(g, "Function", { value: refused, writable: false, configurable: false });
  Object.defineProperty(g, "eval", { value: refused, writable: false, configurable: false });
}

const control = {
  // Installs the function's globals from its settings (JSON: runtime, environment, allowlist,
  // secrets, fixtures, fixturesFile, maxLogLines).
  setup(configJson) {
    config = parseJson(configJson);
    const runtime = config.runtime === "v2" ? "v2" : "v1";
    const Buffer = installGlobals(hide);
    hide("fetch", (input, init) => (current ? current.fetch(input, init)
      : SafePromise.reject(new TypeError("fetch failed"))));
    hide("Headers", natives.Headers || PolyHeaders);
    hide("Response", natives.Response || PolyResponse);
    if (natives.Request) hide("Request", natives.Request);
    if (natives.FormData) hide("FormData", natives.FormData);
    hide("setTimeout", function setTimeout(fn, ms, ...args) {
      return addTimer(fn, ms, args, false);
    });
    hide("setInterval", function setInterval(fn, ms, ...args) {
      return addTimer(fn, ms, args, true);
    });
    hide("setImmediate", function setImmediate(fn, ...args) {
      return addImmediate(fn, args);
    });
    hide("clearTimeout", removeTimer);
    hide("clearInterval", removeTimer);
    hide("clearImmediate", (h) => {
      if (natives.clearImmediate && h) natives.clearImmediate(h);
      if (current) current.timers.delete(h);
    });
    hide("queueMicrotask", function queueMicrotask(fn) {
      if (typeof fn !== "function") throw ERR_CALLBACK(fn);
      microtask(fn, []);
    });
    hide("process", makeProcess(config.environment || {}));
    hide("global", g);
    hide("console", runtime === "v1" ? makeLoadConsole() : makeConsole("v2"));
    if (!host.refusesCodeGeneration) refuseCodeGeneration();
    const shared = {
      config,
      note: (t) => current && current.note(t),
      fetch: (u, i) => (current ? current.fetch(u, i) : SafePromise.reject(new TypeError("fetch failed"))),
    };
    toolbeltExports = makeToolbelt(shared, runtime);
    loader = makeLoader(runtime, toolbeltExports, makeStandIns(Buffer));
    loadRun = newRun(config);
    current = loadRun;
    Object.defineProperty(g, "__lpPlatform", {
      value: Object.freeze({
        importModule: (name) => control.importModule(name),
        importNames: (name) => control.importNames(name),
        track: (promise, reason, handled) => control.track(promise, reason, handled),
      }),
      enumerable: false,
    });
  },
  // The code failed at its top level: the failure is classified like a failed call.
  failLoad(error) {
    const run = loadRun || newRun(config);
    current = run;
    run.failure = error;
    run.note("The code failed at its top level, before lambda could be called: LivePerson's emulator " +
      "prints nothing then, and the platform would not run it.");
    if (run.runtime === "v1") customError(run, error);
    finish(run);
  },
  // Embedded engine: a promise was rejected with no handler (or got one later).
  track(promise, reason, handled) {
    if (handled) rejections.delete(promise);
    else rejections.set(promise, reason);
  },
  // After the jobs ran: a rejection still unhandled fails the call, as Node's does.
  flushRejections() {
    if (rejections.size === 0) return;
    const first = rejections.values().next().value;
    rejections.clear();
    if (current && !current.done) uncaught(current, first);
  },
  // V1: the CommonJS wrapper of the code, whose value is `(input, callback) => lambda(…)`.
  loadV1(wrapper) {
    const module = { exports: {}, id: ".", filename: "/function/index.js", loaded: false, children: [] };
    entry = wrapper.call(module.exports, module.exports, loader.requireFor("/function", true), module,
      "/function/index.js", "/function");
    if (typeof entry !== "function") entry = () => { throw new ReferenceError("lambda is not defined"); };
    module.loaded = true;
    exportsOnly = typeof module.exports === "function";
  },
  // V2: the module's `(input) => lambda(input)`.
  loadV2(thunk) {
    entry = thunk;
  },
  // What `import name` gives a V2 function: the module's exports (`default` is the CommonJS
  // `module.exports`), and their names, for the engine's module loader.
  importModule(name) {
    const exports = loader.importModule(name);
    return exports;
  },
  importNames(name) {
    const exports = loader.importModule(name);
    const names = exports !== null && (typeof exports === "object" || typeof exports === "function")
      ? Object.keys(exports).filter((k) => /^[A-Za-z_$][\w$]*$/.test(k) && k !== "default") : [];
    return stringify(names);
  },
  // Starts one call with the envelope (already parsed in the context).
  invoke(input) {
    const run = newRun(config);
    if (loadRun) {
      // What the top level logged belongs to the first call (V2 logs it; V1 notes it).
      for (const n of loadRun.notes) run.note(n);
      run.history = loadRun.history;
      run.lines = loadRun.lines;
      run.chars = loadRun.chars;
      run.dropped = loadRun.dropped;
      loadRun = null;
    }
    current = run;
    if (run.runtime === "v1") hide("console", makeConsole("v1"));
    if (run.runtime === "v1") invokeV1(run, entry, input);
    else invokeV2(run, entry, input);
    return run;
  },
  done() {
    return !current || current.done;
  },
  // Whether the call can still make progress: a timer, a request or an immediate pending.
  busy() {
    return !!current && !current.done && (current.timers.size > 0 || current.pending > 0 || ops.size > 0);
  },
  // Embedded engine: the due time (host clock, ms) of the earliest timer, or -1.
  nextDue() {
    let best = -1;
    if (current) for (const [, t] of current.timers) if (best < 0 || t.due < best) best = t.due;
    return best;
  },
  // Embedded engine: runs the timers that are due.
  runDue() {
    const run = current;
    if (!run) return;
    const now = host.now();
    const due = [];
    for (const [id, t] of run.timers) if (t.due <= now) due.push([id, t]);
    due.sort((a, b) => a[1].due - b[1].due);
    for (const [id, t] of due) {
      if (run.done) return;
      if (!run.timers.has(id)) continue;
      if (t.repeat) t.due = t.due + t.delay;
      else run.timers.delete(id);
      t.call();
    }
  },
  // Embedded engine: a host request finished.
  complete(id, answerJson) {
    completeHostFetch(ops, id, parseJson(answerJson));
  },
  uncaught(error) {
    uncaught(current, error);
  },
  outcome() {
    const run = current || newRun(config);
    if (exportsOnly && run.failure && read(run.failure, "message") === "lambda is not defined") {
      run.note(MODULE_EXPORTS_HINT);
    }
    return outcome(run);
  },
  // Ends the call (the engine stopped it): its timers and requests are dropped.
  end() {
    if (current && !current.done) finish(current);
    for (const [id] of ops) if (host.httpCancel) host.httpCancel(id);
    ops.clear();
  },
};
return control;
