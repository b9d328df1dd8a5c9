//! Following a call through the progress the engine routes to it (webhooks, the
//! poller), or its own polls, until the callee leaves or the room is gone.

use super::*;
use crate::domain::{AttemptEventKind, AttemptState, Disposition, Outcome};
use crate::engine::policy::call_end;
use crate::engine::policy::lead_fate::{self, AttemptEnd};
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
        signals: &mut mpsc::Receiver<CallSignal>,
    ) -> Ending {
        let mut poll = tokio::time::interval(self.poll_interval);
        poll.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        poll.tick().await;
        loop {
            let agent_deadline = call.agent_deadline();
            let agent_wait =
                tokio::time::sleep_until(agent_deadline.unwrap_or_else(tokio::time::Instant::now));
            tokio::select! {
                _ = agent_wait, if agent_deadline.is_some() => {
                    if let Some(ending) = self.agent_deadline_passed(call).await {
                        return ending;
                    }
                }
                signal = signals.recv() => match signal {
                    Some(CallSignal::HangUp) => self.request_hang_up(call).await,
                    Some(CallSignal::Progress(p)) => match p.kind {
                        CallProgressKind::Ended { disconnect_reason, last_status } => {
                            if let Some(ending) = self.ended_without_agent(call, self.end_time(call, p.at)) {
                                return ending;
                            }
                            let outcome = call_end::answered_call(Some(&disconnect_reason), last_status, call.hang_up_requested);
                            return Ending {
                                outcome,
                                ..Ending::callee_left(self.end_time(call, p.at), Some(disconnect_reason))
                            };
                        }
                        CallProgressKind::RoomFinished => {
                            let at = self.end_time(call, p.at);
                            return self.ended_without_agent(call, at).unwrap_or_else(|| Ending::plain(Outcome::Completed, at));
                        }
                        CallProgressKind::Disposition { value, note, callback_at } => {
                            let report = AgentReport { disposition: value, note, callback_at };
                            self.disposition(call, report, p.at).await
                        }
                        CallProgressKind::AgentJoined { identity } => self.agent_joined(call, &identity).await,
                        CallProgressKind::Ringing | CallProgressKind::Answered => {}
                    },
                    // The engine stopped: leave the call to be reconciled at the next start.
                    None => std::future::pending::<()>().await,
                },
                _ = poll.tick(), if self.polls_own_room => match self.telephony.live_call(&call.room).await {
                    Ok(None) => {
                        let at = self.clock.now();
                        return self.ended_without_agent(call, at).unwrap_or_else(|| Ending::plain(Outcome::Completed, at));
                    }
                    Ok(Some(live)) => {
                        if let Some(identity) = &live.agent {
                            self.agent_joined(call, identity).await;
                        }
                        if let Some(disposition) = live.disposition {
                            let report = AgentReport { disposition, note: live.note, callback_at: live.callback_at };
                            self.disposition(call, report, self.clock.now()).await;
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
    /// seconds, so the end lies in `[reported, reported + 1 s)`, and it came no later
    /// than its receipt: the earlier of those two upper bounds is the closer one. A call
    /// never ends before it was answered.
    pub(super) fn end_time(&self, call: &Call, reported: DateTime<Utc>) -> DateTime<Utc> {
        let now = self.clock.now();
        let whole_second = reported.timestamp_subsec_nanos() == 0;
        let refined = if whole_second && now >= reported {
            now.min(reported + chrono::Duration::seconds(1))
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
        let first_answer = state == AttemptState::Answered && call.answered_instant.is_none();
        if state == AttemptState::Answered {
            call.answered_at = Some(at);
            if first_answer {
                call.answered_instant = Some(tokio::time::Instant::now());
            }
        }
        if matches!(applied, Ok(true)) {
            self.report(Report::Advanced {
                key: call.key,
                state,
                at,
            })
            .await;
        }
        // After the answer's own entry, so the timeline reads in the order it happened.
        if first_answer {
            self.note_agent_joined(call).await;
        }
    }
    /// Records the agent's report, once per change. The callee asking not to be called
    /// again puts the number on every campaign's list in the same write, with this
    /// attempt as the source. A report that comes after the call's end may change what
    /// the end decided for the lead (a rule such as `voicemail=4h`): decided again by
    /// the same policy and written only if the lead is still where the end left it.
    pub(super) async fn disposition(
        &self,
        call: &mut Call,
        report: AgentReport,
        at: DateTime<Utc>,
    ) {
        let Some(value) = Disposition::new(&report.disposition) else {
            return;
        };
        let report = AgentReport {
            disposition: value.to_string(),
            ..report
        };
        // Polling sees the disposition while the call is live, the agent's departure
        // repeats it: one entry per change.
        if call.reported.as_ref() == Some(&report) {
            return;
        }
        call.reported = Some(report.clone());
        let refate = call.fate.and_then(|decided| {
            let end = AttemptEnd {
                disposition: Some(&value),
                callback_at: report.callback_at.as_deref(),
                opted_out: self.opt_out.matches(&value),
                other_numbers: call.other_numbers,
                ..AttemptEnd::plain(decided.outcome, decided.attempts, decided.at)
            };
            let next = lead_fate::after_attempt(&call.settings, &end);
            (next != decided.next).then_some((decided, next))
        });
        let (store, attempt, campaign, lead) =
            (self.store.clone(), call.attempt, call.campaign, call.lead);
        let (text, note) = (value.to_string(), report.note.clone());
        let do_not_call = self.opt_out.matches(&value).then(|| call.phone.clone());
        let number = call.number;
        let written = store
            .write(move |conn| {
                attempts::set_disposition(conn, attempt, campaign, &text, note.as_deref(), at)?;
                let moved = match refate {
                    Some((decided, next)) => {
                        crate::store::lead_fate::move_on(conn, lead, decided.next.state, next)?
                            .then_some((decided, next))
                    }
                    None => None,
                };
                let Some(phone) = do_not_call else {
                    return Ok((moved, None));
                };
                let reason =
                    format!("agent disposition `{text}` on attempt {attempt} (call {number})");
                crate::store::dnc::add(conn, &phone, None, Some(&reason), at)?;
                let marked = crate::store::queue::mark_dnc(conn, &phone, None)?;
                Ok((moved, Some((phone, marked))))
            })
            .await;
        let Ok((moved, do_not_call)) = written else {
            return;
        };
        let detail = match &moved {
            Some((_, next)) => format!("{value}: {}", lead_fate::describe(next)),
            None => value.to_string(),
        };
        self.report(Report::Noted {
            key: call.key,
            kind: AttemptEventKind::Disposition,
            at,
            detail,
        })
        .await;
        if let Some((decided, next)) = moved {
            call.fate = Some(Decided { next, ..decided });
            self.report(Report::LeadMoved {
                campaign: call.campaign,
                lead: call.lead,
                from: decided.next.state,
                to: next.state,
            })
            .await;
        }
        if let Some((phone, marked)) = do_not_call {
            self.report(Report::DoNotCall {
                campaign: call.campaign,
                phone,
                marked,
            })
            .await;
        }
    }
}

/// A call that had not been answered and left: what its disconnect reason tells.
pub(super) fn outcome_of_disconnect(reason: &str, hang_up_requested: bool) -> Outcome {
    call_end::unanswered_call(reason, hang_up_requested)
}
