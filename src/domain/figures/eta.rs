//! ETA: the leads still to call over the rate this campaign has been dialling at since
//! it last started, smoothed so the figure counts down instead of jumping.
//!
//! - The rate is exponentially weighted (`ETA_SMOOTHING`): each dial's weight fades
//!   with its age, so the rate moves continuously with the clock and a burst or a lull
//!   shifts it gradually, not by whatever a window's edge just dropped.
//! - The first `burst` dials after a start (the concurrent slots filling at once) say
//!   how many calls may run together, not how fast they end; counting them would make a
//!   fresh campaign look several times faster than it is. Measuring starts after them.
//! - None while the campaign is not running (paused, draft, finished), and none until
//!   the rate is known: `ETA_MIN_DIALS` dials over `ETA_MIN_SPAN` of measuring.

use super::super::CampaignStatus;
use super::DialRate;
use chrono::{DateTime, Duration, Utc};

/// How fast old dials fade: a dial this old weighs 1/e of a new one.
pub const ETA_SMOOTHING: Duration = Duration::minutes(3);
/// The shortest measuring before an ETA is shown.
pub const ETA_MIN_SPAN: Duration = Duration::seconds(20);
/// The fewest dials measured before an ETA is shown.
pub const ETA_MIN_DIALS: u64 = 10;

/// `running_since` is when the campaign last started dialling; `burst` how many calls
/// it may have in flight at once (its slots, filled at the start).
pub fn eta(
    status: CampaignStatus,
    remaining: u64,
    dials: &DialRate,
    running_since: Option<DateTime<Utc>>,
    burst: u64,
    now: DateTime<Utc>,
) -> Option<Duration> {
    if status != CampaignStatus::Running || remaining == 0 {
        return None;
    }
    let per_second = smoothed_rate(dials, running_since?, burst, now)?;
    let millis = remaining as f64 / per_second * 1000.0;
    Some(Duration::milliseconds(millis.round() as i64))
}

