//! `functions.json`: the one function of each event, keyed by event id, checked on load by
//! every rule that `set` applies, and saved so that nothing is lost:
//!
//! - every save holds the file's lock ([`FileLock`]) from reading what is on disk to renaming
//!   the new version over it, in the console and in every CLI alike;
//! - a save made on top of a version that changed on disk since it was loaded is merged, event
//!   by event: the events this store changed are applied on top of the other writer's file,
//!   and only when both changed the same event is the save refused ("changed on disk");
//! - the write is atomic and keeps the previous version as `functions.json.bak`
//!   ([`write_atomic`]).

use std::collections::{BTreeMap, BTreeSet};
use std::hash::{Hash as _, Hasher as _};
use std::path::{Path, PathBuf};

use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};

use super::config::FunctionConfig;
use super::validate::{FieldError, validate};
use crate::catalog::EventId;
use crate::files::{FUNCTIONS_LIMIT, FileError, FileLock, read_bounded, write_atomic};

/// The file format's version.
pub const FILE_VERSION: u32 = 1;

/// The whole file: `{"version":1,"functions":{"<event id>":{…}}}`. Keyed by event, so a second
/// function for an event cannot even be written.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FunctionsFile {
    /// Format version.
    pub version: u32,
    /// The functions by event.
    #[serde(default)]
    pub functions: BTreeMap<EventId, FunctionConfig>,
}

impl FunctionsFile {
    fn empty() -> FunctionsFile {
        FunctionsFile {
            version: FILE_VERSION,
            functions: BTreeMap::new(),
        }
    }
}

/// Why the store refused something. Messages end with the file's path where there is one.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The file could not be read, locked or written.
    #[error(transparent)]
    File(#[from] FileError),
    /// The file is not a valid functions file; it was left untouched.
    #[error("not a valid functions file ({reason}); the file was left untouched: {path}")]
    Invalid { reason: String, path: PathBuf },
    /// A function in the file breaks a rule that `set` applies; the file was left untouched.
    #[error(
        "not a valid functions file ({}); the file was left untouched: {path}",
        describe_file_errors(.errors)
    )]
    InvalidFunctions {
        /// Each problem, by event and field.
        errors: Vec<(EventId, FieldError)>,
        path: PathBuf,
    },
    /// The event already has its one function.
    #[error("{event_name} already has a function, '{existing}': edit or remove it")]
    AlreadyExists {
        event: EventId,
        event_name: &'static str,
        existing: String,
    },
    /// The event has no function.
    #[error("{event_name} has no function")]
    Missing {
        event: EventId,
        event_name: &'static str,
    },
    /// The configuration breaks a rule.
    #[error("the function for {event} is not valid: {}", describe_errors(.errors))]
    InvalidConfig {
        event: EventId,
        errors: Vec<FieldError>,
    },
    /// Another program changed the same functions in the file since it was loaded; nothing was
    /// written.
    #[error(
        "{} changed on disk since the file was loaded; reload it (or save to another file) so that nothing is overwritten: {path}",
        describe_events(.events)
    )]
    ChangedOnDisk {
        /// The events both changed (empty when the file on disk can no longer be read).
        events: Vec<EventId>,
        path: PathBuf,
    },
}

impl StoreError {
    /// True when the error is about what the user gave (a bad file, a refused setting), not a
    /// failure to write.
    pub fn is_bad_input(&self) -> bool {
        match self {
            StoreError::Invalid { .. }
            | StoreError::InvalidFunctions { .. }
            | StoreError::InvalidConfig { .. } => true,
            StoreError::File(FileError::Io { action, .. }) => {
                matches!(*action, "reading" | "opening")
            }
            StoreError::File(
                FileError::TooLarge { .. }
                | FileError::NotRegular { .. }
                | FileError::NotUtf8 { .. },
            ) => true,
            _ => false,
        }
    }
}

fn describe_errors(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(|e| format!("{}: {}", e.field, e.message))
        .collect::<Vec<_>>()
        .join("; ")
}

fn describe_file_errors(errors: &[(EventId, FieldError)]) -> String {
    errors
        .iter()
        .map(|(event, e)| format!("functions.{event}.{}: {}", e.field, e.message))
        .collect::<Vec<_>>()
        .join("; ")
}

