//! Sending an envelope over HTTP on the console's one engine ([`crate::net`]): plain URLs with
//! bearer or basic auth, and LivePerson functions as the official client calls them (hosts
//! from CSDS, V1 or V2, by lambda or by event, OAuth client credentials with the token renewed
//! before it expires and fetched again once on a 401, retries on resets, timeouts and 5xx with
//! one `X-Request-ID` kept across them). Plain URLs are never sent twice: the server may have
//! run the function.

use std::borrow::Cow;
use std::sync::atomic::AtomicBool;
use std::time::{Duration, Instant};

use bytes::Bytes;

use super::liveperson::{self, ClientCredentials, Hosts};
use super::prepare::{Fixed, SendPlan, redacted_headers};
use super::record::{Attempt, Body, ErrorKind, InvokeError, RecordedResponse};
use crate::catalog::EventId;
use crate::functions::{LivepersonEndpoint, Platform};
use crate::net::{self, DEFAULT_BODY_CAP, NetError, NetErrorKind, Slot};

/// The HTTP statuses LivePerson's client retries (got's defaults; 413 is never retried).
pub const RETRY_STATUSES: [u16; 9] = [408, 429, 500, 502, 503, 504, 521, 522, 524];

/// The pause before retry `n` is `n` times this (the official client's `attemptCount * 350`).
pub const RETRY_STEP: Duration = Duration::from_millis(350);

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
        client_id: String,
        client_secret: String,
    },
}

/// Where a request goes.
#[derive(Clone, Debug)]
pub enum Destination {
    /// A URL as given.
    Url(String),
    /// A LivePerson function: the URL is found when sending (CSDS, platform generation).
    Liveperson(Box<LivepersonEndpoint>),
}

/// What a LivePerson request is for.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Purpose {
    /// POST the envelope to the function.
    #[default]
    Invoke,
    /// GET `…/events/{event}/isImplemented`.
    IsImplemented,
}

/// A request ready to send.
#[derive(Clone, Debug)]
pub struct HttpRequest {
    /// Where to POST.
    pub destination: Destination,
    /// Invoke, or ask whether the event has a function.
    pub purpose: Purpose,
    /// The event invoked (LivePerson invocations by event name it).
    pub event: EventId,
    /// Extra headers.
    pub headers: Vec<(String, String)>,
    /// Some extra header's value was read from `env:NAME`: a secret whatever its name, which
    /// (like the credentials, and a header named as one) keeps a redirect from taking the
    /// request to another origin.
    pub env_headers: bool,
    /// How to authenticate.
    pub credentials: Credentials,
    /// The body (the envelope), serialized once and shared.
    pub body: Bytes,
    /// The deadline of one HTTP attempt.
    pub timeout: Duration,
    /// Largest body kept.
    pub body_cap: usize,
}

impl HttpRequest {
    /// A plain POST of `body` to `url`.
    pub fn new(url: &str, body: impl Into<Bytes>, timeout: Duration) -> HttpRequest {
        HttpRequest {
            destination: Destination::Url(url.to_owned()),
            purpose: Purpose::Invoke,
            event: EventId::ALL[0],
            headers: Vec::new(),
            env_headers: false,
            credentials: Credentials::None,
            body: body.into(),
            timeout,
            body_cap: DEFAULT_BODY_CAP,
        }
    }

    /// Retries allowed: LivePerson's policy for LivePerson functions, none for plain URLs.
    pub fn retries(&self) -> u32 {
        match &self.destination {
            Destination::Liveperson(lp) => lp.retries,
            Destination::Url(_) => 0,
        }
    }
}

/// What came back from a send.
#[derive(Clone, Debug)]
pub struct HttpOutcome {
    /// The URL called (the invoke URL for LivePerson, once found).
    pub url: String,
    /// The headers as sent (credentials redacted).
    pub sent_headers: Vec<(String, String)>,
    /// The response, or why there is none.
    pub result: Result<RecordedResponse, InvokeError>,
    /// Time to fetch a token, when one was fetched.
    pub token_ms: Option<f64>,
    /// Time until the final response's headers.
    pub headers_ms: Option<f64>,
    /// The `X-Request-ID` sent with every attempt.
    pub request_id: String,
    /// Every HTTP attempt, with why it was made and what came of it.
    pub attempts: Vec<Attempt>,
    /// The LivePerson platform generation spoken (none for plain URLs).
    pub platform: Option<Platform>,
    /// Plain-language notes (redirects followed, hosts found through CSDS).
    pub notes: Vec<String>,
    /// The response headers of a lean send ([`SendPlan::lean`]), left out of `result` until
    /// the caller keeps the record ([`net::header_pairs`] makes the record's pairs).
    pub response_headers: Option<http::HeaderMap>,
}

