//! One call, from the write-ahead row to the persisted outcome, as a spawned task. It
//! talks to LiveKit and writes its own attempt's rows, and reports every step to the
//! engine task, which alone changes scheduling state.
//!
//! The dial waits until answered (so a failure carries its SIP status) while the agent
//! is dispatched at the same time; after the answer the call is followed through the
//! progress the engine routes here (webhooks, the poller), until the participant leaves
//! or the room is gone. Only with no poller does the task poll its room itself: two
//! pollers would double the `ListParticipants` load and escape the poller's rate bound.
//!
//! The outcome is persisted (and the slot given back) as soon as the callee leaves; the
//! task then keeps listening for the agent's disposition for a short grace, since the
//! agent's `participant_left` comes after the callee's, and deletes the room last.

use super::clock::SharedClock;
use super::retry;
use super::slots::{CallKey, CallSignal};
use super::window;
use crate::domain::{
    AttemptEventKind, AttemptId, AttemptState, CampaignId, CampaignSettings, DispatchMode,
    LeadState, Outcome,
};
use crate::store::attempts::{
    self, AttemptRecord, BeginAttempt, Begun, CallIds, FinishAttempt, StartedAttempt,
};
use crate::store::{LeadRecord, Store};
use crate::telephony::{
    CallProgressKind, DialFailure, DialRequest, DispatchRequest, LiveCallStatus, Telephony,
    TelephonyError,
};
use chrono::{DateTime, Utc};
use serde_json::json;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

/// What a call task tells the engine.
#[derive(Debug)]
pub enum Report {
    Begun {
        key: CallKey,
        started: Box<StartedAttempt>,
    },
    NotStarted {
        key: CallKey,
        why: NotStarted,
    },
    Advanced {
        key: CallKey,
        state: AttemptState,
        at: DateTime<Utc>,
    },
    /// An uncertain dial's call was found in its room: it exists, so the poller must
    /// now take a room found empty as the call's end. Until then it waits for the call
    /// to appear, and one that came and went between its polls would be waited for
    /// forever.
    Found {
        key: CallKey,
    },
    /// A timeline entry that does not change the call's state.
    Noted {
        key: CallKey,
        kind: AttemptEventKind,
        at: DateTime<Utc>,
        detail: String,
    },
    Finished {
        key: CallKey,
        end: Box<CallEnd>,
    },
    /// The task is done with the call's room: stop routing its progress here.
    Closed {
        key: CallKey,
    },
    /// A write this call needs failed for the database's own reasons (locked, full):
    /// hold dialling. The task keeps retrying it.
    StoreTrouble {
        error: String,
    },
    /// The write that had been failing landed.
    StoreRecovered,
    /// The agent's disposition put the callee's number on the global do-not-call list;
    /// `marked` are the leads that became `dnc` with it (campaign, lead, state before).
    DoNotCall {
        campaign: CampaignId,
        phone: String,
        marked: Vec<(CampaignId, crate::domain::LeadId, LeadState)>,
    },
    /// LiveKit cannot be reached to settle an uncertain dial: the engine backs off as
    /// it does for a failed dial.
    LiveKitFailing {
        key: CallKey,
        message: String,
    },
}

#[derive(Debug)]
pub enum NotStarted {
    /// On a do-not-call list: the lead is now `dnc`.
    OnDnc,
    /// The number had its calls for today: try again after `until`.
    NumberLimit {
        until: DateTime<Utc>,
    },
    /// Moved on by another path (retry-now, a stale queue page).
    NotDialable,
    Store(String),
}

/// How a call ended, as persisted.
#[derive(Debug)]
pub struct CallEnd {
    pub outcome: Outcome,
    /// The lead's new state; `None` if the outcome could not be written (the attempt
    /// stays in flight in the store and is reconciled at the next start).
    pub lead_state: Option<LeadState>,
    pub dialed_at: DateTime<Utc>,
    pub ring_ms: Option<u64>,
    pub talk_ms: Option<u64>,
    pub detail: String,
    pub problem: Option<CallProblem>,
}

