//! What the sandbox simulates: keys, trunks, how calls turn out, how long they take, and
//! which faults to inject. Every field has a default, so an empty TOML table is a valid
//! sandbox; unknown fields are rejected so a typo never silently changes a simulation.
//!
//! ```toml
//! [sandbox]
//! time_scale = 1.0            # 0.1 plays a 60 s call in 6 s
//! seed = 7
//! max_calls_per_trunk = 10    # the carrier refuses more with 503 (or 429, see trunk_limit_error)
//! max_calls_per_second_per_trunk = 5   # carrier CPS, in real seconds
//! webhook_url = "http://127.0.0.1:8089/livekit"
//! ring = { min = 3.0, max = 20.0 }
//! talk = { min = 20.0, max = 180.0 }
//!
//! [sandbox.outcomes]          # relative weights
//! answer = 0.45
//! voicemail = 0.15
//! no_answer = 0.18
//! busy = 0.08
//!
//! [sandbox.number_overrides."+15550000486"]
//! outcome = "busy"
//!
//! [sandbox.caller_id_overrides."+12125550100"]   # a caller ID carriers label spam
//! outcome = "no_answer"
//!
//! [sandbox.faults]
//! latency_ms = 50
//! error_rate = 0.02           # 5xx: internal / unavailable
//! rate_limit_rate = 0.01      # 429 resource_exhausted
//! outage = { start_after_ms = 60000, duration_ms = 15000, mode = "refuse_connections" }
//!
//! [sandbox.agent]            # see agent_behaviour.rs
//! absent_every = 30           # one call in 30 gets no agent
//!
//! [[sandbox.trunks]]
//! sip_trunk_id = "ST_sandbox"
//! name = "Sandbox trunk"
//! numbers = ["+15550001000"]
//! ```

use std::collections::{BTreeMap, HashMap};

use serde::{Deserialize, Serialize};

use super::agent_behaviour::AgentBehaviour;
use super::faults::Faults;
use super::outcome::ScriptedCall;

/// Configuration of the embedded LiveKit-compatible sandbox.
///
/// Durations of the simulated world are in simulated seconds and are multiplied by
/// [`time_scale`](Self::time_scale) before the sandbox waits for them (0.001 makes a
/// 30 s call take 30 ms). Fault windows and latency are in real milliseconds: they model
/// the server, not the phone network.
#[derive(Clone, Deserialize, Serialize)]
#[serde(default, deny_unknown_fields)]
pub struct SandboxConfig {
    /// API key accepted as the JWT issuer (LiveKit's dev server uses `devkey`).
    pub api_key: String,
    /// Secret the JWTs are signed with (LiveKit's dev server uses `secret`).
    pub api_secret: String,
    /// Outbound trunks that `ListSIPOutboundTrunk` returns and calls may use.
    pub trunks: Vec<TrunkConfig>,
    /// Relative weights of the outcomes drawn for each call.
    pub outcomes: OutcomeRates,
    /// Time from the INVITE until the phone rings (`dialing` -> `ringing`).
    pub dial_delay: SecondsRange,
    /// How long a phone rings before a person answers, declines or is busy.
    pub ring: SecondsRange,
    /// How long a person talks once they answered.
    pub talk: SecondsRange,
    /// How long a voicemail greeting plus message lasts.
    pub voicemail_talk: SecondsRange,
    /// Ringing timeout used when the request sets none (the SIP service default is 3 min).
    pub default_ringing_timeout_secs: f64,
    /// Seconds an empty room lingers before `room_finished` (LiveKit's departure timeout).
    pub departure_timeout_secs: f64,
    /// Real seconds per simulated second: 1.0 for a live demo, 0.001 for tests.
    pub time_scale: f64,
    /// Seed of the outcome generator; the same seed and request order give the same calls.
    pub seed: u64,
    /// Scripted outcomes for particular numbers, e.g. `"+15550000486" = { outcome = "busy" }`.
    pub number_overrides: HashMap<String, ScriptedCall>,
    /// Scripted outcomes for calls presenting a caller ID (`sip_number`), e.g. one that
    /// carriers label "Spam Likely" and nobody answers. A number override wins.
    pub caller_id_overrides: HashMap<String, ScriptedCall>,
    /// How the simulated agent reports dispositions of answered calls (weights).
    pub dispositions: BTreeMap<String, f64>,
    /// When the simulated agent joins (promptly, late, never) and its dispositions by variant.
    pub agent: AgentBehaviour,
    /// Faults injected into the API itself.
    pub faults: Faults,
    /// Where signed webhooks are POSTed; none means no webhooks.
    pub webhook_url: Option<String>,
    /// How webhook deliveries go wrong: lost, late, twice (LiveKit gives no guarantee).
    pub webhook_delivery: WebhookDelivery,
    /// Concurrent calls a trunk accepts before the carrier rejects more (none: unlimited).
    /// A trunk's own `max_concurrent_calls` wins over this.
    pub max_calls_per_trunk: Option<u32>,
    /// Calls a trunk accepts per real second before the carrier refuses more with
    /// `503 cps limit exceeded` (none: unlimited). Real time, to check the client's pacing.
    pub max_calls_per_second_per_trunk: Option<u32>,
    /// What the carrier answers when a trunk is over its concurrent-call or CPS limit.
    pub trunk_limit_error: TrunkLimitError,
    /// Trunks per `ListSIPOutboundTrunk` page when the request sets no limit.
    pub trunk_page_size: u32,
}

