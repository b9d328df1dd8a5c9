//! Lead rows. Bulk import lives in `crate::import`; dialling order in `queue.rs`.

use super::{from_millis, StoreError};
use crate::domain::{CampaignId, LeadId, LeadState, Outcome};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, Row};
use serde_json::{Map, Value};

/// A lead as stored.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Lead)]
pub struct LeadRecord {
    pub id: LeadId,
    pub campaign: CampaignId,
    /// E.164.
    pub phone: String,
    pub name: Option<String>,
    /// IANA zone given in the CSV or inferred from the number; null means the
    /// campaign's zone applies.
    pub timezone: Option<String>,
    pub priority: i64,
    /// Every extra CSV column, handed to the agent.
    #[schema(value_type = Object)]
    pub variables: Map<String, Value>,
    pub state: LeadState,
    /// Attempts that count toward `max_attempts`.
    pub attempts: u32,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_outcome: Option<Outcome>,
    pub import_line: Option<u64>,
    pub created_at: DateTime<Utc>,
}

/// A lead to insert.
#[derive(Debug, Clone, Default)]
pub struct NewLead {
    pub phone: String,
    pub name: Option<String>,
    pub timezone: Option<String>,
    pub priority: i64,
    pub variables: Map<String, Value>,
    pub import_line: Option<u64>,
    /// Inserted as `dnc` rather than `pending` when the number is on a DNC list.
    pub dnc: bool,
}

pub const LEAD_COLUMNS: &str =
    "id, campaign_id, phone, name, timezone, priority, variables, state, \
     attempts, next_attempt_at, last_outcome, import_line, created_at";

impl LeadRecord {
    /// Inserts one lead; `Ok(None)` when the campaign already has that number.
    pub fn insert(
        conn: &Connection,
        campaign: CampaignId,
        lead: &NewLead,
        now: DateTime<Utc>,
    ) -> Result<Option<LeadId>, StoreError> {
        let variables = Value::Object(lead.variables.clone()).to_string();
        let state = if lead.dnc {
            LeadState::Dnc
        } else {
            LeadState::Pending
        };
        let changed = conn
            .prepare_cached(
                "INSERT INTO leads (campaign_id, phone, name, timezone, priority, variables, state, import_line, created_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT (campaign_id, phone) DO NOTHING",
            )?
            .execute(params![
                campaign.0,
                lead.phone,
                lead.name,
                lead.timezone,
                lead.priority,
                variables,
                state.as_str(),
                lead.import_line.map(|l| l as i64),
                now.timestamp_millis()
            ])?;
        Ok((changed == 1).then(|| LeadId(conn.last_insert_rowid())))
    }

    pub fn get(conn: &Connection, id: LeadId) -> Result<LeadRecord, StoreError> {
        conn.prepare_cached(&format!("SELECT {LEAD_COLUMNS} FROM leads WHERE id = ?1"))?
            .query_row([id.0], Self::from_row)
            .optional()?
            .ok_or_else(|| StoreError::NotFound(format!("lead {id}")))?
    }

    /// Reads a row selected with `LEAD_COLUMNS`, in that order.
    pub fn from_row(row: &Row<'_>) -> rusqlite::Result<Result<LeadRecord, StoreError>> {
        let id = LeadId(row.get(0)?);
        let variables: String = row.get(6)?;
        let state: String = row.get(7)?;
        let last_outcome: Option<String> = row.get(10)?;
        let partial = LeadRecord {
            id,
            campaign: CampaignId(row.get(1)?),
            phone: row.get(2)?,
            name: row.get(3)?,
            timezone: row.get(4)?,
            priority: row.get(5)?,
            variables: Map::new(),
            state: LeadState::Pending,
            attempts: row.get(8)?,
            next_attempt_at: row.get::<_, Option<i64>>(9)?.map(from_millis),
            last_outcome: None,
            import_line: row.get::<_, Option<i64>>(11)?.map(|l| l as u64),
            created_at: from_millis(row.get(12)?),
        };
        Ok((|| {
            let what = |field: &str| format!("{field} of lead {id}");
            Ok(LeadRecord {
                variables: match serde_json::from_str(&variables) {
                    Ok(Value::Object(map)) => map,
                    Ok(_) => {
                        return Err(StoreError::corrupt(what("variables"), "not a JSON object"))
                    }
                    Err(e) => return Err(StoreError::corrupt(what("variables"), e)),
                },
                state: state
                    .parse()
                    .map_err(|e| StoreError::corrupt(what("state"), e))?,
                last_outcome: last_outcome
                    .map(|o| o.parse())
                    .transpose()
                    .map_err(|e| StoreError::corrupt(what("last outcome"), e))?,
                ..partial
            })
        })())
    }
}
