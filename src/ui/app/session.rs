//! What the console knows while it runs and several tabs share: the loaded payload, the
//! functions file and the unsaved edit of each function, the payload each event's invocation
//! sends, invocations and their history, batches, Livechat results. Panels read it through the
//! view context; only the app's command handling changes it. Nothing here is persisted.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::batch_state::BatchSession;
use super::commands::{
    Copied, FunctionVersion, FunctionsMessage, InvokePayload, InvokeSource, RowsView,
};
use super::paths::PathPrompt;
use super::request::RequestEdit;
use crate::catalog::EventId;
use crate::catalog::samples::{Sample, samples_for};
use crate::functions::{FunctionConfig, FunctionStore, validate};
use crate::invoke::{History, Invocation, SessionSecrets, Target};
use crate::livechat::{
    Conversation, ConversationFailure, HistoryEntry, RateLimits, ServerInfo, SurveyOutcome,
    SurveyRules,
};
use crate::payload::{Inspection, Payload, RowFilter};

/// What the console says when an event has no function to invoke.
pub fn no_function(event: EventId) -> String {
    format!(
        "{} has no function: create one in the Function tab, or give a URL.",
        event.name()
    )
}

/// A passing message in the status bar; it goes after [`Notice::SHOWN_FOR`] or when closed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    /// What happened.
    pub text: String,
    /// True when something failed or was refused.
    pub error: bool,
    /// When it was said.
    pub at: Instant,
}

impl Notice {
    /// How long a notice stays.
    pub const SHOWN_FOR: Duration = Duration::from_secs(8);

    /// True while it is shown.
    pub fn is_current(&self) -> bool {
        self.at.elapsed() < Self::SHOWN_FOR
    }
}

/// What covers the window for a moment; one at a time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Overlay {
    /// The command palette.
    Palette,
    /// Every keyboard shortcut.
    Shortcuts,
    /// About the console.
    About,
    /// Quit although functions have unsaved edits?
    ConfirmQuit,
}

/// The sample an event's invocation sends unless another payload is chosen: the event's own
/// first valid sample (a Messaging Survey Ended invocation sends the Ended example).
pub fn default_sample(event: EventId) -> Option<&'static Sample> {
    samples_for(event)
        .find(|s| !s.is_invalid() && s.event == Some(event))
        .or_else(|| samples_for(event).find(|s| !s.is_invalid()))
}

/// The files the console reads and writes.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Files {
    /// The functions file.
    pub functions: PathBuf,
    /// The invocation history.
    pub history: PathBuf,
    /// The Livechat submission history.
    pub livechat_history: PathBuf,
    /// Where local runs find the platform's modules (installed there with npm).
    pub modules: PathBuf,
    /// The npm that installs them.
    pub npm: PathBuf,
    /// The Livechat rate-limit windows seen (shared with the CLI).
    pub livechat_rate_limits: PathBuf,
}

impl Files {
    /// The default files: the functions file of `state` (or the config dir's), the histories in
    /// the data dir.
    pub fn default_for(functions: Option<PathBuf>) -> Files {
        Files {
            functions: functions.unwrap_or_else(crate::functions::default_path),
            history: crate::invoke::default_history_path(),
            livechat_history: crate::livechat::History::default_path(),
            modules: crate::invoke::local::modules::default_modules_dir(),
            npm: crate::invoke::local::modules::npm_command(),
            livechat_rate_limits: crate::livechat::RateLimits::default_path(),
        }
    }

