//! The columns every export has, and the times derived from an attempt's timestamps.

use crate::store::{from_millis, reports::AttemptExportRow};
use chrono::{Duration, SecondsFormat};

/// CSV header (and JSON keys) before the variables, in order.
pub const FIXED_COLUMNS: &[&str] = &[
    "attempt_id",
    "lead_id",
    "phone",
    "name",
    "attempt",
    "outcome",
    "sip_status_code",
    "sip_status",
    "twirp_code",
    "room",
    "sip_call_id",
    "dialed_at",
    "answered_at",
    "ended_at",
    "ring_seconds",
    "talk_seconds",
    "disposition",
    "agent_note",
    "disconnect_reason",
    "error",
];

/// An attempt's times as written: RFC 3339 in UTC, durations in seconds.
#[derive(Debug, Clone, PartialEq)]
pub struct Times {
    pub dialed_at: Option<String>,
    pub answered_at: Option<String>,
    pub ended_at: Option<String>,
    pub ring_seconds: Option<f64>,
    pub talk_seconds: Option<f64>,
}

impl Times {
    /// Ring and talk time as `domain::figures` defines them; `ring_timeout` is the
    /// campaign's, the cap on a ring time.
    pub fn of(row: &AttemptExportRow, ring_timeout: Duration) -> Times {
        let stamp = |ms: Option<i64>| {
            ms.map(|ms| from_millis(ms).to_rfc3339_opts(SecondsFormat::Millis, true))
        };
        let secs = |d: Option<Duration>| d.map(|d| d.num_milliseconds() as f64 / 1000.0);
        let times = row.times();
        Times {
            dialed_at: stamp(row.dialed_at),
            answered_at: stamp(row.answered_at),
            ended_at: stamp(row.ended_at),
            ring_seconds: secs(times.ring_time(ring_timeout)),
            talk_seconds: secs(times.talk_time()),
        }
    }
}
