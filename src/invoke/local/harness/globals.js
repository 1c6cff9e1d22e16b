// Globals a function finds on the platform (Node.js) that an engine may lack: Buffer,
// TextEncoder/TextDecoder, URL/URLSearchParams, structuredClone, AbortController. Each one is
// installed only when the engine passes no native one in `host.natives`, so the Node engine
// keeps Node's own and the embedded engine gets these. Part of the one platform layer both
// engines evaluate; runs inside the harness's function scope (`host`, `g` are in scope).

const natives = host.natives || {};
const nativeOr = (name, make) => (natives[name] !== undefined ? natives[name] : make());
const SafeUint8Array = Uint8Array;
const fromCharCode = String.fromCharCode;
const INTL_HINT =
  "is not available in the embedded QuickJS engine: run the function with the Node.js engine " +
  "(--engine node, or the local endpoint's engine setting)";

// UTF-8 without a TextEncoder: the polyfills below and Buffer share these.
function utf8Encode(text) {
  const s = String(text);
  const out = [];
  for (let i = 0; i < s.length; i++) {
    let c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length) {
      const d = s.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        c = 0x10000 + ((c - 0xd800) << 10) + (d - 0xdc00);
        i++;
      } else {
        c = 0xfffd;
      }
    } else if (c >= 0xd800 && c <= 0xdfff) {
      c = 0xfffd;
    }
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else
      out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return new SafeUint8Array(out);
}

function utf8Decode(bytes, fatal) {
  let out = "";
  let chunk = [];
  const flush = () => {
    out += fromCharCode.apply(null, chunk);
    chunk = [];
  };
  const bad = () => {
    if (fatal) throw new TypeError("The encoded data was not valid for encoding utf-8");
    chunk.push(0xfffd);
  };
  for (let i = 0; i < bytes.length; ) {
    const b = bytes[i];
    let need = 0;
    let c = 0;
    if (b < 0x80) {
      chunk.push(b);
      i++;
    } else {
      if (b >= 0xc2 && b <= 0xdf) (need = 1), (c = b & 0x1f);
      else if (b >= 0xe0 && b <= 0xef) (need = 2), (c = b & 0x0f);
      else if (b >= 0xf0 && b <= 0xf4) (need = 3), (c = b & 0x07);
      else {
        bad();
        i++;
        continue;
      }
      let j = 1;
      for (; j <= need; j++) {
        const n = bytes[i + j];
        if (n === undefined || (n & 0xc0) !== 0x80) break;
        c = (c << 6) | (n & 0x3f);
      }
      if (j <= need || (need === 2 && c < 0x800) || (need === 3 && (c < 0x10000 || c > 0x10ffff)) ||
          (c >= 0xd800 && c <= 0xdfff)) {
        bad();
        i += j > 1 ? j : 1;
        continue;
      }
      i += need + 1;
      if (c >= 0x10000) {
        c -= 0x10000;
        chunk.push(0xd800 + (c >> 10), 0xdc00 + (c & 0x3ff));
      } else {
        chunk.push(c);
      }
    }
    if (chunk.length > 8192) flush();
  }
  flush();
  return out;
}

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
function base64Encode(bytes, url) {
  let out = "";
  for (let i = 0; i < bytes.length; i += 3) {
    const n = (bytes[i] << 16) | ((bytes[i + 1] || 0) << 8) | (bytes[i + 2] || 0);
    out += B64[(n >> 18) & 63] + B64[(n >> 12) & 63];
    out += i + 1 < bytes.length ? B64[(n >> 6) & 63] : url ? "" : "=";
    out += i + 2 < bytes.length ? B64[n & 63] : url ? "" : "=";
  }
  return url ? out.replace(/\+/g, "-").replace(/\//g, "_") : out;
}
function base64Decode(text) {
  // Node's decoder: both alphabets, whitespace and padding ignored, stops at the first "=".
  const out = [];
  let acc = 0;
  let bits = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === "=") break;
    let v = B64.indexOf(ch);
    if (ch === "-") v = 62;
    if (ch === "_") v = 63;
    if (v < 0) continue;
    acc = (acc << 6) | v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push((acc >> bits) & 0xff);
    }
  }
  return new SafeUint8Array(out);
}

