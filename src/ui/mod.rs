//! The desktop console (eframe/egui). The only module that imports egui, eframe, rfd or
//! poll-promise; everything it shows comes from the core modules.
//!
//! - `app/`: the root, its state, the commands and the one place that applies them, the job
//!   registry (see `app/mod.rs`).
//! - `panels/`: one file (or folder) per panel; each draws from a read-only context and pushes
//!   commands.
//! - `widgets/`: drawing functions over core data that several panels use (the invocation
//!   record, the latency plots, colours).

mod app;
mod panels;
mod widgets;

use std::process::ExitCode;
use std::sync::Arc;

pub use app::{
    BatchPayloads, BatchRequest, BatchSession, BatchView, Command, Copied, EditUse, FilePurpose,
    Files, FunctionInUse, FunctionVersion, FunctionsMessage, InvokePayload, InvokeSource,
    InvokeStatus, JobInfo, JobKind, Jobs, LivechatCommand, LivechatSession, Loaded, Menu, Notice,
    Overlay, PathCheck, PathPrompt, ReportFormat, RequestCheck, RequestEdit, Session, State,
    StoreState, SurveyConsoleApp, Tab, ThemeChoice, UiAction, View, ViewContext,
};

/// Opens the console window and runs until it is closed.
pub fn run_native() -> ExitCode {
    let icon = egui::IconData {
        rgba: include_bytes!("../../assets/icon-64.rgba").to_vec(),
        width: 64,
        height: 64,
    };
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title("survey-console")
            .with_app_id("survey-console")
            .with_inner_size([1200.0, 760.0])
            .with_min_inner_size([640.0, 400.0])
            .with_drag_and_drop(true)
            .with_icon(Arc::new(icon)),
        ..Default::default()
    };
    match eframe::run_native(
        "survey-console",
        options,
        Box::new(|cc| Ok(Box::new(SurveyConsoleApp::new(cc)))),
    ) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!(
                "survey-console: cannot open the console window ({err}). It needs an X11 or \
                 Wayland display and OpenGL 2+ (Mesa's software renderer works: \
                 LIBGL_ALWAYS_SOFTWARE=1). Every feature is also available headless: \
                 survey-console --help"
            );
            ExitCode::from(1)
        }
    }
}
