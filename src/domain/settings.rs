use super::attempt::Outcome;
use chrono::{DateTime, NaiveTime, Utc};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;
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

/// A setting that cannot work, named by its field so forms and the CLI can point at it.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{field}: {problem}")]
pub struct SettingsError {
    pub field: &'static str,
    pub problem: String,
}

impl CampaignSettings {
    pub fn validate(&self) -> Result<(), SettingsError> {
        let fail = |field, problem: &str| {
            Err(SettingsError {
                field,
                problem: problem.into(),
            })
        };
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
        if self.max_concurrent == 0 || self.max_concurrent > 10_000 {
            return fail("max_concurrent", "must be between 1 and 10000");
        }
        if self.max_attempts == 0 || self.max_attempts > 100 {
            return fail("max_attempts", "must be between 1 and 100");
        }
        if self.timezone.parse::<chrono_tz::Tz>().is_err() {
            return fail(
                "timezone",
                "not an IANA time zone name (e.g. America/Chicago)",
            );
        }
        if self.daily_cap == Some(0) {
            return fail(
                "daily_cap",
                "must be at least 1 (leave it unset for no cap)",
            );
        }
        if self.ringing_timeout_secs == 0 || self.ringing_timeout_secs > 600 {
            return fail("ringing_timeout_secs", "must be between 1 and 600 seconds");
        }
        if self.max_call_duration_secs == 0 {
            return fail("max_call_duration_secs", "must be at least 1 second");
        }
        if let Some(dtmf) = &self.dtmf {
            if !dtmf
                .chars()
                .all(|c| c.is_ascii_digit() || matches!(c, '*' | '#' | 'w'))
            {
                return fail("dtmf", "only digits, *, # and w are allowed");
            }
        }
        if self.retry_on.contains(&Outcome::Completed) {
            return fail("retry_on", "answered calls are never retried");
        }
        Ok(())
    }

    pub fn tz(&self) -> chrono_tz::Tz {
        self.timezone.parse().unwrap_or(chrono_tz::UTC)
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
