//! Recording a call: a LiveKit RoomComposite egress of the call's room, audio only, to
//! a file (LiveKit's path template) or an S3-style bucket, as `[recording]` in
//! config.toml says. The egress id and where the file goes are kept on the attempt.
//! The settings stay a plain description in `config`; `RecordingOutput::new` turns
//! their values into what LiveKit is asked for.
//!
//! The path template is filled in here, before the request, the way LiveKit's egress
//! would fill it (`{room_name}`, `{time}`, `{utc}`): egress answers a start with the job
//! still `EGRESS_STARTING` and no file result, so the path we asked for is the only
//! record of where the file goes, and it must be the real one, not the template.

use super::api_error::ApiFailure;
use super::livekit::LiveKitTelephony;
use super::types::TelephonyError;
use crate::secret::Secret;
use chrono::{DateTime, Utc};
use livekit_api::services::egress::{EgressOutput, RoomCompositeOptions};
use livekit_protocol as proto;
use std::fmt;

/// Where LiveKit writes recordings.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum RecordingOutput {
    /// LiveKit's `filepath` template on the egress worker, e.g.
    /// `recordings/{room_name}-{time}.ogg`.
    File { path_template: String },
    /// Uploaded by LiveKit to an S3-compatible bucket under the path template.
    S3 {
        path_template: String,
        upload: S3Upload,
    },
}

/// An S3-compatible bucket LiveKit uploads to; the settings are passed through as
/// they are.
#[derive(Clone, PartialEq, Eq)]
pub struct S3Upload {
    pub bucket: String,
    pub region: String,
    /// For S3-compatible stores (MinIO, R2, ...); empty for AWS.
    pub endpoint: String,
    pub access_key: String,
    pub secret: Secret,
    pub force_path_style: bool,
}

impl fmt::Debug for S3Upload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3Upload")
            .field("bucket", &self.bucket)
            .field("region", &self.region)
            .field("endpoint", &self.endpoint)
            .field("secret", &self.secret)
            .finish_non_exhaustive()
    }
}

impl RecordingOutput {
    /// What `[recording]` describes: files at `path_template` on LiveKit's egress
    /// worker, or, given a bucket, objects uploaded to it under that path.
    pub fn new(path_template: impl Into<String>, bucket: Option<S3Upload>) -> Self {
        let path_template = path_template.into();
        match bucket {
            None => RecordingOutput::File { path_template },
            Some(upload) => RecordingOutput::S3 {
                path_template,
                upload,
            },
        }
    }

    /// This output for one call's recording started at `at`: the path template with
    /// `{room_name}`, `{time}` and `{utc}` filled in as LiveKit's egress fills them
    /// (`{time}` is `2006-01-02T150405`, `{utc}` is `20060102150405` and milliseconds),
    /// in UTC. Other placeholders (`{room_id}`) are left for egress.
    pub fn for_call(&self, room: &str, at: DateTime<Utc>) -> RecordingOutput {
        let mut output = self.clone();
        let (RecordingOutput::File { path_template } | RecordingOutput::S3 { path_template, .. }) =
            &mut output;
        *path_template = fill_path_template(path_template, room, at);
        output
    }

    /// Where a recording to this output is written: the file's path, or the object's
    /// `s3://bucket/key`.
    pub fn location(&self) -> String {
        match self {
            RecordingOutput::File { path_template } => path_template.clone(),
            RecordingOutput::S3 {
                path_template,
                upload,
            } => format!("s3://{}/{path_template}", upload.bucket),
        }
    }

    fn file_output(&self) -> proto::EncodedFileOutput {
        let (path, upload) = match self {
            RecordingOutput::File { path_template } => (path_template.clone(), None),
            RecordingOutput::S3 {
                path_template,
                upload,
            } => (
                path_template.clone(),
                Some(proto::encoded_file_output::Output::S3(proto::S3Upload {
                    bucket: upload.bucket.clone(),
                    region: upload.region.clone(),
                    endpoint: upload.endpoint.clone(),
                    access_key: upload.access_key.clone(),
                    secret: upload.secret.expose().to_string(),
                    force_path_style: upload.force_path_style,
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

fn fill_path_template(template: &str, room: &str, at: DateTime<Utc>) -> String {
    let utc = format!(
        "{}{:03}",
        at.format("%Y%m%d%H%M%S"),
        at.timestamp_subsec_millis()
    );
    template
        .replace("{room_name}", room)
        .replace("{time}", &at.format("%Y-%m-%dT%H%M%S").to_string())
        .replace("{utc}", &utc)
}

/// Where egress says the file goes, when its answer says (a later version may), or else
/// where we asked it to go.
fn started_location(results: &[proto::FileInfo], output: &RecordingOutput) -> String {
    results
        .first()
        .map(|f| {
            if f.location.is_empty() {
                f.filename.clone()
            } else {
                f.location.clone()
            }
        })
        .filter(|l| !l.is_empty())
        .unwrap_or_else(|| output.location())
}

/// A started recording: LiveKit's egress id and where the file goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordingStarted {
    pub egress_id: String,
    pub location: String,
}

impl LiveKitTelephony {
    /// Starts an audio-only RoomComposite egress of `room` to `output`, whose path is
    /// already filled in for this call (`RecordingOutput::for_call`).
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
        let location = started_location(&info.file_results, output);
        Ok(RecordingStarted {
            egress_id: info.egress_id,
            location,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn files() -> RecordingOutput {
        RecordingOutput::new("recordings/{room_name}-{time}.ogg", None)
    }

    fn at() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 3, 4, 5, 6, 7).unwrap() + chrono::Duration::milliseconds(89)
    }

    #[test]
    fn the_path_is_filled_in_as_egress_would_fill_it() {
        let output = files().for_call("outbound-1-7-x", at());
        assert_eq!(
            output.location(),
            "recordings/outbound-1-7-x-2026-03-04T050607.ogg"
        );
        let output = RecordingOutput::File {
            path_template: "r/{utc}/{room_name}.ogg".into(),
        }
        .for_call("room", at());
        assert_eq!(output.location(), "r/20260304050607089/room.ogg");
    }

    #[test]
    fn an_object_is_located_in_its_bucket() {
        let upload = S3Upload {
            bucket: "rec".into(),
            region: String::new(),
            endpoint: String::new(),
            access_key: "AKIA".into(),
            secret: Secret::new("hunter2"),
            force_path_style: false,
        };
        let output = RecordingOutput::new("calls/{room_name}.ogg", Some(upload));
        assert!(!format!("{output:?}").contains("hunter2"));
        let output = output.for_call("room", at());
        assert_eq!(output.location(), "s3://rec/calls/room.ogg");
    }

    /// LiveKit answers a start with no file result yet: the location is the path asked
    /// for, filled in, never the template.
    #[test]
    fn without_a_file_result_the_location_is_the_filled_path() {
        let output = files().for_call("room", at());
        let location = started_location(&[], &output);
        assert_eq!(location, "recordings/room-2026-03-04T050607.ogg");
        assert!(!location.contains('{'));
        let reported = proto::FileInfo {
            location: "https://bucket/x.ogg".into(),
            ..Default::default()
        };
        assert_eq!(
            started_location(&[reported], &output),
            "https://bucket/x.ogg"
        );
    }
}
