//! The engine's read-only model: what clients read, from the store's read pool (SQLite
//! connections opened read-only, so nothing here can write, and a long read never holds
//! up the writer or the engine task). Changes go through `Command`s alone.

use super::query::{Answer, CampaignSummary, PageWay, Query, MAX_PAGE};
use super::EngineError;
use crate::store::lead_search::{self, LeadFilter};
use crate::store::{reports, views, CampaignRecord, Store, StoreError};
use chrono::Utc;
use rusqlite::Connection;

#[derive(Clone)]
pub struct Reader {
    store: Store,
}

/// A store read through its read-only connections (exports and tests on a file no
/// engine runs on).
impl From<&Store> for Reader {
    fn from(store: &Store) -> Reader {
        Reader::new(store.clone())
    }
}

impl From<&Reader> for Reader {
    fn from(reader: &Reader) -> Reader {
        reader.clone()
    }
}

impl Reader {
    pub(crate) fn new(store: Store) -> Reader {
        Reader { store }
    }

    /// Runs `read` on a read-only connection on a blocking thread.
    pub async fn read<T, F>(&self, read: F) -> Result<T, StoreError>
    where
        T: Send + 'static,
        F: FnOnce(&Connection) -> Result<T, StoreError> + Send + 'static,
    {
        self.store.read(read).await
    }

    /// Like `read`, on the calling thread (exports streaming to a writer).
    pub fn read_blocking<T, F>(&self, read: F) -> Result<T, StoreError>
    where
        F: FnOnce(&Connection) -> Result<T, StoreError>,
    {
        self.store.read_blocking(read)
    }

    pub async fn answer(&self, query: Query) -> Result<Answer, EngineError> {
        Ok(self.read(move |conn| answer(conn, query)).await?)
    }
}

fn answer(conn: &Connection, query: Query) -> Result<Answer, StoreError> {
    Ok(match query {
        Query::Campaign { campaign } => {
            Answer::Campaign(Box::new(CampaignRecord::get(conn, campaign)?))
        }
        Query::Campaigns => Answer::Campaigns(campaigns(conn)?),
        Query::QueuePage {
            campaign,
            way,
            from,
            limit,
            filter,
        } => {
            let (limit, filter) = (limit.min(MAX_PAGE), filter.as_deref());
            Answer::QueuePage(match way {
                // The pane shows the order as of now, as the engine would dial it.
                PageWay::After => {
                    views::queue_after(conn, campaign, Utc::now(), from, limit, filter)?
                }
                PageWay::Before => {
                    views::queue_before(conn, campaign, Utc::now(), from, limit, filter)?
                }
            })
        }
        Query::TimelinePage {
            campaign,
            before,
            after,
            limit,
        } => Answer::TimelinePage(match after {
            Some(after) => views::timeline_after(conn, campaign, after, limit.min(MAX_PAGE))?,
            None => views::timeline_before(conn, campaign, before, limit.min(MAX_PAGE))?,
        }),
        Query::CallerIds { campaign } => {
            let settings = CampaignRecord::get(conn, campaign)?.settings;
            Answer::CallerIds(crate::store::caller_ids::pool_health(
                conn,
                &settings,
                Utc::now(),
            )?)
        }
        Query::LeadHistory { lead } => {
            Answer::LeadHistory(Box::new(views::lead_history(conn, lead)?))
        }
        Query::LeadSearch {
            campaign,
            text,
            state,
            outcome,
            after,
            limit,
        } => {
            let filter = LeadFilter {
                campaign,
                text,
                state,
                outcome,
            };
            Answer::LeadPage(lead_search::search(
                conn,
                &filter,
                after,
                limit.clamp(1, MAX_PAGE),
            )?)
        }
        Query::VariantReport { campaign } => {
            let counts = reports::variant_counts(conn, campaign)?;
            Answer::VariantReport(
                (!counts.is_empty()).then(|| Box::new(crate::domain::compare_variants(&counts))),
            )
        }
        Query::Status { campaign } => {
            Answer::Status(reports::status_reports(conn, campaign, Utc::now())?)
        }
        Query::DncList { campaign } => Answer::DncList(crate::store::dnc::list(conn, campaign)?),
        Query::SettingsChanges { campaign, limit } => {
            CampaignRecord::get(conn, campaign)?;
            Answer::SettingsChanges(crate::store::settings_changes::recent(
                conn,
                campaign,
                limit.min(MAX_PAGE),
            )?)
        }
        Query::Charts { campaign } => Answer::Charts(Box::new(
            crate::store::chart_series::chart_series(conn, campaign)?,
        )),
    })
}

/// Every campaign with its number of leads, in one read.
fn campaigns(conn: &Connection) -> Result<Vec<CampaignSummary>, StoreError> {
    let leads = reports::leads_per_campaign(conn)?;
    Ok(CampaignRecord::list(conn)?
        .into_iter()
        .map(|record| CampaignSummary {
            leads: leads.get(&record.id).copied().unwrap_or(0),
            record,
        })
        .collect())
}
