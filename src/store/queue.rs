//! The engine's queue reads: the next callable leads in the dialling order
//! (`dialling_order.rs`, shared with the console's Queue pane), only where the calling
//! window is open (the caller names the open zones), so a campaign never waits behind
//! leads in a zone that is asleep; and the lead counts. Leads stay in SQLite.

use super::dialling_order::{self, OrderQuery, Way, Window};
use super::{from_millis, LeadRecord, StoreError};
use crate::domain::calling_hours::OpenZones;
use crate::domain::figures::LeadCounts;
use crate::domain::{CampaignId, LeadState};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection};

#[derive(Debug, Clone)]
pub struct QueueQuery {
    pub campaign: CampaignId,
    pub now: DateTime<Utc>,
    pub open: OpenZones,
    pub limit: u32,
}

/// A page of the queue and what the scheduler needs to know about the rest.
#[derive(Debug, Clone, Default)]
pub struct QueuePage {
    /// Callable now, in dialling order: due retries and pending leads by priority.
    pub leads: Vec<LeadRecord>,
    /// Some lead is pending, waiting for a retry or being dialled.
    pub any_open: bool,
    /// Some lead is pending or due but in a zone whose window is closed.
    pub any_waiting_for_window: bool,
    /// The earliest retry not yet due.
    pub next_retry_at: Option<DateTime<Utc>>,
}

/// Reads the next `limit` callable leads in the dialling order (`dialling_order.rs`).
/// `known_zones` are every zone name of the campaign's open leads; a name outside it
/// (a bad CSV cell) follows the campaign zone.
pub fn next_page(
    conn: &Connection,
    query: &QueueQuery,
    known_zones: &[String],
) -> Result<QueuePage, StoreError> {
    let now = query.now.timestamp_millis();
    let leads = dialling_order::read(
        conn,
        &OrderQuery {
            campaign: query.campaign,
            now: query.now,
            open: &query.open,
            known_zones,
            window: Window::Open,
            way: Way::After,
            from: None,
            limit: query.limit as usize,
            pattern: None,
        },
    )?;

    let any_open: bool = conn
        .prepare_cached(
            "SELECT EXISTS (SELECT 1 FROM leads WHERE campaign_id = ?1 AND state IN ('pending', 'retry_wait', 'dialing'))",
        )?
        .query_row([query.campaign.0], |r| r.get(0))?;
    let any_waiting_for_window = leads.is_empty()
        && conn
            .prepare_cached(
                "SELECT EXISTS (SELECT 1 FROM leads WHERE campaign_id = ?1 AND (state = 'pending'
                     OR (state = 'retry_wait' AND next_attempt_at <= ?2)))",
            )?
            .query_row(params![query.campaign.0, now], |r| r.get(0))?;
    Ok(QueuePage {
        leads,
        any_open,
        any_waiting_for_window,
        next_retry_at: next_retry_at(conn, query.campaign, query.now)?,
    })
}

/// The earliest retry of the campaign not yet due at `now`.
pub fn next_retry_at(
    conn: &Connection,
    campaign: CampaignId,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, StoreError> {
    let at: Option<i64> = conn
        .prepare_cached(
            "SELECT min(next_attempt_at) FROM leads WHERE campaign_id = ?1 AND state = 'retry_wait' AND next_attempt_at > ?2",
        )?
        .query_row(params![campaign.0, now.timestamp_millis()], |r| r.get(0))?;
    Ok(at.map(from_millis))
}

/// The zone names of a campaign's leads that may still be dialled.
pub fn zones(conn: &Connection, campaign: CampaignId) -> Result<Vec<String>, StoreError> {
    // One index probe per zone (`leads_open_zones`), not a scan of the open leads: each
    // step finds the next zone name after the last.
    let mut stmt = conn.prepare_cached(
        "WITH RECURSIVE zone(name) AS (
             SELECT min(timezone) FROM leads
              WHERE campaign_id = ?1 AND state IN ('pending', 'retry_wait') AND timezone IS NOT NULL
             UNION ALL
             SELECT (SELECT min(timezone) FROM leads
                      WHERE campaign_id = ?1 AND state IN ('pending', 'retry_wait')
                        AND timezone IS NOT NULL AND timezone > zone.name)
               FROM zone WHERE zone.name IS NOT NULL
         )
         SELECT name FROM zone WHERE name IS NOT NULL",
    )?;
    let rows = stmt.query_map([campaign.0], |r| r.get(0))?;
    Ok(rows.collect::<Result<_, _>>()?)
}

