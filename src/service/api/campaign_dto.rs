//! A campaign as the API writes and reads it: the settings in camelCase under the names
//! the previous system's clients use (`sipTrunkId`, `callerIdNumber`, `callDelay` in
//! ms, `retryFailed`, `retryAttempts`), every other setting under its own name.

use super::envelope::ApiError;
use crate::domain::{
    start_at_problem, CallerIdPool, CallingWindow, CampaignId, CampaignSettings, CampaignStatus,
    DispatchMode, Outcome, PauseReason, SettingsError, Variant,
};
use crate::store::CampaignRecord;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Deserializer, Serialize};
use std::collections::BTreeSet;

/// The body of `POST /campaigns` and `PATCH /campaigns/{id}`: every field optional; a
/// create starts from the defaults, a patch from the campaign's settings. For the
/// settings that may be unset, `null` unsets and an absent field leaves it as it is.
#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct CampaignInput {
    pub name: Option<String>,
    pub agent_name: Option<String>,
    pub sip_trunk_id: Option<String>,
    /// One caller ID, or a comma-separated pool; `null` for the trunk's own number.
    #[serde(default, deserialize_with = "nullable")]
    pub caller_id_number: Option<Option<String>>,
    /// The pool as a list (`[]` for the trunk's own number).
    pub caller_id_numbers: Option<Vec<String>>,
    /// `null`: on when the pool has more than one number.
    #[serde(default, deserialize_with = "nullable")]
    pub local_presence: Option<Option<bool>>,
    /// Calls per caller ID per local day across campaigns; `null` for no cap.
    #[serde(default, deserialize_with = "nullable")]
    pub caller_id_daily_cap: Option<Option<u32>>,
    /// Rest a caller ID whose answer rate falls below this percent of the pool's median.
    pub rest_floor_pct: Option<u32>,
    pub max_concurrent: Option<u32>,
    /// Milliseconds between two dial starts.
    pub call_delay: Option<u64>,
    /// `true`: retry the default outcomes (no_answer, busy, trunk_failure); `false`:
    /// never retry. `retryOn` names them one by one instead.
    pub retry_failed: Option<bool>,
    pub retry_on: Option<BTreeSet<Outcome>>,
    /// Retry rules by the agent's disposition: `["voicemail=4h", "callback=callback_at"]`.
    pub disposition_retries: Option<Vec<String>>,
    /// Attempts per lead, the first included.
    pub retry_attempts: Option<u32>,
    pub retry_delay_secs: Option<u64>,
    /// `HH:MM-HH:MM`, local to the lead.
    pub calling_window: Option<String>,
    pub timezone: Option<String>,
    #[serde(default, deserialize_with = "nullable")]
    pub daily_cap: Option<Option<u32>>,
    pub prompt: Option<String>,
    pub dispatch: Option<DispatchMode>,
    pub ringing_timeout_secs: Option<u32>,
    pub max_call_duration_secs: Option<u32>,
    pub krisp: Option<bool>,
    #[serde(default, deserialize_with = "nullable")]
    pub dtmf: Option<Option<String>>,
    #[serde(default, deserialize_with = "nullable")]
    pub start_at: Option<Option<DateTime<Utc>>>,
    /// A/B variants; given, the list replaces the campaign's (`[]` removes them).
    pub variants: Option<Vec<VariantIo>>,
    pub agent_join_timeout_secs: Option<u32>,
    /// Record each answered call (audio only).
    pub record: Option<bool>,
}

/// One A/B variant as the API writes and reads it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct VariantIo {
    pub name: String,
    /// Empty or absent: the campaign's agent.
    #[serde(default)]
    pub agent_name: String,
    pub weight: u32,
    /// Absent: the campaign's prompt.
    #[serde(default)]
    pub prompt: Option<String>,
}

impl From<VariantIo> for Variant {
    fn from(v: VariantIo) -> Self {
        Variant {
            name: v.name,
            agent_name: v.agent_name,
            weight: v.weight,
            prompt: v.prompt,
        }
    }
}

impl From<Variant> for VariantIo {
    fn from(v: Variant) -> Self {
        VariantIo {
            name: v.name,
            agent_name: v.agent_name,
            weight: v.weight,
            prompt: v.prompt,
        }
    }
}

