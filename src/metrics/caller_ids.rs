//! Each configured caller ID's answer rate, read at scrape time with the very function
//! `status` and the console use (`store::caller_ids::health`, over
//! `domain::number_health::Health`), so the metric and the screen cannot disagree.

use crate::domain::number_health::Health;
use crate::store::{CampaignRecord, StoreError};
use rusqlite::Connection;
use std::collections::BTreeSet;

/// One caller ID and its health over its last calls.
#[derive(Debug, Clone, PartialEq)]
pub struct CallerIdRate {
    /// A number of a campaign's configured pool: bounded by the pools, never a callee.
    pub number: String,
    pub health: Health,
}

/// Every number of every campaign's pool (each once), with its health.
pub fn caller_id_rates(conn: &Connection) -> Result<Vec<CallerIdRate>, StoreError> {
    let numbers: BTreeSet<String> = CampaignRecord::list(conn)?
        .into_iter()
        .flat_map(|record| record.settings.caller_ids.numbers().to_vec())
        .collect();
    numbers
        .into_iter()
        .map(|number| {
            let health = crate::store::caller_ids::health(conn, &number)?;
            Ok(CallerIdRate { number, health })
        })
        .collect()
}
