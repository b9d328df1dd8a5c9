//! `livekit.Egress`: `StartRoomCompositeEgress`, as the egress service answers it when
//! it accepts the job. The sandbox records nothing; it reports where the file would go
//! (the path template filled in, or the bucket's URL), and can be told to fail.

use std::sync::atomic::Ordering;

use livekit_protocol as proto;

use super::auth::Grants;
use super::ids::{new_id, unix_millis};
use super::state::SandboxState;
use super::twirp::{TwirpCode, TwirpError};

pub fn start_room_composite_egress(
    state: &SandboxState,
    grants: Grants,
    req: proto::RoomCompositeEgressRequest,
) -> Result<proto::EgressInfo, TwirpError> {
    grants.room_record()?;
    if state.egress_fails.load(Ordering::Relaxed) {
        return Err(TwirpError::new(
            TwirpCode::Unavailable,
            "no response from egress service",
        ));
    }
    if req.room_name.is_empty() {
        return Err(TwirpError::invalid_argument("room name is required"));
    }
    if state
        .rooms
        .list_rooms(std::slice::from_ref(&req.room_name))
        .is_empty()
    {
        return Err(TwirpError::not_found("requested room does not exist"));
    }
    let file = req
        .file_outputs
        .first()
        .ok_or_else(|| TwirpError::invalid_argument("no outputs specified"))?;
    let now_ms = unix_millis();
    let filename = file
        .filepath
        .replace("{room_name}", &req.room_name)
        .replace("{time}", &now_ms.to_string());
    let location = match &file.output {
        Some(proto::encoded_file_output::Output::S3(s3)) => {
            format!("s3://{}/{}", s3.bucket, filename)
        }
        _ => filename.clone(),
    };
    let egress_id = new_id("EG_");
    state.stats.egress_started(&req.room_name, req.audio_only);
    Ok(proto::EgressInfo {
        egress_id,
        room_name: req.room_name.clone(),
        status: proto::EgressStatus::EgressStarting as i32,
        updated_at: now_ms * 1_000_000,
        file_results: vec![proto::FileInfo {
            filename,
            location,
            ..Default::default()
        }],
        ..Default::default()
    })
}
