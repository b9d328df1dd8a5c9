use super::attempt::Outcome;
use chrono::{DateTime, NaiveTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;
use std::time::Duration;
use thiserror::Error;

/// How the AI agent gets into the call's room.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum DispatchMode {
    /// `AgentDispatchService.CreateDispatch` with the lead's metadata.
    #[default]
    Explicit,
    /// LiveKit dispatch rules pick the room up; nothing is sent.
    Rules,
}

impl std::str::FromStr for DispatchMode {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "explicit" => Ok(DispatchMode::Explicit),
            "rules" => Ok(DispatchMode::Rules),
            other => Err(format!(
                "unknown dispatch mode `{other}` (expected explicit or rules)"
            )),
        }
    }
}

impl fmt::Display for DispatchMode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DispatchMode::Explicit => "explicit",
            DispatchMode::Rules => "rules",
        })
    }
}

/// Local hours in which a lead may be called, e.g. 09:00-20:00. `end` is exclusive.
/// A window whose end is before its start spans midnight.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CallingWindow {
    pub start: NaiveTime,
    pub end: NaiveTime,
}

impl CallingWindow {
    pub fn contains(&self, local: NaiveTime) -> bool {
        if self.start <= self.end {
            local >= self.start && local < self.end
        } else {
            local >= self.start || local < self.end
        }
    }
}

impl Default for CallingWindow {
    fn default() -> Self {
        Self {
            start: NaiveTime::from_hms_opt(9, 0, 0).expect("valid time"),
            end: NaiveTime::from_hms_opt(20, 0, 0).expect("valid time"),
        }
    }
}

impl fmt::Display for CallingWindow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}-{}",
            self.start.format("%H:%M"),
            self.end.format("%H:%M")
        )
    }
}

impl std::str::FromStr for CallingWindow {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let (a, b) = s
            .split_once('-')
            .ok_or_else(|| format!("calling window `{s}` should look like 09:00-20:00"))?;
        let parse = |t: &str| {
            NaiveTime::parse_from_str(t.trim(), "%H:%M")
                .map_err(|_| format!("`{}` in calling window `{s}` is not a HH:MM time", t.trim()))
        };
        let window = CallingWindow {
            start: parse(a)?,
            end: parse(b)?,
        };
        if window.start == window.end {
            return Err(format!(
                "calling window `{s}` is empty: start and end are the same"
            ));
        }
        Ok(window)
    }
}

/// Everything an operator sets when creating a campaign.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct CampaignSettings {
    pub name: String,
    /// LiveKit Agents worker name to dispatch into each call's room.
    pub agent_name: String,
    /// Outbound trunk id (`ST_...`).
    pub trunk_id: String,
    /// Number presented to the callee (sent as `sip_number`); the trunk's own when unset.
    pub caller_id: Option<String>,
    pub max_concurrent: u32,
    /// Minimum gap between two dial starts of this campaign; 0 means as fast as slots free.
    pub call_delay_ms: u64,
    pub max_attempts: u32,
    pub retry_delay_secs: u64,
    pub retry_on: BTreeSet<Outcome>,
    /// Answered calls whose disposition is named here are retried as the rule says
    /// (within `max_attempts`) instead of ending the lead.
    pub disposition_retries: Vec<super::DispositionRetry>,
    pub window: CallingWindow,
    /// IANA zone for leads whose own zone is unknown, e.g. `America/Chicago`.
    pub timezone: String,
    /// Attempts per local day (in `timezone`); none means unlimited.
    pub daily_cap: Option<u32>,
    /// Context handed to the agent with each call.
    pub prompt: String,
    pub dispatch: DispatchMode,
    pub ringing_timeout_secs: u32,
    pub max_call_duration_secs: u32,
    pub krisp: bool,
    /// Digits sent after answer (extension codes); `w` waits 0.5 s.
    pub dtmf: Option<String>,
    /// Do not dial before this instant.
    pub start_at: Option<DateTime<Utc>>,
}

