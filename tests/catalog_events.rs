//! Events are data: a fourth event defined only as an `EventSpec` (here, in this test) is handled
//! end to end by the schema, detection, the field checks with its own rule, and the contract,
//! without any code knowing it; and nothing outside the catalog tells the catalog's events apart
//! by name.

use survey_console::catalog::samples::sample;
use survey_console::catalog::{
    EVENTS, EventId, EventSpec, FieldRule, FieldSpec, FieldType, ResultUse,
};
use survey_console::invoke::{Body, check_result_for};
use survey_console::payload::{Schema, Severity, detect_among, findings_for, parse_bytes};

const fn field(path: &'static str, ty: FieldType, description: &'static str) -> FieldSpec {
    FieldSpec {
        path,
        ty,
        description,
        example: "",
        rule: None,
    }
}

const ABANDONED_FIELDS: &[FieldSpec] = &[
    field("conversationId", FieldType::String, "ID of conversation"),
    field(
        "waitedSeconds",
        FieldType::Number,
        "How long the consumer waited",
    )
    .with_rule(FieldRule::IntegerRange {
        min: 0,
        max: 3600,
        also: &[],
        documented: "0 to 3600 seconds",
    }),
    field("reasons", FieldType::ObjectArray, "Why the survey was left"),
    field("reasons[].code", FieldType::String, "The reason's code"),
];

/// An event the catalog does not have.
static ABANDONED: EventSpec = ABANDONED_SPEC;

const ABANDONED_SPEC: EventSpec = EventSpec {
    key: "messaging-survey-abandoned",
    platform_id: "surveybot_messaging_survey_abandoned",
    name: "Messaging Survey Abandoned",
    source: "Post Survey Bot",
    channel: "messaging only",
    function_limit: 1,
    fired_when: "A consumer leaves a survey unanswered.",
    result_use: ResultUse::EmailList,
    result_contract: "A list of e-mail entries.",
    on_error: "No e-mail is sent.",
    failure_consequence: Some("On an invocation error no e-mail is sent"),
    fields: ABANDONED_FIELDS,
    template: "function lambda(input, callback) { callback(null, []); }",
    template_v2: "async function lambda(input) { return []; }",
    suggested_function_name: "pcs-abandoned",
    file_hint: "abandoned",
};

fn candidates() -> Vec<&'static EventSpec> {
    EVENTS.iter().chain([&ABANDONED]).collect()
}

#[test]
fn a_fourth_event_has_its_own_schema() {
    let schema = Schema::of_spec(&ABANDONED);
    assert!(schema.documented.contains_key("waitedSeconds"));
    assert_eq!(schema.children["reasons[]"], ["code"]);
    assert!(!schema.free_form.contains("reasons"));
    for event in EventId::ALL {
        let other = Schema::of(event);
        assert!(!std::ptr::eq(schema, other), "{event:?}");
        assert!(!other.documented.contains_key("waitedSeconds"));
    }
}

#[test]
fn a_fourth_event_is_detected_over_its_own_fields() {
    let payload = parse_bytes(
        br#"{"conversationId":"c1","waitedSeconds":40,"reasons":[{"code":"timeout"}]}"#,
        "left.json",
    )
    .unwrap();
    let found = detect_among(&payload, &candidates()).unwrap();
    assert_eq!(found.spec.key, ABANDONED.key);
    assert_eq!((found.present, found.documented), (4, 4));
    assert!(found.also_matches.is_none());

    // The catalog's own payloads are still told apart with the fourth event among them.
    let transcript = parse_bytes(
        br#"{"csatRank":2,"skillName":"CustomerCare","agentName":"John Doe","questionWithAnswers":[]}"#,
        "t.json",
    )
    .unwrap();
    let found = detect_among(&transcript, &candidates()).unwrap();
    assert_eq!(
        EventId::of_spec(found.spec),
        Some(EventId::ChatPostSurveyEmailTranscript)
    );
    let ended = sample("messaging-survey-ended.envelope.json").unwrap();
    let messaging = parse_bytes(ended.contents.as_bytes(), ended.file_name).unwrap();
    let found = detect_among(&messaging, &candidates()).unwrap();
    // conversationId is a field of the fourth event too; the messaging share is larger.
    assert_eq!(
        EventId::of_spec(found.spec),
        Some(EventId::MessagingSurveyEnded)
    );
    assert!(found.also_matches.is_none());
}

#[test]
fn a_fourth_events_fields_and_rule_are_checked() {
    let payload = parse_bytes(
        br#"{"conversationId":"c1","waitedSeconds":7200,"reasons":[{}],"mood":"bad"}"#,
        "left.json",
    )
    .unwrap();
    let findings: Vec<_> = findings_for(&payload, &ABANDONED)
        .into_iter()
        .map(|f| (f.severity, f.path, f.message))
        .collect();
    assert_eq!(
        findings,
        [
            (
                Severity::Error,
                "waitedSeconds".to_owned(),
                "waitedSeconds 7200 is outside the documented range: 0 to 3600 seconds".to_owned()
            ),
            (
                Severity::Warning,
                "reasons[0].code".to_owned(),
                "documented field is missing (STRING: The reason's code)".to_owned()
            ),
            (
                Severity::Info,
                "mood".to_owned(),
                "not a documented field of Messaging Survey Abandoned".to_owned()
            ),
        ]
    );
}

#[test]
fn a_fourth_events_contract_is_its_result_use() {
    let emails = Body::Json(serde_json::json!([{
        "targetEmail": "a@example.com", "senderName": "S", "senderEmail": "s@example.com",
        "subject": "Left"
    }]));
    let report = check_result_for(&ABANDONED, Some(200), &emails);
    assert!(report.ok(), "{:?}", report.checks);
    assert_eq!(report.emails.len(), 1);
    let report = check_result_for(&ABANDONED, Some(200), &Body::Json(serde_json::json!("ok")));
    assert!(!report.ok());
    // The same answer under a result the platform ignores.
    let ignored = EventSpec {
        result_use: ResultUse::Ignored,
        ..ABANDONED_SPEC
    };
    assert!(check_result_for(&ignored, Some(200), &Body::Json(serde_json::json!("ok"))).ok());
}

/// The catalog's events are named (`EventId::…`) or asked (`is_transcript`) only in the catalog
/// and in tests: everywhere else their behaviour comes from the spec.
#[test]
fn nothing_outside_the_catalog_branches_on_which_event_it_is() {
    let src = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut offending = Vec::new();
    let mut stack = vec![src.clone()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                if !path.ends_with("catalog") {
                    stack.push(path);
                }
                continue;
            }
            if path.extension().is_none_or(|e| e != "rs") || path.ends_with("tests.rs") {
                continue;
            }
            if path
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with("tests_"))
            {
                continue;
            }
            let text = std::fs::read_to_string(&path).unwrap();
            // Unit tests sit at the end of a file, after `#[cfg(test)]`.
            let code = text.split("#[cfg(test)]").next().unwrap_or("");
            for (i, line) in code.lines().enumerate() {
                let named = EventId::ALL
                    .iter()
                    .any(|e| line.contains(&format!("EventId::{e:?}")));
                if named || line.contains("is_transcript") {
                    offending.push(format!("{}:{}: {}", path.display(), i + 1, line.trim()));
                }
            }
        }
    }
    assert!(
        offending.is_empty(),
        "branches on events:\n{}",
        offending.join("\n")
    );
}
