//! Applying the functions file's commands. Every read and write of the file (and every import
//! and export) runs as the one `FunctionsFile` job: the store is copied, changed and saved on a
//! worker, and the copy replaces the session's store only when it was written. Unsaved edits
//! stay in the session until what was saved equals them.

use std::path::{Path, PathBuf};

use super::SurveyConsoleApp;
use super::commands::{Command, FunctionsMessage, FunctionsWrite};
use super::jobs::{JobHandle, JobKind};
use super::session::StoreState;
use crate::catalog::EventId;
use crate::functions::{FunctionConfig, FunctionStore, StoreError};

impl SurveyConsoleApp {
    /// Reads a functions file on a worker; a bad file is reported and never written.
    pub(super) fn open_functions(&mut self, ctx: &egui::Context, path: PathBuf) {
        let announce = self.started_reading();
        let job_path = path.clone();
        let spawned = self.jobs.spawn(
            ctx,
            JobKind::FunctionsFile,
            format!("Reading {}…", path.display()),
            move |_| Command::FunctionsRead {
                result: FunctionStore::load(&job_path).map_err(|e| e.to_string()),
                path: job_path,
                announce,
            },
        );
        match spawned {
            // A reload keeps the functions shown until the file is read again.
            Ok(()) if self.session.functions_path() != path || self.session.store().is_none() => {
                self.session.functions = StoreState::Reading(path);
            }
            Ok(()) => {}
            Err(busy) => self.refuse(busy),
        }
    }

    /// True once the functions file was read: later reads say what they read.
    fn started_reading(&self) -> bool {
        !matches!(self.session.functions, StoreState::Reading(_))
    }

    /// The functions file was read.
    pub(super) fn functions_read(
        &mut self,
        path: PathBuf,
        result: Result<FunctionStore, String>,
        announce: bool,
    ) {
        let session = &mut self.session;
        session.functions = match result {
            Ok(store) => {
                if announce {
                    session.functions_message = Some(FunctionsMessage::Done(format!(
                        "Read {} function(s) from {}.",
                        store.file.functions.len(),
                        store.path.display()
                    )));
                }
                StoreState::Ready(store)
            }
            Err(error) => {
                if announce {
                    session.functions_message = Some(FunctionsMessage::Failed(error.clone()));
                }
                StoreState::Unreadable { path, error }
            }
        };
        self.prune_drafts();
    }

    /// Keeps an edit only where it differs from the saved function.
    fn prune_drafts(&mut self) {
        let Some(store) = self.session.store() else {
            return;
        };
        let keep: Vec<EventId> = self
            .session
            .drafts
            .iter()
            .filter(|(event, draft)| store.get(**event).is_some_and(|stored| stored != *draft))
            .map(|(event, _)| *event)
            .collect();
        self.session.drafts.retain(|event, _| keep.contains(event));
    }

    /// Replaces the unsaved edit of an event's function; an edit equal to the saved function is
    /// no edit.
    pub(super) fn edit_draft(&mut self, event: EventId, config: FunctionConfig) {
        let Some(stored) = self.session.store().and_then(|s| s.get(event)) else {
            return;
        };
        if *stored == config {
            self.session.drafts.remove(&event);
        } else {
            self.session.drafts.insert(event, config);
        }
    }

    pub(super) fn create_function(&mut self, ctx: &egui::Context, event: EventId, name: String) {
        self.write_functions(ctx, "Creating the function…", move |store| {
            let config = store.create(event, &name)?.clone();
            store.save()?;
            Ok(FunctionsWrite {
                message: FunctionsMessage::Done(format!(
                    "Created '{name}' for {} from its template and saved it.",
                    event.name()
                )),
                store: None,
                written: vec![(event, Some(config))],
            })
        });
    }

