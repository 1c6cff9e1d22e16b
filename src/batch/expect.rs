//! Expectation files (`NAME.expect.json`): what a payload's answer should be, and the verdict of
//! one answer against its expectation, or against the event's contract when there is none.

use serde::{Deserialize, Serialize};

use super::BatchError;
use crate::invoke::{Check, Email, Invocation};

/// What the answer to a payload should be. Every key is optional; the ones given are compared.
/// E.g. `{"status":200,"emails":[…]}`, `{"emails_count":0}` or `{"error_code":"…"}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Expectation {
    /// The HTTP status.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<u16>,
    /// The e-mail list the transcript function returns, entry by entry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emails: Option<Vec<Email>>,
    /// How many e-mails the transcript function returns.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub emails_count: Option<usize>,
    /// The error code of a failed invocation: the platform's `errorCode` (with or without the
    /// `com.liveperson.faas.` prefix), `http-<status>`, or a network failure (`refused`, `timeout`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_code: Option<String>,
}

impl Expectation {
    /// True when the expectation is of a failed invocation (an error code, or a status outside
    /// 2xx): the contract is then not checked.
    pub fn expects_error(&self) -> bool {
        self.error_code.is_some() || self.status.is_some_and(|s| !(200..300).contains(&s))
    }
}

/// Parses an expectation file; `origin` names it in the error.
pub fn parse_expectation(bytes: &[u8], origin: &str) -> Result<Expectation, BatchError> {
    serde_json::from_slice(bytes).map_err(|e| BatchError::Expectation {
        reason: e.to_string(),
        origin: origin.to_owned(),
    })
}

/// The bundled expectation of a bundled sample, by the sample's file name.
pub fn bundled_expectation(sample_file_name: &str) -> Option<&'static str> {
    BUNDLED
        .iter()
        .find(|(name, _)| *name == sample_file_name)
        .map(|(_, text)| *text)
}

macro_rules! expectation {
    ($name:literal) => {
        (
            concat!($name, ".json"),
            include_str!(concat!("../../sample-payloads/", $name, ".expect.json")),
        )
    };
}

/// The expectation files in `sample-payloads/`, by the sample they belong to.
static BUNDLED: &[(&str, &str)] = &[
    expectation!("transcript.envelope"),
    expectation!("transcript.bare"),
    expectation!("transcript-csat-1"),
    expectation!("transcript-csat-2"),
    expectation!("transcript-csat-3"),
    expectation!("transcript-csat-4"),
    expectation!("transcript-csat-5"),
    expectation!("transcript-csat-unanswered"),
    expectation!("transcript-skill-mismatch"),
    expectation!("transcript-agent-mismatch"),
    expectation!("transcript-multi-select"),
];

/// The verdict on one answer.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Verdict {
    /// Passed.
    pub ok: bool,
    /// Each expectation and contract rule, and whether it held.
    pub checks: Vec<Check>,
    /// What differs, one message each ("expected 1 e-mail, got 0").
    pub failures: Vec<String>,
}

fn check(rule: String, ok: bool, message: String) -> Check {
    Check {
        rule: rule.into(),
        ok,
        message,
    }
}

fn emails_text(n: usize) -> String {
    format!("{n} e-mail{}", if n == 1 { "" } else { "s" })
}

/// Judges an invocation: against the expectation when there is one (and the contract too,
/// unless an error is expected), else against the event's contract alone.
pub fn judge(record: &Invocation, expectation: Option<&Expectation>) -> Verdict {
    let (mut checks, failures, with_contract) = judge_parts(record, expectation);
    if with_contract {
        checks.extend(record.checks.iter().cloned());
    }
    Verdict {
        ok: failures.is_empty(),
        checks,
        failures,
    }
}

/// What a batch result keeps of the verdict, without copying the contract's rules: passed,
/// rules held, rules checked, failures.
pub(super) fn tally(
    record: &Invocation,
    expectation: Option<&Expectation>,
) -> (bool, usize, usize, Vec<String>) {
    let (checks, failures, with_contract) = judge_parts(record, expectation);
    let contract: &[Check] = if with_contract { &record.checks } else { &[] };
    let held = checks.iter().chain(contract).filter(|c| c.ok).count();
    (
        failures.is_empty(),
        held,
        checks.len() + contract.len(),
        failures,
    )
}

