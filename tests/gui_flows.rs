//! Flows of the console driven headless with egui_kittest against real loopback function
//! servers: the request editor (checked as typed, headers, sent as edited, saved as a file),
//! exporting a batch where the desktop has no file-dialog portal (a typed path, a default
//! folder, where it wrote, asked before replacing), a batch row opened in full (beside the
//! table, never over it, with the row's own verdict), and each messaging event's own sample.
#![allow(clippy::unwrap_used)] // Test helpers may panic: a panic is a failed test.

mod support;

use std::path::Path;

use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT as _, Queryable as _};
use support::gui::{configure_transcript, wait_idle};
use support::{Resp, TestServer, transcript_function};
use survey_console::catalog::EventId;
use survey_console::ui::{Files, JobKind, State, SurveyConsoleApp, Tab};

const TRANSCRIPT: EventId = EventId::ChatPostSurveyEmailTranscript;

fn harness(dir: &Path, tab: Tab) -> Harness<'static, SurveyConsoleApp> {
    let state = State {
        selected: TRANSCRIPT,
        tab,
        ..State::default()
    };
    let files = Files::in_dir(dir);
    // A desktop without a file-dialog portal.
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1400.0, 1100.0))
        .build_eframe(move |_cc| SurveyConsoleApp::with_files(state, files).without_file_dialog());
    wait_idle(&mut harness);
    harness
}

/// Replaces the text of the one-line text field labelled `label`.
fn retype(harness: &mut Harness<'static, SurveyConsoleApp>, label: &str, text: &str) {
    retype_in(harness, Role::TextInput, label, text);
}

/// Replaces the text of the text field (of `role`) labelled `label`.
fn retype_in(
    harness: &mut Harness<'static, SurveyConsoleApp>,
    role: Role,
    label: &str,
    text: &str,
) {
    harness.get_by_role_and_label(role, label).focus();
    harness.run_ok();
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    harness.get_by_role_and_label(role, label).type_text(text);
    harness.run_ok();
}

/// Replaces the request editor's text.
fn edit_request(harness: &mut Harness<'static, SurveyConsoleApp>, text: &str) {
    retype_in(harness, Role::MultilineTextInput, EDITOR, text);
}

/// The path prompt is open, asks for a typed path, and started no system dialog.
fn prompt_without_dialog(harness: &mut Harness<'static, SurveyConsoleApp>) {
    assert!(!harness.state().jobs().is_running(JobKind::FileDialog));
    harness.get_by_label_contains("This desktop has no file dialog");
}

fn is_disabled(harness: &Harness<'static, SurveyConsoleApp>, button: &str) -> bool {
    harness
        .get_by_role_and_label(Role::Button, button)
        .accesskit_node()
        .is_disabled()
}

const EDITOR: &str = "Request JSON (payload or envelope):";

