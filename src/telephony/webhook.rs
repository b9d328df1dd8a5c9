//! The webhook listener: LiveKit POSTs signed events here, we verify them
//! (`webhook_token.rs`) and pass what they say about calls to the engine as
//! `CallProgress`. A request that is not provably from our LiveKit project (unsigned,
//! forged, expired, long-lived, replayed, body not matching its hash) is refused and
//! logged, at most one line per [`WebhookOptions::refusal_log_interval`], never acted on.
//!
//! The port is open to anyone who can reach it, so no client may hold it: headers and
//! bodies must arrive within their timeouts, past
//! [`WebhookOptions::max_connections_per_client`] from one address or
//! [`WebhookOptions::max_connections`]
//! new connections are closed at once. Otherwise slow clients pile up until the process
//! runs out of file descriptors, and the poller (and everything else) stops with it.

use super::types::{CallProgress, TelephonyError};
use super::webhook_event::progress_from_event;
use super::webhook_replay::{ReplayGuard, ReplayJournal, SeenEvent};
use super::webhook_token::{SignedEvent, WebhookTokenError, WebhookTokens};
use crate::throttled_log::ThrottledLog;
use axum::body::Body;
use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, Request, StatusCode};
use axum::routing::post;
use axum::Router;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use std::net::SocketAddr;
use std::pin::pin;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, Semaphore};
use tokio::task::JoinHandle;
use tokio_util::sync::CancellationToken;
use tower::ServiceExt;

/// The content type LiveKit signs webhooks with ("to ensure signature is checked prior
/// to parsing").
pub const WEBHOOK_CONTENT_TYPE: &str = "application/webhook+json";

/// Larger bodies are refused before they are read: LiveKit's events are a few KiB.
pub const MAX_WEBHOOK_BODY: usize = 1024 * 1024;

/// How long to wait after a failed accept (out of file descriptors, most likely)
/// before the next, so the failure does not spin.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// On shutdown, how long a request in flight may take to finish; then its connection
/// is dropped (a connection still waiting for headers would otherwise hold the
/// shutdown for the whole header timeout). LiveKit retries what it could not deliver.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(1);

/// Limits that keep the port from being held by clients that never finish.
#[derive(Debug, Clone)]
pub struct WebhookOptions {
    /// A connection whose request headers have not all arrived this long after it
    /// opened (or after its previous response) is closed.
    pub header_read_timeout: Duration,
    /// A request whose body has not all arrived this long after its headers is
    /// answered 408 and its connection closed.
    pub body_read_timeout: Duration,
    /// Connections open at once; past this, new ones are closed as soon as accepted.
    pub max_connections: usize,
    /// Connections open at once from one client address: one slow or hostile client
    /// cannot take the places LiveKit's deliveries need (LiveKit sends from at most 10
    /// workers at a time, from its own address).
    pub max_connections_per_client: usize,
    /// Refused requests are logged at most once per this interval, with a count of
    /// those not logged.
    pub refusal_log_interval: Duration,
}

impl Default for WebhookOptions {
    fn default() -> Self {
        Self {
            header_read_timeout: Duration::from_secs(5),
            body_read_timeout: Duration::from_secs(10),
            max_connections: 1024,
            max_connections_per_client: 32,
            refusal_log_interval: Duration::from_secs(10),
        }
    }
}

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

    /// Stops accepting requests and waits (up to a second) for requests in flight to
    /// finish.
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
    tokens: WebhookTokens,
    seen: Mutex<ReplayGuard>,
    /// Where the events acted on are kept across restarts, when set.
    journal: std::sync::OnceLock<Arc<dyn ReplayJournal>>,
    refusals: Mutex<ThrottledLog>,
    body_read_timeout: Duration,
    progress: mpsc::Sender<CallProgress>,
    /// Told of every delivery's verdict (`/metrics`), when set.
    observer: std::sync::OnceLock<WebhookObserver>,
}

/// Told of every delivery: accepted or refused, and the HTTP status answered.
pub type WebhookObserver = Arc<dyn Fn(bool, u16) + Send + Sync>;

