//! A forward proxy on 127.0.0.1 for tests, as a contact centre's corporate proxy behaves:
//! `CONNECT host:port` opens a tunnel (for https), an absolute-form request (`POST
//! http://host/path HTTP/1.1`) is passed on to its origin in origin form (for http), one
//! request per connection. It can require `Proxy-Authorization` (407 without it) and refuse
//! tunnels to ports it does not allow (403), or say nothing at all. Every request head it gets
//! is kept, in order.

use std::io::{Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::sync::{Arc, Mutex};

use base64::Engine as _;

/// A request head the proxy received.
#[derive(Clone, Debug)]
pub struct Seen {
    /// The request line, e.g. `CONNECT 127.0.0.1:4430 HTTP/1.1`.
    pub line: String,
    /// Its `Proxy-Authorization`, if any.
    pub auth: Option<String>,
}

pub struct TestProxy {
    /// `http://127.0.0.1:PORT`
    pub url: String,
    pub seen: Arc<Mutex<Vec<Seen>>>,
}

/// How the proxy treats requests.
#[derive(Clone, Debug, Default)]
pub struct Rules {
    /// `user:password` the proxy requires (407 without them).
    pub credentials: Option<String>,
    /// Ports a tunnel may go to (any when empty; 403 for the others).
    pub tunnel_ports: Vec<u16>,
    /// Reads each request head and then says nothing, holding the connection open.
    pub silent: bool,
}

impl TestProxy {
    pub fn start(rules: Rules) -> TestProxy {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&seen);
        std::thread::Builder::new()
            .name("test-proxy".into())
            .spawn(move || {
                for stream in listener.incoming() {
                    let Ok(stream) = stream else { continue };
                    let (rules, log) = (rules.clone(), Arc::clone(&log));
                    let _ = std::thread::Builder::new()
                        .name("test-proxy-conn".into())
                        .spawn(move || serve(stream, &rules, &log));
                }
            })
            .unwrap();
        TestProxy {
            url: format!("http://127.0.0.1:{port}"),
            seen,
        }
    }

    /// The request lines received, in order.
    pub fn lines(&self) -> Vec<String> {
        self.seen
            .lock()
            .unwrap()
            .iter()
            .map(|s| s.line.clone())
            .collect()
    }
}

/// Reads up to the end of the request head; the head and whatever came after it.
fn read_head(stream: &mut TcpStream) -> Option<(String, Vec<u8>)> {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let n = stream.read(&mut chunk).ok()?;
        if n == 0 {
            return None;
        }
        buf.extend_from_slice(&chunk[..n]);
        if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..at]).into_owned();
            return Some((head, buf[at + 4..].to_vec()));
        }
    }
}

fn serve(mut client: TcpStream, rules: &Rules, log: &Mutex<Vec<Seen>>) {
    let Some((head, rest)) = read_head(&mut client) else {
        return;
    };
    let mut lines = head.split("\r\n");
    let line = lines.next().unwrap_or_default().to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
        .collect();
    let auth = headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case("proxy-authorization"))
        .map(|(_, v)| v.clone());
    log.lock().unwrap().push(Seen {
        line: line.clone(),
        auth: auth.clone(),
    });
    if rules.silent {
        // Hold the connection until the client gives up.
        let mut sink = [0u8; 1024];
        while matches!(client.read(&mut sink), Ok(n) if n > 0) {}
        return;
    }
    if let Some(credentials) = &rules.credentials {
        let expected = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode(credentials)
        );
        if auth.as_deref() != Some(expected.as_str()) {
            let _ = client.write_all(
                b"HTTP/1.1 407 Proxy Authentication Required\r\nProxy-Authenticate: Basic realm=\"corp\"\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            );
            return;
        }
    }
    let mut parts = line.split(' ');
    let (method, target) = (
        parts.next().unwrap_or_default(),
        parts.next().unwrap_or_default(),
    );
    if method == "CONNECT" {
        let port = target
            .rsplit_once(':')
            .and_then(|(_, p)| p.parse::<u16>().ok());
        let allowed =
            rules.tunnel_ports.is_empty() || port.is_some_and(|p| rules.tunnel_ports.contains(&p));
        let upstream = if allowed {
            TcpStream::connect(target).ok()
        } else {
            None
        };
        let Some(upstream) = upstream else {
            let _ = client.write_all(
                b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
            );
            return;
        };
        if client
            .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
            .is_err()
        {
            return;
        }
        pipe(client, upstream, &rest);
        return;
    }
    // Absolute form: pass the request on in origin form, one request per connection.
    let Some(after_scheme) = target.strip_prefix("http://") else {
        let _ = client.write_all(
            b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        );
        return;
    };
    let (authority, path) = after_scheme
        .find('/')
        .map_or((after_scheme, "/"), |at| after_scheme.split_at(at));
    let Ok(mut upstream) = TcpStream::connect(authority) else {
        let _ = client.write_all(
            b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n",
        );
        return;
    };
    let mut out = format!("{method} {path} HTTP/1.1\r\n");
    for (k, v) in &headers {
        let k_lower = k.to_ascii_lowercase();
        if k_lower == "proxy-authorization" || k_lower == "connection" {
            continue;
        }
        out.push_str(&format!("{k}: {v}\r\n"));
    }
    out.push_str("Connection: close\r\n\r\n");
    if upstream.write_all(out.as_bytes()).is_err() {
        return;
    }
    pipe(client, upstream, &rest);
}

/// Copies both ways until either side closes; `early` is what the client sent past its head.
fn pipe(mut client: TcpStream, mut upstream: TcpStream, early: &[u8]) {
    if !early.is_empty() && upstream.write_all(early).is_err() {
        return;
    }
    let (Ok(mut client_read), Ok(mut upstream_write)) = (client.try_clone(), upstream.try_clone())
    else {
        return;
    };
    let Ok(up) = std::thread::Builder::new()
        .name("test-proxy-tunnel".into())
        .spawn(move || {
            let _ = std::io::copy(&mut client_read, &mut upstream_write);
            let _ = upstream_write.shutdown(Shutdown::Write);
        })
    else {
        return;
    };
    let _ = std::io::copy(&mut upstream, &mut client);
    let _ = client.shutdown(Shutdown::Both);
    let _ = up.join();
}
