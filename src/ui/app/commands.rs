//! Everything that changes the console, as data: what panels ask for while drawing, what a
//! shortcut triggers, and what a background job brings back when it finishes. All of them are
//! applied in one place, `SurveyConsoleApp::run_cmd` (`command_handling.rs`), after the frame.
//!
//! This file holds only types; it imports no panel and no part of the app, so every panel can
//! use it without a circle.

use std::path::PathBuf;
use std::sync::Arc;

pub use super::actions::UiAction;
use super::jobs::{JobKind, Panicked};
use super::request::RequestCheck;
use super::state::{Tab, View};
use crate::batch::{BatchItem, BatchResult, BatchSettings, PayloadSource, RunEnd};
use crate::catalog::EventId;
use crate::catalog::samples::Sample;
use crate::files::LogRead;
use crate::functions::{FunctionConfig, FunctionStore, Runtime};
use crate::invoke::Invocation;
use crate::invoke::local::check::Finding;
use crate::livechat::{
    Conversation, ConversationFailure, ConversationRequest, HistoryEntry, Server, ServerInfo,
    SurveyItem, SurveyOutcome, SurveyRules,
};
use crate::payload::{Inspection, Payload, RowFilter};

/// Something to change, applied after all panels are drawn.
#[must_use]
pub enum Command {
    // Navigation.
    /// Select an event in the left panel (re-checks a loaded payload against it).
    SelectEvent(EventId),
    /// Show a tab.
    ShowTab(Tab),
    /// Show the events or the Livechat survey view.
    ShowView(View),
    /// An action with a shortcut (pressed, or clicked in a menu).
    Action(UiAction),

    // Files and dialogs.
    /// Ask for a file (or files, or a folder): the path prompt, with the system dialog beside
    /// it where the desktop has one.
    ChooseFile(FilePurpose),
    /// Open the system file dialog for the open prompt (its answer fills the prompt).
    BrowseForPath,
    /// The prompt's text as typed.
    EditPromptText(String),
    /// Use the typed path (`overwrite`: replace the file it names).
    SubmitPrompt { overwrite: bool },
    /// Close the path prompt without a path.
    ClosePrompt,
    /// A typed path was checked on a worker.
    PromptChecked {
        purpose: FilePurpose,
        paths: Vec<PathBuf>,
        check: PathCheck,
        overwrite: bool,
    },
    /// What a file dialog returned (nothing when it was cancelled or no dialog could open), or
    /// the typed path that was checked.
    PathsChosen {
        purpose: FilePurpose,
        paths: Vec<PathBuf>,
    },

