//! The answers of a Rocket.Chat server read into one error code, whichever generation of the
//! server answered: `Meteor.Error`s come as `{"success":false,"error":"reason [word]",
//! "errorType":"word"}`, plain errors of newer servers as `{"success":false,"error":"word"}`,
//! typed-route validation as `{"success":false,"errorType":"invalid-params","error":"…"}` and
//! Meteor's `check` as `{"success":false,"error":"Match error: …"}`. The codes themselves are in
//! [`super::codes`].

use serde_json::Value;

pub use super::codes::ErrorCode;
use crate::net::{NetError, NetErrorKind};

/// A call that did not succeed, explained in plain words.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{message}: {url}")]
pub struct ApiError {
    /// The code.
    pub code: ErrorCode,
    /// What happened, in plain words (without the URL).
    pub message: String,
    /// The server's own error text, when it sent one.
    pub server_error: Option<String>,
    /// The HTTP status, when there was an answer.
    pub http_status: Option<u16>,
    /// How long to wait before trying again, for [`ErrorCode::RateLimited`].
    pub retry_after_s: Option<u64>,
    /// The kind of network failure, for [`ErrorCode::Network`].
    pub net_kind: Option<NetErrorKind>,
    /// The URL called (a token in its query masked).
    pub url: String,
}

impl ApiError {
    /// A call that got no HTTP answer.
    pub fn network(err: &NetError) -> ApiError {
        ApiError {
            code: ErrorCode::Network,
            message: format!("Could not reach the server: {}", err.message),
            server_error: None,
            http_status: None,
            retry_after_s: None,
            net_kind: Some(err.kind),
            url: err.url.clone(),
        }
    }

    fn answered(code: ErrorCode, message: String, status: u16, url: &str) -> ApiError {
        ApiError {
            code,
            message,
            server_error: None,
            http_status: Some(status),
            retry_after_s: None,
            net_kind: None,
            url: url.to_owned(),
        }
    }
}

/// What the answer's rate-limit headers said. Rocket.Chat sends the three `X-RateLimit-*`
/// headers with every answer of a rate-limited route, not only with a 429.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RateHeaders {
    /// `X-RateLimit-Limit`: calls allowed in the route's window.
    pub limit: Option<String>,
    /// `X-RateLimit-Remaining`: calls left in the window.
    pub remaining: Option<String>,
    /// `X-RateLimit-Reset`: epoch milliseconds in Rocket.Chat (seconds also understood).
    pub reset: Option<String>,
    /// `Retry-After`: seconds (a proxy may send it).
    pub retry_after: Option<String>,
}

impl RateHeaders {
    /// `X-RateLimit-Limit` as a number.
    pub fn limit(&self) -> Option<u32> {
        self.limit.as_deref()?.trim().parse().ok()
    }

    /// `X-RateLimit-Remaining` as a number.
    pub fn remaining(&self) -> Option<u32> {
        self.remaining.as_deref()?.trim().parse().ok()
    }

    /// True when the answer carried any rate-limit header.
    pub fn any(&self) -> bool {
        self.limit.is_some() || self.remaining.is_some() || self.reset.is_some()
    }
}

/// Reads an HTTP answer: the JSON of a success, or the error it means.
pub fn read_answer(
    status: u16,
    rate: &RateHeaders,
    body: &str,
    url: &str,
    now_ms: u64,
) -> Result<Value, ApiError> {
    let json: Option<Value> = serde_json::from_str(body).ok();
    let (word, text) = json.as_ref().map(server_error).unwrap_or_default();
    let word_code = word.as_deref().and_then(ErrorCode::from_server_word);
    if status == 429 || word_code == Some(ErrorCode::RateLimited) {
        let retry = retry_after_s(rate, text.as_deref(), now_ms);
        let message = match retry {
            Some(s) => format!("Rate limited: try again in {s} s"),
            None => "Rate limited: try again later".to_owned(),
        };
        let mut err = ApiError::answered(ErrorCode::RateLimited, message, status, url);
        err.retry_after_s = retry;
        err.server_error = text;
        return Err(err);
    }
    let Some(json) = json else {
        return Err(not_json(status, body, url));
    };
    let ok_status = (200..300).contains(&status);
    if ok_status && json.get("success") != Some(&Value::Bool(false)) {
        return Ok(json);
    }
    let detail = text.clone().unwrap_or_default();
    let (code, message) = match word_code {
        Some(code) if code != ErrorCode::RateLimited => {
            let message = if detail.is_empty() {
                code.summary().to_owned()
            } else {
                format!("{}: {detail}", code.summary())
            };
            (code, message)
        }
        _ => {
            let what = if ok_status {
                format!("The server answered HTTP {status} with success: false")
            } else {
                format!("The server answered HTTP {status}")
            };
            let message = match (&word, detail.is_empty()) {
                (_, false) => format!("{what}: {detail}"),
                (Some(word), true) => format!("{what}: {word}"),
                (None, true) => what,
            };
            (ErrorCode::HttpError, message)
        }
    };
    let mut err = ApiError::answered(code, message, status, url);
    err.server_error = match (word, text) {
        (Some(w), Some(t)) => Some(format!("{t} [{w}]")),
        (w, t) => t.or(w),
    };
    Err(err)
}

