//! Every setting an operator edits, declared once. The CLI's `campaign create/edit`
//! flags, the API's `SettingsPatch` and its OpenAPI schema, and the console's campaign
//! form are all made from [`SETTINGS`], so a setting cannot ship in one of them and not
//! in the others (a test checks all four).
//!
//! Each setting is read from text (a flag's value, a form field, a JSON value the API
//! turns into text) and shown as text, so the form shows back what it reads. Problems
//! name the setting by its key (`SettingsError::field`); each consumer names it as its
//! user typed it (`--daily-cap`, `dailyCap`, the form's field).

use super::{bounds, start_at_problem, Bound, CampaignSettings, Problem, SettingsError};
use crate::domain::{CallerIdPool, DispositionRetry, Outcome, Variant, VariantSpec};
use chrono::{DateTime, NaiveDateTime, TimeZone, Utc};

/// One editable setting of [`CampaignSettings`].
pub struct Setting {
    /// Stable key, as `SettingsError::field` and the form name it: `max_concurrent`.
    pub key: &'static str,
    /// The CLI's long flag, without dashes: `max-concurrent`.
    pub flag: &'static str,
    /// The API's JSON field: `maxConcurrent`.
    pub api: &'static str,
    /// The console form's label.
    pub label: &'static str,
    /// What it does, for `--help` and the OpenAPI description.
    pub help: &'static str,
    /// The format expected, short, shown dimmed beside the form's field.
    pub hint: &'static str,
    /// The CLI's placeholder for the value: `N`, `SECS`.
    pub value_name: &'static str,
    pub kind: Kind,
    /// Whether empty text (JSON `null`) unsets it.
    pub optional: bool,
    /// Whether it may change while the campaign runs, taking effect on the next dial:
    /// how fast, how many, when and from which numbers. What each call *is* (agent,
    /// trunk, prompt, variants, …) changes between runs, so the calls a run compares
    /// are alike.
    pub while_running: bool,
    codec: Codec,
}

impl std::fmt::Debug for Setting {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Setting")
            .field("key", &self.key)
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

/// How a setting is read from text into [`CampaignSettings`] and shown back.
#[derive(Clone, Copy)]
enum Codec {
    Text(Write<String>, Read<String>),
    Number(Write<u64>, Read<u64>),
    /// A number where empty (or `none`) means no cap.
    Cap(Write<Option<u32>>, Read<Option<u32>>),
    Switch(Write<bool>, Read<bool>),
    Custom(Parse, Read<String>),
}

type Write<T> = fn(&mut CampaignSettings, T);
type Read<T> = fn(&CampaignSettings) -> T;
type Parse = fn(&mut CampaignSettings, &str, DateTime<Utc>) -> Result<(), Problem>;

/// What kind of value a setting takes: how a flag takes it, what JSON type the API
/// accepts, what the OpenAPI schema says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Text,
    /// A whole number within its bound.
    Number(Bound),
    /// yes or no; a flag and its `--no-` twin on the command line.
    Switch,
    /// One of these words.
    Choice(&'static [&'static str]),
    /// Comma-separated words; a JSON array of strings. `repeat`: the flag is given once
    /// per item.
    List {
        repeat: bool,
    },
    /// An instant (RFC 3339), or a local time in the campaign's zone.
    Time,
    /// Local hours, `HH:MM-HH:MM`.
    Hours,
    /// A/B variants: `NAME:AGENT:WEIGHT, ...` as text; objects in JSON.
    Variants,
}

