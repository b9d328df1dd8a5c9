//! The simulated AI agent that `AgentDispatchService.CreateDispatch` sends into a room.
//!
//! # Disposition contract
//!
//! This is how an agent reports what came of a call, and what the console reads. A real
//! LiveKit Agents worker honours the same contract by setting its own participant
//! attributes (`ctx.room.local_participant.set_attributes(...)` in Python):
//!
//! - The agent joins the call's room as a participant of kind `AGENT` (the sandbox's
//!   identity is `agent-<room>`).
//! - Before the callee hangs up, it sets its attribute [`DISPOSITION_ATTRIBUTE`]
//!   (`switchboard.disposition`) to one short snake_case word: `interested`,
//!   `not_interested`, `callback`, `do_not_call`, `voicemail` (a machine answered),
//!   or any other word the agent's prompt defines. It may also set [`NOTE_ATTRIBUTE`]
//!   (`switchboard.note`), one line of free text for the operator.
//! - The attributes are visible through `RoomService.ListParticipants` while the agent
//!   is in the room, and in the `participant_left` webhook of the agent participant
//!   (its `attributes`), since the agent leaves after the callee.
//! - No disposition means the agent had nothing to report (e.g. the call never
//!   connected); the console then relies on the SIP outcome alone.
//!
//! When the agent joins (promptly, late after the answer, or never) and which
//! dispositions it gives per A/B variant is set in `[sandbox.agent]`
//! ([`AgentBehaviour`](super::AgentBehaviour)).
//!
//! The sandbox agent learns the callee's side of the conversation from the simulated
//! phone network: it reports the disposition drawn (or scripted) for the call at 80% of
//! the talk time, and leaves shortly after the callee hangs up.

use std::collections::HashMap;
use std::sync::Arc;

use livekit_protocol as proto;
use proto::participant_info::{Kind, State};
use proto::DisconnectReason;
use tokio::time::{sleep, sleep_until, Instant};

use super::agent_behaviour::{variant_of, AgentArrival};
use super::call::publisher_permission;
use super::ids::{new_id, unix_millis};
use super::rooms::{CallPhase, Membership};
use super::state::SandboxState;
use super::twirp::TwirpError;

/// The agent's attribute holding the call's disposition.
pub const DISPOSITION_ATTRIBUTE: &str = "switchboard.disposition";
/// The agent's attribute holding an optional one-line note about the call.
pub const NOTE_ATTRIBUTE: &str = "switchboard.note";

/// Simulated seconds the agent stays after the callee hangs up (saying goodbye, saving).
const LINGER_SECS: f64 = 0.5;
/// Simulated seconds an agent waits for a call to start in its room before it gives up.
const IDLE_TIMEOUT_SECS: f64 = 300.0;
/// When during the talk time the agent settles on a disposition.
const REPORT_AT_FRACTION: f64 = 0.8;

/// The identity of the sandbox agent in a room.
pub fn agent_identity(room: &str) -> String {
    format!("agent-{room}")
}

/// Handles `CreateDispatch` after the grant check: records the dispatch (creating the
/// room, as LiveKit's auto-create does) and starts the agent's job.
pub fn create_dispatch(
    state: &Arc<SandboxState>,
    req: proto::CreateAgentDispatchRequest,
) -> Result<proto::AgentDispatch, TwirpError> {
    if req.room.is_empty() {
        return Err(TwirpError::invalid_argument("room name must be set"));
    }
    let dispatch = proto::AgentDispatch {
        id: new_id("AD_"),
        agent_name: req.agent_name,
        room: req.room,
        metadata: req.metadata,
        state: Some(proto::AgentDispatchState {
            jobs: Vec::new(),
            created_at: unix_millis() * 1_000_000,
            deleted_at: 0,
        }),
        restart_policy: req.restart_policy,
        deployment: req.deployment,
        attributes: req.attributes,
    };
    state.rooms.add_dispatch(dispatch.clone());
    tokio::spawn(run_agent(state.clone(), dispatch.clone()));
    Ok(dispatch)
}

/// The dispatch a LiveKit dispatch rule makes when a SIP call is dialled into a room
/// that has none yet (campaigns with `--dispatch rules`), if the sandbox has such a rule.
pub fn dispatch_by_rule(state: &Arc<SandboxState>, room: &str, metadata: &str) {
    let Some(agent_name) = state.config.agent.dispatch_rule_agent.clone() else {
        return;
    };
    if !state.rooms.list_dispatches(room, "").is_empty() {
        return;
    }
    let request = proto::CreateAgentDispatchRequest {
        agent_name,
        room: room.to_string(),
        metadata: metadata.to_string(),
        ..Default::default()
    };
    if let Err(err) = create_dispatch(state, request) {
        tracing::debug!(room, %err, "dispatch rule found no room");
    }
}