    /// Every file in one folder (tests use a temporary one).
    pub fn in_dir(dir: &Path) -> Files {
        Files {
            functions: dir.join("functions.json"),
            history: dir.join("history.jsonl"),
            livechat_history: dir.join("livechat-history.jsonl"),
            modules: dir.join("modules"),
            npm: crate::invoke::local::modules::npm_command(),
            livechat_rate_limits: dir.join("livechat-rate-limits.json"),
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

/// The functions file as the console holds it.
pub enum StoreState {
    /// Being read on a worker.
    Reading(PathBuf),
    /// Read: its functions.
    Ready(FunctionStore),
    /// It could not be read; the console never writes to it.
    Unreadable {
        /// The file.
        path: PathBuf,
        /// Why.
        error: String,
    },
}

/// What the console shows about the latest invocation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InvokeStatus {
    /// Nothing runs; the latest record (if any) is shown.
    Idle,
    /// An invocation of `event` runs.
    Running {
        /// The event invoked.
        event: EventId,
        /// When it started.
        started: Instant,
    },
    /// The operator cancelled the invocation of `event`: no result is shown for it.
    Cancelled {
        /// The event invoked.
        event: EventId,
    },
}

/// How an event's function is used by invocations and batches.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EditUse {
    /// There is no unsaved edit: the saved function is used.
    NoEdit,
    /// The unsaved edit is used.
    Edited,
    /// There is an unsaved edit, but the saved version is used, as chosen.
    SavedChosen,
    /// The unsaved edit has fields to fix, so the saved version is used.
    EditInvalid {
        /// How many fields to fix.
        errors: usize,
    },
}

/// The version of an event's function that invocations and batches use.
#[derive(Clone, Copy, Debug)]
pub struct FunctionInUse<'a> {
    /// The function used.
    pub config: &'a FunctionConfig,
    /// Whether it is the unsaved edit.
    pub edit: EditUse,
}

/// What a Rocket.Chat server said about itself (`Check server`).
pub struct CheckedServer {
    /// The server URL as it was checked.
    pub url: String,
    /// Its version and livechat settings.
    pub info: ServerInfo,
}

/// What the Livechat survey view shows after its calls.
#[derive(Default)]
pub struct LivechatSession {
    /// The last server checked.
    pub server: Option<CheckedServer>,
    /// The rate-limit windows of each server and route, shared with the workers.
    pub limits: Arc<RateLimits>,
    /// The last submission's outcome, or why it was not sent.
    pub outcome: Option<Result<SurveyOutcome, String>>,
    /// The last test conversation.
    pub conversation: Option<Result<Conversation, ConversationFailure>>,
    /// Bumped when a test conversation succeeds, so the form takes its rid and token once.
    pub conversation_generation: u64,
    /// The submissions, oldest first.
    pub history: Vec<HistoryEntry>,
    /// Why the history could not be read or written.
    pub history_error: Option<String>,
    /// How many lines of the history file could not be read.
    pub history_skipped: usize,
}

/// Everything the console holds while it runs, apart from panels' widget state.
pub struct Session {
    /// The files in use.
    pub files: Files,
    /// The loaded payload, if any.
    pub loaded: Option<Loaded>,
    /// The error of the last load, shown in the Payload tab.
    pub load_error: Option<String>,
    /// The last generation handed to a loaded payload.
    pub generation: u64,
    /// The loaded payload's rows that pass the Payload tab's filter.
    pub rows: RowsView,
    /// The filter last asked for (its rows may still be computed on a worker).
    pub rows_requested: Option<(u64, RowFilter)>,
    /// A passing message in the status bar.
    pub notice: Option<Notice>,
    /// What covers the window, if anything.
    pub overlay: Option<Overlay>,
    /// The path prompt, while it is open.
    pub prompt: Option<PathPrompt>,
    /// True once a system file dialog answered at once with nothing: this desktop has none,
    /// so prompts ask for a typed path only.
    pub no_dialog: bool,
    /// What was last put on the clipboard, and when.
    pub copied: Option<(Copied, Instant)>,
    /// Bumped when the operator asks for the current tab's filter (Ctrl+F).
    pub find_requests: u64,
    /// True once the operator confirmed quitting with unsaved edits.
    pub quit_confirmed: bool,
    /// True while the edits are being saved before the window closes.
    pub quit_after_save: bool,
    /// The request being edited before it is sent, per event.
    pub requests: HashMap<EventId, RequestEdit>,
    /// The functions file.
    pub functions: StoreState,
    /// Unsaved edits of the functions, per event (only where they differ from the saved one).
    pub drafts: HashMap<EventId, FunctionConfig>,
    /// The outcome of the last action on the functions file.
    pub functions_message: Option<FunctionsMessage>,
    /// Secrets typed in for this session.
    pub secrets: SessionSecrets,
    /// Which version of an edited function invocations and batches use.
    pub version: FunctionVersion,
    /// The payload each event's invocation sends, where the operator chose one.
    pub invoke_payload: HashMap<EventId, InvokePayload>,
    /// A URL invoked instead of the configured function (empty: the function).
    pub invoke_url: String,
    /// The running or cancelled invocation.
    pub invocation: InvokeStatus,
    /// The last invocation's result.
    pub latest: Option<Invocation>,
    /// A message about invoking (no function, …).
    pub invoke_notice: Option<String>,
    /// Past invocations, oldest first.
    pub history: Vec<Invocation>,
    /// What the history read skipped, or why it could not be read.
    pub history_notice: Option<String>,
    /// The history file (appended to by invocation workers).
    pub history_file: Arc<Mutex<History>>,
    /// What LivePerson said per event: a function deployed for it or not (`isImplemented`).
    pub deployed: HashMap<EventId, Result<bool, String>>,
    /// Batches.
    pub batch: BatchSession,
    /// The Livechat survey view's results.
    pub livechat: LivechatSession,
    /// Save-time findings and module installs of local runs.
    pub local: LocalSession,
}

