//! The wiring every front end needs (the console, `demo`, `run`): the store, LiveKit or
//! the embedded sandbox, the webhook listener, the room poller and the engine, started
//! in that order and stopped in reverse by [`Runtime::shutdown`].
//!
//! With no LiveKit credentials an in-process sandbox is started, and a webhook listener
//! on a free local port is registered with it, so progress arrives the way it does from
//! a real server.

use crate::config::Config;
use crate::engine::{
    Engine, EngineConfig, EngineError, EngineHandle, RoomWatcher, SharedClock, SystemClock,
};
use crate::sandbox::{Sandbox, SandboxConfig, SandboxError};
use crate::store::{Store, StoreError};
use crate::telephony::{
    serve_webhooks_with, spawn_poller, LiveKitOptions, LiveKitTelephony, PollerConfig,
    PollerHandle, TelephonyError, WebhookOptions, WebhookReceiver, WebhookServer,
};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::Arc;
use std::time::Duration;
use thiserror::Error;
use tokio::sync::mpsc;

/// Progress messages waiting for the engine; webhooks and the poller block when full.
const PROGRESS_QUEUE: usize = 8192;

#[derive(Debug, Error)]
pub enum RuntimeError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Sandbox(#[from] SandboxError),
    #[error("webhook listener: {0}")]
    Webhooks(TelephonyError),
    #[error("the engine could not start: {0}")]
    Engine(#[from] EngineError),
    #[error("{0}")]
    Config(String),
}

/// Where the calls go.
#[derive(Clone)]
pub enum LiveKitTarget {
    Server {
        url: String,
        api_key: String,
        api_secret: crate::config::Secret,
    },
    /// Start the embedded sandbox on `listen` (port 0: any free port).
    Sandbox {
        config: Box<SandboxConfig>,
        listen: SocketAddr,
    },
}

impl std::fmt::Debug for LiveKitTarget {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            LiveKitTarget::Server { url, api_key, .. } => f
                .debug_struct("Server")
                .field("url", url)
                .field("api_key", api_key)
                .finish_non_exhaustive(),
            LiveKitTarget::Sandbox { config, listen } => f
                .debug_struct("Sandbox")
                .field("config", config)
                .field("listen", listen)
                .finish(),
        }
    }
}

/// Everything the runtime is built from, explicit so tests and benches can set each part.
#[derive(Debug, Clone)]
pub struct RuntimeSettings {
    pub livekit: LiveKitTarget,
    pub request_timeout: Duration,
    /// Where LiveKit's webhooks are received; with the sandbox a free local port is used
    /// when this is unset.
    pub webhook_listen: Option<SocketAddr>,
    /// No webhooks at all, not even the sandbox's: calls are followed by polling alone.
    pub polling_only: bool,
    pub polling: PollerConfig,
    pub engine: EngineConfig,
}

impl RuntimeSettings {
    /// From `config.toml` and the environment.
    pub fn from_config(config: &Config) -> Result<Self, RuntimeError> {
        let credentials = config
            .livekit_credentials()
            .map_err(|e| RuntimeError::Config(e.to_string()))?;
        let livekit = match credentials {
            Some(creds) => LiveKitTarget::Server {
                url: creds.url.to_string(),
                api_key: creds.api_key.to_string(),
                api_secret: creds.api_secret.clone(),
            },
            None => {
                let sandbox = config
                    .section::<SandboxConfig>("sandbox")
                    .map_err(|e| RuntimeError::Config(e.to_string()))?
                    .unwrap_or_default();
                LiveKitTarget::Sandbox {
                    config: Box::new(sandbox),
                    listen: SocketAddr::from(([127, 0, 0, 1], 0)),
                }
            }
        };
        Ok(Self {
            livekit,
            request_timeout: Duration::from_secs(config.livekit.request_timeout_secs),
            webhook_listen: config.webhook.listen,
            polling_only: config.webhook.polling_only,
            polling: PollerConfig {
                interval: Duration::from_millis(config.polling.interval_ms),
                max_requests_per_sec: config.polling.max_requests_per_sec,
            },
            engine: EngineConfig::from_config(config),
        })
    }
}

/// The poller is the engine's room watcher.
impl RoomWatcher for PollerHandle {
    fn watch_dialing(&self, room: &str) {
        PollerHandle::watch(self, room.to_string());
    }

    fn watch_answered(&self, room: &str) {
        PollerHandle::watch_answered(self, room.to_string());
    }

    fn watch_live(&self, room: &str) {
        PollerHandle::watch_live(self, room.to_string());
    }

    fn watch_unanswered(&self, room: &str) {
        PollerHandle::watch_unanswered(self, room.to_string());
    }

    fn forget(&self, room: &str) {
        PollerHandle::forget(self, room);
    }
}