    // The payload.
    /// Load a payload file.
    LoadFile(PathBuf),
    /// Load a bundled sample.
    LoadSample(&'static Sample),
    /// Check the loaded payload against another event than the one it was checked against.
    CheckPayloadAs(EventId),
    /// A load or re-check finished.
    PayloadLoaded(Box<LoadOutcome>),
    /// Forget the recent files.
    ClearRecent,
    /// Filter the loaded payload's rows (on a worker for large payloads).
    FilterRows { generation: u64, filter: RowFilter },
    /// A filter finished.
    RowsFiltered(RowsView),

    // The function of each event.
    /// Read the functions file again.
    ReloadFunctions,
    /// Use another functions file.
    LoadFunctionsFile(PathBuf),
    /// The functions file was read (or why it could not be); `announce` says so in the
    /// Function tab (every read but the first).
    FunctionsRead {
        path: PathBuf,
        result: Result<FunctionStore, String>,
        announce: bool,
    },
    /// Create the event's function from its template.
    CreateFunction { event: EventId, name: String },
    /// Replace the unsaved edit of an event's function (what the Function tab shows).
    EditDraft {
        event: EventId,
        config: Box<FunctionConfig>,
    },
    /// Drop the unsaved edit of an event's function.
    RevertDraft(EventId),
    /// Save the event's function (with `overwrite`, even when the file changed on disk).
    SaveFunction {
        event: EventId,
        config: Box<FunctionConfig>,
        overwrite: bool,
    },
    /// Remove the event's function.
    RemoveFunction(EventId),
    /// Import the functions of a file (an event that has a function is refused unless
    /// `replace`).
    ImportFunctions { path: PathBuf, replace: bool },
    /// Export one function (or all) to a file.
    ExportFunctions {
        path: PathBuf,
        event: Option<EventId>,
    },
    /// A write to the functions file (or an export) finished.
    FunctionsWritten(Box<FunctionsWrite>),
    /// Type in (or, empty, clear) a secret for this session.
    SetSecret {
        event: EventId,
        field: String,
        value: SecretText,
    },
    /// Which version of a function invocations and batches use when it has unsaved edits.
    UseVersion(FunctionVersion),

    // Invocations.
    /// Choose the payload the event's next invocation sends.
    ChooseInvokePayload {
        event: EventId,
        choice: InvokePayload,
    },
    /// Set the URL invoked instead of the configured function (empty: the function).
    SetInvokeUrl(String),
    /// Invoke the event's function (or `url`) with a payload.
    Invoke {
        event: EventId,
        source: InvokeSource,
        url: Option<String>,
    },
    /// Run the code of the event's function as edited, in-process, with the payload chosen in
    /// the Invocations tab.
    RunLocally(EventId),
    /// Stop waiting for the running invocation; a late answer is dropped.
    CancelInvoke,
    /// An invocation finished (`None`: its worker failed unexpectedly).
    Invoked(Option<Box<Invocation>>),
    /// Start editing the event's request from the payload chosen for it.
    EditRequest(EventId),
    /// The edited request's text, as typed.
    EditRequestText { event: EventId, text: String },
    /// The edited request's extra headers, as typed.
    EditRequestHeaders {
        event: EventId,
        headers: Vec<(String, String)>,
    },
    /// Drop the edited request: the chosen payload is sent again.
    DiscardRequest(EventId),
    /// A worker checked an edited request's text.
    RequestChecked {
        event: EventId,
        generation: u64,
        check: RequestCheck,
    },
    /// A file was written (an edited payload saved): `Ok(message)` or `Err(message)`.
    FileWritten(Result<String, String>),
    /// Put text on the clipboard, and say so beside the button.
    CopyText { what: Copied, text: String },
    /// Put the request as a curl command on the clipboard.
    CopyCurl {
        event: EventId,
        source: InvokeSource,
        url: Option<String>,
    },
    /// The curl command is on the clipboard.
    CurlCopied,
    /// The invocation history was read (or why it could not be).
    HistoryRead(Result<LogRead<Invocation>, String>),
    /// Ask LivePerson whether a function is deployed for the event (its LivePerson function's
    /// account and credentials).
    AskDeployed(EventId),
    /// LivePerson's answer: deployed or not, or why there is none.
    DeployedAnswered {
        event: EventId,
        answer: Result<bool, String>,
    },

    // Local runs.
    /// Check the code of an event's function as the platform's editor does (on a worker); `key`
    /// names the code and version checked.
    CheckCode {
        event: EventId,
        code: String,
        runtime: Runtime,
        key: u64,
    },
    /// The save-time findings of the code named by `key`.
    CodeChecked {
        event: EventId,
        key: u64,
        findings: Vec<Finding>,
    },
    /// Install the platform's modules of a version with npm (on a worker).
    InstallModules(Runtime),
    /// A line of npm's progress while modules install.
    ModulesProgress(String),
    /// The modules were installed (`Ok(message)`) or not.
    ModulesInstalled(Result<String, String>),

    // Batches.
    /// Use these payloads for the next batch.
    SetBatchPayloads(BatchPayloads),
    /// The Batch tab's settings, as typed.
    SetBatchForm(BatchForm),
    /// Run a batch.
    StartBatch(Box<BatchRequest>),
    /// Stop the running batch (it ends within about a second, with what it has).
    CancelBatch,
    /// The running batch read its payloads and started.
    BatchStarted {
        event: EventId,
        items: Arc<Vec<BatchItem>>,
        target: String,
    },
    /// Results of the running batch, in the order they finished.
    BatchResults {
        event: EventId,
        results: Vec<BatchResult>,
    },
    /// The running batch ended (or could not start).
    BatchEnded {
        event: EventId,
        outcome: Result<RunEnd, String>,
    },
    /// Write a report of the event's last batch to `path`.
    WriteBatchReport {
        event: EventId,
        format: ReportFormat,
        path: PathBuf,
    },
    /// A report was written (`Ok(message)`) or not.
    ReportWritten(Result<String, String>),

    // The Livechat survey view.
    /// The Rocket.Chat server (persisted).
    SetLivechatServer(String),
    /// Livechat calls and their results.
    Livechat(LivechatCommand),

    // The window.
    /// Close what covers the window (the palette, a help window, the quit question).
    CloseOverlay,
    /// Quit now, with `save`: save every valid unsaved edit first.
    Quit { save: bool },
    /// Close the passing message in the status bar.
    DismissNotice,

    /// A background job stopped without an answer (it panicked).
    JobFailed(JobKind),
}

impl From<Panicked> for Command {
    fn from(Panicked(kind): Panicked) -> Self {
        Command::JobFailed(kind)
    }
}

/// What a file dialog is for; its answer goes where the purpose says.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FilePurpose {
    /// A payload file to load.
    OpenPayload,
    /// Another functions file to use.
    OpenFunctions,
    /// A file to import functions from.
    ImportFunctions { replace: bool },
    /// Where to export one function (or all).
    ExportFunctions(Option<EventId>),
    /// A folder of payloads for a batch.
    BatchFolder,
    /// Payload files for a batch.
    BatchFiles,
    /// Where to save a report of the event's last batch.
    BatchReport {
        event: EventId,
        format: ReportFormat,
    },
    /// Where to save the event's edited request payload.
    SaveRequest(EventId),
}

