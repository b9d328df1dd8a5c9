//! What the console's charts draw, aggregated from a campaign's attempts in one pass:
//! dials, answer rate and outcomes per time bucket, each caller ID's answer rate per
//! bucket, each A/B variant's answer rate with its 95% interval, and the ring and
//! agent-join histograms. A series is small and bounded (at most `MAX_BUCKETS` buckets,
//! `MAX_CALLER_IDS` caller IDs) whatever the campaign's size, so the console asks for it
//! once every few seconds and draws frames from it, never from rows.
//!
//! Every figure is the domain's: `AnswerRate::plus` per call, `CountedTimes` for ring
//! time, `wilson` for the intervals, and the report's own `Histogram` bins.

use super::call_figures::ring_timeout;
use super::{CampaignRecord, StoreError};
use crate::domain::figures::{AnswerRate, CallTimes, CountedTimes, Histogram};
use crate::domain::{wilson, AttemptState, CampaignId, Interval, Outcome, TRUNK_NUMBER};
use chrono::{DateTime, Utc};
use rusqlite::{Connection, OptionalExtension};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};

/// The most buckets a series has: enough for a 200-column chart, few enough to send.
pub const MAX_BUCKETS: usize = 240;

/// The caller IDs with the most attempts get a line each; more would not be legible.
pub const MAX_CALLER_IDS: usize = 6;

/// Bucket widths tried in order, narrowest first: a minute for a campaign of a few
/// hours, an hour for one of a week, days beyond.
const WIDTHS_SECS: [i64; 8] = [60, 300, 900, 1_800, 3_600, 6 * 3_600, 86_400, 7 * 86_400];

/// One time bucket of the campaign, by when its calls were dialled.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChartBucket {
    /// Dials started in the bucket (attempts with a dial time).
    pub dials: u64,
    pub rate: AnswerRate,
    /// Ended calls by outcome.
    pub outcomes: BTreeMap<Outcome, u64>,
}

/// One caller ID's answer rate in each bucket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CallerIdSeries {
    /// The number presented, or `trunk's number`.
    pub caller_id: String,
    pub attempts: u64,
    /// One rate per bucket, as many as `ChartSeries::buckets`.
    pub rates: Vec<AnswerRate>,
}

/// One A/B variant's answer rate over the whole campaign.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct VariantRate {
    pub variant: String,
    pub rate: AnswerRate,
    /// The 95% Wilson interval; none before its first decided call.
    pub interval: Option<Interval>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ChartSeries {
    pub campaign: CampaignId,
    /// The start of the first bucket; none for a campaign without attempts.
    pub start: Option<DateTime<Utc>>,
    pub bucket_secs: u32,
    pub buckets: Vec<ChartBucket>,
    /// Most attempts first.
    pub caller_ids: Vec<CallerIdSeries>,
    /// In variant name order; empty for a campaign without variants.
    pub variants: Vec<VariantRate>,
    pub ring: Histogram,
    pub agent_join: Histogram,
    pub attempts: u64,
}

impl ChartSeries {
    /// Dials per minute in bucket `i` as of `now`. A bucket still under way counts
    /// only the minutes gone by (over its whole width it would read as a fall every
    /// time); `None` while less than a quarter of it has gone by, too short to be a
    /// rate. Without `now`, every bucket counts its whole width.
    pub fn dials_per_minute(&self, i: usize, now: Option<DateTime<Utc>>) -> Option<f64> {
        let bucket = self.buckets.get(i)?;
        let width = f64::from(self.bucket_secs);
        let gone_by = match (self.start, now) {
            (Some(start), Some(now)) => {
                let bucket_start =
                    start + chrono::Duration::seconds(i as i64 * i64::from(self.bucket_secs));
                ((now - bucket_start).num_milliseconds() as f64 / 1000.0).min(width)
            }
            _ => width,
        };
        (gone_by >= width / 4.0).then(|| bucket.dials as f64 * 60.0 / gone_by)
    }
}

