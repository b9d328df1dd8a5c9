//! Dial starts per minute over the last `DIAL_RATE_MINUTES` minutes, for the snapshot.

use super::snapshot::DIAL_RATE_MINUTES;
use chrono::{DateTime, Utc};
use std::collections::VecDeque;

#[derive(Debug, Clone, Default)]
pub struct DialRate {
    /// (minute since the epoch, dials in it), oldest first.
    minutes: VecDeque<(i64, u64)>,
}

impl DialRate {
    pub fn record(&mut self, at: DateTime<Utc>) {
        let minute = at.timestamp().div_euclid(60);
        match self.minutes.back_mut() {
            Some((m, n)) if *m == minute => *n += 1,
            Some((m, _)) if *m > minute => {
                if let Some(slot) = self.minutes.iter_mut().find(|(m, _)| *m == minute) {
                    slot.1 += 1;
                }
            }
            _ => self.minutes.push_back((minute, 1)),
        }
        while self.minutes.len() > DIAL_RATE_MINUTES {
            self.minutes.pop_front();
        }
    }

    /// One count per minute, oldest first, ending with the minute of `now`.
    pub fn per_minute(&self, now: DateTime<Utc>) -> Vec<u64> {
        let current = now.timestamp().div_euclid(60);
        (0..DIAL_RATE_MINUTES as i64)
            .rev()
            .map(|ago| {
                let minute = current - ago;
                self.minutes
                    .iter()
                    .find(|(m, _)| *m == minute)
                    .map_or(0, |(_, n)| *n)
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn dials_fall_into_their_minute() {
        let t = Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 10).unwrap();
        let mut rate = DialRate::default();
        rate.record(t);
        rate.record(t);
        rate.record(t + chrono::Duration::seconds(60));
        let counts = rate.per_minute(t + chrono::Duration::seconds(60));
        assert_eq!(counts.len(), DIAL_RATE_MINUTES);
        assert_eq!(&counts[DIAL_RATE_MINUTES - 2..], &[2, 1]);
    }
}
