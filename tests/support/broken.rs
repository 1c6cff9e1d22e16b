//! A raw TCP server on 127.0.0.1 that misbehaves on purpose: drips its status line or body,
//! resets, closes after reading, sends bad chunking or a 2 GB body, redirects. Each connection
//! runs on its own thread; `act` decides per connection and request what to do.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::time::Duration;

/// What the server does with one request.
#[derive(Clone, Debug)]
pub enum Act {
    /// Answers with a status and a JSON body (keep-alive).
    Answer(u16, String),
    /// Sends the head, then the body one byte every `every`.
    DripBody { every: Duration },
    /// Sends the status line one byte every `every`.
    DripStatus { every: Duration },
    /// Reads only the head and closes with the body unread: the kernel sends a reset.
    Reset,
    /// Reads the whole request and closes without answering.
    CloseAfterRead,
    /// Answers with a chunked body whose chunk size is not hex.
    BadChunking,
    /// Announces 2 GB and writes zeros until the client goes away.
    Huge,
    /// Answers `status` with `Location: location`.
    Redirect(u16, String),
}

/// The running server; its thread ends with the test process.
pub struct BrokenServer {
    pub base: String,
    pub port: u16,
    /// Connections accepted.
    pub connections: Arc<AtomicUsize>,
    /// Requests whose head was read.
    pub requests: Arc<AtomicUsize>,
    stop: Arc<AtomicBool>,
}

impl BrokenServer {
    /// `act(connection, request_on_connection, path)` says what to do.
    pub fn start(act: impl Fn(usize, usize, &str) -> Act + Send + Sync + 'static) -> BrokenServer {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let connections = Arc::new(AtomicUsize::new(0));
        let requests = Arc::new(AtomicUsize::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let act = Arc::new(act);
        let (c, r, s) = (
            Arc::clone(&connections),
            Arc::clone(&requests),
            Arc::clone(&stop),
        );
        std::thread::Builder::new()
            .name("broken-server".into())
            .spawn(move || {
                for stream in listener.incoming() {
                    if s.load(Ordering::Relaxed) {
                        return;
                    }
                    let Ok(stream) = stream else { continue };
                    let n = c.fetch_add(1, Ordering::SeqCst);
                    let (act, r) = (Arc::clone(&act), Arc::clone(&r));
                    std::thread::Builder::new()
                        .name("broken-connection".into())
                        .spawn(move || serve(stream, n, &*act, &r))
                        .unwrap();
                }
            })
            .unwrap();
        BrokenServer {
            base: format!("http://127.0.0.1:{port}"),
            port,
            connections,
            requests,
            stop,
        }
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }
}

impl Drop for BrokenServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        let _ = TcpStream::connect(("127.0.0.1", self.port));
    }
}

/// Reads a request head; returns the path and the Content-Length.
fn read_head(stream: &mut TcpStream) -> Option<(String, usize)> {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        if stream.read(&mut byte).ok()? == 0 {
            return None;
        }
        head.push(byte[0]);
        if head == [0x16] {
            // A TLS handshake on this plain port: answer as a plain HTTP server does.
            let _ = stream.write_all(b"HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n");
            return None;
        }
        if head.len() > 64 * 1024 {
            return None;
        }
    }
    let text = String::from_utf8_lossy(&head);
    let path = text.split_whitespace().nth(1)?.to_owned();
    let length = text
        .lines()
        .find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case("content-length")
                .then(|| v.trim().parse().ok())?
        })
        .unwrap_or(0);
    Some((path, length))
}

fn serve(
    mut stream: TcpStream,
    connection: usize,
    act: &dyn Fn(usize, usize, &str) -> Act,
    requests: &AtomicUsize,
) {
    let _ = stream.set_nodelay(true);
    for n in 0.. {
        let Some((path, length)) = read_head(&mut stream) else {
            return;
        };
        requests.fetch_add(1, Ordering::SeqCst);
        let action = act(connection, n, &path);
        if matches!(action, Act::Reset) {
            // The body (every test request has one) is still unread: closing now makes the
            // kernel answer with a reset.
            return;
        }
        let mut body = vec![0u8; length];
        if stream.read_exact(&mut body).is_err() {
            return;
        }
        let ok = match action {
            Act::Answer(status, body) => write!(
                stream,
                "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{body}",
                body.len()
            )
            .is_ok(),
            Act::Redirect(status, location) => write!(
                stream,
                "HTTP/1.1 {status} Moved\r\nLocation: {location}\r\nContent-Length: 0\r\n\r\n"
            )
            .is_ok(),
            Act::DripBody { every } => {
                let _ = stream.write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 200\r\n\r\n[",
                );
                for _ in 0..199 {
                    std::thread::sleep(every);
                    if stream.write_all(b" ").is_err() {
                        return;
                    }
                }
                false
            }
            Act::DripStatus { every } => {
                for b in b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n[]" {
                    std::thread::sleep(every);
                    if stream.write_all(&[*b]).is_err() {
                        return;
                    }
                }
                false
            }
            Act::CloseAfterRead => return,
            Act::BadChunking => {
                let _ = stream.write_all(
                    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nZZ\r\nhello\r\n0\r\n\r\n",
                );
                return;
            }
            Act::Huge => {
                let _ = stream.write_all(
                    b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2147483648\r\n\r\n",
                );
                let zeros = vec![b' '; 64 * 1024];
                for _ in 0..(2usize << 30) / zeros.len() {
                    if stream.write_all(&zeros).is_err() {
                        return;
                    }
                }
                false
            }
            Act::Reset => return,
        };
        if !ok {
            return;
        }
    }
}
