//! `GET /metrics`: the engine's Prometheus metrics (`crate::metrics`). The gauges come
//! from the latest snapshot and each caller ID's health, read now.

use super::ApiState;
use axum::extract::State;
use axum::http::header;
use axum::response::IntoResponse;

pub async fn scrape(State(state): State<ApiState>) -> impl IntoResponse {
    let snapshot = state.engine.snapshot().borrow().clone();
    let caller_ids = match state
        .reader
        .read(crate::metrics::caller_ids::caller_id_rates)
        .await
    {
        Ok(rates) => rates,
        Err(err) => {
            // The rest of the page still says what the engine knows.
            tracing::warn!(%err, "reading the caller IDs' answer rates for /metrics");
            Vec::new()
        }
    };
    let text = state.metrics.render(snapshot, caller_ids);
    ([(header::CONTENT_TYPE, crate::metrics::CONTENT_TYPE)], text)
}