/// Leads of a campaign by state.
pub fn lead_counts(conn: &Connection, campaign: CampaignId) -> Result<LeadCounts, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT state, count(*),
                count(*) FILTER (WHERE state = 'dnc' AND EXISTS (
                    SELECT 1 FROM attempts a WHERE a.lead_id = leads.id AND a.state <> 'not_placed'))
         FROM leads WHERE campaign_id = ?1 GROUP BY state",
    )?;
    let mut rows = stmt.query([campaign.0])?;
    let mut counts = LeadCounts::default();
    while let Some(row) = rows.next()? {
        let state: String = row.get(0)?;
        let n = row.get::<_, i64>(1)? as u64;
        let state: LeadState = state
            .parse()
            .map_err(|e| StoreError::corrupt("lead state", e))?;
        *counts.slot(state) += n;
        // A DNC lead with a call placed was called before it was listed.
        counts.dnc_called += row.get::<_, i64>(2)? as u64;
    }
    Ok(counts)
}

/// Puts a lead back in the queue at once (the operator's "retry now").
pub fn requeue_now(
    conn: &Connection,
    lead: crate::domain::LeadId,
) -> Result<LeadRecord, StoreError> {
    let record = LeadRecord::get(conn, lead)?;
    record
        .state
        .transition(LeadState::Pending)
        .map_err(|e| StoreError::Rejected(e.to_string()))?;
    conn.prepare_cached(
        "UPDATE leads SET state = 'pending', next_attempt_at = NULL WHERE id = ?1",
    )?
    .execute([lead.0])?;
    LeadRecord::get(conn, lead)
}

/// Marks every lead with `phone` (in `campaign`, or in all campaigns) that is not in a
/// call as `dnc`; a lead in a call is marked when the call ends. Returns the leads changed.
pub fn mark_dnc(
    conn: &Connection,
    phone: &str,
    campaign: Option<CampaignId>,
) -> Result<Vec<(CampaignId, crate::domain::LeadId, LeadState)>, StoreError> {
    let mut stmt = conn.prepare_cached(
        // Walks the campaigns and probes UNIQUE (campaign_id, phone) in each: there is
        // no index on the number alone (schema v2). CROSS JOIN fixes that order.
        "SELECT l.campaign_id, l.id, l.state FROM campaigns c CROSS JOIN leads l
             ON l.campaign_id = c.id AND l.phone = ?1
             WHERE (?2 IS NULL OR c.id = ?2)
               AND l.state IN ('pending', 'retry_wait', 'done', 'exhausted', 'invalid')",
    )?;
    let rows = stmt.query_map(params![phone, campaign.map(|c| c.0)], |r| {
        Ok((
            CampaignId(r.get(0)?),
            crate::domain::LeadId(r.get(1)?),
            r.get::<_, String>(2)?,
        ))
    })?;
    let mut changed = Vec::new();
    for row in rows {
        let (campaign, lead, state) = row?;
        let state: LeadState = state
            .parse()
            .map_err(|e| StoreError::corrupt("lead state", e))?;
        // A lead with other numbers not on a list stays callable on those.
        if !super::lead_fate::number_on_dnc(conn, lead, campaign)? {
            continue;
        }
        conn.prepare_cached("UPDATE leads SET state = 'dnc' WHERE id = ?1")?
            .execute([lead.0])?;
        changed.push((campaign, lead, state));
    }
    Ok(changed)
}