/// The expectation's checks, the failures, and whether the contract's rules count too.
fn judge_parts(
    record: &Invocation,
    expectation: Option<&Expectation>,
) -> (Vec<Check>, Vec<String>, bool) {
    let mut checks = Vec::new();
    let mut failures = Vec::new();
    let expects_error = expectation.is_some_and(Expectation::expects_error);
    if let Some(expect) = expectation {
        push_expectation_checks(record, expect, &mut checks);
        failures.extend(checks.iter().filter(|c| !c.ok).map(|c| c.message.clone()));
    }
    if !expects_error {
        for c in &record.checks {
            if !c.ok {
                failures.push(format!("{}: {}", c.rule, c.message));
            }
        }
        if let Some(error) = &record.error {
            failures.push(format!(
                "{} ({}): {}",
                error.kind, error.code, error.message
            ));
        } else if !record.ok && failures.is_empty() {
            failures.push("the invocation failed".to_owned());
        }
    }
    (checks, failures, !expects_error)
}

/// The expectation's own rules on an invocation (without the contract's).
pub fn expectation_checks(record: &Invocation, expect: &Expectation) -> Vec<Check> {
    let mut checks = Vec::new();
    push_expectation_checks(record, expect, &mut checks);
    checks
}

fn push_expectation_checks(record: &Invocation, expect: &Expectation, checks: &mut Vec<Check>) {
    if let Some(status) = expect.status {
        // An in-process run that called back stands for the gateway's 200.
        let got = match (
            record.status(),
            record.endpoint_kind.as_str(),
            &record.error,
        ) {
            (None, "local", None) => Some(200),
            (got, ..) => got,
        };
        let got_text = got.map_or_else(|| "no HTTP answer".to_owned(), |s| s.to_string());
        checks.push(check(
            format!("expected status {status}"),
            got == Some(status),
            format!("expected status {status}, got {got_text}"),
        ));
    }
    if let Some(code) = &expect.error_code {
        let got = record.error.as_ref().map(|e| e.code.as_str());
        let ok = got.is_some_and(|g| same_code(g, code));
        checks.push(check(
            format!("expected error {code}"),
            ok,
            format!("expected error {code}, got {}", got.unwrap_or("none")),
        ));
    }
    if let Some(count) = expect.emails_count {
        let got = record.emails.len();
        checks.push(check(
            format!("expected {}", emails_text(count)),
            got == count,
            format!("expected {}, got {got}", emails_text(count)),
        ));
    }
    if let Some(expected) = &expect.emails {
        let got = &record.emails;
        checks.push(check(
            format!("expected {}", emails_text(expected.len())),
            got.len() == expected.len(),
            format!(
                "expected {}, got {}",
                emails_text(expected.len()),
                got.len()
            ),
        ));
        for (i, (want, have)) in expected.iter().zip(got).enumerate() {
            let diffs = email_diffs(want, have);
            checks.push(check(
                format!("e-mail {} as expected", i + 1),
                diffs.is_empty(),
                if diffs.is_empty() {
                    format!("e-mail {}: as expected", i + 1)
                } else {
                    format!("e-mail {}: {}", i + 1, diffs.join("; "))
                },
            ));
        }
        for (i, want) in expected.iter().enumerate().skip(got.len()) {
            checks.push(check(
                format!("e-mail {} as expected", i + 1),
                false,
                format!(
                    "e-mail {} missing (expected to {}, subject \"{}\")",
                    i + 1,
                    want.target_email,
                    want.subject
                ),
            ));
        }
        for (i, have) in got.iter().enumerate().skip(expected.len()) {
            checks.push(check(
                format!("no e-mail {}", i + 1),
                false,
                format!(
                    "e-mail {} not expected (to {}, subject \"{}\")",
                    i + 1,
                    have.target_email,
                    have.subject
                ),
            ));
        }
    }
}

fn email_diffs(want: &Email, have: &Email) -> Vec<String> {
    [
        ("targetEmail", &want.target_email, &have.target_email),
        ("senderName", &want.sender_name, &have.sender_name),
        ("senderEmail", &want.sender_email, &have.sender_email),
        ("subject", &want.subject, &have.subject),
    ]
    .into_iter()
    .filter(|(_, w, h)| w != h)
    .map(|(field, w, h)| format!("{field} expected \"{w}\", got \"{h}\""))
    .collect()
}

