//! Connections: TCP (name resolution and connect with typed errors), directly or through the
//! proxy the environment names ([`super::proxy`]: a `CONNECT` tunnel for https, the proxy
//! itself for http), TLS through hyper-rustls with the platform's verifier (the same roots for
//! every exchange: the system's, or `SSL_CERT_FILE` / `SSL_CERT_DIR`), and the HTTP/1.1 or
//! HTTP/2 handshake the TLS server chose by ALPN. The connection's task runs on the runtime of
//! whoever connected.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};

use bytes::Bytes;
use http::HeaderValue;
use http_body_util::Full;
use hyper::client::conn::{http1, http2};
use hyper_rustls::{HttpsConnector, MaybeHttpsStream};
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpStream;
use tower_service::Service as _;

use super::proxy::{self, Proxy, Route};
use super::{NetError, NetErrorKind};

/// Where a connection goes: scheme, host and port.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Origin {
    /// True for https.
    pub tls: bool,
    /// The host as in the URL.
    pub host: String,
    /// The port (the scheme's default when the URL has none).
    pub port: u16,
}

impl Origin {
    /// The origin of a checked URL.
    pub fn of(url: &url::Url) -> Option<Origin> {
        Some(Origin {
            tls: url.scheme() == "https",
            host: url.host_str()?.to_owned(),
            port: url.port_or_known_default()?,
        })
    }

    /// The `Host` header for this origin: the port only when it is not the scheme's default.
    pub(crate) fn host_header(&self) -> Option<HeaderValue> {
        let default_port = if self.tls { 443 } else { 80 };
        let value = if self.port == default_port {
            HeaderValue::from_str(&self.host)
        } else {
            HeaderValue::from_str(&format!("{}:{}", self.host, self.port))
        };
        value.ok()
    }

    fn uri(&self) -> Result<http::Uri, http::Error> {
        let scheme = if self.tls { "https" } else { "http" };
        http::Uri::builder()
            .scheme(scheme)
            .authority(format!("{}:{}", self.host, self.port))
            .path_and_query("/")
            .build()
    }
}

/// The sending half of a connection's HTTP handshake.
pub enum Sender {
    /// HTTP/1.1: one request at a time.
    H1(http1::SendRequest<Full<Bytes>>),
    /// HTTP/2, offered by a TLS server.
    H2(http2::SendRequest<Full<Bytes>>),
}

/// A live connection: HTTP/1.1 keep-alive, or HTTP/2 (shared by clones), direct or through a
/// proxy.
pub struct Conn {
    /// The handshake's sender.
    pub sender: Sender,
    /// The proxy the connection goes through, as shown in notes.
    pub via: Option<String>,
    /// For an http origin behind a forward proxy: requests go in absolute form, with this
    /// `Proxy-Authorization` (if the proxy URL had credentials).
    pub forward: Option<Option<HeaderValue>>,
    /// The `Host` header of its HTTP/1.1 requests (the port only when not the scheme's own).
    pub host: Option<HeaderValue>,
}

impl Conn {
    /// True once the connection cannot carry another request.
    pub fn is_closed(&self) -> bool {
        match &self.sender {
            Sender::H1(s) => s.is_closed(),
            Sender::H2(s) => s.is_closed(),
        }
    }

    /// Waits until the connection can take a request; an error when it is gone.
    pub async fn ready(&mut self) -> Result<(), hyper::Error> {
        match &mut self.sender {
            Sender::H1(s) => s.ready().await,
            Sender::H2(s) => s.ready().await,
        }
    }

    /// True for HTTP/2.
    pub fn is_h2(&self) -> bool {
        matches!(self.sender, Sender::H2(_))
    }
}

/// Why a TCP connection could not be made.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct ConnectError {
    kind: NetErrorKind,
    message: String,
    #[source]
    source: Option<Box<dyn std::error::Error + Send + Sync>>,
}

impl ConnectError {
    /// The kind of failure.
    pub fn kind(&self) -> NetErrorKind {
        self.kind
    }
}

/// Resolves and connects, trying each address in turn; the error says which step failed.
async fn tcp_connect(host: &str, port: u16) -> Result<TcpStream, ConnectError> {
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let addrs: Vec<SocketAddr> = match tokio::net::lookup_host((host, port)).await {
        Ok(addrs) => addrs.collect(),
        Err(e) => {
            return Err(ConnectError {
                kind: NetErrorKind::Dns,
                message: format!("cannot resolve {host}"),
                source: Some(Box::new(e)),
            });
        }
    };
    if addrs.is_empty() {
        return Err(ConnectError {
            kind: NetErrorKind::Dns,
            message: format!("{host} has no address"),
            source: None,
        });
    }
    let mut last = None;
    for addr in addrs {
        match TcpStream::connect(addr).await {
            Ok(stream) => {
                // Requests are written whole; waiting to fill a segment only adds latency.
                let _ = stream.set_nodelay(true);
                return Ok(stream);
            }
            Err(e) => last = Some(e),
        }
    }
    let source = last.unwrap_or_else(|| std::io::Error::other("no address to connect to"));
    Err(ConnectError {
        kind: if source.kind() == std::io::ErrorKind::ConnectionRefused {
            NetErrorKind::Refused
        } else {
            NetErrorKind::Other
        },
        message: format!("cannot connect to {host}:{port}"),
        source: Some(Box::new(source)),
    })
}

