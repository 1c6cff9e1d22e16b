//! The survey events the console knows: ids, names, sources, the platform's event ids, payload
//! fields with their rules, contracts, function templates and sample sets. Pure data; no I/O.
//!
//! The event list in the `catalog!` invocation below is the only place an event is added: its
//! variant of [`EventId`] and its [`EventSpec`] are one entry. Nothing outside the catalog
//! branches on which event it is: the schema, detection, the contract checks, the samples
//! offered and the failure notes all read the spec. Events with the same field table (Messaging
//! Survey Started and Ended) share their schema and samples, and a file name's
//! [`EventSpec::file_hint`] tells them apart.

mod fields;
pub mod samples;

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

pub use fields::{CHAT_TRANSCRIPT_FIELDS, ENVELOPE_FIELDS, MESSAGING_SURVEY_FIELDS};

/// Declares the events: each entry is the variant of [`EventId`] (with its docs) and the
/// [`EventSpec`] it stands for, in display order.
macro_rules! catalog {
    ($($(#[$doc:meta])* $variant:ident => $spec:expr),+ $(,)?) => {
        /// One of the LivePerson Functions survey events. The serialized form is the stable id
        /// ([`EventSpec::key`]) used in the CLI, in configuration files and in history.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum EventId {
            $($(#[$doc])* $variant,)+
        }

        impl EventId {
            /// Every event, in the order the console lists them.
            pub const ALL: [EventId; EVENT_COUNT] = [$(EventId::$variant),+];
        }

        /// How many events the catalog has.
        pub const EVENT_COUNT: usize = [$(stringify!($variant)),+].len();

        /// The catalog, in display order ([`EventId::ALL`]'s order).
        pub static EVENTS: [EventSpec; EVENT_COUNT] = [$($spec),+];
    };
}

const MESSAGING_TEMPLATE: &str = include_str!("../../assets/templates/messaging-survey.js");
const TRANSCRIPT_TEMPLATE: &str =
    include_str!("../../assets/templates/chat-post-survey-email-transcript.js");
const MESSAGING_TEMPLATE_V2: &str = include_str!("../../assets/templates/messaging-survey.v2.js");
const TRANSCRIPT_TEMPLATE_V2: &str =
    include_str!("../../assets/templates/chat-post-survey-email-transcript.v2.js");

catalog! {
    /// Fired by the Post Survey Bot when a consumer starts a messaging survey.
    MessagingSurveyStarted => EventSpec {
        key: "messaging-survey-started",
        platform_id: "surveybot_messaging_survey_started",
        name: "Messaging Survey Started",
        source: "Post Survey Bot",
        channel: "messaging only",
        function_limit: 1,
        fired_when: "A consumer starts a messaging post-conversation survey (the bot sends the first question).",
        result_use: ResultUse::Ignored,
        result_contract: "The Survey Bot ignores the callback payload; calling back `ok` is enough.",
        on_error: "The survey goes on; the Survey Bot does not use the result.",
        failure_consequence: None,
        fields: MESSAGING_SURVEY_FIELDS,
        template: MESSAGING_TEMPLATE,
        template_v2: MESSAGING_TEMPLATE_V2,
        suggested_function_name: "pcs-started",
        file_hint: "started",
    },
    /// Fired by the Post Survey Bot when a consumer finishes a messaging survey.
    MessagingSurveyEnded => EventSpec {
        key: "messaging-survey-ended",
        platform_id: "surveybot_messaging_survey_ended",
        name: "Messaging Survey Ended",
        source: "Post Survey Bot",
        channel: "messaging only",
        function_limit: 1,
        fired_when: "A consumer finishes a messaging post-conversation survey.",
        result_use: ResultUse::Ignored,
        result_contract: "The Survey Bot ignores the callback payload; calling back `ok` is enough.",
        on_error: "The Survey Bot does not use the result.",
        failure_consequence: None,
        fields: MESSAGING_SURVEY_FIELDS,
        template: MESSAGING_TEMPLATE,
        template_v2: MESSAGING_TEMPLATE_V2,
        suggested_function_name: "pcs-ended",
        file_hint: "ended",
    },
    /// Fired by the chat server after a chat post survey, to decide which transcripts to e-mail.
    ChatPostSurveyEmailTranscript => EventSpec {
        key: "chat-post-survey-email-transcript",
        platform_id: "denver_post_survey_email_transcript",
        name: "Chat Post Survey E-mail Transcript",
        source: "chat server",
        channel: "chat only",
        function_limit: 1,
        fired_when: "A chat post survey was submitted; the function decides which transcript e-mails the chat server sends.",
        result_use: ResultUse::EmailList,
        result_contract: "A list of e-mail entries, each with targetEmail, senderName, senderEmail and subject; the chat server sends them. An empty list sends nothing.",
        on_error: "On an invocation error no e-mail is sent, and nothing is retried.",
        failure_consequence: Some("On an invocation error the chat server sends no e-mail, and nothing is retried"),
        fields: CHAT_TRANSCRIPT_FIELDS,
        template: TRANSCRIPT_TEMPLATE,
        template_v2: TRANSCRIPT_TEMPLATE_V2,
        suggested_function_name: "chat-transcript-emails",
        file_hint: "transcript",
    },
}

impl EventId {
    /// The stable id (`messaging-survey-started`, …).
    pub fn id(self) -> &'static str {
        self.spec().key
    }

    /// The name LivePerson's UI and documents use.
    pub fn name(self) -> &'static str {
        self.spec().name
    }

    /// The platform's id of the event (`surveybot_messaging_survey_started`, …), as LivePerson's
    /// official client lists it (`EVENT` in `liveperson-functions-client`).
    pub fn platform_id(self) -> &'static str {
        self.spec().platform_id
    }

    /// Everything the catalog knows of this event.
    pub fn spec(self) -> &'static EventSpec {
        &EVENTS[self as usize]
    }

    /// The event of a spec of the catalog (`None` for a spec defined elsewhere).
    pub fn of_spec(spec: &EventSpec) -> Option<EventId> {
        EventId::ALL.into_iter().find(|e| e.spec().key == spec.key)
    }
}