/// What a typed path is, as a worker found it (a stat can hang on a network mount).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PathCheck {
    /// It can be used as it is.
    Usable,
    /// A file to write exists already.
    Exists,
    /// It cannot be used, and why.
    Unusable(String),
}

/// What the console last put on the clipboard, so the button that did it can say so.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Copied {
    /// The request as a curl command.
    Curl,
    /// A response body.
    Response,
    /// A request body.
    Request,
    /// An invocation's request id.
    RequestId,
}

impl Copied {
    /// How long "Copied" stays beside the button.
    pub const SHOWN_FOR: std::time::Duration = std::time::Duration::from_secs(4);

    /// The button that copies it: each says what it copies, so a screen reader (and a test)
    /// tells them apart.
    pub fn button(self) -> &'static str {
        match self {
            Copied::Curl => "Copy as curl",
            Copied::Response => "Copy response",
            Copied::Request => "Copy request",
            Copied::RequestId => "Copy request id",
        }
    }
}

/// The two report formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ReportFormat {
    /// Every result as JSON.
    Json,
    /// JUnit XML for CI.
    Junit,
}

impl ReportFormat {
    /// The file extension of a report.
    pub fn extension(self) -> &'static str {
        match self {
            ReportFormat::Json => "json",
            ReportFormat::Junit => "xml",
        }
    }
}

/// Where the payload of an event's next invocation comes from, as chosen in the Invocations tab.
#[derive(Clone, Copy, Debug)]
pub enum InvokePayload {
    /// The payload loaded in the Payload tab.
    Loaded,
    /// A bundled sample.
    Sample(&'static Sample),
}

impl PartialEq for InvokePayload {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (InvokePayload::Loaded, InvokePayload::Loaded) => true,
            (InvokePayload::Sample(a), InvokePayload::Sample(b)) => a.file_name == b.file_name,
            _ => false,
        }
    }
}

/// What an invocation sends.
#[derive(Clone, Debug)]
pub enum InvokeSource {
    /// The loaded payload.
    Loaded,
    /// A bundled sample.
    Sample(&'static Sample),
    /// A history entry's request body, sent again (with the payload's name, when known).
    Recorded {
        body: Box<serde_json::Value>,
        name: Option<String>,
    },
    /// The request as edited in the Invocations tab: its name, text and extra headers.
    Edited {
        name: String,
        text: Arc<String>,
        headers: Vec<(String, String)>,
    },
}

impl From<InvokePayload> for InvokeSource {
    fn from(choice: InvokePayload) -> Self {
        match choice {
            InvokePayload::Loaded => InvokeSource::Loaded,
            InvokePayload::Sample(sample) => InvokeSource::Sample(sample),
        }
    }
}

/// Which version of a function with unsaved edits is invoked.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum FunctionVersion {
    /// The function as edited in the Function tab (when the edit has no field to fix).
    #[default]
    Edited,
    /// The function as saved in the functions file.
    Saved,
}

/// Where the payloads of the next batch come from.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum BatchPayloads {
    /// The event's bundled samples.
    #[default]
    Samples,
    /// Every payload file in a folder.
    Folder(PathBuf),
    /// Chosen files.
    Files(Vec<PathBuf>),
}

