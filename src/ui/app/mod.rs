//! The console's root. Each frame it takes what background jobs finished, draws the panels over
//! a read-only [`ViewContext`], and then applies every [`Command`] (queued by panels, shortcuts
//! and jobs) in one match, `run_cmd` (`command_handling.rs`): the only code that changes the
//! session or the persisted state, writes files or starts jobs.
//!
//! - `state.rs`: what is persisted; `session.rs`, `batch_state.rs`: what the tabs share while
//!   the console runs.
//! - `commands.rs`: every command, as data; `jobs.rs`: the registry of background jobs.
//! - `frame.rs`: the window's layout; `command_handling.rs` and `apply_*.rs`: the applier.
//!
//! Panels import the leaf files above (never this one), so the UI's files import no circle.

pub(super) mod actions;
mod apply_batch;
mod apply_functions;
mod apply_invoke;
mod apply_livechat;
mod apply_local;
mod apply_paths;
mod apply_payload;
mod apply_request;
mod apply_shell;
pub(super) mod batch_state;
mod command_handling;
pub(super) mod commands;
pub(super) mod context;
mod frame;
pub(super) mod jobs;
pub(super) mod paths;
pub(super) mod request;
pub(super) mod session;
pub(super) mod state;

pub use actions::{Menu, UiAction};
pub use batch_state::{BatchSession, BatchView};
pub use commands::{
    BatchPayloads, BatchRequest, Command, Copied, FilePurpose, FunctionVersion, FunctionsMessage,
    InvokePayload, InvokeSource, LivechatCommand, PathCheck, ReportFormat,
};
pub use context::ViewContext;
pub use jobs::{JobInfo, JobKind, Jobs};
pub use paths::PathPrompt;
pub use request::{RequestCheck, RequestEdit};
pub use session::{
    EditUse, Files, FunctionInUse, InvokeStatus, LivechatSession, Loaded, Notice, Overlay, Session,
    StoreState,
};
pub use state::{State, Tab, ThemeChoice, View};

use super::panels::Panels;
use super::widgets::busy::BUSY_REPAINT;

/// The console application.
pub struct SurveyConsoleApp {
    /// Persisted state.
    pub state: State,
    session: Session,
    jobs: Jobs<Command>,
    panels: Panels,
    /// False until the first frame has started the background reads.
    started: bool,
    /// How long the last `ui()` took (drawing the panels and applying their commands).
    last_ui_time: std::time::Duration,
}

impl SurveyConsoleApp {
    /// Creates the console, restoring persisted state when there is any.
    pub fn new(cc: &eframe::CreationContext<'_>) -> Self {
        let state = cc
            .storage
            .and_then(|s| eframe::get_value::<State>(s, eframe::APP_KEY))
            .unwrap_or_default();
        let files = Files::default_for(state.functions_path.clone());
        let mut app = Self::with_files(state, files);
        app.start(&cc.egui_ctx);
        app
    }

    /// Creates the console with the given state and the default files.
    pub fn with_state(state: State) -> Self {
        let files = Files::default_for(state.functions_path.clone());
        Self::with_files(state, files)
    }

    /// Creates the console with the given state, functions file and history file; the Livechat
    /// history goes beside the history file (tests use temporary ones).
    pub fn with_paths(
        state: State,
        functions: std::path::PathBuf,
        history: std::path::PathBuf,
    ) -> Self {
        let livechat_history = history.with_file_name("livechat-history.jsonl");
        let livechat_rate_limits = history.with_file_name("livechat-rate-limits.json");
        Self::with_files(
            state,
            Files {
                functions,
                history,
                livechat_history,
                livechat_rate_limits,
                ..Files::default_for(None)
            },
        )
    }

    /// Creates the console over the given files. The functions file and the histories are
    /// read by background jobs once the first frame runs.
    pub fn with_files(state: State, files: Files) -> Self {
        SurveyConsoleApp {
            state,
            session: Session::new(files),
            jobs: Jobs::default(),
            panels: Panels::default(),
            started: false,
            last_ui_time: std::time::Duration::ZERO,
        }
    }

    /// The console as on a desktop with no file dialog: every prompt asks for a typed path and
    /// no system dialog is started (headless runs and tests).
    pub fn without_file_dialog(mut self) -> Self {
        self.session.no_dialog = true;
        self
    }

    /// What the console holds while it runs (read-only: commands change it).
    pub fn session(&self) -> &Session {
        &self.session
    }

    /// The running background jobs.
    pub fn jobs(&self) -> &Jobs<Command> {
        &self.jobs
    }

    /// True while any background job runs.
    pub fn is_busy(&self) -> bool {
        !self.jobs.is_empty()
    }

    /// How long the last frame's `ui()` took: drawing every panel and applying what they
    /// asked for (the figure `examples/ui_frame_time.rs` reports).
    pub fn last_ui_time(&self) -> std::time::Duration {
        self.last_ui_time
    }

    /// Starts the background reads of the functions file and the histories (once).
    fn start(&mut self, ctx: &egui::Context) {
        if std::mem::replace(&mut self.started, true) {
            return;
        }
        self.apply_appearance(ctx);
        let path = self.session.files.functions.clone();
        self.open_functions(ctx, path);
        self.read_history(ctx);
        self.read_livechat_history(ctx);
    }

    /// Applies the commands in order, then asks for a frame that shows what they changed.
    fn apply_all(&mut self, ctx: &egui::Context, commands: Vec<Command>) {
        if commands.is_empty() {
            return;
        }
        for command in commands {
            self.run_cmd(ctx, command);
        }
        ctx.request_repaint();
    }
}

impl eframe::App for SurveyConsoleApp {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        self.start(ctx);
        if ctx.input(|i| i.viewport().close_requested()) {
            self.close_requested(ctx);
        }
        let finished = self.jobs.finished();
        self.apply_all(ctx, finished);
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        let started = std::time::Instant::now();
        let commands = self.draw(ui);
        self.apply_all(ui.ctx(), commands);
        self.last_ui_time = started.elapsed();
        // Waiting costs little: a running job's spinner and clock step a few times a second
        // (`widgets::busy`), finished jobs ask for a frame themselves, and a passing message
        // asks for the frame that takes it away.
        if self.is_busy() {
            ui.ctx().request_repaint_after(BUSY_REPAINT);
        }
        if let Some(notice) = self.session.notice() {
            let left = Notice::SHOWN_FOR.saturating_sub(notice.at.elapsed());
            ui.ctx().request_repaint_after(left);
        }
        if let Some((_, at)) = self.session.copied {
            let left = Copied::SHOWN_FOR.saturating_sub(at.elapsed());
            if !left.is_zero() {
                ui.ctx().request_repaint_after(left);
            }
        }
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, eframe::APP_KEY, &self.state);
    }
}
