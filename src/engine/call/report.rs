//! The call task's protocol: what it reports to the engine, which alone changes
//! scheduling state.

use crate::domain::{AttemptEventKind, AttemptState, CampaignId, LeadState, Outcome};
use crate::engine::slots::CallKey;
use crate::store::attempts::StartedAttempt;
use chrono::{DateTime, Utc};

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
    /// The agent's disposition, come after the call's end, changed the lead's fate
    /// (a retry rule names it).
    LeadMoved {
        campaign: CampaignId,
        lead: crate::domain::LeadId,
        from: LeadState,
        to: LeadState,
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
    /// Every caller ID of the pool is at its daily cap or resting until `until`.
    CallerIdsUnavailable {
        until: DateTime<Utc>,
        capped: usize,
        resting: usize,
    },
    Store(String),
}

/// How a call ended, as persisted.
#[derive(Debug)]
pub struct CallEnd {
    pub outcome: Outcome,
    /// The lead's new state; `None` if the outcome could not be written (the attempt
    /// stays in flight in the store and is reconciled at the next start).
    pub lead_state: Option<LeadState>,
    /// When a lead put back to wait for a retry falls due.
    pub lead_due_at: Option<DateTime<Utc>>,
    pub dialed_at: DateTime<Utc>,
    /// What its ring and talk time are computed from (`domain::figures`).
    pub times: crate::domain::figures::CallTimes,
    /// Answer to agent join, when an agent joined an answered call.
    pub agent_join_ms: Option<u64>,
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
    /// Answered, but the agent never joined: after several in a row, pause.
    AgentMissing { agent: String },
}
