//! Campaign status changes. The engine's own (automatic pauses, resumes, completion)
//! are applied in memory and announced at once and their writes queued behind the
//! writes before them, so the scheduler never waits for a commit; an operator's command
//! and a shutdown wait for theirs, so what they answer is on disk.

use super::*;
use crate::domain::{CampaignId, CampaignStatus, PauseReason};
use crate::engine::policy::automatic_status::{self, CallTrouble, Decision, Facts, QueueFacts};
use crate::engine::policy::wake;
use crate::engine::EngineEventKind;
use crate::store::CampaignRecord;
use crate::telephony::Telephony;
use tokio::time::Instant;

impl<T: Telephony> Actor<T> {
    /// Applies a campaign status change and announces it now; its write is queued in
    /// order with every other write and its answer comes back as
    /// `Internal::StatusWritten` (a failure holds dialling like any failed write, and
    /// the status is written again when the store takes writes).
    pub(super) async fn set_status(
        &mut self,
        id: CampaignId,
        status: CampaignStatus,
        reason: Option<PauseReason>,
        note: &str,
    ) {
        let Some(record) = self.apply_status(id, status, reason, note) else {
            return;
        };
        self.queue_status_write(record).await;
    }

    /// Persists a campaign status change, then applies it and announces it: for
    /// commands, whose answer says the change is stored.
    pub(super) async fn set_status_stored(
        &mut self,
        id: CampaignId,
        status: CampaignStatus,
        reason: Option<PauseReason>,
        note: &str,
    ) {
        let Some(run) = self.runs.get(&id) else {
            return;
        };
        if run.record.status == status && run.record.pause_reason == reason {
            return;
        }
        let now = self.clock.now();
        let stored_reason = reason.clone();
        let result = self
            .store
            .write(move |conn| {
                CampaignRecord::set_status(conn, id, status, stored_reason.as_ref(), now)
            })
            .await;
        match result {
            Ok(record) => {
                let run = self.runs.get_mut(&id).expect("checked above");
                run.running_since = (status == CampaignStatus::Running).then_some(now);
                let settings = run.record.settings.clone();
                run.record = CampaignRecord { settings, ..record };
                self.announce_status(id, status, reason.as_ref(), note);
            }
            Err(err) => self.status_refused(id, status, &err),
        }
    }

    /// The change made in memory; `None` when there is none to make (or the status
    /// machine refuses it, which is reported).
    fn apply_status(
        &mut self,
        id: CampaignId,
        status: CampaignStatus,
        reason: Option<PauseReason>,
        note: &str,
    ) -> Option<CampaignRecord> {
        let run = self.runs.get_mut(&id)?;
        if run.record.status == status && run.record.pause_reason == reason {
            return None;
        }
        let now = self.clock.now();
        match run.record.with_status(status, reason.as_ref(), now) {
            Ok(record) => {
                run.running_since = (status == CampaignStatus::Running).then_some(now);
                run.record = record.clone();
                self.announce_status(id, status, reason.as_ref(), note);
                Some(record)
            }
            Err(err) => {
                self.status_refused(id, status, &err);
                None
            }
        }
    }

    /// Queues the write of `record`'s status; its answer comes back as
    /// `Internal::StatusWritten` from a task of its own.
    async fn queue_status_write(&mut self, record: CampaignRecord) {
        let (id, status) = (record.id, record.status);
        let queued = self
            .store
            .queue_write(move |conn| CampaignRecord::save_status(conn, &record))
            .await;
        match queued {
            Ok(write) => {
                let internal = self.internal_tx.clone();
                tokio::spawn(async move {
                    let result = write.committed().await;
                    // Back-pressure, not loss: the engine drains this channel.
                    let _ = internal
                        .send(Internal::StatusWritten {
                            campaign: id,
                            status,
                            result,
                        })
                        .await;
                });
            }
            Err(err) => self.status_not_stored(id, status, &err),
        }
    }

    /// What a queued status write came to.
    pub(super) fn status_written(
        &mut self,
        id: CampaignId,
        status: CampaignStatus,
        result: Result<(), StoreError>,
    ) {
        if let Err(err) = result {
            self.status_not_stored(id, status, &err);
        }
    }

