//! The three survey events the console knows: ids, names, sources, payload fields, contracts and
//! default function templates. Pure data; no I/O.

mod fields;
pub mod samples;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

pub use fields::{CHAT_TRANSCRIPT_FIELDS, ENVELOPE_FIELDS, MESSAGING_SURVEY_FIELDS};

/// One of the LivePerson Functions survey events. The serialized form is the stable id used in the
/// CLI, in configuration files and in history.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum EventId {
    /// Fired by the Post Survey Bot when a consumer starts a messaging survey.
    #[serde(rename = "messaging-survey-started")]
    MessagingSurveyStarted,
    /// Fired by the Post Survey Bot when a consumer finishes a messaging survey.
    #[serde(rename = "messaging-survey-ended")]
    MessagingSurveyEnded,
    /// Fired by the chat server after a chat post survey, to decide which transcripts to e-mail.
    #[serde(rename = "chat-post-survey-email-transcript")]
    ChatPostSurveyEmailTranscript,
}

impl EventId {
    /// Every event, in the order the console lists them.
    pub const ALL: [EventId; 3] = [
        EventId::MessagingSurveyStarted,
        EventId::MessagingSurveyEnded,
        EventId::ChatPostSurveyEmailTranscript,
    ];

    /// The stable id (`messaging-survey-started`, …).
    pub fn id(self) -> &'static str {
        match self {
            EventId::MessagingSurveyStarted => "messaging-survey-started",
            EventId::MessagingSurveyEnded => "messaging-survey-ended",
            EventId::ChatPostSurveyEmailTranscript => "chat-post-survey-email-transcript",
        }
    }

    /// The name LivePerson's UI and documents use.
    pub fn name(self) -> &'static str {
        self.spec().name
    }

    /// Everything the catalog knows of this event.
    pub fn spec(self) -> &'static EventSpec {
        match self {
            EventId::MessagingSurveyStarted => &EVENTS[0],
            EventId::MessagingSurveyEnded => &EVENTS[1],
            EventId::ChatPostSurveyEmailTranscript => &EVENTS[2],
        }
    }

    /// True for the transcript event, whose function decides which e-mails are sent.
    pub fn is_transcript(self) -> bool {
        self == EventId::ChatPostSurveyEmailTranscript
    }
}

impl fmt::Display for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

/// An event id that the catalog does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown event id '{given}' (known: messaging-survey-started, messaging-survey-ended, chat-post-survey-email-transcript)"
)]
pub struct UnknownEvent {
    /// What was given.
    pub given: String,
}

impl FromStr for EventId {
    type Err = UnknownEvent;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        EventId::ALL
            .into_iter()
            .find(|e| e.id() == s)
            .ok_or_else(|| UnknownEvent {
                given: s.to_owned(),
            })
    }
}

/// A payload field's type, in the documents' words.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum FieldType {
    #[serde(rename = "STRING")]
    String,
    #[serde(rename = "NUMBER")]
    Number,
    #[serde(rename = "BOOLEAN")]
    Boolean,
    #[serde(rename = "OBJECT")]
    Object,
    #[serde(rename = "OBJECT-ARRAY")]
    ObjectArray,
}

impl FieldType {
    /// The documents' word for the type.
    pub fn as_str(self) -> &'static str {
        match self {
            FieldType::String => "STRING",
            FieldType::Number => "NUMBER",
            FieldType::Boolean => "BOOLEAN",
            FieldType::Object => "OBJECT",
            FieldType::ObjectArray => "OBJECT-ARRAY",
        }
    }
}

impl fmt::Display for FieldType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One documented payload field.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FieldSpec {
    /// Path relative to the payload, `[]` for array items.
    pub path: &'static str,
    /// Documented type.
    pub ty: FieldType,
    /// Documented description.
    pub description: &'static str,
    /// Documented example value, as written in the documents.
    pub example: &'static str,
}

/// What the invoker does with a function's result.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ResultUse {
    /// The Survey Bot ignores the callback payload; `ok` is enough.
    Ignored,
    /// The chat server sends the e-mails listed in the result.
    EmailList,
}

/// Everything the console knows about one event.
#[derive(Debug)]
pub struct EventSpec {
    /// Stable id.
    pub id: EventId,
    /// Display name.
    pub name: &'static str,
    /// Who fires the event.
    pub source: &'static str,
    /// Which channel the event exists for.
    pub channel: &'static str,
    /// How many functions an account may create for this event.
    pub function_limit: usize,
    /// When the event fires.
    pub fired_when: &'static str,
    /// What the invoker does with the result.
    pub result_use: ResultUse,
    /// The result contract in one sentence.
    pub result_contract: &'static str,
    /// What happens when the invocation fails.
    pub on_error: &'static str,
    /// The documented payload fields.
    pub fields: &'static [FieldSpec],
    /// The default function code for this event (V1: `function lambda(input, callback)`).
    pub template: &'static str,
    /// The default code on V2 (`async function lambda(input)` returning the result).
    pub template_v2: &'static str,
}

impl EventSpec {
    /// The documented field at `path` (with array indices normalized to `[]`).
    pub fn field(&self, normalized_path: &str) -> Option<&'static FieldSpec> {
        self.fields.iter().find(|f| f.path == normalized_path)
    }
}

