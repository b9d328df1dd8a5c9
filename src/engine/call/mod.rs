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
use super::slots::{CallKey, CallSignal};
use crate::domain::{AttemptEventKind, AttemptId, CampaignId, CampaignSettings, LeadNext, Outcome};
use crate::store::attempts::AttemptRecord;
use crate::store::{LeadRecord, Store};
use crate::telephony::{AgentReport, Telephony};
use chrono::{DateTime, Utc};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;

mod agent_watch;
mod dial;
mod finish;
mod follow;
mod recording;
mod report;
mod resume;
mod uncertain;

use agent_watch::AgentWatch;
pub use report::{CallEnd, CallProblem, NotStarted, Report};

/// What every call task shares.
pub struct CallContext<T> {
    pub telephony: Arc<T>,
    pub store: Store,
    pub clock: SharedClock,
    pub reports: mpsc::Sender<Report>,
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
    /// Dispositions that put the callee's number on the do-not-call list.
    pub opt_out: crate::domain::OptOutWords,
    /// Where recordings go, for campaigns that record.
    pub recording: crate::telephony::RecordingOutput,
}

/// A new call to place.
pub struct CallJob {
    pub key: CallKey,
    /// When the engine started this call (pacing's clock); recorded as `dialed_at`.
    pub at: DateTime<Utc>,
    pub campaign: CampaignId,
    pub lead: LeadRecord,
    pub settings: Arc<CampaignSettings>,
    pub signals: mpsc::Receiver<CallSignal>,
}

/// A call found in flight at start-up, to follow to its end.
pub struct ResumedCall {
    pub key: CallKey,
    pub attempt: AttemptRecord,
    pub lead_attempts: u32,
    pub settings: Arc<CampaignSettings>,
    pub signals: mpsc::Receiver<CallSignal>,
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
    /// The lead has a number other than `phone` still to dial: an `invalid_number`
    /// retires `phone` and the lead goes on to its next number instead of ending.
    other_numbers: bool,
    number: u32,
    room: String,
    dialed_at: DateTime<Utc>,
    answered_at: Option<DateTime<Utc>>,
    settings: Arc<CampaignSettings>,
    hang_up_requested: bool,
    /// The agent's report last recorded, so a repeat is not written twice.
    reported: Option<AgentReport>,
    /// What the call's end decided for the lead, once written: a disposition that
    /// comes later may change it.
    fate: Option<Decided>,
    /// When the answer was seen, and when the agent was first seen in the room.
    answered_instant: Option<tokio::time::Instant>,
    agent_joined: Option<tokio::time::Instant>,
    agent_identity: Option<String>,
    /// Where the agent-join watchdog stands when its deadline has passed.
    agent_watch: AgentWatch,
}

/// What a call's end decided for its lead, as written, and the facts it was decided on.
#[derive(Debug, Clone, Copy)]
struct Decided {
    outcome: Outcome,
    /// The lead's counted attempts, this one included.
    attempts: u32,
    at: DateTime<Utc>,
    next: LeadNext,
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
    /// Waits for room when the engine is behind: a report is never dropped.
    async fn report(&self, report: Report) {
        // The engine is gone only when shutting down; the rows are written regardless.
        let _ = self.reports.send(report).await;
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
        })
        .await;
    }
}
