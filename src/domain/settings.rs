use super::attempt::Outcome;
use super::caller_id::CallerIdPool;
use super::variant::Variant;
use super::LeadId;
use chrono::{DateTime, NaiveTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;
use std::time::Duration;
use thiserror::Error;

pub mod change;
pub mod table;

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
    /// Numbers presented to callees (sent as `sip_number`), one picked per dial; the
    /// trunk's own number when empty. Stored as `caller_id` before pools existed.
    #[serde(alias = "caller_id")]
    pub caller_ids: CallerIdPool,
    /// Prefer a pool number near the callee; `None` means on when the pool has more
    /// than one number.
    pub local_presence: Option<bool>,
    /// Calls per caller ID per local day (in `timezone`), across every campaign that
    /// presents it; none means unlimited.
    pub caller_id_daily_cap: Option<u32>,
    /// A caller ID whose answer rate falls below this percent of the pool's median is
    /// rested for the day; 0 never rests.
    pub rest_floor_pct: u32,
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
    /// A/B variants; each lead is called with one of them (the same on every retry).
    pub variants: Vec<Variant>,
    /// Seconds from the answer for the agent to join the room before the call is ended
    /// as `agent_missing` (the callee is not left in silence).
    pub agent_join_timeout_secs: u32,
    /// Record each answered call (a LiveKit egress of its room, audio only).
    pub record: bool,
}

