//! The variables of a user's shell that change what the binary does (its files, its
//! logs, the LiveKit it calls): a test of the binary removes them, so it runs the same
//! on any machine. Included by the CLI tests on its own (`#[path]`), without the kit.

pub const SWITCHBOARD_ENV: [&str; 9] = [
    "SWITCHBOARD_CONFIG",
    "SWITCHBOARD_DB",
    "SWITCHBOARD_LOG",
    "RUST_LOG",
    "LIVEKIT_URL",
    "LIVEKIT_API_KEY",
    "LIVEKIT_API_SECRET",
    "XDG_CONFIG_HOME",
    "XDG_DATA_HOME",
];
