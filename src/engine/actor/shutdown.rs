//! Shutdown: running campaigns pause with reason `shutdown`, and the engine ends once
//! the calls in flight finish or the grace runs out.

use super::*;
use crate::domain::{CampaignStatus, PauseReason};
use crate::engine::handle::ReplyTx;
use crate::telephony::Telephony;
use std::time::Duration;
use tokio::time::Instant;

impl<T: Telephony> Actor<T> {
    pub(super) fn shutdown_finished(&mut self) -> Option<ShuttingDown> {
        let done = self.shutting_down.as_ref()?;
        if self.slots.total() == 0 || Instant::now() >= done.deadline {
            return self.shutting_down.take();
        }
        None
    }

    /// Pauses every running campaign with reason `shutdown` (they resume by themselves
    /// at the next start), starts no new call, and ends the engine once the calls in
    /// flight have finished or `grace` has passed. Calls still live then are left to
    /// the next start's reconciliation, not hung up: a conversation is not cut short.
    pub(super) async fn begin_shutdown(&mut self, grace: Duration, reply: ReplyTx) {
        for id in self.running_campaigns() {
            self.set_status_stored(id, CampaignStatus::Paused, Some(PauseReason::Shutdown), "")
                .await;
        }
        self.shutting_down = Some(ShuttingDown {
            deadline: Instant::now()
                .checked_add(grace)
                .unwrap_or_else(|| Instant::now() + Duration::from_secs(86_400)),
            reply,
        });
    }
}
