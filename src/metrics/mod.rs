//! Prometheus metrics, served at `/metrics` on the API listener (with the bearer token
//! over TCP, open on the local socket like the rest of the API there).
//!
//! One [`Metrics`] per engine host, made by the host and handed to what it measures:
//! no global registry. Three kinds of figures, each observed once:
//!
//! - Counters and histograms of ended calls, observed where an attempt's end reaches
//!   the engine (`engine/actor/call_reports.rs`, `finished`): [`calls::CallMetrics`].
//! - Counters and latencies of the edges: LiveKit requests (`telephony/livekit.rs`,
//!   one wrapper), webhook deliveries (`telephony/webhook.rs`, one verdict), store
//!   commits (`store/writer.rs`): [`edges`].
//! - Gauges read at scrape time from the engine's latest `Snapshot` and, for each
//!   caller ID, from the store: [`snapshot::SnapshotCollector`]. Nothing is kept in
//!   step by hand, so a gauge cannot drift from what the console shows.
//!
//! Every figure is the domain's (`domain::figures`, `domain::number_health`). Labels
//! are bounded: a campaign id (bounded by the campaigns), a configured caller ID
//! (bounded by the pools), an outcome, a state, a method; never a callee's number or a
//! lead id.

pub mod caller_ids;
pub mod calls;
pub mod edges;
pub mod exposition;
mod registry;
pub mod snapshot;

pub use registry::{Metrics, CONTENT_TYPE};
