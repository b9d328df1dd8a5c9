//! When the engine must look at a campaign again: the earliest of the instants it waits
//! for. A due retry, a number's daily limit ending, a calling window opening, the daily
//! cap resetting and a scheduled start each wake it, whatever else is going on; a call
//! in flight elsewhere in the campaign is no reason to wait.

use chrono::{DateTime, Utc};

/// The instants a campaign waits for; `None` where it waits for nothing of the kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Waits {
    /// The earliest retry not yet due.
    pub retry: Option<DateTime<Utc>>,
    /// The earliest end of a number's daily limit among held leads.
    pub held_until: Option<DateTime<Utc>>,
    /// The next opening of a calling window, when the callable leads wait for one.
    pub window_opens: Option<DateTime<Utc>>,
    /// The daily cap's reset, when the cap is reached.
    pub cap_resets: Option<DateTime<Utc>>,
    /// The campaign's start time, when it waits for it.
    pub scheduled_start: Option<DateTime<Utc>>,
}

/// The earliest instant after `now` the campaign waits for; instants already past are
/// due now. `None`: nothing is awaited (the next call's end will tell).
pub fn next_look(waits: &Waits, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    [
        waits.retry,
        waits.held_until,
        waits.window_opens,
        waits.cap_resets,
        waits.scheduled_start,
    ]
    .into_iter()
    .flatten()
    .min()
    .map(|at| at.max(now))
}

/// The earlier of two planned looks.
pub fn earlier(a: Option<DateTime<Utc>>, b: Option<DateTime<Utc>>) -> Option<DateTime<Utc>> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    #[test]
    fn the_earliest_wait_wins_and_past_ones_are_due_now() {
        let now = Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0).unwrap();
        let at = |mins: i64| Some(now + Duration::minutes(mins));
        let table = [
            (Waits::default(), None),
            (
                Waits {
                    retry: at(10),
                    ..Default::default()
                },
                at(10),
            ),
            (
                Waits {
                    retry: at(10),
                    held_until: at(5),
                    ..Default::default()
                },
                at(5),
            ),
            (
                Waits {
                    window_opens: at(60),
                    cap_resets: at(30),
                    ..Default::default()
                },
                at(30),
            ),
            (
                Waits {
                    scheduled_start: at(1),
                    retry: at(2),
                    ..Default::default()
                },
                at(1),
            ),
            (
                Waits {
                    retry: at(-3),
                    window_opens: at(60),
                    ..Default::default()
                },
                Some(now),
            ),
        ];
        for (waits, expected) in table {
            assert_eq!(next_look(&waits, now), expected, "{waits:?}");
        }
    }

    #[test]
    fn the_earlier_of_two_looks() {
        let now = Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0).unwrap();
        let later = now + Duration::minutes(1);
        assert_eq!(earlier(Some(now), Some(later)), Some(now));
        assert_eq!(earlier(None, Some(later)), Some(later));
        assert_eq!(earlier(Some(now), None), Some(now));
        assert_eq!(earlier(None, None), None);
    }
}
