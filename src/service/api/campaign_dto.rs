//! A campaign as the API writes and reads it: the settings in camelCase under the names
//! the previous system's clients use (`sipTrunkId`, `callerIdNumber`, `callDelay` in
//! ms, `retryFailed`, `retryAttempts`), every other setting under its own name. What a
//! client may write is the settings table (`domain::SETTINGS`), read field by field.

use super::envelope::ApiError;
use crate::domain::{
    setting, CampaignId, CampaignSettings, CampaignStatus, DispatchMode, Outcome, PauseReason,
    Setting, SettingKind, SettingsError, Variant, SETTINGS,
};
use crate::store::CampaignRecord;
use axum::http::StatusCode;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use std::collections::BTreeSet;

/// The body of `POST /campaigns` and `PATCH /campaigns/{id}`: settings by their API
/// names (the table's `api`), every one optional; a create starts from the defaults, a
/// patch from the campaign's settings. For the settings that may be unset, `null` unsets
/// and an absent field leaves it as it is.
#[derive(Debug, Default, Deserialize)]
#[serde(transparent)]
pub struct SettingsPatch(Map<String, Value>);

/// The name the handlers know the body by.
pub type CampaignInput = SettingsPatch;

/// A name older clients write a setting under, and how its value reads as the setting's.
pub struct Alias {
    pub name: &'static str,
    /// The setting's own API name.
    pub of: &'static str,
    pub help: &'static str,
    /// The JSON types it takes, for the OpenAPI schema.
    pub types: &'static [&'static str],
    convert: fn(&Value) -> Option<Value>,
}

pub const ALIASES: &[Alias] = &[
    Alias {
        name: "callerIdNumber",
        of: "callerIdNumbers",
        help: "One caller ID, or a comma-separated pool; `null` for the trunk's own number.",
        types: &["string", "null"],
        convert: |v| (v.is_string() || v.is_null()).then(|| v.clone()),
    },
    Alias {
        name: "retryFailed",
        of: "retryOn",
        help: "`true`: retry the default outcomes (no_answer, busy, trunk_failure); `false`: \
               never retry. `retryOn` names them one by one instead.",
        types: &["boolean"],
        convert: |v| match v.as_bool()? {
            true => Some(Value::from_iter(
                Outcome::DEFAULT_RETRY_ON.iter().map(|o| o.as_str()),
            )),
            false => Some(Value::Array(Vec::new())),
        },
    },
];

impl SettingsPatch {
    /// `settings` with this patch applied, checked as a whole. Errors name the API's
    /// field (`callDelay: 3600001 is too large: at most 3600000 (1 hour)`).
    pub fn apply(
        self,
        mut s: CampaignSettings,
        now: DateTime<Utc>,
    ) -> Result<CampaignSettings, ApiError> {
        let fields = self.0;
        if let Some(unknown) = fields
            .keys()
            .find(|name| api_setting(name).is_none() && !ALIASES.iter().any(|a| a.name == *name))
        {
            let known: Vec<&str> = SETTINGS.iter().map(|s| s.api).collect();
            let aliases: Vec<&str> = ALIASES.iter().map(|a| a.name).collect();
            return Err(ApiError::bad_request(format!(
                "unknown field `{unknown}`: the settings are {} (and, from older clients, {})",
                known.join(", "),
                aliases.join(", ")
            )));
        }
        let mut given: Vec<(&Setting, Value)> = Vec::new();
        for setting in SETTINGS {
            let own = fields.get(setting.api);
            let alias = ALIASES.iter().find(|a| a.of == setting.api);
            let by_alias = alias.and_then(|a| fields.get(a.name).map(|v| (a, v)));
            let value = match (own, by_alias) {
                (Some(_), Some((alias, _))) => {
                    return Err(ApiError::bad_request(format!(
                        "{} and {}: give one of them ({} is the setting's own name)",
                        alias.name, setting.api, setting.api
                    )))
                }
                (Some(value), None) => value.clone(),
                (None, Some((alias, value))) => (alias.convert)(value).ok_or_else(|| {
                    ApiError::bad_request(format!(
                        "{}: invalid type: {value}, expected {}",
                        alias.name,
                        alias.types.join(" or ")
                    ))
                })?,
                (None, None) => continue,
            };
            given.push((setting, value));
        }
        // In the table's order: a local start time is read in the new time zone.
        for (setting, value) in given {
            apply_json(setting, &mut s, &value, now)?;
        }
        s.validate().map_err(settings_error)?;
        Ok(s)
    }
}

/// The setting the API names `name`.
fn api_setting(name: &str) -> Option<&'static Setting> {
    SETTINGS.iter().find(|s| s.api == name)
}

