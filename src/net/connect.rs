//! Connections: TCP (name resolution and connect with typed errors), TLS through hyper-rustls
//! with the platform's verifier (the same roots for every exchange: the system's, or
//! `SSL_CERT_FILE` / `SSL_CERT_DIR`), and the HTTP/1.1 or HTTP/2 handshake the TLS server
//! chose by ALPN. The connection's task runs on the runtime of whoever connected.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::{Arc, OnceLock};
use std::task::{Context, Poll};

use bytes::Bytes;
use http_body_util::Full;
use hyper::client::conn::{http1, http2};
use hyper_rustls::{HttpsConnector, MaybeHttpsStream};
use hyper_util::rt::{TokioExecutor, TokioIo};
use tokio::net::TcpStream;
use tower_service::Service as _;

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

    fn uri(&self) -> Result<http::Uri, http::Error> {
        let scheme = if self.tls { "https" } else { "http" };
        http::Uri::builder()
            .scheme(scheme)
            .authority(format!("{}:{}", self.host, self.port))
            .path_and_query("/")
            .build()
    }
}

/// A live connection: HTTP/1.1 keep-alive, or HTTP/2 (shared by clones).
pub enum Conn {
    /// HTTP/1.1: one request at a time.
    H1(http1::SendRequest<Full<Bytes>>),
    /// HTTP/2, offered by a TLS server.
    H2(http2::SendRequest<Full<Bytes>>),
}

impl Conn {
    /// True once the connection cannot carry another request.
    pub fn is_closed(&self) -> bool {
        match self {
            Conn::H1(s) => s.is_closed(),
            Conn::H2(s) => s.is_closed(),
        }
    }

    /// Waits until the connection can take a request; an error when it is gone.
    pub async fn ready(&mut self) -> Result<(), hyper::Error> {
        match self {
            Conn::H1(s) => s.ready().await,
            Conn::H2(s) => s.ready().await,
        }
    }

    /// True for HTTP/2.
    pub fn is_h2(&self) -> bool {
        matches!(self, Conn::H2(_))
    }
}

/// Why a TCP connection could not be made.
#[derive(Debug, thiserror::Error)]
#[error("{message}")]
pub struct ConnectError {
    kind: NetErrorKind,
    message: String,
    #[source]
    source: Option<std::io::Error>,
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
                source: Some(e),
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
        source: Some(source),
    })
}

/// The TCP half of the HTTPS connector.
#[derive(Clone, Copy, Debug, Default)]
struct Tcp;

impl tower_service::Service<http::Uri> for Tcp {
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

fn connector() -> Result<HttpsConnector<Tcp>, String> {
    Ok(HttpsConnector::from((Tcp, tls_config()?)))
}

/// Opens a connection to `origin` and makes the HTTP handshake: HTTP/2 when the TLS server
/// chose it, else HTTP/1.1. `url` names the request in errors.
pub async fn connect(origin: &Origin, url: &str) -> Result<Conn, NetError> {
    let mut https = connector().map_err(|e| NetError::new(NetErrorKind::Tls, e, url))?;
    let uri = origin
        .uri()
        .map_err(|e| NetError::invalid_url(url, &e.to_string()))?;
    let stream = https.call(uri).await.map_err(|e| {
        let err: &(dyn std::error::Error + 'static) = &*e;
        NetError::from_error(err, url)
    })?;
    let h2 = match &stream {
        MaybeHttpsStream::Https(tls) => tls.inner().get_ref().1.alpn_protocol() == Some(b"h2"),
        MaybeHttpsStream::Http(_) => false,
    };
    let handshake_failed = |e: hyper::Error| NetError::from_error(&e, url);
    if h2 {
        let (send, conn) = http2::Builder::new(TokioExecutor::new())
            .handshake(stream)
            .await
            .map_err(handshake_failed)?;
        tokio::spawn(conn);
        Ok(Conn::H2(send))
    } else {
        let (send, conn) = http1::Builder::new()
            .handshake(stream)
            .await
            .map_err(handshake_failed)?;
        tokio::spawn(conn);
        Ok(Conn::H1(send))
    }
}