async fn run_agent(state: Arc<SandboxState>, dispatch: proto::AgentDispatch) {
    match state.arrivals.next(&state.config.agent) {
        // No worker takes the job: the dispatch stays, nobody joins.
        AgentArrival::Absent => return,
        AgentArrival::Prompt => {
            let delay = state.scale.real(state.config.agent.join_delay_secs);
            tokio::select! {
                _ = state.shutdown.cancelled() => return,
                _ = sleep(delay) => {}
            }
        }
        AgentArrival::AfterAnswer { secs } => {
            if !wait_for_answer(&state, &dispatch.room).await {
                return;
            }
            tokio::select! {
                _ = state.shutdown.cancelled() => return,
                _ = sleep(state.scale.real(secs)) => {}
            }
        }
    }
    let identity = agent_identity(&dispatch.room);
    let Ok(membership) = state.rooms.join(
        &dispatch.room,
        agent_info(&identity, &dispatch),
        false,
        true,
    ) else {
        // The room closed before the job started.
        return;
    };
    let Membership { removed, mut phase } = membership;
    let room = dispatch.room.as_str();
    let job_id = new_id("AJ_");
    state.rooms.update_dispatch(room, &dispatch.id, |d| {
        let now_ns = unix_millis() * 1_000_000;
        let job = proto::Job {
            id: job_id.clone(),
            dispatch_id: d.id.clone(),
            r#type: proto::JobType::JtRoom as i32,
            agent_name: d.agent_name.clone(),
            metadata: d.metadata.clone(),
            state: Some(proto::JobState {
                status: proto::JobStatus::JsRunning as i32,
                started_at: now_ns,
                updated_at: now_ns,
                participant_identity: identity.clone(),
                ..Default::default()
            }),
            ..Default::default()
        };
        d.state.get_or_insert_with(Default::default).jobs.push(job);
    });
    let idle_deadline = Instant::now() + state.scale.real(IDLE_TIMEOUT_SECS);

    // Wait for the call to be answered or to end without an answer.
    let answered = loop {
        let current = phase.borrow_and_update().clone();
        match current {
            CallPhase::Answered {
                hangup_at,
                disposition,
                disposition_drawn,
                note,
            } => {
                let (disposition, note) = if disposition_drawn {
                    variant_disposition(&state, &dispatch).unwrap_or((disposition, note))
                } else {
                    (disposition, note)
                };
                break Some((hangup_at, disposition, note));
            }
            CallPhase::Ended => break None,
            CallPhase::NoCall | CallPhase::Dialing => {}
        }
        let idle = matches!(current, CallPhase::NoCall);
        tokio::select! {
            _ = removed.cancelled() => return,
            changed = phase.changed() => if changed.is_err() { return },
            _ = sleep_until(idle_deadline), if idle => break None,
        }
    };

    if let Some((hangup_at, disposition, note)) = answered {
        let now = Instant::now();
        let report_at = now
            + hangup_at
                .saturating_duration_since(now)
                .mul_f64(REPORT_AT_FRACTION);
        tokio::select! {
            _ = removed.cancelled() => return,
            _ = sleep_until(report_at) => {}
        }
        if let Some(disposition) = disposition {
            state.rooms.update(room, &identity, false, |info| {
                info.attributes
                    .insert(DISPOSITION_ATTRIBUTE.into(), disposition);
                if let Some(note) = note {
                    info.attributes.insert(NOTE_ATTRIBUTE.into(), note);
                }
            });
        }
        // Stay on the line until the callee is gone.
        loop {
            if matches!(*phase.borrow_and_update(), CallPhase::Ended) {
                break;
            }
            tokio::select! {
                _ = removed.cancelled() => return,
                changed = phase.changed() => if changed.is_err() { return },
            }
        }
    }

    tokio::select! {
        _ = removed.cancelled() => return,
        _ = sleep(state.scale.real(LINGER_SECS)) => {}
    }
    state
        .rooms
        .leave(room, &identity, DisconnectReason::ClientInitiated);
}

/// Waits, without joining, until the call in `room` is answered; false when the call
/// ended unanswered, the room closed or the sandbox stops.
async fn wait_for_answer(state: &SandboxState, room: &str) -> bool {
    let Some(mut phase) = state.rooms.watch_phase(room) else {
        return false;
    };
    loop {
        match *phase.borrow_and_update() {
            CallPhase::Answered { .. } => return true,
            CallPhase::Ended => return false,
            CallPhase::NoCall | CallPhase::Dialing => {}
        }
        tokio::select! {
            _ = state.shutdown.cancelled() => return false,
            changed = phase.changed() => if changed.is_err() { return false },
        }
    }
}

/// The disposition an agent of this dispatch's variant gives, when the sandbox config
/// has weights for that variant (or its agent).
fn variant_disposition(
    state: &SandboxState,
    dispatch: &proto::AgentDispatch,
) -> Option<(Option<String>, Option<String>)> {
    let variant = variant_of(&dispatch.metadata);
    let weights = state
        .config
        .agent
        .dispositions_for(variant.as_deref(), &dispatch.agent_name)?;
    let (disposition, note) = state.network.draw_disposition(weights)?;
    Some((Some(disposition), note))
}

fn agent_info(identity: &str, dispatch: &proto::AgentDispatch) -> proto::ParticipantInfo {
    let now_ms = unix_millis();
    let mut attributes: HashMap<String, String> = dispatch.attributes.clone();
    attributes.insert("lk.agent.state".into(), "listening".into());
    proto::ParticipantInfo {
        sid: new_id("PA_"),
        identity: identity.to_string(),
        state: State::Active as i32,
        metadata: dispatch.metadata.clone(),
        joined_at: now_ms / 1000,
        joined_at_ms: now_ms,
        name: dispatch.agent_name.clone(),
        version: 1,
        permission: Some(publisher_permission()),
        is_publisher: true,
        kind: Kind::Agent as i32,
        attributes,
        ..Default::default()
    }
}
