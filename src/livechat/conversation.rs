//! A test conversation: a new visitor with a generated token, its livechat room, optionally the
//! room closed and its transcript asked for, so that a survey can be tried against a real
//! server.

use serde_json::{Value, json};

use super::client::Exchange;
use super::errors::{ApiError, ErrorCode};
use super::rate::RateLimits;
use super::routes::{Route, send};
use super::transcript::{TranscriptOutcome, request_transcript};
use super::{Server, mask_token, random_token};

/// What to create.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConversationRequest {
    /// The visitor's name.
    pub name: String,
    /// Close the room after opening it (a survey is usually sent after the chat ends).
    pub close: bool,
    /// The visitor token; `None` generates a new random one.
    pub token: Option<String>,
    /// After closing the room, ask the server to e-mail its transcript to this address.
    pub transcript: Option<String>,
}

impl Default for ConversationRequest {
    fn default() -> Self {
        ConversationRequest {
            name: "survey-console test visitor".to_owned(),
            close: false,
            token: None,
            transcript: None,
        }
    }
}

impl ConversationRequest {
    /// The routes this conversation calls, in order (for the rate-limit forecast).
    pub fn routes(&self) -> Vec<Route> {
        let mut routes = vec![Route::Visitor, Route::Room];
        if self.close {
            routes.push(Route::RoomClose);
            if self.transcript.is_some() {
                routes.push(Route::Transcript);
            }
        }
        routes
    }
}

/// One call of a test conversation and the server's answer.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ConversationStep {
    /// What the step does, e.g. "Create the visitor".
    pub title: &'static str,
    /// Method and route, e.g. `POST livechat/visitor`.
    pub call: &'static str,
    /// The URL called (the token masked).
    pub url: String,
    /// The HTTP status, when there was an answer.
    pub http_status: Option<u16>,
    /// The server's answer (the token masked).
    pub answer: String,
    /// True when the step succeeded.
    pub ok: bool,
}

impl ConversationStep {
    fn new(title: &'static str, route: Route, exchange: &Exchange) -> Self {
        ConversationStep {
            title,
            call: route.label(),
            url: exchange.url.clone(),
            http_status: exchange.http_status,
            answer: exchange.answer.clone(),
            ok: exchange.result.is_ok(),
        }
    }
}

/// A test conversation that was made.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Conversation {
    /// The room id.
    pub rid: String,
    /// The visitor token (in full: the survey form needs it; mask it when showing it).
    pub token: String,
    /// The visitor's id on the server.
    pub visitor_id: String,
    /// True when the room was closed.
    pub closed: bool,
    /// The transcript request, when one was asked for.
    pub transcript: Option<TranscriptOutcome>,
    /// Each call and its answer.
    pub steps: Vec<ConversationStep>,
}

/// A test conversation that failed at one step.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{error}")]
pub struct ConversationFailure {
    /// The visitor token used.
    pub token: String,
    /// The visitor's id, when it was created.
    pub visitor_id: Option<String>,
    /// The room id, when it was opened.
    pub rid: Option<String>,
    /// The calls made, the failed one last.
    pub steps: Vec<ConversationStep>,
    /// What went wrong at the last step.
    pub error: Box<ApiError>,
}

/// The steps made so far and what they found.
#[derive(Default)]
struct Progress {
    steps: Vec<ConversationStep>,
    visitor_id: Option<String>,
    rid: Option<String>,
    transcript: Option<TranscriptOutcome>,
}

/// Creates a visitor, opens its room and, when asked, closes it and asks for its transcript.
/// A refused transcript request does not fail the conversation: it is in `transcript`.
pub fn start_conversation(
    server: &Server,
    limits: &RateLimits,
    request: &ConversationRequest,
) -> Result<Conversation, ConversationFailure> {
    let given = request.token.clone().filter(|t| !t.trim().is_empty());
    let Some(token) = given.or_else(random_token) else {
        return Err(ConversationFailure {
            token: String::new(),
            visitor_id: None,
            rid: None,
            steps: Vec::new(),
            error: Box::new(ApiError {
                code: ErrorCode::Network,
                message: "The operating system gave no random bytes for a visitor token; \
                          nothing was sent"
                    .to_owned(),
                server_error: None,
                http_status: None,
                retry_after_s: None,
                net_kind: None,
                url: server.url.clone(),
            }),
        });
    };
    let mut progress = Progress::default();
    let result = run_steps(server, limits, request, &token, &mut progress);
    match (result, progress.visitor_id, progress.rid) {
        (Ok(()), Some(visitor_id), Some(rid)) => Ok(Conversation {
            rid,
            token,
            visitor_id,
            closed: request.close,
            transcript: progress.transcript,
            steps: progress.steps,
        }),
        (result, visitor_id, rid) => Err(ConversationFailure {
            token,
            visitor_id,
            rid,
            steps: progress.steps,
            error: Box::new(result.err().unwrap_or_else(|| ApiError {
                code: ErrorCode::HttpError,
                message: "The conversation ended without a visitor or a room".to_owned(),
                server_error: None,
                http_status: None,
                retry_after_s: None,
                net_kind: None,
                url: server.url.clone(),
            })),
        }),
    }
}

