//! A caller ID's health: its answer rate over its last calls, and the rule that rests
//! a number whose rate has fallen well below the rest of its pool (carriers labelling
//! it "Spam Likely" look exactly like that).

use super::attempt::Outcome;
use super::figures::AnswerRate;
use std::fmt;

/// Calls the answer rate is taken over, newest first.
pub const WINDOW: usize = 50;
/// Fewer calls than this say nothing yet: a number is neither judged nor counted in the
/// pool's median until it has made them.
pub const MIN_CALLS: usize = 10;

/// Answered calls out of the last calls (at most `WINDOW`) of one caller ID.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Health {
    pub calls: usize,
    pub answered: usize,
}

impl Health {
    /// From outcomes newest first, counted as the answer rate counts them
    /// (`domain::figures::AnswerRate`): the same figure as the campaign's.
    pub fn from_outcomes(newest_first: impl IntoIterator<Item = Outcome>) -> Health {
        let mut health = Health::default();
        for outcome in newest_first
            .into_iter()
            .filter(|o| AnswerRate::decides(*o))
            .take(WINDOW)
        {
            health.calls += 1;
            health.answered += usize::from(AnswerRate::counts_answered(outcome));
        }
        health
    }

    /// Answered share in 0..=1; `None` before the first call.
    pub fn rate(&self) -> Option<f64> {
        (self.calls > 0).then(|| self.answered as f64 / self.calls as f64)
    }

    /// Enough calls to be judged.
    pub fn is_judged(&self) -> bool {
        self.calls >= MIN_CALLS
    }
}

/// `42% (21/50)`, or `-` before any call.
impl fmt::Display for Health {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.rate() {
            Some(rate) => write!(f, "{:.0}% ({}/{})", rate * 100.0, self.answered, self.calls),
            None => f.write_str("-"),
        }
    }
}

/// Why a number is rested: its rate, the pool's median and the floor it fell below.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RestVerdict {
    pub health: Health,
    pub pool_median: f64,
    pub floor_pct: u32,
}

impl fmt::Display for RestVerdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "answer rate {} over its last {} calls is below {}% of the pool's median {:.0}%",
            self.health,
            self.health.calls,
            self.floor_pct,
            self.pool_median * 100.0
        )
    }
}

/// The median answer rate of the pool's judged numbers; `None` when none is judged.
pub fn pool_median(pool: &[Health]) -> Option<f64> {
    let mut rates: Vec<f64> = pool
        .iter()
        .filter(|h| h.is_judged())
        .filter_map(Health::rate)
        .collect();
    if rates.is_empty() {
        return None;
    }
    rates.sort_by(f64::total_cmp);
    let mid = rates.len() / 2;
    Some(if rates.len() % 2 == 1 {
        rates[mid]
    } else {
        (rates[mid - 1] + rates[mid]) / 2.0
    })
}

/// Rest `number` for the day when it is judged and its answer rate is below
/// `floor_pct` percent of the pool's median. A floor of 0 never rests; a pool of one
/// never rests its only number (its rate cannot be below a share of itself).
pub fn rest_verdict(number: Health, pool: &[Health], floor_pct: u32) -> Option<RestVerdict> {
    if floor_pct == 0 || !number.is_judged() {
        return None;
    }
    let median = pool_median(pool)?;
    let rate = number.rate()?;
    (rate < median * f64::from(floor_pct) / 100.0).then_some(RestVerdict {
        health: number,
        pool_median: median,
        floor_pct,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use Outcome::*;

    fn health(answered: usize, calls: usize) -> Health {
        Health { calls, answered }
    }

    #[test]
    fn the_rate_is_over_the_last_fifty_placed_calls() {
        let mut outcomes = vec![NotPlaced; 5];
        outcomes.extend(vec![Completed; 10]);
        outcomes.extend(vec![NoAnswer; 40]);
        outcomes.extend(vec![Completed; 30]); // older than the window
        let h = Health::from_outcomes(outcomes);
        assert_eq!(h, health(10, 50));
        assert_eq!(h.to_string(), "20% (10/50)");
        assert_eq!(Health::default().to_string(), "-");
        assert_eq!(Health::default().rate(), None);
    }

    #[test]
    fn median_of_judged_numbers_only() {
        let pool = [health(5, 10), health(3, 10), health(9, 10), health(0, 2)];
        assert_eq!(pool_median(&pool), Some(0.5));
        assert_eq!(pool_median(&[health(2, 10), health(6, 10)]), Some(0.4));
        assert_eq!(pool_median(&[health(1, 3)]), None);
    }

    #[test]
    fn table_of_rest_verdicts() {
        let pool = [health(25, 50), health(30, 50), health(5, 50)];
        // (number, floor, rested)
        let cases = [
            (health(5, 50), 40, true),   // 10% < 40% of 50%
            (health(10, 50), 40, false), // 20% is exactly the floor: not below
            (health(9, 50), 40, true),
            (health(5, 50), 0, false),   // floor 0: never
            (health(0, 9), 40, false),   // too few calls to judge
            (health(25, 50), 40, false), // the median itself
        ];
        for (number, floor, rested) in cases {
            assert_eq!(
                rest_verdict(number, &pool, floor).is_some(),
                rested,
                "{number} floor {floor}"
            );
        }
        let verdict = rest_verdict(health(5, 50), &pool, 40).unwrap();
        assert_eq!(
            verdict.to_string(),
            "answer rate 10% (5/50) over its last 50 calls is below 40% of the pool's median 50%"
        );
    }

    #[test]
    fn a_pool_of_one_never_rests_its_number() {
        let only = health(1, 50);
        assert_eq!(rest_verdict(only, &[only], 40), None);
    }
}
