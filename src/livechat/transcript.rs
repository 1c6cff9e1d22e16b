//! The transcript request: after a test conversation is closed, the server is asked to e-mail
//! its transcript (`POST /api/v1/livechat/transcript {token, rid, email}`), as the widget does
//! when the visitor asks for it.
//!
//! The server answers `{"message": "Livechat transcript sent", "success": true}` (the message
//! in the server's language); a room it does not know is `error-invalid-room`, a token that is
//! not the room's visitor `error-invalid-visitor` (older servers: `error-invalid-token`), a mail
//! it could not send `{"message": "Error sending livechat transcript", "success": false}`.

use serde_json::{Value, json};

use super::Server;
use super::errors::ApiError;
use super::rate::RateLimits;
use super::routes::{Route, send};

/// What came of a transcript request.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TranscriptOutcome {
    /// The address the transcript was asked for.
    pub email: String,
    /// The URL called.
    pub url: String,
    /// The HTTP status, when there was an answer.
    pub http_status: Option<u16>,
    /// The server's answer as text (token masked).
    pub answer: String,
    /// The server's own words on success (`message`).
    pub message: Option<String>,
    /// Why the request failed; `None` when the server said it sent the transcript.
    pub error: Option<ApiError>,
}

impl TranscriptOutcome {
    /// True when the server said it sent the transcript.
    pub fn sent(&self) -> bool {
        self.error.is_none()
    }

    /// The outcome as `--json`: `{email, sent, message, error}`.
    pub fn to_json(&self) -> Value {
        json!({
            "email": self.email,
            "sent": self.sent(),
            "message": self.message,
            "error": self.error.as_ref().map(|e| json!({
                "code": e.code.as_str(),
                "message": e.message,
                "retry_after_s": e.retry_after_s,
            })),
        })
    }
}

/// Checks that `email` looks like an e-mail address (one `@`, a dot in the domain, no spaces):
/// the server takes any text and would fail only when mailing.
pub fn check_email(email: &str) -> Result<(), String> {
    let email = email.trim();
    let Some((local, domain)) = email.split_once('@') else {
        return Err(format!("'{email}' is not an e-mail address (no @)"));
    };
    let labels: Vec<&str> = domain.split('.').collect();
    let well_formed = !local.is_empty()
        && !domain.contains('@')
        && labels.len() >= 2
        && labels.iter().all(|l| !l.is_empty())
        && !email.chars().any(char::is_whitespace);
    if well_formed {
        Ok(())
    } else {
        Err(format!("'{email}' is not an e-mail address"))
    }
}

/// Asks the server to e-mail the transcript of room `rid` of the visitor with `token`.
pub fn request_transcript(
    server: &Server,
    limits: &RateLimits,
    rid: &str,
    token: &str,
    email: &str,
) -> TranscriptOutcome {
    let body = json!({"token": token, "rid": rid, "email": email.trim()});
    let exchange = send(server, limits, Route::Transcript, &[], Some(&body), token);
    let (message, error) = match exchange.result {
        Ok(json) => (
            json.get("message")
                .and_then(Value::as_str)
                .map(str::to_owned),
            None,
        ),
        Err(err) => (None, Some(err)),
    };
    TranscriptOutcome {
        email: email.trim().to_owned(),
        url: exchange.url,
        http_status: exchange.http_status,
        answer: exchange.answer,
        message,
        error,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_are_checked() {
        assert!(check_email("ops@example.com").is_ok());
        assert!(check_email(" ops.team+qa@mail.example.org ").is_ok());
        for bad in [
            "",
            "ops",
            "ops@",
            "@example.com",
            "ops@example",
            "o ps@x.com",
            "a@b@c.d",
            "a@b..c",
        ] {
            assert!(check_email(bad).is_err(), "{bad}");
        }
    }
}