impl Default for SandboxConfig {
    fn default() -> Self {
        Self {
            api_key: "devkey".into(),
            api_secret: "secret".into(),
            trunks: vec![TrunkConfig::default()],
            outcomes: OutcomeRates::default(),
            dial_delay: SecondsRange::new(0.5, 2.0),
            ring: SecondsRange::new(3.0, 20.0),
            talk: SecondsRange::new(20.0, 180.0),
            voicemail_talk: SecondsRange::new(8.0, 25.0),
            default_ringing_timeout_secs: 180.0,
            departure_timeout_secs: 20.0,
            time_scale: 1.0,
            seed: 7,
            number_overrides: HashMap::new(),
            caller_id_overrides: HashMap::new(),
            dispositions: default_dispositions(),
            agent: AgentBehaviour::default(),
            faults: Faults::default(),
            webhook_url: None,
            webhook_delivery: WebhookDelivery::default(),
            max_calls_per_trunk: None,
            max_calls_per_second_per_trunk: None,
            trunk_limit_error: TrunkLimitError::default(),
            trunk_page_size: 100,
        }
    }
}

fn default_dispositions() -> BTreeMap<String, f64> {
    [
        ("interested", 0.3),
        ("not_interested", 0.4),
        ("callback", 0.2),
        ("do_not_call", 0.1),
    ]
    .into_iter()
    .map(|(name, weight)| (name.to_string(), weight))
    .collect()
}

// The secret must never reach logs or screens.
impl std::fmt::Debug for SandboxConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SandboxConfig")
            .field("api_key", &self.api_key)
            .field("api_secret", &"<redacted>")
            .field("trunks", &self.trunks)
            .field("outcomes", &self.outcomes)
            .field("time_scale", &self.time_scale)
            .field("seed", &self.seed)
            .field("webhook_url", &self.webhook_url)
            .field("agent", &self.agent)
            .field("max_calls_per_trunk", &self.max_calls_per_trunk)
            .field(
                "max_calls_per_second_per_trunk",
                &self.max_calls_per_second_per_trunk,
            )
            .finish_non_exhaustive()
    }
}

