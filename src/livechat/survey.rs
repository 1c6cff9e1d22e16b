//! The room survey: `POST /api/v1/livechat/room.survey` with the server's rules applied before
//! sending, and what the server kept compared with what was sent.

use serde_json::{Value, json};

use super::errors::ApiError;
use super::rate::RateLimits;
use super::routes::{Route, send};
use super::rules::{Dropped, RulesSource, SurveyItem, SurveyRules, compare, precheck};
use super::{Server, mask_token};

/// A survey that was refused before sending (an empty token).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("the survey was not sent: {}", .reasons.join(" "))]
pub struct NotSent {
    /// Why, one sentence each.
    pub reasons: Vec<String>,
}

/// A survey to send.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SurveyRequest {
    /// The room; empty lets the server use the visitor's own room.
    pub rid: String,
    /// The visitor token.
    pub token: String,
    /// The items, in order.
    pub items: Vec<SurveyItem>,
    /// The server's rules (or the built-in ones) the items are checked against.
    pub rules: SurveyRules,
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
    /// Where the rules the items were checked against came from.
    pub rules: RulesSource,
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
    /// error, rules}`.
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
            "rules": self.rules.as_str(),
        })
    }
}

/// Sends a survey. An empty token is refused before anything is sent; an empty rid is sent as
/// it is (the server then uses the visitor's own room); every other failure is in the outcome's
/// `error`.
pub fn submit_survey(
    server: &Server,
    limits: &RateLimits,
    request: &SurveyRequest,
) -> Result<SurveyOutcome, NotSent> {
    let SurveyRequest {
        rid,
        token,
        items,
        rules,
    } = request;
    let check = precheck(rid, token, items, rules);
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
    let exchange = send(server, limits, Route::RoomSurvey, &[], Some(&body), token);
    let mut outcome = SurveyOutcome {
        url: exchange.url,
        rid: rid.clone(),
        token_masked: mask_token(token),
        sent: items.clone(),
        rules: rules.source,
        http_status: exchange.http_status,
        answer: exchange.answer,
        accepted: Vec::new(),
        dropped: check.dropped,
        error: None,
    };
    match exchange.result {
        Ok(json) => {
            if let Some(r) = json.get("rid").and_then(Value::as_str)
                && !r.is_empty()
            {
                outcome.rid = r.to_owned();
            }
            outcome.accepted = accepted_items(json.get("data"));
            outcome.dropped = compare(items, &outcome.accepted, rules);
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

    fn request(rid: &str, token: &str) -> SurveyRequest {
        SurveyRequest {
            rid: rid.into(),
            token: token.into(),
            items: vec![SurveyItem::new("satisfaction", "3")],
            rules: SurveyRules::builtin(),
        }
    }

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
    fn an_empty_token_is_refused_before_sending() {
        // Port 9 (discard) is never contacted: the check comes first.
        let server = Server::new("http://127.0.0.1:9");
        let err = submit_survey(&server, &RateLimits::in_memory(), &request("r", " ")).unwrap_err();
        assert_eq!(err.reasons, ["The visitor token is empty."]);
    }

    #[test]
    fn unusable_urls_are_network_errors() {
        let server = Server::new("ftp://example.invalid");
        let out = submit_survey(&server, &RateLimits::in_memory(), &request("r", "t")).unwrap();
        let err = out.error.clone().unwrap();
        assert_eq!(err.code, ErrorCode::Network);
        assert_eq!(err.net_kind, Some(NetErrorKind::InvalidUrl));
        assert_eq!(out.to_json()["error"]["code"], "network");
        assert_eq!(out.to_json()["rules"], "built-in");
    }
}
