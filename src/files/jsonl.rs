//! A log of JSON lines (the invocation history, the livechat history): capped at its last
//! entries, tolerant of what it cannot read, safe with several writers.
//!
//! - Reading streams the file line by line and keeps only the last `cap` entries; a line that
//!   is not UTF-8, not JSON, not an entry or longer than the longest line is skipped and
//!   counted ([`LogRead::skipped`]), never a reason to hide the rest.
//! - Appending holds the file's [`FileLock`]: it starts on a fresh line when the last write was
//!   cut (so a cut line never swallows the next entry), and when the file is full it is
//!   rewritten atomically with the last `cap - 1` readable lines and the new one, streamed, so
//!   the cap holds with any number of writers and memory stays at one line.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Seek as _, SeekFrom, Write as _};
use std::path::{Path, PathBuf};

use serde::Serialize;
use serde::de::{DeserializeOwned, IgnoredAny};

use super::{FileError, FileLock, open_regular, write_atomic_with};

/// The longest line a log reads by default; longer lines are skipped.
pub const DEFAULT_MAX_LINE: usize = 4 * 1024 * 1024;

/// A JSON-lines log file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct JsonlLog {
    path: PathBuf,
    cap: usize,
    max_line: usize,
}

/// What a read found: the entries (oldest first, at most the cap) and how many lines could
/// not be read.
#[derive(Clone, Debug, PartialEq)]
pub struct LogRead<T> {
    /// The last entries, oldest first.
    pub entries: Vec<T>,
    /// Lines skipped because they could not be read as an entry.
    pub skipped: usize,
}

impl<T> Default for LogRead<T> {
    fn default() -> Self {
        LogRead {
            entries: Vec::new(),
            skipped: 0,
        }
    }
}

/// One line of the file as the reader met it.
enum Line {
    /// A line (without its newline).
    Text,
    /// A line longer than the limit, consumed without keeping it.
    TooLong,
}

/// Reads the next line into `buf` (cleared first), keeping at most `max` bytes of it. `None`
/// at the end of the file.
fn next_line(
    reader: &mut impl BufRead,
    buf: &mut Vec<u8>,
    max: usize,
) -> std::io::Result<Option<Line>> {
    buf.clear();
    let mut too_long = false;
    let mut any = false;
    loop {
        let chunk = reader.fill_buf()?;
        if chunk.is_empty() {
            return Ok(any.then_some(if too_long { Line::TooLong } else { Line::Text }));
        }
        any = true;
        let (piece, done) = match memchr::memchr(b'\n', chunk) {
            Some(at) => (&chunk[..at], Some(at + 1)),
            None => (chunk, None),
        };
        if !too_long {
            if buf.len() + piece.len() > max {
                too_long = true;
                buf.clear();
            } else {
                buf.extend_from_slice(piece);
            }
        }
        let used = done.unwrap_or(chunk.len());
        reader.consume(used);
        if done.is_some() {
            return Ok(Some(if too_long { Line::TooLong } else { Line::Text }));
        }
    }
}

/// True when a line holds only blanks (never written by the log; not counted as skipped).
fn is_blank(line: &[u8]) -> bool {
    line.iter().all(u8::is_ascii_whitespace)
}

impl JsonlLog {
    /// The log at `path`, keeping the last `cap` entries.
    pub fn new(path: impl Into<PathBuf>, cap: usize) -> JsonlLog {
        JsonlLog {
            path: path.into(),
            cap: cap.max(1),
            max_line: DEFAULT_MAX_LINE,
        }
    }

    /// The same log with another longest line.
    pub fn with_max_line(mut self, max_line: usize) -> JsonlLog {
        self.max_line = max_line.max(1);
        self
    }

    /// Where the log lives.
    pub fn path(&self) -> &Path {
        &self.path
    }

    /// How many entries it keeps.
    pub fn cap(&self) -> usize {
        self.cap
    }

