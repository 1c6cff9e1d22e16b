//! Applying the path prompt (`paths.rs`): every place that asks for a file opens the prompt,
//! with the system dialog beside it where the desktop has one. A dialog that answers at once
//! with nothing means there is none: the prompt says so and asks for a typed path, which a
//! worker checks before the path goes where its purpose says.

use std::path::PathBuf;
use std::time::Instant;

use super::SurveyConsoleApp;
use super::commands::{BatchPayloads, Command, FilePurpose, PathCheck};
use super::jobs::JobKind;
use super::paths::{NO_DIALOG_WITHIN, PathPrompt, check_paths, default_path};

impl SurveyConsoleApp {
    /// Opens the path prompt for `purpose`, and the system dialog beside it unless this desktop
    /// has shown it has none.
    pub(super) fn choose_file(&mut self, ctx: &egui::Context, purpose: FilePurpose) {
        let stem = self.file_stem(purpose);
        let default = default_path(purpose, &self.state, self.session.functions_path(), &stem);
        self.session.prompt = Some(PathPrompt::new(purpose, default));
        if !self.session.no_dialog {
            self.browse(ctx);
        }
    }

    /// The file name a save prompt suggests.
    fn file_stem(&self, purpose: FilePurpose) -> String {
        match purpose {
            FilePurpose::ExportFunctions(Some(event)) => self
                .session
                .store()
                .and_then(|s| s.get(event))
                .map_or_else(|| event.id().to_owned(), |f| f.name.clone()),
            FilePurpose::ExportFunctions(None) => "functions-export".to_owned(),
            FilePurpose::SaveRequest(event) => self.session.requests.get(&event).map_or_else(
                || format!("{}-request", event.id()),
                |r| {
                    let stem = r.based_on.trim_end_matches(".json");
                    format!("{stem}-edited")
                },
            ),
            _ => String::new(),
        }
    }

    /// Starts the system dialog for the open prompt, on a worker (dialogs may block).
    pub(super) fn browse(&mut self, ctx: &egui::Context) {
        let Some(prompt) = self.session.prompt.as_mut() else {
            return;
        };
        let purpose = prompt.purpose;
        let start = PathBuf::from(prompt.text.trim());
        let spawned = self
            .jobs
            .spawn(ctx, JobKind::FileDialog, "file dialog", move |_| {
                Command::PathsChosen {
                    purpose,
                    paths: dialog_paths(purpose, &start),
                }
            });
        if spawned.is_ok() {
            prompt.dialog_since = Some(Instant::now());
            prompt.error = None;
        }
    }

    /// Checks the typed path on a worker; its answer decides.
    pub(super) fn submit_prompt(&mut self, ctx: &egui::Context, overwrite: bool) {
        let Some(prompt) = self.session.prompt.as_mut() else {
            return;
        };
        let purpose = prompt.purpose;
        let mut paths = prompt.paths();
        if !purpose.takes_many() {
            paths.truncate(1);
        }
        prompt.error = None;
        let spawned = self
            .jobs
            .spawn(ctx, JobKind::PathCheck, "checking the path", move |_| {
                let check = check_paths(purpose, &paths);
                Command::PromptChecked {
                    purpose,
                    paths,
                    check,
                    overwrite,
                }
            });
        if spawned.is_ok() {
            // A dialog still open would answer for a path the operator already typed.
            self.jobs.cancel(JobKind::FileDialog);
            if let Some(prompt) = self.session.prompt.as_mut() {
                prompt.dialog_since = None;
            }
        }
    }

    /// A typed path was checked: use it, ask before replacing a file, or say what is wrong.
    pub(super) fn prompt_checked(
        &mut self,
        ctx: &egui::Context,
        purpose: FilePurpose,
        paths: Vec<PathBuf>,
        check: PathCheck,
        overwrite: bool,
    ) {
        let Some(prompt) = self
            .session
            .prompt
            .as_mut()
            .filter(|p| p.purpose == purpose)
        else {
            return;
        };
        match check {
            PathCheck::Unusable(why) => prompt.error = Some(why),
            PathCheck::Exists if !overwrite => {
                prompt.confirm_overwrite = paths.first().cloned();
            }
            PathCheck::Usable | PathCheck::Exists => {
                self.session.prompt = None;
                self.use_paths(ctx, purpose, paths);
            }
        }
    }

    /// What a file dialog returned: the path goes where its purpose says; nothing at once means
    /// this desktop has no dialog, and the prompt asks for a typed path.
    pub(super) fn paths_chosen(
        &mut self,
        ctx: &egui::Context,
        purpose: FilePurpose,
        paths: Vec<PathBuf>,
    ) {
        if !paths.is_empty() {
            if self
                .session
                .prompt
                .as_ref()
                .is_some_and(|p| p.purpose == purpose)
            {
                self.session.prompt = None;
            }
            self.use_paths(ctx, purpose, paths);
            return;
        }
        let Some(prompt) = self
            .session
            .prompt
            .as_mut()
            .filter(|p| p.purpose == purpose)
        else {
            return;
        };
        let answered_at_once = prompt
            .dialog_since
            .take()
            .is_some_and(|since| since.elapsed() < NO_DIALOG_WITHIN);
        if answered_at_once {
            // No portal answered: say so once, and ask for typed paths from now on.
            self.session.no_dialog = true;
        } else {
            // The operator cancelled the dialog: nothing more is asked.
            self.session.prompt = None;
        }
    }