impl Setting {
    /// Reads `text` into `settings`, or says what is wrong, naming this setting.
    /// `now` is when a scheduled start is checked against.
    pub fn parse(
        &self,
        settings: &mut CampaignSettings,
        text: &str,
        now: DateTime<Utc>,
    ) -> Result<(), SettingsError> {
        let text = text.trim();
        let read = match self.codec {
            Codec::Text(write, _) => {
                write(settings, text.to_owned());
                Ok(())
            }
            Codec::Number(write, _) => self.whole(text).map(|n| write(settings, n)),
            Codec::Cap(write, _) if matches!(text, "" | "none") => {
                write(settings, None);
                Ok(())
            }
            // Bounds are far below u32::MAX.
            Codec::Cap(write, _) => self.whole(text).map(|n| write(settings, Some(n as u32))),
            Codec::Switch(write, _) => yes_no(text)
                .map(|on| write(settings, on))
                .ok_or_else(|| Problem::Other(format!("`{text}`: give yes or no"))),
            Codec::Custom(parse, _) => parse(settings, text, now),
        };
        read.map_err(|problem| SettingsError {
            field: self.key,
            problem,
        })
    }

    /// A whole number within the setting's bound; one too big for its field is named
    /// with the bound it breaks rather than as "invalid digit".
    fn whole(&self, text: &str) -> Result<u64, Problem> {
        let n: u64 = text.parse().map_err(|_| {
            Problem::Other(match self.optional {
                true => format!("`{text}` is not a whole number; leave it empty for no cap"),
                false => format!("`{text}` is not a whole number"),
            })
        })?;
        if let Kind::Number(bound) = self.kind {
            bound.check(n)?;
        }
        Ok(n)
    }

    /// The setting's value as text, as [`Setting::parse`] reads it back.
    pub fn show(&self, settings: &CampaignSettings) -> String {
        match self.codec {
            Codec::Text(_, read) | Codec::Custom(_, read) => read(settings),
            Codec::Number(_, read) => read(settings).to_string(),
            Codec::Cap(_, read) => read(settings).map(|n| n.to_string()).unwrap_or_default(),
            Codec::Switch(_, read) => if read(settings) { "yes" } else { "no" }.into(),
        }
    }
}

/// The setting named `key`.
pub fn setting(key: &str) -> Option<&'static Setting> {
    SETTINGS.iter().find(|s| s.key == key)
}

