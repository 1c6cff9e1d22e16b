//! The console's root: persisted state, background jobs, and the one place where commands that
//! panels queue while drawing are applied.

use std::path::PathBuf;
use std::sync::Arc;

use egui::{Key, KeyboardShortcut, Modifiers};
use serde::{Deserialize, Serialize};

use std::sync::Mutex;
use std::sync::atomic::AtomicBool;

use super::batch_job::BatchRuns;
use super::batch_panel::BatchPanel;
pub use super::commands::{Command, FunctionsDialog};
use super::events_panel::EventsPanel;
use super::fields_tab::FieldsTab;
use super::function_panel::{FunctionPanel, LocalRunView};
use super::invoke_panel::{InvokePanel, Running};
use super::jobs::Pending;
use super::livechat_panel::LivechatPanel;
use super::payload_tab::PayloadTab;
use super::theme;
use crate::catalog::EventId;
use crate::catalog::samples::{SAMPLES, Sample};
use crate::functions::{FunctionStore, default_path};
use crate::invoke::{History, Invocation, SessionSecrets, default_history_path};
use crate::payload::{Inspection, Payload};

/// How many recent files the console remembers.
const RECENT_MAX: usize = 10;

const OPEN_SHORTCUT: KeyboardShortcut = KeyboardShortcut::new(Modifiers::COMMAND, Key::O);

/// The tabs shown for the selected event.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum Tab {
    /// The documented fields of the event.
    #[default]
    Fields,
    /// The loaded payload, flattened and checked.
    Payload,
    /// The event's one function: code, endpoint, auth.
    Function,
    /// Test invocations and their history.
    Invoke,
    /// Many payloads at once: pass/fail, latency, reports.
    Batch,
}

/// What the central panel shows.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum View {
    /// The selected event's tabs.
    #[default]
    Events,
    /// The Livechat survey view.
    Livechat,
}

/// The state that we persist between runs (through eframe's storage).
#[derive(Debug, Serialize, Deserialize)]
#[serde(default)]
pub struct State {
    /// The event selected in the left panel.
    pub selected: EventId,
    /// The tab shown for it.
    pub tab: Tab,
    /// Recently opened payload files, newest first.
    pub recent: Vec<PathBuf>,
    /// The functions file opened in the console (default: functions.json in the config dir).
    pub functions_path: Option<PathBuf>,
    /// What the central panel shows.
    pub view: View,
    /// The Rocket.Chat server of the Livechat survey view.
    pub livechat_server: String,
}

impl Default for State {
    fn default() -> Self {
        State {
            selected: EventId::ALL[0],
            tab: Tab::Fields,
            recent: Vec::new(),
            functions_path: None,
            view: View::Events,
            livechat_server: String::new(),
        }
    }
}

/// A payload that was loaded and checked.
pub struct Loaded {
    /// The parsed document.
    pub payload: Arc<Payload>,
    /// Its rows and findings against `inspection.event()` (shared with filter workers).
    pub inspection: Arc<Inspection>,
    /// Bumped whenever `inspection` changes, so panels can refresh their caches.
    pub generation: u64,
}

pub(super) type LoadResult = Result<(Arc<Payload>, Inspection), String>;

/// The running invocation.
pub struct InvokeJob {
    /// The work (taken when it finishes).
    pub job: Option<Pending<Invocation>>,
    /// Set to stop waiting.
    pub cancel: Arc<AtomicBool>,
    /// What the panel shows while it runs.
    pub running: Running,
}

