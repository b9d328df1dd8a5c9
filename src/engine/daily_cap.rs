//! A campaign's daily cap: counted attempts per local day in the campaign's zone. The
//! count includes calls in flight, so the cap is never overshot; a call that turns out
//! not placed gives its place back.

use crate::domain::calling_hours::{day_start, next_midnight};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;

#[derive(Debug, Clone)]
pub struct DailyCap {
    cap: Option<u32>,
    zone: Tz,
    day_started: DateTime<Utc>,
    count: u64,
}

impl DailyCap {
    /// `count` is what the store holds for the day that contains `now`.
    pub fn new(cap: Option<u32>, zone: Tz, now: DateTime<Utc>, count: u64) -> Self {
        Self {
            cap,
            zone,
            day_started: day_start(zone, now),
            count,
        }
    }

    pub fn set_cap(&mut self, cap: Option<u32>, zone: Tz) {
        self.cap = cap;
        self.zone = zone;
    }

    /// Starts a new day when local midnight has passed.
    pub fn roll(&mut self, now: DateTime<Utc>) {
        if now >= next_midnight(self.zone, self.day_started) {
            self.day_started = day_start(self.zone, now);
            self.count = 0;
        }
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    pub fn cap(&self) -> Option<u32> {
        self.cap
    }

    pub fn reached(&self) -> bool {
        self.cap.is_some_and(|cap| self.count >= cap as u64)
    }

    /// When the count starts again from zero.
    pub fn resets_at(&self) -> DateTime<Utc> {
        next_midnight(self.zone, self.day_started)
    }

    pub fn dialled(&mut self) {
        self.count += 1;
    }

    pub fn not_placed(&mut self, dialed_at: DateTime<Utc>) {
        if dialed_at >= self.day_started {
            self.count = self.count.saturating_sub(1);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn the_cap_resets_at_local_midnight() {
        let zone = chrono_tz::America::Chicago;
        let evening = Utc.with_ymd_and_hms(2026, 6, 2, 4, 0, 0).unwrap(); // 23:00 CDT on June 1
        let mut cap = DailyCap::new(Some(2), zone, evening, 1);
        assert!(!cap.reached());
        cap.dialled();
        assert!(cap.reached());
        assert_eq!(
            cap.resets_at(),
            Utc.with_ymd_and_hms(2026, 6, 2, 5, 0, 0).unwrap()
        );
        cap.roll(Utc.with_ymd_and_hms(2026, 6, 2, 4, 59, 0).unwrap());
        assert!(cap.reached(), "not yet midnight in Chicago");
        cap.roll(Utc.with_ymd_and_hms(2026, 6, 2, 5, 0, 0).unwrap());
        assert_eq!(cap.count(), 0);
        assert!(!cap.reached());
    }

    #[test]
    fn calls_never_placed_give_their_place_back() {
        let now = Utc.with_ymd_and_hms(2026, 6, 2, 12, 0, 0).unwrap();
        let mut cap = DailyCap::new(Some(1), chrono_tz::UTC, now, 0);
        cap.dialled();
        assert!(cap.reached());
        cap.not_placed(now);
        assert!(!cap.reached());
    }
}
