//! Driving the console headless: a harness over temporary files, and waiting for its
//! background jobs.

use std::path::Path;
use std::time::{Duration, Instant};

use egui_kittest::Harness;
use survey_console::catalog::EventId;
use survey_console::functions::{Endpoint, FunctionStore};
use survey_console::ui::{Files, State, SurveyConsoleApp};

/// Saves, in `dir`'s functions file, a transcript function named "emails" that calls `url`.
pub fn configure_transcript(dir: &Path, url: &str) {
    let event = EventId::ChatPostSurveyEmailTranscript;
    let mut store = FunctionStore::load(&Files::in_dir(dir).functions).unwrap();
    store.create(event, "emails").unwrap();
    let mut config = store.get(event).unwrap().clone();
    config.endpoint = Endpoint::Http {
        url: url.to_owned(),
        auth: Default::default(),
    };
    store.put(event, config).unwrap();
    store.save().unwrap();
}

/// A console of `size` whose files (functions, histories) all live in `dir`, started with
/// `state`; its first background reads are done when this returns.
pub fn harness_in(
    dir: &Path,
    state: State,
    size: egui::Vec2,
) -> Harness<'static, SurveyConsoleApp> {
    let files = Files::in_dir(dir);
    let mut harness = Harness::builder()
        .with_size(size)
        .build_eframe(move |_cc| SurveyConsoleApp::with_files(state, files));
    wait_idle(&mut harness);
    harness
}

/// Steps frames until the app's background jobs are done (at most 20 s, then the test fails).
pub fn wait_idle(harness: &mut Harness<'static, SurveyConsoleApp>) {
    let deadline = Instant::now() + Duration::from_secs(20);
    harness.run_ok();
    while harness.state().is_busy() {
        assert!(Instant::now() < deadline, "background job did not finish");
        std::thread::sleep(Duration::from_millis(10));
        harness.step();
    }
    harness.run_ok();
}

/// Steps frames until `done` holds (at most 20 s, then the test fails).
pub fn wait_until(
    harness: &mut Harness<'static, SurveyConsoleApp>,
    what: &str,
    mut done: impl FnMut(&Harness<'static, SurveyConsoleApp>) -> bool,
) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done(harness) {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(10));
        harness.step();
    }
}