/// What the engine must react to beyond the lead itself.
#[derive(Debug, Clone, PartialEq)]
pub enum CallProblem {
    /// LiveKit was unreachable or failing; no call was placed.
    Infrastructure { message: String },
    /// The carrier or LiveKit refused for rate: slow the trunk down.
    CarrierLimit,
    /// The campaign is set up wrong; pause it.
    Configuration { problem: String, fix: String },
}

/// What every call task shares.
pub struct CallContext<T> {
    pub telephony: Arc<T>,
    pub store: Store,
    pub clock: SharedClock,
    pub reports: mpsc::UnboundedSender<Report>,
    pub room_prefix: String,
    pub per_number_limit: u32,
    /// How often an answered call's room is checked by the task itself, and the first
    /// wait before retrying a check at restart.
    pub poll_interval: Duration,
    /// The task polls its own room: no poller (`RoomWatcher`) feeds it progress.
    pub polls_own_room: bool,
    /// How long after the callee left the agent's disposition is still awaited.
    pub disposition_grace: Duration,
    /// How long an uncertain dial's empty room is given for the dial to land before the
    /// room is deleted and the attempt called not placed.
    pub uncertain_settle: Duration,
}

/// A new call to place.
pub struct CallJob {
    pub key: CallKey,
    /// When the engine started this call (pacing's clock); recorded as `dialed_at`.
    pub at: DateTime<Utc>,
    pub campaign: CampaignId,
    pub lead: LeadRecord,
    pub settings: Arc<CampaignSettings>,
    pub signals: mpsc::UnboundedReceiver<CallSignal>,
}

/// A call found in flight at start-up, to follow to its end.
pub struct ResumedCall {
    pub key: CallKey,
    pub attempt: AttemptRecord,
    pub lead_attempts: u32,
    pub settings: Arc<CampaignSettings>,
    pub signals: mpsc::UnboundedReceiver<CallSignal>,
}

/// The facts gathered about a call while it runs.
struct Call {
    key: CallKey,
    campaign: CampaignId,
    attempt: AttemptId,
    lead: crate::domain::LeadId,
    lead_attempts: u32,
    /// The number dialled, and which of the lead's attempts this is.
    phone: String,
    number: u32,
    room: String,
    dialed_at: DateTime<Utc>,
    answered_at: Option<DateTime<Utc>>,
    settings: Arc<CampaignSettings>,
    hang_up_requested: bool,
    /// The disposition (and note) last recorded, so a repeat is not written twice.
    disposition: Option<(String, Option<String>)>,
}

/// The end of a call before the lead's fate is decided.
struct Ending {
    outcome: Outcome,
    at: DateTime<Utc>,
    sip_status_code: Option<i32>,
    sip_status: Option<String>,
    twirp_code: Option<String>,
    disconnect_reason: Option<String>,
    error: Option<String>,
    problem: Option<CallProblem>,
    /// The callee left a room the agent may still be in: its disposition may follow.
    agent_may_report: bool,
}

impl Ending {
    fn plain(outcome: Outcome, at: DateTime<Utc>) -> Self {
        Ending {
            outcome,
            at,
            sip_status_code: None,
            sip_status: None,
            twirp_code: None,
            disconnect_reason: None,
            error: None,
            problem: None,
            agent_may_report: false,
        }
    }

    /// The callee left an answered call; the agent may still report.
    fn callee_left(at: DateTime<Utc>, disconnect_reason: Option<String>) -> Self {
        Ending {
            disconnect_reason,
            agent_may_report: true,
            ..Ending::plain(Outcome::Completed, at)
        }
    }
}

impl<T: Telephony> CallContext<T> {
    fn report(&self, report: Report) {
        // The engine is gone only when shutting down; the rows are written regardless.
        let _ = self.reports.send(report);
    }

