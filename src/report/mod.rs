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
mod histogram;
pub mod html;
mod svg;

pub use breakdown::{Breakdown, DispositionTally, GroupTally, HourTally};
pub use histogram::Histogram;

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