// Buffer: the part of Node's API functions use (encodings, slicing, comparing, reading numbers).
const PolyBuffer = (function () {
  const ENCODINGS = ["utf8", "utf-8", "hex", "base64", "base64url", "latin1", "binary", "ascii",
    "ucs2", "ucs-2", "utf16le", "utf-16le"];
  const norm = (enc) => {
    const e = enc === undefined ? "utf8" : String(enc).toLowerCase();
    if (!ENCODINGS.includes(e)) throw new TypeError("Unknown encoding: " + enc);
    return e;
  };
  const encode = (string, enc) => {
    switch (norm(enc)) {
      case "hex": {
        const out = [];
        for (let i = 0; i + 1 < string.length; i += 2) {
          const v = parseInt(string.substr(i, 2), 16);
          if (Number.isNaN(v)) break;
          out.push(v);
        }
        return new SafeUint8Array(out);
      }
      case "base64":
      case "base64url":
        return base64Decode(string);
      case "latin1":
      case "binary":
      case "ascii": {
        const out = new SafeUint8Array(string.length);
        for (let i = 0; i < string.length; i++) out[i] = string.charCodeAt(i) & 0xff;
        return out;
      }
      case "ucs2":
      case "ucs-2":
      case "utf16le":
      case "utf-16le": {
        const out = new SafeUint8Array(string.length * 2);
        for (let i = 0; i < string.length; i++) {
          const c = string.charCodeAt(i);
          out[i * 2] = c & 0xff;
          out[i * 2 + 1] = c >> 8;
        }
        return out;
      }
      default:
        return utf8Encode(string);
    }
  };
  class Buffer extends SafeUint8Array {
    static from(value, encodingOrOffset, length) {
      if (typeof value === "string") return Buffer.fromBytes(encode(value, encodingOrOffset));
      if (value instanceof ArrayBuffer) {
        const offset = encodingOrOffset || 0;
        const len = length === undefined ? value.byteLength - offset : length;
        return new Buffer(value, offset, len);
      }
      if (value && value.type === "Buffer" && Array.isArray(value.data)) {
        return Buffer.fromBytes(value.data);
      }
      if (value && typeof value === "object" && typeof value.length === "number") {
        return Buffer.fromBytes(value);
      }
      throw new TypeError(
        "The first argument must be of type string or an instance of Buffer, ArrayBuffer, or " +
          "Array or an Array-like Object." + (value === undefined ? " Received undefined" : "")
      );
    }
    static fromBytes(bytes) {
      const buf = new Buffer(bytes.length);
      for (let i = 0; i < bytes.length; i++) buf[i] = bytes[i] & 0xff;
      return buf;
    }
    static alloc(size, fill, encoding) {
      const buf = new Buffer(size);
      if (fill !== undefined) buf.fill(fill, 0, size, encoding);
      return buf;
    }
    static allocUnsafe(size) {
      return new Buffer(size);
    }
    static isBuffer(value) {
      return value instanceof Buffer;
    }
    static isEncoding(enc) {
      return typeof enc === "string" && ENCODINGS.includes(enc.toLowerCase());
    }
    static byteLength(value, enc) {
      return typeof value === "string" ? encode(value, enc).length : value.byteLength;
    }
    static concat(list, total) {
      const size = total === undefined ? list.reduce((n, b) => n + b.length, 0) : total;
      const out = Buffer.alloc(size);
      let at = 0;
      for (const b of list) {
        for (let i = 0; i < b.length && at < size; i++) out[at++] = b[i];
      }
      return out;
    }
    static compare(a, b) {
      const n = Math.min(a.length, b.length);
      for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] < b[i] ? -1 : 1;
      return a.length === b.length ? 0 : a.length < b.length ? -1 : 1;
    }
    toString(enc, start, end) {
      const bytes = this.subarray(start || 0, end === undefined ? this.length : end);
      switch (norm(enc)) {
        case "hex": {
          let out = "";
          for (let i = 0; i < bytes.length; i++) out += (bytes[i] < 16 ? "0" : "") + bytes[i].toString(16);
          return out;
        }
        case "base64":
          return base64Encode(bytes, false);
        case "base64url":
          return base64Encode(bytes, true);
        case "latin1":
        case "binary":
          return fromCharCode.apply(null, Array.from(bytes));
        case "ascii":
          return fromCharCode.apply(null, Array.from(bytes, (b) => b & 0x7f));
        case "ucs2":
        case "ucs-2":
        case "utf16le":
        case "utf-16le": {
          let out = "";
          for (let i = 0; i + 1 < bytes.length; i += 2) out += fromCharCode(bytes[i] | (bytes[i + 1] << 8));
          return out;
        }
        default:
          return utf8Decode(bytes, false);
      }
    }
    toJSON() {
      return { type: "Buffer", data: Array.from(this) };
    }
    equals(other) {
      return Buffer.compare(this, other) === 0;
    }
    compare(other) {
      return Buffer.compare(this, other);
    }
    slice(start, end) {
      return this.subarray(start, end);
    }
    write(string, offset, length, enc) {
      if (typeof offset === "string") (enc = offset), (offset = 0), (length = undefined);
      const bytes = encode(string, enc);
      const at = offset || 0;
      const n = Math.min(bytes.length, length === undefined ? this.length - at : length, this.length - at);
      for (let i = 0; i < n; i++) this[at + i] = bytes[i];
      return n;
    }
    fill(value, start, end, enc) {
      if (typeof value === "string") {
        const bytes = encode(value, enc);
        const from = start || 0;
        const to = end === undefined ? this.length : end;
        for (let i = from, j = 0; i < to && bytes.length; i++, j = (j + 1) % bytes.length) this[i] = bytes[j];
        return this;
      }
      return super.fill(value, start, end);
    }
    indexOf(value, from, enc) {
      if (typeof value === "number") return super.indexOf(value, from);
      const needle = typeof value === "string" ? encode(value, enc) : value;
      outer: for (let i = from || 0; i + needle.length <= this.length; i++) {
        for (let j = 0; j < needle.length; j++) if (this[i + j] !== needle[j]) continue outer;
        return i;
      }
      return -1;
    }
    includes(value, from, enc) {
      return this.indexOf(value, from, enc) !== -1;
    }
    copy(target, targetStart, sourceStart, sourceEnd) {
      const from = sourceStart || 0;
      const to = sourceEnd === undefined ? this.length : sourceEnd;
      let n = 0;
      for (let i = from, t = targetStart || 0; i < to && t < target.length; i++, t++, n++) target[t] = this[i];
      return n;
    }
  }
  const view = (buf) => new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const numbers = [["UInt8", 1, "Uint8"], ["Int8", 1, "Int8"], ["UInt16", 2, "Uint16"], ["Int16", 2, "Int16"],
    ["UInt32", 4, "Uint32"], ["Int32", 4, "Int32"], ["Float", 4, "Float32"], ["Double", 8, "Float64"]];
  for (const [name, size, dv] of numbers) {
    const ends = size === 1 ? [""] : ["LE", "BE"];
    for (const e of ends) {
      Buffer.prototype["read" + name + e] = function (offset) {
        return view(this)["get" + dv](offset || 0, e === "LE");
      };
      Buffer.prototype["write" + name + e] = function (value, offset) {
        view(this)["set" + dv](offset || 0, value, e === "LE");
        return (offset || 0) + size;
      };
      if (name.startsWith("UInt")) {
        Buffer.prototype["readUint" + name.slice(4) + e] = Buffer.prototype["read" + name + e];
        Buffer.prototype["writeUint" + name.slice(4) + e] = Buffer.prototype["write" + name + e];
      }
    }
  }
  return Buffer;
})();

