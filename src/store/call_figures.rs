//! A campaign's call figures from its attempts: ended attempts by outcome, calls still
//! in flight, and ring and talk time. Every duration is computed by
//! `domain::figures` from the attempts' own timestamps, never by SQL arithmetic, so the
//! engine, `status`, the API and export cannot disagree on what ring time is.

use super::{CampaignRecord, StoreError};
use crate::domain::figures::{CallDurations, CallTimes};
use crate::domain::{CampaignId, Outcome};
use rusqlite::Connection;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct CallFigures {
    /// Ended attempts by outcome.
    pub outcomes: BTreeMap<Outcome, u64>,
    /// Attempts not ended yet: queued, dialling, ringing or answered.
    pub in_flight: u64,
    pub durations: CallDurations,
}

/// Reads every attempt of `campaign` once, one row in memory at a time.
pub fn call_figures(conn: &Connection, campaign: CampaignId) -> Result<CallFigures, StoreError> {
    let ring_timeout = ring_timeout(conn, campaign)?;
    let mut figures = CallFigures::default();
    let mut stmt = conn.prepare_cached(
        "SELECT state, dialed_at, answered_at, ended_at FROM attempts WHERE campaign_id = ?1",
    )?;
    let mut rows = stmt.query([campaign.0])?;
    while let Some(row) = rows.next()? {
        let state: String = row.get(0)?;
        if matches!(
            state.as_str(),
            "queued" | "dialing" | "ringing" | "answered"
        ) {
            figures.in_flight += 1;
            continue;
        }
        let outcome: Outcome = state
            .parse()
            .map_err(|e| StoreError::corrupt("attempt outcome", e))?;
        *figures.outcomes.entry(outcome).or_default() += 1;
        let times = CallTimes::from_millis(row.get(1)?, row.get(2)?, row.get(3)?);
        figures.durations.add(outcome, &times, ring_timeout);
    }
    Ok(figures)
}

/// The campaign's ring timeout, the cap on every ring time of its calls.
pub fn ring_timeout(
    conn: &Connection,
    campaign: CampaignId,
) -> Result<chrono::Duration, StoreError> {
    let timeout = CampaignRecord::get(conn, campaign)?
        .settings
        .ringing_timeout();
    chrono::Duration::from_std(timeout).map_err(|e| StoreError::corrupt("ringing timeout", e))
}
