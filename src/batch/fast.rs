//! The batch's fast path for plain `http://` endpoints: each worker keeps one keep-alive
//! HTTP/1.1 connection and writes the prepared request with one system call, then reads the
//! answer on its own thread. reqwest's blocking client hands every request to its runtime
//! thread and back, which costs two thread wake-ups per request: more than the whole round trip
//! to a fast endpoint on the same machine. Everything after the answer (the contract checks,
//! the explanation of errors, the record) is the same code [`crate::invoke`] uses.
//!
//! Used only where it behaves like the reqwest path: `http://` URLs with no auth, bearer or
//! basic auth, and no proxy set in the environment. A redirect is sent again through reqwest,
//! which follows it. HTTPS, LivePerson and in-process endpoints always take the reqwest path.

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::{SocketAddr, TcpStream, ToSocketAddrs as _};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use crate::functions::Endpoint;
use crate::invoke::{
    Body, Invocation, InvokeError, PreparedEnvelope, RecordedRequest, RecordedResponse,
    SessionSecrets, Target, authorization_value, fail, finish_response, http_request, now_ms,
    redacted_headers,
};
use crate::net::{DEFAULT_BODY_CAP, NetError, NetErrorKind};

/// The longest status line and header block accepted.
const HEAD_MAX: u64 = 64 * 1024;

/// Environment variables that make reqwest use a proxy; when one is set, the fast path is off.
const PROXY_VARS: [&str; 4] = ["HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"];

/// A target prepared for the fast path.
#[derive(Debug)]
pub struct FastTarget {
    addrs: Vec<SocketAddr>,
    url: String,
    /// The request head up to (not including) `Content-Length`.
    head: Vec<u8>,
    recorded_headers: Vec<(String, String)>,
    timeout: Duration,
    function: Option<String>,
    endpoint_kind: crate::functions::EndpointKind,
    endpoint: String,
}

/// One worker's keep-alive connection.
pub struct Connection {
    reader: BufReader<TcpStream>,
    writer: TcpStream,
}

/// Why a send on the fast path did not produce an answer.
enum SendError {
    /// The reused connection was closed before any answer byte: send again on a new one.
    Stale,
    /// A network failure.
    Net(NetErrorKind, String),
}

