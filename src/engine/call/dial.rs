//! Placing a call: the write-ahead row, the dial and the agent dispatch sent together,
//! and what a failed dial means for the lead and the engine.

use super::*;
use crate::domain::calling_hours;
use crate::domain::{AttemptEventKind, AttemptState, DispatchMode, Outcome};
use crate::engine::slots::CallSignal;
use crate::store::attempts::{self, BeginAttempt, Begun, CallIds, StartedAttempt};
use crate::telephony::{CallProgressKind, DialFailure, DialRequest, DispatchRequest, Telephony};
use serde_json::json;
use std::sync::Arc;
use tokio::sync::mpsc;

impl<T: Telephony> CallContext<T> {
    /// Places one call: write-ahead row, dial with agent dispatch, follow, clean up,
    /// persist the outcome.
    pub async fn place(self: Arc<Self>, mut job: CallJob) {
        let now = job.at;
        let zone = calling_hours::lead_zone(job.lead.timezone.as_deref(), job.settings.tz());
        let begin = BeginAttempt {
            campaign: job.campaign,
            lead: job.lead.id,
            now,
            room_prefix: self.room_prefix.clone(),
            per_number_limit: self.per_number_limit,
            number_day_start: calling_hours::day_start(zone, now),
            variant: job
                .settings
                .variant_for(job.lead.id)
                .map(|v| v.name.clone()),
        };
        let started = match self
            .store
            .write(move |conn| attempts::begin(conn, &begin))
            .await
        {
            Ok(Begun::Started(started)) => started,
            Ok(Begun::OnDnc) => {
                return self
                    .report(Report::NotStarted {
                        key: job.key,
                        why: NotStarted::OnDnc,
                    })
                    .await
            }
            Ok(Begun::NumberLimitReached) => {
                let until = calling_hours::next_midnight(zone, now);
                return self
                    .report(Report::NotStarted {
                        key: job.key,
                        why: NotStarted::NumberLimit { until },
                    })
                    .await;
            }
            Ok(Begun::NotDialable) => {
                return self
                    .report(Report::NotStarted {
                        key: job.key,
                        why: NotStarted::NotDialable,
                    })
                    .await
            }
            Ok(Begun::CallerIdsUnavailable {
                until,
                capped,
                resting,
            }) => {
                return self
                    .report(Report::NotStarted {
                        key: job.key,
                        why: NotStarted::CallerIdsUnavailable {
                            until,
                            capped,
                            resting,
                        },
                    })
                    .await
            }
            Err(e) => {
                return self
                    .report(Report::NotStarted {
                        key: job.key,
                        why: NotStarted::Store(e.to_string()),
                    })
                    .await
            }
        };
        let mut call = Call {
            key: job.key,
            campaign: job.campaign,
            attempt: started.attempt,
            lead: started.lead.id,
            lead_attempts: started.lead.attempts,
            phone: started.phone.clone(),
            other_numbers: started.other_numbers,
            number: started.number,
            room: started.room.clone(),
            dialed_at: started.dialed_at,
            answered_at: None,
            settings: job.settings.clone(),
            hang_up_requested: false,
            reported: None,
            fate: None,
            answered_instant: None,
            agent_joined: None,
            agent_identity: None,
            agent_watch: AgentWatch::default(),
        };
        let (dial, dispatch) = requests(&job, &started);
        self.report(Report::Begun {
            key: job.key,
            started,
        })
        .await;

        let ending = match self
            .dial(&mut call, &dial, dispatch.as_ref(), &mut job.signals)
            .await
        {
            Some(ending) => ending,
            None => self.follow(&mut call, &mut job.signals).await,
        };
        let listen = ending.agent_may_report;
        self.finish(&mut call, ending).await;
        self.close(&mut call, listen, &mut job.signals).await;
    }

    /// Sends the dial and the dispatch together and waits for the answer. `None` when
    /// the call was answered (now in `call.answered_at`), else how it ended.
    pub(super) async fn dial(
        &self,
        call: &mut Call,
        dial: &DialRequest,
        dispatch: Option<&DispatchRequest>,
        signals: &mut mpsc::Receiver<CallSignal>,
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
                        CallProgressKind::AgentJoined { identity } => self.agent_joined(call, &identity).await,
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
            // The agent actually dispatched: the variant's, not the campaign's default.
            let dispatched_agent = dispatch.map_or_else(String::new, |d| d.agent_name.clone());
            let (id, agent) = (dispatch_id.clone(), dispatched_agent.clone());
            if store
                .write(move |conn| attempts::set_dispatch(conn, attempt, campaign, &id, &agent, at))
                .await
                .is_ok()
            {
                self.report(Report::Noted {
                    key: call.key,
                    kind: AttemptEventKind::AgentDispatched,
                    at,
                    detail: dispatched_agent,
                })
                .await;
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
                } else if call.settings.record {
                    self.record(call).await;
                }
                None
            }
            Err(DialFailure::Uncertain { message }) => {
                self.settle_uncertain(call, message, signals).await
            }
            Err(failure) => Some(self.dial_failed(call, failure, early_end)),
        }
    }

    pub(super) fn dial_failed(
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
}

/// Carrier wording for "too many calls" (SIP 503 "flood", "limit exceeded").
pub(super) fn is_rate_text(text: &str) -> bool {
    let text = text.to_ascii_lowercase();
    ["flood", "limit", "rate", "too many"]
        .iter()
        .any(|w| text.contains(w))
}

/// The dial and (for explicit dispatch) the agent dispatch of one attempt.
pub(super) fn requests(
    job: &CallJob,
    started: &StartedAttempt,
) -> (DialRequest, Option<DispatchRequest>) {
    let settings = &job.settings;
    let lead = &started.lead;
    // The variant is a function of the lead, so a retry dispatches the same agent and prompt.
    let variant = settings.variant_for(lead.id);
    let metadata = json!({
        "campaign_id": job.campaign.0,
        "lead_id": lead.id.0,
        "attempt_id": started.attempt.0,
        "attempt_number": started.number,
        "phone": started.phone,
        "lead_phone": lead.phone,
        "caller_id": started.caller_id,
        "name": lead.name,
        "variables": lead.variables,
        "prompt": settings.prompt_for(variant),
        "variant": variant.map(|v| v.name.as_str()),
    })
    .to_string();
    let dial = DialRequest {
        campaign: job.campaign,
        lead: lead.id,
        attempt: started.attempt,
        room: started.room.clone(),
        participant_identity: format!("callee-{}", started.attempt.0),
        participant_name: lead.name.clone().unwrap_or_else(|| started.phone.clone()),
        participant_metadata: metadata.clone(),
        participant_attributes: crate::telephony::attributes::call_attributes(
            job.campaign,
            lead.id,
            started.attempt,
        ),
        trunk_id: settings.trunk_id.clone(),
        phone: started.phone.clone(),
        caller_id: started.caller_id.clone(),
        ringing_timeout: settings.ringing_timeout(),
        max_call_duration: settings.max_call_duration(),
        krisp: settings.krisp,
        dtmf: settings.dtmf.clone(),
        wait_until_answered: true,
    };
    let dispatch = (settings.dispatch == DispatchMode::Explicit).then(|| DispatchRequest {
        room: started.room.clone(),
        agent_name: settings.agent_for(variant).to_string(),
        metadata,
    });
    (dial, dispatch)
}