    pub(super) fn save_function(
        &mut self,
        ctx: &egui::Context,
        event: EventId,
        config: FunctionConfig,
        overwrite: bool,
    ) {
        self.write_functions(ctx, "Saving…", move |store| {
            let name = config.name.clone();
            store.put(event, config.clone())?;
            if overwrite {
                store.save_overwriting()?;
            } else {
                store.save()?;
            }
            Ok(FunctionsWrite {
                message: FunctionsMessage::Done(format!(
                    "Saved '{name}' to {}.",
                    store.path.display()
                )),
                store: None,
                written: vec![(event, Some(config))],
            })
        });
    }

    /// Saves several unsaved edits in one write (before quitting).
    pub(super) fn save_functions(
        &mut self,
        ctx: &egui::Context,
        edits: Vec<(EventId, FunctionConfig)>,
    ) {
        self.write_functions(ctx, "Saving…", move |store| {
            for (event, config) in &edits {
                store.put(*event, config.clone())?;
            }
            store.save()?;
            let names: Vec<&str> = edits.iter().map(|(_, c)| c.name.as_str()).collect();
            Ok(FunctionsWrite {
                message: FunctionsMessage::Done(format!(
                    "Saved {} to {}.",
                    names.join(", "),
                    store.path.display()
                )),
                store: None,
                written: edits.into_iter().map(|(e, c)| (e, Some(c))).collect(),
            })
        });
    }

    pub(super) fn remove_function(&mut self, ctx: &egui::Context, event: EventId) {
        self.write_functions(ctx, "Removing the function…", move |store| {
            let removed = store.remove(event)?;
            store.save()?;
            Ok(FunctionsWrite {
                message: FunctionsMessage::Done(format!(
                    "Removed '{}' from {}.",
                    removed.name,
                    event.name()
                )),
                store: None,
                written: vec![(event, None)],
            })
        });
    }

    pub(super) fn import_functions(&mut self, ctx: &egui::Context, path: PathBuf, replace: bool) {
        self.write_functions(ctx, "Importing…", move |store| {
            let file = read_functions_file(&path).map_err(WriteError::Other)?;
            let events = store.import(file, replace)?;
            store.save()?;
            let names: Vec<&str> = events.iter().map(|e| e.name()).collect();
            Ok(FunctionsWrite {
                message: FunctionsMessage::Done(format!(
                    "Imported {} function(s) from {}: {}.",
                    events.len(),
                    path.display(),
                    names.join(", ")
                )),
                store: None,
                written: events.iter().map(|e| (*e, None)).collect(),
            })
        });
    }

    pub(super) fn export_functions(
        &mut self,
        ctx: &egui::Context,
        path: PathBuf,
        event: Option<EventId>,
    ) {
        let Some(store) = self.session.store().cloned() else {
            return;
        };
        let spawned = self.jobs.spawn(ctx, JobKind::FunctionsFile, "Exporting…", move |_| {
            let result = store.export(event).and_then(|file| {
                let mut text = serde_json::to_string_pretty(&file).unwrap_or_default();
                text.push('\n');
                crate::files::write_atomic(&path, text.as_bytes(), false)?;
                Ok(file.functions.len())
            });
            let message = match result {
                Ok(n) => FunctionsMessage::Done(format!(
                    "Exported {n} function(s) to {} (secrets stay references; typed-in ones are never written).",
                    path.display()
                )),
                Err(e) => FunctionsMessage::Failed(e.to_string()),
            };
            Command::FunctionsWritten(Box::new(FunctionsWrite {
                message,
                store: None,
                written: Vec::new(),
            }))
        });
        if let Err(busy) = spawned {
            self.refuse(busy);
        }
    }

