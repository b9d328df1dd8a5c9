//! `GET /campaigns/{id}/export?format=csv|json|jsonl`: every attempt of the campaign,
//! exactly as `switchboard export` writes it, streamed as it is read (memory stays flat
//! however many attempts there are). The number of attempts comes first, in the
//! `X-Attempt-Count` header, counted in the same read as the rows.

use super::envelope::{ApiError, Param, QueryArgs};
use super::operation::{Operation, Tag};
use super::ApiState;
use crate::domain::CampaignId;
use crate::engine::EngineError;
use crate::export::{export_attempts_announced, ExportError, ExportFormat};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::Response;
use serde::Deserialize;
use std::io::{self, Write};
use tokio::sync::{mpsc, oneshot};
use utoipa::openapi::header::HeaderBuilder;
use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, Type};
use utoipa::openapi::{Content, ResponseBuilder};

/// The header that carries how many attempts the body holds.
pub const ATTEMPT_COUNT_HEADER: &str = "x-attempt-count";

/// Bytes sent to the connection at a time, and how many such chunks may wait for it.
const CHUNK: usize = 64 * 1024;
const CHUNKS_AHEAD: usize = 8;

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ExportQuery {
    #[param(inline, default = "csv")]
    pub format: Option<ExportFormat>,
}

pub fn export_doc() -> Operation {
    let of = |schema: ObjectBuilder| Content::new(Some(schema));
    let string = || ObjectBuilder::new().schema_type(Type::String);
    let count = HeaderBuilder::new()
        .schema(ObjectBuilder::new().schema_type(Type::Integer))
        .description(Some("Attempts in the body"))
        .build();
    let export = ResponseBuilder::new()
        .description("The export")
        .header("X-Attempt-Count", count)
        .content("text/csv", of(string()))
        .content("application/json", Content::new(Some(ArrayBuilder::new())))
        .content("application/x-ndjson", of(string()))
        .build();
    Operation::new(Tag::Calls, "Every attempt of the campaign, as `switchboard export` writes it")
        .describe("Streamed as it is read. The X-Attempt-Count header says how many attempts the body holds (counted in the same read as the rows). CSV has one column per lead variable; json is one array; jsonl one object per line.")
        .path_param::<i64>("id", "The campaign's id")
        .query::<ExportQuery>()
        .responds(200, export)
        .bad_input()
        .unknown("Unknown id")
        .busy()
}

pub async fn export(
    State(state): State<ApiState>,
    Param(id): Param<i64>,
    QueryArgs(query): QueryArgs<ExportQuery>,
) -> Result<Response, ApiError> {
    let format = query.format.unwrap_or_default();
    let campaign = CampaignId(id);
    let (chunks, body) = mpsc::channel::<io::Result<Bytes>>(CHUNKS_AHEAD);
    let (counted, count) = oneshot::channel();
    let reader = state.reader.clone();
    let writing = tokio::task::spawn_blocking(move || {
        let mut out = ChunkWriter {
            buffer: Vec::with_capacity(CHUNK),
            chunks: chunks.clone(),
        };
        let done = export_attempts_announced(&reader, campaign, format, &mut out, |n| {
            let _ = counted.send(n);
            Ok(())
        })
        .and_then(|n| out.flush().map(|_| n).map_err(ExportError::from));
        if let Err(err) = &done {
            // Past the header the status is sent: cut the body, so the client sees
            // an export that did not finish rather than a short one.
            let _ = chunks.blocking_send(Err(io::Error::other(err.to_string())));
        }
        done
    });
    let count = match count.await {
        Ok(n) => n,
        // It ended before counting: the reason is its error.
        Err(_) => {
            return Err(match writing.await {
                Ok(Err(ExportError::NoSuchCampaign(id))) => EngineError::NotFound {
                    what: format!("campaign {id}"),
                }
                .into(),
                Ok(Err(err)) => ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "export_failed",
                    err.to_string(),
                ),
                _ => ApiError::new(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "export_failed",
                    "the export stopped",
                ),
            })
        }
    };
    let content_type = match format {
        ExportFormat::Csv => "text/csv; charset=utf-8",
        ExportFormat::Json => "application/json",
        ExportFormat::Jsonl => "application/x-ndjson",
    };
    let stream = chunk_stream(body);
    Response::builder()
        .header(header::CONTENT_TYPE, content_type)
        .header(ATTEMPT_COUNT_HEADER, count)
        .body(axum::body::Body::from_stream(stream))
        .map_err(|e| {
            ApiError::new(
                StatusCode::INTERNAL_SERVER_ERROR,
                "export_failed",
                e.to_string(),
            )
        })
}

fn chunk_stream(
    mut rx: mpsc::Receiver<io::Result<Bytes>>,
) -> impl futures::Stream<Item = io::Result<Bytes>> {
    futures::stream::poll_fn(move |cx| rx.poll_recv(cx))
}

/// The export's output as chunks on a bounded channel: the blocking writer waits when
/// the connection is slow, and fails when the client went away (the export stops).
struct ChunkWriter {
    buffer: Vec<u8>,
    chunks: mpsc::Sender<io::Result<Bytes>>,
}

impl Write for ChunkWriter {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.buffer.extend_from_slice(bytes);
        if self.buffer.len() >= CHUNK {
            self.flush()?;
        }
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let chunk = Bytes::from(std::mem::replace(
            &mut self.buffer,
            Vec::with_capacity(CHUNK),
        ));
        self.chunks
            .blocking_send(Ok(chunk))
            .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "the client went away"))
    }
}
