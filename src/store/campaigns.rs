//! Campaign rows: create, read, change settings and status.

use super::{from_millis, StoreError};
use crate::domain::{
    setting_change, CampaignId, CampaignSettings, CampaignStatus, PauseReason, SettingChange,
};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, Row};

/// A campaign as stored.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CampaignRecord {
    pub id: CampaignId,
    pub settings: CampaignSettings,
    pub status: CampaignStatus,
    pub pause_reason: Option<PauseReason>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
}

/// What `insert` needs; the id and times are the store's to give.
#[derive(Debug, Clone, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct NewCampaign {
    pub settings: CampaignSettings,
    pub now: DateTime<Utc>,
}

const COLUMNS: &str =
    "id, settings, status, pause_reason, created_at, updated_at, started_at, completed_at";

impl CampaignRecord {
    pub fn insert(conn: &Connection, new: &NewCampaign) -> Result<CampaignId, StoreError> {
        new.settings
            .validate()
            .map_err(|e| StoreError::Rejected(e.to_string()))?;
        let settings = serde_json::to_string(&new.settings)
            .map_err(|e| StoreError::corrupt("campaign settings", e))?;
        let now = new.now.timestamp_millis();
        conn.execute(
            "INSERT INTO campaigns (name, settings, status, created_at, updated_at) VALUES (?1, ?2, 'draft', ?3, ?3)",
            params![new.settings.name, settings, now],
        )?;
        Ok(CampaignId(conn.last_insert_rowid()))
    }

    /// Whether the campaign is there, without reading its settings.
    pub fn exists(conn: &Connection, id: CampaignId) -> Result<bool, StoreError> {
        Ok(conn
            .prepare_cached("SELECT EXISTS (SELECT 1 FROM campaigns WHERE id = ?1)")?
            .query_row([id.0], |r| r.get(0))?)
    }

    pub fn get(conn: &Connection, id: CampaignId) -> Result<CampaignRecord, StoreError> {
        conn.prepare_cached(&format!("SELECT {COLUMNS} FROM campaigns WHERE id = ?1"))?
            .query_row([id.0], Self::from_row)
            .optional()?
            .ok_or_else(|| StoreError::NotFound(format!("campaign {id}")))?
    }

    pub fn list(conn: &Connection) -> Result<Vec<CampaignRecord>, StoreError> {
        let mut stmt =
            conn.prepare_cached(&format!("SELECT {COLUMNS} FROM campaigns ORDER BY id"))?;
        let rows = stmt.query_map([], Self::from_row)?;
        rows.map(|r| r?).collect()
    }

    /// Replaces the settings and keeps what changed, with who changed it
    /// (`settings_changes`). While the campaign runs, only the settings that may change
    /// under it (`Setting::while_running`) are taken; the rest wait for a pause.
    pub fn update_settings(
        conn: &Connection,
        id: CampaignId,
        settings: &CampaignSettings,
        changed_by: &str,
        now: DateTime<Utc>,
    ) -> Result<Vec<SettingChange>, StoreError> {
        settings
            .validate()
            .map_err(|e| StoreError::Rejected(e.to_string()))?;
        let current = Self::get(conn, id)?;
        let changes = setting_change::changes(&current.settings, settings);
        if current.status == CampaignStatus::Running {
            if let Some(refusal) = setting_change::refused_while_running(id, &changes) {
                return Err(StoreError::Rejected(refusal));
            }
        }
        let json = serde_json::to_string(settings)
            .map_err(|e| StoreError::corrupt("campaign settings", e))?;
        conn.prepare_cached(
            "UPDATE campaigns SET name = ?2, settings = ?3, updated_at = ?4 WHERE id = ?1",
        )?
        .execute(params![id.0, settings.name, json, now.timestamp_millis()])?;
        super::settings_changes::record(conn, id, now, changed_by, &changes)?;
        Ok(changes)
    }

    /// Moves the campaign to `next`, refusing what the status machine forbids. Records
    /// the first start and the finish time.
    pub fn set_status(
        conn: &Connection,
        id: CampaignId,
        next: CampaignStatus,
        reason: Option<&PauseReason>,
        now: DateTime<Utc>,
    ) -> Result<CampaignRecord, StoreError> {
        Self::get(conn, id)?.with_status(next, reason, now)?;
        let reason_json = reason
            .map(serde_json::to_string)
            .transpose()
            .map_err(|e| StoreError::corrupt("pause reason", e))?;
        let now_ms = now.timestamp_millis();
        conn.prepare_cached(
            "UPDATE campaigns SET status = ?2, pause_reason = ?3, updated_at = ?4,
                 started_at = CASE WHEN ?2 = 'running' AND started_at IS NULL THEN ?4 ELSE started_at END,
                 completed_at = CASE WHEN ?2 IN ('completed', 'stopped') THEN ?4 ELSE completed_at END
             WHERE id = ?1",
        )?
        .execute(params![id.0, next.as_str(), reason_json, now_ms])?;
        Self::get(conn, id)
    }

