//! The do-not-call list: global entries (no campaign) and per-campaign entries.
//! Numbers are stored normalised to E.164 by the caller.

use super::{from_millis, StoreError};
use crate::domain::CampaignId;
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection};

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct DncEntry {
    pub phone: String,
    /// `None`: applies to every campaign.
    pub campaign: Option<CampaignId>,
    pub reason: Option<String>,
    pub added_at: DateTime<Utc>,
}

/// Adds the number; returns false if it was already on that list.
pub fn add(
    conn: &Connection,
    phone: &str,
    campaign: Option<CampaignId>,
    reason: Option<&str>,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let changed = conn
        .prepare_cached(
            "INSERT INTO dnc (phone, campaign_id, reason, added_at) VALUES (?1, ?2, ?3, ?4)
             ON CONFLICT DO NOTHING",
        )?
        .execute(params![
            phone,
            campaign.map(|c| c.0),
            reason,
            now.timestamp_millis()
        ])?;
    Ok(changed == 1)
}

/// Removes the number from that list; returns false if it was not there.
pub fn remove(
    conn: &Connection,
    phone: &str,
    campaign: Option<CampaignId>,
) -> Result<bool, StoreError> {
    let changed = conn.execute(
        "DELETE FROM dnc WHERE phone = ?1 AND ifnull(campaign_id, 0) = ?2",
        params![phone, campaign.map(|c| c.0).unwrap_or(0)],
    )?;
    Ok(changed > 0)
}

/// True when the number may not be called by `campaign`: on the global list or on
/// that campaign's own.
pub fn is_blocked(
    conn: &Connection,
    phone: &str,
    campaign: CampaignId,
) -> Result<bool, StoreError> {
    Ok(conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM dnc WHERE phone = ?1 AND (campaign_id IS NULL OR campaign_id = ?2))",
        )?
        .query_row(params![phone, campaign.0], |r| r.get(0))?)
}

/// Entries of one list (`Some(campaign)`), of the global list (`None`), ordered by number.
pub fn list(conn: &Connection, campaign: Option<CampaignId>) -> Result<Vec<DncEntry>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT phone, campaign_id, reason, added_at FROM dnc WHERE ifnull(campaign_id, 0) = ?1 ORDER BY phone",
    )?;
    let rows = stmt.query_map([campaign.map(|c| c.0).unwrap_or(0)], |r| {
        Ok(DncEntry {
            phone: r.get(0)?,
            campaign: r.get::<_, Option<i64>>(1)?.map(CampaignId),
            reason: r.get(2)?,
            added_at: from_millis(r.get(3)?),
        })
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}
