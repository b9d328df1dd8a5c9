use super::{Answer, Command, EngineError, EngineEvent, Query, Reader, Reply, Snapshot};
use std::sync::Arc;
use tokio::sync::{broadcast, mpsc, oneshot, watch};

pub(crate) type ReplyTx = oneshot::Sender<Result<Reply, EngineError>>;

/// A command and where its answer goes.
pub(crate) struct Envelope {
    pub command: Command,
    pub reply: ReplyTx,
}

/// The engine's cloneable handle (the actor pattern of style.md): commands go in on a
/// bounded channel, each with its own reply; state comes out as the latest `Snapshot`
/// and a stream of `EngineEvent`s. The engine task ends when every handle is dropped.
#[derive(Clone)]
pub struct EngineHandle {
    pub(crate) commands: mpsc::Sender<Envelope>,
    pub(crate) snapshot: watch::Receiver<Arc<Snapshot>>,
    pub(crate) events: broadcast::Sender<EngineEvent>,
    pub(crate) reader: Reader,
}

impl EngineHandle {
    /// Sends `command` and waits for the engine's answer.
    pub async fn send(&self, command: Command) -> Result<Reply, EngineError> {
        let (reply, answer) = oneshot::channel();
        self.commands
            .send(Envelope { command, reply })
            .await
            .map_err(|_| EngineError::Stopped)?;
        answer.await.map_err(|_| EngineError::Stopped)?
    }

    /// Sends `command` without waiting; the answer arrives on the returned receiver.
    /// For the console, which must never block on the engine.
    pub fn try_send(
        &self,
        command: Command,
    ) -> Result<oneshot::Receiver<Result<Reply, EngineError>>, EngineError> {
        let (reply, answer) = oneshot::channel();
        self.commands
            .try_send(Envelope { command, reply })
            .map_err(|e| match e {
                mpsc::error::TrySendError::Full(_) => EngineError::Busy,
                mpsc::error::TrySendError::Closed(_) => EngineError::Stopped,
            })?;
        Ok(answer)
    }

    /// The latest state; `changed().await` on it wakes when a new one is published.
    pub fn snapshot(&self) -> watch::Receiver<Arc<Snapshot>> {
        self.snapshot.clone()
    }

    /// Every state change from now on.
    pub fn subscribe(&self) -> broadcast::Receiver<EngineEvent> {
        self.events.subscribe()
    }

    /// Pauses running campaigns with reason `shutdown` and ends the engine once the
    /// calls in flight finished or `grace` passed (see `Command::Shutdown`).
    pub async fn shutdown(&self, grace: std::time::Duration) -> Result<(), EngineError> {
        self.send(Command::Shutdown { grace }).await.map(|_| ())
    }

    /// Answers a read (a page of the queue or timeline, a lead's history, a status)
    /// from the engine's read-only model, without waiting behind commands.
    pub async fn query(&self, query: Query) -> Result<Answer, EngineError> {
        self.reader.answer(query).await
    }

    /// The engine's read-only model, for reads the engine's own process serves (the
    /// API's pages, exports). Writes go through commands only.
    pub fn reader(&self) -> &Reader {
        &self.reader
    }
}
