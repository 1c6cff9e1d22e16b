//! The console's window driven headless with egui_kittest: events, fields, samples, errors.
#![allow(clippy::unwrap_used)] // Test helpers may panic: a panic is a failed test.

mod support;

use support::gui::{harness_in, wait_idle};

use std::path::{Path, PathBuf};
use std::sync::Arc;

use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use survey_console::catalog::EventId;
use survey_console::ui::{State, SurveyConsoleApp, Tab};
use tempfile::TempDir;

/// A file dropped on the window, as the windowing layer hands it over.
#[derive(Debug)]
struct DroppedPath(PathBuf);

impl egui::DroppedFile for DroppedPath {
    fn path(&self) -> &Path {
        &self.0
    }

    fn bytes(&self) -> Result<Vec<u8>, String> {
        std::fs::read(&self.0).map_err(|e| e.to_string())
    }
}

/// A console over files in a new temporary folder (never the user's own), and the folder.
fn harness() -> (Harness<'static, SurveyConsoleApp>, TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let harness = harness_in(dir.path(), State::default(), egui::vec2(1280.0, 900.0));
    (harness, dir)
}

#[test]
fn selecting_an_event_shows_its_documented_fields() {
    let (mut harness, _dir) = harness();
    assert!(
        harness
            .query_by_label("lastContentEventNotification.event.message")
            .is_some()
    );
    harness
        .get_by_label("Chat Post Survey E-mail Transcript")
        .click();
    harness.run_ok();
    assert_eq!(
        harness.state().state.selected,
        EventId::ChatPostSurveyEmailTranscript
    );
    harness.get_by_label("questionWithAnswers[].answer");
    assert!(
        harness
            .query_by_label("lastContentEventNotification.event.message")
            .is_none()
    );
    harness.get_by_label("6 of 6 documented payload fields");
}

#[test]
fn the_field_filter_narrows_the_table() {
    let (mut harness, _dir) = harness();
    harness.get_by_label("Filter:");
    let filter = harness
        .query_all_by_role(egui::accesskit::Role::TextInput)
        .next()
        .expect("filter box");
    filter.focus();
    filter.type_text("ttr");
    harness.run_ok();
    harness.get_by_label("3 of 31 documented payload fields");
    harness.get_by_label("ttr.ttrType");
    assert!(harness.query_by_label("conversationId").is_none());
}

#[test]
fn loading_a_sample_shows_rows_and_findings() {
    let (mut harness, _dir) = harness();
    harness
        .get_by_label("Chat Post Survey E-mail Transcript")
        .click();
    harness.run_ok();
    harness.get_by_label("Payload").click();
    harness.run_ok();
    harness
        .get_by_label("invalid-transcript-csat-out-of-range.json")
        .click();
    wait_idle(&mut harness);
    let app = harness.state();
    assert_eq!(app.state.tab, Tab::Payload);
    let loaded = app.session().loaded.as_ref().expect("payload loaded");
    assert_eq!(loaded.inspection.row_count(), 9);
    harness.get_by_label("questionWithAnswers[0].answer");
    harness.get_by_label("1 error");
    let finding = "csatRank 7 is outside the documented range: 1 (very dissatisfied) to 5 (very satisfied), or -1 when unanswered";
    // Once in the findings list, once in the row's findings column.
    assert_eq!(harness.query_all_by_label(finding).count(), 2);
}