/// The TCP half of the HTTPS connector: to the origin, to its forward proxy, or through its
/// proxy's `CONNECT` tunnel.
#[derive(Clone, Debug)]
struct Tcp {
    route: Route,
}

/// Plain TCP to the host and port of a URI.
#[derive(Clone, Copy, Debug, Default)]
struct Direct;

impl tower_service::Service<http::Uri> for Direct {
    type Response = TokioIo<TcpStream>;
    type Error = ConnectError;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, ConnectError>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), ConnectError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, uri: http::Uri) -> Self::Future {
        Box::pin(async move {
            let host = uri.host().unwrap_or_default().to_owned();
            let port = uri.port_u16().unwrap_or(80);
            tcp_connect(&host, port).await.map(TokioIo::new)
        })
    }
}

impl tower_service::Service<http::Uri> for Tcp {
    type Response = TokioIo<TcpStream>;
    type Error = ConnectError;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, ConnectError>> + Send>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), ConnectError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, uri: http::Uri) -> Self::Future {
        let route = self.route.clone();
        Box::pin(async move {
            match route {
                Route::Direct => Direct.call(uri).await,
                Route::Forward(proxy) => reach_proxy(&proxy).await.map(TokioIo::new),
                Route::Tunnel(proxy) => {
                    let host = uri
                        .host()
                        .ok_or_else(|| ConnectError {
                            kind: NetErrorKind::InvalidUrl,
                            message: "no host to tunnel to".to_owned(),
                            source: None,
                        })?
                        .to_owned();
                    let port = uri.port_u16().unwrap_or(443);
                    let stream = reach_proxy(&proxy).await?;
                    tunnel(stream, &proxy, &host, port).await.map(TokioIo::new)
                }
            }
        })
    }
}

/// A TCP connection to the proxy; failing, an error that says the proxy was out of reach.
async fn reach_proxy(proxy: &Proxy) -> Result<TcpStream, ConnectError> {
    tcp_connect(&proxy.host, proxy.port)
        .await
        .map_err(|e| ConnectError {
            kind: NetErrorKind::Proxy,
            message: format!("cannot reach the proxy: {}", e.message),
            source: e.source,
        })
}

/// Asks the proxy on `stream` for a tunnel to `host:port` (a `CONNECT` request over hyper's
/// HTTP/1.1 client); the stream, once it answers 2xx.
async fn tunnel(
    stream: TcpStream,
    proxy: &Proxy,
    host: &str,
    port: u16,
) -> Result<TcpStream, ConnectError> {
    let target = if host.contains(':') && !host.starts_with('[') {
        format!("[{host}]:{port}")
    } else {
        format!("{host}:{port}")
    };
    let failed = |message: String| ConnectError {
        kind: NetErrorKind::Proxy,
        message,
        source: None,
    };
    let hyper_failed = |e: hyper::Error| {
        // An answer too large to be a head is a parse error too ("message head is too large").
        let message = if e.is_parse() || e.is_parse_status() {
            format!("the proxy's answer to CONNECT {target} is not HTTP ({e})")
        } else if e.is_incomplete_message() || e.is_canceled() || e.is_closed() {
            format!("the proxy closed the connection before answering CONNECT {target}")
        } else {
            format!("talking to the proxy failed ({e})")
        };
        ConnectError {
            kind: NetErrorKind::Proxy,
            message,
            source: Some(Box::new(e)),
        }
    };
    let mut request = http::Request::new(http_body_util::Empty::<Bytes>::new());
    *request.method_mut() = http::Method::CONNECT;
    *request.uri_mut() = target
        .parse()
        .map_err(|e| failed(format!("cannot ask the proxy for {target} ({e})")))?;
    let headers = request.headers_mut();
    if let Ok(value) = HeaderValue::from_str(&target) {
        headers.insert(http::header::HOST, value);
    }
    if let Some(auth) = &proxy.auth {
        headers.insert(http::header::PROXY_AUTHORIZATION, auth.clone());
    }
    // Header names as curl and older proxies write them (`Proxy-Authorization`).
    let (mut sender, conn) = http1::Builder::new()
        .title_case_headers(true)
        .handshake::<_, http_body_util::Empty<Bytes>>(TokioIo::new(stream))
        .await
        .map_err(hyper_failed)?;
    // The connection is driven here, beside the request, and ends with this future: a proxy
    // that never answers holds nothing once the deadline drops it.
    let mut conn = std::pin::pin!(conn.without_shutdown());
    let mut send = std::pin::pin!(sender.send_request(request));
    // The connection may end in the same turn as it hands the answer over (a tunnel's answer
    // ends hyper's part of it): its end is then followed by the answer, or by why none came.
    let (response, parts) = tokio::select! {
        response = send.as_mut() => (response.map_err(hyper_failed)?, None),
        ended = conn.as_mut() => {
            let parts = ended.map_err(hyper_failed)?;
            (send.await.map_err(hyper_failed)?, Some(parts))
        }
    };
    match response.status().as_u16() {
        200..=299 => {}
        407 => {
            return Err(failed(if proxy.auth.is_some() {
                "the proxy refused the credentials in its URL (HTTP 407)".to_owned()
            } else {
                "the proxy asks for credentials (HTTP 407): put them in the proxy URL, http://user:password@host:port".to_owned()
            }));
        }
        code => {
            return Err(failed(format!(
                "the proxy refused to open a tunnel to {target} (HTTP {code} to CONNECT): is that host allowed through it?"
            )));
        }
    }
    // The proxy says nothing past its answer until the client speaks (TLS starts with the
    // client's hello): the connection hands back its stream with nothing read ahead.
    let parts = match parts {
        Some(parts) => parts,
        None => conn.await.map_err(hyper_failed)?,
    };
    if !parts.read_buf.is_empty() {
        return Err(failed(format!(
            "the proxy sent data after its answer to CONNECT {target}, before the tunnel was used"
        )));
    }
    Ok(parts.io.into_inner())
}