    /// Places one call: write-ahead row, dial with agent dispatch, follow, clean up,
    /// persist the outcome.
    pub async fn place(self: Arc<Self>, mut job: CallJob) {
        let now = job.at;
        let zone = window::lead_zone(job.lead.timezone.as_deref(), job.settings.tz());
        let begin = BeginAttempt {
            campaign: job.campaign,
            lead: job.lead.id,
            now,
            room_prefix: self.room_prefix.clone(),
            per_number_limit: self.per_number_limit,
            number_day_start: window::day_start(zone, now),
        };
        let started = match self
            .store
            .write(move |conn| attempts::begin(conn, &begin))
            .await
        {
            Ok(Begun::Started(started)) => started,
            Ok(Begun::OnDnc) => {
                return self.report(Report::NotStarted {
                    key: job.key,
                    why: NotStarted::OnDnc,
                })
            }
            Ok(Begun::NumberLimitReached) => {
                let until = window::next_midnight(zone, now);
                return self.report(Report::NotStarted {
                    key: job.key,
                    why: NotStarted::NumberLimit { until },
                });
            }
            Ok(Begun::NotDialable) => {
                return self.report(Report::NotStarted {
                    key: job.key,
                    why: NotStarted::NotDialable,
                })
            }
            Err(e) => {
                return self.report(Report::NotStarted {
                    key: job.key,
                    why: NotStarted::Store(e.to_string()),
                })
            }
        };
        let mut call = Call {
            key: job.key,
            campaign: job.campaign,
            attempt: started.attempt,
            lead: started.lead.id,
            lead_attempts: started.lead.attempts,
            phone: started.lead.phone.clone(),
            number: started.number,
            room: started.room.clone(),
            dialed_at: started.dialed_at,
            answered_at: None,
            settings: job.settings.clone(),
            hang_up_requested: false,
            disposition: None,
        };
        let (dial, dispatch) = requests(&job, &started);
        self.report(Report::Begun {
            key: job.key,
            started,
        });

        let ending = match self
            .dial(&mut call, &dial, dispatch.as_ref(), &mut job.signals)
            .await
        {
            Some(ending) => ending,
            None => self.follow(&mut call, &mut job.signals).await,
        };
        let listen = ending.agent_may_report;
        self.finish(&call, ending).await;
        self.close(&mut call, listen, &mut job.signals).await;
    }

