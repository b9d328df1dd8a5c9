//! Faults injected into the sandbox's API: latency, 5xx and 429 answers, an outage window
//! answered with 503 or with refused connections. Times here are real milliseconds.

use std::sync::Mutex;
use std::time::Duration;

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use serde::{Deserialize, Serialize};
use tokio::sync::Notify;
use tokio::time::Instant;

use super::lock::lock;
use super::twirp::{TwirpCode, TwirpError};

/// Faults to inject, set in the config or at run time with `Sandbox::set_faults`.
#[derive(Clone, Debug, Default, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct Faults {
    /// Real milliseconds added to every request.
    pub latency_ms: u64,
    /// Up to this many more milliseconds, drawn uniformly per request.
    pub latency_jitter_ms: u64,
    /// Fraction of requests answered with a 5xx (`internal` or `unavailable`, half each).
    pub error_rate: f64,
    /// Fraction of requests answered with `resource_exhausted` (HTTP 429).
    pub rate_limit_rate: f64,
    /// One outage window, counted from when the faults were set.
    pub outage: Option<Outage>,
    /// Fraction of `CreateSIPParticipant` requests that are accepted (the call is placed
    /// and goes on) but whose connection is then cut before any answer: the client
    /// cannot tell whether the phone is ringing.
    pub drop_dial_response_rate: f64,
}

/// A window during which the server is down.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Outage {
    /// Real milliseconds from when the faults are set until the outage starts.
    #[serde(default)]
    pub start_after_ms: u64,
    /// Real milliseconds the outage lasts.
    pub duration_ms: u64,
    #[serde(default)]
    pub mode: OutageMode,
}

#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum OutageMode {
    /// Requests get `unavailable` (503) "no response from servers".
    #[default]
    Unavailable,
    /// The listener is closed: new connections are refused and open ones are dropped.
    RefuseConnections,
    /// The server is frozen (as a stopped process is): every request waits until the
    /// window ends and is then handled as usual, so a client's timeout fires first while
    /// a dial it gave up on is placed later.
    Stall,
}

impl Faults {
    /// No faults at all.
    pub fn none() -> Self {
        Self::default()
    }

    pub fn validate(&self) -> Result<(), String> {
        for (name, rate) in [
            ("error_rate", self.error_rate),
            ("rate_limit_rate", self.rate_limit_rate),
            ("drop_dial_response_rate", self.drop_dial_response_rate),
        ] {
            if !(0.0..=1.0).contains(&rate) {
                return Err(format!(
                    "faults.{name} must be between 0 and 1 (got {rate})"
                ));
            }
        }
        if self.error_rate + self.rate_limit_rate > 1.0 {
            return Err("faults.error_rate + faults.rate_limit_rate must not exceed 1".into());
        }
        Ok(())
    }
}

/// What fault injection decided for one request.
pub struct FaultDecision {
    pub delay: Duration,
    pub error: Option<TwirpError>,
    /// For a dial: place the call, then cut the connection instead of answering.
    pub drop_dial_response: bool,
}

/// The faults in force and when they were set.
pub struct FaultState {
    current: Mutex<(Faults, Instant)>,
    rng: Mutex<SmallRng>,
    /// Wakes the listener when the faults change, so refusals start and end on time.
    changed: Notify,
}

impl FaultState {
    pub fn new(faults: Faults, seed: u64) -> Self {
        Self {
            current: Mutex::new((faults, Instant::now())),
            // A different stream from the phone network, so faults do not shift call outcomes.
            rng: Mutex::new(SmallRng::seed_from_u64(seed ^ 0x5eed_fa17)),
            changed: Notify::new(),
        }
    }

    pub fn set(&self, faults: Faults) {
        *lock(&self.current) = (faults, Instant::now());
        self.changed.notify_waiters();
    }

