//! Sending an envelope over HTTP: plain URLs with bearer or basic auth, and LivePerson functions
//! with OAuth client credentials (token cached until it expires, fetched again once on a 401).

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use serde_json::Value;

use super::record::{Body, ErrorKind, InvokeError, RecordedResponse};
use crate::net::{self, DEFAULT_BODY_CAP, NetError};

/// The value that stands for a credential in every record.
pub const REDACTED: &str = "<redacted>";

/// Credentials for one request, resolved from the environment or the session.
#[derive(Clone, Debug)]
pub enum Credentials {
    /// No Authorization header.
    None,
    /// A bearer token.
    Bearer(String),
    /// Basic auth.
    Basic { user: String, password: String },
    /// LivePerson client credentials, exchanged for a token at the sentinel.
    LivePerson {
        sentinel_url: String,
        account_id: String,
        client_id: String,
        client_secret: String,
    },
}

/// A request ready to send.
#[derive(Clone, Debug)]
pub struct HttpRequest {
    /// Where to POST.
    pub url: String,
    /// Extra headers.
    pub headers: Vec<(String, String)>,
    /// How to authenticate.
    pub credentials: Credentials,
    /// The body (the envelope), serialized once.
    pub body: Arc<Vec<u8>>,
    /// Request timeout.
    pub timeout: Duration,
    /// Largest body kept.
    pub body_cap: usize,
}

/// What came back from a send.
#[derive(Clone, Debug)]
pub struct HttpOutcome {
    /// The headers as sent (credentials redacted).
    pub sent_headers: Vec<(String, String)>,
    /// The response, or why there is none.
    pub result: Result<RecordedResponse, InvokeError>,
    /// Time to fetch a token, when one was fetched.
    pub token_ms: Option<f64>,
    /// Time until the response headers.
    pub headers_ms: Option<f64>,
}

impl HttpRequest {
    /// A plain POST of `body` to `url`.
    pub fn new(url: &str, body: Vec<u8>, timeout: Duration) -> HttpRequest {
        HttpRequest {
            url: url.to_owned(),
            headers: Vec::new(),
            credentials: Credentials::None,
            body: Arc::new(body),
            timeout,
            body_cap: DEFAULT_BODY_CAP,
        }
    }

    /// A plain POST of a body shared with other requests (batches send one body many times).
    pub fn shared(url: &str, body: Arc<Vec<u8>>, timeout: Duration) -> HttpRequest {
        HttpRequest {
            url: url.to_owned(),
            headers: Vec::new(),
            credentials: Credentials::None,
            body,
            timeout,
            body_cap: DEFAULT_BODY_CAP,
        }
    }
}

/// The shared body as reqwest's body, without copying the bytes.
struct SharedBody(Arc<Vec<u8>>);

impl AsRef<[u8]> for SharedBody {
    fn as_ref(&self) -> &[u8] {
        self.0.as_slice()
    }
}