/// Present-and-null is `Some(None)`; absent stays `None` (through `default`).
fn nullable<'de, D: Deserializer<'de>, T: Deserialize<'de>>(
    d: D,
) -> Result<Option<Option<T>>, D::Error> {
    Option::<T>::deserialize(d).map(Some)
}

impl CampaignInput {
    /// `settings` with this input applied, checked as a whole. Errors name the API's
    /// field (`callDelay: 3600001 is too large: at most 3600000 (1 hour)`).
    pub fn apply(
        self,
        mut s: CampaignSettings,
        now: DateTime<Utc>,
    ) -> Result<CampaignSettings, ApiError> {
        if self.retry_failed.is_some() && self.retry_on.is_some() {
            return Err(ApiError::bad_request(
                "retryFailed and retryOn: give one of them (retryOn lists the outcomes to retry)",
            ));
        }
        set(&mut s.name, self.name);
        set(&mut s.agent_name, self.agent_name);
        set(&mut s.trunk_id, self.sip_trunk_id);
        let pool = match (self.caller_id_number, self.caller_id_numbers) {
            (Some(_), Some(_)) => {
                return Err(ApiError::bad_request(
                    "callerIdNumber and callerIdNumbers: give one of them (callerIdNumbers lists the pool)",
                ))
            }
            (Some(text), None) => Some(CallerIdPool::parse_list(text.as_deref().unwrap_or(""))),
            (None, Some(list)) => {
                let pool = CallerIdPool::new(list.into_iter().map(|n| n.trim().to_owned()).collect());
                Some(pool.check().map(|_| pool))
            }
            (None, None) => None,
        };
        if let Some(pool) = pool {
            s.caller_ids = pool.map_err(|e| {
                ApiError::new(
                    axum::http::StatusCode::BAD_REQUEST,
                    "invalid_setting",
                    format!("callerIdNumbers: {e}"),
                )
            })?;
        }
        set(&mut s.local_presence, self.local_presence);
        set(&mut s.caller_id_daily_cap, self.caller_id_daily_cap);
        set(&mut s.rest_floor_pct, self.rest_floor_pct);
        set(&mut s.max_concurrent, self.max_concurrent);
        set(&mut s.call_delay_ms, self.call_delay);
        if let Some(retry) = self.retry_failed {
            s.retry_on = match retry {
                true => Outcome::DEFAULT_RETRY_ON.iter().copied().collect(),
                false => BTreeSet::new(),
            };
        }
        set(&mut s.retry_on, self.retry_on);
        if let Some(rules) = self.disposition_retries {
            s.disposition_retries = rules
                .iter()
                .map(|rule| crate::domain::DispositionRetry::parse(rule))
                .collect::<Result<_, _>>()
                .map_err(|problem| {
                    ApiError::bad_request(format!("dispositionRetries: {problem}"))
                })?;
        }
        set(&mut s.max_attempts, self.retry_attempts);
        set(&mut s.retry_delay_secs, self.retry_delay_secs);
        if let Some(window) = self.calling_window {
            s.window = window
                .parse::<CallingWindow>()
                .map_err(|e| ApiError::bad_request(format!("callingWindow: {e}")))?;
        }
        set(&mut s.timezone, self.timezone);
        set(&mut s.daily_cap, self.daily_cap);
        set(&mut s.prompt, self.prompt);
        set(&mut s.dispatch, self.dispatch);
        set(&mut s.ringing_timeout_secs, self.ringing_timeout_secs);
        set(&mut s.max_call_duration_secs, self.max_call_duration_secs);
        set(&mut s.krisp, self.krisp);
        set(&mut s.dtmf, self.dtmf);
        if let Some(variants) = self.variants {
            s.variants = variants.into_iter().map(Variant::from).collect();
        }
        set(&mut s.agent_join_timeout_secs, self.agent_join_timeout_secs);
        set(&mut s.record, self.record);
        if let Some(start_at) = self.start_at {
            if let Some(problem) = start_at.and_then(|at| start_at_problem(at, now)) {
                return Err(ApiError::bad_request(format!("startAt: {problem}")));
            }
            s.start_at = start_at;
        }
        s.validate().map_err(settings_error)?;
        Ok(s)
    }
}

fn set<T>(field: &mut T, value: Option<T>) {
    if let Some(value) = value {
        *field = value;
    }
}

