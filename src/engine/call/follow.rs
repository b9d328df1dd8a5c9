//! Following a call through the progress the engine routes to it (webhooks, the
//! poller), or its own polls, until the callee leaves or the room is gone.

use super::*;
use crate::domain::{AttemptEventKind, AttemptState, Outcome};
use crate::engine::slots::CallSignal;
use crate::store::attempts::{self, CallIds};
use crate::telephony::{CallProgressKind, LiveCallStatus, Telephony};
use chrono::{DateTime, Utc};
use tokio::sync::mpsc;

impl<T: Telephony> CallContext<T> {
    /// Follows an answered call until the participant leaves or the room is gone.
    pub(super) async fn follow(
        &self,
        call: &mut Call,
        signals: &mut mpsc::UnboundedReceiver<CallSignal>,
    ) -> Ending {
        let mut poll = tokio::time::interval(self.poll_interval);
        poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        poll.tick().await;
        loop {
            tokio::select! {
                signal = signals.recv() => match signal {
                    Some(CallSignal::HangUp) => self.request_hang_up(call).await,
                    Some(CallSignal::Progress(p)) => match p.kind {
                        CallProgressKind::Ended { disconnect_reason, .. } => {
                            return Ending::callee_left(self.end_time(call, p.at), Some(disconnect_reason));
                        }
                        CallProgressKind::RoomFinished => return Ending::plain(Outcome::Completed, self.end_time(call, p.at)),
                        CallProgressKind::Disposition { value, note } => self.disposition(call, &value, note.as_deref(), p.at).await,
                        CallProgressKind::Ringing | CallProgressKind::Answered => {}
                    },
                    // The engine stopped: leave the call to be reconciled at the next start.
                    None => std::future::pending::<()>().await,
                },
                _ = poll.tick(), if self.polls_own_room => match self.telephony.live_call(&call.room).await {
                    Ok(None) => return Ending::plain(Outcome::Completed, self.clock.now()),
                    Ok(Some(live)) => {
                        if let Some(value) = live.disposition {
                            self.disposition(call, &value, live.note.as_deref(), self.clock.now()).await;
                        }
                        if live.status == LiveCallStatus::Hangup {
                            return Ending::callee_left(self.clock.now(), None);
                        }
                    }
                    Err(err) => tracing::debug!(room = %call.room, %err, "poll failed; will retry"),
                },
            }
        }
    }

    /// When an answered call ended, from LiveKit's report. Webhook times are whole
    /// seconds: when we received the report within that second, the receipt time is the
    /// closer bound; and a call never ends before it was answered.
    pub(super) fn end_time(&self, call: &Call, reported: DateTime<Utc>) -> DateTime<Utc> {
        let now = self.clock.now();
        let whole_second = reported.timestamp_subsec_millis() == 0;
        let refined =
            if whole_second && now >= reported && now - reported < chrono::Duration::seconds(1) {
                now
            } else {
                reported
            };
        call.answered_at
            .map_or(refined, |answered| refined.max(answered))
    }

    pub(super) async fn request_hang_up(&self, call: &mut Call) {
        if call.hang_up_requested {
            return;
        }
        call.hang_up_requested = true;
        self.note(call, AttemptEventKind::HangupRequested, String::new())
            .await;
        if let Err(err) = self.telephony.hang_up(&call.room).await {
            tracing::warn!(room = %call.room, %err, "hang-up failed");
        }
    }

    pub(super) async fn advance(&self, call: &mut Call, state: AttemptState, at: DateTime<Utc>) {
        self.advance_with(call, state, at, None).await
    }

    /// Moves the attempt on, recording LiveKit's ids for it in the same write.
    pub(super) async fn advance_with(
        &self,
        call: &mut Call,
        state: AttemptState,
        at: DateTime<Utc>,
        ids: Option<CallIds>,
    ) {
        let (store, attempt, campaign) = (self.store.clone(), call.attempt, call.campaign);
        let applied = store
            .write(move |conn| {
                if let Some(ids) = &ids {
                    attempts::set_call_ids(conn, attempt, ids)?;
                }
                attempts::advance(conn, attempt, campaign, state, at, "")
            })
            .await;
        if state == AttemptState::Answered {
            call.answered_at = Some(at);
        }
        if matches!(applied, Ok(true)) {
            self.report(Report::Advanced {
                key: call.key,
                state,
                at,
            });
        }
    }

    pub(super) async fn disposition(
        &self,
        call: &mut Call,
        value: &str,
        note: Option<&str>,
        at: DateTime<Utc>,
    ) {
        let Some(value) = crate::domain::Disposition::new(value) else {
            return;
        };
        // Polling sees the disposition while the call is live, the agent's departure
        // repeats it: one entry per change.
        let reported = Some((value.to_string(), note.map(str::to_string)));
        if call.disposition == reported {
            return;
        }
        call.disposition = reported;
        let (store, attempt, campaign) = (self.store.clone(), call.attempt, call.campaign);
        let (text, note) = (value.to_string(), note.map(str::to_string));
        // The callee asked not to be called again: on every campaign's list at once, in
        // the same write, with this attempt as the source.
        let do_not_call = value.asks_not_to_be_called().then(|| call.phone.clone());
        let number = call.number;
        let written = store
            .write(move |conn| {
                attempts::set_disposition(conn, attempt, campaign, &text, note.as_deref(), at)?;
                let Some(phone) = do_not_call else {
                    return Ok(None);
                };
                let reason =
                    format!("agent disposition `{text}` on attempt {attempt} (call {number})");
                crate::store::dnc::add(conn, &phone, None, Some(&reason), at)?;
                let marked = crate::store::queue::mark_dnc(conn, &phone, None)?;
                Ok(Some((phone, marked)))
            })
            .await;
        if let Ok(do_not_call) = written {
            self.report(Report::Noted {
                key: call.key,
                kind: AttemptEventKind::Disposition,
                at,
                detail: value.to_string(),
            });
            if let Some((phone, marked)) = do_not_call {
                self.report(Report::DoNotCall {
                    campaign: call.campaign,
                    phone,
                    marked,
                });
            }
        }
    }
}

/// A call that had not been answered and left: what its disconnect reason tells.
pub(super) fn outcome_of_disconnect(reason: &str, hang_up_requested: bool) -> Outcome {
    if hang_up_requested {
        return Outcome::Canceled;
    }
    match reason {
        "USER_UNAVAILABLE" => Outcome::NoAnswer,
        "USER_REJECTED" => Outcome::Rejected,
        "SIP_TRUNK_FAILURE" => Outcome::TrunkFailure,
        _ => Outcome::Interrupted,
    }
}