    /// Writes the status part of `record` (status, pause reason and their times) as the
    /// engine holds it: the engine checked the move (`with_status`) when it made it.
    pub fn save_status(conn: &Connection, record: &CampaignRecord) -> Result<(), StoreError> {
        let reason_json = record
            .pause_reason
            .as_ref()
            .map(serde_json::to_string)
            .transpose()
            .map_err(|e| StoreError::corrupt("pause reason", e))?;
        let changed = conn
            .prepare_cached(
                "UPDATE campaigns SET status = ?2, pause_reason = ?3, updated_at = ?4,
                     started_at = ?5, completed_at = ?6
                 WHERE id = ?1",
            )?
            .execute(params![
                record.id.0,
                record.status.as_str(),
                reason_json,
                record.updated_at.timestamp_millis(),
                record.started_at.map(|at| at.timestamp_millis()),
                record.completed_at.map(|at| at.timestamp_millis()),
            ])?;
        match changed {
            0 => Err(StoreError::NotFound(format!("campaign {}", record.id))),
            _ => Ok(()),
        }
    }

    /// The record moved to `next` as `set_status` stores it, refused where the status
    /// machine forbids the move: what the engine holds in memory while the write is
    /// queued.
    pub fn with_status(
        &self,
        next: CampaignStatus,
        reason: Option<&PauseReason>,
        now: DateTime<Utc>,
    ) -> Result<CampaignRecord, StoreError> {
        if self.status != next {
            self.status
                .transition(next)
                .map_err(|e| StoreError::Rejected(e.to_string()))?;
        }
        // The store keeps milliseconds: the copy in memory is what a read gives back.
        let now = super::from_millis(now.timestamp_millis());
        let started = next == CampaignStatus::Running && self.started_at.is_none();
        let finished = matches!(next, CampaignStatus::Completed | CampaignStatus::Stopped);
        Ok(CampaignRecord {
            status: next,
            pause_reason: reason.cloned(),
            updated_at: now,
            started_at: if started { Some(now) } else { self.started_at },
            completed_at: if finished {
                Some(now)
            } else {
                self.completed_at
            },
            ..self.clone()
        })
    }

    /// Deletes the campaign with its leads, attempts and events. Refused while running
    /// or while any of its calls is in flight: its rows are what recovery follows the
    /// call by, and the call would go on unrecorded.
    pub fn delete(conn: &Connection, id: CampaignId) -> Result<(), StoreError> {
        let current = Self::get(conn, id)?;
        if current.status == CampaignStatus::Running {
            return Err(StoreError::Rejected(format!(
                "campaign {id} is running; stop it before deleting"
            )));
        }
        let live: i64 = conn
            .prepare_cached(
                "SELECT count(*) FROM attempts WHERE campaign_id = ?1
                 AND state IN ('queued', 'dialing', 'ringing', 'answered')",
            )?
            .query_row([id.0], |r| r.get(0))?;
        if live > 0 {
            return Err(StoreError::Rejected(format!(
                "campaign {id} has {live} call(s) in flight; wait for them to end (or end them from the console) before deleting"
            )));
        }
        conn.execute("DELETE FROM campaigns WHERE id = ?1", [id.0])?;
        Ok(())
    }

    fn from_row(row: &Row<'_>) -> rusqlite::Result<Result<CampaignRecord, StoreError>> {
        let id = CampaignId(row.get(0)?);
        let settings: String = row.get(1)?;
        let status: String = row.get(2)?;
        let reason: Option<String> = row.get(3)?;
        let opt_time = |i: usize| -> rusqlite::Result<Option<DateTime<Utc>>> {
            Ok(row.get::<_, Option<i64>>(i)?.map(from_millis))
        };
        let created_at = from_millis(row.get(4)?);
        let updated_at = from_millis(row.get(5)?);
        let started_at = opt_time(6)?;
        let completed_at = opt_time(7)?;
        Ok((|| {
            Ok(CampaignRecord {
                id,
                settings: serde_json::from_str(&settings)
                    .map_err(|e| StoreError::corrupt(format!("settings of campaign {id}"), e))?,
                status: status
                    .parse()
                    .map_err(|e| StoreError::corrupt(format!("status of campaign {id}"), e))?,
                pause_reason: reason
                    .map(|r| serde_json::from_str(&r))
                    .transpose()
                    .map_err(|e| {
                        StoreError::corrupt(format!("pause reason of campaign {id}"), e)
                    })?,
                created_at,
                updated_at,
                started_at,
                completed_at,
            })
        })())
    }
}