#[test]
fn the_request_editor_checks_as_typed_and_sends_and_saves_what_was_edited() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path();
    let server = TestServer::start(transcript_function);
    configure_transcript(dir, &server.url("/fn"));
    let mut harness = harness(dir, Tab::Invoke);

    harness
        .get_by_role_and_label(Role::Button, "Edit request…")
        .click();
    harness.run_ok();
    harness.get_by_label("(the request editor below is what is sent)");
    assert!(!is_disabled(&harness, "Invoke"));

    // Not JSON: said where, and nothing can be sent.
    edit_request(&mut harness, "{\"payload\": {\"csatRank\": }}");
    let said: Vec<String> = harness
        .query_all_by_label_contains("line 1")
        .filter_map(|n| n.accesskit_node().label().or(n.value()))
        .collect();
    assert!(
        said.iter().any(|l| l.contains("column 26")),
        "the error names its line and column: {said:?}"
    );
    assert!(is_disabled(&harness, "Invoke"));

    // JSON with a field of the wrong type: the Payload tab's findings, live.
    edit_request(
        &mut harness,
        r#"{"csatRank": "two", "skillName": "CustomerCare", "agentName": "John Doe"}"#,
    );
    harness.get_by_label_contains("Checked as Chat Post Survey E-mail Transcript");
    harness.get_by_label_contains("Findings (");
    assert!(!is_disabled(&harness, "Invoke"));

    // A bare payload, sent inside an envelope, with a header of its own.
    let edited = r#"{"csatRank": 2, "skillName": "CustomerCare", "agentName": "John Doe"}"#;
    edit_request(&mut harness, edited);
    harness.get_by_label_contains("a bare payload (sent inside an envelope)");
    harness.get_by_label("Request headers (0)").click();
    harness.run_ok();
    harness
        .get_by_role_and_label(Role::Button, "Add header")
        .click();
    harness.run_ok();
    retype(&mut harness, "Header", "X-Trace");
    retype(&mut harness, "Value", "edited-42");
    harness.get_by_label("Request headers (1)");
    harness
        .get_by_role_and_label(Role::Button, "Invoke")
        .click();
    wait_idle(&mut harness);
    harness.get_by_label("PASSED");
    let sent = server.requests.lock().unwrap().clone();
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].json()["payload"]["csatRank"], 2);
    assert_eq!(sent[0].header("x-trace"), Some("edited-42"));
    // The record names the edit, in the result and in the history.
    assert!(
        harness
            .query_all_by_label_contains("(edited)")
            .next()
            .is_some()
    );

    // Save as…: a typed path, and the console says where it wrote.
    harness
        .get_by_role_and_label(Role::Button, "Save as…")
        .click();
    harness.run_ok();
    prompt_without_dialog(&mut harness);
    let target = dir.join("edited.json");
    retype(&mut harness, "Path:", &target.display().to_string());
    harness.get_by_role_and_label(Role::Button, "Save").click();
    wait_idle(&mut harness);
    harness.get_by_label_contains("Saved the edited payload");
    assert_eq!(
        std::fs::read_to_string(&target).unwrap(),
        format!("{edited}\n")
    );

    // Discarding the edit sends the chosen payload again.
    harness
        .get_by_role_and_label(Role::Button, "Discard edit")
        .click();
    harness.run_ok();
    assert!(harness.query_by_label(EDITOR).is_none());
}

#[test]
fn a_batch_is_exported_to_a_typed_path_where_no_dialog_opens() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path();
    let server = TestServer::start(transcript_function);
    configure_transcript(dir, &server.url("/fn"));
    let mut harness = harness(dir, Tab::Batch);
    harness
        .get_by_role_and_label(Role::Button, "Run batch")
        .click();
    wait_idle(&mut harness);
    harness.get_by_label_contains("14 passed · 0 failed");

    harness
        .get_by_role_and_label(Role::Button, "Export JSON…")
        .click();
    harness.run_ok();
    prompt_without_dialog(&mut harness);
    // A file name in a folder that exists, ready to be written.
    let default = harness
        .get_by_role_and_label(Role::TextInput, "Path:")
        .value()
        .unwrap();
    let default = Path::new(&default);
    assert_eq!(
        default.file_name().unwrap(),
        "batch-chat-post-survey-email-transcript.json"
    );
    assert!(default.is_absolute() && default.parent().unwrap().is_dir());

    // A folder is refused with its reason; a file path is written, and the tab says where.
    retype(&mut harness, "Path:", &dir.display().to_string());
    harness
        .get_by_role_and_label(Role::Button, "Export")
        .click();
    wait_idle(&mut harness);
    harness.get_by_label_contains("This is a folder; type a file name after it");
    let report = dir.join("reports").join("batch.json");
    retype(&mut harness, "Path:", &report.display().to_string());
    harness
        .get_by_role_and_label(Role::Button, "Export")
        .click();
    wait_idle(&mut harness);
    harness.get_by_label(&format!("Wrote {}.", report.display()));
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(written["passed"], 14);

    // The next export starts in the folder last written to, asks no dialog again, and asks
    // before replacing a file.
    std::fs::write(&report, "keep").unwrap();
    harness
        .get_by_role_and_label(Role::Button, "Export JSON…")
        .click();
    harness.run_ok();
    assert!(!harness.state().jobs().is_running(JobKind::FileDialog));
    let default = harness
        .get_by_role_and_label(Role::TextInput, "Path:")
        .value()
        .unwrap();
    assert_eq!(
        Path::new(&default),
        dir.join("reports")
            .join("batch-chat-post-survey-email-transcript.json")
    );
    retype(&mut harness, "Path:", &report.display().to_string());
    harness
        .get_by_role_and_label(Role::Button, "Export")
        .click();
    wait_idle(&mut harness);
    harness.get_by_label_contains("exists. Replace it?");
    assert_eq!(std::fs::read_to_string(&report).unwrap(), "keep");
    harness
        .get_by_role_and_label(Role::Button, "Replace")
        .click();
    wait_idle(&mut harness);
    assert!(
        std::fs::read_to_string(&report)
            .unwrap()
            .contains("\"passed\"")
    );
}

