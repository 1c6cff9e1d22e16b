//! The invocation history: one JSON line per invocation in the platform's data dir, the last
//! 1,000 kept (a [`JsonlLog`]: appends under a lock, unreadable lines skipped and counted).
//! Records hold no secret: credentials were redacted when the request was recorded.

use std::path::{Path, PathBuf};

use serde_json::Value;

use super::record::{Body, Invocation, RecordedRequest, RecordedResponse};
use crate::files::{Appended, FileError, JsonlLog, LogRead};

/// How many invocations the history keeps.
pub const MAX_HISTORY: usize = 1000;

/// Largest request or response body kept in a history entry.
const MAX_KEPT_BODY: usize = 256 * 1024;

/// Why the history could not be read or written; the message ends with the file's path.
#[derive(Debug, thiserror::Error)]
#[error("the history: {0}")]
pub struct HistoryError(#[from] FileError);

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
    log: JsonlLog,
}

impl History {
    /// The history at `path` (created on the first append).
    pub fn open(path: &Path) -> History {
        History {
            log: JsonlLog::new(path, MAX_HISTORY),
        }
    }

    /// Where the history lives.
    pub fn path(&self) -> &Path {
        self.log.path()
    }

    /// Reads the last entries, oldest first, and how many lines could not be read.
    pub fn read(&self) -> Result<LogRead<Invocation>, HistoryError> {
        Ok(self.log.load()?)
    }

    /// Reads every entry, oldest first; lines that do not parse are skipped and counted. A
    /// file that cannot be read at all is an empty history.
    pub fn load(&self) -> (Vec<Invocation>, usize) {
        match self.read() {
            Ok(read) => (read.entries, read.skipped),
            Err(_) => (Vec::new(), 0),
        }
    }

    /// Appends an entry (large bodies cut), keeping the last [`MAX_HISTORY`]; says how many
    /// lines of the file could not be read.
    pub fn append(&mut self, invocation: &Invocation) -> Result<Appended, HistoryError> {
        Ok(match for_history(invocation) {
            Some(kept) => self.log.append(&kept)?,
            None => self.log.append(invocation)?,
        })
    }
}

/// The entry as kept when a body is too large to keep: a copy with the large bodies replaced
/// by a note (`None`: the invocation is kept as it is, no copy made).
fn for_history(invocation: &Invocation) -> Option<Invocation> {
    let request_size = json_size(&invocation.request.body);
    let response_size = invocation
        .response
        .as_ref()
        .map_or(0, |r| body_size(&r.body));
    if request_size <= MAX_KEPT_BODY && response_size <= MAX_KEPT_BODY {
        return None;
    }
    let request_body = if request_size > MAX_KEPT_BODY {
        Value::String(format!(
            "(a payload of {request_size} bytes is not kept in history)"
        ))
    } else {
        invocation.request.body.clone()
    };
    let response = invocation.response.as_ref().map(|r| RecordedResponse {
        status: r.status,
        headers: r.headers.clone(),
        body: if response_size > MAX_KEPT_BODY {
            let text = r.body.pretty();
            let mut cut = MAX_KEPT_BODY.min(text.len());
            while !text.is_char_boundary(cut) {
                cut -= 1;
            }
            Body::Text(format!("{}… (cut for history)", &text[..cut]))
        } else {
            r.body.clone()
        },
        size: r.size,
        truncated: r.truncated,
    });
    let i = invocation;
    Some(Invocation {
        at_ms: i.at_ms,
        event: i.event,
        function: i.function.clone(),
        endpoint_kind: i.endpoint_kind,
        endpoint: i.endpoint.clone(),
        request: RecordedRequest {
            url: i.request.url.clone(),
            headers: i.request.headers.clone(),
            body: request_body,
        },
        response,
        timings: i.timings,
        checks: i.checks.clone(),
        emails: i.emails.clone(),
        error: i.error.clone(),
        notes: i.notes.clone(),
        logs: i.logs.clone(),
        local_result: i.local_result.clone(),
        local: i.local.clone(),
        payload_name: i.payload_name.clone(),
        payload_findings: i.payload_findings.clone(),
        request_id: i.request_id.clone(),
        attempts: i.attempts.clone(),
        ok: i.ok,
    })
}

/// Size of a value as compact JSON, counted without building the text.
fn json_size(value: &Value) -> usize {
    struct Count(usize);
    impl std::io::Write for Count {
        fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
            self.0 += buf.len();
            Ok(buf.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }
    let mut count = Count(0);
    let _ = serde_json::to_writer(&mut count, value);
    count.0
}

fn body_size(body: &Body) -> usize {
    match body {
        Body::Empty => 0,
        Body::Json(v) => json_size(v),
        Body::Text(t) => t.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::EventId;

    #[test]
    fn the_history_keeps_the_last_thousand() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("history.jsonl");
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
    }

    #[test]
    fn one_bad_line_hides_nothing_and_the_cap_still_holds() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("history.jsonl");
        let mut history = History::open(&path);
        let entry = |i| Invocation {
            at_ms: i,
            ..Invocation::default()
        };
        history.append(&entry(1)).unwrap();
        // Invalid UTF-8, then a record cut mid-write.
        let mut bytes = std::fs::read(&path).unwrap();
        bytes.extend_from_slice(b"\xff\xfe garbage\n{\"at_ms\":");
        std::fs::write(&path, bytes).unwrap();
        let appended = history.append(&entry(2)).unwrap();
        assert_eq!(appended.skipped, 2);
        let (entries, skipped) = history.load();
        assert_eq!(entries.iter().map(|e| e.at_ms).collect::<Vec<_>>(), [1, 2]);
        assert_eq!(skipped, 2);
        for i in 3..=(MAX_HISTORY as u64 + 10) {
            history.append(&entry(i)).unwrap();
        }
        let text = std::fs::read(&path).unwrap();
        assert_eq!(memchr::memchr_iter(b'\n', &text).count(), MAX_HISTORY);
        let (entries, skipped) = history.load();
        assert_eq!((entries.len(), skipped), (MAX_HISTORY, 0));
    }

    #[test]
    fn large_bodies_are_cut() {
        let entry = Invocation {
            request: super::super::RecordedRequest {
                url: "http://h/".into(),
                headers: Vec::new(),
                body: Value::String("x".repeat(MAX_KEPT_BODY + 10)),
            },
            ..Invocation::default()
        };
        let kept = serde_json::to_value(for_history(&entry).unwrap()).unwrap();
        assert!(
            kept["request"]["body"]
                .as_str()
                .unwrap()
                .contains("is not kept in history")
        );
        assert_eq!(kept["request"]["url"], "http://h/");
    }
}