class PolyTextEncoder {
  get encoding() {
    return "utf-8";
  }
  encode(text) {
    return utf8Encode(text === undefined ? "" : text);
  }
}
class PolyTextDecoder {
  constructor(label, options) {
    const l = label === undefined ? "utf-8" : String(label).toLowerCase();
    if (l !== "utf-8" && l !== "utf8") {
      throw new RangeError('The "' + label + '" encoding is not supported');
    }
    this.fatal = !!(options && options.fatal);
    this.ignoreBOM = !!(options && options.ignoreBOM);
  }
  get encoding() {
    return "utf-8";
  }
  decode(input) {
    if (input === undefined) return "";
    const bytes = input instanceof ArrayBuffer ? new SafeUint8Array(input)
      : new SafeUint8Array(input.buffer, input.byteOffset, input.byteLength);
    const text = utf8Decode(bytes, this.fatal);
    return !this.ignoreBOM && text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  }
}

// structuredClone: the HTML structured clone of the values a function works with.
function polyStructuredClone(value) {
  const seen = new Map();
  const fail = (v) => {
    const text = typeof v === "function" ? String(v) : typeof v === "symbol" ? v.toString() : "#<Object>";
    throw new DOMException(text + " could not be cloned.", "DataCloneError");
  };
  const clone = (v) => {
    if (typeof v === "function" || typeof v === "symbol") fail(v);
    if (v === null || typeof v !== "object") return v;
    if (seen.has(v)) return seen.get(v);
    let out;
    if (Array.isArray(v)) {
      out = [];
      seen.set(v, out);
      for (const k of Object.keys(v)) out[k] = clone(v[k]);
      return out;
    }
    if (v instanceof Date) out = new Date(v.getTime());
    else if (v instanceof RegExp) out = new RegExp(v.source, v.flags);
    else if (v instanceof Boolean || v instanceof Number || v instanceof String) out = Object(v.valueOf());
    else if (v instanceof ArrayBuffer) out = v.slice(0);
    else if (ArrayBuffer.isView(v)) {
      const Ctor = v instanceof PolyBuffer ? SafeUint8Array : v.constructor;
      out = new Ctor(v.buffer.slice(v.byteOffset, v.byteOffset + v.byteLength));
    } else if (v instanceof Map) {
      out = new Map();
      seen.set(v, out);
      for (const [k, x] of v) out.set(clone(k), clone(x));
      return out;
    } else if (v instanceof Set) {
      out = new Set();
      seen.set(v, out);
      for (const x of v) out.add(clone(x));
      return out;
    } else if (v instanceof Error) {
      const Ctor = [EvalError, RangeError, ReferenceError, SyntaxError, TypeError, URIError].find((c) => v instanceof c) || Error;
      out = new Ctor(v.message);
      if (v.stack !== undefined) out.stack = v.stack;
    } else if (v instanceof Promise || v instanceof WeakMap || v instanceof WeakSet) {
      fail(v);
    } else {
      out = {};
      seen.set(v, out);
      for (const k of Object.keys(v)) out[k] = clone(v[k]);
      return out;
    }
    seen.set(v, out);
    return out;
  }
  return clone(value);
}

