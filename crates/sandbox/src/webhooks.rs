//! Sends signed webhooks exactly like LiveKit (reference/livekit-protocol.md §4.1): the
//! protojson body, `Authorization: <jwt>` without `Bearer`, `application/webhook+json`,
//! and a 5-minute token whose `sha256` claim is the base64 SHA-256 of the exact body.
//!
//! Events are queued per room on a fixed set of workers (the room name picks the worker),
//! so each room's events arrive in order while rooms are delivered in parallel.

use std::hash::{Hash, Hasher};
use std::sync::{Arc, RwLock};
use std::time::Duration;

use base64::Engine;
use livekit_api::access_token::AccessToken;
use livekit_protocol as proto;
use sha2::{Digest, Sha256};
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use std::sync::Mutex;
use tokio::time::Instant;

use super::config::WebhookDelivery;
use super::ids::{new_id, unix_seconds};
use super::network::TimeScale;
use super::stats::Stats;

const WORKERS: usize = 8;
const QUEUE_PER_WORKER: usize = 10_000;
/// go-retryablehttp as livekit-server sets it up: the first try and 4 retries, waiting
/// 1, 2, 4, 8 s (at most 30 s) between them.
const ATTEMPTS: u32 = 5;
const RETRY_WAIT_MAX_SECS: f64 = 30.0;
/// An event older than this is dropped rather than sent (simulated seconds).
const MAX_EVENT_AGE_SECS: f64 = 30.0;
const MIN_EVENT_AGE_LIMIT: Duration = Duration::from_secs(1);
const TOKEN_VALIDITY: Duration = Duration::from_secs(5 * 60);

/// The webhook event names LiveKit uses.
pub mod event {
    pub const ROOM_STARTED: &str = "room_started";
    pub const ROOM_FINISHED: &str = "room_finished";
    pub const PARTICIPANT_JOINED: &str = "participant_joined";
    pub const PARTICIPANT_LEFT: &str = "participant_left";
}

/// An event and when it was queued, for LiveKit's age limit.
type Queued = (Instant, proto::WebhookEvent);

#[derive(Clone)]
pub struct WebhookSender {
    url: Arc<RwLock<Option<String>>>,
    queues: Arc<Vec<mpsc::Sender<Queued>>>,
    stats: Arc<Stats>,
}

/// Where and how webhooks are sent.
pub struct WebhookSetup<'a> {
    pub url: Option<String>,
    pub api_key: &'a str,
    pub api_secret: &'a str,
    pub delivery: WebhookDelivery,
    pub scale: TimeScale,
    pub seed: u64,
}

impl WebhookSender {
    pub fn start(setup: WebhookSetup<'_>, stats: Arc<Stats>, shutdown: CancellationToken) -> Self {
        let url = Arc::new(RwLock::new(setup.url));
        let client = super::http::http_client(Duration::from_secs(5));
        let mut queues = Vec::with_capacity(WORKERS);
        let fate = Arc::new(Mutex::new(SmallRng::seed_from_u64(
            setup.seed ^ 0x5745_4248,
        )));
        for _ in 0..WORKERS {
            let (tx, rx) = mpsc::channel(QUEUE_PER_WORKER);
            queues.push(tx);
            let worker = Worker {
                url: url.clone(),
                client: client.clone(),
                api_key: setup.api_key.to_string(),
                api_secret: setup.api_secret.to_string(),
                stats: stats.clone(),
                delivery: setup.delivery.clone(),
                scale: setup.scale,
                fate: fate.clone(),
                shutdown: shutdown.clone(),
            };
            tokio::spawn(Arc::new(worker).run(rx));
        }
        Self {
            url,
            queues: Arc::new(queues),
            stats,
        }
    }

    pub fn set_url(&self, url: Option<String>) {
        *self.url.write().unwrap_or_else(|p| p.into_inner()) = url;
    }

    fn enabled(&self) -> bool {
        self.url.read().unwrap_or_else(|p| p.into_inner()).is_some()
    }

    /// Queues one event without waiting. Callers enqueue while they hold the room state
    /// lock, which is what keeps a room's events in the order its changes happened.
    pub fn send(
        &self,
        name: &str,
        room: Option<proto::Room>,
        participant: Option<proto::ParticipantInfo>,
    ) {
        if !self.enabled() {
            return;
        }
        let key = room.as_ref().map(|r| r.name.clone()).unwrap_or_default();
        let event = proto::WebhookEvent {
            event: name.to_string(),
            room,
            participant,
            id: new_id("EV_"),
            created_at: unix_seconds(),
            ..Default::default()
        };
        let mut hasher = std::collections::hash_map::DefaultHasher::new();
        key.hash(&mut hasher);
        let queue = &self.queues[(hasher.finish() as usize) % self.queues.len()];
        if queue.try_send((Instant::now(), event)).is_err() {
            // LiveKit drops events when a worker's queue is full, too.
            self.stats.webhook_dropped();
        }
    }
}

struct Worker {
    url: Arc<RwLock<Option<String>>>,
    client: reqwest::Client,
    api_key: String,
    api_secret: String,
    stats: Arc<Stats>,
    delivery: WebhookDelivery,
    scale: TimeScale,
    /// Draws which events are lost, late or sent twice (seeded, shared by the workers).
    fate: Arc<Mutex<SmallRng>>,
    shutdown: CancellationToken,
}

/// What happens to one event on its way.
struct Fate {
    lost: bool,
    twice: bool,
    delay: Duration,
}

