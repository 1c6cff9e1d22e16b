//! The one HTTP engine of the console: hyper on tokio for every exchange (single invocations,
//! batches, LivePerson tokens, CSDS and invocations, Rocket.Chat), HTTPS through hyper-rustls
//! with rustls (ring) and the platform's certificate verifier, HTTP/2 where a TLS server offers
//! it. Every exchange has one total deadline (connect, send, headers and the whole body), so no
//! server can stretch it by dripping bytes; a request is sent again only when hyper hands it
//! back unsent; network errors are sorted into kinds from the error chain, never from message
//! text, so every path names a failure the same way.
//!
//! - [`connect`]: TCP + TLS connections and their HTTP/1.1 or HTTP/2 handshakes.
//! - [`proxy`]: the proxies the environment names (`HTTPS_PROXY`, `HTTP_PROXY`, `NO_PROXY`).
//! - [`exchange`]: one request over a caller's connection [`Slot`], redirects, capped bodies.
//! - [`engine`]: the shared runtime and connection pool behind the blocking [`fetch`].

pub mod connect;
pub mod engine;
pub mod exchange;
pub mod proxy;

use serde::Serialize;

pub use connect::{Conn, Origin};
pub use engine::{block_on, fetch, until_cancelled};
pub use exchange::{
    Extra, Options, Request, Response, Slot, exchange, exchange_since, header_pairs,
};

/// Largest response body kept; the rest is cut and the cut is reported.
pub const DEFAULT_BODY_CAP: usize = 16 * 1024 * 1024;

/// The most redirects followed for one request.
pub const MAX_REDIRECTS: usize = 10;

/// The `User-Agent` of every request.
pub const USER_AGENT: &str = concat!("survey-console/", env!("CARGO_PKG_VERSION"));

/// What kind of network failure happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NetErrorKind {
    /// Nothing listens at that address (connection refused).
    Refused,
    /// The host name does not resolve.
    Dns,
    /// The TLS handshake or certificate check failed.
    Tls,
    /// No complete answer within the deadline.
    Timeout,
    /// The connection was reset, or closed before the answer was complete.
    Reset,
    /// The answer is not valid HTTP (a bad status line, bad chunking, …).
    Protocol,
    /// A redirect that is not followed: a loop, too many, or to another origin with credentials.
    Redirect,
    /// The URL is not usable.
    InvalidUrl,
    /// The proxy named in the environment cannot be used, refused the tunnel, or asked for
    /// credentials.
    Proxy,
    /// Anything else.
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
            NetErrorKind::Reset => "reset",
            NetErrorKind::Protocol => "protocol",
            NetErrorKind::Redirect => "redirect",
            NetErrorKind::InvalidUrl => "invalid_url",
            NetErrorKind::Proxy => "proxy",
            NetErrorKind::Other => "other",
        }
    }

    /// Which kinds win when several are found in one error chain: the most specific first.
    fn rank(self) -> u8 {
        match self {
            // A step with the proxy failed: that says more than the socket error under it.
            NetErrorKind::Proxy => 0,
            NetErrorKind::Tls => 1,
            NetErrorKind::Refused => 2,
            NetErrorKind::Dns => 3,
            NetErrorKind::Timeout => 4,
            NetErrorKind::Reset => 5,
            NetErrorKind::Protocol => 6,
            NetErrorKind::Redirect => 7,
            NetErrorKind::InvalidUrl => 8,
            NetErrorKind::Other => 9,
        }
    }
}

/// A request that got no (complete) HTTP answer.
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
    /// A new error of `kind`.
    pub fn new(kind: NetErrorKind, message: impl Into<String>, url: &str) -> NetError {
        NetError {
            kind,
            message: message.into(),
            url: url.to_owned(),
        }
    }

    /// Sorts an error into a kind by walking its chain (hyper, rustls, io and connect errors),
    /// with a plain explanation.
    pub fn from_error(err: &(dyn std::error::Error + 'static), url: &str) -> NetError {
        let kind = classify(err);
        let chain = error_chain(err);
        let message = match kind {
            NetErrorKind::Refused => {
                "connection refused: nothing is listening at that address".to_owned()
            }
            NetErrorKind::Dns => format!("the host name does not resolve ({chain})"),
            NetErrorKind::Tls => format!("TLS failed ({chain})"),
            NetErrorKind::Timeout => "no complete answer within the deadline".to_owned(),
            NetErrorKind::Reset => {
                format!(
                    "the connection was reset or closed before the answer was complete ({chain})"
                )
            }
            NetErrorKind::Protocol => format!("the answer is not valid HTTP ({chain})"),
            NetErrorKind::InvalidUrl => format!("the URL is not usable ({chain})"),
            NetErrorKind::Proxy => chain,
            NetErrorKind::Redirect | NetErrorKind::Other => {
                format!("the request failed ({chain})")
            }
        };
        NetError::new(kind, message, url)
    }

    /// An error for a URL refused before sending.
    pub fn invalid_url(url: &str, why: &str) -> NetError {
        NetError::new(
            NetErrorKind::InvalidUrl,
            format!("the URL is not usable ({why})"),
            url,
        )
    }

    /// The deadline passed before the answer was complete.
    pub fn timeout(deadline: std::time::Duration, url: &str) -> NetError {
        NetError::new(
            NetErrorKind::Timeout,
            format!(
                "no complete answer within the deadline of {} ms",
                deadline.as_millis()
            ),
            url,
        )
    }
}

