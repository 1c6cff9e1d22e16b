//! A test conversation: a new visitor with a generated token, its livechat room, and optionally
//! the room closed, so that a survey can be tried against a real server.

use serde_json::{Value, json};

use super::client::{Exchange, Method, call};
use super::errors::{ApiError, ErrorCode};
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
}

impl Default for ConversationRequest {
    fn default() -> Self {
        ConversationRequest {
            name: "survey-console test visitor".to_owned(),
            close: false,
            token: None,
        }
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
    fn new(title: &'static str, call: &'static str, exchange: &Exchange) -> Self {
        ConversationStep {
            title,
            call,
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
}

/// Creates a visitor, opens its room and, when asked, closes it.
pub fn start_conversation(
    server: &Server,
    request: &ConversationRequest,
) -> Result<Conversation, ConversationFailure> {
    let token = request
        .token
        .clone()
        .filter(|t| !t.trim().is_empty())
        .unwrap_or_else(random_token);
    let mut progress = Progress::default();
    let result = run_steps(server, request, &token, &mut progress);
    match (result, progress.visitor_id, progress.rid) {
        (Ok(()), Some(visitor_id), Some(rid)) => Ok(Conversation {
            rid,
            token,
            visitor_id,
            closed: request.close,
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
    request: &ConversationRequest,
    token: &str,
    progress: &mut Progress,
) -> Result<(), ApiError> {
    let mut visitor = json!({"token": token});
    if !request.name.trim().is_empty() {
        visitor["name"] = Value::String(request.name.trim().to_owned());
    }
    let exchange = call(
        server,
        Method::Post,
        "livechat/visitor",
        &[],
        Some(&json!({ "visitor": visitor })),
        token,
    );
    let visitor_id = step(
        progress,
        "Create the visitor",
        "POST livechat/visitor",
        exchange,
        &["visitor", "_id"],
    )?;
    progress.visitor_id = Some(visitor_id);

    let exchange = call(
        server,
        Method::Get,
        "livechat/room",
        &[("token", token)],
        None,
        token,
    );
    let rid = step(
        progress,
        "Open the visitor's room",
        "GET livechat/room",
        exchange,
        &["room", "_id"],
    )?;
    progress.rid = Some(rid.clone());

    if request.close {
        let exchange = call(
            server,
            Method::Post,
            "livechat/room.close",
            &[],
            Some(&json!({"rid": rid, "token": token})),
            token,
        );
        step(
            progress,
            "Close the room",
            "POST livechat/room.close",
            exchange,
            &[],
        )?;
    }
    Ok(())
}

/// Records a step; returns the string at `path` in its answer (empty path: nothing needed).
fn step(
    progress: &mut Progress,
    title: &'static str,
    route: &'static str,
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
fn explain(mut error: ApiError, route: &str) -> ApiError {
    if error.code == ErrorCode::InvalidToken && route == "GET livechat/room" {
        error.message.push_str(" (the visitor was not created)");
    }
    error
}

impl Conversation {
    /// The token as it may be shown.
    pub fn token_masked(&self) -> String {
        mask_token(&self.token)
    }
}
