//! Read-side SQL for `switchboard export` and `switchboard status`: attempts streamed
//! row by row with their lead, and a campaign's counts. Nothing here loads a whole
//! campaign into memory.

use super::StoreError;
use crate::domain::{
    compare_variants, nearest_rank, AttemptId, CampaignId, LeadId, VariantCounts, VariantReport,
};
use rusqlite::{params, Connection};
use std::collections::BTreeMap;

/// One attempt as exported: the call, its lead, and the lead's variables.
#[derive(Debug, Clone, PartialEq)]
pub struct AttemptExportRow {
    pub attempt: AttemptId,
    pub lead: LeadId,
    pub phone: String,
    pub name: Option<String>,
    /// 1 for the lead's first attempt.
    pub number: u32,
    /// Attempt state: an outcome once ended (`no_answer`, `completed`, ...).
    pub state: String,
    pub sip_status_code: Option<i64>,
    pub sip_status: Option<String>,
    pub twirp_code: Option<String>,
    pub room: String,
    pub sip_call_id: Option<String>,
    /// Unix milliseconds, UTC.
    pub dialed_at: Option<i64>,
    pub answered_at: Option<i64>,
    pub ended_at: Option<i64>,
    pub disposition: Option<String>,
    pub error: Option<String>,
    /// The lead's variables as stored: a JSON object.
    pub variables_json: String,
    /// The A/B variant the attempt was called with.
    pub variant: Option<String>,
    /// Answer to the agent joining the room, in milliseconds.
    pub agent_join_ms: Option<i64>,
    /// Where the call's recording goes, or `failed: <why>`.
    pub recording: Option<String>,
}

impl AttemptExportRow {
    /// Dialling to answer; for a call never answered, dialling to its end (how long
    /// it rang before no answer, busy or rejection). `None` when a time is missing.
    pub fn ring_millis(&self) -> Option<i64> {
        let until = self.answered_at.or(self.ended_at)?;
        Some(until - self.dialed_at?).filter(|ms| *ms >= 0)
    }

    /// Answer to hang-up; `None` for calls not answered or not yet ended.
    pub fn talk_millis(&self) -> Option<i64> {
        Some(self.ended_at? - self.answered_at?).filter(|ms| *ms >= 0)
    }
}

/// The variable keys of a campaign's leads, roughly in the order of the imported CSV's
/// columns (first lead first, then the order within its object).
pub fn variable_keys(conn: &Connection, campaign: CampaignId) -> Result<Vec<String>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT j.key FROM leads l, json_each(l.variables) j WHERE l.campaign_id = ?1
         GROUP BY j.key ORDER BY min(l.id), min(j.id)",
    )?;
    let keys = stmt.query_map([campaign.0], |r| r.get(0))?;
    Ok(keys.collect::<Result<_, _>>()?)
}

/// Calls `each` for every attempt of the campaign in id order, one row in memory at a
/// time. `each` returning an error stops the walk and hands the error back.
pub fn for_each_attempt<E: From<StoreError>>(
    conn: &Connection,
    campaign: CampaignId,
    mut each: impl FnMut(&AttemptExportRow) -> Result<(), E>,
) -> Result<u64, E> {
    let query = || -> Result<_, StoreError> {
        Ok(conn.prepare(
            "SELECT a.id, a.lead_id, a.phone, l.name, a.number, a.state, a.sip_status_code, a.sip_status,
                    a.twirp_code, a.room, a.sip_call_id, a.dialed_at, a.answered_at, a.ended_at,
                    a.disposition, a.error, l.variables, a.variant, a.agent_join_ms,
                    coalesce(a.recording, 'failed: ' || a.recording_error)
             FROM attempts a JOIN leads l ON l.id = a.lead_id
             WHERE a.campaign_id = ?1 ORDER BY a.id",
        )?)
    };
    let mut stmt = query()?;
    let mut rows = stmt.query([campaign.0]).map_err(StoreError::from)?;
    let mut count = 0;
    while let Some(r) = rows.next().map_err(StoreError::from)? {
        let row = (|| -> rusqlite::Result<AttemptExportRow> {
            Ok(AttemptExportRow {
                attempt: AttemptId(r.get(0)?),
                lead: LeadId(r.get(1)?),
                phone: r.get(2)?,
                name: r.get(3)?,
                number: r.get(4)?,
                state: r.get(5)?,
                sip_status_code: r.get(6)?,
                sip_status: r.get(7)?,
                twirp_code: r.get(8)?,
                room: r.get(9)?,
                sip_call_id: r.get(10)?,
                dialed_at: r.get(11)?,
                answered_at: r.get(12)?,
                ended_at: r.get(13)?,
                disposition: r.get(14)?,
                error: r.get(15)?,
                variables_json: r.get(16)?,
                variant: r.get(17)?,
                agent_join_ms: r.get(18)?,
                recording: r.get(19)?,
            })
        })()
        .map_err(StoreError::from)?;
        each(&row)?;
        count += 1;
    }
    Ok(count)
}

