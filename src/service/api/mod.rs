//! The engine's HTTP API (JSON under `/api/v1`, server-sent events): the engine protocol
//! for every client outside the engine's process. The same router is served on the
//! local socket (where the console and the CLI attach) and, with a token, on TCP.

mod auth;
mod campaigns;
mod engine;
pub mod envelope;
mod imports;

pub use auth::require_token;

use crate::engine::EngineHandle;
use crate::store::Store;
use axum::routing::{get, post};
use axum::Router;

/// What every handler reaches.
#[derive(Clone)]
pub struct ApiState {
    pub engine: EngineHandle,
    pub store: Store,
}

/// JSON bodies above this are refused (413) before they are read; CSV uploads have
/// their own, larger bound.
pub const MAX_JSON_BODY: usize = 1024 * 1024;

/// Where a request came in: the local socket may name files on this machine (an
/// import by path); TCP may not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    LocalSocket,
    Tcp,
}

/// Every route of the API, for `origin`.
pub fn router(state: ApiState, origin: Origin) -> Router {
    let mut api = Router::new()
        .route("/health", get(health))
        .route("/engine/commands", post(engine::command))
        .route("/engine/queries", post(engine::query))
        .route("/engine/snapshot", get(engine::snapshot))
        .route("/engine/snapshots", get(engine::snapshots))
        .route("/events", get(engine::events))
        .route("/campaigns", get(campaigns::list))
        .route("/campaigns/{id}", get(campaigns::get_one))
        .route("/campaigns/{id}/start", post(campaigns::start))
        .route("/campaigns/{id}/pause", post(campaigns::pause))
        .route("/campaigns/{id}/resume", post(campaigns::resume))
        .route("/campaigns/{id}/stop", post(campaigns::stop));
    if origin == Origin::LocalSocket {
        api = api.route("/engine/imports", post(imports::import_file));
    }
    Router::new()
        .nest("/api/v1", api)
        .fallback(not_found)
        .layer(axum::extract::DefaultBodyLimit::max(MAX_JSON_BODY))
        .with_state(state)
}

async fn health(
    axum::extract::State(state): axum::extract::State<ApiState>,
) -> envelope::Data<serde_json::Value> {
    let snapshot = state.engine.snapshot().borrow().clone();
    envelope::Data(serde_json::json!({
        "status": "ok",
        "pid": std::process::id(),
        "version": env!("CARGO_PKG_VERSION"),
        "campaigns": snapshot.campaigns.len(),
        "activeCalls": snapshot.active_calls(),
    }))
}

async fn not_found(uri: axum::http::Uri) -> envelope::ApiError {
    envelope::ApiError::not_found(format!(
        "no such endpoint: {}; the API lives under /api/v1 (see docs/openapi.json)",
        uri.path()
    ))
}
