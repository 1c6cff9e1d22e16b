//! Asking for a path where there may be no file dialog. Every place that asks for a file or a
//! folder opens the same prompt: the system dialog runs beside it when the desktop has one, and
//! a typed path (pre-filled with a sensible folder) always works. A desktop without a dialog
//! portal answers at once with nothing; the console then says so and stops asking it.
//!
//! This file holds the prompt's data and the default paths; the applier (`apply_paths.rs`)
//! starts the dialog, checks typed paths on a worker and sends the answer where the purpose says.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::commands::{FilePurpose, PathCheck, ReportFormat};
use super::state::State;

/// A dialog that answers with nothing sooner than this did not open (no portal), rather than
/// being cancelled by the operator.
pub const NO_DIALOG_WITHIN: Duration = Duration::from_millis(700);

/// The path prompt while it is open.
#[derive(Clone, Debug, PartialEq)]
pub struct PathPrompt {
    /// What the path is for.
    pub purpose: FilePurpose,
    /// The path as typed (one per line where several files are asked for).
    pub text: String,
    /// When the system dialog was started, while it is open.
    pub dialog_since: Option<Instant>,
    /// Why the last typed path cannot be used.
    pub error: Option<String>,
    /// The file exists: the operator is asked before it is replaced.
    pub confirm_overwrite: Option<PathBuf>,
}

impl PathPrompt {
    /// A prompt for `purpose`, pre-filled with its default path.
    pub fn new(purpose: FilePurpose, default: PathBuf) -> PathPrompt {
        let mut text = default.display().to_string();
        if purpose.wants_existing_file() && default.is_absolute() && !text.ends_with('/') {
            // A folder to go on typing in.
            text.push(std::path::MAIN_SEPARATOR);
        }
        PathPrompt {
            purpose,
            text,
            dialog_since: None,
            error: None,
            confirm_overwrite: None,
        }
    }

    /// The typed paths, with `~` for the home folder; empty lines left out.
    pub fn paths(&self) -> Vec<PathBuf> {
        self.text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(expand_home)
            .collect()
    }
}

impl FilePurpose {
    /// The prompt's title.
    pub fn title(self) -> &'static str {
        match self {
            FilePurpose::OpenPayload => "Open a payload file",
            FilePurpose::OpenFunctions => "Open a functions file",
            FilePurpose::ImportFunctions { .. } => "Import functions from a file",
            FilePurpose::ExportFunctions(_) => "Export functions to a file",
            FilePurpose::BatchFolder => "Choose a folder of payload files",
            FilePurpose::BatchFiles => "Choose payload files",
            FilePurpose::BatchReport {
                format: ReportFormat::Json,
                ..
            } => "Export the batch as JSON",
            FilePurpose::BatchReport {
                format: ReportFormat::Junit,
                ..
            } => "Export the batch as JUnit XML",
            FilePurpose::SaveRequest(_) => "Save the request payload as a file",
        }
    }

    /// The prompt's button.
    pub fn verb(self) -> &'static str {
        match self {
            FilePurpose::OpenPayload | FilePurpose::OpenFunctions => "Open",
            FilePurpose::ImportFunctions { .. } => "Import",
            FilePurpose::ExportFunctions(_) | FilePurpose::BatchReport { .. } => "Export",
            FilePurpose::BatchFolder | FilePurpose::BatchFiles => "Use",
            FilePurpose::SaveRequest(_) => "Save",
        }
    }

    /// True when the path names a file to write (it may exist: the operator is asked).
    pub fn writes(self) -> bool {
        matches!(
            self,
            FilePurpose::ExportFunctions(_)
                | FilePurpose::BatchReport { .. }
                | FilePurpose::SaveRequest(_)
        )
    }

    /// True when the path must name an existing file.
    pub fn wants_existing_file(self) -> bool {
        matches!(
            self,
            FilePurpose::OpenPayload
                | FilePurpose::OpenFunctions
                | FilePurpose::ImportFunctions { .. }
                | FilePurpose::BatchFiles
        )
    }

    /// True when several paths may be given, one per line.
    pub fn takes_many(self) -> bool {
        self == FilePurpose::BatchFiles
    }
}

/// `~/x` → the home folder's `x`.
pub fn expand_home(text: &str) -> PathBuf {
    match (text.strip_prefix("~/"), dirs::home_dir()) {
        (Some(rest), Some(home)) => home.join(rest),
        _ if text == "~" => dirs::home_dir().unwrap_or_else(|| PathBuf::from(text)),
        _ => PathBuf::from(text),
    }
}

/// Where exports go unless the operator wrote somewhere else before: the documents folder,
/// else the home folder, else the working folder.
pub fn default_export_dir(state: &State) -> PathBuf {
    state
        .export_dir
        .clone()
        .or_else(dirs::document_dir)
        .or_else(dirs::home_dir)
        .or_else(|| std::env::current_dir().ok())
        .unwrap_or_else(|| PathBuf::from("."))
}

