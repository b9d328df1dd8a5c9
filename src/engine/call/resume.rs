//! Calls found in flight at start-up: followed if still live, else settled from what
//! was last known of them.

use super::follow::outcome_of_disconnect;
use super::*;
use crate::domain::{AttemptEventKind, AttemptState, Outcome};
use crate::engine::slots::CallSignal;
use crate::telephony::{CallProgressKind, LiveCallStatus, Telephony, TelephonyError};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

impl<T: Telephony> CallContext<T> {
    /// Picks up a call found in flight after a restart: still live, it is followed to
    /// its end. Gone, it ended while we were away: `completed` if it had been answered,
    /// else `interrupted` (retried only if the campaign's `retry_on` lists it).
    pub async fn resume(self: Arc<Self>, mut job: ResumedCall) {
        let record = &job.attempt;
        let mut call = Call {
            key: job.key,
            campaign: record.campaign,
            attempt: record.id,
            lead: record.lead,
            lead_attempts: job.lead_attempts,
            phone: record.phone.clone(),
            // A call resumed after a restart ends completed or interrupted, never as
            // an invalid number, so the lead's other numbers do not matter here.
            other_numbers: false,
            number: record.number,
            room: record.room.clone(),
            dialed_at: record.dialed_at.unwrap_or(record.created_at),
            answered_at: record.answered_at,
            settings: job.settings.clone(),
            hang_up_requested: false,
            reported: None,
            fate: None,
            answered_instant: None,
            agent_joined: None,
            agent_identity: None,
            agent_watch: AgentWatch::default(),
        };
        let live = self.live_call_with_retries(&call.room).await;
        let now = self.clock.now();
        let status = live.as_ref().map(|l| l.status);
        let gone = matches!(status, None | Some(LiveCallStatus::Hangup));
        let detail = match status {
            _ if gone && call.answered_at.is_some() => {
                "answered, and ended while Switchboard was down; talk time counts to when it was last seen".to_string()
            }
            None => "gone after restart, never seen answered".to_string(),
            Some(s) => format!("still live after restart ({s:?})").to_lowercase(),
        };
        self.note(&call, AttemptEventKind::Reconciled, detail).await;
        let ending = match status {
            // A call with an answer time was answered, whatever came after: it is
            // `completed`, never an `interrupted` that a retry would ring again.
            _ if gone && call.answered_at.is_some() => {
                let attempt = call.attempt;
                let last_seen = self
                    .store
                    .read(move |conn| crate::store::attempt_events::last_seen(conn, attempt))
                    .await
                    .ok()
                    .flatten();
                let answered = call.answered_at.unwrap_or(now);
                // Still hanging up now: it ended about now. Gone: when it was last seen.
                let ended = match status {
                    Some(_) => now,
                    None => last_seen.unwrap_or(answered).max(answered),
                };
                Ending::plain(Outcome::Completed, ended)
            }
            None | Some(LiveCallStatus::Hangup) => Ending::plain(Outcome::Interrupted, now),
            Some(LiveCallStatus::Active | LiveCallStatus::Automation) => {
                if call.answered_at.is_none() {
                    self.advance(&mut call, AttemptState::Answered, now).await;
                }
                self.follow(&mut call, &mut job.signals).await
            }
            Some(_) => match self.wait_for_answer(&mut call, &mut job.signals).await {
                Some(ending) => ending,
                None => self.follow(&mut call, &mut job.signals).await,
            },
        };
        let listen = ending.agent_may_report;
        self.finish(&mut call, ending).await;
        self.close(&mut call, listen, &mut job.signals).await;
    }

    /// A resumed call that was still ringing: poll until it is answered or gone.
    pub(super) async fn wait_for_answer(
        &self,
        call: &mut Call,
        signals: &mut mpsc::Receiver<CallSignal>,
    ) -> Option<Ending> {
        let mut poll = tokio::time::interval(self.poll_interval);
        loop {
            tokio::select! {
                signal = signals.recv() => match signal {
                    Some(CallSignal::HangUp) => self.request_hang_up(call).await,
                    Some(CallSignal::Progress(p)) => match p.kind {
                        CallProgressKind::Ringing => self.advance(call, AttemptState::Ringing, p.at).await,
                        CallProgressKind::Answered => {
                            self.advance(call, AttemptState::Answered, p.at).await;
                            return None;
                        }
                        CallProgressKind::Ended { disconnect_reason, .. } => {
                            let outcome = outcome_of_disconnect(&disconnect_reason, call.hang_up_requested);
                            return Some(Ending { disconnect_reason: Some(disconnect_reason), ..Ending::plain(outcome, p.at) });
                        }
                        CallProgressKind::RoomFinished => return Some(Ending::plain(Outcome::Interrupted, p.at)),
                        CallProgressKind::Disposition { .. } => {}
                        CallProgressKind::AgentJoined { identity } => self.agent_joined(call, &identity).await,
                    },
                    None => std::future::pending::<()>().await,
                },
                _ = poll.tick(), if self.polls_own_room => match self.telephony.live_call(&call.room).await {
                    Ok(None) => return Some(Ending::plain(Outcome::Interrupted, self.clock.now())),
                    Ok(Some(live)) => match live.status {
                        LiveCallStatus::Active | LiveCallStatus::Automation => {
                            self.advance(call, AttemptState::Answered, self.clock.now()).await;
                            return None;
                        }
                        LiveCallStatus::Ringing => self.advance(call, AttemptState::Ringing, self.clock.now()).await,
                        LiveCallStatus::Hangup => return Some(Ending::plain(Outcome::Interrupted, self.clock.now())),
                        _ => {}
                    },
                    Err(err) => tracing::debug!(room = %call.room, %err, "poll failed; will retry"),
                },
            }
        }
    }

    pub(super) async fn live_call_with_retries(
        &self,
        room: &str,
    ) -> Option<crate::telephony::LiveCall> {
        let mut wait = self.poll_interval;
        loop {
            match self.telephony.live_call(room).await {
                Ok(live) => return live,
                Err(TelephonyError::Rejected { .. }) => return None,
                Err(err) => {
                    tracing::warn!(room, %err, "cannot check a call left in flight; retrying");
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(Duration::from_secs(30));
                }
            }
        }
    }
}