impl BatchPayloads {
    /// The core's name for the same source.
    pub fn source(&self) -> PayloadSource {
        match self {
            BatchPayloads::Samples => PayloadSource::Samples,
            BatchPayloads::Folder(dir) => PayloadSource::Paths(vec![dir.clone()]),
            BatchPayloads::Files(files) => PayloadSource::Paths(files.clone()),
        }
    }
}

/// The Batch tab's settings, as typed: what the Run button (and Ctrl+B) runs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchForm {
    /// A URL to call instead of the configured function (empty: the function).
    pub url: String,
    /// How many times each payload is sent.
    pub iterations: u32,
    /// Requests in flight at once.
    pub concurrency: usize,
    /// Pause between two requests of a worker, in ms.
    pub delay_ms: u64,
    /// Stop at the first failure.
    pub fail_fast: bool,
}

impl Default for BatchForm {
    fn default() -> Self {
        BatchForm {
            url: String::new(),
            iterations: 1,
            concurrency: 4,
            delay_ms: 0,
            fail_fast: false,
        }
    }
}

/// What the Run button asks for.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BatchRequest {
    /// The event.
    pub event: EventId,
    /// The payloads.
    pub source: PayloadSource,
    /// Iterations, concurrency, delay, fail-fast.
    pub settings: BatchSettings,
    /// A URL instead of the configured function.
    pub url: Option<String>,
}

/// A payload that was loaded and checked, or why not.
pub struct LoadOutcome {
    /// The file loaded (canonical), to remember in the recent files; `None` for samples and
    /// re-checks.
    pub file: Option<PathBuf>,
    /// True when the selected event follows the detected one.
    pub selects_event: bool,
    /// The payload and its inspection, or what went wrong.
    pub result: Result<(Arc<Payload>, Inspection), String>,
}

/// Rows of the loaded payload that pass a filter.
#[derive(Clone, Debug, Default)]
pub struct RowsView {
    /// The payload generation they were computed for.
    pub generation: u64,
    /// The filter.
    pub filter: RowFilter,
    /// Indices of the rows that pass.
    pub rows: Vec<u32>,
}

/// The outcome of a write to the functions file, an import or an export.
pub struct FunctionsWrite {
    /// What the console shows about it.
    pub message: FunctionsMessage,
    /// The store as written, when the write changed it.
    pub store: Option<FunctionStore>,
    /// The functions written, per event: an unsaved edit equal to one of them is dropped.
    pub written: Vec<(EventId, Option<FunctionConfig>)>,
}

/// The outcome of the last action on the functions file, shown at the top of the Function tab.
#[derive(Clone, Debug, PartialEq)]
pub enum FunctionsMessage {
    /// It worked.
    Done(String),
    /// It was refused or failed.
    Failed(String),
    /// The file changed on disk: reload it, or overwrite it with this event's edit.
    Conflict(String),
}

/// A secret typed in for the session; never shown by `Debug`.
#[derive(Clone, Default, PartialEq, Eq)]
pub struct SecretText(pub String);

impl std::fmt::Debug for SecretText {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SecretText(…)")
    }
}

/// Livechat calls (built on the UI thread from the form) and what they bring back.
pub enum LivechatCommand {
    /// Ask a server for its version and livechat settings (its survey rules).
    CheckServer { server: Server },
    /// A server answered (or not) about itself.
    ServerChecked { url: String, info: Box<ServerInfo> },
    /// Send a room survey, checked against `rules`.
    Submit {
        server: Server,
        rid: String,
        token: SecretText,
        items: Vec<SurveyItem>,
        rules: SurveyRules,
    },
    /// Make a test conversation.
    StartConversation {
        server: Server,
        request: ConversationRequest,
    },
    /// A submission finished: its outcome, the history entry written, and why the history
    /// could not be written.
    Submitted {
        outcome: Box<Result<SurveyOutcome, String>>,
        entry: Option<HistoryEntry>,
        history_error: Option<String>,
    },
    /// A test conversation finished.
    ConversationDone(Box<Result<Conversation, ConversationFailure>>),
    /// The submission history was read (or why it could not be).
    HistoryRead(Result<LogRead<HistoryEntry>, String>),
    /// Stop a running call (a server check, a submission or a test conversation): the request
    /// in flight is ended at once and its answer never shown.
    Cancel(JobKind),
}
