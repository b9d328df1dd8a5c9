//! The webhook listener: LiveKit POSTs signed events here, we verify them with
//! `livekit_api::webhooks::WebhookReceiver` and pass what they say about calls to the
//! engine as `CallProgress`. A request that is not provably from our LiveKit project
//! (unsigned, forged, expired, body not matching its hash) is refused and logged, never
//! acted on.

use super::types::{CallProgress, TelephonyError};
use super::webhook_event::progress_from_event;
use axum::body::Body;
use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::routing::post;
use axum::Router;
use livekit_api::access_token::TokenVerifier;
use livekit_api::webhooks::{WebhookError, WebhookReceiver};
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;

/// The content type LiveKit signs webhooks with ("to ensure signature is checked prior
/// to parsing").
pub const WEBHOOK_CONTENT_TYPE: &str = "application/webhook+json";

/// Larger bodies are refused before they are read: LiveKit's events are a few KiB.
pub const MAX_WEBHOOK_BODY: usize = 1024 * 1024;

/// A running listener. Dropping it (or `shutdown`) stops it.
#[derive(Debug)]
pub struct WebhookServer {
    local_addr: SocketAddr,
    stop: CancellationToken,
    task: Option<JoinHandle<()>>,
}

impl WebhookServer {
    /// The bound address (useful when listening on port 0).
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The URL to configure in LiveKit, e.g. `http://127.0.0.1:8089/`.
    pub fn url(&self) -> String {
        format!("http://{}/", self.local_addr)
    }

    /// Stops accepting requests and waits for requests in flight to finish.
    pub async fn shutdown(mut self) {
        self.stop.cancel();
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
    }
}

impl Drop for WebhookServer {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

struct Receiver {
    verifier: WebhookReceiver,
    progress: mpsc::Sender<CallProgress>,
}

/// Listens on `listen` for LiveKit's webhooks (any path, POST), verifying each against
/// `api_key`/`api_secret` and sending the call progress it reports to `progress`.
pub async fn serve_webhooks(
    listen: SocketAddr,
    api_key: &str,
    api_secret: &str,
    progress: mpsc::Sender<CallProgress>,
) -> Result<WebhookServer, TelephonyError> {
    let listener =
        tokio::net::TcpListener::bind(listen)
            .await
            .map_err(|e| TelephonyError::Configuration {
                problem: format!("cannot listen for webhooks on {listen}: {e}"),
                fix: "choose a free address for listen under [webhook] in config.toml".into(),
            })?;
    let local_addr = listener
        .local_addr()
        .map_err(|e| TelephonyError::Unavailable(e.to_string()))?;
    let state = Arc::new(Receiver {
        verifier: WebhookReceiver::new(TokenVerifier::with_api_key(api_key, api_secret)),
        progress,
    });
    let app = Router::new()
        .route("/", post(receive))
        .route("/{*path}", post(receive))
        .with_state(state);
    let stop = CancellationToken::new();
    let stopped = stop.clone();
    let task = tokio::spawn(async move {
        let service = app.into_make_service_with_connect_info::<SocketAddr>();
        let served = axum::serve(listener, service)
            .with_graceful_shutdown(async move { stopped.cancelled().await })
            .await;
        if let Err(e) = served {
            tracing::error!("webhook listener stopped: {e}");
        }
    });
    tracing::info!(%local_addr, "listening for LiveKit webhooks");
    Ok(WebhookServer {
        local_addr,
        stop,
        task: Some(task),
    })
}

/// Why a request was refused; its status and the reason logged.
struct Refusal(StatusCode, String);

async fn receive(
    State(receiver): State<Arc<Receiver>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Body,
) -> StatusCode {
    match verify(&receiver, &headers, body).await {
        Ok(event) => {
            tracing::debug!(%peer, event = %event.event, id = %event.id, "webhook verified");
            let Some(progress) = progress_from_event(&event) else {
                return StatusCode::OK;
            };
            match receiver.progress.send(progress).await {
                Ok(()) => StatusCode::OK,
                // Nobody is listening any more: let LiveKit retry later.
                Err(_) => StatusCode::SERVICE_UNAVAILABLE,
            }
        }
        Err(Refusal(status, reason)) => {
            tracing::warn!(%peer, status = status.as_u16(), "webhook refused: {reason}");
            status
        }
    }
}

async fn verify(
    receiver: &Receiver,
    headers: &HeaderMap,
    body: Body,
) -> Result<livekit_protocol::WebhookEvent, Refusal> {
    let content_type = header_str(headers, header::CONTENT_TYPE).unwrap_or("");
    let media_type = content_type.split(';').next().unwrap_or("").trim();
    if !media_type.eq_ignore_ascii_case(WEBHOOK_CONTENT_TYPE) {
        return Err(Refusal(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            format!("content type {content_type:?} is not {WEBHOOK_CONTENT_TYPE}"),
        ));
    }
    // LiveKit sends the bare JWT; tolerate a `Bearer ` prefix from proxies or tools.
    let token = header_str(headers, header::AUTHORIZATION)
        .map(|v| v.strip_prefix("Bearer ").unwrap_or(v).trim())
        .filter(|v| !v.is_empty())
        .ok_or_else(|| Refusal(StatusCode::UNAUTHORIZED, "no Authorization token".into()))?;
    let declared = header_str(headers, header::CONTENT_LENGTH).and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_WEBHOOK_BODY as u64) {
        return Err(too_large());
    }
    // A body without (or lying about) its length is cut off at the limit while reading.
    let bytes = axum::body::to_bytes(body, MAX_WEBHOOK_BODY)
        .await
        .map_err(|_| too_large())?;
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| Refusal(StatusCode::BAD_REQUEST, "body is not UTF-8".into()))?;
    receiver.verifier.receive(text, token).map_err(|e| match e {
        // Signed by our project but not an event we can read.
        WebhookError::InvalidData(e) => Refusal(
            StatusCode::BAD_REQUEST,
            format!("signed body is not a webhook event: {e}"),
        ),
        WebhookError::InvalidSignature => Refusal(
            StatusCode::UNAUTHORIZED,
            "body does not match the token's sha256".into(),
        ),
        WebhookError::InvalidBase64(_) => Refusal(
            StatusCode::UNAUTHORIZED,
            "token's sha256 is not base64".into(),
        ),
        WebhookError::InvalidAuth(e) => {
            Refusal(StatusCode::UNAUTHORIZED, format!("token rejected: {e}"))
        }
    })
}

fn too_large() -> Refusal {
    Refusal(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!("body larger than {MAX_WEBHOOK_BODY} bytes"),
    )
}

fn header_str(headers: &HeaderMap, name: header::HeaderName) -> Option<&str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}
