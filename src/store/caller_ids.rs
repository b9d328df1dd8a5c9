//! What the store knows about each caller ID: its calls today (for its daily cap, across
//! every campaign presenting it), its last calls (for its answer rate), and whether it
//! is resting. `choose` puts those together for one dial.

use super::{from_millis, StoreError};
use crate::domain::calling_hours;
use crate::domain::local_presence::{pick_caller_id, NumberUse, PoolNumber};
use crate::domain::number_health::{rest_verdict, Health, RestVerdict, WINDOW};
use crate::domain::{CampaignId, CampaignSettings, Outcome};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension};

/// Calls presenting `number` dialled since `since`, in flight included, so a cap is
/// never overshot by calls still ringing.
pub fn calls_since(
    conn: &Connection,
    number: &str,
    since: DateTime<Utc>,
) -> Result<u64, StoreError> {
    Ok(conn
        .prepare_cached(
            "SELECT count(*) FROM attempts WHERE caller_id = ?1 AND counted = 1 AND dialed_at >= ?2",
        )?
        .query_row(params![number, since.timestamp_millis()], |r| {
            r.get::<_, i64>(0)
        })? as u64)
}

/// When the number's current rest ends, if it is resting at `now`.
pub fn resting_until(
    conn: &Connection,
    number: &str,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, StoreError> {
    Ok(conn
        .prepare_cached(
            "SELECT max(until) FROM caller_id_rests WHERE caller_id = ?1 AND until > ?2",
        )?
        .query_row(params![number, now.timestamp_millis()], |r| {
            r.get::<_, Option<i64>>(0)
        })?
        .map(from_millis))
}

/// The number's answer rate over its last `WINDOW` calls the answer rate counts
/// (`AnswerRate::decides`; `Health::from_outcomes`) since its last rest ended: a rested
/// number starts the next day with a clean slate.
pub fn health(conn: &Connection, number: &str) -> Result<Health, StoreError> {
    let since: i64 = conn
        .prepare_cached("SELECT ifnull(max(until), 0) FROM caller_id_rests WHERE caller_id = ?1")?
        .query_row([number], |r| r.get(0))?;
    let mut stmt = conn.prepare_cached(
        "SELECT state FROM attempts WHERE caller_id = ?1 AND dialed_at >= ?2
         AND state NOT IN ('queued', 'dialing', 'ringing', 'answered',
                           'not_placed', 'interrupted', 'canceled')
         ORDER BY dialed_at DESC, id DESC LIMIT ?3",
    )?;
    let states = stmt.query_map(params![number, since, WINDOW as i64], |r| {
        r.get::<_, String>(0)
    })?;
    let mut outcomes = Vec::with_capacity(WINDOW);
    for state in states {
        let state = state?;
        let outcome: Outcome = state
            .parse()
            .map_err(|e| StoreError::corrupt(format!("outcome of a call from {number}"), e))?;
        outcomes.push(outcome);
    }
    Ok(Health::from_outcomes(outcomes))
}

/// Rests `number` until `until`, saying why.
pub fn rest(
    conn: &Connection,
    number: &str,
    campaign: CampaignId,
    now: DateTime<Utc>,
    until: DateTime<Utc>,
    reason: &str,
) -> Result<(), StoreError> {
    conn.prepare_cached(
        "INSERT INTO caller_id_rests (caller_id, campaign_id, at, until, reason) VALUES (?1, ?2, ?3, ?4, ?5)",
    )?
    .execute(params![
        number,
        campaign.0,
        now.timestamp_millis(),
        until.timestamp_millis(),
        reason
    ])?;
    Ok(())
}

/// One caller ID of a campaign's pool as `status` and the console show it.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallerIdHealth {
    pub number: String,
    pub calls_today: u64,
    pub cap: Option<u32>,
    /// Answered of its last calls (at most 50).
    pub answered: usize,
    pub calls: usize,
    pub resting_until: Option<DateTime<Utc>>,
    pub rest_reason: Option<String>,
}

impl CallerIdHealth {
    pub fn health(&self) -> Health {
        Health {
            calls: self.calls,
            answered: self.answered,
        }
    }
}

