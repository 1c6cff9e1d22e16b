//! Atomic writes: a crash (even `kill -9`) at any moment leaves the old file or the new one,
//! never a mix, and never a broken backup.
//!
//! The new content goes to a temp file beside the target (`.NAME.PID-N.tmp`), is synced, then
//! renamed over the target. With a backup, the old file is first given a second name by a hard
//! link (a copy where links are not supported) that is renamed over `NAME.bak`: the backup
//! too is replaced in one step. Each temp file is locked by its writer for as long as it
//! exists under that name, so a temp file nobody holds is one a killed writer left behind:
//! every write removes those of its target.

use std::fs::File;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

use super::{FileError, file_name, parent_dir};

/// A temp file of ours, locked while it exists under its name.
struct Temp {
    file: File,
    path: PathBuf,
}

impl Temp {
    /// A new, locked temp file for `target` (`kind` is "" for content, "bak." for a backup).
    fn create(target: &Path, kind: &str) -> std::io::Result<Temp> {
        loop {
            let path = temp_name(target, kind);
            let file = std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&path)?;
            if lock_and_verify(&file, &path)? {
                return Ok(Temp { file, path });
            }
            // A cleaner took it for a stale one in the instant before the lock: try another.
        }
    }

    /// A locked second name for the existing file `target` (a hard link), for the backup.
    fn link(target: &Path) -> std::io::Result<Temp> {
        loop {
            let path = temp_name(target, "bak.");
            std::fs::hard_link(target, &path)?;
            let file = File::open(&path)?;
            if lock_and_verify(&file, &path)? {
                return Ok(Temp { file, path });
            }
        }
    }

    /// Renames the temp file over `to`; the lock goes with the file.
    fn persist(self, to: &Path) -> std::io::Result<()> {
        match std::fs::rename(&self.path, to) {
            Ok(()) => Ok(()),
            Err(e) => {
                let _ = std::fs::remove_file(&self.path);
                Err(e)
            }
        }
    }

    /// Removes the temp file (a write that failed part-way).
    fn discard(self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

fn temp_name(target: &Path, kind: &str) -> PathBuf {
    // Unique per process and per call, so concurrent writers never share a temp file.
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    parent_dir(target).join(format!(
        ".{}.{kind}{}-{n}.tmp",
        file_name(target),
        std::process::id()
    ))
}

/// Locks a just-created temp file and checks that `path` still names it (a cleaner may have
/// removed it between its creation and the lock).
fn lock_and_verify(file: &File, path: &Path) -> std::io::Result<bool> {
    match file.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => return Ok(false),
        Err(std::fs::TryLockError::Error(e)) => return Err(e),
    }
    same_file(file, path)
}

#[cfg(unix)]
fn same_file(file: &File, path: &Path) -> std::io::Result<bool> {
    use std::os::unix::fs::MetadataExt as _;
    let open = file.metadata()?;
    Ok(match std::fs::metadata(path) {
        Ok(named) => named.dev() == open.dev() && named.ino() == open.ino(),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => false,
        Err(e) => return Err(e),
    })
}

#[cfg(not(unix))]
fn same_file(_file: &File, path: &Path) -> std::io::Result<bool> {
    Ok(path.exists())
}

/// Removes the temp files of `target` that no writer holds: those a killed writer left.
/// Returns how many were removed.
pub fn remove_stale_temps(target: &Path) -> usize {
    let prefix = format!(".{}.", file_name(target));
    let Ok(entries) = std::fs::read_dir(parent_dir(target)) else {
        return 0;
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        let name = entry.file_name();
        let Some(name) = name.to_str() else {
            continue;
        };
        if !name.starts_with(&prefix) || !name.ends_with(".tmp") || name == prefix {
            continue;
        }
        // Only names of our own pattern: `.NAME.[bak.]PID-N.tmp`.
        let middle = &name[prefix.len()..name.len() - ".tmp".len()];
        let middle = middle.strip_prefix("bak.").unwrap_or(middle);
        let ours = middle
            .split_once('-')
            .is_some_and(|(pid, n)| is_digits(pid) && is_digits(n));
        if !ours {
            continue;
        }
        let path = entry.path();
        let Ok(file) = File::open(&path) else {
            continue;
        };
        // Held: a writer is at work. Free: its writer is gone.
        if file.try_lock().is_ok() && std::fs::remove_file(&path).is_ok() {
            removed += 1;
        }
    }
    removed
}

