//! The end of a call: the agent's last word awaited, the room deleted, the outcome
//! and the lead's fate written until the write lands.

use super::*;
use crate::domain::{LeadState, Outcome};
use crate::engine::retry;
use crate::engine::slots::CallSignal;
use crate::store::attempts::{self, FinishAttempt};
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
    pub(super) async fn finish(&self, call: &Call, ending: Ending) {
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
    pub(super) async fn write_until_it_lands(
        &self,
        call: &Call,
        finish: FinishAttempt,
    ) -> Option<LeadState> {
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
}