    /// Changes a copy of the store on a worker; the copy replaces the store when `change`
    /// succeeded (it saves the file itself).
    fn write_functions(
        &mut self,
        ctx: &egui::Context,
        label: &str,
        change: impl FnOnce(&mut FunctionStore) -> Result<FunctionsWrite, WriteError> + Send + 'static,
    ) {
        let Some(mut candidate) = self.session.store().cloned() else {
            return;
        };
        let work = move |_: &JobHandle<Command>| {
            let write = match change(&mut candidate) {
                Ok(mut write) => {
                    if let (FunctionsMessage::Done(text), Some(note)) =
                        (&mut write.message, kept_note(&candidate))
                    {
                        text.push(' ');
                        text.push_str(&note);
                    }
                    FunctionsWrite {
                        store: Some(candidate),
                        ..write
                    }
                }
                Err(error) => FunctionsWrite {
                    message: error.message(),
                    store: None,
                    written: Vec::new(),
                },
            };
            Command::FunctionsWritten(Box::new(write))
        };
        if let Err(busy) = self.jobs.spawn(ctx, JobKind::FunctionsFile, label, work) {
            self.refuse(busy);
        }
    }

    /// A write finished: the written store replaces the session's, and unsaved edits that were
    /// written are dropped (an edit made while saving stays).
    pub(super) fn functions_written(&mut self, ctx: &egui::Context, write: FunctionsWrite) {
        let quit = std::mem::take(&mut self.session.quit_after_save);
        let saved = matches!(write.message, FunctionsMessage::Done(_)) && write.store.is_some();
        if quit && saved {
            self.session.quit_confirmed = true;
            ctx.send_viewport_cmd(egui::ViewportCommand::Close);
        } else if quit
            && let FunctionsMessage::Failed(m) | FunctionsMessage::Conflict(m) = &write.message
        {
            self.say_error(format!("Not quitting: the edits were not saved ({m})."));
        }
        self.session.functions_message = Some(write.message);
        let Some(store) = write.store else {
            return;
        };
        self.session.functions = StoreState::Ready(store);
        for (event, written) in write.written {
            let drop = match (&written, self.session.drafts.get(&event)) {
                (Some(saved), Some(draft)) => saved == draft,
                (None, _) => true,
                (Some(_), None) => false,
            };
            if drop {
                self.session.drafts.remove(&event);
            }
        }
        self.prune_drafts();
    }

    /// Another change of the functions file runs: say so instead of queueing a second one.
    fn refuse(&mut self, busy: super::jobs::AlreadyRunning) {
        self.session.functions_message = Some(FunctionsMessage::Failed(format!(
            "{busy}: try again when it is done."
        )));
    }
}

/// What a save kept of another program's changes, when the file had changed on disk.
fn kept_note(store: &FunctionStore) -> Option<String> {
    let kept = store.kept_from_disk();
    (!kept.is_empty()).then(|| {
        let names: Vec<&str> = kept.iter().map(|e| e.name()).collect();
        format!(
            "The file had changed on disk: the change to {} made elsewhere was kept.",
            names.join(" and ")
        )
    })
}

/// Why a change of the functions file failed.
enum WriteError {
    /// The store refused or could not save.
    Store(StoreError),
    /// Anything else (e.g. the file to import is unreadable).
    Other(String),
}

impl From<StoreError> for WriteError {
    fn from(error: StoreError) -> Self {
        WriteError::Store(error)
    }
}

impl WriteError {
    fn message(&self) -> FunctionsMessage {
        match self {
            WriteError::Store(e @ StoreError::ChangedOnDisk { .. }) => {
                FunctionsMessage::Conflict(e.to_string())
            }
            WriteError::Store(e) => FunctionsMessage::Failed(e.to_string()),
            WriteError::Other(message) => FunctionsMessage::Failed(message.clone()),
        }
    }
}

/// Reads and parses a functions file to import.
fn read_functions_file(path: &Path) -> Result<crate::functions::FunctionsFile, String> {
    let bytes = crate::files::read_bounded(path, crate::files::FUNCTIONS_LIMIT)
        .map_err(|e| e.to_string())?;
    crate::functions::parse(&bytes, path).map_err(|e| e.to_string())
}
