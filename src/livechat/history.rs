//! The history of survey submissions: one JSON object a line in
//! `livechat-history.jsonl` in the platform's data dir, the token masked, the last
//! [`HISTORY_MAX`] kept (a [`JsonlLog`]: appends under a lock, unreadable lines skipped and
//! counted).

use std::path::PathBuf;

use serde::{Deserialize, Serialize};

use super::errors::ErrorCode;
use super::rules::{Dropped, SurveyItem};
use super::survey::SurveyOutcome;
use crate::files::{Appended, FileError, JsonlLog, LogRead};

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
#[error("the livechat history: {0}")]
pub struct HistoryError(#[from] FileError);

/// The history file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct History {
    /// Where it lives.
    pub path: PathBuf,
}

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

    fn log(&self) -> JsonlLog {
        JsonlLog::new(&self.path, HISTORY_MAX)
    }

    /// Appends one entry under the file's lock, keeping the last [`HISTORY_MAX`]; says how
    /// many lines of the file could not be read.
    pub fn append(&self, entry: &HistoryEntry) -> Result<Appended, HistoryError> {
        Ok(self.log().append(entry)?)
    }

    /// The entries, oldest first, and how many lines could not be read (a cut write, a newer
    /// format). A missing file is an empty history.
    pub fn read(&self) -> Result<LogRead<HistoryEntry>, HistoryError> {
        Ok(self.log().load()?)
    }

    /// The entries, oldest first; lines that are not entries are skipped.
    pub fn load(&self) -> Result<Vec<HistoryEntry>, HistoryError> {
        Ok(self.read()?.entries)
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
        let temp = tempfile::tempdir().unwrap();
        let dir = temp.path();
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
        assert_eq!(history.read().unwrap().skipped, 0);
    }
}
