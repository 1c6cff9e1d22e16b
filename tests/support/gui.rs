//! Driving the console headless: waiting for its background work.

use std::time::{Duration, Instant};

use egui_kittest::Harness;
use survey_console::ui::SurveyConsoleApp;

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
