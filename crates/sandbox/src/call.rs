//! One outbound call from `CreateSIPParticipant` to hangup, in its own tokio task:
//! the SIP participant joins its room `dialing` (ACTIVE in the room, `participant_joined`
//! sent, as livekit/sip connects it before the INVITE), moves to `ringing`, then is
//! answered (`active`, an attribute change no webhook reports), talks and hangs up
//! (`hangup`, CLIENT_INITIATED), or fails and leaves with the disconnect reason LiveKit
//! gives that failure. A call the trunk drops mid-call leaves still `active`, with
//! CLIENT_INITIATED (livekit/sip participant.go: the UNKNOWN reason becomes that).

use std::collections::HashMap;
use std::sync::Arc;

use livekit_protocol as proto;
use proto::participant_info::{Kind, State};
use proto::DisconnectReason;
use tokio::sync::oneshot;
use tokio::time::{sleep_until, Instant};
use tokio_util::sync::CancellationToken;

use super::agent;
use super::config::TrunkLimitError;
use super::ids::{new_id, unix_millis};
use super::network::CallPlan;
use super::outcome::Outcome;
use super::rooms::CallPhase;
use super::state::SandboxState;
use super::twirp::{TwirpCode, TwirpError};

/// `sip.callStatus` values LiveKit's SIP service sets on an outbound participant.
pub mod call_status {
    pub const ATTRIBUTE: &str = "sip.callStatus";
    pub const DIALING: &str = "dialing";
    pub const RINGING: &str = "ringing";
    pub const ACTIVE: &str = "active";
    pub const HANGUP: &str = "hangup";
    /// Answered, while the request's DTMF digits are being sent.
    pub const AUTOMATION: &str = "automation";
}

/// Simulated seconds to send one DTMF digit (tone plus pause).
const DTMF_SECS_PER_DIGIT: f64 = 0.25;

/// Simulated seconds a hung-up participant stays in the room with `sip.callStatus=hangup`.
const HANGUP_LINGER_SECS: f64 = 1.0;

/// The trunk a call goes out on, resolved from the request.
struct Route {
    /// Key for concurrency counting: the trunk id, or `inline:<host>` for inline trunks.
    trunk_key: String,
    trunk_id: String,
    hostname: String,
    from_number: String,
    limit: Option<u32>,
}

/// Handles `CreateSIPParticipant` after the grant check.
pub async fn create_sip_participant(
    state: &Arc<SandboxState>,
    req: proto::CreateSipParticipantRequest,
) -> Result<proto::SipParticipantInfo, TwirpError> {
    validate(&req)?;
    let route = resolve_route(state, &req)?;

    let active = state
        .stats
        .call_started(&route.trunk_key, &req.sip_call_to, &req.room_name);
    state.stats.caller_id_used(&route.from_number);
    let mut guard = ActiveCall {
        state: state.clone(),
        trunk_key: route.trunk_key.clone(),
        outcome: None,
    };
    let rate = state.call_rate.record(&route.trunk_key, Instant::now());
    state.stats.call_rate_seen(&route.trunk_key, rate);
    let mut plan = state.network.plan(&req.sip_call_to, &route.from_number);
    let over_limit = if route.limit.is_some_and(|limit| active > limit) {
        Some(Outcome::CarrierLimit)
    } else if state
        .config
        .max_calls_per_second_per_trunk
        .is_some_and(|cps| rate > cps)
    {
        Some(Outcome::CallRateLimit)
    } else {
        None
    };
    if let Some(refusal) = over_limit {
        match state.config.trunk_limit_error {
            TrunkLimitError::ResourceExhausted => {
                let reason = refusal.final_status().map(|s| s.reason).unwrap_or_default();
                return Err(TwirpError::new(TwirpCode::ResourceExhausted, reason));
            }
            TrunkLimitError::Sip503 => plan.outcome = refusal,
        }
    }

    let call_id = new_id("SCL_");
    let identity = if req.participant_identity.is_empty() {
        format!("sip_{}", req.sip_call_to)
    } else {
        req.participant_identity.clone()
    };
    let participant = participant_info(&req, &route, &call_id, &identity);
    let info = proto::SipParticipantInfo {
        participant_id: participant.sid.clone(),
        participant_identity: identity.clone(),
        room_name: req.room_name.clone(),
        sip_call_id: call_id,
    };

    let membership = state.rooms.join(&req.room_name, participant, true, true)?;
    agent::dispatch_by_rule(state, &req.room_name, &req.participant_metadata);

    let (answered_tx, answered_rx) = oneshot::channel();
    let call = Call {
        state: state.clone(),
        room: req.room_name.clone(),
        identity,
        plan,
        ringing_timeout: seconds(req.ringing_timeout.as_ref())
            .unwrap_or(state.config.default_ringing_timeout_secs),
        max_call_duration: seconds(req.max_call_duration.as_ref()),
        dtmf_secs: DTMF_SECS_PER_DIGIT * req.dtmf.chars().count() as f64,
        removed: membership.removed,
        answered: Some(answered_tx),
        number: req.sip_call_to.clone(),
    };
    guard.outcome = Some(call.plan.outcome);
    tokio::spawn(call.run(guard));

    if !req.wait_until_answered {
        return Ok(info);
    }
    match answered_rx.await {
        Ok(Ok(())) => Ok(info),
        Ok(Err(err)) => Err(err),
        // The call task ended without a verdict: the sandbox is shutting down.
        Err(_) => Err(ringing_timed_out()),
    }
}