    /// Reads the last entries; a missing file is an empty log.
    pub fn load<T: DeserializeOwned>(&self) -> Result<LogRead<T>, FileError> {
        let file = match open_regular(&self.path) {
            Ok((file, _)) => file,
            Err(e) if e.is_not_found() => return Ok(LogRead::default()),
            Err(e) => return Err(e),
        };
        let mut reader = BufReader::with_capacity(64 * 1024, file);
        let mut entries = VecDeque::new();
        let mut skipped = 0;
        let mut buf = Vec::new();
        while let Some(line) = next_line(&mut reader, &mut buf, self.max_line)
            .map_err(FileError::io("reading", &self.path))?
        {
            match line {
                Line::TooLong => skipped += 1,
                Line::Text if is_blank(&buf) => {}
                Line::Text => match serde_json::from_slice::<T>(&buf) {
                    Ok(entry) => {
                        if entries.len() == self.cap {
                            entries.pop_front();
                        }
                        entries.push_back(entry);
                    }
                    // Not UTF-8 (serde_json checks), not JSON, or not an entry.
                    Err(_) => skipped += 1,
                },
            }
        }
        Ok(LogRead {
            entries: entries.into(),
            skipped,
        })
    }

    /// Appends an entry (one line), trimming the log to its cap, all under the log's lock.
    /// Says how many lines of the file could not be read (they are dropped when it is trimmed).
    pub fn append<T: Serialize>(&self, entry: &T) -> Result<Appended, FileError> {
        let mut line = serde_json::to_vec(entry).map_err(|e| FileError::Io {
            action: "writing an entry",
            source: std::io::Error::other(e),
            path: self.path.clone(),
        })?;
        if line.len() > self.max_line {
            return Err(FileError::TooLarge {
                size: line.len() as u64,
                limit: self.max_line as u64,
                path: self.path.clone(),
            });
        }
        line.push(b'\n');
        let _lock = FileLock::acquire(&self.path)?;
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(&self.path)
            .map_err(FileError::io("opening", &self.path))?;
        let (mut readable, mut unreadable) = (0usize, 0usize);
        self.each_line(|buf, too_long| {
            if too_long || !is_blank(buf) && serde_json::from_slice::<IgnoredAny>(buf).is_err() {
                unreadable += 1;
            } else if !is_blank(buf) {
                readable += 1;
            }
            Ok(())
        })?;
        if readable + unreadable + 1 > self.cap {
            self.rewrite_with(&line, readable)?;
            return Ok(Appended {
                skipped: unreadable,
                dropped: unreadable + (readable + 1).saturating_sub(self.cap),
            });
        }
        let mut bytes = Vec::with_capacity(line.len() + 1);
        if ends_cut(&mut file).map_err(FileError::io("reading", &self.path))? {
            // The last write was cut: this entry starts on a line of its own.
            bytes.push(b'\n');
        }
        bytes.extend_from_slice(&line);
        file.write_all(&bytes)
            .map_err(FileError::io("appending to", &self.path))?;
        Ok(Appended {
            skipped: unreadable,
            dropped: 0,
        })
    }

    /// Rewrites the file with its last `cap - 1` readable lines (of `readable`) and `line`,
    /// atomically, streaming.
    fn rewrite_with(&self, line: &[u8], readable: usize) -> Result<(), FileError> {
        let mut skip = (readable + 1).saturating_sub(self.cap);
        write_atomic_with(&self.path, false, |out| {
            self.each_line(|buf, too_long| {
                if too_long || is_blank(buf) || serde_json::from_slice::<IgnoredAny>(buf).is_err() {
                    return Ok(());
                }
                if skip > 0 {
                    skip -= 1;
                } else {
                    out.write_all(buf)?;
                    out.write_all(b"\n")?;
                }
                Ok(())
            })
            .map_err(|e| match e {
                FileError::Io { source, .. } => source,
                other => std::io::Error::other(other.to_string()),
            })?;
            out.write_all(line)
        })
    }

