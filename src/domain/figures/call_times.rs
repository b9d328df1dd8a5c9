//! Ring time and talk time of one call, and their means over many.
//!
//! Ring time is dial → answer, or dial → end for a call never answered, and never more
//! than the campaign's ring timeout: LiveKit gives up at the timeout, so anything
//! longer is our own lateness in noticing (a slow poll), not ringing. Talk time is
//! answer → the callee leaving (the attempt's end).

use super::super::Outcome;
use super::AnswerRate;
use chrono::{DateTime, Duration, Utc};

/// The timestamps a call's durations come from.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CallTimes {
    pub dialed_at: Option<DateTime<Utc>>,
    pub answered_at: Option<DateTime<Utc>>,
    pub ended_at: Option<DateTime<Utc>>,
}

impl CallTimes {
    /// From unix milliseconds, as the store keeps them.
    pub fn from_millis(dialed: Option<i64>, answered: Option<i64>, ended: Option<i64>) -> Self {
        let at = |ms: Option<i64>| ms.and_then(DateTime::from_timestamp_millis);
        CallTimes {
            dialed_at: at(dialed),
            answered_at: at(answered),
            ended_at: at(ended),
        }
    }

    /// How long it rang, once that is known (answered or ended).
    pub fn ring_time(&self, ring_timeout: Duration) -> Option<Duration> {
        let until = self.answered_at.or(self.ended_at)?;
        ring_between(self.dialed_at?, until, ring_timeout)
    }

    /// How long it has rung by `now`: the final figure once answered or ended.
    pub fn ring_time_at(&self, now: DateTime<Utc>, ring_timeout: Duration) -> Option<Duration> {
        let until = self.answered_at.or(self.ended_at).unwrap_or(now);
        ring_between(self.dialed_at?, until, ring_timeout)
    }

    /// How long the callee talked; `None` for a call not answered or not yet ended.
    pub fn talk_time(&self) -> Option<Duration> {
        between(self.answered_at?, self.ended_at?)
    }

    /// How long the callee has talked by `now`: the final figure once ended.
    pub fn talk_time_at(&self, now: DateTime<Utc>) -> Option<Duration> {
        between(self.answered_at?, self.ended_at.unwrap_or(now))
    }
}

fn ring_between(
    dialed: DateTime<Utc>,
    until: DateTime<Utc>,
    ring_timeout: Duration,
) -> Option<Duration> {
    between(dialed, until).map(|d| d.min(ring_timeout))
}

/// In whole milliseconds, as the store keeps the timestamps, so the engine's figure
/// from its clock and the store's from the rows are the same number. A clock running
/// backwards (timestamps from two machines) is no duration at all.
fn between(from: DateTime<Utc>, to: DateTime<Utc>) -> Option<Duration> {
    let ms = to.timestamp_millis() - from.timestamp_millis();
    (ms >= 0).then(|| Duration::milliseconds(ms))
}

/// What a call in flight shows: how long it has rung, or how long it has talked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CallClock {
    Ringing(Duration),
    Talking(Duration),
}

impl CallClock {
    pub fn of(times: &CallTimes, now: DateTime<Utc>, ring_timeout: Duration) -> Option<Self> {
        match times.answered_at {
            Some(_) => times.talk_time_at(now).map(CallClock::Talking),
            None => times
                .ring_time_at(now, ring_timeout)
                .map(CallClock::Ringing),
        }
    }

    pub fn elapsed(self) -> Duration {
        match self {
            CallClock::Ringing(d) | CallClock::Talking(d) => d,
        }
    }
}

/// The ring and talk time one ended call counts for, in the means (`CallDurations`) and
/// in every distribution of them (the campaign report's histograms): a dial LiveKit
/// never placed has no ring; talk counts only for calls the answer rate counts as
/// answered (`AnswerRate::counts_answered`), so a call with an answer time that ended
/// otherwise (an error after the answer) adds no talk.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CountedTimes {
    pub ring: Option<Duration>,
    pub talk: Option<Duration>,
}

impl CountedTimes {
    pub fn of(outcome: Outcome, times: &CallTimes, ring_timeout: Duration) -> Self {
        if outcome == Outcome::NotPlaced {
            return CountedTimes::default();
        }
        CountedTimes {
            ring: times.ring_time(ring_timeout),
            talk: AnswerRate::counts_answered(outcome)
                .then(|| times.talk_time())
                .flatten(),
        }
    }
}

/// Sums of ring and talk time over ended calls, so means stay exact as calls are added.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct CallDurations {
    pub ring_ms: u64,
    pub rings: u64,
    pub talk_ms: u64,
    pub talks: u64,
}

impl CallDurations {
    /// Adds one ended call, as much as it counts for (`CountedTimes`): "avg talk" is
    /// over the same calls as "answered".
    pub fn add(&mut self, outcome: Outcome, times: &CallTimes, ring_timeout: Duration) {
        let counted = CountedTimes::of(outcome, times, ring_timeout);
        if let Some(ring) = counted.ring {
            self.ring_ms += ring.num_milliseconds() as u64;
            self.rings += 1;
        }
        if let Some(talk) = counted.talk {
            self.talk_ms += talk.num_milliseconds() as u64;
            self.talks += 1;
        }
    }

