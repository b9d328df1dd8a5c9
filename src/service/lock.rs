//! One engine per database file, enforced by the operating system: the process that
//! runs the engine holds a write lock on the database file itself for its whole life.
//!
//! - The lock belongs to the file (its inode), not to a name: a hard link, a symlink, a
//!   relative path or a bind mount of the same folder all meet the same lock, and no
//!   side file can be deleted to lose it.
//! - It is an open-file-description lock (`F_OFD_SETLK`) on one byte far past the bytes
//!   SQLite locks (at 1 GiB): SQLite's own locks never conflict with it, and it does not
//!   belong to the process's POSIX locks, which closing a descriptor would drop.
//! - The kernel drops it when the process ends, however it ends, so a `kill -9` never
//!   leaves a stale lock behind.
//!
//! `<database>.lock` beside the database holds the owner's PID, only so a refusal can
//! name it: deleting it changes nothing.

use super::database_file::{descriptor, FileIdentity};
use std::collections::HashSet;
use std::fs::File;
use std::os::fd::AsRawFd;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};
use thiserror::Error;

/// The byte locked: beyond anything SQLite locks or a database grows to.
const LOCK_BYTE: i64 = 1 << 62;

/// Held for as long as this value lives.
#[derive(Debug)]
pub struct EngineLock {
    file: Arc<File>,
    identity: FileIdentity,
    path: PathBuf,
}