/// Every pool number of a campaign with its use today and its answer rate.
pub fn pool_health(
    conn: &Connection,
    settings: &CampaignSettings,
    now: DateTime<Utc>,
) -> Result<Vec<CallerIdHealth>, StoreError> {
    let day_start = calling_hours::day_start(settings.tz(), now);
    let mut rows = Vec::with_capacity(settings.caller_ids.len());
    for number in settings.caller_ids.numbers() {
        let health = health(conn, number)?;
        let resting = resting_until(conn, number, now)?;
        let rest_reason = match resting {
            Some(_) => conn
                .prepare_cached(
                    "SELECT reason FROM caller_id_rests WHERE caller_id = ?1 AND until > ?2 ORDER BY id DESC LIMIT 1",
                )?
                .query_row(params![number, now.timestamp_millis()], |r| r.get(0))
                .optional()?,
            None => None,
        };
        rows.push(CallerIdHealth {
            number: number.clone(),
            calls_today: calls_since(conn, number, day_start)?,
            cap: settings.caller_id_daily_cap,
            answered: health.answered,
            calls: health.calls,
            resting_until: resting,
            rest_reason,
        });
    }
    Ok(rows)
}

/// What one dial presents.
#[derive(Debug, Clone, PartialEq)]
pub enum CallerIdChoice {
    /// The campaign has no pool: the trunk's own number.
    TrunkNumber,
    Picked {
        number: String,
        /// Numbers rested by this choice, with why: for the timeline.
        rested: Vec<(String, RestVerdict)>,
    },
    /// Every pool number is at its daily cap or resting until `until`.
    NoneAvailable {
        until: DateTime<Utc>,
        capped: usize,
        resting: usize,
        rested: Vec<(String, RestVerdict)>,
    },
}

/// Picks the caller ID for a call of `campaign` to `callee` at `now`: numbers whose
/// answer rate collapsed are rested first (until local midnight in the campaign's
/// zone), then capped and resting numbers are skipped, then local presence decides.
pub fn choose(
    conn: &Connection,
    campaign: CampaignId,
    settings: &CampaignSettings,
    callee: &str,
    now: DateTime<Utc>,
) -> Result<CallerIdChoice, StoreError> {
    let pool = settings.caller_ids.numbers();
    if pool.is_empty() {
        return Ok(CallerIdChoice::TrunkNumber);
    }
    let zone = settings.tz();
    let day_start = calling_hours::day_start(zone, now);
    let midnight = calling_hours::next_midnight(zone, now);
    let mut healths = Vec::with_capacity(pool.len());
    let mut resting = Vec::with_capacity(pool.len());
    for number in pool {
        healths.push(health(conn, number)?);
        resting.push(resting_until(conn, number, now)?);
    }
    let mut rested = Vec::new();
    for (index, number) in pool.iter().enumerate() {
        if resting[index].is_some() {
            continue;
        }
        if let Some(verdict) = rest_verdict(healths[index], &healths, settings.rest_floor_pct) {
            rest(conn, number, campaign, now, midnight, &verdict.to_string())?;
            resting[index] = Some(midnight);
            rested.push((number.clone(), verdict));
        }
    }
    let mut uses = Vec::with_capacity(pool.len());
    let mut capped = 0;
    for (index, number) in pool.iter().enumerate() {
        let used_today = calls_since(conn, number, day_start)?;
        let at_cap = settings
            .caller_id_daily_cap
            .is_some_and(|cap| used_today >= u64::from(cap));
        capped += usize::from(at_cap && resting[index].is_none());
        uses.push(NumberUse {
            used_today,
            available: !at_cap && resting[index].is_none(),
        });
    }
    let numbers: Vec<PoolNumber> = pool.iter().map(|n| PoolNumber::new(n)).collect();
    let turn = uses.iter().map(|u| u.used_today).sum();
    match pick_caller_id(&numbers, &uses, callee, settings.local_presence_on(), turn) {
        Some(index) => Ok(CallerIdChoice::Picked {
            number: pool[index].clone(),
            rested,
        }),
        None => {
            let resting_count = resting.iter().filter(|r| r.is_some()).count();
            // The soonest a number comes back: its rest's end, or midnight for a cap.
            let until = resting
                .iter()
                .map(|r| r.unwrap_or(midnight))
                .min()
                .unwrap_or(midnight);
            Ok(CallerIdChoice::NoneAvailable {
                until,
                capped,
                resting: resting_count,
                rested,
            })
        }
    }
}