/// The server's error word (e.g. `invalid-token`) and the rest of its error text.
fn server_error(json: &Value) -> (Option<String>, Option<String>) {
    let error = json.get("error").and_then(Value::as_str).unwrap_or("");
    let mut word = json
        .get("errorType")
        .and_then(Value::as_str)
        .map(|w| unbracket(w).to_owned());
    let mut text = error.trim().to_owned();
    // A trailing "[word]" (older servers, or a message with its code).
    if let Some(open) = text.rfind('[')
        && text.ends_with(']')
    {
        let inner = text[open + 1..text.len() - 1].trim().to_owned();
        if !inner.is_empty() && !inner.contains(' ') {
            word.get_or_insert(inner);
            text.truncate(open);
        }
    }
    let trimmed = text.trim();
    if ErrorCode::from_server_word(unbracket(trimmed)).is_some() {
        // A bare word (newer servers).
        word.get_or_insert_with(|| unbracket(trimmed).to_owned());
        text.clear();
    } else if let Some((head, rest)) = trimmed.split_once(':')
        && ErrorCode::from_server_word(head.trim()).is_some()
    {
        word.get_or_insert_with(|| head.trim().to_owned());
        text = rest.to_owned();
    }
    let mut text = text.trim().to_owned();
    for key in ["message", "details", "reason"] {
        if let Some(more) = json.get(key).and_then(Value::as_str)
            && !more.trim().is_empty()
            && !text.contains(more.trim())
        {
            if !text.is_empty() {
                text.push_str("; ");
            }
            text.push_str(more.trim());
        }
    }
    if word.as_deref() == Some(text.as_str()) {
        text.clear();
    }
    (word, (!text.is_empty()).then_some(text))
}

fn unbracket(word: &str) -> &str {
    word.trim()
        .strip_prefix('[')
        .and_then(|w| w.strip_suffix(']'))
        .unwrap_or(word.trim())
}

fn not_json(status: u16, body: &str, url: &str) -> ApiError {
    let trimmed = body.trim_start();
    let lower: String = trimmed.chars().take(512).collect::<String>().to_lowercase();
    let what = if trimmed.is_empty() {
        "an empty body"
    } else if lower.starts_with('<') || lower.contains("<html") {
        "an HTML page"
    } else {
        "text"
    };
    let start = clip_collapsed(trimmed, 160);
    let mut message = format!(
        "The server answered HTTP {status} with {what}, not JSON: a proxy in the way or a wrong \
         server URL?"
    );
    if !start.is_empty() {
        message.push_str(&format!(" It starts: {start}"));
    }
    ApiError::answered(ErrorCode::NotJson, message, status, url)
}

/// The first `max` characters with runs of whitespace made one space.
pub fn clip_collapsed(text: &str, max: usize) -> String {
    let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    if collapsed.chars().count() <= max {
        collapsed
    } else {
        let mut out: String = collapsed.chars().take(max).collect();
        out.push('…');
        out
    }
}

