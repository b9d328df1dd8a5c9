//! The lead counts and call figures the snapshot shows, read from the store where the
//! engine did not see the change itself, and moved lead by lead where it did.

use super::*;
use crate::domain::{CampaignId, LeadId, LeadState};
use crate::engine::{EngineError, Reply};
use crate::store::engine_stats;
use crate::store::engine_stats::CampaignStats;
use crate::store::queue;
use crate::telephony::Telephony;
use chrono::{DateTime, Utc};

impl<T: Telephony> Actor<T> {
    /// Reads a campaign's lead counts (and its call figures when `with_stats`) in a task
    /// of its own; the answer comes back as `Internal::Counts`.
    pub(super) fn recount(&self, id: CampaignId, with_stats: bool) {
        let (store, internal) = (self.store.clone(), self.internal_tx.clone());
        let since = self.dial_rate_since();
        tokio::spawn(async move {
            let read = store
                .read(move |conn| {
                    let counts = queue::lead_counts(conn, id)?;
                    let stats = match with_stats {
                        true => Some(Box::new(engine_stats::campaign_stats(conn, id, since)?)),
                        false => None,
                    };
                    Ok((counts, stats))
                })
                .await;
            match read {
                Ok((counts, stats)) => {
                    let _ = internal
                        .send(Internal::Counts {
                            campaign: id,
                            counts,
                            stats,
                        })
                        .await;
                }
                Err(err) => tracing::warn!(campaign = %id, %err, "could not re-read lead counts"),
            }
        });
    }

    pub(super) fn dial_rate_since(&self) -> DateTime<Utc> {
        self.clock.now() - chrono::Duration::minutes(crate::engine::DIAL_RATE_MINUTES as i64)
    }

    /// `RefreshCampaign`: counts, call figures and the queue, read now so the answer
    /// comes after the snapshot holds them. Call figures of a campaign with calls in
    /// flight are the engine's own tally and are left alone (a read could miss a call
    /// that is being written, or count one twice).
    pub(super) async fn refresh_campaign(&mut self, id: CampaignId) -> Result<Reply, EngineError> {
        self.run_of(id)?;
        let in_flight = self.slots.in_campaign(id);
        let since = self.dial_rate_since();
        let (counts, stats) = self
            .store
            .read(move |conn| {
                let counts = queue::lead_counts(conn, id)?;
                let stats = match in_flight {
                    0 => Some(engine_stats::campaign_stats(conn, id, since)?),
                    _ => None,
                };
                Ok((counts, stats))
            })
            .await?;
        self.apply_counts(id, counts, stats.map(Box::new));
        let Some(run) = self.runs.get_mut(&id) else {
            return Ok(Reply::Done);
        };
        run.zones_read_at = None;
        if run.engaged {
            run.queue.stale = true;
        } else if !run.record.status.is_finished() && !run.queue.refilling {
            // Not dialled for: read one page so the snapshot shows what would be called next.
            self.request_page(id);
        }
        Ok(Reply::Done)
    }

    /// An import ended: the new leads counted in and their zones added; the queue is
    /// read again, as after any change.
    pub(super) fn leads_imported(
        &mut self,
        id: CampaignId,
        pending: u64,
        dnc: u64,
        zones: Vec<String>,
    ) -> Result<Reply, EngineError> {
        self.run_of(id)?;
        let run = self.runs.get_mut(&id).expect("checked above");
        run.counts.pending += pending;
        run.counts.dnc += dnc;
        for zone in zones {
            if !run.zones.contains(&zone) {
                run.zones.push(zone);
            }
        }
        if run.engaged {
            run.queue.stale = true;
        } else if !run.record.status.is_finished() && !run.queue.refilling {
            // Not dialled for: read one page so the snapshot shows what would be called next.
            self.request_page(id);
        }
        self.dirty = true;
        Ok(Reply::Done)
    }

    pub(super) fn apply_counts(
        &mut self,
        id: CampaignId,
        counts: crate::engine::LeadCounts,
        stats: Option<Box<CampaignStats>>,
    ) {
        let in_flight = self.slots.in_campaign(id);
        let Some(run) = self.runs.get_mut(&id) else {
            return;
        };
        // Calls in flight are the engine's to count; the read may predate them.
        run.counts = counts.with_in_flight(in_flight as u64);
        if let Some(stats) = stats.filter(|_| in_flight == 0) {
            // Recent dials feed the dial-rate chart only when the campaign is taken up.
            run.stats = CampaignStats {
                recent_dials: Vec::new(),
                ..*stats
            };
        }
        self.dirty = true;
    }

    /// Leads a do-not-call entry just reached: counted as `dnc`, out of the queues.
    pub(super) fn leads_marked_dnc(&mut self, changed: Vec<(CampaignId, LeadId, LeadState)>) {
        for (campaign, lead, before) in changed {
            self.move_lead(campaign, before, LeadState::Dnc);
            if let Some(run) = self.runs.get_mut(&campaign) {
                run.queue.leads.retain(|l| l.id != lead);
                run.queue.urgent.retain(|l| l.id != lead);
            }
        }
    }

    /// A lead the policy moved after its call's end (a disposition a retry rule names):
    /// counted where it is now, and read again with the queue.
    pub(super) fn lead_moved(
        &mut self,
        campaign: CampaignId,
        lead: LeadId,
        from: LeadState,
        to: LeadState,
    ) {
        self.move_lead(campaign, from, to);
        if let Some(run) = self.runs.get_mut(&campaign) {
            run.queue.leads.retain(|l| l.id != lead);
            run.queue.stale = true;
        }
        self.dirty = true;
    }

    pub(super) fn move_lead(&mut self, campaign: CampaignId, from: LeadState, to: LeadState) {
        if let Some(run) = self.runs.get_mut(&campaign) {
            run.counts.moved(from, to);
        }
    }
}
