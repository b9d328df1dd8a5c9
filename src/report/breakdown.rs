//! The report's breakdowns, from one pass over the campaign's attempts (with each
//! lead's time zone): a tally per hour, per hour of the callee's day, per area code,
//! per caller ID and per disposition, and the ring, talk and agent-join histograms.
//! Memory holds the tallies, never the rows, so a million attempts cost what a
//! hundred do. Each row is counted by the domain's definitions: `AnswerRate::plus`
//! for the rates, `CountedTimes` for ring and talk time, `OptOutWords` for what asks
//! not to be called again.

use super::Histogram;
use crate::domain::figures::{AnswerRate, CallTimes, CountedTimes};
use crate::domain::{wilson, CampaignId, CampaignSettings, Disposition, Interval, OptOutWords};
use crate::domain::{AttemptState, Outcome, TRUNK_NUMBER};
use crate::store::call_figures::ring_timeout;
use crate::store::StoreError;
use chrono::{DateTime, Timelike, Utc};
use chrono_tz::Tz;
use rusqlite::types::ValueRef;
use rusqlite::Connection;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

const HOUR_MS: i64 = 3_600_000;

/// Attempts and their answer rate in one group (an area code, a caller ID, an hour).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct GroupTally {
    pub label: String,
    /// Every attempt of the group, ended or not.
    pub attempts: u64,
    pub rate: AnswerRate,
}

impl GroupTally {
    fn count(&mut self, outcome: Option<Outcome>) {
        self.attempts += 1;
        if let Some(outcome) = outcome {
            self.rate = self.rate.plus(outcome);
        }
    }

    /// The 95% Wilson interval of the group's answer rate.
    pub fn interval(&self) -> Option<Interval> {
        wilson(self.rate.answered, self.rate.decided)
    }
}

/// One hour of the campaign (by when its calls were dialled).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct HourTally {
    pub start: DateTime<Utc>,
    pub attempts: u64,
    pub rate: AnswerRate,
}

/// A disposition the agent gave, on how many calls.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct DispositionTally {
    pub disposition: String,
    /// Calls the answer rate counts as answered that carry it (the A/B table's count).
    pub answered: u64,
    /// Every attempt that carries it.
    pub attempts: u64,
    /// It asks not to be called again: the number went on the do-not-call list.
    pub do_not_call: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Breakdown {
    /// The hours that had attempts, oldest first (hours without any are not listed).
    pub hours: Vec<HourTally>,
    /// Hours 0-23 of the callee's local day (the lead's zone, else the campaign's).
    pub callee_hours: Vec<GroupTally>,
    /// By the area code of the number dialled (`+1 212`, `+44 20`), most attempts first.
    pub areas: Vec<GroupTally>,
    /// By the caller ID presented (`trunk's number` for none), most attempts first.
    pub caller_ids: Vec<GroupTally>,
    pub dispositions: Vec<DispositionTally>,
    pub ring: Histogram,
    pub talk: Histogram,
    /// Answer to agent join, over every call with an agent.
    pub agent_join: Histogram,
    /// Attempts still in flight when the report was read.
    pub in_flight: u64,
}

impl Breakdown {
    /// Attempts whose disposition asked not to be called again.
    pub fn do_not_call_requests(&self) -> u64 {
        self.dispositions
            .iter()
            .filter(|d| d.do_not_call)
            .map(|d| d.attempts)
            .sum()
    }
}

/// One pass over the attempts of `campaign`, in id order.
pub fn tally(
    conn: &Connection,
    settings: &CampaignSettings,
    campaign: CampaignId,
    opt_out: &OptOutWords,
) -> Result<Breakdown, StoreError> {
    let ring_timeout = ring_timeout(conn, campaign)?;
    let campaign_zone = settings.tz();
    let mut tally = Tally {
        hours: BTreeMap::new(),
        callee_hours: std::array::from_fn(|h| GroupTally {
            label: format!("{h:02}"),
            ..Default::default()
        }),
        nanp_areas: HashMap::new(),
        other_areas: HashMap::new(),
        caller_ids: HashMap::new(),
        dispositions: HashMap::new(),
        zones: HashMap::new(),
        ring: Histogram::for_ring(settings.ringing_timeout_secs),
        talk: Histogram::for_talk(settings.max_call_duration_secs),
        agent_join: Histogram::for_agent_join(settings.agent_join_timeout_secs),
        in_flight: 0,
    };
    let mut stmt = conn.prepare_cached(
        "SELECT a.state, a.dialed_at, a.answered_at, a.ended_at, a.created_at, a.phone,
                a.caller_id, a.agent_join_ms, a.disposition, l.timezone
         FROM attempts a JOIN leads l ON l.id = a.lead_id
         WHERE a.campaign_id = ?1",
    )?;
    let mut rows = stmt.query([campaign.0])?;
    while let Some(row) = rows.next()? {
        let state: AttemptState = text(row.get_ref(0)?)
            .unwrap_or_default()
            .parse()
            .map_err(|e| StoreError::corrupt("attempt state", e))?;
        // A call still in flight is an attempt of its hour and group, in no rate yet.
        let outcome = state.outcome();
        tally.in_flight += u64::from(outcome.is_none());
        let (dialed, answered, ended): (Option<i64>, Option<i64>, Option<i64>) =
            (row.get(1)?, row.get(2)?, row.get(3)?);
        let at = dialed.unwrap_or(row.get::<_, i64>(4)?);

        let hour = tally.hours.entry(at.div_euclid(HOUR_MS)).or_default();
        hour.attempts += 1;
        if let Some(outcome) = outcome {
            hour.rate = hour.rate.plus(outcome);
        }

        let zone = match text(row.get_ref(9)?) {
            Some(name) => tally.zone(name).unwrap_or(campaign_zone),
            None => campaign_zone,
        };
        let local_hour = DateTime::from_timestamp_millis(at)
            .map(|t| t.with_timezone(&zone).hour())
            .unwrap_or(0);
        tally.callee_hours[local_hour as usize].count(outcome);

        let phone = text(row.get_ref(5)?).unwrap_or_default();
        tally.area(phone).count(outcome);

        let caller_id = text(row.get_ref(6)?).unwrap_or(TRUNK_NUMBER);
        match tally.caller_ids.get_mut(caller_id) {
            Some(group) => group.count(outcome),
            None => {
                let mut group = GroupTally::default();
                group.count(outcome);
                tally.caller_ids.insert(caller_id.to_owned(), group);
            }
        }

        if let Some(disposition) = text(row.get_ref(8)?) {
            let answered = outcome.is_some_and(AnswerRate::counts_answered);
            tally.disposition(disposition, answered, opt_out);
        }

        let Some(outcome) = outcome else { continue };
        let times = CallTimes::from_millis(dialed, answered, ended);
        let counted = CountedTimes::of(outcome, &times, ring_timeout);
        if let Some(ring) = counted.ring {
            tally.ring.add(ring.num_milliseconds() as u64);
        }
        if let Some(talk) = counted.talk {
            tally.talk.add(talk.num_milliseconds() as u64);
        }
        if let Some(ms) = row.get::<_, Option<i64>>(7)? {
            tally.agent_join.add(ms.max(0) as u64);
        }
    }
    Ok(tally.finish())
}

