//! The error codes of a livechat call: one closed set for every Rocket.Chat server generation,
//! the server words each code stands for, and what each means for the operator.
//!
//! The server's words changed over the years: validation answers `invalid-params` or
//! `error-invalid-params` (7.x typed routes) or a bare `Match error: …` (routes checked with
//! Meteor's `check`); a token unknown to the server is `invalid-token` or `error-invalid-token`;
//! a disabled livechat is `invalid-livechat-config` or `error-omnichannel-is-disabled`. The
//! console reads them all into one code, so scripts and the operator see one word per cause.

use serde::{Deserialize, Serialize};

/// What went wrong with a call, as one code for every server generation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ErrorCode {
    /// The token belongs to no visitor.
    InvalidToken,
    /// The room is not a livechat room of that visitor.
    InvalidRoom,
    /// No survey item was valid.
    InvalidData,
    /// The request body or query does not have the shape the route expects.
    InvalidParams,
    /// The server does not let visitors close conversations.
    CloseNotAllowed,
    /// The room is already closed.
    RoomClosed,
    /// Livechat is turned off on the server, or its survey settings are missing.
    LivechatDisabled,
    /// No agent is online to take the test conversation.
    NoAgentOnline,
    /// Too many calls: HTTP 429.
    RateLimited,
    /// Any other HTTP error.
    HttpError,
    /// The answer is not JSON (a proxy's HTML page, a wrong URL).
    NotJson,
    /// No HTTP answer at all (refused, DNS, TLS, timeout, unusable URL).
    Network,
}

impl ErrorCode {
    /// Every code, in the order the help lists them.
    pub const ALL: [ErrorCode; 12] = [
        ErrorCode::InvalidToken,
        ErrorCode::InvalidRoom,
        ErrorCode::InvalidData,
        ErrorCode::InvalidParams,
        ErrorCode::CloseNotAllowed,
        ErrorCode::RoomClosed,
        ErrorCode::LivechatDisabled,
        ErrorCode::NoAgentOnline,
        ErrorCode::RateLimited,
        ErrorCode::HttpError,
        ErrorCode::NotJson,
        ErrorCode::Network,
    ];

