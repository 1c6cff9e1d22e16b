//! `functions.json`: the one function of each event, keyed by event id, saved atomically.

use std::collections::BTreeMap;
use std::hash::{Hash as _, Hasher as _};
use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::config::FunctionConfig;
use super::validate::{FieldError, validate};
use crate::catalog::EventId;

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

/// Why the store refused something. Messages end with the file's path where there is one.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The file could not be read or written.
    #[error("{action} failed ({source}): {path}")]
    Io {
        action: &'static str,
        source: std::io::Error,
        path: PathBuf,
    },
    /// The file is not a valid functions file; it was left untouched.
    #[error("not a valid functions file ({reason}); the file was left untouched: {path}")]
    Invalid { reason: String, path: PathBuf },
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
    /// The file changed on disk since it was loaded; nothing was written.
    #[error(
        "the file changed on disk since it was loaded; reload it (or save to another file) so that nothing is overwritten: {path}"
    )]
    ChangedOnDisk { path: PathBuf },
}

fn describe_errors(errors: &[FieldError]) -> String {
    errors
        .iter()
        .map(|e| format!("{}: {}", e.field, e.message))
        .collect::<Vec<_>>()
        .join("; ")
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
    /// Its content.
    pub file: FunctionsFile,
    /// Hash of the bytes on disk when loaded or last saved (`None`: there was no file).
    disk_hash: Option<u64>,
}

impl FunctionStore {
    /// An empty store for `path` that has not been read or written.
    pub fn empty(path: PathBuf) -> FunctionStore {
        FunctionStore {
            path,
            file: FunctionsFile {
                version: FILE_VERSION,
                functions: BTreeMap::new(),
            },
            disk_hash: None,
        }
    }

    /// Loads the file; a file that does not exist yet is an empty store.
    pub fn load(path: &Path) -> Result<FunctionStore, StoreError> {
        let bytes = match std::fs::read(path) {
            Ok(bytes) => bytes,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                return Ok(FunctionStore {
                    path: path.to_path_buf(),
                    file: FunctionsFile {
                        version: FILE_VERSION,
                        functions: BTreeMap::new(),
                    },
                    disk_hash: None,
                });
            }
            Err(source) => {
                return Err(StoreError::Io {
                    action: "reading",
                    source,
                    path: path.to_path_buf(),
                });
            }
        };
        let file = parse(&bytes, path)?;
        Ok(FunctionStore {
            path: path.to_path_buf(),
            file,
            disk_hash: Some(hash(&bytes)),
        })
    }

    /// The function of an event.
    pub fn get(&self, event: EventId) -> Option<&FunctionConfig> {
        self.file.functions.get(&event)
    }

    /// Creates the event's function from its template; refused when it already has one.
    pub fn create(&mut self, event: EventId, name: &str) -> Result<&FunctionConfig, StoreError> {
        self.check_free(event)?;
        let config = FunctionConfig::from_template(event, name);
        self.check_valid(event, &config)?;
        Ok(self.file.functions.entry(event).or_insert(config))
    }

    /// Adds a function for an event that has none.
    pub fn add(&mut self, event: EventId, config: FunctionConfig) -> Result<(), StoreError> {
        self.check_free(event)?;
        self.check_valid(event, &config)?;
        self.file.functions.insert(event, config);
        Ok(())
    }

    /// Replaces the event's function (or adds it).
    pub fn put(&mut self, event: EventId, config: FunctionConfig) -> Result<(), StoreError> {
        self.check_valid(event, &config)?;
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
            self.check_valid(*event, config)?;
        }
        let events: Vec<EventId> = incoming.functions.keys().copied().collect();
        self.file.functions.extend(incoming.functions);
        Ok(events)
    }

    /// True when the file on disk differs from what was loaded or last saved.
    pub fn changed_on_disk(&self) -> bool {
        let now = std::fs::read(&self.path).ok().map(|b| hash(&b));
        now != self.disk_hash
    }

    /// Writes the file atomically (temp file, fsync, rename), keeping the previous version as
    /// `functions.json.bak`. Refused when the file changed on disk since it was loaded.
    pub fn save(&mut self) -> Result<(), StoreError> {
        if self.changed_on_disk() {
            return Err(StoreError::ChangedOnDisk {
                path: self.path.clone(),
            });
        }
        let mut text =
            serde_json::to_string_pretty(&self.file).map_err(|e| StoreError::Invalid {
                reason: e.to_string(),
                path: self.path.clone(),
            })?;
        text.push('\n');
        write_atomic(&self.path, text.as_bytes(), true)?;
        self.disk_hash = Some(hash(text.as_bytes()));
        Ok(())
    }

    /// Saves even though the file changed on disk: the operator chose to overwrite it (the
    /// version on disk is kept as `functions.json.bak`).
    pub fn save_overwriting(&mut self) -> Result<(), StoreError> {
        self.disk_hash = std::fs::read(&self.path).ok().map(|b| hash(&b));
        self.save()
    }

    /// Saves to another file and makes it this store's file.
    pub fn save_as(&mut self, path: &Path) -> Result<(), StoreError> {
        self.path = path.to_path_buf();
        self.disk_hash = std::fs::read(path).ok().map(|b| hash(&b));
        self.save()
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

    fn check_valid(&self, event: EventId, config: &FunctionConfig) -> Result<(), StoreError> {
        let errors = validate(config);
        if errors.is_empty() {
            Ok(())
        } else {
            Err(StoreError::InvalidConfig { event, errors })
        }
    }
}

