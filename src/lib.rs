//! Switchboard: a terminal console that runs outbound AI voice-call campaigns on LiveKit.
//!
//! The map is in design.md: `engine` owns scheduling, `telephony` is the LiveKit
//! boundary, `store` is SQLite on one writer thread, `sandbox` is a LiveKit-compatible
//! server that simulates a phone network, and `tui` is the console. Only `tui` (and the
//! binary) may use ratatui or crossterm.

pub mod cli;
pub mod config;
pub mod domain;
pub mod engine;
pub mod export;
pub mod hangup;
pub mod http_tls;
pub mod import;
pub mod logging;
pub mod metrics;
pub mod paths;
pub mod phone;
pub mod runtime;
pub mod sandbox;
pub mod service;
pub mod store;
pub mod telephony;
pub mod throttled_log;
pub mod tui;