    /// A status applied in memory is not on disk. When the store cannot take writes,
    /// dialling holds as for any failed write and the status is written again once it
    /// can; a write that is wrong in itself is only reported.
    fn status_not_stored(&mut self, id: CampaignId, status: CampaignStatus, err: &StoreError) {
        tracing::error!(campaign = %id, %status, %err, "could not store the campaign's status");
        if err.is_transient() {
            self.store_health
                .failed(self.clock.now(), Instant::now(), &err.to_string());
            self.store_health.status_unsaved(id);
        }
        self.emit(
            id,
            EngineEventKind::Problem,
            format!("could not store status {status}: {err}; it is written again when the database takes writes"),
            None,
        );
    }

    /// The store takes writes again: statuses it missed are written now.
    pub(super) async fn store_recovered(&mut self) {
        self.store_health.recovered();
        self.dirty = true;
        for id in self.store_health.take_unsaved_statuses() {
            if let Some(run) = self.runs.get(&id) {
                let record = run.record.clone();
                self.queue_status_write(record).await;
            }
        }
    }

    /// Waits until every status write queued so far is committed (writes commit in
    /// order): the engine's last word before it ends.
    pub(super) async fn status_writes_stored(&self) {
        if let Err(err) = self.store.write(|_| Ok(())).await {
            tracing::error!(%err, "status changes may not all be stored");
        }
    }

    fn announce_status(
        &mut self,
        id: CampaignId,
        status: CampaignStatus,
        reason: Option<&PauseReason>,
        note: &str,
    ) {
        let detail = match (reason, note) {
            (Some(reason), _) => reason.to_string(),
            (None, note) => note.to_string(),
        };
        tracing::info!(campaign = %id, %status, %detail, "campaign status");
        self.emit(id, EngineEventKind::CampaignStatus(status), detail, None);
    }

    fn status_refused(&mut self, id: CampaignId, status: CampaignStatus, err: &StoreError) {
        tracing::error!(campaign = %id, %err, "could not change the campaign's status");
        self.emit(
            id,
            EngineEventKind::Problem,
            format!("could not set status {status}: {err}"),
            None,
        );
    }

    /// Applies what `automatic_status` decides for the campaign now; `queue` is what a
    /// read of the queue just found, if one did. A pause plans the look that may lift it.
    pub(super) async fn review(&mut self, id: CampaignId, queue: Option<QueueFacts>) {
        self.review_facts(id, queue, None).await;
    }

    /// Like `review`, after a call that found something wrong with the campaign itself;
    /// says what was decided.
    pub(super) async fn review_after_call(
        &mut self,
        id: CampaignId,
        trouble: CallTrouble,
    ) -> Option<Decision> {
        self.review_facts(id, None, Some(trouble)).await
    }

    async fn review_facts(
        &mut self,
        id: CampaignId,
        queue: Option<QueueFacts>,
        call_trouble: Option<CallTrouble>,
    ) -> Option<Decision> {
        let now = self.clock.now();
        let livekit_outage = self.infra.outage(now);
        let run = self.runs.get_mut(&id)?;
        if !run.engaged {
            return None;
        }
        run.cap.roll(now);
        run.caller_ids_out = run.caller_ids_out.filter(|(_, _, until)| *until > now);
        let facts = Facts {
            now,
            start_at: run.settings.start_at,
            cap_reached: run
                .cap
                .reached()
                .then(|| (run.cap.cap().unwrap_or(0), run.cap.resets_at())),
            caller_ids_out: run.caller_ids_out,
            livekit_outage,
            queue,
            call_trouble,
        };
        let decision =
            automatic_status::decide(run.record.status, run.record.pause_reason.as_ref(), &facts);
        match decision.clone() {
            None => {}
            Some(Decision::Run) => {
                let note = match run.record.pause_reason {
                    Some(PauseReason::LiveKitUnreachable { .. }) => "LiveKit answers again",
                    _ => "",
                };
                self.set_status(id, CampaignStatus::Running, None, note)
                    .await
            }
            Some(Decision::Complete) => {
                self.set_status(id, CampaignStatus::Completed, None, "no lead left to call")
                    .await
            }
            Some(Decision::Pause(reason)) => {
                let lifts_at = match &reason {
                    PauseReason::DailyCapReached { until, .. } => Some(*until),
                    PauseReason::Scheduled { at } => Some(*at),
                    PauseReason::OutsideWindow { until, .. } => *until,
                    PauseReason::CallerIdsUnavailable { until, .. } => Some(*until),
                    _ => None,
                };
                run.wake_at = wake::earlier(run.wake_at.filter(|at| *at > now), lifts_at);
                self.set_status(id, CampaignStatus::Paused, Some(reason), "")
                    .await
            }
        }
        decision
    }
}
