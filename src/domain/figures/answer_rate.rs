//! Answer rate: answered calls over calls that reached a verdict on the network, one
//! definition for the console header, `status`, the API, the A/B table and each caller
//! ID's health.
//!
//! - Answered: a person picked up (`Outcome::was_answered`): `completed`, and
//!   `agent_missing` too, since the callee did answer; it was our agent that failed.
//! - Counted (the denominator): every ended call but a dial LiveKit never placed
//!   (`not_placed`), one cut off by a crash (`interrupted`: we cannot know how it ended)
//!   and one the operator cancelled before an answer (`canceled`). Those are neither
//!   answered nor unanswered, so they count in neither.
//! - Calls still live count in neither, so the rate never tops 100%.
//!
//! Talk time is averaged over exactly the calls this counts as answered
//! (`CallDurations`).

use super::super::Outcome;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct AnswerRate {
    pub answered: u64,
    pub decided: u64,
}

impl AnswerRate {
    /// From ended attempts by outcome.
    pub fn of<'a>(outcomes: impl IntoIterator<Item = (&'a Outcome, &'a u64)>) -> Self {
        let mut rate = AnswerRate::default();
        for (outcome, n) in outcomes {
            if Self::decides(*outcome) {
                rate.decided += n;
            }
            if Self::counts_answered(*outcome) {
                rate.answered += n;
            }
        }
        rate
    }

    /// This rate with one more ended call.
    pub fn plus(self, outcome: Outcome) -> Self {
        AnswerRate {
            answered: self.answered + u64::from(Self::counts_answered(outcome)),
            decided: self.decided + u64::from(Self::decides(outcome)),
        }
    }

    /// Whether a call that ended this way counts in the rate at all.
    pub fn decides(outcome: Outcome) -> bool {
        !matches!(
            outcome,
            Outcome::NotPlaced | Outcome::Interrupted | Outcome::Canceled
        )
    }

    /// Whether a call that ended this way counts as answered in the rate.
    pub fn counts_answered(outcome: Outcome) -> bool {
        Self::decides(outcome) && outcome.was_answered()
    }

    /// Two groups of calls as one (hours summed into a day).
    pub fn merged(self, other: AnswerRate) -> Self {
        AnswerRate {
            answered: self.answered + other.answered,
            decided: self.decided + other.decided,
        }
    }

    /// `None` before the first decided call.
    pub fn ratio(&self) -> Option<f64> {
        (self.decided > 0).then(|| self.answered as f64 / self.decided as f64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn only_decided_calls_count() {
        use Outcome::*;
        // outcomes → (answered, decided)
        type Row = (&'static [(Outcome, u64)], (u64, u64));
        let table: &[Row] = &[
            (&[], (0, 0)),
            (&[(Completed, 3), (NoAnswer, 1)], (3, 4)),
            (&[(Busy, 2), (Rejected, 1), (TrunkFailure, 1)], (0, 4)),
            (&[(NotPlaced, 5), (Interrupted, 2), (Canceled, 1)], (0, 0)),
            (&[(Completed, 1), (InvalidNumber, 1), (Error, 2)], (1, 4)),
            // A person picked up, though no agent joined: answered.
            (&[(AgentMissing, 2), (NoAnswer, 2)], (2, 4)),
        ];
        for (outcomes, (answered, decided)) in table {
            let map: BTreeMap<Outcome, u64> = outcomes.iter().copied().collect();
            let rate = AnswerRate::of(&map);
            assert_eq!(
                (rate.answered, rate.decided),
                (*answered, *decided),
                "{outcomes:?}"
            );
            assert!(rate.ratio().is_none_or(|r| r <= 1.0));
        }
        assert_eq!(AnswerRate::of(&BTreeMap::new()).ratio(), None);
        let (a, b) = (
            BTreeMap::from([(Completed, 2)]),
            BTreeMap::from([(Busy, 2)]),
        );
        let both = BTreeMap::from([(Completed, 2), (Busy, 2)]);
        assert_eq!(
            AnswerRate::of(&a).merged(AnswerRate::of(&b)),
            AnswerRate::of(&both)
        );
        let map = BTreeMap::from([(Completed, 1), (NoAnswer, 3)]);
        assert_eq!(AnswerRate::of(&map).ratio(), Some(0.25));
    }
}