/// The save-time findings of one version of a function's code.
#[derive(Clone, Debug, Default)]
pub struct CodeFindings {
    /// Which code and platform version they are about ([`code_key`]).
    pub key: u64,
    /// The findings.
    pub findings: Vec<crate::invoke::local::check::Finding>,
}

/// What the Function tab shows about local runs besides their results.
#[derive(Debug, Default)]
pub struct LocalSession {
    /// The latest findings of each event's code.
    pub findings: HashMap<EventId, CodeFindings>,
    /// npm's latest line while the platform's modules install.
    pub modules_progress: Option<String>,
    /// How the last install of the modules ended.
    pub modules_message: Option<Result<String, String>>,
}

/// Names a version of code on a platform version, so findings are checked once per edit.
pub fn code_key(code: &str, runtime: crate::functions::Runtime) -> u64 {
    use std::hash::{Hash as _, Hasher as _};
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    code.hash(&mut hasher);
    runtime.hash(&mut hasher);
    hasher.finish()
}

impl LivechatSession {
    /// The survey rules of `url`: the server's when that server was checked, else the built-in
    /// ones.
    pub fn rules(&self, url: &str) -> SurveyRules {
        self.checked(url)
            .map_or_else(SurveyRules::builtin, |c| c.info.rules())
    }

    /// The check of `url`, when that is the server last checked.
    pub fn checked(&self, url: &str) -> Option<&CheckedServer> {
        self.server
            .as_ref()
            .filter(|c| c.url.trim().trim_end_matches('/') == url.trim().trim_end_matches('/'))
    }
}

impl Session {
    /// A session over `files`; the functions file and histories are read by jobs.
    pub fn new(files: Files) -> Session {
        Session {
            loaded: None,
            load_error: None,
            generation: 0,
            rows: RowsView::default(),
            rows_requested: None,
            notice: None,
            overlay: None,
            prompt: None,
            no_dialog: false,
            copied: None,
            find_requests: 0,
            quit_confirmed: false,
            quit_after_save: false,
            requests: HashMap::new(),
            functions: StoreState::Reading(files.functions.clone()),
            drafts: HashMap::new(),
            functions_message: None,
            secrets: SessionSecrets::default(),
            version: FunctionVersion::default(),
            invoke_payload: HashMap::new(),
            deployed: HashMap::new(),
            invoke_url: String::new(),
            invocation: InvokeStatus::Idle,
            latest: None,
            invoke_notice: None,
            history: Vec::new(),
            history_notice: None,
            history_file: Arc::new(Mutex::new(History::open(&files.history))),
            batch: BatchSession::default(),
            local: LocalSession::default(),
            livechat: LivechatSession {
                limits: Arc::new(RateLimits::at(files.livechat_rate_limits.clone())),
                ..LivechatSession::default()
            },
            files,
        }
    }

    /// The functions, once the file was read.
    pub fn store(&self) -> Option<&FunctionStore> {
        match &self.functions {
            StoreState::Ready(store) => Some(store),
            _ => None,
        }
    }

    /// The functions file in use.
    pub fn functions_path(&self) -> &Path {
        match &self.functions {
            StoreState::Reading(path) | StoreState::Unreadable { path, .. } => path,
            StoreState::Ready(store) => &store.path,
        }
    }

