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

use super::ids::{new_id, unix_seconds};
use super::stats::Stats;

const WORKERS: usize = 8;
const QUEUE_PER_WORKER: usize = 10_000;
const ATTEMPTS: u32 = 3;
const TOKEN_VALIDITY: Duration = Duration::from_secs(5 * 60);

/// The webhook event names LiveKit uses.
pub mod event {
    pub const ROOM_STARTED: &str = "room_started";
    pub const ROOM_FINISHED: &str = "room_finished";
    pub const PARTICIPANT_JOINED: &str = "participant_joined";
    pub const PARTICIPANT_LEFT: &str = "participant_left";
}

#[derive(Clone)]
pub struct WebhookSender {
    url: Arc<RwLock<Option<String>>>,
    queues: Arc<Vec<mpsc::Sender<proto::WebhookEvent>>>,
    stats: Arc<Stats>,
}

impl WebhookSender {
    pub fn start(
        url: Option<String>,
        api_key: &str,
        api_secret: &str,
        stats: Arc<Stats>,
        shutdown: CancellationToken,
    ) -> Self {
        let url = Arc::new(RwLock::new(url));
        let client = super::http::http_client(Duration::from_secs(5));
        let mut queues = Vec::with_capacity(WORKERS);
        for _ in 0..WORKERS {
            let (tx, rx) = mpsc::channel(QUEUE_PER_WORKER);
            queues.push(tx);
            let worker = Worker {
                url: url.clone(),
                client: client.clone(),
                api_key: api_key.to_string(),
                api_secret: api_secret.to_string(),
                stats: stats.clone(),
            };
            tokio::spawn(worker.run(rx, shutdown.clone()));
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
        if queue.try_send(event).is_err() {
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
}

impl Worker {
    async fn run(
        self,
        mut queue: mpsc::Receiver<proto::WebhookEvent>,
        shutdown: CancellationToken,
    ) {
        loop {
            let event = tokio::select! {
                _ = shutdown.cancelled() => return,
                event = queue.recv() => match event { Some(event) => event, None => return },
            };
            let url = self.url.read().unwrap_or_else(|p| p.into_inner()).clone();
            let Some(url) = url else { continue };
            if self.deliver(&url, &event).await {
                self.stats.webhook_delivered();
            } else {
                self.stats.webhook_failed();
            }
        }
    }

    async fn deliver(&self, url: &str, event: &proto::WebhookEvent) -> bool {
        let Ok(body) = serde_json::to_string(event) else {
            return false;
        };
        let Ok(token) = sign(&self.api_key, &self.api_secret, &body) else {
            return false;
        };
        for attempt in 0..ATTEMPTS {
            if attempt > 0 {
                tokio::time::sleep(Duration::from_millis(100 << attempt)).await;
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
                Ok(response) if response.status().is_success() => return true,
                // Like go-retryablehttp: retry 429 and 5xx (but 501) and transport errors.
                Ok(response) => {
                    let status = response.status().as_u16();
                    if !(status == 429 || (500..600).contains(&status) && status != 501) {
                        return false;
                    }
                }
                Err(_) => {}
            }
        }
        tracing::warn!(url, event = %event.event, "webhook not delivered after {ATTEMPTS} attempts");
        false
    }
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
