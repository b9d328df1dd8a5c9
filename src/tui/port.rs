//! The console's only link to the engine: commands out without waiting, snapshot and
//! events in, and read access to the store for paged views. Built from an
//! `EngineHandle`, or by hand in tests that feed snapshots and events themselves.

use crate::engine::{Command, EngineError, EngineEvent, EngineHandle, Reply, Snapshot};
use crate::store::Store;
use std::sync::Arc;
use tokio::sync::{broadcast, oneshot, watch};

pub type ReplyReceiver = oneshot::Receiver<Result<Reply, EngineError>>;

/// Where commands go. `EngineHandle` is the real one.
pub trait CommandSink: Send + Sync {
    /// Never waits: a full queue is `EngineError::Busy`.
    fn try_send(&self, command: Command) -> Result<ReplyReceiver, EngineError>;
}

impl CommandSink for EngineHandle {
    fn try_send(&self, command: Command) -> Result<ReplyReceiver, EngineError> {
        EngineHandle::try_send(self, command)
    }
}

pub struct EnginePort {
    pub commands: Arc<dyn CommandSink>,
    pub snapshot: watch::Receiver<Arc<Snapshot>>,
    pub events: broadcast::Receiver<EngineEvent>,
    pub store: Store,
}

impl EnginePort {
    pub fn new(handle: &EngineHandle) -> EnginePort {
        EnginePort {
            commands: Arc::new(handle.clone()),
            snapshot: handle.snapshot(),
            events: handle.subscribe(),
            store: handle.store().clone(),
        }
    }
}
