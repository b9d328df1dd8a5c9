//! Settings: `config.toml` (documented key by key in config.toml.example) with the
//! environment over it. Where the file is comes from [`crate::paths`].
//!
//! Precedence, highest first: command-line flag, environment variable, file, default.
//! A missing file means all defaults, and with no LiveKit credentials the app runs on
//! its embedded sandbox.

mod env;
mod error;
mod section_reader;
mod sections;
mod validate;

/// The settings' secrets (the LiveKit API secret, the API token, the S3 secret) are
/// [`crate::secret::Secret`]s; named here too, since that is where they are read.
pub use crate::secret::Secret;
pub use env::{
    Env, NotUnicode, API_TOKEN_VAR, CONFIG_VAR, DB_VAR, KNOWN_VARS, LIVEKIT_API_KEY_VAR,
    LIVEKIT_API_SECRET_VAR, LIVEKIT_URL_VAR, LOG_VAR, NO_COLOR_VAR, RUNTIME_DIR_VAR, RUST_LOG_VAR,
};
pub(crate) use error::closest as closest_name;
pub use error::ConfigError;
pub use sections::{
    ApiConfig, EngineConfig, LiveKitConfig, LogConfig, LogFormat, PollingConfig, RecordingConfig,
    S3Config, TrunkConfig, UiConfig, WebhookConfig, DEFAULT_RECORDING_PATH,
};
pub use validate::{api_token_problem, log_filter_problem, MIN_API_TOKEN_CHARS};

use serde::de::DeserializeOwned;
use serde::Deserialize;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

/// Everything in `config.toml`, after the environment's overrides.
#[derive(Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub livekit: LiveKitConfig,
    pub webhook: WebhookConfig,
    pub api: ApiConfig,
    pub polling: PollingConfig,
    pub engine: EngineConfig,
    /// Per outbound trunk id (`ST_...`).
    pub trunks: BTreeMap<String, TrunkConfig>,
    /// The embedded sandbox's settings, raw: the sandbox module owns their meaning.
    /// [`Config::section`] reads them with line numbers in errors.
    pub sandbox: toml::Table,
    pub ui: UiConfig,
    /// Where call recordings go.
    pub recording: RecordingConfig,
    /// Action name -> key, e.g. `start = "s"`, `quit = "ctrl-c"`; the console checks them.
    pub keys: BTreeMap<String, String>,
    pub log: LogConfig,
    /// The file these settings came from, kept so [`Config::section`] can point into it.
    #[serde(skip)]
    source: Option<Source>,
    /// Where the settings were looked for (the file may not exist), for errors.
    #[serde(skip)]
    path: PathBuf,
}

/// Written out by hand for `sandbox`: its table is raw text that can hold the sandbox's
/// own API secret, so only its key names are shown.
impl std::fmt::Debug for Config {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Config")
            .field("livekit", &self.livekit)
            .field("webhook", &self.webhook)
            .field("api", &self.api)
            .field("polling", &self.polling)
            .field("engine", &self.engine)
            .field("trunks", &self.trunks)
            .field("sandbox", &self.sandbox.keys().collect::<Vec<_>>())
            .field("ui", &self.ui)
            .field("recording", &self.recording)
            .field("keys", &self.keys)
            .field("log", &self.log)
            .field("source", &self.source)
            .field("path", &self.path)
            .finish()
    }
}

#[derive(Clone)]
struct Source {
    path: PathBuf,
    text: String,
}

/// The path only: the text may hold the API secret.
impl std::fmt::Debug for Source {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Source")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// What the app needs to reach a real LiveKit server.
#[derive(Debug, Clone, Copy)]
pub struct LiveKitCredentials<'a> {
    pub url: &'a str,
    pub api_key: &'a str,
    pub api_secret: &'a Secret,
}

impl Config {
    /// Reads `path` (a missing file gives the defaults) and applies `env` over it.
    pub fn load(path: &Path, env: &Env) -> Result<Config, ConfigError> {
        let mut config = match std::fs::read_to_string(path) {
            Ok(text) => Config::parse(path, &text)?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Config::default(),
            Err(source) => {
                return Err(ConfigError::Read {
                    path: path.to_owned(),
                    source,
                })
            }
        };
        config.apply_env(env)?;
        // A partial [livekit] is not an error yet: only the commands that talk to
        // LiveKit need it whole (see `livekit_credentials`), the offline ones do not.
        config.path = path.to_owned();
        Ok(config)
    }

    /// The file's settings alone; `path` is only used to name the file in errors.
    pub fn parse(path: &Path, text: &str) -> Result<Config, ConfigError> {
        let mut config: Config =
            toml::from_str(text).map_err(|e| ConfigError::from_toml(path, text, &e))?;
        config.check_backoff(path)?;
        config.path = path.to_owned();
        config.source = Some(Source {
            path: path.to_owned(),
            text: text.to_owned(),
        });
        Ok(config)
    }

