//! A write that really writes, to learn whether the database takes writes again.

use super::StoreError;
use chrono::{DateTime, Utc};
use rusqlite::Connection;

pub fn probe_write(conn: &Connection, now: DateTime<Utc>) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO store_probe (id, at) VALUES (1, ?1) ON CONFLICT (id) DO UPDATE SET at = excluded.at",
    )?
    .execute([now.timestamp_millis()])?;
    Ok(())
}
