//! Checking a function's answer against its event's contract, and explaining failures in the
//! platform's terms.

use std::borrow::Cow;

use serde_json::Value;

pub use super::codes::{
    PLATFORM_CODES, PlatformCode, explain_error_code, explain_failure, explain_http_failure,
    platform_code,
};
use super::record::{Body, Check, Email};
use crate::catalog::{EMAIL_ENTRY_FIELDS, EventId, EventSpec, ResultUse};

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

/// `prefix`, `n` in decimal, `suffix`: the messages a batch makes for every answer, without
/// the formatting machinery (which costs more than the rest of the check).
pub(super) fn numbered(prefix: &str, n: usize, suffix: &str) -> String {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    let mut rest = n;
    loop {
        at -= 1;
        digits[at] = b'0' + (rest % 10) as u8;
        rest /= 10;
        if rest == 0 {
            break;
        }
    }
    let mut text = String::with_capacity(prefix.len() + digits.len() - at + suffix.len());
    text.push_str(prefix);
    text.extend(digits[at..].iter().map(|&d| char::from(d)));
    text.push_str(suffix);
    text
}

/// Checks a successful answer (`result` is the function's result: the HTTP body, or the value
/// an in-process run called back with).
pub fn check_result(event: EventId, status: Option<u16>, result: &Body) -> ContractReport {
    check_result_for(event.spec(), status, result)
}

/// Checks a successful answer against any event's spec, the catalog's or another: what the
/// spec's [`ResultUse`] says decides.
pub fn check_result_for(spec: &EventSpec, status: Option<u16>, result: &Body) -> ContractReport {
    // The status, the list and two rules per e-mail; one note.
    let entries = match result {
        Body::Json(Value::Array(items)) => items.len(),
        _ => 0,
    };
    let mut report = ContractReport {
        checks: Vec::with_capacity(2 + 2 * entries),
        emails: Vec::new(),
        notes: Vec::with_capacity(1),
    };
    check_into(spec, status, result, &mut report);
    report
}

/// How many of the contract's rules an answer keeps, `(held, checked)`: the rules of
/// [`check_result`], counted without writing their messages down (a batch's verdict on the
/// answers whose records it does not keep).
pub fn count_rules(event: EventId, status: Option<u16>, result: &Body) -> (usize, usize) {
    let mut count = Count::default();
    check_into(event.spec(), status, result, &mut count);
    (count.held, count.checked)
}

/// Where the contract's rules go: a full report, or a count. What a rule found, and the
/// e-mails and notes, are made only where they are kept.
trait Rules {
    fn rule(
        &mut self,
        rule: impl FnOnce() -> Cow<'static, str>,
        ok: bool,
        message: impl FnOnce() -> String,
    );
    fn email(&mut self, email: impl FnOnce() -> Email);
    fn note(&mut self, note: impl FnOnce() -> String);
    /// The note that lists the e-mails found so far.
    fn emails_note(&mut self);
}

impl Rules for ContractReport {
    fn rule(
        &mut self,
        rule: impl FnOnce() -> Cow<'static, str>,
        ok: bool,
        message: impl FnOnce() -> String,
    ) {
        self.checks.push(Check {
            rule: rule(),
            ok,
            message: message(),
        });
    }

    fn email(&mut self, email: impl FnOnce() -> Email) {
        self.emails.push(email());
    }

    fn note(&mut self, note: impl FnOnce() -> String) {
        self.notes.push(note());
    }

    fn emails_note(&mut self) {
        self.notes.push(describe_emails(&self.emails));
    }
}

/// The rules counted: held, checked.
#[derive(Default)]
struct Count {
    held: usize,
    checked: usize,
}

impl Rules for Count {
    fn rule(
        &mut self,
        _rule: impl FnOnce() -> Cow<'static, str>,
        ok: bool,
        _message: impl FnOnce() -> String,
    ) {
        self.checked += 1;
        self.held += usize::from(ok);
    }

    fn email(&mut self, _email: impl FnOnce() -> Email) {}

    fn note(&mut self, _note: impl FnOnce() -> String) {}

    fn emails_note(&mut self) {}
}

fn check_into(spec: &EventSpec, status: Option<u16>, result: &Body, out: &mut impl Rules) {
    if let Some(status) = status {
        let ok = (200..300).contains(&status);
        out.rule(
            || "HTTP status is 2xx".into(),
            ok,
            || numbered("status ", status.into(), ""),
        );
    }
    match spec.result_use {
        ResultUse::Ignored => out.note(|| {
            "The Post Survey Bot ignores the callback payload: any successful answer is enough (the template calls back \"ok\")."
                .to_owned()
        }),
        ResultUse::EmailList => check_emails(result, out),
    }
}

/// True when an e-mail entry's field is a non-empty string.
fn field_ok(map: &serde_json::Map<String, Value>, key: &str) -> bool {
    matches!(map.get(key), Some(Value::String(s)) if !s.trim().is_empty())
}

/// What is wrong with an e-mail entry's field, if anything.
fn field_problem(map: &serde_json::Map<String, Value>, key: &str) -> Option<String> {
    if field_ok(map, key) {
        return None;
    }
    Some(match map.get(key) {
        Some(Value::String(_)) => format!("{key} is empty"),
        Some(other) => format!(
            "{key} is {}, not a string",
            crate::payload::json_kind_name(other)
        ),
        None => format!("{key} is missing"),
    })
}