/// The kind of the most specific failure found in an error chain. An `io::Error` is looked
/// into (its `source` skips the error it wraps, `get_ref` does not).
pub fn classify(err: &(dyn std::error::Error + 'static)) -> NetErrorKind {
    use std::io::ErrorKind as Io;
    let mut best = NetErrorKind::Other;
    let mut note = |kind: NetErrorKind| {
        if kind.rank() < best.rank() {
            best = kind;
        }
    };
    let mut current = Some(err);
    let mut depth = 0;
    while let Some(e) = current {
        depth += 1;
        if depth > 32 {
            break;
        }
        if let Some(c) = e.downcast_ref::<connect::ConnectError>() {
            note(c.kind());
        }
        if e.downcast_ref::<rustls::Error>().is_some() {
            note(NetErrorKind::Tls);
        }
        if let Some(h) = e.downcast_ref::<hyper::Error>() {
            if h.is_timeout() {
                note(NetErrorKind::Timeout);
            } else if h.is_parse() || h.is_parse_status() {
                note(NetErrorKind::Protocol);
            } else if h.is_incomplete_message() || h.is_canceled() || h.is_closed() {
                note(NetErrorKind::Reset);
            }
        }
        if let Some(io) = e.downcast_ref::<std::io::Error>() {
            match io.kind() {
                Io::ConnectionRefused => note(NetErrorKind::Refused),
                Io::ConnectionReset
                | Io::ConnectionAborted
                | Io::BrokenPipe
                | Io::UnexpectedEof
                | Io::NotConnected => note(NetErrorKind::Reset),
                Io::TimedOut => note(NetErrorKind::Timeout),
                Io::InvalidData | Io::InvalidInput => note(NetErrorKind::Protocol),
                _ => {}
            }
            if let Some(inner) = io.get_ref() {
                current = Some(inner);
                continue;
            }
        }
        current = e.source();
    }
    best
}

/// The error and its sources, joined with ": " (an `io::Error`'s wrapped error included).
pub fn error_chain(err: &(dyn std::error::Error + 'static)) -> String {
    let mut text = err.to_string();
    let mut current: Option<&(dyn std::error::Error + 'static)> = match err
        .downcast_ref::<std::io::Error>()
        .and_then(|io| io.get_ref())
    {
        Some(inner) => Some(inner),
        None => err.source(),
    };
    let mut depth = 0;
    while let Some(e) = current {
        depth += 1;
        if depth > 32 {
            break;
        }
        let next = e.to_string();
        if !text.contains(&next) {
            text.push_str(": ");
            text.push_str(&next);
        }
        current = match e
            .downcast_ref::<std::io::Error>()
            .and_then(|io| io.get_ref())
        {
            Some(inner) => Some(inner),
            None => e.source(),
        };
    }
    text
}

/// Checks that `url` is an absolute http(s) URL with a host before anything is sent.
pub fn check_url(url: &str) -> Result<url::Url, NetError> {
    let parsed =
        url::Url::parse(url.trim()).map_err(|e| NetError::invalid_url(url, &e.to_string()))?;
    match parsed.scheme() {
        "http" | "https" if parsed.host_str().is_some_and(|h| !h.is_empty()) => Ok(parsed),
        "http" | "https" => Err(NetError::invalid_url(url, "no host")),
        other => Err(NetError::invalid_url(
            url,
            &format!("scheme {other}: only http and https"),
        )),
    }
}

/// `text` as it appears in a URL's query (`form_urlencoded`).
pub fn query_encoded(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn kinds_come_from_the_chain_not_the_text() {
        let refused = std::io::Error::new(std::io::ErrorKind::ConnectionRefused, "whatever");
        assert_eq!(classify(&refused), NetErrorKind::Refused);
        // A TLS error wrapped twice in io errors, as tokio-rustls and hyper-rustls do.
        let tls = std::io::Error::other(std::io::Error::new(
            std::io::ErrorKind::InvalidData,
            rustls::Error::InvalidMessage(rustls::InvalidMessage::InvalidContentType),
        ));
        assert_eq!(classify(&tls), NetErrorKind::Tls);
        assert!(
            error_chain(&tls).contains("InvalidContentType"),
            "{}",
            error_chain(&tls)
        );
        // Text that says "timed out" is not a timeout.
        let other = std::io::Error::other("timed out, it says");
        assert_eq!(classify(&other), NetErrorKind::Other);
    }

    #[test]
    fn query_text_is_form_encoded() {
        assert_eq!(query_encoded("a b+c/d&e=f"), "a+b%2Bc%2Fd%26e%3Df");
    }
}
