// Modules: which names a function may require (V1) or import (V2), and a CommonJS loader over
// the modules the console installed with npm (`host.modulesRoot`). The loader evaluates every
// module inside the function's own context, so nothing is shared between runs and both engines
// load the same files the same way. Part of the one platform layer; runs inside the harness's
// function scope.

// The modules each platform version offers, at the versions LivePerson's CLI pins (V1) or the
// V2 runtime documents; the Rust side installs exactly these.
const PLATFORM_MODULES = {
  v1: ["lodash", "luxon", "jsonwebtoken", "uuid", "oauth-1.0a", "jsforce"],
  v2: ["luxon", "jsonwebtoken", "es-toolkit", "oauth-1.0a"],
};
const TOOLBELT_NAME = { v1: "lp-faas-toolbelt", v2: "core-functions-toolbelt" };

// Node built-ins a function may not use locally: no files, processes, sockets or engine
// internals on the operator's machine. HTTP goes through the toolbelt (or fetch), which keep
// to the function's allowlist.
const REFUSED_BUILTINS = ["fs", "fs/promises", "child_process", "cluster", "worker_threads", "net", "tls",
  "dgram", "http", "https", "http2", "inspector", "vm", "v8", "module", "repl", "process", "wasi",
  "trace_events", "readline", "tty", "dns", "dns/promises"];
const NODE_BUILTINS = ["assert", "assert/strict", "async_hooks", "buffer", "constants", "crypto",
  "diagnostics_channel", "events", "os", "path", "path/posix", "perf_hooks", "punycode",
  "querystring", "stream", "stream/promises", "stream/web", "string_decoder", "timers",
  "timers/promises", "url", "util", "util/types", "zlib"];

function moduleError(message, code) {
  const err = new Error(message);
  err.code = code;
  return err;
}

function notFound(name) {
  return moduleError("Cannot find module '" + name + "'", "MODULE_NOT_FOUND");
}

