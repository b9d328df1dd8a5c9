//! LiveKit's health as the engine sees it: consecutive infrastructure failures, the
//! exponential back-off they cause, and when they have lasted long enough to pause
//! running campaigns. While failures are outstanding only one request at a time
//! probes LiveKit (a half-open circuit), so a recovering server is not flooded: one
//! call, or one `ListTrunks` while campaigns are paused for the outage.

use super::slots::CallKey;
use chrono::{DateTime, Utc};
use std::time::Duration;
use tokio::time::Instant;

#[derive(Debug, Clone)]
pub struct Infra {
    initial: Duration,
    max: Duration,
    pause_after: Duration,
    failures: u32,
    since: Option<DateTime<Utc>>,
    last_error: String,
    blocked_until: Option<Instant>,
    /// The one call allowed while LiveKit is failing.
    probe_call: Option<CallKey>,
    /// A `ListTrunks` probe is out.
    probing: bool,
}

impl Infra {
    pub fn new(initial: Duration, max: Duration, pause_after: Duration) -> Self {
        Self {
            initial,
            max,
            pause_after,
            failures: 0,
            since: None,
            last_error: String::new(),
            blocked_until: None,
            probe_call: None,
            probing: false,
        }
    }

    /// Failing, and the one call that may find out whether LiveKit is back is out:
    /// no other call starts until it settles.
    pub fn probe_call_out(&self) -> bool {
        !self.healthy() && self.probe_call.is_some()
    }

    /// A call started; while LiveKit is failing it is the probe.
    pub fn call_started(&mut self, key: CallKey) {
        if !self.healthy() {
            self.probe_call = Some(key);
        }
    }

    /// A call settled (placed or not); true when it was the probe.
    pub fn call_settled(&mut self, key: CallKey) -> bool {
        let was_probe = self.probe_call == Some(key);
        if was_probe {
            self.probe_call = None;
        }
        was_probe
    }

    /// Whether a `ListTrunks` probe is out.
    pub fn probing(&self) -> bool {
        self.probing
    }

    pub fn probe_sent(&mut self) {
        self.probing = true;
    }

    pub fn probe_answered(&mut self) {
        self.probing = false;
    }

    pub fn failure(&mut self, now: Instant, wall: DateTime<Utc>, error: &str) {
        self.failures += 1;
        self.since.get_or_insert(wall);
        self.last_error = error.to_string();
        let factor = 2u32.saturating_pow(self.failures.saturating_sub(1).min(20));
        let wait = self.initial.saturating_mul(factor).min(self.max);
        self.blocked_until = Some(now + wait);
    }

    pub fn success(&mut self) {
        self.failures = 0;
        self.since = None;
        self.blocked_until = None;
    }

    pub fn healthy(&self) -> bool {
        self.failures == 0
    }

    /// Until when no request may be sent.
    pub fn blocked_until(&self, now: Instant) -> Option<Instant> {
        self.blocked_until.filter(|t| *t > now)
    }

    /// Failing for at least `pause_after`: time to pause campaigns.
    pub fn outage(&self, wall: DateTime<Utc>) -> Option<(DateTime<Utc>, String)> {
        let since = self.since?;
        let lasted = (wall - since).to_std().unwrap_or_default();
        (lasted >= self.pause_after).then(|| (since, self.last_error.clone()))
    }

    pub fn summary(&self) -> Option<String> {
        (!self.healthy()).then(|| {
            format!(
                "LiveKit failing ({} in a row): {}",
                self.failures, self.last_error
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn back_off_doubles_and_pauses_after_the_limit() {
        let mut infra = Infra::new(
            Duration::from_millis(100),
            Duration::from_millis(350),
            Duration::from_secs(1),
        );
        let now = Instant::now();
        let wall = Utc::now();
        infra.failure(now, wall, "connection refused");
        assert_eq!(
            infra.blocked_until(now),
            Some(now + Duration::from_millis(100))
        );
        infra.failure(now, wall, "connection refused");
        assert_eq!(
            infra.blocked_until(now),
            Some(now + Duration::from_millis(200))
        );
        infra.failure(now, wall, "connection refused");
        assert_eq!(
            infra.blocked_until(now),
            Some(now + Duration::from_millis(350)),
            "capped"
        );
        assert!(infra.outage(wall).is_none());
        let (since, error) = infra.outage(wall + chrono::Duration::seconds(1)).unwrap();
        assert_eq!((since, error.as_str()), (wall, "connection refused"));
        infra.success();
        assert!(infra.healthy() && infra.outage(wall + chrono::Duration::hours(1)).is_none());
    }
}
