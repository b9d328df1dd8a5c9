//! Read-side SQL for `switchboard export` and `switchboard status`: attempts streamed
//! row by row with their lead, and a campaign's counts. Nothing here loads a whole
//! campaign into memory.

use super::call_figures::call_figures;
use super::StoreError;
use crate::domain::figures::{AnswerRate, CallTimes, Progress};
use crate::domain::{
    compare_variants, nearest_rank, AttemptId, CampaignId, LeadId, LeadState, VariantCounts,
    VariantReport,
};
use rusqlite::{params, Connection};
use std::collections::BTreeMap;

/// One attempt as exported: the call, its lead, and the lead's variables.
#[derive(Debug, Clone, PartialEq)]
pub struct AttemptExportRow {
    pub attempt: AttemptId,
    pub lead: LeadId,
    /// The number this attempt dialled.
    pub phone: String,
    /// The lead's primary number (differs from `phone` when an alternate was dialled).
    pub lead_phone: String,
    /// The caller ID presented; `None` for the trunk's own number.
    pub caller_id: Option<String>,
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
    /// The agent's note with its (latest) disposition.
    pub note: Option<String>,
    /// Why LiveKit says the call ended (`CLIENT_INITIATED`, `USER_UNAVAILABLE`, ...).
    pub disconnect_reason: Option<String>,
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
    /// The call's timestamps, for the durations `domain::figures` defines.
    pub fn times(&self) -> CallTimes {
        CallTimes::from_millis(self.dialed_at, self.answered_at, self.ended_at)
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

/// The attempts [`for_each_attempt`] walks.
pub fn attempt_count(conn: &Connection, campaign: CampaignId) -> Result<u64, StoreError> {
    let n: i64 = conn.query_row(
        "SELECT count(*) FROM attempts a JOIN leads l ON l.id = a.lead_id WHERE a.campaign_id = ?1",
        [campaign.0],
        |r| r.get(0),
    )?;
    Ok(n as u64)
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
                    a.disposition, a.error, l.variables, a.disconnect_reason,
                    (SELECT e.data ->> '$.note' FROM attempt_events e
                      WHERE e.attempt_id = a.id AND e.kind = 'disposition'
                      ORDER BY e.id DESC LIMIT 1),
                    l.phone, a.caller_id, a.variant, a.agent_join_ms,
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
                disconnect_reason: r.get(17)?,
                note: r.get(18)?,
                lead_phone: r.get(19)?,
                caller_id: r.get(20)?,
                variant: r.get(21)?,
                agent_join_ms: r.get(22)?,
                recording: r.get(23)?,
            })
        })()
        .map_err(StoreError::from)?;
        each(&row)?;
        count += 1;
    }
    Ok(count)
}

/// What `switchboard status` and the API's `/stats` show for one campaign. Every
/// figure is the one `domain::figures` defines, as the engine's snapshot shows it.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CampaignStats {
    pub leads: i64,
    /// Lead state name → count.
    pub leads_by_state: BTreeMap<String, i64>,
    pub progress: Progress,
    /// Every attempt, ended or not.
    pub attempts: i64,
    /// Ended attempts by outcome.
    pub attempts_by_outcome: BTreeMap<String, i64>,
    /// Attempts not ended yet (dialling, ringing, answered): in neither side of the
    /// answer rate.
    pub attempts_in_flight: i64,
    /// Ended calls the answer rate counts (`AnswerRate::decides`).
    pub calls_decided: i64,
    /// Of those, the ones answered.
    pub calls_answered: i64,
    /// `calls_answered / calls_decided`; `None` before the first such call.
    pub answer_rate: Option<f64>,
    /// Mean ring time of ended calls (dial → answer, or → end; capped at the ring timeout).
    pub avg_ring_secs: Option<f64>,
    /// Mean talk time of answered calls that ended.
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
    let counts = super::queue::lead_counts(conn, campaign)?;
    for state in LeadState::ALL {
        let n = counts.of(*state);
        if n > 0 {
            stats.leads_by_state.insert(state.to_string(), n as i64);
        }
    }
    stats.leads = counts.total() as i64;
    stats.progress = Progress::of(&counts);
    let figures = call_figures(conn, campaign)?;
    for (outcome, n) in &figures.outcomes {
        stats
            .attempts_by_outcome
            .insert(outcome.to_string(), *n as i64);
    }
    stats.attempts_in_flight = figures.in_flight as i64;
    stats.attempts = figures.outcomes.values().sum::<u64>() as i64 + stats.attempts_in_flight;
    let rate = AnswerRate::of(&figures.outcomes);
    stats.calls_decided = rate.decided as i64;
    stats.calls_answered = rate.answered as i64;
    stats.answer_rate = rate.ratio();
    let secs = |ms: Option<u64>| ms.map(|ms| ms as f64 / 1000.0);
    stats.avg_ring_secs = secs(figures.durations.mean_ring_ms());
    stats.avg_talk_secs = secs(figures.durations.mean_talk_ms());
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