/// When the window of `X-RateLimit-Reset` ends, in epoch milliseconds: Rocket.Chat sends epoch
/// milliseconds; epoch seconds and a small number of seconds from now are understood too.
pub fn reset_at_ms(rate: &RateHeaders, now_ms: u64) -> Option<u64> {
    let n = rate
        .reset
        .as_deref()
        .and_then(|v| v.trim().parse::<f64>().ok())
        .filter(|n| n.is_finite() && *n >= 0.0)?;
    let at = if n >= 1e12 {
        n
    } else if n >= 1e9 {
        n * 1000.0
    } else {
        now_ms as f64 + n * 1000.0
    };
    Some(at.max(0.0) as u64)
}

/// Seconds to wait: `Retry-After`, else `X-RateLimit-Reset` (epoch ms or s, or a small number
/// of seconds), else "wait N seconds" in the message.
pub fn retry_after_s(rate: &RateHeaders, message: Option<&str>, now_ms: u64) -> Option<u64> {
    if let Some(secs) = rate
        .retry_after
        .as_deref()
        .and_then(|v| v.trim().parse::<u64>().ok())
    {
        return Some(secs);
    }
    if let Some(at) = reset_at_ms(rate, now_ms) {
        return Some(at.saturating_sub(now_ms).div_ceil(1000));
    }
    let words: Vec<&str> = message?.split_whitespace().collect();
    words.windows(2).find_map(|w| {
        w[1].to_lowercase()
            .starts_with("second")
            .then(|| w[0].parse::<u64>().ok())
            .flatten()
    })
}