#[test]
fn a_dropped_malformed_file_shows_its_error_in_place() {
    let (mut harness, dir) = harness();
    let path = dir.path().join("broken.json");
    std::fs::write(&path, "{\n  \"csatRank\": 3,\n  \"skillName\": \n}\n").unwrap();

    harness
        .input_mut()
        .dropped_files
        .push(Arc::new(DroppedPath(path.clone())));
    wait_idle(&mut harness);
    let error = harness
        .state()
        .session()
        .load_error
        .clone()
        .expect("an error");
    assert!(
        error.starts_with("invalid JSON at line 4, column 1"),
        "{error}"
    );
    assert!(error.ends_with("broken.json"), "{error}");
    harness.get_by_label(&error);
    assert!(harness.state().session().loaded.is_none());
    // Recent files list only files that loaded.
    assert!(harness.state().state.recent.is_empty());

    std::fs::write(&path, r#"{"csatRank": 3, "skillName": "CustomerCare", "agentName": "John Doe", "questionWithAnswers": []}"#).unwrap();
    harness
        .input_mut()
        .dropped_files
        .push(Arc::new(DroppedPath(path.clone())));
    wait_idle(&mut harness);
    assert_eq!(harness.state().state.recent.len(), 1);
    harness.get_by_label_contains("Loaded broken.json: Chat Post Survey E-mail Transcript payload");

    harness.get_by_label("Fields").click();
    harness.run_ok();
    harness.get_by_label("Recent").click();
    harness.run_ok();
    let canonical = path.canonicalize().unwrap();
    harness
        .get_by_role_and_label(Role::Button, canonical.to_str().unwrap())
        .click();
    wait_idle(&mut harness);
    assert!(harness.state().session().load_error.is_none());
    assert_eq!(harness.state().state.tab, Tab::Payload);
    harness.get_by_label("0 errors");

    // A recent file that no longer loads leaves the list.
    std::fs::write(&path, "not json").unwrap();
    harness.get_by_label("Recent").click();
    harness.run_ok();
    harness
        .get_by_role_and_label(Role::Button, canonical.to_str().unwrap())
        .click();
    wait_idle(&mut harness);
    assert!(harness.state().session().load_error.is_some());
    assert!(harness.state().state.recent.is_empty());
}

#[test]
fn the_loaded_payload_is_checked_against_another_event_only_when_asked() {
    let (mut harness, _dir) = harness();
    harness.get_by_label("Payload").click();
    harness.run_ok();
    harness.get_by_label("messaging-survey.bare.json").click();
    wait_idle(&mut harness);
    assert_eq!(
        harness
            .state()
            .session()
            .loaded
            .as_ref()
            .unwrap()
            .inspection
            .event(),
        EventId::MessagingSurveyStarted
    );
    harness
        .get_by_label("Chat Post Survey E-mail Transcript")
        .click();
    wait_idle(&mut harness);
    // Selecting the event re-checks nothing: the tab says what the payload is checked as.
    let event = |h: &Harness<'static, SurveyConsoleApp>| {
        h.state()
            .session()
            .loaded
            .as_ref()
            .unwrap()
            .inspection
            .event()
    };
    assert_eq!(event(&harness), EventId::MessagingSurveyStarted);
    harness.get_by_label_contains("Checked as: Messaging Survey Started (detected");
    harness.get_by_label("You selected Chat Post Survey E-mail Transcript.");
    // Its invocation does not send the messaging payload either: the event's own sample.
    assert_eq!(
        harness
            .state()
            .session()
            .invoke_payload_name(EventId::ChatPostSurveyEmailTranscript),
        "transcript.envelope.json"
    );

    harness
        .get_by_label("Check against Chat Post Survey E-mail Transcript")
        .click();
    wait_idle(&mut harness);
    assert_eq!(event(&harness), EventId::ChatPostSurveyEmailTranscript);
    let loaded = harness.state().session().loaded.as_ref().unwrap();
    assert_eq!(loaded.inspection.counts().warnings, 6);
    harness.get_by_label_contains("Checked as: Chat Post Survey E-mail Transcript (chosen");
    assert!(harness.query_by_label_contains("You selected").is_none());
}

#[test]
fn a_large_payload_filters_on_a_worker_and_shows_the_matches() {
    let (mut harness, dir) = harness();
    let path = dir.path().join("large.json");
    let answers: Vec<String> = (0..40_000)
        .map(|i| format!(r#"{{"question":"Question {i}","answer":"Answer {i}"}}"#))
        .collect();
    std::fs::write(
        &path,
        format!(
            r#"{{"csatRank":2,"skillName":"CustomerCare","agentName":"John Doe","questionWithAnswers":[{}]}}"#,
            answers.join(",")
        ),
    )
    .unwrap();
    harness
        .input_mut()
        .dropped_files
        .push(Arc::new(DroppedPath(path.clone())));
    wait_idle(&mut harness);
    harness.get_by_label("120004 of 120004 rows shown");
    let filter = harness
        .query_all_by_role(egui::accesskit::Role::TextInput)
        .next()
        .expect("filter box");
    filter.focus();
    filter.type_text("answer 3999");
    wait_idle(&mut harness);
    // Answer 3999 and Answer 39990..39999, each a row of its own.
    harness.get_by_label("11 of 120004 rows shown");
    harness.get_by_label("questionWithAnswers[3999].answer");
}
