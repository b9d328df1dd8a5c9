//! Figures the engine shows per campaign, read once when it takes a campaign up and
//! then kept current in memory: outcomes, ring and talk time (`call_figures.rs`),
//! recent dial starts.

use super::call_figures::call_figures;
use super::StoreError;
use crate::domain::{CampaignId, Outcome};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection};
use std::collections::BTreeMap;

/// Ring and talk time sums, defined in `domain::figures`.
pub use crate::domain::figures::CallDurations as DurationTotals;

#[derive(Debug, Clone, Default, PartialEq)]
pub struct CampaignStats {
    pub outcomes: BTreeMap<Outcome, u64>,
    pub durations: DurationTotals,
    /// Dial starts (unix ms) since the requested instant.
    pub recent_dials: Vec<i64>,
}

pub fn campaign_stats(
    conn: &Connection,
    campaign: CampaignId,
    dials_since: DateTime<Utc>,
) -> Result<CampaignStats, StoreError> {
    let figures = call_figures(conn, campaign)?;
    let mut stats = CampaignStats {
        outcomes: figures.outcomes,
        durations: figures.durations,
        recent_dials: Vec::new(),
    };
    let mut stmt = conn.prepare_cached(
        "SELECT dialed_at FROM attempts WHERE campaign_id = ?1 AND dialed_at >= ?2 AND counted = 1 ORDER BY dialed_at",
    )?;
    let rows = stmt.query_map(params![campaign.0, dials_since.timestamp_millis()], |r| {
        r.get(0)
    })?;
    stats.recent_dials = rows.collect::<Result<_, _>>()?;
    Ok(stats)
}