impl Default for CampaignSettings {
    fn default() -> Self {
        Self {
            name: String::new(),
            agent_name: String::new(),
            trunk_id: String::new(),
            caller_id: None,
            max_concurrent: 5,
            call_delay_ms: 250,
            max_attempts: 3,
            retry_delay_secs: 3600,
            retry_on: Outcome::DEFAULT_RETRY_ON.iter().copied().collect(),
            disposition_retries: Vec::new(),
            window: CallingWindow::default(),
            timezone: "UTC".into(),
            daily_cap: None,
            prompt: String::new(),
            dispatch: DispatchMode::Explicit,
            ringing_timeout_secs: 30,
            max_call_duration_secs: 1800,
            krisp: true,
            dtmf: None,
            start_at: None,
        }
    }
}

/// The range a numeric setting may take. Every duration and count an operator sets has
/// one, so no later arithmetic on it can overflow and no typo stalls a campaign forever.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bound {
    pub min: u64,
    pub max: u64,
    pub unit: Unit,
}

/// What a bound counts, to say its maximum the way a person reads it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Count,
    Seconds,
    Milliseconds,
    Bytes,
}

impl Bound {
    const fn new(min: u64, max: u64, unit: Unit) -> Bound {
        Bound { min, max, unit }
    }

    /// The maximum of a bound in seconds, as a duration.
    pub fn max_duration(&self) -> std::time::Duration {
        std::time::Duration::from_secs(self.max)
    }

    /// `value` is within the bound, or the problem naming the bound it breaks.
    pub fn check(&self, value: u64) -> Result<(), Problem> {
        if value > self.max {
            return Err(Problem::TooLarge {
                value,
                bound: *self,
            });
        }
        if value < self.min {
            return Err(Problem::TooSmall {
                value,
                bound: *self,
            });
        }
        Ok(())
    }

    /// `2592000 (30 days)`, `65536 bytes (64 KiB)`, `100`.
    fn describe(&self, value: u64) -> String {
        match self.unit {
            Unit::Count => value.to_string(),
            Unit::Seconds => format!("{value} ({})", human_seconds(value)),
            Unit::Milliseconds if value >= 1000 => {
                format!("{value} ({})", human_seconds(value / 1000))
            }
            Unit::Milliseconds => value.to_string(),
            Unit::Bytes if value >= 1024 => format!("{value} bytes ({} KiB)", value / 1024),
            Unit::Bytes => format!("{value} bytes"),
        }
    }
}

/// The largest whole unit that divides the seconds: `30 days`, `1 hour`, `90 seconds`.
fn human_seconds(secs: u64) -> String {
    let plural = |n: u64, unit: &str| format!("{n} {unit}{}", if n == 1 { "" } else { "s" });
    match secs {
        0 => "0 seconds".into(),
        s if s % 86_400 == 0 => plural(s / 86_400, "day"),
        s if s % 3_600 == 0 => plural(s / 3_600, "hour"),
        s if s % 60 == 0 => plural(s / 60, "minute"),
        s => plural(s, "second"),
    }
}

/// The bounds of [`CampaignSettings`], one per field, checked by `validate` and shown
/// as hints by the console form.
pub mod bounds {
    use super::{Bound, Unit};

    pub const MAX_CONCURRENT: Bound = Bound::new(1, 10_000, Unit::Count);
    pub const CALL_DELAY_MS: Bound = Bound::new(0, 3_600_000, Unit::Milliseconds);
    pub const MAX_ATTEMPTS: Bound = Bound::new(1, 100, Unit::Count);
    pub const RETRY_DELAY_SECS: Bound = Bound::new(0, 30 * 86_400, Unit::Seconds);
    pub const DAILY_CAP: Bound = Bound::new(1, 1_000_000, Unit::Count);
    pub const RINGING_TIMEOUT_SECS: Bound = Bound::new(1, 600, Unit::Seconds);
    pub const MAX_CALL_DURATION_SECS: Bound = Bound::new(1, 86_400, Unit::Seconds);
    /// The agent's context travels in every dispatch's metadata.
    pub const PROMPT_BYTES: Bound = Bound::new(0, 64 * 1024, Unit::Bytes);
    pub const DTMF_CHARS: Bound = Bound::new(0, 64, Unit::Count);
    /// How far from now a scheduled start may be: a day back (a start that just
    /// passed while typing), a year ahead.
    pub const START_AT_PAST: chrono::Duration = chrono::Duration::days(1);
    pub const START_AT_FUTURE: chrono::Duration = chrono::Duration::days(366);
}

