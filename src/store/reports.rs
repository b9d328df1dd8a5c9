//! Read-side SQL for `switchboard export` and `switchboard status`: attempts streamed
//! row by row with their lead, and a campaign's counts. Nothing here loads a whole
//! campaign into memory.

use super::StoreError;
use crate::domain::{AttemptId, CampaignId, LeadId};
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
                    a.disposition, a.error, l.variables
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
            })
        })()
        .map_err(StoreError::from)?;
        each(&row)?;
        count += 1;
    }
    Ok(count)
}

/// What `switchboard status` shows for one campaign.
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
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
    Ok(stats)
}

/// One campaign as `switchboard status` shows it: its record and its totals, with
/// "today" counted from midnight in the campaign's time zone.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct StatusReport {
    pub record: super::CampaignRecord,
    pub stats: CampaignStats,
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
            Ok(StatusReport { record, stats })
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
