//! Single leads posted at the same time are imported together: one import job for the
//! engine (one transaction, one commit, one count of what it added) for all of them,
//! instead of one per lead.
//!
//! Nothing waits to fill a batch: the task takes one request, then whatever else has
//! arrived meanwhile, so a lone request goes at once and a flood shares the work.
//! Every request still gets its answer only after its lead is committed and the engine
//! has counted it.

use super::envelope::ApiError;
use super::leads::{import, LeadInput, LeadOptions, LeadsReport};
use super::ApiState;
use crate::domain::CampaignId;
use std::sync::OnceLock;
use tokio::sync::{mpsc, oneshot};

/// Requests one batch may take; more wait for the next.
const MAX_BATCH: usize = 1_000;
/// Requests waiting for the task at most; past this a request waits to be queued.
const QUEUE: usize = 4_096;

/// What became of one posted lead.
pub enum LeadOutcome {
    Added(LeadsReport),
    Rejected(String),
    Duplicate {
        phone: String,
        existing_lead: Option<crate::domain::LeadId>,
    },
}

struct Posted {
    campaign: CampaignId,
    region: Option<String>,
    lead: LeadInput,
    reply: oneshot::Sender<Result<LeadOutcome, ApiError>>,
}

/// The way into the batching task, started with the first lead posted (it needs a
/// Tokio runtime; the API's state may be built before one runs).
#[derive(Default)]
pub struct LeadBatcher {
    queue: OnceLock<mpsc::Sender<Posted>>,
}

impl LeadBatcher {
    /// Imports `lead` into `campaign`, with whatever other leads are posted meanwhile.
    pub async fn add(
        &self,
        state: &ApiState,
        campaign: CampaignId,
        options: LeadOptions,
        lead: LeadInput,
    ) -> Result<LeadOutcome, ApiError> {
        // The task gets a state of its own without this queue, so it ends when the
        // last handle to the queue (the API's state) is gone.
        let queue = self.queue.get_or_init(|| {
            let (tx, rx) = mpsc::channel(QUEUE);
            tokio::spawn(run(state.without_batcher(), rx));
            tx
        });
        let (reply, answer) = oneshot::channel();
        let posted = Posted {
            campaign,
            region: options.region,
            lead,
            reply,
        };
        queue.send(posted).await.map_err(|_| stopped())?;
        answer.await.map_err(|_| stopped())?
    }
}

fn stopped() -> ApiError {
    ApiError::new(
        axum::http::StatusCode::SERVICE_UNAVAILABLE,
        "stopped",
        "the engine is shutting down; send the lead again when it is back",
    )
}

async fn run(state: ApiState, mut queue: mpsc::Receiver<Posted>) {
    let mut batch = Vec::with_capacity(MAX_BATCH);
    while queue.recv_many(&mut batch, MAX_BATCH).await > 0 {
        // Leads of one campaign read the same way go in one import, in arrival order.
        while !batch.is_empty() {
            let (campaign, region) = (batch[0].campaign, batch[0].region.clone());
            let (group, rest): (Vec<_>, Vec<_>) = batch
                .drain(..)
                .partition(|p| p.campaign == campaign && p.region == region);
            batch = rest;
            import_group(&state, campaign, region, group).await;
        }
    }
}

