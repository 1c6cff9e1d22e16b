//! Checking a function's answer against its event's contract, and explaining failures in the
//! platform's terms.

use serde_json::Value;

use super::record::{Body, Check, Email, ErrorKind, InvokeError};
use crate::catalog::{EMAIL_ENTRY_FIELDS, EventId, ResultUse};
use crate::functions::EndpointKind;

/// The outcome of the contract checks.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ContractReport {
    /// Each rule and whether it held.
    pub checks: Vec<Check>,
    /// The e-mails that would be sent.
    pub emails: Vec<Email>,
    /// Notes for the operator.
    pub notes: Vec<String>,
}

impl ContractReport {
    /// True when every rule held.
    pub fn ok(&self) -> bool {
        self.checks.iter().all(|c| c.ok)
    }
}

fn check(rule: &str, ok: bool, message: impl Into<String>) -> Check {
    Check {
        rule: rule.to_owned(),
        ok,
        message: message.into(),
    }
}

/// Checks a successful answer (`result` is the function's result: the HTTP body, or the value
/// an in-process run called back with).
pub fn check_result(event: EventId, status: Option<u16>, result: &Body) -> ContractReport {
    let mut report = ContractReport::default();
    if let Some(status) = status {
        let ok = (200..300).contains(&status);
        report
            .checks
            .push(check("HTTP status is 2xx", ok, format!("status {status}")));
    }
    match event.spec().result_use {
        ResultUse::Ignored => {
            report.notes.push(
                "The Post Survey Bot ignores the callback payload: any successful answer is enough (the template calls back \"ok\")."
                    .to_owned(),
            );
        }
        ResultUse::EmailList => check_emails(result, &mut report),
    }
    report
}

fn check_emails(result: &Body, report: &mut ContractReport) {
    let rule = "response is a list of e-mail entries";
    let items = match result {
        Body::Json(Value::Array(items)) => items,
        Body::Json(other) => {
            report.checks.push(check(
                rule,
                false,
                format!(
                    "found {} instead of a list",
                    crate::payload::json_kind_name(other)
                ),
            ));
            return;
        }
        Body::Text(_) => {
            report
                .checks
                .push(check(rule, false, "the answer is not JSON"));
            return;
        }
        Body::Empty => {
            report
                .checks
                .push(check(rule, false, "the answer is empty"));
            return;
        }
    };
    report.checks.push(check(
        rule,
        true,
        format!(
            "{} entr{}",
            items.len(),
            if items.len() == 1 { "y" } else { "ies" }
        ),
    ));
    for (i, item) in items.iter().enumerate() {
        let n = i + 1;
        let fields_rule = format!("e-mail {n} has targetEmail, senderName, senderEmail, subject");
        let Value::Object(map) = item else {
            report.checks.push(check(
                &fields_rule,
                false,
                format!(
                    "entry {n} is {}, not an object",
                    crate::payload::json_kind_name(item)
                ),
            ));
            continue;
        };
        let problems: Vec<String> = EMAIL_ENTRY_FIELDS
            .iter()
            .filter_map(|key| match map.get(*key) {
                Some(Value::String(s)) if !s.trim().is_empty() => None,
                Some(Value::String(_)) => Some(format!("{key} is empty")),
                Some(other) => Some(format!(
                    "{key} is {}, not a string",
                    crate::payload::json_kind_name(other)
                )),
                None => Some(format!("{key} is missing")),
            })
            .collect();
        if !problems.is_empty() {
            report
                .checks
                .push(check(&fields_rule, false, problems.join("; ")));
            continue;
        }
        report
            .checks
            .push(check(&fields_rule, true, "all four present"));
        let text = |key: &str| {
            map.get(key)
                .and_then(Value::as_str)
                .unwrap_or("")
                .to_owned()
        };
        let email = Email {
            target_email: text("targetEmail"),
            sender_name: text("senderName"),
            sender_email: text("senderEmail"),
            subject: text("subject"),
        };
        let bad: Vec<String> = [
            ("targetEmail", &email.target_email),
            ("senderEmail", &email.sender_email),
        ]
        .into_iter()
        .filter(|(_, address)| !is_email_address(address))
        .map(|(key, address)| format!("{key} '{address}' is not an e-mail address"))
        .collect();
        report.checks.push(check(
            &format!("e-mail {n} addresses are well formed"),
            bad.is_empty(),
            if bad.is_empty() {
                format!("to {}, from {}", email.target_email, email.sender_email)
            } else {
                bad.join("; ")
            },
        ));
        report.emails.push(email);
    }
    report.notes.push(describe_emails(&report.emails));
}