// A module loader for one run: `requireFor(dir)` gives the `require` of a file in `dir`.
function makeLoader(runtime, toolbelt, builtinStandIns) {
  const root = host.modulesRoot ? host.modulesRoot(runtime) : null;
  const cache = new Map();
  const allowed = PLATFORM_MODULES[runtime] || [];

  const isBuiltinName = (name) => {
    const bare = name.startsWith("node:") ? name.slice(5) : name;
    return NODE_BUILTINS.includes(bare) || REFUSED_BUILTINS.includes(bare) ? bare : null;
  };

  const builtin = (bare, fromUser) => {
    if (fromUser && REFUSED_BUILTINS.includes(bare)) {
      throw moduleError(
        "require('" + bare + "') is not available to a function run locally: it has no access to " +
          "this machine's files, processes or network (make HTTP calls with the toolbelt's " +
          "HTTPClient or fetch, limited to the function's allowlist)",
        "ERR_ACCESS_DENIED"
      );
    }
    if (builtinStandIns[bare] !== undefined) return builtinStandIns[bare];
    const native = host.builtin ? host.builtin(bare) : undefined;
    if (native !== undefined) return native;
    throw moduleError(
      "The Node.js built-in module '" + bare + "' " + INTL_HINT,
      "ERR_UNKNOWN_BUILTIN_MODULE"
    );
  };

  const packageName = (name) => {
    const parts = name.split("/");
    const count = name.startsWith("@") ? 2 : 1;
    return { pkg: parts.slice(0, count).join("/"), sub: parts.slice(count).join("/") };
  };

  const isFile = (p) => host.stat(p) === "file";
  const isDir = (p) => host.stat(p) === "dir";
  const join = (dir, rel) => {
    const out = dir.split("/");
    for (const part of rel.split("/")) {
      if (part === "" || part === ".") continue;
      if (part === "..") out.pop();
      else out.push(part);
    }
    return out.join("/") || "/";
  };
  const dirname = (p) => p.slice(0, p.lastIndexOf("/")) || "/";

  const asFile = (p) => [p, p + ".js", p + ".json", p + ".cjs"].find(isFile);
  const asDirectory = (p) => {
    const manifest = p + "/package.json";
    if (isFile(manifest)) {
      const main = readJson(manifest).main;
      if (typeof main === "string" && main) {
        const m = join(p, main);
        const found = asFile(m) || asFile(m + "/index");
        if (found) return found;
      }
    }
    return asFile(p + "/index");
  };
  const readJson = (p) => {
    const text = host.readFile(p);
    if (text === null || text === undefined) throw notFound(p);
    return JSON.parse(text);
  };

  // The "exports" map of a package.json for `require`: conditions node, require, default.
  const CONDITIONS = ["node", "require", "default"];
  const pickTarget = (target) => {
    if (typeof target === "string") return target;
    if (Array.isArray(target)) {
      for (const t of target) {
        const picked = pickTarget(t);
        if (picked) return picked;
      }
      return null;
    }
    if (target && typeof target === "object") {
      for (const key of Object.keys(target)) {
        if (CONDITIONS.includes(key)) {
          const picked = pickTarget(target[key]);
          if (picked) return picked;
        }
      }
    }
    return null;
  };
  const viaExports = (dir, exportsField, sub) => {
    const key = sub ? "./" + sub : ".";
    let map = exportsField;
    if (typeof map === "string" || Array.isArray(map) || !Object.keys(map).some((k) => k.startsWith("."))) {
      map = { ".": map };
    }
    if (map[key] !== undefined) {
      const t = pickTarget(map[key]);
      return t ? join(dir, t) : null;
    }
    for (const pattern of Object.keys(map)) {
      const star = pattern.indexOf("*");
      if (star < 0) continue;
      const before = pattern.slice(0, star);
      const after = pattern.slice(star + 1);
      if (key.startsWith(before) && key.endsWith(after) && key.length >= pattern.length - 1) {
        const t = pickTarget(map[pattern]);
        const middle = key.slice(before.length, key.length - after.length);
        return t ? join(dir, t.replace("*", middle)) : null;
      }
    }
    return null;
  };

  const resolvePackage = (name, fromDir) => {
    if (!root) return null;
    const { pkg, sub } = packageName(name);
    let dir = fromDir && fromDir.startsWith(root) ? fromDir : root;
    for (;;) {
      const base = dir === root || dir.endsWith("/node_modules") ? dir : dir + "/node_modules";
      const candidate = base + "/" + pkg;
      if (isDir(candidate)) {
        const manifest = candidate + "/package.json";
        const info = isFile(manifest) ? readJson(manifest) : {};
        if (info.exports !== undefined && info.exports !== null) {
          const target = viaExports(candidate, info.exports, sub);
          if (target && isFile(target)) return target;
          if (target) return asFile(target) || null;
          throw moduleError("Package subpath './" + sub + "' is not defined by \"exports\" in " + manifest,
            "ERR_PACKAGE_PATH_NOT_EXPORTED");
        }
        const p = sub ? join(candidate, sub) : candidate;
        return asFile(p) || asDirectory(p) || null;
      }
      if (dir === root || dir.length <= root.length) return null;
      dir = dirname(dir);
    }
  };

  const load = (path) => {
    const cached = cache.get(path);
    if (cached) return cached.exports;
    const module = { exports: {}, id: path, filename: path, loaded: false, children: [] };
    cache.set(path, module);
    if (path.endsWith(".json")) {
      module.exports = readJson(path);
    } else {
      const source = host.readFile(path);
      if (source === null || source === undefined) throw notFound(path);
      const wrapper = host.compileModule(source, path);
      const dir = dirname(path);
      wrapper.call(module.exports, module.exports, requireFor(dir, false), module, path, dir);
    }
    module.loaded = true;
    return module.exports;
  };

  const notInstalled = (pkg) =>
    moduleError(
      "'" + pkg + "' is one of the platform's modules, but it is not installed on this machine yet: " +
        "install them with `survey-console modules install` (or from the console's Function tab), " +
        "then run again",
      "MODULE_NOT_INSTALLED"
    );

  // `require` for code in `dir`; `fromUser` applies the platform's rules for the function's code.
  function requireFor(dir, fromUser) {
    const require = function require(name) {
      if (typeof name !== "string") {
        const err = new TypeError('The "id" argument must be of type string. Received ' +
          (name === null ? "null" : typeof name));
        err.code = "ERR_INVALID_ARG_TYPE";
        throw err;
      }
      if (name === "") {
        const err = new TypeError("The argument 'id' must be a non-empty string. Received ''");
        err.code = "ERR_INVALID_ARG_VALUE";
        throw err;
      }
      const bare = isBuiltinName(name);
      if (bare !== null) return builtin(bare, fromUser);
      if (fromUser) {
        if (name === TOOLBELT_NAME[runtime]) return toolbelt;
        if (runtime === "v1" && name.startsWith("lp-faas-toolbelt/")) {
          const mapped = name.slice("lp-faas-toolbelt/".length);
          if (allowed.includes(packageName(mapped).pkg)) return require(mapped);
        }
        if (name.startsWith(".") || name.startsWith("/")) throw notFound(name);
        const { pkg } = packageName(name);
        if (!allowed.includes(pkg)) throw notFound(name);
        const found = resolvePackage(name, null);
        if (!found) {
          if (!root || !isDir(root + "/" + pkg)) throw notInstalled(pkg);
          throw notFound(name);
        }
        return load(found);
      }
      if (name.startsWith("./") || name.startsWith("../") || name.startsWith("/")) {
        const p = name.startsWith("/") ? name : join(dir, name);
        const found = asFile(p) || asDirectory(p);
        if (!found || !root || !found.startsWith(root)) throw notFound(name);
        return load(found);
      }
      const found = resolvePackage(name, dir);
      if (!found) throw notFound(name);
      return load(found);
    };
    require.resolve = (name) => {
      throw moduleError("require.resolve('" + name + "') is not available to a function", "ERR_ACCESS_DENIED");
    };
    require.cache = {};
    return require;
  }

  // The names a V2 `import` may use, and what it gets: an object whose keys are the named
  // exports and whose `default` is the CommonJS `module.exports`.
  const importModule = (name) => {
    const exports = requireFor(null, true)(name);
    return exports;
  };

  return { requireFor, importModule, allowed };
}
