//! The LiveKit webhook events the engine has acted on, kept until their tokens expire, so
//! replay protection survives a restart (telephony/webhook_replay.rs holds them in
//! memory; this is where they outlive the process).

use super::{Store, StoreError};
use crate::telephony::{ReplayJournal, SeenEvent};
use rusqlite::{params, Connection};
use std::future::Future;
use std::pin::Pin;

/// Records `key` as acted on until `valid_until` (unix seconds); false when it already
/// was. Forgets the entries whose tokens have expired by `now` on the way.
pub fn remember(
    conn: &Connection,
    key: &str,
    valid_until: u64,
    now: u64,
) -> Result<bool, StoreError> {
    conn.prepare_cached("DELETE FROM webhook_events_seen WHERE valid_until < ?1")?
        .execute(params![now as i64])?;
    let inserted = conn
        .prepare_cached(
            "INSERT OR IGNORE INTO webhook_events_seen (key, valid_until) VALUES (?1, ?2)",
        )?
        .execute(params![key, valid_until as i64])?;
    Ok(inserted == 1)
}

/// Forgets `key` (an event that could not be acted on, for LiveKit to send again).
pub fn forget(conn: &Connection, key: &str) -> Result<(), StoreError> {
    conn.prepare_cached("DELETE FROM webhook_events_seen WHERE key = ?1")?
        .execute(params![key])?;
    Ok(())
}

/// The events whose tokens are still valid at `now`.
pub fn still_valid(conn: &Connection, now: u64) -> Result<Vec<SeenEvent>, StoreError> {
    let mut statement =
        conn.prepare("SELECT key, valid_until FROM webhook_events_seen WHERE valid_until >= ?1")?;
    let rows = statement.query_map(params![now as i64], |r| {
        Ok(SeenEvent {
            key: r.get(0)?,
            valid_until: r.get::<_, i64>(1)?.max(0) as u64,
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

type Answer<T> = Pin<Box<dyn Future<Output = Result<T, String>> + Send>>;

impl ReplayJournal for Store {
    fn remember(&self, key: String, valid_until: u64, now: u64) -> Answer<bool> {
        let store = self.clone();
        Box::pin(async move {
            store
                .write(move |conn| remember(conn, &key, valid_until, now))
                .await
                .map_err(|e| e.to_string())
        })
    }

    fn forget(&self, key: String) -> Answer<()> {
        let store = self.clone();
        Box::pin(async move {
            store
                .write(move |conn| forget(conn, &key))
                .await
                .map_err(|e| e.to_string())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn an_event_is_remembered_on_file_until_its_token_expires() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("seen.db");
        let store = Store::open(&path).unwrap();
        assert!(store.remember("EV_1".into(), 1_000, 900).await.unwrap());
        assert!(!store.remember("EV_1".into(), 1_000, 950).await.unwrap());
        drop(store);
        let reopened = Store::open(&path).unwrap();
        let valid = reopened.read(|c| still_valid(c, 990)).await.unwrap();
        assert_eq!(valid.len(), 1);
        assert_eq!(valid[0].key, "EV_1");
        assert!(reopened
            .read(|c| still_valid(c, 1_001))
            .await
            .unwrap()
            .is_empty());
        // Expired: the same id may come again (its token no longer verifies anyway).
        assert!(reopened
            .remember("EV_1".into(), 2_000, 1_500)
            .await
            .unwrap());
        reopened.forget("EV_1".into()).await.unwrap();
        assert!(reopened
            .remember("EV_1".into(), 2_000, 1_500)
            .await
            .unwrap());
    }
}
