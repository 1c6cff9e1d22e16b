//! The request of an event's next invocation, edited before it is sent: the payload (or the
//! whole envelope) as JSON text, extra HTTP headers, and the text's check against the event's
//! fields, the same findings the Payload tab shows. The Invocations tab edits it; the applier
//! checks each change (at once when it is small, on a worker when not) and sends it.

use std::sync::Arc;

use crate::catalog::EventId;
use crate::payload::{Counts, Finding, Inspection, Payload, PayloadError, inspect, parse_bytes};

/// Requests larger than this are checked on a worker, so typing never waits.
pub const CHECK_AT_ONCE_BYTES: usize = 100_000;

/// Payloads larger than this are not opened in the editor (edit the file and load it).
pub const EDITABLE_BYTES: usize = 2_000_000;

/// An edited request.
#[derive(Clone, Debug)]
pub struct RequestEdit {
    /// What the edit started from (a sample's or a file's name).
    pub based_on: String,
    /// The JSON text: a bare payload (sent wrapped in an envelope) or a whole envelope.
    pub text: String,
    /// Extra HTTP headers sent with it, as typed.
    pub headers: Vec<(String, String)>,
    /// Bumped on every change of `text`; a check answers for one generation.
    pub generation: u64,
    /// What the last check of the text found.
    pub check: Option<RequestCheck>,
}

impl RequestEdit {
    /// An edit of `text` (named `based_on`), not yet checked.
    pub fn new(based_on: &str, text: String) -> RequestEdit {
        RequestEdit {
            based_on: based_on.to_owned(),
            text,
            headers: Vec::new(),
            generation: 1,
            check: None,
        }
    }

    /// The name records give the edited payload.
    pub fn name(&self) -> String {
        format!("{} (edited)", self.based_on)
    }

    /// The extra headers that are filled in.
    pub fn filled_headers(&self) -> Vec<(String, String)> {
        self.headers
            .iter()
            .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
            .filter(|(k, _)| !k.is_empty())
            .collect()
    }

    /// Why the request cannot be sent as it is, if it cannot.
    pub fn blocker(&self) -> Option<String> {
        match &self.check {
            Some(RequestCheck::Invalid(error)) => Some(format!(
                "The edited request is not a JSON object the event can take: {}",
                error.message
            )),
            None => Some("The edited request is being checked…".to_owned()),
            Some(RequestCheck::Parsed(_)) => self
                .filled_headers()
                .iter()
                .find_map(|(k, _)| header_problem(k))
                .map(|p| format!("A request header cannot be sent: {p}")),
        }
    }
}

/// Why a header name cannot be sent, if it cannot.
pub fn header_problem(name: &str) -> Option<String> {
    let token = |c: char| c.is_ascii_alphanumeric() || "!#$%&'*+-.^_`|~".contains(c);
    (!name.chars().all(token)).then(|| format!("'{name}' is not a valid header name"))
}

/// The parse error of a request text, with where it is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TextError {
    /// What is wrong.
    pub message: String,
    /// 1-based line, when known.
    pub line: Option<u32>,
    /// 1-based column, when known.
    pub column: Option<u32>,
}

/// A request text that parsed, checked against the event.
#[derive(Clone, Debug)]
pub struct CheckedRequest {
    /// The event it was checked against.
    pub event: EventId,
    /// True when the text is a whole envelope.
    pub is_envelope: bool,
    /// "31 fields, 0 errors, …".
    pub summary: String,
    /// The findings' counts.
    pub counts: Counts,
    /// The findings, as the Payload tab lists them.
    pub findings: Vec<Finding>,
}

/// What a check of a request text found.
#[derive(Clone, Debug)]
pub enum RequestCheck {
    /// It parsed; its findings against the event.
    Parsed(Arc<CheckedRequest>),
    /// It cannot be parsed.
    Invalid(TextError),
}

/// Parses and checks a request text against `event` (the Payload tab's checks).
pub fn check_request(text: &str, event: EventId) -> (RequestCheck, Option<Payload>) {
    match parse_bytes(text.as_bytes(), "edited request") {
        Ok(payload) => {
            let inspection: Inspection = inspect(&payload, Some(event));
            let checked = CheckedRequest {
                event,
                is_envelope: inspection.is_envelope,
                summary: inspection.summary(),
                counts: inspection.counts(),
                findings: inspection.findings.clone(),
            };
            (RequestCheck::Parsed(Arc::new(checked)), Some(payload))
        }
        Err(error) => (RequestCheck::Invalid(text_error(&error)), None),
    }
}

/// The message and position of a payload error.
pub fn text_error(error: &PayloadError) -> TextError {
    let (line, column) = match error {
        PayloadError::Json { line, column, .. }
        | PayloadError::TooDeep { line, column, .. }
        | PayloadError::NotUtf8 { line, column, .. } => {
            (u32::try_from(*line).ok(), u32::try_from(*column).ok())
        }
        _ => (None, None),
    };
    let message = error.to_string();
    // The origin ("edited request") ends every payload error; here it says nothing.
    let message = message
        .strip_suffix(": edited request")
        .unwrap_or(&message)
        .to_owned();
    TextError {
        message,
        line,
        column,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_is_checked_against_the_event_like_the_payload_tab() {
        let text = r#"{"csatRank": "high", "skillName": "Care", "agentName": "A",
            "questionWithAnswers": []}"#;
        let (check, payload) = check_request(text, EventId::ChatPostSurveyEmailTranscript);
        let RequestCheck::Parsed(checked) = check else {
            panic!("did not parse: {check:?}");
        };
        assert!(payload.is_some());
        assert!(!checked.is_envelope);
        assert!(checked.counts.errors >= 1, "{:?}", checked.findings);
        assert!(checked.findings.iter().any(|f| f.path == "csatRank"));
    }

    #[test]
    fn a_broken_request_says_where() {
        let (check, payload) =
            check_request("{\n  \"a\": 1,\n  oops\n}", EventId::MessagingSurveyEnded);
        assert!(payload.is_none());
        let RequestCheck::Invalid(error) = check else {
            panic!("parsed: {check:?}");
        };
        assert_eq!((error.line, error.column), (Some(3), Some(3)));
        assert!(
            error.message.starts_with("invalid JSON at line 3"),
            "{}",
            error.message
        );
        assert!(!error.message.ends_with("edited request"));
    }

    #[test]
    fn bad_header_names_block_sending() {
        let mut edit = RequestEdit::new("x.json", "{}".to_owned());
        edit.check = Some(check_request("{\"a\":1}", EventId::MessagingSurveyEnded).0);
        assert_eq!(edit.blocker(), None);
        edit.headers.push(("X Bad".to_owned(), "1".to_owned()));
        assert!(edit.blocker().is_some_and(|b| b.contains("'X Bad'")));
        edit.headers[0].0 = "X-Good".to_owned();
        assert_eq!(
            edit.filled_headers(),
            vec![("X-Good".to_owned(), "1".to_owned())]
        );
        assert_eq!(edit.blocker(), None);
    }
}
