//! `livekit.SIP`: placing calls and listing outbound trunks.

use std::sync::Arc;

use livekit_protocol as proto;

use super::auth::Grants;
use super::call;
use super::state::SandboxState;
use super::twirp::TwirpError;

pub async fn create_sip_participant(
    state: &Arc<SandboxState>,
    grants: Grants<'_>,
    req: proto::CreateSipParticipantRequest,
) -> Result<proto::SipParticipantInfo, TwirpError> {
    grants.sip_call()?;
    call::create_sip_participant(state, req).await
}

pub fn list_sip_outbound_trunk(
    state: &SandboxState,
    grants: Grants,
    req: proto::ListSipOutboundTrunkRequest,
) -> Result<proto::ListSipOutboundTrunkResponse, TwirpError> {
    grants.sip_admin()?;
    let items = state.trunks.list(&req).iter().map(|t| t.info()).collect();
    Ok(proto::ListSipOutboundTrunkResponse { items })
}

pub fn create_sip_outbound_trunk(
    state: &SandboxState,
    grants: Grants,
    req: proto::CreateSipOutboundTrunkRequest,
) -> Result<proto::SipOutboundTrunkInfo, TwirpError> {
    grants.sip_admin()?;
    let info = req
        .trunk
        .ok_or_else(|| TwirpError::invalid_argument("missing trunk"))?;
    Ok(state.trunks.create(info)?.info())
}

/// Deletes a trunk; LiveKit answers with the deleted trunk as the old `SIPTrunkInfo`.
pub fn delete_sip_trunk(
    state: &SandboxState,
    grants: Grants,
    req: proto::DeleteSipTrunkRequest,
) -> Result<proto::SipTrunkInfo, TwirpError> {
    grants.sip_admin()?;
    let trunk = state.trunks.delete(&req.sip_trunk_id)?;
    Ok(proto::SipTrunkInfo {
        sip_trunk_id: trunk.sip_trunk_id,
        name: trunk.name,
        outbound_address: trunk.address,
        outbound_number: trunk.numbers.first().cloned().unwrap_or_default(),
        ..Default::default()
    })
}
