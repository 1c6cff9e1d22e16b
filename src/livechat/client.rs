//! The calls to a Rocket.Chat server: one blocking exchange helper that every route goes
//! through (see [`super::routes::send`]).

use serde_json::Value;

use super::errors::{ApiError, RateHeaders, now_ms, read_answer};
use super::{Server, mask_token, redact};
use crate::net::{NetError, NetErrorKind, check_url, client, read_capped};

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
    let http = match client(server.timeout) {
        Ok(c) => c,
        Err(err) => return failed(&shown_url, err),
    };
    let mut request = match method {
        Method::Get => http.get(url),
        Method::Post => http.post(url),
    };
    for header in &server.headers {
        let name = reqwest::header::HeaderName::from_bytes(header.name.trim().as_bytes());
        let value = reqwest::header::HeaderValue::from_str(header.value.trim());
        let (Ok(name), Ok(value)) = (name, value) else {
            let err = NetError {
                kind: NetErrorKind::Other,
                message: format!("header '{}' is not valid; nothing was sent", header.name),
                url: shown_url.clone(),
            };
            return failed(&shown_url, err);
        };
        request = request.header(name, value);
    }
    if let Some(body) = body {
        request = request.json(body);
    }
    let response = match request.send() {
        Ok(r) => r,
        Err(e) => return failed(&shown_url, NetError::from_reqwest(&e, &shown_url)),
    };
    let status = response.status().as_u16();
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let rate = RateHeaders {
        limit: header("x-ratelimit-limit"),
        remaining: header("x-ratelimit-remaining"),
        reset: header("x-ratelimit-reset"),
        retry_after: header("retry-after"),
    };
    let body = match read_capped(response, ANSWER_CAP, &shown_url) {
        Ok(b) => b,
        Err(err) => return failed(&shown_url, err),
    };
    let text = redact(&String::from_utf8_lossy(&body.bytes), secret);
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
    let Ok(mut url) = reqwest::Url::parse("http://localhost/") else {
        return text.to_owned();
    };
    url.query_pairs_mut().append_pair("t", text);
    url.query()
        .and_then(|q| q.strip_prefix("t="))
        .unwrap_or(text)
        .to_owned()
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
