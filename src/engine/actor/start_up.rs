//! Start-up and recovery: campaigns are loaded, the ones left running are taken up
//! again, and calls left in flight by a previous run are followed to their end.

use super::*;
use crate::domain::calling_hours;
use crate::domain::{AttemptState, CampaignId, CampaignStatus, LeadState, PauseReason};
use crate::engine::call::ResumedCall;
use crate::engine::campaign_run::CampaignRun;
use crate::engine::slots::{CallSignals, Slot};
use crate::engine::EngineError;
use crate::store::attempts::{self, AttemptRecord};
use crate::store::queue;
use crate::store::{engine_stats, CampaignRecord, LeadRecord};
use crate::telephony::Telephony;

impl<T: Telephony> Actor<T> {
    /// Loads every campaign, resumes the ones left running and follows calls left in
    /// flight. Runs before the first command is taken.
    pub async fn start_up(&mut self) -> Result<(), EngineError> {
        let now = self.clock.now();
        if self.config.holds_only {
            // Nothing is taken up or followed: that is the next dialling engine's work.
            for record in self.store.read(CampaignRecord::list).await? {
                let id = record.id;
                self.runs.insert(id, CampaignRun::new(record, now));
            }
            return Ok(());
        }
        self.store.write(attempts::release_orphaned_leads).await?;
        for record in self.store.read(CampaignRecord::list).await? {
            let id = record.id;
            self.runs.insert(id, CampaignRun::new(record, now));
            let run = &self.runs[&id];
            if run.is_resumable() && self.config.resumes(id) {
                self.take_up(id).await?;
                if self.runs[&id].record.pause_reason == Some(PauseReason::Shutdown) {
                    self.set_status_stored(
                        id,
                        CampaignStatus::Running,
                        None,
                        "resumed after restart",
                    )
                    .await;
                }
            }
        }
        let in_flight = self.store.read(AttemptRecord::in_flight).await?;
        for attempt in in_flight {
            self.resume_call(attempt).await?;
        }
        // Campaigns not dialled for still show their leads and results.
        for id in self.runs.idle() {
            self.recount(id, true);
        }
        Ok(())
    }

    /// Reads what the snapshot shows of a campaign and lets the engine dial for it.
    pub(super) async fn take_up(&mut self, id: CampaignId) -> Result<(), EngineError> {
        let now = self.clock.now();
        let Some(run) = self.runs.get(&id) else {
            return Ok(());
        };
        let day_start = calling_hours::day_start(run.settings.tz(), now);
        let since = now - chrono::Duration::minutes(crate::engine::DIAL_RATE_MINUTES as i64);
        let (counts, stats, today) = self
            .store
            .read(move |conn| {
                Ok((
                    queue::lead_counts(conn, id)?,
                    engine_stats::campaign_stats(conn, id, since)?,
                    attempts::counted_since(conn, id, day_start)?,
                ))
            })
            .await?;
        let run = self.runs.get_mut(&id).expect("checked above");
        run.counts = counts;
        run.cap = crate::engine::daily_cap::DailyCap::new(
            run.settings.daily_cap,
            run.settings.tz(),
            now,
            today,
        );
        for dial in &stats.recent_dials {
            run.dial_rate.record(crate::store::from_millis(*dial));
        }
        run.stats = stats;
        run.engaged = true;
        if run.record.status == CampaignStatus::Running {
            // Dialling (again) from now: the ETA's rate is measured from here.
            run.running_since = Some(now);
        }
        run.queue.stale = true;
        self.dirty = true;
        Ok(())
    }

    pub(super) async fn resume_call(&mut self, attempt: AttemptRecord) -> Result<(), EngineError> {
        let lead_id = attempt.lead;
        let lead = self
            .store
            .read(move |conn| LeadRecord::get(conn, lead_id))
            .await?;
        let settings = match self.runs.get(&attempt.campaign) {
            Some(run) => run.settings.clone(),
            None => return Ok(()),
        };
        let (signals_tx, signals) = CallSignals::channel();
        let key = self.slots.claim(Slot {
            campaign: attempt.campaign,
            trunk: settings.trunk_id.clone(),
            lead: lead.id,
            lead_state: LeadState::Dialing,
            lead_name: lead.name.clone(),
            phone: lead.phone.clone(),
            caller_id: attempt.caller_id.clone(),
            variant: attempt.variant.clone(),
            attempt: Some(attempt.id),
            room: Some(attempt.room.clone()),
            number: attempt.number,
            state: attempt.state,
            dialed_at: attempt.dialed_at.unwrap_or(attempt.created_at),
            state_since: attempt
                .answered_at
                .or(attempt.ringing_at)
                .or(attempt.dialed_at)
                .unwrap_or(attempt.created_at),
            signals: signals_tx,
        });
        if let Some(watcher) = &self.watcher {
            if attempt.state == AttemptState::Answered {
                watcher.watch_live(&attempt.room);
            } else {
                watcher.watch_unanswered(&attempt.room);
            }
        }
        let job = ResumedCall {
            key,
            attempt,
            lead_attempts: lead.attempts,
            settings,
            signals,
        };
        tokio::spawn(self.calls.clone().resume(job));
        Ok(())
    }
}