/// Which connection an exchange uses: the shared pool, or a caller's own (a batch task's).
pub enum Via<'a> {
    /// The shared engine's pool (single invocations).
    Pool,
    /// The caller's connection.
    Slot(&'a mut Slot),
}

impl Via<'_> {
    async fn exchange(
        &mut self,
        request: &net::Request,
        extra: &[net::Extra],
        options: &net::Options,
        started: Instant,
    ) -> Result<net::Response, NetError> {
        match self {
            Via::Pool => Box::pin(net::engine::pooled_with(request, extra, options)).await,
            Via::Slot(slot) => net::exchange_since(slot, request, extra, options, started).await,
        }
    }
}

/// Sends the request on the shared engine; never panics. Setting `cancel` ends it at once.
pub fn send(request: &HttpRequest, cancel: &AtomicBool) -> HttpOutcome {
    let cancelled = || cancelled_outcome(request);
    let result = net::block_on(async {
        tokio::select! {
            outcome = send_async(request, Via::Pool) => outcome,
            () = net::until_cancelled(Some(cancel)) => cancelled(),
        }
    });
    result.unwrap_or_else(|e| {
        let mut outcome = cancelled();
        outcome.result = Err(network_error(&e));
        outcome
    })
}

/// The outcome of a request cancelled before it ended.
pub fn cancelled_outcome(request: &HttpRequest) -> HttpOutcome {
    HttpOutcome {
        url: match &request.destination {
            Destination::Url(url) => url.clone(),
            Destination::Liveperson(_) => String::new(),
        },
        sent_headers: redacted_headers(request, None),
        result: Err(InvokeError::new(
            ErrorKind::Cancelled,
            "cancelled",
            "cancelled: the request in flight was ended",
        )),
        token_ms: None,
        headers_ms: None,
        request_id: String::new(),
        attempts: Vec::new(),
        platform: None,
        notes: Vec::new(),
        response_headers: None,
    }
}

/// Sends the request over `via`: resolves the LivePerson hosts, authenticates, and retries as
/// the LivePerson policy allows. Every failure is in the outcome.
pub async fn send_async(request: &HttpRequest, via: Via<'_>) -> HttpOutcome {
    send_planned(request, &SendPlan::default(), via).await
}

