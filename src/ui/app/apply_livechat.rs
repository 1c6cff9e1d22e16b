//! Applying the Livechat survey view's calls: a server check, a submission, a test conversation
//! and the history read each run as their own job; the panel builds the request from its form
//! and the answers come back here. Every call notes the server's rate-limit answers in the
//! session's [`RateLimits`](crate::livechat::RateLimits), which the panel reads to say which
//! call the server will refuse next.

use std::sync::Arc;

use super::SurveyConsoleApp;
use super::commands::{Command, LivechatCommand};
use super::jobs::JobKind;
use super::session::CheckedServer;
use crate::livechat::{
    Cancel, History, HistoryEntry, Server, SurveyRequest, server_info, start_conversation,
    submit_survey,
};

/// What a cancelled submission says: the call was ended, but the server may have had it.
pub const SURVEY_CANCELLED: &str = "Cancelled: the survey call was ended. If the server had already received it, it may have stored the survey: check the room before sending it again.";

/// What a cancelled test conversation says.
const CONVERSATION_CANCELLED: &str = "The test conversation was cancelled: a visitor or room it had already made stays on the server.";

/// `server` with the job's cancel flag, so cancelling the job ends its call in flight.
fn cancellable(server: Server, cancel: Arc<std::sync::atomic::AtomicBool>) -> Server {
    Server {
        cancel: Some(Cancel(cancel)),
        ..server
    }
}

impl SurveyConsoleApp {
    /// Reads the Livechat submission history on a worker.
    pub(super) fn read_livechat_history(&mut self, ctx: &egui::Context) {
        let history = History::at(self.session.files.livechat_history.clone());
        let _ = self.jobs.spawn(
            ctx,
            JobKind::LivechatHistory,
            "reading the history",
            move |_| {
                let read = history.read().map_err(|e| e.to_string());
                Command::Livechat(LivechatCommand::HistoryRead(read))
            },
        );
    }

    pub(super) fn run_livechat(&mut self, ctx: &egui::Context, command: LivechatCommand) {
        let livechat = &mut self.session.livechat;
        let limits = Arc::clone(&livechat.limits);
        match command {
            LivechatCommand::CheckServer { server } => {
                let _ = self.jobs.spawn(
                    ctx,
                    JobKind::LivechatServer,
                    "checking the server",
                    move |job| {
                        let server = cancellable(server, job.cancel_flag());
                        let info = server_info(&server, &limits);
                        Command::Livechat(LivechatCommand::ServerChecked {
                            url: server.url,
                            info: Box::new(info),
                        })
                    },
                );
            }
            LivechatCommand::ServerChecked { url, info } => {
                livechat.server = Some(CheckedServer { url, info: *info });
            }
            LivechatCommand::Submit {
                server,
                rid,
                token,
                items,
                rules,
            } => {
                let history = History::at(self.session.files.livechat_history.clone());
                let request = SurveyRequest {
                    rid,
                    token: token.0,
                    items,
                    rules,
                };
                let _ = self.jobs.spawn(
                    ctx,
                    JobKind::LivechatSubmit,
                    "sending the survey",
                    move |job| {
                        let server = cancellable(server, job.cancel_flag());
                        let submitted = match submit_survey(&server, &limits, &request) {
                            Ok(outcome) => {
                                let entry = HistoryEntry::from_outcome(&server.url, &outcome);
                                let error = history.append(&entry).err().map(|e| e.to_string());
                                // Ended by Cancel: the attempt is kept, and said for what it is.
                                let outcome = if job.cancelled() && !outcome.success() {
                                    Err(SURVEY_CANCELLED.to_owned())
                                } else {
                                    Ok(outcome)
                                };
                                LivechatCommand::Submitted {
                                    outcome: Box::new(outcome),
                                    entry: Some(entry),
                                    history_error: error,
                                }
                            }
                            Err(not_sent) => LivechatCommand::Submitted {
                                outcome: Box::new(Err(not_sent.to_string())),
                                entry: None,
                                history_error: None,
                            },
                        };
                        Command::Livechat(submitted)
                    },
                );
            }
            LivechatCommand::StartConversation { server, request } => {
                let spawned = self.jobs.spawn(
                    ctx,
                    JobKind::LivechatConversation,
                    "starting a test conversation",
                    move |job| {
                        let server = cancellable(server, job.cancel_flag());
                        let done = start_conversation(&server, &limits, &request);
                        Command::Livechat(LivechatCommand::ConversationDone(Box::new(done)))
                    },
                );
                if spawned.is_ok() {
                    livechat.conversation = None;
                }
            }
            LivechatCommand::Submitted {
                outcome,
                entry,
                history_error,
            } => {
                livechat.outcome = Some(*outcome);
                livechat.history.extend(entry);
                if history_error.is_some() {
                    livechat.history_error = history_error;
                }
            }
            LivechatCommand::ConversationDone(done) => {
                // A room that was made (even one the server would not let the visitor close)
                // is what the survey is for.
                let room = match done.as_ref() {
                    Ok(_) => true,
                    Err(failure) => failure.rid.is_some(),
                };
                if room {
                    livechat.conversation_generation += 1;
                }
                livechat.conversation = Some(*done);
            }
            LivechatCommand::HistoryRead(read) => match read {
                Ok(read) => {
                    // Submissions made while it was read come after it.
                    let mut entries = read.entries;
                    entries.append(&mut livechat.history);
                    livechat.history = entries;
                    livechat.history_skipped = read.skipped;
                }
                Err(message) => livechat.history_error = Some(message),
            },
            // A survey call may have reached the server: its job is stopped but kept (the call
            // ends at once), so the attempt it writes to the history file joins the session's
            // history too, and its outcome says it was cancelled.
            LivechatCommand::Cancel(JobKind::LivechatSubmit) => {
                self.jobs.request_stop(JobKind::LivechatSubmit);
            }
            LivechatCommand::Cancel(kind) => {
                if self.jobs.cancel(kind) && kind == JobKind::LivechatConversation {
                    self.say(CONVERSATION_CANCELLED.to_owned());
                }
            }
        }
    }
}
