//! The engine protocol over HTTP: commands, queries, the latest snapshot and the two
//! streams (snapshots, events) that consoles follow. A slow or stuck reader never slows
//! the engine: snapshots come from a `watch` (a reader only ever gets the newest), and
//! events from a bounded `broadcast` whose laggards are told to resync.

use super::envelope::{ApiError, Body, Data};
use super::operation::{text, Operation, Tag};
use super::ApiState;
use crate::engine::{Command, Reply, Snapshot};
use crate::service::protocol::{Answer, Query};
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures::stream::{self, Stream};
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;
use utoipa::openapi::schema::{ObjectBuilder, SchemaType};

pub fn command_doc() -> Operation {
    Operation::new(
        Tag::Engine,
        "Send the engine a command (the engine protocol)",
    )
    .body_described("An engine Command, serialised")
    .answers::<Reply>()
    .bad_input()
    .unknown("Unknown id")
    .refused()
    .busy()
}

pub async fn command(
    State(state): State<ApiState>,
    Body(command): Body<Command>,
) -> Result<Data<Reply>, ApiError> {
    if matches!(command, Command::Shutdown { .. }) {
        return Err(ApiError::bad_request(
            "shutdown is not a client's to ask: stop the process that runs the engine (SIGTERM), or `systemctl stop switchboard`",
        ));
    }
    Ok(Data(state.engine.send(command).await?))
}

pub fn query_doc() -> Operation {
    Operation::new(Tag::Engine, "Ask the engine a query (the engine protocol)")
        .body_described("A Query: campaign, queuePage, timelinePage, leadHistory, status")
        .answers_any(any("The engine's Answer, serialised"))
        .bad_input()
        .unknown("Unknown id")
        .busy()
}

/// A schema that is anything, with what it is in words.
fn any(description: &str) -> ObjectBuilder {
    ObjectBuilder::new()
        .schema_type(SchemaType::AnyValue)
        .description(Some(description))
}

pub async fn query(
    State(state): State<ApiState>,
    Body(query): Body<Query>,
) -> Result<Data<Answer>, ApiError> {
    Ok(Data(state.engine.query(query).await?))
}

pub fn snapshot_doc() -> Operation {
    Operation::new(Tag::Engine, "The engine's latest snapshot")
        .answers_any(ObjectBuilder::new().description(Some("The engine's Snapshot, serialised")))
}

pub async fn snapshot(State(state): State<ApiState>) -> Data<Arc<Snapshot>> {
    Data(state.engine.snapshot().borrow().clone())
}

/// Server-sent events, one `snapshot` each time the engine publishes (at most every
/// snapshot interval); the first is the current one.
/// How often a follower gets a snapshot at most: the console's default frame, so a
/// snapshot it would never draw is never sent. A client may ask for another pace.
const SNAPSHOT_PACE_MS: u64 = 250;

#[derive(Debug, serde::Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Pace {
    /// Milliseconds between two snapshots at least (50 to 10,000; default 250, the console's frame). Snapshots published meanwhile are skipped: a follower always gets the newest.
    #[param(minimum = 50, maximum = 10000)]
    every_ms: Option<u64>,
}

pub fn snapshots_doc() -> Operation {
    Operation::new(Tag::Engine, "The engine's snapshots as server-sent events, the current one first, then the newest at most every `everyMs`")
        .query::<Pace>()
        .responds(200, text("Server-sent events", "text/event-stream"))
}

pub async fn snapshots(
    State(state): State<ApiState>,
    axum::extract::Query(pace): axum::extract::Query<Pace>,
) -> axum::response::Response {
    let pace = Duration::from_millis(pace.every_ms.unwrap_or(SNAPSHOT_PACE_MS).clamp(50, 10_000));
    let rx = state.engine.snapshot();
    let encoded = state.encoded.clone();
    let stream = stream::unfold((rx, None), move |(mut rx, sent_at)| {
        let encoded = encoded.clone();
        async move {
            if let Some(sent_at) = sent_at {
                // Snapshots published meanwhile are skipped; the newest is sent.
                tokio::time::sleep_until(sent_at + pace).await;
                // A comment line now and then keeps proxies from closing a quiet stream.
                match tokio::time::timeout(Duration::from_secs(15), rx.changed()).await {
                    Ok(Err(_)) => return None,
                    Err(_) => {
                        let keep_alive = bytes::Bytes::from_static(b":\n\n");
                        return Some((Ok(keep_alive), (rx, Some(tokio::time::Instant::now()))));
                    }
                    Ok(Ok(())) => {}
                }
            }
            let snapshot = rx.borrow_and_update().clone();
            let event = encoded.event(&snapshot);
            Some((
                Ok::<_, Infallible>(event),
                (rx, Some(tokio::time::Instant::now())),
            ))
        }
    });
    axum::response::Response::builder()
        .header(axum::http::header::CONTENT_TYPE, "text/event-stream")
        .header(axum::http::header::CACHE_CONTROL, "no-cache")
        .body(axum::body::Body::from_stream(stream))
        .unwrap_or_default()
}

pub fn events_doc() -> Operation {
    Operation::new(Tag::Engine, "Every engine event as it happens")
        .describe("One `engine` event per engine event (JSON: at, campaign, attempt, lead, leadLabel, kind, detail). A client that falls behind the engine's buffer gets a `resync` event with how many it missed and goes on from the newest.")
        .responds(200, text("Server-sent events", "text/event-stream"))
}

/// Server-sent events, one per engine event. A client that falls more than the
/// engine's buffer behind gets `resync` (with how many it missed) and goes on from
/// the newest: it should re-read the snapshot.
pub async fn events(
    State(state): State<ApiState>,
) -> Sse<impl Stream<Item = Result<Event, Infallible>>> {
    let rx = state.engine.subscribe();
    let stream = stream::unfold(rx, |mut rx| async move {
        let event = match rx.recv().await {
            Ok(event) => Event::default()
                .event("engine")
                .json_data(&event)
                .unwrap_or_else(|_| Event::default().event("error")),
            Err(RecvError::Lagged(missed)) => {
                Event::default().event("resync").data(missed.to_string())
            }
            Err(RecvError::Closed) => return None,
        };
        Some((Ok(event), rx))
    });
    Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)))
}
