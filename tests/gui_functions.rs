//! The Function and Invoke tabs driven headless with egui_kittest, against a real loopback
//! function server.
#![allow(clippy::unwrap_used)] // Test helpers may panic: a panic is a failed test.

mod support;

use support::gui::{configure_transcript, harness_in, wait_idle};

use std::path::Path;

use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use support::{TestServer, transcript_function};
use survey_console::catalog::EventId;
use survey_console::functions::{EndpointKind, FunctionStore};
use survey_console::ui::{Command, FilePurpose, Files, State, StoreState, SurveyConsoleApp, Tab};

fn harness(dir: &Path, event: EventId, tab: Tab) -> Harness<'static, SurveyConsoleApp> {
    let state = State {
        selected: event,
        tab,
        ..State::default()
    };
    harness_in(dir, state, egui::vec2(1400.0, 1000.0))
}

#[test]
fn create_a_function_and_a_second_create_is_refused_with_its_reason() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path();
    let mut harness = harness(dir, EventId::MessagingSurveyEnded, Tab::Function);
    harness.get_by_label("Create from template").click();
    wait_idle(&mut harness);
    harness.get_by_label(
        "Created 'pcs-ended' for Messaging Survey Ended from its template and saved it.",
    );
    // The left panel shows the function and its state.
    harness.get_by_label("fn pcs-ended · draft");
    let saved = FunctionStore::load(&dir.join("functions.json")).unwrap();
    let config = saved.get(EventId::MessagingSurveyEnded).unwrap();
    assert_eq!(config.name, "pcs-ended");
    assert!(config.code.contains("callback(null, \"ok\")"));
    // A new function runs in-process: it works before anything else is set up.
    assert_eq!(config.endpoint.kind(), EndpointKind::Local);

    // Once the function exists the creation controls are gone; a second create (as a script
    // or an old command would ask) is still refused with its reason.
    assert!(harness.query_by_label("Create from template").is_none());
    assert!(
        harness
            .query_by_label_contains("New function's name")
            .is_none()
    );
    let ctx = harness.ctx.clone();
    harness.state_mut().run_cmd(
        &ctx,
        Command::CreateFunction {
            event: EventId::MessagingSurveyEnded,
            name: "again".to_owned(),
        },
    );
    wait_idle(&mut harness);
    harness.get_by_label_contains(
        "Messaging Survey Ended already has a function, 'pcs-ended': edit or remove it",
    );
    let again = FunctionStore::load(&dir.join("functions.json")).unwrap();
    assert_eq!(again.file.functions.len(), 1);
}

#[test]
fn editing_shows_field_errors_and_saving_writes_the_file() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path();
    let mut harness = harness(dir, EventId::MessagingSurveyStarted, Tab::Function);
    harness.get_by_label("Create from template").click();
    wait_idle(&mut harness);
    // A new function runs in-process; give it a URL instead.
    harness.get_by_label("HTTP URL").click();
    harness.run_ok();
    let url = harness.get_by_role_and_label(Role::TextInput, "URL");
    url.focus();
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    harness
        .get_by_role_and_label(Role::TextInput, "URL")
        .type_text("ftp://127.0.0.1/fn");
    harness.run_ok();
    harness.get_by_label("the URL is not usable (scheme ftp: only http and https)");
    harness.get_by_label("1 field(s) to fix before saving");
    harness.get_by_label("Revert").click();
    harness.run_ok();
    assert!(harness.query_by_label_contains("scheme ftp").is_none());

    harness.get_by_label("Mark deployed").click();
    harness.run_ok();
    harness.get_by_label("Unsaved changes");
    harness.get_by_label("Save").click();
    wait_idle(&mut harness);
    harness.get_by_label("fn pcs-started · deployed");
    let saved = FunctionStore::load(&dir.join("functions.json")).unwrap();
    assert_eq!(
        saved
            .get(EventId::MessagingSurveyStarted)
            .unwrap()
            .state
            .as_str(),
        "deployed"
    );
    assert!(dir.join("functions.json.bak").exists());
}

#[test]
fn invoking_a_loopback_function_shows_the_email_list() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path();
    let server = TestServer::start(transcript_function);
    configure_transcript(dir, &server.url("/fn"));
    let mut harness = harness(dir, EventId::ChatPostSurveyEmailTranscript, Tab::Invoke);
    harness
        .get_by_role_and_label(Role::ComboBox, "Payload:")
        .click();
    harness.run_ok();
    harness.get_by_label("transcript-csat-2.json").click();
    harness.run_ok();
    harness
        .get_by_role_and_label(Role::Button, "Invoke")
        .click();
    wait_idle(&mut harness);
    harness.get_by_label("PASSED");
    harness.get_by_label("HTTP 200");
    harness.get_by_label(
        "1 e-mail would be sent: to ReplaceMe@company.com, subject \"Email Transcript Notification\"",
    );
    harness.get_by_label("Email Transcript Notification");
    let session = harness.state().session();
    assert_eq!(session.latest.as_ref().unwrap().emails.len(), 1);
    assert_eq!(session.history.len(), 1);
    // The history file holds the invocation.
    let history = std::fs::read_to_string(dir.join("history.jsonl")).unwrap();
    assert_eq!(history.lines().count(), 1);
}