    /// Reads a top-level table that another module owns (e.g. `section::<SandboxConfig>("sandbox")`),
    /// with the same file-and-line errors as the rest of the file. `None` if the table is absent.
    pub fn section<T: DeserializeOwned>(&self, name: &str) -> Result<Option<T>, ConfigError> {
        let Some(source) = &self.source else {
            return Ok(None);
        };
        section_reader::read_section(&source.text, name)
            .map_err(|e| ConfigError::from_toml(&source.path, &source.text, &e))
    }

    /// True when url, key and secret are all set; otherwise the app uses the sandbox.
    pub fn livekit_configured(&self) -> bool {
        matches!(self.livekit_credentials(), Ok(Some(_)))
    }

    /// The LiveKit server to talk to: `None` when nothing is set (the embedded sandbox
    /// is used), an error naming what is missing when only some of url, key and secret
    /// are. Called by the commands that talk to LiveKit, not by the offline ones.
    pub fn livekit_credentials(&self) -> Result<Option<LiveKitCredentials<'_>>, ConfigError> {
        self.check_livekit(&self.path)?;
        let lk = &self.livekit;
        Ok(match (&lk.url, &lk.api_key, &lk.api_secret) {
            (Some(url), Some(api_key), Some(api_secret)) => Some(LiveKitCredentials {
                url,
                api_key,
                api_secret,
            }),
            _ => None,
        })
    }

    /// The calls-per-second cap of one trunk, if the file sets one.
    pub fn trunk_calls_per_second(&self, trunk_id: &str) -> Option<f64> {
        self.trunks
            .get(trunk_id)
            .map(|trunk| trunk.calls_per_second)
    }

    fn apply_env(&mut self, env: &Env) -> Result<(), ConfigError> {
        if let Some(url) = env.text(LIVEKIT_URL_VAR)? {
            if let Some(problem) = validate::livekit_url_problem(&url) {
                return Err(ConfigError::InvalidVar {
                    name: LIVEKIT_URL_VAR,
                    problem,
                });
            }
            self.livekit.url = Some(url);
        }
        if let Some(key) = env.text(LIVEKIT_API_KEY_VAR)? {
            self.livekit.api_key = Some(key);
        }
        if let Some(secret) = env.text(LIVEKIT_API_SECRET_VAR)? {
            self.livekit.api_secret = Some(Secret::new(secret));
        }
        if let Some(token) = env.text(API_TOKEN_VAR)? {
            if let Some(problem) = validate::api_token_problem(&token) {
                return Err(ConfigError::InvalidVar {
                    name: API_TOKEN_VAR,
                    problem,
                });
            }
            self.api.token = Some(Secret::new(token));
        }
        if env.is_set(NO_COLOR_VAR) {
            self.ui.no_color = true;
        }
        Ok(())
    }

    fn check_livekit(&self, path: &Path) -> Result<(), ConfigError> {
        let lk = &self.livekit;
        let parts = [
            ("url", LIVEKIT_URL_VAR, lk.url.is_some()),
            ("api_key", LIVEKIT_API_KEY_VAR, lk.api_key.is_some()),
            (
                "api_secret",
                LIVEKIT_API_SECRET_VAR,
                lk.api_secret.is_some(),
            ),
        ];
        let set = parts.iter().filter(|(_, _, present)| *present).count();
        if set == 0 || set == parts.len() {
            return Ok(());
        }
        let missing = parts.iter().filter(|(_, _, present)| !present);
        Err(ConfigError::PartialLiveKit {
            path: path.to_owned(),
            missing: missing.clone().map(|(key, _, _)| *key).collect(),
            vars: missing.map(|(_, var, _)| *var).collect(),
        })
    }

    fn check_backoff(&self, path: &Path) -> Result<(), ConfigError> {
        let engine = &self.engine;
        if self.recording.file_path.trim().is_empty() {
            return Err(ConfigError::Invalid {
                path: path.to_owned(),
                line: None,
                problem: "`recording.file_path` is empty: give a path template such as \"recordings/{room_name}-{time}.ogg\"".into(),
            });
        }
        if self
            .recording
            .s3
            .as_ref()
            .is_some_and(|s3| s3.bucket.trim().is_empty())
        {
            return Err(ConfigError::Invalid {
                path: path.to_owned(),
                line: None,
                problem: "`recording.s3.bucket` is empty: name the bucket LiveKit uploads to"
                    .into(),
            });
        }
        if engine.infra_backoff_initial_ms > engine.infra_backoff_max_ms {
            return Err(ConfigError::Invalid {
                path: path.to_owned(),
                line: None,
                problem: format!(
                    "`engine.infra_backoff_initial_ms` ({}) is larger than `engine.infra_backoff_max_ms` ({})",
                    engine.infra_backoff_initial_ms, engine.infra_backoff_max_ms
                ),
            });
        }
        Ok(())
    }
}
