//! The console beside other programs and damaged files, driven headless with egui_kittest: what
//! the histories could not read is said beside them, and a save applies its change on top of
//! one made elsewhere, or offers to reload or overwrite when both changed the same function.
#![allow(clippy::unwrap_used)] // Test helpers may panic: a panic is a failed test.

mod support;

use std::io::Write as _;

use egui_kittest::kittest::Queryable as _;
use support::gui::{configure_transcript, harness_in, wait_idle};
use survey_console::catalog::EventId;
use survey_console::functions::{FunctionConfig, FunctionState, FunctionStore};
use survey_console::invoke::Invocation;
use survey_console::livechat::HistoryEntry;
use survey_console::ui::{Command, Files, State, Tab, View};

#[test]
fn lines_the_histories_cannot_read_are_counted_beside_them() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path();
    let files = Files::in_dir(dir);
    let good = serde_json::to_string(&Invocation {
        at_ms: 1_700_000_000_000,
        event: EventId::ChatPostSurveyEmailTranscript,
        ..Invocation::default()
    })
    .unwrap();
    let mut history = std::fs::File::create(&files.history).unwrap();
    // Invalid UTF-8, a good record, and a record cut mid-write.
    history.write_all(b"\xff\xfe\n").unwrap();
    history.write_all(good.as_bytes()).unwrap();
    history.write_all(b"\n{\"at_ms\":").unwrap();
    drop(history);
    let entry = HistoryEntry {
        at_unix_s: 1_700_000_000,
        server: "http://chat.example".into(),
        rid: "r1".into(),
        token: "abcd…".into(),
        success: true,
        http_status: Some(200),
        accepted: Vec::new(),
        dropped: Vec::new(),
        error_code: None,
        error: None,
    };
    let line = serde_json::to_string(&entry).unwrap();
    std::fs::write(&files.livechat_history, format!("not json\n{line}\n")).unwrap();

    let state = State {
        selected: EventId::ChatPostSurveyEmailTranscript,
        tab: Tab::Invoke,
        ..State::default()
    };
    let harness = harness_in(dir, state, egui::vec2(1400.0, 1000.0));
    harness.get_by_label("2 lines of the history file could not be read and were skipped.");
    assert_eq!(harness.state().session().history.len(), 1);

    let state = State {
        view: View::Livechat,
        ..State::default()
    };
    let mut harness = harness_in(dir, state, egui::vec2(1400.0, 1000.0));
    harness.run_ok();
    harness.get_by_label("1 line of the history file could not be read and was skipped.");
    harness.get_by_label("History (1)");
}

/// Changes the functions file as another program would (the CLI, another console).
fn change_elsewhere(dir: &std::path::Path, event: EventId, description: &str) {
    let path = Files::in_dir(dir).functions;
    FunctionStore::update(&path, |store| {
        let mut config = store
            .get(event)
            .cloned()
            .unwrap_or_else(|| FunctionConfig::from_template(event, "elsewhere"));
        config.description = description.to_owned();
        store.put(event, config)
    })
    .unwrap();
}

#[test]
fn a_save_keeps_a_change_made_elsewhere_and_a_clash_offers_reload_or_overwrite() {
    let temp = tempfile::tempdir().unwrap();
    let dir = temp.path();
    configure_transcript(dir, "http://127.0.0.1:9/fn");
    let event = EventId::ChatPostSurveyEmailTranscript;
    let state = State {
        selected: event,
        tab: Tab::Function,
        ..State::default()
    };
    let mut harness = harness_in(dir, state, egui::vec2(1400.0, 1000.0));

    // Another program adds a function for another event; the console's save keeps it.
    change_elsewhere(dir, EventId::MessagingSurveyEnded, "added elsewhere");
    harness.get_by_label("Mark deployed").click();
    harness.run_ok();
    harness.get_by_label("Save").click();
    wait_idle(&mut harness);
    harness.get_by_label_contains(
        "The file had changed on disk: the change to Messaging Survey Ended made elsewhere was kept.",
    );
    let on_disk = FunctionStore::load(&Files::in_dir(dir).functions).unwrap();
    assert_eq!(on_disk.get(event).unwrap().state, FunctionState::Deployed);
    assert_eq!(
        on_disk
            .get(EventId::MessagingSurveyEnded)
            .unwrap()
            .description,
        "added elsewhere"
    );

    // Another program changes the same function: the save is refused, nothing is written, and
    // the console offers to reload or to overwrite with its edit.
    change_elsewhere(dir, event, "changed elsewhere");
    let mut edit = harness
        .state()
        .session()
        .store()
        .unwrap()
        .get(event)
        .unwrap()
        .clone();
    edit.description = "changed in the console".to_owned();
    let ctx = harness.ctx.clone();
    harness.state_mut().run_cmd(
        &ctx,
        Command::EditDraft {
            event,
            config: Box::new(edit),
        },
    );
    harness.run_ok();
    harness.get_by_label("Save").click();
    wait_idle(&mut harness);
    harness.get_by_label_contains(
        "the function of Chat Post Survey E-mail Transcript changed on disk since the file was loaded",
    );
    harness.get_by_label("Reload the file (keep my edit to redo)");
    let on_disk = FunctionStore::load(&Files::in_dir(dir).functions).unwrap();
    assert_eq!(on_disk.get(event).unwrap().description, "changed elsewhere");
    harness
        .get_by_label("Overwrite the file with my edit")
        .click();
    wait_idle(&mut harness);
    let on_disk = FunctionStore::load(&Files::in_dir(dir).functions).unwrap();
    assert_eq!(
        on_disk.get(event).unwrap().description,
        "changed in the console"
    );
}
