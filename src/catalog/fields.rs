//! The documented payload fields of each event, transcribed from LivePerson's event-source pages.
//!
//! Paths are relative to the invocation's `payload` object, exactly as in the documents' tables;
//! array items are written `[]` (`questionWithAnswers[].question`).

use super::{FieldRule, FieldSpec, FieldType};

const CLIENT_PROPERTIES_EXAMPLE: &str = r#"{"type":".ClientProperties","appId":"webAsync","ipAddress":"127.0.0.1","deviceFamily":"DESKTOP","os":"OSX","osVersion":"10.14.3","integration":"WEB_SDK","integrationVersion":"3.0.25","browser":"CHROME","browserVersion":"72.0.3626.119","features":["PHOTO_SHARING","CO_BROWSE","QUICK_REPLIES","AUTO_MESSAGES","MULTI_DIALOG","RICH_CONTENT"]}"#;

const DIALOGS_EXAMPLE: &str = r#"[{"dialogId":"efSg0XbnTkmg8OXaSyaz81","participantsDetails":[{"id":"49b673cb7d08168a9f14640346340237054482174d65ff8c70e0f4d0d9bfa911","role":"CONSUMER","state":"ACTIVE"}],"dialogType":"POST_SURVEY","channelType":"MESSAGING","metaData":{"appInstallId":"829d951a-777e-46a3-98db-c06214e3f401"},"state":"OPEN","creationTs":1551702854131,"metaDataLastUpdateTs":1551702854131},{"dialogId":"fb84c76d-0daa-46c7-b02d-eb6130c022c1","participantsDetails":[{"id":"49b673cb7d08168a9f14640346340237054482174d65ff8c70e0f4d0d9bfa911","role":"CONSUMER","state":"ACTIVE"}],"dialogType":"MAIN","channelType":"MESSAGING","state":"CLOSE","creationTs":1551702813391,"endTs":1551702854131,"metaDataLastUpdateTs":1551702854131,"closedBy":"CONSUMER","closedCause":"Closed by consumer"}]"#;

const PARTICIPANTS_EXAMPLE: &str = r#"[{"id": "f9d58c57-c489-45f5-bae4-c5ebd52b3972","role": "ASSIGNED_AGENT"}, {"id": "f9d58c57-c489-45f5-bae4-c5ebd52b3972","role": "AGENT"}]"#;

const fn field(
    path: &'static str,
    ty: FieldType,
    description: &'static str,
    example: &'static str,
) -> FieldSpec {
    FieldSpec {
        path,
        ty,
        description,
        example,
        rule: None,
    }
}

/// The documented CSAT range of the transcript event.
const CSAT_RANGE: FieldRule = FieldRule::IntegerRange {
    min: 1,
    max: 5,
    also: &[-1],
    documented: "1 (very dissatisfied) to 5 (very satisfied), or -1 when unanswered",
};

use FieldType::{Boolean, Number, Object, ObjectArray, String};

