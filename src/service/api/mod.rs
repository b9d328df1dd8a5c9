//! The engine's HTTP API (JSON under `/api/v1`, server-sent events): the engine protocol
//! for every client outside the engine's process. The same router is served on the
//! local socket (where the console and the CLI attach) and, with a token, on TCP.
//!
//! Every route is one row of [`routes`]: its method and path, its handler, and what the
//! OpenAPI document says of it (`operation.rs`, made beside each handler). The router
//! is built from that table and so is the document (`openapi.rs`, served at
//! `/api/v1/openapi.json` and kept in `docs/openapi.json`).

mod auth;
mod calls;
mod campaign_dto;
mod campaigns;
pub use campaigns::StatsOut;
mod dnc;
mod engine;
pub mod envelope;
pub mod export;
mod imports;
mod lead_batch;
mod lead_search;
mod leads;
mod metrics;
pub mod openapi;
mod operation;
mod report;
mod upload;

pub use auth::require_token;

use crate::engine::{EngineHandle, Reader, Snapshot};
use axum::http::Method;
use axum::routing::{delete, get, patch, post, put, MethodRouter};
use axum::Router;
use operation::{Operation, Tag};
use std::sync::Arc;
use utoipa::openapi::schema::{ObjectBuilder, Type};

/// What every handler reaches.
#[derive(Clone)]
pub struct ApiState {
    pub engine: EngineHandle,
    /// The engine's read-only model: every read the API serves.
    pub reader: Reader,
    /// The latest snapshot as JSON, encoded once however many consoles follow it.
    pub encoded: Arc<EncodedSnapshot>,
    /// Single leads posted at once, imported together (`lead_batch.rs`).
    leads: Arc<lead_batch::LeadBatcher>,
    /// The dispositions that ask not to be called again, as the engine knows them (the
    /// campaign report counts those requests).
    pub opt_out: crate::domain::OptOutWords,
    /// What `/metrics` serves: the engine host's registry.
    pub metrics: Arc<crate::metrics::Metrics>,
}

impl ApiState {
    pub fn new(engine: EngineHandle) -> ApiState {
        ApiState {
            reader: engine.reader().clone(),
            engine,
            encoded: Arc::default(),
            leads: Arc::default(),
            opt_out: crate::domain::OptOutWords::default(),
            metrics: Arc::default(),
        }
    }

    /// This state with the engine's do-not-call words (`[engine] do_not_call_dispositions`).
    pub fn with_opt_out(self, opt_out: crate::domain::OptOutWords) -> ApiState {
        ApiState { opt_out, ..self }
    }

    /// This state serving `metrics` at `/metrics`.
    pub fn with_metrics(self, metrics: Arc<crate::metrics::Metrics>) -> ApiState {
        ApiState { metrics, ..self }
    }

    /// This state with a batcher of its own, never started: for the batching task.
    fn without_batcher(&self) -> ApiState {
        ApiState {
            leads: Arc::default(),
            ..self.clone()
        }
    }
}

/// The server-sent event of the last snapshot someone asked for. The first follower to
/// see a new snapshot encodes it; the others send the very same bytes (shared, not
/// copied), so ten consoles attached cost the engine one encoding per snapshot, not ten.
#[derive(Default)]
pub struct EncodedSnapshot {
    last: std::sync::Mutex<Option<(Arc<Snapshot>, bytes::Bytes)>>,
}

impl EncodedSnapshot {
    /// `event: snapshot` with the snapshot as JSON (one line: JSON has no raw newline).
    pub fn event(&self, snapshot: &Arc<Snapshot>) -> bytes::Bytes {
        let mut last = self.last.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((seen, frame)) = last.as_ref() {
            if Arc::ptr_eq(seen, snapshot) {
                return frame.clone();
            }
        }
        let mut frame = b"event: snapshot\ndata: ".to_vec();
        if serde_json::to_writer(&mut frame, &**snapshot).is_err() {
            frame.truncate(b"event: snapshot\ndata: ".len());
            frame.extend_from_slice(b"{}");
        }
        frame.extend_from_slice(b"\n\n");
        let frame = bytes::Bytes::from(frame);
        *last = Some((snapshot.clone(), frame.clone()));
        frame
    }
}

/// JSON bodies above this are refused (413) before they are read; CSV uploads and bulk
/// lead lists have their own, larger bounds.
pub const MAX_JSON_BODY: usize = 1024 * 1024;

/// Where a request came in: the local socket may name files on this machine (an
/// import by path); TCP may not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    LocalSocket,
    Tcp,
}

