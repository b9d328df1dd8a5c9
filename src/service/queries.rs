//! Answers a `Query` from the store, in the engine's process (its read pool: a long
//! query never holds up the writer or the engine task).

use super::protocol::{Answer, PageWay, Query, MAX_PAGE};
use crate::engine::EngineError;
use crate::store::{reports, views, CampaignRecord, Store};
use chrono::Utc;

pub async fn answer(store: &Store, query: Query) -> Result<Answer, EngineError> {
    let answer = store
        .read(move |conn| {
            Ok(match query {
                Query::Campaign { campaign } => {
                    Answer::Campaign(Box::new(CampaignRecord::get(conn, campaign)?))
                }
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
                    limit,
                } => Answer::TimelinePage(views::timeline_before(
                    conn,
                    campaign,
                    before,
                    limit.min(MAX_PAGE),
                )?),
                Query::CallerIds { campaign } => {
                    let settings = CampaignRecord::get(conn, campaign)?.settings;
                    Answer::CallerIds(crate::store::caller_ids::pool_health(
                        conn,
                        &settings,
                        chrono::Utc::now(),
                    )?)
                }
                Query::LeadHistory { lead } => {
                    Answer::LeadHistory(Box::new(views::lead_history(conn, lead)?))
                }
                Query::VariantReport { campaign } => {
                    let counts = crate::store::reports::variant_counts(conn, campaign)?;
                    Answer::VariantReport(
                        (!counts.is_empty())
                            .then(|| Box::new(crate::domain::compare_variants(&counts))),
                    )
                }
                Query::Status { campaign } => {
                    Answer::Status(reports::status_reports(conn, campaign, chrono::Utc::now())?)
                }
            })
        })
        .await?;
    Ok(answer)
}
