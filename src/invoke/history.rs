//! The invocation history: one JSON line per invocation in the platform's data dir, the last
//! 1,000 kept. Records hold no secret: credentials were redacted when the request was recorded.

use std::io::Write as _;
use std::path::{Path, PathBuf};

use serde_json::Value;

use super::record::{Body, Invocation};
use crate::functions::write_atomic;

/// How many invocations the history keeps.
pub const MAX_HISTORY: usize = 1000;

/// Largest request or response body kept in a history entry.
const MAX_KEPT_BODY: usize = 256 * 1024;

/// Why the history could not be written.
#[derive(Debug, thiserror::Error)]
#[error("cannot write the history ({reason}): {path}")]
pub struct HistoryError {
    reason: String,
    path: PathBuf,
}

/// The default history file: `history.jsonl` in the platform's data dir
/// (`$XDG_DATA_HOME/survey-console/` on Linux).
pub fn default_history_path() -> PathBuf {
    dirs::data_dir()
        .unwrap_or_else(|| PathBuf::from("."))
        .join("survey-console")
        .join("history.jsonl")
}

/// The history file.
#[derive(Debug, Clone)]
pub struct History {
    path: PathBuf,
    /// Lines in the file, counted on first use.
    lines: Option<usize>,
}

impl History {
    /// The history at `path` (created on the first append).
    pub fn open(path: &Path) -> History {
        History {
            path: path.to_path_buf(),
            lines: None,
        }
    }

    /// Where the history lives.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Reads every entry, oldest first; lines that do not parse are skipped and counted.
    pub fn load(&self) -> (Vec<Invocation>, usize) {
        let Ok(text) = std::fs::read_to_string(&self.path) else {
            return (Vec::new(), 0);
        };
        let mut skipped = 0;
        let entries = text
            .lines()
            .filter(|l| !l.trim().is_empty())
            .filter_map(|l| match serde_json::from_str(l) {
                Ok(entry) => Some(entry),
                Err(_) => {
                    skipped += 1;
                    None
                }
            })
            .collect();
        (entries, skipped)
    }

    /// Appends an entry, trimming the file to the last [`MAX_HISTORY`] entries.
    pub fn append(&mut self, invocation: &Invocation) -> Result<(), HistoryError> {
        let err = |reason: String| HistoryError {
            reason,
            path: self.path.clone(),
        };
        let mut line =
            serde_json::to_string(&for_history(invocation)).map_err(|e| err(e.to_string()))?;
        line.push('\n');
        let lines = match self.lines {
            Some(n) => n,
            None => std::fs::read_to_string(&self.path)
                .map(|t| t.lines().filter(|l| !l.trim().is_empty()).count())
                .unwrap_or(0),
        };
        if lines >= MAX_HISTORY {
            let text = std::fs::read_to_string(&self.path).unwrap_or_default();
            let kept: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
            let start = kept.len().saturating_sub(MAX_HISTORY - 1);
            let mut out = kept[start..].join("\n");
            if !out.is_empty() {
                out.push('\n');
            }
            out.push_str(&line);
            write_atomic(&self.path, out.as_bytes(), false).map_err(|e| err(e.to_string()))?;
            self.lines = Some(kept.len() - start + 1);
            return Ok(());
        }
        if let Some(dir) = self.path.parent() {
            std::fs::create_dir_all(dir).map_err(|e| err(e.to_string()))?;
        }
        let mut file = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&self.path)
            .map_err(|e| err(e.to_string()))?;
        file.write_all(line.as_bytes())
            .map_err(|e| err(e.to_string()))?;
        self.lines = Some(lines + 1);
        Ok(())
    }
}

/// The entry as kept: large bodies cut.
fn for_history(invocation: &Invocation) -> Invocation {
    let mut entry = invocation.clone();
    let request_size = serde_json::to_vec(&entry.request.body).map_or(0, |v| v.len());
    if request_size > MAX_KEPT_BODY {
        entry.request.body = Value::String(format!(
            "(a payload of {request_size} bytes is not kept in history)"
        ));
    }
    if let Some(response) = &mut entry.response {
        let text = response.body.pretty();
        if text.len() > MAX_KEPT_BODY {
            let mut cut = MAX_KEPT_BODY;
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            response.body = Body::Text(format!("{}… (cut for history)", &text[..cut]));
        }
    }
    entry
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::EventId;

    #[test]
    fn the_history_keeps_the_last_thousand() {
        let dir = std::env::temp_dir().join(format!("sc-history-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        let path = dir.join("history.jsonl");
        let mut history = History::open(&path);
        for i in 0..(MAX_HISTORY as u64 + 5) {
            let entry = Invocation {
                at_ms: i,
                event: EventId::MessagingSurveyEnded,
                ..Invocation::default()
            };
            history.append(&entry).unwrap();
        }
        let (entries, skipped) = History::open(&path).load();
        assert_eq!(skipped, 0);
        assert_eq!(entries.len(), MAX_HISTORY);
        assert_eq!(entries[0].at_ms, 5);
        assert_eq!(entries.last().unwrap().at_ms, MAX_HISTORY as u64 + 4);
        std::fs::remove_dir_all(&dir).unwrap();
    }

    #[test]
    fn large_bodies_are_cut() {
        let entry = Invocation {
            request: super::super::RecordedRequest {
                url: String::new(),
                headers: Vec::new(),
                body: Value::String("x".repeat(MAX_KEPT_BODY + 10)),
            },
            ..Invocation::default()
        };
        let kept = for_history(&entry);
        assert!(
            kept.request
                .body
                .as_str()
                .unwrap()
                .contains("is not kept in history")
        );
    }
}
