//! What becomes of a lead after one of its calls ended, as one pure function: the
//! campaign's retry policy (`max_attempts`, `retry_delay_secs`, `retry_on`), its rules
//! for named dispositions (`voicemail=4h`, `callback=callback_at`) and the do-not-call
//! list. The call task asks it when the call ends and again when the agent's
//! disposition comes after; the store only writes the answer.

use crate::domain::{CampaignSettings, Disposition, LeadNext, LeadState, Outcome, RetryAt};
use chrono::{DateTime, Duration, Utc};

/// What is known of an attempt when its lead's fate is decided.
#[derive(Debug, Clone, Copy)]
pub struct AttemptEnd<'a> {
    pub outcome: Outcome,
    /// The agent's disposition, if it came before the decision.
    pub disposition: Option<&'a Disposition>,
    /// `switchboard.callback_at` as the agent wrote it (RFC 3339).
    pub callback_at: Option<&'a str>,
    /// The lead's counted attempts, including this one when it counts.
    pub attempts: u32,
    /// The number is on a do-not-call list now (put there during the call, or by the
    /// agent's disposition).
    pub on_dnc: bool,
    /// The disposition says the callee asked not to be called again.
    pub opted_out: bool,
    pub at: DateTime<Utc>,
}

impl<'a> AttemptEnd<'a> {
    pub fn plain(outcome: Outcome, attempts: u32, at: DateTime<Utc>) -> Self {
        Self {
            outcome,
            disposition: None,
            callback_at: None,
            attempts,
            on_dnc: false,
            opted_out: false,
            at,
        }
    }
}

/// - an infrastructure failure (`not_placed`) spent nothing: back to `pending`;
/// - an answered call whose disposition a rule names is retried when the rule says
///   while attempts remain, else `exhausted`;
/// - answered: `done`; a number that does not exist: `invalid`;
/// - an outcome in `retry_on` is retried after `retry_delay_secs` while attempts remain,
///   else the lead is `exhausted`. That includes `interrupted` (a call cut off by a
///   crash, whose answer was never seen) only when the campaign lists it: the callee
///   may have talked to the agent while Switchboard was down;
/// - anything else (rejected, error, canceled by the operator) ends the lead: `done`;
/// - and a lead that would be dialled again whose number is on a do-not-call list (put
///   there during the call, or by the agent's disposition) is `dnc` instead.
pub fn after_attempt(settings: &CampaignSettings, end: &AttemptEnd) -> LeadNext {
    let next = by_retry_rules(settings, end);
    if next.state.is_open() && (end.on_dnc || end.opted_out) {
        return ends(LeadState::Dnc);
    }
    next
}

fn by_retry_rules(settings: &CampaignSettings, end: &AttemptEnd) -> LeadNext {
    let retry_or_exhaust = |due_at: DateTime<Utc>| {
        if end.attempts < settings.max_attempts {
            LeadNext {
                state: LeadState::RetryWait,
                due_at: Some(due_at),
            }
        } else {
            ends(LeadState::Exhausted)
        }
    };
    let rule = end
        .disposition
        .filter(|_| end.outcome == Outcome::Completed)
        .and_then(|d| settings.disposition_retries.iter().find(|r| r.matches(d)));
    if let Some(rule) = rule {
        let due_at = match rule.at {
            RetryAt::Delay(secs) => later(end.at, std::time::Duration::from_secs(secs)),
            RetryAt::CallbackTime => end
                .callback_at
                .and_then(|text| callback_time(text, end.at))
                .unwrap_or_else(|| later(end.at, settings.retry_delay())),
        };
        return retry_or_exhaust(due_at);
    }
    match end.outcome {
        Outcome::NotPlaced => ends(LeadState::Pending),
        Outcome::Completed => ends(LeadState::Done),
        Outcome::InvalidNumber => ends(LeadState::Invalid),
        o if settings.retry_on.contains(&o) => {
            retry_or_exhaust(later(end.at, settings.retry_delay()))
        }
        _ => ends(LeadState::Done),
    }
}

