//! How one simulated call ends, and how a test scripts it for a particular number.

use livekit_protocol::DisconnectReason;
use serde::{Deserialize, Serialize};

use super::sip_status::SipStatus;

/// What the phone network does with one call.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq, Eq, Hash)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// A person answers, talks, then hangs up.
    Answer,
    /// A voicemail system answers; the call is short and the agent reports `voicemail`.
    Voicemail,
    /// A person answers, then the trunk loses the call mid-conversation: the SIP leg
    /// leaves with CLIENT_INITIATED and `sip.callStatus` still `active`, no hangup.
    DroppedMidCall,
    /// The phone rings until the ringing timeout.
    NoAnswer,
    /// 486 Busy Here, after some ringing.
    Busy,
    /// 603 Decline: the callee rejects the call.
    Reject,
    /// 404 Not Found: the number does not exist. No ringing.
    InvalidNumber,
    /// 484 Address Incomplete: the number is too short. No ringing.
    AddressIncomplete,
    /// 480 Temporarily Unavailable: phone off or out of coverage, after some ringing.
    Unavailable,
    /// 503 Service Unavailable from the carrier. No ringing.
    TrunkFailure,
    /// 503 because the trunk is over its concurrent-call limit (chosen by the sandbox, not drawn).
    CarrierLimit,
    /// 503 because the trunk is over its calls-per-second limit (chosen by the sandbox).
    CallRateLimit,
}

impl Outcome {
    /// The final SIP response that fails the INVITE, if the call fails with one.
    pub fn final_status(self) -> Option<SipStatus> {
        let (code, reason) = match self {
            Self::Answer | Self::Voicemail | Self::DroppedMidCall | Self::NoAnswer => return None,
            Self::Busy => (486, "Busy Here"),
            Self::Reject => (603, "Decline"),
            Self::InvalidNumber => (404, "Not Found"),
            Self::AddressIncomplete => (484, "Address Incomplete"),
            Self::Unavailable => (480, "Temporarily Unavailable"),
            Self::TrunkFailure => (503, "Service Unavailable"),
            Self::CarrierLimit => (503, "concurrent call limit exceeded"),
            Self::CallRateLimit => (503, "cps limit exceeded"),
        };
        Some(SipStatus::new(code, reason))
    }

    /// Whether the callee's phone rings (`sip.callStatus` reaches `ringing`) first.
    pub fn rings(self) -> bool {
        !matches!(
            self,
            Self::InvalidNumber
                | Self::AddressIncomplete
                | Self::TrunkFailure
                | Self::CarrierLimit
                | Self::CallRateLimit
        )
    }

    /// Whether someone (or something) picks up.
    pub fn answers(self) -> bool {
        matches!(self, Self::Answer | Self::Voicemail | Self::DroppedMidCall)
    }

    /// The participant's disconnect reason when the call fails this way, as the OSS server
    /// reports it (reference/livekit-protocol.md §4.4).
    pub fn failure_reason(self) -> DisconnectReason {
        match self {
            Self::InvalidNumber | Self::Unavailable | Self::NoAnswer => {
                DisconnectReason::UserUnavailable
            }
            Self::Busy
            | Self::Reject
            | Self::AddressIncomplete
            | Self::CarrierLimit
            | Self::CallRateLimit => DisconnectReason::UserRejected,
            // callDropped: any non-kept leave reason becomes CLIENT_INITIATED on the server.
            Self::TrunkFailure | Self::Answer | Self::Voicemail | Self::DroppedMidCall => {
                DisconnectReason::ClientInitiated
            }
        }
    }
}

/// A scripted call for one number, overriding the drawn outcome and durations.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct ScriptedCall {
    pub outcome: Outcome,
    /// Simulated seconds of ringing before the outcome (default: drawn).
    #[serde(default)]
    pub ring_secs: Option<f64>,
    /// Simulated seconds of talk once answered (default: drawn).
    #[serde(default)]
    pub talk_secs: Option<f64>,
    /// The disposition the agent reports (default: drawn; `voicemail` for voicemail).
    #[serde(default)]
    pub disposition: Option<String>,
    /// The note the agent adds to its disposition.
    #[serde(default)]
    pub note: Option<String>,
}

impl ScriptedCall {
    pub fn new(outcome: Outcome) -> Self {
        Self {
            outcome,
            ring_secs: None,
            talk_secs: None,
            disposition: None,
            note: None,
        }
    }

    pub fn ring_secs(mut self, secs: f64) -> Self {
        self.ring_secs = Some(secs);
        self
    }

    pub fn talk_secs(mut self, secs: f64) -> Self {
        self.talk_secs = Some(secs);
        self
    }

    pub fn disposition(mut self, disposition: &str, note: Option<&str>) -> Self {
        self.disposition = Some(disposition.to_string());
        self.note = note.map(str::to_string);
        self
    }
}