/// Milliseconds since the Unix epoch, now.
pub fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_millis() as u64)
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    const URL: &str = "http://h/api/v1/livechat/room.survey";

    fn err(status: u16, body: &str) -> ApiError {
        read_answer(status, &RateHeaders::default(), body, URL, 0).unwrap_err()
    }

    #[test]
    fn both_generations_give_one_code() {
        let old = err(
            400,
            r#"{"success":false,"error":"[invalid-token]","errorType":"invalid-token"}"#,
        );
        let new = err(400, r#"{"success":false,"error":"invalid-token"}"#);
        assert_eq!(old.code, ErrorCode::InvalidToken);
        assert_eq!(new.code, ErrorCode::InvalidToken);
        assert_eq!(old.message, "This server does not know that visitor token");
        assert_eq!(old.message, new.message);
        assert!(old.to_string().ends_with(URL));
        let room = err(400, r#"{"success":false,"error":"[invalid-room]"}"#);
        assert_eq!(room.code, ErrorCode::InvalidRoom);
    }

    #[test]
    fn invalid_params_keeps_the_servers_message() {
        let e = err(
            400,
            r#"{"success":false,"error":"must have required property 'rid' [invalid-params]","errorType":"invalid-params"}"#,
        );
        assert_eq!(e.code, ErrorCode::InvalidParams);
        assert!(
            e.message.ends_with(": must have required property 'rid'"),
            "{e}"
        );
        let new = err(
            400,
            r#"{"success":false,"error":"invalid-params: must have required property 'rid'"}"#,
        );
        assert_eq!(new.message, e.message);
    }

    #[test]
    fn the_bodies_of_every_server_generation_are_read() {
        // As ApiClass and http-router write them, oldest and newest.
        let cases = [
            (
                r#"{"success":false,"error":"Token cannot be empty [error-invalid-token]","errorType":"error-invalid-token","details":{"method":"livechat/visitor"}}"#,
                ErrorCode::InvalidToken,
                "This server does not know that visitor token: Token cannot be empty",
            ),
            (
                r#"{"success":false,"errorType":"error-invalid-params","error":"must have required property 'rid'"}"#,
                ErrorCode::InvalidParams,
                "The server refused the request's shape (invalid-params): must have required property 'rid'",
            ),
            (
                r#"{"success":false,"errorType":"invalid-params","error":"must NOT have additional properties"}"#,
                ErrorCode::InvalidParams,
                "The server refused the request's shape (invalid-params): must NOT have additional properties",
            ),
            (
                r#"{"success":false,"error":"Match error: Missing key 'token' in field visitor"}"#,
                ErrorCode::InvalidParams,
                "The server refused the request's shape (invalid-params): Missing key 'token' in field visitor",
            ),
            (
                r#"{"success":false,"error":"error-not-allowed-to-close-conversation"}"#,
                ErrorCode::CloseNotAllowed,
                "The server does not let visitors close conversations (setting Omnichannel_allow_visitors_to_close_conversation is off)",
            ),
            (
                r#"{"success":false,"error":"room-closed"}"#,
                ErrorCode::RoomClosed,
                "The room is already closed",
            ),
            (
                r#"{"success":false,"error":"[room-closed]","errorType":"room-closed"}"#,
                ErrorCode::RoomClosed,
                "The room is already closed",
            ),
            (
                r#"{"success":false,"error":"invalid-livechat-config"}"#,
                ErrorCode::LivechatDisabled,
                "Livechat is turned off on this server, or its survey settings are missing",
            ),
            (
                r#"{"success":false,"error":"[error-omnichannel-is-disabled]","errorType":"error-omnichannel-is-disabled"}"#,
                ErrorCode::LivechatDisabled,
                "Livechat is turned off on this server, or its survey settings are missing",
            ),
            (
                r#"{"success":false,"error":"Sorry, no online agents [no-agent-online]","errorType":"no-agent-online"}"#,
                ErrorCode::NoAgentOnline,
                "No agent is online: the server needs an online livechat agent, or must be set to accept chats with no online agents: Sorry, no online agents",
            ),
            (
                r#"{"success":false,"error":"error-invalid-visitor"}"#,
                ErrorCode::InvalidRoom,
                "This room does not belong to that visitor (or is not a livechat room)",
            ),
        ];
        for (body, code, message) in cases {
            let e = err(400, body);
            assert_eq!((e.code, e.message.as_str()), (code, message), "{body}");
        }
        let limited = err(
            429,
            r#"{"success":false,"error":"Error, too many requests. Please slow down. You must wait 55 seconds before trying this endpoint again. [error-too-many-requests]"}"#,
        );
        assert_eq!(limited.code, ErrorCode::RateLimited);
        assert_eq!(limited.retry_after_s, Some(55));
    }

    #[test]
    fn other_errors_are_http_errors() {
        let e = err(500, r#"{"success":false,"error":"boom"}"#);
        assert_eq!(e.code, ErrorCode::HttpError);
        assert_eq!(e.message, "The server answered HTTP 500: boom");
        assert_eq!(e.http_status, Some(500));
    }

    #[test]
    fn html_pages_are_named() {
        let e = err(
            502,
            "<html>\n<head><title>502 Bad Gateway</title></head>\n<body>nginx</body></html>",
        );
        assert_eq!(e.code, ErrorCode::NotJson);
        assert!(e.message.contains("HTTP 502 with an HTML page"), "{e}");
        assert!(
            e.message.contains("<html> <head><title>502 Bad Gateway"),
            "{e}"
        );
    }

    #[test]
    fn rate_limit_waits_come_from_headers_or_the_message() {
        let now = 1_700_000_000_000;
        let reset_ms = RateHeaders {
            reset: Some((now + 41_200).to_string()),
            ..RateHeaders::default()
        };
        assert_eq!(retry_after_s(&reset_ms, None, now), Some(42));
        let reset_s = RateHeaders {
            reset: Some((now / 1000 + 30).to_string()),
            ..RateHeaders::default()
        };
        assert_eq!(retry_after_s(&reset_s, None, now), Some(30));
        let delta = RateHeaders {
            reset: Some("12".into()),
            ..RateHeaders::default()
        };
        assert_eq!(retry_after_s(&delta, None, now), Some(12));
        let msg = "Error, too many requests. Please slow down. You must wait 55 seconds before \
                   trying this endpoint again.";
        assert_eq!(
            retry_after_s(&RateHeaders::default(), Some(msg), now),
            Some(55)
        );
        let e = read_answer(
            429,
            &reset_ms,
            r#"{"success":false,"error":"too many [error-too-many-requests]"}"#,
            URL,
            now,
        )
        .unwrap_err();
        assert_eq!(e.code, ErrorCode::RateLimited);
        assert_eq!(e.message, "Rate limited: try again in 42 s");
        assert_eq!(e.retry_after_s, Some(42));
    }

    #[test]
    fn successes_pass() {
        let ok = read_answer(
            200,
            &RateHeaders::default(),
            r#"{"rid":"r","data":{},"success":true}"#,
            URL,
            0,
        );
        assert!(ok.is_ok());
        let refused = err(200, r#"{"success":false}"#);
        assert_eq!(refused.code, ErrorCode::HttpError);
    }
}