    /// Resolves at the next `set`. Enable it before reading the state it guards, so a
    /// change between the read and the wait is not missed.
    pub fn changed(&self) -> tokio::sync::futures::Notified<'_> {
        self.changed.notified()
    }

    /// The outage window in absolute time, if one is configured.
    fn outage_window(&self) -> Option<(Instant, Instant, OutageMode)> {
        let current = lock(&self.current);
        let (faults, set_at) = &*current;
        faults.outage.as_ref().map(|outage| {
            let start = *set_at + Duration::from_millis(outage.start_after_ms);
            (
                start,
                start + Duration::from_millis(outage.duration_ms),
                outage.mode,
            )
        })
    }

    /// When connections are refused at `now`, the instant the refusal ends.
    pub fn refusing_until(&self, now: Instant) -> Option<Instant> {
        match self.outage_window() {
            Some((start, end, OutageMode::RefuseConnections)) if start <= now && now < end => {
                Some(end)
            }
            _ => None,
        }
    }

    /// When a refusal window is still ahead, the instant it starts.
    pub fn next_refusal(&self, now: Instant) -> Option<Instant> {
        match self.outage_window() {
            Some((start, _, OutageMode::RefuseConnections)) if now < start => Some(start),
            _ => None,
        }
    }

    /// Draws the latency and the injected error (if any) for one request.
    pub fn decide(&self, now: Instant) -> FaultDecision {
        let faults = lock(&self.current).0.clone();
        let mut rng = lock(&self.rng);
        let jitter = if faults.latency_jitter_ms > 0 {
            rng.random_range(0..=faults.latency_jitter_ms)
        } else {
            0
        };
        let mut delay = Duration::from_millis(faults.latency_ms.saturating_add(jitter));
        let roll: f64 = rng.random();
        let internal_first: bool = rng.random();
        let drop_dial_response = rng.random::<f64>() < faults.drop_dial_response_rate;
        drop(rng);

        let (in_outage, stalled_until) = match self.outage_window() {
            Some((start, end, OutageMode::Stall)) if start <= now && now < end => {
                (false, Some(end))
            }
            Some((start, end, _)) => (start <= now && now < end, None),
            None => (false, None),
        };
        if let Some(end) = stalled_until {
            delay += end - now;
        }
        let error = if in_outage {
            Some(unavailable())
        } else if roll < faults.error_rate {
            Some(if internal_first {
                TwirpError::new(TwirpCode::Internal, "internal server error")
            } else {
                unavailable()
            })
        } else if roll < faults.error_rate + faults.rate_limit_rate {
            Some(TwirpError::new(
                TwirpCode::ResourceExhausted,
                "rate limit exceeded",
            ))
        } else {
            None
        };
        FaultDecision {
            delay,
            error,
            drop_dial_response,
        }
    }
}

/// What psrpc answers when no server handles the request.
fn unavailable() -> TwirpError {
    TwirpError::new(TwirpCode::Unavailable, "no response from servers")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn rates_pick_the_error_kind() {
        let state = FaultState::new(
            Faults {
                rate_limit_rate: 1.0,
                ..Faults::none()
            },
            1,
        );
        let decision = state.decide(Instant::now());
        assert_eq!(decision.error.unwrap().code, TwirpCode::ResourceExhausted);
        state.set(Faults {
            error_rate: 1.0,
            latency_ms: 5,
            ..Faults::none()
        });
        let decision = state.decide(Instant::now());
        assert!(matches!(
            decision.error.unwrap().code,
            TwirpCode::Internal | TwirpCode::Unavailable
        ));
        assert_eq!(decision.delay, Duration::from_millis(5));
        state.set(Faults::none());
        assert!(state.decide(Instant::now()).error.is_none());
    }

    #[tokio::test]
    async fn outage_window_starts_and_ends() {
        let outage = Outage {
            start_after_ms: 100,
            duration_ms: 50,
            mode: OutageMode::RefuseConnections,
        };
        let state = FaultState::new(
            Faults {
                outage: Some(outage),
                ..Faults::none()
            },
            1,
        );
        let now = Instant::now();
        assert!(state.refusing_until(now).is_none());
        assert!(state.next_refusal(now).is_some());
        let during = now + Duration::from_millis(120);
        assert!(state.refusing_until(during).is_some());
        assert_eq!(
            state.decide(during).error.unwrap().code,
            TwirpCode::Unavailable
        );
        assert!(state
            .refusing_until(now + Duration::from_millis(200))
            .is_none());
    }

    #[tokio::test]
    async fn a_stall_holds_requests_until_it_ends_then_answers_them() {
        let stall = Outage {
            start_after_ms: 0,
            duration_ms: 500,
            mode: OutageMode::Stall,
        };
        let state = FaultState::new(
            Faults {
                outage: Some(stall),
                ..Faults::none()
            },
            1,
        );
        let now = Instant::now();
        let decision = state.decide(now + Duration::from_millis(100));
        assert!(
            decision.error.is_none(),
            "a stalled server answers late, not wrongly"
        );
        assert!(
            decision.delay >= Duration::from_millis(390),
            "{:?}",
            decision.delay
        );
        assert!(state.refusing_until(now).is_none());
        let after = state.decide(now + Duration::from_millis(600));
        assert!(after.delay.is_zero());
    }

    #[test]
    fn rates_above_one_are_rejected() {
        assert!(Faults {
            error_rate: 0.7,
            rate_limit_rate: 0.7,
            ..Faults::none()
        }
        .validate()
        .is_err());
    }
}
