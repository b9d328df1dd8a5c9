//! The console's door to the engine: commands out without waiting, snapshot and events
//! in, and everything else (paged views, a campaign's record, imports) asked of the
//! engine through its protocol. The console never opens the database: built from a
//! `Link`, the same code serves an engine in this process (`demo`, tests) and one in
//! another (`switchboard`), or a hand-fed engine in tests. Only `effects.rs` calls
//! `EngineCalls` (and holds its `Link` implementation); the runner reads the streams.

use crate::domain::CampaignId;
use crate::engine::{Command, EngineError, EngineEvent, Reply, Snapshot};
use crate::import::ImportReport;
use crate::service::protocol::{Answer, Query};
use crate::service::Link;
use futures::future::BoxFuture;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::sync::{broadcast, oneshot, watch};

pub type ReplyReceiver = oneshot::Receiver<Result<Reply, EngineError>>;

/// What the console asks of the engine. `Link` is the real one.
pub trait EngineCalls: Send + Sync {
    /// Never waits: a full queue is `EngineError::Busy`.
    fn try_send(&self, command: Command) -> Result<ReplyReceiver, EngineError>;

    /// A read the snapshot does not hold (a page of the queue or timeline, a lead's
    /// history, a campaign's record).
    fn query(&self, query: Query) -> BoxFuture<'static, Result<Answer, EngineError>>;

    /// Imports the CSV file at `path` into `campaign`.
    fn import_file(
        &self,
        campaign: CampaignId,
        path: PathBuf,
        region: String,
    ) -> BoxFuture<'static, Result<ImportReport, EngineError>>;
}

pub struct EnginePort {
    pub engine: Arc<dyn EngineCalls>,
    pub snapshot: watch::Receiver<Arc<Snapshot>>,
    pub events: broadcast::Receiver<EngineEvent>,
    /// Starts a new engine on the same database when the one followed is gone (a
    /// console attached to a background engine); `None` where the console holds the
    /// engine itself.
    pub start_engine: Option<EngineStarter>,
}

/// Starts an engine in the background; the link finds it on its socket by itself.
pub type EngineStarter = Arc<
    dyn Fn() -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<(), String>> + Send>>
        + Send
        + Sync,
>;

impl EnginePort {
    pub fn new(link: &Link) -> EnginePort {
        EnginePort {
            engine: Arc::new(link.clone()),
            snapshot: link.snapshot(),
            events: link.subscribe(),
            start_engine: None,
        }
    }

    /// This port, offering `start` when its engine is gone.
    pub fn with_starter(self, start: EngineStarter) -> EnginePort {
        EnginePort {
            start_engine: Some(start),
            ..self
        }
    }
}
