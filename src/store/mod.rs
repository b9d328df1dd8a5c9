//! SQLite on one dedicated writer thread (design.md): WAL, foreign keys, versioned
//! migrations, group commit. Callers hand the store a closure; the writer runs the
//! closures that are waiting in one transaction (each inside its own savepoint, so one
//! failing job never undoes another) and answers every caller only after the commit is
//! durable. Reads go to a small pool of read-only connections on blocking threads, so a
//! long query never holds up a write.
//!
//! Queries live next to what they are about: `campaigns.rs`, `leads.rs`, ... Each is a
//! plain function over `&Connection` that callers run through `write` or `read`.

pub mod attempt_events;
pub mod attempts;
pub mod call_figures;
pub mod caller_ids;
mod campaigns;
pub mod chart_series;
pub mod dialling_order;
pub mod dnc;
pub mod engine_stats;
mod error;
pub mod lead_fate;
mod lead_import;
pub mod lead_phones;
pub mod lead_search;
mod leads;
mod migrate;
pub mod probe;
pub mod queue;
mod read_pool;
pub mod reports;
pub mod settings_changes;
mod time;
pub mod views;
pub mod webhook_events;
mod writer;

pub use campaigns::{CampaignRecord, NewCampaign};
pub use error::StoreError;
pub use lead_import::{ImportedLead, LeadFate, LeadImporter};
pub use leads::{LeadRecord, NewLead, LEAD_COLUMNS};
pub use migrate::{migrate_to, schema_version, LATEST_VERSION};
pub use time::{from_millis, to_millis};

use read_pool::ReadPool;
use rusqlite::Connection;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
pub use writer::WriteObserver;
use writer::{Job, Writer};

/// How long the writer waits for another program's lock on the database file.
const WRITER_BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// Cheap to clone; the writer thread ends when the last clone is dropped.
#[derive(Clone)]
pub struct Store {
    writer: Writer,
    readers: Arc<ReadPool>,
    path: Arc<PathBuf>,
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Store").field("path", &self.path).finish()
    }
}

impl Store {
    /// Opens (creating if needed) the database at `path` and migrates it to the
    /// latest schema before any caller can touch it.
    pub fn open(path: impl AsRef<Path>) -> Result<Store, StoreError> {
        Self::open_with(path, WRITER_BUSY_TIMEOUT)
    }

    /// Like `open`, with how long a write waits for another program's lock on the file
    /// before it fails as `database is locked` (tests shorten it).
    pub fn open_with(path: impl AsRef<Path>, busy_timeout: Duration) -> Result<Store, StoreError> {
        let path = path.as_ref().to_path_buf();
        create_private(&path)?;
        let mut conn = open_connection(&path, false)?;
        conn.busy_timeout(busy_timeout)?;
        migrate::migrate(&mut conn)?;
        Ok(Store {
            writer: Writer::spawn(conn)?,
            readers: Arc::new(ReadPool::new(path.clone())),
            path: Arc::new(path),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Tells `observer` how long each group commit takes (the host's metrics).
    pub fn observe_writes(&self, observer: WriteObserver) {
        self.writer.observe(observer);
    }

    /// Runs `job` on the writer thread inside a transaction and returns its result once
    /// committed. An error from `job` rolls back only this job's changes.
    pub async fn write<T, F>(&self, job: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        self.queue_write(job).await?.committed().await
    }

    /// Queues `job` behind every write queued before it and returns without waiting
    /// for its commit (only for room in the writer's queue): for a caller that must
    /// keep the order of its writes but not wait for each one. The answer comes with
    /// `QueuedWrite::committed`.
    pub async fn queue_write<T, F>(&self, job: F) -> Result<QueuedWrite<T>, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.writer.submit(Job::new(job, reply)).await?;
        Ok(QueuedWrite(answer))
    }

    /// Like `write`, for callers outside the async runtime (CLI helpers, tests).
    pub fn write_blocking<T, F>(&self, job: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let (reply, answer) = tokio::sync::oneshot::channel();
        self.writer.submit_blocking(Job::new(job, reply))?;
        answer.blocking_recv().map_err(|_| StoreError::Closed)?
    }

    /// Runs `query` on a read-only connection on a blocking thread. Sees everything
    /// committed before it started.
    pub async fn read<T, F>(&self, query: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        let readers = self.readers.clone();
        tokio::task::spawn_blocking(move || readers.with(query))
            .await
            .map_err(|e| StoreError::Worker(e.to_string()))?
    }

    /// Like `read`, on the calling thread.
    pub fn read_blocking<T, F>(&self, query: F) -> Result<T, StoreError>
    where
        F: FnOnce(&Connection) -> Result<T, StoreError>,
    {
        self.readers.with(query)
    }
}

/// A write in the writer's queue; `committed` says how it ended.
#[must_use = "a queued write's failure is only known through `committed`"]
pub struct QueuedWrite<T>(tokio::sync::oneshot::Receiver<Result<T, StoreError>>);

impl<T> QueuedWrite<T> {
    /// The job's result once its transaction has committed (or failed).
    pub async fn committed(self) -> Result<T, StoreError> {
        self.0.await.map_err(|_| StoreError::Closed)?
    }
}

/// Creates the database file 0600 (its directory 0700) before SQLite opens it, whatever
/// the umask: it holds phone numbers. SQLite gives the `-wal` and `-shm` files the
/// database file's mode, so they are 0600 too. An existing file keeps its mode.
fn create_private(path: &Path) -> Result<(), StoreError> {
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|source| StoreError::CreateDir {
                dir: dir.to_path_buf(),
                source,
            })?;
    }
    // A path SQLite reads specially (`:memory:`, a URI) is left to it.
    if path.as_os_str() == ":memory:" || path.to_string_lossy().starts_with("file:") {
        return Ok(());
    }
    // A file already there keeps its mode; any other failure SQLite's own open
    // reports, with its context.
    let _ = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path);
    Ok(())
}