/// `CreateSIPParticipantRequest.ValidateResult` in LiveKit's protocol package.
fn validate(req: &proto::CreateSipParticipantRequest) -> Result<(), TwirpError> {
    if req.sip_trunk_id.is_empty() && req.trunk.is_none() {
        return Err(TwirpError::invalid_argument(
            "missing sip trunk id and sip number",
        ));
    }
    if req.sip_call_to.is_empty() {
        return Err(TwirpError::invalid_argument("missing sip callee number"));
    }
    if req.sip_call_to.contains('@') {
        return Err(TwirpError::invalid_argument(
            "SipCallTo should be a phone number or SIP user, not a full SIP URI",
        ));
    }
    if req.room_name.is_empty() {
        return Err(TwirpError::invalid_argument("missing room name"));
    }
    if req
        .display_name
        .as_ref()
        .is_some_and(|name| name.chars().count() > 128)
    {
        return Err(TwirpError::invalid_argument(
            "DisplayName too long (max 128 characters)",
        ));
    }
    Ok(())
}

fn resolve_route(
    state: &SandboxState,
    req: &proto::CreateSipParticipantRequest,
) -> Result<Route, TwirpError> {
    let (trunk_key, trunk_id, hostname, numbers, limit) = if !req.sip_trunk_id.is_empty() {
        let trunk = state
            .trunk(&req.sip_trunk_id)
            .ok_or_else(|| TwirpError::not_found("requested sip trunk does not exist"))?;
        (
            trunk.sip_trunk_id.clone(),
            trunk.sip_trunk_id.clone(),
            trunk.address.clone(),
            trunk.numbers.clone(),
            state.config.call_limit(&trunk),
        )
    } else {
        let inline = req
            .trunk
            .as_ref()
            .map(|t| t.hostname.clone())
            .unwrap_or_default();
        if inline.is_empty() {
            return Err(TwirpError::invalid_argument("missing sip hostname"));
        }
        (
            format!("inline:{inline}"),
            String::new(),
            inline,
            Vec::new(),
            state.config.max_calls_per_trunk,
        )
    };
    let from_number = if !req.sip_number.is_empty() {
        req.sip_number.clone()
    } else if let Some(first) = numbers.first() {
        // LiveKit picks a trunk number at random; the first keeps the sandbox reproducible.
        first.clone()
    } else {
        return Err(TwirpError::new(
            TwirpCode::FailedPrecondition,
            "no numbers on outbound trunk",
        ));
    };
    Ok(Route {
        trunk_key,
        trunk_id,
        hostname,
        from_number,
        limit,
    })
}