/// A running Switchboard back end.
pub struct Runtime {
    pub engine: EngineHandle,
    /// The embedded sandbox when no LiveKit is configured.
    pub sandbox: Option<Sandbox>,
    /// The LiveKit URL calls go to (the sandbox's when embedded).
    pub livekit_url: String,
    webhooks: Option<WebhookServer>,
    /// Verifies LiveKit's webhooks for this engine, wherever they are received: the
    /// `[webhook] listen` port and the API's `/webhooks/livekit`.
    pub webhook_receiver: WebhookReceiver,
}

impl Runtime {
    /// Builds everything from the config file's settings, on the database at `db`.
    pub async fn from_config(config: &Config, db: &Path) -> Result<Runtime, RuntimeError> {
        let settings = RuntimeSettings::from_config(config)?;
        Runtime::start(
            crate::engine::open_database(db)?,
            settings,
            Arc::new(SystemClock),
        )
        .await
    }

    pub async fn start(
        store: Store,
        settings: RuntimeSettings,
        clock: SharedClock,
    ) -> Result<Runtime, RuntimeError> {
        Self::start_measured(store, settings, clock, None).await
    }

    /// `start`, with every call, LiveKit request, webhook and store commit counted in
    /// `metrics` (the engine host's, served at `/metrics`).
    pub async fn start_measured(
        store: Store,
        mut settings: RuntimeSettings,
        clock: SharedClock,
        metrics: Option<Arc<crate::metrics::Metrics>>,
    ) -> Result<Runtime, RuntimeError> {
        if let Some(metrics) = &metrics {
            store.observe_writes(metrics.edges.store_observer());
            settings.engine.metrics = Some(metrics.calls.clone());
        }
        let (sandbox, url, api_key, api_secret) = match settings.livekit {
            LiveKitTarget::Server {
                url,
                api_key,
                api_secret,
            } => (None, url, api_key, api_secret.expose().to_string()),
            LiveKitTarget::Sandbox { config, listen } => {
                let sandbox = crate::sandbox::start(*config, listen).await?;
                let (url, key, secret) = (
                    sandbox.url(),
                    sandbox.api_key().to_string(),
                    sandbox.api_secret().to_string(),
                );
                (Some(sandbox), url, key, secret)
            }
        };
        let options = LiveKitOptions {
            request_timeout: settings.request_timeout,
        };
        let mut telephony = LiveKitTelephony::new(&url, &api_key, &api_secret, options);
        if let Some(metrics) = &metrics {
            telephony = telephony.observe_requests(metrics.edges.livekit_observer());
        }
        let telephony = Arc::new(telephony);
        let (progress_tx, progress) = mpsc::channel(PROGRESS_QUEUE);
        let webhook_listen = settings
            .webhook_listen
            .or_else(|| {
                sandbox
                    .as_ref()
                    .map(|_| SocketAddr::from(([127, 0, 0, 1], 0)))
            })
            .filter(|_| !settings.polling_only);
        let webhook_receiver = WebhookReceiver::new(
            &api_key,
            &api_secret,
            &WebhookOptions::default(),
            progress_tx.clone(),
        );
        let now = chrono::Utc::now().timestamp().max(0) as u64;
        let seen = store
            .read(move |conn| crate::store::webhook_events::still_valid(conn, now))
            .await?;
        webhook_receiver.remember_in(Arc::new(store.clone()), seen);
        if let Some(metrics) = &metrics {
            webhook_receiver.observe(metrics.edges.webhook_observer());
        }
        let webhooks = match webhook_listen {
            Some(listen) => Some(
                serve_webhooks_with(listen, webhook_receiver.clone(), WebhookOptions::default())
                    .await
                    .map_err(RuntimeError::Webhooks)?,
            ),
            None => None,
        };
        if let (Some(sandbox), Some(server)) = (&sandbox, &webhooks) {
            sandbox.set_webhook_url(Some(server.url()));
        }
        let poller = spawn_poller(telephony.clone(), settings.polling, progress_tx);
        let watcher: Arc<dyn RoomWatcher> = Arc::new(poller);
        let engine = Engine::spawn(
            store.clone(),
            telephony,
            clock,
            settings.engine,
            progress,
            Some(watcher),
        )
        .await?;
        Ok(Runtime {
            engine,
            sandbox,
            livekit_url: url,
            webhooks,
            webhook_receiver,
        })
    }

    /// Where LiveKit's webhooks are received, when they are.
    pub fn webhook_url(&self) -> Option<String> {
        self.webhooks.as_ref().map(WebhookServer::url)
    }

    /// Pauses running campaigns with reason `shutdown`, gives calls in flight `grace`
    /// to finish (the rest are reconciled at the next start), then stops the webhook
    /// listener and the sandbox.
    pub async fn shutdown(self, grace: Duration) {
        if let Err(err) = self.engine.shutdown(grace).await {
            tracing::warn!(%err, "engine shutdown");
        }
        if let Some(webhooks) = self.webhooks {
            webhooks.shutdown().await;
        }
        if let Some(sandbox) = self.sandbox {
            sandbox.stopped().await;
        }
    }
}
