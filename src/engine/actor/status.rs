//! Campaign status changes: persisted first, then applied and announced.

use super::*;
use crate::domain::{CampaignId, CampaignStatus, PauseReason};
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
}
