//! The embedded engine's HTTP requests (the toolbelt's HTTPClient and fetch), through the
//! console's shared HTTP client. The allowlist is decided in the platform layer before a request
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
    // Whole seconds, so the shared client pool keeps one client per second of limit.
    let timeout = Duration::from_secs(timeout.as_secs().clamp(1, 60) + 1);
    let client = crate::net::client(timeout).map_err(|e| e.to_string())?;
    let method = reqwest::Method::from_bytes(request.method.as_bytes())
        .map_err(|_| format!("not an HTTP method: {}", request.method))?;
    let mut builder = client.request(method, &request.url);
    for (name, value) in &request.headers {
        builder = builder.header(name, value);
    }
    if let Some(body) = &request.body {
        let bytes = BASE64
            .decode(body)
            .map_err(|_| "the request body is not valid base64".to_owned())?;
        builder = builder.body(bytes);
    }
    if cancel.load(Ordering::Relaxed) {
        return Err("cancelled".to_owned());
    }
    let response = builder
        .send()
        .map_err(|e| crate::net::NetError::from_reqwest(&e, &request.url).to_string())?;
    let status = response.status();
    let headers: Vec<(String, String)> = response
        .headers()
        .iter()
        .map(|(k, v)| {
            (
                k.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    let body =
        crate::net::read_capped(response, MAX_BODY, &request.url).map_err(|e| e.to_string())?;
    Ok(json!({
        "status": status.as_u16(),
        "statusText": status.canonical_reason().unwrap_or(""),
        "headers": headers,
        "body": BASE64.encode(&body.bytes),
    }))
}
