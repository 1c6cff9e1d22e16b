//! What a request sends, made once: its URL checked, its headers built for the wire, and the
//! same headers as the record shows them (credentials redacted). One list of the headers every
//! invocation sends serves both, so the record names every header sent. A batch prepares each
//! payload's request once ([`SendPlan`]) and sends it many times, each with its own request id.

use base64::Engine as _;

use super::record::{ErrorKind, InvokeError};
use super::send::{Credentials, Destination, HttpRequest, Purpose, network_error};
use crate::net;

/// The value that stands for a credential in every record.
pub const REDACTED: &str = "<redacted>";

/// The `Accept` header every invocation sends: JSON first, then the text and HTML error pages
/// that gateways answer with.
const ACCEPT: &str = "application/json, text/plain;q=0.9, */*;q=0.5";

/// The name of the request id header.
const X_REQUEST_ID: http::HeaderName = http::HeaderName::from_static("x-request-id");

/// The headers every invocation sends before its own, in order: the request id and, on V2,
/// the event source, when `sent` gives them.
fn standard_headers<'a>(
    sent: Option<(&'a str, Option<&'a str>)>,
) -> impl Iterator<Item = (&'static str, &'a str)> {
    let (request_id, event_source) = match sent {
        Some((id, source)) => (Some(id), source),
        None => (None, None),
    };
    [
        ("Content-Type", "application/json"),
        ("Accept", ACCEPT),
        ("User-Agent", net::USER_AGENT),
    ]
    .into_iter()
    .chain(request_id.map(|id| ("X-Request-ID", id)))
    .chain(event_source.map(|source| ("LP-EventSource", source)))
}

/// What a request to a plain URL sends the same way every time: the URL parsed and checked,
/// the headers validated, and the headers as recorded. A batch makes one per payload and
/// sends it many times ([`super::send_planned`]); LivePerson requests find their URL when sent.
#[derive(Clone, Debug, Default)]
pub struct SendPlan {
    pub(super) fixed: Option<Fixed>,
    /// Leave the recorded headers of a plain-URL request out of the outcome.
    pub(super) lean: bool,
}

impl SendPlan {
    /// The plan of `request` (nothing is fixed ahead for a LivePerson function).
    pub fn new(request: &HttpRequest) -> SendPlan {
        SendPlan {
            fixed: match &request.destination {
                Destination::Url(url) => Some(Fixed::new(request, url.trim().to_owned(), None)),
                Destination::Liveperson(_) => None,
            },
            lean: false,
        }
    }

    /// The plan of a batch, which keeps the full record of only some results: the outcome of
    /// a plain-URL request leaves its recorded headers out, and the batch adds them
    /// ([`SendPlan::recorded_headers`]) to the records it keeps.
    pub fn lean(request: &HttpRequest) -> SendPlan {
        SendPlan {
            lean: true,
            ..SendPlan::new(request)
        }
    }

    /// The headers a lean send left out of its outcome, as recorded (credentials redacted);
    /// `None` when it left none out.
    pub fn recorded_headers(&self, request_id: &str) -> Option<Vec<(String, String)>> {
        let fixed = self.fixed.as_ref().filter(|_| self.lean)?;
        Some(fixed.recorded_with(request_id))
    }
}

/// A request's fixed part. The request id is a placeholder that each send replaces in place,
/// so the headers keep their order on the wire and in the record.
#[derive(Clone, Debug)]
pub(super) struct Fixed {
    pub(super) url: String,
    /// The headers as recorded (credentials redacted), the request id a placeholder.
    recorded: Vec<(String, String)>,
    /// Where in `recorded` the request id is.
    recorded_id: Option<usize>,
    /// The request, or why it cannot be sent (a bad URL or header).
    base: Result<net::Request, InvokeError>,
}

impl Fixed {
    pub(super) fn new(request: &HttpRequest, url: String, event_source: Option<&str>) -> Fixed {
        let recorded = redacted_headers(request, Some(("", event_source)));
        let recorded_id = recorded.iter().position(|(name, _)| name == "X-Request-ID");
        let base = Fixed::request(request, &url, event_source);
        Fixed {
            url,
            recorded,
            recorded_id,
            base,
        }
    }

    fn request(
        request: &HttpRequest,
        url: &str,
        event_source: Option<&str>,
    ) -> Result<net::Request, InvokeError> {
        let parsed = net::check_url(url).map_err(|e| network_error(&e))?;
        let mut base = match request.purpose {
            Purpose::Invoke => {
                let mut base = net::Request::new(http::Method::POST, parsed);
                base.body = request.body.clone();
                base
            }
            Purpose::IsImplemented => net::Request::new(http::Method::GET, parsed),
        };
        // The request id is a placeholder each send replaces in place.
        for (k, v) in standard_headers(Some(("-", event_source))) {
            let _ = base.header(k, v);
        }
        for (k, v) in &request.headers {
            base.header(k, v).map_err(|e| {
                InvokeError::new(ErrorKind::Config, "invalid-header", e.to_string())
            })?;
        }
        // LivePerson credentials are exchanged for a token on each attempt.
        if let Some(auth) = authorization_value(&request.credentials) {
            let _ = base.header("Authorization", &auth);
        }
        base.prepare_for_reuse();
        Ok(base)
    }

