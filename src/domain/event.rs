use super::transition::status_names;
use serde::{Deserialize, Serialize};

/// One row of an attempt's timeline (`attempt_events.kind`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AttemptEventKind {
    Queued,
    Dialing,
    Ringing,
    Answered,
    AgentDispatched,
    Disposition,
    HangupRequested,
    Ended,
    /// Found in flight after a restart and checked against LiveKit.
    Reconciled,
    /// LiveKit or the network failed; no call was placed.
    InfrastructureError,
    /// The dial reached LiveKit but its answer never came (timeout, connection lost):
    /// the room is being checked before the attempt is called anything.
    DialUncertain,
}

status_names!(AttemptEventKind {
    Queued => "queued",
    Dialing => "dialing",
    Ringing => "ringing",
    Answered => "answered",
    AgentDispatched => "agent_dispatched",
    Disposition => "disposition",
    HangupRequested => "hangup_requested",
    Ended => "ended",
    Reconciled => "reconciled",
    InfrastructureError => "infrastructure_error",
    DialUncertain => "dial_uncertain",
});

/// What the agent says the call was (`voicemail`, `interested`, `callback`, ...). Free
/// text chosen by the agent, trimmed and bounded so it fits a table cell.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Disposition(String);

impl Disposition {
    pub const MAX_LEN: usize = 64;

    pub fn new(raw: &str) -> Option<Self> {
        let trimmed: String = raw.trim().chars().take(Self::MAX_LEN).collect();
        (!trimmed.is_empty()).then_some(Self(trimmed))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Disposition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}
