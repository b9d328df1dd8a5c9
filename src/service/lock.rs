//! One engine per database, enforced by the operating system: the process that runs the
//! engine holds an exclusive lock on `<database>.lock` for its whole life (`flock` on
//! Unix, through `std::fs::File::try_lock`). The kernel drops the lock when the process
//! ends, however it ends, so a `kill -9` never leaves a stale lock behind. The file
//! holds the owner's PID so a refusal can name it.

use std::fs::{File, OpenOptions};
use std::io::{Read, Seek, Write};
use std::path::{Path, PathBuf};
use thiserror::Error;

/// Held for as long as this value lives.
#[derive(Debug)]
pub struct EngineLock {
    _file: File,
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

/// `<database>.lock`, beside the database.
pub fn lock_path(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(".lock");
    PathBuf::from(name)
}

impl EngineLock {
    /// Takes the lock or says who has it. Never waits.
    pub fn acquire(db: &Path) -> Result<EngineLock, LockError> {
        let path = lock_path(db);
        let io = |source| LockError::Io {
            path: path.clone(),
            source,
        };
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(io)?;
        }
        let mut file = OpenOptions::new()
            .read(true)
            .write(true)
            .create(true)
            .truncate(false)
            .open(&path)
            .map_err(io)?;
        match file.try_lock() {
            Ok(()) => {}
            Err(std::fs::TryLockError::WouldBlock) => {
                let mut pid = String::new();
                let _ = file.read_to_string(&mut pid);
                let pid = pid.trim();
                return Err(LockError::Held {
                    pid: if pid.is_empty() {
                        "unknown".into()
                    } else {
                        pid.to_string()
                    },
                    db: db.to_path_buf(),
                });
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(io(e)),
        }
        file.set_len(0).map_err(io)?;
        file.rewind().map_err(io)?;
        write!(file, "{}", std::process::id()).map_err(io)?;
        file.flush().map_err(io)?;
        Ok(EngineLock { _file: file, path })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }
}

/// Whether some process holds the engine lock of `db` right now (and its PID). Looks
/// with a shared lock for an instant and writes nothing, so looking never names the
/// looker as the holder.
pub fn holder(db: &Path) -> Option<String> {
    let path = lock_path(db);
    let mut file = File::open(&path).ok()?;
    match file.try_lock_shared() {
        Ok(()) => {
            let _ = file.unlock();
            None
        }
        Err(std::fs::TryLockError::WouldBlock) => {
            let mut pid = String::new();
            let _ = file.read_to_string(&mut pid);
            Some(match pid.trim() {
                "" => "unknown".to_string(),
                pid => pid.to_string(),
            })
        }
        Err(std::fs::TryLockError::Error(_)) => None,
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
