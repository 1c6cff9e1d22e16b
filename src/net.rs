//! HTTP plumbing shared by the function invoker and the livechat client: one blocking reqwest
//! client per timeout (rustls with the ring provider), network errors sorted by kind, and
//! response bodies read with a cap.

use std::collections::HashMap;
use std::io::Read as _;
use std::sync::{Mutex, OnceLock};
use std::time::Duration;

use serde::Serialize;

/// Largest response body kept; the rest is cut and the cut is reported.
pub const DEFAULT_BODY_CAP: usize = 16 * 1024 * 1024;

/// The client for this request timeout, built once and reused (one connection pool each).
pub fn client(timeout: Duration) -> Result<reqwest::blocking::Client, NetError> {
    static CLIENTS: OnceLock<Mutex<HashMap<Duration, reqwest::blocking::Client>>> = OnceLock::new();
    // ring builds fast and needs no cmake; install it once as the process default.
    static PROVIDER: OnceLock<()> = OnceLock::new();
    PROVIDER.get_or_init(|| {
        let _ = rustls::crypto::ring::default_provider().install_default();
    });
    let clients = CLIENTS.get_or_init(Default::default);
    let mut clients = clients.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(client) = clients.get(&timeout) {
        return Ok(client.clone());
    }
    let client = reqwest::blocking::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(10)))
        .user_agent(concat!("survey-console/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| NetError {
            kind: NetErrorKind::Other,
            message: format!("cannot set up the HTTP client: {e}"),
            url: String::new(),
        })?;
    clients.insert(timeout, client.clone());
    Ok(client)
}

/// What kind of network failure happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NetErrorKind {
    /// Nothing listens at that address (connection refused).
    Refused,
    /// The host name does not resolve.
    Dns,
    /// The TLS handshake or certificate check failed.
    Tls,
    /// No answer within the timeout.
    Timeout,
    /// The URL is not usable.
    InvalidUrl,
    /// Anything else (connection reset, protocol error, …).
    Other,
}

impl NetErrorKind {
    /// The kind as its JSON word.
    pub fn as_str(self) -> &'static str {
        match self {
            NetErrorKind::Refused => "refused",
            NetErrorKind::Dns => "dns",
            NetErrorKind::Tls => "tls",
            NetErrorKind::Timeout => "timeout",
            NetErrorKind::InvalidUrl => "invalid_url",
            NetErrorKind::Other => "other",
        }
    }
}

/// A request that got no HTTP answer.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error, Serialize)]
#[error("{message}: {url}")]
pub struct NetError {
    /// The kind of failure.
    pub kind: NetErrorKind,
    /// What happened, in plain words.
    pub message: String,
    /// The URL that was called.
    pub url: String,
}

impl NetError {
    /// Sorts a reqwest error into a kind with a plain explanation.
    pub fn from_reqwest(err: &reqwest::Error, url: &str) -> NetError {
        let chain = error_chain(err);
        let lower = chain.to_lowercase();
        let (kind, message) = if err.is_timeout() || lower.contains("timed out") {
            (
                NetErrorKind::Timeout,
                "no answer within the timeout".to_owned(),
            )
        } else if lower.contains("connection refused") {
            (
                NetErrorKind::Refused,
                "connection refused: nothing is listening at that address".to_owned(),
            )
        } else if lower.contains("dns error")
            || lower.contains("failed to lookup")
            || lower.contains("name or service not known")
            || lower.contains("no address associated")
        {
            (
                NetErrorKind::Dns,
                "the host name does not resolve".to_owned(),
            )
        } else if lower.contains("certificate")
            || lower.contains("tls")
            || lower.contains("handshake")
            || lower.contains("invalid peer")
        {
            (NetErrorKind::Tls, format!("TLS failed ({chain})"))
        } else if err.is_builder()
            || lower.contains("relative url")
            || lower.contains("url") && err.url().is_none()
        {
            (
                NetErrorKind::InvalidUrl,
                format!("the URL is not usable ({chain})"),
            )
        } else {
            (NetErrorKind::Other, format!("the request failed ({chain})"))
        };
        NetError {
            kind,
            message,
            url: url.to_owned(),
        }
    }

    /// An error for a URL refused before sending.
    pub fn invalid_url(url: &str, why: &str) -> NetError {
        NetError {
            kind: NetErrorKind::InvalidUrl,
            message: format!("the URL is not usable ({why})"),
            url: url.to_owned(),
        }
    }
}

/// The error and its sources, joined with ": ".
pub fn error_chain(err: &dyn std::error::Error) -> String {
    let mut text = err.to_string();
    let mut source = err.source();
    while let Some(s) = source {
        let next = s.to_string();
        if !text.contains(&next) {
            text.push_str(": ");
            text.push_str(&next);
        }
        source = s.source();
    }
    text
}

/// Checks that `url` is an absolute http(s) URL before anything is sent.
pub fn check_url(url: &str) -> Result<reqwest::Url, NetError> {
    let parsed =
        reqwest::Url::parse(url.trim()).map_err(|e| NetError::invalid_url(url, &e.to_string()))?;
    match parsed.scheme() {
        "http" | "https" => Ok(parsed),
        other => Err(NetError::invalid_url(
            url,
            &format!("scheme {other}: only http and https"),
        )),
    }
}

/// A response body read up to a cap.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CappedBody {
    /// The bytes kept.
    pub bytes: Vec<u8>,
    /// True when the body was longer than the cap and was cut.
    pub truncated: bool,
}

/// Reads a response body, keeping at most `cap` bytes.
pub fn read_capped(
    response: reqwest::blocking::Response,
    cap: usize,
    url: &str,
) -> Result<CappedBody, NetError> {
    let mut bytes = Vec::new();
    let mut limited = response.take(cap as u64 + 1);
    limited.read_to_end(&mut bytes).map_err(|e| {
        let timeout = e.kind() == std::io::ErrorKind::TimedOut
            || error_chain(&e).to_lowercase().contains("timed out");
        NetError {
            kind: if timeout {
                NetErrorKind::Timeout
            } else {
                NetErrorKind::Other
            },
            message: if timeout {
                "the body did not arrive within the timeout".to_owned()
            } else {
                format!("reading the answer failed ({})", error_chain(&e))
            },
            url: url.to_owned(),
        }
    })?;
    let truncated = bytes.len() > cap;
    bytes.truncate(cap);
    Ok(CappedBody { bytes, truncated })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refused_connections_are_told_apart() {
        // Bind then drop a listener: the port is very likely free and refuses.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let url = format!("http://127.0.0.1:{port}/fn");
        let client = client(Duration::from_secs(2)).unwrap();
        let err = client.post(&url).send().unwrap_err();
        let net = NetError::from_reqwest(&err, &url);
        assert_eq!(net.kind, NetErrorKind::Refused, "{net:?}");
        assert!(net.to_string().ends_with(&url));
    }

    #[test]
    fn urls_are_checked_before_sending() {
        assert!(check_url("http://127.0.0.1:8080/x").is_ok());
        assert_eq!(
            check_url("ftp://example.invalid/").unwrap_err().kind,
            NetErrorKind::InvalidUrl
        );
        assert_eq!(
            check_url("not a url").unwrap_err().kind,
            NetErrorKind::InvalidUrl
        );
    }
}
