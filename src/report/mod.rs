//! The campaign report (`switchboard report`, `GET /campaigns/{id}/report`): one
//! self-contained HTML file anyone can open, with no network, showing the campaign's
//! settings, its totals, calls per hour, answer rate over time, by hour of the callee's
//! day, by area code and by caller ID, the A/B variants, the ring, talk and agent-join
//! times, dispositions and do-not-call requests.
//!
//! [`build`] reads the data ([`CampaignReport`]) from a read-only connection, in one
//! read transaction so every section is the same moment of the database; [`html::render`]
//! turns it into the page, with the charts drawn as SVG by `svg.rs`.
//!
//! Every figure is the one `domain` defines: the totals are `status`'s own
//! ([`reports::status_reports`], the very function `switchboard status` runs), and each
//! breakdown tallies rows with the same `AnswerRate`, `CountedTimes` and `wilson`, so a
//! rate in any table means what it means everywhere else. Nothing loads the campaign's
//! attempts into memory: the breakdowns are one pass over the rows (`breakdown.rs`),
//! holding a tally per hour, area code, caller ID and disposition.

mod breakdown;
pub mod html;
mod svg;

pub use crate::domain::figures::Histogram;
pub use breakdown::{Breakdown, DispositionTally, GroupTally, HourTally};

use crate::domain::{CampaignId, OptOutWords};
use crate::store::reports::{self, StatusReport};
use crate::store::StoreError;
use chrono::{DateTime, Utc};
use rusqlite::Connection;
use serde::Serialize;

/// Everything the report shows about one campaign.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CampaignReport {
    pub generated_at: DateTime<Utc>,
    /// The campaign as `switchboard status` shows it: its record (settings), its
    /// totals and its caller IDs' health, read by the same function.
    pub status: StatusReport,
    pub breakdown: Breakdown,
    /// Entries on the campaign's own do-not-call list.
    pub campaign_dnc_entries: u64,
}

/// What a report depends on besides the database.
#[derive(Debug, Clone)]
pub struct ReportOptions {
    /// "Today" (the status totals' attempts today) and the report's date.
    pub now: DateTime<Utc>,
    /// The dispositions that ask not to be called again (`[engine]
    /// do_not_call_dispositions` added to the built-in words).
    pub opt_out: OptOutWords,
}

/// Reads the report of `campaign`. `NotFound` when there is no such campaign.
pub fn build(
    conn: &Connection,
    campaign: CampaignId,
    options: &ReportOptions,
) -> Result<CampaignReport, StoreError> {
    // One snapshot for every section: the engine may be writing while this reads.
    let snapshot = ReadSnapshot::begin(conn)?;
    let status = reports::status_reports(conn, Some(campaign), options.now)?
        .pop()
        .ok_or_else(|| StoreError::NotFound(format!("campaign {campaign}")))?;
    let breakdown = breakdown::tally(conn, &status.record.settings, campaign, &options.opt_out)?;
    let campaign_dnc_entries: i64 = conn
        .prepare_cached("SELECT count(*) FROM dnc WHERE campaign_id = ?1")?
        .query_row([campaign.0], |r| r.get(0))?;
    snapshot.end()?;
    Ok(CampaignReport {
        generated_at: options.now,
        status,
        breakdown,
        campaign_dnc_entries: campaign_dnc_entries as u64,
    })
}

/// A read transaction, ended however the reads end (the connection goes back to a pool).
struct ReadSnapshot<'c> {
    conn: &'c Connection,
    open: bool,
}

impl<'c> ReadSnapshot<'c> {
    fn begin(conn: &'c Connection) -> Result<Self, StoreError> {
        conn.execute_batch("BEGIN DEFERRED")?;
        Ok(ReadSnapshot { conn, open: true })
    }

    fn end(mut self) -> Result<(), StoreError> {
        self.open = false;
        Ok(self.conn.execute_batch("COMMIT")?)
    }
}

