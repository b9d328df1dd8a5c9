//! Answer rate: answered calls over calls that reached a verdict on the network. A dial
//! LiveKit never placed, a call cut off by a crash (we cannot know how it ended) and one
//! the operator cancelled are neither answered nor unanswered, so they count in neither.
//! Calls still live count in neither, so the rate never tops 100%.

use super::super::Outcome;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
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
                if outcome.was_answered() {
                    rate.answered += n;
                }
            }
        }
        rate
    }

    /// Whether a call that ended this way counts in the rate at all.
    pub fn decides(outcome: Outcome) -> bool {
        !matches!(
            outcome,
            Outcome::NotPlaced | Outcome::Interrupted | Outcome::Canceled
        )
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
        let map = BTreeMap::from([(Completed, 1), (NoAnswer, 3)]);
        assert_eq!(AnswerRate::of(&map).ratio(), Some(0.25));
    }
}
