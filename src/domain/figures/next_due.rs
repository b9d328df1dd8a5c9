//! What a campaign that is not dialling waits for, and when: the next retry, its calling
//! hours opening, its daily cap resetting, its scheduled start, a caller ID coming back.
//! `run`, `status` and the console say it in these words, so waiting is never silent.

use crate::domain::{CampaignStatus, PauseReason};
use chrono::{DateTime, Utc};

/// The kind of instant a campaign waits for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Due {
    Retry,
    WindowOpens,
    CapResets,
    ScheduledStart,
    CallerIdsBack,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NextDue {
    pub due: Due,
    pub at: DateTime<Utc>,
}

impl NextDue {
    /// What a campaign in `status`, paused for `reason` if it is, waits for next. An
    /// automatic pause waits for its own instant (a retry due earlier waits with it); a
    /// running campaign waits for its earliest retry not yet due. `None`: nothing timed
    /// (the operator's pause, LiveKit down, or calls still to make).
    pub fn of(
        status: CampaignStatus,
        reason: Option<&PauseReason>,
        next_retry_at: Option<DateTime<Utc>>,
    ) -> Option<NextDue> {
        let due = |due, at| Some(NextDue { due, at });
        match (status, reason) {
            (CampaignStatus::Paused, Some(reason)) => match reason {
                PauseReason::OutsideWindow { until, .. } => due(Due::WindowOpens, (*until)?),
                PauseReason::DailyCapReached { until, .. } => due(Due::CapResets, *until),
                PauseReason::Scheduled { at } => due(Due::ScheduledStart, *at),
                PauseReason::CallerIdsUnavailable { until, .. } => due(Due::CallerIdsBack, *until),
                _ => None,
            },
            (CampaignStatus::Running, _) => due(Due::Retry, next_retry_at?),
            _ => None,
        }
    }

    /// `next retry 14:05 UTC (in 58m)`, from `now`.
    pub fn describe(&self, now: DateTime<Utc>) -> String {
        let what = match self.due {
            Due::Retry => "next retry",
            Due::WindowOpens => "calling hours open",
            Due::CapResets => "daily cap resets",
            Due::ScheduledStart => "starts",
            Due::CallerIdsBack => "a caller ID is back",
        };
        let when = if self.at.date_naive() == now.date_naive() {
            self.at.format("%H:%M UTC")
        } else {
            self.at.format("%a %d %b %H:%M UTC")
        };
        format!("{what} {when} ({})", in_words(self.at - now))
    }
}

/// `in 58m`, `in 2h 05m`, `in 3d 4h`, `due now`.
fn in_words(left: chrono::Duration) -> String {
    let secs = left.num_seconds();
    if secs <= 0 {
        return "due now".into();
    }
    let (days, hours, mins) = (secs / 86_400, secs % 86_400 / 3_600, secs % 3_600 / 60);
    match (days, hours, mins) {
        (0, 0, 0) => format!("in {secs}s"),
        (0, 0, m) => format!("in {m}m"),
        (0, h, m) => format!("in {h}h {m:02}m"),
        (d, h, _) => format!("in {d}d {h}h"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{Duration, TimeZone};

    fn now() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 7, 13, 7, 0).unwrap()
    }

    #[test]
    fn a_running_campaign_waits_for_its_next_retry_and_says_when() {
        let at = now() + Duration::minutes(58);
        let next = NextDue::of(CampaignStatus::Running, None, Some(at)).unwrap();
        assert_eq!(next.due, Due::Retry);
        assert_eq!(next.describe(now()), "next retry 14:05 UTC (in 58m)");
        assert_eq!(NextDue::of(CampaignStatus::Running, None, None), None);
    }

    #[test]
    fn an_automatic_pause_waits_for_its_own_instant_and_the_operators_for_none() {
        let until = now() + Duration::hours(20);
        let window = PauseReason::OutsideWindow {
            until: Some(until),
            timezone: "America/Chicago".into(),
        };
        let retry = Some(now() + Duration::minutes(5));
        let next = NextDue::of(CampaignStatus::Paused, Some(&window), retry).unwrap();
        assert_eq!(next.due, Due::WindowOpens);
        assert_eq!(
            next.describe(now()),
            "calling hours open Tue 08 Dec 09:07 UTC (in 20h 00m)"
        );
        let cap = PauseReason::DailyCapReached { cap: 500, until };
        assert_eq!(
            NextDue::of(CampaignStatus::Paused, Some(&cap), None).map(|n| n.due),
            Some(Due::CapResets)
        );
        for reason in [PauseReason::Operator, PauseReason::Shutdown] {
            assert_eq!(
                NextDue::of(CampaignStatus::Paused, Some(&reason), retry),
                None
            );
        }
        assert_eq!(NextDue::of(CampaignStatus::Completed, None, retry), None);
    }

    #[test]
    fn time_left_reads_in_words() {
        let words = |secs| in_words(Duration::seconds(secs));
        assert_eq!(words(-5), "due now");
        assert_eq!(words(42), "in 42s");
        assert_eq!(words(3_600 + 5 * 60), "in 1h 05m");
        assert_eq!(words(3 * 86_400 + 4 * 3_600), "in 3d 4h");
    }
}
