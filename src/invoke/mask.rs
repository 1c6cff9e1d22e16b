//! The secrets of one invocation, and the record masked with them before anyone sees it.
//!
//! [`known_secrets`] gathers every secret value a call to a target uses: the endpoint's bearer
//! token, basic-auth password (and the `Authorization` value it makes), LivePerson client
//! secret and every access token this process fetched, the password in a URL, and the values of headers that carry credentials or are read
//! from `env:NAME`. [`Invocation::mask_secrets`] replaces each of them (and any URL password)
//! with `<redacted>` everywhere in the record: the request, the answer's headers and body, the
//! error, notes, logs and checks. The record is then what the console shows, the history keeps
//! and the CLI prints.

use super::record::{Body, Invocation};
use super::{ErrorKind, InvokeError, SessionSecrets, Target};
use crate::functions::{Auth, Endpoint, SecretRef, is_secret_header};
use crate::redact::{Secrets, url_password};

/// The value of a header as sent: `env:NAME` read from the environment.
pub fn header_value(name: &str, value: &str) -> Result<String, InvokeError> {
    let Some(variable) = value.strip_prefix("env:").map(str::trim) else {
        return Ok(value.to_owned());
    };
    match std::env::var(variable) {
        Ok(resolved) if !resolved.is_empty() => Ok(resolved),
        _ => Err(InvokeError::new(
            ErrorKind::Config,
            "missing-secret",
            format!(
                "the environment variable {variable} is not set (headers.{name} reads env:{variable}): set it before invoking"
            ),
        )),
    }
}

/// The target's extra headers as sent, `env:NAME` values read from the environment.
pub fn resolved_headers(target: &Target) -> Result<Vec<(String, String)>, InvokeError> {
    target
        .headers
        .iter()
        .map(|(k, v)| Ok((k.clone(), header_value(k, v)?)))
        .collect()
}

/// Every secret value a call to `target` uses (those that cannot be resolved are left out:
/// the call fails before sending them).
pub fn known_secrets(target: &Target, session: &SessionSecrets) -> Secrets {
    // Access tokens fetched by this process, whichever call they were for.
    let mut secrets = crate::redact::remembered();
    let resolve =
        |field: &str, secret: &SecretRef| session.resolve(target.event, field, secret).ok();
    for (field, secret) in target.endpoint.secrets() {
        if let Some(value) = resolve(field, secret) {
            secrets.add(&value);
        }
    }
    if let Endpoint::Http { url, auth } = &target.endpoint {
        if let Some(password) = url_password(url) {
            secrets.add(password);
            let decoded = String::from_utf8_lossy(&percent_decode(password)).into_owned();
            secrets.add(&decoded);
            // The Authorization header made from the URL's user info.
            if let Some(user) = url_user(url) {
                let user = String::from_utf8_lossy(&percent_decode(user)).into_owned();
                secrets.add(&basic(&user, &decoded));
            }
        }
        if let Auth::Basic { user, password } = auth
            && let Some(password) = resolve("endpoint.auth.password", password)
        {
            secrets.add(&basic(user, &password));
        }
    }
    for (name, value) in &target.headers {
        if value.starts_with("env:") {
            if let Ok(resolved) = header_value(name, value) {
                secrets.add(&resolved);
            }
        } else if is_secret_header(name) {
            secrets.add(value);
        }
    }
    secrets
}

/// The base64 of `user:password`, as an `Authorization: Basic` header carries it.
fn basic(user: &str, password: &str) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"))
}

