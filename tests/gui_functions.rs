//! The Function and Invoke tabs driven headless with egui_kittest, against a real loopback
//! function server.
#![allow(clippy::unwrap_used)] // Test helpers may panic: a panic is a failed test.

mod support;

use support::gui::wait_idle;

use std::path::{Path, PathBuf};

use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use support::{TestServer, transcript_function};
use survey_console::catalog::EventId;
use survey_console::functions::{Endpoint, EndpointKind, FunctionStore};
use survey_console::ui::{Command, State, SurveyConsoleApp, Tab};

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("sc-gui-fn-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn harness(dir: &Path, event: EventId, tab: Tab) -> Harness<'static, SurveyConsoleApp> {
    let (functions, history) = (dir.join("functions.json"), dir.join("history.jsonl"));
    Harness::builder()
        .with_size(egui::vec2(1400.0, 1000.0))
        .build_eframe(move |_cc| {
            let state = State {
                selected: event,
                tab,
                ..State::default()
            };
            SurveyConsoleApp::with_paths(state, functions, history)
        })
}

/// Writes a functions file whose transcript function calls `url`.
fn configure_transcript(dir: &Path, url: &str) {
    let mut store = FunctionStore::load(&dir.join("functions.json")).unwrap();
    store
        .create(EventId::ChatPostSurveyEmailTranscript, "emails")
        .unwrap();
    let mut config = store
        .get(EventId::ChatPostSurveyEmailTranscript)
        .unwrap()
        .clone();
    config.endpoint = Endpoint::Http {
        url: url.to_owned(),
        auth: Default::default(),
    };
    store
        .put(EventId::ChatPostSurveyEmailTranscript, config)
        .unwrap();
    store.save().unwrap();
}

#[test]
fn create_a_function_and_a_second_create_is_refused_with_its_reason() {
    let dir = temp_dir("create");
    let mut harness = harness(&dir, EventId::MessagingSurveyEnded, Tab::Function);
    harness.run_ok();
    harness.get_by_label("Create from template").click();
    harness.run_ok();
    harness.get_by_label(
        "Created 'pcs-ended' for Messaging Survey Ended from its template and saved it.",
    );
    // The left panel shows the function and its state.
    harness.get_by_label("fn pcs-ended · draft");
    let saved = FunctionStore::load(&dir.join("functions.json")).unwrap();
    let config = saved.get(EventId::MessagingSurveyEnded).unwrap();
    assert_eq!(config.name, "pcs-ended");
    assert!(config.code.contains("callback(null, \"ok\")"));

    harness.get_by_label("Create from template").click();
    harness.run_ok();
    harness.get_by_label(
        "Messaging Survey Ended already has a function, 'pcs-ended': edit or remove it",
    );
    let again = FunctionStore::load(&dir.join("functions.json")).unwrap();
    assert_eq!(again.file.functions.len(), 1);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn editing_shows_field_errors_and_saving_writes_the_file() {
    let dir = temp_dir("edit");
    let mut harness = harness(&dir, EventId::MessagingSurveyStarted, Tab::Function);
    harness.run_ok();
    harness.get_by_label("Create from template").click();
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
    harness.run_ok();
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
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn invoking_a_loopback_function_shows_the_email_list() {
    let dir = temp_dir("invoke");
    let server = TestServer::start(transcript_function);
    configure_transcript(&dir, &server.url("/fn"));
    let mut harness = harness(&dir, EventId::ChatPostSurveyEmailTranscript, Tab::Invoke);
    harness.run_ok();
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
    let app = harness.state();
    assert_eq!(app.latest.as_ref().unwrap().emails.len(), 1);
    assert_eq!(app.history.len(), 1);
    // The history file holds the invocation.
    let history = std::fs::read_to_string(dir.join("history.jsonl")).unwrap();
    assert_eq!(history.lines().count(), 1);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_failing_endpoint_shows_its_error() {
    let dir = temp_dir("fail");
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    configure_transcript(&dir, &format!("http://127.0.0.1:{port}/fn"));
    let mut harness = harness(&dir, EventId::ChatPostSurveyEmailTranscript, Tab::Invoke);
    harness.run_ok();
    harness
        .get_by_role_and_label(Role::Button, "Invoke")
        .click();
    wait_idle(&mut harness);
    harness.get_by_label("FAILED");
    harness.get_by_label_contains("network (refused): connection refused");
    harness.get_by_label("On an invocation error no e-mail is sent, and nothing is retried.");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn run_locally_runs_the_edited_code_and_shows_its_logs() {
    let dir = temp_dir("local");
    let mut harness = harness(&dir, EventId::ChatPostSurveyEmailTranscript, Tab::Function);
    harness.run_ok();
    harness.get_by_label("Create from template").click();
    harness.run_ok();
    harness.get_by_label("Run locally").click();
    wait_idle(&mut harness);
    // The first bundled sample is the documented example: csatRank 3, CustomerCare, John Doe.
    harness.get_by_label("PASSED");
    harness.get_by_label(
        "1 e-mail would be sent: to ReplaceMe@company.com, subject \"Email Transcript Notification\"",
    );
    let latest = harness.state().latest.clone().unwrap();
    assert_eq!(latest.endpoint_kind, EndpointKind::Local);
    assert_eq!(
        latest.function.as_deref(),
        Some("chat-transcript-emails (as edited)")
    );

    // The messaging template logs what it got.
    harness.get_by_label("Messaging Survey Ended").click();
    harness.run_ok();
    harness.get_by_label("Create from template").click();
    harness.run_ok();
    harness.get_by_label("Run locally").click();
    wait_idle(&mut harness);
    harness.get_by_label("Logs (1)");
    harness.get_by_label_contains("for conversation c840e51e-5f65-4ad4-8d34-5c82b99a2200");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn export_and_import_keep_functions_and_refuse_a_second_one() {
    let dir = temp_dir("import");
    let mut harness = harness(&dir, EventId::MessagingSurveyEnded, Tab::Function);
    harness.run_ok();
    harness.get_by_label("Create from template").click();
    harness.run_ok();
    let export = dir.join("export.json");
    let ctx = harness.ctx.clone();
    // The dialogs return these paths in the console; here the commands are applied directly.
    harness.state_mut().run_cmd(
        &ctx,
        Command::ExportFunctions {
            path: export.clone(),
            event: None,
        },
    );
    harness.run_ok();
    harness.get_by_label_contains("Exported 1 function(s) to");
    harness.get_by_label("Remove…").click();
    harness.run_ok();
    harness.get_by_label("Remove the function").click();
    harness.run_ok();
    assert_eq!(harness.query_all_by_label("No function yet").count(), 3);
    harness.get_by_label_contains("Removed 'pcs-ended'");
    harness.state_mut().run_cmd(
        &ctx,
        Command::ImportFunctions {
            path: export.clone(),
            replace: false,
        },
    );
    harness.run_ok();
    harness.get_by_label_contains("Imported 1 function(s) from");
    harness.get_by_label("fn pcs-ended · draft");
    harness.state_mut().run_cmd(
        &ctx,
        Command::ImportFunctions {
            path: export,
            replace: false,
        },
    );
    harness.run_ok();
    harness.get_by_label(
        "Messaging Survey Ended already has a function, 'pcs-ended': edit or remove it",
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
