//! The columns every export has, and the times derived from an attempt's timestamps.

use crate::store::{from_millis, reports::AttemptExportRow};
use chrono::SecondsFormat;

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
    "error",
    // After the columns older exports had, so their positions hold: `phone` is the
    // number the attempt dialled, `lead_phone` the lead's primary number.
    "lead_phone",
    "caller_id",
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
    pub fn of(row: &AttemptExportRow) -> Times {
        let stamp = |ms: Option<i64>| {
            ms.map(|ms| from_millis(ms).to_rfc3339_opts(SecondsFormat::Millis, true))
        };
        let secs = |ms: Option<i64>| ms.map(|ms| ms as f64 / 1000.0);
        Times {
            dialed_at: stamp(row.dialed_at),
            answered_at: stamp(row.answered_at),
            ended_at: stamp(row.ended_at),
            ring_seconds: secs(row.ring_millis()),
            talk_seconds: secs(row.talk_millis()),
        }
    }
}
