//! The read-only view a panel draws from (after rerun's `ViewerContext`): the persisted state,
//! the session and the running jobs. A panel changes nothing through it; it pushes commands.

use super::actions::UiAction;
use super::commands::Command;
use super::jobs::{JobInfo, JobKind, Jobs};
use super::session::Session;
use super::state::{State, ZOOM_RANGE};
use crate::catalog::EventId;

/// What every panel may read while it draws.
#[derive(Clone, Copy)]
pub struct ViewContext<'a> {
    /// The persisted state: selected event, tab, view, recent files.
    pub state: &'a State,
    /// The session: payload, functions and their edits, invocations, batches, Livechat.
    pub session: &'a Session,
    /// The running background jobs.
    pub jobs: &'a Jobs<Command>,
}

impl ViewContext<'_> {
    /// The selected event.
    pub fn event(&self) -> EventId {
        self.state.selected
    }

    /// True while a job of `kind` runs (its button is then disabled).
    pub fn is_running(&self, kind: JobKind) -> bool {
        self.jobs.is_running(kind)
    }

    /// The running job of `kind`, for a spinner's text.
    pub fn job(&self, kind: JobKind) -> Option<&JobInfo> {
        self.jobs.info(kind)
    }
}

impl ViewContext<'_> {
    /// Why `action` cannot run now, or `None` when it can (menus and the palette show the
    /// reason on a disabled entry; a shortcut that cannot run says it in the status bar).
    pub fn action_blocked(&self, action: UiAction) -> Option<String> {
        let event = self.event();
        let session = self.session;
        let busy = |kind: JobKind| {
            self.is_running(kind)
                .then(|| format!("{} is running", kind.what()))
        };
        match action {
            UiAction::OpenPayload
            | UiAction::OpenFunctionsFile
            | UiAction::ExportBatchJson
            | UiAction::ExportBatchJunit
            | UiAction::SaveRequestAs
                if session.prompt.is_some() =>
            {
                Some("A file prompt is open: answer it first".to_owned())
            }
            UiAction::OpenFunctionsFile => busy(JobKind::FunctionsFile),
            UiAction::SaveRequestAs => (!session.requests.contains_key(&event))
                .then(|| "No edited request: edit one in the Invocations tab".to_owned()),
            UiAction::ExportBatchJson | UiAction::ExportBatchJunit => {
                let done = session
                    .batch
                    .views
                    .get(&event)
                    .is_some_and(|v| v.end.is_some() && !v.results.is_empty());
                (!done).then(|| format!("No finished batch of {} to export", event.name()))
            }
            UiAction::SaveFunction => match session.drafts.get(&event) {
                None => Some("No unsaved edit to save".to_owned()),
                Some(draft) if !crate::functions::validate(draft).is_empty() => {
                    Some("The edit has fields to fix (Function tab)".to_owned())
                }
                Some(_) => busy(JobKind::FunctionsFile),
            },
            UiAction::RevertFunction => {
                (!session.is_edited(event)).then(|| "No unsaved edit to drop".to_owned())
            }
            UiAction::CopyCurl => self.invoke_blocked(false).or_else(|| busy(JobKind::Curl)),
            UiAction::CopyResponse => session
                .latest
                .as_ref()
                .filter(|r| r.event == event && (r.response.is_some() || r.local_result.is_some()))
                .is_none()
                .then(|| format!("No response of {} yet", event.name())),
            UiAction::ZoomIn => (self.state.zoom_factor() >= *ZOOM_RANGE.end())
                .then(|| "Largest size already".to_owned()),
            UiAction::ZoomOut => (self.state.zoom_factor() <= *ZOOM_RANGE.start())
                .then(|| "Smallest size already".to_owned()),
            UiAction::Invoke => self.invoke_blocked(true),
            UiAction::RunLocally => {
                if session.function_edit(event).is_none() {
                    Some(format!("{} has no function yet", event.name()))
                } else {
                    busy(JobKind::Invoke)
                }
            }
            UiAction::RunBatch => {
                if self.is_running(JobKind::Batch) {
                    busy(JobKind::Batch)
                } else if session.function_in_use(event).is_none() && session.batch.url().is_none()
                {
                    Some(super::session::no_function(event))
                } else {
                    None
                }
            }
            UiAction::Cancel => (!JobKind::CANCELLABLE
                .into_iter()
                .any(|kind| self.is_running(kind)))
            .then(|| "Nothing is running".to_owned()),
            UiAction::OpenPayload
            | UiAction::Quit
            | UiAction::Find
            | UiAction::ShowFields
            | UiAction::ShowPayload
            | UiAction::ShowFunction
            | UiAction::ShowInvocations
            | UiAction::ShowBatch
            | UiAction::ShowLivechat
            | UiAction::NextEvent
            | UiAction::PreviousEvent
            | UiAction::ZoomReset
            | UiAction::ThemeDark
            | UiAction::ThemeLight
            | UiAction::ThemeSystem
            | UiAction::CommandPalette
            | UiAction::KeyboardShortcuts
            | UiAction::About => None,
        }
    }

    /// Why the selected event cannot be invoked now (`running`: a running call blocks too).
    pub fn invoke_blocked(&self, running: bool) -> Option<String> {
        let event = self.event();
        let session = self.session;
        if running && self.is_running(JobKind::Invoke) {
            return Some("An invocation is running".to_owned());
        }
        if session.invoke_url().is_none() && session.function_in_use(event).is_none() {
            return Some(super::session::no_function(event));
        }
        if let Some(edit) = session.requests.get(&event) {
            return edit.blocker();
        }
        session
            .invoke_source(event)
            .is_none()
            .then(|| "No payload to send: load one or pick a sample".to_owned())
    }
}
