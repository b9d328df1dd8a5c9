//! Recording a call: a LiveKit RoomComposite egress of the call's room, audio only, to
//! a file (LiveKit's path template) or an S3-style bucket, as `[recording]` in
//! config.toml says. The egress id and where the file goes are kept on the attempt.

use super::api_error::ApiFailure;
use super::livekit::LiveKitTelephony;
use super::types::TelephonyError;
use crate::config::Secret;
use livekit_api::services::egress::{EgressOutput, RoomCompositeOptions};
use livekit_protocol as proto;
use std::fmt;

/// Where LiveKit writes recordings.
#[derive(Clone, PartialEq, Eq)]
pub enum RecordingOutput {
    /// LiveKit's `filepath` template on the egress worker, e.g.
    /// `recordings/{room_name}-{time}.ogg`.
    File { path_template: String },
    /// Uploaded by LiveKit to an S3-compatible bucket; the settings are passed through.
    S3 {
        path_template: String,
        bucket: String,
        region: String,
        endpoint: String,
        access_key: String,
        secret: Secret,
        force_path_style: bool,
    },
}

impl Default for RecordingOutput {
    fn default() -> Self {
        RecordingOutput::File {
            path_template: DEFAULT_PATH_TEMPLATE.into(),
        }
    }
}

/// One file per call, named by its room (which carries campaign and attempt).
pub const DEFAULT_PATH_TEMPLATE: &str = "recordings/{room_name}-{time}.ogg";

impl fmt::Debug for RecordingOutput {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RecordingOutput::File { path_template } => f
                .debug_struct("File")
                .field("path_template", path_template)
                .finish(),
            RecordingOutput::S3 {
                path_template,
                bucket,
                region,
                endpoint,
                ..
            } => f
                .debug_struct("S3")
                .field("path_template", path_template)
                .field("bucket", bucket)
                .field("region", region)
                .field("endpoint", endpoint)
                .field("secret", &"***")
                .finish_non_exhaustive(),
        }
    }
}

impl RecordingOutput {
    fn file_output(&self) -> proto::EncodedFileOutput {
        let (path, upload) = match self {
            RecordingOutput::File { path_template } => (path_template.clone(), None),
            RecordingOutput::S3 {
                path_template,
                bucket,
                region,
                endpoint,
                access_key,
                secret,
                force_path_style,
            } => (
                path_template.clone(),
                Some(proto::encoded_file_output::Output::S3(proto::S3Upload {
                    bucket: bucket.clone(),
                    region: region.clone(),
                    endpoint: endpoint.clone(),
                    access_key: access_key.clone(),
                    secret: secret.expose().to_string(),
                    force_path_style: *force_path_style,
                    ..Default::default()
                })),
            ),
        };
        proto::EncodedFileOutput {
            file_type: proto::EncodedFileType::Ogg as i32,
            filepath: path,
            output: upload,
            ..Default::default()
        }
    }
}

/// A started recording: LiveKit's egress id and where the file goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordingStarted {
    pub egress_id: String,
    pub location: String,
}

impl LiveKitTelephony {
    /// Starts an audio-only RoomComposite egress of `room`.
    pub async fn record_room(
        &self,
        room: &str,
        output: &RecordingOutput,
    ) -> Result<RecordingStarted, TelephonyError> {
        let options = RoomCompositeOptions {
            audio_only: true,
            ..Default::default()
        };
        let info = self
            .api()
            .egress()
            .start_room_composite_egress(
                room,
                vec![EgressOutput::File(output.file_output())],
                options,
            )
            .await
            .map_err(|e| ApiFailure::from_service_error(&e).into_telephony_error())?;
        let location = info
            .file_results
            .first()
            .map(|f| {
                if f.location.is_empty() {
                    f.filename.clone()
                } else {
                    f.location.clone()
                }
            })
            .filter(|l| !l.is_empty())
            .unwrap_or_else(|| output.file_output().filepath);
        Ok(RecordingStarted {
            egress_id: info.egress_id,
            location,
        })
    }
}
