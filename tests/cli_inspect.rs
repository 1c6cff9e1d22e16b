//! The built binary's `events` and `inspect` subcommands over the bundled sample payloads.
#![allow(clippy::unwrap_used)] // Test helpers may panic: a panic is a failed test.

use std::path::PathBuf;
use std::process::{Command, Output};

use serde_json::Value;

fn bin() -> Command {
    Command::new(env!("CARGO_BIN_EXE_survey-console"))
}

fn sample(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("sample-payloads")
        .join(name)
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("run survey-console")
}

fn json_of(output: &Output) -> Value {
    serde_json::from_slice(&output.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}",
            String::from_utf8_lossy(&output.stdout)
        )
    })
}

#[test]
fn help_lists_the_subcommands() {
    let out = run(&["--help"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("events"), "{text}");
    assert!(text.contains("inspect"), "{text}");
}

#[test]
fn events_json_lists_the_catalog() {
    let out = run(&["events", "--json"]);
    assert_eq!(out.status.code(), Some(0));
    let json = json_of(&out);
    let events = json["events"].as_array().unwrap();
    let ids: Vec<_> = events.iter().map(|e| e["id"].as_str().unwrap()).collect();
    assert_eq!(
        ids,
        [
            "messaging-survey-started",
            "messaging-survey-ended",
            "chat-post-survey-email-transcript"
        ]
    );
    assert_eq!(events[0]["name"], "Messaging Survey Started");
    assert_eq!(events[0]["source"], "Post Survey Bot");
    assert_eq!(events[2]["source"], "chat server");
    assert!(events.iter().all(|e| e["function_limit"] == 1));
    assert_eq!(events[1]["fields"].as_array().unwrap().len(), 31);
    let csat = &events[2]["fields"][0];
    assert_eq!(csat["path"], "csatRank");
    assert_eq!(csat["type"], "NUMBER");
    assert_eq!(csat["example"], "3");
    assert_eq!(
        csat["rule"],
        "1 (very dissatisfied) to 5 (very satisfied), or -1 when unanswered"
    );
    assert_eq!(events[0]["fields"][0]["rule"], serde_json::Value::Null);
    let platform: Vec<_> = events
        .iter()
        .map(|e| e["platform_id"].as_str().unwrap())
        .collect();
    assert_eq!(
        platform,
        [
            "surveybot_messaging_survey_started",
            "surveybot_messaging_survey_ended",
            "denver_post_survey_email_transcript"
        ]
    );
    let message = events[0]["fields"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["path"] == "lastContentEventNotification.event.message")
        .unwrap();
    assert_eq!(message["type"], "STRING");
}

#[test]
fn events_table_shows_fields() {
    let out = run(&["events"]);
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("Chat Post Survey E-mail Transcript (chat-post-survey-email-transcript)")
    );
    assert!(text.contains("questionWithAnswers[].answer"));
}

#[test]
fn inspect_json_of_a_clean_envelope() {
    let path = sample("transcript.envelope.json");
    let out = run(&["inspect", path.to_str().unwrap(), "--json"]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json = json_of(&out);
    assert_eq!(json["event"], "chat-post-survey-email-transcript");
    assert_eq!(json["envelope"], true);
    assert_eq!(json["findings"].as_array().unwrap().len(), 0);
    let fields = json["fields"].as_array().unwrap();
    let csat = fields.iter().find(|f| f["path"] == "csatRank").unwrap();
    assert_eq!(csat["type"], "NUMBER");
    assert_eq!(csat["value"], 3);
    let answer = fields
        .iter()
        .find(|f| f["path"] == "questionWithAnswers[0].answer")
        .unwrap();
    assert_eq!(answer["value"], "Poor;Below Average");
}

#[test]
fn inspect_reports_errors_with_exit_1() {
    let path = sample("invalid-transcript-wrong-types.json");
    let out = run(&["inspect", path.to_str().unwrap(), "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let json = json_of(&out);
    let findings = json["findings"].as_array().unwrap();
    assert!(findings.iter().any(|f| f["severity"] == "error"
        && f["path"] == "csatRank"
        && f["message"] == "expected NUMBER, found STRING \"3\""));
}

#[test]
fn inspect_with_a_chosen_event_and_summary() {
    let path = sample("messaging-survey.bare.json");
    let out = run(&[
        "inspect",
        path.to_str().unwrap(),
        "--event",
        "messaging-survey-ended",
        "--summary",
    ]);
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("Messaging Survey Ended (chosen: 31 of 31 documented fields present)"),
        "{text}"
    );
    assert!(text.contains("bare payload"), "{text}");
    assert!(!text.contains("PATH"), "summary prints no table: {text}");

    let out = run(&["inspect", path.to_str().unwrap(), "--event", "nope"]);
    assert_eq!(out.status.code(), Some(2));
}

#[test]
fn unreadable_files_exit_2_naming_file_and_reason() {
    let path = sample("invalid-malformed.json");
    let out = run(&["inspect", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("invalid JSON at line 7"), "{err}");
    assert!(err.contains("invalid-malformed.json"), "{err}");

    let out = run(&["inspect", "/nonexistent/payload.json"]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/payload.json"));

    let out = run(&[
        "inspect",
        sample("transcript-csat-1.json").to_str().unwrap(),
        "--max-bytes",
        "10",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("over the limit of 10 bytes"));
}

#[test]
fn every_bundled_sample_gets_its_expected_exit_code() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("sample-payloads");
    let mut checked = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        if !name.ends_with(".json") || name.ends_with(".expect.json") {
            continue;
        }
        let expected = match name.as_str() {
            "invalid-malformed.json" | "invalid-not-an-object.json" => 2,
            n if n.starts_with("invalid-") && n.contains("missing-fields") => 0,
            n if n.starts_with("invalid-") => 1,
            _ => 0,
        };
        let out = run(&["inspect", path.to_str().unwrap(), "--summary"]);
        assert_eq!(out.status.code(), Some(expected), "{name}");
        checked += 1;
    }
    assert!(checked >= 20, "only {checked} samples");
}
