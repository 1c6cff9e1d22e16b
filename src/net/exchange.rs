//! One exchange: a request over the caller's connection [`Slot`] (reconnecting while the kept
//! connection is not ready, as oha does), redirects followed by rule, the body read up to a
//! cap, and one total deadline around all of it.
//!
//! A request is sent again only when hyper hands it back unsent (the connection closed before
//! it was written). Once written, a failure is the caller's to judge: the server may have run
//! the function.

use std::borrow::Cow;
use std::future::Future as _;
use std::task::Poll;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http::header::{
    AUTHORIZATION, CONTENT_LENGTH, CONTENT_TYPE, COOKIE, HOST, HeaderMap, HeaderValue, LOCATION,
};
use http_body_util::{BodyExt as _, Full};
use hyper::body::Body as _;

use super::connect::{Conn, Origin, Sender, connect};
use super::{MAX_REDIRECTS, NetError, NetErrorKind};

/// A request to send.
#[derive(Clone, Debug)]
pub struct Request {
    /// GET, POST, …
    pub method: http::Method,
    /// Where to.
    pub url: url::Url,
    /// Headers (`Host` is added per connection).
    pub headers: HeaderMap,
    /// The body, shared without copying.
    pub body: Bytes,
    /// The request target an origin server is sent (path and query), made once by
    /// [`Request::prepare_for_reuse`]; `None` makes it on each send.
    origin_form: Option<http::Uri>,
    /// The URL's origin and the `Host` header set for it, made once by
    /// [`Request::prepare_for_reuse`]; `None` makes them on each send.
    origin: Option<(Origin, Option<HeaderValue>)>,
}

impl Request {
    /// A request without headers or body.
    pub fn new(method: http::Method, url: url::Url) -> Request {
        Request {
            method,
            url,
            headers: HeaderMap::new(),
            body: Bytes::new(),
            origin_form: None,
            origin: None,
        }
    }

    /// Prepares a request sent many times, so each send copies its parts rather than making
    /// them: the `Host` header (each HTTP/1.1 connection sets the same one) and the body's
    /// `Content-Length` set ahead (hyper would otherwise add it to each send's copy of the
    /// header map, growing it), and the request target parsed once. Call it after the last
    /// change to the URL or the body.
    pub fn prepare_for_reuse(&mut self) {
        self.origin = Origin::of(&self.url).map(|origin| {
            let host = origin.host_header();
            if let Some(host) = &host {
                self.headers.insert(HOST, host.clone());
            }
            (origin, host)
        });
        if self.body.is_empty() {
            self.headers.remove(CONTENT_LENGTH);
        } else {
            self.headers
                .insert(CONTENT_LENGTH, HeaderValue::from(self.body.len()));
        }
        self.origin_form = self.url[url::Position::BeforePath..url::Position::AfterQuery]
            .parse()
            .ok();
        // A full header map grows on every insert, even one that replaces a value in place
        // (a send's own headers): room for one more keeps each send's copy from growing.
        self.headers.reserve(1);
    }

    /// Adds a header; an invalid name or value is an error that names it.
    pub fn header(&mut self, name: &str, value: &str) -> Result<(), NetError> {
        let bad = || {
            NetError::new(
                NetErrorKind::InvalidUrl,
                format!("header '{}' is not valid; nothing was sent", name.trim()),
                self.url.as_str(),
            )
        };
        let name =
            http::header::HeaderName::from_bytes(name.trim().as_bytes()).map_err(|_| bad())?;
        let value = HeaderValue::from_str(value.trim()).map_err(|_| bad())?;
        self.headers.append(name, value);
        Ok(())
    }
}

/// How an exchange runs.
#[derive(Clone, Copy, Debug)]
pub struct Options {
    /// The total deadline: connect, send, headers and the whole body.
    pub deadline: Duration,
    /// The most body bytes kept; a longer body is cut and reported.
    pub body_cap: usize,
    /// The request carries credentials: a redirect to another origin is not followed.
    pub credentials: bool,
    /// Follow redirects (up to [`MAX_REDIRECTS`]).
    pub follow_redirects: bool,
}