/// The console application.
pub struct SurveyConsoleApp {
    /// Persisted state.
    pub state: State,
    events_panel: EventsPanel,
    fields_tab: FieldsTab,
    payload_tab: PayloadTab,
    /// The Livechat survey view.
    pub livechat_panel: LivechatPanel,
    /// The loaded payload, if any.
    pub loaded: Option<Loaded>,
    /// The error of the last load, shown in the Payload tab.
    pub load_error: Option<String>,
    /// A passing message (e.g. the file dialog returned nothing).
    pub notice: Option<String>,
    pub(super) load_job: Option<Pending<LoadResult>>,
    /// True when the running load job should switch the selected event to the detected one.
    pub(super) load_selects_event: bool,
    pub(super) dialog_job: Option<Pending<Option<PathBuf>>>,
    /// A file the dialog returned, loaded on the next frame.
    pub(super) pending_open: Option<PathBuf>,
    /// What to do with a file a functions dialog returned, on the next frame.
    pub(super) pending_functions_action: Option<Command>,
    pub(super) generation: u64,
    /// The functions file, or why it could not be read (it is then never written).
    pub store: Result<FunctionStore, String>,
    /// Secrets typed in for this session.
    pub secrets: SessionSecrets,
    pub(super) function_panel: FunctionPanel,
    pub(super) invoke_panel: InvokePanel,
    pub(super) functions_dialog_job: Option<(FunctionsDialog, Option<Pending<Option<PathBuf>>>)>,
    pub(super) invoke_job: Option<InvokeJob>,
    pub(super) curl_job: Option<Pending<String>>,
    /// The last invocation's result.
    pub latest: Option<Invocation>,
    /// A message about invoking (no function, cancelled).
    pub invoke_notice: Option<String>,
    /// Past invocations, oldest first.
    pub history: Vec<Invocation>,
    pub(super) history_file: Arc<Mutex<History>>,
    pub(super) history_job: Option<Pending<Vec<Invocation>>>,
    pub(super) batch_panel: BatchPanel,
    /// Batches of this session: the running one and each event's last results.
    pub batch: BatchRuns,
}

impl SurveyConsoleApp {
    /// Creates the console, restoring persisted state when there is any.
    pub fn new(cc: &eframe::CreationContext<'_>) -> Self {
        let state = cc
            .storage
            .and_then(|s| eframe::get_value::<State>(s, eframe::APP_KEY))
            .unwrap_or_default();
        let functions = state.functions_path.clone().unwrap_or_else(default_path);
        let app = Self::with_paths(state, functions, default_history_path());
        app.start_history_load(&cc.egui_ctx)
    }

    /// Creates the console with the given state and the default files.
    pub fn with_state(state: State) -> Self {
        let functions = state.functions_path.clone().unwrap_or_else(default_path);
        Self::with_paths(state, functions, default_history_path())
    }

    /// Creates the console with the given state, functions file and history file (tests use
    /// temporary ones). The history is read in the background once a context exists.
    pub fn with_paths(state: State, functions: PathBuf, history: PathBuf) -> Self {
        let store = FunctionStore::load(&functions).map_err(|e| e.to_string());
        SurveyConsoleApp {
            state,
            events_panel: EventsPanel,
            fields_tab: FieldsTab::default(),
            payload_tab: PayloadTab::default(),
            livechat_panel: LivechatPanel::default(),
            loaded: None,
            load_error: None,
            notice: None,
            load_job: None,
            load_selects_event: false,
            dialog_job: None,
            pending_open: None,
            pending_functions_action: None,
            generation: 0,
            store,
            secrets: SessionSecrets::default(),
            function_panel: FunctionPanel::default(),
            invoke_panel: InvokePanel::default(),
            functions_dialog_job: None,
            invoke_job: None,
            curl_job: None,
            latest: None,
            invoke_notice: None,
            history: Vec::new(),
            history_file: Arc::new(Mutex::new(History::open(&history))),
            history_job: None,
            batch_panel: BatchPanel::default(),
            batch: BatchRuns::default(),
        }
    }

    /// Reads the history file on a worker.
    pub fn start_history_load(mut self, ctx: &egui::Context) -> Self {
        let history = self
            .history_file
            .lock()
            .map(|h| h.clone())
            .unwrap_or_else(|p| p.into_inner().clone());
        self.history_job = Some(Pending::spawn(ctx, "history", move || history.load().0));
        self
    }

    /// The functions file in use.
    pub fn functions_path(&self) -> PathBuf {
        match &self.store {
            Ok(store) => store.path.clone(),
            Err(_) => self
                .state
                .functions_path
                .clone()
                .unwrap_or_else(default_path),
        }
    }

    /// True while any background job runs.
    pub fn is_busy(&self) -> bool {
        self.load_job.is_some()
            || self.dialog_job.is_some()
            || self.invoke_job.is_some()
            || self.history_job.is_some()
            || self.curl_job.is_some()
            || self.livechat_panel.is_busy()
            || self.payload_tab.is_busy()
            || self.batch.is_busy()
    }