/// Sends the request; never panics, and checks `cancel` between steps.
pub fn send(request: &HttpRequest, cancel: &AtomicBool) -> HttpOutcome {
    let mut outcome = HttpOutcome {
        sent_headers: redacted_headers(request),
        result: Err(InvokeError::new(
            ErrorKind::Cancelled,
            "cancelled",
            "cancelled before sending",
        )),
        token_ms: None,
        headers_ms: None,
    };
    if let Err(e) = net::check_url(&request.url) {
        outcome.result = Err(network_error(&e));
        return outcome;
    }
    let client = match net::client(request.timeout) {
        Ok(c) => c,
        Err(e) => {
            outcome.result = Err(network_error(&e));
            return outcome;
        }
    };
    let mut refreshed = false;
    loop {
        if cancel.load(Ordering::Relaxed) {
            return outcome;
        }
        let auth = match authorization(&client, request, refreshed) {
            Ok((auth, token_ms)) => {
                if token_ms.is_some() {
                    outcome.token_ms = token_ms;
                }
                auth
            }
            Err(e) => {
                outcome.result = Err(e);
                return outcome;
            }
        };
        let mut builder = client
            .post(&request.url)
            .header("Content-Type", "application/json")
            .header("Accept", "application/json, text/plain;q=0.9, */*;q=0.5")
            .body(bytes::Bytes::from_owner(SharedBody(Arc::clone(
                &request.body,
            ))));
        for (k, v) in &request.headers {
            builder = builder.header(k.as_str(), v.as_str());
        }
        if let Some(auth) = auth {
            builder = builder.header("Authorization", auth);
        }
        let started = Instant::now();
        let response = match builder.send() {
            Ok(r) => r,
            Err(e) => {
                outcome.result = Err(network_error(&NetError::from_reqwest(&e, &request.url)));
                return outcome;
            }
        };
        outcome.headers_ms = Some(started.elapsed().as_secs_f64() * 1e3);
        let status = response.status().as_u16();
        if status == 401
            && !refreshed
            && matches!(request.credentials, Credentials::LivePerson { .. })
        {
            // The cached token may have been revoked: fetch a new one, once.
            forget_token(request);
            refreshed = true;
            continue;
        }
        if cancel.load(Ordering::Relaxed) {
            return outcome;
        }
        let headers: Vec<(String, String)> = response
            .headers()
            .iter()
            .map(|(k, v)| {
                (
                    k.to_string(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect();
        outcome.result = match net::read_capped(response, request.body_cap, &request.url) {
            Ok(body) => Ok(RecordedResponse {
                status,
                headers,
                size: body.bytes.len(),
                body: Body::from_bytes(&body.bytes),
                truncated: body.truncated,
            }),
            Err(e) => Err(network_error(&e)),
        };
        return outcome;
    }
}

/// An invoke error for a network failure.
pub fn network_error(e: &NetError) -> InvokeError {
    InvokeError::new(ErrorKind::Network, e.kind.as_str(), e.to_string())
}

/// The headers a request sends as they are recorded: credentials and secret-looking headers
/// replaced by [`REDACTED`].
pub fn redacted_headers(request: &HttpRequest) -> Vec<(String, String)> {
    let mut headers = vec![("Content-Type".to_owned(), "application/json".to_owned())];
    headers.extend(request.headers.iter().map(|(k, v)| {
        let lower = k.to_ascii_lowercase();
        let secret = [
            "authorization",
            "token",
            "secret",
            "key",
            "cookie",
            "password",
        ]
        .iter()
        .any(|s| lower.contains(s));
        (
            k.clone(),
            if secret {
                REDACTED.to_owned()
            } else {
                v.clone()
            },
        )
    }));
    let auth = match &request.credentials {
        Credentials::None => None,
        Credentials::Bearer(_) | Credentials::LivePerson { .. } => {
            Some(format!("Bearer {REDACTED}"))
        }
        Credentials::Basic { .. } => Some(format!("Basic {REDACTED}")),
    };
    if let Some(auth) = auth {
        headers.push(("Authorization".to_owned(), auth));
    }
    headers
}

/// The `Authorization` value of plain credentials (none, bearer, basic); `None` for none and
/// for LivePerson credentials, whose token is fetched per request.
pub fn authorization_value(credentials: &Credentials) -> Option<String> {
    match credentials {
        Credentials::Bearer(token) => Some(format!("Bearer {token}")),
        Credentials::Basic { user, password } => Some(format!(
            "Basic {}",
            base64(format!("{user}:{password}").as_bytes())
        )),
        Credentials::None | Credentials::LivePerson { .. } => None,
    }
}

fn authorization(
    client: &reqwest::blocking::Client,
    request: &HttpRequest,
    refresh: bool,
) -> Result<(Option<String>, Option<f64>), InvokeError> {
    Ok(match &request.credentials {
        Credentials::None => (None, None),
        Credentials::Bearer(token) => (Some(format!("Bearer {token}")), None),
        Credentials::Basic { user, password } => {
            let encoded = base64(format!("{user}:{password}").as_bytes());
            (Some(format!("Basic {encoded}")), None)
        }
        Credentials::LivePerson { .. } => {
            let (token, fetched_ms) = liveperson_token(client, request, refresh)?;
            (Some(format!("Bearer {token}")), fetched_ms)
        }
    })
}

/// Sentinel, account, client id and a hash of the secret: another secret never reuses a token.
type TokenKey = (String, String, String, u64);

fn tokens() -> &'static Mutex<HashMap<TokenKey, (String, Instant)>> {
    static TOKENS: OnceLock<Mutex<HashMap<TokenKey, (String, Instant)>>> = OnceLock::new();
    TOKENS.get_or_init(Default::default)
}

fn token_key(request: &HttpRequest) -> Option<TokenKey> {
    match &request.credentials {
        Credentials::LivePerson {
            sentinel_url,
            account_id,
            client_id,
            client_secret,
        } => {
            use std::hash::{Hash as _, Hasher as _};
            let mut hasher = std::collections::hash_map::DefaultHasher::new();
            client_secret.hash(&mut hasher);
            Some((
                sentinel_url.clone(),
                account_id.clone(),
                client_id.clone(),
                hasher.finish(),
            ))
        }
        _ => None,
    }
}

fn forget_token(request: &HttpRequest) {
    if let Some(key) = token_key(request) {
        tokens()
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&key);
    }
}

/// The sentinel's token URL for an account.
pub fn token_url(sentinel_url: &str, account_id: &str) -> String {
    format!(
        "{}/sentinel/api/account/{account_id}/app/token?v=2.0",
        sentinel_url.trim_end_matches('/')
    )
}

fn liveperson_token(
    client: &reqwest::blocking::Client,
    request: &HttpRequest,
    refresh: bool,
) -> Result<(String, Option<f64>), InvokeError> {
    let Credentials::LivePerson {
        sentinel_url,
        account_id,
        client_id,
        client_secret,
    } = &request.credentials
    else {
        return Err(InvokeError::new(
            ErrorKind::Config,
            "no-credentials",
            "no LivePerson credentials",
        ));
    };
    let key = token_key(request).unwrap_or_default();
    if !refresh
        && let Some((token, expires)) = tokens().lock().unwrap_or_else(|p| p.into_inner()).get(&key)
        && *expires > Instant::now()
    {
        return Ok((token.clone(), None));
    }
    let url = token_url(sentinel_url, account_id);
    let started = Instant::now();
    let response = client
        .post(&url)
        .form(&[
            ("grant_type", "client_credentials"),
            ("client_id", client_id.as_str()),
            ("client_secret", client_secret.as_str()),
        ])
        .send()
        .map_err(|e| {
            let net = NetError::from_reqwest(&e, &url);
            InvokeError::new(
                ErrorKind::Auth,
                net.kind.as_str(),
                format!("fetching an access token failed: {net}"),
            )
        })?;
    let status = response.status().as_u16();
    let body = net::read_capped(response, 64 * 1024, &url)
        .map_err(|e| InvokeError::new(ErrorKind::Auth, e.kind.as_str(), e.to_string()))?;
    let json: Value = serde_json::from_slice(&body.bytes).unwrap_or(Value::Null);
    if !(200..300).contains(&status) {
        let reason = match status {
            400 | 401 | 403 => "the client id or client secret was refused",
            404 => "no such account or token endpoint",
            _ => "the token endpoint answered with an error",
        };
        let said = json
            .get("error_description")
            .or_else(|| json.get("error"))
            .and_then(Value::as_str)
            .map(|s| format!(" (it says: {s})"))
            .unwrap_or_default();
        return Err(InvokeError::new(
            ErrorKind::Auth,
            &format!("http-{status}"),
            format!("fetching an access token failed: HTTP {status}, {reason}{said}: {url}"),
        ));
    }
    let Some(token) = json.get("access_token").and_then(Value::as_str) else {
        return Err(InvokeError::new(
            ErrorKind::Auth,
            "no-token",
            format!("the token endpoint's answer has no access_token: {url}"),
        ));
    };
    let lifetime = json
        .get("expires_in")
        .and_then(Value::as_u64)
        .unwrap_or(3600);
    // Renew a little early, so a token never expires in flight.
    let expires = Instant::now() + Duration::from_secs(lifetime.saturating_sub(30).max(1));
    tokens()
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .insert(key, (token.to_owned(), expires));
    Ok((
        token.to_owned(),
        Some(started.elapsed().as_secs_f64() * 1e3),
    ))
}

/// Standard base64 with padding.
pub fn base64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = (u32::from(chunk[0]) << 16)
            | (u32::from(*chunk.get(1).unwrap_or(&0)) << 8)
            | u32::from(*chunk.get(2).unwrap_or(&0));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[((n >> (18 - 6 * i)) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_the_standard() {
        assert_eq!(base64(b""), "");
        assert_eq!(base64(b"f"), "Zg==");
        assert_eq!(base64(b"fo"), "Zm8=");
        assert_eq!(base64(b"foo"), "Zm9v");
        assert_eq!(base64(b"user:pa ss"), "dXNlcjpwYSBzcw==");
    }

    #[test]
    fn records_never_hold_credentials() {
        let mut request =
            HttpRequest::new("http://127.0.0.1:1/", Vec::new(), Duration::from_secs(1));
        request.credentials = Credentials::Bearer("s3cret".into());
        request.headers = vec![
            ("X-Api-Key".into(), "k3y".into()),
            ("X-Trace".into(), "t1".into()),
        ];
        let headers = redacted_headers(&request);
        let text = format!("{headers:?}");
        assert!(!text.contains("s3cret") && !text.contains("k3y"), "{text}");
        assert!(text.contains("t1"));
        assert!(text.contains("Bearer <redacted>"));
    }
}
