// The platform's contract, written once for both engines: the globals a function sees, the
// entry point (`lambda`), how a V1 callback or a V2 return becomes the result, how errors are
// classified, the log limits, and timers. V1 follows LivePerson's own emulator (the CLI's
// `rewire.js` and `faas-debugger.js`) step by step, so a local run answers what `lpf invoke
// --local` answers; V2 follows the V2 runtime's documented rules. The engine drives the event
// loop and enforces time and memory; everything else is here.

const CODES = {
  v1: { runtime: "com.liveperson.faas.handler.runtime-exception", custom: "com.liveperson.faas.handler.custom-failure" },
  v2: { runtime: "com.customer.faas.function.js-runtime-error", custom: "com.customer.faas.function.threw-error" },
};
const LOG_CHARS = { v1: 6000, v2: 16384 };
const MAX_LINE_CHARS = 16384;
const stringify = JSON.stringify;
const parseJson = JSON.parse;
const dateNow = Date.now;
const SafePromise = Promise;
const SafeMap = Map;
const realms = [{ Error, TypeError, SyntaxError, ReferenceError }].concat(host.realms || []);
const hide = (name, value) =>
  Object.defineProperty(g, name, { value, writable: true, configurable: true, enumerable: false });

// The constructor test of LivePerson's runtime: TypeError, SyntaxError and ReferenceError are
// runtime exceptions, any other error is a custom failure.
function isRuntimeError(e) {
  try {
    return !!e && realms.some((r) => e.constructor === r.TypeError || e.constructor === r.SyntaxError ||
      e.constructor === r.ReferenceError);
  } catch (err) {
    return false;
  }
}
function isError(e) {
  try {
    return realms.some((r) => e instanceof r.Error);
  } catch (err) {
    return false;
  }
}
const read = (value, key) => {
  try {
    return value[key];
  } catch (err) {
    return undefined;
  }
};

// A log argument as text: strings as they are, errors by their stack, the rest as JSON.
function formatOne(value) {
  try {
    if (typeof value === "string") return value;
    if (isError(value)) return String(read(value, "stack") || value);
    if (value !== null && typeof value === "object") {
      const text = stringify(value);
      return text === undefined ? String(value) : text;
    }
    return String(value);
  } catch (err) {
    return "[unprintable " + typeof value + "]";
  }
}
// A value as it travels back to the console: JSON, or its text when it has no JSON form.
function portable(value, text) {
  if (value === undefined) return undefined;
  if (typeof value === "string") return value.length > MAX_LINE_CHARS ? text : value;
  try {
    const json = stringify(value);
    if (json === undefined || json.length > MAX_LINE_CHARS) return text;
    return parseJson(json);
  } catch (err) {
    return text;
  }
}

let current = null;

function newRun(config) {
  const runtime = config.runtime === "v2" ? "v2" : "v1";
  const run = {
    config,
    runtime,
    history: [],
    lines: 0,
    chars: 0,
    dropped: 0,
    cut: false,
    notes: [],
    done: false,
    failure: undefined,
    value: undefined,
    hasValue: false,
    uncaught: false,
    timers: new SafeMap(),
    pending: 0,
    note(text) {
      if (!run.notes.includes(text) && run.notes.length < 20) run.notes.push(text);
    },
  };
  run.fetch = (input, init) => platformFetch(run, input, init);
  return run;
}

// One log line of the function: kept within the platform's limits (10 lines, 6,000 characters
// on V1, 16,384 on V2), the rest counted.
function writeLog(run, level, message, extras) {
  if (run.done) return;
  const maxLines = run.config.maxLogLines === undefined ? 10 : run.config.maxLogLines;
  if (run.lines >= maxLines) {
    run.dropped++;
    return;
  }
  const left = LOG_CHARS[run.runtime] - run.chars;
  if (left <= 0) {
    run.dropped++;
    return;
  }
  // Each argument is cut before they are joined, so a huge string is never copied.
  const pieces = [];
  let room = Math.min(left, MAX_LINE_CHARS) + 1;
  for (const part of [message].concat(extras)) {
    let piece = formatOne(part);
    if (piece.length > room) piece = piece.slice(0, room);
    pieces.push(piece);
    room -= piece.length + 1;
    if (room <= 0) break;
  }
  let text = pieces.join(" ");
  if (text.length > Math.min(left, MAX_LINE_CHARS)) {
    text = text.slice(0, Math.min(left, MAX_LINE_CHARS)) + "… (cut: at most " + LOG_CHARS[run.runtime] +
      " characters of logs per invocation)";
    run.cut = true;
  }
  run.lines++;
  run.chars += text.length;
  run.history.push({
    level,
    message: portable(message, text),
    extras: extras.map((e) => portable(e, formatOne(e))),
    text,
    timestamp: dateNow(),
  });
}