/// Every setting, in the order the form and `--help` show them.
pub static SETTINGS: &[Setting] = &[
    Setting {
        key: "name",
        flag: "name",
        api: "name",
        label: "Name",
        help: "Campaign name shown in the console",
        hint: "shown in the campaign list",
        value_name: "NAME",
        kind: Kind::Text,
        optional: false,
        while_running: true,
        codec: Codec::Text(|s, t| s.name = t, |s| s.name.clone()),
    },
    Setting {
        key: "agent",
        flag: "agent",
        api: "agentName",
        label: "Agent name",
        help: "LiveKit agent (worker) name dispatched into each call",
        hint: "LiveKit Agents worker to dispatch",
        value_name: "NAME",
        kind: Kind::Text,
        optional: false,
        while_running: false,
        codec: Codec::Text(|s, t| s.agent_name = t, |s| s.agent_name.clone()),
    },
    Setting {
        key: "trunk",
        flag: "trunk",
        api: "sipTrunkId",
        label: "Outbound trunk",
        help: "Outbound SIP trunk id (ST_...); list them with `switchboard trunks`",
        hint: "ST_… (switchboard trunks)",
        value_name: "ID",
        kind: Kind::Text,
        optional: false,
        while_running: false,
        codec: Codec::Text(|s, t| s.trunk_id = t, |s| s.trunk_id.clone()),
    },
    Setting {
        key: "caller_id",
        flag: "caller-id",
        api: "callerIdNumbers",
        label: "Caller IDs",
        help: "Numbers shown to callees, comma-separated E.164 (a pool: one is picked per \
               call); empty for the trunk's own number",
        hint: "optional; +E.164, comma-separated",
        value_name: "E164[,E164...]",
        kind: Kind::List { repeat: false },
        optional: true,
        while_running: true,
        codec: Codec::Custom(
            |s, t, _| {
                s.caller_ids = CallerIdPool::parse_list(t).map_err(|e| e.to_string())?;
                Ok(())
            },
            |s| s.caller_ids.to_string(),
        ),
    },
    number(
        "max_concurrent",
        "Concurrent calls",
        "Calls in progress at once",
        "1-10000",
        bounds::MAX_CONCURRENT,
        |s, n| s.max_concurrent = n as u32,
        |s| s.max_concurrent.into(),
    )
    .named("max-concurrent", "maxConcurrent", "N")
    .while_running(),
    number(
        "call_delay_ms",
        "Gap between dials (ms)",
        "Milliseconds between two dial starts",
        "0 = as fast as slots free",
        bounds::CALL_DELAY_MS,
        |s, n| s.call_delay_ms = n,
        |s| s.call_delay_ms,
    )
    .named("call-delay-ms", "callDelay", "MS")
    .while_running(),
    number(
        "max_attempts",
        "Max attempts",
        "Attempts per lead, retries included",
        "per lead, 1-100",
        bounds::MAX_ATTEMPTS,
        |s, n| s.max_attempts = n as u32,
        |s| s.max_attempts.into(),
    )
    .named("max-attempts", "retryAttempts", "N")
    .while_running(),
    number(
        "retry_delay_secs",
        "Retry after (s)",
        "Seconds before a retry",
        "0-2592000 (30 days)",
        bounds::RETRY_DELAY_SECS,
        |s, n| s.retry_delay_secs = n,
        |s| s.retry_delay_secs,
    )
    .named("retry-delay-secs", "retryDelaySecs", "SECS")
    .while_running(),
    Setting {
        key: "retry_on",
        flag: "retry-on",
        api: "retryOn",
        label: "Retry on",
        help: "Outcomes that are retried, comma-separated \
               (no_answer,busy,rejected,trunk_failure,error,...)",
        hint: "no_answer, busy, trunk_failure, …",
        value_name: "OUTCOMES",
        kind: Kind::List { repeat: false },
        optional: false,
        while_running: true,
        codec: Codec::Custom(
            |s, t, _| {
                s.retry_on = items(t)
                    .map(str::parse::<Outcome>)
                    .collect::<Result<_, _>>()?;
                Ok(())
            },
            |s| {
                let names: Vec<&str> = s.retry_on.iter().map(|o| o.as_str()).collect();
                names.join(", ")
            },
        ),
    },
    Setting {
        key: "window",
        flag: "window",
        api: "callingWindow",
        label: "Calling hours",
        help: "Calling hours in each lead's local time, e.g. 09:00-20:00",
        hint: "HH:MM-HH:MM, lead's local time",
        value_name: "HH:MM-HH:MM",
        kind: Kind::Hours,
        optional: false,
        while_running: true,
        codec: Codec::Custom(
            |s, t, _| {
                s.window = t.parse()?;
                Ok(())
            },
            |s| s.window.to_string(),
        ),
    },
    Setting {
        key: "timezone",
        flag: "timezone",
        api: "timezone",
        label: "Time zone",
        help: "IANA time zone for leads whose zone is unknown, and for the daily cap",
        hint: "IANA, for leads without one",
        value_name: "ZONE",
        kind: Kind::Text,
        optional: false,
        while_running: true,
        codec: Codec::Text(|s, t| s.timezone = t, |s| s.timezone.clone()),
    },
    cap(
        "daily_cap",
        "Daily cap",
        "Attempts per local day",
        "attempts per day; empty = none",
        bounds::DAILY_CAP,
        |s, n| s.daily_cap = n,
        |s| s.daily_cap,
    )
    .named("daily-cap", "dailyCap", "N")
    .while_running(),
    Setting {
        key: "local_presence",
        flag: "local-presence",
        api: "localPresence",
        label: "Local presence",
        help: "Prefer a pool number with the callee's area code, then region, then country \
               (on by default when the pool has more than one number)",
        hint: "auto (on for a pool), yes, no",
        value_name: "auto|yes|no",
        kind: Kind::Switch,
        optional: true,
        while_running: true,
        codec: Codec::Custom(
            |s, t, _| {
                s.local_presence = match t.to_ascii_lowercase().as_str() {
                    "" | "auto" => None,
                    other => Some(yes_no(other).ok_or("auto, yes or no")?),
                };
                Ok(())
            },
            |s| {
                match s.local_presence {
                    None => "auto",
                    Some(true) => "yes",
                    Some(false) => "no",
                }
                .into()
            },
        ),
    },
    cap(
        "caller_id_daily_cap",
        "Caller ID daily cap",
        "Calls per caller ID per local day, across every campaign using it",
        "calls, all campaigns; empty = none",
        bounds::CALLER_ID_DAILY_CAP,
        |s, n| s.caller_id_daily_cap = n,
        |s| s.caller_id_daily_cap,
    )
    .named("caller-id-daily-cap", "callerIdDailyCap", "N")
    .while_running(),
    number(
        "rest_floor_pct",
        "Rest floor (% median)",
        "Rest a caller ID for the day when its answer rate over its last 50 calls falls \
         below this percent of the pool's median (0 never rests; default 40)",
        "of answer rate; 0 = never rest",
        bounds::REST_FLOOR_PCT,
        |s, n| s.rest_floor_pct = n as u32,
        |s| s.rest_floor_pct.into(),
    )
    .named("rest-floor-pct", "restFloorPct", "PERCENT")
    .while_running(),
    Setting {
        key: "dispatch",
        flag: "dispatch",
        api: "dispatch",
        label: "Dispatch",
        help: "How the agent joins: explicit (dispatched by switchboard) or rules \
               (LiveKit dispatch rules)",
        hint: "explicit or rules",
        value_name: "MODE",
        kind: Kind::Choice(&["explicit", "rules"]),
        optional: false,
        while_running: false,
        codec: Codec::Custom(
            |s, t, _| {
                s.dispatch = t.parse()?;
                Ok(())
            },
            |s| s.dispatch.to_string(),
        ),
    },
    number(
        "ringing_timeout_secs",
        "Ring timeout (s)",
        "Seconds a call may ring before it ends as no_answer",
        "1-600",
        bounds::RINGING_TIMEOUT_SECS,
        |s, n| s.ringing_timeout_secs = n as u32,
        |s| s.ringing_timeout_secs.into(),
    )
    .named("ringing-timeout-secs", "ringingTimeoutSecs", "SECS")
    .while_running(),
    number(
        "max_call_duration_secs",
        "Max call length (s)",
        "Seconds after which an answered call is ended",
        "1-86400 (1 day)",
        bounds::MAX_CALL_DURATION_SECS,
        |s, n| s.max_call_duration_secs = n as u32,
        |s| s.max_call_duration_secs.into(),
    )
    .named("max-call-duration-secs", "maxCallDurationSecs", "SECS")
    .while_running(),
    switch(
        "krisp",
        "Noise cancellation",
        "Krisp noise cancellation on the callee's audio",
        "yes or no",
        |s, on| s.krisp = on,
        |s| s.krisp,
    )
    .named("krisp", "krisp", "yes|no"),
    Setting {
        key: "dtmf",
        flag: "dtmf",
        api: "dtmf",
        label: "DTMF after answer",
        help: "Digits sent after the answer (extension codes); `w` waits 0.5 s",
        hint: "digits, * # w; optional",
        value_name: "DIGITS",
        kind: Kind::Text,
        optional: true,
        while_running: false,
        codec: Codec::Custom(
            |s, t, _| {
                s.dtmf = Some(t.to_owned()).filter(|t| !t.is_empty() && t != "none");
                Ok(())
            },
            |s| s.dtmf.clone().unwrap_or_default(),
        ),
    },
    Setting {
        key: "disposition_retries",
        flag: "retry-disposition",
        api: "dispositionRetries",
        label: "Retry by disposition",
        help: "Retry an answered call by its agent's disposition, e.g. voicemail=4h or \
               callback=callback_at (the time the agent gives); repeatable, `none` clears them",
        hint: "voicemail=4h, callback=callback_at",
        value_name: "NAME=WHEN",
        kind: Kind::List { repeat: true },
        optional: false,
        while_running: true,
        codec: Codec::Custom(
            |s, t, _| {
                s.disposition_retries = match t.eq_ignore_ascii_case("none") {
                    true => Vec::new(),
                    false => items(t)
                        .map(DispositionRetry::parse)
                        .collect::<Result<_, _>>()?,
                };
                Ok(())
            },
            |s| {
                let rules: Vec<String> = s
                    .disposition_retries
                    .iter()
                    .map(|r| r.to_string())
                    .collect();
                rules.join(", ")
            },
        ),
    },
    Setting {
        key: "prompt",
        flag: "prompt",
        api: "prompt",
        label: "Agent context",
        help: "Context handed to the agent with each call",
        hint: "handed to the agent with each call",
        value_name: "TEXT",
        kind: Kind::Text,
        optional: false,
        while_running: false,
        codec: Codec::Text(|s, t| s.prompt = t, |s| s.prompt.clone()),
    },
    Setting {
        key: "variants",
        flag: "variant",
        api: "variants",
        label: "A/B variants",
        help: "An A/B variant, NAME:AGENT:WEIGHT[:PROMPT_FILE] (AGENT empty: the campaign's); \
               repeat for each variant. Given on edit, the list replaces the old one",
        hint: "NAME:AGENT:WEIGHT, … (agent empty = campaign's)",
        value_name: "SPEC",
        kind: Kind::Variants,
        optional: false,
        while_running: false,
        codec: Codec::Custom(
            |s, t, _| {
                s.variants = parse_variants(t, &s.variants)?;
                Ok(())
            },
            |s| {
                let specs: Vec<String> = s
                    .variants
                    .iter()
                    .map(|v| format!("{}:{}:{}", v.name, v.agent_name, v.weight))
                    .collect();
                specs.join(", ")
            },
        ),
    },
    switch(
        "record",
        "Record calls",
        "Record each answered call (audio only; where to: [recording] in config.toml). \
         Mind the consent your callees' laws require (see the README)",
        "yes or no; mind the callees' consent",
        |s, on| s.record = on,
        |s| s.record,
    )
    .named("record", "record", "yes|no"),
    number(
        "agent_join_timeout_secs",
        "Agent join timeout (s)",
        "Seconds from the answer for the agent to join before the call ends as agent_missing",
        "1-60, from the answer",
        bounds::AGENT_JOIN_TIMEOUT_SECS,
        |s, n| s.agent_join_timeout_secs = n as u32,
        |s| s.agent_join_timeout_secs.into(),
    )
    .named("agent-join-timeout-secs", "agentJoinTimeoutSecs", "SECS")
    .while_running(),
    // After `timezone`, which a local start time is read in.
    Setting {
        key: "start_at",
        flag: "start-at",
        api: "startAt",
        label: "Start at",
        help: "Dial nothing before this time: `YYYY-MM-DD HH:MM` in the campaign's time zone, \
               an RFC 3339 instant, or `none` to start as soon as it is started",
        hint: "YYYY-MM-DD HH:MM local; empty = when started",
        value_name: "WHEN",
        kind: Kind::Time,
        optional: true,
        while_running: false,
        codec: Codec::Custom(
            |s, t, now| {
                let at = parse_start_at(t, &s.timezone)?;
                // Checked only when it changes, so a campaign whose start passed can still
                // be edited.
                if at != s.start_at {
                    if let Some(problem) = at.and_then(|at| start_at_problem(at, now)) {
                        return Err(problem.into());
                    }
                }
                s.start_at = at;
                Ok(())
            },
            |s| s.start_at.map(|t| t.to_rfc3339()).unwrap_or_default(),
        ),
    },
];