    /// The event's function as the Function tab shows it: the unsaved edit, else the saved one.
    pub fn function_edit(&self, event: EventId) -> Option<&FunctionConfig> {
        let stored = self.store()?.get(event)?;
        Some(self.drafts.get(&event).unwrap_or(stored))
    }

    /// True when the event's function has an unsaved edit.
    pub fn is_edited(&self, event: EventId) -> bool {
        self.drafts.contains_key(&event) && self.store().is_some_and(|s| s.get(event).is_some())
    }

    /// The version of the event's function that invocations and batches use.
    pub fn function_in_use(&self, event: EventId) -> Option<FunctionInUse<'_>> {
        let stored = self.store()?.get(event)?;
        let Some(draft) = self.drafts.get(&event) else {
            return Some(FunctionInUse {
                config: stored,
                edit: EditUse::NoEdit,
            });
        };
        let errors = validate(draft).len();
        Some(if errors > 0 {
            FunctionInUse {
                config: stored,
                edit: EditUse::EditInvalid { errors },
            }
        } else if self.version == FunctionVersion::Saved {
            FunctionInUse {
                config: stored,
                edit: EditUse::SavedChosen,
            }
        } else {
            FunctionInUse {
                config: draft,
                edit: EditUse::Edited,
            }
        })
    }

    /// Where the event's invocations and batches go: the function in use, named "(unsaved
    /// edit)" in records when it is the edit.
    pub fn function_target(&self, event: EventId) -> Option<Target> {
        let function = self.function_in_use(event)?;
        let mut target = Target::from_config(event, function.config);
        if function.edit == EditUse::Edited {
            target.function = Some(format!("{} (unsaved edit)", function.config.name));
        }
        Some(target)
    }

    /// The payload the event's next invocation sends: the one chosen for it, else the loaded
    /// payload when it was checked as this event's, else the event's own documented sample.
    pub fn invoke_choice(&self, event: EventId) -> Option<InvokePayload> {
        match self.invoke_payload.get(&event) {
            Some(InvokePayload::Sample(sample)) => Some(InvokePayload::Sample(sample)),
            Some(InvokePayload::Loaded) if self.loaded.is_some() => Some(InvokePayload::Loaded),
            _ if self
                .loaded
                .as_ref()
                .is_some_and(|l| l.inspection.event() == event) =>
            {
                Some(InvokePayload::Loaded)
            }
            _ => default_sample(event).map(InvokePayload::Sample),
        }
    }

    /// What the event's next invocation sends: the edited request, else the chosen payload.
    pub fn invoke_source(&self, event: EventId) -> Option<InvokeSource> {
        if let Some(edit) = self.requests.get(&event) {
            return Some(InvokeSource::Edited {
                name: edit.name(),
                text: Arc::new(edit.text.clone()),
                headers: edit.filled_headers(),
            });
        }
        self.invoke_choice(event).map(InvokeSource::from)
    }

    /// A short name of the payload the event's next invocation sends.
    pub fn invoke_payload_name(&self, event: EventId) -> String {
        if let Some(edit) = self.requests.get(&event) {
            return edit.name();
        }
        match self.invoke_choice(event) {
            Some(InvokePayload::Sample(sample)) => sample.file_name.to_owned(),
            Some(InvokePayload::Loaded) => self
                .loaded
                .as_ref()
                .map_or_else(String::new, |l| l.payload.file_name().to_owned()),
            None => "(none)".to_owned(),
        }
    }

    /// True while a passing message is shown.
    pub fn notice(&self) -> Option<&Notice> {
        self.notice.as_ref().filter(|n| n.is_current())
    }

    /// True while `what` was put on the clipboard a moment ago.
    pub fn just_copied(&self, what: Copied) -> bool {
        self.copied
            .is_some_and(|(w, at)| w == what && at.elapsed() < Copied::SHOWN_FOR)
    }

    /// The ad-hoc URL to invoke, when one is given.
    pub fn invoke_url(&self) -> Option<String> {
        let url = self.invoke_url.trim();
        (!url.is_empty()).then(|| url.to_owned())
    }
}
