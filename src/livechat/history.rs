//! The history of survey submissions: one JSON object a line in
//! `livechat-history.jsonl` in the platform's data dir, the token masked, the last
//! [`HISTORY_MAX`] kept.

use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;

use serde::{Deserialize, Serialize};

use super::errors::ErrorCode;
use super::rules::{Dropped, SurveyItem};
use super::survey::SurveyOutcome;
use crate::functions::write_atomic;

/// How many submissions are kept.
pub const HISTORY_MAX: usize = 1000;

/// Environment variable that moves the history file (tests, portable setups).
pub const HISTORY_ENV: &str = "SURVEY_CONSOLE_LIVECHAT_HISTORY";

/// One submission as remembered. The token is only ever stored masked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HistoryEntry {
    /// When, in seconds since the Unix epoch.
    pub at_unix_s: u64,
    /// The server's base URL.
    pub server: String,
    /// The room id.
    pub rid: String,
    /// The visitor token, masked (first characters and an ellipsis).
    pub token: String,
    /// True when the server answered success.
    pub success: bool,
    /// The HTTP status, when there was an answer.
    pub http_status: Option<u16>,
    /// What the server accepted.
    #[serde(default)]
    pub accepted: Vec<SurveyItem>,
    /// What it dropped (or would have), with the reason.
    #[serde(default)]
    pub dropped: Vec<Dropped>,
    /// The error code on failure.
    #[serde(default)]
    pub error_code: Option<ErrorCode>,
    /// The error in plain words on failure.
    #[serde(default)]
    pub error: Option<String>,
}

impl HistoryEntry {
    /// The entry for an outcome, stamped now.
    pub fn from_outcome(server: &str, outcome: &SurveyOutcome) -> HistoryEntry {
        let at_unix_s = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default();
        HistoryEntry {
            at_unix_s,
            server: without_password(server),
            rid: outcome.rid.clone(),
            token: outcome.token_masked.clone(),
            success: outcome.success(),
            http_status: outcome.http_status,
            accepted: outcome.accepted.clone(),
            dropped: outcome.dropped.clone(),
            error_code: outcome.error.as_ref().map(|e| e.code),
            error: outcome.error.as_ref().map(|e| e.message.clone()),
        }
    }

    /// When, as `YYYY-MM-DD HH:MM:SS UTC`.
    pub fn when(&self) -> String {
        format_utc(self.at_unix_s)
    }
}

/// The server URL with any password in it removed.
fn without_password(server: &str) -> String {
    match crate::net::check_url(server) {
        Ok(mut url) if url.password().is_some() => {
            let _ = url.set_password(None);
            url.to_string()
        }
        _ => server.trim().to_owned(),
    }
}

/// The history could not be read or written. Messages end with the file's path.
#[derive(Debug, thiserror::Error)]
pub enum HistoryError {
    /// Reading or appending failed.
    #[error("{action} the livechat history failed ({source}): {path}")]
    Io {
        action: &'static str,
        source: std::io::Error,
        path: PathBuf,
    },
    /// Trimming it to the last entries failed.
    #[error("trimming the livechat history failed: {0}")]
    Trim(#[from] crate::functions::StoreError),
}

/// The history file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct History {
    /// Where it lives.
    pub path: PathBuf,
}

/// Appends and trims of this process take turns.
static WRITING: Mutex<()> = Mutex::new(());

impl History {
    /// The history at `path`.
    pub fn at(path: impl Into<PathBuf>) -> History {
        History { path: path.into() }
    }

    /// The default file: `$SURVEY_CONSOLE_LIVECHAT_HISTORY` when set, else
    /// `livechat-history.jsonl` in the platform's data dir (`~/.local/share/survey-console/`
    /// on Linux).
    pub fn default_path() -> PathBuf {
        if let Some(path) = std::env::var_os(HISTORY_ENV).filter(|p| !p.is_empty()) {
            return PathBuf::from(path);
        }
        dirs::data_dir()
            .unwrap_or_else(|| PathBuf::from("."))
            .join("survey-console")
            .join("livechat-history.jsonl")
    }

    /// The history at the default path.
    pub fn open_default() -> History {
        History::at(History::default_path())
    }

