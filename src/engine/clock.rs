//! The engine's wall clock, injected so tests of pacing, retries, calling hours and
//! daily caps run in milliseconds. Pacing itself uses tokio's monotonic `Instant`;
//! the wall clock answers "what time is it" for windows, caps, due retries and rows.

use chrono::{DateTime, Utc};
use std::sync::Arc;

pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> DateTime<Utc>;
}

/// The real time of day.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A wall clock that starts at `base` and advances with tokio's clock, so under
/// `#[tokio::test(start_paused = true)]` a day of calling hours passes in an instant
/// and `tokio::time::advance` moves both clocks together.
#[derive(Debug, Clone)]
pub struct TestClock {
    base: DateTime<Utc>,
    started: tokio::time::Instant,
}

impl TestClock {
    pub fn starting_at(base: DateTime<Utc>) -> Self {
        Self {
            base,
            started: tokio::time::Instant::now(),
        }
    }
}

impl Clock for TestClock {
    fn now(&self) -> DateTime<Utc> {
        let elapsed =
            chrono::Duration::from_std(self.started.elapsed()).unwrap_or(chrono::Duration::MAX);
        self.base + elapsed
    }
}

/// A wall clock the test sets by hand, for calling hours, daily caps and due retries
/// while real time (and real HTTP to the sandbox) runs on. The engine re-reads the
/// clock at least every `EngineConfig::recheck_interval`, so a jump is noticed promptly.
#[derive(Debug, Clone)]
pub struct ManualClock {
    now: Arc<std::sync::Mutex<DateTime<Utc>>>,
}

impl ManualClock {
    pub fn at(now: DateTime<Utc>) -> Self {
        Self {
            now: Arc::new(std::sync::Mutex::new(now)),
        }
    }

    pub fn set(&self, now: DateTime<Utc>) {
        *self.now.lock().unwrap_or_else(|p| p.into_inner()) = now;
    }

    pub fn advance(&self, by: chrono::Duration) {
        let mut now = self.now.lock().unwrap_or_else(|p| p.into_inner());
        *now += by;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.now.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// The engine's shared clock.
pub type SharedClock = Arc<dyn Clock>;

/// How long from `now` until `at` on tokio's clock (zero when `at` has passed).
pub fn until(now: DateTime<Utc>, at: DateTime<Utc>) -> std::time::Duration {
    (at - now).to_std().unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[tokio::test(start_paused = true)]
    async fn test_clock_moves_with_tokio_time() {
        let base = Utc.with_ymd_and_hms(2026, 3, 8, 6, 0, 0).unwrap();
        let clock = TestClock::starting_at(base);
        assert_eq!(clock.now(), base);
        tokio::time::advance(std::time::Duration::from_secs(3600)).await;
        assert_eq!(clock.now(), base + chrono::Duration::hours(1));
    }
}