/// Error codes compare without the platform's `com.liveperson.faas.` prefix.
fn same_code(got: &str, expected: &str) -> bool {
    let strip = |c: &str| {
        c.trim()
            .strip_prefix("com.liveperson.faas.")
            .unwrap_or(c.trim())
            .to_ascii_lowercase()
    };
    strip(got) == strip(expected)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::invoke::{Body, ErrorKind, InvokeError, RecordedResponse};

    fn email(to: &str, subject: &str) -> Email {
        Email {
            target_email: to.into(),
            sender_name: "Sender X".into(),
            sender_email: "noreply@company.com".into(),
            subject: subject.into(),
        }
    }

    fn answered(status: u16, emails: Vec<Email>) -> Invocation {
        Invocation {
            ok: (200..300).contains(&status),
            response: Some(RecordedResponse {
                status,
                headers: Vec::new(),
                body: Body::Empty,
                size: 0,
                truncated: false,
            }),
            emails,
            ..Invocation::default()
        }
    }

    #[test]
    fn differences_are_said_plainly() {
        let expect = parse_expectation(br#"{"status":200,"emails_count":1}"#, "x").unwrap();
        let verdict = judge(&answered(200, Vec::new()), Some(&expect));
        assert!(!verdict.ok);
        assert_eq!(verdict.failures, ["expected 1 e-mail, got 0"]);

        let verdict = judge(&answered(500, Vec::new()), Some(&expect));
        assert!(
            verdict
                .failures
                .contains(&"expected status 200, got 500".to_owned())
        );

        let expect = parse_expectation(
            br#"{"error_code":"com.liveperson.faas.handler.runtime-exception"}"#,
            "x",
        )
        .unwrap();
        let verdict = judge(&answered(200, Vec::new()), Some(&expect));
        assert_eq!(
            verdict.failures,
            ["expected error com.liveperson.faas.handler.runtime-exception, got none"]
        );
        let mut failed = answered(901, Vec::new());
        failed.ok = false;
        failed.error = Some(InvokeError::new(
            ErrorKind::Function,
            "com.liveperson.faas.handler.runtime-exception",
            "threw",
        ));
        let verdict = judge(&failed, Some(&expect));
        assert!(verdict.ok, "{verdict:?}");
    }

    #[test]
    fn email_lists_are_compared_field_by_field() {
        let expect = Expectation {
            emails: Some(vec![email("a@x.com", "Hello"), email("b@x.com", "Two")]),
            ..Expectation::default()
        };
        let verdict = judge(&answered(200, vec![email("a@x.com", "Bye")]), Some(&expect));
        assert_eq!(
            verdict.failures,
            [
                "expected 2 e-mails, got 1",
                "e-mail 1: subject expected \"Hello\", got \"Bye\"",
                "e-mail 2 missing (expected to b@x.com, subject \"Two\")",
            ]
        );
        let same = judge(
            &answered(
                200,
                vec![email("a@x.com", "Hello"), email("b@x.com", "Two")],
            ),
            Some(&expect),
        );
        assert!(same.ok, "{same:?}");
    }

    #[test]
    fn without_an_expectation_the_contract_decides() {
        assert!(judge(&answered(200, Vec::new()), None).ok);
        let mut broken = answered(200, Vec::new());
        broken.ok = false;
        broken.checks.push(Check {
            rule: "response is a list of e-mail entries".into(),
            ok: false,
            message: "the answer is not JSON".into(),
        });
        let verdict = judge(&broken, None);
        assert_eq!(
            verdict.failures,
            ["response is a list of e-mail entries: the answer is not JSON"]
        );
    }

    #[test]
    fn malformed_expectations_name_the_file() {
        let err = parse_expectation(br#"{"emails_cont":1}"#, "/x/a.expect.json").unwrap_err();
        let text = err.to_string();
        assert!(text.contains("unknown field `emails_cont`"), "{text}");
        assert!(text.ends_with("/x/a.expect.json"), "{text}");
        assert!(parse_expectation(b"{", "f").is_err());
    }

    #[test]
    fn every_expectation_file_is_bundled_and_valid() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("sample-payloads");
        let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter_map(|n| n.strip_suffix(".expect.json").map(|s| format!("{s}.json")))
            .collect();
        on_disk.sort();
        let mut bundled: Vec<String> = BUNDLED.iter().map(|(n, _)| (*n).to_owned()).collect();
        bundled.sort();
        assert_eq!(on_disk, bundled);
        for (name, text) in BUNDLED {
            assert!(dir.join(name).exists(), "{name} has no payload");
            parse_expectation(text.as_bytes(), name).unwrap();
        }
    }
}