fn describe_events(events: &[EventId]) -> String {
    match events {
        [] => "the file".to_owned(),
        [one] => format!("the function of {}", one.name()),
        many => format!(
            "the functions of {}",
            many.iter()
                .map(|e| e.name())
                .collect::<Vec<_>>()
                .join(" and ")
        ),
    }
}

/// The default file: `functions.json` in the platform's config dir
/// (`$XDG_CONFIG_HOME/survey-console/` on Linux).
pub fn default_path() -> PathBuf {
    dirs::config_dir()
        .unwrap_or_else(|| PathBuf::from("."))
        .join("survey-console")
        .join("functions.json")
}

/// The functions of one file, with what is needed to save it safely.
#[derive(Clone, Debug)]
pub struct FunctionStore {
    /// Where the file lives.
    pub path: PathBuf,
    /// Its content, with this store's changes.
    pub file: FunctionsFile,
    /// The content as it was on disk when loaded or last saved: the base of a merge.
    base: FunctionsFile,
    /// Hash of the bytes on disk when loaded or last saved (`None`: there was no file).
    disk_hash: Option<u64>,
    /// The events another program changed on disk that the last save kept.
    kept: Vec<EventId>,
}

impl FunctionStore {
    /// An empty store for `path` that has not been read or written.
    pub fn empty(path: PathBuf) -> FunctionStore {
        FunctionStore {
            path,
            file: FunctionsFile::empty(),
            base: FunctionsFile::empty(),
            disk_hash: None,
            kept: Vec::new(),
        }
    }

    /// Loads the file; a file that does not exist yet is an empty store. Blocking: the console
    /// calls it on a worker thread.
    pub fn load(path: &Path) -> Result<FunctionStore, StoreError> {
        let (file, disk_hash) = match read_disk(path)? {
            Some(bytes) => (parse(&bytes, path)?, Some(hash(&bytes))),
            None => (FunctionsFile::empty(), None),
        };
        Ok(FunctionStore {
            path: path.to_path_buf(),
            base: file.clone(),
            file,
            disk_hash,
            kept: Vec::new(),
        })
    }

    /// Loads the file, applies `change` and saves the result, holding the file's lock the whole
    /// time: two processes that update the same file one after the other each see the other's
    /// change. Nothing is written when `change` fails or changes nothing.
    pub fn update<T>(
        path: &Path,
        change: impl FnOnce(&mut FunctionStore) -> Result<T, StoreError>,
    ) -> Result<(T, FunctionStore), StoreError> {
        let _lock = FileLock::acquire(path)?;
        let mut store = FunctionStore::load(path)?;
        let out = change(&mut store)?;
        if store.file != store.base {
            store.write_locked(store.file.clone())?;
        }
        Ok((out, store))
    }

    /// The function of an event.
    pub fn get(&self, event: EventId) -> Option<&FunctionConfig> {
        self.file.functions.get(&event)
    }

    /// Creates the event's function from its template; refused when it already has one.
    pub fn create(&mut self, event: EventId, name: &str) -> Result<&FunctionConfig, StoreError> {
        self.check_free(event)?;
        let config = FunctionConfig::from_template(event, name);
        check_valid(event, &config)?;
        Ok(self.file.functions.entry(event).or_insert(config))
    }

    /// Adds a function for an event that has none.
    pub fn add(&mut self, event: EventId, config: FunctionConfig) -> Result<(), StoreError> {
        self.check_free(event)?;
        check_valid(event, &config)?;
        self.file.functions.insert(event, config);
        Ok(())
    }

    /// Replaces the event's function (or adds it).
    pub fn put(&mut self, event: EventId, config: FunctionConfig) -> Result<(), StoreError> {
        check_valid(event, &config)?;
        self.file.functions.insert(event, config);
        Ok(())
    }

    /// Removes the event's function and returns it.
    pub fn remove(&mut self, event: EventId) -> Result<FunctionConfig, StoreError> {
        self.file
            .functions
            .remove(&event)
            .ok_or(StoreError::Missing {
                event,
                event_name: event.name(),
            })
    }

