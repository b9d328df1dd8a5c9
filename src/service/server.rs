//! Serves the API router on the local socket (always) and on TCP (when configured, with
//! its token, a concurrency limit and the same body limits).

use super::api::{self, ApiState, Origin};
use crate::config::Secret;
use crate::telephony::WebhookReceiver;
use axum::middleware;
use std::net::SocketAddr;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// Requests a TCP client may have in flight at once; more wait their turn, so a flood
/// costs the engine a bounded amount of work.
const TCP_CONCURRENCY: usize = 64;

pub struct ApiServer {
    pub socket: PathBuf,
    pub tcp: Option<SocketAddr>,
    stop: CancellationToken,
    tasks: Vec<JoinHandle<()>>,
}

#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    #[error("cannot listen on the local socket {}: {source}", path.display())]
    Socket {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot listen on {addr} ([api] listen): {source}")]
    Tcp {
        addr: SocketAddr,
        source: std::io::Error,
    },
    #[error("[api] listen = \"{0}\" needs a token: set [api] token in config.toml or SWITCHBOARD_API_TOKEN")]
    NoToken(SocketAddr),
    #[error("[api] listen = \"{addr}\": {problem}")]
    WeakToken { addr: SocketAddr, problem: String },
}

impl ApiServer {
    /// Binds the socket at `socket` (replacing a stale one: the caller holds the engine
    /// lock, so nobody else can be serving it) with mode 0600, and TCP if `tcp` is set.
    /// On TCP, `webhooks` (when given) answers [`api::WEBHOOK_PATH`].
    pub async fn start(
        state: ApiState,
        socket: &Path,
        tcp: Option<(SocketAddr, Option<Secret>)>,
        webhooks: Option<WebhookReceiver>,
    ) -> Result<ApiServer, ServeError> {
        let socket_error = |source| ServeError::Socket {
            path: socket.to_path_buf(),
            source,
        };
        let _ = std::fs::remove_file(socket);
        let listener = tokio::net::UnixListener::bind(socket).map_err(socket_error)?;
        std::fs::set_permissions(socket, std::fs::Permissions::from_mode(0o600))
            .map_err(socket_error)?;
        let stop = CancellationToken::new();
        let mut tasks = Vec::new();
        let local = api::router(state.clone(), Origin::LocalSocket);
        let until = stop.clone();
        tasks.push(tokio::spawn(async move {
            let served = axum::serve(listener, local)
                .with_graceful_shutdown(async move { until.cancelled().await })
                .await;
            if let Err(err) = served {
                tracing::error!(%err, "the local API socket stopped");
            }
        }));
        let mut tcp_addr = None;
        if let Some((addr, token)) = tcp {
            let token = token.ok_or(ServeError::NoToken(addr))?;
            // The config refuses a weak token already; this covers every other caller.
            if let Some(problem) = crate::config::api_token_problem(token.expose()) {
                return Err(ServeError::WeakToken { addr, problem });
            }
            let token = Arc::new(token);
            let listener = tokio::net::TcpListener::bind(addr)
                .await
                .map_err(|source| ServeError::Tcp { addr, source })?;
            tcp_addr = listener.local_addr().ok();
            let mut remote =
                api::router(state, Origin::Tcp).layer(middleware::from_fn(move |request, next| {
                    api::require_token(token.clone(), request, next)
                }));
            if let Some(webhooks) = webhooks {
                // Merged after the token layer, so it does not apply here.
                remote = remote.merge(webhooks.route(api::WEBHOOK_PATH));
            }
            let remote = remote
                .layer(tower::limit::GlobalConcurrencyLimitLayer::new(
                    TCP_CONCURRENCY,
                ))
                .into_make_service_with_connect_info::<SocketAddr>();
            let until = stop.clone();
            tasks.push(tokio::spawn(async move {
                let served = axum::serve(listener, remote)
                    .with_graceful_shutdown(async move { until.cancelled().await })
                    .await;
                if let Err(err) = served {
                    tracing::error!(%err, "the TCP API listener stopped");
                }
            }));
            tracing::info!(addr = ?tcp_addr, "HTTP API listening on TCP");
            if !addr.ip().is_loopback() {
                tracing::warn!(
                    %addr,
                    "the HTTP API listens beyond this machine: anyone who can reach {addr} \
                     and holds the token controls the dialer and reads the leads; the \
                     traffic is plain HTTP, so put TLS in front or listen on 127.0.0.1"
                );
            }
        }
        Ok(ApiServer {
            socket: socket.to_path_buf(),
            tcp: tcp_addr,
            stop,
            tasks,
        })
    }

    /// Stops listening and removes the socket file. Streams in flight end with it.
    pub async fn shutdown(self) {
        self.stop.cancel();
        for mut task in self.tasks {
            // An SSE stream never ends by itself: give open ones a moment, then cut them.
            let grace = std::time::Duration::from_millis(500);
            if tokio::time::timeout(grace, &mut task).await.is_err() {
                task.abort();
            }
        }
        let _ = std::fs::remove_file(&self.socket);
    }
}