/// The comma-separated items of a list, empty ones skipped.
fn items(text: &str) -> impl Iterator<Item = &str> {
    text.split(',').map(str::trim).filter(|t| !t.is_empty())
}

fn yes_no(text: &str) -> Option<bool> {
    match text.to_ascii_lowercase().as_str() {
        "yes" | "y" | "true" | "on" => Some(true),
        "no" | "n" | "false" | "off" => Some(false),
        _ => None,
    }
}

// The constructors below fill in what every setting of a kind shares; `named` then
// gives the names a user types, so each row of the table reads in one place.

impl Setting {
    const fn named(self, flag: &'static str, api: &'static str, value_name: &'static str) -> Self {
        Setting {
            flag,
            api,
            value_name,
            ..self
        }
    }

    /// This setting, changeable while the campaign runs.
    const fn while_running(self) -> Self {
        Setting {
            while_running: true,
            ..self
        }
    }
}

const fn row(
    key: &'static str,
    label: &'static str,
    help: &'static str,
    hint: &'static str,
    kind: Kind,
    optional: bool,
    codec: Codec,
) -> Setting {
    Setting {
        key,
        flag: "",
        api: "",
        label,
        help,
        hint,
        value_name: "",
        kind,
        optional,
        while_running: false,
        codec,
    }
}