impl Default for CampaignSettings {
    fn default() -> Self {
        Self {
            name: String::new(),
            agent_name: String::new(),
            trunk_id: String::new(),
            caller_ids: CallerIdPool::default(),
            local_presence: None,
            caller_id_daily_cap: None,
            rest_floor_pct: 40,
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
            variants: Vec::new(),
            agent_join_timeout_secs: 5,
            record: false,
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
    /// The length of a text.
    Characters,
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
            Unit::Characters => format!("{value} characters"),
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
    pub const CALLER_ID_DAILY_CAP: Bound = Bound::new(1, 100_000, Unit::Count);
    pub const REST_FLOOR_PCT: Bound = Bound::new(0, 100, Unit::Count);
    pub const RINGING_TIMEOUT_SECS: Bound = Bound::new(1, 600, Unit::Seconds);
    pub const MAX_CALL_DURATION_SECS: Bound = Bound::new(1, 86_400, Unit::Seconds);
    /// The agent's context travels in every dispatch's metadata.
    pub const PROMPT_BYTES: Bound = Bound::new(0, 64 * 1024, Unit::Bytes);
    /// Names are shown in lists, the console's header and every report line.
    pub const NAME_CHARS: Bound = Bound::new(0, 200, Unit::Characters);
    /// LiveKit's agent names and trunk ids are short identifiers.
    pub const AGENT_NAME_CHARS: Bound = Bound::new(0, 128, Unit::Characters);
    pub const TRUNK_ID_CHARS: Bound = Bound::new(0, 128, Unit::Characters);
    /// What an agent reports is kept to this many characters (`Disposition::MAX_LEN`),
    /// so a retry rule naming a longer one could never match.
    pub const DISPOSITION_CHARS: Bound = Bound::new(
        0,
        crate::domain::Disposition::MAX_LEN as u64,
        Unit::Characters,
    );
    pub const DTMF_CHARS: Bound = Bound::new(0, 64, Unit::Count);
    pub const VARIANTS: Bound = Bound::new(0, 26, Unit::Count);
    pub const VARIANT_WEIGHT: Bound = Bound::new(1, 1_000, Unit::Count);
    pub const VARIANT_NAME_CHARS: Bound = Bound::new(1, 32, Unit::Count);
    /// Long enough for an agent worker that is slow to take a job, short enough that a
    /// callee is not left long in silence.
    pub const AGENT_JOIN_TIMEOUT_SECS: Bound = Bound::new(1, 60, Unit::Seconds);
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
            Problem::TooLarge { value, bound } if bound.unit == Unit::Characters => {
                write!(f, "{value} characters long: at most {}", bound.max)
            }
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

impl From<String> for Problem {
    fn from(text: String) -> Problem {
        Problem::Other(text)
    }
}

impl From<&str> for Problem {
    fn from(text: &str) -> Problem {
        Problem::Other(text.to_owned())
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

/// The start of a text too long to quote whole.
fn short(text: &str) -> String {
    text.chars().take(24).collect()
}

/// Checks one bounded number, naming its field.
fn bounded(field: &'static str, value: u64, bound: Bound) -> Result<(), SettingsError> {
    bound
        .check(value)
        .map_err(|problem| SettingsError { field, problem })
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
        use bounds::*;
        let chars = |text: &str| text.chars().count() as u64;
        bounded("name", chars(&self.name), NAME_CHARS)?;
        bounded("agent", chars(&self.agent_name), AGENT_NAME_CHARS)?;
        bounded("trunk", chars(&self.trunk_id), TRUNK_ID_CHARS)?;
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
        if let Err(e) = self.caller_ids.check() {
            return fail("caller_id", &e.to_string());
        }
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
        if let Some(cap) = self.caller_id_daily_cap {
            bounded("caller_id_daily_cap", cap.into(), CALLER_ID_DAILY_CAP)?;
        }
        bounded("rest_floor_pct", self.rest_floor_pct.into(), REST_FLOOR_PCT)?;
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
        bounded(
            "agent_join_timeout_secs",
            self.agent_join_timeout_secs.into(),
            AGENT_JOIN_TIMEOUT_SECS,
        )?;
        self.validate_variants()?;
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
            bounded(
                "disposition_retries",
                chars(rule.disposition.trim()),
                DISPOSITION_CHARS,
            )
            .map_err(|e| {
                SettingsError::other(
                    "disposition_retries",
                    format!("disposition `{}…`: {}", short(&rule.disposition), e.problem),
                )
            })?;
        }
        Ok(())
    }

    /// Local presence as it applies: the operator's choice, else on for a real pool.
    pub fn local_presence_on(&self) -> bool {
        self.local_presence.unwrap_or(self.caller_ids.len() > 1)
    }

    fn validate_variants(&self) -> Result<(), SettingsError> {
        use bounds::*;
        bounded("variants", self.variants.len() as u64, VARIANTS)?;
        let mut seen = std::collections::HashSet::new();
        for variant in &self.variants {
            let name = variant.name.trim();
            bounded("variants", name.chars().count() as u64, VARIANT_NAME_CHARS).map_err(|e| {
                SettingsError::other("variants", format!("name `{name}`: {}", e.problem))
            })?;
            if name.contains([':', ',']) || name.chars().any(char::is_whitespace) {
                return Err(SettingsError::other(
                    "variants",
                    format!("name `{name}` may not contain spaces, `:` or `,`"),
                ));
            }
            if !seen.insert(name) {
                return Err(SettingsError::other(
                    "variants",
                    format!("two variants are named `{name}`: give each its own name"),
                ));
            }
            bounded("variants", variant.weight.into(), VARIANT_WEIGHT).map_err(|e| {
                SettingsError::other("variants", format!("weight of `{name}`: {}", e.problem))
            })?;
            bounded(
                "variants",
                variant.agent_name.chars().count() as u64,
                AGENT_NAME_CHARS,
            )
            .map_err(|e| {
                SettingsError::other("variants", format!("agent of `{name}`: {}", e.problem))
            })?;
            if let Some(prompt) = &variant.prompt {
                bounded("variants", prompt.len() as u64, PROMPT_BYTES).map_err(|e| {
                    SettingsError::other("variants", format!("prompt of `{name}`: {}", e.problem))
                })?;
            }
            if variant.agent_name.trim().is_empty()
                && self.agent_name.trim().is_empty()
                && self.dispatch == DispatchMode::Explicit
            {
                return Err(SettingsError::other(
                    "variants",
                    format!("variant `{name}` names no agent and the campaign has none"),
                ));
            }
        }
        Ok(())
    }

    /// The variant `lead` is called with, if the campaign has variants.
    pub fn variant_for(&self, lead: LeadId) -> Option<&Variant> {
        super::variant::assign(&self.variants, lead)
    }

    /// The agent to dispatch for a call of `variant`: its own, or the campaign's.
    pub fn agent_for<'a>(&'a self, variant: Option<&'a Variant>) -> &'a str {
        variant
            .map(|v| v.agent_name.trim())
            .filter(|a| !a.is_empty())
            .unwrap_or(&self.agent_name)
    }

    /// The prompt handed to the agent for a call of `variant`: its own, or the campaign's.
    pub fn prompt_for<'a>(&'a self, variant: Option<&'a Variant>) -> &'a str {
        variant
            .and_then(|v| v.prompt.as_deref())
            .unwrap_or(&self.prompt)
    }

    pub fn agent_join_timeout(&self) -> Duration {
        let secs = u64::from(self.agent_join_timeout_secs).clamp(
            bounds::AGENT_JOIN_TIMEOUT_SECS.min,
            bounds::AGENT_JOIN_TIMEOUT_SECS.max,
        );
        Duration::from_secs(secs)
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
    fn text_fields_have_bounds_named_in_the_message() {
        let long = |n: usize| "x".repeat(n);
        let mut s = valid();
        s.name = long(100_000);
        assert_eq!(
            s.validate().unwrap_err().to_string(),
            "name: 100000 characters long: at most 200"
        );
        s.name = long(200);
        assert_eq!(s.validate(), Ok(()));
        let mut s = valid();
        s.agent_name = long(129);
        assert_eq!(
            s.validate().unwrap_err().to_string(),
            "agent: 129 characters long: at most 128"
        );
        let mut s = valid();
        s.trunk_id = long(500);
        assert_eq!(s.validate().unwrap_err().field, "trunk");
        let mut s = valid();
        s.prompt = long(70_000);
        assert_eq!(
            s.validate().unwrap_err().to_string(),
            "prompt: 70000 is too large: at most 65536 bytes (64 KiB)"
        );
        let mut s = valid();
        s.disposition_retries = vec![crate::domain::DispositionRetry {
            disposition: long(65),
            at: crate::domain::RetryAt::Delay(60),
        }];
        let err = s.validate().unwrap_err();
        assert_eq!(err.field, "disposition_retries");
        assert!(
            err.to_string().ends_with("65 characters long: at most 64"),
            "{err}"
        );
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
    fn every_caller_id_of_the_pool_is_an_e164_number() {
        let mut s = valid();
        s.caller_ids = CallerIdPool::new(vec!["+12125550187".into()]);
        assert_eq!(s.validate(), Ok(()));
        s.caller_ids = CallerIdPool::new(vec!["+12125550187".into(), "notanumber".into()]);
        let err = s.validate().unwrap_err();
        assert_eq!(err.field, "caller_id");
        assert!(
            err.problem
                .to_string()
                .starts_with("caller id 2 `notanumber`"),
            "{err}"
        );
        assert!(
            super::super::caller_id::caller_id_problem("+1 212 555 0187")
                .unwrap()
                .contains("write it as +12125550187")
        );
    }

    #[test]
    fn caller_id_cap_and_rest_floor_are_bounded() {
        let mut s = valid();
        s.caller_id_daily_cap = Some(0);
        assert_eq!(s.validate().unwrap_err().field, "caller_id_daily_cap");
        s.caller_id_daily_cap = Some(200);
        s.rest_floor_pct = 101;
        assert_eq!(
            s.validate().unwrap_err().to_string(),
            "rest_floor_pct: 101 is too large: at most 100"
        );
    }

    #[test]
    fn local_presence_defaults_on_for_a_pool_of_more_than_one() {
        let mut s = valid();
        assert!(!s.local_presence_on());
        s.caller_ids = CallerIdPool::new(vec!["+12125550187".into(), "+13125550100".into()]);
        assert!(s.local_presence_on());
        s.local_presence = Some(false);
        assert!(!s.local_presence_on());
    }

    #[test]
    fn settings_stored_with_one_caller_id_still_read() {
        let old = r#"{"name":"n","agent_name":"a","trunk_id":"ST_x","caller_id":"+12125550187"}"#;
        let s: CampaignSettings = serde_json::from_str(old).unwrap();
        assert_eq!(s.caller_ids.single(), Some("+12125550187"));
        assert_eq!(s.rest_floor_pct, 40);
        let none = r#"{"name":"n","caller_id":null}"#;
        let s: CampaignSettings = serde_json::from_str(none).unwrap();
        assert!(s.caller_ids.is_empty());
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
