//! What becomes of a lead after one of its calls ended: the campaign's retry policy
//! (`max_attempts`, `retry_delay_secs`, `retry_on`) as one pure function.

use crate::domain::{CampaignSettings, LeadState, Outcome};
use chrono::{DateTime, Duration, Utc};

/// The lead's next state, and when it is due again for `RetryWait`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LeadNext {
    pub state: LeadState,
    pub due_at: Option<DateTime<Utc>>,
}

/// `attempts` is the lead's count of counted attempts including the one that ended.
///
/// - an infrastructure failure (`not_placed`) spent nothing: back to `pending`;
/// - answered: `done`; a number that does not exist: `invalid`, unless the lead has
///   another number (`other_numbers`): then, while attempts remain, it waits the retry
///   delay like a retry and its next call dials that number;
/// - an outcome in `retry_on` is retried after `retry_delay_secs` while attempts remain,
///   else the lead is `exhausted`. That includes `interrupted` (a call cut off by a
///   crash, whose answer was never seen) only when the campaign lists it: the callee
///   may have talked to the agent while Switchboard was down;
/// - anything else (rejected, error, canceled by the operator) ends the lead: `done`.
pub fn after_call(
    settings: &CampaignSettings,
    outcome: Outcome,
    attempts: u32,
    now: DateTime<Utc>,
    other_numbers: bool,
) -> LeadNext {
    let state = match outcome {
        Outcome::NotPlaced => LeadState::Pending,
        Outcome::Completed => LeadState::Done,
        Outcome::InvalidNumber if other_numbers && attempts < settings.max_attempts => {
            LeadState::RetryWait
        }
        Outcome::InvalidNumber if other_numbers => LeadState::Exhausted,
        Outcome::InvalidNumber => LeadState::Invalid,
        o if settings.retry_on.contains(&o) => {
            if attempts < settings.max_attempts {
                LeadState::RetryWait
            } else {
                LeadState::Exhausted
            }
        }
        _ => LeadState::Done,
    };
    let due_at = (state == LeadState::RetryWait).then(|| retry_due(settings, now));
    LeadNext { state, due_at }
}

/// `now` plus the retry delay. The delay is read clamped to its bound and the sum is
/// checked, so a delay stored before the bounds existed cannot overflow the date.
fn retry_due(settings: &CampaignSettings, now: DateTime<Utc>) -> DateTime<Utc> {
    Duration::from_std(settings.retry_delay())
        .ok()
        .and_then(|delay| now.checked_add_signed(delay))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn settings() -> CampaignSettings {
        CampaignSettings {
            max_attempts: 3,
            retry_delay_secs: 60,
            ..Default::default()
        }
    }

    #[test]
    fn retryable_outcomes_wait_then_exhaust() {
        let now = Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap();
        let next = after_call(&settings(), Outcome::NoAnswer, 1, now, false);
        assert_eq!(
            next,
            LeadNext {
                state: LeadState::RetryWait,
                due_at: Some(now + Duration::seconds(60))
            }
        );
        assert_eq!(
            after_call(&settings(), Outcome::Busy, 3, now, false).state,
            LeadState::Exhausted
        );
    }

    #[test]
    fn an_absurd_stored_delay_waits_the_longest_allowed_delay_instead_of_panicking() {
        let now = Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap();
        let absurd = CampaignSettings {
            retry_delay_secs: 9_000_000_000_000,
            ..settings()
        };
        let next = after_call(&absurd, Outcome::NoAnswer, 1, now, false);
        assert_eq!(next.state, LeadState::RetryWait);
        assert_eq!(next.due_at, Some(now + Duration::days(30)));
        let last_day = DateTime::<Utc>::MAX_UTC - Duration::hours(1);
        let next = after_call(&absurd, Outcome::Busy, 1, last_day, false);
        assert_eq!(next.due_at, Some(DateTime::<Utc>::MAX_UTC));
    }

    #[test]
    fn an_invalid_number_moves_a_lead_with_other_numbers_on_to_the_next() {
        let now = Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap();
        let next = after_call(&settings(), Outcome::InvalidNumber, 1, now, true);
        assert_eq!(next.state, LeadState::RetryWait);
        assert_eq!(next.due_at, Some(now + Duration::seconds(60)));
        assert_eq!(
            after_call(&settings(), Outcome::InvalidNumber, 3, now, true).state,
            LeadState::Exhausted
        );
        assert_eq!(
            after_call(&settings(), Outcome::InvalidNumber, 1, now, false).state,
            LeadState::Invalid
        );
    }

    #[test]
    fn outcomes_outside_retry_on_end_the_lead() {
        let now = Utc::now();
        assert_eq!(
            after_call(&settings(), Outcome::Rejected, 1, now, false).state,
            LeadState::Done
        );
        assert_eq!(
            after_call(&settings(), Outcome::Completed, 1, now, false).state,
            LeadState::Done
        );
        assert_eq!(
            after_call(&settings(), Outcome::InvalidNumber, 1, now, false).state,
            LeadState::Invalid
        );
        let mut only_busy = settings();
        only_busy.retry_on = [Outcome::Busy].into_iter().collect();
        assert_eq!(
            after_call(&only_busy, Outcome::NoAnswer, 1, now, false).state,
            LeadState::Done
        );
    }

    #[test]
    fn infrastructure_failures_spend_nothing_and_interruptions_retry_only_when_listed() {
        let now = Utc::now();
        assert_eq!(
            after_call(&settings(), Outcome::NotPlaced, 0, now, false).state,
            LeadState::Pending
        );
        assert!(!settings().retry_on.contains(&Outcome::Interrupted));
        assert_eq!(
            after_call(&settings(), Outcome::Interrupted, 1, now, false).state,
            LeadState::Done
        );
        let mut listed = settings();
        listed.retry_on.insert(Outcome::Interrupted);
        assert_eq!(
            after_call(&listed, Outcome::Interrupted, 2, now, false).state,
            LeadState::RetryWait
        );
        assert_eq!(
            after_call(&listed, Outcome::Interrupted, 3, now, false).state,
            LeadState::Exhausted
        );
    }
}