    /// Sends the dial and the dispatch together and waits for the answer. `None` when
    /// the call was answered (now in `call.answered_at`), else how it ended.
    async fn dial(
        &self,
        call: &mut Call,
        dial: &DialRequest,
        dispatch: Option<&DispatchRequest>,
        signals: &mut mpsc::UnboundedReceiver<CallSignal>,
    ) -> Option<Ending> {
        let telephony = self.telephony.clone();
        let both = async {
            let dispatching = async {
                match dispatch {
                    Some(request) => Some(telephony.dispatch_agent(request).await),
                    None => None,
                }
            };
            tokio::join!(telephony.dial(dial), dispatching)
        };
        tokio::pin!(both);
        let mut early_end = None;
        let (dialed, dispatched) = loop {
            tokio::select! {
                result = &mut both => break result,
                signal = signals.recv() => match signal {
                    Some(CallSignal::HangUp) => self.request_hang_up(call).await,
                    Some(CallSignal::Progress(p)) => match p.kind {
                        CallProgressKind::Ringing => self.advance(call, AttemptState::Ringing, p.at).await,
                        CallProgressKind::Ended { disconnect_reason, .. } => early_end = Some(disconnect_reason),
                        _ => {}
                    },
                    None => {}
                },
            }
        };
        if let Some(Ok(dispatch_id)) = &dispatched {
            let (store, attempt, campaign, at) = (
                self.store.clone(),
                call.attempt,
                call.campaign,
                self.clock.now(),
            );
            let (id, agent) = (dispatch_id.clone(), call.settings.agent_name.clone());
            if store
                .write(move |conn| attempts::set_dispatch(conn, attempt, campaign, &id, &agent, at))
                .await
                .is_ok()
            {
                self.report(Report::Noted {
                    key: call.key,
                    kind: AttemptEventKind::AgentDispatched,
                    at,
                    detail: call.settings.agent_name.clone(),
                });
            }
        }
        if let Some(Err(err)) = &dispatched {
            tracing::warn!(attempt = %call.attempt, %err, "agent dispatch failed");
        }
        match dialed {
            Ok(answer) => {
                let ids = CallIds {
                    participant_sid: Some(answer.participant_sid.clone()),
                    participant_identity: Some(answer.participant_identity.clone()),
                    sip_call_id: Some(answer.sip_call_id.clone()),
                };
                self.advance_with(call, AttemptState::Answered, answer.at, Some(ids))
                    .await;
                if call.hang_up_requested {
                    let _ = self.telephony.hang_up(&call.room).await;
                }
                None
            }
            Err(DialFailure::Uncertain { message }) => {
                self.settle_uncertain(call, message, signals).await
            }
            Err(failure) => Some(self.dial_failed(call, failure, early_end)),
        }
    }

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
    async fn settle_uncertain(
        &self,
        call: &mut Call,
        message: String,
        signals: &mut mpsc::UnboundedReceiver<CallSignal>,
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
                    self.report(Report::Found { key: call.key });
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
                    });
                    next_check = now_i + retry_wait;
                    retry_wait = (retry_wait * 2).min(Duration::from_secs(5));
                }
            }
        }
    }

    /// A timeline entry for this call that changes nothing else.
    async fn note(&self, call: &Call, kind: AttemptEventKind, detail: String) {
        let at = self.clock.now();
        let (store, attempt, campaign, text) = (
            self.store.clone(),
            call.attempt,
            call.campaign,
            detail.clone(),
        );
        let _ = store
            .write(move |conn| {
                crate::store::attempt_events::insert(conn, attempt, campaign, at, kind, &text, None)
            })
            .await;
        self.report(Report::Noted {
            key: call.key,
            kind,
            at,
            detail,
        });
    }

    fn dial_failed(
        &self,
        call: &Call,
        failure: DialFailure,
        disconnect_reason: Option<String>,
    ) -> Ending {
        let now = self.clock.now();
        match failure {
            DialFailure::Call {
                outcome,
                sip_status_code,
                sip_status,
                twirp_code,
                message,
            } => {
                let texts = [sip_status.as_deref().unwrap_or(""), message.as_str()];
                // A 503 that names a limit, or any "flood" answer: the carrier's rate,
                // not the callee. A bare 503 is an ordinary trunk failure.
                let carrier_limit = texts
                    .iter()
                    .any(|t| t.to_ascii_lowercase().contains("flood"))
                    || (sip_status_code == Some(503) && texts.iter().any(|t| is_rate_text(t)));
                let outcome = if call.hang_up_requested {
                    Outcome::Canceled
                } else {
                    outcome
                };
                Ending {
                    outcome,
                    at: now,
                    sip_status_code,
                    sip_status,
                    twirp_code: Some(twirp_code),
                    disconnect_reason,
                    error: Some(message),
                    problem: carrier_limit.then_some(CallProblem::CarrierLimit),
                    agent_may_report: false,
                }
            }
            DialFailure::Infrastructure {
                message,
                twirp_code,
                rate_limited,
            } => Ending {
                twirp_code,
                error: Some(message.clone()),
                problem: Some(if rate_limited {
                    CallProblem::CarrierLimit
                } else {
                    CallProblem::Infrastructure { message }
                }),
                ..Ending::plain(Outcome::NotPlaced, now)
            },
            // `dial` settles these against the room before it gets here.
            DialFailure::Uncertain { message } => Ending {
                error: Some(message.clone()),
                problem: Some(CallProblem::Infrastructure { message }),
                ..Ending::plain(Outcome::NotPlaced, now)
            },
            DialFailure::Configuration { problem, fix } => Ending {
                error: Some(format!("{problem}: {fix}")),
                problem: Some(CallProblem::Configuration { problem, fix }),
                ..Ending::plain(Outcome::NotPlaced, now)
            },
        }
    }

    /// Follows an answered call until the participant leaves or the room is gone.
    async fn follow(
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
    fn end_time(&self, call: &Call, reported: DateTime<Utc>) -> DateTime<Utc> {
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

    async fn request_hang_up(&self, call: &mut Call) {
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

    async fn advance(&self, call: &mut Call, state: AttemptState, at: DateTime<Utc>) {
        self.advance_with(call, state, at, None).await
    }

    /// Moves the attempt on, recording LiveKit's ids for it in the same write.
    async fn advance_with(
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

    async fn disposition(
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

    /// After the callee left, waits up to the grace for the agent's disposition (its
    /// `participant_left` follows the callee's), then deletes the room, which also ends
    /// the agent's job. `room_finished` does not cut the wait short: the poller reports
    /// it as soon as the callee is gone, while the agent may still be there.
    async fn close(
        &self,
        call: &mut Call,
        listen: bool,
        signals: &mut mpsc::UnboundedReceiver<CallSignal>,
    ) {
        if listen {
            let grace = tokio::time::sleep(self.disposition_grace);
            tokio::pin!(grace);
            loop {
                tokio::select! {
                    _ = &mut grace => break,
                    signal = signals.recv() => match signal {
                        Some(CallSignal::Progress(p)) => {
                            if let CallProgressKind::Disposition { value, note } = p.kind {
                                self.disposition(call, &value, note.as_deref(), p.at).await;
                                break;
                            }
                        }
                        Some(CallSignal::HangUp) => {}
                        None => break,
                    },
                }
            }
        }
        if let Err(err) = self.telephony.hang_up(&call.room).await {
            tracing::debug!(room = %call.room, %err, "room clean-up failed");
        }
        self.report(Report::Closed { key: call.key });
    }

    /// Decides the lead's fate and persists it with the call's end.
    async fn finish(&self, call: &Call, ending: Ending) {
        let counted = ending.outcome.counts_as_attempt() as u32;
        let next = retry::after_call(
            &call.settings,
            ending.outcome,
            call.lead_attempts + counted,
            ending.at,
        );
        let finish = FinishAttempt {
            attempt: call.attempt,
            campaign: call.campaign,
            lead: call.lead,
            outcome: ending.outcome,
            ended_at: ending.at,
            sip_status_code: ending.sip_status_code,
            sip_status: ending.sip_status,
            twirp_code: ending.twirp_code,
            disconnect_reason: ending.disconnect_reason,
            error: ending.error,
            lead_state: next.state,
            lead_due_at: next.due_at,
        };
        let detail = attempts::describe_end(&finish);
        let lead_state = self.write_until_it_lands(call, finish).await;
        let ring_ms = call
            .answered_at
            .map(|a| (a - call.dialed_at).num_milliseconds().max(0) as u64);
        let talk_ms = match (call.answered_at, ending.outcome) {
            (Some(answered), Outcome::Completed) => {
                Some((ending.at - answered).num_milliseconds().max(0) as u64)
            }
            _ => None,
        };
        self.report(Report::Finished {
            key: call.key,
            end: Box::new(CallEnd {
                outcome: ending.outcome,
                lead_state,
                dialed_at: call.dialed_at,
                ring_ms,
                talk_ms,
                detail,
                problem: ending.problem,
            }),
        });
    }

    /// Records the call's end, retrying while the database cannot write (locked by
    /// another program, disk full) so the outcome is never lost while dialling goes on;
    /// the engine holds dialling meanwhile. A write that is wrong in itself, or a store
    /// that closed (shutdown), is given up and left to recovery at the next start.
    async fn write_until_it_lands(&self, call: &Call, finish: FinishAttempt) -> Option<LeadState> {
        let mut wait = Duration::from_millis(100);
        let mut troubled = false;
        loop {
            let job = finish.clone();
            match self
                .store
                .write(move |conn| attempts::finish(conn, &job))
                .await
            {
                Ok(state) => {
                    if troubled {
                        self.report(Report::StoreRecovered);
                    }
                    return state;
                }
                Err(err) if err.is_transient() => {
                    if !troubled {
                        tracing::warn!(attempt = %call.attempt, %err, "cannot record the end of a call yet; retrying until it lands");
                        self.report(Report::StoreTrouble {
                            error: err.to_string(),
                        });
                        troubled = true;
                    }
                    tokio::time::sleep(wait).await;
                    wait = (wait * 2).min(Duration::from_secs(5));
                }
                Err(err) => {
                    tracing::error!(attempt = %call.attempt, %err, "could not record the end of a call; it is reconciled at the next start");
                    return None;
                }
            }
        }
    }

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
            number: record.number,
            room: record.room.clone(),
            dialed_at: record.dialed_at.unwrap_or(record.created_at),
            answered_at: record.answered_at,
            settings: job.settings.clone(),
            hang_up_requested: false,
            disposition: None,
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
        self.finish(&call, ending).await;
        self.close(&mut call, listen, &mut job.signals).await;
    }

    /// A resumed call that was still ringing: poll until it is answered or gone.
    async fn wait_for_answer(
        &self,
        call: &mut Call,
        signals: &mut mpsc::UnboundedReceiver<CallSignal>,
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

    async fn live_call_with_retries(&self, room: &str) -> Option<crate::telephony::LiveCall> {
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

/// A call that had not been answered and left: what its disconnect reason tells.
fn outcome_of_disconnect(reason: &str, hang_up_requested: bool) -> Outcome {
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

/// Carrier wording for "too many calls" (SIP 503 "flood", "limit exceeded").
fn is_rate_text(text: &str) -> bool {
    let text = text.to_ascii_lowercase();
    ["flood", "limit", "rate", "too many"]
        .iter()
        .any(|w| text.contains(w))
}

/// The dial and (for explicit dispatch) the agent dispatch of one attempt.
fn requests(job: &CallJob, started: &StartedAttempt) -> (DialRequest, Option<DispatchRequest>) {
    let settings = &job.settings;
    let lead = &started.lead;
    let metadata = json!({
        "campaign_id": job.campaign.0,
        "lead_id": lead.id.0,
        "attempt_id": started.attempt.0,
        "attempt_number": started.number,
        "phone": lead.phone,
        "name": lead.name,
        "variables": lead.variables,
        "prompt": settings.prompt,
    })
    .to_string();
    let dial = DialRequest {
        campaign: job.campaign,
        lead: lead.id,
        attempt: started.attempt,
        room: started.room.clone(),
        participant_identity: format!("callee-{}", started.attempt.0),
        participant_name: lead.name.clone().unwrap_or_else(|| lead.phone.clone()),
        participant_metadata: metadata.clone(),
        participant_attributes: crate::telephony::attributes::call_attributes(
            job.campaign,
            lead.id,
            started.attempt,
        ),
        trunk_id: settings.trunk_id.clone(),
        phone: lead.phone.clone(),
        caller_id: settings.caller_id.clone(),
        ringing_timeout: settings.ringing_timeout(),
        max_call_duration: settings.max_call_duration(),
        krisp: settings.krisp,
        dtmf: settings.dtmf.clone(),
        wait_until_answered: true,
    };
    let dispatch = (settings.dispatch == DispatchMode::Explicit).then(|| DispatchRequest {
        room: started.room.clone(),
        agent_name: settings.agent_name.clone(),
        metadata,
    });
    (dial, dispatch)
}
