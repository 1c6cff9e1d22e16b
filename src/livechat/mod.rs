//! Rocket.Chat livechat: room surveys (`POST /api/v1/livechat/room.survey`) and test
//! conversations (visitor, room, close), with the server's rules applied before sending, its
//! answers of both server generations read into one error code, and a history of submissions.
//!
//! Plain Rust with blocking calls: the CLI calls it directly, the GUI on a worker thread.
//!
//! - [`rules`]: what the server accepts, the pre-send check, sent vs accepted.
//! - [`client`]: the `room.survey` call and its outcome.
//! - [`errors`]: the error codes and how answers are read into them.
//! - [`conversation`]: a test visitor and its room.
//! - [`history`]: the JSON-lines history of submissions (token masked).

pub mod client;
pub mod conversation;
pub mod errors;
pub mod history;
pub mod rules;

use std::time::Duration;

pub use client::{SurveyOutcome, submit_survey};
pub use conversation::{
    Conversation, ConversationFailure, ConversationRequest, ConversationStep, start_conversation,
};
pub use errors::{ApiError, ErrorCode};
pub use history::{HISTORY_MAX, History, HistoryEntry, HistoryError};
pub use rules::{
    DropReason, Dropped, FEEDBACK_NAME, Precheck, RATINGS, Rating, SurveyDraft, SurveyItem,
    compare, precheck, rating_name,
};

/// How long a call may take unless told otherwise.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);

/// One extra request header (e.g. for a proxy in front of the server).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Header {
    /// The header's name.
    pub name: String,
    /// Its value.
    pub value: String,
}

impl Header {
    /// Checks a name and value: they must be a valid HTTP header.
    pub fn new(name: &str, value: &str) -> Result<Header, String> {
        let name = name.trim();
        if name.is_empty() {
            return Err("the header has no name".to_owned());
        }
        http::header::HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| format!("'{name}' is not a valid header name"))?;
        let value = value.trim();
        http::header::HeaderValue::from_str(value).map_err(|_| {
            format!("the value of header '{name}' has characters a header cannot carry")
        })?;
        Ok(Header {
            name: name.to_owned(),
            value: value.to_owned(),
        })
    }

    /// Parses `Name: value`.
    pub fn parse(text: &str) -> Result<Header, String> {
        let Some((name, value)) = text.split_once(':') else {
            return Err(format!("'{text}' is not 'Name: value'"));
        };
        Header::new(name, value)
    }
}

/// Where to send calls: the server's base URL (with or without a trailing slash, a path prefix
/// is kept), extra headers and the timeout.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Server {
    /// Base URL, e.g. `https://chat.example.com` or `https://example.com/chat/`.
    pub url: String,
    /// Extra headers sent with every call.
    pub headers: Vec<Header>,
    /// Timeout of each call.
    pub timeout: Duration,
}

impl Server {
    /// A server at `url` with no extra headers and the default timeout.
    pub fn new(url: impl Into<String>) -> Server {
        Server {
            url: url.into(),
            headers: Vec::new(),
            timeout: DEFAULT_TIMEOUT,
        }
    }

    /// The full URL of a REST route such as `livechat/room.survey`.
    pub fn endpoint(&self, route: &str) -> String {
        format!("{}/api/v1/{route}", self.url.trim().trim_end_matches('/'))
    }
}

/// The token as it may be shown or logged: its first 4 characters and an ellipsis.
pub fn mask_token(token: &str) -> String {
    let count = token.chars().count();
    if count == 0 {
        return String::new();
    }
    // Short tokens show less, so that most of the token stays hidden.
    let shown = if count > 8 { 4 } else { count / 3 };
    let mut masked: String = token.chars().take(shown).collect();
    masked.push('…');
    masked
}

/// `text` with every occurrence of `token` replaced by its masked form.
pub fn redact(text: &str, token: &str) -> String {
    if token.len() < 3 {
        return text.to_owned();
    }
    text.replace(token, &mask_token(token))
}

/// A new random visitor token: 32 hexadecimal characters.
pub fn random_token() -> String {
    use std::collections::hash_map::RandomState;
    use std::hash::{BuildHasher as _, Hasher as _};
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or_default();
    let mut token = String::with_capacity(32);
    for round in 0..2u64 {
        // Each RandomState is seeded from the OS; mixing in time and a counter keeps tokens
        // apart even if it were not.
        let mut hasher = RandomState::new().build_hasher();
        hasher.write_u128(nanos);
        hasher.write_u64(COUNTER.fetch_add(1, Ordering::Relaxed));
        hasher.write_u64(round);
        hasher.write_u32(std::process::id());
        token.push_str(&format!("{:016x}", hasher.finish()));
    }
    token
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_masked() {
        assert_eq!(mask_token("d4a8338e5a7d98b6"), "d4a8…");
        assert_eq!(mask_token("abcdef"), "ab…");
        assert_eq!(mask_token(""), "");
        assert_eq!(
            redact(r#"{"token":"d4a8338e5a7d98b6"}"#, "d4a8338e5a7d98b6"),
            r#"{"token":"d4a8…"}"#
        );
    }

    #[test]
    fn endpoints_join_with_or_without_a_slash() {
        assert_eq!(
            Server::new("http://h:3000/").endpoint("livechat/room.survey"),
            "http://h:3000/api/v1/livechat/room.survey"
        );
        assert_eq!(
            Server::new("https://h/chat").endpoint("livechat/visitor"),
            "https://h/chat/api/v1/livechat/visitor"
        );
    }

    #[test]
    fn headers_are_checked() {
        assert_eq!(
            Header::parse("X-Proxy-Key: abc").unwrap(),
            Header {
                name: "X-Proxy-Key".into(),
                value: "abc".into()
            }
        );
        assert!(Header::parse("no colon").is_err());
        assert!(Header::parse("bad name: x").is_err());
        assert!(Header::parse(": x").is_err());
    }

    #[test]
    fn random_tokens_differ() {
        let a = random_token();
        let b = random_token();
        assert_eq!(a.len(), 32);
        assert_ne!(a, b);
    }
}