// Locale formatting without Intl: Node's default locale (en-US) with no options; anything
// else needs Intl and says so.
function installLocaleDefaults() {
  const numberToString = Number.prototype.toString;
  const plain = (n) => {
    if (!Number.isFinite(n)) return n !== n ? "NaN" : n > 0 ? "∞" : "-∞";
    const fixed = Math.abs(n).toFixed(3).replace(/\.?0+$/, "");
    const [int, frac] = fixed.split(".");
    const grouped = int.replace(/\B(?=(\d{3})+(?!\d))/g, ",");
    return (n < 0 && fixed !== "0" ? "-" : "") + grouped + (frac ? "." + frac : "");
  };
  const defaultLocale = (locales, options) =>
    (locales === undefined || locales === "en-US" || locales === "en") && options === undefined;
  Object.defineProperty(Number.prototype, "toLocaleString", {
    value: function toLocaleString(locales, options) {
      if (!defaultLocale(locales, options)) {
        throw new RangeError("toLocaleString with a locale or options needs Intl, which " + INTL_HINT);
      }
      return plain(numberToString.call(this) === "" ? NaN : Number(this.valueOf()));
    },
    writable: true,
    configurable: true,
  });
  // String order as ICU's root collation orders Latin text: letters before their accents,
  // lower case before upper case, and otherwise by the unaccented, lower-cased text.
  const folded = (text) => text.normalize("NFD").replace(/[\u0300-\u036f]/g, "").toLowerCase();
  const cmp = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
  Object.defineProperty(String.prototype, "localeCompare", {
    value: function localeCompare(that, locales, options) {
      if (!defaultLocale(locales, options)) {
        throw new RangeError("localeCompare with a locale or options needs Intl, which " + INTL_HINT);
      }
      const a = String(this);
      const b = String(that);
      const primary = cmp(folded(a), folded(b));
      if (primary !== 0) return primary;
      const accents = cmp(a.normalize("NFD").toLowerCase(), b.normalize("NFD").toLowerCase());
      if (accents !== 0) return accents;
      // Lower case first: the swapped-case text orders as ICU does.
      const swap = (t) => Array.from(t, (c) => (c === c.toLowerCase() ? c.toUpperCase() : c.toLowerCase())).join("");
      return cmp(swap(a), swap(b));
    },
    writable: true,
    configurable: true,
  });
  for (const name of ["toLocaleString", "toLocaleDateString", "toLocaleTimeString"]) {
    const original = Date.prototype[name];
    Object.defineProperty(Date.prototype, name, {
      value: function (locales, options) {
        if (!defaultLocale(locales, options)) {
          throw new RangeError("Date." + name + " with a locale or options needs Intl, which " + INTL_HINT);
        }
        return original.call(this);
      },
      writable: true,
      configurable: true,
    });
  }
}

