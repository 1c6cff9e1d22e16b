//! Files the console reads and writes, handled one way everywhere so that nothing is lost or
//! read without bound:
//!
//! - [`read_bounded`] / [`read_text`]: every read has a size limit that the error names, and
//!   anything that is not a regular file (a FIFO, `/dev/zero`, a folder) is refused before a
//!   byte is read, so a read can neither block forever nor fill the memory.
//! - [`write_atomic`] ([`atomic`]): a temp file beside the target, fsync, rename; the previous
//!   version optionally kept as `NAME.bak`, itself replaced atomically; temp files left by a
//!   killed writer are removed on the next write.
//! - [`FileLock`] ([`lock`]): an advisory lock on a file, held across read → check → write so
//!   that two processes (the console and the CLI, two CLIs) never lose each other's writes.
//! - [`JsonlLog`] ([`jsonl`]): an append-only log of JSON lines, capped, tolerant of lines it
//!   cannot read (it skips and counts them), every append on a fresh line, under the lock.
//!
//! Plain Rust, blocking: the CLI calls it directly, the console on a worker thread.

pub mod atomic;
pub mod jsonl;
pub mod lock;

use std::fs::{File, Metadata};
use std::io::Read as _;
use std::path::{Path, PathBuf};

pub use atomic::{remove_stale_temps, write_atomic, write_atomic_with};
pub use jsonl::{Appended, JsonlLog, LogRead};
pub use lock::{FileLock, LOCK_WAIT};

/// Largest JavaScript code file read (the platform itself takes at most 100,000 characters).
pub const CODE_LIMIT: u64 = 4 * 1024 * 1024;

/// Largest functions file read (`functions.json`, an import).
pub const FUNCTIONS_LIMIT: u64 = 16 * 1024 * 1024;

/// Largest expectation file read (`NAME.expect.json`).
pub const EXPECTATION_LIMIT: u64 = 1024 * 1024;

/// Why a file could not be read or written. Messages end with the file's path.
#[derive(Debug, thiserror::Error)]
pub enum FileError {
    /// The operating system refused or failed.
    #[error("{action} failed ({source}): {path}")]
    Io {
        /// What was being done: "reading", "replacing the file", ….
        action: &'static str,
        source: std::io::Error,
        path: PathBuf,
    },
    /// The file is larger than what the console reads of its kind.
    #[error("the file is {size} bytes, over the limit of {limit} bytes: {path}")]
    TooLarge {
        size: u64,
        limit: u64,
        path: PathBuf,
    },
    /// The path is not a regular file (a FIFO, a device, a folder): it is not read.
    #[error("it is {kind}, not a regular file, so it is not read: {path}")]
    NotRegular { kind: &'static str, path: PathBuf },
    /// The file is not UTF-8 text.
    #[error("not UTF-8 text at line {line}, column {column} (a binary file?): {path}")]
    NotUtf8 {
        line: usize,
        column: usize,
        path: PathBuf,
    },
    /// Another program held the file's lock for longer than the console waits.
    #[error(
        "another program kept the file locked for {waited_s} s (its lock file is {}); try again when it is done: {path}",
        lock.display()
    )]
    Locked {
        waited_s: u64,
        lock: PathBuf,
        path: PathBuf,
    },
}

impl FileError {
    /// An I/O error while doing `action` on `path`.
    pub fn io(action: &'static str, path: &Path) -> impl FnOnce(std::io::Error) -> FileError {
        let path = path.to_path_buf();
        move |source| FileError::Io {
            action,
            source,
            path,
        }
    }

    /// True when the file does not exist.
    pub fn is_not_found(&self) -> bool {
        matches!(self, FileError::Io { source, .. } if source.kind() == std::io::ErrorKind::NotFound)
    }

    /// The path the error is about.
    pub fn path(&self) -> &Path {
        match self {
            FileError::Io { path, .. }
            | FileError::TooLarge { path, .. }
            | FileError::NotRegular { path, .. }
            | FileError::NotUtf8 { path, .. }
            | FileError::Locked { path, .. } => path,
        }
    }
}

/// What kind of thing a non-regular file is, for messages.
fn kind_of(meta: &Metadata) -> Option<&'static str> {
    let ty = meta.file_type();
    if ty.is_file() {
        return None;
    }
    if ty.is_dir() {
        return Some("a folder");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt as _;
        if ty.is_fifo() {
            return Some("a FIFO (named pipe)");
        }
        if ty.is_char_device() {
            return Some("a character device");
        }
        if ty.is_block_device() {
            return Some("a block device");
        }
        if ty.is_socket() {
            return Some("a socket");
        }
    }
    Some("a special file")
}

