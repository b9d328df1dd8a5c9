//! Read-side SQL for `switchboard export` and `switchboard status`: attempts streamed
//! row by row with their lead, and a campaign's counts. Nothing here loads a whole
//! campaign into memory.

use super::call_figures::call_figures;
use super::StoreError;
use crate::domain::figures::{AnswerRate, CallDurations, CallTimes, Progress};
use crate::domain::{
    compare_variants, nearest_rank, AttemptId, CampaignId, LeadId, LeadState, Outcome,
    VariantCounts, VariantReport,
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
/// How many leads each campaign has, in one read (`campaign list`).
pub fn leads_per_campaign(
    conn: &Connection,
) -> Result<std::collections::HashMap<CampaignId, u64>, StoreError> {
    let mut stmt =
        conn.prepare_cached("SELECT campaign_id, count(*) FROM leads GROUP BY campaign_id")?;
    let rows = stmt.query_map([], |r| {
        Ok((CampaignId(r.get(0)?), r.get::<_, i64>(1)? as u64))
    })?;
    Ok(rows.collect::<Result<_, _>>()?)
}

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
#[derive(
    Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize, utoipa::ToSchema,
)]
#[serde(rename_all = "camelCase")]
#[schema(as = CampaignFigures)]
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
    /// Mean talk time of the calls `calls_answered` counts.
    pub avg_talk_secs: Option<f64>,
    /// Attempts that count, dialled since `since` (the start of the local day).
    pub attempts_today: i64,
    /// Answer to agent join, over the most recent answered calls with an agent.
    pub agent_join_p50_ms: Option<u64>,
    pub agent_join_p95_ms: Option<u64>,
    /// The A/B table, when the campaign's attempts were called with variants.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variants: Option<VariantReport>,
    /// The earliest retry not yet due (`queue::next_retry_at`), when the status was read.
    #[serde(default)]
    pub next_retry_at: Option<chrono::DateTime<chrono::Utc>>,
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
/// Calls and answers are the answer rate's (`AnswerRate`), talk time and dispositions
/// those of the answered calls (`CallDurations`), each attempt read once as
/// `call_figures` reads it, so the table's rows add up to the campaign's own figures.
pub fn variant_counts(
    conn: &Connection,
    campaign: CampaignId,
) -> Result<Vec<VariantCounts>, StoreError> {
    let ring_timeout = super::call_figures::ring_timeout(conn, campaign)?;
    let mut stmt = conn.prepare_cached(
        "SELECT variant, state, dialed_at, answered_at, ended_at, disposition FROM attempts
         WHERE campaign_id = ?1 AND variant IS NOT NULL
           AND state NOT IN ('queued', 'dialing', 'ringing', 'answered')",
    )?;
    #[derive(Default)]
    struct Tally {
        rate: AnswerRate,
        durations: CallDurations,
        dispositions: BTreeMap<String, u64>,
    }
    let mut by_variant: BTreeMap<String, Tally> = BTreeMap::new();
    let mut rows = stmt.query([campaign.0])?;
    while let Some(row) = rows.next()? {
        let state: String = row.get(1)?;
        let outcome: Outcome = state
            .parse()
            .map_err(|e| StoreError::corrupt("attempt outcome", e))?;
        let tally = by_variant.entry(row.get(0)?).or_default();
        tally.rate = tally.rate.plus(outcome);
        let times = CallTimes::from_millis(row.get(2)?, row.get(3)?, row.get(4)?);
        tally.durations.add(outcome, &times, ring_timeout);
        if let Some(disposition) = row.get::<_, Option<String>>(5)? {
            if AnswerRate::counts_answered(outcome) {
                *tally.dispositions.entry(disposition).or_default() += 1;
            }
        }
    }
    Ok(by_variant
        .into_iter()
        .map(|(variant, tally)| VariantCounts {
            variant,
            calls: tally.rate.decided,
            answered: tally.rate.answered,
            talk_secs: tally.durations.talk_ms / 1000,
            dispositions: tally.dispositions,
        })
        .collect())
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
            let mut stats = campaign_stats(conn, record.id, since.timestamp_millis())?;
            stats.next_retry_at = super::queue::next_retry_at(conn, record.id, now)?;
            let caller_ids = super::caller_ids::pool_health(conn, &record.settings, now)?;
            Ok(StatusReport {
                record,
                stats,
                caller_ids,
            })
        })
        .collect()
}