/// "2 e-mails: to a@x.com (subject …), to b@y.com (subject …)" or "no e-mail".
pub fn describe_emails(emails: &[Email]) -> String {
    if emails.is_empty() {
        return "Empty list: the chat server sends no e-mail.".to_owned();
    }
    let list: Vec<String> = emails
        .iter()
        .map(|e| format!("to {}, subject \"{}\"", e.target_email, e.subject))
        .collect();
    format!(
        "{} e-mail{} would be sent: {}",
        emails.len(),
        if emails.len() == 1 { "" } else { "s" },
        list.join("; ")
    )
}

/// A plain check of an e-mail address: one `@`, a non-empty local part, a dotted domain, no
/// spaces.
pub fn is_email_address(address: &str) -> bool {
    let Some((local, domain)) = address.split_once('@') else {
        return false;
    };
    !local.is_empty()
        && !domain.contains('@')
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !address.chars().any(|c| c.is_whitespace() || c.is_control())
}

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
    if event.is_transcript() {
        message.push_str(
            ". On an invocation error the chat server sends no e-mail, and nothing is retried",
        );
    }
    let code = match error_code {
        Some(code) => code.trim().to_owned(),
        None => format!("http-{status}"),
    };
    InvokeError::new(kind, &code, message)
}

/// True when a text body looks like an HTML page.
pub fn looks_like_html(text: &str) -> bool {
    let start = text
        .trim_start()
        .get(..64)
        .unwrap_or(text.trim_start())
        .to_ascii_lowercase();
    start.starts_with("<!doctype html") || start.starts_with("<html") || start.contains("<head")
}