/// What is wrong with one setting.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Problem {
    TooLarge { value: u64, bound: Bound },
    TooSmall { value: u64, bound: Bound },
    Other(String),
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Problem::TooLarge { value, bound } => {
                write!(
                    f,
                    "{value} is too large: at most {}",
                    bound.describe(bound.max)
                )
            }
            Problem::TooSmall { value, bound } => {
                write!(
                    f,
                    "{value} is too small: at least {}",
                    bound.describe(bound.min)
                )
            }
            Problem::Other(text) => f.write_str(text),
        }
    }
}

/// A setting that cannot work, named by its field so forms and the CLI can point at it.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{field}: {problem}")]
pub struct SettingsError {
    pub field: &'static str,
    pub problem: Problem,
}

impl SettingsError {
    fn other(field: &'static str, problem: impl Into<String>) -> SettingsError {
        SettingsError {
            field,
            problem: Problem::Other(problem.into()),
        }
    }
}

/// Checks one bounded number, naming its field.
fn bounded(field: &'static str, value: u64, bound: Bound) -> Result<(), SettingsError> {
    bound
        .check(value)
        .map_err(|problem| SettingsError { field, problem })
}

/// Why `number` cannot be presented as a caller ID, or `None`. One number: the caller
/// ID is a single E.164 number, checked with the same metadata as the leads' numbers.
pub fn caller_id_problem(number: &str) -> Option<String> {
    let example = "e.g. +12125550187";
    if !number.starts_with('+') {
        return Some(format!(
            "`{number}` is not an E.164 number: write it with + and the country code, {example}"
        ));
    }
    // The region only matters for numbers without `+`, which are refused above.
    let region = crate::phone::parse_region("US").ok()?;
    match crate::phone::PhoneNormalizer::new(region).normalize(number) {
        Err(e) => Some(format!("{e}; give an E.164 number, {example}")),
        Ok(e164) if e164 != number => Some(format!(
            "`{number}` is not in E.164 form: write it as {e164}"
        )),
        Ok(_) => None,
    }
}

/// Why a scheduled start cannot be used at `now`, or `None`. Checked where a start is
/// set (not in `validate`), so a campaign whose start passed can still be edited.
pub fn start_at_problem(at: DateTime<Utc>, now: DateTime<Utc>) -> Option<String> {
    let shown = at.format("%Y-%m-%d %H:%M UTC");
    if at < now - bounds::START_AT_PAST {
        return Some(format!(
            "{shown} is more than a day in the past; give a time from now on, or `none`"
        ));
    }
    if at > now + bounds::START_AT_FUTURE {
        return Some(format!(
            "{shown} is more than a year ahead; give a time within the next year"
        ));
    }
    None
}

