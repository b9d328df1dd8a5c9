//! Campaign status changes: persisted first, then applied and announced.

use super::*;
use crate::domain::{CampaignId, CampaignStatus, PauseReason};
use crate::engine::policy::automatic_status::{self, CallTrouble, Decision, Facts, QueueFacts};
use crate::engine::policy::wake;
use crate::engine::EngineEventKind;
use crate::store::CampaignRecord;
use crate::telephony::Telephony;

impl<T: Telephony> Actor<T> {
    /// Persists a campaign status change, then applies it and announces it.
    pub(super) async fn set_status(
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
                let detail = match (&reason, note) {
                    (Some(reason), _) => reason.to_string(),
                    (None, note) => note.to_string(),
                };
                tracing::info!(campaign = %id, %status, %detail, "campaign status");
                self.emit(id, EngineEventKind::CampaignStatus(status), detail, None);
            }
            Err(err) => {
                tracing::error!(campaign = %id, %err, "could not change the campaign's status");
                self.emit(
                    id,
                    EngineEventKind::Problem,
                    format!("could not set status {status}: {err}"),
                    None,
                );
            }
        }
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