fn html_title(text: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    let start = lower.find("<title>")? + "<title>".len();
    let end = start + lower.get(start..)?.find("</title>")?;
    text.get(start..end)
        .map(|t| t.trim().chars().take(80).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const TRANSCRIPT: EventId = EventId::ChatPostSurveyEmailTranscript;

    #[test]
    fn a_good_email_list_passes_and_is_described() {
        let body = Body::Json(json!([{
            "targetEmail": "care@company.com", "senderName": "Survey", "senderEmail": "noreply@company.com",
            "subject": "Transcript"
        }]));
        let report = check_result(TRANSCRIPT, Some(200), &body);
        assert!(report.ok(), "{:?}", report.checks);
        assert_eq!(report.emails.len(), 1);
        assert_eq!(report.emails[0].target_email, "care@company.com");
        assert_eq!(
            report.notes,
            ["1 e-mail would be sent: to care@company.com, subject \"Transcript\""]
        );
        let empty = check_result(TRANSCRIPT, Some(200), &Body::Json(json!([])));
        assert!(empty.ok());
        assert_eq!(
            empty.notes,
            ["Empty list: the chat server sends no e-mail."]
        );
    }

    #[test]
    fn bad_entries_fail_with_what_is_wrong() {
        let body = Body::Json(json!([
            {"targetEmail": "not-an-address", "senderName": "S", "senderEmail": "a@b.co", "subject": "x"},
            {"targetEmail": "a@b.co", "senderName": 5, "subject": "x"},
            "oops"
        ]));
        let report = check_result(TRANSCRIPT, Some(200), &body);
        assert!(!report.ok());
        let failed: Vec<_> = report
            .checks
            .iter()
            .filter(|c| !c.ok)
            .map(|c| c.message.as_str())
            .collect();
        assert_eq!(
            failed,
            [
                "targetEmail 'not-an-address' is not an e-mail address",
                "senderName is a number, not a string; senderEmail is missing",
                "entry 3 is a string, not an object",
            ]
        );
        let not_list = check_result(TRANSCRIPT, Some(200), &Body::Json(json!("ok")));
        assert_eq!(
            not_list.checks[1].message,
            "found a string instead of a list"
        );
    }

    #[test]
    fn messaging_events_pass_on_any_2xx() {
        let report = check_result(
            EventId::MessagingSurveyEnded,
            Some(200),
            &Body::Text("ok".into()),
        );
        assert!(report.ok());
        assert!(report.notes[0].contains("ignores the callback payload"));
        let report = check_result(EventId::MessagingSurveyEnded, Some(500), &Body::Empty);
        assert!(!report.ok());
    }

    #[test]
    fn failures_are_explained() {
        let body = Body::Json(
            json!({"errorCode": "com.liveperson.faas.handler.runtime-exception", "errorMsg": "TypeError: x is undefined"}),
        );
        let err = explain_http_failure(TRANSCRIPT, 901, &body);
        assert_eq!(err.kind, ErrorKind::Function);
        assert_eq!(err.code, "com.liveperson.faas.handler.runtime-exception");
        assert!(err.message.contains("threw an error"));
        assert!(err.message.contains("HTTP 901: the function itself failed"));
        assert!(err.message.contains("TypeError: x is undefined"));
        assert!(
            err.message
                .contains("sends no e-mail, and nothing is retried")
        );

        let html = Body::Text(
            "<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head></html>".into(),
        );
        let err = explain_http_failure(EventId::MessagingSurveyEnded, 502, &html);
        assert_eq!((err.kind, err.code.as_str()), (ErrorKind::Http, "http-502"));
        assert!(
            err.message.contains("HTML page (\"502 Bad Gateway\")"),
            "{}",
            err.message
        );
        assert!(!err.message.contains("e-mail"));

        let err = explain_http_failure(EventId::MessagingSurveyEnded, 401, &Body::Empty);
        assert!(err.message.contains("credentials were refused"));
        assert_eq!(err.kind, ErrorKind::Auth);
    }

    #[test]
    fn kinds_say_whose_fault_it_is() {
        let lp = |status: u16, body: serde_json::Value| {
            explain_failure(
                EventId::MessagingSurveyEnded,
                EndpointKind::Liveperson,
                status,
                &Body::Json(body),
            )
        };
        // A 401 is the credentials' fault, whatever code it carries.
        let err = lp(
            401,
            json!({"errorCode": "com.liveperson.faas.es.general", "errorMsg": "Unauthorized"}),
        );
        assert_eq!(
            (err.kind, err.code.as_str()),
            (ErrorKind::Auth, "com.liveperson.faas.es.general")
        );
        assert!(
            err.message.contains("credentials were refused"),
            "{}",
            err.message
        );
        let err = lp(
            404,
            json!({"errorCode": "com.liveperson.faas.es.missinglambda", "errorMsg": "x"}),
        );
        assert_eq!(err.kind, ErrorKind::Platform);
        // V2 bodies: {code, message}, with the V1 equivalent.
        let err = lp(
            500,
            json!({"code": "com.customer.faas.function.js-runtime-error", "message": "boom"}),
        );
        assert_eq!(err.kind, ErrorKind::Function);
        assert!(
            err.message
                .contains("V1: com.liveperson.faas.handler.runtime-exception"),
            "{}",
            err.message
        );
        assert!(err.message.contains("The platform says: boom"));
        let err = lp(
            404,
            json!({"code": "com.liveperson.faas.function.not-found", "message": "x"}),
        );
        assert_eq!(err.kind, ErrorKind::Platform);
        let err = lp(
            409,
            json!({"code": "com.liveperson.faas.self-service.pending", "message": "x"}),
        );
        assert_eq!(err.kind, ErrorKind::Platform);
        // No code: 5xx from the gateway is the platform's, 5xx from a plain URL is http.
        assert_eq!(lp(502, json!({})).kind, ErrorKind::Platform);
        let plain = explain_http_failure(EventId::MessagingSurveyEnded, 502, &Body::Empty);
        assert_eq!(plain.kind, ErrorKind::Http);
        // Every V2 code maps to a known V1 code (or stays as it is).
        for c in PLATFORM_CODES {
            if let Some(v1) = c.v1 {
                assert!(platform_code(v1).is_some(), "{v1}");
            }
        }
        assert_eq!(
            explain_error_code("es.badinput"),
            explain_error_code("com.liveperson.faas.es.badinput")
        );
    }

    #[test]
    fn email_addresses() {
        assert!(is_email_address("a.b@c.de"));
        for bad in ["", "a", "a@b", "@b.c", "a@b.c d", "a@@b.c", "a@.c", "a@c."] {
            assert!(!is_email_address(bad), "{bad}");
        }
    }
}
