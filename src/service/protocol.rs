//! The engine protocol, as data, for its clients: commands are `engine::Command`, reads
//! are `engine::Query` (answered by the engine's read-only model, `engine::Reader`).
//! The console, the CLI and the HTTP API all speak it, whether the engine is in their
//! process or not.

pub use crate::engine::{Answer, CampaignSummary, PageWay, Query, MAX_PAGE};