impl CampaignSettings {
    pub fn validate(&self) -> Result<(), SettingsError> {
        let fail = |field, problem: &str| Err(SettingsError::other(field, problem));
        if self.name.trim().is_empty() {
            return fail("name", "a campaign needs a name");
        }
        if self.agent_name.trim().is_empty() && self.dispatch == DispatchMode::Explicit {
            return fail(
                "agent",
                "explicit dispatch needs the agent's name (or use --dispatch rules)",
            );
        }
        if self.trunk_id.trim().is_empty() {
            return fail(
                "trunk",
                "a campaign needs an outbound trunk id (list them with `switchboard trunks`)",
            );
        }
        if let Some(problem) = self.caller_id.as_deref().and_then(caller_id_problem) {
            return fail("caller_id", &problem);
        }
        use bounds::*;
        bounded("max_concurrent", self.max_concurrent.into(), MAX_CONCURRENT)?;
        bounded("call_delay_ms", self.call_delay_ms, CALL_DELAY_MS)?;
        bounded("max_attempts", self.max_attempts.into(), MAX_ATTEMPTS)?;
        bounded("retry_delay_secs", self.retry_delay_secs, RETRY_DELAY_SECS)?;
        if self.timezone.parse::<chrono_tz::Tz>().is_err() {
            return fail(
                "timezone",
                "not an IANA time zone name (e.g. America/Chicago)",
            );
        }
        if let Some(cap) = self.daily_cap {
            bounded("daily_cap", cap.into(), DAILY_CAP)?;
        }
        bounded(
            "ringing_timeout_secs",
            self.ringing_timeout_secs.into(),
            RINGING_TIMEOUT_SECS,
        )?;
        bounded(
            "max_call_duration_secs",
            self.max_call_duration_secs.into(),
            MAX_CALL_DURATION_SECS,
        )?;
        bounded("prompt", self.prompt.len() as u64, PROMPT_BYTES)?;
        if let Some(dtmf) = &self.dtmf {
            if !dtmf
                .chars()
                .all(|c| c.is_ascii_digit() || matches!(c, '*' | '#' | 'w'))
            {
                return fail("dtmf", "only digits, *, # and w are allowed");
            }
            bounded("dtmf", dtmf.chars().count() as u64, DTMF_CHARS)?;
        }
        if let Some(refused) = self.retry_on.iter().find(|o| !o.is_retryable()) {
            let retryable: Vec<&str> = Outcome::RETRYABLE.iter().map(|o| o.as_str()).collect();
            return fail(
                "retry_on",
                &format!(
                    "`{refused}` cannot be retried; the outcomes that can are {}",
                    retryable.join(", ")
                ),
            );
        }
        for rule in &self.disposition_retries {
            if let Err(problem) = rule.check() {
                return fail("disposition_retries", &problem);
            }
            if rule.disposition.trim().is_empty() {
                return fail("disposition_retries", "a retry rule names no disposition");
            }
        }
        Ok(())
    }

    pub fn tz(&self) -> chrono_tz::Tz {
        self.timezone.parse().unwrap_or(chrono_tz::UTC)
    }

    // The engine reads durations through these, clamped to their bounds, so a value
    // stored before the bounds existed cannot overflow a timer or a date.

    pub fn call_delay(&self) -> Duration {
        Duration::from_millis(self.call_delay_ms.min(bounds::CALL_DELAY_MS.max))
    }

    pub fn retry_delay(&self) -> Duration {
        Duration::from_secs(self.retry_delay_secs.min(bounds::RETRY_DELAY_SECS.max))
    }

    pub fn ringing_timeout(&self) -> Duration {
        Duration::from_secs(
            u64::from(self.ringing_timeout_secs).min(bounds::RINGING_TIMEOUT_SECS.max),
        )
    }