#[test]
fn a_failing_endpoint_shows_its_error() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path();
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    configure_transcript(dir, &format!("http://127.0.0.1:{port}/fn"));
    let mut harness = harness(dir, EventId::ChatPostSurveyEmailTranscript, Tab::Invoke);
    harness
        .get_by_role_and_label(Role::Button, "Invoke")
        .click();
    wait_idle(&mut harness);
    harness.get_by_label("FAILED");
    harness.get_by_label_contains("network (refused): connection refused");
    harness.get_by_label("On an invocation error no e-mail is sent, and nothing is retried.");
}

#[test]
fn run_locally_runs_the_edited_code_and_shows_its_logs() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path();
    let mut harness = harness(dir, EventId::ChatPostSurveyEmailTranscript, Tab::Function);
    harness.get_by_label("Create from template").click();
    wait_idle(&mut harness);
    harness.get_by_label("Run locally").click();
    wait_idle(&mut harness);
    // The first bundled sample is the documented example: csatRank 3, CustomerCare, John Doe.
    harness.get_by_label("PASSED");
    harness.get_by_label(
        "1 e-mail would be sent: to ReplaceMe@company.com, subject \"Email Transcript Notification\"",
    );
    let latest = harness.state().session().latest.clone().unwrap();
    assert_eq!(latest.endpoint_kind, EndpointKind::Local);
    assert_eq!(
        latest.function.as_deref(),
        Some("chat-transcript-emails (as edited)")
    );

    // The messaging template logs what it got.
    harness.get_by_label("Messaging Survey Ended").click();
    harness.run_ok();
    harness.get_by_label("Create from template").click();
    wait_idle(&mut harness);
    harness.get_by_label("Run locally").click();
    wait_idle(&mut harness);
    harness.get_by_label("Logs (1)");
    harness.get_by_label_contains("for conversation c840e51e-5f65-4ad4-8d34-5c82b99a2200");
}

#[test]
fn export_and_import_keep_functions_and_refuse_a_second_one() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path();
    let mut harness = harness(dir, EventId::MessagingSurveyEnded, Tab::Function);
    harness.get_by_label("Create from template").click();
    wait_idle(&mut harness);
    let export = dir.join("export.json");
    let ctx = harness.ctx.clone();
    // What the file dialogs answer, applied as the dialog job would.
    harness.state_mut().run_cmd(
        &ctx,
        Command::PathsChosen {
            purpose: FilePurpose::ExportFunctions(None),
            paths: vec![export.clone()],
        },
    );
    wait_idle(&mut harness);
    harness.get_by_label_contains("Exported 1 function(s) to");
    harness.get_by_label("Remove…").click();
    harness.run_ok();
    harness.get_by_label("Remove the function").click();
    wait_idle(&mut harness);
    assert_eq!(harness.query_all_by_label("No function yet").count(), 3);
    harness.get_by_label_contains("Removed 'pcs-ended'");
    let import = |path: &Path| Command::PathsChosen {
        purpose: FilePurpose::ImportFunctions { replace: false },
        paths: vec![path.to_path_buf()],
    };
    harness.state_mut().run_cmd(&ctx, import(&export));
    wait_idle(&mut harness);
    harness.get_by_label_contains("Imported 1 function(s) from");
    harness.get_by_label("fn pcs-ended · draft");
    harness.state_mut().run_cmd(&ctx, import(&export));
    wait_idle(&mut harness);
    harness.get_by_label(
        "Messaging Survey Ended already has a function, 'pcs-ended': edit or remove it",
    );
}

/// A functions file that blocks its reader (a FIFO no one writes yet) keeps the console drawing:
/// the file is read by a background job, and the tab says so until it is read.
#[cfg(unix)]
#[test]
fn the_functions_file_is_read_off_the_ui_thread() {
    use std::io::Write as _;
    use std::time::Duration;

    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path();
    let fifo = dir.join("functions.json");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let (go, wait) = std::sync::mpsc::channel::<()>();
    let writer = fifo.clone();
    // Writes once the console showed it is reading, or after 10 s, so that a console reading on
    // the UI thread fails this test instead of hanging it.
    std::thread::Builder::new()
        .name("fifo-writer".into())
        .spawn(move || {
            let _ = wait.recv_timeout(Duration::from_secs(10));
            if let Ok(mut file) = std::fs::OpenOptions::new().write(true).open(&writer) {
                let _ = file.write_all(br#"{"version": 1, "functions": {}}"#);
            }
        })
        .unwrap();
    let state = State {
        selected: EventId::MessagingSurveyEnded,
        tab: Tab::Function,
        ..State::default()
    };
    let files = Files::in_dir(dir);
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1400.0, 1000.0))
        .build_eframe(move |_cc| SurveyConsoleApp::with_files(state, files));
    for _ in 0..3 {
        harness.step();
    }
    match &harness.state().session().functions {
        StoreState::Reading(path) => {
            assert_eq!(path, &fifo);
            harness.get_by_label(&format!("Reading {}…", fifo.display()));
            assert_eq!(
                harness
                    .query_all_by_label("reading the functions file…")
                    .count(),
                3
            );
        }
        // A core that refuses to read a FIFO says so at once: just as good.
        StoreState::Unreadable { .. } => {}
        StoreState::Ready(_) => panic!("the functions file was read before the first frame"),
    }
    go.send(()).unwrap();
    wait_idle(&mut harness);
    match &harness.state().session().functions {
        StoreState::Ready(store) => {
            assert!(store.file.functions.is_empty());
            harness.get_by_label("Create from template");
        }
        StoreState::Unreadable { error, .. } => {
            harness.get_by_label(error);
        }
        StoreState::Reading(_) => panic!("still reading"),
    }
}
