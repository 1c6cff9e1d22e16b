// URL, URLSearchParams and AbortController for an engine without them: the object model here,
// the parsing the host's (a WHATWG URL parser, `host.urlParse`/`host.urlSet`). Part of the one
// platform layer; runs inside the harness's function scope.

// URL and URLSearchParams: parsing is the host's (a WHATWG URL parser), the object model here.
// The host answers with the URL's parts as JSON, or null when it does not parse.
const urlParse = (input, base) => {
  const text = base === undefined ? host.urlParse(input) : host.urlParse(input, base);
  return text === null || text === undefined ? null : JSON.parse(text);
};
const urlSet = (href, part, value) => {
  const text = host.urlSet(href, part, value);
  return text === null || text === undefined ? null : JSON.parse(text);
};

const PolyURLSearchParams = (function () {
  const decode = (s) => {
    try {
      return decodeURIComponent(s.replace(/\+/g, " "));
    } catch (err) {
      return s;
    }
  };
  const encode = (s) =>
    encodeURIComponent(s).replace(/%20/g, "+").replace(/[!'()~]/g, (c) => "%" + c.charCodeAt(0).toString(16).toUpperCase());
  class URLSearchParams {
    constructor(init) {
      this._list = [];
      this._url = null;
      if (init === undefined || init === null) return;
      if (typeof init === "string") this._parse(init);
      else if (typeof init[Symbol.iterator] === "function") {
        for (const pair of init) this._list.push([String(pair[0]), String(pair[1])]);
      } else {
        for (const k of Object.keys(init)) this._list.push([k, String(init[k])]);
      }
    }
    _parse(text) {
      this._list = [];
      const s = text.startsWith("?") ? text.slice(1) : text;
      for (const part of s.split("&")) {
        if (!part) continue;
        const eq = part.indexOf("=");
        this._list.push(eq < 0 ? [decode(part), ""] : [decode(part.slice(0, eq)), decode(part.slice(eq + 1))]);
      }
    }
    _changed() {
      if (this._url) this._url._setSearch(this.toString());
    }
    get size() {
      return this._list.length;
    }
    append(k, v) {
      this._list.push([String(k), String(v)]);
      this._changed();
    }
    delete(k) {
      this._list = this._list.filter((p) => p[0] !== String(k));
      this._changed();
    }
    get(k) {
      const p = this._list.find((e) => e[0] === String(k));
      return p ? p[1] : null;
    }
    getAll(k) {
      return this._list.filter((e) => e[0] === String(k)).map((e) => e[1]);
    }
    has(k) {
      return this._list.some((e) => e[0] === String(k));
    }
    set(k, v) {
      const key = String(k);
      const at = this._list.findIndex((e) => e[0] === key);
      if (at < 0) this._list.push([key, String(v)]);
      else {
        this._list[at][1] = String(v);
        this._list = this._list.filter((e, i) => i <= at || e[0] !== key);
      }
      this._changed();
    }
    sort() {
      this._list.sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
      this._changed();
    }
    forEach(fn, self) {
      for (const [k, v] of this._list) fn.call(self, v, k, this);
    }
    keys() {
      return this._list.map((e) => e[0])[Symbol.iterator]();
    }
    values() {
      return this._list.map((e) => e[1])[Symbol.iterator]();
    }
    entries() {
      return this._list.map((e) => [e[0], e[1]])[Symbol.iterator]();
    }
    [Symbol.iterator]() {
      return this.entries();
    }
    toString() {
      return this._list.map((e) => encode(e[0]) + "=" + encode(e[1])).join("&");
    }
  }
  return URLSearchParams;
})();

const PolyURL = (function () {
  const PARTS = ["href", "origin", "protocol", "username", "password", "host", "hostname", "port",
    "pathname", "search", "hash"];
  class URL {
    constructor(input, base) {
      const parts = urlParse(String(input), base === undefined ? undefined : String(base));
      if (parts === null || parts === undefined) {
        const err = new TypeError("Invalid URL");
        err.code = "ERR_INVALID_URL";
        err.input = String(input);
        throw err;
      }
      this._parts = parts;
      this._params = new PolyURLSearchParams(parts.search);
      this._params._url = this;
    }
    static canParse(input, base) {
      return urlParse(String(input), base === undefined ? undefined : String(base)) != null;
    }
    _setSearch(search) {
      const next = urlSet(this._parts.href, "search", search);
      if (next) this._parts = next;
    }
    get searchParams() {
      return this._params;
    }
    toString() {
      return this._parts.href;
    }
    toJSON() {
      return this._parts.href;
    }
  }
  for (const part of PARTS) {
    Object.defineProperty(URL.prototype, part, {
      get() {
        return this._parts[part];
      },
      set(value) {
        if (part === "origin") return;
        const next = urlSet(this._parts.href, part, String(value));
        if (next === null || next === undefined) {
          if (part === "href") throw new TypeError("Invalid URL");
          return;
        }
        this._parts = next;
        if (part === "href" || part === "search") this._params._parse(next.search);
      },
      enumerable: true,
      configurable: true,
    });
  }
  return URL;
})();

// AbortController for fetch timeouts; the embedded engine has none.
class PolyAbortSignal {
  constructor() {
    this.aborted = false;
    this.reason = undefined;
    this.onabort = null;
    this._listeners = [];
  }
  addEventListener(type, fn) {
    if (type === "abort") this._listeners.push(fn);
  }
  removeEventListener(type, fn) {
    this._listeners = this._listeners.filter((f) => f !== fn);
  }
  throwIfAborted() {
    if (this.aborted) throw this.reason;
  }
  _abort(reason) {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason === undefined ? new DOMException("This operation was aborted", "AbortError") : reason;
    const event = { type: "abort", target: this };
    if (typeof this.onabort === "function") this.onabort(event);
    for (const fn of this._listeners) fn(event);
  }
  static timeout(ms) {
    const signal = new PolyAbortSignal();
    g.setTimeout(() => signal._abort(new DOMException("The operation was aborted due to timeout", "TimeoutError")), ms);
    return signal;
  }
  static abort(reason) {
    const signal = new PolyAbortSignal();
    signal._abort(reason);
    return signal;
  }
}
class PolyAbortController {
  constructor() {
    this.signal = new PolyAbortSignal();
  }
  abort(reason) {
    this.signal._abort(reason);
  }
}