    /// Appends one entry; when the file holds more than [`HISTORY_MAX`] entries it is rewritten
    /// atomically with the last ones.
    pub fn append(&self, entry: &HistoryEntry) -> Result<(), HistoryError> {
        let _turn = WRITING.lock().unwrap_or_else(|p| p.into_inner());
        let io = |action: &'static str, path: &Path| {
            let path = path.to_path_buf();
            move |source| HistoryError::Io {
                action,
                source,
                path,
            }
        };
        if let Some(dir) = self.path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io("creating the folder of", &self.path))?;
        }
        let mut line = serde_json::to_string(entry).unwrap_or_default();
        line.push('\n');
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .map_err(io("opening", &self.path))?;
        file.write_all(line.as_bytes())
            .map_err(io("appending to", &self.path))?;
        drop(file);

        let text = std::fs::read_to_string(&self.path).map_err(io("reading", &self.path))?;
        let lines: Vec<&str> = text.lines().collect();
        if lines.len() > HISTORY_MAX {
            // Lines that are not JSON (a cut write) go at the same time.
            let lines: Vec<&str> = lines
                .into_iter()
                .filter(|l| serde_json::from_str::<serde_json::Value>(l).is_ok())
                .collect();
            let mut kept = lines[lines.len().saturating_sub(HISTORY_MAX)..].join("\n");
            kept.push('\n');
            write_atomic(&self.path, kept.as_bytes(), false)?;
        }
        Ok(())
    }

    /// The entries, oldest first. A missing file is an empty history; lines that are not
    /// entries (a cut write, a newer format) are skipped.
    pub fn load(&self) -> Result<Vec<HistoryEntry>, HistoryError> {
        let text = match std::fs::read_to_string(&self.path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(source) => {
                return Err(HistoryError::Io {
                    action: "reading",
                    source,
                    path: self.path.clone(),
                });
            }
        };
        let mut entries: Vec<HistoryEntry> = text
            .lines()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect();
        if entries.len() > HISTORY_MAX {
            entries.drain(..entries.len() - HISTORY_MAX);
        }
        Ok(entries)
    }
}

/// Seconds since the Unix epoch as `YYYY-MM-DD HH:MM:SS UTC`.
pub fn format_utc(secs: u64) -> String {
    let days = (secs / 86_400) as i64;
    let rem = secs % 86_400;
    // Howard Hinnant's days-to-civil.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(i: u64) -> HistoryEntry {
        HistoryEntry {
            at_unix_s: i,
            server: "http://h".into(),
            rid: format!("r{i}"),
            token: "abcd…".into(),
            success: true,
            http_status: Some(200),
            accepted: vec![SurveyItem::new("satisfaction", "5")],
            dropped: Vec::new(),
            error_code: None,
            error: None,
        }
    }

    #[test]
    fn passwords_are_not_kept() {
        assert_eq!(without_password("https://u:secret@h/x"), "https://u@h/x");
        assert_eq!(without_password(" http://h:3000/ "), "http://h:3000/");
    }

    #[test]
    fn dates_are_formatted() {
        assert_eq!(format_utc(0), "1970-01-01 00:00:00 UTC");
        assert_eq!(format_utc(1_709_210_096), "2024-02-29 12:34:56 UTC");
    }

    #[test]
    fn the_last_entries_are_kept() {
        let dir = std::env::temp_dir().join(format!("sc-lc-hist-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let history = History::at(dir.join("sub").join("h.jsonl"));
        assert!(history.load().unwrap().is_empty());
        // Start just below the cap, so only a few appends are needed to cross it.
        let lines: Vec<String> = (0..HISTORY_MAX as u64 - 1)
            .map(|i| serde_json::to_string(&entry(i)).unwrap())
            .collect();
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        std::fs::write(&history.path, lines.join("\n") + "\nnot json\n").unwrap();
        for i in 0..3 {
            history.append(&entry(10_000 + i)).unwrap();
        }
        let entries = history.load().unwrap();
        assert_eq!(entries.len(), HISTORY_MAX);
        assert_eq!(entries.last().unwrap().rid, "r10002");
        let text = std::fs::read_to_string(&history.path).unwrap();
        assert_eq!(text.lines().count(), HISTORY_MAX);
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