/// One connection with the settings every connection needs: WAL so readers never block
/// the writer, foreign keys on, `synchronous = NORMAL` (durable at each WAL checkpoint,
/// safe against application crashes, which is what write-ahead attempts rely on), and a
/// busy timeout so a reader opening during a checkpoint waits instead of failing.
pub(crate) fn open_connection(path: &Path, read_only: bool) -> Result<Connection, StoreError> {
    use rusqlite::OpenFlags;
    let flags = if read_only {
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_NO_MUTEX
    } else {
        OpenFlags::SQLITE_OPEN_READ_WRITE
            | OpenFlags::SQLITE_OPEN_CREATE
            | OpenFlags::SQLITE_OPEN_NO_MUTEX
    };
    let conn = Connection::open_with_flags(path, flags).map_err(|source| StoreError::Open {
        path: path.to_path_buf(),
        source,
    })?;
    conn.busy_timeout(std::time::Duration::from_secs(10))?;
    if !read_only {
        let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(StoreError::NoWal {
                path: path.to_path_buf(),
                mode,
            });
        }
        conn.pragma_update(None, "synchronous", "NORMAL")?;
    }
    conn.pragma_update(None, "foreign_keys", "ON")?;
    // Every statement the writer and the readers run is a `prepare_cached` one (about
    // 80 distinct texts, the dialling order's variants included); with room for all of
    // them none is evicted and parsed again on the next dial.
    conn.set_prepared_statement_cache_capacity(256);
    // One plan per statement, whatever is bound to it. Without this SQLite marks a
    // parameter it looked at while planning (a LIKE pattern, a LIMIT, a value held
    // against a partial index's condition) and parses the statement again each time
    // a new value is bound: about seven times per dial, a fifth of the writer's CPU.
    conn.set_db_config(
        rusqlite::config::DbConfig::SQLITE_DBCONFIG_ENABLE_QPSG,
        true,
    )?;
    Ok(conn)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::{CampaignSettings, LeadId};
    use rusqlite::StatementStatus;

    /// A cached statement is planned once: binding another lead to it does not make
    /// SQLite parse it again (it did, about seven times per dial, before the planner
    /// was told to keep one plan).
    #[test]
    fn binding_new_values_does_not_prepare_a_statement_again() {
        let dir = tempfile::tempdir().unwrap();
        let store = Store::open(dir.path().join("s.db")).unwrap();
        let leads: Vec<LeadId> = store
            .write_blocking(|conn| {
                let now = chrono::Utc::now();
                let settings = CampaignSettings {
                    name: "c".into(),
                    agent_name: "a".into(),
                    trunk_id: "ST_x".into(),
                    ..Default::default()
                };
                let campaign = CampaignRecord::insert(conn, &NewCampaign { settings, now })?;
                let mut leads = Vec::new();
                for phone in ["+15550000001", "+15550000002", "+15550000003"] {
                    let lead = NewLead {
                        phone: phone.into(),
                        ..Default::default()
                    };
                    leads.push(LeadRecord::insert(conn, campaign, &lead, now)?.unwrap());
                }
                Ok(leads)
            })
            .unwrap();
        let history = "SELECT phone, state FROM attempts WHERE lead_id = ?1
         AND state NOT IN ('queued', 'dialing', 'ringing', 'answered') ORDER BY id";
        let reprepared = store
            .write_blocking(move |conn| {
                for lead in &leads {
                    lead_phones::history_of(conn, *lead)?;
                }
                let stmt = conn.prepare_cached(history)?;
                Ok(stmt.get_status(StatementStatus::RePrepare))
            })
            .unwrap();
        assert_eq!(reprepared, 0);
    }
}
