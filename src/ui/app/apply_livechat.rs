//! Applying the Livechat survey view's calls: a submission, a test conversation and the history
//! read each run as their own job; the panel builds the request from its form and the answers
//! come back here.

use super::SurveyConsoleApp;
use super::commands::{Command, LivechatCommand};
use super::jobs::JobKind;
use crate::livechat::{History, HistoryEntry, start_conversation, submit_survey};

impl SurveyConsoleApp {
    /// Reads the Livechat submission history on a worker.
    pub(super) fn read_livechat_history(&mut self, ctx: &egui::Context) {
        let history = History::at(self.session.files.livechat_history.clone());
        let _ = self.jobs.spawn(
            ctx,
            JobKind::LivechatHistory,
            "reading the history",
            move |_| {
                let read = history.load().map_err(|e| e.to_string());
                Command::Livechat(LivechatCommand::HistoryRead(read))
            },
        );
    }

    pub(super) fn run_livechat(&mut self, ctx: &egui::Context, command: LivechatCommand) {
        let livechat = &mut self.session.livechat;
        match command {
            LivechatCommand::Submit {
                server,
                rid,
                token,
                items,
            } => {
                let history = History::at(self.session.files.livechat_history.clone());
                let _ = self.jobs.spawn(
                    ctx,
                    JobKind::LivechatSubmit,
                    "sending the survey",
                    move |_| {
                        let submitted = match submit_survey(&server, &rid, &token.0, &items) {
                            Ok(outcome) => {
                                let entry = HistoryEntry::from_outcome(&server.url, &outcome);
                                let error = history.append(&entry).err().map(|e| e.to_string());
                                LivechatCommand::Submitted {
                                    outcome: Box::new(Ok(outcome)),
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
                    move |_| {
                        let done = start_conversation(&server, &request);
                        Command::Livechat(LivechatCommand::ConversationDone(done))
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
                if done.is_ok() {
                    livechat.conversation_generation += 1;
                }
                livechat.conversation = Some(done);
            }
            LivechatCommand::HistoryRead(read) => match read {
                Ok(mut entries) => {
                    // Submissions made while it was read come after it.
                    entries.append(&mut livechat.history);
                    livechat.history = entries;
                }
                Err(message) => livechat.history_error = Some(message),
            },
        }
    }
}
