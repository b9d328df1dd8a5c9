//! The settings changes of each campaign, kept as they were made: `campaign show` and
//! the API list them, and a report can say which pace produced which figures.

use super::{from_millis, StoreError};
use crate::domain::{CampaignId, SettingChange};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection};

/// One change of one setting, as kept.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = SettingsChange)]
pub struct SettingsChangeRow {
    pub at: DateTime<Utc>,
    /// Who made the change, in words
    pub changed_by: String,
    #[serde(flatten)]
    pub change: SettingChange,
}

pub fn record(
    conn: &Connection,
    campaign: CampaignId,
    at: DateTime<Utc>,
    changed_by: &str,
    changes: &[SettingChange],
) -> Result<(), StoreError> {
    let mut insert = conn.prepare_cached(
        "INSERT INTO settings_changes
             (campaign_id, at, changed_by, setting, label, old_value, new_value)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    )?;
    for change in changes {
        insert.execute(params![
            campaign.0,
            at.timestamp_millis(),
            changed_by,
            change.key,
            change.label,
            change.from,
            change.to
        ])?;
    }
    Ok(())
}

/// The campaign's last `limit` changes, oldest first.
pub fn recent(
    conn: &Connection,
    campaign: CampaignId,
    limit: usize,
) -> Result<Vec<SettingsChangeRow>, StoreError> {
    let mut rows = conn
        .prepare_cached(
            "SELECT at, changed_by, setting, label, old_value, new_value FROM settings_changes
             WHERE campaign_id = ?1 ORDER BY id DESC LIMIT ?2",
        )?
        .query_map(params![campaign.0, limit as i64], |r| {
            Ok(SettingsChangeRow {
                at: from_millis(r.get(0)?),
                changed_by: r.get(1)?,
                change: SettingChange {
                    key: r.get(2)?,
                    label: r.get(3)?,
                    from: r.get(4)?,
                    to: r.get(5)?,
                },
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    rows.reverse();
    Ok(rows)
}
