//! The sections of `config.toml`. Every key has a default, so a missing file or a missing
//! key is fine; config.toml.example documents each one and a test keeps it in step.

use super::validate;
use crate::secret::Secret;
use serde::Deserialize;
use std::net::SocketAddr;

/// `[livekit]`: the server to call through. With no url, key and secret the app runs
/// on its embedded sandbox.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LiveKitConfig {
    /// `wss://<project>.livekit.cloud` or a self-hosted server.
    #[serde(deserialize_with = "validate::livekit_url")]
    pub url: Option<String>,
    pub api_key: Option<String>,
    pub api_secret: Option<Secret>,
    /// Each call gets a fresh room named `<room_prefix>-<campaign>-<attempt>`.
    #[serde(deserialize_with = "validate::room_prefix")]
    pub room_prefix: String,
    /// How long one API request may take before it counts as LiveKit being unreachable.
    #[serde(deserialize_with = "validate::between::<_, _, 1, 300>")]
    pub request_timeout_secs: u64,
}

impl Default for LiveKitConfig {
    fn default() -> Self {
        Self {
            url: None,
            api_key: None,
            api_secret: None,
            room_prefix: crate::domain::DEFAULT_ROOM_PREFIX.into(),
            request_timeout_secs: 10,
        }
    }
}

/// `[webhook]`: where to receive LiveKit's webhooks. Without it call progress comes
/// from polling alone.
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct WebhookConfig {
    /// Address to listen on, e.g. `127.0.0.1:8089`.
    pub listen: Option<SocketAddr>,
    /// Follow calls by polling alone, even with the embedded sandbox (which otherwise
    /// sends its webhooks to a local listener): what a LiveKit that cannot reach this
    /// server gives.
    pub polling_only: bool,
}

/// `[api]`: the engine's HTTP API. It is always served on the local socket (mode 0600);
/// `listen` adds TCP, which needs a `token` (or `SWITCHBOARD_API_TOKEN`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ApiConfig {
    /// Address to listen on, e.g. `127.0.0.1:8090`.
    pub listen: Option<SocketAddr>,
    /// The bearer token every TCP request must carry: at least 32 characters.
    #[serde(deserialize_with = "validate::api_token")]
    pub token: Option<super::Secret>,
}

/// `[polling]`: polling of active calls, one `RoomService.ListRooms` for all of them
/// each interval and `ListParticipants` only where that cannot see (telephony/poller.rs).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct PollingConfig {
    #[serde(deserialize_with = "validate::between::<_, _, 1, 60_000>")]
    pub interval_ms: u64,
    /// Upper bound on poll requests (`ListRooms` and `ListParticipants`), shared by all
    /// active calls.
    #[serde(deserialize_with = "validate::between::<_, _, 1, 10_000>")]
    pub max_requests_per_sec: u32,
}

impl Default for PollingConfig {
    fn default() -> Self {
        Self {
            interval_ms: 500,
            max_requests_per_sec: 10,
        }
    }
}

/// `[engine]`: limits across all campaigns and what to do when LiveKit is unreachable.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct EngineConfig {
    /// Calls in progress across all campaigns; unset means each campaign's own limit.
    #[serde(
        default,
        deserialize_with = "validate::between_option::<_, _, 1, 10_000>"
    )]
    pub global_max_concurrent: Option<u32>,
    /// Attempts to one phone number per day, across campaigns.
    #[serde(deserialize_with = "validate::between::<_, _, 1, 100>")]
    pub per_number_daily_limit: u32,
    /// First wait after an infrastructure failure (unreachable, 5xx, 429); doubles each time.
    #[serde(deserialize_with = "validate::between::<_, _, 1, 3_600_000>")]
    pub infra_backoff_initial_ms: u64,
    #[serde(deserialize_with = "validate::between::<_, _, 1, 3_600_000>")]
    pub infra_backoff_max_ms: u64,
    /// Pause running campaigns after LiveKit has been unreachable this long.
    #[serde(deserialize_with = "validate::between::<_, _, 1, 86_400>")]
    pub infra_pause_after_secs: u64,
    /// Region for numbers written without a country code.
    #[serde(deserialize_with = "validate::region")]
    pub default_region: String,
    /// Agent dispositions that mean "do not call me again", besides the built-in ones
    /// (do_not_call, dnc, opt_out, remove_me, unsubscribe, stop_calling, ...).
    pub do_not_call_dispositions: Vec<String>,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            global_max_concurrent: None,
            per_number_daily_limit: 3,
            infra_backoff_initial_ms: 1_000,
            infra_backoff_max_ms: 60_000,
            infra_pause_after_secs: 300,
            default_region: "US".into(),
            do_not_call_dispositions: Vec::new(),
        }
    }
}

/// `[trunks.<trunk id>]`: per-trunk limits, for carriers that cap the call rate.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrunkConfig {
    #[serde(deserialize_with = "validate::calls_per_second")]
    pub calls_per_second: f64,
}

/// `[ui]`: the console.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct UiConfig {
    /// Redraw interval.
    #[serde(deserialize_with = "validate::between::<_, _, 10, 10_000>")]
    pub tick_ms: u64,
    /// Also turned on by a non-empty `NO_COLOR`.
    pub no_color: bool,
    /// Clicks select panes and rows and the wheel scrolls; off leaves the mouse to the
    /// terminal (selecting text to copy).
    pub mouse: bool,
}

impl Default for UiConfig {
    fn default() -> Self {
        Self {
            tick_ms: 250,
            no_color: false,
            mouse: true,
        }
    }
}

/// `[log]`: the log file's filter, under `SWITCHBOARD_LOG` and `RUST_LOG`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct LogConfig {
    #[serde(deserialize_with = "validate::log_filter")]
    pub level: String,
    /// `text` for people, `json` (one object a line) for log shippers.
    pub format: LogFormat,
}

/// How log lines are written.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    #[default]
    Text,
    /// One JSON object per line (time, level, target, message, fields), for Loki,
    /// Vector, Fluent Bit and the like.
    Json,
}

impl Default for LogConfig {
    fn default() -> Self {
        Self {
            level: "info".into(),
            format: LogFormat::Text,
        }
    }
}

/// `[recording]`: where LiveKit writes the recordings of campaigns with `record`. A
/// file path template on LiveKit's egress worker, or `[recording.s3]` upload settings
/// passed through to LiveKit as they are.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RecordingConfig {
    /// LiveKit's `filepath` template: `{room_name}`, `{time}` and the like are filled
    /// in by LiveKit. One file per call.
    pub file_path: String,
    pub s3: Option<S3Config>,
}

/// One file per call, named by its room (which carries campaign and attempt).
pub const DEFAULT_RECORDING_PATH: &str = "recordings/{room_name}-{time}.ogg";

impl Default for RecordingConfig {
    fn default() -> Self {
        Self {
            file_path: DEFAULT_RECORDING_PATH.into(),
            s3: None,
        }
    }
}

/// `[recording.s3]`: an S3-compatible bucket LiveKit uploads to.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct S3Config {
    pub bucket: String,
    #[serde(default)]
    pub region: String,
    /// For S3-compatible stores (MinIO, R2, ...); empty for AWS.
    #[serde(default)]
    pub endpoint: String,
    pub access_key: String,
    pub secret: super::Secret,
    #[serde(default)]
    pub force_path_style: bool,
}