    /// A path (or paths) for `purpose`, from the dialog or typed.
    fn use_paths(&mut self, ctx: &egui::Context, purpose: FilePurpose, mut paths: Vec<PathBuf>) {
        if paths.is_empty() {
            return;
        }
        if purpose.writes()
            && let Some(dir) = paths[0].parent().filter(|d| !d.as_os_str().is_empty())
        {
            self.state.export_dir = Some(dir.to_path_buf());
        }
        let first = paths.remove(0);
        match purpose {
            FilePurpose::OpenPayload => self.load_file(ctx, first),
            FilePurpose::OpenFunctions => {
                self.run_cmd(ctx, Command::LoadFunctionsFile(first));
            }
            FilePurpose::ImportFunctions { replace } => self.import_functions(ctx, first, replace),
            FilePurpose::ExportFunctions(event) => self.export_functions(ctx, first, event),
            FilePurpose::BatchFolder => {
                self.session.batch.payloads = BatchPayloads::Folder(first);
            }
            FilePurpose::BatchFiles => {
                paths.insert(0, first);
                self.session.batch.payloads = BatchPayloads::Files(paths);
            }
            FilePurpose::BatchReport { event, format } => {
                self.write_batch_report(ctx, event, format, first);
            }
            FilePurpose::SaveRequest(event) => self.save_request(ctx, event, first),
        }
    }
}

/// Asks the system dialog (on a worker thread), starting in the folder of `start`; nothing
/// when it is cancelled or cannot open.
fn dialog_paths(purpose: FilePurpose, start: &std::path::Path) -> Vec<PathBuf> {
    let json = |dialog: rfd::FileDialog, what: &str| {
        dialog
            .add_filter(what, &["json"])
            .add_filter("All files", &["*"])
    };
    let folder = if start.is_dir() {
        Some(start.to_path_buf())
    } else {
        start.parent().map(std::path::Path::to_path_buf)
    };
    let mut dialog = rfd::FileDialog::new();
    if let Some(folder) = folder.filter(|f| f.is_dir()) {
        dialog = dialog.set_directory(folder);
    }
    let name = start
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let one = |path: Option<PathBuf>| path.into_iter().collect();
    let title = purpose.title();
    match purpose {
        FilePurpose::OpenPayload => one(json(dialog, "JSON payload").set_title(title).pick_file()),
        FilePurpose::OpenFunctions | FilePurpose::ImportFunctions { .. } => {
            one(json(dialog, "Functions file").set_title(title).pick_file())
        }
        FilePurpose::ExportFunctions(_) | FilePurpose::SaveRequest(_) => {
            one(json(dialog, "JSON file")
                .set_title(title)
                .set_file_name(name)
                .save_file())
        }
        FilePurpose::BatchFolder => one(dialog.set_title(title).pick_folder()),
        FilePurpose::BatchFiles => json(dialog, "JSON payload")
            .set_title(title)
            .pick_files()
            .unwrap_or_default(),
        FilePurpose::BatchReport { .. } => {
            one(dialog.set_title(title).set_file_name(name).save_file())
        }
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;
    use crate::ui::app::session::Files;
    use crate::ui::app::state::State;

    fn prompted(dialog_for: Duration) -> (SurveyConsoleApp, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        let mut app = SurveyConsoleApp::with_files(State::default(), Files::in_dir(dir.path()));
        let mut prompt = PathPrompt::new(FilePurpose::OpenPayload, dir.path().to_path_buf());
        prompt.dialog_since = Instant::now().checked_sub(dialog_for);
        app.session.prompt = Some(prompt);
        (app, dir)
    }

    #[test]
    fn a_dialog_that_answers_nothing_at_once_means_there_is_none() {
        let ctx = egui::Context::default();
        let (mut app, _dir) = prompted(Duration::ZERO);
        app.paths_chosen(&ctx, FilePurpose::OpenPayload, Vec::new());
        assert!(
            app.session.no_dialog,
            "no dialog opened: the prompt says so"
        );
        assert!(
            app.session.prompt.is_some(),
            "and still asks for a typed path"
        );

        // A dialog the operator looked at and cancelled: nothing more is asked.
        let (mut app, _dir) = prompted(NO_DIALOG_WITHIN * 3);
        app.paths_chosen(&ctx, FilePurpose::OpenPayload, Vec::new());
        assert!(!app.session.no_dialog);
        assert!(app.session.prompt.is_none());
    }
}
