//! Applying the request editor's commands: start an edit from the payload chosen for the event,
//! check every change against the event's fields (at once when small, else on a worker, so
//! typing never waits), and write an edited payload to a file.

use std::path::PathBuf;

use super::SurveyConsoleApp;
use super::commands::{Command, InvokePayload};
use super::jobs::JobKind;
use super::request::{CHECK_AT_ONCE_BYTES, EDITABLE_BYTES, RequestEdit, check_request};
use crate::catalog::EventId;

impl SurveyConsoleApp {
    /// Starts editing the event's request from the payload chosen for it (an edit already
    /// made stays).
    pub(super) fn edit_request(&mut self, event: EventId) {
        if self.session.requests.contains_key(&event) {
            return;
        }
        let (name, text) = match self.session.invoke_choice(event) {
            Some(InvokePayload::Sample(sample)) => {
                (sample.file_name.to_owned(), sample.contents.to_owned())
            }
            Some(InvokePayload::Loaded) => {
                let Some(loaded) = &self.session.loaded else {
                    return;
                };
                let payload = &loaded.payload;
                if payload.size_bytes > EDITABLE_BYTES {
                    self.say_error(format!(
                        "{} is {} bytes, too large to edit here (at most {EDITABLE_BYTES}): edit \
                         the file and open it again.",
                        payload.file_name(),
                        payload.size_bytes
                    ));
                    return;
                }
                (payload.file_name().to_owned(), payload.text().to_owned())
            }
            None => (
                "new request".to_owned(),
                "{\n  \"timestamp\": 0,\n  \"headers\": [],\n  \"payload\": {}\n}\n".to_owned(),
            ),
        };
        let mut edit = RequestEdit::new(&name, text);
        edit.check = Some(check_request(&edit.text, event).0);
        self.session.requests.insert(event, edit);
    }

    /// The edited text changed: keep it and check it again.
    pub(super) fn edit_request_text(&mut self, ctx: &egui::Context, event: EventId, text: String) {
        let Some(edit) = self.session.requests.get_mut(&event) else {
            return;
        };
        edit.generation += 1;
        let generation = edit.generation;
        if text.len() <= CHECK_AT_ONCE_BYTES {
            edit.check = Some(check_request(&text, event).0);
            edit.text = text;
            return;
        }
        edit.text = text.clone();
        self.jobs.spawn_replacing(
            ctx,
            JobKind::CheckRequest,
            "checking the request",
            move |_| Command::RequestChecked {
                event,
                generation,
                check: check_request(&text, event).0,
            },
        );
    }

    /// Writes the event's edited payload to `path` on a worker, and says where.
    pub(super) fn save_request(&mut self, ctx: &egui::Context, event: EventId, path: PathBuf) {
        let Some(edit) = self.session.requests.get(&event) else {
            return;
        };
        let mut text = edit.text.clone();
        if !text.ends_with('\n') {
            text.push('\n');
        }
        let spawned = self
            .jobs
            .spawn(ctx, JobKind::WriteFile, "saving the payload", move |_| {
                let written = crate::files::write_atomic(&path, text.as_bytes(), false)
                    .map(|()| {
                        let shown = std::fs::canonicalize(&path).unwrap_or_else(|_| path.clone());
                        format!(
                            "Saved the edited payload ({} bytes) to {}.",
                            text.len(),
                            shown.display()
                        )
                    })
                    .map_err(|e| format!("The payload was not saved: {e}"));
                Command::FileWritten(written)
            });
        if let Err(busy) = spawned {
            self.say_error(format!("{busy}: try again when it is done."));
        }
    }
}
