//! Calls started per trunk in the last second, the way carriers meter calls per second
//! (CPS). Real time, not simulated: it checks the client's pacing, which runs in real time.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;
use std::time::Duration;

use tokio::time::Instant;

use super::lock::lock;

const WINDOW: Duration = Duration::from_secs(1);

#[derive(Default)]
pub struct CallRate {
    starts: Mutex<HashMap<String, VecDeque<Instant>>>,
}

impl CallRate {
    /// Records a call start on `trunk` and returns how many calls started on it within
    /// the last second, this one included. Refused attempts count too, as with carriers.
    pub fn record(&self, trunk: &str, now: Instant) -> u32 {
        let mut starts = lock(&self.starts);
        let recent = starts.entry(trunk.to_string()).or_default();
        while recent
            .front()
            .is_some_and(|&start| now.duration_since(start) >= WINDOW)
        {
            recent.pop_front();
        }
        recent.push_back(now);
        recent.len() as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_last_second_counts() {
        let rate = CallRate::default();
        let start = Instant::now();
        assert_eq!(rate.record("ST_a", start), 1);
        assert_eq!(rate.record("ST_a", start + Duration::from_millis(500)), 2);
        assert_eq!(rate.record("ST_b", start + Duration::from_millis(600)), 1);
        assert_eq!(rate.record("ST_a", start + Duration::from_millis(1200)), 2);
        assert_eq!(rate.record("ST_a", start + Duration::from_millis(3000)), 1);
    }
}