fn is_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// Writes `bytes` to `path` through a synced temp file renamed over it, so a crash leaves
/// either the old or the new file. With `backup`, the previous file is kept as `NAME.bak`
/// (replaced atomically too). Temp files of `path` left by killed writers are removed.
pub fn write_atomic(path: &Path, bytes: &[u8], backup: bool) -> Result<(), FileError> {
    write_atomic_with(path, backup, |out| out.write_all(bytes))
}

/// As [`write_atomic`], the content written by `write` into the temp file (so that a large file
/// can be streamed rather than built in memory first).
pub fn write_atomic_with(
    path: &Path,
    backup: bool,
    write: impl FnOnce(&mut dyn std::io::Write) -> std::io::Result<()>,
) -> Result<(), FileError> {
    let dir = parent_dir(path);
    std::fs::create_dir_all(&dir).map_err(FileError::io("creating the folder", path))?;
    remove_stale_temps(path);
    let temp = Temp::create(path, "").map_err(FileError::io("creating the temp file", path))?;
    let written = {
        let mut out = std::io::BufWriter::new(&temp.file);
        write(&mut out).and_then(|()| out.flush())
    };
    if let Err(source) = written.and_then(|()| temp.file.sync_all()) {
        temp.discard();
        return Err(FileError::Io {
            action: "writing the temp file",
            source,
            path: path.to_path_buf(),
        });
    }
    if backup && path.exists() {
        let bak = dir.join(format!("{}.bak", file_name(path)));
        if let Err(source) = keep_backup(path, &bak) {
            temp.discard();
            return Err(FileError::Io {
                action: "keeping the previous version",
                source,
                path: bak,
            });
        }
    }
    temp.persist(path)
        .map_err(FileError::io("replacing the file", path))?;
    // Make the renames themselves durable.
    if let Ok(d) = File::open(&dir) {
        let _ = d.sync_all();
    }
    Ok(())
}

/// Replaces `bak` with the current `path` in one rename: a hard link where the file system has
/// them, else a synced copy.
fn keep_backup(path: &Path, bak: &Path) -> std::io::Result<()> {
    let temp = match Temp::link(path) {
        Ok(temp) => temp,
        Err(_) => {
            let mut temp = Temp::create(path, "bak.")?;
            let copied = File::open(path)
                .and_then(|mut from| std::io::copy(&mut from, &mut temp.file))
                .and_then(|_| temp.file.sync_all());
            if let Err(e) = copied {
                temp.discard();
                return Err(e);
            }
            temp
        }
    };
    temp.persist(bak)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn writes_replace_the_file_and_keep_the_previous_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.json");
        write_atomic(&path, b"one", true).unwrap();
        assert_eq!(names(dir.path()), ["f.json"]);
        write_atomic(&path, b"two", true).unwrap();
        write_atomic(&path, b"three", true).unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"three");
        assert_eq!(
            std::fs::read(dir.path().join("f.json.bak")).unwrap(),
            b"two"
        );
        assert_eq!(names(dir.path()), ["f.json", "f.json.bak"]);
    }

    #[test]
    fn temp_files_of_killed_writers_go_and_held_ones_stay() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f.json");
        // What a writer killed mid-write leaves: temp files that nobody holds.
        std::fs::write(dir.path().join(".f.json.4242-7.tmp"), b"half").unwrap();
        std::fs::write(dir.path().join(".f.json.bak.4242-8.tmp"), b"old").unwrap();
        // Someone else's files that merely look alike stay.
        std::fs::write(dir.path().join(".f.json.notes.tmp"), b"mine").unwrap();
        std::fs::write(dir.path().join(".g.json.1-1.tmp"), b"other").unwrap();
        // A writer at work holds its temp file.
        let busy = Temp::create(&path, "").unwrap();
        write_atomic(&path, b"new", false).unwrap();
        assert_eq!(
            names(dir.path()),
            [
                busy.path.file_name().unwrap().to_str().unwrap(),
                ".f.json.notes.tmp",
                ".g.json.1-1.tmp",
                "f.json"
            ]
        );
        drop(busy.file);
        assert_eq!(remove_stale_temps(&path), 1);
    }
}