/// One campaign as `switchboard status` shows it: its record and its totals, with
/// "today" counted from midnight in the campaign's time zone.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct StatusReport {
    pub record: super::CampaignRecord,
    pub stats: CampaignStats,
    /// Each caller ID of the campaign's pool: calls today, answer rate, rest.
    pub caller_ids: Vec<super::caller_ids::CallerIdHealth>,
}

/// The status of `only`, or of every campaign, at `now`. The same read whether the
/// CLI runs it on the database or asks the engine (`Query::Status`).
pub fn status_reports(
    conn: &Connection,
    only: Option<CampaignId>,
    now: chrono::DateTime<chrono::Utc>,
) -> Result<Vec<StatusReport>, StoreError> {
    let campaigns = match only {
        Some(id) => vec![super::CampaignRecord::get(conn, id)?],
        None => super::CampaignRecord::list(conn)?,
    };
    campaigns
        .into_iter()
        .map(|record| {
            let since = local_day_start(now, record.settings.tz());
            let stats = campaign_stats(conn, record.id, since.timestamp_millis())?;
            let caller_ids = super::caller_ids::pool_health(conn, &record.settings, now)?;
            Ok(StatusReport {
                record,
                stats,
                caller_ids,
            })
        })
        .collect()
}

/// Midnight of `now`'s day in `tz`, as UTC. A midnight skipped by DST counts from the
/// first instant of the day.
pub fn local_day_start(
    now: chrono::DateTime<chrono::Utc>,
    tz: chrono_tz::Tz,
) -> chrono::DateTime<chrono::Utc> {
    use chrono::TimeZone;
    let date = now.with_timezone(&tz).date_naive();
    (0..=3)
        .find_map(|hour| {
            tz.from_local_datetime(&date.and_hms_opt(hour, 0, 0)?)
                .earliest()
        })
        .map(|t| t.with_timezone(&chrono::Utc))
        .unwrap_or(now)
}

#[cfg(test)]
mod local_day_tests {
    use super::local_day_start;
    use chrono::{TimeZone, Utc};

    #[test]
    fn the_local_day_starts_at_local_midnight() {
        let now = Utc.with_ymd_and_hms(2026, 6, 1, 3, 0, 0).unwrap();
        let chicago: chrono_tz::Tz = "America/Chicago".parse().unwrap();
        // 03:00 UTC is 22:00 the day before in Chicago (CDT, UTC-5).
        assert_eq!(
            local_day_start(now, chicago),
            Utc.with_ymd_and_hms(2026, 5, 31, 5, 0, 0).unwrap()
        );
        assert_eq!(
            local_day_start(now, chrono_tz::UTC),
            Utc.with_ymd_and_hms(2026, 6, 1, 0, 0, 0).unwrap()
        );
    }
}