/// Midnight of `now`'s day in `tz`, as UTC: the calling hours' own day
/// (`calling_hours::day_start`), so "today" is one day wherever it is counted.
pub fn local_day_start(
    now: chrono::DateTime<chrono::Utc>,
    tz: chrono_tz::Tz,
) -> chrono::DateTime<chrono::Utc> {
    crate::domain::calling_hours::day_start(tz, now)
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

#[cfg(test)]
mod figures_tests {
    use super::*;
    use crate::store::{CampaignRecord, LeadRecord, NewCampaign, NewLead};

    /// One campaign, every attempt with a variant and the same caller ID:
    /// (variant, outcome, answered after s, ended after s, counted).
    fn campaign(calls: &[(&str, &str, Option<i64>, i64, bool)]) -> (Connection, CampaignId) {
        let mut conn = Connection::open_in_memory().unwrap();
        crate::store::migrate_to(&mut conn, crate::store::LATEST_VERSION).unwrap();
        let settings = crate::domain::CampaignSettings {
            name: "t".into(),
            agent_name: "a".into(),
            trunk_id: "ST_1".into(),
            ..Default::default()
        };
        let now = chrono::Utc::now();
        let id = CampaignRecord::insert(&conn, &NewCampaign { settings, now }).unwrap();
        for (i, (variant, state, answered, ended, counted)) in calls.iter().enumerate() {
            let lead = NewLead {
                phone: format!("+1555{i:07}"),
                ..Default::default()
            };
            let lead = LeadRecord::insert(&conn, id, &lead, now).unwrap().unwrap();
            let at = |s: i64| 1_000_000 + s * 1000;
            conn.execute(
                "INSERT INTO attempts (campaign_id, lead_id, number, phone, caller_id, state, room,
                     created_at, dialed_at, answered_at, ended_at, variant, counted)
                 VALUES (?1, ?2, 1, '+1', '+19995550100', ?3, 'r' || ?2, 0, ?4, ?5, ?6, ?7, ?8)",
                params![
                    id.0,
                    lead.0,
                    state,
                    at(0),
                    answered.map(at),
                    at(*ended),
                    variant,
                    counted
                ],
            )
            .unwrap();
        }
        (conn, id)
    }

    /// The operator saw 68% in `status`, 85%/89% in the A/B table and 82-85%
    /// per caller ID at the same moment: now each is the one `AnswerRate`.
    #[test]
    fn status_the_ab_table_and_the_caller_id_agree_on_the_answer_rate() {
        let (conn, id) = campaign(&[
            ("A", "completed", Some(5), 65, true),
            // A person picked up; no agent came: answered, with its 10 s on the line.
            ("A", "agent_missing", Some(5), 15, false),
            ("A", "no_answer", None, 30, true),
            // Neither answered nor unanswered.
            ("A", "canceled", None, 3, true),
            ("A", "interrupted", None, 3, true),
            ("A", "not_placed", None, 0, false),
            ("B", "completed", Some(5), 125, true),
            ("B", "busy", None, 4, true),
            // An answer time, but it ended in an error: not an answered call, no talk.
            ("B", "error", Some(5), 305, true),
        ]);
        let stats = campaign_stats(&conn, id, 0).unwrap();
        assert_eq!((stats.calls_answered, stats.calls_decided), (3, 6));
        assert_eq!(stats.answer_rate, Some(0.5));
        // (60 + 10 + 120) / 3 in whole ms, not counting the error's 300 s.
        assert_eq!(stats.avg_talk_secs, Some(63.333));

        let table = stats.variants.expect("the A/B table");
        let (a, b) = (&table.rows[0], &table.rows[1]);
        assert_eq!(
            (a.answered, a.calls, a.answer_rate),
            (2, 3, Some(2.0 / 3.0))
        );
        assert_eq!(
            (b.answered, b.calls, b.answer_rate),
            (1, 3, Some(1.0 / 3.0))
        );
        assert_eq!(a.avg_talk_secs, Some(35.0));
        assert_eq!(b.avg_talk_secs, Some(120.0));
        assert_eq!(a.answered + b.answered, stats.calls_answered as u64);
        assert_eq!(a.calls + b.calls, stats.calls_decided as u64);

        let health = super::super::caller_ids::health(&conn, "+19995550100").unwrap();
        assert_eq!((health.answered, health.calls), (3, 6));
        assert_eq!(health.rate(), stats.answer_rate);
    }

    /// A finished campaign whose leads all go on the DNC list afterwards is still
    /// finished: not "0 of 0 leads", not 0%.
    #[test]
    fn a_lead_called_before_it_went_on_the_dnc_list_stays_called() {
        let (conn, id) = campaign(&[
            ("A", "completed", Some(5), 65, true),
            ("A", "no_answer", None, 30, true),
            // Never placed: the lead was not called.
            ("A", "not_placed", None, 0, false),
        ]);
        conn.execute(
            "UPDATE leads SET state = CASE id WHEN 3 THEN 'pending' ELSE 'done' END",
            [],
        )
        .unwrap();
        let before = campaign_stats(&conn, id, 0).unwrap().progress;
        assert_eq!((before.finished, before.callable), (2, 3));
        conn.execute("UPDATE leads SET state = 'dnc'", []).unwrap();
        let after = campaign_stats(&conn, id, 0).unwrap().progress;
        assert_eq!((after.finished, after.callable, after.dnc), (2, 2, 1));
        assert_eq!(after.total, 3);
    }
}
