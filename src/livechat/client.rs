//! The calls to a Rocket.Chat server: one blocking exchange helper that every route goes
//! through (see [`super::routes::send`]), on the console's one HTTP engine ([`crate::net`]).

use std::time::Instant;

use serde_json::Value;

use super::errors::{ApiError, RateHeaders, now_ms, read_answer};
use super::{Server, mask_token, redact};
use crate::net::{self, NetError, NetErrorKind, check_url, query_encoded};

/// Largest answer kept from the server.
const ANSWER_CAP: usize = 1024 * 1024;

/// The HTTP method of a call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Method {
    /// GET with a query.
    Get,
    /// POST with a JSON body.
    Post,
}

/// One call and its answer, kept for display.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exchange {
    /// The URL called (a token in its query masked).
    pub url: String,
    /// The HTTP status, when there was an answer.
    pub http_status: Option<u16>,
    /// The answer's body as text (pretty JSON when it is JSON), the token masked.
    pub answer: String,
    /// The answer's rate-limit headers.
    pub rate: RateHeaders,
    /// The answer's JSON on success, or what went wrong.
    pub result: Result<Value, ApiError>,
}

/// Calls `route` on the server. `secret` (the visitor token) is masked in everything kept.
pub fn call(
    server: &Server,
    method: Method,
    route: &str,
    query: &[(&str, &str)],
    body: Option<&Value>,
    secret: &str,
) -> Exchange {
    let endpoint = server.endpoint(route);
    let encoded_secret = form_encoded(secret);
    let mut shown_url = endpoint.clone();
    let failed = |url: &str, err: NetError| Exchange {
        url: url.to_owned(),
        http_status: None,
        answer: String::new(),
        rate: RateHeaders::default(),
        result: Err(ApiError::network(&NetError {
            message: redact(&redact(&err.message, secret), &encoded_secret),
            url: url.to_owned(),
            ..err
        })),
    };
    let mut url = match check_url(&endpoint) {
        Ok(url) => url,
        Err(err) => return failed(&shown_url, err),
    };
    if !query.is_empty() {
        url.query_pairs_mut().extend_pairs(query);
        // The shown URL is built with the secret masked before encoding, so that an encoded
        // form of it cannot slip through.
        let mut shown = url.clone();
        shown.set_query(None);
        shown
            .query_pairs_mut()
            .extend_pairs(query.iter().map(|(k, v)| {
                if *v == secret {
                    (*k, mask_token(v))
                } else {
                    (*k, (*v).to_owned())
                }
            }));
        shown_url = shown.to_string();
    }
    let method = match method {
        Method::Get => http::Method::GET,
        Method::Post => http::Method::POST,
    };
    let mut request = net::Request::new(method, url);
    for header in &server.headers {
        if let Err(err) = request.header(&header.name, &header.value) {
            return failed(
                &shown_url,
                NetError {
                    url: shown_url.clone(),
                    ..err
                },
            );
        }
    }
    if let Some(body) = body {
        request.body = serde_json::to_vec(body).unwrap_or_default().into();
        let _ = request.header("Content-Type", "application/json");
    }
    let _ = request.header("Accept", "application/json");
    let _ = request.header("User-Agent", net::USER_AGENT);
    let timeout = match server.deadline {
        None => server.timeout,
        Some(deadline) => match deadline.checked_duration_since(Instant::now()) {
            Some(left) if !left.is_zero() => left.min(server.timeout),
            _ => {
                let spent = NetError::new(
                    NetErrorKind::Timeout,
                    "the time limit of the whole command ran out before this call, so it was not sent",
                    &shown_url,
                );
                return failed(&shown_url, spent);
            }
        },
    };
    let mut options = net::Options::new(timeout);
    options.body_cap = ANSWER_CAP;
    // The server's own headers (an admin's token) and the visitor token a visitor's call
    // carries in its body are credentials: a redirect never takes them to another origin.
    options.credentials = !server.headers.is_empty() || !secret.is_empty();
    let cancel = server.cancel.as_ref().map(|c| &*c.0);
    let response = match net::fetch(&request, &options, cancel) {
        Ok(r) => r,
        Err(err) => return failed(&shown_url, err),
    };
    // A redirect followed: the URL that answered is the one shown and kept.
    if !response.redirects.is_empty() {
        shown_url = redact(&redact(response.url.as_str(), secret), &encoded_secret);
    }
    let status = response.status;
    let header = |name: &str| response.header(name).map(str::to_owned);
    let rate = RateHeaders {
        limit: header("x-ratelimit-limit"),
        remaining: header("x-ratelimit-remaining"),
        reset: header("x-ratelimit-reset"),
        retry_after: header("retry-after"),
    };
    let text = redact(&String::from_utf8_lossy(&response.body), secret);
    let result = read_answer(status, &rate, &text, &shown_url, now_ms());
    let answer = match serde_json::from_str::<Value>(&text) {
        Ok(v) => serde_json::to_string_pretty(&v).unwrap_or(text),
        Err(_) => text,
    };
    Exchange {
        url: shown_url,
        http_status: Some(status),
        answer,
        rate,
        result,
    }
}

/// `text` as it appears in a URL's query.
fn form_encoded(text: &str) -> String {
    query_encoded(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_in_queries_are_masked_even_when_encoded() {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let server = Server::new(format!("http://127.0.0.1:{port}"));
        let secret = "a b+c/d&e=fghij";
        let exchange = call(
            &server,
            Method::Get,
            "livechat/room",
            &[("token", secret)],
            None,
            secret,
        );
        let err = exchange.result.unwrap_err();
        assert_eq!(
            exchange.url,
            format!("http://127.0.0.1:{port}/api/v1/livechat/room?token=a+b%2B%E2%80%A6")
        );
        let text = format!("{err:?}");
        assert!(
            !text.contains(secret) && !text.contains(&form_encoded(secret)),
            "{text}"
        );
    }
}