fn run_steps(
    server: &Server,
    limits: &RateLimits,
    request: &ConversationRequest,
    token: &str,
    progress: &mut Progress,
) -> Result<(), ApiError> {
    let mut visitor = json!({"token": token});
    if !request.name.trim().is_empty() {
        visitor["name"] = Value::String(request.name.trim().to_owned());
    }
    let body = json!({ "visitor": visitor });
    let exchange = send(server, limits, Route::Visitor, &[], Some(&body), token);
    let visitor_id = step(
        progress,
        "Create the visitor",
        Route::Visitor,
        exchange,
        &["visitor", "_id"],
    )?;
    progress.visitor_id = Some(visitor_id);

    let exchange = send(
        server,
        limits,
        Route::Room,
        &[("token", token)],
        None,
        token,
    );
    let rid = step(
        progress,
        "Open the visitor's room",
        Route::Room,
        exchange,
        &["room", "_id"],
    )?;
    progress.rid = Some(rid.clone());

    if request.close {
        let body = json!({"rid": rid, "token": token});
        let exchange = send(server, limits, Route::RoomClose, &[], Some(&body), token);
        step(progress, "Close the room", Route::RoomClose, exchange, &[])?;
        if let Some(email) = &request.transcript {
            let outcome = request_transcript(server, limits, &rid, token, email);
            progress.steps.push(ConversationStep {
                title: "Ask for the transcript",
                call: Route::Transcript.label(),
                url: outcome.url.clone(),
                http_status: outcome.http_status,
                answer: outcome.answer.clone(),
                ok: outcome.sent(),
            });
            progress.transcript = Some(outcome);
        }
    }
    Ok(())
}

/// Records a step; returns the string at `path` in its answer (empty path: nothing needed).
fn step(
    progress: &mut Progress,
    title: &'static str,
    route: Route,
    exchange: Exchange,
    path: &[&str],
) -> Result<String, ApiError> {
    progress
        .steps
        .push(ConversationStep::new(title, route, &exchange));
    let mut fail = |error: ApiError| {
        if let Some(last) = progress.steps.last_mut() {
            last.ok = false;
        }
        Err(error)
    };
    let json = match exchange.result {
        Ok(json) => json,
        Err(error) => return fail(explain(error, route)),
    };
    if path.is_empty() {
        return Ok(String::new());
    }
    let found = path
        .iter()
        .try_fold(&json, |v, key| v.get(key))
        .and_then(Value::as_str);
    match found {
        Some(value) if !value.is_empty() => Ok(value.to_owned()),
        _ => fail(ApiError {
            code: ErrorCode::HttpError,
            message: format!(
                "The answer to {route} has no {}: is this a Rocket.Chat server?",
                path.join(".")
            ),
            server_error: None,
            http_status: exchange.http_status,
            retry_after_s: None,
            net_kind: None,
            url: exchange.url,
        }),
    }
}

/// Adds what the step means to errors that are not self-explanatory there.
fn explain(mut error: ApiError, route: Route) -> ApiError {
    match (error.code, route) {
        (ErrorCode::InvalidToken, Route::Room) => {
            error.message.push_str(" (the visitor was not created)");
        }
        (ErrorCode::CloseNotAllowed, _) => error.message.push_str(
            ": an administrator turns on Omnichannel > \"Allow visitors to close the \
             conversation\"; the room stays open and still takes a survey",
        ),
        _ => {}
    }
    error
}

/// Closes room `rid` as its visitor (`POST livechat/room.close`): the call a test conversation
/// makes with `close`.
pub fn close_room(
    server: &Server,
    limits: &RateLimits,
    rid: &str,
    token: &str,
) -> Result<(), ApiError> {
    let body = json!({"rid": rid, "token": token});
    send(server, limits, Route::RoomClose, &[], Some(&body), token)
        .result
        .map(|_| ())
        .map_err(|e| explain(e, Route::RoomClose))
}

impl Conversation {
    /// The token as it may be shown.
    pub fn token_masked(&self) -> String {
        mask_token(&self.token)
    }
}