fn participant_info(
    req: &proto::CreateSipParticipantRequest,
    route: &Route,
    call_id: &str,
    identity: &str,
) -> proto::ParticipantInfo {
    let mut attributes: HashMap<String, String> = req.participant_attributes.clone();
    attributes.insert("sip.callID".into(), call_id.to_string());
    attributes.insert("sip.trunkID".into(), route.trunk_id.clone());
    if !req.hide_phone_number {
        attributes.insert("sip.phoneNumber".into(), req.sip_call_to.clone());
        attributes.insert("sip.hostname".into(), route.hostname.clone());
        attributes.insert("sip.trunkPhoneNumber".into(), route.from_number.clone());
    }
    attributes.insert(call_status::ATTRIBUTE.into(), call_status::DIALING.into());
    let now_ms = unix_millis();
    proto::ParticipantInfo {
        sid: new_id("PA_"),
        identity: identity.to_string(),
        // livekit/sip connects the participant to the room before the INVITE, so it is
        // ACTIVE (and `participant_joined` is sent) while the phone is still dialled.
        state: State::Active as i32,
        tracks: vec![proto::TrackInfo {
            sid: new_id("TR_"),
            r#type: proto::TrackType::Audio as i32,
            source: proto::TrackSource::Microphone as i32,
            mime_type: "audio/opus".into(),
            ..Default::default()
        }],
        metadata: req.participant_metadata.clone(),
        joined_at: now_ms / 1000,
        joined_at_ms: now_ms,
        name: req.participant_name.clone(),
        version: 1,
        permission: Some(publisher_permission()),
        is_publisher: true,
        kind: Kind::Sip as i32,
        attributes,
        ..Default::default()
    }
}

/// What LiveKit grants the participants the sandbox creates, the SIP callee and the
/// agent alike: publish, subscribe, data and their own metadata.
pub(super) fn publisher_permission() -> proto::ParticipantPermission {
    proto::ParticipantPermission {
        can_subscribe: true,
        can_publish: true,
        can_publish_data: true,
        can_update_metadata: true,
        ..Default::default()
    }
}

fn seconds(duration: Option<&pbjson_types::Duration>) -> Option<f64> {
    duration
        .map(|d| d.seconds as f64 + f64::from(d.nanos) / 1e9)
        .filter(|secs| *secs > 0.0)
}

/// What LiveKit answers when nobody picks up within the ringing timeout.
fn ringing_timed_out() -> TwirpError {
    TwirpError::new(TwirpCode::Canceled, "sip request timed out")
}

/// Keeps the trunk's concurrent-call count right however the call ends.
struct ActiveCall {
    state: Arc<SandboxState>,
    trunk_key: String,
    outcome: Option<Outcome>,
}

impl Drop for ActiveCall {
    fn drop(&mut self) {
        self.state.stats.call_ended(&self.trunk_key, self.outcome);
    }
}

struct Call {
    state: Arc<SandboxState>,
    room: String,
    identity: String,
    plan: CallPlan,
    ringing_timeout: f64,
    max_call_duration: Option<f64>,
    /// Simulated seconds spent sending the request's DTMF digits once answered.
    dtmf_secs: f64,
    removed: CancellationToken,
    answered: Option<oneshot::Sender<Result<(), TwirpError>>>,
    number: String,
}

/// Why a wait ended early.
enum Interrupted {
    /// The ringing timeout passed first.
    RingingTimeout,
    /// The server removed the participant (RemoveParticipant, DeleteRoom, shutdown).
    Removed,
}

impl Call {
    async fn run(self, mut guard: ActiveCall) {
        let scale = self.state.scale;
        let start = Instant::now();
        let timeout_at = start + scale.real(self.ringing_timeout);
        let outcome = self.plan.outcome;

        let result = async {
            if outcome.rings() {
                self.wait_until(start + scale.real(self.plan.dial_delay), Some(timeout_at))
                    .await?;
                self.set_status(call_status::RINGING);
            }
            let decided_at = match outcome {
                Outcome::NoAnswer => None,
                _ if outcome.rings() => Some(self.plan.dial_delay + self.plan.ring),
                _ => Some(self.plan.dial_delay),
            };
            match decided_at {
                Some(at) => {
                    self.wait_until(start + scale.real(at), Some(timeout_at))
                        .await
                }
                None => self.wait_until(timeout_at, Some(timeout_at)).await,
            }
        }
        .await;

        match result {
            Err(Interrupted::Removed) => return self.removed_by_server(guard),
            Err(Interrupted::RingingTimeout) => {
                guard.outcome = Some(Outcome::NoAnswer);
                return self.fail(
                    guard,
                    ringing_timed_out(),
                    DisconnectReason::UserUnavailable,
                );
            }
            Ok(()) => {}
        }
        if let Some(status) = outcome.final_status() {
            return self.fail(guard, status.to_twirp_error(), outcome.failure_reason());
        }
        self.talk(guard).await;
    }