/// One setting's JSON value, read as the text the table reads.
fn apply_json(
    setting: &Setting,
    s: &mut CampaignSettings,
    value: &Value,
    now: DateTime<Utc>,
) -> Result<(), ApiError> {
    let wrong = |expected: &str| {
        ApiError::bad_request(format!(
            "{}: invalid type: {value}, expected {expected}",
            setting.api
        ))
    };
    let text = match (setting.kind, value) {
        (SettingKind::Variants, value) => {
            let variants: Vec<VariantIo> = serde_json::from_value(value.clone())
                .map_err(|e| ApiError::bad_request(format!("{}: {e}", setting.api)))?;
            s.variants = variants.into_iter().map(Variant::from).collect();
            return Ok(());
        }
        (_, Value::Null) if setting.optional => String::new(),
        (_, Value::Null) => return Err(wrong("a value (it cannot be unset)")),
        (
            SettingKind::Text | SettingKind::Choice(_) | SettingKind::Time | SettingKind::Hours,
            Value::String(t),
        ) => t.clone(),
        (
            SettingKind::Text | SettingKind::Choice(_) | SettingKind::Time | SettingKind::Hours,
            _,
        ) => return Err(wrong("a string")),
        (SettingKind::Number(_), Value::Number(n)) if n.is_u64() => n.to_string(),
        (SettingKind::Number(_), _) => return Err(wrong("a whole number")),
        (SettingKind::Switch, Value::Bool(on)) => if *on { "yes" } else { "no" }.into(),
        (SettingKind::Switch, _) => return Err(wrong("true or false")),
        (SettingKind::List { .. }, Value::String(t)) => t.clone(),
        (SettingKind::List { .. }, Value::Array(items)) => {
            let words: Option<Vec<&str>> = items.iter().map(Value::as_str).collect();
            words.ok_or_else(|| wrong("an array of strings"))?.join(",")
        }
        (SettingKind::List { .. }, _) => return Err(wrong("an array of strings")),
    };
    setting.parse(s, &text, now).map_err(settings_error)
}

/// One A/B variant as the API writes and reads it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = Variant)]
pub struct VariantIo {
    /// Label in tables and exports; no spaces, `:` or `,`.
    #[schema(max_length = 32)]
    pub name: String,
    /// Agent worker for this variant; empty or absent: the campaign's.
    #[serde(default)]
    pub agent_name: String,
    /// Share of leads relative to the other variants.
    #[schema(minimum = 1, maximum = 1000)]
    pub weight: u32,
    /// Prompt instead of the campaign's; absent or null: the campaign's.
    #[serde(default)]
    #[schema(max_length = 65536)]
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

/// A setting that cannot work, as a 400 naming the API's field. The `agent` message
/// speaks of the CLI's flag; here the fix is the `dispatch` field.
pub fn settings_error(err: SettingsError) -> ApiError {
    let problem = err
        .problem
        .to_string()
        .replace("--dispatch rules", "\"dispatch\": \"rules\"");
    let field = setting(err.field).map_or(err.field, |s| s.api);
    ApiError::new(
        StatusCode::BAD_REQUEST,
        "invalid_setting",
        format!("{field}: {problem}"),
    )
}

/// A campaign as the API shows it: what it is and where it stands. Live figures are
/// at `/campaigns/{id}/status`, totals at `/campaigns/{id}/stats`.
#[derive(Debug, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Campaign)]
pub struct CampaignOut {
    #[schema(value_type = i64)]
    pub id: CampaignId,
    pub name: String,
    /// draft, running, paused, completed or stopped.
    #[schema(value_type = String)]
    pub status: CampaignStatus,
    /// Why a paused campaign is paused (the operator, outside the calling window, ...).
    #[schema(value_type = Option<Object>)]
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
    #[schema(value_type = Vec<String>)]
    pub retry_on: BTreeSet<Outcome>,
    pub disposition_retries: Vec<String>,
    pub retry_attempts: u32,
    pub retry_delay_secs: u64,
    pub calling_window: String,
    pub timezone: String,
    pub daily_cap: Option<u32>,
    pub prompt: String,
    /// explicit or rules.
    #[schema(value_type = String)]
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

    #[test]
    fn an_unknown_field_is_named_with_the_settings_there_are() {
        let err = input(r#"{"maxConcurent":3}"#)
            .apply(CampaignSettings::default(), Utc::now())
            .unwrap_err();
        assert!(
            err.message
                .starts_with("unknown field `maxConcurent`: the settings are name, agentName"),
            "{}",
            err.message
        );
        assert!(err.message.contains("maxConcurrent"), "{}", err.message);
        let err = input(r#"{"retryFailed":true,"retryOn":["busy"]}"#)
            .apply(CampaignSettings::default(), Utc::now())
            .unwrap_err();
        assert!(err
            .message
            .starts_with("retryFailed and retryOn: give one of them"));
        let err = input(r#"{"maxConcurrent":null}"#)
            .apply(CampaignSettings::default(), Utc::now())
            .unwrap_err();
        assert!(
            err.message.starts_with("maxConcurrent: invalid type: null"),
            "{}",
            err.message
        );
        let err = input(r#"{"krisp":"yes"}"#)
            .apply(CampaignSettings::default(), Utc::now())
            .unwrap_err();
        assert_eq!(
            err.message,
            "krisp: invalid type: \"yes\", expected true or false"
        );
    }
}