    pub fn max_call_duration(&self) -> Duration {
        Duration::from_secs(
            u64::from(self.max_call_duration_secs).min(bounds::MAX_CALL_DURATION_SECS.max),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn valid() -> CampaignSettings {
        CampaignSettings {
            name: "Spring renewals".into(),
            agent_name: "renewals-agent".into(),
            trunk_id: "ST_abc".into(),
            ..Default::default()
        }
    }

    #[test]
    fn defaults_plus_the_three_names_are_valid() {
        assert_eq!(valid().validate(), Ok(()));
    }

    #[test]
    fn bad_settings_name_their_field() {
        let mut s = valid();
        s.timezone = "Mars/Olympus".into();
        assert_eq!(s.validate().unwrap_err().field, "timezone");
        let mut s = valid();
        s.max_concurrent = 0;
        assert_eq!(s.validate().unwrap_err().field, "max_concurrent");
        let mut s = valid();
        s.retry_on.insert(Outcome::Completed);
        assert_eq!(s.validate().unwrap_err().field, "retry_on");
    }

    #[test]
    fn every_duration_and_count_has_a_maximum_named_in_the_message() {
        let mut s = valid();
        s.retry_delay_secs = 9_000_000_000_000;
        let err = s.validate().unwrap_err();
        assert_eq!(err.field, "retry_delay_secs");
        assert_eq!(
            err.problem.to_string(),
            "9000000000000 is too large: at most 2592000 (30 days)"
        );
        let mut s = valid();
        s.call_delay_ms = u64::MAX;
        assert_eq!(
            s.validate().unwrap_err().to_string(),
            "call_delay_ms: 18446744073709551615 is too large: at most 3600000 (1 hour)"
        );
        let mut s = valid();
        s.max_call_duration_secs = u32::MAX;
        assert_eq!(s.validate().unwrap_err().field, "max_call_duration_secs");
        let mut s = valid();
        s.daily_cap = Some(u32::MAX);
        assert_eq!(s.validate().unwrap_err().field, "daily_cap");
        let mut s = valid();
        s.prompt = "x".repeat(64 * 1024 + 1);
        assert_eq!(
            s.validate().unwrap_err().to_string(),
            "prompt: 65537 is too large: at most 65536 bytes (64 KiB)"
        );
        let mut s = valid();
        s.max_attempts = 0;
        assert_eq!(
            s.validate().unwrap_err().to_string(),
            "max_attempts: 0 is too small: at least 1"
        );
    }

    #[test]
    fn the_caller_id_is_one_e164_number() {
        let mut s = valid();
        s.caller_id = Some("+12125550187".into());
        assert_eq!(s.validate(), Ok(()));
        s.caller_id = Some("notanumber".into());
        let err = s.validate().unwrap_err();
        assert_eq!(err.field, "caller_id");
        assert!(err.problem.to_string().contains("+12125550187"), "{err}");
        assert!(caller_id_problem("+1 212 555 0187")
            .unwrap()
            .contains("write it as +12125550187"));
        assert!(caller_id_problem("+1234").is_some());
    }

    #[test]
    fn only_outcomes_that_retry_on_decides_may_be_listed() {
        let mut s = valid();
        s.retry_on = [Outcome::NotPlaced].into_iter().collect();
        let err = s.validate().unwrap_err();
        assert_eq!(err.field, "retry_on");
        let text = err.problem.to_string();
        assert!(
            text.starts_with(
                "`not_placed` cannot be retried; the outcomes that can are no_answer, busy"
            ),
            "{text}"
        );
    }

    #[test]
    fn a_start_must_be_within_a_day_back_and_a_year_ahead() {
        let now = Utc::now();
        assert_eq!(
            start_at_problem(now + chrono::Duration::hours(2), now),
            None
        );
        let ancient = chrono::NaiveDate::from_ymd_opt(0, 1, 1)
            .unwrap()
            .and_hms_opt(0, 0, 0)
            .unwrap()
            .and_utc();
        assert!(start_at_problem(ancient, now)
            .unwrap()
            .contains("more than a day in the past"));
        assert!(start_at_problem(now + chrono::Duration::days(400), now)
            .unwrap()
            .contains("more than a year ahead"));
    }

    #[test]
    fn stored_out_of_range_durations_are_read_clamped() {
        let mut s = valid();
        s.call_delay_ms = u64::MAX;
        s.retry_delay_secs = u64::MAX;
        assert_eq!(s.call_delay(), Duration::from_secs(3600));
        assert_eq!(s.retry_delay(), Duration::from_secs(30 * 86_400));
    }

    #[test]
    fn windows_parse_and_span_midnight() {
        let w: CallingWindow = "09:00-20:00".parse().unwrap();
        assert!(w.contains(NaiveTime::from_hms_opt(9, 0, 0).unwrap()));
        assert!(!w.contains(NaiveTime::from_hms_opt(20, 0, 0).unwrap()));
        let night: CallingWindow = "22:00-02:00".parse().unwrap();
        assert!(night.contains(NaiveTime::from_hms_opt(1, 0, 0).unwrap()));
        assert!(!night.contains(NaiveTime::from_hms_opt(12, 0, 0).unwrap()));
        assert!("9-5"
            .parse::<CallingWindow>()
            .unwrap_err()
            .contains("HH:MM"));
        assert!("10:00-10:00"
            .parse::<CallingWindow>()
            .unwrap_err()
            .contains("empty"));
    }
}