    /// Calls `f` with every line of the file (`true` with an empty line for one that is too
    /// long). A missing file has no lines.
    fn each_line(
        &self,
        mut f: impl FnMut(&[u8], bool) -> std::io::Result<()>,
    ) -> Result<(), FileError> {
        let file = match open_regular(&self.path) {
            Ok((file, _)) => file,
            Err(e) if e.is_not_found() => return Ok(()),
            Err(e) => return Err(e),
        };
        let mut reader = BufReader::with_capacity(64 * 1024, file);
        let mut buf = Vec::new();
        let io = |e| FileError::Io {
            action: "reading",
            source: e,
            path: self.path.clone(),
        };
        while let Some(line) = next_line(&mut reader, &mut buf, self.max_line).map_err(io)? {
            f(&buf, matches!(line, Line::TooLong)).map_err(io)?;
        }
        Ok(())
    }
}

/// What an append found: lines of the file it could not read, and lines the trim dropped (the
/// oldest entries beyond the cap, and the unreadable lines).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Appended {
    /// Lines that are not JSON (or too long) in the file before this append.
    pub skipped: usize,
    /// Lines removed by trimming the file to its cap.
    pub dropped: usize,
}

/// True when the file's last byte is not a newline (the last write was cut).
fn ends_cut(file: &mut File) -> std::io::Result<bool> {
    let len = file.seek(SeekFrom::End(0))?;
    if len == 0 {
        return Ok(false);
    }
    file.seek(SeekFrom::Start(len - 1))?;
    let mut last = [0u8; 1];
    file.read_exact(&mut last)?;
    Ok(last[0] != b'\n')
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    #[derive(Debug, PartialEq, Serialize, Deserialize)]
    struct Entry {
        n: u64,
    }

    #[test]
    fn unreadable_lines_are_skipped_and_counted_not_a_reason_to_hide_the_rest() {
        let dir = tempfile::tempdir().unwrap();
        let log = JsonlLog::new(dir.path().join("h.jsonl"), 10).with_max_line(64);
        let long = format!("{{\"n\":\"{}\"}}", "x".repeat(100));
        let mut text = b"{\"n\":1}\n\xff\xfe{\"n\":9}\n{\"n\":\n\n{\"other\":true}\n".to_vec();
        text.extend_from_slice(long.as_bytes());
        text.extend_from_slice(b"\n{\"n\":2}\n");
        std::fs::write(log.path(), text).unwrap();
        let read: LogRead<Entry> = log.load().unwrap();
        assert_eq!(read.entries, [Entry { n: 1 }, Entry { n: 2 }]);
        assert_eq!(read.skipped, 4);
        let missing = JsonlLog::new(dir.path().join("none.jsonl"), 10);
        assert_eq!(missing.load::<Entry>().unwrap(), LogRead::default());
    }

    #[test]
    fn an_append_after_a_cut_line_starts_on_its_own_line() {
        let dir = tempfile::tempdir().unwrap();
        let log = JsonlLog::new(dir.path().join("h.jsonl"), 10);
        std::fs::write(log.path(), "{\"n\":1}\n{\"n\":").unwrap();
        log.append(&Entry { n: 3 }).unwrap();
        let read: LogRead<Entry> = log.load().unwrap();
        assert_eq!(read.entries, [Entry { n: 1 }, Entry { n: 3 }]);
        assert_eq!(read.skipped, 1);
    }

    #[test]
    fn the_cap_holds_and_trims_unreadable_lines_first() {
        let dir = tempfile::tempdir().unwrap();
        let log = JsonlLog::new(dir.path().join("h.jsonl"), 5);
        std::fs::write(log.path(), "{\"n\":0}\nnot json\n").unwrap();
        for n in 1..=7 {
            log.append(&Entry { n }).unwrap();
        }
        let text = std::fs::read_to_string(log.path()).unwrap();
        assert_eq!(
            text,
            "{\"n\":3}\n{\"n\":4}\n{\"n\":5}\n{\"n\":6}\n{\"n\":7}\n"
        );
    }

    #[test]
    fn lines_over_the_limit_are_refused_on_append() {
        let dir = tempfile::tempdir().unwrap();
        let log = JsonlLog::new(dir.path().join("h.jsonl"), 5).with_max_line(8);
        assert!(matches!(
            log.append(&Entry { n: 123_456_789 }),
            Err(FileError::TooLarge { .. })
        ));
    }
}
