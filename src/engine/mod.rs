//! The dialing engine: one tokio task (an actor) that owns all scheduling state — the
//! slots, the pacing clock, retry timers, window and cap checks. It receives `Command`s
//! through an `EngineHandle`, drives the `Telephony` boundary in spawned per-call tasks
//! that report back to it, persists every step through the `Store` before acting on it,
//! and publishes a `Snapshot` and `EngineEvent`s. Only the engine task changes state.

mod command;
mod event;
mod handle;
mod snapshot;

pub use command::{Command, EngineError, Reply};
pub use event::{EngineEvent, EngineEventKind};
pub use handle::EngineHandle;
pub use snapshot::{CampaignView, LeadCounts, QueuedLead, SlotView, Snapshot, DIAL_RATE_MINUTES};