impl SandboxConfig {
    /// Checks the values serde cannot: positive time scale, sane ranges, a trunk to dial.
    pub fn validate(&self) -> Result<(), String> {
        if self.api_key.is_empty() || self.api_secret.is_empty() {
            return Err("api_key and api_secret must not be empty".into());
        }
        if !(self.time_scale.is_finite() && self.time_scale > 0.0) {
            return Err(format!(
                "time_scale must be a positive number (got {}); use 1.0 for real time",
                self.time_scale
            ));
        }
        for (name, range) in [
            ("dial_delay", &self.dial_delay),
            ("ring", &self.ring),
            ("talk", &self.talk),
            ("voicemail_talk", &self.voicemail_talk),
        ] {
            range.validate(name)?;
        }
        for (name, value) in [
            (
                "default_ringing_timeout_secs",
                self.default_ringing_timeout_secs,
            ),
            ("departure_timeout_secs", self.departure_timeout_secs),
        ] {
            if !(value.is_finite() && value >= 0.0) {
                return Err(format!("{name} must be zero or more seconds (got {value})"));
            }
        }
        self.outcomes.validate()?;
        if self
            .dispositions
            .values()
            .any(|w| !(w.is_finite() && *w >= 0.0))
        {
            return Err("disposition weights must be zero or positive".into());
        }
        self.agent.validate()?;
        let mut seen = std::collections::HashSet::new();
        for trunk in &self.trunks {
            if !trunk.sip_trunk_id.starts_with("ST_") {
                return Err(format!(
                    "trunk id {:?} must start with ST_ like LiveKit's trunk ids",
                    trunk.sip_trunk_id
                ));
            }
            if !seen.insert(trunk.sip_trunk_id.as_str()) {
                return Err(format!(
                    "trunk id {} is configured twice",
                    trunk.sip_trunk_id
                ));
            }
        }
        self.webhook_delivery.validate()?;
        self.faults.validate()
    }

    /// The concurrent-call limit of a trunk, if any.
    pub fn call_limit(&self, trunk: &TrunkConfig) -> Option<u32> {
        trunk.max_concurrent_calls.or(self.max_calls_per_trunk)
    }
}

/// One outbound trunk as `ListSIPOutboundTrunk` shows it.
#[derive(Clone, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct TrunkConfig {
    pub sip_trunk_id: String,
    pub name: String,
    /// The carrier's SIP host, shown as `sip.hostname`.
    pub address: String,
    /// Caller ids the trunk may present.
    pub numbers: Vec<String>,
    /// Concurrent-call limit of this trunk (overrides `max_calls_per_trunk`).
    pub max_concurrent_calls: Option<u32>,
    /// Digest user LiveKit answers the carrier's challenge with (empty: none).
    pub auth_username: String,
    /// Its password; never printed.
    pub auth_password: String,
    /// `SIPTransport` as its protobuf number (0 auto, 1 udp, 2 tcp, 3 tls).
    pub transport: i32,
}

// The password must never reach logs or screens.
impl std::fmt::Debug for TrunkConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TrunkConfig")
            .field("sip_trunk_id", &self.sip_trunk_id)
            .field("name", &self.name)
            .field("address", &self.address)
            .field("numbers", &self.numbers)
            .field("max_concurrent_calls", &self.max_concurrent_calls)
            .field("auth_username", &self.auth_username)
            .field("auth_password", &"<redacted>")
            .field("transport", &self.transport)
            .finish()
    }
}

impl TrunkConfig {
    /// The trunk as `ListSIPOutboundTrunk` returns it.
    pub fn info(&self) -> livekit_protocol::SipOutboundTrunkInfo {
        livekit_protocol::SipOutboundTrunkInfo {
            sip_trunk_id: self.sip_trunk_id.clone(),
            name: self.name.clone(),
            address: self.address.clone(),
            numbers: self.numbers.clone(),
            auth_username: self.auth_username.clone(),
            auth_password: self.auth_password.clone(),
            transport: self.transport,
            ..Default::default()
        }
    }
}

impl Default for TrunkConfig {
    fn default() -> Self {
        Self {
            sip_trunk_id: "ST_sandbox".into(),
            name: "Sandbox trunk".into(),
            address: "sip.sandbox.invalid".into(),
            numbers: vec!["+15550001000".into()],
            max_concurrent_calls: None,
            auth_username: String::new(),
            auth_password: String::new(),
            transport: 0,
        }
    }
}

/// How LiveKit's webhook deliveries go wrong. livekit-server posts each event once
/// through go-retryablehttp (4 retries, 1 to 30 s apart) and drops an event older than
/// 30 s (webhook/resource_url_notifier.go), so an event can arrive late, twice (a retry
/// after a response that was lost) or never; these make it happen on purpose.
///
/// ```toml
/// [sandbox.webhook_delivery]
/// lost = 0.2                      # one event in five never arrives
/// duplicated = 0.1                # one in ten arrives twice
/// delay = { min = 0.0, max = 3.0 } # simulated seconds before the first delivery
/// ```
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct WebhookDelivery {
    /// Share of events never delivered (0 to 1).
    pub lost: f64,
    /// Share of events delivered twice (0 to 1).
    pub duplicated: f64,
    /// Simulated seconds an event waits before its first delivery; events held longer
    /// than LiveKit's 30 s age limit are dropped. Late events overtake each other.
    pub delay: SecondsRange,
}

