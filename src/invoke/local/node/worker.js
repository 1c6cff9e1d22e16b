// The Node.js engine's worker: one process the console keeps warm, running one function call at
// a time, each in a fresh `vm` context (nothing carried over between runs). It evaluates the
// same platform layer as the embedded engine and gives it Node's own globals, built-ins and
// timers. The console talks to it in JSON lines on stdin/stdout; time and memory limits are
// the console's (it kills the process group).
"use strict";

module.exports = function start(HARNESS, send) {
  const vm = require("vm");
  const fs = require("fs");
  const path = require("path");
  const { performance } = require("perf_hooks");

  const harnessScript = new vm.Script(HARNESS, { filename: "platform.js" });
  const natives = {
    Buffer, URL, URLSearchParams, TextEncoder, TextDecoder, structuredClone, atob, btoa,
    fetch, Headers, Request, Response, FormData, AbortController, AbortSignal, DOMException,
    performance, setTimeout, clearTimeout, setInterval, clearInterval, setImmediate, clearImmediate,
    queueMicrotask,
    nextTick: process.nextTick,
    process: { version: process.version, versions: process.versions, platform: process.platform, arch: process.arch },
  };
  const realms = [{ Error, TypeError, SyntaxError, ReferenceError }];
  let current = null;

  process.on("unhandledRejection", (reason, promise) => {
    if (current && promise instanceof current.Promise) current.control.uncaught(reason);
  });
  process.on("uncaughtException", (error) => {
    if (current) current.control.uncaught(error);
  });

  const inside = (root, p) => root && path.resolve(p).startsWith(root + path.sep) && !p.split(path.sep).includes("..");

  function hostFor(ctx, modulesRoot, finished) {
    return {
      engine: "node",
      natives,
      realms,
      refusesCodeGeneration: true,
      now: () => performance.now(),
      builtin: (name) => require(name),
      modulesRoot: (runtime) => (modulesRoot ? path.join(modulesRoot, runtime, "node_modules") : null),
      stat: (p) => {
        if (!inside(modulesRoot, p)) return null;
        try {
          return fs.statSync(p).isDirectory() ? "dir" : "file";
        } catch (err) {
          return null;
        }
      },
      readFile: (p) => {
        if (!inside(modulesRoot, p)) return null;
        try {
          return fs.readFileSync(p, "utf8");
        } catch (err) {
          return null;
        }
      },
      compileModule: (source, filename) =>
        vm.compileFunction(source, ["exports", "require", "module", "__filename", "__dirname"], {
          parsingContext: ctx,
          filename,
        }),
      finished,
    };
  }

  // A SyntaxError from compiling the function's code, with its line and column.
  function syntaxError(err) {
    const stack = String(err && err.stack);
    const lines = stack.split("\n");
    const at = /index\.js:(\d+)/.exec(lines[0] || "");
    const caret = lines.find((l) => /^\s*\^/.test(l));
    return {
      message: err && err.message,
      line: at ? Number(at[1]) : null,
      column: caret ? caret.indexOf("^") + 1 : null,
    };
  }

  async function load(msg, ctx, control) {
    if (msg.runtime === "v2") {
      const mod = new vm.SourceTextModule(msg.code + msg.suffix, { context: ctx, identifier: "/function/index.js" });
      await mod.link(async (specifier) => {
        const exports = control.importModule(specifier);
        const names = JSON.parse(control.importNames(specifier));
        return new vm.SyntheticModule(["default"].concat(names), function () {
          this.setExport("default", exports);
          for (const n of names) this.setExport(n, exports[n]);
        }, { context: ctx, identifier: specifier });
      });
      await mod.evaluate();
      control.loadV2(mod.namespace.__lpPlatformEntry);
      return;
    }
    const fn = vm.compileFunction(msg.code + msg.suffix, ["exports", "require", "module", "__filename", "__dirname"], {
      parsingContext: ctx,
      filename: "/function/index.js",
    });
    control.loadV1(fn);
  }

  function isSyntax(err) {
    return err && (err.name === "SyntaxError" || err instanceof SyntaxError) && /index\.js/.test(String(err.stack));
  }

  async function run(msg) {
    const busyNow = () => process.getActiveResourcesInfo().filter((r) => r !== "Timeout").length;
    const baseline = busyNow();
    let resolveDone;
    const done = new Promise((r) => (resolveDone = r));
    const ctx = vm.createContext({}, { codeGeneration: { strings: false, wasm: false } });
    const factory = harnessScript.runInContext(ctx);
    const control = factory(hostFor(ctx, msg.modulesRoot, () => resolveDone()));
    current = { control, Promise: vm.runInContext("Promise", ctx) };
    control.setup(msg.config);
    try {
      await load(msg, ctx, control);
    } catch (err) {
      if (msg.runtime === "v2" ? isSyntax(err) && err.stack && !err.stack.includes("at ") : isSyntax(err)) {
        current = null;
        return { id: msg.id, type: "syntax", error: syntaxError(err) };
      }
      control.failLoad(err);
      current = null;
      return { id: msg.id, type: "done", outcome: control.outcome(), stage: "load" };
    }
    const parse = vm.runInContext("JSON.parse", ctx);
    // Called from a macrotask, as LivePerson's emulator calls lambda from the module's top
    // level: next-tick callbacks then run before promise jobs, as they do there.
    await new Promise((started) =>
      setImmediate(() => {
        control.invoke(parse(msg.input));
        started();
      })
    );
    // Wait for the answer, or for nothing being left to wait for.
    let quiet = 0;
    while (!control.done()) {
      const tick = new Promise((r) => setTimeout(r, 5));
      await Promise.race([done, tick]);
      if (control.done()) break;
      if (!control.busy() && busyNow() <= baseline) quiet++;
      else quiet = 0;
      if (quiet >= 3) {
        control.end();
        current = null;
        return { id: msg.id, type: "idle", outcome: control.outcome() };
      }
    }
    current = null;
    return { id: msg.id, type: "done", outcome: control.outcome() };
  }

  return async function handle(msg) {
    try {
      send(await run(msg));
    } catch (err) {
      current = null;
      send({ id: msg.id, type: "engine", message: String((err && err.stack) || err) });
    }
  };
};