impl FastTarget {
    /// Prepares the fast path for a target; `None` when the target needs the reqwest path.
    pub fn new(target: &Target, secrets: &SessionSecrets) -> Option<FastTarget> {
        if !matches!(target.endpoint, Endpoint::Http { .. })
            || PROXY_VARS.iter().any(|v| std::env::var_os(v).is_some())
        {
            return None;
        }
        let request = http_request(target, secrets).ok()??;
        let url = crate::net::check_url(&request.url).ok()?;
        if url.scheme() != "http" || !url.username().is_empty() || url.password().is_some() {
            return None;
        }
        let host = url.host_str()?;
        let port = url.port_or_known_default()?;
        let addrs: Vec<SocketAddr> = (host, port).to_socket_addrs().ok()?.collect();
        if addrs.is_empty() {
            return None;
        }
        let mut path = url.path().to_owned();
        if let Some(query) = url.query() {
            path.push('?');
            path.push_str(query);
        }
        let host_header = match url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_owned(),
        };
        let mut head = format!(
            "POST {path} HTTP/1.1\r\nHost: {host_header}\r\nContent-Type: application/json\r\n\
             Accept: application/json, text/plain;q=0.9, */*;q=0.5\r\n\
             User-Agent: survey-console/{}\r\n",
            env!("CARGO_PKG_VERSION")
        );
        for (k, v) in &request.headers {
            if k.contains(['\r', '\n', ':']) || v.contains(['\r', '\n']) {
                return None;
            }
            head.push_str(&format!("{k}: {v}\r\n"));
        }
        if let Some(auth) = authorization_value(&request.credentials) {
            head.push_str(&format!("Authorization: {auth}\r\n"));
        }
        Some(FastTarget {
            addrs,
            url: request.url.clone(),
            head: head.into_bytes(),
            recorded_headers: redacted_headers(&request),
            timeout: target.timeout,
            function: target.function.clone(),
            endpoint_kind: target.endpoint_kind(),
            endpoint: target.endpoint.describe(),
        })
    }

    /// Invokes with a prepared envelope over the worker's connection (opened when there is none).
    /// `None` when the answer is a redirect: the caller sends it through reqwest instead.
    pub fn invoke(
        &self,
        event: crate::catalog::EventId,
        envelope: &PreparedEnvelope,
        connection: &mut Option<Connection>,
        buffer: &mut Vec<u8>,
        cancel: &AtomicBool,
    ) -> Option<Invocation> {
        let started = Instant::now();
        let mut record = Invocation {
            at_ms: now_ms(),
            event,
            function: self.function.clone(),
            endpoint_kind: self.endpoint_kind,
            endpoint: self.endpoint.clone(),
            request: RecordedRequest {
                url: self.url.clone(),
                headers: self.recorded_headers.clone(),
                body: serde_json::Value::Null,
            },
            ..Invocation::default()
        };
        if cancel.load(Ordering::Relaxed) {
            fail(
                &mut record,
                InvokeError::new(
                    crate::invoke::ErrorKind::Cancelled,
                    "cancelled",
                    "cancelled before sending",
                ),
            );
            return Some(record);
        }
        buffer.clear();
        buffer.extend_from_slice(&self.head);
        let _ = write!(buffer, "Content-Length: {}\r\n\r\n", envelope.bytes.len());
        buffer.extend_from_slice(&envelope.bytes);
        let mut outcome = self.exchange(connection, buffer, started);
        if matches!(outcome, Err(SendError::Stale)) {
            *connection = None;
            outcome = self.exchange(connection, buffer, started);
        }
        match outcome {
            Ok((response, headers_ms)) => {
                if (300..400).contains(&response.status) {
                    return None;
                }
                record.timings.headers_ms = Some(headers_ms);
                finish_response(&mut record, response);
            }
            Err(SendError::Stale) => {
                let error = NetError {
                    kind: NetErrorKind::Other,
                    message: "the connection was closed before an answer came".to_owned(),
                    url: self.url.clone(),
                };
                fail(
                    &mut record,
                    InvokeError::new(
                        crate::invoke::ErrorKind::Network,
                        "other",
                        error.to_string(),
                    ),
                );
            }
            Err(SendError::Net(kind, message)) => {
                let error = NetError {
                    kind,
                    message,
                    url: self.url.clone(),
                };
                fail(
                    &mut record,
                    InvokeError::new(
                        crate::invoke::ErrorKind::Network,
                        kind.as_str(),
                        error.to_string(),
                    ),
                );
            }
        }
        record.timings.total_ms = started.elapsed().as_secs_f64() * 1e3;
        Some(record)
    }

    /// Writes the request and reads the answer; drops the connection unless it can be reused.
    fn exchange(
        &self,
        connection: &mut Option<Connection>,
        request: &[u8],
        started: Instant,
    ) -> Result<(RecordedResponse, f64), SendError> {
        let reused = connection.is_some();
        if connection.is_none() {
            *connection = Some(self.connect()?);
        }
        let Some(conn) = connection.as_mut() else {
            return Err(SendError::Net(NetErrorKind::Other, "no connection".into()));
        };
        let result = conn
            .writer
            .write_all(request)
            .map_err(|e| io_error(&e, reused, true))
            .and_then(|()| read_response(&mut conn.reader, reused, started));
        match result {
            Ok((response, headers_ms, keep_alive)) => {
                if !keep_alive {
                    *connection = None;
                }
                Ok((response, headers_ms))
            }
            Err(e) => {
                *connection = None;
                Err(e)
            }
        }
    }

    fn connect(&self) -> Result<Connection, SendError> {
        let mut last = None;
        for addr in &self.addrs {
            match TcpStream::connect_timeout(addr, self.timeout.min(Duration::from_secs(10))) {
                Ok(stream) => {
                    let setup = stream
                        .set_nodelay(true)
                        .and_then(|()| stream.set_read_timeout(Some(self.timeout)))
                        .and_then(|()| stream.set_write_timeout(Some(self.timeout)))
                        .and_then(|()| stream.try_clone());
                    return match setup {
                        Ok(writer) => Ok(Connection {
                            reader: BufReader::with_capacity(16 * 1024, stream),
                            writer,
                        }),
                        Err(e) => Err(io_error(&e, false, false)),
                    };
                }
                Err(e) => last = Some(e),
            }
        }
        Err(match last {
            Some(e) => io_error(&e, false, false),
            None => SendError::Net(NetErrorKind::Other, "no address to connect to".into()),
        })
    }
}

