//! Switchboard: a terminal console that runs outbound AI voice-call campaigns on LiveKit.
//!
//! The map is in design.md: `engine` owns scheduling, `telephony` is the LiveKit
//! boundary, `store` is SQLite on one writer thread, `sandbox` is a LiveKit-compatible
//! server that simulates a phone network, and `tui` is the console. Only `tui` (and the
//! binary) may use ratatui or crossterm; `tests/layers.rs` checks which way the layers
//! point.
//!
//! The sandbox is its own crate in the workspace (`crates/sandbox`): it names nothing of
//! this one, so it builds once and can be used alone. It is re-exported here as
//! `sandbox`, with the TLS set-up both use (`crates/http_tls`) as `http_tls`.

pub mod cli;
pub mod config;
pub mod domain;
pub mod engine;
pub mod export;
pub mod hangup;
pub mod import;
pub mod logging;
pub mod metrics;
pub mod paths;
pub mod phone;
pub mod report;
pub mod runtime;
pub mod secret;
pub mod service;
pub mod store;
pub mod telephony;
pub mod throttled_log;
pub mod tui;

pub use switchboard_http_tls as http_tls;
pub use switchboard_sandbox as sandbox;
