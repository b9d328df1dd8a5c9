//! ETA: the leads still to call over the rate this campaign has measurably been
//! dialling at. Measured over the time it has actually run (up to `ETA_WINDOW`), so a
//! sandbox dialling a hundred calls in ten seconds gets seconds, not the minutes a
//! fixed five-minute average would give. No ETA while the campaign is not running
//! (paused, draft, finished), and none while the rate is not known yet.

use super::super::CampaignStatus;
use super::DialRate;
use chrono::{DateTime, Duration, Utc};

/// The longest stretch of recent dialling the rate averages over.
pub const ETA_WINDOW: Duration = Duration::minutes(5);

/// `running_since` is when the campaign last started dialling.
pub fn eta(
    status: CampaignStatus,
    remaining: u64,
    dials: &DialRate,
    running_since: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Option<Duration> {
    if status != CampaignStatus::Running || remaining == 0 {
        return None;
    }
    let span = (now - running_since?).min(ETA_WINDOW);
    if span <= Duration::zero() {
        return None;
    }
    let dialled = dials.dials_within(now, span);
    if dialled == 0 {
        return None;
    }
    let millis = span.num_milliseconds() as f64 * remaining as f64 / dialled as f64;
    Some(Duration::milliseconds(millis.round() as i64))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use CampaignStatus::*;

    #[test]
    fn eta_comes_from_the_measured_rate_of_a_running_campaign() {
        let start = Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap();
        let secs = |s: i64| start + Duration::seconds(s);
        // A fast sandbox: 100 dials in the first 10 seconds.
        let mut fast = DialRate::default();
        for i in 0..100 {
            fast.record(secs(i / 10 + 1));
        }
        // A real line: 10 dials a minute for ten minutes.
        let mut slow = DialRate::default();
        for i in 0..100 {
            slow.record(secs(i * 6 + 1));
        }
        // (status, remaining, dials, since, now) → ETA
        let table = [
            (
                (Running, 100, &fast, Some(start), secs(10)),
                Some(Duration::seconds(10)),
            ),
            (
                (Running, 50, &slow, Some(start), secs(600)),
                Some(Duration::minutes(5)),
            ),
            // Paused: the clock does not count down.
            ((Paused, 100, &fast, Some(start), secs(10)), None),
            ((Draft, 100, &fast, None, secs(10)), None),
            ((Completed, 0, &fast, Some(start), secs(10)), None),
            // Nothing left.
            ((Running, 0, &fast, Some(start), secs(10)), None),
            // Running but no dial yet: unknown, not "forever".
            (
                (Running, 10, &DialRate::default(), Some(start), secs(10)),
                None,
            ),
            ((Running, 10, &fast, Some(secs(10)), secs(10)), None),
        ];
        for ((status, remaining, dials, since, now), expected) in table {
            assert_eq!(
                eta(status, remaining, dials, since, now),
                expected,
                "{status} with {remaining} left at {now}"
            );
        }
    }
}