    /// A file holding one function (or all of them when `event` is `None`). Secrets typed in
    /// for the session are never part of a store, so an export never contains one.
    pub fn export(&self, event: Option<EventId>) -> Result<FunctionsFile, StoreError> {
        let functions = match event {
            Some(event) => {
                let config = self.get(event).ok_or(StoreError::Missing {
                    event,
                    event_name: event.name(),
                })?;
                BTreeMap::from([(event, config.clone())])
            }
            None => self.file.functions.clone(),
        };
        Ok(FunctionsFile {
            version: FILE_VERSION,
            functions,
        })
    }

    /// Imports the functions of another file. An event that already has a function is refused
    /// unless `replace`; nothing changes when anything is refused.
    pub fn import(
        &mut self,
        incoming: FunctionsFile,
        replace: bool,
    ) -> Result<Vec<EventId>, StoreError> {
        for (event, config) in &incoming.functions {
            if !replace {
                self.check_free(*event)?;
            }
            check_valid(*event, config)?;
        }
        let events: Vec<EventId> = incoming.functions.keys().copied().collect();
        self.file.functions.extend(incoming.functions);
        Ok(events)
    }

    /// True when the file on disk differs from what was loaded or last saved.
    pub fn changed_on_disk(&self) -> bool {
        match read_disk(&self.path) {
            Ok(bytes) => bytes.as_deref().map(hash) != self.disk_hash,
            Err(_) => true,
        }
    }

    /// The events whose function another program had changed on disk, kept by the last save
    /// (which applied this store's changes on top of them).
    pub fn kept_from_disk(&self) -> &[EventId] {
        &self.kept
    }

    /// The events whose function this store changed since it was loaded or last saved.
    pub fn changed_events(&self) -> Vec<EventId> {
        changed(&self.base, &self.file)
    }

    /// Saves the store's changes under the file's lock, atomically, keeping the previous version
    /// as `functions.json.bak`. When another program changed the file since it was loaded, the
    /// changes are applied on top of its version, event by event; when both changed the same
    /// event, nothing is written ([`StoreError::ChangedOnDisk`]). After a save the store holds
    /// what is on disk.
    pub fn save(&mut self) -> Result<(), StoreError> {
        let _lock = FileLock::acquire(&self.path)?;
        let disk = read_disk(&self.path)?;
        let mut kept = Vec::new();
        let merged = if disk.as_deref().map(hash) == self.disk_hash {
            self.file.clone()
        } else {
            let theirs = match &disk {
                Some(bytes) => parse(bytes, &self.path).map_err(|_| StoreError::ChangedOnDisk {
                    events: Vec::new(),
                    path: self.path.clone(),
                })?,
                None => FunctionsFile::empty(),
            };
            let merged = merge(&self.base, &self.file, &theirs).map_err(|events| {
                StoreError::ChangedOnDisk {
                    events,
                    path: self.path.clone(),
                }
            })?;
            kept = changed(&self.base, &theirs);
            merged
        };
        self.write_locked(merged)?;
        self.kept = kept;
        Ok(())
    }

    /// Saves even though the file changed on disk: the operator chose to overwrite it (the
    /// version on disk is kept as `functions.json.bak`).
    pub fn save_overwriting(&mut self) -> Result<(), StoreError> {
        let _lock = FileLock::acquire(&self.path)?;
        self.write_locked(self.file.clone())
    }

    /// Saves to another file (replacing what it holds) and makes it this store's file.
    pub fn save_as(&mut self, path: &Path) -> Result<(), StoreError> {
        self.path = path.to_path_buf();
        self.save_overwriting()
    }

    /// Writes `file` (the lock is held) and makes it the store's content and base.
    fn write_locked(&mut self, file: FunctionsFile) -> Result<(), StoreError> {
        let mut text = serde_json::to_string_pretty(&file).map_err(|e| StoreError::Invalid {
            reason: e.to_string(),
            path: self.path.clone(),
        })?;
        text.push('\n');
        write_atomic(&self.path, text.as_bytes(), true)?;
        self.disk_hash = Some(hash(text.as_bytes()));
        self.kept.clear();
        self.base = file.clone();
        self.file = file;
        Ok(())
    }

    fn check_free(&self, event: EventId) -> Result<(), StoreError> {
        match self.get(event) {
            Some(existing) => Err(StoreError::AlreadyExists {
                event,
                event_name: event.name(),
                existing: existing.name.clone(),
            }),
            None => Ok(()),
        }
    }
}

