//! A token bucket on `tokio::time`, so paused-time tests see exactly what production does.

use std::time::Duration;
use tokio::time::Instant;

/// Hands out at most `per_sec` tokens a second on average, and never more than `burst`
/// at once. With `burst = 1` requests are evenly spaced, so no window of one second
/// ever holds more than `per_sec` of them.
#[derive(Debug)]
pub struct TokenBucket {
    per_sec: f64,
    burst: f64,
    tokens: f64,
    refilled_at: Instant,
}

impl TokenBucket {
    /// A full bucket. `per_sec` and `burst` are raised to at least 1.
    pub fn new(per_sec: u32, burst: u32) -> Self {
        let burst = f64::from(burst.max(1));
        Self {
            per_sec: f64::from(per_sec.max(1)),
            burst,
            tokens: burst,
            refilled_at: Instant::now(),
        }
    }

    /// Waits until a token is available and takes it.
    pub async fn acquire(&mut self) {
        loop {
            self.refill(Instant::now());
            if self.tokens >= 1.0 {
                self.tokens -= 1.0;
                return;
            }
            let missing = 1.0 - self.tokens;
            tokio::time::sleep(Duration::from_secs_f64(missing / self.per_sec)).await;
        }
    }

    fn refill(&mut self, now: Instant) {
        let elapsed = now
            .saturating_duration_since(self.refilled_at)
            .as_secs_f64();
        self.tokens = (self.tokens + elapsed * self.per_sec).min(self.burst);
        self.refilled_at = now;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn burst_of_one_spaces_requests_evenly() {
        let mut bucket = TokenBucket::new(4, 1);
        let start = Instant::now();
        let mut times = Vec::new();
        for _ in 0..9 {
            bucket.acquire().await;
            times.push(start.elapsed());
        }
        // 0, 250 ms, 500 ms, ...: at most 4 in any one-second window.
        for pair in times.windows(2) {
            assert!(pair[1] - pair[0] >= Duration::from_millis(249), "{times:?}");
        }
        for (i, t) in times.iter().enumerate() {
            let in_window = times
                .iter()
                .filter(|u| **u >= *t && **u < *t + Duration::from_secs(1))
                .count();
            assert!(
                in_window <= 4,
                "window from request {i}: {in_window} requests in {times:?}"
            );
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_full_bucket_allows_its_burst_at_once() {
        let mut bucket = TokenBucket::new(2, 3);
        let start = Instant::now();
        for _ in 0..3 {
            bucket.acquire().await;
        }
        assert_eq!(start.elapsed(), Duration::ZERO);
        bucket.acquire().await;
        assert!(
            start.elapsed() >= Duration::from_millis(499),
            "{:?}",
            start.elapsed()
        );
    }
}
