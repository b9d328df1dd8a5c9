//! The dialing engine: one tokio task (an actor) that owns all scheduling state — the
//! slots, the pacing clock, retry timers, window and cap checks. It receives `Command`s
//! through an `EngineHandle`, drives the `Telephony` boundary in spawned per-call tasks
//! that report back to it, persists every step through the `Store` before acting on it,
//! and publishes a `Snapshot` and `EngineEvent`s. Only the engine task changes state.
//!
//! One concept per file. The engine task is `actor/`: its loop (`mod.rs`), start-up and
//! recovery (`start_up.rs`), the scheduler (`scheduling.rs`), reports from call tasks
//! (`call_reports.rs`), commands (`commands.rs`), status changes (`status.rs`), counts
//! (`counts.rs`), LiveKit outages (`livekit_health.rs`) and shutdown (`shutdown.rs`). One
//! call is `call/`: its protocol (`report.rs`), the dial (`dial.rs`), uncertain dials
//! (`uncertain.rs`), following it (`follow.rs`), its end (`finish.rs`) and calls resumed
//! at start-up (`resume.rs`). Beside them: `pacing.rs`, `daily_cap.rs`, `infra.rs`
//! (LiveKit back-off), `store_health.rs` (dialling held while the database cannot
//! write), `slots.rs`, `campaign_run.rs`, `clock.rs`, `config.rs`,
//! `snapshot_builder.rs`. Calling hours are the domain's (`domain::calling_hours`):
//! the store's queue reads select by them too. What a lead becomes after a call, and
//! when it is retried, is `policy/`.

mod actor;
mod call;
mod campaign_run;
pub mod clock;
mod command;
mod config;
mod daily_cap;
mod event;
mod handle;
mod holding;
mod import_job;
mod infra;
mod pacing;
mod policy;
mod query;
mod reader;
mod runs;
mod slots;
mod snapshot;
mod snapshot_builder;
mod store_health;

pub use clock::{Clock, ManualClock, SharedClock, SystemClock, TestClock};
pub use command::{Command, EngineError, Reply, TrunkUse};
pub use config::EngineConfig;
pub use event::{EngineEvent, EngineEventKind};
pub use handle::EngineHandle;
pub use import_job::{ImportFailure, ImportJob, ImportSource};
pub use query::{Answer, CampaignSummary, PageWay, Query, MAX_PAGE};
pub use reader::Reader;
pub use snapshot::{CampaignView, LeadCounts, QueuedLead, SlotView, Snapshot, DIAL_RATE_MINUTES};

use crate::store::Store;
use crate::telephony::{CallProgress, Telephony};
use std::sync::Arc;
use tokio::sync::{broadcast, mpsc, watch};

/// Told which rooms have a call to follow (a `ListParticipants` poller). Progress it
/// finds goes to the engine's progress channel like webhooks do. With a watcher, call
/// tasks do not poll their rooms themselves: it is the one, rate-bounded, poller.
pub trait RoomWatcher: Send + Sync + 'static {
    /// A call is being dialled into `room`: report it ringing or answered. The room may
    /// not exist yet, so finding it empty means nothing. Without this the phone's
    /// ringing is invisible: the dial request waits for the answer and webhooks carry
    /// no ringing.
    fn watch_dialing(&self, room: &str);
    /// The call in `room` was answered just now: a look that finds its callee gone
    /// means the call ended, and its agent, which may join later, is still reported.
    fn watch_answered(&self, room: &str);
    /// The call in `room` was found answered at start-up: as `watch_answered`, but the
    /// answer is past and nobody waits for its agent any more.
    fn watch_live(&self, room: &str) {
        self.watch_answered(room);
    }
    /// The call in `room` was placed and is not known to be answered (found dialling or
    /// ringing at start-up, or a dial whose answer never came): a room found without
    /// its callee means it ended, and it must be looked at until it is answered (the
    /// dial that would have said so is gone). Never "answered": that would hide both
    /// its answer and its agent.
    fn watch_unanswered(&self, room: &str);
    fn forget(&self, room: &str);
}

/// Capacity of the command channel: the console never blocks on a full one (it uses
/// `try_send` and shows "busy").
const COMMAND_QUEUE: usize = 256;
/// Events kept for slow subscribers before they lag.
const EVENT_BUFFER: usize = 4096;

pub struct Engine;

/// Opens (creating and migrating it if needed) the database an engine of this process
/// will own. Outside `store`, the one place a database is opened for writing: its
/// callers hold the database's engine lock first (`service::host`, the CLI), so one
/// engine, and nothing else, writes to it.
pub fn open_database(path: &std::path::Path) -> Result<Store, crate::store::StoreError> {
    Store::open(path)
}

impl Engine {
    /// Loads the store, reconciles calls left in flight by a previous run against
    /// LiveKit, resumes campaigns that were running, and starts the engine task.
    /// `progress` carries webhook and poller reports; `watcher` is told which rooms to
    /// poll (none: each call polls its own room every `config.poll_interval`).
    pub async fn spawn<T: Telephony>(
        store: Store,
        telephony: Arc<T>,
        clock: SharedClock,
        config: EngineConfig,
        progress: mpsc::Receiver<CallProgress>,
        watcher: Option<Arc<dyn RoomWatcher>>,
    ) -> Result<EngineHandle, EngineError> {
        let (commands_tx, commands) = mpsc::channel(COMMAND_QUEUE);
        let (snapshot_tx, snapshot) = watch::channel(Arc::new(Snapshot::default()));
        let (events, _) = broadcast::channel(EVENT_BUFFER);
        let mut actor = actor::Actor::new(
            store.clone(),
            telephony,
            clock,
            config,
            watcher,
            snapshot_tx,
            events.clone(),
        );
        actor.start_up().await?;
        tokio::spawn(actor.run(commands, progress));
        Ok(EngineHandle {
            commands: commands_tx,
            snapshot,
            events,
            reader: Reader::new(store),
        })
    }
}
