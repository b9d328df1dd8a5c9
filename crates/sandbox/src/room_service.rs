//! `livekit.RoomService`: the methods the console uses, with livekit-server's grant checks.

use livekit_protocol as proto;

use super::auth::Grants;
use super::state::SandboxState;
use super::twirp::TwirpError;

pub fn list_participants(
    state: &SandboxState,
    grants: Grants,
    req: proto::ListParticipantsRequest,
) -> Result<proto::ListParticipantsResponse, TwirpError> {
    grants.room_admin(&req.room)?;
    // An unknown room is an empty list, not an error, on the real server too.
    Ok(proto::ListParticipantsResponse {
        participants: state.rooms.list_participants(&req.room),
    })
}

pub fn get_participant(
    state: &SandboxState,
    grants: Grants,
    req: proto::RoomParticipantIdentity,
) -> Result<proto::ParticipantInfo, TwirpError> {
    grants.room_admin(&req.room)?;
    state.rooms.get_participant(&req.room, &req.identity)
}

pub fn remove_participant(
    state: &std::sync::Arc<SandboxState>,
    grants: Grants,
    req: proto::RoomParticipantIdentity,
) -> Result<proto::RemoveParticipantResponse, TwirpError> {
    grants.room_admin(&req.room)?;
    state.rooms.remove_participant(&req.room, &req.identity)?;
    Ok(proto::RemoveParticipantResponse {})
}

pub fn delete_room(
    state: &SandboxState,
    grants: Grants,
    req: proto::DeleteRoomRequest,
) -> Result<proto::DeleteRoomResponse, TwirpError> {
    grants.room_create()?;
    state.rooms.delete_room(&req.room)?;
    Ok(proto::DeleteRoomResponse {})
}

pub fn list_rooms(
    state: &SandboxState,
    grants: Grants,
    req: proto::ListRoomsRequest,
) -> Result<proto::ListRoomsResponse, TwirpError> {
    grants.room_list()?;
    Ok(proto::ListRoomsResponse {
        rooms: state.rooms.list_rooms(&req.names),
    })
}

pub fn update_room_metadata(
    state: &SandboxState,
    grants: Grants,
    req: proto::UpdateRoomMetadataRequest,
) -> Result<proto::Room, TwirpError> {
    grants.room_admin(&req.room)?;
    state.rooms.update_metadata(&req.room, &req.metadata)
}
