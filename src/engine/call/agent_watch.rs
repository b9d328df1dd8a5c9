//! The agent-join watchdog. From the answer, the agent (a participant of kind AGENT,
//! seen by webhook or poll) has the campaign's `agent_join_timeout_secs` to be in the
//! room; if it is not, the call is ended so the callee is not left in silence, and the
//! attempt is `agent_missing`: the lead is retried without spending an attempt. Times
//! are monotonic (`tokio::time::Instant`), so tests run them on a paused clock.
//!
//! "Could not ask" is never "absent": at the deadline the watchdog asks LiveKit itself
//! (`ListParticipants`) before it decides, since a lost webhook or a stalled poller
//! may be all that kept the agent from being seen. When LiveKit does not answer, the
//! watchdog asks again later (backing off to `MAX_RECHECK`) and decides nothing
//! meanwhile: the callee may well be talking to the agent. And a call it does decide to
//! end stays followed until LiveKit has ended it: a hang-up that fails is tried again,
//! and the slot is not given back while the callee may still be on the line.

use super::*;
use crate::domain::{AttemptEventKind, DispatchMode, Outcome};
use crate::telephony::Telephony;
use chrono::{DateTime, Utc};
use std::time::Duration;
use tokio::time::Instant;

/// How long the watchdog waits at most between two asks LiveKit did not answer.
const MAX_RECHECK: Duration = Duration::from_secs(10);

/// The watchdog's state once its deadline has passed.
#[derive(Debug, Default)]
pub(super) struct AgentWatch {
    /// LiveKit could not be asked: ask again at this time.
    recheck_at: Option<Instant>,
    /// Asks in a row LiveKit did not answer.
    failed_asks: u32,
    /// The agent was seen missing and the call is being ended: what to record, and
    /// when to try the hang-up again if LiveKit refused it.
    given_up: Option<GivenUp>,
}

#[derive(Debug)]
struct GivenUp {
    detail: String,
    agent: String,
    retry_hang_up_at: Instant,
    failed_hang_ups: u32,
}

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

    /// When the watchdog must act next: its deadline, a new ask LiveKit could not
    /// answer before, or a hang-up to try again. `None` when it is not waiting.
    pub(super) fn agent_deadline(&self) -> Option<Instant> {
        if let Some(given_up) = &self.agent_watch.given_up {
            return Some(given_up.retry_hang_up_at);
        }
        if self.agent_joined.is_some() || !self.expects_agent() {
            return None;
        }
        if let Some(recheck) = self.agent_watch.recheck_at {
            return Some(recheck);
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

    /// The watchdog's time came: ask LiveKit before deciding, or try a refused hang-up
    /// again. `Some` when the call is over.
    pub(super) async fn agent_deadline_passed(&self, call: &mut Call) -> Option<Ending> {
        if call.agent_watch.given_up.is_some() {
            return self.hang_up_without_agent(call).await;
        }
        match self.telephony.live_call(&call.room).await {
            Ok(Some(live)) => {
                call.agent_watch.recheck_at = None;
                call.agent_watch.failed_asks = 0;
                match live.agent {
                    // There all along: a webhook or a look missed it.
                    Some(identity) => {
                        self.agent_joined(call, &identity).await;
                        None
                    }
                    None => {
                        self.agent_missing(call).await;
                        self.hang_up_without_agent(call).await
                    }
                }
            }
            // The callee is gone from the room: the call ended before the agent was due.
            Ok(None) => Some(Ending::callee_left(self.clock.now(), None)),
            Err(err) => {
                let failed = call.agent_watch.failed_asks;
                call.agent_watch.failed_asks += 1;
                let wait = backoff(self.poll_interval, failed);
                call.agent_watch.recheck_at = Some(Instant::now() + wait);
                tracing::warn!(room = %call.room, %err, "cannot ask LiveKit whether the agent joined; asking again in {wait:?}, deciding nothing meanwhile");
                self.report(Report::LiveKitFailing {
                    key: call.key,
                    message: err.to_string(),
                })
                .await;
                None
            }
        }
    }

    /// LiveKit showed the callee with no agent after the timeout: say so, and end it.
    async fn agent_missing(&self, call: &mut Call) {
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
        call.agent_watch.given_up = Some(GivenUp {
            detail,
            agent,
            retry_hang_up_at: Instant::now(),
            failed_hang_ups: 0,
        });
    }

    /// Deletes the room of a call whose agent never came. Done: the call is over, as
    /// `agent_missing`. Refused or unanswered: tried again later, and the call stays
    /// followed (its slot held) until LiveKit ends it or the hang-up lands.
    async fn hang_up_without_agent(&self, call: &mut Call) -> Option<Ending> {
        let result = self.telephony.hang_up(&call.room).await;
        let given_up = call.agent_watch.given_up.as_mut()?;
        match result {
            Ok(()) => Some(Self::agent_missing_ending(given_up, self.clock.now())),
            Err(err) => {
                let wait = backoff(self.poll_interval, given_up.failed_hang_ups);
                given_up.failed_hang_ups += 1;
                given_up.retry_hang_up_at = Instant::now() + wait;
                tracing::warn!(room = %call.room, %err, "hang-up of a call without its agent failed; trying again in {wait:?}");
                None
            }
        }
    }

    /// The end of a call the watchdog gave up on, when LiveKit reports it over.
    pub(super) fn ended_without_agent(&self, call: &Call, at: DateTime<Utc>) -> Option<Ending> {
        call.agent_watch
            .given_up
            .as_ref()
            .map(|given_up| Self::agent_missing_ending(given_up, at))
    }

    fn agent_missing_ending(given_up: &GivenUp, at: DateTime<Utc>) -> Ending {
        Ending {
            error: Some(given_up.detail.clone()),
            problem: Some(CallProblem::AgentMissing {
                agent: given_up.agent.clone(),
            }),
            ..Ending::plain(Outcome::AgentMissing, at)
        }
    }
}

/// `first`, doubled per failure, at most `MAX_RECHECK`.
fn backoff(first: Duration, failures: u32) -> Duration {
    first
        .max(Duration::from_millis(10))
        .saturating_mul(1 << failures.min(10))
        .min(MAX_RECHECK)
}
