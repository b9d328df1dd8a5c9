//! The process that runs a database's engine: it takes the engine lock first (before the
//! store is opened, so recovery and migrations run only there), starts the runtime, and
//! serves the API on the database's socket so every other process can attach.

use super::api::ApiState;
use super::lock::{EngineLock, LockError};
use super::server::{ApiServer, ServeError};
use crate::config::Config;
use crate::engine::SystemClock;
use crate::runtime::{Runtime, RuntimeError, RuntimeSettings};
use crate::store::StoreError;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

#[derive(Debug, thiserror::Error)]
pub enum HostError {
    #[error("{source}; attach with `switchboard` (the console) or drive it with `switchboard campaign start|pause|resume|stop ID`")]
    Held {
        #[source]
        source: LockError,
        /// The socket the running engine answers on.
        socket: PathBuf,
    },
    #[error(transparent)]
    Lock(LockError),
    #[error("the runtime directory for the engine's socket: {0}")]
    RuntimeDir(std::io::Error),
    #[error("cannot create the database file {}: {source} (check the folder exists and is yours, or pass another --db)", path.display())]
    DatabaseFile {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Runtime(#[from] RuntimeError),
    #[error(transparent)]
    Serve(#[from] ServeError),
}

pub struct EngineHost {
    pub runtime: Runtime,
    server: ApiServer,
    _lock: EngineLock,
}

/// Where things go, beyond the config file's settings.
#[derive(Debug, Clone)]
pub struct HostPlan {
    pub db: PathBuf,
    /// `$SWITCHBOARD_RUNTIME_DIR`, if set.
    pub runtime_dir: Option<PathBuf>,
    pub settings: RuntimeSettings,
}

impl HostPlan {
    pub fn from_config(
        config: &Config,
        db: &Path,
        runtime_dir: Option<PathBuf>,
    ) -> Result<Self, HostError> {
        Ok(Self {
            db: db.to_path_buf(),
            runtime_dir,
            settings: RuntimeSettings::from_config(config)?,
        })
    }
}

/// The socket a database's engine answers on (made private if new). The database file
/// is made (empty, private) if it is missing: the socket is named after the file.
pub fn socket_for(db: &Path, runtime_dir: Option<&Path>) -> Result<PathBuf, HostError> {
    let dir = super::socket::runtime_dir(runtime_dir).map_err(HostError::RuntimeDir)?;
    let file_error = |source| HostError::DatabaseFile {
        path: db.to_path_buf(),
        source,
    };
    if let Some(folder) = db.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::os::unix::fs::DirBuilderExt::mode(std::fs::DirBuilder::new().recursive(true), 0o700)
            .create(folder)
            .map_err(file_error)?;
    }
    super::database_file::descriptor(db, true).map_err(file_error)?;
    Ok(super::socket::socket_path(&dir, db))
}

impl EngineHost {
    /// Becomes the database's engine, or says which process already is.
    pub async fn start(
        plan: HostPlan,
        api: &crate::config::ApiConfig,
    ) -> Result<EngineHost, HostError> {
        let socket = socket_for(&plan.db, plan.runtime_dir.as_deref())?;
        let lock = EngineLock::acquire(&plan.db).map_err(|e| match e {
            held @ LockError::Held { .. } => HostError::Held {
                source: held,
                socket: socket.clone(),
            },
            other => HostError::Lock(other),
        })?;
        let store = crate::engine::open_database(&plan.db)?;
        let opt_out = plan.settings.engine.opt_out.clone();
        // One registry per engine, served at `/metrics` (`crate::metrics`).
        let metrics = Arc::new(crate::metrics::Metrics::new());
        let runtime = Runtime::start_measured(
            store,
            plan.settings,
            Arc::new(SystemClock),
            Some(metrics.clone()),
        )
        .await?;
        let state = ApiState::new(runtime.engine.clone())
            .with_opt_out(opt_out)
            .with_metrics(metrics);
        let tcp = api.listen.map(|addr| (addr, api.token.clone()));
        let webhooks = Some(runtime.webhook_receiver.clone());
        let server = match ApiServer::start(state, &socket, tcp, webhooks).await {
            Ok(server) => server,
            Err(err) => {
                runtime.shutdown(Duration::ZERO).await;
                return Err(err.into());
            }
        };
        tracing::info!(socket = %socket.display(), pid = std::process::id(), "engine serving");
        Ok(EngineHost {
            runtime,
            server,
            _lock: lock,
        })
    }

    pub fn socket(&self) -> &Path {
        &self.server.socket
    }

    pub fn tcp(&self) -> Option<std::net::SocketAddr> {
        self.server.tcp
    }

    /// Stops answering clients, then pauses running campaigns with reason `shutdown`
    /// and gives calls in flight `grace`; the lock goes last.
    pub async fn shutdown(self, grace: Duration) {
        self.server.shutdown().await;
        self.runtime.shutdown(grace).await;
    }
}
