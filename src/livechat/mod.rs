//! Rocket.Chat livechat: room surveys (`POST /api/v1/livechat/room.survey`) and test
//! conversations (visitor, room, close, transcript), with the server's own survey rules applied
//! before sending, its answers of every server generation read into one error code, its rate
//! limits forecast per route, and a history of submissions.
//!
//! Plain Rust with blocking calls: the CLI calls it directly, the GUI on a worker thread.
//!
//! - [`routes`]: the routes called, and the one way to call them.
//! - [`client`]: the blocking exchange under every route.
//! - [`rules`]: what the server accepts, the pre-send check, sent vs accepted.
//! - [`draft`]: the survey as the console's form holds it.
//! - [`info`]: the server's version and published survey rules.
//! - [`survey`]: the `room.survey` call and its outcome.
//! - [`codes`] and [`errors`]: the error codes and how answers are read into them.
//! - [`rate`]: what each route's rate limit allows next.
//! - [`conversation`] and [`transcript`]: a test visitor, its room, its transcript.
//! - [`history`]: the JSON-lines history of submissions (token masked).

pub mod client;
pub mod codes;
pub mod conversation;
pub mod draft;
pub mod errors;
pub mod history;
pub mod info;
pub mod rate;
pub mod routes;
pub mod rules;
pub mod survey;
pub mod transcript;

use std::sync::Arc;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

pub use codes::codes_help;
pub use conversation::{
    Conversation, ConversationFailure, ConversationRequest, ConversationStep, close_room,
    start_conversation,
};
pub use draft::SurveyDraft;
pub use errors::{ApiError, ErrorCode};
pub use history::{HISTORY_MAX, History, HistoryEntry, HistoryError};
pub use info::{LivechatConfig, ServerInfo, server_info};
pub use rate::{RateLimits, Refusal};
pub use routes::Route;
pub use rules::{
    DropReason, Dropped, EMPTY_RID_NOTE, FEEDBACK_NAME, Precheck, RATINGS, Rating, RulesSource,
    SurveyItem, SurveyRules, compare, precheck, question, rating_name,
};
pub use survey::{NotSent, SurveyOutcome, SurveyRequest, submit_survey};
pub use transcript::{TranscriptOutcome, check_email, request_transcript};

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
    /// Set, it ends the calls in flight at once: a cancelled console job sends nothing more
    /// and leaves no call running behind it.
    pub cancel: Option<Cancel>,
    /// When the whole job's time runs out (a CLI command's `--timeout`): each call gets what
    /// is left of it, at most `timeout`, and none starts once it has passed.
    pub deadline: Option<Instant>,
}

/// A cancel flag shared with whoever may cancel the calls (servers compare equal when they
/// share the same flag).
#[derive(Clone, Debug, Default)]
pub struct Cancel(pub Arc<AtomicBool>);

impl PartialEq for Cancel {
    fn eq(&self, other: &Cancel) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for Cancel {}

impl Server {
    /// A server at `url` with no extra headers and the default timeout.
    pub fn new(url: impl Into<String>) -> Server {
        Server {
            url: url.into(),
            headers: Vec::new(),
            timeout: DEFAULT_TIMEOUT,
            cancel: None,
            deadline: None,
        }
    }

    /// A server at `url` (checked: an absolute http(s) URL) with extra headers and a timeout of
    /// `timeout_s` seconds (at least 1).
    pub fn checked(
        url: &str,
        headers: Vec<Header>,
        timeout_s: u64,
    ) -> Result<Server, crate::net::NetError> {
        crate::net::check_url(url)?;
        Ok(Server {
            url: url.to_owned(),
            headers,
            timeout: Duration::from_secs(timeout_s.max(1)),
            cancel: None,
            deadline: None,
        })
    }

    /// The full URL of a REST route such as `livechat/room.survey` (under `/api/v1/`), or of an
    /// absolute path such as `/api/info`.
    pub fn endpoint(&self, route: &str) -> String {
        let base = self.url.trim().trim_end_matches('/');
        if route.starts_with('/') {
            format!("{base}{route}")
        } else {
            format!("{base}/api/v1/{route}")
        }
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

/// A new random visitor token: 32 hexadecimal characters from the operating system's
/// randomness; `None` when the system has none to give.
pub fn random_token() -> Option<String> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).ok()?;
    Some(bytes.iter().map(|b| format!("{b:02x}")).collect())
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
        let a = random_token().unwrap();
        let b = random_token().unwrap();
        assert_eq!(a.len(), 32);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()), "{a}");
        assert_ne!(a, b);
    }
}