    pub fn mean_ring_ms(&self) -> Option<u64> {
        (self.rings > 0).then(|| self.ring_ms / self.rings)
    }

    pub fn mean_talk_ms(&self) -> Option<u64> {
        (self.talks > 0).then(|| self.talk_ms / self.talks)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const TIMEOUT: Duration = Duration::seconds(30);

    fn at(secs: i64) -> Option<i64> {
        Some(1_700_000_000_000 + secs * 1000)
    }

    #[test]
    fn ring_and_talk_time_follow_one_definition() {
        let none = None;
        // (dialed, answered, ended) → (ring s, talk s)
        let table = [
            ((at(0), at(4), at(64)), (Some(4), Some(60))),
            // Never answered: it rang until it ended.
            ((at(0), none, at(12)), (Some(12), None)),
            // Never answered and noticed late: no more than the ring timeout.
            ((at(0), none, at(69)), (Some(30), None)),
            // Answered, still talking: ring known, talk not yet.
            ((at(0), at(3), none), (Some(3), None)),
            // Not yet answered nor ended.
            ((at(0), none, none), (None, None)),
            // Never dialled.
            ((none, none, at(5)), (None, None)),
            // Clocks disagree: no negative durations.
            ((at(10), at(5), at(4)), (None, None)),
        ];
        for ((d, a, e), (ring, talk)) in table {
            let times = CallTimes::from_millis(d, a, e);
            assert_eq!(
                times.ring_time(TIMEOUT),
                ring.map(Duration::seconds),
                "ring of {times:?}"
            );
            assert_eq!(
                times.talk_time(),
                talk.map(Duration::seconds),
                "talk of {times:?}"
            );
        }
    }

    #[test]
    fn durations_are_whole_milliseconds_as_stored() {
        let base = DateTime::from_timestamp_millis(at(0).unwrap()).unwrap();
        // Dialled at 10.9 ms, answered at 32.1 ms: stored as 10 and 32, so 22 ms.
        let times = CallTimes {
            dialed_at: Some(base + Duration::microseconds(10_900)),
            answered_at: Some(base + Duration::microseconds(32_100)),
            ended_at: None,
        };
        let stored =
            CallTimes::from_millis(Some(at(0).unwrap() + 10), Some(at(0).unwrap() + 32), None);
        assert_eq!(times.ring_time(TIMEOUT), Some(Duration::milliseconds(22)));
        assert_eq!(times.ring_time(TIMEOUT), stored.ring_time(TIMEOUT));
    }

    #[test]
    fn a_ringing_call_never_shows_more_than_the_ring_timeout() {
        let dialed = CallTimes::from_millis(at(0), None, None);
        let now = |s| DateTime::from_timestamp_millis(at(s).unwrap()).unwrap();
        let table = [
            (5, CallClock::Ringing(Duration::seconds(5))),
            (30, CallClock::Ringing(TIMEOUT)),
            (69, CallClock::Ringing(TIMEOUT)),
        ];
        for (secs, clock) in table {
            assert_eq!(CallClock::of(&dialed, now(secs), TIMEOUT), Some(clock));
        }
        let answered = CallTimes::from_millis(at(0), at(4), None);
        assert_eq!(
            CallClock::of(&answered, now(100), TIMEOUT),
            Some(CallClock::Talking(Duration::seconds(96)))
        );
    }

    #[test]
    fn means_count_every_placed_call_that_rang() {
        let mut d = CallDurations::default();
        d.add(
            Outcome::Completed,
            &CallTimes::from_millis(at(0), at(4), at(64)),
            TIMEOUT,
        );
        d.add(
            Outcome::NoAnswer,
            &CallTimes::from_millis(at(0), None, at(90)),
            TIMEOUT,
        );
        d.add(
            Outcome::NotPlaced,
            &CallTimes::from_millis(at(0), None, at(1)),
            TIMEOUT,
        );
        assert_eq!(d.mean_ring_ms(), Some(17_000), "(4 s + 30 s) / 2");
        assert_eq!(d.mean_talk_ms(), Some(60_000));
        // An answer time on a call that ended in an error: not answered, no talk.
        d.add(
            Outcome::Error,
            &CallTimes::from_millis(at(0), at(2), at(300)),
            TIMEOUT,
        );
        // No agent joined, the callee was on the line 10 s: answered, so it talks.
        d.add(
            Outcome::AgentMissing,
            &CallTimes::from_millis(at(0), at(2), at(12)),
            TIMEOUT,
        );
        assert_eq!(d.talks, 2);
        assert_eq!(d.mean_talk_ms(), Some(35_000), "(60 s + 10 s) / 2");
        assert_eq!(CallDurations::default().mean_ring_ms(), None);
    }
}