/// Parses a functions file, refusing unknown events, bad shapes and plain secrets.
pub fn parse(bytes: &[u8], path: &Path) -> Result<FunctionsFile, StoreError> {
    let invalid = |reason: String| StoreError::Invalid {
        reason,
        path: path.to_path_buf(),
    };
    let file: FunctionsFile = serde_json::from_slice(bytes).map_err(|e| invalid(e.to_string()))?;
    if file.version != FILE_VERSION {
        return Err(invalid(format!(
            "version {} is not supported (this console reads version {FILE_VERSION})",
            file.version
        )));
    }
    for (event, config) in &file.functions {
        for (field, secret) in config.endpoint.secrets() {
            if secret.is_plain() {
                return Err(invalid(format!(
                    "functions.{event}.{field} holds a plain secret; write env:NAME instead"
                )));
            }
        }
    }
    Ok(file)
}

/// Writes `bytes` to `path` through a temp file in the same folder, then renames it over the
/// target, so a crash leaves either the old or the new file, never a mix. With `backup`, the
/// previous file is kept as `<name>.bak`.
pub fn write_atomic(path: &Path, bytes: &[u8], backup: bool) -> Result<(), StoreError> {
    let io = |action: &'static str| {
        let path = path.to_path_buf();
        move |source| StoreError::Io {
            action,
            source,
            path,
        }
    };
    let dir = match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    };
    std::fs::create_dir_all(&dir).map_err(io("creating the folder"))?;
    let file_name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file".to_owned());
    // Unique per process and per call, so concurrent writers never share a temp file.
    static NEXT: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let n = NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let tmp = dir.join(format!(".{file_name}.{}-{n}.tmp", std::process::id()));
    let result = (|| {
        let mut file = std::fs::File::create(&tmp)?;
        file.write_all(bytes)?;
        file.sync_all()
    })();
    if let Err(source) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(io("writing the temp file")(source));
    }
    if backup && path.exists() {
        let bak = dir.join(format!("{file_name}.bak"));
        if let Err(source) = std::fs::copy(path, &bak) {
            let _ = std::fs::remove_file(&tmp);
            return Err(io("keeping the previous version")(source));
        }
    }
    if let Err(source) = std::fs::rename(&tmp, path) {
        let _ = std::fs::remove_file(&tmp);
        return Err(io("replacing the file")(source));
    }
    // Make the rename itself durable.
    if let Ok(d) = std::fs::File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