    /// The headers as recorded, with this send's request id.
    pub(super) fn recorded_with(&self, request_id: &str) -> Vec<(String, String)> {
        let mut recorded = self.recorded.clone();
        if let Some((_, id)) = self.recorded_id.and_then(|at| recorded.get_mut(at)) {
            request_id.clone_into(id);
        }
        recorded
    }

    /// The request every send shares, and the header that makes one send's its own: its
    /// request id, in the placeholder's place.
    pub(super) fn with_id(
        &self,
        request_id: &str,
    ) -> Result<(&net::Request, Option<net::Extra>), InvokeError> {
        let base = self.base.as_ref().map_err(Clone::clone)?;
        let id = http::HeaderValue::from_str(request_id)
            .ok()
            .map(|id| (X_REQUEST_ID, id));
        Ok((base, id))
    }
}

/// True for a header whose value is redacted when shown: one the functions file must read from
/// `env:NAME` ([`crate::functions::is_secret_header`]), or any other `…key…` header.
pub fn is_secret_header(name: &str) -> bool {
    crate::functions::is_secret_header(name) || name.to_ascii_lowercase().contains("key")
}

/// The headers a request sends as they are recorded: credentials and secret-looking headers
/// replaced by [`REDACTED`]. `sent` adds the request id and the V2 event source.
pub fn redacted_headers(
    request: &HttpRequest,
    sent: Option<(&str, Option<&str>)>,
) -> Vec<(String, String)> {
    let mut headers: Vec<(String, String)> = standard_headers(sent)
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    headers.extend(request.headers.iter().map(|(k, v)| {
        let value = if is_secret_header(k) {
            REDACTED.to_owned()
        } else {
            v.clone()
        };
        (k.clone(), value)
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
            base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
        )),
        Credentials::None | Credentials::LivePerson { .. } => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn basic_auth_is_standard_base64() {
        let basic = |user: &str, password: &str| {
            authorization_value(&Credentials::Basic {
                user: user.into(),
                password: password.into(),
            })
        };
        assert_eq!(
            basic("user", "pa ss").as_deref(),
            Some("Basic dXNlcjpwYSBzcw==")
        );
        assert_eq!(basic("f", "").as_deref(), Some("Basic Zjo="));
    }

    #[test]
    fn the_record_names_every_header_sent() {
        let mut request =
            HttpRequest::new("http://127.0.0.1:1/fn", Vec::new(), Duration::from_secs(1));
        request.headers = vec![("X-Trace".into(), "t1".into())];
        request.credentials = Credentials::Bearer("s3cret".into());
        let fixed = Fixed::new(&request, "http://127.0.0.1:1/fn".into(), None);
        let recorded = fixed.recorded_with("id-1");
        let (base, extra) = fixed.with_id("id-1").unwrap();
        // `Host` is the connection's: each one sets its own.
        for (name, _) in base
            .headers
            .iter()
            .filter(|(n, _)| *n != http::header::HOST)
        {
            assert!(
                recorded
                    .iter()
                    .any(|(k, _)| k.eq_ignore_ascii_case(name.as_str())),
                "{name} is sent but not in the record: {recorded:?}"
            );
        }
        let id = recorded.iter().find(|(k, _)| k == "X-Request-ID");
        assert_eq!(id.map(|(_, v)| v.as_str()), Some("id-1"));
        assert_eq!(
            extra.map(|(_, v)| v),
            Some(http::HeaderValue::from_static("id-1"))
        );
        assert!(!format!("{recorded:?}").contains("s3cret"));
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
        let headers = redacted_headers(&request, Some(("id-1", None)));
        let text = format!("{headers:?}");
        assert!(!text.contains("s3cret") && !text.contains("k3y"), "{text}");
        assert!(text.contains("t1") && text.contains("id-1"));
        assert!(text.contains("Bearer <redacted>"));
    }

    #[test]
    fn the_request_sent_again_and_again_carries_the_envelope_uncopied() {
        let envelope = bytes::Bytes::from_static(br#"{"conversationId":"c1"}"#);
        let request = HttpRequest::new(
            "http://127.0.0.1:1/fn",
            envelope.clone(),
            Duration::from_secs(1),
        );
        let fixed = Fixed::new(&request, "http://127.0.0.1:1/fn".into(), None);
        let (base, _) = fixed.with_id("id-1").unwrap();
        assert_eq!(base.body, envelope);
        assert_eq!(
            base.body.as_ptr(),
            envelope.as_ptr(),
            "every send shares the envelope's bytes"
        );
    }
}
