//! A dial whose answer never came: settled from the traces the call left, never
//! dialled again blind.

use super::follow::outcome_of_disconnect;
use super::*;
use crate::domain::{AttemptEventKind, AttemptState, Outcome};
use crate::engine::slots::CallSignal;
use crate::telephony::{CallProgressKind, LiveCallStatus, Telephony};
use std::time::Duration;
use tokio::sync::mpsc;

impl<T: Telephony> CallContext<T> {
    /// A dial LiveKit never answered (our timeout, a connection lost mid-request, a
    /// restart) may have rung the phone, so it is no verdict. Any trace of the call
    /// decides: progress for its room (a webhook, the poller) or the call found in the
    /// room. Without one, the empty room is looked at once more after
    /// `uncertain_settle` (a stalled server places the dial it was holding when it
    /// wakes), then deleted. No trace is still no proof that nothing rang: a short call
    /// (busy, declined) placed just after one look can be over before the next, and a
    /// server waking from a stall may answer the look before the dial it held. So the
    /// attempt ends `interrupted` (unknown, counted, retried only if `retry_on` lists
    /// it), never `not_placed`, which would dial the lead again for free.
    pub(super) async fn settle_uncertain(
        &self,
        call: &mut Call,
        message: String,
        signals: &mut mpsc::Receiver<CallSignal>,
    ) -> Option<Ending> {
        let detail = format!("LiveKit did not confirm the dial ({message}); checking the room");
        self.note(call, AttemptEventKind::DialUncertain, detail)
            .await;
        let mut retry_wait = self.poll_interval;
        let mut empty_checks = 0;
        let mut next_check = tokio::time::Instant::now();
        let mut signals_open = true;
        loop {
            let (telephony, room) = (self.telephony.clone(), call.room.clone());
            let check = async move {
                tokio::time::sleep_until(next_check).await;
                telephony.live_call(&room).await
            };
            let found = tokio::select! {
                signal = signals.recv(), if signals_open => {
                    match signal {
                        None => signals_open = false,
                        Some(CallSignal::HangUp) => self.request_hang_up(call).await,
                        Some(CallSignal::Progress(p)) => match p.kind {
                            CallProgressKind::Ringing => {
                                self.advance(call, AttemptState::Ringing, p.at).await;
                                return self.wait_for_answer(call, signals).await;
                            }
                            CallProgressKind::Answered => {
                                self.advance(call, AttemptState::Answered, p.at).await;
                                return None;
                            }
                            CallProgressKind::Ended { disconnect_reason, .. } => {
                                let outcome = outcome_of_disconnect(&disconnect_reason, call.hang_up_requested);
                                return Some(Ending {
                                    disconnect_reason: Some(disconnect_reason),
                                    ..Ending::plain(outcome, p.at)
                                });
                            }
                            // The agent's dispatch makes the room too: no trace of a call.
                            CallProgressKind::RoomFinished | CallProgressKind::Disposition { .. } => {}
                            CallProgressKind::AgentJoined { identity } => self.agent_joined(call, &identity).await,
                        },
                    }
                    continue;
                }
                result = check => result,
            };
            let now_i = tokio::time::Instant::now();
            match found {
                Ok(Some(live)) => {
                    let now = self.clock.now();
                    self.report(Report::Found { key: call.key }).await;
                    return match live.status {
                        LiveCallStatus::Active | LiveCallStatus::Automation => {
                            self.advance(call, AttemptState::Answered, now).await;
                            None
                        }
                        // Placed, and already over: whether it was answered is unknown.
                        LiveCallStatus::Hangup => Some(Ending::plain(Outcome::Interrupted, now)),
                        LiveCallStatus::Ringing => {
                            self.advance(call, AttemptState::Ringing, now).await;
                            self.wait_for_answer(call, signals).await
                        }
                        _ => self.wait_for_answer(call, signals).await,
                    };
                }
                Ok(None) => {
                    empty_checks += 1;
                    match empty_checks {
                        1 => next_check = now_i + self.uncertain_settle,
                        2 => {
                            if let Err(err) = self.telephony.hang_up(&call.room).await {
                                tracing::debug!(room = %call.room, %err, "deleting an uncertain dial's room failed; retrying");
                                empty_checks = 1;
                                next_check = now_i + retry_wait;
                            }
                        }
                        _ => {
                            let now = self.clock.now();
                            return Some(Ending {
                                error: Some(format!(
                                    "{message}; no trace of a call in room {}, which was deleted; it may have rung, so it counts",
                                    call.room
                                )),
                                problem: Some(CallProblem::Infrastructure { message }),
                                ..Ending::plain(Outcome::Interrupted, now)
                            });
                        }
                    }
                }
                Err(err) => {
                    tracing::debug!(room = %call.room, %err, "cannot check an uncertain dial yet; retrying");
                    self.report(Report::LiveKitFailing {
                        key: call.key,
                        message: err.to_string(),
                    })
                    .await;
                    next_check = now_i + retry_wait;
                    retry_wait = (retry_wait * 2).min(Duration::from_secs(5));
                }
            }
        }
    }
}