// The logger that replaces `console` while the function is called. On V1 it has exactly the
// methods of LivePerson's logger (so `console.log` is not a function); V2 adds `log`.
function makeConsole(runtime) {
  const method = (level) =>
    function (message, ...extras) {
      if (current) writeLog(current, level, message, extras);
    };
  const c = { debug: method("Debug"), info: method("Info"), warn: method("Warn"), error: method("Error") };
  if (runtime === "v2") c.log = method("Info");
  return c;
}
// The console of a V1 function's top level, before the platform's logger replaces it: Node's
// console, whose lines are not part of the invocation's logs.
function makeLoadConsole() {
  const c = {};
  for (const m of ["log", "info", "debug", "warn", "error", "trace", "dir", "table", "time", "timeEnd",
    "timeLog", "count", "countReset", "group", "groupEnd", "groupCollapsed", "assert"]) {
    c[m] = function (...args) {
      if (current && typeof args[0] !== "undefined" && ["log", "info", "debug", "warn", "error"].includes(m)) {
        current.note("Top-level console." + m + " (not part of the invocation's logs): " +
          args.map(formatOne).join(" ").slice(0, 200));
      }
    };
  }
  return c;
}

// LivePerson's `customError`: how a failure of the promisified lambda is logged.
function customError(run, error) {
  const codes = CODES.v1;
  if (error && read(error, "message")) {
    if (isError(error)) {
      run.history.push({ level: "Error", message: { errorMsg: error.message,
        errorCode: isRuntimeError(error) ? codes.runtime : codes.custom }, extras: [], timestamp: dateNow() });
    } else {
      run.history.push({ level: "Error", message: portable(error, formatOne(error)), extras: [], timestamp: dateNow() });
    }
  } else {
    run.history.push({ level: "Warn", message: { errorMsg:
      "Received error in an incorrect format. Please provide an error object to the callback.",
    errorCode: codes.custom }, extras: [{ originalFailure: portable(error, formatOne(error)) }], timestamp: dateNow() });
  }
}

function finish(run) {
  if (run.done) return;
  run.done = true;
  for (const [, t] of run.timers) {
    if (t.handle === undefined) continue;
    if (t.immediate) natives.clearImmediate(t.handle);
    else natives.clearTimeout(t.handle);
  }
  run.timers.clear();
  if (typeof host.finished === "function") host.finished();
}

// V1: LivePerson's `convertToPromisifiedLambda`: the result only through the callback; a
// returned promise's value is ignored, its rejection caught.
function invokeV1(run, entry, input) {
  new SafePromise((resolve, reject) => {
    try {
      const callback = (err, response) => {
        if (err === undefined || err === null) return resolve(response);
        return reject(err);
      };
      const returnValue = entry(input, callback);
      if (returnValue && typeof returnValue.then === "function") {
        return returnValue.then((_) => {}).catch(reject);
      }
    } catch (error) {
      return reject(error);
    }
  }).then(
    (response) => {
      if (run.done) return;
      run.history.push({ level: "Callback", message: response, extras: [], timestamp: dateNow() });
      finish(run);
    },
    (error) => {
      if (run.done) return;
      run.failure = error;
      customError(run, error);
      finish(run);
    }
  );
}

// V2: `async function lambda(input)` returns the result; a throw or rejection is the error.
function invokeV2(run, entry, input) {
  let returned;
  try {
    returned = SafePromise.resolve(entry(input));
  } catch (error) {
    returned = SafePromise.reject(error);
  }
  returned.then(
    (value) => {
      if (run.done) return;
      run.value = value;
      run.hasValue = true;
      finish(run);
    },
    (error) => {
      if (run.done) return;
      run.failure = error;
      finish(run);
    }
  );
}