    /// Answered: active, talk, then the callee hangs up (or the max call duration ends it).
    async fn talk(mut self, guard: ActiveCall) {
        let scale = self.state.scale;
        if self.dtmf_secs > 0.0 {
            // LiveKit sends the digits first and only then calls the participant active.
            self.set_status(call_status::AUTOMATION);
            let digits_sent = Instant::now() + scale.real(self.dtmf_secs);
            if self.wait_until(digits_sent, None).await.is_err() {
                return self.removed_by_server(guard);
            }
        }
        let talk = match self.max_call_duration {
            Some(max) => self.plan.talk.min(max),
            None => self.plan.talk,
        };
        let hangup_at = Instant::now() + scale.real(talk);
        self.set_status(call_status::ACTIVE);
        self.state.stats.call_answered(&self.number, &self.room);
        self.state.rooms.set_phase(
            &self.room,
            CallPhase::Answered {
                hangup_at,
                disposition: self.plan.disposition.clone(),
                disposition_drawn: self.plan.disposition_drawn,
                note: self.plan.note.clone(),
            },
        );
        if let Some(answered) = self.answered.take() {
            let _ = answered.send(Ok(()));
        }
        if self.wait_until(hangup_at, None).await.is_err() {
            return drop(guard);
        }
        if self.plan.outcome == Outcome::DroppedMidCall {
            // The trunk lost the call: livekit/sip leaves `sip.callStatus` as it was and
            // the leg's UNKNOWN reason reaches the room as CLIENT_INITIATED.
            drop(guard);
            let reason = DisconnectReason::ClientInitiated;
            self.state.rooms.leave(&self.room, &self.identity, reason);
            return;
        }
        // The BYE ends the call on the trunk: it stops counting before anyone can see
        // it end (the `hangup` status, a webhook), so a client that dials again at once
        // never finds it still counted.
        drop(guard);
        self.state.stats.callee_gone(&self.room);
        self.set_status(call_status::HANGUP);
        // The SIP service marks the hangup, then tears the participant down a moment later.
        let gone_at = Instant::now() + scale.real(HANGUP_LINGER_SECS);
        if self.wait_until(gone_at, None).await.is_ok() {
            let reason = DisconnectReason::ClientInitiated;
            self.state.rooms.leave(&self.room, &self.identity, reason);
        }
    }

    /// The INVITE failed: the participant leaves with LiveKit's reason (its `sip.callStatus`
    /// left as it was, as the SIP service does), then a waiting caller hears why. The
    /// call stops counting first, so a client that dials again at once, on the webhook
    /// or the answer, never sees it still counted.
    fn fail(mut self, guard: ActiveCall, error: TwirpError, reason: DisconnectReason) {
        drop(guard);
        self.state.rooms.leave(&self.room, &self.identity, reason);
        if let Some(answered) = self.answered.take() {
            let _ = answered.send(Err(error));
        }
    }

    /// The participant is already gone (the server removed it); the dial is cancelled.
    fn removed_by_server(mut self, mut guard: ActiveCall) {
        guard.outcome = None;
        drop(guard);
        if let Some(answered) = self.answered.take() {
            let _ = answered.send(Err(ringing_timed_out()));
        }
    }

    async fn wait_until(
        &self,
        at: Instant,
        timeout_at: Option<Instant>,
    ) -> Result<(), Interrupted> {
        let (deadline, timed_out) = match timeout_at {
            Some(timeout_at) if timeout_at <= at => (timeout_at, true),
            _ => (at, false),
        };
        tokio::select! {
            _ = self.removed.cancelled() => Err(Interrupted::Removed),
            _ = sleep_until(deadline) => if timed_out { Err(Interrupted::RingingTimeout) } else { Ok(()) },
        }
    }

    /// An attribute change: no webhook carries it, only `ListParticipants` shows it.
    fn set_status(&self, status: &str) {
        self.state
            .rooms
            .update(&self.room, &self.identity, false, |info| {
                info.attributes
                    .insert(call_status::ATTRIBUTE.into(), status.into());
            });
    }
}