/// Reads `campaign`'s attempts once, holding only the tallies.
pub fn chart_series(conn: &Connection, campaign: CampaignId) -> Result<ChartSeries, StoreError> {
    let settings = CampaignRecord::get(conn, campaign)?.settings;
    let ring_timeout = ring_timeout(conn, campaign)?;
    let mut series = ChartSeries {
        campaign,
        start: None,
        bucket_secs: WIDTHS_SECS[0] as u32,
        buckets: Vec::new(),
        caller_ids: Vec::new(),
        variants: Vec::new(),
        ring: Histogram::for_ring(settings.ringing_timeout_secs),
        agent_join: Histogram::for_agent_join(settings.agent_join_timeout_secs),
        attempts: 0,
    };
    let Some((first_ms, last_ms)) = span(conn, campaign)? else {
        return Ok(series);
    };
    let width_ms = bucket_width_secs(first_ms, last_ms) * 1000;
    let start_ms = first_ms.div_euclid(width_ms) * width_ms;
    let count = ((last_ms - start_ms).div_euclid(width_ms) + 1).max(1) as usize;
    series.start = DateTime::from_timestamp_millis(start_ms);
    series.bucket_secs = (width_ms / 1000) as u32;
    series.buckets = vec![ChartBucket::default(); count];
    // Bucket of a time; a call dialled after the span read above (the campaign runs
    // on) lands in the last bucket.
    let bucket =
        |at: i64| ((at - start_ms).div_euclid(width_ms)).clamp(0, count as i64 - 1) as usize;

    let mut caller_ids: HashMap<String, CallerIdSeries> = HashMap::new();
    let mut variants: BTreeMap<String, AnswerRate> = BTreeMap::new();
    let mut stmt = conn.prepare_cached(
        "SELECT state, dialed_at, answered_at, ended_at, created_at, caller_id, variant,
                agent_join_ms
         FROM attempts WHERE campaign_id = ?1",
    )?;
    let mut rows = stmt.query([campaign.0])?;
    while let Some(row) = rows.next()? {
        series.attempts += 1;
        let state: AttemptState = row
            .get_ref(0)?
            .as_str()
            .map_err(|e| StoreError::corrupt("attempt state", e))?
            .parse()
            .map_err(|e| StoreError::corrupt("attempt state", e))?;
        let (dialed, answered, ended): (Option<i64>, Option<i64>, Option<i64>) =
            (row.get(1)?, row.get(2)?, row.get(3)?);
        let i = bucket(dialed.unwrap_or(row.get::<_, i64>(4)?));
        let b = &mut series.buckets[i];
        b.dials += u64::from(dialed.is_some());
        let outcome = state.outcome();

        let caller_id = row.get_ref(5)?.as_str_or_null().ok().flatten();
        let caller_id = caller_id.unwrap_or(TRUNK_NUMBER);
        let group = match caller_ids.get_mut(caller_id) {
            Some(group) => group,
            None => caller_ids
                .entry(caller_id.to_owned())
                .or_insert_with(|| CallerIdSeries {
                    caller_id: caller_id.to_owned(),
                    attempts: 0,
                    rates: vec![AnswerRate::default(); count],
                }),
        };
        group.attempts += 1;

        // A call still in flight is a dial of its bucket, in no rate yet.
        let Some(outcome) = outcome else { continue };
        b.rate = b.rate.plus(outcome);
        *b.outcomes.entry(outcome).or_default() += 1;
        group.rates[i] = group.rates[i].plus(outcome);
        if let Some(variant) = row.get_ref(6)?.as_str_or_null().ok().flatten() {
            match variants.get_mut(variant) {
                Some(rate) => *rate = rate.plus(outcome),
                None => {
                    variants.insert(variant.to_owned(), AnswerRate::default().plus(outcome));
                }
            }
        }
        let times = CallTimes::from_millis(dialed, answered, ended);
        if let Some(ring) = CountedTimes::of(outcome, &times, ring_timeout).ring {
            series.ring.add(ring.num_milliseconds().max(0) as u64);
        }
        if let Some(ms) = row.get::<_, Option<i64>>(7)? {
            series.agent_join.add(ms.max(0) as u64);
        }
    }
    let mut caller_ids: Vec<CallerIdSeries> = caller_ids.into_values().collect();
    caller_ids.sort_by(|a, b| {
        b.attempts
            .cmp(&a.attempts)
            .then_with(|| a.caller_id.cmp(&b.caller_id))
    });
    caller_ids.truncate(MAX_CALLER_IDS);
    series.caller_ids = caller_ids;
    series.variants = variants
        .into_iter()
        .map(|(variant, rate)| VariantRate {
            variant,
            interval: wilson(rate.answered, rate.decided),
            rate,
        })
        .collect();
    Ok(series)
}

