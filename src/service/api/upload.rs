//! `POST /campaigns/{id}/leads/upload`: a CSV file as the request body, imported as
//! `leads import` imports a file. The body is streamed into the importer (a blocking
//! reader fed over a bounded channel), so a large upload never sits in memory; a body
//! cut off before its end (the client vanished) or over the bound imports nothing.

use super::envelope::{optional_field, ApiError, Data, Param, QueryArgs};
use super::leads::{run_import, LeadOptions};
use super::operation::{Operation, Tag};
use super::ApiState;
use crate::domain::CampaignId;
use crate::import::{ImportOptions, ImportReport};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use futures::StreamExt;
use serde::Deserialize;
use std::io::{self, Read};
use tokio::sync::mpsc;
use utoipa::openapi::schema::{ObjectBuilder, Type};

/// The largest CSV body accepted.
pub const MAX_UPLOAD: u64 = 512 * 1024 * 1024;
/// Chunks in flight between the connection and the importer.
const CHUNKS_AHEAD: usize = 8;

#[derive(Debug, Default, Deserialize, utoipa::IntoParams)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct UploadOptions {
    /// Region of numbers written without +; US when absent
    #[param(example = "US")]
    pub region: Option<String>,
    /// Header of the phone column, when not one of the usual names
    pub phone_column: Option<String>,
    /// Headers of the lead's other numbers, comma-separated; phone2, alt_phone, work_phone, mobile, ... beside the phone column when absent
    pub alt_phone_columns: Option<String>,
    /// , ; tab |; guessed when absent
    pub delimiter: Option<String>,
    /// Fields may hold line breaks. Without it only when the file's first rows show such fields; otherwise each line is one row and a quote that does not close on its own line rejects that row and the row it closes on
    #[serde(default)]
    pub multiline_fields: bool,
}

pub fn upload_doc() -> Operation {
    Operation::new(Tag::Leads, "Upload a CSV file of leads (up to 512 MiB)")
        .describe("Imported as `switchboard leads import` imports a file, all or nothing; rejected rows are reported by line. An upload cut off before its end imports nothing.")
        .path_param::<i64>("id", "The campaign's id")
        .query::<UploadOptions>()
        .body_of("text/csv", ObjectBuilder::new().schema_type(Type::String))
        .answers::<ImportReport>()
        .bad_input()
        .unknown("Unknown id")
        .too_large()
        .busy()
}

pub async fn upload(
    State(state): State<ApiState>,
    Param(id): Param<i64>,
    QueryArgs(query): QueryArgs<UploadOptions>,
    headers: axum::http::HeaderMap,
    body: axum::body::Body,
) -> Result<Data<ImportReport>, ApiError> {
    // The size tells the importer a big file is coming (it then imports in bulk, as
    // `leads import` does with a file); a lying length only makes a guess wrong.
    let size = headers
        .get(axum::http::header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    let region = LeadOptions {
        region: query.region,
    }
    .region()?;
    let delimiter = optional_field(
        "delimiter",
        query.delimiter.as_deref(),
        crate::import::parse_delimiter,
    )?;
    let options = ImportOptions {
        region,
        phone_column: query.phone_column,
        alt_phone_columns: query
            .alt_phone_columns
            .iter()
            .flat_map(|list| list.split(','))
            .map(str::trim)
            .filter(|h| !h.is_empty())
            .map(str::to_owned)
            .collect(),
        delimiter,
        multiline_fields: query.multiline_fields,
        ..Default::default()
    };
    let (chunks, reader) = channel_reader();
    let feeding = feed(body, chunks);
    let (fed, report) = tokio::join!(
        feeding,
        run_import(&state, CampaignId(id), reader, size, options)
    );
    // Too large is the client's problem to fix, whatever the importer made of the cut.
    fed?;
    report.map(Data)
}

/// Sends the body to the importer, then `End`. Stops early when the importer stopped
/// reading (it failed, and says why).
async fn feed(body: axum::body::Body, chunks: mpsc::Sender<Chunk>) -> Result<(), ApiError> {
    let mut stream = body.into_data_stream();
    let mut total = 0u64;
    while let Some(next) = stream.next().await {
        let chunk = match next {
            Ok(bytes) => {
                total += bytes.len() as u64;
                if total > MAX_UPLOAD {
                    let _ = chunks
                        .send(Chunk::Failed("the upload is too large".into()))
                        .await;
                    return Err(ApiError::new(
                        StatusCode::PAYLOAD_TOO_LARGE,
                        "body_too_large",
                        format!(
                            "the upload is larger than {} MiB, the limit; split the file",
                            MAX_UPLOAD / 1024 / 1024
                        ),
                    ));
                }
                Chunk::Data(bytes)
            }
            Err(e) => Chunk::Failed(format!("the upload broke off: {e}")),
        };
        let failed = matches!(chunk, Chunk::Failed(_));
        if chunks.send(chunk).await.is_err() || failed {
            return Ok(());
        }
    }
    let _ = chunks.send(Chunk::End).await;
    Ok(())
}

enum Chunk {
    Data(Bytes),
    End,
    Failed(String),
}

fn channel_reader() -> (mpsc::Sender<Chunk>, ChannelReader) {
    let (tx, rx) = mpsc::channel(CHUNKS_AHEAD);
    (
        tx,
        ChannelReader {
            rx,
            current: Bytes::new(),
            ended: false,
        },
    )
}

/// The body as a blocking `Read`. Only `End` ends it: a sender gone without it means
/// the request was cut off, which is an error, so the import rolls back.
struct ChannelReader {
    rx: mpsc::Receiver<Chunk>,
    current: Bytes,
    ended: bool,
}

impl Read for ChannelReader {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        loop {
            if !self.current.is_empty() {
                let n = buf.len().min(self.current.len());
                buf[..n].copy_from_slice(&self.current.split_to(n));
                return Ok(n);
            }
            if self.ended {
                return Ok(0);
            }
            match self.rx.blocking_recv() {
                Some(Chunk::Data(bytes)) => self.current = bytes,
                Some(Chunk::End) => self.ended = true,
                Some(Chunk::Failed(why)) => return Err(io::Error::other(why)),
                None => {
                    return Err(io::Error::other(
                        "the upload was cut off before its end; nothing was imported",
                    ))
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_without_its_end_is_an_error_not_a_short_file() {
        let (tx, mut reader) = channel_reader();
        tx.blocking_send(Chunk::Data(Bytes::from_static(b"phone\n+1212")))
            .unwrap();
        drop(tx);
        let mut text = Vec::new();
        let err = reader.read_to_end(&mut text).unwrap_err();
        assert_eq!(text, b"phone\n+1212");
        assert!(err.to_string().contains("cut off"), "{err}");

        let (tx, mut reader) = channel_reader();
        tx.blocking_send(Chunk::Data(Bytes::from_static(b"phone\n")))
            .unwrap();
        tx.blocking_send(Chunk::End).unwrap();
        let mut text = Vec::new();
        reader.read_to_end(&mut text).unwrap();
        assert_eq!(text, b"phone\n");
    }
}
