//! A log line that can be provoked from outside (a refused webhook, a failed accept)
//! must not be written once per occurrence: a flood of 200k bad requests would write
//! as many lines. At most one line per interval is let through, and it says how many
//! occurrences were kept quiet since the last one.

use std::time::{Duration, Instant};

#[derive(Debug)]
pub struct LogThrottle {
    interval: Duration,
    last: Option<Instant>,
    suppressed: u64,
}

impl LogThrottle {
    pub fn new(interval: Duration) -> Self {
        Self {
            interval,
            last: None,
            suppressed: 0,
        }
    }

    /// Counts one occurrence at `now`. `Some(n)` means log it now, mentioning the `n`
    /// occurrences that were not logged since the last line; `None` means stay quiet.
    pub fn admit(&mut self, now: Instant) -> Option<u64> {
        let due = self
            .last
            .is_none_or(|last| now.saturating_duration_since(last) >= self.interval);
        if !due {
            self.suppressed += 1;
            return None;
        }
        self.last = Some(now);
        Some(std::mem::take(&mut self.suppressed))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_per_interval_with_the_count_kept_quiet() {
        let start = Instant::now();
        let at = |ms: u64| start + Duration::from_millis(ms);
        let mut throttle = LogThrottle::new(Duration::from_secs(10));
        assert_eq!(throttle.admit(at(0)), Some(0), "the first is logged");
        let quiet = (1..=1_000)
            .filter(|i| throttle.admit(at(*i)).is_none())
            .count();
        assert_eq!(quiet, 1_000, "the flood inside the interval is not");
        assert_eq!(throttle.admit(at(9_999)), None);
        assert_eq!(
            throttle.admit(at(10_000)),
            Some(1_001),
            "the next line counts what was kept quiet"
        );
        assert_eq!(throttle.admit(at(30_000)), Some(0));
    }
}
