//! The Batch tab driven headless with egui_kittest against real loopback function servers.
#![allow(clippy::unwrap_used)] // Test helpers may panic: a panic is a failed test.

mod support;

use std::path::Path;

use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use support::gui::{configure_transcript, harness_in, wait_idle};
use support::junit::parse_junit;
use support::{Resp, TestServer, transcript_function};
use survey_console::catalog::EventId;
use survey_console::ui::{
    Command as UiCommand, FilePurpose, ReportFormat, State, SurveyConsoleApp, Tab,
};

const TRANSCRIPT: EventId = EventId::ChatPostSurveyEmailTranscript;

fn harness(dir: &Path) -> Harness<'static, SurveyConsoleApp> {
    let state = State {
        selected: TRANSCRIPT,
        tab: Tab::Batch,
        ..State::default()
    };
    harness_in(dir, state, egui::vec2(1400.0, 1100.0))
}

#[test]
fn batch_tab_runs_the_samples_and_opens_a_result_in_full() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path();
    let server = TestServer::start(transcript_function);
    configure_transcript(dir, &server.url("/fn"));

    let mut harness = harness(dir);
    harness.get_by_label("all bundled samples (14)");
    harness
        .get_by_role_and_label(Role::Button, "Run batch")
        .click();
    wait_idle(&mut harness);
    harness.get_by_label_contains("14 passed · 0 failed");
    harness.get_by_label_contains("done 14 / 14 · failed 0 · remaining 0");
    harness.get_by_label("Latency histogram (ms)");
    let view = harness
        .state()
        .session()
        .batch
        .views
        .get(&TRANSCRIPT)
        .unwrap();
    assert_eq!(view.results.len(), 14);
    assert!(view.end.is_some_and(|e| !e.cancelled));

    harness.get_by_label("transcript-csat-1.json").click();
    harness.run_ok();
    harness.get_by_label("transcript-csat-1.json · iteration 1");
    harness.get_by_label("expected 1 e-mail, got 1");
    harness.get_by_label("PASSED");
    harness.get_by_label("HTTP 200");
    harness.get_by_label(
        "1 e-mail would be sent: to ReplaceMe@company.com, subject \"Email Transcript Notification\"",
    );

    // Export through what the save dialog answers.
    let junit = dir.join("reports/batch.xml");
    let ctx = harness.ctx.clone();
    harness.state_mut().run_cmd(
        &ctx,
        UiCommand::PathsChosen {
            purpose: FilePurpose::BatchReport {
                event: TRANSCRIPT,
                format: ReportFormat::Junit,
            },
            paths: vec![junit.clone()],
        },
    );
    wait_idle(&mut harness);
    harness.get_by_label(&format!("Wrote {}.", junit.display()));
    let parsed = parse_junit(&std::fs::read_to_string(&junit).unwrap());
    assert_eq!((parsed.suite_tests, parsed.suite_failures), (14, 0));

    // A URL that answers an error: every sample fails, and the counts say so.
    let broken = TestServer::start(|_| Resp::text(500, "text/plain", "down"));
    harness
        .get_by_role_and_label(Role::TextInput, "Batch URL instead:")
        .focus();
    harness.run_ok();
    harness
        .get_by_role_and_label(Role::TextInput, "Batch URL instead:")
        .type_text(&broken.url("/fn"));
    harness.run_ok();
    harness
        .get_by_role_and_label(Role::Button, "Run batch")
        .click();
    wait_idle(&mut harness);
    harness.get_by_label_contains("0 passed · 14 failed");
    assert_eq!(broken.count("/fn"), 14);
}
