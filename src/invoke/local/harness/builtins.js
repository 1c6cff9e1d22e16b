// Node built-ins for an engine without Node: the parts of `crypto`, `buffer`, `url`,
// `querystring`, `util`, `events`, `path` and `assert` that functions and the platform's plain
// JavaScript modules use. The Node engine passes none of these (it has the real ones). Hashes,
// HMACs and random bytes are the host's (`host.digest`, `host.hmac`, `host.randomBytes`). Part of
// the one platform layer; runs inside the harness's function scope.

function makeStandIns(Buffer) {
  if (natives.Buffer !== undefined) return {};
  const b64 = (bytes) => base64Encode(bytes, false);
  const toBytes = (data, enc) => (typeof data === "string" ? Buffer.from(data, enc) : Buffer.from(data));
  const ALGORITHMS = ["sha1", "sha256", "sha384", "sha512"];
  const algorithm = (name) => {
    const a = String(name).toLowerCase().replace("-", "");
    if (!ALGORITHMS.includes(a)) {
      throw new Error("Digest method not supported: " + name + " (the embedded engine has sha1, sha256, sha384 " +
        "and sha512; run with the Node.js engine for others)");
    }
    return a;
  };
  const hasher = (compute) => {
    const chunks = [];
    const h = {
      update(data, enc) {
        chunks.push(toBytes(data, enc));
        return h;
      },
      digest(enc) {
        const out = Buffer.from(compute(b64(Buffer.concat(chunks))), "base64");
        return enc ? out.toString(enc) : out;
      },
    };
    return h;
  };
  const randomBytes = (n) => Buffer.from(host.randomBytes(n), "base64");
  const randomFillSync = (buf, offset, size) => {
    const at = offset || 0;
    const n = size === undefined ? buf.length - at : size;
    const bytes = randomBytes(n);
    for (let i = 0; i < n; i++) buf[at + i] = bytes[i];
    return buf;
  };
  const randomUUID = () => {
    const b = randomBytes(16);
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    const h = b.toString("hex");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  };
  const crypto = {
    createHash: (alg) => {
      const a = algorithm(alg);
      return hasher((data) => host.digest(a, data));
    },
    createHmac: (alg, key) => {
      const a = algorithm(alg);
      const k = b64(toBytes(key));
      return hasher((data) => host.hmac(a, k, data));
    },
    randomBytes: (n, cb) => {
      const out = randomBytes(n);
      if (typeof cb === "function") g.setTimeout(() => cb(null, out), 0);
      return out;
    },
    randomFillSync,
    randomUUID,
    getRandomValues: (arr) => randomFillSync(new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength)) && arr,
    timingSafeEqual: (a, b) => {
      if (a.length !== b.length) throw new RangeError("Input buffers must have the same byte length");
      let diff = 0;
      for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
      return diff === 0;
    },
    getHashes: () => ALGORITHMS.slice(),
  };
  crypto.webcrypto = { getRandomValues: crypto.getRandomValues, randomUUID };
  if (g.crypto === undefined) hide("crypto", crypto.webcrypto);

  const querystring = {
    parse: (s) => {
      const out = {};
      for (const [k, v] of new g.URLSearchParams(String(s || ""))) {
        if (out[k] === undefined) out[k] = v;
        else out[k] = [].concat(out[k], v);
      }
      return out;
    },
    stringify: (o) => Object.keys(o || {}).flatMap((k) => [].concat(o[k]).map((v) =>
      encodeURIComponent(k) + "=" + encodeURIComponent(v === undefined || v === null ? "" : v))).join("&"),
    escape: (s) => encodeURIComponent(s),
    unescape: (s) => decodeURIComponent(s),
  };
  querystring.decode = querystring.parse;
  querystring.encode = querystring.stringify;

  const format = (f, ...args) => {
    if (typeof f !== "string") return [f].concat(args).map(formatOne).join(" ");
    let i = 0;
    const out = f.replace(/%[sdifjoO%]/g, (m) => {
      if (m === "%%") return "%";
      if (i >= args.length) return m;
      const a = args[i++];
      if (m === "%d" || m === "%i") return String(m === "%i" ? parseInt(a, 10) : Number(a));
      if (m === "%f") return String(parseFloat(a));
      if (m === "%j") return stringify(a);
      return formatOne(a);
    });
    return [out].concat(args.slice(i).map(formatOne)).join(" ");
  };
  const util = {
    format,
    inspect: (v) => formatOne(v),
    inherits: (ctor, superCtor) => {
      Object.setPrototypeOf(ctor.prototype, superCtor.prototype);
      Object.setPrototypeOf(ctor, superCtor);
      ctor.super_ = superCtor;
    },
    promisify: (fn) => (...args) => new Promise((resolve, reject) =>
      fn(...args, (err, value) => (err ? reject(err) : resolve(value)))),
    deprecate: (fn) => fn,
    isDeepStrictEqual: (a, b) => stringify(a) === stringify(b),
    TextEncoder: g.TextEncoder,
    TextDecoder: g.TextDecoder,
    types: {
      isDate: (v) => v instanceof Date,
      isRegExp: (v) => v instanceof RegExp,
      isPromise: (v) => v instanceof Promise,
    },
  };

  class EventEmitter {
    constructor() {
      this._events = new Map();
    }
    on(name, fn) {
      if (!this._events) this._events = new Map();
      if (!this._events.has(name)) this._events.set(name, []);
      this._events.get(name).push(fn);
      return this;
    }
    once(name, fn) {
      const wrapped = (...args) => {
        this.off(name, wrapped);
        fn.apply(this, args);
      };
      return this.on(name, wrapped);
    }
    off(name, fn) {
      const list = this._events && this._events.get(name);
      if (list) this._events.set(name, list.filter((f) => f !== fn));
      return this;
    }
    emit(name, ...args) {
      const list = this._events && this._events.get(name);
      if (!list || list.length === 0) {
        if (name === "error") throw args[0] instanceof Error ? args[0] : new Error("Unhandled error. (" + formatOne(args[0]) + ")");
        return false;
      }
      for (const fn of list.slice()) fn.apply(this, args);
      return true;
    }
    listeners(name) {
      return ((this._events && this._events.get(name)) || []).slice();
    }
    listenerCount(name) {
      return this.listeners(name).length;
    }
    removeAllListeners(name) {
      if (name === undefined) this._events = new Map();
      else if (this._events) this._events.delete(name);
      return this;
    }
  }
  EventEmitter.prototype.addListener = EventEmitter.prototype.on;
  EventEmitter.prototype.removeListener = EventEmitter.prototype.off;
  EventEmitter.EventEmitter = EventEmitter;

  const normalize = (p) => {
    const abs = p.startsWith("/");
    const out = [];
    for (const part of p.split("/")) {
      if (part === "" || part === ".") continue;
      if (part === "..") {
        if (out.length && out[out.length - 1] !== "..") out.pop();
        else if (!abs) out.push("..");
      } else out.push(part);
    }
    return (abs ? "/" : "") + out.join("/") || (abs ? "/" : ".");
  };
  const path = {
    sep: "/",
    delimiter: ":",
    normalize,
    join: (...parts) => normalize(parts.filter((p) => p !== "").join("/")),
    resolve: (...parts) => normalize("/" + parts.join("/")),
    dirname: (p) => (p.includes("/") ? p.slice(0, p.lastIndexOf("/")) || "/" : "."),
    basename: (p, ext) => {
      const base = p.slice(p.lastIndexOf("/") + 1);
      return ext && base.endsWith(ext) ? base.slice(0, -ext.length) : base;
    },
    extname: (p) => {
      const base = p.slice(p.lastIndexOf("/") + 1);
      const dot = base.lastIndexOf(".");
      return dot > 0 ? base.slice(dot) : "";
    },
    isAbsolute: (p) => p.startsWith("/"),
  };
  path.posix = path;

  class AssertionError extends Error {
    constructor(message) {
      super(message);
      this.name = "AssertionError";
      this.code = "ERR_ASSERTION";
    }
  }
  const assert = (v, message) => {
    if (!v) throw new AssertionError(message || "The expression evaluated to a falsy value");
  };
  assert.ok = assert;
  assert.equal = (a, b, m) => assert(a == b, m || formatOne(a) + " == " + formatOne(b));
  assert.strictEqual = (a, b, m) => assert(Object.is(a, b), m || "Expected values to be strictly equal");
  assert.notStrictEqual = (a, b, m) => assert(!Object.is(a, b), m || "Expected values to differ");
  assert.deepStrictEqual = (a, b, m) => assert(stringify(a) === stringify(b), m || "Expected values to be deep-equal");
  assert.AssertionError = AssertionError;
  assert.strict = assert;

  return {
    crypto,
    buffer: { Buffer, kMaxLength: 4294967296, constants: { MAX_LENGTH: 4294967296 } },
    url: { URL: g.URL, URLSearchParams: g.URLSearchParams },
    querystring,
    util,
    events: EventEmitter,
    path,
    "path/posix": path,
    assert,
    "assert/strict": assert,
  };
}