/// The TLS configuration every exchange uses: rustls with ring, the platform's verifier,
/// ALPN offering HTTP/2 and HTTP/1.1.
pub fn tls_config() -> Result<Arc<rustls::ClientConfig>, String> {
    static CONFIG: OnceLock<Result<Arc<rustls::ClientConfig>, String>> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            use rustls_platform_verifier::BuilderVerifierExt as _;
            let provider = Arc::new(rustls::crypto::ring::default_provider());
            let mut config = rustls::ClientConfig::builder_with_provider(provider)
                .with_safe_default_protocol_versions()
                .and_then(|b| b.with_platform_verifier())
                .map_err(|e| format!("cannot set up TLS: {e}"))?
                .with_no_client_auth();
            config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
            Ok(Arc::new(config))
        })
        .clone()
}

/// Opens a connection to `origin` and makes the HTTP handshake: HTTP/2 when the TLS server
/// chose it, else HTTP/1.1; through the proxy the environment names for it, if any. `url`
/// names the request in errors.
pub async fn connect(origin: &Origin, url: &str) -> Result<Conn, NetError> {
    let route = proxy::from_env().route(origin, url)?;
    let via = route.proxy().map(proxy::Proxy::describe);
    let forward = match &route {
        Route::Forward(p) => Some(p.auth.clone()),
        Route::Direct | Route::Tunnel(_) => None,
    };
    let through = |mut e: NetError| {
        if let Some(via) = &via {
            e.message = format!("{} (through the proxy {via})", e.message);
        }
        e
    };
    let uri = origin
        .uri()
        .map_err(|e| NetError::invalid_url(url, &e.to_string()))?;
    let tcp = Tcp { route };
    // Plain HTTP needs no TLS set-up (reading the platform's roots takes milliseconds).
    let stream = if origin.tls {
        let config = tls_config().map_err(|e| NetError::new(NetErrorKind::Tls, e, url))?;
        let mut https = HttpsConnector::from((tcp, config));
        https.call(uri).await.map_err(|e| {
            let err: &(dyn std::error::Error + 'static) = &*e;
            through(NetError::from_error(err, url))
        })?
    } else {
        let mut tcp = tcp;
        let stream = tcp
            .call(uri)
            .await
            .map_err(|e| through(NetError::from_error(&e, url)))?;
        MaybeHttpsStream::Http(stream)
    };
    let h2 = match &stream {
        MaybeHttpsStream::Https(tls) => tls.inner().get_ref().1.alpn_protocol() == Some(b"h2"),
        MaybeHttpsStream::Http(_) => false,
    };
    let handshake_failed = |e: hyper::Error| through(NetError::from_error(&e, url));
    let sender = if h2 {
        let (send, conn) = http2::Builder::new(TokioExecutor::new())
            .handshake(stream)
            .await
            .map_err(handshake_failed)?;
        tokio::spawn(conn);
        Sender::H2(send)
    } else {
        let (send, conn) = http1::Builder::new()
            .handshake(stream)
            .await
            .map_err(handshake_failed)?;
        tokio::spawn(conn);
        Sender::H1(send)
    };
    let host = (!h2).then(|| origin.host_header()).flatten();
    Ok(Conn {
        sender,
        via,
        forward,
        host,
    })
}
