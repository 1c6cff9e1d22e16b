//! The console's peak memory while it holds a large payload, measured from outside:
//!
//!     cargo build --release --example console_memory
//!     /usr/bin/time -v target/release/examples/console_memory answers.json
//!
//! Runs the real console headless (egui_kittest, no GPU, no window), with its files in a
//! temporary folder; opens the file as the Payload tab's "Open…" does, lets the worker load and
//! check it, draws the table, checks it against each event and filters it, then prints what it
//! showed. Write a large payload with the `big_payload` example.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use egui_kittest::Harness;
use survey_console::catalog::EventId;
use survey_console::payload::RowFilter;
use survey_console::ui::{Command, FilePurpose, Files, State, SurveyConsoleApp, Tab};

fn wait(harness: &mut Harness<'static, SurveyConsoleApp>, what: &str) {
    let deadline = Instant::now() + Duration::from_secs(600);
    harness.step();
    while harness.state().is_busy() {
        if Instant::now() > deadline {
            eprintln!("{what} did not finish in 10 minutes");
            std::process::exit(1);
        }
        std::thread::sleep(Duration::from_millis(20));
        harness.step();
    }
    for _ in 0..3 {
        harness.step();
    }
}

fn main() {
    let Some(path) = std::env::args().nth(1).map(PathBuf::from) else {
        eprintln!("usage: console_memory PAYLOAD.json");
        std::process::exit(2);
    };
    let Ok(dir) = tempfile::tempdir() else {
        eprintln!("cannot make a temporary folder");
        std::process::exit(1);
    };
    let files = Files::in_dir(dir.path());
    let state = State {
        selected: EventId::ChatPostSurveyEmailTranscript,
        tab: Tab::Payload,
        ..State::default()
    };
    let mut harness = Harness::builder()
        .with_size(egui::vec2(1280.0, 900.0))
        .build_eframe(move |_cc| SurveyConsoleApp::with_files(state, files));
    wait(&mut harness, "starting");
    let ctx = harness.ctx.clone();
    let started = Instant::now();
    harness.state_mut().run_cmd(
        &ctx,
        Command::PathsChosen {
            purpose: FilePurpose::OpenPayload,
            paths: vec![path.clone()],
        },
    );
    wait(&mut harness, "loading");
    let loaded = started.elapsed();
    for event in EventId::ALL {
        harness
            .state_mut()
            .run_cmd(&ctx, Command::SelectEvent(event));
        wait(&mut harness, "checking");
    }
    let generation = harness.state().session().generation;
    harness.state_mut().run_cmd(
        &ctx,
        Command::FilterRows {
            generation,
            filter: RowFilter {
                text: "answer".to_owned(),
                only_findings: false,
            },
        },
    );
    wait(&mut harness, "filtering");
    let session = harness.state().session();
    match &session.load_error {
        Some(error) => println!("{}: {error}", path.display()),
        None => println!(
            "{}: loaded and shown in {:.1} s; {} rows shown after filtering",
            path.display(),
            loaded.as_secs_f64(),
            session.rows.rows.len()
        ),
    }
}