impl Options {
    /// A deadline, the default cap, redirects followed, no credentials.
    pub fn new(deadline: Duration) -> Options {
        Options {
            deadline,
            body_cap: super::DEFAULT_BODY_CAP,
            credentials: false,
            follow_redirects: true,
        }
    }
}

/// A redirect that was followed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Redirect {
    /// Its status (301, 302, 303, 307, 308).
    pub status: u16,
    /// Where it pointed.
    pub to: String,
    /// The method the next request used.
    pub method: String,
}

/// A complete answer.
#[derive(Clone, Debug)]
pub struct Response {
    /// The HTTP status.
    pub status: u16,
    /// The headers.
    pub headers: HeaderMap,
    /// The body, at most the cap.
    pub body: Vec<u8>,
    /// True when the body was longer than the cap and was cut.
    pub truncated: bool,
    /// The URL that answered (after redirects).
    pub url: url::Url,
    /// The redirects followed on the way.
    pub redirects: Vec<Redirect>,
    /// Time from the start until the final answer's headers, in milliseconds.
    pub headers_ms: f64,
    /// True when the answer came over HTTP/2.
    pub http2: bool,
    /// The proxy the answer came through, as shown in notes (its URL without credentials and
    /// the variable that named it).
    pub proxy: Option<String>,
}

impl Response {
    /// A header's value as text.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The headers as name/value text pairs, for records.
    pub fn header_pairs(&self) -> Vec<(String, String)> {
        header_pairs(&self.headers)
    }
}

/// Headers as name/value text pairs, for records.
pub fn header_pairs(headers: &HeaderMap) -> Vec<(String, String)> {
    headers
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect()
}

/// A caller's connection, kept between its exchanges: a batch task keeps one for its run, a
/// single invocation borrows one from the shared pool.
#[derive(Default)]
pub struct Slot {
    /// Where the connection goes; kept while it is lent out, so handing it back copies
    /// nothing.
    origin: Option<Origin>,
    conn: Option<Conn>,
}

impl Slot {
    /// An empty slot.
    pub fn new() -> Slot {
        Slot::default()
    }

    /// A slot holding `conn`.
    pub fn with(origin: Origin, conn: Conn) -> Slot {
        Slot {
            origin: Some(origin),
            conn: Some(conn),
        }
    }

    /// The connection kept, if any.
    pub fn into_inner(self) -> Option<(Origin, Conn)> {
        Some((self.origin?, self.conn?))
    }

    /// Drops the connection kept.
    pub fn clear(&mut self) {
        self.conn = None;
    }

    /// The connection kept, when it goes to `origin` and can still carry a request; any
    /// other is dropped.
    fn take_for(&mut self, origin: &Origin) -> Option<Conn> {
        let conn = self.conn.take()?;
        (self.origin.as_ref() == Some(origin) && !conn.is_closed()).then_some(conn)
    }

    /// Keeps `conn`, a connection to `origin`, for the next exchange.
    fn keep(&mut self, origin: &Origin, conn: Conn) {
        if self.origin.as_ref() != Some(origin) {
            self.origin = Some(origin.clone());
        }
        self.conn = Some(conn);
    }
}

/// A header set on one exchange on top of its request's own (replacing one of the same name,
/// in its place): a batch sends one prepared request many times, each with its own
/// `X-Request-ID`. Never a credential: it is sent on every hop of a redirect.
pub type Extra = (http::header::HeaderName, HeaderValue);

/// Sends `request` with `extra` headers on top of its own and reads the whole answer, all
/// within `options.deadline`.
pub async fn exchange(
    slot: &mut Slot,
    request: &Request,
    extra: &[Extra],
    options: &Options,
) -> Result<Response, NetError> {
    exchange_since(slot, request, extra, options, Instant::now()).await
}

