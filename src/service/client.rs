//! A client of a running engine over its local socket: the console when its engine is
//! in another process, and every CLI command while an engine runs. It speaks the same
//! protocol as the HTTP API (it *is* the HTTP API, over a Unix socket).

use super::protocol::{Answer, Query};
use crate::engine::{Command, EngineError, EngineEvent, Reply, Snapshot};
use eventsource_stream::Eventsource;
use futures::{Stream, StreamExt};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// Host part of every URL; the socket decides where requests really go.
const BASE: &str = "http://engine/api/v1";

#[derive(Clone)]
pub struct EngineClient {
    http: reqwest::Client,
    socket: PathBuf,
}

impl std::fmt::Debug for EngineClient {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EngineClient")
            .field("socket", &self.socket)
            .finish()
    }
}

/// How the engine should read a file it imports.
#[derive(Debug, Clone, Default)]
pub struct ImportFileOptions {
    pub region: String,
    pub phone_column: Option<String>,
    pub alt_phone_columns: Vec<String>,
    pub delimiter: Option<String>,
    /// Where the engine writes the rejected rows.
    pub rejects: Option<PathBuf>,
    /// Fields may hold line breaks (`--multiline-fields`).
    pub multiline_fields: bool,
}

/// The envelope, as received.
#[derive(serde::Deserialize)]
struct Envelope<T> {
    success: bool,
    data: Option<T>,
    error: Option<WireError>,
}

#[derive(serde::Deserialize)]
struct WireError {
    message: String,
    detail: Option<EngineError>,
}

impl EngineClient {
    /// A client of the engine on `socket`, once it answers its health check.
    pub async fn connect(socket: &Path) -> Result<EngineClient, EngineError> {
        // Plain HTTP over the socket, but reqwest cannot be built without a TLS set-up.
        let tls = crate::http_tls::client_config()
            .map_err(|e| EngineError::Refused(format!("cannot build the engine client: {e}")))?;
        let http = reqwest::Client::builder()
            .unix_socket(socket)
            .tls_backend_preconfigured(tls)
            .connect_timeout(Duration::from_secs(2))
            .build()
            .map_err(|e| EngineError::Refused(format!("cannot build the engine client: {e}")))?;
        let client = EngineClient {
            http,
            socket: socket.to_path_buf(),
        };
        client
            .get::<serde_json::Value>("/health")
            .await
            .map_err(|_| EngineError::Stopped)?;
        Ok(client)
    }

    pub fn socket(&self) -> &Path {
        &self.socket
    }

    pub async fn command(&self, command: Command) -> Result<Reply, EngineError> {
        self.post("/engine/commands", &command).await
    }

    pub async fn query(&self, query: Query) -> Result<Answer, EngineError> {
        self.post("/engine/queries", &query).await
    }

    pub async fn snapshot(&self) -> Result<Snapshot, EngineError> {
        self.get("/engine/snapshot").await
    }

    /// Imports the CSV file at `path` (on this machine) into `campaign`, in the engine.
    pub async fn import_file(
        &self,
        campaign: crate::domain::CampaignId,
        path: &Path,
        options: &ImportFileOptions,
    ) -> Result<crate::import::ImportReport, EngineError> {
        let body = serde_json::json!({
            "campaign": campaign,
            "path": path,
            "region": options.region,
            "phoneColumn": options.phone_column,
            "altPhoneColumns": options.alt_phone_columns,
            "delimiter": options.delimiter,
            "rejects": options.rejects,
            "multilineFields": options.multiline_fields,
        });
        self.post("/engine/imports", &body).await
    }

