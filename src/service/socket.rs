//! Where the engine of a database listens on this machine: a Unix socket in a private
//! runtime directory (`$SWITCHBOARD_RUNTIME_DIR`, else `$XDG_RUNTIME_DIR/switchboard`,
//! else `<temp>/switchboard-<uid>`), mode 0700, named after the database file's identity
//! (device and inode), so every process that opens one database file, by any name,
//! finds the same engine.

use sha2::{Digest, Sha256};
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};

/// The directory the sockets live in, made private if it does not exist.
pub fn runtime_dir(overridden: Option<&Path>) -> std::io::Result<PathBuf> {
    let dir = match overridden {
        Some(dir) => dir.to_path_buf(),
        None => match std::env::var_os("XDG_RUNTIME_DIR").filter(|v| !v.is_empty()) {
            Some(xdg) => PathBuf::from(xdg).join("switchboard"),
            None => std::env::temp_dir().join(format!("switchboard-{}", current_uid())),
        },
    };
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(&dir)?;
    // A folder someone else made in a shared temp dir is not ours to trust.
    let meta = std::fs::metadata(&dir)?;
    if meta.uid() != current_uid() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::PermissionDenied,
            format!(
                "{} belongs to another user; set SWITCHBOARD_RUNTIME_DIR to a private folder",
                dir.display()
            ),
        ));
    }
    if meta.permissions().mode() & 0o077 != 0 {
        std::fs::set_permissions(&dir, std::fs::Permissions::from_mode(0o700))?;
    }
    Ok(dir)
}

/// `engine-<hash of the database file's identity>.sock` in `dir`: the device and inode
/// the engine lock is on, so every name of one file (a hard link, a symlink, another
/// spelling, a bind mount) finds the same engine. A database not made yet is named by
/// its canonical path. The hash keeps the name short (a socket path has ~100 bytes).
pub fn socket_path(dir: &Path, db: &Path) -> PathBuf {
    let key = match super::database_file::FileIdentity::of(db) {
        Some(id) => format!("inode {}:{}", id.device, id.inode).into_bytes(),
        None => canonical_db(db).as_os_str().as_encoded_bytes().to_vec(),
    };
    let digest = Sha256::digest(&key);
    let hex: String = digest[..8].iter().map(|b| format!("{b:02x}")).collect();
    dir.join(format!("engine-{hex}.sock"))
}

/// The database file's canonical path; for one not made yet, its folder's.
fn canonical_db(db: &Path) -> PathBuf {
    if let Ok(path) = db.canonicalize() {
        return path;
    }
    match (db.parent(), db.file_name()) {
        (Some(dir), Some(name)) => dir
            .canonicalize()
            .map(|d| d.join(name))
            .unwrap_or_else(|_| db.to_path_buf()),
        _ => db.to_path_buf(),
    }
}

fn current_uid() -> u32 {
    rustix::process::getuid().as_raw()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_database_has_one_socket_whatever_the_spelling() {
        let dir = tempfile::tempdir().unwrap();
        let runtime = runtime_dir(Some(&dir.path().join("run"))).unwrap();
        let mode = std::fs::metadata(&runtime).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o700);
        let db = dir.path().join("a.db");
        std::fs::write(&db, "").unwrap();
        let dotted = dir.path().join(".").join("a.db");
        assert_eq!(socket_path(&runtime, &db), socket_path(&runtime, &dotted));
        assert_ne!(
            socket_path(&runtime, &db),
            socket_path(&runtime, &dir.path().join("b.db"))
        );
        assert!(socket_path(&runtime, &db).as_os_str().len() < 100);
    }
}
