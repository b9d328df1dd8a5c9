use std::path::PathBuf;
use thiserror::Error;

#[derive(Debug, Error)]
pub enum StoreError {
    #[error("cannot open the database {}: {source}", path.display())]
    Open {
        path: PathBuf,
        source: rusqlite::Error,
    },
    #[error("cannot create the database folder {}: {source}", dir.display())]
    CreateDir {
        dir: PathBuf,
        source: std::io::Error,
    },
    #[error("the database {} cannot use WAL journaling (got `{mode}`); is it on a network file system?", path.display())]
    NoWal { path: PathBuf, mode: String },
    #[error("upgrading the database to version {version} ({name}) failed: {source}")]
    Migration {
        version: u32,
        name: &'static str,
        source: rusqlite::Error,
    },
    #[error("the database was written by a newer Switchboard (schema {found}, this build knows up to {supported}); upgrade switchboard")]
    TooNew { found: u32, supported: u32 },
    #[error("{0}")]
    Sqlite(#[from] rusqlite::Error),
    #[error("stored {what} is unreadable: {problem}")]
    Corrupt { what: String, problem: String },
    #[error("{0} not found")]
    NotFound(String),
    #[error("{0}")]
    Rejected(String),
    #[error("committing to the database failed: {0}")]
    Commit(String),
    #[error("the database writer has stopped")]
    Closed,
    #[error("database worker failed: {0}")]
    Worker(String),
}

impl StoreError {
    pub fn corrupt(what: impl Into<String>, problem: impl ToString) -> Self {
        StoreError::Corrupt {
            what: what.into(),
            problem: problem.to_string(),
        }
    }
}

impl StoreError {
    /// The database cannot take writes right now (locked by another process, disk full,
    /// I/O failing), as opposed to a write that is wrong. A transient failure is worth
    /// retrying until it lands; a wrong write never lands.
    pub fn is_transient(&self) -> bool {
        use rusqlite::ErrorCode::*;
        match self {
            StoreError::Sqlite(rusqlite::Error::SqliteFailure(e, _)) => matches!(
                e.code,
                DatabaseBusy
                    | DatabaseLocked
                    | DiskFull
                    | SystemIoFailure
                    | OutOfMemory
                    | ReadOnly
                    | CannotOpen
            ),
            StoreError::Commit(_) => true,
            _ => false,
        }
    }
}
