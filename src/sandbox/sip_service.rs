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
    let items = state
        .config
        .trunks
        .iter()
        .filter(|t| req.trunk_ids.is_empty() || req.trunk_ids.contains(&t.sip_trunk_id))
        .filter(|t| req.numbers.is_empty() || t.numbers.iter().any(|n| req.numbers.contains(n)))
        .map(|t| proto::SipOutboundTrunkInfo {
            sip_trunk_id: t.sip_trunk_id.clone(),
            name: t.name.clone(),
            address: t.address.clone(),
            numbers: t.numbers.clone(),
            ..Default::default()
        })
        .collect();
    Ok(proto::ListSipOutboundTrunkResponse { items })
}
