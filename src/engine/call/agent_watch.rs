//! The agent-join watchdog. From the answer, the agent (a participant of kind AGENT,
//! seen by webhook or poll) has the campaign's `agent_join_timeout_secs` to be in the
//! room; if it is not, the call is ended so the callee is not left in silence, and the
//! attempt is `agent_missing`: the lead is retried without spending an attempt. Times
//! are monotonic (`tokio::time::Instant`), so tests run them on a paused clock.

use super::*;
use crate::domain::{AttemptEventKind, DispatchMode, Outcome};
use crate::telephony::Telephony;
use tokio::time::Instant;

impl Call {
    /// Whether this call's agent is to be waited for: one is dispatched (explicit, with
    /// a name) or a dispatch rule sends one.
    pub(super) fn expects_agent(&self) -> bool {
        match self.settings.dispatch {
            DispatchMode::Explicit => !self.agent_name().is_empty(),
            DispatchMode::Rules => true,
        }
    }

    /// The agent dispatched for this call: its variant's, or the campaign's.
    pub(super) fn agent_name(&self) -> &str {
        let variant = self.settings.variant_for(self.lead);
        self.settings.agent_for(variant)
    }

    /// When the watchdog gives up on the agent; `None` when it is not waiting.
    pub(super) fn agent_deadline(&self) -> Option<Instant> {
        if self.agent_joined.is_some() || !self.expects_agent() {
            return None;
        }
        Some(self.answered_instant? + self.settings.agent_join_timeout())
    }

    /// Milliseconds from the answer to the agent joining; 0 when it was there first.
    pub(super) fn agent_join_ms(&self) -> Option<i64> {
        let (answered, joined) = (self.answered_instant?, self.agent_joined?);
        Some(joined.saturating_duration_since(answered).as_millis() as i64)
    }
}

impl<T: Telephony> CallContext<T> {
    /// The agent is in the room: remembered the first time, with a timeline entry once
    /// the call is answered (an agent there before the answer is noted at the answer).
    pub(super) async fn agent_joined(&self, call: &mut Call, identity: &str) {
        if call.agent_joined.is_some() {
            return;
        }
        call.agent_joined = Some(Instant::now());
        call.agent_identity = Some(identity.to_string());
        if call.answered_instant.is_some() {
            self.note_agent_joined(call).await;
        }
    }

    /// At the answer: an agent already in the room joined "0 s after the answer".
    pub(super) async fn note_agent_joined(&self, call: &Call) {
        let (Some(ms), Some(identity)) = (call.agent_join_ms(), call.agent_identity.as_deref())
        else {
            return;
        };
        let detail = format!(
            "agent {identity} in the room {:.1} s after the answer",
            ms as f64 / 1000.0
        );
        self.note(call, AttemptEventKind::AgentJoined, detail).await;
    }

    /// The timeout passed with no agent: end the call and say so.
    pub(super) async fn agent_missing(&self, call: &mut Call) -> Ending {
        let timeout = call.settings.agent_join_timeout().as_secs();
        let agent = call.agent_name().to_string();
        let shown = if agent.is_empty() {
            "the dispatch rule's agent".to_string()
        } else {
            format!("agent `{agent}`")
        };
        let detail = format!(
            "no agent joined within {timeout} s of the answer ({shown}): call ended, lead retried without spending an attempt"
        );
        self.note(call, AttemptEventKind::AgentMissing, detail.clone())
            .await;
        call.hang_up_requested = true;
        if let Err(err) = self.telephony.hang_up(&call.room).await {
            tracing::warn!(room = %call.room, %err, "hang-up of a call without its agent failed");
        }
        Ending {
            error: Some(detail),
            problem: Some(CallProblem::AgentMissing { agent }),
            ..Ending::plain(Outcome::AgentMissing, self.clock.now())
        }
    }
}