// Installs the globals the engine lacks. `hide` defines a non-enumerable global.
function installGlobals(hide) {
  const Buffer = nativeOr("Buffer", () => PolyBuffer);
  hide("Buffer", Buffer);
  hide("TextEncoder", nativeOr("TextEncoder", () => PolyTextEncoder));
  hide("TextDecoder", nativeOr("TextDecoder", () => PolyTextDecoder));
  hide("URL", nativeOr("URL", () => PolyURL));
  hide("URLSearchParams", nativeOr("URLSearchParams", () => PolyURLSearchParams));
  hide("structuredClone", nativeOr("structuredClone", () => polyStructuredClone));
  hide("AbortController", nativeOr("AbortController", () => PolyAbortController));
  hide("AbortSignal", nativeOr("AbortSignal", () => PolyAbortSignal));
  for (const name of ["atob", "btoa", "performance", "queueMicrotask", "DOMException"]) {
    if (natives[name] !== undefined) hide(name, natives[name]);
  }
  // V8's way to name where an error was made, which error classes often call.
  if (typeof Error.captureStackTrace !== "function") {
    Object.defineProperty(Error, "captureStackTrace", {
      value: function captureStackTrace(target) {
        if (target !== null && typeof target === "object") {
          const stack = new Error().stack;
          Object.defineProperty(target, "stack", { value: stack, writable: true, configurable: true });
        }
      },
      writable: true,
      configurable: true,
    });
  }
  if (natives.Intl === undefined && typeof Intl === "undefined") {
    Object.defineProperty(g, "Intl", {
      get() {
        throw new ReferenceError("Intl " + INTL_HINT);
      },
      configurable: true,
      enumerable: false,
    });
    installLocaleDefaults();
  }
  return Buffer;
}