    /// Every attempt of `campaign` in `format`, written to `out` as it arrives, exactly
    /// as `switchboard export` writes it; returns how many attempts.
    pub async fn export(
        &self,
        campaign: crate::domain::CampaignId,
        format: crate::export::ExportFormat,
        out: &mut dyn std::io::Write,
    ) -> Result<u64, EngineError> {
        let format = serde_json::to_value(format)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        let response = self
            .http
            .get(format!("{BASE}/campaigns/{}/export", campaign.0))
            .query(&[("format", format)])
            .send()
            .await
            .map_err(|_| EngineError::Stopped)?;
        if !response.status().is_success() {
            return open::<serde_json::Value>(response).await.and_then(|_| {
                Err(EngineError::Refused(
                    "the engine refused the export without saying why".into(),
                ))
            });
        }
        let count = response
            .headers()
            .get(super::api::export::ATTEMPT_COUNT_HEADER)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse::<u64>().ok())
            .ok_or_else(|| EngineError::Refused("the export came without its count".into()))?;
        let mut body = response.bytes_stream();
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(|e| {
                EngineError::Refused(format!("the export broke off before its end: {e}"))
            })?;
            out.write_all(&chunk)
                .map_err(|e| EngineError::Refused(format!("writing the export failed: {e}")))?;
        }
        Ok(count)
    }

    /// The campaign report as the HTML page `switchboard report` writes (`src/report`).
    pub async fn report_html(
        &self,
        campaign: crate::domain::CampaignId,
    ) -> Result<String, EngineError> {
        let response = self
            .http
            .get(format!("{BASE}/campaigns/{}/report", campaign.0))
            .send()
            .await
            .map_err(|_| EngineError::Stopped)?;
        if !response.status().is_success() {
            return open::<serde_json::Value>(response).await.and_then(|_| {
                Err(EngineError::Refused(
                    "the engine refused the report without saying why".into(),
                ))
            });
        }
        response
            .text()
            .await
            .map_err(|e| EngineError::Refused(format!("the report broke off before its end: {e}")))
    }

    /// Every snapshot the engine publishes, the current one first. Ends when the
    /// engine goes away.
    pub async fn snapshots(
        &self,
    ) -> Result<impl Stream<Item = Snapshot> + Send + 'static, EngineError> {
        self.stream("/engine/snapshots", "snapshot").await
    }

    /// Every engine event from now on. A `resync` (this client fell behind) ends the
    /// stream's item with nothing: re-read the snapshot.
    pub async fn events(
        &self,
    ) -> Result<impl Stream<Item = EngineEvent> + Send + 'static, EngineError> {
        self.stream("/events", "engine").await
    }

    async fn stream<T: DeserializeOwned + Send + 'static>(
        &self,
        path: &str,
        kind: &'static str,
    ) -> Result<impl Stream<Item = T> + Send + 'static, EngineError> {
        let response = self
            .http
            .get(format!("{BASE}{path}"))
            .send()
            .await
            .map_err(|_| EngineError::Stopped)?;
        Ok(response
            .bytes_stream()
            .eventsource()
            .take_while(|item| std::future::ready(item.is_ok()))
            .filter_map(move |item| {
                let parsed = item
                    .ok()
                    .filter(|event| event.event == kind)
                    .and_then(|event| serde_json::from_str(&event.data).ok());
                std::future::ready(parsed)
            }))
    }

    async fn get<T: DeserializeOwned>(&self, path: &str) -> Result<T, EngineError> {
        let response = self
            .http
            .get(format!("{BASE}{path}"))
            .send()
            .await
            .map_err(|_| EngineError::Stopped)?;
        open(response).await
    }

    async fn post<B: Serialize, T: DeserializeOwned>(
        &self,
        path: &str,
        body: &B,
    ) -> Result<T, EngineError> {
        let response = self
            .http
            .post(format!("{BASE}{path}"))
            .json(body)
            .send()
            .await
            .map_err(|_| EngineError::Stopped)?;
        open(response).await
    }
}

async fn open<T: DeserializeOwned>(response: reqwest::Response) -> Result<T, EngineError> {
    let status = response.status();
    let envelope: Envelope<T> = response.json().await.map_err(|e| {
        EngineError::Refused(format!(
            "the engine answered {status} with an unreadable body: {e}"
        ))
    })?;
    match (envelope.success, envelope.data, envelope.error) {
        (true, Some(data), _) => Ok(data),
        (
            _,
            _,
            Some(WireError {
                detail: Some(err), ..
            }),
        ) => Err(err),
        (_, _, Some(WireError { message, .. })) => Err(EngineError::Refused(message)),
        _ => Err(EngineError::Refused(format!(
            "the engine answered {status} without data"
        ))),
    }
}
