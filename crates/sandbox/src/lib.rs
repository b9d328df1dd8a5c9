//! A LiveKit-compatible server on 127.0.0.1 that simulates a phone network, so the console,
//! the demo and the tests run the real `livekit-api` client against something that behaves
//! like LiveKit: Twirp over HTTP (protobuf and JSON), JWT-checked, with SIP calls that ring,
//! get answered, busy, declined or time out, a simulated agent that reports a disposition,
//! signed webhooks, and injectable faults. Time runs `time_scale` times faster or slower.
//!
//! Its own crate: it names nothing of Switchboard's (only the TLS set-up in
//! `switchboard-http-tls`), so it builds once, not with every change to the console or
//! the engine, and runs alone. Switchboard re-exports it as `switchboard::sandbox`.
//!
//! ```no_run
//! # async fn demo() -> Result<(), switchboard_sandbox::SandboxError> {
//! use switchboard_sandbox::{start, SandboxConfig};
//! let sandbox = start(SandboxConfig::default(), "127.0.0.1:0".parse().unwrap()).await?;
//! let sip = livekit_api::services::sip::SIPClient::with_api_key(
//!     &sandbox.url(), sandbox.api_key(), sandbox.api_secret());
//! # Ok(()) }
//! ```

mod agent;
mod agent_behaviour;
mod auth;
mod call;
mod call_rate;
mod codec;
mod config;
mod dispatch_service;
mod egress_service;
mod faults;
mod http;
mod ids;
mod listener;
mod lock;
mod network;
mod outcome;
mod room_copy;
mod room_service;
mod rooms;
mod routes;
mod sip_service;
mod sip_status;
mod state;
mod stats;
mod trunks;
mod twirp;
mod webhooks;

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

pub use agent::{agent_identity, DISPOSITION_ATTRIBUTE, NOTE_ATTRIBUTE};
pub use agent_behaviour::{AgentArrival, AgentBehaviour, VARIANT_METADATA_KEY};
pub use call::call_status;
pub use config::{
    OutcomeRates, SandboxConfig, SecondsRange, TrunkConfig, TrunkLimitError, WebhookDelivery,
};
pub use faults::{Faults, Outage, OutageMode};
pub use http::http_client;
pub use outcome::{Outcome, ScriptedCall};
pub use stats::SandboxStats;

use listener::RefusingListener;
use state::SandboxState;

#[derive(Debug, thiserror::Error)]
pub enum SandboxError {
    #[error("invalid sandbox config: {0}")]
    InvalidConfig(String),
    #[error("the sandbox could not listen on {addr}: {source} (pick another port with --listen, or 127.0.0.1:0 for any free port)")]
    Bind {
        addr: SocketAddr,
        #[source]
        source: std::io::Error,
    },
}

/// A running sandbox. Dropping it (or calling [`shutdown`](Self::shutdown)) stops the
/// server, every simulated call and the webhook workers.
pub struct Sandbox {
    addr: SocketAddr,
    state: Arc<SandboxState>,
    server: Option<JoinHandle<()>>,
}

/// Starts the sandbox on `listen` (port 0 picks a free port) and serves it in the background.
pub async fn start(config: SandboxConfig, listen: SocketAddr) -> Result<Sandbox, SandboxError> {
    config.validate().map_err(SandboxError::InvalidConfig)?;
    let shutdown = CancellationToken::new();
    let state = SandboxState::new(config, shutdown.clone());
    let listener = RefusingListener::bind(listen, state.faults.clone()).map_err(|source| {
        SandboxError::Bind {
            addr: listen,
            source,
        }
    })?;
    let addr = listener.local_addr();
    let app = routes::router(state.clone());
    let server = tokio::spawn(async move {
        let serving = axum::serve(listener, app).with_graceful_shutdown(shutdown.cancelled_owned());
        if let Err(err) = serving.await {
            tracing::error!(%err, "sandbox server stopped");
        }
    });
    tracing::info!(url = %format!("http://{addr}"), "sandbox listening");
    Ok(Sandbox {
        addr,
        state,
        server: Some(server),
    })
}

/// Runs the sandbox until Ctrl-C, for `switchboard sandbox --listen 127.0.0.1:7880`.
pub async fn serve_forever(config: SandboxConfig, listen: SocketAddr) -> Result<(), SandboxError> {
    let sandbox = start(config, listen).await?;
    println!(
        "LiveKit sandbox on {}  (LIVEKIT_API_KEY={}; the secret is in your sandbox config, default `secret`)",
        sandbox.url(),
        sandbox.api_key()
    );
    let _ = tokio::signal::ctrl_c().await;
    sandbox.shutdown();
    Ok(())
}

impl Sandbox {
    /// `http://127.0.0.1:PORT`, what `LIVEKIT_URL` should be.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn api_key(&self) -> &str {
        &self.state.config.api_key
    }

    pub fn api_secret(&self) -> &str {
        &self.state.config.api_secret
    }

    pub fn stats(&self) -> SandboxStats {
        self.state.stats.snapshot()
    }

    /// Scripts how calls to `number` go from now on.
    pub fn set_override(&self, number: &str, call: ScriptedCall) {
        self.state.network.set_override(number, call);
    }

    /// Lets calls to `number` be drawn from the rates again.
    pub fn clear_override(&self, number: &str) {
        self.state.network.clear_override(number);
    }

    /// The trunk with this id as the sandbox holds it (created ones included), for tests
    /// that check what a client sent.
    pub fn trunk(&self, id: &str) -> Option<TrunkConfig> {
        self.state.trunk(id)
    }

    /// Makes every later `StartRoomCompositeEgress` fail as an unreachable egress
    /// service does (or work again).
    pub fn set_egress_failure(&self, fails: bool) {
        self.state
            .egress_fails
            .store(fails, std::sync::atomic::Ordering::Relaxed);
    }

    /// Every later agent dispatch arrives this way (late, absent); `None` returns to the
    /// configured `absent_every` / `late_every`.
    pub fn set_agent_arrival(&self, arrival: Option<AgentArrival>) {
        self.state.arrivals.force(arrival);
    }

    /// Replaces the injected faults; an outage window counts from now.
    pub fn set_faults(&self, faults: Faults) {
        self.state.faults.set(faults);
    }

    pub fn set_webhook_url(&self, url: Option<String>) {
        self.state.webhooks.set_url(url);
    }

    /// Stops serving and ends every call (their participants simply stop; no webhooks).
    pub fn shutdown(&self) {
        self.state.shutdown.cancel();
    }

    /// Stops the sandbox and waits until the listener is closed.
    pub async fn stopped(mut self) {
        self.shutdown();
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.state.shutdown.cancel();
    }
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field("url", &self.url())
            .finish_non_exhaustive()
    }
}