/// [`exchange`] for a caller that has just read the clock: the exchange counts its deadline
/// and times from `started` (a batch reads the clock once per request, not once per layer).
pub async fn exchange_since(
    slot: &mut Slot,
    request: &Request,
    extra: &[Extra],
    options: &Options,
    started: Instant,
) -> Result<Response, NetError> {
    let Some(deadline) = started.checked_add(options.deadline) else {
        return run(slot, request, extra, options, started).await;
    };
    // Both pinned where they stand and polled together, rather than the exchange moved into
    // a timeout future and that into this one: the exchange's future is large, and every
    // request would copy it twice.
    let timed = {
        let mut exchange = std::pin::pin!(run(slot, request, extra, options, started));
        let mut sleep = std::pin::pin!(tokio::time::sleep_until(deadline.into()));
        std::future::poll_fn(|cx| match exchange.as_mut().poll(cx) {
            Poll::Ready(result) => Poll::Ready(Some(result)),
            Poll::Pending => sleep.as_mut().poll(cx).map(|()| None),
        })
        .await
    };
    match timed {
        Some(result) => result,
        None => {
            // The connection may be mid-answer: never reuse it.
            slot.clear();
            Err(NetError::timeout(options.deadline, request.url.as_str()))
        }
    }
}

async fn run(
    slot: &mut Slot,
    request: &Request,
    extra: &[Extra],
    options: &Options,
    started: Instant,
) -> Result<Response, NetError> {
    // Borrowed until a redirect changes them: the common exchange copies nothing.
    let mut url: Cow<'_, url::Url> = Cow::Borrowed(&request.url);
    let mut method: Cow<'_, http::Method> = Cow::Borrowed(&request.method);
    let mut body: Cow<'_, Bytes> = Cow::Borrowed(&request.body);
    let mut headers: Cow<'_, HeaderMap> = Cow::Borrowed(&request.headers);
    let mut redirects: Vec<Redirect> = Vec::new();
    loop {
        let shown = url.as_str();
        // The parts made ahead fit the request's own URL only, not a redirect's.
        let own = matches!(url, Cow::Borrowed(_));
        let (origin, host) = match &request.origin {
            Some((origin, host)) if own => (Cow::Borrowed(origin), host.as_ref()),
            _ => match Origin::of(&url) {
                Some(origin) => (Cow::Owned(origin), None),
                None => return Err(NetError::invalid_url(shown, "no host")),
            },
        };
        let message = Message {
            origin_form: if own {
                request.origin_form.as_ref()
            } else {
                None
            },
            host,
            url: &url,
            method: &method,
            headers: &headers,
            extra,
            body: &body,
        };
        let (conn, response) = send(slot, &origin, &message, shown).await?;
        let headers_ms = started.elapsed().as_secs_f64() * 1e3;
        let status = response.status().as_u16();
        let redirect = options.follow_redirects && matches!(status, 301 | 302 | 303 | 307 | 308);
        let location = redirect
            .then(|| {
                response
                    .headers()
                    .get(LOCATION)?
                    .to_str()
                    .ok()
                    .map(str::to_owned)
            })
            .flatten();
        let (parts, incoming) = response.into_parts();
        if let Some(location) = location {
            // Read what little a redirect carries so the connection can be reused.
            let (_, _, reusable) = read_body(incoming, 64 * 1024, shown).await?;
            if reusable {
                slot.keep(&origin, conn);
            }
            let hop = Hop {
                request,
                url: &url,
                origin: &origin,
                status,
                options,
            };
            let next = hop.next(
                &location,
                &mut method,
                &mut body,
                &mut headers,
                &mut redirects,
            )?;
            url = Cow::Owned(next);
            continue;
        }
        let (bytes, truncated, reusable) = read_body(incoming, options.body_cap, shown).await?;
        let http2 = conn.is_h2();
        let proxy = conn.via.clone();
        if reusable {
            slot.keep(&origin, conn);
        }
        return Ok(Response {
            status,
            headers: parts.headers,
            body: bytes,
            truncated,
            url: url.into_owned(),
            redirects,
            headers_ms,
            http2,
            proxy,
        });
    }
}

