//! What the Invocations and Batch tabs show and send, driven headless with egui_kittest against
//! real loopback function servers: a cancelled call leaves no result behind (not even an older
//! one), and a function's unsaved edit is what they use, said so, with the saved version a click
//! away.
#![allow(clippy::unwrap_used)] // Test helpers may panic: a panic is a failed test.

mod support;

use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable as _;
use support::gui::{configure_transcript, harness_in, wait_idle, wait_until};
use support::{Req, TestServer, transcript_function};
use survey_console::catalog::EventId;
use survey_console::functions::{Endpoint, FunctionStore};
use survey_console::ui::{State, SurveyConsoleApp, Tab};

const TRANSCRIPT: EventId = EventId::ChatPostSurveyEmailTranscript;

fn harness(dir: &Path, tab: Tab) -> Harness<'static, SurveyConsoleApp> {
    let state = State {
        selected: TRANSCRIPT,
        tab,
        ..State::default()
    };
    harness_in(dir, state, egui::vec2(1400.0, 1100.0))
}

/// Replaces the text of the text field labelled `label`.
fn retype(harness: &mut Harness<'static, SurveyConsoleApp>, label: &str, text: &str) {
    harness
        .get_by_role_and_label(Role::TextInput, label)
        .focus();
    harness.run_ok();
    harness.key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    harness
        .get_by_role_and_label(Role::TextInput, label)
        .type_text(text);
    harness.run_ok();
}

fn history_lines(dir: &Path) -> usize {
    std::fs::read_to_string(dir.join("history.jsonl"))
        .map(|t| t.lines().count())
        .unwrap_or(0)
}

#[test]
fn a_cancelled_invocation_shows_no_result_not_even_the_previous_one() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path();
    // `/slow` answers only once released; `/fn` at once.
    let released = Arc::new(AtomicBool::new(false));
    let gate = Arc::clone(&released);
    let server = TestServer::start(move |req: &Req| {
        if req.url.starts_with("/slow") {
            let deadline = Instant::now() + Duration::from_secs(20);
            while !gate.load(Ordering::Relaxed) && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(5));
            }
        }
        transcript_function(req)
    });
    configure_transcript(dir, &server.url("/fn"));
    let mut harness = harness(dir, Tab::Invoke);
    harness
        .get_by_role_and_label(Role::Button, "Invoke")
        .click();
    wait_idle(&mut harness);
    harness.get_by_label("PASSED");

    // A call to another endpoint: while it runs, the older result is not shown as if current.
    retype(&mut harness, "Invoke a URL instead:", &server.url("/slow"));
    harness
        .get_by_role_and_label(Role::Button, "Invoke")
        .click();
    wait_until(&mut harness, "the request to arrive", |_| {
        server.count("/slow") == 1
    });
    harness.run_ok();
    harness.get_by_label("Waiting for the answer…");
    assert!(harness.query_by_label("PASSED").is_none());

    harness
        .get_by_role_and_label(Role::Button, "Cancel")
        .click();
    harness.run_ok();
    harness.get_by_label("The last invocation was cancelled: no result.");
    harness.get_by_label("Cancelled: the console stopped waiting, and any late answer is ignored.");
    assert!(harness.query_by_label("PASSED").is_none());
    assert!(
        !harness.state().is_busy(),
        "the cancelled job left the registry"
    );

    // The late answer arrives and changes nothing: not shown, not recorded.
    released.store(true, Ordering::Relaxed);
    for _ in 0..30 {
        std::thread::sleep(Duration::from_millis(10));
        harness.step();
    }
    harness.run_ok();
    assert!(harness.query_by_label("PASSED").is_none());
    assert_eq!(harness.state().session().history.len(), 1);
    assert_eq!(history_lines(dir), 1);

    // The next invocation runs and shows its own result.
    harness
        .get_by_role_and_label(Role::Button, "Invoke")
        .click();
    wait_idle(&mut harness);
    harness.get_by_label("PASSED");
    assert_eq!(server.count("/slow"), 2);
    assert_eq!(history_lines(dir), 2);
}

#[test]
fn invocations_and_batches_use_the_unsaved_edit_and_say_so() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path();
    let saved = TestServer::start(transcript_function);
    let edited = TestServer::start(transcript_function);
    configure_transcript(dir, &saved.url("/fn"));
    let mut harness = harness(dir, Tab::Function);

    // An edit in the Function tab, not saved.
    retype(&mut harness, "URL", &edited.url("/fn"));
    harness.get_by_label("Unsaved changes");
    harness.get_by_label("fn emails · draft · unsaved edit");

    harness.get_by_label("Invocations").click();
    harness.run_ok();
    harness.get_by_label("Unsaved edit:");
    harness.get_by_label_contains(&edited.url("/fn"));
    harness
        .get_by_role_and_label(Role::Button, "Invoke")
        .click();
    wait_idle(&mut harness);
    harness.get_by_label("PASSED");
    assert_eq!((saved.count("/fn"), edited.count("/fn")), (0, 1));
    // The record names what was sent: in the result and in the history.
    assert_eq!(
        harness
            .query_all_by_label_contains("emails (unsaved edit)")
            .count(),
        2
    );

    // The saved version, chosen explicitly.
    harness.get_by_label("use the saved version").click();
    harness.run_ok();
    harness.get_by_label_contains(&saved.url("/fn"));
    harness
        .get_by_role_and_label(Role::Button, "Invoke")
        .click();
    wait_idle(&mut harness);
    assert_eq!((saved.count("/fn"), edited.count("/fn")), (1, 1));

    // The Batch tab follows the same choice, and shows it.
    harness.get_by_label("Batch").click();
    harness.run_ok();
    harness
        .get_by_role_and_label(Role::Button, "Run batch")
        .click();
    wait_idle(&mut harness);
    harness.get_by_label_contains("14 passed · 0 failed");
    assert_eq!((saved.count("/fn"), edited.count("/fn")), (15, 1));
    harness.get_by_label("use the edit").click();
    harness.run_ok();
    harness
        .get_by_role_and_label(Role::Button, "Run batch")
        .click();
    wait_idle(&mut harness);
    assert_eq!((saved.count("/fn"), edited.count("/fn")), (15, 15));

    // An edit with a field to fix cannot be sent: the saved version is, and the tab says so.
    harness.get_by_label("Function").click();
    harness.run_ok();
    retype(&mut harness, "URL", "ftp://127.0.0.1/fn");
    harness.get_by_label("Invocations").click();
    harness.run_ok();
    harness.get_by_label("Unsaved edit with 1 field(s) to fix: the saved version is used");
    harness
        .get_by_role_and_label(Role::Button, "Invoke")
        .click();
    wait_idle(&mut harness);
    assert_eq!((saved.count("/fn"), edited.count("/fn")), (16, 15));

    // Nothing of the edit reached the file.
    let on_disk = FunctionStore::load(&dir.join("functions.json")).unwrap();
    match &on_disk.get(TRANSCRIPT).unwrap().endpoint {
        Endpoint::Http { url, .. } => assert_eq!(url, &saved.url("/fn")),
        other => panic!("unexpected endpoint {other:?}"),
    }
}
