//! Measures the console's `ui()` time per frame with a payload of a million rows or more open,
//! driving the app headless as egui_kittest does (no window, no GPU: what is measured is the
//! console's own drawing code, not the renderer).
//!
//!     cargo run --release --example ui_frame_time [ROWS]
//!
//! Builds a transcript payload with about ROWS rows (default 1,000,000), loads it through the
//! console as a dropped file would be, and then times frames of the Payload tab at rest, while
//! the table is scrolled with the mouse wheel, and of the Fields tab. Each line gives the
//! median, the 95th percentile and the longest `ui()` time of its frames, and the same for the
//! whole frame as the harness runs it (which adds egui's own layout passes and the
//! accessibility tree the harness reads).

use std::time::{Duration, Instant};

use egui_kittest::Harness;
use serde_json::{Value, json};
use survey_console::payload::{inspect, parse_bytes};
use survey_console::ui::{Command, Files, State, SurveyConsoleApp, Tab};

/// A transcript payload with `items` answered questions.
fn transcript(items: usize) -> Vec<u8> {
    let item = json!({
        "question": "How would you rate the knowledge of the agent who helped you today?",
        "answer": "Very knowledgeable;Answered quickly;Friendly"
    });
    let list: Vec<Value> = (0..items).map(|_| item.clone()).collect();
    let doc = json!({
        "timestamp": 1_700_000_000_000_u64,
        "headers": [],
        "payload": {
            "csatRank": 2,
            "skillName": "CustomerCare",
            "agentName": "John Doe",
            "questionWithAnswers": list,
        }
    });
    serde_json::to_vec(&doc).unwrap_or_default()
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Median, 95th percentile and longest of `times`, in ms.
fn summary(times: &mut [Duration]) -> String {
    times.sort();
    let at = |q: f64| times[((times.len() - 1) as f64 * q).round() as usize];
    format!(
        "median {:>6.2} ms · p95 {:>6.2} ms · max {:>6.2} ms",
        ms(at(0.5)),
        ms(at(0.95)),
        ms(at(1.0))
    )
}

/// Runs `frames` frames, `before` each, and prints their `ui()` and whole-frame times.
fn measure(
    harness: &mut Harness<'static, SurveyConsoleApp>,
    name: &str,
    frames: usize,
    mut before: impl FnMut(&mut Harness<'static, SurveyConsoleApp>),
) {
    let mut ui_times = Vec::with_capacity(frames);
    let mut frame_times = Vec::with_capacity(frames);
    for _ in 0..frames {
        before(harness);
        let start = Instant::now();
        harness.step();
        frame_times.push(start.elapsed());
        ui_times.push(harness.state().last_ui_time());
    }
    println!("{name:<28} ui() {}", summary(&mut ui_times));
    println!("{:<28} frame {}", "", summary(&mut frame_times));
}

fn main() {
    let rows_wanted: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.replace('_', "").parse().ok())
        .unwrap_or(1_000_000);
    // Each answered question is three rows (the item, its question, its answer).
    let bytes = transcript(rows_wanted / 3 + 1);
    let Ok(dir) = tempfile::tempdir() else {
        eprintln!("no temporary folder");
        return;
    };
    let path = dir.path().join("large-transcript.json");
    if let Err(e) = std::fs::write(&path, &bytes) {
        eprintln!("cannot write {}: {e}", path.display());
        return;
    }
    let rows = parse_bytes(&bytes, "large-transcript.json")
        .map(|p| inspect(&p, None).row_count())
        .unwrap_or(0);
    drop(bytes);
    println!(
        "payload: {rows} rows, {:.1} MB",
        std::fs::metadata(&path).map_or(0.0, |m| m.len() as f64 / 1e6)
    );

    let state = State {
        tab: Tab::Payload,
        ..State::default()
    };
    let files = Files::in_dir(dir.path());
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1280.0, 800.0))
        .build_eframe(move |_cc| SurveyConsoleApp::with_files(state, files));
    let ctx = harness.ctx.clone();
    harness
        .state_mut()
        .run_cmd(&ctx, Command::LoadFile(path.clone()));
    let start = Instant::now();
    while harness.state().is_busy() || harness.state().session().loaded.is_none() {
        if start.elapsed() > Duration::from_secs(120) {
            eprintln!("the payload did not load within 2 minutes");
            return;
        }
        std::thread::sleep(Duration::from_millis(5));
        harness.step();
    }
    println!(
        "loaded in {:.0} ms (on a worker; the window stayed responsive)",
        ms(start.elapsed())
    );
    for _ in 0..10 {
        harness.step();
    }

    measure(&mut harness, "Payload tab, at rest", 300, |_| {});
    let over_table = egui::pos2(700.0, 500.0);
    measure(&mut harness, "Payload tab, scrolling", 300, |h| {
        h.hover_at(over_table);
        h.event(egui::Event::MouseWheel {
            unit: egui::MouseWheelUnit::Line,
            delta: egui::vec2(0.0, -40.0),
            phase: egui::TouchPhase::Move,
            source: egui::MouseWheelSource::Unknown,
            modifiers: egui::Modifiers::NONE,
        });
    });
    let ctx = harness.ctx.clone();
    harness
        .state_mut()
        .run_cmd(&ctx, Command::ShowTab(Tab::Fields));
    measure(&mut harness, "Fields tab", 300, |_| {});
}