/// What verifies LiveKit's webhooks and passes them on: one per engine, shared by the
/// separate `[webhook] listen` port and the API's TCP listener (`/webhooks/livekit`),
/// so an event delivered to both is still acted on once.
#[derive(Clone)]
pub struct WebhookReceiver(Arc<Receiver>);

impl std::fmt::Debug for WebhookReceiver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("WebhookReceiver")
    }
}

impl WebhookReceiver {
    /// Verifies against `api_key`/`api_secret`; sends the call progress to `progress`.
    pub fn new(
        api_key: &str,
        api_secret: &str,
        options: &WebhookOptions,
        progress: mpsc::Sender<CallProgress>,
    ) -> Self {
        Self(Arc::new(Receiver {
            tokens: WebhookTokens::new(api_key, api_secret),
            seen: Mutex::new(ReplayGuard::default()),
            journal: std::sync::OnceLock::new(),
            refusals: Mutex::new(ThrottledLog::new(options.refusal_log_interval)),
            body_read_timeout: options.body_read_timeout,
            progress,
            observer: std::sync::OnceLock::new(),
        }))
    }

    /// Tells `observer` of every delivery from now on; a second one is ignored.
    pub fn observe(&self, observer: WebhookObserver) {
        let _ = self.0.observer.set(observer);
    }

    /// Keeps the events acted on in `journal` too, starting from `seen` (what it holds
    /// from before this process), so replay protection survives a restart.
    pub fn remember_in(&self, journal: Arc<dyn ReplayJournal>, seen: Vec<SeenEvent>) {
        if let Ok(mut guard) = self.0.seen.lock() {
            let now = unix_now();
            for event in seen {
                guard.claim(&event.key, event.valid_until, now);
            }
        }
        let _ = self.0.journal.set(journal);
    }

    /// POST `path` receives webhooks. Served with `ConnectInfo<SocketAddr>` (the peer
    /// is logged with a refusal).
    pub fn route(&self, path: &str) -> Router {
        Router::new()
            .route(path, post(receive))
            .with_state(self.0.clone())
    }

    /// Any path receives webhooks: the separate listener, whatever URL LiveKit was
    /// given.
    fn any_path(&self) -> Router {
        Router::new()
            .route("/", post(receive))
            .route("/{*path}", post(receive))
            .with_state(self.0.clone())
    }
}

/// Listens on `listen` for LiveKit's webhooks (any path, POST), verifying each against
/// `api_key`/`api_secret` and sending the call progress it reports to `progress`.
pub async fn serve_webhooks(
    listen: SocketAddr,
    api_key: &str,
    api_secret: &str,
    options: WebhookOptions,
    progress: mpsc::Sender<CallProgress>,
) -> Result<WebhookServer, TelephonyError> {
    let receiver = WebhookReceiver::new(api_key, api_secret, &options, progress);
    serve_webhooks_with(listen, receiver, options).await
}

/// [`serve_webhooks`] with a receiver that may also be mounted elsewhere.
pub async fn serve_webhooks_with(
    listen: SocketAddr,
    receiver: WebhookReceiver,
    options: WebhookOptions,
) -> Result<WebhookServer, TelephonyError> {
    let listener = TcpListener::bind(listen)
        .await
        .map_err(|e| TelephonyError::Configuration {
            problem: format!("cannot listen for webhooks on {listen}: {e}"),
            fix: "choose a free address for listen under [webhook] in config.toml".into(),
        })?;
    let local_addr = listener
        .local_addr()
        .map_err(|e| TelephonyError::Unavailable(e.to_string()))?;
    let app = receiver.any_path();
    let stop = CancellationToken::new();
    let task = tokio::spawn(accept_connections(listener, app, options, stop.clone()));
    tracing::info!(%local_addr, "listening for LiveKit webhooks");
    Ok(WebhookServer {
        local_addr,
        stop,
        task: Some(task),
    })
}