impl Default for WebhookDelivery {
    fn default() -> Self {
        Self {
            lost: 0.0,
            duplicated: 0.0,
            delay: SecondsRange::new(0.0, 0.0),
        }
    }
}

impl WebhookDelivery {
    fn validate(&self) -> Result<(), String> {
        for (name, share) in [("lost", self.lost), ("duplicated", self.duplicated)] {
            if !(share.is_finite() && (0.0..=1.0).contains(&share)) {
                return Err(format!(
                    "webhook_delivery.{name} must be a share between 0 and 1 (got {share})"
                ));
            }
        }
        self.delay.validate("webhook_delivery.delay")
    }

    /// Every event delivered once, at once: nothing goes wrong on purpose.
    pub fn is_perfect(&self) -> bool {
        self.lost == 0.0 && self.duplicated == 0.0 && self.delay.max == 0.0
    }
}

/// Relative weights of call outcomes; they need not sum to one.
#[derive(Clone, Debug, Deserialize, Serialize, PartialEq)]
#[serde(default, deny_unknown_fields)]
pub struct OutcomeRates {
    /// A person answers and talks.
    pub answer: f64,
    /// A voicemail system answers; the call is short.
    pub voicemail: f64,
    /// Nobody answers before the ringing timeout.
    pub no_answer: f64,
    /// 486 Busy Here.
    pub busy: f64,
    /// 603 Decline.
    pub reject: f64,
    /// 404 Not Found.
    pub invalid_number: f64,
    /// 480 Temporarily Unavailable (phone off or out of coverage).
    pub unavailable: f64,
    /// 503 Service Unavailable from the carrier.
    pub trunk_failure: f64,
    /// Answered, then dropped by the trunk mid-call (no hangup, CLIENT_INITIATED).
    pub dropped_mid_call: f64,
}

impl Default for OutcomeRates {
    fn default() -> Self {
        Self {
            answer: 0.45,
            voicemail: 0.15,
            no_answer: 0.18,
            busy: 0.08,
            reject: 0.05,
            invalid_number: 0.04,
            unavailable: 0.02,
            trunk_failure: 0.03,
            dropped_mid_call: 0.0,
        }
    }
}

impl OutcomeRates {
    fn validate(&self) -> Result<(), String> {
        let weights = self.weights();
        if weights.iter().any(|(_, w)| !(w.is_finite() && *w >= 0.0)) {
            return Err("outcome rates must be zero or positive".into());
        }
        if weights.iter().all(|(_, w)| *w == 0.0) {
            return Err("at least one outcome rate must be above zero".into());
        }
        Ok(())
    }

    /// Every outcome with its weight, in a fixed order so a seed reproduces the same draws.
    pub(crate) fn weights(&self) -> [(super::outcome::Outcome, f64); 9] {
        use super::outcome::Outcome;
        [
            (Outcome::Answer, self.answer),
            (Outcome::Voicemail, self.voicemail),
            (Outcome::NoAnswer, self.no_answer),
            (Outcome::Busy, self.busy),
            (Outcome::Reject, self.reject),
            (Outcome::InvalidNumber, self.invalid_number),
            (Outcome::Unavailable, self.unavailable),
            (Outcome::TrunkFailure, self.trunk_failure),
            // Last, so a weight of 0 leaves a seed's draws as they were.
            (Outcome::DroppedMidCall, self.dropped_mid_call),
        ]
    }
}

/// A uniform distribution of simulated seconds, `min..=max`.
#[derive(Clone, Copy, Debug, Deserialize, Serialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct SecondsRange {
    pub min: f64,
    pub max: f64,
}

impl SecondsRange {
    pub const fn new(min: f64, max: f64) -> Self {
        Self { min, max }
    }