impl Drop for ReadSnapshot<'_> {
    fn drop(&mut self) {
        if self.open {
            let _ = self.conn.execute_batch("ROLLBACK");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::figures::AnswerRate;
    use crate::domain::CampaignSettings;
    use crate::store::{CampaignRecord, LeadRecord, NewCampaign, NewLead};
    use chrono::TimeZone;

    /// 14:00 UTC on a winter day: 09:00 in New York, 08:00 in Chicago, 14:00 in London.
    fn at(minute: i64) -> i64 {
        Utc.with_ymd_and_hms(2026, 1, 15, 14, 0, 0)
            .unwrap()
            .timestamp_millis()
            + minute * 60_000
    }

    /// (phone, lead zone, state, caller id, disposition, answered after s, ended after s,
    /// agent join ms), all dialled at 14:00 UTC but the last, an hour later.
    type Call = (
        &'static str,
        Option<&'static str>,
        &'static str,
        Option<&'static str>,
        Option<&'static str>,
        Option<i64>,
        Option<i64>,
        Option<i64>,
    );

    fn campaign(calls: &[Call]) -> (rusqlite::Connection, CampaignId) {
        let mut conn = rusqlite::Connection::open_in_memory().unwrap();
        crate::store::migrate_to(&mut conn, crate::store::LATEST_VERSION).unwrap();
        let settings = CampaignSettings {
            name: "t".into(),
            agent_name: "a".into(),
            trunk_id: "ST_1".into(),
            timezone: "America/New_York".into(),
            ..Default::default()
        };
        let id = CampaignRecord::insert(
            &conn,
            &NewCampaign {
                settings,
                now: Utc::now(),
            },
        )
        .unwrap();
        for (i, (phone, zone, state, caller, disposition, answered, ended, join)) in
            calls.iter().enumerate()
        {
            let lead = NewLead {
                phone: phone.to_string(),
                timezone: zone.map(String::from),
                ..Default::default()
            };
            let lead = LeadRecord::insert(&conn, id, &lead, Utc::now())
                .unwrap()
                .unwrap();
            let dialed = at(if i + 1 == calls.len() { 60 } else { 0 });
            conn.execute(
                "INSERT INTO attempts (campaign_id, lead_id, number, phone, state, room, created_at,
                     dialed_at, answered_at, ended_at, caller_id, disposition, agent_join_ms)
                 VALUES (?1, ?2, 1, ?3, ?4, 'r' || ?2, ?5, ?5, ?6, ?7, ?8, ?9, ?10)",
                rusqlite::params![
                    id.0,
                    lead.0,
                    phone,
                    state,
                    dialed,
                    answered.map(|s| dialed + s * 1000),
                    ended.map(|s| dialed + s * 1000),
                    caller,
                    disposition,
                    join
                ],
            )
            .unwrap();
        }
        (conn, id)
    }

    #[test]
    fn every_breakdown_adds_up_to_status_s_totals() {
        let (conn, id) = campaign(&[
            (
                "+12125550101",
                None,
                "completed",
                Some("+12125550100"),
                Some("interested"),
                Some(5),
                Some(65),
                Some(800),
            ),
            (
                "+12125550102",
                None,
                "no_answer",
                Some("+12125550100"),
                None,
                None,
                Some(30),
                None,
            ),
            (
                "+13125550103",
                Some("America/Chicago"),
                "completed",
                Some("+13125550100"),
                Some("Do Not Call"),
                Some(3),
                Some(13),
                Some(1200),
            ),
            (
                "+13125550104",
                Some("America/Chicago"),
                "busy",
                None,
                None,
                None,
                Some(4),
                None,
            ),
            (
                "+442079460958",
                Some("Europe/London"),
                "not_placed",
                None,
                None,
                None,
                Some(0),
                None,
            ),
            // Still ringing, an hour later.
            (
                "+442079460959",
                Some("Europe/London"),
                "ringing",
                None,
                None,
                None,
                None,
                None,
            ),
        ]);
        let options = ReportOptions {
            now: Utc::now(),
            opt_out: OptOutWords::default(),
        };
        let report = build(&conn, id, &options).unwrap();
        let (stats, b) = (&report.status.stats, &report.breakdown);
        let status = reports::status_reports(&conn, Some(id), options.now).unwrap();
        assert_eq!(report.status, status[0], "status's own figures");
        assert_eq!((stats.calls_answered, stats.calls_decided), (2, 4));

        let hours: Vec<(u64, AnswerRate)> = b.hours.iter().map(|h| (h.attempts, h.rate)).collect();
        let rate = |answered, decided| AnswerRate { answered, decided };
        assert_eq!(hours, [(5, rate(2, 4)), (1, rate(0, 0))]);
        assert_eq!(
            b.hours[1].start - b.hours[0].start,
            chrono::Duration::hours(1)
        );
        assert_eq!(b.in_flight, 1);

        // The callee's hour: New York 09, Chicago 08, London 14 (and 15, ringing).
        let local: Vec<(&str, u64, AnswerRate)> = b
            .callee_hours
            .iter()
            .filter(|h| h.attempts > 0)
            .map(|h| (h.label.as_str(), h.attempts, h.rate))
            .collect();
        assert_eq!(
            local,
            [
                ("08", 2, rate(1, 2)),
                ("09", 2, rate(1, 2)),
                ("14", 1, rate(0, 0)),
                ("15", 1, rate(0, 0))
            ]
        );

        let areas: Vec<(&str, u64)> = b
            .areas
            .iter()
            .map(|a| (a.label.as_str(), a.attempts))
            .collect();
        assert_eq!(areas, [("+1 212", 2), ("+1 312", 2), ("+44 20", 2)]);
        let callers: Vec<(&str, u64)> = b
            .caller_ids
            .iter()
            .map(|a| (a.label.as_str(), a.attempts))
            .collect();
        assert_eq!(
            callers,
            [
                ("trunk's number", 3),
                ("+12125550100", 2),
                ("+13125550100", 1)
            ]
        );

        // Ring and talk counted as CallDurations counts them: the not-placed dial has no ring.
        assert_eq!(b.ring.total, 4);
        assert_eq!(b.talk.total, 2);
        assert_eq!(b.agent_join.total, 2);
        assert_eq!(stats.avg_talk_secs, Some(35.0));

        // "Do Not Call" asks not to be called again, however it is written.
        assert_eq!(b.do_not_call_requests(), 1);
        assert!(b
            .dispositions
            .iter()
            .any(|d| d.disposition == "Do Not Call" && d.do_not_call));

        let page = html::render(&report);
        assert!(page.contains("data-figure=\"dnc-requests\" data-value=\"1\""));
        assert!(page.contains("data-figure=\"answer-rate\" data-value=\"0.5\""));
    }

    #[test]
    fn a_campaign_that_does_not_exist_is_not_found() {
        let (conn, _) = campaign(&[]);
        let options = ReportOptions {
            now: Utc::now(),
            opt_out: OptOutWords::default(),
        };
        assert!(matches!(
            build(&conn, CampaignId(42), &options),
            Err(StoreError::NotFound(_))
        ));
        // The read transaction ended with the error: the connection reads on.
        assert!(conn.is_autocommit());
    }
}