/// A URL without its user info, and the user and password it held (percent-decoded), which
/// are sent as basic auth: a password never travels in the URL, nor in what records it.
pub fn split_userinfo(url: &str) -> (String, Option<(String, String)>) {
    let url = url.trim();
    let Some((scheme, rest)) = url.split_once("://") else {
        return (url.to_owned(), None);
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let Some((userinfo, host)) = rest[..end].rsplit_once('@') else {
        return (url.to_owned(), None);
    };
    let (user, password) = userinfo.split_once(':').unwrap_or((userinfo, ""));
    let decode = |text: &str| String::from_utf8_lossy(&percent_decode(text)).into_owned();
    (
        format!("{scheme}://{host}{}", &rest[end..]),
        Some((decode(user), decode(password))),
    )
}

/// The user name in a URL's user info.
fn url_user(url: &str) -> Option<&str> {
    let authority = url.trim().split_once("://")?.1;
    let end = authority.find(['/', '?', '#']).unwrap_or(authority.len());
    let (userinfo, _) = authority[..end].rsplit_once('@')?;
    Some(userinfo.split_once(':').map_or(userinfo, |(user, _)| user))
}

/// `%XX` escapes decoded (anything else kept as it is).
fn percent_decode(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

impl Invocation {
    /// Replaces every known secret and every URL password in the record with `<redacted>`.
    pub fn mask_secrets(&mut self, secrets: &Secrets) {
        let text = |s: &mut String| secrets.mask_string(s);
        text(&mut self.endpoint);
        text(&mut self.request.url);
        for (_, v) in &mut self.request.headers {
            text(v);
        }
        secrets.mask_value(&mut self.request.body);
        if let Some(response) = &mut self.response {
            for (_, v) in &mut response.headers {
                text(v);
            }
            match &mut response.body {
                Body::Empty => {}
                Body::Json(value) => secrets.mask_value(value),
                Body::Text(t) => text(t),
            }
        }
        if let Some(error) = &mut self.error {
            text(&mut error.message);
        }
        for note in &mut self.notes {
            text(note);
        }
        for log in &mut self.logs {
            text(&mut log.message);
        }
        if let Some(result) = &mut self.local_result {
            secrets.mask_value(result);
        }
        if let Some(local) = &mut self.local {
            if let Some(result) = &mut local.result {
                secrets.mask_value(result);
            }
            if let Some(error) = &mut local.error {
                text(&mut error.message);
                if let Some(stack) = &mut error.stack {
                    text(stack);
                }
                if let Some(value) = &mut error.value {
                    secrets.mask_value(value);
                }
            }
            for line in &mut local.logs {
                text(&mut line.message);
                if let Some(value) = &mut line.value {
                    secrets.mask_value(value);
                }
                line.extras.iter_mut().for_each(|v| secrets.mask_value(v));
            }
        }
        for check in &mut self.checks {
            text(&mut check.message);
        }
        for attempt in &mut self.attempts {
            // A borrowed reason is the console's own fixed text.
            if let std::borrow::Cow::Owned(reason) = &mut attempt.reason {
                text(reason);
            }
            // A borrowed outcome is an answer's status ([`super::record::status_text`]).
            if let std::borrow::Cow::Owned(outcome) = &mut attempt.outcome {
                text(outcome);
            }
        }
        for email in &mut self.emails {
            text(&mut email.target_email);
            text(&mut email.sender_name);
            text(&mut email.sender_email);
            text(&mut email.subject);
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::catalog::EventId;
    use crate::invoke::{RecordedRequest, RecordedResponse};

    #[test]
    fn user_info_leaves_the_url_for_basic_auth() {
        assert_eq!(
            split_userinfo(" http://ops:pa%40ss@127.0.0.1:9/fn?a=b@c "),
            (
                "http://127.0.0.1:9/fn?a=b@c".to_owned(),
                Some(("ops".to_owned(), "pa@ss".to_owned()))
            )
        );
        assert_eq!(
            split_userinfo("http://127.0.0.1:9/x@y"),
            ("http://127.0.0.1:9/x@y".to_owned(), None)
        );
    }

    #[test]
    fn every_secret_of_a_target_is_known_and_masked_in_the_record() {
        let mut target = Target::url(
            EventId::MessagingSurveyEnded,
            "http://ops:p%40ss@127.0.0.1:9/fn",
            Duration::from_secs(1),
        );
        target.headers = vec![
            ("X-Api-Key".into(), "plain-api-key".into()),
            ("X-Trace".into(), "trace-1".into()),
        ];
        let secrets = known_secrets(&target, &SessionSecrets::default());
        let mut record = Invocation {
            endpoint: "http://ops:p%40ss@127.0.0.1:9/fn".into(),
            request: RecordedRequest {
                url: "http://ops:p%40ss@127.0.0.1:9/fn".into(),
                headers: resolved_headers(&target).unwrap(),
                body: serde_json::json!({"echo": ["plain-api-key"]}),
            },
            response: Some(RecordedResponse {
                status: 401,
                headers: vec![("X-Echo".into(), "plain-api-key".into())],
                body: Body::Text("bad password p@ss for ops".into()),
                size: 0,
                truncated: false,
            }),
            error: Some(InvokeError::new(
                ErrorKind::Http,
                "http-401",
                "refused: http://ops:p%40ss@127.0.0.1:9/fn",
            )),
            ..Invocation::default()
        };
        record.mask_secrets(&secrets);
        let text = serde_json::to_string(&record).unwrap();
        for secret in ["p%40ss", "p@ss", "plain-api-key"] {
            assert!(!text.contains(secret), "{secret} in {text}");
        }
        assert!(text.contains("trace-1"));
        assert!(
            text.contains("http://ops:<redacted>@127.0.0.1:9/fn"),
            "{text}"
        );
    }

    #[test]
    fn a_header_read_from_an_unset_variable_is_a_configuration_error() {
        let mut target = Target::url(
            EventId::MessagingSurveyEnded,
            "http://127.0.0.1:9/fn",
            Duration::from_secs(1),
        );
        target.headers = vec![(
            "X-Api-Key".into(),
            "env:SURVEY_CONSOLE_NO_SUCH_VARIABLE".into(),
        )];
        let missing = resolved_headers(&target).unwrap_err();
        assert_eq!(
            (missing.kind, missing.code.as_str()),
            (ErrorKind::Config, "missing-secret")
        );
        assert!(
            missing
                .message
                .contains("headers.X-Api-Key reads env:SURVEY_CONSOLE_NO_SUCH_VARIABLE")
        );
    }
}