async fn import_group(
    state: &ApiState,
    campaign: CampaignId,
    region: Option<String>,
    group: Vec<Posted>,
) {
    let (leads, replies): (Vec<_>, Vec<_>) = group.into_iter().map(|p| (p.lead, p.reply)).unzip();
    let many = leads.len() > 1;
    let options = LeadOptions {
        region: region.clone(),
    };
    // Kept to retry one by one: leads that are fine alone can be too many together
    // (their metadata keys added up past the column limit).
    let copies = many.then(|| leads.clone());
    let phones: Vec<String> = leads.iter().map(|l| l.phone_number.clone()).collect();
    match import(state, campaign, &options, leads).await {
        Ok(report) => {
            let dnc = dnc_leads(state, campaign, &region, &report, &phones).await;
            answer_each(report, &dnc, replies)
        }
        Err(_) if many => {
            for (lead, reply) in copies.unwrap_or_default().into_iter().zip(replies) {
                let options = LeadOptions {
                    region: region.clone(),
                };
                let outcome = import(state, campaign, &options, vec![lead]).await;
                match outcome {
                    Ok(report) => answer_each(report, &[], vec![reply]),
                    Err(err) => {
                        let _ = reply.send(Err(err));
                    }
                }
            }
        }
        Err(err) => {
            for reply in replies {
                let _ = reply.send(Err(err.clone()));
            }
        }
    }
}

/// Each request's part of the group's report, by its index in the group.
fn answer_each(
    report: LeadsReport,
    dnc: &[usize],
    replies: Vec<oneshot::Sender<Result<LeadOutcome, ApiError>>>,
) {
    let alone = replies.len() == 1;
    let mut outcomes: Vec<Option<LeadOutcome>> = (0..replies.len()).map(|_| None).collect();
    for rejected in report.rejected_rows.iter() {
        if let Some(slot) = outcomes.get_mut(rejected.index) {
            *slot = Some(LeadOutcome::Rejected(rejected.reason.clone()));
        }
    }
    for duplicate in report.duplicate_rows.iter() {
        if let Some(slot) = outcomes.get_mut(duplicate.index) {
            *slot = Some(LeadOutcome::Duplicate {
                phone: duplicate.phone.clone(),
                existing_lead: duplicate.existing_lead,
            });
        }
    }
    let mut report = Some(report);
    for (index, (outcome, reply)) in outcomes.into_iter().zip(replies).enumerate() {
        let outcome = outcome.unwrap_or_else(|| {
            // A lone lead gets the import's own report; one of many gets its share.
            LeadOutcome::Added(match report.take().filter(|_| alone) {
                Some(report) => report,
                None => LeadsReport::one_added(dnc.contains(&index)),
            })
        });
        let _ = reply.send(Ok(outcome));
    }
}

/// Which leads of a group went in as `dnc` (their number is on a do-not-call list),
/// by index: the import only counts them. Looked up only when some did and some did
/// not.
async fn dnc_leads(
    state: &ApiState,
    campaign: CampaignId,
    region: &Option<String>,
    report: &LeadsReport,
    phones: &[String],
) -> Vec<usize> {
    let added = report.imported;
    if report.dnc == 0 || phones.len() < 2 {
        return Vec::new();
    }
    if report.dnc == added {
        let refused: Vec<usize> = report
            .rejected_rows
            .iter()
            .map(|r| r.index)
            .chain(report.duplicate_rows.iter().map(|d| d.index))
            .collect();
        return (0..phones.len()).filter(|i| !refused.contains(i)).collect();
    }
    let Ok(region) = (LeadOptions {
        region: region.clone(),
    })
    .region() else {
        return Vec::new();
    };
    let normalizer = crate::phone::PhoneNormalizer::new(region);
    let numbers: Vec<(usize, String)> = phones
        .iter()
        .enumerate()
        .filter_map(|(i, raw)| normalizer.normalize(raw).ok().map(|e164| (i, e164)))
        .collect();
    state
        .reader
        .read(move |conn| {
            let mut state_of = conn
                .prepare_cached("SELECT state FROM leads WHERE campaign_id = ?1 AND phone = ?2")?;
            let mut dnc = Vec::new();
            for (index, phone) in numbers {
                let state: Option<String> = state_of
                    .query_row(rusqlite::params![campaign.0, phone], |r| r.get(0))
                    .ok();
                if state.as_deref() == Some("dnc") {
                    dnc.push(index);
                }
            }
            Ok(dnc)
        })
        .await
        .unwrap_or_default()
}
