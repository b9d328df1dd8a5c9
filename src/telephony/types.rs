use crate::domain::{AttemptId, CampaignId, LeadId, Outcome};
use chrono::{DateTime, Utc};
use std::collections::HashMap;
use std::time::Duration;
use thiserror::Error;

/// One call to place. `room` is unique per attempt (`<prefix>-<campaign>-<attempt>`).
#[derive(Debug, Clone)]
pub struct DialRequest {
    pub campaign: CampaignId,
    pub lead: LeadId,
    pub attempt: AttemptId,
    pub room: String,
    pub participant_identity: String,
    pub participant_name: String,
    /// JSON handed to the room as the participant's metadata.
    pub participant_metadata: String,
    /// Campaign, lead and attempt ids, so webhooks and polling can be matched back.
    pub participant_attributes: HashMap<String, String>,
    pub trunk_id: String,
    /// E.164 number to call.
    pub phone: String,
    /// Caller ID, sent as `sip_number`.
    pub caller_id: Option<String>,
    pub ringing_timeout: Duration,
    pub max_call_duration: Duration,
    pub krisp: bool,
    pub dtmf: Option<String>,
    pub wait_until_answered: bool,
}

/// LiveKit accepted the call (and, when waiting, the callee answered).
#[derive(Debug, Clone, PartialEq)]
pub struct Dialed {
    pub participant_sid: String,
    pub participant_identity: String,
    pub room: String,
    pub sip_call_id: String,
    /// When LiveKit's answer arrived.
    pub at: DateTime<Utc>,
}

/// Why a dial did not connect. Three kinds, because they are handled three ways.
#[derive(Debug, Clone, PartialEq, Error)]
pub enum DialFailure {
    /// The call was placed and the phone network ended it: a lead outcome.
    #[error("{outcome}: {message}")]
    Call {
        outcome: Outcome,
        sip_status_code: Option<i32>,
        sip_status: Option<String>,
        /// The Twirp error code LiveKit answered with.
        twirp_code: String,
        message: String,
    },
    /// The campaign is set up wrong (unknown trunk, bad credentials): pause it and
    /// tell the operator `fix`; the lead is not at fault.
    #[error("{problem}: {fix}")]
    Configuration { problem: String, fix: String },
    /// LiveKit unreachable, 5xx, rate limited: no call was placed. Retry the lead later
    /// without spending an attempt, and back off.
    #[error("LiveKit unavailable: {message}")]
    Infrastructure {
        message: String,
        twirp_code: Option<String>,
        rate_limited: bool,
    },
    /// The request reached LiveKit and no answer came back (our timeout, a connection
    /// lost mid-request, a restart): the call may have been placed. Not a verdict: the
    /// room must be checked before the attempt can be called not placed.
    #[error("LiveKit did not confirm the dial: {message}")]
    Uncertain { message: String },
}

#[derive(Debug, Clone)]
pub struct DispatchRequest {
    pub room: String,
    pub agent_name: String,
    /// JSON: campaign id, lead id, attempt id, phone, name, the lead's variables, prompt.
    pub metadata: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TelephonyError {
    #[error("LiveKit rejected the request: {code}: {message}")]
    Rejected { code: String, message: String },
    #[error("LiveKit unavailable: {0}")]
    Unavailable(String),
    #[error("{problem}: {fix}")]
    Configuration { problem: String, fix: String },
}

/// The SIP participant's `sip.callStatus` attribute.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LiveCallStatus {
    Dialing,
    Ringing,
    Automation,
    Active,
    Hangup,
    Other,
}

impl LiveCallStatus {
    pub fn from_attribute(value: &str) -> Self {
        match value {
            "dialing" => Self::Dialing,
            "ringing" => Self::Ringing,
            "automation" => Self::Automation,
            "active" => Self::Active,
            "hangup" => Self::Hangup,
            _ => Self::Other,
        }
    }
}

/// What `ListParticipants` shows of a call's room.
#[derive(Debug, Clone, PartialEq)]
pub struct LiveCall {
    pub participant_identity: String,
    pub status: LiveCallStatus,
    /// `switchboard.disposition` set by the agent, if any (see sandbox/agent.rs).
    pub disposition: Option<String>,
    /// `switchboard.note`, the agent's one line about the call, if any.
    pub note: Option<String>,
    /// `switchboard.callback_at`, when the callee asked to be called back, if given.
    pub callback_at: Option<String>,
}

/// What the agent reported about a call through its participant attributes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AgentReport {
    pub disposition: String,
    pub note: Option<String>,
    pub callback_at: Option<String>,
}

/// One room as `RoomService.ListRooms` shows it: the cheap, batched look the poller
/// takes at every watched room each tick.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoomSummary {
    pub name: String,
    /// A new sid under the same name is a different room.
    pub sid: String,
    /// Participants that are not agents or egress (livekit-server leaves those
    /// "dependent" ones out): for our calls, the SIP callee while it is in the room.
    pub num_participants: u32,
    /// Participants publishing a track, agents included.
    pub num_publishers: u32,
    pub metadata: String,
}

/// What one `ListParticipants` shows of a call's room.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct RoomParticipants {
    /// The SIP participant's state; `None` when it is not (or no longer) in the room.
    pub call: Option<LiveCall>,
    /// The agent's report, also once the callee has left.
    pub disposition: Option<AgentReport>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct TrunkInfo {
    pub id: String,
    pub name: String,
    pub address: String,
    pub numbers: Vec<String>,
}

/// Something LiveKit told us about a call after the dial returned, from a verified
/// webhook or from polling. Matched to the attempt by room name.
#[derive(Debug, Clone, PartialEq)]
pub struct CallProgress {
    pub room: String,
    /// When it happened, as LiveKit reported it (webhook `createdAt`) or as observed.
    pub at: DateTime<Utc>,
    pub kind: CallProgressKind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum CallProgressKind {
    Ringing,
    Answered,
    /// The SIP participant left. `disconnect_reason` is LiveKit's enum name
    /// (e.g. `CLIENT_INITIATED`, `USER_UNAVAILABLE`); `last_status` the last
    /// `sip.callStatus` seen, which tells an answered hang-up from a failure.
    Ended {
        disconnect_reason: String,
        last_status: Option<LiveCallStatus>,
    },
    /// The agent reported what the call was.
    Disposition {
        value: String,
        note: Option<String>,
        /// `switchboard.callback_at` as the agent wrote it.
        callback_at: Option<String>,
    },
    /// The room is gone (`room_finished` or absent on poll).
    RoomFinished,
}
