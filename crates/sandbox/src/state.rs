//! Everything the request handlers and call tasks share. Each part guards its own data
//! with a short lock, so no request waits on another's network delay.

use std::sync::Arc;

use tokio_util::sync::CancellationToken;

use super::agent_behaviour::Arrivals;
use super::auth::Authenticator;
use super::call_rate::CallRate;
use super::config::{SandboxConfig, TrunkConfig};
use super::faults::FaultState;
use super::network::{PhoneNetwork, TimeScale};
use super::rooms::Rooms;
use super::stats::Stats;
use super::trunks::Trunks;
use super::webhooks::{WebhookSender, WebhookSetup};

pub struct SandboxState {
    pub config: SandboxConfig,
    pub auth: Authenticator,
    pub network: PhoneNetwork,
    pub rooms: Arc<Rooms>,
    pub stats: Arc<Stats>,
    pub call_rate: CallRate,
    pub faults: Arc<FaultState>,
    pub webhooks: WebhookSender,
    pub scale: TimeScale,
    /// When each dispatched agent arrives (prompt, late, absent).
    pub arrivals: Arrivals,
    /// Outbound trunks: the configured ones and those created since.
    pub trunks: Trunks,
    /// `StartRoomCompositeEgress` fails while set (a test's egress outage).
    pub egress_fails: std::sync::atomic::AtomicBool,
    pub shutdown: CancellationToken,
}

impl SandboxState {
    /// Builds the state and starts the webhook workers; needs a tokio runtime.
    pub fn new(config: SandboxConfig, shutdown: CancellationToken) -> Arc<Self> {
        let stats = Arc::new(Stats::default());
        let scale = TimeScale(config.time_scale);
        let webhooks = WebhookSender::start(
            WebhookSetup {
                url: config.webhook_url.clone(),
                api_key: &config.api_key,
                api_secret: &config.api_secret,
                delivery: config.webhook_delivery.clone(),
                scale,
                seed: config.seed,
            },
            stats.clone(),
            shutdown.clone(),
        );
        let rooms = Rooms::new(
            webhooks.clone(),
            stats.clone(),
            scale,
            config.departure_timeout_secs,
            shutdown.clone(),
        );
        Arc::new(Self {
            auth: Authenticator::new(&config.api_key, &config.api_secret),
            network: PhoneNetwork::new(&config),
            faults: Arc::new(FaultState::new(config.faults.clone(), config.seed)),
            rooms,
            stats,
            call_rate: CallRate::default(),
            webhooks,
            scale,
            arrivals: Arrivals::new(),
            egress_fails: std::sync::atomic::AtomicBool::new(false),
            trunks: Trunks::new(config.trunks.clone(), config.trunk_page_size as usize),
            shutdown,
            config,
        })
    }

    pub fn trunk(&self, id: &str) -> Option<TrunkConfig> {
        self.trunks.get(id)
    }
}