#[derive(Debug, Error)]
pub enum LockError {
    #[error("another Switchboard engine (pid {pid}) is running on {}", db.display())]
    Held { pid: String, db: PathBuf },
    #[error("cannot use the lock file {}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

/// `<database>.lock`, beside the database: who holds the lock, for messages only.
pub fn lock_path(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

impl EngineLock {
    /// Takes the lock of the database file (made, private, if missing) or says who has
    /// it. Never waits.
    pub fn acquire(db: &Path) -> Result<EngineLock, LockError> {
        let io = |source| LockError::Io {
            path: db.to_path_buf(),
            source,
        };
        if let Some(dir) = db.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::os::unix::fs::DirBuilderExt::mode(
                std::fs::DirBuilder::new().recursive(true),
                0o700,
            )
            .create(dir)
            .map_err(io)?;
        }
        let (identity, file) = descriptor(db, true)
            .map_err(io)?
            .ok_or_else(|| io(std::io::ErrorKind::NotFound.into()))?;
        let mut held = held_here().lock().unwrap_or_else(|p| p.into_inner());
        // The kernel sees one open file per process here, so it cannot refuse this
        // process a second time: this process keeps count itself.
        if held.contains(&identity)
            || !set_lock(&file, libc::F_WRLCK as libc::c_short).map_err(io)?
        {
            return Err(LockError::Held {
                pid: recorded_pid(db),
                db: db.to_path_buf(),
            });
        }
        held.insert(identity);
        drop(held);
        // Informational only: a failure to write them does not matter.
        let pid = std::process::id().to_string();
        set_pid_attribute(&file, &pid);
        let path = lock_path(db);
        let _ = std::fs::write(&path, &pid);
        Ok(EngineLock {
            file,
            identity,
            path,
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

impl Drop for EngineLock {
    fn drop(&mut self) {
        // Unlocked, not closed: the descriptor is kept (database_file.rs).
        let _ = set_lock(&self.file, libc::F_UNLCK as libc::c_short);
        held_here()
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .remove(&self.identity);
    }
}

/// The database files this process holds the lock of.
fn held_here() -> &'static Mutex<HashSet<FileIdentity>> {
    static HELD: OnceLock<Mutex<HashSet<FileIdentity>>> = OnceLock::new();
    HELD.get_or_init(|| Mutex::new(HashSet::new()))
}

/// Whether some process holds the engine lock of `db` right now (and its PID). Asks the
/// kernel (`F_OFD_GETLK`) without taking anything, so looking never names the looker as
/// the holder.
pub fn holder(db: &Path) -> Option<String> {
    let (identity, file) = descriptor(db, false).ok()??;
    let held_by_us = held_here()
        .lock()
        .unwrap_or_else(|p| p.into_inner())
        .contains(&identity);
    if held_by_us {
        return Some(std::process::id().to_string());
    }
    let mut lock = lock_request(libc::F_WRLCK as libc::c_short);
    // SAFETY: a valid descriptor and a valid, initialised `flock`.
    let done = unsafe { libc::fcntl(file.as_raw_fd(), libc::F_OFD_GETLK, &mut lock) };
    if done != 0 || lock.l_type == libc::F_UNLCK as libc::c_short {
        return None;
    }
    Some(recorded_pid(db))
}

/// The extended attribute of the database file that names the engine's PID: it belongs
/// to the file, so every name of it (a hard link, a symlink) reads the same.
const PID_ATTRIBUTE: &std::ffi::CStr = c"user.switchboard.engine_pid";

fn set_pid_attribute(file: &File, pid: &str) {
    // SAFETY: a valid descriptor, a NUL-terminated name and a buffer of the given length.
    let _ = unsafe {
        libc::fsetxattr(
            file.as_raw_fd(),
            PID_ATTRIBUTE.as_ptr(),
            pid.as_ptr().cast(),
            pid.len(),
            0,
        )
    };
}

fn pid_attribute(db: &Path) -> Option<String> {
    let (_, file) = descriptor(db, false).ok()??;
    let mut buffer = [0u8; 32];
    // SAFETY: a valid descriptor, a NUL-terminated name and a buffer of its length.
    let read = unsafe {
        libc::fgetxattr(
            file.as_raw_fd(),
            PID_ATTRIBUTE.as_ptr(),
            buffer.as_mut_ptr().cast(),
            buffer.len(),
        )
    };
    let text = std::str::from_utf8(buffer.get(..usize::try_from(read).ok()?)?).ok()?;
    Some(text.trim().to_string()).filter(|pid| !pid.is_empty())
}

/// The holder's PID: from the database file's attribute (where the file system keeps
/// one), else from `<database>.lock`. A holder that has just taken the lock writes them
/// a moment later, so a missing one is looked for again, briefly.
fn recorded_pid(db: &Path) -> String {
    for _ in 0..10 {
        if let Some(pid) = pid_attribute(db) {
            return pid;
        }
        match std::fs::read_to_string(lock_path(db)) {
            Ok(pid) if !pid.trim().is_empty() => return pid.trim().to_string(),
            _ => std::thread::sleep(std::time::Duration::from_millis(20)),
        }
    }
    "unknown".to_string()
}

fn lock_request(kind: libc::c_short) -> libc::flock {
    // SAFETY: `flock` is plain data; all zeroes is a valid value.
    let mut lock: libc::flock = unsafe { std::mem::zeroed() };
    lock.l_type = kind;
    lock.l_whence = libc::SEEK_SET as libc::c_short;
    lock.l_start = LOCK_BYTE;
    lock.l_len = 1;
    lock
}

/// Sets or clears the lock; `Ok(false)` when another open file holds it.
fn set_lock(file: &File, kind: libc::c_short) -> std::io::Result<bool> {
    let lock = lock_request(kind);
    // SAFETY: a valid descriptor and a valid, initialised `flock`.
    let done = unsafe { libc::fcntl(file.as_raw_fd(), libc::F_OFD_SETLK, &lock) };
    if done == 0 {
        return Ok(true);
    }
    let err = std::io::Error::last_os_error();
    match err.raw_os_error() {
        Some(libc::EAGAIN) | Some(libc::EACCES) => Ok(false),
        _ => Err(err),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_lock_on_one_database_is_refused_naming_the_holder() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("a.db");
        let first = EngineLock::acquire(&db).unwrap();
        match EngineLock::acquire(&db) {
            Err(LockError::Held { pid, .. }) => assert_eq!(pid, std::process::id().to_string()),
            other => panic!("expected a refusal, got {other:?}"),
        }
        assert_eq!(holder(&db), Some(std::process::id().to_string()));
        drop(first);
        assert!(EngineLock::acquire(&db).is_ok(), "released with its holder");
        assert_eq!(holder(&db), None);
    }
}
