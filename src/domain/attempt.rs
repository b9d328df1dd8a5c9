use super::transition::{status_names, IllegalTransition};

/// The disconnect reason recorded for an answered call the operator ended (hang up,
/// stop with hang-up): its outcome is `completed`, and this says who ended it. A call
/// the operator ended before it was answered is `canceled`.
pub const OPERATOR_HANG_UP: &str = "OPERATOR_HANG_UP";

/// How a call ended. Every attempt ends in exactly one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Outcome {
    /// Answered and later hung up.
    Completed,
    NoAnswer,
    Busy,
    Rejected,
    InvalidNumber,
    TrunkFailure,
    Error,
    /// A crash or power loss cut it off, or LiveKit never confirmed a dial that then
    /// left no trace: we could not learn how it ended (or whether it rang).
    Interrupted,
    /// Ended by the operator (hang up, stop) before it was answered.
    Canceled,
    /// LiveKit never accepted the dial (unreachable, 5xx, rate limited): no call was
    /// placed, so it does not count against the lead's attempts.
    NotPlaced,
    /// Answered, but no agent joined the room in time: the call was ended so the callee
    /// was not left in silence, and the lead is retried without spending an attempt.
    AgentMissing,
    /// Answered, then the line dropped before either side hung up (the trunk, the
    /// carrier or the network): LiveKit's SIP leg left still `active`, with no `hangup`.
    /// The talk time is real; the conversation was cut short.
    Dropped,
}

status_names!(Outcome {
    Completed => "completed",
    NoAnswer => "no_answer",
    Busy => "busy",
    Rejected => "rejected",
    InvalidNumber => "invalid_number",
    TrunkFailure => "trunk_failure",
    Error => "error",
    Interrupted => "interrupted",
    Canceled => "canceled",
    NotPlaced => "not_placed",
    AgentMissing => "agent_missing",
    Dropped => "dropped",
});

impl Outcome {
    /// Counts against `max_attempts` and the per-number daily limit.
    pub fn counts_as_attempt(self) -> bool {
        !matches!(self, Outcome::NotPlaced | Outcome::AgentMissing)
    }

    /// A person picked up: the call was answered and later hung up (`completed`),
    /// answered with no agent joining in time (`agent_missing`; the callee did answer),
    /// or answered and then cut off by the line (`dropped`).
    /// The answer rate's numerator everywhere (`domain::figures::AnswerRate`).
    pub fn was_answered(self) -> bool {
        matches!(
            self,
            Outcome::Completed | Outcome::AgentMissing | Outcome::Dropped
        )
    }

    /// LiveKit placed the call (it rang, or the network refused it): every outcome but
    /// `not_placed`. What `switchboard_calls_placed_total` counts.
    pub fn was_placed(self) -> bool {
        self != Outcome::NotPlaced
    }

    /// Default retry rule of a new campaign.
    pub const DEFAULT_RETRY_ON: &'static [Outcome] =
        &[Outcome::NoAnswer, Outcome::Busy, Outcome::TrunkFailure];

    /// The outcomes a campaign's `retry_on` may name. Answered calls and numbers that do
    /// not exist are never retried, and a dial LiveKit never placed (`not_placed`) is
    /// always tried again without spending an attempt: naming those would promise a
    /// choice that does not exist.
    pub const RETRYABLE: &'static [Outcome] = &[
        Outcome::NoAnswer,
        Outcome::Busy,
        Outcome::Rejected,
        Outcome::TrunkFailure,
        Outcome::Error,
        Outcome::Canceled,
        // A call cut off by a crash, never seen answered: retried only when listed.
        Outcome::Interrupted,
        // Answered, then cut off by the line: the conversation may be worth finishing.
        Outcome::Dropped,
    ];

    pub fn is_retryable(self) -> bool {
        Self::RETRYABLE.contains(&self)
    }
}

/// `queued → dialing → ringing → answered → ended(outcome)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AttemptState {
    Queued,
    Dialing,
    Ringing,
    Answered,
    Ended(Outcome),
}

