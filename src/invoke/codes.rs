//! The codes LivePerson Functions answers with (V1 and V2, as its own client knows them), and
//! the explanation of a failed answer: what it means and whose fault it is.

use serde_json::Value;

use super::contract::{html_title, looks_like_html};
use super::record::{Body, ErrorKind, InvokeError};
use crate::catalog::EventId;
use crate::functions::EndpointKind;

/// A code LivePerson Functions answers with: whose fault it is, what it means, and for a V2
/// code its V1 equivalent (the official client's `mapV2ErrorCodeToV1`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PlatformCode {
    /// The code as the platform writes it.
    pub code: &'static str,
    /// Whose fault it is.
    pub kind: ErrorKind,
    /// What it means, in plain words.
    pub meaning: &'static str,
    /// The V1 code a V2 code maps to (`None` for V1 codes and codes kept as they are).
    pub v1: Option<&'static str>,
}

const fn code(
    code: &'static str,
    kind: ErrorKind,
    v1: Option<&'static str>,
    meaning: &'static str,
) -> PlatformCode {
    PlatformCode {
        code,
        kind,
        meaning,
        v1,
    }
}

/// Every code LivePerson's own client knows: the V1 codes (`errorCode` in `{errorCode,
/// errorMsg}`) and the V2 codes (`code` in `{code, message}`) with their V1 equivalents.
pub static PLATFORM_CODES: &[PlatformCode] = &[
    code(
        "com.liveperson.faas.es.badinput",
        ErrorKind::Platform,
        None,
        "the platform refused the request as bad input: the body must be the envelope {timestamp, headers, payload} as JSON",
    ),
    code(
        "com.liveperson.faas.es.missinglambda",
        ErrorKind::Platform,
        None,
        "no such function in this account (by event: none is deployed for it): check the lambda UUID, the account id and the event",
    ),
    code(
        "com.liveperson.faas.es.notdeployed",
        ErrorKind::Platform,
        None,
        "the function exists but is not deployed: deploy it, then invoke again",
    ),
    code(
        "com.liveperson.faas.es.general",
        ErrorKind::Platform,
        None,
        "the platform failed on its side: try again, and if it stays, quote the X-Request-ID to LivePerson support",
    ),
    code(
        "com.liveperson.faas.handler.runtime-exception",
        ErrorKind::Function,
        None,
        "the function threw an error while running",
    ),
    code(
        "com.liveperson.faas.handler.executiontime-exceeded",
        ErrorKind::Function,
        None,
        "the function ran longer than the platform allows (30 s) and was stopped",
    ),
    code(
        "com.liveperson.faas.handler.custom-failure",
        ErrorKind::Function,
        None,
        "the function reported a failure itself (it called back with an error, or not at all)",
    ),
    code(
        "com.liveperson.faas.handler.log-limit-reached",
        ErrorKind::Function,
        None,
        "the function wrote more logs than the platform allows (10 per run, 6,000 characters)",
    ),
    code(
        "com.liveperson.faas.evg.general",
        ErrorKind::Platform,
        Some("com.liveperson.faas.es.general"),
        "the event gateway failed on its side: try again, and if it stays, quote the X-Request-ID to LivePerson support",
    ),
    code(
        "com.liveperson.faas.evg.invalid",
        ErrorKind::Platform,
        Some("com.liveperson.faas.es.badinput"),
        "the event gateway refused the request as invalid: the body must be the envelope {timestamp, headers, payload} as JSON",
    ),
    code(
        "com.customer.faas.function.threw-error",
        ErrorKind::Function,
        Some("com.liveperson.faas.handler.custom-failure"),
        "the function threw an error (its promise rejected)",
    ),
    code(
        "com.customer.faas.function.js-runtime-error",
        ErrorKind::Function,
        Some("com.liveperson.faas.handler.runtime-exception"),
        "the function failed with a JavaScript runtime error",
    ),
    code(
        "com.customer.faas.function.execution-exceeded",
        ErrorKind::Function,
        Some("com.liveperson.faas.handler.executiontime-exceeded"),
        "the function ran longer than the platform allows and was stopped",
    ),
    code(
        "com.liveperson.faas.function.not-found",
        ErrorKind::Platform,
        Some("com.liveperson.faas.es.missinglambda"),
        "no such function in this account (by event: none is deployed for it)",
    ),
    code(
        "com.liveperson.faas.self-service.pending",
        ErrorKind::Platform,
        None,
        "the account's Functions set-up is still pending: wait until LivePerson has provisioned it",
    ),
    code(
        "com.liveperson.faas.function.runtime.limit-reached",
        ErrorKind::Function,
        Some("com.liveperson.faas.handler.log-limit-reached"),
        "the function reached a runtime limit (too many logs)",
    ),
];