/// Opens a regular file for reading, refusing anything else before reading a byte. On Unix the
/// file is opened without blocking, so a FIFO swapped in after the check cannot hang the open.
pub fn open_regular(path: &Path) -> Result<(File, u64), FileError> {
    let meta = std::fs::metadata(path).map_err(FileError::io("reading", path))?;
    if let Some(kind) = kind_of(&meta) {
        return Err(FileError::NotRegular {
            kind,
            path: path.to_path_buf(),
        });
    }
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.custom_flags(libc::O_NONBLOCK);
    }
    let file = options.open(path).map_err(FileError::io("opening", path))?;
    let meta = file.metadata().map_err(FileError::io("reading", path))?;
    if let Some(kind) = kind_of(&meta) {
        return Err(FileError::NotRegular {
            kind,
            path: path.to_path_buf(),
        });
    }
    Ok((file, meta.len()))
}

/// Reads a whole regular file of at most `limit` bytes. The buffer is sized once from the
/// file's length (plus one byte to see the end), and a file that grows past the limit while it
/// is read is refused too.
pub fn read_bounded(path: &Path, limit: u64) -> Result<Vec<u8>, FileError> {
    let (file, len) = open_regular(path)?;
    let too_large = |size| FileError::TooLarge {
        size,
        limit,
        path: path.to_path_buf(),
    };
    if len > limit {
        return Err(too_large(len));
    }
    let capacity = usize::try_from(len.saturating_add(1)).unwrap_or(usize::MAX);
    let mut bytes = Vec::with_capacity(capacity);
    file.take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(FileError::io("reading", path))?;
    if bytes.len() as u64 > limit {
        return Err(too_large(bytes.len() as u64));
    }
    Ok(bytes)
}

/// Reads a regular UTF-8 text file of at most `limit` bytes; a byte order mark is dropped.
pub fn read_text(path: &Path, limit: u64) -> Result<String, FileError> {
    let bytes = read_bounded(path, limit)?;
    let mut text = String::from_utf8(bytes).map_err(|err| {
        let valid = err.utf8_error().valid_up_to();
        let (line, column) = line_column(err.as_bytes().get(..valid).unwrap_or(&[]));
        FileError::NotUtf8 {
            line,
            column,
            path: path.to_path_buf(),
        }
    })?;
    if text.starts_with('\u{feff}') {
        text.drain(..'\u{feff}'.len_utf8());
    }
    Ok(text)
}

/// 1-based line and column of the end of `prefix`.
pub fn line_column(prefix: &[u8]) -> (usize, usize) {
    let line = memchr::memchr_iter(b'\n', prefix).count() + 1;
    let line_start = memchr::memrchr(b'\n', prefix).map_or(0, |i| i + 1);
    let column = String::from_utf8_lossy(&prefix[line_start..])
        .chars()
        .count()
        + 1;
    (line, column)
}

/// The folder a file lives in (`.` for a bare file name).
pub(crate) fn parent_dir(path: &Path) -> PathBuf {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d.to_path_buf(),
        _ => PathBuf::from("."),
    }
}

/// The file's name, for the names of its temp and lock files.
pub(crate) fn file_name(path: &Path) -> String {
    path.file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "file".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_are_bounded_and_name_the_limit_and_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("code.js");
        std::fs::write(&path, "x".repeat(100)).unwrap();
        assert_eq!(read_bounded(&path, 100).unwrap().len(), 100);
        let err = read_bounded(&path, 99).unwrap_err();
        assert!(matches!(
            err,
            FileError::TooLarge {
                size: 100,
                limit: 99,
                ..
            }
        ));
        assert!(
            err.to_string().contains("over the limit of 99 bytes"),
            "{err}"
        );
        assert!(err.to_string().ends_with("code.js"), "{err}");
    }

    #[test]
    fn devices_folders_and_fifos_are_refused_before_reading() {
        let err = read_bounded(Path::new("/dev/zero"), 1024).unwrap_err();
        assert!(
            matches!(
                err,
                FileError::NotRegular {
                    kind: "a character device",
                    ..
                }
            ),
            "{err}"
        );
        let dir = tempfile::tempdir().unwrap();
        let err = read_bounded(dir.path(), 1024).unwrap_err();
        assert!(
            matches!(
                err,
                FileError::NotRegular {
                    kind: "a folder",
                    ..
                }
            ),
            "{err}"
        );
        let fifo = dir.path().join("pipe.json");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status();
        if made.is_ok_and(|s| s.success()) {
            // Opening a FIFO for reading blocks until a writer comes: it must not be opened.
            let err = read_bounded(&fifo, 1024).unwrap_err();
            assert!(
                err.to_string()
                    .contains("a FIFO (named pipe), not a regular file"),
                "{err}"
            );
        }
    }

    #[test]
    fn text_reads_drop_a_byte_order_mark_and_locate_bad_bytes() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.js");
        std::fs::write(&path, "\u{feff}let a = 1;").unwrap();
        assert_eq!(read_text(&path, 100).unwrap(), "let a = 1;");
        std::fs::write(&path, b"ok\nab\xff").unwrap();
        let err = read_text(&path, 100).unwrap_err();
        assert!(
            matches!(
                err,
                FileError::NotUtf8 {
                    line: 2,
                    column: 3,
                    ..
                }
            ),
            "{err}"
        );
    }
}