fn hash(bytes: &[u8]) -> u64 {
    let mut hasher = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut hasher);
    hasher.finish()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::functions::config::{Auth, Endpoint, SecretRef};

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("sc-store-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn one_function_per_event_and_the_refusal_says_why() {
        let dir = temp_dir("one");
        let mut store = FunctionStore::load(&dir.join("functions.json")).unwrap();
        store
            .create(EventId::MessagingSurveyEnded, "pcs-ended")
            .unwrap();
        let err = store
            .create(EventId::MessagingSurveyEnded, "another")
            .unwrap_err();
        assert_eq!(
            err.to_string(),
            "Messaging Survey Ended already has a function, 'pcs-ended': edit or remove it"
        );
        assert!(
            store
                .create(EventId::MessagingSurveyStarted, "pcs-started")
                .is_ok()
        );
        assert_eq!(store.file.functions.len(), 2);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn saves_round_trip_keep_a_backup_and_the_documented_keys() {
        let dir = temp_dir("save");
        let path = dir.join("functions.json");
        let mut store = FunctionStore::load(&path).unwrap();
        store
            .create(EventId::ChatPostSurveyEmailTranscript, "emails")
            .unwrap();
        store.save().unwrap();
        let first = std::fs::read_to_string(&path).unwrap();
        let json: serde_json::Value = serde_json::from_str(&first).unwrap();
        let f = &json["functions"]["chat-post-survey-email-transcript"];
        assert_eq!(json["version"], 1);
        assert_eq!(f["name"], "emails");
        assert_eq!(f["state"], "draft");
        assert_eq!(f["timeout_ms"], 30000);
        // A new function runs in-process until it is given an endpoint.
        assert_eq!(f["endpoint"]["kind"], "local");
        assert!(f["code"].as_str().unwrap().contains("allSurveyEmails"));

        let mut config = store
            .get(EventId::ChatPostSurveyEmailTranscript)
            .unwrap()
            .clone();
        config.endpoint = Endpoint::Http {
            url: "http://127.0.0.1:9/x".into(),
            auth: Auth::Bearer {
                token: SecretRef::env("FN_TOKEN"),
            },
        };
        store
            .put(EventId::ChatPostSurveyEmailTranscript, config.clone())
            .unwrap();
        store.save().unwrap();
        assert_eq!(
            std::fs::read_to_string(dir.join("functions.json.bak")).unwrap(),
            first
        );
        let again = FunctionStore::load(&path).unwrap();
        assert_eq!(
            again.get(EventId::ChatPostSurveyEmailTranscript),
            Some(&config)
        );
        // No temp file is left behind.
        let names: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        assert_eq!(names.len(), 2, "{names:?}");
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn bad_files_are_refused_with_the_reason_and_left_untouched() {
        let dir = temp_dir("bad");
        let path = dir.join("functions.json");
        let cases = [
            (
                r#"{"version":1,"functions":{"survey-done":{}}}"#,
                "unknown variant `survey-done`",
            ),
            (
                r#"{"version":1,"functions":{"messaging-survey-ended":{"timeout_ms":"x"}}}"#,
                "invalid type",
            ),
            (
                r#"{"version":2,"functions":{}}"#,
                "version 2 is not supported",
            ),
            (
                r#"{"version":1,"functions":{"messaging-survey-ended":{"endpoint":{"kind":"http","url":"http://x/","auth":{"kind":"bearer","token":"s3cr3t"}}}}}"#,
                "holds a plain secret",
            ),
            ("{", "EOF"),
        ];
        for (text, reason) in cases {
            std::fs::write(&path, text).unwrap();
            let err = FunctionStore::load(&path).unwrap_err().to_string();
            assert!(err.contains(reason), "{err}");
            assert!(err.ends_with("functions.json"), "{err}");
            assert_eq!(std::fs::read_to_string(&path).unwrap(), text);
        }
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn a_file_changed_on_disk_is_never_silently_overwritten() {
        let dir = temp_dir("changed");
        let path = dir.join("functions.json");
        let mut store = FunctionStore::load(&path).unwrap();
        store.create(EventId::MessagingSurveyStarted, "a").unwrap();
        store.save().unwrap();
        let mut other = FunctionStore::load(&path).unwrap();
        other.remove(EventId::MessagingSurveyStarted).unwrap();
        other.save().unwrap();
        store.create(EventId::MessagingSurveyEnded, "b").unwrap();
        assert!(matches!(
            store.save(),
            Err(StoreError::ChangedOnDisk { .. })
        ));
        let on_disk = FunctionStore::load(&path).unwrap();
        assert!(on_disk.file.functions.is_empty());
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn unknown_keys_survive_a_save_and_import_refuses_conflicts() {
        let dir = temp_dir("import");
        let path = dir.join("functions.json");
        std::fs::write(
            &path,
            r#"{"version":1,"functions":{"messaging-survey-ended":{"name":"x","owner":"team-a"}}}"#,
        )
        .unwrap();
        let mut store = FunctionStore::load(&path).unwrap();
        store.save().unwrap();
        assert!(
            std::fs::read_to_string(&path)
                .unwrap()
                .contains("\"owner\": \"team-a\"")
        );

        let incoming = store.export(Some(EventId::MessagingSurveyEnded)).unwrap();
        let err = store.import(incoming.clone(), false).unwrap_err();
        assert!(matches!(err, StoreError::AlreadyExists { .. }));
        assert_eq!(
            store.import(incoming, true).unwrap(),
            [EventId::MessagingSurveyEnded]
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