/// The API's name for each field `CampaignSettings::validate` can name.
fn api_field(field: &str) -> &str {
    match field {
        "agent" => "agentName",
        "trunk" => "sipTrunkId",
        "caller_id" => "callerIdNumbers",
        "caller_id_daily_cap" => "callerIdDailyCap",
        "rest_floor_pct" => "restFloorPct",
        "max_concurrent" => "maxConcurrent",
        "call_delay_ms" => "callDelay",
        "max_attempts" => "retryAttempts",
        "retry_delay_secs" => "retryDelaySecs",
        "daily_cap" => "dailyCap",
        "ringing_timeout_secs" => "ringingTimeoutSecs",
        "max_call_duration_secs" => "maxCallDurationSecs",
        "retry_on" => "retryOn",
        "agent_join_timeout_secs" => "agentJoinTimeoutSecs",
        "disposition_retries" => "dispositionRetries",
        other => other,
    }
}

/// A setting that cannot work, as a 400 naming the API's field. The `agent` message
/// speaks of the CLI's flag; here the fix is the `dispatch` field.
pub fn settings_error(err: SettingsError) -> ApiError {
    let problem = err
        .problem
        .to_string()
        .replace("--dispatch rules", "\"dispatch\": \"rules\"");
    ApiError::new(
        axum::http::StatusCode::BAD_REQUEST,
        "invalid_setting",
        format!("{}: {problem}", api_field(err.field)),
    )
}

/// A campaign as the API shows it: what it is and where it stands. Live figures are
/// at `/campaigns/{id}/status`, totals at `/campaigns/{id}/stats`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct CampaignOut {
    pub id: CampaignId,
    pub name: String,
    pub status: CampaignStatus,
    pub pause_reason: Option<PauseReason>,
    pub agent_name: String,
    pub sip_trunk_id: String,
    /// The first caller ID of the pool, for clients that know one number.
    pub caller_id_number: Option<String>,
    pub caller_id_numbers: Vec<String>,
    /// Whether local presence applies (the setting, or its default for the pool).
    pub local_presence: bool,
    pub caller_id_daily_cap: Option<u32>,
    pub rest_floor_pct: u32,
    pub max_concurrent: u32,
    pub call_delay: u64,
    pub retry_failed: bool,
    pub retry_on: BTreeSet<Outcome>,
    pub disposition_retries: Vec<String>,
    pub retry_attempts: u32,
    pub retry_delay_secs: u64,
    pub calling_window: String,
    pub timezone: String,
    pub daily_cap: Option<u32>,
    pub prompt: String,
    pub dispatch: DispatchMode,
    pub ringing_timeout_secs: u32,
    pub max_call_duration_secs: u32,
    pub krisp: bool,
    pub dtmf: Option<String>,
    pub start_at: Option<DateTime<Utc>>,
    pub variants: Vec<VariantIo>,
    pub agent_join_timeout_secs: u32,
    pub record: bool,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
}