/// Serves each connection in its own task, holding one of `max_connections` permits;
/// on `stop`, waits for every permit to come back (each connection gets
/// [`SHUTDOWN_GRACE`] to finish its request).
async fn accept_connections(
    listener: TcpListener,
    app: Router,
    options: WebhookOptions,
    stop: CancellationToken,
) {
    let permits = u32::try_from(options.max_connections.max(1)).unwrap_or(u32::MAX);
    let open = Arc::new(Semaphore::new(permits as usize));
    let per_client: ClientCounts = Arc::default();
    let mut http = hyper::server::conn::http1::Builder::new();
    http.timer(TokioTimer::new())
        .header_read_timeout(options.header_read_timeout);
    let mut over_limit = ThrottledLog::new(options.refusal_log_interval);
    let mut failed_accepts = ThrottledLog::new(options.refusal_log_interval);
    loop {
        let accepted = tokio::select! {
            _ = stop.cancelled() => break,
            accepted = listener.accept() => accepted,
        };
        let (stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(e) => {
                if let Some(quiet) = failed_accepts.hit(Instant::now()) {
                    tracing::warn!(suppressed = quiet, "webhook listener cannot accept: {e}");
                }
                tokio::select! {
                    _ = stop.cancelled() => break,
                    _ = tokio::time::sleep(ACCEPT_BACKOFF) => continue,
                }
            }
        };
        let Some(client_slot) =
            ClientSlot::take(&per_client, peer.ip(), options.max_connections_per_client)
        else {
            if let Some(quiet) = over_limit.hit(Instant::now()) {
                tracing::warn!(
                    %peer,
                    suppressed = quiet,
                    "webhook connection closed: {} already open from this address",
                    options.max_connections_per_client
                );
            }
            drop(stream);
            continue;
        };
        let Ok(permit) = open.clone().try_acquire_owned() else {
            if let Some(quiet) = over_limit.hit(Instant::now()) {
                tracing::warn!(
                    %peer,
                    suppressed = quiet,
                    "webhook connection closed: {} already open",
                    options.max_connections
                );
            }
            drop(stream);
            continue;
        };
        let connection = serve_connection(&http, stream, peer, app.clone(), stop.clone());
        tokio::spawn(async move {
            connection.await;
            drop(permit);
            drop(client_slot);
        });
    }
    drop(listener);
    let _ = open.acquire_many(permits).await;
}

type ClientCounts = Arc<Mutex<std::collections::HashMap<std::net::IpAddr, usize>>>;

/// One of a client address's connection places, given back when dropped.
struct ClientSlot {
    counts: ClientCounts,
    client: std::net::IpAddr,
}

impl ClientSlot {
    fn take(counts: &ClientCounts, client: std::net::IpAddr, limit: usize) -> Option<Self> {
        let mut open = counts.lock().unwrap_or_else(|p| p.into_inner());
        let count = open.entry(client).or_default();
        if *count >= limit.max(1) {
            return None;
        }
        *count += 1;
        Some(Self {
            counts: counts.clone(),
            client,
        })
    }
}

impl Drop for ClientSlot {
    fn drop(&mut self) {
        let mut open = self.counts.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(count) = open.get_mut(&self.client) {
            *count -= 1;
            if *count == 0 {
                open.remove(&self.client);
            }
        }
    }
}

/// One connection through the router, with its peer address for `ConnectInfo`.
fn serve_connection(
    http: &hyper::server::conn::http1::Builder,
    stream: TcpStream,
    peer: SocketAddr,
    app: Router,
    stop: CancellationToken,
) -> impl std::future::Future<Output = ()> + Send + 'static {
    let service = hyper::service::service_fn(move |request: Request<Incoming>| {
        let mut request = request.map(Body::new);
        request.extensions_mut().insert(ConnectInfo(peer));
        app.clone().oneshot(request)
    });
    let connection = http.serve_connection(TokioIo::new(stream), service);
    async move {
        let mut connection = pin!(connection);
        tokio::select! {
            served = connection.as_mut() => {
                if let Err(e) = served {
                    tracing::debug!(%peer, "webhook connection ended: {e}");
                }
                return;
            }
            _ = stop.cancelled() => connection.as_mut().graceful_shutdown(),
        }
        let _ = tokio::time::timeout(SHUTDOWN_GRACE, connection).await;
    }
}