impl fmt::Display for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

impl Serialize for EventId {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.id())
    }
}

impl<'de> Deserialize<'de> for EventId {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        static KEYS: std::sync::LazyLock<Vec<&'static str>> =
            std::sync::LazyLock::new(|| EventId::ALL.map(EventId::id).to_vec());
        let text = String::deserialize(deserializer)?;
        text.parse()
            .map_err(|_| serde::de::Error::unknown_variant(&text, &KEYS))
    }
}

/// An event id that the catalog does not know.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown event id '{given}' (known: {})", known_ids())]
pub struct UnknownEvent {
    /// What was given.
    pub given: String,
}

fn known_ids() -> String {
    EventId::ALL.map(EventId::id).join(", ")
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
    /// What the value must keep beyond its type, when the documents say.
    pub rule: Option<FieldRule>,
}

impl FieldSpec {
    /// The same field with a rule.
    pub const fn with_rule(mut self, rule: FieldRule) -> FieldSpec {
        self.rule = Some(rule);
        self
    }

    /// The field's own name: the last segment of its path (`answer` of
    /// `questionWithAnswers[].answer`).
    pub fn name(&self) -> &'static str {
        let last = self.path.rsplit('.').next().unwrap_or(self.path);
        last.strip_suffix("[]").unwrap_or(last)
    }
}

/// A rule a documented field's value must keep beyond its type.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FieldRule {
    /// A whole number from `min` to `max`, or one of `also`.
    IntegerRange {
        /// The smallest value of the range.
        min: i64,
        /// The largest value of the range.
        max: i64,
        /// Values outside the range that are allowed too (e.g. -1 for "not answered").
        also: &'static [i64],
        /// The range as the documents say it.
        documented: &'static str,
    },
}

impl FieldRule {
    /// True when a number (`None`: not a whole number) keeps the rule.
    pub fn allows(&self, number: Option<i64>) -> bool {
        match *self {
            FieldRule::IntegerRange { min, max, also, .. } => {
                number.is_some_and(|n| (min..=max).contains(&n) || also.contains(&n))
            }
        }
    }

