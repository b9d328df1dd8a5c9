//! The engine service: one engine per database, and every other process its client
//! (design.md "One engine per database"). `lock.rs` makes the OS enforce it; `host.rs`
//! is the process that holds the lock and runs the engine; `api/` is the engine
//! protocol as HTTP (JSON under `/api/v1`, server-sent events), served by `server.rs`
//! on the database's local socket (`socket.rs`) and optionally on TCP with a token;
//! `client.rs` speaks it from another process; `protocol.rs` names the commands and
//! reads it carries; `link.rs` reaches an engine wherever it runs.

pub mod api;
pub mod attach;
pub mod client;
pub mod database_file;
pub mod host;
pub mod link;
pub mod lock;
pub mod protocol;
pub mod server;
pub mod socket;

pub use client::{EngineClient, ImportFileOptions};
pub use host::{socket_for, EngineHost, HostError, HostPlan};
pub use link::{Link, RemoteEngine};
pub use lock::{EngineLock, LockError};