fn check_emails(result: &Body, out: &mut impl Rules) {
    const RULE: &str = "response is a list of e-mail entries";
    let Body::Json(Value::Array(items)) = result else {
        out.rule(
            || RULE.into(),
            false,
            || match result {
                Body::Json(other) => format!(
                    "found {} instead of a list",
                    crate::payload::json_kind_name(other)
                ),
                Body::Text(_) => "the answer is not JSON".to_owned(),
                Body::Empty => "the answer is empty".to_owned(),
            },
        );
        return;
    };
    let entries = if items.len() == 1 {
        " entry"
    } else {
        " entries"
    };
    out.rule(|| RULE.into(), true, || numbered("", items.len(), entries));
    for (i, item) in items.iter().enumerate() {
        let n = i + 1;
        let fields_rule = || {
            Cow::Owned(format!(
                "e-mail {n} has targetEmail, senderName, senderEmail, subject"
            ))
        };
        let Value::Object(map) = item else {
            out.rule(fields_rule, false, || {
                format!(
                    "entry {n} is {}, not an object",
                    crate::payload::json_kind_name(item)
                )
            });
            continue;
        };
        if !EMAIL_ENTRY_FIELDS.iter().all(|key| field_ok(map, key)) {
            out.rule(fields_rule, false, || {
                EMAIL_ENTRY_FIELDS
                    .iter()
                    .filter_map(|key| field_problem(map, key))
                    .collect::<Vec<_>>()
                    .join("; ")
            });
            continue;
        }
        out.rule(fields_rule, true, || "all four present".to_owned());
        let text = |key: &str| map.get(key).and_then(Value::as_str).unwrap_or("");
        let (to, from) = (text("targetEmail"), text("senderEmail"));
        let well_formed = is_email_address(to) && is_email_address(from);
        out.rule(
            || Cow::Owned(format!("e-mail {n} addresses are well formed")),
            well_formed,
            || {
                if well_formed {
                    format!("to {to}, from {from}")
                } else {
                    [("targetEmail", to), ("senderEmail", from)]
                        .into_iter()
                        .filter(|(_, address)| !is_email_address(address))
                        .map(|(key, address)| format!("{key} '{address}' is not an e-mail address"))
                        .collect::<Vec<_>>()
                        .join("; ")
                }
            },
        );
        out.email(|| Email {
            target_email: to.to_owned(),
            sender_name: text("senderName").to_owned(),
            sender_email: from.to_owned(),
            subject: text("subject").to_owned(),
        });
    }
    out.emails_note();
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

/// True when a text body looks like an HTML page.
pub fn looks_like_html(text: &str) -> bool {
    let start = text
        .trim_start()
        .get(..64)
        .unwrap_or(text.trim_start())
        .to_ascii_lowercase();
    start.starts_with("<!doctype html") || start.starts_with("<html") || start.contains("<head")
}

pub(super) fn html_title(text: &str) -> Option<String> {
    let lower = text.to_ascii_lowercase();
    let start = lower.find("<title>")? + "<title>".len();
    let end = start + lower.get(start..)?.find("</title>")?;
    text.get(start..end)
        .map(|t| t.trim().chars().take(80).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::functions::EndpointKind;
    use crate::invoke::ErrorKind;
    use serde_json::json;

    const TRANSCRIPT: EventId = EventId::ChatPostSurveyEmailTranscript;

    /// Counting the rules gives what the full report says, for answers that pass and fail
    /// each rule, on every event.
    #[test]
    fn counted_rules_are_the_reports_rules() {
        let email = |to: &str, from: &str| json!({"targetEmail": to, "senderName": "Survey", "senderEmail": from, "subject": "S"});
        let bodies = [
            Body::Empty,
            Body::Text("<html>502</html>".into()),
            Body::Json(json!({"emails": []})),
            Body::Json(json!([])),
            Body::Json(json!([email("a@x.com", "b@y.com")])),
            Body::Json(json!([
                email("a@x.com", "b@y.com"),
                email("c@x.com", "d@y.com")
            ])),
            Body::Json(json!([email("not an address", "b@y.com")])),
            Body::Json(json!([email("a@x.com", "b@y.com"), 7])),
            Body::Json(json!([{"targetEmail": "a@x.com", "senderName": "", "subject": 3}])),
        ];
        for event in EventId::ALL {
            for status in [None, Some(200), Some(204), Some(500)] {
                for body in &bodies {
                    let report = check_result(event, status, body);
                    let held = report.checks.iter().filter(|c| c.ok).count();
                    assert_eq!(
                        count_rules(event, status, body),
                        (held, report.checks.len()),
                        "{event:?} {status:?} {body:?}"
                    );
                }
            }
        }
    }

    #[test]
    fn numbered_messages_read_as_formatted_ones() {
        for n in [0, 1, 9, 10, 200, 599, 65_535, usize::MAX] {
            assert_eq!(numbered("status ", n, ""), format!("status {n}"));
            assert_eq!(numbered("", n, " entries"), format!("{n} entries"));
        }
    }

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
        // Each answer that is not a list fails the list rule with what it is instead.
        for (body, message) in [
            (Body::Json(json!("ok")), "found a string instead of a list"),
            (Body::Text("<html>".into()), "the answer is not JSON"),
            (Body::Empty, "the answer is empty"),
        ] {
            let not_list = check_result(TRANSCRIPT, Some(200), &body);
            assert_eq!(not_list.checks.len(), 2, "{message}");
            assert!(!not_list.checks[1].ok, "{message}");
            assert_eq!(not_list.checks[1].message, message);
        }
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