/// The first and last attempt's creation time, from the (campaign, id) index: ids grow
/// with time, so two index lookups bound the campaign without a scan. Dials follow
/// their creation by moments (the write-ahead row), so dial times fall in the span.
fn span(conn: &Connection, campaign: CampaignId) -> Result<Option<(i64, i64)>, StoreError> {
    let at = |order: &str| -> Result<Option<i64>, StoreError> {
        Ok(conn
            .query_row(
                &format!(
                    "SELECT coalesce(dialed_at, created_at) FROM attempts WHERE campaign_id = ?1
                     ORDER BY id {order} LIMIT 1"
                ),
                [campaign.0],
                |r| r.get(0),
            )
            .optional()?)
    };
    Ok(at("ASC")?.zip(at("DESC")?))
}

/// The narrowest width that spans `first..=last` in at most `MAX_BUCKETS` buckets.
fn bucket_width_secs(first_ms: i64, last_ms: i64) -> i64 {
    let span_secs = ((last_ms - first_ms).max(0) / 1000 + 1) as u64;
    let widest = span_secs.div_ceil(MAX_BUCKETS as u64 - 1) as i64;
    WIDTHS_SECS
        .into_iter()
        .find(|w| span_secs.div_ceil(*w as u64) < MAX_BUCKETS as u64)
        .unwrap_or(widest)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::CampaignSettings;
    use crate::store::{reports, LeadRecord, NewCampaign, NewLead};

    /// A steady 12 calls a minute reads 12 in a bucket under way as in a whole one;
    /// the first quarter of a bucket shows no figure rather than a fall or a spike.
    #[test]
    fn the_bucket_under_way_counts_the_minutes_gone_by() {
        let start = chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 6, 1, 12, 0, 0).unwrap();
        let mut series = ChartSeries {
            campaign: CampaignId(1),
            start: Some(start),
            bucket_secs: 60,
            buckets: vec![ChartBucket::default(); 2],
            caller_ids: Vec::new(),
            variants: Vec::new(),
            ring: Histogram::for_ring(30),
            agent_join: Histogram::for_agent_join(5),
            attempts: 0,
        };
        series.buckets[0].dials = 12;
        series.buckets[1].dials = 6;
        let at = |secs| Some(start + chrono::Duration::seconds(secs));
        assert_eq!(series.dials_per_minute(0, at(90)), Some(12.0));
        assert_eq!(
            series.dials_per_minute(1, at(90)),
            Some(12.0),
            "half gone by"
        );
        assert_eq!(series.dials_per_minute(1, at(70)), None, "too young");
        assert_eq!(series.dials_per_minute(1, at(600)), Some(6.0), "over");
        assert_eq!(series.dials_per_minute(1, None), Some(6.0));
        assert_eq!(series.dials_per_minute(2, at(90)), None);
    }

    /// (minute dialled, state, caller ID, variant, ring s, agent join ms)
    type Call = (
        i64,
        &'static str,
        Option<&'static str>,
        Option<&'static str>,
        i64,
        Option<i64>,
    );

    fn campaign(calls: &[Call]) -> (rusqlite::Connection, CampaignId) {
        let mut conn = rusqlite::Connection::open_in_memory().unwrap();
        crate::store::migrate_to(&mut conn, crate::store::LATEST_VERSION).unwrap();
        let settings = CampaignSettings {
            name: "t".into(),
            agent_name: "a".into(),
            trunk_id: "ST_1".into(),
            ..Default::default()
        };
        let now = Utc::now();
        let id = CampaignRecord::insert(&conn, &NewCampaign { settings, now }).unwrap();
        let start = 1_780_000_020_000_i64;
        for (i, (minute, state, caller, variant, ring, join)) in calls.iter().enumerate() {
            let lead = NewLead {
                phone: format!("+1212555{i:04}"),
                ..Default::default()
            };
            let lead = LeadRecord::insert(&conn, id, &lead, now).unwrap().unwrap();
            let dialed = start + minute * 60_000;
            let answered =
                matches!(*state, "completed" | "answered").then_some(dialed + ring * 1000);
            let ended = (*state != "answered").then_some(dialed + ring * 1000 + 30_000);
            conn.execute(
                "INSERT INTO attempts (campaign_id, lead_id, number, phone, state, room, created_at,
                     dialed_at, answered_at, ended_at, caller_id, variant, agent_join_ms)
                 VALUES (?1, ?2, 1, 'p', ?3, 'r' || ?2, ?4, ?4, ?5, ?6, ?7, ?8, ?9)",
                rusqlite::params![id.0, lead.0, state, dialed, answered, ended, caller, variant, join],
            )
            .unwrap();
        }
        (conn, id)
    }

    #[test]
    fn buckets_add_up_to_the_campaign_s_own_figures() {
        let a = Some("+12125550100");
        let (conn, id) = campaign(&[
            (0, "completed", a, Some("A"), 4, Some(700)),
            (0, "no_answer", a, Some("A"), 30, None),
            (1, "busy", None, Some("B"), 1, None),
            (1, "not_placed", None, Some("B"), 0, None),
            (3, "completed", a, Some("B"), 9, Some(1_600)),
            (3, "answered", a, None, 2, None),
        ]);
        let series = chart_series(&conn, id).unwrap();
        assert_eq!(series.bucket_secs, 60);
        assert_eq!(series.buckets.len(), 4, "minutes 0 to 3");
        assert_eq!(series.attempts, 6);
        let dials: Vec<u64> = series.buckets.iter().map(|b| b.dials).collect();
        assert_eq!(dials, [2, 2, 0, 2]);
        // Rates per bucket, by the domain's definition: not_placed and live calls count in neither.
        let rates: Vec<(u64, u64)> = series
            .buckets
            .iter()
            .map(|b| (b.rate.answered, b.rate.decided))
            .collect();
        assert_eq!(rates, [(1, 2), (0, 1), (0, 0), (1, 1)]);
        let whole = series
            .buckets
            .iter()
            .fold(AnswerRate::default(), |sum, b| sum.merged(b.rate));
        let figures = super::super::call_figures::call_figures(&conn, id).unwrap();
        assert_eq!(whole, AnswerRate::of(&figures.outcomes));
        assert_eq!(series.buckets[1].outcomes[&Outcome::NotPlaced], 1);

        assert_eq!(series.caller_ids[0].caller_id, "+12125550100");
        assert_eq!(series.caller_ids[0].attempts, 4);
        assert_eq!(series.caller_ids[1].caller_id, TRUNK_NUMBER);
        assert_eq!(series.caller_ids[1].rates[1].decided, 1);

        // Variants as the A/B table counts them.
        let table = reports::variant_counts(&conn, id).unwrap();
        assert_eq!(series.variants.len(), table.len());
        for (rate, counts) in series.variants.iter().zip(&table) {
            assert_eq!(rate.variant, counts.variant);
            assert_eq!(
                (rate.rate.answered, rate.rate.decided),
                (counts.answered, counts.calls)
            );
            assert_eq!(rate.interval, wilson(counts.answered, counts.calls));
        }

        // Ring times of ended calls but the one never placed; the unanswered two rang
        // (here) until they ended, past the 30 s cap, so they count at the cap.
        assert_eq!(series.ring.total, 4);
        assert_eq!(*series.ring.counts.last().unwrap(), 2);
        assert_eq!(series.agent_join.total, 2);

        // It crosses the socket to a console in another process as it is.
        let json = serde_json::to_string(&series).unwrap();
        let back: ChartSeries = serde_json::from_str(&json).unwrap();
        assert_eq!(back, series);
    }

    #[test]
    fn a_campaign_without_attempts_has_an_empty_series() {
        let (conn, id) = campaign(&[]);
        let series = chart_series(&conn, id).unwrap();
        assert_eq!(
            (series.start, series.buckets.len(), series.attempts),
            (None, 0, 0)
        );
    }

    #[test]
    fn buckets_widen_with_the_campaign_and_stay_few() {
        let hour = 3_600_000;
        // (span in ms, width in s)
        for (span, width) in [
            (0, 60),
            (3 * hour, 60),
            (5 * hour, 300),
            (6 * 24 * hour, 3_600),
            (40 * 24 * hour, 6 * 3_600),
        ] {
            assert_eq!(bucket_width_secs(1_000, 1_000 + span), width, "span {span}");
        }
        // Longer than any width in the table: still no more than the bound.
        let span = 100 * 365 * 24 * hour;
        let width = bucket_width_secs(0, span);
        assert!(span / 1000 / width < MAX_BUCKETS as i64, "{width}");
    }
}