fn check_valid(event: EventId, config: &FunctionConfig) -> Result<(), StoreError> {
    let errors = validate(config);
    if errors.is_empty() {
        Ok(())
    } else {
        Err(StoreError::InvalidConfig { event, errors })
    }
}

/// The file's bytes, `None` when there is no file.
fn read_disk(path: &Path) -> Result<Option<Vec<u8>>, StoreError> {
    match read_bounded(path, FUNCTIONS_LIMIT) {
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// The events whose function differs between two versions.
fn changed(from: &FunctionsFile, to: &FunctionsFile) -> Vec<EventId> {
    let events: BTreeSet<EventId> = from
        .functions
        .keys()
        .chain(to.functions.keys())
        .copied()
        .collect();
    events
        .into_iter()
        .filter(|e| from.functions.get(e) != to.functions.get(e))
        .collect()
}

/// Three-way merge by event: `mine` and `theirs` both start from `base`. An event only one side
/// changed takes that side's version; an event both changed alike is kept; an event both
/// changed differently is a conflict (the events are returned).
fn merge(
    base: &FunctionsFile,
    mine: &FunctionsFile,
    theirs: &FunctionsFile,
) -> Result<FunctionsFile, Vec<EventId>> {
    let mut merged = theirs.clone();
    let mut conflicts = Vec::new();
    for event in changed(base, mine) {
        let (b, m, t) = (
            base.functions.get(&event),
            mine.functions.get(&event),
            theirs.functions.get(&event),
        );
        if t == b || t == m {
            match m {
                Some(config) => merged.functions.insert(event, config.clone()),
                None => merged.functions.remove(&event),
            };
        } else {
            conflicts.push(event);
        }
    }
    if conflicts.is_empty() {
        Ok(merged)
    } else {
        Err(conflicts)
    }
}

/// Only the event keys of a functions file, in the order written, to find an event written
/// twice (a map would silently keep the last one).
#[derive(Deserialize)]
struct Keys {
    #[serde(default)]
    functions: KeyList,
}

#[derive(Default)]
struct KeyList(Vec<String>);

impl<'de> Deserialize<'de> for KeyList {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Visit;
        impl<'de> serde::de::Visitor<'de> for Visit {
            type Value = KeyList;
            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("an object of functions by event id")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<KeyList, A::Error> {
                let mut keys = Vec::new();
                while let Some((key, IgnoredAny)) = map.next_entry::<String, IgnoredAny>()? {
                    keys.push(key);
                }
                Ok(KeyList(keys))
            }
        }
        d.deserialize_map(Visit)
    }
}

/// Parses a functions file and checks every function by the rules `set` applies: unknown
/// events, bad shapes, an event written twice, plain secrets, timeouts, URLs, ids. A UTF-8 byte
/// order mark is accepted.
pub fn parse(bytes: &[u8], path: &Path) -> Result<FunctionsFile, StoreError> {
    let invalid = |reason: String| StoreError::Invalid {
        reason,
        path: path.to_path_buf(),
    };
    let bytes = bytes.strip_prefix("\u{feff}".as_bytes()).unwrap_or(bytes);
    let file: FunctionsFile = serde_json::from_slice(bytes).map_err(|e| invalid(e.to_string()))?;
    if file.version != FILE_VERSION {
        return Err(invalid(format!(
            "version {} is not supported (this console reads version {FILE_VERSION})",
            file.version
        )));
    }
    let keys: Keys = serde_json::from_slice(bytes).map_err(|e| invalid(e.to_string()))?;
    let mut seen = BTreeSet::new();
    for key in &keys.functions.0 {
        if !seen.insert(key.as_str()) {
            return Err(invalid(format!(
                "functions.{key} is written twice, and an event has one function: keep one of them"
            )));
        }
    }
    let errors: Vec<(EventId, FieldError)> = file
        .functions
        .iter()
        .flat_map(|(event, config)| validate(config).into_iter().map(|e| (*event, e)))
        .collect();
    if !errors.is_empty() {
        return Err(StoreError::InvalidFunctions {
            errors,
            path: path.to_path_buf(),
        });
    }
    Ok(file)
}

fn hash(bytes: &[u8]) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut hasher);
    hasher.finish()
}

#[cfg(test)]
#[path = "tests_store.rs"]
mod tests;