/// A redirect being followed: where it came from.
struct Hop<'a> {
    request: &'a Request,
    url: &'a url::Url,
    origin: &'a Origin,
    status: u16,
    options: &'a Options,
}

impl Hop<'_> {
    /// Where the redirect to `location` goes, by the rules every HTTP client keeps, with the
    /// method, body and headers of the next request changed as they require; an error for a
    /// loop, too many hops, a target that is not http(s), or credentials bound for another
    /// origin. Out of the exchange's own code: most exchanges are never redirected.
    #[inline(never)]
    fn next(
        &self,
        location: &str,
        method: &mut Cow<'_, http::Method>,
        body: &mut Cow<'_, Bytes>,
        headers: &mut Cow<'_, HeaderMap>,
        redirects: &mut Vec<Redirect>,
    ) -> Result<url::Url, NetError> {
        let Hop {
            request,
            url,
            origin,
            status,
            options,
        } = *self;
        let shown = url.as_str();
        let next = url.join(location).map_err(|e| {
            NetError::new(
                NetErrorKind::Redirect,
                format!("the redirect's Location '{location}' is not a URL ({e})"),
                shown,
            )
        })?;
        if !matches!(next.scheme(), "http" | "https") {
            return Err(NetError::new(
                NetErrorKind::Redirect,
                format!("the endpoint redirects to {next}, which is not http(s)"),
                shown,
            ));
        }
        if status == 303 || (matches!(status, 301 | 302) && **method == http::Method::POST) {
            // What every HTTP client does (RFC 9110 15.4): the body is not sent on.
            *method = Cow::Owned(http::Method::GET);
            *body = Cow::Owned(Bytes::new());
            headers.to_mut().remove(CONTENT_TYPE);
            headers.to_mut().remove(CONTENT_LENGTH);
        }
        let chain = || {
            let mut hops: Vec<&str> = vec![request.url.as_str()];
            hops.extend(redirects.iter().map(|r| r.to.as_str()));
            hops.join(" -> ")
        };
        if next == request.url || redirects.iter().any(|r| r.to == next.as_str()) {
            return Err(NetError::new(
                NetErrorKind::Redirect,
                format!("redirect loop: {} -> {next}", chain()),
                shown,
            ));
        }
        if redirects.len() >= MAX_REDIRECTS {
            return Err(NetError::new(
                NetErrorKind::Redirect,
                format!("more than {MAX_REDIRECTS} redirects: {} -> {next}", chain()),
                shown,
            ));
        }
        if Origin::of(&next).as_ref() != Some(origin) {
            if options.credentials {
                return Err(NetError::new(
                    NetErrorKind::Redirect,
                    format!(
                        "the endpoint redirects to another origin ({next}); the request carries credentials, which are never sent to another origin: call that URL directly if you trust it"
                    ),
                    shown,
                ));
            }
            headers.to_mut().remove(AUTHORIZATION);
            headers.to_mut().remove(COOKIE);
        }
        redirects.push(Redirect {
            status,
            to: next.to_string(),
            method: method.to_string(),
        });
        Ok(next)
    }
}

