//! An attempt's timeline (`attempt_events`): one row per step, with LiveKit's own time
//! for it when LiveKit gave one.

use super::{from_millis, StoreError};
use crate::domain::{AttemptEventKind, AttemptId, CampaignId};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection};

#[derive(Debug, Clone, PartialEq)]
pub struct AttemptEventRecord {
    pub attempt: AttemptId,
    pub campaign: CampaignId,
    pub at: DateTime<Utc>,
    pub kind: AttemptEventKind,
    pub detail: String,
    pub data: Option<serde_json::Value>,
}

pub fn insert(
    conn: &Connection,
    attempt: AttemptId,
    campaign: CampaignId,
    at: DateTime<Utc>,
    kind: AttemptEventKind,
    detail: &str,
    data: Option<&serde_json::Value>,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO attempt_events (attempt_id, campaign_id, at, kind, detail, data) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?
    .execute(params![
        attempt.0,
        campaign.0,
        at.timestamp_millis(),
        kind.as_str(),
        detail,
        data.map(|d| d.to_string())
    ])?;
    Ok(())
}

/// One attempt's events in the order they happened.
pub fn for_attempt(
    conn: &Connection,
    attempt: AttemptId,
) -> Result<Vec<AttemptEventRecord>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT attempt_id, campaign_id, at, kind, detail, data FROM attempt_events WHERE attempt_id = ?1 ORDER BY id",
    )?;
    let rows = stmt.query_map([attempt.0], |r| {
        Ok((
            AttemptId(r.get(0)?),
            CampaignId(r.get(1)?),
            r.get::<_, i64>(2)?,
            r.get::<_, String>(3)?,
            r.get::<_, String>(4)?,
            r.get::<_, Option<String>>(5)?,
        ))
    })?;
    rows.map(|row| {
        let (attempt, campaign, at, kind, detail, data) = row?;
        Ok(AttemptEventRecord {
            attempt,
            campaign,
            at: from_millis(at),
            kind: kind
                .parse()
                .map_err(|e| StoreError::corrupt(format!("event of attempt {attempt}"), e))?,
            detail,
            data: data
                .map(|d| serde_json::from_str(&d))
                .transpose()
                .map_err(|e| StoreError::corrupt(format!("event data of attempt {attempt}"), e))?,
        })
    })
    .collect()
}

/// The time of the attempt's newest timeline entry: the last moment anyone saw the call,
/// for a call that ended unseen while Switchboard was down.
pub fn last_seen(
    conn: &Connection,
    attempt: AttemptId,
) -> Result<Option<DateTime<Utc>>, StoreError> {
    let at: Option<i64> = conn
        .prepare_cached("SELECT max(at) FROM attempt_events WHERE attempt_id = ?1")?
        .query_row([attempt.0], |r| r.get(0))?;
    Ok(at.map(from_millis))
}