/// One line for the timeline: where the lead went, and when it is due.
pub fn describe(next: &LeadNext) -> String {
    match next.due_at {
        Some(at) => format!(
            "lead {}, due {}",
            next.state,
            at.format("%Y-%m-%d %H:%M UTC")
        ),
        None => format!("lead {}", next.state),
    }
}

fn ends(state: LeadState) -> LeadNext {
    LeadNext {
        state,
        due_at: None,
    }
}

/// The agent's callback time: a time in the past means now, and one further ahead than
/// the longest retry delay is brought back to it.
fn callback_time(text: &str, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
    let at = DateTime::parse_from_rfc3339(text.trim())
        .ok()?
        .with_timezone(&Utc);
    let latest = later(now, crate::domain::bounds::RETRY_DELAY_SECS.max_duration());
    Some(at.clamp(now, latest))
}

/// `now` plus `delay`, checked, so a delay stored before the bounds existed cannot
/// overflow the date.
fn later(now: DateTime<Utc>, delay: std::time::Duration) -> DateTime<Utc> {
    Duration::from_std(delay)
        .ok()
        .and_then(|delay| now.checked_add_signed(delay))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn after(
        settings: &CampaignSettings,
        outcome: Outcome,
        attempts: u32,
        at: DateTime<Utc>,
    ) -> LeadNext {
        after_attempt(settings, &AttemptEnd::plain(outcome, attempts, at))
    }

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
        let next = after(&settings(), Outcome::NoAnswer, 1, now);
        assert_eq!(
            next,
            LeadNext {
                state: LeadState::RetryWait,
                due_at: Some(now + Duration::seconds(60))
            }
        );
        assert_eq!(
            after(&settings(), Outcome::Busy, 3, now).state,
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
        let next = after(&absurd, Outcome::NoAnswer, 1, now);
        assert_eq!(next.state, LeadState::RetryWait);
        assert_eq!(next.due_at, Some(now + Duration::days(30)));
        let last_day = DateTime::<Utc>::MAX_UTC - Duration::hours(1);
        let next = after(&absurd, Outcome::Busy, 1, last_day);
        assert_eq!(next.due_at, Some(DateTime::<Utc>::MAX_UTC));
    }

    #[test]
    fn outcomes_outside_retry_on_end_the_lead() {
        let now = Utc::now();
        assert_eq!(
            after(&settings(), Outcome::Rejected, 1, now).state,
            LeadState::Done
        );
        assert_eq!(
            after(&settings(), Outcome::Completed, 1, now).state,
            LeadState::Done
        );
        assert_eq!(
            after(&settings(), Outcome::InvalidNumber, 1, now).state,
            LeadState::Invalid
        );
        let mut only_busy = settings();
        only_busy.retry_on = [Outcome::Busy].into_iter().collect();
        assert_eq!(
            after(&only_busy, Outcome::NoAnswer, 1, now).state,
            LeadState::Done
        );
    }

    #[test]
    fn infrastructure_failures_spend_nothing_and_interruptions_retry_only_when_listed() {
        let now = Utc::now();
        assert_eq!(
            after(&settings(), Outcome::NotPlaced, 0, now).state,
            LeadState::Pending
        );
        assert!(!settings().retry_on.contains(&Outcome::Interrupted));
        assert_eq!(
            after(&settings(), Outcome::Interrupted, 1, now).state,
            LeadState::Done
        );
        let mut listed = settings();
        listed.retry_on.insert(Outcome::Interrupted);
        assert_eq!(
            after(&listed, Outcome::Interrupted, 2, now).state,
            LeadState::RetryWait
        );
        assert_eq!(
            after(&listed, Outcome::Interrupted, 3, now).state,
            LeadState::Exhausted
        );
    }

    fn answered_with<'a>(
        disposition: &'a Disposition,
        callback_at: Option<&'a str>,
        attempts: u32,
        at: DateTime<Utc>,
    ) -> AttemptEnd<'a> {
        AttemptEnd {
            disposition: Some(disposition),
            callback_at,
            ..AttemptEnd::plain(Outcome::Completed, attempts, at)
        }
    }

    fn with_rules(rules: &[&str]) -> CampaignSettings {
        CampaignSettings {
            disposition_retries: rules
                .iter()
                .map(|r| crate::domain::DispositionRetry::parse(r).unwrap())
                .collect(),
            ..settings()
        }
    }

    #[test]
    fn dispositions_named_by_a_rule_retry_as_it_says() {
        let now = Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap();
        let s = with_rules(&["voicemail=4h", "callback=callback_at"]);
        let voicemail = Disposition::new("Voicemail").unwrap();
        let callback = Disposition::new("callback").unwrap();
        let interested = Disposition::new("interested").unwrap();
        let at = "2026-01-02T09:30:00-05:00";
        let table: Vec<(AttemptEnd, LeadState, Option<DateTime<Utc>>)> = vec![
            (
                answered_with(&voicemail, None, 1, now),
                LeadState::RetryWait,
                Some(now + Duration::hours(4)),
            ),
            (
                answered_with(&voicemail, None, 3, now),
                LeadState::Exhausted,
                None,
            ),
            (
                answered_with(&callback, Some(at), 1, now),
                LeadState::RetryWait,
                Some(Utc.with_ymd_and_hms(2026, 1, 2, 14, 30, 0).unwrap()),
            ),
            // No time given, or one that is not a time: the campaign's retry delay.
            (
                answered_with(&callback, None, 1, now),
                LeadState::RetryWait,
                Some(now + Duration::seconds(60)),
            ),
            (
                answered_with(&callback, Some("tomorrow-ish"), 1, now),
                LeadState::RetryWait,
                Some(now + Duration::seconds(60)),
            ),
            // A time in the past is now; one beyond the longest delay is brought back.
            (
                answered_with(&callback, Some("2020-01-01T00:00:00Z"), 1, now),
                LeadState::RetryWait,
                Some(now),
            ),
            (
                answered_with(&callback, Some("2027-06-01T00:00:00Z"), 1, now),
                LeadState::RetryWait,
                Some(now + Duration::days(30)),
            ),
            (
                answered_with(&interested, None, 1, now),
                LeadState::Done,
                None,
            ),
        ];
        for (end, state, due_at) in table {
            assert_eq!(
                after_attempt(&s, &end),
                LeadNext { state, due_at },
                "{end:?}"
            );
        }
    }

    #[test]
    fn a_rule_applies_to_answered_calls_only_and_do_not_call_wins() {
        let now = Utc.with_ymd_and_hms(2026, 1, 1, 12, 0, 0).unwrap();
        let s = with_rules(&["voicemail=4h"]);
        let voicemail = Disposition::new("voicemail").unwrap();
        let busy = AttemptEnd {
            outcome: Outcome::Busy,
            ..answered_with(&voicemail, None, 1, now)
        };
        assert_eq!(
            after_attempt(&s, &busy).due_at,
            Some(now + Duration::seconds(60))
        );
        let on_list = AttemptEnd {
            on_dnc: true,
            ..answered_with(&voicemail, None, 1, now)
        };
        assert_eq!(after_attempt(&s, &on_list).state, LeadState::Dnc);
        // A call that ended the lead anyway keeps its result.
        let opt_out = Disposition::new("do-not-call").unwrap();
        let opted_out = AttemptEnd {
            opted_out: true,
            ..answered_with(&opt_out, None, 1, now)
        };
        assert_eq!(after_attempt(&s, &opted_out).state, LeadState::Done);
        let s = with_rules(&["do_not_call=1h"]);
        assert_eq!(after_attempt(&s, &opted_out).state, LeadState::Dnc);
        let not_placed = AttemptEnd {
            on_dnc: true,
            ..AttemptEnd::plain(Outcome::NotPlaced, 0, now)
        };
        assert_eq!(after_attempt(&s, &not_placed).state, LeadState::Dnc);
    }
}