/// The entry of a platform code; the V1 suffix form (`es.badinput`) is accepted too.
pub fn platform_code(code: &str) -> Option<&'static PlatformCode> {
    let code = code.trim();
    PLATFORM_CODES.iter().find(|c| {
        c.code == code
            || c.code
                .strip_prefix("com.liveperson.faas.")
                .is_some_and(|suffix| suffix == code)
    })
}

/// What a LivePerson error code means.
pub fn explain_error_code(code: &str) -> Option<&'static str> {
    platform_code(code).map(|c| c.meaning)
}

/// Whose fault a code is when it is not in [`PLATFORM_CODES`]: by its namespace.
fn kind_of_unknown_code(code: &str) -> Option<ErrorKind> {
    if code.starts_with("com.customer.faas.") || code.starts_with("com.liveperson.faas.handler.") {
        Some(ErrorKind::Function)
    } else if code.starts_with("com.liveperson.") {
        Some(ErrorKind::Platform)
    } else {
        None
    }
}

/// Explains a non-2xx answer of a plain URL: see [`explain_failure`].
pub fn explain_http_failure(event: EventId, status: u16, body: &Body) -> InvokeError {
    explain_failure(event, EndpointKind::Url, status, body)
}

/// Explains a non-2xx answer and says whose fault it is: `auth` for 401/403 (whatever code
/// the body carries), the code's kind for a platform code (`function`, `platform`), HTTP 901
/// as the function's; otherwise `platform` for a LivePerson endpoint and `http` for a plain
/// URL. The message gives the code, its meaning (and V1 equivalent), the platform's own words,
/// and what an HTML page or text body says.
pub fn explain_failure(
    event: EventId,
    endpoint: EndpointKind,
    status: u16,
    body: &Body,
) -> InvokeError {
    let liveperson = endpoint == EndpointKind::Liveperson;
    let json = match body {
        Body::Json(Value::Object(map)) => Some(map),
        _ => None,
    };
    let field = |names: &[&str]| {
        json.and_then(|m| names.iter().find_map(|n| m.get(*n)))
            .and_then(Value::as_str)
            .map(str::to_owned)
    };
    let error_code = field(&["errorCode", "code"]).filter(|c| !c.trim().is_empty());
    let error_msg = field(&["errorMsg", "message", "error"]);
    let known = error_code.as_deref().and_then(platform_code);
    let auth = matches!(status, 401 | 403);
    let kind = if auth {
        ErrorKind::Auth
    } else if let Some(known) = known {
        known.kind
    } else if let Some(kind) = error_code.as_deref().and_then(kind_of_unknown_code) {
        kind
    } else if status == 901 {
        ErrorKind::Function
    } else if liveperson {
        ErrorKind::Platform
    } else {
        ErrorKind::Http
    };
    let mut message = format!("HTTP {status}");
    if let Some(code) = &error_code {
        message.push_str(&format!(", {}", code.trim()));
    }
    let meaning = match (auth, status, known) {
        (true, 401, _) => "the credentials were refused (check the token, or the client id and secret)".to_owned(),
        (true, _, _) => "these credentials may not invoke this function (check the API key's permissions)".to_owned(),
        (false, _, Some(known)) => match known.v1 {
            Some(v1) => format!("{} (V1: {v1})", known.meaning),
            None => known.meaning.to_owned(),
        },
        (false, 901, None) => "the function itself failed".to_owned(),
        (false, 429, None) => "rate limited; wait before invoking again".to_owned(),
        (false, 404, None) if liveperson => "the platform knows no such account, function or event".to_owned(),
        (false, 404, None) => "nothing at that URL".to_owned(),
        (false, s, None) if s >= 500 && liveperson => "the platform failed on its side: try again, and if it stays, quote the X-Request-ID to LivePerson support".to_owned(),
        (false, _, None) if error_code.is_some() => "an error code of the platform".to_owned(),
        (false, _, None) => "the endpoint answered with an error".to_owned(),
    };
    message.push_str(&format!(": {meaning}"));
    if status == 901 && (error_code.is_some() || auth) {
        message.push_str(" (HTTP 901: the function itself failed)");
    }
    if let Some(msg) = &error_msg {
        message.push_str(&format!(". The platform says: {msg}"));
    }
    if let Body::Text(text) = body {
        if looks_like_html(text) {
            let title = html_title(text).unwrap_or_default();
            message.push_str(&format!(
                ". The answer is an HTML page{}, not the function's result (a proxy or server error page?)",
                if title.is_empty() { String::new() } else { format!(" (\"{title}\")") }
            ));
        } else if !text.trim().is_empty() {
            let start: String = text.chars().take(200).collect();
            message.push_str(&format!(". The answer starts: {start}"));
        }
    }
    if let Some(consequence) = event.spec().failure_consequence {
        message.push_str(&format!(". {consequence}"));
    }
    let code = match error_code {
        Some(code) => code.trim().to_owned(),
        None => format!("http-{status}"),
    };
    InvokeError::new(kind, &code, message)
}
