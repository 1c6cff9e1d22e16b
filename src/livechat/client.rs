//! The calls to a Rocket.Chat server: one blocking exchange helper (on the console's one HTTP
//! engine, [`crate::net`]) and `room.survey`.

use serde_json::{Value, json};

use super::errors::{ApiError, RateHeaders, now_ms, read_answer};
use super::rules::{Dropped, SurveyItem, compare, precheck};
use super::{Server, mask_token, redact};
use crate::net::{self, NetError, check_url, query_encoded};

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
    let mut options = net::Options::new(server.timeout);
    options.body_cap = ANSWER_CAP;
    options.credentials = !server.headers.is_empty();
    let response = match net::fetch(&request, &options, None) {
        Ok(r) => r,
        Err(err) => return failed(&shown_url, err),
    };
    let status = response.status;
    let rate = RateHeaders {
        reset: response.header("x-ratelimit-reset").map(str::to_owned),
        retry_after: response.header("retry-after").map(str::to_owned),
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
        result,
    }
}

/// `text` as it appears in a URL's query.
fn form_encoded(text: &str) -> String {
    query_encoded(text)
}

/// A survey that was refused before sending (empty rid or token).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the survey was not sent: {}", .reasons.join(" "))]
pub struct NotSent {
    /// Why, one sentence each.
    pub reasons: Vec<String>,
}

/// What came of a `room.survey` call.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SurveyOutcome {
    /// The URL called.
    pub url: String,
    /// The room: the server's answer's `rid` on success, else the one sent.
    pub rid: String,
    /// The visitor token, masked.
    pub token_masked: String,
    /// The items sent.
    pub sent: Vec<SurveyItem>,
    /// The HTTP status, when there was an answer.
    pub http_status: Option<u16>,
    /// The server's answer as text (token masked), for display.
    pub answer: String,
    /// What the server accepted (its answer's `data`); empty on failure.
    pub accepted: Vec<SurveyItem>,
    /// On success, the items sent that the server did not keep; on failure, those it would have
    /// dropped by its rules.
    pub dropped: Vec<Dropped>,
    /// Why the call failed; `None` on success.
    pub error: Option<ApiError>,
}

impl SurveyOutcome {
    /// True when the server answered success.
    pub fn success(&self) -> bool {
        self.error.is_none()
    }

    /// The outcome as the CLI's `--json`: `{success, http_status, rid, accepted, dropped,
    /// error}`.
    pub fn to_json(&self) -> Value {
        let accepted: serde_json::Map<String, Value> = self
            .accepted
            .iter()
            .map(|i| (i.name.clone(), Value::String(i.value.clone())))
            .collect();
        let dropped: Vec<Value> = self
            .dropped
            .iter()
            .map(|d| json!({"name": d.name, "value": d.value, "reason": d.reason.as_str()}))
            .collect();
        let error = self.error.as_ref().map(|e| {
            json!({"code": e.code.as_str(), "message": e.message, "retry_after_s": e.retry_after_s})
        });
        json!({
            "success": self.success(),
            "http_status": self.http_status,
            "rid": self.rid,
            "accepted": accepted,
            "dropped": dropped,
            "error": error,
        })
    }
}

/// Sends a survey of `items` for room `rid` of the visitor with `token`. An empty rid or token
/// is refused before anything is sent; every other failure is in the outcome's `error`.
pub fn submit_survey(
    server: &Server,
    rid: &str,
    token: &str,
    items: &[SurveyItem],
) -> Result<SurveyOutcome, NotSent> {
    let check = precheck(rid, token, items);
    if !check.can_send() {
        return Err(NotSent {
            reasons: check.errors,
        });
    }
    let data: Vec<Value> = items
        .iter()
        .map(|i| json!({"name": i.name, "value": i.value}))
        .collect();
    let body = json!({"rid": rid, "token": token, "data": data});
    let exchange = call(
        server,
        Method::Post,
        "livechat/room.survey",
        &[],
        Some(&body),
        token,
    );
    let mut outcome = SurveyOutcome {
        url: exchange.url,
        rid: rid.to_owned(),
        token_masked: mask_token(token),
        sent: items.to_vec(),
        http_status: exchange.http_status,
        answer: exchange.answer,
        accepted: Vec::new(),
        dropped: check.dropped,
        error: None,
    };
    match exchange.result {
        Ok(json) => {
            if let Some(r) = json.get("rid").and_then(Value::as_str) {
                outcome.rid = r.to_owned();
            }
            outcome.accepted = accepted_items(json.get("data"));
            outcome.dropped = compare(items, &outcome.accepted);
        }
        Err(err) => outcome.error = Some(err),
    }
    Ok(outcome)
}

/// The answer's `data`: an object of name to value, or (leniently) a list of `{name, value}`.
fn accepted_items(data: Option<&Value>) -> Vec<SurveyItem> {
    let text = |v: &Value| match v {
        Value::String(s) => s.clone(),
        other => other.to_string(),
    };
    match data {
        Some(Value::Object(map)) => map
            .iter()
            .map(|(k, v)| SurveyItem::new(k.clone(), text(v)))
            .collect(),
        Some(Value::Array(list)) => list
            .iter()
            .filter_map(|i| {
                let name = i.get("name")?.as_str()?;
                Some(SurveyItem::new(name, text(i.get("value")?)))
            })
            .collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::livechat::ErrorCode;
    use crate::net::NetErrorKind;

    #[test]
    fn accepted_data_is_read_in_order() {
        let data = json!({"satisfaction": "5", "additionalFeedback": "ok"});
        assert_eq!(
            accepted_items(Some(&data)),
            [
                SurveyItem::new("satisfaction", "5"),
                SurveyItem::new("additionalFeedback", "ok")
            ]
        );
        let list = json!([{"name": "satisfaction", "value": 4}]);
        assert_eq!(
            accepted_items(Some(&list)),
            [SurveyItem::new("satisfaction", "4")]
        );
        assert!(accepted_items(None).is_empty());
    }

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

    #[test]
    fn empty_rid_is_refused_before_sending() {
        // Port 9 (discard) is never contacted: the check comes first.
        let server = Server::new("http://127.0.0.1:9");
        let err =
            submit_survey(&server, "", "tok", &[SurveyItem::new("satisfaction", "3")]).unwrap_err();
        assert_eq!(err.reasons, ["The room id (rid) is empty."]);
    }

    #[test]
    fn unusable_urls_are_network_errors() {
        let server = Server::new("ftp://example.invalid");
        let out =
            submit_survey(&server, "r", "t", &[SurveyItem::new("satisfaction", "3")]).unwrap();
        let err = out.error.clone().unwrap();
        assert_eq!(err.code, ErrorCode::Network);
        assert_eq!(err.net_kind, Some(NetErrorKind::InvalidUrl));
        assert_eq!(out.to_json()["error"]["code"], "network");
    }
}
