//! The single writer thread and its group commit.

use super::StoreError;
use crate::throttled_log::ThrottledLog;
use rusqlite::Connection;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot};

/// Most jobs folded into one transaction; bounds the latency one commit adds.
const MAX_BATCH: usize = 512;
/// A database that cannot write fails every batch; one line per this long says so.
const FAILURE_LOG_INTERVAL: Duration = Duration::from_secs(10);

type Answer = Box<dyn FnOnce(Option<&StoreError>) + Send>;

/// A closure to run in the writer's transaction, handed the connection (or the reason
/// the transaction could not begin); it returns how to answer its caller once the
/// transaction's fate is known.
type Work = Box<dyn FnOnce(Result<&Connection, &StoreError>) -> Answer + Send>;

pub(crate) struct Job(Work);

impl Job {
    pub fn new<T, F>(work: F, reply: oneshot::Sender<Result<T, StoreError>>) -> Job
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        Job(Box::new(move |conn| {
            let result = match conn {
                Ok(conn) => in_savepoint(conn, work),
                Err(err) => Err(StoreError::Commit(err.to_string())),
            };
            Box::new(move |commit_failure: Option<&StoreError>| {
                let answer = match commit_failure {
                    Some(err) if result.is_ok() => Err(StoreError::Commit(err.to_string())),
                    _ => result,
                };
                let _ = reply.send(answer);
            })
        }))
    }
}

fn in_savepoint<T>(
    conn: &Connection,
    work: impl FnOnce(&Connection) -> Result<T, StoreError>,
) -> Result<T, StoreError> {
    run_cached(conn, "SAVEPOINT job")?;
    let result = work(conn);
    if result.is_err() {
        run_cached(conn, "ROLLBACK TO job")?;
    }
    run_cached(conn, "RELEASE job")?;
    result
}

/// Runs a transaction-control statement from the connection's statement cache: every
/// job and every batch runs these, and `execute_batch` would parse them each time.
fn run_cached(conn: &Connection, sql: &str) -> rusqlite::Result<()> {
    conn.prepare_cached(sql)?.execute([])?;
    Ok(())
}

/// Told how long each group commit took and whether it committed (`/metrics`).
pub type WriteObserver = std::sync::Arc<dyn Fn(Duration, bool) + Send + Sync>;

/// Set at most once, after the writer started (the host's metrics come after the
/// store is open).
type ObserverSlot = std::sync::Arc<std::sync::OnceLock<WriteObserver>>;

#[derive(Clone)]
pub(crate) struct Writer {
    jobs: mpsc::Sender<Job>,
    observer: ObserverSlot,
}

impl Writer {
    pub fn spawn(conn: Connection) -> Result<Writer, StoreError> {
        let (jobs, queue) = mpsc::channel(4096);
        let observer = ObserverSlot::default();
        let observed = observer.clone();
        std::thread::Builder::new()
            .name("store-writer".into())
            .spawn(move || run(conn, queue, observed))
            .map_err(|e| StoreError::Worker(e.to_string()))?;
        Ok(Writer { jobs, observer })
    }

    /// `observer` is told of every group commit from now on; a second one is ignored.
    pub fn observe(&self, observer: WriteObserver) {
        let _ = self.observer.set(observer);
    }

    pub async fn submit(&self, job: Job) -> Result<(), StoreError> {
        self.jobs.send(job).await.map_err(|_| StoreError::Closed)
    }

    pub fn submit_blocking(&self, job: Job) -> Result<(), StoreError> {
        self.jobs.blocking_send(job).map_err(|_| StoreError::Closed)
    }
}

fn run(conn: Connection, mut queue: mpsc::Receiver<Job>, observer: ObserverSlot) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    let mut failures = ThrottledLog::new(FAILURE_LOG_INTERVAL);
    while let Some(first) = queue.blocking_recv() {
        batch.push(first);
        while batch.len() < MAX_BATCH {
            match queue.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        let started = Instant::now();
        let committed = commit_batch(&conn, &mut batch);
        if let Some(observe) = observer.get() {
            observe(started.elapsed(), committed.is_ok());
        }
        match committed {
            Ok(()) => {
                let held_back = failures.settle();
                if held_back > 0 {
                    tracing::warn!(held_back, "database writes work again");
                }
            }
            Err(err) => {
                if let Some(held_back) = failures.hit(Instant::now()) {
                    tracing::error!(%err, held_back, "database write failed");
                }
            }
        }
    }
    // Every handle is gone: fold the WAL back so the file is complete on its own.
    let _ = conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)");
}

/// Runs the batch in one transaction; `Err` when it could not start or commit (every
/// job's caller has been told either way).
fn commit_batch(conn: &Connection, batch: &mut Vec<Job>) -> Result<(), StoreError> {
    if let Err(err) = run_cached(conn, "BEGIN IMMEDIATE") {
        let err = StoreError::from(err);
        for Job(work) in batch.drain(..) {
            work(Err(&err))(None);
        }
        return Err(err);
    }
    let answers: Vec<Answer> = batch.drain(..).map(|Job(work)| work(Ok(conn))).collect();
    let committed = run_cached(conn, "COMMIT").map_err(StoreError::from);
    if committed.is_err() {
        let _ = conn.execute_batch("ROLLBACK");
    }
    let failure = committed.err();
    for answer in answers {
        answer(failure.as_ref());
    }
    failure.map_or(Ok(()), Err)
}
