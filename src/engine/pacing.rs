//! When the next dial may start: a campaign's `call_delay_ms` between its dial starts,
//! and each trunk's calls-per-second budget shared by every campaign on it, slowed down
//! when the carrier says it is over its limit and eased back as calls go through.

use std::collections::HashMap;
use std::time::Duration;
use tokio::time::Instant;

/// The gap between dial starts of one campaign.
#[derive(Debug, Clone)]
pub struct CampaignPacer {
    delay: Duration,
    next: Option<Instant>,
}

impl CampaignPacer {
    pub fn new(delay: Duration) -> Self {
        Self { delay, next: None }
    }

    pub fn set_delay(&mut self, delay: Duration) {
        self.delay = delay;
    }

    /// When the next dial may start (`None`: now).
    pub fn ready_at(&self) -> Option<Instant> {
        self.next
    }

    /// A dial started at `now`: the next may start `delay` later. Measured from the
    /// actual start, so the gap is never shorter than the delay (a late wake-up delays
    /// the next dial rather than squeezing it).
    pub fn started(&mut self, now: Instant) {
        self.next = Some(later(now, self.delay));
    }
}

/// The longest gap a configured rate gives, whatever the config says (it bounds
/// `calls_per_second` too; this keeps a tiny rate from overflowing a timer).
const SLOWEST_BASE_GAP: Duration = Duration::from_secs(3600);

/// `now + gap`, or the furthest instant tokio can represent from `now` if that overflows.
fn later(now: Instant, gap: Duration) -> Instant {
    now.checked_add(gap)
        .unwrap_or_else(|| now + Duration::from_secs(86_400 * 365))
}

/// Slowest and fastest a throttled trunk goes, and how quickly it recovers.
const THROTTLE_FIRST_GAP: Duration = Duration::from_millis(50);
const THROTTLE_MAX_GAP: Duration = Duration::from_secs(5);
/// Below this a throttled trunk is back to its budget.
const THROTTLE_FLOOR: Duration = Duration::from_millis(5);
/// Each dial that goes through without a carrier rejection shortens the gap by 1/20.
const RECOVERY_DIVISOR: u32 = 20;

#[derive(Debug, Clone)]
struct TrunkBudget {
    /// From the configured calls per second; zero when unlimited.
    base_gap: Duration,
    /// The gap in force: the base gap, or longer after carrier rejections.
    gap: Duration,
    next: Option<Instant>,
}

/// Per-trunk calls-per-second budgets.
#[derive(Debug, Clone, Default)]
pub struct TrunkPacer {
    configured_cps: HashMap<String, f64>,
    trunks: HashMap<String, TrunkBudget>,
}

impl TrunkPacer {
    pub fn new(configured_cps: HashMap<String, f64>) -> Self {
        Self {
            configured_cps,
            trunks: HashMap::new(),
        }
    }

    fn budget(&mut self, trunk: &str) -> &mut TrunkBudget {
        let cps = self.configured_cps.get(trunk).copied();
        self.trunks.entry(trunk.to_string()).or_insert_with(|| {
            let base_gap = match cps {
                Some(cps) if cps > 0.0 => Duration::try_from_secs_f64(1.0 / cps)
                    .map_or(SLOWEST_BASE_GAP, |gap| gap.min(SLOWEST_BASE_GAP)),
                _ => Duration::ZERO,
            };
            TrunkBudget {
                base_gap,
                gap: base_gap,
                next: None,
            }
        })
    }

    pub fn ready_at(&mut self, trunk: &str) -> Option<Instant> {
        self.budget(trunk).next
    }

    pub fn started(&mut self, trunk: &str, now: Instant) {
        let budget = self.budget(trunk);
        if budget.gap.is_zero() {
            return;
        }
        budget.next = Some(later(now, budget.gap));
        // A call that starts fine eases a throttled trunk back toward its budget.
        if budget.gap > budget.base_gap {
            let eased = budget.gap - budget.gap / RECOVERY_DIVISOR;
            budget.gap = eased.max(budget.base_gap);
            if budget.gap < THROTTLE_FLOOR {
                budget.gap = budget.base_gap;
            }
        }
    }

    /// The carrier refused a call for being over its rate: double the gap.
    pub fn carrier_limited(&mut self, trunk: &str, now: Instant) {
        let budget = self.budget(trunk);
        budget.gap = (budget.gap * 2)
            .max(THROTTLE_FIRST_GAP)
            .min(THROTTLE_MAX_GAP.max(budget.base_gap));
        budget.next = Some(later(now, budget.gap));
    }

    /// The gap in force on a trunk.
    pub fn gap(&mut self, trunk: &str) -> Duration {
        self.budget(trunk).gap
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn campaign_dials_are_never_closer_than_the_delay() {
        let mut pacer = CampaignPacer::new(Duration::from_millis(100));
        let t0 = Instant::now();
        assert_eq!(pacer.ready_at(), None);
        pacer.started(t0);
        assert_eq!(pacer.ready_at(), Some(t0 + Duration::from_millis(100)));
        // Started 3 ms late: the next waits a full delay from the actual start.
        pacer.started(t0 + Duration::from_millis(103));
        assert_eq!(pacer.ready_at(), Some(t0 + Duration::from_millis(203)));
    }

    #[tokio::test(start_paused = true)]
    async fn absurd_delays_and_rates_do_not_overflow_the_clock() {
        let mut pacer = CampaignPacer::new(Duration::MAX);
        let now = Instant::now();
        pacer.started(now);
        assert!(pacer.ready_at().is_some_and(|at| at > now));
        let mut trunks = TrunkPacer::new([("ST_a".to_string(), 1e-300)].into_iter().collect());
        trunks.started("ST_a", now);
        assert_eq!(trunks.gap("ST_a"), SLOWEST_BASE_GAP);
    }

    #[tokio::test(start_paused = true)]
    async fn trunks_share_a_budget_and_slow_down_on_carrier_limits() {
        let mut pacer = TrunkPacer::new([("ST_a".to_string(), 10.0)].into_iter().collect());
        let now = Instant::now();
        assert_eq!(pacer.ready_at("ST_a"), None);
        pacer.started("ST_a", now);
        assert_eq!(
            pacer.ready_at("ST_a"),
            Some(now + Duration::from_millis(100))
        );
        pacer.carrier_limited("ST_a", now);
        assert_eq!(pacer.gap("ST_a"), Duration::from_millis(200));
        for _ in 0..200 {
            pacer.started("ST_a", now);
        }
        assert_eq!(
            pacer.gap("ST_a"),
            Duration::from_millis(100),
            "recovers to its budget"
        );
        // An unlimited trunk is throttled only after a rejection.
        pacer.started("ST_b", now);
        assert_eq!(pacer.ready_at("ST_b"), None);
        pacer.carrier_limited("ST_b", now);
        assert_eq!(pacer.gap("ST_b"), THROTTLE_FIRST_GAP);
    }
}
