// fetch for an engine without one: Headers, Response and a fetch over the host's request
// operation (`host.httpStart`, answered through `control.complete`). The allowlist is applied
// before any of this, in the platform layer. Part of the one platform layer; runs inside the
// harness's function scope.

class PolyHeaders {
  constructor(init) {
    this._map = new Map();
    if (!init) return;
    const pairs = typeof init[Symbol.iterator] === "function" ? Array.from(init)
      : Object.keys(init).map((k) => [k, init[k]]);
    for (const [k, v] of pairs) this.append(k, v);
  }
  append(k, v) {
    const key = String(k).toLowerCase();
    const prev = this._map.get(key);
    this._map.set(key, prev === undefined ? String(v) : prev + ", " + String(v));
  }
  set(k, v) {
    this._map.set(String(k).toLowerCase(), String(v));
  }
  get(k) {
    const v = this._map.get(String(k).toLowerCase());
    return v === undefined ? null : v;
  }
  has(k) {
    return this._map.has(String(k).toLowerCase());
  }
  delete(k) {
    this._map.delete(String(k).toLowerCase());
  }
  forEach(fn, self) {
    for (const [k, v] of this.entries()) fn.call(self, v, k, this);
  }
  entries() {
    return Array.from(this._map.entries()).sort((a, b) => (a[0] < b[0] ? -1 : 1))[Symbol.iterator]();
  }
  keys() {
    return Array.from(this.entries(), (e) => e[0])[Symbol.iterator]();
  }
  values() {
    return Array.from(this.entries(), (e) => e[1])[Symbol.iterator]();
  }
  [Symbol.iterator]() {
    return this.entries();
  }
}

const STATUS_TEXT = { 200: "OK", 201: "Created", 202: "Accepted", 204: "No Content", 301: "Moved Permanently",
  302: "Found", 304: "Not Modified", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found",
  405: "Method Not Allowed", 409: "Conflict", 429: "Too Many Requests", 500: "Internal Server Error",
  502: "Bad Gateway", 503: "Service Unavailable", 504: "Gateway Timeout" };

class PolyResponse {
  constructor(body, init) {
    const opts = init || {};
    this.status = opts.status === undefined ? 200 : opts.status;
    this.statusText = opts.statusText !== undefined ? opts.statusText : STATUS_TEXT[this.status] || "";
    this.headers = opts.headers instanceof PolyHeaders ? opts.headers : new PolyHeaders(opts.headers);
    this.url = opts.url || "";
    this.redirected = false;
    this.type = "basic";
    this._bytes = body === undefined || body === null ? new Uint8Array(0)
      : typeof body === "string" ? utf8Encode(body) : new Uint8Array(body);
    this.bodyUsed = false;
  }
  get ok() {
    return this.status >= 200 && this.status < 300;
  }
  _take() {
    if (this.bodyUsed) return Promise.reject(new TypeError("Body is unusable: Body has already been read"));
    this.bodyUsed = true;
    return Promise.resolve(this._bytes);
  }
  text() {
    return this._take().then((b) => utf8Decode(b, false));
  }
  json() {
    return this.text().then((t) => JSON.parse(t));
  }
  arrayBuffer() {
    return this._take().then((b) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength));
  }
  clone() {
    if (this.bodyUsed) throw new TypeError("Response.clone: Body has already been consumed.");
    const copy = new PolyResponse(this._bytes.slice(), { status: this.status, statusText: this.statusText,
      headers: this.headers, url: this.url });
    return copy;
  }
  static json(data, init) {
    const headers = new PolyHeaders((init && init.headers) || {});
    if (!headers.has("content-type")) headers.set("content-type", "application/json");
    return new PolyResponse(JSON.stringify(data), Object.assign({}, init, { headers }));
  }
}

// The request body as bytes, the way fetch reads a body init.
function bodyBytes(body) {
  if (body === undefined || body === null) return null;
  if (typeof body === "string") return utf8Encode(body);
  if (body instanceof ArrayBuffer) return new Uint8Array(body);
  if (ArrayBuffer.isView(body)) return new Uint8Array(body.buffer, body.byteOffset, body.byteLength);
  return utf8Encode(String(body));
}

// fetch over the host's request operation. `ops` keeps the pending promises by id.
function makeHostFetch(ops) {
  return function fetch(input, init) {
    const opts = init || {};
    let url;
    try {
      url = new g.URL(typeof input === "string" ? input : input && input.url ? input.url : String(input)).href;
    } catch (err) {
      return Promise.reject(new TypeError("Failed to parse URL from " + String(input)));
    }
    const headers = new PolyHeaders(opts.headers);
    let body = bodyBytes(opts.body);
    if (opts.body instanceof g.URLSearchParams) {
      body = utf8Encode(opts.body.toString());
      if (!headers.has("content-type")) headers.set("content-type", "application/x-www-form-urlencoded;charset=UTF-8");
    } else if (typeof opts.body === "string" && !headers.has("content-type")) {
      headers.set("content-type", "text/plain;charset=UTF-8");
    }
    const request = {
      url,
      method: String(opts.method || "GET").toUpperCase(),
      headers: Array.from(headers.entries()),
      body: body === null ? null : base64Encode(body, false),
    };
    const signal = opts.signal;
    if (signal && signal.aborted) return Promise.reject(signal.reason);
    return new Promise((resolve, reject) => {
      const id = host.httpStart(JSON.stringify(request));
      ops.set(id, { resolve, reject, url });
      if (signal && typeof signal.addEventListener === "function") {
        signal.addEventListener("abort", () => {
          if (ops.delete(id)) {
            host.httpCancel(id);
            reject(signal.reason);
          }
        });
      }
    });
  };
}

// Settles a host request: `answer` is {status, statusText, headers, body} or {error}.
function completeHostFetch(ops, id, answer) {
  const op = ops.get(id);
  if (!op) return;
  ops.delete(id);
  if (answer.error !== undefined) {
    const err = new TypeError("fetch failed");
    err.cause = new Error(String(answer.error));
    op.reject(err);
    return;
  }
  const bytes = answer.body ? base64Decode(answer.body) : new Uint8Array(0);
  op.resolve(new PolyResponse(bytes, { status: answer.status, statusText: answer.statusText,
    headers: answer.headers, url: op.url }));
}