/// In the OpenAPI document: a string, a live call's state or the outcome it ended in.
impl utoipa::PartialSchema for AttemptState {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        let live = [
            AttemptState::Queued,
            AttemptState::Dialing,
            AttemptState::Ringing,
            AttemptState::Answered,
        ];
        let names = live
            .into_iter()
            .chain(Outcome::ALL.iter().map(|o| AttemptState::Ended(*o)))
            .map(AttemptState::as_str);
        utoipa::openapi::schema::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .enum_values(Some(names))
            .description(Some(
                "queued, dialing, ringing, answered while live; the outcome once ended",
            ))
            .into()
    }
}

impl utoipa::ToSchema for AttemptState {}

impl AttemptState {
    pub fn as_str(self) -> &'static str {
        match self {
            AttemptState::Queued => "queued",
            AttemptState::Dialing => "dialing",
            AttemptState::Ringing => "ringing",
            AttemptState::Answered => "answered",
            AttemptState::Ended(outcome) => outcome.as_str(),
        }
    }

    pub fn is_terminal(self) -> bool {
        matches!(self, AttemptState::Ended(_))
    }

    pub fn outcome(self) -> Option<Outcome> {
        match self {
            AttemptState::Ended(o) => Some(o),
            _ => None,
        }
    }

    pub fn can_become(self, next: AttemptState) -> bool {
        use AttemptState::*;
        match (self, next) {
            (Queued, Dialing) => true,
            // `ringing` may be skipped: LiveKit does not always report it.
            (Dialing, Ringing | Answered) | (Ringing, Answered) => true,
            // Only an answered call can complete; any live call can fail.
            (Answered, Ended(Outcome::Completed)) => true,
            (Queued | Dialing | Ringing, Ended(o)) => o != Outcome::Completed,
            (Answered, Ended(o)) => matches!(
                o,
                Outcome::Interrupted | Outcome::Error | Outcome::AgentMissing | Outcome::Dropped
            ),
            _ => false,
        }
    }

    pub fn transition(self, next: AttemptState) -> Result<AttemptState, IllegalTransition> {
        if self.can_become(next) {
            Ok(next)
        } else {
            Err(IllegalTransition::new("call attempt", self, next))
        }
    }
}

impl std::fmt::Display for AttemptState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for AttemptState {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(match s {
            "queued" => AttemptState::Queued,
            "dialing" => AttemptState::Dialing,
            "ringing" => AttemptState::Ringing,
            "answered" => AttemptState::Answered,
            other => AttemptState::Ended(other.parse()?),
        })
    }
}

/// On the wire as in the database: `dialing`, `answered`, or the outcome's name.
impl serde::Serialize for AttemptState {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for AttemptState {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let text = String::deserialize(d)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::AttemptState::*;
    use super::Outcome::*;
    use super::*;

    #[test]
    fn a_call_moves_forward_only() {
        assert!(Queued.transition(Dialing).is_ok());
        assert!(Dialing.transition(Ringing).is_ok());
        assert!(
            Dialing.transition(Answered).is_ok(),
            "ringing can be skipped"
        );
        assert!(Answered.transition(Ended(Completed)).is_ok());
        assert!(Ringing.transition(Dialing).is_err());
        assert!(Answered.transition(Ringing).is_err());
        assert!(Queued.transition(Answered).is_err());
    }

    #[test]
    fn only_answered_calls_complete_and_ended_calls_stay_ended() {
        assert!(Ringing.transition(Ended(Completed)).is_err());
        assert!(Ringing.transition(Ended(NoAnswer)).is_ok());
        assert!(Answered.transition(Ended(Busy)).is_err());
        for outcome in Outcome::ALL {
            for next in [Queued, Dialing, Ringing, Answered, Ended(Error)] {
                assert!(Ended(*outcome).transition(next).is_err());
            }
        }
    }

    #[test]
    fn not_placed_is_not_an_attempt() {
        assert!(!NotPlaced.counts_as_attempt());
        assert!(Interrupted.counts_as_attempt());
        assert!(Busy.counts_as_attempt());
    }

    #[test]
    fn attempt_state_round_trips_through_its_name() {
        for state in [
            Queued,
            Dialing,
            Ringing,
            Answered,
            Ended(NoAnswer),
            Ended(NotPlaced),
        ] {
            assert_eq!(state.as_str().parse::<AttemptState>(), Ok(state));
        }
    }
}