/// Why a request was refused; its status and the reason logged.
struct Refusal(StatusCode, String);

async fn receive(
    State(receiver): State<Arc<Receiver>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    body: Body,
) -> StatusCode {
    let result = match verify(&receiver, &headers, body).await {
        Ok(signed) => pass_on(&receiver, signed).await,
        Err(refusal) => Err(refusal),
    };
    if let Some(observe) = receiver.observer.get() {
        match &result {
            Ok(status) => observe(true, status.as_u16()),
            Err(Refusal(status, _)) => observe(false, status.as_u16()),
        }
    }
    match result {
        Ok(status) => status,
        Err(Refusal(status, reason)) => {
            let admitted = receiver
                .refusals
                .lock()
                .map(|mut log| log.hit(Instant::now()))
                .unwrap_or(Some(0));
            if let Some(quiet) = admitted {
                tracing::warn!(
                    %peer,
                    status = status.as_u16(),
                    suppressed = quiet,
                    "webhook refused: {reason}"
                );
            }
            status
        }
    }
}

/// Sends the event's progress to the engine, once per event.
async fn pass_on(receiver: &Receiver, signed: SignedEvent) -> Result<StatusCode, Refusal> {
    let event = &signed.event;
    let key = if event.id.is_empty() {
        format!("sha256:{}", signed.body_sha256)
    } else {
        event.id.clone()
    };
    let first_time = receiver
        .seen
        .lock()
        .map(|mut seen| seen.claim(&key, signed.replayable_until, unix_now()))
        .unwrap_or(true);
    let replay = || {
        Refusal(
            StatusCode::CONFLICT,
            format!("event {key} was already received (a replay)"),
        )
    };
    if !first_time {
        return Err(replay());
    }
    // On file before it is acted on: a crash after acting leaves it refused next time.
    if let Some(journal) = receiver.journal.get() {
        let until = signed.replayable_until;
        match journal.remember(key.clone(), until, unix_now()).await {
            Ok(true) => {}
            Ok(false) => return Err(replay()),
            Err(err) => {
                if let Ok(mut seen) = receiver.seen.lock() {
                    seen.release(&key);
                }
                tracing::warn!(%err, "cannot record a webhook event; LiveKit will send it again");
                return Ok(StatusCode::SERVICE_UNAVAILABLE);
            }
        }
    }
    tracing::debug!(event = %event.event, id = %event.id, "webhook verified");
    let Some(progress) = progress_from_event(event) else {
        return Ok(StatusCode::OK);
    };
    match receiver.progress.send(progress).await {
        Ok(()) => Ok(StatusCode::OK),
        Err(_) => {
            // Nobody is listening any more: let LiveKit retry the event later.
            if let Ok(mut seen) = receiver.seen.lock() {
                seen.release(&key);
            }
            if let Some(journal) = receiver.journal.get() {
                let _ = journal.forget(key.clone()).await;
            }
            Ok(StatusCode::SERVICE_UNAVAILABLE)
        }
    }
}

async fn verify(
    receiver: &Receiver,
    headers: &HeaderMap,
    body: Body,
) -> Result<SignedEvent, Refusal> {
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
    let read = axum::body::to_bytes(body, MAX_WEBHOOK_BODY);
    let bytes = tokio::time::timeout(receiver.body_read_timeout, read)
        .await
        .map_err(|_| {
            Refusal(
                StatusCode::REQUEST_TIMEOUT,
                format!(
                    "body not received within {} ms",
                    receiver.body_read_timeout.as_millis()
                ),
            )
        })?
        .map_err(|_| too_large())?;
    let text = std::str::from_utf8(&bytes)
        .map_err(|_| Refusal(StatusCode::BAD_REQUEST, "body is not UTF-8".into()))?;
    receiver
        .tokens
        .verify(text, token, unix_now())
        .map_err(|e| match e {
            // Signed by our project but not an event we can read.
            WebhookTokenError::NotAnEvent(_) => Refusal(StatusCode::BAD_REQUEST, e.to_string()),
            _ => Refusal(StatusCode::UNAUTHORIZED, e.to_string()),
        })
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs())
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