/// Dials per second, exponentially weighted, measured from the end of the start's
/// burst to `now`; `None` until `ETA_MIN_DIALS` over `ETA_MIN_SPAN`.
fn smoothed_rate(
    dials: &DialRate,
    since: DateTime<Utc>,
    burst: u64,
    now: DateTime<Utc>,
) -> Option<f64> {
    let now_s = now.timestamp_millis() as f64 / 1000.0;
    let tau = ETA_SMOOTHING.num_seconds() as f64;
    let mut to_skip = burst;
    // Measuring starts where the burst ended (at the start, with no burst).
    let mut start = (burst == 0).then(|| since.timestamp_millis() as f64 / 1000.0);
    let (mut counted, mut weighted) = (0u64, 0.0);
    for (second, n) in dials.seconds_between(since, now) {
        let skipped = to_skip.min(n);
        to_skip -= skipped;
        if to_skip > 0 {
            continue;
        }
        start.get_or_insert(second as f64);
        let n = n - skipped;
        counted += n;
        weighted += n as f64 * (-(now_s - second as f64) / tau).exp();
    }
    let span = now_s - start?;
    if counted < ETA_MIN_DIALS || span < ETA_MIN_SPAN.num_seconds() as f64 {
        return None;
    }
    // The weight the span itself carries: what `weighted` would be at one dial a second.
    let exposure = tau * (1.0 - (-span / tau).exp());
    (weighted > 0.0).then(|| weighted / exposure)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use CampaignStatus::*;

    fn start() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap()
    }

    fn secs(s: i64) -> DateTime<Utc> {
        start() + Duration::seconds(s)
    }

    /// Ten slots filled at the start, then one dial every six seconds (a call ends
    /// and its slot dials the next lead): ten calls a minute.
    fn real_line(until: i64) -> DialRate {
        let mut dials = DialRate::default();
        for _ in 0..10 {
            dials.record(secs(0));
        }
        for s in (6..=until).step_by(6) {
            dials.record(secs(s));
        }
        dials
    }

    #[test]
    fn none_unless_running_at_a_measured_rate() {
        let dials = real_line(600);
        // (status, remaining, since, now) → some ETA
        let table = [
            ((Running, 100, Some(start()), secs(600)), true),
            // Paused: the clock does not count down.
            ((Paused, 100, Some(start()), secs(600)), false),
            ((Draft, 100, None, secs(600)), false),
            ((Completed, 0, Some(start()), secs(600)), false),
            // Nothing left.
            ((Running, 0, Some(start()), secs(600)), false),
            // Only the slots filling, and then 12 s of dialling: not known yet.
            ((Running, 100, Some(start()), secs(12)), false),
            // Started just now: the earlier dials are another run's.
            ((Running, 100, Some(secs(600)), secs(600)), false),
        ];
        for ((status, remaining, since, now), some) in table {
            assert_eq!(
                eta(status, remaining, &dials, since, 10, now).is_some(),
                some,
                "{status} with {remaining} left at {now}"
            );
        }
        assert_eq!(
            eta(
                Running,
                10,
                &DialRate::default(),
                Some(start()),
                10,
                secs(60)
            ),
            None
        );
    }

    #[test]
    fn the_start_burst_does_not_make_a_campaign_look_faster() {
        // 60 leads left at ten calls a minute: six minutes, measured after one minute
        // (a plain average would count the ten burst dials and say three).
        let dials = real_line(60);
        let got = eta(Running, 60, &dials, Some(start()), 10, secs(60)).unwrap();
        let minutes = got.num_milliseconds() as f64 / 60_000.0;
        assert!((5.5..=6.5).contains(&minutes), "{got}");
        // A fast sandbox: no slots limit to speak of, 100 dials in 10 s, then 10 a
        // second: seconds, not minutes.
        let mut fast = DialRate::default();
        for i in 0..400 {
            fast.record(secs(i / 10));
        }
        let got = eta(Running, 100, &fast, Some(start()), 3, secs(40)).unwrap();
        assert!(
            got <= Duration::seconds(11) && got >= Duration::seconds(9),
            "{got}"
        );
    }

    /// Evaluated every second for ten minutes of uneven dialling (gaps of 1 to 11 s,
    /// ten calls a minute on average), the ETA never moves by more than a few percent
    /// from one second to the next beyond the second that passed: not 29 min to 10 min
    /// in two seconds.
    #[test]
    fn the_eta_counts_down_without_wild_jumps() {
        let mut dials = DialRate::default();
        for _ in 0..10 {
            dials.record(secs(0));
        }
        let mut times = Vec::new();
        let (mut t, mut seed) = (0i64, 7u64);
        while t < 600 {
            seed = seed
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            t += 1 + (seed >> 33) as i64 % 11;
            times.push(t);
            dials.record(secs(t));
        }
        let total = 200u64;
        let mut last: Option<f64> = None;
        let mut shown = 0;
        for s in 1..=600 {
            let dialled = 10 + times.iter().filter(|&&d| d <= s).count() as u64;
            let remaining = total - dialled;
            let Some(got) = eta(Running, remaining, &dials, Some(start()), 10, secs(s)) else {
                assert!(shown == 0, "once known, the ETA stays known (at {s} s)");
                continue;
            };
            shown += 1;
            let got = got.num_milliseconds() as f64 / 1000.0;
            if let Some(before) = last {
                let change = (got - (before - 1.0)).abs() / before;
                let bound = if s < 180 { 0.12 } else { 0.06 };
                assert!(change < bound, "{before:.0} s → {got:.0} s at {s} s");
            }
            last = Some(got);
        }
        assert!(shown > 500, "known after a minute or so, shown {shown} s");
        // And it is about right: ten a minute, whatever is left.
        let left = total - 10 - times.iter().filter(|&&d| d <= 600).count() as u64;
        let minutes = last.unwrap() / 60.0;
        let truth = left as f64 / 10.0;
        assert!(
            (minutes / truth - 1.0).abs() < 0.25,
            "{minutes:.1} vs {truth:.1} min"
        );
    }
}