impl From<CampaignRecord> for CampaignOut {
    fn from(r: CampaignRecord) -> Self {
        let s = r.settings;
        let local_presence = s.local_presence_on();
        CampaignOut {
            id: r.id,
            name: s.name,
            status: r.status,
            pause_reason: r.pause_reason,
            agent_name: s.agent_name,
            sip_trunk_id: s.trunk_id,
            caller_id_number: s.caller_ids.numbers().first().cloned(),
            caller_id_numbers: s.caller_ids.numbers().to_vec(),
            local_presence,
            caller_id_daily_cap: s.caller_id_daily_cap,
            rest_floor_pct: s.rest_floor_pct,
            max_concurrent: s.max_concurrent,
            call_delay: s.call_delay_ms,
            retry_failed: !s.retry_on.is_empty(),
            retry_on: s.retry_on,
            disposition_retries: s
                .disposition_retries
                .iter()
                .map(ToString::to_string)
                .collect(),
            retry_attempts: s.max_attempts,
            retry_delay_secs: s.retry_delay_secs,
            calling_window: s.window.to_string(),
            timezone: s.timezone,
            daily_cap: s.daily_cap,
            prompt: s.prompt,
            dispatch: s.dispatch,
            ringing_timeout_secs: s.ringing_timeout_secs,
            max_call_duration_secs: s.max_call_duration_secs,
            krisp: s.krisp,
            dtmf: s.dtmf,
            start_at: s.start_at,
            variants: s.variants.into_iter().map(VariantIo::from).collect(),
            agent_join_timeout_secs: s.agent_join_timeout_secs,
            record: s.record,
            created_at: r.created_at,
            updated_at: r.updated_at,
            started_at: r.started_at,
            completed_at: r.completed_at,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(json: &str) -> CampaignInput {
        serde_json::from_str(json).unwrap()
    }

    #[test]
    fn a_bound_broken_names_the_api_field() {
        let body = input(r#"{"name":"x","agentName":"a","sipTrunkId":"ST_1","callDelay":3600001}"#);
        let err = body
            .apply(CampaignSettings::default(), Utc::now())
            .unwrap_err();
        assert!(
            err.message.starts_with("callDelay: 3600001 is too large"),
            "{}",
            err.message
        );
    }

    #[test]
    fn a_caller_id_pool_by_list_or_by_comma_separated_text() {
        let base = CampaignSettings {
            name: "x".into(),
            agent_name: "a".into(),
            trunk_id: "ST_1".into(),
            ..Default::default()
        };
        let s =
            input(r#"{"callerIdNumbers":["+12125550187","+13125550100"],"callerIdDailyCap":200}"#)
                .apply(base.clone(), Utc::now())
                .unwrap();
        assert_eq!(s.caller_ids.len(), 2);
        assert_eq!(s.caller_id_daily_cap, Some(200));
        let out = CampaignOut::from(CampaignRecord {
            id: CampaignId(1),
            settings: s.clone(),
            status: CampaignStatus::Draft,
            pause_reason: None,
            created_at: Utc::now(),
            updated_at: Utc::now(),
            started_at: None,
            completed_at: None,
        });
        assert!(out.local_presence, "on by default for a pool");
        assert_eq!(out.caller_id_number.as_deref(), Some("+12125550187"));
        let s = input(r#"{"callerIdNumber":"+12125550187,+13125550100","localPresence":false}"#)
            .apply(base.clone(), Utc::now())
            .unwrap();
        assert_eq!((s.caller_ids.len(), s.local_presence), (2, Some(false)));
        let err = input(r#"{"callerIdNumbers":["+12125550187","hello"]}"#)
            .apply(base.clone(), Utc::now())
            .unwrap_err();
        assert!(
            err.message
                .starts_with("callerIdNumbers: caller id 2 `hello`"),
            "{}",
            err.message
        );
        let err = input(r#"{"callerIdDailyCap":0}"#)
            .apply(base, Utc::now())
            .unwrap_err();
        assert!(
            err.message.starts_with("callerIdDailyCap: 0 is too small"),
            "{}",
            err.message
        );
    }

    #[test]
    fn variants_are_written_and_read_in_camel_case_and_checked() {
        let body = input(
            r#"{"name":"x","agentName":"a","sipTrunkId":"ST_1","agentJoinTimeoutSecs":7,
                "variants":[{"name":"A","weight":70},{"name":"B","agentName":"closer","weight":30,"prompt":"be brief"}]}"#,
        );
        let s = body.apply(CampaignSettings::default(), Utc::now()).unwrap();
        assert_eq!(s.variants.len(), 2);
        assert_eq!(s.variants[1].agent_name, "closer");
        assert_eq!(s.agent_join_timeout_secs, 7);
        let err = input(r#"{"variants":[{"name":"A","weight":1},{"name":"A","weight":1}]}"#)
            .apply(s.clone(), Utc::now())
            .unwrap_err();
        assert!(
            err.message.starts_with("variants: two variants"),
            "{}",
            err.message
        );
        let err = input(r#"{"agentJoinTimeoutSecs":0}"#)
            .apply(s, Utc::now())
            .unwrap_err();
        assert!(
            err.message.starts_with("agentJoinTimeoutSecs:"),
            "{}",
            err.message
        );
    }

    #[test]
    fn null_unsets_and_absent_keeps() {
        let mut s = CampaignSettings {
            name: "x".into(),
            agent_name: "a".into(),
            trunk_id: "ST_1".into(),
            daily_cap: Some(5),
            ..Default::default()
        };
        s = input(r#"{"maxConcurrent":2}"#)
            .apply(s, Utc::now())
            .unwrap();
        assert_eq!((s.daily_cap, s.max_concurrent), (Some(5), 2));
        s = input(r#"{"dailyCap":null,"retryFailed":false}"#)
            .apply(s, Utc::now())
            .unwrap();
        assert_eq!(s.daily_cap, None);
        assert!(s.retry_on.is_empty());
    }
}
