//! The embedded engine's HTTP requests (the toolbelt's HTTPClient and fetch), through the
//! console's one HTTP engine. The allowlist is decided in the platform layer before a request
//! gets here; this only sends it and reads the answer, within the run's time and a body cap.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::Deserialize;
use serde_json::json;

/// Largest answer body a function gets (the rest is cut).
const MAX_BODY: usize = 16 * 1024 * 1024;

/// A request as the platform layer hands it over.
#[derive(Debug, Deserialize)]
pub(crate) struct HostRequest {
    pub url: String,
    pub method: String,
    #[serde(default)]
    pub headers: Vec<(String, String)>,
    /// The body, base64.
    #[serde(default)]
    pub body: Option<String>,
}

/// Sends the request and returns the answer as the platform layer reads it:
/// `{status, statusText, headers, body}` (body base64) or `{error}`.
pub(crate) fn fetch(request: &HostRequest, timeout: Duration, cancel: &AtomicBool) -> String {
    match send(request, timeout, cancel) {
        Ok(answer) => answer.to_string(),
        Err(message) => json!({ "error": message }).to_string(),
    }
}

fn send(
    request: &HostRequest,
    timeout: Duration,
    cancel: &AtomicBool,
) -> Result<serde_json::Value, String> {
    let url = crate::net::check_url(&request.url).map_err(|e| e.to_string())?;
    let method = http::Method::from_bytes(request.method.as_bytes())
        .map_err(|_| format!("not an HTTP method: {}", request.method))?;
    let mut outgoing = crate::net::Request::new(method, url);
    for (name, value) in &request.headers {
        outgoing.header(name, value).map_err(|e| e.to_string())?;
    }
    if let Some(body) = &request.body {
        let bytes = BASE64
            .decode(body)
            .map_err(|_| "the request body is not valid base64".to_owned())?;
        outgoing.body = bytes.into();
    }
    if cancel.load(Ordering::Relaxed) {
        return Err("cancelled".to_owned());
    }
    let mut options = crate::net::Options::new(timeout);
    options.body_cap = MAX_BODY;
    let response =
        crate::net::fetch(&outgoing, &options, Some(cancel)).map_err(|e| e.to_string())?;
    let status = http::StatusCode::from_u16(response.status).ok();
    Ok(json!({
        "status": response.status,
        "statusText": status.and_then(|s| s.canonical_reason()).unwrap_or(""),
        "headers": response.header_pairs(),
        "body": BASE64.encode(&response.body),
    }))
}
