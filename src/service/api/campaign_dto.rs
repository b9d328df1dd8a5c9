//! A campaign as the API writes and reads it: the settings in camelCase under the names
//! the previous system's clients use (`sipTrunkId`, `callerIdNumber`, `callDelay` in
//! ms, `retryFailed`, `retryAttempts`), every other setting under its own name.

use super::envelope::ApiError;
use crate::domain::{
    start_at_problem, CallingWindow, CampaignId, CampaignSettings, CampaignStatus, DispatchMode,
    Outcome, PauseReason, SettingsError,
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
    #[serde(default, deserialize_with = "nullable")]
    pub caller_id_number: Option<Option<String>>,
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
        set(&mut s.caller_id, self.caller_id_number);
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
        "caller_id" => "callerIdNumber",
        "max_concurrent" => "maxConcurrent",
        "call_delay_ms" => "callDelay",
        "max_attempts" => "retryAttempts",
        "retry_delay_secs" => "retryDelaySecs",
        "daily_cap" => "dailyCap",
        "ringing_timeout_secs" => "ringingTimeoutSecs",
        "max_call_duration_secs" => "maxCallDurationSecs",
        "retry_on" => "retryOn",
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
    pub caller_id_number: Option<String>,
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
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
}

impl From<CampaignRecord> for CampaignOut {
    fn from(r: CampaignRecord) -> Self {
        let s = r.settings;
        CampaignOut {
            id: r.id,
            name: s.name,
            status: r.status,
            pause_reason: r.pause_reason,
            agent_name: s.agent_name,
            sip_trunk_id: s.trunk_id,
            caller_id_number: s.caller_id,
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