    fn validate(&self, name: &str) -> Result<(), String> {
        if !(self.min.is_finite()
            && self.max.is_finite()
            && 0.0 <= self.min
            && self.min <= self.max)
        {
            return Err(format!(
                "{name} must have 0 <= min <= max seconds (got min {} max {})",
                self.min, self.max
            ));
        }
        Ok(())
    }
}

/// How a carrier refuses a call over the trunk's concurrent-call or calls-per-second limit.
#[derive(Clone, Copy, Debug, Default, Deserialize, Serialize, PartialEq, Eq)]
#[serde(rename_all = "snake_case")]
pub enum TrunkLimitError {
    /// The carrier answers the INVITE with `503 concurrent call limit exceeded` (or `503 cps
    /// limit exceeded`), which LiveKit reports as `failed_precondition` with the SIP status
    /// in the error meta.
    #[default]
    Sip503,
    /// The request is refused at once with Twirp `resource_exhausted` (HTTP 429).
    ResourceExhausted,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_toml_gives_the_documented_defaults() {
        let config: SandboxConfig = toml::from_str("").unwrap();
        assert_eq!(config.api_key, "devkey");
        assert_eq!(config.api_secret, "secret");
        assert_eq!(config.trunks[0].sip_trunk_id, "ST_sandbox");
        assert_eq!(config.trunks[0].numbers, vec!["+15550001000".to_string()]);
        assert_eq!(config.trunks[0].name, "Sandbox trunk");
        assert_eq!(config.time_scale, 1.0);
        assert!(config.validate().is_ok());
    }

    #[test]
    fn unknown_fields_are_rejected() {
        let err = toml::from_str::<SandboxConfig>("time_scael = 0.5")
            .err()
            .unwrap();
        assert!(err.to_string().contains("time_scael"), "{err}");
    }

    #[test]
    fn overrides_and_rates_parse_from_toml() {
        let config: SandboxConfig = toml::from_str(
            r#"
            time_scale = 0.001
            max_calls_per_trunk = 3
            [outcomes]
            answer = 1.0
            busy = 0.0
            [number_overrides."+15550000486"]
            outcome = "busy"
            [caller_id_overrides."+12125550100"]
            outcome = "no_answer"
            "#,
        )
        .unwrap();
        assert!(config.caller_id_overrides.contains_key("+12125550100"));
        assert_eq!(config.max_calls_per_trunk, Some(3));
        assert_eq!(config.outcomes.answer, 1.0);
        assert_eq!(config.outcomes.voicemail, 0.15);
        assert!(config.number_overrides.contains_key("+15550000486"));
        assert!(config.validate().is_ok());
    }

    #[test]
    fn the_documented_example_parses() {
        let doc = include_str!("config.rs");
        let example: String = doc
            .lines()
            .skip_while(|line| !line.starts_with("//! ```toml"))
            .skip(1)
            .take_while(|line| !line.starts_with("//! ```"))
            .map(|line| line.trim_start_matches("//!").trim_start_matches(' '))
            .collect::<Vec<_>>()
            .join("\n");
        let table: toml::Table = toml::from_str(&example).unwrap();
        let section = toml::to_string(&table["sandbox"]).unwrap();
        let config: SandboxConfig = toml::from_str(&section).unwrap();
        assert_eq!(config.max_calls_per_trunk, Some(10));
        assert_eq!(config.max_calls_per_second_per_trunk, Some(5));
        assert_eq!(config.faults.outage.unwrap().duration_ms, 15000);
        assert!(config.number_overrides.contains_key("+15550000486"));
    }

    #[test]
    fn validation_names_the_bad_field() {
        let config = SandboxConfig {
            time_scale: 0.0,
            ..Default::default()
        };
        assert!(config.validate().unwrap_err().contains("time_scale"));
        let config = SandboxConfig {
            ring: SecondsRange::new(5.0, 1.0),
            ..Default::default()
        };
        assert!(config.validate().unwrap_err().contains("ring"));
    }

    #[test]
    fn debug_output_hides_the_secret() {
        let config = SandboxConfig {
            api_secret: "hunter2".into(),
            ..Default::default()
        };
        assert!(!format!("{config:?}").contains("hunter2"));
    }
}