    /// The code as its JSON word.
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::InvalidToken => "invalid-token",
            ErrorCode::InvalidRoom => "invalid-room",
            ErrorCode::InvalidData => "invalid-data",
            ErrorCode::InvalidParams => "invalid-params",
            ErrorCode::CloseNotAllowed => "close-not-allowed",
            ErrorCode::RoomClosed => "room-closed",
            ErrorCode::LivechatDisabled => "livechat-disabled",
            ErrorCode::NoAgentOnline => "no-agent-online",
            ErrorCode::RateLimited => "rate-limited",
            ErrorCode::HttpError => "http-error",
            ErrorCode::NotJson => "not-json",
            ErrorCode::Network => "network",
        }
    }

    /// The words servers send for this code (brackets removed), newest first.
    pub fn server_words(self) -> &'static [&'static str] {
        match self {
            ErrorCode::InvalidToken => &["invalid-token", "error-invalid-token"],
            ErrorCode::InvalidRoom => &[
                "invalid-room",
                "error-invalid-room",
                "error-invalid-visitor",
            ],
            ErrorCode::InvalidData => &["invalid-data"],
            ErrorCode::InvalidParams => &["invalid-params", "error-invalid-params", "Match error"],
            ErrorCode::CloseNotAllowed => &["error-not-allowed-to-close-conversation"],
            ErrorCode::RoomClosed => &["room-closed", "error-room-already-closed"],
            ErrorCode::LivechatDisabled => {
                &["invalid-livechat-config", "error-omnichannel-is-disabled"]
            }
            ErrorCode::NoAgentOnline => &["no-agent-online"],
            ErrorCode::RateLimited => &["error-too-many-requests", "too-many-requests"],
            ErrorCode::HttpError | ErrorCode::NotJson | ErrorCode::Network => &[],
        }
    }

    /// The code for an error word a server sent, brackets removed.
    pub fn from_server_word(word: &str) -> Option<ErrorCode> {
        let word = word.trim();
        ErrorCode::ALL
            .into_iter()
            .find(|code| code.server_words().contains(&word))
    }

    /// What the code means, in one sentence for an error message.
    pub fn summary(self) -> &'static str {
        match self {
            ErrorCode::InvalidToken => "This server does not know that visitor token",
            ErrorCode::InvalidRoom => {
                "This room does not belong to that visitor (or is not a livechat room)"
            }
            ErrorCode::InvalidData => {
                "The server kept no item of this survey: it keeps only the items of its own \
                 survey with one of its values, and additionalFeedback"
            }
            ErrorCode::InvalidParams => "The server refused the request's shape (invalid-params)",
            ErrorCode::CloseNotAllowed => {
                "The server does not let visitors close conversations (setting \
                 Omnichannel_allow_visitors_to_close_conversation is off)"
            }
            ErrorCode::RoomClosed => "The room is already closed",
            ErrorCode::LivechatDisabled => {
                "Livechat is turned off on this server, or its survey settings are missing"
            }
            ErrorCode::NoAgentOnline => {
                "No agent is online: the server needs an online livechat agent, or must be set to \
                 accept chats with no online agents"
            }
            ErrorCode::RateLimited => "Rate limited",
            ErrorCode::HttpError => "The server answered with an HTTP error",
            ErrorCode::NotJson => "The server's answer is not JSON",
            ErrorCode::Network => "Could not reach the server",
        }
    }

    /// What the code means and what to do about it, for `survey --help` and the README.
    pub fn explanation(self) -> &'static str {
        match self {
            ErrorCode::InvalidToken => {
                "no visitor has that token (invalid-token, error-invalid-token): make a test \
                 conversation or use the token of the visitor who chatted."
            }
            ErrorCode::InvalidRoom => {
                "the room is not a livechat room of that visitor (invalid-room, \
                 error-invalid-room, error-invalid-visitor): check the rid, or send an empty rid \
                 to let the server use the visitor's room."
            }
            ErrorCode::InvalidData => {
                "no item was valid by the server's survey rules (invalid-data): nothing was \
                 stored."
            }
            ErrorCode::InvalidParams => {
                "the body or query does not have the shape the route expects (invalid-params, \
                 error-invalid-params, Match error), with the server's own message."
            }
            ErrorCode::CloseNotAllowed => {
                "the server does not let visitors close conversations \
                 (error-not-allowed-to-close-conversation): an administrator turns on \
                 Omnichannel > \"Allow visitors to close the conversation\" (setting \
                 Omnichannel_allow_visitors_to_close_conversation); the room stays open and \
                 still takes a survey."
            }
            ErrorCode::RoomClosed => {
                "the room is already closed (room-closed, error-room-already-closed): a closed \
                 room still takes a survey."
            }
            ErrorCode::LivechatDisabled => {
                "livechat is off on the server or its survey settings are missing \
                 (invalid-livechat-config, error-omnichannel-is-disabled): an administrator turns \
                 it on under Omnichannel (setting Livechat_enabled)."
            }
            ErrorCode::NoAgentOnline => {
                "opening a room needs an online livechat agent, or the server set to accept \
                 chats with no online agents (no-agent-online)."
            }
            ErrorCode::RateLimited => {
                "HTTP 429 (error-too-many-requests): retry_after_s says how long to wait; \
                 livechat/visitor and GET livechat/room allow 5 calls a minute on the newest \
                 servers, the other routes 10."
            }
            ErrorCode::HttpError => "any other HTTP error, with the server's message.",
            ErrorCode::NotJson => {
                "the answer is not JSON, e.g. a proxy's HTML error page or a wrong server URL."
            }
            ErrorCode::Network => "no answer at all: refused, DNS, TLS or timeout.",
        }
    }
}

/// Every code with its explanation, one line each, for help texts.
pub fn codes_help() -> String {
    ErrorCode::ALL
        .iter()
        .map(|code| format!("  {:<18} {}", code.as_str(), code.explanation()))
        .collect::<Vec<_>>()
        .join("\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_generations_words_give_one_code() {
        for (word, code) in [
            ("invalid-params", ErrorCode::InvalidParams),
            ("error-invalid-params", ErrorCode::InvalidParams),
            ("invalid-token", ErrorCode::InvalidToken),
            ("error-invalid-token", ErrorCode::InvalidToken),
            (
                "error-not-allowed-to-close-conversation",
                ErrorCode::CloseNotAllowed,
            ),
            ("room-closed", ErrorCode::RoomClosed),
            ("invalid-livechat-config", ErrorCode::LivechatDisabled),
            ("error-omnichannel-is-disabled", ErrorCode::LivechatDisabled),
            ("no-agent-online", ErrorCode::NoAgentOnline),
            ("error-too-many-requests", ErrorCode::RateLimited),
        ] {
            assert_eq!(ErrorCode::from_server_word(word), Some(code), "{word}");
        }
        assert_eq!(ErrorCode::from_server_word("boom"), None);
    }

    #[test]
    fn codes_round_trip_through_serde_and_the_help_names_each() {
        let help = codes_help();
        for code in ErrorCode::ALL {
            let json = serde_json::to_string(&code).unwrap();
            assert_eq!(json, format!("\"{}\"", code.as_str()));
            assert!(help.contains(code.as_str()), "{code:?}");
            for word in code.server_words() {
                assert!(
                    code.explanation().contains(word) || *word == "too-many-requests",
                    "{word} is not explained"
                );
            }
        }
        assert!(help.contains("Omnichannel_allow_visitors_to_close_conversation"));
    }
}
