//! Calls per minute: dial starts in the sixty seconds up to now, a window that slides
//! with the clock, so the figure does not drop to zero when a calendar minute turns.
//! The chart's bars are sliding minutes too, the newest ending now.

use chrono::{DateTime, Duration, Utc};
use std::collections::VecDeque;

/// Minutes of dial history kept (the chart's width).
pub const DIAL_RATE_MINUTES: usize = 30;

/// Dial starts counted per second over the last `DIAL_RATE_MINUTES` minutes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DialRate {
    /// (second since the epoch, dials in it), oldest first.
    seconds: VecDeque<(i64, u64)>,
}

impl DialRate {
    pub fn record(&mut self, at: DateTime<Utc>) {
        let second = at.timestamp();
        match self.seconds.back_mut() {
            Some((s, n)) if *s == second => *n += 1,
            // A dial reported out of order (a slow task): counted in its own second.
            Some((s, _)) if *s > second => {
                let i = self.seconds.partition_point(|(s, _)| *s < second);
                match self.seconds.get_mut(i) {
                    Some((s, n)) if *s == second => *n += 1,
                    _ => self.seconds.insert(i, (second, 1)),
                }
            }
            _ => self.seconds.push_back((second, 1)),
        }
        let oldest = second - DIAL_RATE_MINUTES as i64 * 60;
        while self.seconds.front().is_some_and(|(s, _)| *s <= oldest) {
            self.seconds.pop_front();
        }
    }

    /// Dials in the window `(now - span, now]`.
    pub fn dials_within(&self, now: DateTime<Utc>, span: Duration) -> u64 {
        let (end, start) = (now.timestamp(), (now - span).timestamp());
        self.seconds
            .iter()
            .filter(|(s, _)| *s > start && *s <= end)
            .map(|(_, n)| n)
            .sum()
    }

    /// Dials per second (second since the epoch, dials in it) from `start`'s second up
    /// to `now`, oldest first.
    pub fn seconds_between(
        &self,
        start: DateTime<Utc>,
        now: DateTime<Utc>,
    ) -> impl Iterator<Item = (i64, u64)> + '_ {
        let (start, end) = (start.timestamp(), now.timestamp());
        self.seconds
            .iter()
            .copied()
            .filter(move |(s, _)| *s >= start && *s <= end)
    }

    /// Calls per minute now: dials in the last sixty seconds.
    pub fn last_minute(&self, now: DateTime<Utc>) -> u64 {
        self.dials_within(now, Duration::minutes(1))
    }

    /// `DIAL_RATE_MINUTES` sliding minutes, oldest first; the last equals `last_minute`.
    pub fn per_minute(&self, now: DateTime<Utc>) -> Vec<u64> {
        let mut bars = vec![0; DIAL_RATE_MINUTES];
        let end = now.timestamp();
        for (second, n) in &self.seconds {
            // Bar `ago` holds the seconds in (end - 60 (ago + 1), end - 60 ago].
            if *second > end {
                continue;
            }
            let ago = ((end - second) / 60) as usize;
            if ago < DIAL_RATE_MINUTES {
                bars[DIAL_RATE_MINUTES - 1 - ago] += n;
            }
        }
        bars
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn t(min: u32, sec: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, 1, 12, min, sec).unwrap()
    }

    #[test]
    fn the_rate_slides_and_does_not_reset_at_the_minute() {
        let mut rate = DialRate::default();
        for sec in [40, 45, 50, 55] {
            rate.record(t(0, sec));
        }
        // (now, calls in the last minute)
        let table = [
            (t(0, 59), 4),
            // A calendar minute would say 0 here.
            (t(1, 0), 4),
            (t(1, 41), 3),
            (t(1, 55), 0),
        ];
        for (now, expected) in table {
            assert_eq!(rate.last_minute(now), expected, "at {now}");
            let bars = rate.per_minute(now);
            assert_eq!(bars.len(), DIAL_RATE_MINUTES);
            assert_eq!(bars.last(), Some(&expected));
        }
        // Bars end now: (0:50, 1:50] holds the 0:55 dial, the bar before it the rest.
        assert_eq!(rate.per_minute(t(1, 50))[DIAL_RATE_MINUTES - 2..], [3, 1]);
    }

    #[test]
    fn late_reports_land_in_their_second_and_old_ones_are_dropped() {
        let mut rate = DialRate::default();
        rate.record(t(0, 10));
        rate.record(t(0, 12));
        rate.record(t(0, 11));
        rate.record(t(0, 11));
        assert_eq!(rate.dials_within(t(0, 11), Duration::seconds(1)), 2);
        assert_eq!(rate.last_minute(t(0, 12)), 4);
        rate.record(t(40, 0));
        assert_eq!(rate.seconds.len(), 1, "30 minutes back only");
    }
}