/// What `switchboard status` shows for one campaign.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize)]
pub struct CampaignStats {
    pub leads: i64,
    /// Lead state name → count.
    pub leads_by_state: BTreeMap<String, i64>,
    pub attempts: i64,
    /// Attempt state (an outcome once ended) → count.
    pub attempts_by_outcome: BTreeMap<String, i64>,
    /// Ended attempts that placed a call (everything but `not_placed`).
    pub calls_placed: i64,
    /// Of those, the ones answered. A call still in progress counts in neither, so the
    /// rate never tops 100% while calls are live.
    pub calls_answered: i64,
    /// `calls_answered / calls_placed`; `None` before the first call.
    pub answer_rate: Option<f64>,
    /// Mean dialling-to-answer time of answered calls, from their timestamps.
    pub avg_ring_secs: Option<f64>,
    /// Mean answer-to-hang-up time of answered calls that ended.
    pub avg_talk_secs: Option<f64>,
    /// Attempts that count, dialled since `since` (the start of the local day).
    pub attempts_today: i64,
    /// Answer to agent join, over the most recent answered calls with an agent.
    pub agent_join_p50_ms: Option<u64>,
    pub agent_join_p95_ms: Option<u64>,
    /// The A/B table, when the campaign's attempts were called with variants.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variants: Option<VariantReport>,
}

pub fn campaign_stats(
    conn: &Connection,
    campaign: CampaignId,
    since_ms: i64,
) -> Result<CampaignStats, StoreError> {
    let mut stats = CampaignStats::default();
    let mut stmt =
        conn.prepare("SELECT state, count(*) FROM leads WHERE campaign_id = ?1 GROUP BY state")?;
    for row in stmt.query_map([campaign.0], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
    })? {
        let (state, n) = row?;
        stats.leads += n;
        stats.leads_by_state.insert(state, n);
    }
    let mut stmt =
        conn.prepare("SELECT state, count(*) FROM attempts WHERE campaign_id = ?1 GROUP BY state")?;
    for row in stmt.query_map([campaign.0], |r| {
        Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?))
    })? {
        let (state, n) = row?;
        stats.attempts += n;
        stats.attempts_by_outcome.insert(state, n);
    }
    let (placed, answered, ring, talk): (i64, i64, Option<f64>, Option<f64>) = conn.query_row(
        "SELECT
            count(*) FILTER (WHERE ended_at IS NOT NULL AND state <> 'not_placed'),
            count(*) FILTER (WHERE answered_at IS NOT NULL AND ended_at IS NOT NULL),
            avg(answered_at - dialed_at) FILTER (WHERE answered_at IS NOT NULL AND dialed_at IS NOT NULL),
            avg(ended_at - answered_at) FILTER (WHERE answered_at IS NOT NULL AND ended_at IS NOT NULL)
         FROM attempts WHERE campaign_id = ?1",
        [campaign.0],
        |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)),
    )?;
    stats.calls_placed = placed;
    stats.calls_answered = answered;
    stats.answer_rate = (placed > 0).then(|| answered as f64 / placed as f64);
    stats.avg_ring_secs = ring.map(|ms| ms / 1000.0);
    stats.avg_talk_secs = talk.map(|ms| ms / 1000.0);
    stats.attempts_today = conn.query_row(
        "SELECT count(*) FROM attempts WHERE campaign_id = ?1 AND counted = 1 AND ifnull(dialed_at, created_at) >= ?2",
        params![campaign.0, since_ms],
        |r| r.get(0),
    )?;
    let joins = agent_join_times(conn, campaign, AGENT_JOIN_SAMPLE)?;
    stats.agent_join_p50_ms = nearest_rank(&joins, 50);
    stats.agent_join_p95_ms = nearest_rank(&joins, 95);
    let counts = variant_counts(conn, campaign)?;
    stats.variants = (!counts.is_empty()).then(|| compare_variants(&counts));
    Ok(stats)
}

