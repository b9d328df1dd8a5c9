//! One log line for a burst of the same failure. A database that cannot write or a
//! listener under a flood fails thousands of times a second; logging each would fill
//! the disk that may be the problem. The first failure is logged at once, then at most
//! one line per interval saying how many more there were.

use std::time::{Duration, Instant};

pub struct ThrottledLog {
    interval: Duration,
    last_logged: Option<Instant>,
    suppressed: u64,
}

impl ThrottledLog {
    pub fn new(interval: Duration) -> Self {
        Self {
            interval,
            last_logged: None,
            suppressed: 0,
        }
    }

    /// Records one failure at `now`. `Some(n)`: log it now, mentioning the `n` failures
    /// held back since the last line. `None`: stay quiet.
    pub fn hit(&mut self, now: Instant) -> Option<u64> {
        match self.last_logged {
            Some(at) if now.saturating_duration_since(at) < self.interval => {
                self.suppressed += 1;
                None
            }
            _ => {
                self.last_logged = Some(now);
                Some(std::mem::take(&mut self.suppressed))
            }
        }
    }

    /// The failures held back since the last line, and forgets them: for a closing
    /// line when the trouble ends.
    pub fn settle(&mut self) -> u64 {
        self.last_logged = None;
        std::mem::take(&mut self.suppressed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_burst_gives_one_line_then_one_per_interval_with_the_count() {
        let mut log = ThrottledLog::new(Duration::from_secs(10));
        let t0 = Instant::now();
        assert_eq!(log.hit(t0), Some(0));
        for i in 1..=98_000u64 {
            assert_eq!(log.hit(t0 + Duration::from_micros(i)), None);
        }
        assert_eq!(log.hit(t0 + Duration::from_secs(10)), Some(98_000));
        assert_eq!(log.hit(t0 + Duration::from_secs(11)), None);
        assert_eq!(log.settle(), 1);
        assert_eq!(log.hit(t0 + Duration::from_secs(12)), Some(0));
    }
}