    /// Queues nothing, draws everything, then applies what the panels asked for.
    fn draw(&mut self, ui: &mut egui::Ui) -> Vec<Command> {
        let mut commands = Vec::new();
        if ui.input_mut(|i| i.consume_shortcut(&OPEN_SHORTCUT)) {
            commands.push(Command::OpenDialog);
        }
        let dropped: Vec<PathBuf> = ui.input(|i| {
            i.raw
                .dropped_files
                .iter()
                .map(|f| f.path().to_path_buf())
                .filter(|p| !p.as_os_str().is_empty())
                .collect()
        });
        if let Some(path) = dropped.into_iter().next() {
            commands.push(Command::LoadFile(path));
        }

        egui::Panel::top("menu").show(ui, |ui| {
            self.menu_ui(ui, &mut commands);
        });
        egui::Panel::left("events")
            .resizable(true)
            .default_size(260.0)
            .show(ui, |ui| {
                self.events_panel.ui(
                    ui,
                    (self.state.view == View::Events).then_some(self.state.selected),
                    self.loaded.as_ref(),
                    self.store.as_ref().ok(),
                    &mut commands,
                );
                ui.separator();
                let livechat = self.state.view == View::Livechat;
                if ui.selectable_label(livechat, "Livechat survey").clicked() {
                    commands.push(Command::ShowView(View::Livechat));
                }
                ui.indent("livechat", |ui| ui.weak("Rocket.Chat, room.survey"));
            });
        egui::CentralPanel::default().show(ui, |ui| {
            self.central_ui(ui, &mut commands);
        });
        self.hovered_files_ui(ui.ctx());
        commands
    }

    fn menu_ui(&mut self, ui: &mut egui::Ui, commands: &mut Vec<Command>) {
        ui.horizontal(|ui| {
            let open = ui
                .add_enabled(self.dialog_job.is_none(), egui::Button::new("Open…"))
                .on_hover_text("Open a payload file (Ctrl+O), or drop one on the window");
            if open.clicked() {
                commands.push(Command::OpenDialog);
            }
            ui.menu_button("Samples", |ui| {
                samples_menu_ui(ui, commands);
            });
            ui.menu_button("Recent", |ui| {
                if self.state.recent.is_empty() {
                    ui.label("No recent files");
                }
                for path in &self.state.recent {
                    if ui.button(path.display().to_string()).clicked() {
                        commands.push(Command::LoadFile(path.clone()));
                        ui.close();
                    }
                }
                if !self.state.recent.is_empty() && ui.button("Clear recent files").clicked() {
                    commands.push(Command::ClearRecent);
                    ui.close();
                }
            });
            ui.separator();
            if let Some(job) = &self.load_job {
                ui.spinner();
                ui.label(&job.label);
            } else if self.dialog_job.is_some() {
                ui.spinner();
                ui.label("Waiting for the file dialog…");
            } else if let Some(notice) = &self.notice {
                ui.label(notice);
            }
        });
    }

    fn central_ui(&mut self, ui: &mut egui::Ui, commands: &mut Vec<Command>) {
        if self.state.view == View::Livechat {
            self.livechat_panel.ui(ui, &mut self.state.livechat_server);
            return;
        }
        let event = self.state.selected;
        ui.horizontal(|ui| {
            ui.heading(event.name());
            ui.weak(event.id());
        });
        ui.horizontal(|ui| {
            let tabs = [
                (Tab::Fields, "Fields"),
                (Tab::Payload, "Payload"),
                (Tab::Function, "Function"),
                (Tab::Invoke, "Invocations"),
                (Tab::Batch, "Batch"),
            ];
            for (tab, label) in tabs {
                if ui.selectable_label(self.state.tab == tab, label).clicked() {
                    commands.push(Command::ShowTab(tab));
                }
            }
        });
        ui.separator();
        match self.state.tab {
            Tab::Fields => self.fields_tab.ui(ui, event.spec()),
            Tab::Payload => {
                if let Some(job) = &self.load_job {
                    ui.horizontal(|ui| {
                        ui.spinner();
                        ui.label(format!(
                            "{} ({:.1} s)",
                            job.label,
                            job.started.elapsed().as_secs_f32()
                        ));
                    });
                }
                if let Some(error) = &self.load_error {
                    theme::error_label(ui, error);
                    ui.add_space(4.0);
                }
                self.payload_tab
                    .ui(ui, self.loaded.as_ref(), event, commands);
            }
            Tab::Function => match &self.store {
                Ok(store) => {
                    let local = LocalRunView {
                        payload_name: self.invoke_panel.source_name(event, self.loaded.as_ref()),
                        running: self.invoke_job.as_ref().map(|j| &j.running),
                        latest: self.latest.as_ref(),
                    };
                    self.function_panel
                        .ui(ui, event, store, &mut self.secrets, &local, commands);
                }
                Err(error) => {
                    theme::error_label(ui, error);
                    ui.label(
                        "Fix the file, or open another one; the console will not write to it.",
                    );
                    ui.horizontal(|ui| {
                        if ui.button("Reload").clicked() {
                            commands.push(Command::ReloadFunctions);
                        }
                        if ui.button("Open another file…").clicked() {
                            commands.push(Command::FunctionsDialog(FunctionsDialog::Open));
                        }
                    });
                }
            },
            Tab::Invoke => {
                if let Some(notice) = &self.invoke_notice {
                    ui.colored_label(ui.visuals().warn_fg_color, notice);
                }
                let empty = FunctionStore::empty(self.functions_path());
                let store = self.store.as_ref().unwrap_or(&empty);
                self.invoke_panel.ui(
                    ui,
                    event,
                    store,
                    self.loaded.as_ref(),
                    self.invoke_job.as_ref().map(|j| &j.running),
                    self.latest.as_ref(),
                    &self.history,
                    commands,
                );
            }
            Tab::Batch => {
                let empty = FunctionStore::empty(self.functions_path());
                let store = self.store.as_ref().unwrap_or(&empty);
                self.batch_panel.ui(ui, event, store, &self.batch, commands);
            }
        }
    }

