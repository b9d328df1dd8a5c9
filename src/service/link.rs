//! One way to reach an engine, wherever it runs: `Local` holds its handle (the engine
//! is in this process: `demo`, `run` with no engine running, tests), `Remote` speaks the
//! protocol over the local socket and mirrors the engine's snapshot and events into
//! the same channels a local handle gives. Clients (the console, `run`) are written once
//! against `Link`.

use super::client::{EngineClient, ImportFileOptions};
use super::protocol::{Answer, Query};
use crate::domain::CampaignId;
use crate::engine::{
    Command, EngineError, EngineEvent, EngineHandle, ImportJob, ImportSource, Reply, Snapshot,
};
use crate::import::{ImportOptions, ImportReport};
use futures::StreamExt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{broadcast, oneshot, watch};
use tokio_util::sync::CancellationToken;

/// Events a remote link keeps for slow readers, as the engine's own buffer does.
const EVENT_BUFFER: usize = 4096;
/// What a remote link's snapshot says while its engine does not answer.
pub const ENGINE_GONE: &str =
    "the engine does not answer (it stopped or restarts); reconnecting...";
/// How long a remote link waits before reconnecting to an engine that went away.
const RECONNECT_EVERY: Duration = Duration::from_millis(500);

#[derive(Clone)]
pub enum Link {
    Local(EngineHandle),
    Remote(Arc<RemoteEngine>),
}

pub struct RemoteEngine {
    client: EngineClient,
    snapshot: watch::Receiver<Arc<Snapshot>>,
    events: broadcast::Sender<EngineEvent>,
    stop: CancellationToken,
}

impl Drop for RemoteEngine {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

impl Link {
    pub async fn send(&self, command: Command) -> Result<Reply, EngineError> {
        match self {
            Link::Local(handle) => handle.send(command).await,
            Link::Remote(remote) => remote.client.command(command).await,
        }
    }

    /// Sends without waiting; the answer comes on the receiver. The console's way: it
    /// never blocks on the engine.
    pub fn try_send(
        &self,
        command: Command,
    ) -> Result<oneshot::Receiver<Result<Reply, EngineError>>, EngineError> {
        match self {
            Link::Local(handle) => handle.try_send(command),
            Link::Remote(remote) => {
                let (tx, rx) = oneshot::channel();
                let client = remote.client.clone();
                tokio::spawn(async move {
                    let _ = tx.send(client.command(command).await);
                });
                Ok(rx)
            }
        }
    }

    pub async fn query(&self, query: Query) -> Result<Answer, EngineError> {
        match self {
            Link::Local(handle) => handle.query(query).await,
            Link::Remote(remote) => remote.client.query(query).await,
        }
    }

    /// Imports the CSV file at `path` (on this machine) into `campaign`, numbers without
    /// a country code read in `region`. The engine runs it, in this process or in its
    /// own, and counts what it added: no client writes leads beside it.
    pub async fn import_file(
        &self,
        campaign: CampaignId,
        path: PathBuf,
        region: String,
    ) -> Result<ImportReport, EngineError> {
        match self {
            Link::Local(handle) => {
                let region = crate::phone::parse_region(&region)
                    .map_err(|e| EngineError::Refused(format!("region: {e}")))?;
                let options = ImportOptions {
                    region,
                    ..Default::default()
                };
                let job = ImportJob::new(campaign, ImportSource::File(path), options);
                match handle.send(Command::ImportLeads(job)).await? {
                    Reply::Imported(report) => Ok(*report),
                    other => Err(EngineError::Refused(format!(
                        "the engine answered {other:?} to an import"
                    ))),
                }
            }
            Link::Remote(remote) => {
                // The engine's working directory is not this one.
                let path = std::path::absolute(&path).unwrap_or(path);
                let options = ImportFileOptions {
                    region,
                    ..Default::default()
                };
                remote.client.import_file(campaign, &path, &options).await
            }
        }
    }

    /// The latest state; `changed().await` wakes on the next. A remote link whose
    /// engine went away shows it in the snapshot's notice until it is back.
    pub fn snapshot(&self) -> watch::Receiver<Arc<Snapshot>> {
        match self {
            Link::Local(handle) => handle.snapshot(),
            Link::Remote(remote) => remote.snapshot.clone(),
        }
    }

    pub fn subscribe(&self) -> broadcast::Receiver<EngineEvent> {
        match self {
            Link::Local(handle) => handle.subscribe(),
            Link::Remote(remote) => remote.events.subscribe(),
        }
    }

    /// The client, when the engine is in another process.
    pub fn client(&self) -> Option<&EngineClient> {
        match self {
            Link::Local(_) => None,
            Link::Remote(remote) => Some(&remote.client),
        }
    }
}

impl RemoteEngine {
    /// Follows the engine behind `client`: its snapshots and events from now on,
    /// reconnecting by itself when the engine restarts.
    pub async fn follow(client: EngineClient) -> Result<Arc<RemoteEngine>, EngineError> {
        let first = client.snapshot().await?;
        let (snapshot_tx, snapshot) = watch::channel(Arc::new(first));
        let (events, _) = broadcast::channel(EVENT_BUFFER);
        let stop = CancellationToken::new();
        tokio::spawn(mirror_snapshots(client.clone(), snapshot_tx, stop.clone()));
        tokio::spawn(mirror_events(client.clone(), events.clone(), stop.clone()));
        Ok(Arc::new(RemoteEngine {
            client,
            snapshot,
            events,
            stop,
        }))
    }
}

async fn mirror_snapshots(
    client: EngineClient,
    tx: watch::Sender<Arc<Snapshot>>,
    stop: CancellationToken,
) {
    loop {
        if let Ok(stream) = client.snapshots().await {
            let mut stream = std::pin::pin!(stream);
            loop {
                tokio::select! {
                    _ = stop.cancelled() => return,
                    next = stream.next() => match next {
                        Some(snapshot) => { tx.send_replace(Arc::new(snapshot)); }
                        None => break,
                    },
                }
            }
        }
        // Gone: say so on the last state, keep trying.
        tx.send_modify(|last| {
            let mut gone = (**last).clone();
            gone.notice = Some(ENGINE_GONE.to_string());
            *last = Arc::new(gone);
        });
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(RECONNECT_EVERY) => {}
        }
    }
}

async fn mirror_events(
    client: EngineClient,
    tx: broadcast::Sender<EngineEvent>,
    stop: CancellationToken,
) {
    loop {
        if let Ok(stream) = client.events().await {
            let mut stream = std::pin::pin!(stream);
            loop {
                tokio::select! {
                    _ = stop.cancelled() => return,
                    next = stream.next() => match next {
                        Some(event) => { let _ = tx.send(event); }
                        None => break,
                    },
                }
            }
        }
        tokio::select! {
            _ = stop.cancelled() => return,
            _ = tokio::time::sleep(RECONNECT_EVERY) => {}
        }
    }
}
