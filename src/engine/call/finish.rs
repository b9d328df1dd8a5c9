//! The end of a call: the agent's last word awaited, the room deleted, the outcome
//! and the lead's fate written until the write lands.

use super::*;
use crate::domain::figures::CallTimes;
use crate::domain::Disposition;
use crate::domain::{LeadState, Outcome};
use crate::engine::policy::lead_fate::{self, AttemptEnd};
use crate::engine::slots::CallSignal;
use crate::store::attempts::{self, FinishAttempt};
use crate::store::lead_fate as lead_fate_store;
use crate::telephony::{CallProgressKind, Telephony};
use std::time::Duration;
use tokio::sync::mpsc;

impl<T: Telephony> CallContext<T> {
    /// After the callee left, waits up to the grace for the agent's disposition (its
    /// `participant_left` follows the callee's), then deletes the room, which also ends
    /// the agent's job. `room_finished` does not cut the wait short: the poller reports
    /// it as soon as the callee is gone, while the agent may still be there.
    pub(super) async fn close(
        &self,
        call: &mut Call,
        listen: bool,
        signals: &mut mpsc::Receiver<CallSignal>,
    ) {
        if listen {
            let grace = tokio::time::sleep(self.disposition_grace);
            tokio::pin!(grace);
            loop {
                tokio::select! {
                    _ = &mut grace => break,
                    signal = signals.recv() => match signal {
                        Some(CallSignal::Progress(p)) => {
                            if let CallProgressKind::Disposition { value, note, callback_at } = p.kind {
                                let report = AgentReport { disposition: value, note, callback_at };
                                self.disposition(call, report, p.at).await;
                                break;
                            }
                        }
                        Some(CallSignal::HangUp) => {}
                        None => break,
                    },
                }
            }
        }
        // From now on a report for this call is the engine's to record (the ended
        // call's path); one already sent is still recorded here.
        signals.close();
        while let Ok(signal) = signals.try_recv() {
            if let CallSignal::Progress(p) = signal {
                if let CallProgressKind::Disposition {
                    value,
                    note,
                    callback_at,
                } = p.kind
                {
                    let report = AgentReport {
                        disposition: value,
                        note,
                        callback_at,
                    };
                    self.disposition(call, report, p.at).await;
                }
            }
        }
        if let Err(err) = self.telephony.hang_up(&call.room).await {
            tracing::debug!(room = %call.room, %err, "room clean-up failed");
        }
        self.report(Report::Closed { key: call.key }).await;
    }

    /// Decides the lead's fate and persists it with the call's end.
    pub(super) async fn finish(&self, call: &mut Call, mut ending: Ending) {
        // The operator ended an answered call: not the callee's hang-up.
        if call.hang_up_requested && ending.outcome == Outcome::Completed {
            ending.disconnect_reason = Some(crate::domain::OPERATOR_HANG_UP.to_string());
        }
        let counted = ending.outcome.counts_as_attempt() as u32;
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
            // Decided in the write, where the do-not-call list is read.
            lead_state: LeadState::Pending,
            lead_due_at: None,
            agent_join_ms: call.agent_join_ms(),
        };
        let decided = self
            .write_until_it_lands(call, finish.clone(), call.lead_attempts + counted)
            .await;
        call.fate = decided;
        let detail = attempts::describe_end(&finish);
        self.report(Report::Finished {
            key: call.key,
            end: Box::new(CallEnd {
                outcome: ending.outcome,
                lead_state: decided.map(|d| d.next.state),
                lead_due_at: decided.and_then(|d| d.next.due_at),
                dialed_at: call.dialed_at,
                times: CallTimes {
                    dialed_at: Some(call.dialed_at),
                    answered_at: call.answered_at,
                    ended_at: Some(ending.at),
                },
                agent_join_ms: call.agent_join_ms().map(|ms| ms.max(0) as u64),
                detail,
                problem: ending.problem,
            }),
        })
        .await;
    }

    /// Records the call's end with the lead's fate, decided in the same write by
    /// `lead_fate` (the do-not-call list is read there), retrying while the database
    /// cannot write (locked by another program, disk full) so the outcome is never lost
    /// while dialling goes on; the engine holds dialling meanwhile. A write that is
    /// wrong in itself, or a store that closed (shutdown), is given up and left to
    /// recovery at the next start. `None`: nothing was written now.
    pub(super) async fn write_until_it_lands(
        &self,
        call: &Call,
        finish: FinishAttempt,
        attempts: u32,
    ) -> Option<Decided> {
        let mut wait = Duration::from_millis(100);
        let mut troubled = false;
        let reported = call.reported.clone();
        // Retries are timed from the engine's clock, which the call's schedule runs on.
        let decided_at = self.clock.now();
        let other_numbers = call.other_numbers;
        loop {
            let (mut job, settings, reported) =
                (finish.clone(), call.settings.clone(), reported.clone());
            let opt_out = self.opt_out.clone();
            let written = self
                .store
                .write(move |conn| {
                    let on_dnc = lead_fate_store::number_on_dnc(conn, job.lead, job.campaign)?;
                    let disposition = reported
                        .as_ref()
                        .and_then(|r| Disposition::new(&r.disposition));
                    let end = AttemptEnd {
                        outcome: job.outcome,
                        disposition: disposition.as_ref(),
                        callback_at: reported.as_ref().and_then(|r| r.callback_at.as_deref()),
                        attempts,
                        on_dnc,
                        opted_out: disposition.as_ref().is_some_and(|d| opt_out.matches(d)),
                        other_numbers,
                        at: decided_at,
                    };
                    let next = lead_fate::after_attempt(&settings, &end);
                    job.lead_state = next.state;
                    job.lead_due_at = next.due_at;
                    Ok(attempts::finish(conn, &job)?.map(|_| next))
                })
                .await;
            match written {
                Ok(next) => {
                    if troubled {
                        self.report(Report::StoreRecovered).await;
                    }
                    return next.map(|next| Decided {
                        outcome: finish.outcome,
                        attempts,
                        at: decided_at,
                        next,
                    });
                }
                Err(err) if err.is_transient() => {
                    if !troubled {
                        tracing::warn!(attempt = %call.attempt, %err, "cannot record the end of a call yet; retrying until it lands");
                        self.report(Report::StoreTrouble {
                            error: err.to_string(),
                        })
                        .await;
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
}