/// Sends one request over the slot's connection (or a new one) and waits for the answer's
/// head. A connection that is not ready is replaced before anything is written; a request
/// hyper hands back unsent goes out on a new connection.
async fn send(
    slot: &mut Slot,
    origin: &Origin,
    message: &Message<'_>,
    shown: &str,
) -> Result<(Conn, http::Response<hyper::body::Incoming>), NetError> {
    let mut kept = slot.take_for(origin);
    let mut last_error = None;
    for _ in 0..4 {
        let mut conn = match kept.take() {
            Some(conn) => conn,
            // Boxed: a connection's setup (DNS, TLS, a proxy's CONNECT) is a large future that
            // would otherwise sit in every exchange's and be copied with it on each send.
            None => Box::pin(connect(origin, shown)).await?,
        };
        if let Err(e) = conn.ready().await {
            last_error = Some(NetError::from_error(&e, shown));
            continue;
        }
        let request =
            build(&conn, message).map_err(|e| NetError::invalid_url(shown, &e.to_string()))?;
        let sent = match &mut conn.sender {
            Sender::H1(s) => s.try_send_request(request).await,
            Sender::H2(s) => s.try_send_request(request).await,
        };
        match sent {
            Ok(response) => return Ok((conn, response)),
            Err(mut e) => {
                if e.take_message().is_some() {
                    // Not written: safe to send on a new connection.
                    last_error = Some(NetError::from_error(e.error(), shown));
                    continue;
                }
                return Err(NetError::from_error(&e.into_error(), shown));
            }
        }
    }
    Err(last_error.unwrap_or_else(|| {
        NetError::new(
            NetErrorKind::Reset,
            "every connection closed before the request could be sent",
            shown,
        )
    }))
}

/// What one hop sends.
struct Message<'a> {
    origin_form: Option<&'a http::Uri>,
    /// The `Host` header `headers` carry already, if any.
    host: Option<&'a HeaderValue>,
    url: &'a url::Url,
    method: &'a http::Method,
    headers: &'a HeaderMap,
    extra: &'a [Extra],
    body: &'a Bytes,
}

fn build(conn: &Conn, message: &Message<'_>) -> Result<http::Request<Full<Bytes>>, http::Error> {
    let url = message.url;
    // HTTP/2 and a forward proxy take the whole URL; an origin server its path and query.
    let uri: http::Uri = if conn.is_h2() || conn.forward.is_some() {
        url[..url::Position::AfterQuery].parse()?
    } else if let Some(target) = message.origin_form {
        target.clone()
    } else {
        url[url::Position::BeforePath..url::Position::AfterQuery].parse()?
    };
    let mut request = http::Request::new(Full::new(message.body.clone()));
    message.method.clone_into(request.method_mut());
    *request.uri_mut() = uri;
    let headers = request.headers_mut();
    headers.clone_from(message.headers);
    for (name, value) in message.extra {
        headers.insert(name.clone(), value.clone());
    }
    if let Some(Some(auth)) = &conn.forward {
        headers.insert(http::header::PROXY_AUTHORIZATION, auth.clone());
    }
    match &conn.host {
        // Prepared requests carry it already.
        Some(host) if message.host == Some(host) => {}
        Some(host) => {
            headers.insert(HOST, host.clone());
        }
        // HTTP/2 names the host in its `:authority`.
        None => {
            headers.remove(HOST);
        }
    }
    Ok(request)
}

/// Reads a body up to `cap` bytes: the bytes, whether it was cut, and whether the connection
/// can carry another request (only when the body was read to its end).
async fn read_body(
    mut incoming: hyper::body::Incoming,
    cap: usize,
    shown: &str,
) -> Result<(Vec<u8>, bool, bool), NetError> {
    let mut bytes = Vec::new();
    while let Some(frame) = incoming.frame().await {
        let frame = frame.map_err(|e| NetError::from_error(&e, shown))?;
        let Ok(data) = frame.into_data() else {
            continue;
        };
        if bytes.len() + data.len() > cap {
            let room = cap - bytes.len();
            bytes.extend_from_slice(&data[..room]);
            return Ok((bytes, true, false));
        }
        if bytes.is_empty() && incoming.is_end_stream() {
            return Ok((data.to_vec(), false, true));
        }
        bytes.extend_from_slice(&data);
    }
    Ok((bytes, false, true))
}