    /// The rule in the documents' words, e.g. `1 (very dissatisfied) to 5 (very satisfied), or
    /// -1 when unanswered`.
    pub fn describe(&self) -> &'static str {
        match self {
            FieldRule::IntegerRange { documented, .. } => documented,
        }
    }

    /// Why `shown` (the value as shown) breaks the rule of the field named `name`.
    pub fn violation(&self, name: &str, shown: &str) -> String {
        match self {
            FieldRule::IntegerRange { documented, .. } => {
                format!("{name} {shown} is outside the documented range: {documented}")
            }
        }
    }
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
    /// Stable id, as in the CLI, the functions file and the history.
    pub key: &'static str,
    /// The platform's id of the event (`api/account/{id}/events/{event}/invoke`).
    pub platform_id: &'static str,
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
    /// What a failed invocation costs, told with every failure (and `on_error` noted); `None`
    /// when a failure changes nothing for the consumer.
    pub failure_consequence: Option<&'static str>,
    /// The documented payload fields.
    pub fields: &'static [FieldSpec],
    /// The default function code for this event (V1: `function lambda(input, callback)`).
    pub template: &'static str,
    /// The default code on V2 (`async function lambda(input)` returning the result).
    pub template_v2: &'static str,
    /// A name suggested for a new function of this event.
    pub suggested_function_name: &'static str,
    /// A word in a payload file's name that picks this event among events with the same
    /// fields (`ended` in `messaging-survey-ended.json`).
    pub file_hint: &'static str,
}

impl EventSpec {
    /// The documented field at `path` (with array indices normalized to `[]`).
    pub fn field(&self, normalized_path: &str) -> Option<&'static FieldSpec> {
        self.fields.iter().find(|f| f.path == normalized_path)
    }

    /// True when both events have the same payload fields, so that a payload cannot tell them
    /// apart and a sample of one is a sample of the other.
    pub fn same_payload(&self, other: &EventSpec) -> bool {
        self.fields == other.fields
    }
}

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
            assert_eq!(EventId::of_spec(event.spec()), Some(event));
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
    fn each_entry_carries_its_platform_id_rules_and_hints() {
        assert_eq!(EVENT_COUNT, EVENTS.len());
        // As LivePerson's official client lists them (EVENT in liveperson-functions-client).
        let platform: Vec<_> = EventId::ALL.map(EventId::platform_id).to_vec();
        assert_eq!(
            platform,
            [
                "surveybot_messaging_survey_started",
                "surveybot_messaging_survey_ended",
                "denver_post_survey_email_transcript"
            ]
        );
        let transcript = EventId::ChatPostSurveyEmailTranscript.spec();
        let csat = transcript.field("csatRank").unwrap();
        let rule = csat.rule.unwrap();
        for ok in [-1, 1, 3, 5] {
            assert!(rule.allows(Some(ok)), "{ok}");
        }
        for bad in [Some(0), Some(6), Some(-2), None] {
            assert!(!rule.allows(bad), "{bad:?}");
        }
        assert_eq!(
            rule.violation(csat.name(), "7"),
            "csatRank 7 is outside the documented range: 1 (very dissatisfied) to 5 (very \
             satisfied), or -1 when unanswered"
        );
        assert_eq!(
            transcript
                .field("questionWithAnswers[].answer")
                .unwrap()
                .name(),
            "answer"
        );
        // Only the two messaging events share a payload; their file hints tell them apart.
        let started = EventId::MessagingSurveyStarted.spec();
        assert!(started.same_payload(EventId::MessagingSurveyEnded.spec()));
        assert!(!started.same_payload(transcript));
        let mut hints: Vec<_> = EVENTS.iter().map(|e| e.file_hint).collect();
        hints.dedup();
        assert_eq!(hints.len(), EVENT_COUNT);
        assert_eq!(
            "nope".parse::<EventId>().unwrap_err().to_string(),
            "unknown event id 'nope' (known: messaging-survey-started, messaging-survey-ended, \
             chat-post-survey-email-transcript)"
        );
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
