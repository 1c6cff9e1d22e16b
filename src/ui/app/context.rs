//! The read-only view a panel draws from (after rerun's `ViewerContext`): the persisted state,
//! the session and the running jobs. A panel changes nothing through it; it pushes commands.

use super::commands::Command;
use super::jobs::{JobInfo, JobKind, Jobs};
use super::session::Session;
use super::state::State;
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