fn io_error(e: &std::io::Error, reused: bool, before_answer: bool) -> SendError {
    use std::io::ErrorKind;
    match e.kind() {
        ErrorKind::ConnectionReset | ErrorKind::BrokenPipe | ErrorKind::UnexpectedEof
            if reused && before_answer =>
        {
            SendError::Stale
        }
        ErrorKind::ConnectionRefused => SendError::Net(
            NetErrorKind::Refused,
            "connection refused: nothing is listening at that address".into(),
        ),
        ErrorKind::TimedOut | ErrorKind::WouldBlock => {
            SendError::Net(NetErrorKind::Timeout, "no answer within the timeout".into())
        }
        _ => SendError::Net(NetErrorKind::Other, format!("the request failed ({e})")),
    }
}

/// Reads one line of the head into `line` (without the line end); false at end of stream.
fn read_line(
    reader: &mut BufReader<TcpStream>,
    line: &mut Vec<u8>,
    budget: &mut u64,
) -> std::io::Result<bool> {
    line.clear();
    let n = reader.by_ref().take(*budget).read_until(b'\n', line)?;
    *budget = budget.saturating_sub(n as u64);
    if n > 0 && !line.ends_with(b"\n") {
        return Err(std::io::Error::other("the answer's head is too long"));
    }
    while line.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
        line.pop();
    }
    Ok(n > 0)
}

/// Reads status line, headers and body. Returns the response, the time to the headers, and
/// whether the connection can be reused.
fn read_response(
    reader: &mut BufReader<TcpStream>,
    reused: bool,
    started: Instant,
) -> Result<(RecordedResponse, f64, bool), SendError> {
    let bad = |what: &str| SendError::Net(NetErrorKind::Other, format!("bad HTTP answer ({what})"));
    let mut budget = HEAD_MAX;
    let mut line = Vec::with_capacity(128);
    let (status, http10) = loop {
        if !read_line(reader, &mut line, &mut budget).map_err(|e| io_error(&e, reused, true))? {
            return Err(if reused {
                SendError::Stale
            } else {
                bad("the connection closed without an answer")
            });
        }
        let text = String::from_utf8_lossy(&line);
        let mut parts = text.splitn(3, ' ');
        let version = parts.next().unwrap_or_default();
        let Some(status) = parts.next().and_then(|s| s.parse::<u16>().ok()) else {
            return Err(bad("no status line"));
        };
        if !version.starts_with("HTTP/1.") {
            return Err(bad("not HTTP/1.x"));
        }
        if (100..200).contains(&status) {
            // An interim answer: skip its headers, read the final one.
            while read_line(reader, &mut line, &mut budget)
                .map_err(|e| io_error(&e, false, false))?
                && !line.is_empty()
            {}
            continue;
        }
        break (status, version == "HTTP/1.0");
    };
    let mut headers = Vec::new();
    let (mut length, mut chunked, mut close) = (None::<usize>, false, http10);
    loop {
        if !read_line(reader, &mut line, &mut budget).map_err(|e| io_error(&e, false, false))? {
            return Err(bad("the head ended early"));
        }
        if line.is_empty() {
            break;
        }
        let text = String::from_utf8_lossy(&line);
        let Some((name, value)) = text.split_once(':') else {
            continue;
        };
        let (name, value) = (name.trim().to_ascii_lowercase(), value.trim().to_owned());
        match name.as_str() {
            "content-length" => length = value.parse().ok(),
            "transfer-encoding" => chunked = value.to_ascii_lowercase().contains("chunked"),
            "connection" => {
                let v = value.to_ascii_lowercase();
                close = v.contains("close") || (http10 && !v.contains("keep-alive"));
            }
            _ => {}
        }
        headers.push((name, value));
    }
    let headers_ms = started.elapsed().as_secs_f64() * 1e3;
    let mut bytes = Vec::new();
    if status != 204 && status != 304 {
        let framing = match (chunked, length) {
            (true, _) => Framing::Chunked,
            (false, Some(length)) => Framing::Length(length),
            (false, None) => Framing::UntilClose,
        };
        close |= read_body(reader, framing, &mut bytes).map_err(|e| io_error(&e, false, false))?;
    }
    let truncated = bytes.len() > DEFAULT_BODY_CAP;
    if truncated {
        bytes.truncate(DEFAULT_BODY_CAP);
        close = true;
    }
    let response = RecordedResponse {
        status,
        headers,
        size: bytes.len(),
        body: Body::from_bytes(&bytes),
        truncated,
    };
    Ok((response, headers_ms, !close))
}