fn text(value: ValueRef<'_>) -> Option<&str> {
    match value {
        ValueRef::Text(bytes) => std::str::from_utf8(bytes).ok(),
        _ => None,
    }
}

#[derive(Default)]
struct HourCount {
    attempts: u64,
    rate: AnswerRate,
}

struct Tally {
    hours: BTreeMap<i64, HourCount>,
    callee_hours: [GroupTally; 24],
    /// NANP numbers by their area code as a number (no string made per row).
    nanp_areas: HashMap<u16, GroupTally>,
    /// Other numbers by their label, from libphonenumber.
    other_areas: HashMap<String, GroupTally>,
    caller_ids: HashMap<String, GroupTally>,
    dispositions: HashMap<String, DispositionTally>,
    /// Lead zones by name, parsed once; `None` for a name that is no zone.
    zones: HashMap<String, Option<Tz>>,
    ring: Histogram,
    talk: Histogram,
    agent_join: Histogram,
    in_flight: u64,
}

impl Tally {
    fn zone(&mut self, name: &str) -> Option<Tz> {
        if let Some(zone) = self.zones.get(name) {
            return *zone;
        }
        let zone = name.parse::<Tz>().ok();
        self.zones.insert(name.to_owned(), zone);
        zone
    }

    /// The group of the number's area (`phone::locality`'s area).
    fn area(&mut self, phone: &str) -> &mut GroupTally {
        if let Some(code) = crate::phone::nanp_area_code(phone).and_then(|c| c.parse().ok()) {
            return self.nanp_areas.entry(code).or_default();
        }
        let label = match crate::phone::locality(phone) {
            Some(place) => match place.area {
                Some(area) => format!("+{} {area}", place.country),
                None => format!("+{} (no area code)", place.country),
            },
            None => "not a number".to_string(),
        };
        self.other_areas.entry(label).or_default()
    }

    fn disposition(&mut self, disposition: &str, answered: bool, opt_out: &OptOutWords) {
        let entry = match self.dispositions.get_mut(disposition) {
            Some(entry) => entry,
            None => {
                let do_not_call =
                    Disposition::new(disposition).is_some_and(|d| opt_out.matches(&d));
                self.dispositions
                    .entry(disposition.to_owned())
                    .or_insert(DispositionTally {
                        disposition: disposition.to_owned(),
                        answered: 0,
                        attempts: 0,
                        do_not_call,
                    })
            }
        };
        entry.attempts += 1;
        entry.answered += u64::from(answered);
    }

    fn finish(self) -> Breakdown {
        let hours = self
            .hours
            .into_iter()
            .map(|(hour, count)| HourTally {
                start: DateTime::from_timestamp_millis(hour * HOUR_MS).unwrap_or_default(),
                attempts: count.attempts,
                rate: count.rate,
            })
            .collect();
        let mut areas: Vec<GroupTally> = self
            .nanp_areas
            .into_iter()
            .map(|(code, group)| GroupTally {
                label: format!("+1 {code:03}"),
                ..group
            })
            .chain(
                self.other_areas
                    .into_iter()
                    .map(|(label, group)| GroupTally { label, ..group }),
            )
            .collect();
        most_attempts_first(&mut areas);
        let mut caller_ids: Vec<GroupTally> = self
            .caller_ids
            .into_iter()
            .map(|(label, group)| GroupTally { label, ..group })
            .collect();
        most_attempts_first(&mut caller_ids);
        let mut dispositions: Vec<DispositionTally> = self.dispositions.into_values().collect();
        dispositions.sort_by(|a, b| {
            (b.answered, b.attempts)
                .cmp(&(a.answered, a.attempts))
                .then_with(|| a.disposition.cmp(&b.disposition))
        });
        Breakdown {
            hours,
            callee_hours: self.callee_hours.into(),
            areas,
            caller_ids,
            dispositions,
            ring: self.ring,
            talk: self.talk,
            agent_join: self.agent_join,
            in_flight: self.in_flight,
        }
    }
}

fn most_attempts_first(groups: &mut [GroupTally]) {
    groups.sort_by(|a, b| {
        b.attempts
            .cmp(&a.attempts)
            .then_with(|| a.label.cmp(&b.label))
    });
}