/// [`send_async`] with the request's fixed part made ahead ([`SendPlan::new`]).
pub async fn send_planned(request: &HttpRequest, plan: &SendPlan, mut via: Via<'_>) -> HttpOutcome {
    let mut outcome = HttpOutcome {
        url: String::new(),
        sent_headers: Vec::new(),
        result: Err(InvokeError::new(ErrorKind::Config, "not-sent", "not sent")),
        token_ms: None,
        headers_ms: None,
        request_id: super::request_id::new(),
        // Most sends make one attempt.
        attempts: Vec::with_capacity(1),
        platform: None,
        notes: Vec::new(),
        response_headers: None,
    };
    // Where to: a URL as given, or the LivePerson invoke URL and its sentinel.
    let made;
    let (fixed, sentinel, lean) = match &request.destination {
        Destination::Url(url) => match &plan.fixed {
            Some(fixed) => (fixed, None, plan.lean),
            None => {
                made = Fixed::new(request, url.trim().to_owned(), None);
                (&made, None, false)
            }
        },
        Destination::Liveperson(lp) => {
            match Box::pin(liveperson::resolve(lp, request.timeout)).await {
                Ok(hosts) => {
                    if hosts.discovered {
                        outcome.notes.push(format!(
                            "Hosts found through CSDS: gateway {}, sentinel {}.",
                            hosts.gateway, hosts.sentinel
                        ));
                    }
                    outcome.platform = Some(if hosts.v2 { Platform::V2 } else { Platform::V1 });
                    let url = match request.purpose {
                        Purpose::Invoke => liveperson::invoke_url(&hosts, lp, request.event),
                        Purpose::IsImplemented => {
                            liveperson::is_implemented_url(&hosts, lp, request.event)
                        }
                    };
                    let Hosts { sentinel, v2, .. } = hosts;
                    let external_system = lp.external_system();
                    // V2 invocations name their source in LP-EventSource; the official client's
                    // isImplemented GET sends none.
                    let event_source = (v2 && matches!(request.purpose, Purpose::Invoke))
                        .then_some(external_system);
                    made = Fixed::new(request, url, event_source);
                    (
                        &made,
                        Some((sentinel, lp.account_id.trim().to_owned())),
                        false,
                    )
                }
                Err(error) => {
                    outcome.sent_headers = redacted_headers(request, None);
                    outcome.result = Err(error);
                    return outcome;
                }
            }
        }
    };
    outcome.url.clone_from(&fixed.url);
    if !lean {
        outcome.sent_headers = fixed.recorded_with(&outcome.request_id);
    }
    let (base, extra) = match fixed.with_id(&outcome.request_id) {
        Ok(shared) => shared,
        Err(error) => {
            outcome.result = Err(error);
            return outcome;
        }
    };
    let mut options = net::Options::new(request.timeout);
    options.body_cap = request.body_cap;
    options.credentials = !matches!(request.credentials, Credentials::None)
        || request.env_headers
        || request
            .headers
            .iter()
            .any(|(name, _)| super::prepare::is_secret_header(name));
    let credentials = match (&request.credentials, &sentinel) {
        (
            Credentials::LivePerson {
                client_id,
                client_secret,
            },
            Some((sentinel, account)),
        ) => Some(ClientCredentials {
            sentinel: sentinel.clone(),
            account_id: account.clone(),
            client_id: client_id.clone(),
            client_secret: client_secret.clone(),
        }),
        _ => None,
    };
    let retries = request.retries();
    let mut refused_token: Option<String> = None;
    let mut refreshed = false;
    let mut reason: Cow<'static, str> = Cow::Borrowed("first attempt");
    let mut retry = 0;
    loop {
        // Only a LivePerson attempt needs its own copy, for its token.
        let mut with_token = None;
        let mut token_used = None;
        if let Some(credentials) = &credentials {
            match Box::pin(liveperson::token(
                credentials,
                refused_token.as_deref(),
                request.timeout,
            ))
            .await
            {
                Ok((token, fetched_ms)) => {
                    if fetched_ms.is_some() {
                        outcome.token_ms = fetched_ms;
                    }
                    let mut attempt = base.clone();
                    let _ = attempt.header("Authorization", &format!("Bearer {token}"));
                    with_token = Some(attempt);
                    token_used = Some(token);
                }
                Err(error) => {
                    outcome.result = Err(error);
                    return outcome;
                }
            }
        }
        let started = Instant::now();
        let answer = via
            .exchange(
                with_token.as_ref().unwrap_or(base),
                extra.as_slice(),
                &options,
                started,
            )
            .await;
        let time_ms = started.elapsed().as_secs_f64() * 1e3;
        let (said, retry_because) = match &answer {
            Ok(response) => (
                super::record::status_text(response.status),
                retriable_status(response, request.timeout)
                    .then(|| format!("HTTP {}", response.status)),
            ),
            Err(e) => (
                Cow::Owned(format!("{} ({})", e.kind.as_str(), e.message)),
                matches!(
                    e.kind,
                    NetErrorKind::Reset | NetErrorKind::Timeout | NetErrorKind::Dns
                )
                .then(|| e.kind.as_str().to_owned()),
            ),
        };
        outcome.attempts.push(Attempt {
            reason: std::mem::take(&mut reason),
            outcome: said,
            time_ms,
        });
        if let Ok(response) = &answer
            && response.status == 401
            && credentials.is_some()
            && !refreshed
        {
            // The token may have been revoked: fetch a new one, once.
            refreshed = true;
            refused_token = token_used;
            reason = Cow::Borrowed("a new token after HTTP 401");
            continue;
        }
        if let Some(why) = retry_because
            && retry < retries
        {
            retry += 1;
            let pause = RETRY_STEP * retry;
            reason = Cow::Owned(format!(
                "retry {retry} of {retries} after {why}, {} ms later",
                pause.as_millis()
            ));
            tokio::time::sleep(pause).await;
            continue;
        }
        outcome.result = match answer {
            Ok(mut response) => {
                outcome.headers_ms = Some(response.headers_ms);
                if let Some(proxy) = &response.proxy {
                    outcome
                        .notes
                        .push(format!("Sent through the proxy {proxy}."));
                }
                for r in &response.redirects {
                    outcome.notes.push(format!(
                        "Redirected (HTTP {}) to {}, sent as {}.",
                        r.status, r.to, r.method
                    ));
                }
                let headers = if lean {
                    outcome.response_headers = Some(std::mem::take(&mut response.headers));
                    Vec::new()
                } else {
                    response.header_pairs()
                };
                Ok(RecordedResponse {
                    status: response.status,
                    headers,
                    size: response.body.len(),
                    body: Body::from_bytes(&response.body),
                    truncated: response.truncated,
                })
            }
            Err(e) => Err(network_error(&e)),
        };
        return outcome;
    }
}

/// True when LivePerson's client would retry this answer: a listed status, unless its
/// `Retry-After` asks for longer than the deadline.
fn retriable_status(response: &net::Response, deadline: Duration) -> bool {
    if !RETRY_STATUSES.contains(&response.status) {
        return false;
    }
    match response
        .header("retry-after")
        .and_then(|v| v.trim().parse::<u64>().ok())
    {
        Some(secs) => Duration::from_secs(secs) <= deadline,
        None => true,
    }
}

/// An invoke error for a network failure.
pub fn network_error(e: &NetError) -> InvokeError {
    InvokeError::new(ErrorKind::Network, e.kind.as_str(), e.to_string())
}
