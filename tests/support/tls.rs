//! An HTTPS server on 127.0.0.1 for tests: rustls with the test certificate in `tls/` (signed
//! by `tls/ca.pem`, for 127.0.0.1), offering HTTP/2 and HTTP/1.1 by ALPN or HTTP/1.1 only,
//! answering every request with `[]`. Runs on its own thread until the process ends.

use std::convert::Infallible;
use std::path::PathBuf;
use std::sync::{Arc, Mutex};

use http_body_util::Full;
use hyper::body::Bytes;
use hyper_util::rt::{TokioExecutor, TokioIo};
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};

/// The test CA's certificate: give it as `SSL_CERT_FILE` to trust the server.
pub fn ca_file() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/support/tls/ca.pem")
}

pub struct TlsServer {
    pub base: String,
    /// The HTTP version of every request served, in order ("HTTP/2.0", "HTTP/1.1").
    pub versions: Arc<Mutex<Vec<String>>>,
}

impl TlsServer {
    pub fn start(offer_h2: bool) -> TlsServer {
        let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/support/tls");
        let certs: Vec<CertificateDer<'static>> =
            CertificateDer::pem_file_iter(dir.join("server.pem"))
                .unwrap()
                .map(Result::unwrap)
                .collect();
        let key = PrivateKeyDer::from_pem_file(dir.join("server.key")).unwrap();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let mut config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .unwrap();
        config.alpn_protocols = if offer_h2 {
            vec![b"h2".to_vec(), b"http/1.1".to_vec()]
        } else {
            vec![b"http/1.1".to_vec()]
        };
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let versions = Arc::new(Mutex::new(Vec::new()));
        let seen = Arc::clone(&versions);
        std::thread::Builder::new()
            .name("tls-server".into())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .unwrap();
                runtime.block_on(async move {
                    let listener = tokio::net::TcpListener::from_std(listener).unwrap();
                    loop {
                        let Ok((tcp, _)) = listener.accept().await else {
                            continue;
                        };
                        let (acceptor, seen) = (acceptor.clone(), Arc::clone(&seen));
                        tokio::spawn(async move {
                            let Ok(tls) = acceptor.accept(tcp).await else {
                                return;
                            };
                            let h2 = tls.get_ref().1.alpn_protocol() == Some(b"h2");
                            let service = hyper::service::service_fn(
                                move |req: hyper::Request<hyper::body::Incoming>| {
                                    let seen = Arc::clone(&seen);
                                    async move {
                                        seen.lock().unwrap().push(format!("{:?}", req.version()));
                                        Ok::<_, Infallible>(
                                            hyper::Response::builder()
                                                .header("Content-Type", "application/json")
                                                .body(Full::new(Bytes::from_static(b"[]")))
                                                .unwrap(),
                                        )
                                    }
                                },
                            );
                            let io = TokioIo::new(tls);
                            if h2 {
                                let _ =
                                    hyper::server::conn::http2::Builder::new(TokioExecutor::new())
                                        .serve_connection(io, service)
                                        .await;
                            } else {
                                let _ = hyper::server::conn::http1::Builder::new()
                                    .serve_connection(io, service)
                                    .await;
                            }
                        });
                    }
                });
            })
            .unwrap();
        TlsServer {
            base: format!("https://127.0.0.1:{port}"),
            versions,
        }
    }
}
