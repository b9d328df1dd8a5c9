//! LiveKit outages: the back-off after a failed request, the campaigns it pauses, and
//! the probe that resumes them.

use super::*;
use crate::domain::CampaignId;
use crate::engine::EngineEventKind;
use crate::telephony::Telephony;
use tokio::time::Instant;

impl<T: Telephony> Actor<T> {
    pub(super) fn needs_probe(&self) -> bool {
        !self.infra.probing() && self.runs.any_waits_for_livekit()
    }

    pub(super) async fn infra_failed(&mut self, campaign: CampaignId, message: &str) {
        self.infra
            .failure(Instant::now(), self.clock.now(), message);
        self.emit(
            campaign,
            EngineEventKind::Problem,
            format!("LiveKit unavailable: {message}; backing off"),
            None,
        );
        if self.infra.outage(self.clock.now()).is_some() {
            for id in self.running_campaigns() {
                self.review(id, None).await;
            }
        }
    }

    /// LiveKit answered (whatever the call's fate): clear the back-off and resume
    /// campaigns it had paused.
    pub(super) async fn infra_answered(&mut self) {
        if self.infra.healthy() {
            return;
        }
        self.infra.success();
        for id in self.runs.paused_for_livekit() {
            self.review(id, None).await;
        }
        self.dirty = true;
    }
}