/// How the body of an answer is delimited.
enum Framing {
    Chunked,
    Length(usize),
    UntilClose,
}

/// Reads a body, keeping at most the cap plus one byte (so a cut can be told); returns true
/// when the connection cannot be reused afterwards.
fn read_body(
    reader: &mut BufReader<TcpStream>,
    framing: Framing,
    bytes: &mut Vec<u8>,
) -> std::io::Result<bool> {
    let keep_max = DEFAULT_BODY_CAP + 1;
    match framing {
        Framing::Length(length) => {
            let keep = length.min(keep_max);
            bytes.resize(keep, 0);
            reader.read_exact(bytes)?;
            Ok(keep < length)
        }
        Framing::UntilClose => {
            reader.by_ref().take(keep_max as u64).read_to_end(bytes)?;
            Ok(true)
        }
        Framing::Chunked => {
            let mut line = Vec::with_capacity(32);
            loop {
                if !read_line(reader, &mut line, &mut 4096)? {
                    return Err(std::io::Error::other("the chunked body ended early"));
                }
                let text = String::from_utf8_lossy(&line);
                let text = text.split(';').next().unwrap_or("").trim();
                let size = usize::from_str_radix(text, 16)
                    .map_err(|_| std::io::Error::other("bad chunk size"))?;
                if size == 0 {
                    let mut budget = HEAD_MAX;
                    while read_line(reader, &mut line, &mut budget)? && !line.is_empty() {}
                    return Ok(false);
                }
                let keep = size.min(keep_max.saturating_sub(bytes.len()));
                let start = bytes.len();
                bytes.resize(start + keep, 0);
                reader.read_exact(&mut bytes[start..])?;
                let rest = (size - keep) as u64;
                std::io::copy(&mut reader.by_ref().take(rest), &mut std::io::sink())?;
                read_line(reader, &mut line, &mut 4096)?;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use std::net::TcpListener;
    use std::sync::Arc;
    use std::sync::atomic::AtomicUsize;

    use super::*;
    use crate::catalog::EventId;

    const TRANSCRIPT: EventId = EventId::ChatPostSurveyEmailTranscript;

    /// A server that answers the n-th request of each connection with `answer(n)`, closing the
    /// connection after it when the answer says so. Counts connections.
    fn server(answer: fn(usize) -> (&'static str, bool)) -> (String, Arc<AtomicUsize>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let connections = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&connections);
        std::thread::Builder::new()
            .name("test-server".into())
            .spawn(move || {
                for stream in listener.incoming().flatten() {
                    counter.fetch_add(1, Ordering::SeqCst);
                    std::thread::Builder::new()
                        .name("test-connection".into())
                        .spawn(move || {
                            let mut writer = stream.try_clone().unwrap();
                            let mut reader = BufReader::new(stream);
                            for n in 0.. {
                                let mut length = 0;
                                let mut line = String::new();
                                loop {
                                    line.clear();
                                    if reader.read_line(&mut line).unwrap_or(0) == 0 {
                                        return;
                                    }
                                    if line.trim().is_empty() {
                                        break;
                                    }
                                    if let Some(v) =
                                        line.to_ascii_lowercase().strip_prefix("content-length:")
                                    {
                                        length = v.trim().parse().unwrap();
                                    }
                                }
                                let mut body = vec![0; length];
                                reader.read_exact(&mut body).unwrap();
                                let (text, close) = answer(n);
                                writer.write_all(text.as_bytes()).unwrap();
                                if close {
                                    return;
                                }
                            }
                        })
                        .unwrap();
                }
            })
            .unwrap();
        (format!("http://127.0.0.1:{port}/fn"), connections)
    }

    fn send_twice(url: &str) -> Vec<Option<Invocation>> {
        let target = Target::url(TRANSCRIPT, url, Duration::from_secs(5));
        let fast = FastTarget::new(&target, &SessionSecrets::default()).unwrap();
        let envelope = PreparedEnvelope::new(serde_json::json!({"payload": {"csatRank": 4}}));
        let (mut connection, mut buffer) = (None, Vec::new());
        let cancel = AtomicBool::new(false);
        (0..2)
            .map(|_| fast.invoke(TRANSCRIPT, &envelope, &mut connection, &mut buffer, &cancel))
            .collect()
    }

    #[test]
    fn chunked_answers_keep_the_connection() {
        let (url, connections) = server(|_| {
            (
                "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\n[\r\n1;x=y\r\n]\r\n0\r\n\r\n",
                false,
            )
        });
        for record in send_twice(&url) {
            let record = record.unwrap();
            assert!(record.ok, "{record:#?}");
            assert_eq!(
                record.response.unwrap().body,
                Body::Json(serde_json::json!([]))
            );
        }
        assert_eq!(connections.load(Ordering::SeqCst), 1);
    }

    #[test]
    fn a_closed_keep_alive_connection_is_opened_again() {
        // HTTP/1.1 with a length and no Connection header, then the server closes anyway.
        let (url, connections) =
            server(|_| ("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n[]", true));
        for record in send_twice(&url) {
            assert!(record.unwrap().ok);
        }
        assert_eq!(connections.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn http10_bodies_run_until_close() {
        let (url, connections) = server(|_| ("HTTP/1.0 200 OK\r\n\r\n[]", true));
        for record in send_twice(&url) {
            assert!(record.unwrap().ok);
        }
        assert_eq!(connections.load(Ordering::SeqCst), 2);
    }

    #[test]
    fn redirects_are_left_to_reqwest() {
        let (url, _) = server(|_| {
            (
                "HTTP/1.1 302 Found\r\nLocation: /other\r\nContent-Length: 0\r\n\r\n",
                false,
            )
        });
        assert!(send_twice(&url).iter().all(Option::is_none));
    }

    #[test]
    fn errors_are_explained_like_the_reqwest_path() {
        let (url, _) = server(|_| {
            (
                "HTTP/1.1 901 Unknown\r\nContent-Type: application/json\r\nContent-Length: 76\r\n\r\n{\"errorCode\":\"com.liveperson.faas.handler.runtime-exception\",\"errorMsg\":\"x\"}",
                false,
            )
        });
        let record = send_twice(&url).remove(0).unwrap();
        assert!(!record.ok);
        let error = record.error.unwrap();
        assert_eq!(error.code, "com.liveperson.faas.handler.runtime-exception");
        assert!(error.message.contains("HTTP 901"), "{}", error.message);

        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let refused = send_twice(&format!("http://127.0.0.1:{port}/fn"))
            .remove(0)
            .unwrap();
        let error = refused.error.unwrap();
        assert_eq!(error.code, "refused");
        assert!(
            error.message.ends_with(&format!("127.0.0.1:{port}/fn")),
            "{}",
            error.message
        );
    }

    #[test]
    fn only_plain_http_takes_the_fast_path() {
        let secrets = SessionSecrets::default();
        let https = Target::url(TRANSCRIPT, "https://127.0.0.1:1/fn", Duration::from_secs(1));
        assert!(FastTarget::new(&https, &secrets).is_none());
        let http = Target::url(
            TRANSCRIPT,
            "http://127.0.0.1:1/fn?a=1",
            Duration::from_secs(1),
        );
        let fast = FastTarget::new(&http, &secrets).unwrap();
        let head = String::from_utf8(fast.head.clone()).unwrap();
        assert!(
            head.starts_with("POST /fn?a=1 HTTP/1.1\r\nHost: 127.0.0.1:1\r\n"),
            "{head}"
        );
    }
}
