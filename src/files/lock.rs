//! An advisory lock per file, so that read → check → write is one step for every process that
//! writes the file (the console, any number of CLIs).
//!
//! The lock is taken on a small lock file beside the target (`.NAME.lock`, never removed), not
//! on the target itself: the target is replaced by a rename on every save, and a lock on the
//! old file would not stop a writer that opened the new one. The lock is the operating
//! system's (`flock` on Linux, through std's `File::try_lock`): it is released when the holder
//! ends, even by `kill -9`, so a crash never leaves a file locked.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::{FileError, file_name, parent_dir};

/// How long a writer waits for another one before giving up.
pub const LOCK_WAIT: Duration = Duration::from_secs(10);

/// A held lock on a file; released when dropped.
#[derive(Debug)]
pub struct FileLock {
    // Held for its lock; closing it releases the lock.
    _file: File,
    lock_path: PathBuf,
}

impl FileLock {
    /// The lock file of `target`: `.NAME.lock` in the same folder.
    pub fn path_for(target: &Path) -> PathBuf {
        parent_dir(target).join(format!(".{}.lock", file_name(target)))
    }

    /// Takes the lock of `target`, waiting up to [`LOCK_WAIT`] for another holder. Creates the
    /// target's folder when it does not exist yet.
    pub fn acquire(target: &Path) -> Result<FileLock, FileError> {
        FileLock::acquire_within(target, LOCK_WAIT)
    }

    /// Takes the lock of `target`, waiting up to `wait`.
    pub fn acquire_within(target: &Path, wait: Duration) -> Result<FileLock, FileError> {
        let dir = parent_dir(target);
        std::fs::create_dir_all(&dir).map_err(FileError::io("creating the folder", target))?;
        let lock_path = FileLock::path_for(target);
        let file = std::fs::OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&lock_path)
            .map_err(FileError::io("opening the lock file", &lock_path))?;
        let started = Instant::now();
        let mut pause = Duration::from_millis(1);
        loop {
            match file.try_lock() {
                Ok(()) => {
                    return Ok(FileLock {
                        _file: file,
                        lock_path,
                    });
                }
                Err(std::fs::TryLockError::WouldBlock) => {}
                Err(std::fs::TryLockError::Error(source)) => {
                    return Err(FileError::Io {
                        action: "locking the file",
                        source,
                        path: target.to_path_buf(),
                    });
                }
            }
            if started.elapsed() >= wait {
                return Err(FileError::Locked {
                    waited_s: wait.as_secs(),
                    lock: lock_path,
                    path: target.to_path_buf(),
                });
            }
            std::thread::sleep(pause);
            pause = (pause * 2).min(Duration::from_millis(25));
        }
    }

    /// Where the lock file is.
    pub fn lock_path(&self) -> &Path {
        &self.lock_path
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_holder_waits_and_gives_up_with_a_clear_error() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("sub").join("functions.json");
        let held = FileLock::acquire(&target).unwrap();
        assert_eq!(
            held.lock_path(),
            dir.path().join("sub/.functions.json.lock")
        );
        // Another open of the lock file is another holder, even in this process.
        let err = FileLock::acquire_within(&target, Duration::from_millis(30)).unwrap_err();
        assert!(matches!(err, FileError::Locked { .. }), "{err}");
        assert!(err.to_string().ends_with("functions.json"), "{err}");
        drop(held);
        assert!(FileLock::acquire_within(&target, Duration::from_millis(30)).is_ok());
    }
}