// An error outside the call's promise (a timer that threw, an unhandled rejection) before the
// function answered: the run fails with it. LivePerson's emulator crashes and prints nothing.
function uncaught(run, error) {
  if (!run || run.done) return;
  run.uncaught = true;
  run.failure = error;
  run.note("The error was thrown outside the call (in a timer, or a promise nobody awaited); " +
    "LivePerson's emulator prints nothing for it, the platform reports it as the function's error.");
  if (run.runtime === "v1") customError(run, error);
  finish(run);
}

function describe(error) {
  const out = {};
  if (error !== null && (typeof error === "object" || typeof error === "function")) {
    const name = read(error, "name");
    const stack = read(error, "stack");
    if (typeof name === "string") out.name = name;
    if (typeof stack === "string") out.stack = stack.slice(0, 4000);
  }
  return out;
}

// The outcome of a finished run, as LivePerson's emulator decides it from the log history (V1)
// or as the V2 runtime documents it.
function outcome(run) {
  const logs = run.history.filter((e) => e.text !== undefined).map((e) => ({
    level: e.level, message: e.message, extras: e.extras, text: e.text,
  }));
  const base = { logs, dropped: run.dropped, cut: run.cut, notes: run.notes, uncaught: run.uncaught };
  const error = (code, value) => Object.assign(base, { kind: "error", code, value: portable(value, formatOne(value)) },
    describe(run.failure));
  if (!run.done) return stringify(Object.assign(base, { kind: "pending" }));
  if (run.runtime === "v2") {
    if (run.hasValue) return result(base, run.value, run.value !== undefined);
    const f = run.failure;
    const code = isRuntimeError(f) ? CODES.v2.runtime : CODES.v2.custom;
    return stringify(error(code, f !== null && typeof f === "object" && typeof read(f, "message") === "string"
      ? f.message : String(f)));
  }
  const h = run.history;
  const incorrect = h.find((e) => e.level === "Warn" && e.extras && e.extras[0] && e.extras[0].originalFailure &&
    e.message && typeof e.message.errorMsg === "string" && e.message.errorMsg.includes("incorrect format"));
  if (incorrect) {
    run.note(incorrect.message.errorMsg);
    return stringify(error(incorrect.message.errorCode, incorrect.extras[0].originalFailure));
  }
  const failed = h.find((e) => e.level === "Error" && e.message && e.message.errorMsg);
  if (failed) return stringify(error(failed.message.errorCode, failed.message.errorMsg));
  const answered = h.find((e) => e.level === "Callback");
  if (run.failure !== undefined) {
    run.note("The function failed with " + formatOne(run.failure) + ", which is not an Error with a message: " +
      "LivePerson's emulator reports that as a success with an empty result; the platform may not.");
  }
  return answered ? result(base, answered.message, answered.message !== undefined) : result(base, "", true);
}

function result(base, value, present) {
  const out = Object.assign(base, { kind: "result" });
  if (present) out.result = value;
  try {
    return stringify(out);
  } catch (err) {
    delete out.result;
    return stringify(Object.assign(out, { kind: "error", code: CODES[current ? current.runtime : "v1"].runtime,
      value: "the result cannot be converted to JSON: " + String(read(err, "message")), name: read(err, "name") }));
  }
}

// fetch as the function sees it: only to its allowlist; refused domains answered as the
// platform's proxy answers them.
function platformFetch(run, input, init) {
  const url = typeof input === "string" ? input : input && input.url ? input.url : String(input);
  if (!isAllowed(run.config.allowlist || [], url)) {
    run.note("fetch refused " + url + ": its domain is not on the function's allowlist.");
    const Response = natives.Response || PolyResponse;
    return SafePromise.resolve(new Response(PROXY_REFUSAL, { status: 403, statusText: "Forbidden" }));
  }
  run.pending++;
  const settle = () => {
    run.pending--;
  };
  const p = (natives.fetch || hostFetch)(input, init);
  p.then(settle, settle);
  return p;
}