    fn hovered_files_ui(&self, ctx: &egui::Context) {
        let hovering = ctx.input(|i| !i.raw.hovered_files.is_empty());
        if !hovering {
            return;
        }
        let content_rect = ctx.content_rect();
        let painter = ctx.layer_painter(egui::LayerId::new(
            egui::Order::Foreground,
            egui::Id::unique("file-drop"),
        ));
        painter.rect_filled(content_rect, 0.0, egui::Color32::from_black_alpha(160));
        painter.text(
            content_rect.center(),
            egui::Align2::CENTER_CENTER,
            "Drop a payload file to load it",
            egui::FontId::proportional(22.0),
            egui::Color32::WHITE,
        );
    }

    pub(super) fn start_load(
        &mut self,
        ctx: &egui::Context,
        label: String,
        selects_event: bool,
        work: impl FnOnce() -> LoadResult + Send + 'static,
    ) {
        // A newer request replaces the one running: its result is dropped when it arrives.
        self.load_job = Some(Pending::spawn(ctx, label, work));
        self.load_selects_event = selects_event;
        self.state.tab = Tab::Payload;
    }

    pub(super) fn remember(&mut self, path: &std::path::Path) {
        let path = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        self.state.recent.retain(|p| p != &path);
        self.state.recent.insert(0, path);
        self.state.recent.truncate(RECENT_MAX);
    }
}

fn samples_menu_ui(ui: &mut egui::Ui, commands: &mut Vec<Command>) {
    for event in EventId::ALL {
        let samples: Vec<&'static Sample> =
            SAMPLES.iter().filter(|s| s.event == Some(event)).collect();
        if samples.is_empty() {
            continue;
        }
        ui.menu_button(event.name(), |ui| {
            for sample in samples {
                if ui
                    .button(sample.file_name)
                    .on_hover_text(sample.description)
                    .clicked()
                {
                    commands.push(Command::LoadSample(sample));
                    ui.close();
                }
            }
        });
    }
    ui.menu_button("Unreadable files", |ui| {
        for sample in SAMPLES.iter().filter(|s| s.event.is_none()) {
            if ui
                .button(sample.file_name)
                .on_hover_text(sample.description)
                .clicked()
            {
                commands.push(Command::LoadSample(sample));
                ui.close();
            }
        }
    });
}

impl eframe::App for SurveyConsoleApp {
    fn logic(&mut self, ctx: &egui::Context, _frame: &mut eframe::Frame) {
        self.poll_jobs();
        self.livechat_panel.poll();
        self.poll_batch(ctx);
        if let Some(picked) = self.batch.picked.take() {
            self.batch_panel.take_picked(picked);
        }
        if let Some(path) = self.pending_open.take() {
            self.run_cmd(ctx, Command::LoadFile(path));
        }
        if let Some(command) = self.pending_functions_action.take() {
            self.run_cmd(ctx, command);
        }
    }

    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        let commands = self.draw(ui);
        for command in commands {
            self.run_cmd(ui.ctx(), command);
        }
        if self.is_busy() {
            // Keep the spinner turning; results also request a repaint when they arrive.
            ui.ctx()
                .request_repaint_after(std::time::Duration::from_millis(100));
        }
    }

    fn save(&mut self, storage: &mut dyn eframe::Storage) {
        eframe::set_value(storage, eframe::APP_KEY, &self.state);
    }
}