const MESSAGING_TEMPLATE: &str = include_str!("../../assets/templates/messaging-survey.js");
const TRANSCRIPT_TEMPLATE: &str =
    include_str!("../../assets/templates/chat-post-survey-email-transcript.js");
const MESSAGING_TEMPLATE_V2: &str = include_str!("../../assets/templates/messaging-survey.v2.js");
const TRANSCRIPT_TEMPLATE_V2: &str =
    include_str!("../../assets/templates/chat-post-survey-email-transcript.v2.js");

/// The catalog, in display order.
pub static EVENTS: [EventSpec; 3] = [
    EventSpec {
        id: EventId::MessagingSurveyStarted,
        name: "Messaging Survey Started",
        source: "Post Survey Bot",
        channel: "messaging only",
        function_limit: 1,
        fired_when: "A consumer starts a messaging post-conversation survey (the bot sends the first question).",
        result_use: ResultUse::Ignored,
        result_contract: "The Survey Bot ignores the callback payload; calling back `ok` is enough.",
        on_error: "The survey goes on; the Survey Bot does not use the result.",
        fields: MESSAGING_SURVEY_FIELDS,
        template: MESSAGING_TEMPLATE,
        template_v2: MESSAGING_TEMPLATE_V2,
    },
    EventSpec {
        id: EventId::MessagingSurveyEnded,
        name: "Messaging Survey Ended",
        source: "Post Survey Bot",
        channel: "messaging only",
        function_limit: 1,
        fired_when: "A consumer finishes a messaging post-conversation survey.",
        result_use: ResultUse::Ignored,
        result_contract: "The Survey Bot ignores the callback payload; calling back `ok` is enough.",
        on_error: "The Survey Bot does not use the result.",
        fields: MESSAGING_SURVEY_FIELDS,
        template: MESSAGING_TEMPLATE,
        template_v2: MESSAGING_TEMPLATE_V2,
    },
    EventSpec {
        id: EventId::ChatPostSurveyEmailTranscript,
        name: "Chat Post Survey E-mail Transcript",
        source: "chat server",
        channel: "chat only",
        function_limit: 1,
        fired_when: "A chat post survey was submitted; the function decides which transcript e-mails the chat server sends.",
        result_use: ResultUse::EmailList,
        result_contract: "A list of e-mail entries, each with targetEmail, senderName, senderEmail and subject; the chat server sends them. An empty list sends nothing.",
        on_error: "On an invocation error no e-mail is sent, and nothing is retried.",
        fields: CHAT_TRANSCRIPT_FIELDS,
        template: TRANSCRIPT_TEMPLATE,
        template_v2: TRANSCRIPT_TEMPLATE_V2,
    },
];

/// The catalog in display order.
pub fn events() -> &'static [EventSpec] {
    &EVENTS
}

/// The properties every e-mail entry of the transcript event's result must have.
pub const EMAIL_ENTRY_FIELDS: [&str; 4] = ["targetEmail", "senderName", "senderEmail", "subject"];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_through_strings_and_serde() {
        for event in EventId::ALL {
            assert_eq!(event.id().parse::<EventId>(), Ok(event));
            let json = serde_json::to_string(&event).unwrap();
            assert_eq!(json, format!("\"{}\"", event.id()));
            assert_eq!(event.spec().id, event);
        }
        let err = "survey-ended".parse::<EventId>().unwrap_err();
        assert!(err.to_string().contains("survey-ended"));
    }

    #[test]
    fn catalog_transcribes_the_documents() {
        assert_eq!(MESSAGING_SURVEY_FIELDS.len(), 31);
        let started = EventId::MessagingSurveyStarted.spec();
        let message = started
            .field("lastContentEventNotification.event.message")
            .unwrap();
        assert_eq!(message.ty, FieldType::String);
        assert_eq!(
            started
                .field("lastContentEventNotification.originatorId")
                .unwrap()
                .example,
            "37607275.23"
        );
        assert_eq!(started.field("dialogs").unwrap().ty, FieldType::ObjectArray);
        assert_eq!(
            started.field("firstConversation").unwrap().ty,
            FieldType::Boolean
        );
        let transcript = EventId::ChatPostSurveyEmailTranscript.spec();
        assert_eq!(transcript.source, "chat server");
        assert!(transcript.field("questionWithAnswers[].answer").is_some());
        assert!(EVENTS.iter().all(|e| e.function_limit == 1));
        // Paths are unique within an event.
        for spec in events() {
            let mut paths: Vec<_> = spec.fields.iter().map(|f| f.path).collect();
            paths.sort_unstable();
            paths.dedup();
            assert_eq!(paths.len(), spec.fields.len(), "{}", spec.name);
        }
    }

    #[test]
    fn templates_are_the_documented_shapes() {
        let transcript = EventId::ChatPostSurveyEmailTranscript.spec();
        assert!(
            transcript
                .template
                .contains("function lambda(input, callback)")
        );
        assert!(
            transcript
                .template
                .contains("callback(null, allSurveyEmails)")
        );
        assert!(
            transcript
                .template_v2
                .contains("async function lambda(input)")
        );
        assert!(transcript.template_v2.contains("return allSurveyEmails;"));
        let messaging = EventId::MessagingSurveyEnded.spec();
        assert!(messaging.template.contains("callback(null, \"ok\")"));
        assert!(messaging.template_v2.contains("return \"ok\";"));
    }
}