const fn number(
    key: &'static str,
    label: &'static str,
    help: &'static str,
    hint: &'static str,
    bound: Bound,
    write: Write<u64>,
    read: Read<u64>,
) -> Setting {
    row(
        key,
        label,
        help,
        hint,
        Kind::Number(bound),
        false,
        Codec::Number(write, read),
    )
}

const fn cap(
    key: &'static str,
    label: &'static str,
    help: &'static str,
    hint: &'static str,
    bound: Bound,
    write: Write<Option<u32>>,
    read: Read<Option<u32>>,
) -> Setting {
    row(
        key,
        label,
        help,
        hint,
        Kind::Number(bound),
        true,
        Codec::Cap(write, read),
    )
}

const fn switch(
    key: &'static str,
    label: &'static str,
    help: &'static str,
    hint: &'static str,
    write: Write<bool>,
    read: Read<bool>,
) -> Setting {
    row(
        key,
        label,
        help,
        hint,
        Kind::Switch,
        false,
        Codec::Switch(write, read),
    )
}

/// `none`, an RFC 3339 instant, or a wall-clock time in the campaign's zone.
fn parse_start_at(value: &str, timezone: &str) -> Result<Option<DateTime<Utc>>, String> {
    if value.eq_ignore_ascii_case("none") || value.is_empty() {
        return Ok(None);
    }
    if let Ok(instant) = DateTime::parse_from_rfc3339(value) {
        return Ok(Some(instant.with_timezone(&Utc)));
    }
    let local = NaiveDateTime::parse_from_str(value, "%Y-%m-%d %H:%M")
        .map_err(|_| format!("`{value}` is not `YYYY-MM-DD HH:MM`, an RFC 3339 time, or `none`"))?;
    let tz: chrono_tz::Tz = timezone.parse().map_err(|_| {
        format!("cannot read it in time zone `{timezone}`; fix the time zone first")
    })?;
    tz.from_local_datetime(&local)
        .earliest()
        .map(|t| Some(t.with_timezone(&Utc)))
        .ok_or_else(|| format!("{value} does not exist in {timezone} (the clocks skip it)"))
}

