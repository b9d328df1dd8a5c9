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
    /// A caller ID of the pool was rested for the day: its answer rate collapsed.
    CallerIdRested,
    /// The agent is in the room (or did not come within the join timeout).
    AgentJoined,
    AgentMissing,
    /// The call's recording started (its file location), or could not (why).
    Recording,
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
    CallerIdRested => "caller_id_rested",
    AgentJoined => "agent_joined",
    AgentMissing => "agent_missing",
    Recording => "recording",
});

/// What the agent says the call was (`voicemail`, `interested`, `callback`, ...). Free
/// text chosen by the agent, trimmed and bounded so it fits a table cell: an agent's
/// longer one is cut to [`Disposition::MAX_LEN`] (kept, not refused, so the call's
/// report is not lost; without a marker, as rules compare it); the API refuses it.
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

    /// The disposition squashed to lower-case letters and digits, as rules compare it.
    pub fn key(&self) -> String {
        squash(&self.0)
    }
}

/// An agent's note is kept to this many characters: it is shown in the timeline and
/// exported with every attempt.
pub const MAX_NOTE_CHARS: usize = 1024;

/// An agent's note as it is kept. A longer one is cut and the cut marked, not refused:
/// the agent reports once, as it leaves the room, and refusing the note would lose the
/// disposition that comes with it. (The API, whose caller can send again, refuses.)
pub fn clip_note(note: &str) -> String {
    let chars = note.chars().count();
    if chars <= MAX_NOTE_CHARS {
        return note.to_string();
    }
    let mark = format!("… [cut: {chars} characters in all]");
    let kept: String = note
        .chars()
        .take(MAX_NOTE_CHARS - mark.chars().count())
        .collect();
    kept + &mark
}

/// Lower-case letters and digits only: `Call-Back` and `call back` are one word.
pub(crate) fn squash(text: &str) -> String {
    text.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// The dispositions that mean the callee asked not to be called again: the number goes
/// on the do-not-call list at once. Case, spaces and dashes do not matter (`Do Not
/// Call`, `do-not-call`). [`DO_NOT_CALL_DISPOSITIONS`] and any synonyms the operator
/// adds (`[engine] do_not_call_dispositions`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OptOutWords(std::collections::BTreeSet<String>);

impl Default for OptOutWords {
    fn default() -> Self {
        Self(
            DO_NOT_CALL_DISPOSITIONS
                .iter()
                .map(|w| w.to_string())
                .collect(),
        )
    }
}

impl OptOutWords {
    /// The built-in words and `synonyms`.
    pub fn with_synonyms(synonyms: &[String]) -> Self {
        let mut words = Self::default();
        words
            .0
            .extend(synonyms.iter().map(|s| squash(s)).filter(|s| !s.is_empty()));
        words
    }

    pub fn matches(&self, disposition: &Disposition) -> bool {
        self.0.contains(&disposition.key())
    }
}

/// Dispositions, squashed to letters and digits, that mean "do not call me again".
pub const DO_NOT_CALL_DISPOSITIONS: &[&str] = &[
    "donotcall",
    "dnc",
    "dontcall",
    "optout",
    "removeme",
    "unsubscribe",
    "stopcalling",
];

impl std::fmt::Display for Disposition {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
mod tests {
    use super::{Disposition, OptOutWords};

    #[test]
    fn do_not_call_and_its_synonyms_are_recognised_however_they_are_written() {
        let words = OptOutWords::with_synonyms(&["No more calls".to_string()]);
        for yes in [
            "do_not_call",
            "Do Not Call",
            "do-not-call",
            "DNC",
            "opt_out",
            "remove me",
            "no_more_calls",
        ] {
            assert!(words.matches(&Disposition::new(yes).unwrap()), "{yes}");
        }
        for no in ["voicemail", "interested", "callback", "not_interested"] {
            assert!(!words.matches(&Disposition::new(no).unwrap()), "{no}");
        }
        assert!(!OptOutWords::default().matches(&Disposition::new("no more calls").unwrap()));
    }
}
