//! The database as a file, whatever path names it: its identity (device and inode, which
//! hard links, symlinks, relative paths and bind mounts share) and one descriptor per
//! file for the life of the process.
//!
//! Why descriptors are never closed: closing any descriptor of a file drops every POSIX
//! lock the process holds on that file, SQLite's included (fcntl(2), "the close
//! problem"; SQLite's own VFS works around it for the files it opens). The engine lock
//! lives on the database file itself, so each file this process locks or looks at keeps
//! exactly one descriptor, opened once and kept.

use std::collections::HashMap;
use std::fs::{File, OpenOptions};
use std::os::unix::fs::{MetadataExt, OpenOptionsExt};
use std::path::Path;
use std::sync::{Arc, Mutex, OnceLock};

/// Which file a path names: the same for every name of one file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FileIdentity {
    pub device: u64,
    pub inode: u64,
}

impl FileIdentity {
    /// The identity of the file `path` names now (following symlinks); `None` when
    /// there is none.
    pub fn of(path: &Path) -> Option<FileIdentity> {
        std::fs::metadata(path).ok().map(|meta| FileIdentity {
            device: meta.dev(),
            inode: meta.ino(),
        })
    }
}

fn kept() -> &'static Mutex<HashMap<FileIdentity, Arc<File>>> {
    static KEPT: OnceLock<Mutex<HashMap<FileIdentity, Arc<File>>>> = OnceLock::new();
    KEPT.get_or_init(|| Mutex::new(HashMap::new()))
}

/// This process's one descriptor of the file `path` names, opened read-write (read-only
/// if writing is not allowed). `create`: make the file, private (0600), if it is missing.
/// `Ok(None)`: no such file and not asked to create it.
pub fn descriptor(path: &Path, create: bool) -> std::io::Result<Option<(FileIdentity, Arc<File>)>> {
    let mut kept = kept().lock().unwrap_or_else(|p| p.into_inner());
    if let Some(identity) = FileIdentity::of(path) {
        if let Some(file) = kept.get(&identity) {
            return Ok(Some((identity, file.clone())));
        }
    }
    let opened = OpenOptions::new()
        .read(true)
        .write(true)
        .create(create)
        .truncate(false)
        .mode(0o600)
        .open(path)
        .or_else(|err| match err.kind() {
            std::io::ErrorKind::PermissionDenied => File::open(path),
            _ => Err(err),
        });
    let file = match opened {
        Ok(file) => file,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound && !create => return Ok(None),
        Err(err) => return Err(err),
    };
    let meta = file.metadata()?;
    let identity = FileIdentity {
        device: meta.dev(),
        inode: meta.ino(),
    };
    let file = Arc::new(file);
    // Another thread may have kept one meanwhile: keep both, close neither.
    let kept_file = kept.entry(identity).or_insert_with(|| file.clone()).clone();
    if !Arc::ptr_eq(&kept_file, &file) {
        std::mem::forget(file);
    }
    Ok(Some((identity, kept_file)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_name_of_one_file_has_one_identity_and_one_descriptor() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("a.db");
        let (identity, first) = descriptor(&db, true).unwrap().unwrap();
        let hard = dir.path().join("hard.db");
        std::fs::hard_link(&db, &hard).unwrap();
        let soft = dir.path().join("soft.db");
        std::os::unix::fs::symlink(&db, &soft).unwrap();
        for name in [&hard, &soft, &dir.path().join(".").join("a.db")] {
            let (same, file) = descriptor(name, false).unwrap().unwrap();
            assert_eq!(same, identity, "{}", name.display());
            assert!(Arc::ptr_eq(&file, &first), "one descriptor per file");
        }
        assert!(descriptor(&dir.path().join("none.db"), false)
            .unwrap()
            .is_none());
    }

    #[test]
    fn a_new_database_file_is_private() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("new.db");
        descriptor(&db, true).unwrap();
        let mode = std::fs::metadata(&db).unwrap().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