/// The payload of *Messaging Survey Started* and *Messaging Survey Ended* (33 fields).
pub const MESSAGING_SURVEY_FIELDS: &[FieldSpec] = &[
    field(
        "conversationId",
        String,
        "ID of conversation",
        "c840e51e-5f65-4ad4-8d34-5c82b99a2200",
    ),
    field("accountId", String, "ID of account", "12345678"),
    field("surveyId", Number, "ID of survey", "3387141511"),
    field("surveyRevision", Number, "Revision of survey", "2"),
    field("skillId", String, "ID of skill", "563267"),
    field(
        "effectiveTTR",
        Number,
        "timestamp when agent should be available",
        "1528464044687",
    ),
    field(
        "lastContentEventNotification.originatorId",
        Number,
        "ID of originator",
        "37607275.23",
    ),
    field(
        "lastContentEventNotification.originatorPId",
        String,
        "Pid of originator",
        "f39fbc5f-da77-5417-8bc7-7584efdd1a5e",
    ),
    field(
        "lastContentEventNotification.sequence",
        Number,
        "sequence of conversation (starting by 0)",
        "1",
    ),
    field(
        "lastContentEventNotification.serverTimestamp",
        Number,
        "timestamp of the server",
        "1528463781807",
    ),
    field(
        "lastContentEventNotification.event.contentType",
        String,
        "contenttype of last event",
        "text/plain",
    ),
    field(
        "lastContentEventNotification.event.message",
        String,
        "message of last event",
        "Thank you for messaging us. Our contact center is currently closed. An agent should reply within 11 hours and 40 minutes.",
    ),
    field(
        "lastContentEventNotification.event.type",
        String,
        "type of last event",
        "ContentEvent",
    ),
    field(
        "lastContentEventNotification.originatorClientProperties",
        Object,
        "Information about client",
        CLIENT_PROPERTIES_EXAMPLE,
    ),
    field(
        "campaignInfo.campaignId",
        Number,
        "ID of campaign",
        "2451931211",
    ),
    field(
        "campaignInfo.engagementId",
        Number,
        "ID of engagement",
        "2451931311",
    ),
    field(
        "closeReason",
        String,
        "close reason of conversation",
        "CONSUMER",
    ),
    field(
        "context.clientProperties",
        Object,
        "Information about client",
        CLIENT_PROPERTIES_EXAMPLE,
    ),
    field("context.interactionContextId", String, "ID of context", "5"),
    field("context.lang", String, "language", "en-US"),
    field(
        "context.sessionId",
        String,
        "ID of session",
        "iGY4vsiETB-Zsyi7IGlIk1",
    ),
    field("context.type", String, "type of context", "SharkContext"),
    field(
        "context.visitorId",
        String,
        "ID of visitor",
        "hjMTk3ZTcwZmFhZjc3NDk2",
    ),
    field(
        "dialogs",
        ObjectArray,
        "array with information about the dialogs of the conversation",
        DIALOGS_EXAMPLE,
    ),
    field(
        "firstConversation",
        Boolean,
        "if this is the frist conversation of the consumer ever",
        "TRUE/FALSE",
    ),
    field(
        "participants",
        ObjectArray,
        "array of the participants of the current state",
        PARTICIPANTS_EXAMPLE,
    ),
    field("state", String, "state of the dialog", "OPEN"),
    field(
        "startTs",
        Number,
        "conversation start time as timestamp",
        "1528463744663",
    ),
    field("ttr.ttrType", String, "type of ttr", "URGENT"),
    field("ttr.value", Number, "value of ttr", "300"),
    field(
        "lastQuestionId",
        String,
        "ID of last question",
        "2741eea2-e184-4cd4-abbe-e8f6e1d26681",
    ),
];

/// The payload of *Chat Post Survey E-mail Transcript*.
pub const CHAT_TRANSCRIPT_FIELDS: &[FieldSpec] = &[
    field(
        "csatRank",
        Number,
        "CSAT rank: 1 (Very Dissatisfied) to 5 (Very Satisfied); -1 when the question was not answered",
        "3",
    )
    .with_rule(CSAT_RANGE),
    field(
        "skillName",
        String,
        "Name of the skill the chat was assigned to",
        "CustomerCare",
    ),
    field(
        "agentName",
        String,
        "Full name of the agent in the format \"first name surname\"",
        "John Doe",
    ),
    field(
        "questionWithAnswers",
        ObjectArray,
        "List of all survey questions which were answered",
        r#"[{"question":"How was the chat experience?","answer":"Poor;Below Average"}]"#,
    ),
    field(
        "questionWithAnswers[].question",
        String,
        "Full question string",
        "How was the chat experience?",
    ),
    field(
        "questionWithAnswers[].answer",
        String,
        "Complete answer; for multi-selection the answers are separated by a semicolon",
        "Poor;Below Average",
    ),
];

/// The invocation envelope around every payload, listed apart from the payload fields.
pub const ENVELOPE_FIELDS: &[FieldSpec] = &[
    field(
        "timestamp",
        Number,
        "Time of the invocation in milliseconds since the Unix epoch",
        "2342343242",
    ),
    field(
        "headers",
        ObjectArray,
        "Headers passed along with the invocation (usually empty)",
        "[]",
    ),
    field(
        "payload",
        Object,
        "The event's payload (the fields below)",
        "{…}",
    ),
];