/// One endpoint: its method and path under `/api/v1` (axum's `{param}` syntax), what
/// answers it, and what the document says of it.
struct Route {
    method: Method,
    path: &'static str,
    handler: MethodRouter<ApiState>,
    doc: Operation,
}

fn route(
    method: Method,
    path: &'static str,
    handler: MethodRouter<ApiState>,
    doc: Operation,
) -> Route {
    Route {
        method,
        path,
        handler,
        doc,
    }
}

/// Every endpoint of the API for `origin`, in the order the README lists them: its
/// method and path, its handler, and the operation the document gives it (made beside
/// the handler).
#[rustfmt::skip] // one row per endpoint, so the table reads as one
fn routes(origin: Origin) -> Vec<Route> {
    use Method as M;
    let mut table = vec![
        route(M::GET, "/health", get(health), health_doc()),
        route(M::GET, "/openapi.json", get(openapi::serve), openapi::serve_doc()),
        route(M::GET, "/events", get(engine::events), engine::events_doc()),
        route(M::POST, "/campaigns", post(campaigns::create), campaigns::create_doc()),
        route(M::GET, "/campaigns", get(campaigns::list), campaigns::list_doc()),
        route(M::GET, "/campaigns/{id}", get(campaigns::get_one), campaigns::get_one_doc()),
        route(M::PATCH, "/campaigns/{id}", patch(campaigns::update), campaigns::update_doc()),
        route(M::DELETE, "/campaigns/{id}", delete(campaigns::remove), campaigns::remove_doc()),
        route(M::POST, "/campaigns/{id}/start", post(campaigns::start), campaigns::start_doc()),
        route(M::POST, "/campaigns/{id}/pause", post(campaigns::pause), campaigns::pause_doc()),
        route(M::POST, "/campaigns/{id}/resume", post(campaigns::resume), campaigns::resume_doc()),
        route(M::POST, "/campaigns/{id}/stop", post(campaigns::stop), campaigns::stop_doc()),
        route(M::GET, "/campaigns/{id}/stats", get(campaigns::stats), campaigns::stats_doc()),
        route(M::GET, "/campaigns/{id}/changes", get(campaigns::changes), campaigns::changes_doc()),
        route(M::GET, "/campaigns/{id}/status", get(campaigns::status), campaigns::status_doc()),
        route(M::GET, "/campaigns/{id}/calls", get(calls::for_campaign), calls::for_campaign_doc()),
        route(M::GET, "/campaigns/{id}/export", get(export::export), export::export_doc()),
        route(M::GET, "/campaigns/{id}/report", get(report::report), report::report_doc()),
        route(M::POST, "/campaigns/{id}/leads", post(leads::add_one), leads::add_one_doc()),
        route(
            M::POST, "/campaigns/{id}/leads/bulk",
            post(leads::add_bulk).layer(axum::extract::DefaultBodyLimit::max(leads::MAX_BULK_BODY)),
            leads::add_bulk_doc(),
        ),
        // The upload streams its body itself, with its own bound (`upload::MAX_UPLOAD`).
        route(
            M::POST, "/campaigns/{id}/leads/upload",
            post(upload::upload).layer(axum::extract::DefaultBodyLimit::disable()),
            upload::upload_doc(),
        ),
        route(M::GET, "/leads", get(lead_search::list), lead_search::list_doc()),
        route(M::GET, "/leads/{id}", get(lead_search::get_one), lead_search::get_one_doc()),
        route(M::GET, "/calls/{id}", get(calls::get_one), calls::get_one_doc()),
        route(M::PUT, "/outbound-calls/{callId}/outcome", put(calls::report_outcome), calls::report_outcome_doc()),
        route(M::POST, "/dnc", post(dnc::add), dnc::add_doc()),
        route(M::GET, "/dnc", get(dnc::list), dnc::list_doc()),
        route(M::DELETE, "/dnc/{phone}", delete(dnc::remove), dnc::remove_doc()),
        route(M::POST, "/engine/commands", post(engine::command), engine::command_doc()),
        route(M::POST, "/engine/queries", post(engine::query), engine::query_doc()),
        route(M::GET, "/engine/snapshot", get(engine::snapshot), engine::snapshot_doc()),
        route(M::GET, "/engine/snapshots", get(engine::snapshots), engine::snapshots_doc()),
    ];
    if origin == Origin::LocalSocket {
        table.push(route(M::POST, "/engine/imports", post(imports::import_file), imports::import_file_doc()));
    }
    table
}