/// How many of the latest join times the percentiles are taken over.
pub const AGENT_JOIN_SAMPLE: usize = 10_000;

/// Milliseconds from answer to agent join of the campaign's latest `limit` calls.
pub fn agent_join_times(
    conn: &Connection,
    campaign: CampaignId,
    limit: usize,
) -> Result<Vec<u64>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT agent_join_ms FROM attempts WHERE campaign_id = ?1 AND agent_join_ms IS NOT NULL
         ORDER BY id DESC LIMIT ?2",
    )?;
    let rows = stmt.query_map(params![campaign.0, limit as i64], |r| r.get::<_, i64>(0))?;
    Ok(rows
        .map(|r| r.map(|ms| ms.max(0) as u64))
        .collect::<Result<_, _>>()?)
}

/// Calls, answers, talk time and dispositions per A/B variant, in variant name order.
pub fn variant_counts(
    conn: &Connection,
    campaign: CampaignId,
) -> Result<Vec<VariantCounts>, StoreError> {
    let mut stmt = conn.prepare_cached(
        "SELECT variant,
            count(*) FILTER (WHERE ended_at IS NOT NULL AND state <> 'not_placed'),
            count(*) FILTER (WHERE answered_at IS NOT NULL AND ended_at IS NOT NULL),
            ifnull(sum(ended_at - answered_at) FILTER (WHERE answered_at IS NOT NULL AND ended_at >= answered_at), 0)
         FROM attempts WHERE campaign_id = ?1 AND variant IS NOT NULL
         GROUP BY variant ORDER BY variant",
    )?;
    let mut counts: Vec<VariantCounts> = stmt
        .query_map([campaign.0], |r| {
            Ok(VariantCounts {
                variant: r.get(0)?,
                calls: r.get::<_, i64>(1)?.max(0) as u64,
                answered: r.get::<_, i64>(2)?.max(0) as u64,
                talk_secs: (r.get::<_, i64>(3)?.max(0) / 1000) as u64,
                dispositions: BTreeMap::new(),
            })
        })?
        .collect::<Result<_, _>>()?;
    let mut stmt = conn.prepare_cached(
        "SELECT variant, disposition, count(*) FROM attempts
         WHERE campaign_id = ?1 AND variant IS NOT NULL AND disposition IS NOT NULL
           AND answered_at IS NOT NULL AND ended_at IS NOT NULL
         GROUP BY variant, disposition",
    )?;
    let rows = stmt.query_map([campaign.0], |r| {
        Ok((
            r.get::<_, String>(0)?,
            r.get::<_, String>(1)?,
            r.get::<_, i64>(2)?,
        ))
    })?;
    for row in rows {
        let (variant, disposition, n) = row?;
        if let Some(entry) = counts.iter_mut().find(|c| c.variant == variant) {
            entry.dispositions.insert(disposition, n.max(0) as u64);
        }
    }
    Ok(counts)
}