/// The variants as typed: `A:agent-a:70, B::30`. A variant keeps the prompt it had
/// under its name; prompts from files are set on the command line, where the file is
/// read.
fn parse_variants(text: &str, before: &[Variant]) -> Result<Vec<Variant>, String> {
    items(text)
        .map(|t| {
            let spec = VariantSpec::parse(t)?;
            if spec.prompt_file.is_some() {
                return Err(format!(
                    "variant `{}`: set a prompt file with `switchboard campaign edit --variant`",
                    spec.name
                ));
            }
            let prompt = before
                .iter()
                .find(|v| v.name == spec.name)
                .and_then(|v| v.prompt.clone());
            Ok(Variant {
                name: spec.name,
                agent_name: spec.agent_name,
                weight: spec.weight,
                prompt,
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashSet;

    #[test]
    fn keys_flags_and_api_names_are_each_used_once() {
        for name in [
            |s: &Setting| s.key,
            |s: &Setting| s.flag,
            |s: &Setting| s.api,
            |s: &Setting| s.label,
        ] {
            let mut seen = HashSet::new();
            for setting in SETTINGS {
                assert!(!name(setting).is_empty(), "{setting:?} has an empty name");
                assert!(seen.insert(name(setting)), "{} twice", name(setting));
            }
        }
    }

    #[test]
    fn every_setting_reads_back_what_it_shows() {
        let now = Utc::now();
        let set = CampaignSettings {
            name: "Renewals".into(),
            agent_name: "agent".into(),
            trunk_id: "ST_1".into(),
            caller_ids: CallerIdPool::new(vec!["+12125550187".into(), "+13125550100".into()]),
            local_presence: Some(false),
            caller_id_daily_cap: Some(150),
            daily_cap: Some(900),
            dtmf: Some("12w#".into()),
            start_at: Some(now + chrono::Duration::hours(3)),
            record: true,
            krisp: false,
            disposition_retries: vec![DispositionRetry::parse("voicemail=4h").unwrap()],
            variants: vec![Variant {
                name: "A".into(),
                agent_name: "closer".into(),
                weight: 3,
                prompt: Some("be brief".into()),
            }],
            ..CampaignSettings::default()
        };
        assert_eq!(set.validate(), Ok(()));
        for base in [CampaignSettings::default(), set] {
            let mut read = base.clone();
            for setting in SETTINGS {
                let shown = setting.show(&base);
                setting
                    .parse(&mut read, &shown, now)
                    .unwrap_or_else(|e| panic!("{}: {shown:?}: {e}", setting.key));
            }
            assert_eq!(read, base);
        }
    }

    #[test]
    fn problems_name_the_setting_and_the_fix() {
        let now = Utc::now();
        let mut s = CampaignSettings::default();
        let err = |key: &str, text: &str, s: &mut CampaignSettings| {
            setting(key)
                .unwrap()
                .parse(s, text, now)
                .unwrap_err()
                .to_string()
        };
        assert_eq!(
            err("max_concurrent", "lots", &mut s),
            "max_concurrent: `lots` is not a whole number"
        );
        assert_eq!(
            err("max_concurrent", "99999999999", &mut s),
            "max_concurrent: 99999999999 is too large: at most 10000"
        );
        assert_eq!(
            err("daily_cap", "x", &mut s),
            "daily_cap: `x` is not a whole number; leave it empty for no cap"
        );
        assert_eq!(
            err("krisp", "maybe", &mut s),
            "krisp: `maybe`: give yes or no"
        );
        assert!(err("window", "9-5", &mut s).contains("HH:MM"));
        assert!(err("start_at", "tomorrow", &mut s).contains("YYYY-MM-DD HH:MM"));
        assert!(err("variants", "A:x:1:prompt.txt", &mut s).contains("--variant"));
    }

    #[test]
    fn a_start_that_passed_is_kept_but_a_new_one_is_checked() {
        let now = Utc::now();
        let start_at = setting("start_at").unwrap();
        let long_ago = now - chrono::Duration::days(30);
        let mut s = CampaignSettings {
            start_at: Some(long_ago),
            ..CampaignSettings::default()
        };
        let shown = start_at.show(&s);
        assert_eq!(start_at.parse(&mut s, &shown, now), Ok(()));
        let other = (long_ago - chrono::Duration::days(1)).to_rfc3339();
        assert!(start_at.parse(&mut s, &other, now).is_err());
        assert_eq!(start_at.parse(&mut s, "none", now), Ok(()));
        assert_eq!(s.start_at, None);
    }
}