/// Where LiveKit's webhooks are received on the TCP listener: outside `/api/v1` and its
/// bearer token, since LiveKit signs each request itself and that is what is checked
/// (`telephony/webhook.rs`, as on the separate `[webhook] listen` port).
pub const WEBHOOK_PATH: &str = "/webhooks/livekit";

/// Where Prometheus scrapes the engine's metrics (`crate::metrics`), on both origins.
pub const METRICS_PATH: &str = "/metrics";

/// What the document says of LiveKit's webhooks, received at [`WEBHOOK_PATH`].
fn webhook_doc() -> Operation {
    Operation::new(Tag::Webhooks, "Receive one of LiveKit's webhooks")
        .describe("TCP listener only, outside /api/v1. Configure LiveKit's webhook URL as http://HOST:PORT/webhooks/livekit. No bearer token: the Authorization header carries LiveKit's JWT, signed with the project's API secret, whose sha256 claim is the body's hash. Verified as on the separate [webhook] listen port (fresh, short-lived, never replayed). Answers have no body.")
        .without_token()
        .body_of(
            "application/webhook+json",
            ObjectBuilder::new()
                .schema_type(Type::Object)
                .description(Some("LiveKit's WebhookEvent as protojson")),
        )
        .responds(200, no_body("Verified and passed to the engine"))
        .responds(400, no_body("Signed, but not an event (or not UTF-8)"))
        .responds(
            401,
            no_body("No token, or a token that is not LiveKit's signature of this body"),
        )
        .responds(408, no_body("The body did not arrive in time"))
        .responds(409, no_body("This event was already received (a replay)"))
        .responds(413, no_body("Larger than 1 MiB"))
        .responds(415, no_body("Not application/webhook+json"))
        .responds(503, no_body("The engine is stopping: LiveKit retries later"))
}

fn no_body(description: &str) -> utoipa::openapi::Response {
    utoipa::openapi::ResponseBuilder::new()
        .description(description)
        .build()
}

/// Every endpoint served for `origin` with what the document says of it, paths in full
/// (`/api/v1/campaigns/{id}`), as OpenAPI writes them.
fn documented(origin: Origin) -> Vec<(Method, String, Operation)> {
    let mut all: Vec<_> = routes(origin)
        .into_iter()
        .map(|r| (r.method, format!("/api/v1{}", r.path), r.doc))
        .collect();
    if origin == Origin::Tcp {
        all.push((Method::POST, WEBHOOK_PATH.to_string(), webhook_doc()));
    }
    all
}

/// The `(method, path)` of every endpoint served for `origin`, paths in full
/// (`/api/v1/campaigns/{id}`), as OpenAPI writes them.
pub fn endpoints(origin: Origin) -> Vec<(Method, String)> {
    documented(origin)
        .into_iter()
        .map(|(method, path, _)| (method, path))
        .collect()
}

/// Every route of the API, for `origin`.
pub fn router(state: ApiState, origin: Origin) -> Router {
    let mut api = Router::new();
    for Route { path, handler, .. } in routes(origin) {
        api = api.route(path, handler);
    }
    Router::new()
        .nest("/api/v1", api)
        // Outside `/api/v1`, where Prometheus looks; on TCP behind the same token.
        .route(METRICS_PATH, get(metrics::scrape))
        .fallback(not_found)
        .layer(axum::extract::DefaultBodyLimit::max(MAX_JSON_BODY))
        .with_state(state)
}

/// What `/health` answers: the engine is up, in this process, at this version.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
struct Health {
    #[schema(inline)]
    status: Up,
    pid: u32,
    version: &'static str,
    campaigns: usize,
    active_calls: usize,
}

/// `"ok"`: whoever answers is up.
#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
enum Up {
    Ok,
}

fn health_doc() -> Operation {
    Operation::new(Tag::Engine, "Is the engine up").answers::<Health>()
}

async fn health(
    axum::extract::State(state): axum::extract::State<ApiState>,
) -> envelope::Data<Health> {
    let snapshot = state.engine.snapshot().borrow().clone();
    envelope::Data(Health {
        status: Up::Ok,
        pid: std::process::id(),
        version: env!("CARGO_PKG_VERSION"),
        campaigns: snapshot.campaigns.len(),
        active_calls: snapshot.active_calls(),
    })
}

async fn not_found(uri: axum::http::Uri) -> envelope::ApiError {
    envelope::ApiError::not_found(format!(
        "no such endpoint: {}; the API lives under /api/v1 (see /api/v1/openapi.json)",
        uri.path()
    ))
}
