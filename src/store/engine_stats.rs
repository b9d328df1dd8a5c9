//! Figures the engine shows per campaign, read once when it takes a campaign up and
//! then kept current in memory: outcomes, ring and talk time, recent dial starts.

use super::StoreError;
use crate::domain::{CampaignId, Outcome};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection};
use std::collections::BTreeMap;

/// Sums of real durations, so means stay exact as calls are added.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DurationTotals {
    pub ring_ms: u64,
    pub rings: u64,
    pub talk_ms: u64,
    pub talks: u64,
}

impl DurationTotals {
    pub fn mean_ring_ms(&self) -> Option<u64> {
        (self.rings > 0).then(|| self.ring_ms / self.rings)
    }

    pub fn mean_talk_ms(&self) -> Option<u64> {
        (self.talks > 0).then(|| self.talk_ms / self.talks)
    }
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct CampaignStats {
    pub outcomes: BTreeMap<Outcome, u64>,
    pub durations: DurationTotals,
    /// Dial starts (unix ms) since the requested instant.
    pub recent_dials: Vec<i64>,
    /// Answer-to-agent-join times of the latest calls, oldest first, at most
    /// [`AGENT_JOINS_KEPT`], for the header's p50/p95.
    pub agent_joins_ms: Vec<u64>,
}

/// Join times the engine keeps per campaign: enough for a steady p95, bounded memory.
pub const AGENT_JOINS_KEPT: usize = 1_000;

impl CampaignStats {
    /// Adds one call's join time, dropping the oldest past the bound.
    pub fn agent_joined(&mut self, ms: u64) {
        self.agent_joins_ms.push(ms);
        if self.agent_joins_ms.len() > AGENT_JOINS_KEPT {
            let excess = self.agent_joins_ms.len() - AGENT_JOINS_KEPT;
            self.agent_joins_ms.drain(..excess);
        }
    }
}

pub fn campaign_stats(
    conn: &Connection,
    campaign: CampaignId,
    dials_since: DateTime<Utc>,
) -> Result<CampaignStats, StoreError> {
    let mut stats = CampaignStats::default();
    let mut stmt = conn.prepare_cached(
        "SELECT state, count(*) FROM attempts WHERE campaign_id = ?1
             AND state NOT IN ('queued', 'dialing', 'ringing', 'answered') GROUP BY state",
    )?;
    let mut rows = stmt.query([campaign.0])?;
    while let Some(row) = rows.next()? {
        let state: String = row.get(0)?;
        let outcome: Outcome = state
            .parse()
            .map_err(|e| StoreError::corrupt("attempt outcome", e))?;
        stats.outcomes.insert(outcome, row.get::<_, i64>(1)? as u64);
    }
    let (ring_ms, rings, talk_ms, talks): (Option<i64>, i64, Option<i64>, i64) = conn
        .prepare_cached(
            "SELECT sum(CASE WHEN answered_at IS NOT NULL THEN answered_at - dialed_at END),
                    count(CASE WHEN answered_at IS NOT NULL THEN 1 END),
                    sum(CASE WHEN state = 'completed' THEN ended_at - answered_at END),
                    count(CASE WHEN state = 'completed' THEN 1 END)
             FROM attempts WHERE campaign_id = ?1 AND dialed_at IS NOT NULL",
        )?
        .query_row([campaign.0], |r| {
            Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?))
        })?;
    stats.durations = DurationTotals {
        ring_ms: ring_ms.unwrap_or(0).max(0) as u64,
        rings: rings as u64,
        talk_ms: talk_ms.unwrap_or(0).max(0) as u64,
        talks: talks as u64,
    };
    let mut stmt = conn.prepare_cached(
        "SELECT dialed_at FROM attempts WHERE campaign_id = ?1 AND dialed_at >= ?2 AND counted = 1 ORDER BY dialed_at",
    )?;
    let rows = stmt.query_map(params![campaign.0, dials_since.timestamp_millis()], |r| {
        r.get(0)
    })?;
    stats.recent_dials = rows.collect::<Result<_, _>>()?;
    let mut joins = super::reports::agent_join_times(conn, campaign, AGENT_JOINS_KEPT)?;
    joins.reverse();
    stats.agent_joins_ms = joins;
    Ok(stats)
}