/// Where payloads are looked for: the folder of the last file opened, else the bundled
/// `sample-payloads` beside the working folder, else the home folder.
pub fn default_payload_dir(state: &State) -> PathBuf {
    if let Some(parent) = state.recent.first().and_then(|p| p.parent()) {
        return parent.to_path_buf();
    }
    let cwd = std::env::current_dir().ok();
    cwd.as_ref()
        .map(|d| d.join("sample-payloads"))
        .filter(|d| d.is_dir())
        .or_else(dirs::home_dir)
        .or(cwd)
        .unwrap_or_else(|| PathBuf::from("."))
}

/// The path a prompt for `purpose` starts with.
pub fn default_path(
    purpose: FilePurpose,
    state: &State,
    functions_file: &Path,
    file_stem: &str,
) -> PathBuf {
    let functions_dir = || {
        functions_file
            .parent()
            .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
    };
    match purpose {
        FilePurpose::OpenPayload | FilePurpose::BatchFolder | FilePurpose::BatchFiles => {
            default_payload_dir(state)
        }
        FilePurpose::OpenFunctions | FilePurpose::ImportFunctions { .. } => functions_dir(),
        FilePurpose::ExportFunctions(_) => {
            default_export_dir(state).join(format!("{file_stem}.json"))
        }
        FilePurpose::BatchReport { event, format } => {
            default_export_dir(state).join(format!("batch-{}.{}", event.id(), format.extension()))
        }
        FilePurpose::SaveRequest(_) => default_export_dir(state).join(format!("{file_stem}.json")),
    }
}

/// Checks typed paths for `purpose` (on a worker).
pub fn check_paths(purpose: FilePurpose, paths: &[PathBuf]) -> PathCheck {
    if paths.is_empty() {
        return PathCheck::Unusable("Type a path.".to_owned());
    }
    for path in paths {
        let meta = std::fs::metadata(path);
        match purpose {
            FilePurpose::BatchFolder => {
                if !meta.as_ref().is_ok_and(|m| m.is_dir()) {
                    return PathCheck::Unusable(format!("No such folder: {}", path.display()));
                }
            }
            _ if purpose.wants_existing_file() => match meta {
                Ok(m) if m.is_dir() => {
                    return PathCheck::Unusable(format!(
                        "This is a folder; type a file name after it: {}",
                        path.display()
                    ));
                }
                Ok(_) => {}
                Err(_) => {
                    return PathCheck::Unusable(format!("No such file: {}", path.display()));
                }
            },
            _ => match meta {
                Ok(m) if m.is_dir() => {
                    return PathCheck::Unusable(format!(
                        "This is a folder; type a file name after it: {}",
                        path.display()
                    ));
                }
                Ok(_) => return PathCheck::Exists,
                Err(_) => {}
            },
        }
    }
    PathCheck::Usable
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::EventId;

    #[test]
    fn typed_paths_are_checked_for_what_they_are_for() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("a.json");
        std::fs::write(&file, "{}").unwrap();
        let missing = dir.path().join("missing.json");
        let open = FilePurpose::OpenPayload;
        assert_eq!(
            check_paths(open, std::slice::from_ref(&file)),
            PathCheck::Usable
        );
        assert!(matches!(
            check_paths(open, std::slice::from_ref(&missing)),
            PathCheck::Unusable(m) if m.starts_with("No such file")
        ));
        assert!(matches!(
            check_paths(open, &[dir.path().to_path_buf()]),
            PathCheck::Unusable(m) if m.starts_with("This is a folder")
        ));
        let report = FilePurpose::BatchReport {
            event: EventId::ChatPostSurveyEmailTranscript,
            format: ReportFormat::Json,
        };
        assert_eq!(check_paths(report, &[missing]), PathCheck::Usable);
        assert_eq!(check_paths(report, &[file]), PathCheck::Exists);
        assert_eq!(
            check_paths(FilePurpose::BatchFolder, &[dir.path().to_path_buf()]),
            PathCheck::Usable
        );
        assert!(matches!(check_paths(open, &[]), PathCheck::Unusable(_)));
    }

    #[test]
    fn a_prompt_reads_one_path_per_line_and_the_home_folder() {
        let mut prompt = PathPrompt::new(FilePurpose::BatchFiles, PathBuf::from("/data"));
        assert_eq!(prompt.text, format!("/data{}", std::path::MAIN_SEPARATOR));
        prompt.text = " /a.json \n\n~/b.json\n".to_owned();
        let home = dirs::home_dir().unwrap_or_default();
        assert_eq!(
            prompt.paths(),
            vec![PathBuf::from("/a.json"), home.join("b.json")]
        );
    }

    #[test]
    fn exports_default_to_the_folder_last_written_to() {
        let state = State {
            export_dir: Some(PathBuf::from("/reports")),
            ..State::default()
        };
        let purpose = FilePurpose::BatchReport {
            event: EventId::MessagingSurveyEnded,
            format: ReportFormat::Junit,
        };
        assert_eq!(
            default_path(purpose, &state, Path::new("/cfg/functions.json"), "x"),
            PathBuf::from("/reports/batch-messaging-survey-ended.xml")
        );
        assert_eq!(
            default_path(
                FilePurpose::OpenFunctions,
                &state,
                Path::new("/cfg/functions.json"),
                "x"
            ),
            PathBuf::from("/cfg")
        );
    }
}
