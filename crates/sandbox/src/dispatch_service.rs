//! `livekit.AgentDispatchService`: every method needs roomAdmin for the request's room.

use std::sync::Arc;

use livekit_protocol as proto;

use super::agent;
use super::auth::Grants;
use super::state::SandboxState;
use super::twirp::TwirpError;

pub fn create_dispatch(
    state: &Arc<SandboxState>,
    grants: Grants,
    req: proto::CreateAgentDispatchRequest,
) -> Result<proto::AgentDispatch, TwirpError> {
    grants.room_admin(&req.room)?;
    agent::create_dispatch(state, req)
}

pub fn list_dispatch(
    state: &SandboxState,
    grants: Grants,
    req: proto::ListAgentDispatchRequest,
) -> Result<proto::ListAgentDispatchResponse, TwirpError> {
    grants.room_admin(&req.room)?;
    Ok(proto::ListAgentDispatchResponse {
        agent_dispatches: state.rooms.list_dispatches(&req.room, &req.dispatch_id),
    })
}

pub fn delete_dispatch(
    state: &SandboxState,
    grants: Grants,
    req: proto::DeleteAgentDispatchRequest,
) -> Result<proto::AgentDispatch, TwirpError> {
    grants.room_admin(&req.room)?;
    state.rooms.delete_dispatch(&req.room, &req.dispatch_id)
}