#[test]
fn a_batch_row_opens_beside_the_table_with_the_rows_own_verdict() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path();
    // Every answer is an empty list: valid for the event's contract, but not what the samples
    // that expect an e-mail say.
    let server = TestServer::start(|_| Resp::json(200, serde_json::json!([])));
    configure_transcript(dir, &server.url("/fn"));
    let mut harness = harness(dir, Tab::Batch);
    harness
        .get_by_role_and_label(Role::Button, "Run batch")
        .click();
    wait_idle(&mut harness);
    harness.get_by_label_contains("8 passed · 6 failed");

    // Sorted by result, the failures first; the row opened is the row clicked.
    harness.get_by_label("Result").click();
    harness.run_ok();
    harness.get_by_label("Result ^");
    harness.get_by_label("transcript-csat-1.json").click();
    harness.run_ok();
    harness.get_by_label("transcript-csat-1.json · iteration 1");
    harness.get_by_label("This row:");
    harness.get_by_label("FAILED");
    harness.get_by_label("(the event's contract alone: passed)");
    assert!(harness.query_by_label("PASSED").is_none());

    // The pane is beside the table: the row's cell ends before the pane begins.
    let cell = harness.get_by_label("transcript-csat-1.json").rect();
    let close = harness.get_by_role_and_label(Role::Button, "Close").rect();
    assert!(
        cell.right() <= close.left(),
        "the table ({cell:?}) runs under the opened result ({close:?})"
    );
    harness.get_by_role_and_label(Role::Button, "Close").click();
    harness.run_ok();
    assert!(
        harness
            .query_by_label("transcript-csat-1.json · iteration 1")
            .is_none()
    );
}

#[test]
fn each_messaging_event_offers_its_own_sample_first() {
    let temp = tempfile::tempdir().unwrap();
    let events = [
        (EventId::MessagingSurveyStarted, "started", "ended"),
        (EventId::MessagingSurveyEnded, "ended", "started"),
    ];
    for (event, own, other) in events {
        let state = State {
            selected: event,
            tab: Tab::Invoke,
            ..State::default()
        };
        let files = Files::in_dir(temp.path());
        let mut harness = Harness::builder()
            .with_size(egui::vec2(1400.0, 1100.0))
            .build_eframe(move |_cc| SurveyConsoleApp::with_files(state, files));
        wait_idle(&mut harness);
        let shown: Vec<String> = harness
            .get_all_by_role(Role::ComboBox)
            .map(|n| format!("{:?} {:?}", n.accesskit_node().label(), n.value()))
            .collect();
        let payload = shown
            .iter()
            .find(|s| s.contains(".json"))
            .unwrap_or_else(|| panic!("no payload choice among {shown:?}"));
        assert!(
            payload.contains(&format!("messaging-survey-{own}.envelope.json")),
            "{event:?} offers {payload}"
        );
        assert!(!payload.contains(other), "{event:?} offers {payload}");
    }
}