impl Worker {
    async fn run(self: Arc<Self>, mut queue: mpsc::Receiver<Queued>) {
        loop {
            let (queued_at, event) = tokio::select! {
                _ = self.shutdown.cancelled() => return,
                event = queue.recv() => match event { Some(event) => event, None => return },
            };
            let fate = self.draw_fate();
            if fate.lost {
                self.stats.webhook_lost();
                continue;
            }
            if fate.delay.is_zero() {
                self.send(queued_at, &event, fate.twice).await;
            } else {
                // A late event is overtaken by the ones behind it, as a retried one is.
                let worker = self.clone();
                tokio::spawn(async move {
                    tokio::select! {
                        _ = worker.shutdown.cancelled() => {}
                        _ = tokio::time::sleep(fate.delay) => worker.send(queued_at, &event, fate.twice).await,
                    }
                });
            }
        }
    }

    fn draw_fate(&self) -> Fate {
        if self.delivery.is_perfect() {
            return Fate {
                lost: false,
                twice: false,
                delay: Duration::ZERO,
            };
        }
        let mut rng = self.fate.lock().unwrap_or_else(|p| p.into_inner());
        let lost = rng.random::<f64>() < self.delivery.lost;
        let twice = rng.random::<f64>() < self.delivery.duplicated;
        let range = self.delivery.delay;
        let delay_secs = if range.max > range.min {
            rng.random_range(range.min..=range.max)
        } else {
            range.min
        };
        Fate {
            lost,
            twice,
            delay: self.scale.real(delay_secs),
        }
    }

    async fn send(&self, queued_at: Instant, event: &proto::WebhookEvent, twice: bool) {
        let url = self.url.read().unwrap_or_else(|p| p.into_inner()).clone();
        let Some(url) = url else { return };
        for copy in 0..=u32::from(twice) {
            match self.deliver(&url, queued_at, event).await {
                Delivery::Delivered => {
                    self.stats.webhook_delivered();
                    if copy == 1 {
                        self.stats.webhook_duplicated();
                    }
                }
                Delivery::Failed => self.stats.webhook_failed(),
                Delivery::Expired => self.stats.webhook_expired(),
            }
        }
    }

    async fn deliver(
        &self,
        url: &str,
        queued_at: Instant,
        event: &proto::WebhookEvent,
    ) -> Delivery {
        let Ok(body) = serde_json::to_string(event) else {
            return Delivery::Failed;
        };
        let Ok(token) = sign(&self.api_key, &self.api_secret, &body) else {
            return Delivery::Failed;
        };
        // Network and load delays do not shrink with simulated time: at a tiny time
        // scale the age limit keeps a floor of real time, or a busy machine would lose
        // events LiveKit would have sent.
        let max_age = self.scale.real(MAX_EVENT_AGE_SECS).max(MIN_EVENT_AGE_LIMIT);
        for attempt in 0..ATTEMPTS {
            if attempt > 0 {
                let wait = f64::from(1u32 << (attempt - 1)).min(RETRY_WAIT_MAX_SECS);
                tokio::time::sleep(self.scale.real(wait)).await;
            }
            if queued_at.elapsed() > max_age {
                return Delivery::Expired;
            }
            let sent = self
                .client
                .post(url)
                .header("Authorization", &token)
                .header("Content-Type", "application/webhook+json")
                .body(body.clone())
                .send()
                .await;
            match sent {
                Ok(response) if response.status().is_success() => return Delivery::Delivered,
                // Like go-retryablehttp: retry 429 and 5xx (but 501) and transport errors.
                Ok(response) => {
                    let status = response.status().as_u16();
                    if !(status == 429 || (500..600).contains(&status) && status != 501) {
                        return Delivery::Failed;
                    }
                }
                Err(_) => {}
            }
        }
        tracing::warn!(url, event = %event.event, "webhook not delivered after {ATTEMPTS} attempts");
        Delivery::Failed
    }
}

enum Delivery {
    Delivered,
    Failed,
    Expired,
}

/// The JWT LiveKit puts in a webhook's `Authorization` header for this exact body.
pub fn sign(api_key: &str, api_secret: &str, body: &str) -> Result<String, String> {
    let digest = Sha256::digest(body.as_bytes());
    let sha256 = base64::engine::general_purpose::STANDARD.encode(digest);
    AccessToken::with_api_key(api_key, api_secret)
        .with_ttl(TOKEN_VALIDITY)
        .with_sha256(&sha256)
        .to_jwt()
        .map_err(|err| err.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use livekit_api::access_token::TokenVerifier;
    use livekit_api::webhooks::WebhookReceiver;

    #[test]
    fn body_is_protojson_and_the_signature_verifies() {
        let event = proto::WebhookEvent {
            event: event::PARTICIPANT_LEFT.into(),
            participant: Some(proto::ParticipantInfo {
                identity: "sip_+15551234567".into(),
                kind: proto::participant_info::Kind::Sip as i32,
                disconnect_reason: proto::DisconnectReason::UserRejected as i32,
                joined_at: 1_760_000_000,
                ..Default::default()
            }),
            id: "EV_x".into(),
            created_at: 1_760_000_010,
            ..Default::default()
        };
        let body = serde_json::to_string(&event).unwrap();
        assert!(
            body.contains(r#""disconnectReason":"USER_REJECTED""#),
            "{body}"
        );
        assert!(body.contains(r#""kind":"SIP""#), "{body}");
        assert!(body.contains(r#""createdAt":"1760000010""#), "{body}");
        assert!(body.contains(r#""joinedAt":"1760000000""#), "{body}");
        let token = sign("devkey", "secret", &body).unwrap();
        let receiver = WebhookReceiver::new(TokenVerifier::with_api_key("devkey", "secret"));
        assert_eq!(receiver.receive(&body, &token).unwrap(), event);
        assert!(receiver
            .receive(&body.replace("EV_x", "EV_y"), &token)
            .is_err());
    }
}
