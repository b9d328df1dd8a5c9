//! The sandbox through the real `livekit-api` client over HTTP: every call outcome, faults,
//! JWT checks, call progress by polling, the agent's disposition, signed webhooks and the
//! concurrency counters. Time runs 1000x faster, so a 30 s ring takes 30 ms.

use std::collections::HashMap;
use std::time::Duration;

use axum::http::HeaderMap;
use livekit_api::access_token::{AccessToken, TokenVerifier, VideoGrants};
use livekit_api::services::agent_dispatch::AgentDispatchClient;
use livekit_api::services::room::RoomClient;
use livekit_api::services::sip::{
    CreateSIPParticipantOptions, ListSIPOutboundTrunkFilter, SIPClient,
};
use livekit_api::services::{ServerError, ServiceError, SipCallError};
use livekit_api::webhooks::WebhookReceiver;
use livekit_protocol as proto;
use proto::participant_info::Kind;
use proto::DisconnectReason;
use switchboard::sandbox::{
    self, call_status, Faults, Outage, OutageMode, Outcome, Sandbox, SandboxConfig, ScriptedCall,
    TrunkLimitError, DISPOSITION_ATTRIBUTE, NOTE_ATTRIBUTE,
};
use tokio::sync::mpsc;

const TRUNK: &str = "ST_sandbox";

fn fast_config() -> SandboxConfig {
    SandboxConfig {
        time_scale: 0.001,
        seed: 11,
        ..Default::default()
    }
}

async fn start(config: SandboxConfig) -> Sandbox {
    sandbox::start(config, "127.0.0.1:0".parse().unwrap())
        .await
        .expect("sandbox starts")
}

fn sip(sandbox: &Sandbox) -> SIPClient {
    SIPClient::with_api_key(&sandbox.url(), sandbox.api_key(), sandbox.api_secret())
}

fn rooms(sandbox: &Sandbox) -> RoomClient {
    RoomClient::with_api_key(&sandbox.url(), sandbox.api_key(), sandbox.api_secret())
}

fn dispatcher(sandbox: &Sandbox) -> AgentDispatchClient {
    AgentDispatchClient::with_api_key(&sandbox.url(), sandbox.api_key(), sandbox.api_secret())
}

fn waiting() -> CreateSIPParticipantOptions {
    CreateSIPParticipantOptions {
        wait_until_answered: Some(true),
        ..Default::default()
    }
}

async fn dial(
    sandbox: &Sandbox,
    number: &str,
    room: &str,
    options: CreateSIPParticipantOptions,
) -> Result<proto::SipParticipantInfo, ServiceError> {
    sip(sandbox)
        .create_sip_participant(TRUNK.into(), number.into(), room.into(), options, None)
        .await
}

fn twirp_code(err: &ServiceError) -> &livekit_api::services::ServerErrorCode {
    match err {
        ServiceError::Twirp(ServerError::Twirp(code)) => code,
        other => panic!("expected a Twirp error, got {other:?}"),
    }
}

fn sip_error(err: &ServiceError) -> SipCallError {
    SipCallError::from_error(err).unwrap_or_else(|| panic!("no SIP status in {err:?}"))
}

async fn dial_scripted(
    sandbox: &Sandbox,
    number: &str,
    call: ScriptedCall,
) -> Result<proto::SipParticipantInfo, ServiceError> {
    sandbox.set_override(number, call);
    dial(sandbox, number, &format!("room-{number}"), waiting()).await
}

/// Polls until `check` passes, failing after a generous real-time budget.
async fn eventually<T>(what: &str, mut check: impl AsyncFnMut() -> Option<T>) -> T {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(3);
    loop {
        if let Some(value) = check().await {
            return value;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "timed out waiting for {what}"
        );
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

/// livekit/sip pkg/sip/outbound.go and participant.go: the SIP participant carries
/// `sip.callStatus` (`dialing`, `ringing`, `active`) and `sip.*` attributes;
/// `wait_until_answered` returns once it is `active`.
#[tokio::test]
async fn answered_call_returns_when_active_with_livekit_attributes() {
    let sandbox = start(fast_config()).await;
    let number = "+15550000200";
    sandbox.set_override(
        number,
        ScriptedCall::new(Outcome::Answer)
            .ring_secs(5.0)
            .talk_secs(500.0),
    );
    let options = CreateSIPParticipantOptions {
        participant_attributes: Some(HashMap::from([("lead".to_string(), "42".to_string())])),
        participant_metadata: Some("{\"campaign\":1}".into()),
        participant_name: Some("Ada".into()),
        ..waiting()
    };
    let info = dial(&sandbox, number, "call-answer", options)
        .await
        .expect("answered");
    assert!(info.participant_id.starts_with("PA_"), "{info:?}");
    assert!(info.sip_call_id.starts_with("SCL_"), "{info:?}");
    assert_eq!(info.participant_identity, format!("sip_{number}"));
    assert_eq!(info.room_name, "call-answer");

    let participants = rooms(&sandbox)
        .list_participants("call-answer")
        .await
        .unwrap();
    let callee = &participants[0];
    assert_eq!(callee.kind, Kind::Sip as i32);
    assert_eq!(callee.sid, info.participant_id);
    assert_eq!(callee.name, "Ada");
    assert_eq!(callee.metadata, "{\"campaign\":1}");
    let attrs = &callee.attributes;
    assert_eq!(attrs[call_status::ATTRIBUTE], call_status::ACTIVE);
    assert_eq!(attrs["sip.callID"], info.sip_call_id);
    assert_eq!(attrs["sip.trunkID"], TRUNK);
    assert_eq!(attrs["sip.phoneNumber"], number);
    assert_eq!(attrs["sip.trunkPhoneNumber"], "+15550001000");
    assert!(attrs.contains_key("sip.hostname"));
    assert_eq!(attrs["lead"], "42");
}

/// livekit/protocol livekit/sip.go and utils/xtwirp/errors.go: the SIP status travels in
/// the Twirp error's meta (`sip_status_code`, `sip_status`), with 486 and 480 as
/// `resource_exhausted`, 603 `permission_denied`, 404 `not_found`, 484
/// `invalid_argument`, other 5xx `failed_precondition`.
#[tokio::test]
async fn busy_decline_and_invalid_numbers_carry_the_sip_status() {
    let sandbox = start(fast_config()).await;

    let busy = dial_scripted(&sandbox, "+15550000486", ScriptedCall::new(Outcome::Busy))
        .await
        .unwrap_err();
    let status = sip_error(&busy);
    assert_eq!(status.code(), "failed_precondition");
    assert_eq!(status.sip_status_code(), Some(486));
    assert_eq!(status.sip_status(), Some("Busy Here"));
    assert_eq!(
        twirp_code(&busy).msg,
        "INVITE failed: sip status: 486: Busy Here"
    );

    let declined = dial_scripted(&sandbox, "+15550000603", ScriptedCall::new(Outcome::Reject))
        .await
        .unwrap_err();
    assert_eq!(sip_error(&declined).code(), "permission_denied");
    assert_eq!(sip_error(&declined).sip_status_code(), Some(603));

    let invalid = dial_scripted(
        &sandbox,
        "+15550000404",
        ScriptedCall::new(Outcome::InvalidNumber),
    )
    .await
    .unwrap_err();
    assert_eq!(sip_error(&invalid).code(), "not_found");
    assert_eq!(sip_error(&invalid).sip_status_code(), Some(404));

    let short = dial_scripted(
        &sandbox,
        "+1555",
        ScriptedCall::new(Outcome::AddressIncomplete),
    )
    .await
    .unwrap_err();
    assert_eq!(sip_error(&short).code(), "invalid_argument");
    assert_eq!(sip_error(&short).sip_status_code(), Some(484));

    let unavailable = dial_scripted(
        &sandbox,
        "+15550000480",
        ScriptedCall::new(Outcome::Unavailable),
    )
    .await
    .unwrap_err();
    assert_eq!(sip_error(&unavailable).code(), "failed_precondition");
    assert_eq!(sip_error(&unavailable).sip_status_code(), Some(480));

    let trunk = dial_scripted(
        &sandbox,
        "+15550000503",
        ScriptedCall::new(Outcome::TrunkFailure),
    )
    .await
    .unwrap_err();
    assert_eq!(sip_error(&trunk).code(), "failed_precondition");
    assert_eq!(sip_error(&trunk).sip_status_code(), Some(503));

    // A failed call leaves no participant behind.
    assert!(rooms(&sandbox)
        .list_participants("room-+15550000486")
        .await
        .unwrap()
        .is_empty());
}

/// livekit/sip pkg/sip/outbound.go and errors.go: the ringing timer starts at the INVITE,
/// after the room join; then CANCEL, a `canceled` "sip request timed out", and the
/// participant leaves with USER_UNAVAILABLE.
#[tokio::test]
async fn no_answer_is_canceled_after_the_requested_ringing_timeout() {
    let sandbox = start(fast_config()).await;
    sandbox.set_override("+15550000408", ScriptedCall::new(Outcome::NoAnswer));
    let options = CreateSIPParticipantOptions {
        ringing_timeout: Some(Duration::from_secs(20)),
        ..waiting()
    };
    let started = std::time::Instant::now();
    let err = dial(&sandbox, "+15550000408", "call-no-answer", options)
        .await
        .unwrap_err();
    let elapsed = started.elapsed();
    let code = twirp_code(&err);
    assert_eq!(code.code, "canceled");
    assert_eq!(code.msg, "sip request timed out");
    assert!(
        code.meta.is_empty(),
        "no SIP meta on a ringing timeout: {:?}",
        code.meta
    );
    assert!(SipCallError::from_error(&err).is_none());
    // 20 simulated seconds at 1/1000 speed.
    assert!(elapsed >= Duration::from_millis(20), "{elapsed:?}");
    assert!(elapsed < Duration::from_millis(1000), "{elapsed:?}");

    // A ring longer than the timeout is a timeout too.
    sandbox.set_override(
        "+15550000409",
        ScriptedCall::new(Outcome::Answer).ring_secs(60.0),
    );
    let err = dial(&sandbox, "+15550000409", "call-slow", waiting())
        .await
        .unwrap_err();
    assert_eq!(twirp_code(&err).code, "canceled");
}

/// livekit/protocol `CreateSIPParticipantRequest.Validate` and pkg/service/sip.go: bad
/// requests are refused with LiveKit's Twirp codes and messages.
#[tokio::test]
async fn request_errors_match_livekit() {
    let sandbox = start(fast_config()).await;
    let unknown = sip(&sandbox)
        .create_sip_participant(
            "ST_nope".into(),
            "+15551112222".into(),
            "r".into(),
            waiting(),
            None,
        )
        .await
        .unwrap_err();
    assert_eq!(twirp_code(&unknown).code, "not_found");
    assert_eq!(
        twirp_code(&unknown).msg,
        "requested sip trunk does not exist"
    );

    let no_room = dial(&sandbox, "+15551112222", "", waiting())
        .await
        .unwrap_err();
    assert_eq!(twirp_code(&no_room).code, "invalid_argument");
    assert_eq!(twirp_code(&no_room).msg, "missing room name");

    let uri = dial(&sandbox, "alice@example.com", "r", waiting())
        .await
        .unwrap_err();
    assert_eq!(twirp_code(&uri).code, "invalid_argument");

    let trunks = sip(&sandbox)
        .list_sip_outbound_trunk(ListSIPOutboundTrunkFilter::All)
        .await
        .unwrap();
    assert_eq!(trunks.len(), 1);
    assert_eq!(trunks[0].sip_trunk_id, TRUNK);
    assert_eq!(trunks[0].name, "Sandbox trunk");
    assert_eq!(trunks[0].numbers, vec!["+15550001000".to_string()]);
    assert_eq!(sandbox.stats().dial_requests, 3);
}

/// pkg/service/roomservice.go ListParticipants and pkg/service/localstore.go: the
/// participant list is live (written on every join, removed on close), so polling sees
/// each `sip.callStatus` and the agent's attributes.
#[tokio::test]
async fn polling_sees_dialing_ringing_active_and_the_agents_disposition() {
    // 1/100 speed so every state, even the one-second `hangup`, lasts several polls.
    let config = SandboxConfig {
        time_scale: 0.01,
        dial_delay: sandbox::SecondsRange::new(15.0, 15.0),
        ..fast_config()
    };
    let sandbox = start(config).await;
    let number = "+15550000777";
    sandbox.set_override(
        number,
        ScriptedCall::new(Outcome::Answer)
            .ring_secs(15.0)
            .talk_secs(30.0)
            .disposition("callback", Some("after 5pm")),
    );
    let room = "call-poll";
    dispatcher(&sandbox)
        .create_dispatch(proto::CreateAgentDispatchRequest {
            agent_name: "caller".into(),
            room: room.into(),
            metadata: "{\"lead\":7}".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let options = CreateSIPParticipantOptions {
        ringing_timeout: Some(Duration::from_secs(600)),
        ..Default::default()
    };
    let info = dial(&sandbox, number, room, options)
        .await
        .expect("returns at once");
    let client = rooms(&sandbox);

    let mut seen: Vec<String> = Vec::new();
    let disposition = eventually("the agent's disposition", async || {
        let participants = client.list_participants(room).await.ok()?;
        if let Some(callee) = participants
            .iter()
            .find(|p| p.identity == info.participant_identity)
        {
            let status = callee.attributes[call_status::ATTRIBUTE].clone();
            if seen.last() != Some(&status) {
                seen.push(status);
            }
        }
        let agent = participants.iter().find(|p| p.kind == Kind::Agent as i32)?;
        assert_eq!(agent.identity, sandbox::agent_identity(room));
        agent
            .attributes
            .get(DISPOSITION_ATTRIBUTE)
            .map(|d| (d.clone(), agent.attributes.get(NOTE_ATTRIBUTE).cloned()))
    })
    .await;
    assert_eq!(seen, vec!["dialing", "ringing", "active"]);
    assert_eq!(
        disposition,
        ("callback".to_string(), Some("after 5pm".to_string()))
    );
    eventually("the callee to hang up", async || {
        let participants = client.list_participants(room).await.ok()?;
        let callee = participants.iter().find(|p| p.kind == Kind::Sip as i32)?;
        (callee.attributes[call_status::ATTRIBUTE] == call_status::HANGUP).then_some(())
    })
    .await;

    // The callee hangs up, then the agent leaves, then the room closes.
    eventually("the room to close", async || {
        let listed = client.list_rooms(vec![room.to_string()]).await.ok()?;
        listed.is_empty().then_some(())
    })
    .await;
    assert_eq!(sandbox.stats().outcomes[&Outcome::Answer], 1);
}

struct WebhookSink {
    url: String,
    events: mpsc::UnboundedReceiver<proto::WebhookEvent>,
    _server: tokio::task::JoinHandle<()>,
}

/// A small HTTP endpoint that verifies each webhook like a LiveKit customer would.
async fn webhook_sink(api_key: &str, api_secret: &str) -> WebhookSink {
    let receiver = WebhookReceiver::new(TokenVerifier::with_api_key(api_key, api_secret));
    let (tx, events) = mpsc::unbounded_channel();
    let app = axum::Router::new().route(
        "/livekit",
        axum::routing::post(move |headers: HeaderMap, body: String| {
            let receiver = receiver.clone();
            let tx = tx.clone();
            async move {
                let content_type = headers.get("content-type").and_then(|v| v.to_str().ok());
                assert_eq!(content_type, Some("application/webhook+json"));
                let auth = headers
                    .get("authorization")
                    .and_then(|v| v.to_str().ok())
                    .unwrap_or("");
                assert!(!auth.starts_with("Bearer "), "LiveKit sends the raw JWT");
                match receiver.receive(&body, auth) {
                    Ok(event) => {
                        let _ = tx.send(event);
                        axum::http::StatusCode::OK
                    }
                    Err(_) => axum::http::StatusCode::UNAUTHORIZED,
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/livekit", listener.local_addr().unwrap());
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    WebhookSink {
        url,
        events,
        _server: server,
    }
}

impl WebhookSink {
    /// Events until `room_finished` for `room`, in arrival order.
    async fn until_room_finished(&mut self, room: &str) -> Vec<proto::WebhookEvent> {
        let mut collected = Vec::new();
        loop {
            let event = tokio::time::timeout(Duration::from_secs(3), self.events.recv())
                .await
                .expect("webhook in time")
                .expect("sink open");
            let done = event.event == "room_finished"
                && event.room.as_ref().is_some_and(|r| r.name == room);
            if event.room.as_ref().is_some_and(|r| r.name == room) {
                collected.push(event);
            }
            if done {
                return collected;
            }
        }
    }
}

#[tokio::test]
async fn signed_webhooks_follow_the_call_in_order() {
    let config = fast_config();
    let mut sink = webhook_sink(&config.api_key, &config.api_secret).await;
    let sandbox = start(SandboxConfig {
        webhook_url: Some(sink.url.clone()),
        ..config
    })
    .await;
    let number = "+15550000321";
    sandbox.set_override(
        number,
        ScriptedCall::new(Outcome::Voicemail)
            .ring_secs(5.0)
            .talk_secs(40.0),
    );
    let room = "call-hooks";
    dispatcher(&sandbox)
        .create_dispatch(proto::CreateAgentDispatchRequest {
            agent_name: "caller".into(),
            room: room.into(),
            ..Default::default()
        })
        .await
        .unwrap();
    // Let the agent join before the call, as the console does.
    tokio::time::sleep(Duration::from_millis(5)).await;
    dial(&sandbox, number, room, waiting())
        .await
        .expect("voicemail answers");

    let events = sink.until_room_finished(room).await;
    let names: Vec<(&str, Option<i32>)> = events
        .iter()
        .map(|e| (e.event.as_str(), e.participant.as_ref().map(|p| p.kind)))
        .collect();
    let (sip, agent) = (Some(Kind::Sip as i32), Some(Kind::Agent as i32));
    assert_eq!(
        names,
        vec![
            ("room_started", None),
            ("participant_joined", agent),
            ("participant_joined", sip),
            ("participant_left", sip),
            ("participant_left", agent),
            ("room_finished", None),
        ]
    );
    assert!(events
        .iter()
        .all(|e| e.id.starts_with("EV_") && e.created_at > 1_700_000_000));
    // livekit/sip connects the participant before the INVITE: it is ACTIVE in the room,
    // and announced, while the phone is still being dialled (pkg/telemetry/events.go).
    let joined = events[2].participant.as_ref().unwrap();
    assert_eq!(
        joined.attributes[call_status::ATTRIBUTE],
        call_status::DIALING
    );
    let callee_left = events[3].participant.as_ref().unwrap();
    assert_eq!(
        callee_left.disconnect_reason,
        DisconnectReason::ClientInitiated as i32
    );
    assert_eq!(
        callee_left.attributes[call_status::ATTRIBUTE],
        call_status::HANGUP
    );
    let agent_left = events[4].participant.as_ref().unwrap();
    assert_eq!(agent_left.attributes[DISPOSITION_ATTRIBUTE], "voicemail");
    eventually("the sender to count its deliveries", async || {
        (sandbox.stats().webhooks_delivered >= 6).then_some(())
    })
    .await;
}

#[tokio::test]
async fn failed_calls_leave_with_livekits_disconnect_reason() {
    let config = fast_config();
    let mut sink = webhook_sink(&config.api_key, &config.api_secret).await;
    let sandbox = start(fast_config()).await;
    sandbox.set_webhook_url(Some(sink.url.clone()));
    let cases = [
        (
            "+15550001486",
            Outcome::Busy,
            DisconnectReason::UserRejected,
            "ringing",
        ),
        (
            "+15550001404",
            Outcome::InvalidNumber,
            DisconnectReason::UserUnavailable,
            "dialing",
        ),
        (
            "+15550001503",
            Outcome::TrunkFailure,
            DisconnectReason::ClientInitiated,
            "dialing",
        ),
        (
            "+15550001408",
            Outcome::NoAnswer,
            DisconnectReason::UserUnavailable,
            "ringing",
        ),
    ];
    for (number, outcome, reason, last_status) in cases {
        sandbox.set_override(number, ScriptedCall::new(outcome));
        let room = format!("fail-{number}");
        // Not waiting: the failure is only visible in the room, as with LiveKit.
        let options = CreateSIPParticipantOptions {
            ringing_timeout: Some(Duration::from_secs(30)),
            ..Default::default()
        };
        dial(&sandbox, number, &room, options)
            .await
            .expect("returns at once");
        let events = sink.until_room_finished(&room).await;
        let left = events
            .iter()
            .find(|e| e.event == "participant_left")
            .expect("participant_left");
        let participant = left.participant.as_ref().unwrap();
        assert_eq!(participant.disconnect_reason, reason as i32, "{number}");
        assert_eq!(
            participant.attributes[call_status::ATTRIBUTE],
            last_status,
            "{number}"
        );
        // Announced while dialled, before the INVITE failed (livekit/sip outbound.go).
        let joined = events
            .iter()
            .find(|e| e.event == "participant_joined")
            .and_then(|e| e.participant.as_ref())
            .expect("participant_joined while dialling");
        assert_eq!(
            joined.attributes[call_status::ATTRIBUTE],
            call_status::DIALING,
            "{number}"
        );
    }
}

/// pkg/service/roomservice.go DeleteRoom / RemoveParticipant: everyone leaves with
/// ROOM_DELETED (the SIP leg sends BYE, or CANCEL while ringing); a missing room is
/// `not_found`; RemoveParticipant leaves the room and the agent in place.
#[tokio::test]
async fn delete_room_and_remove_participant_end_calls() {
    let sandbox = start(fast_config()).await;
    let number = "+15550000999";
    sandbox.set_override(number, ScriptedCall::new(Outcome::NoAnswer));
    let long_ring = CreateSIPParticipantOptions {
        ringing_timeout: Some(Duration::from_secs(3000)),
        ..waiting()
    };
    let waiting_call = tokio::spawn({
        let (url, key, secret) = (
            sandbox.url(),
            sandbox.api_key().to_string(),
            sandbox.api_secret().to_string(),
        );
        async move {
            SIPClient::with_api_key(&url, &key, &secret)
                .create_sip_participant(
                    TRUNK.into(),
                    number.into(),
                    "doomed".into(),
                    long_ring,
                    None,
                )
                .await
        }
    });
    let client = rooms(&sandbox);
    eventually("the callee to ring", async || {
        let participants = client.list_participants("doomed").await.ok()?;
        (participants.first()?.attributes[call_status::ATTRIBUTE] == "ringing").then_some(())
    })
    .await;
    client.delete_room("doomed").await.unwrap();
    let err = waiting_call.await.unwrap().unwrap_err();
    assert_eq!(twirp_code(&err).code, "canceled");
    let again = client.delete_room("doomed").await.unwrap_err();
    assert_eq!(twirp_code(&again).code, "not_found");

    sandbox.set_override(
        number,
        ScriptedCall::new(Outcome::Answer)
            .ring_secs(1.0)
            .talk_secs(5000.0),
    );
    let info = dial(&sandbox, number, "kept", waiting()).await.unwrap();
    client
        .remove_participant("kept", &info.participant_identity)
        .await
        .unwrap();
    assert!(client.list_participants("kept").await.unwrap().is_empty());
    let gone = client
        .remove_participant("kept", &info.participant_identity)
        .await
        .unwrap_err();
    assert_eq!(twirp_code(&gone).msg, "participant does not exist");
    eventually("the call to be counted as ended", async || {
        (sandbox.stats().active_calls == 0).then_some(())
    })
    .await;
}

#[tokio::test]
async fn dispatches_can_be_listed_and_deleted() {
    let sandbox = start(fast_config()).await;
    let client = dispatcher(&sandbox);
    let created = client
        .create_dispatch(proto::CreateAgentDispatchRequest {
            agent_name: "caller".into(),
            room: "dispatch-room".into(),
            metadata: "m".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(created.id.starts_with("AD_"));
    assert_eq!(created.agent_name, "caller");
    let listed = client.list_dispatch("dispatch-room").await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].id, created.id);
    let job = eventually("the agent's job to start", async || {
        let listed = client.list_dispatch("dispatch-room").await.ok()?;
        listed.first()?.state.as_ref()?.jobs.first().cloned()
    })
    .await;
    assert!(job.id.starts_with("AJ_"));
    let job_state = job.state.unwrap();
    assert_eq!(job_state.status, proto::JobStatus::JsRunning as i32);
    assert_eq!(job_state.participant_identity, "agent-dispatch-room");
    let deleted = client
        .delete_dispatch(created.id.clone(), "dispatch-room")
        .await
        .unwrap();
    assert_eq!(deleted.id, created.id);
    let missing = client
        .delete_dispatch(created.id.clone(), "dispatch-room")
        .await
        .unwrap_err();
    assert_eq!(twirp_code(&missing).msg, "dispatch ID not found");
    let rooms_listed = rooms(&sandbox).list_rooms(vec![]).await.unwrap();
    assert!(rooms_listed
        .iter()
        .any(|r| r.name == "dispatch-room" && r.sid.starts_with("RM_")));
}

#[tokio::test]
async fn tokens_are_checked_like_livekit() {
    let sandbox = start(fast_config()).await;

    let forged = SIPClient::with_api_key(&sandbox.url(), sandbox.api_key(), "wrong-secret")
        .list_sip_outbound_trunk(ListSIPOutboundTrunkFilter::All)
        .await
        .unwrap_err();
    // A 401 with a plain-text body, which the client cannot decode as Twirp JSON.
    assert!(
        matches!(forged, ServiceError::Twirp(ServerError::Request(_))),
        "{forged:?}"
    );

    let list_only = AccessToken::with_api_key(sandbox.api_key(), sandbox.api_secret())
        .with_grants(VideoGrants {
            room_list: true,
            ..Default::default()
        })
        .to_jwt()
        .unwrap();
    let denied = SIPClient::with_token(&sandbox.url(), &list_only)
        .create_sip_participant(
            TRUNK.into(),
            "+15551234567".into(),
            "r".into(),
            waiting(),
            None,
        )
        .await
        .unwrap_err();
    assert_eq!(twirp_code(&denied).code, "unauthenticated");
    assert_eq!(twirp_code(&denied).msg, "permissions denied");
    // roomAdmin for another room is not roomAdmin for this one.
    let other_room = AccessToken::with_api_key(sandbox.api_key(), sandbox.api_secret())
        .with_grants(VideoGrants {
            room_admin: true,
            room: "a".into(),
            ..Default::default()
        })
        .to_jwt()
        .unwrap();
    let err = RoomClient::with_token(&sandbox.url(), &other_room)
        .list_participants("b")
        .await
        .unwrap_err();
    assert_eq!(twirp_code(&err).code, "unauthenticated");

    let http = sandbox::http_client(Duration::from_secs(5));
    let url = format!("{}/twirp/livekit.RoomService/ListRooms", sandbox.url());
    let plain = http
        .post(&url)
        .header("Authorization", "Bearer garbage")
        .send()
        .await
        .unwrap();
    assert_eq!(plain.status(), 401);
    assert_eq!(plain.text().await.unwrap(), "invalid authorization token");
    let no_bearer = http
        .post(&url)
        .header("Authorization", list_only.as_str())
        .send()
        .await
        .unwrap();
    assert_eq!(no_bearer.status(), 401);
    let expired = expired_token(sandbox.api_key(), sandbox.api_secret());
    let old = http
        .post(&url)
        .bearer_auth(expired)
        .header("Content-Type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(old.status(), 401);
    assert!(old
        .text()
        .await
        .unwrap()
        .starts_with("invalid authorization token: "));
    assert_eq!(sandbox.stats().dial_requests, 1);
}

/// A token that expired two minutes ago, beyond the 60 s leeway.
fn expired_token(key: &str, secret: &str) -> String {
    let now = unix_now();
    forge_token(
        secret,
        serde_json::json!({"iss": key, "exp": now - 120, "nbf": now - 600, "video": {"roomList": true}}),
    )
}

fn unix_now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// Signs arbitrary claims with HS256, for tokens AccessToken refuses to make.
fn forge_token(secret: &str, claims: serde_json::Value) -> String {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let header = b64.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let payload = b64.encode(claims.to_string());
    let signing_input = format!("{header}.{payload}");
    let signature = hmac_free::sign_hs256(secret.as_bytes(), signing_input.as_bytes());
    format!("{signing_input}.{}", b64.encode(signature))
}

/// HMAC-SHA256 from sha2, to forge an expired token without another crate.
mod hmac_free {
    use sha2::{Digest, Sha256};

    pub fn sign_hs256(key: &[u8], message: &[u8]) -> Vec<u8> {
        let mut block = [0u8; 64];
        if key.len() > 64 {
            block[..32].copy_from_slice(&Sha256::digest(key));
        } else {
            block[..key.len()].copy_from_slice(key);
        }
        let inner_key: Vec<u8> = block.iter().map(|b| b ^ 0x36).collect();
        let outer_key: Vec<u8> = block.iter().map(|b| b ^ 0x5c).collect();
        let inner = Sha256::new()
            .chain_update(&inner_key)
            .chain_update(message)
            .finalize();
        Sha256::new()
            .chain_update(&outer_key)
            .chain_update(inner)
            .finalize()
            .to_vec()
    }
}

#[tokio::test]
async fn twirp_routing_and_json_bodies() {
    let sandbox = start(fast_config()).await;
    let token = AccessToken::with_api_key(sandbox.api_key(), sandbox.api_secret())
        .with_grants(VideoGrants {
            room_admin: true,
            room: "json-room".into(),
            room_list: true,
            ..Default::default()
        })
        .to_jwt()
        .unwrap();
    let http = sandbox::http_client(Duration::from_secs(5));
    let base = sandbox.url();

    let get = http
        .get(format!("{base}/twirp/livekit.RoomService/ListRooms"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(get.status(), 404);
    let body: serde_json::Value = serde_json::from_str(&get.text().await.unwrap()).unwrap();
    assert_eq!(body["code"], "bad_route");
    assert_eq!(
        body["msg"],
        "unsupported method \"GET\" (only POST is allowed)"
    );

    let unknown = http
        .post(format!("{base}/twirp/livekit.RoomService/Nope"))
        .bearer_auth(&token)
        .header("Content-Type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), 404);
    let body: serde_json::Value = serde_json::from_str(&unknown.text().await.unwrap()).unwrap();
    assert_eq!(
        body["meta"]["twirp_invalid_route"],
        "POST /twirp/livekit.RoomService/Nope"
    );

    let listed = http
        .post(format!("{base}/twirp/livekit.RoomService/ListParticipants"))
        .bearer_auth(&token)
        .header("Content-Type", "application/json")
        .body(r#"{"room":"json-room"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(listed.status(), 200);
    assert_eq!(listed.headers()["content-type"], "application/json");
    let body: serde_json::Value = serde_json::from_str(&listed.text().await.unwrap()).unwrap();
    assert_eq!(body, serde_json::json!({"participants": []}));

    let malformed = http
        .post(format!("{base}/twirp/livekit.RoomService/ListParticipants"))
        .bearer_auth(&token)
        .header("Content-Type", "application/protobuf")
        .body(vec![0xff, 0xff, 0xff])
        .send()
        .await
        .unwrap();
    assert_eq!(malformed.status(), 400);
    let body: serde_json::Value = serde_json::from_str(&malformed.text().await.unwrap()).unwrap();
    assert_eq!(body["code"], "malformed");
}

#[tokio::test]
async fn injected_faults_look_like_an_unhealthy_server() {
    let sandbox = start(fast_config()).await;
    let client = sip(&sandbox);
    let list = || client.list_sip_outbound_trunk(ListSIPOutboundTrunkFilter::All);

    sandbox.set_faults(Faults {
        error_rate: 1.0,
        ..Faults::none()
    });
    let err = list().await.unwrap_err();
    assert!(
        ["internal", "unavailable"].contains(&twirp_code(&err).code.as_str()),
        "{err:?}"
    );

    sandbox.set_faults(Faults {
        rate_limit_rate: 1.0,
        ..Faults::none()
    });
    let err = list().await.unwrap_err();
    assert_eq!(twirp_code(&err).code, "resource_exhausted");

    sandbox.set_faults(Faults {
        latency_ms: 40,
        ..Faults::none()
    });
    let started = std::time::Instant::now();
    list().await.unwrap();
    assert!(started.elapsed() >= Duration::from_millis(40));

    let outage = |mode| Faults {
        outage: Some(Outage {
            start_after_ms: 0,
            duration_ms: 400,
            mode,
        }),
        ..Faults::none()
    };
    sandbox.set_faults(outage(OutageMode::Unavailable));
    let err = list().await.unwrap_err();
    assert_eq!(twirp_code(&err).code, "unavailable");
    tokio::time::sleep(Duration::from_millis(410)).await;
    list().await.expect("the outage is over");

    sandbox.set_faults(outage(OutageMode::RefuseConnections));
    tokio::time::sleep(Duration::from_millis(10)).await;
    let fresh = sip(&sandbox);
    let refused = fresh
        .list_sip_outbound_trunk(ListSIPOutboundTrunkFilter::All)
        .await
        .unwrap_err();
    assert!(
        matches!(refused, ServiceError::Twirp(ServerError::Request(_))),
        "{refused:?}"
    );
    tokio::net::TcpStream::connect(sandbox.local_addr())
        .await
        .expect_err("connection refused");
    eventually("the listener to come back", async || {
        sip(&sandbox)
            .list_sip_outbound_trunk(ListSIPOutboundTrunkFilter::All)
            .await
            .ok()
    })
    .await;
    sandbox.set_faults(Faults::none());
    assert!(sandbox.stats().faults_injected >= 3);
}

#[tokio::test]
async fn trunk_call_limit_is_enforced_and_counted() {
    let config = SandboxConfig {
        max_calls_per_trunk: Some(2),
        ..fast_config()
    };
    let sandbox = start(config).await;
    for n in 0..5 {
        sandbox.set_override(
            &format!("+1555000100{n}"),
            ScriptedCall::new(Outcome::Answer)
                .ring_secs(2.0)
                .talk_secs(200.0),
        );
    }
    let calls: Vec<_> = (0..5)
        .map(|n| {
            let (url, key, secret) = (
                sandbox.url(),
                sandbox.api_key().to_string(),
                sandbox.api_secret().to_string(),
            );
            tokio::spawn(async move {
                SIPClient::with_api_key(&url, &key, &secret)
                    .create_sip_participant(
                        TRUNK.into(),
                        format!("+1555000100{n}"),
                        format!("limit-{n}"),
                        waiting(),
                        None,
                    )
                    .await
            })
        })
        .collect();
    let mut answered = 0;
    let mut refused = 0;
    for call in calls {
        match call.await.unwrap() {
            Ok(_) => answered += 1,
            Err(err) => {
                let status = sip_error(&err);
                assert_eq!(status.code(), "failed_precondition");
                assert_eq!(status.sip_status_code(), Some(503));
                assert_eq!(status.sip_status(), Some("concurrent call limit exceeded"));
                refused += 1;
            }
        }
    }
    assert_eq!((answered, refused), (2, 3));
    let stats = sandbox.stats();
    assert_eq!(
        stats.max_concurrent_calls_per_trunk[TRUNK], 5,
        "the peak counts attempts over the limit"
    );
    assert_eq!(stats.dial_requests, 5);
    assert_eq!(stats.calls_per_number["+15550001000"], 1);

    // Another sandbox that answers over-limit calls with 429 instead.
    let sandbox = start(SandboxConfig {
        max_calls_per_trunk: Some(1),
        trunk_limit_error: TrunkLimitError::ResourceExhausted,
        ..fast_config()
    })
    .await;
    sandbox.set_override(
        "+15550002000",
        ScriptedCall::new(Outcome::Answer)
            .ring_secs(1.0)
            .talk_secs(5000.0),
    );
    dial(&sandbox, "+15550002000", "first", waiting())
        .await
        .unwrap();
    let err = dial(&sandbox, "+15550002001", "second", waiting())
        .await
        .unwrap_err();
    assert_eq!(twirp_code(&err).code, "resource_exhausted");
    assert_eq!(sandbox.stats().max_concurrent_calls(), 2);
}

#[tokio::test]
async fn sequential_calls_never_overlap() {
    let sandbox = start(fast_config()).await;
    for n in 0..5 {
        let number = format!("+1555000300{n}");
        sandbox.set_override(&number, ScriptedCall::new(Outcome::Busy).ring_secs(1.0));
        dial(&sandbox, &number, &format!("seq-{n}"), waiting())
            .await
            .unwrap_err();
    }
    let stats = sandbox.stats();
    assert_eq!(stats.max_concurrent_calls_per_trunk[TRUNK], 1);
    assert_eq!(stats.calls_placed, 5);
    assert_eq!(stats.outcomes[&Outcome::Busy], 5);
}

#[tokio::test]
async fn max_call_duration_cuts_a_long_call_short() {
    let config = fast_config();
    let mut sink = webhook_sink(&config.api_key, &config.api_secret).await;
    let sandbox = start(SandboxConfig {
        webhook_url: Some(sink.url.clone()),
        ..config
    })
    .await;
    let number = "+15550000600";
    sandbox.set_override(
        number,
        ScriptedCall::new(Outcome::Answer)
            .ring_secs(1.0)
            .talk_secs(100_000.0),
    );
    let options = CreateSIPParticipantOptions {
        max_call_duration: Some(Duration::from_secs(30)),
        ..waiting()
    };
    let started = std::time::Instant::now();
    dial(&sandbox, number, "capped", options).await.unwrap();
    let events = sink.until_room_finished("capped").await;
    // 30 simulated seconds of talk plus the 20 s departure timeout, far below 100,000 s.
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "{:?}",
        started.elapsed()
    );
    let left = events
        .iter()
        .find(|e| e.event == "participant_left")
        .unwrap();
    let participant = left.participant.as_ref().unwrap();
    assert_eq!(
        participant.disconnect_reason,
        DisconnectReason::ClientInitiated as i32
    );
    assert_eq!(
        participant.attributes[call_status::ATTRIBUTE],
        call_status::HANGUP
    );
}

#[tokio::test]
async fn json_clients_can_dial_with_camel_case_fields() {
    let sandbox = start(fast_config()).await;
    sandbox.set_override(
        "+15550000700",
        ScriptedCall::new(Outcome::Busy).ring_secs(1.0),
    );
    let token = AccessToken::with_api_key(sandbox.api_key(), sandbox.api_secret())
        .with_sip_grants(livekit_api::access_token::SIPGrants {
            call: true,
            ..Default::default()
        })
        .to_jwt()
        .unwrap();
    let http = sandbox::http_client(Duration::from_secs(5));
    let url = format!("{}/twirp/livekit.SIP/CreateSIPParticipant", sandbox.url());
    let answer = http
        .post(&url)
        .bearer_auth(&token)
        .header("Content-Type", "application/json")
        .body(r#"{"sipTrunkId":"ST_sandbox","sipCallTo":"+15550000701","roomName":"json-call"}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(answer.status(), 200);
    let body: serde_json::Value = serde_json::from_str(&answer.text().await.unwrap()).unwrap();
    assert_eq!(body["participant_identity"], "sip_+15550000701");
    assert_eq!(body["room_name"], "json-call");
    assert!(body["sip_call_id"].as_str().unwrap().starts_with("SCL_"));

    let busy = http
        .post(&url)
        .bearer_auth(&token)
        .header("Content-Type", "application/json")
        .body(r#"{"sip_trunk_id":"ST_sandbox","sip_call_to":"+15550000700","room_name":"json-busy","wait_until_answered":true}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(busy.status(), 412);
    assert_eq!(busy.headers()["content-type"], "application/json");
    let body: serde_json::Value = serde_json::from_str(&busy.text().await.unwrap()).unwrap();
    assert_eq!(body["code"], "failed_precondition");
    assert_eq!(body["meta"]["sip_status_code"], "486");
    assert_eq!(body["meta"]["sip_status"], "Busy Here");
}

#[tokio::test]
async fn webhooks_are_retried_after_a_5xx() {
    use std::sync::atomic::{AtomicU32, Ordering};
    use std::sync::Arc;
    let attempts = Arc::new(AtomicU32::new(0));
    let (tx, mut delivered) = mpsc::unbounded_channel::<String>();
    let app = axum::Router::new().route(
        "/flaky",
        axum::routing::post({
            let attempts = attempts.clone();
            move |body: String| {
                let attempts = attempts.clone();
                let tx = tx.clone();
                async move {
                    // The first delivery attempt fails like an overloaded receiver.
                    if attempts.fetch_add(1, Ordering::SeqCst) == 0 {
                        return axum::http::StatusCode::SERVICE_UNAVAILABLE;
                    }
                    let _ = tx.send(body);
                    axum::http::StatusCode::OK
                }
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/flaky", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    let sandbox = start(SandboxConfig {
        webhook_url: Some(url),
        ..fast_config()
    })
    .await;
    dispatcher(&sandbox)
        .create_dispatch(proto::CreateAgentDispatchRequest {
            agent_name: "caller".into(),
            room: "retry-room".into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let first = tokio::time::timeout(Duration::from_secs(3), delivered.recv())
        .await
        .expect("redelivered in time")
        .unwrap();
    assert!(
        first.contains("\"room_started\""),
        "the failed event comes first: {first}"
    );
    assert!(attempts.load(Ordering::SeqCst) >= 2);
}

#[tokio::test]
async fn calls_per_second_over_the_carrier_limit_are_refused() {
    let config = SandboxConfig {
        max_calls_per_second_per_trunk: Some(3),
        ..fast_config()
    };
    let sandbox = start(config).await;
    let mut refused = Vec::new();
    for n in 0..5 {
        let number = format!("+1555000400{n}");
        sandbox.set_override(&number, ScriptedCall::new(Outcome::Answer).ring_secs(1.0));
        if let Err(err) = dial(&sandbox, &number, &format!("cps-{n}"), waiting()).await {
            let status = sip_error(&err);
            assert_eq!(status.code(), "failed_precondition");
            assert_eq!(status.sip_status_code(), Some(503));
            assert_eq!(status.sip_status(), Some("cps limit exceeded"));
            refused.push(n);
        }
    }
    // Five dials within a second: the fourth and fifth are over 3 CPS.
    assert_eq!(refused, vec![3, 4]);
    assert_eq!(sandbox.stats().max_calls_per_second_per_trunk[TRUNK], 5);
}

#[tokio::test]
async fn dtmf_digits_are_sent_in_automation_before_active() {
    let sandbox = start(fast_config()).await;
    let number = "+15550000800";
    sandbox.set_override(
        number,
        ScriptedCall::new(Outcome::Answer)
            .ring_secs(1.0)
            .talk_secs(1000.0),
    );
    let options = CreateSIPParticipantOptions {
        // 200 digits at a quarter of a second each: 50 simulated seconds of automation.
        dtmf: Some("1234567890".repeat(20)),
        ..Default::default()
    };
    dial(&sandbox, number, "dtmf", options).await.unwrap();
    let client = rooms(&sandbox);
    let mut seen: Vec<String> = Vec::new();
    eventually("the call to become active", async || {
        let participants = client.list_participants("dtmf").await.ok()?;
        let status = participants.first()?.attributes[call_status::ATTRIBUTE].clone();
        if seen.last() != Some(&status) {
            seen.push(status.clone());
        }
        (status == call_status::ACTIVE).then_some(())
    })
    .await;
    assert!(
        seen.contains(&call_status::AUTOMATION.to_string()),
        "{seen:?}"
    );
    assert_eq!(seen.last().map(String::as_str), Some(call_status::ACTIVE));
}

// ---------------------------------------------------------------------------------------
// livekit-server as it is written (reference/livekit-behaviour.md): each test names the
// source file it follows.

/// pkg/rtc/room.go (`roomUpdateInterval = 5 * time.Second`, `NewProtoProxy`) and
/// livekit/protocol utils/protoproxy.go: `ListRooms` shows a copy regenerated at most
/// every 5 s. Right after the room is made the count is 0 with the callee already in
/// it; after the callee left it is still 1 until the next refresh.
#[tokio::test]
async fn list_rooms_count_is_a_copy_refreshed_at_most_every_5_s() {
    // 5 simulated seconds are 500 ms: room for a loaded machine between two requests.
    let sandbox = start(SandboxConfig {
        time_scale: 0.1,
        dial_delay: sandbox::SecondsRange::new(0.5, 0.5),
        ..fast_config()
    })
    .await;
    let number = "+15550007001";
    sandbox.set_override(
        number,
        ScriptedCall::new(Outcome::Answer)
            .ring_secs(0.5)
            .talk_secs(5.0),
    );
    let room = "stale-count";
    let client = rooms(&sandbox);
    let created = tokio::time::Instant::now();
    dial(
        &sandbox,
        number,
        room,
        CreateSIPParticipantOptions::default(),
    )
    .await
    .unwrap();
    let participants = client.list_participants(room).await.unwrap();
    assert!(participants.iter().any(|p| p.kind == Kind::Sip as i32));
    let listed = client.list_rooms(vec![room.into()]).await.unwrap();
    assert_eq!(listed[0].num_participants, 0, "the copy made with the room");

    eventually("the copy to count the callee", async || {
        let listed = client.list_rooms(vec![room.into()]).await.ok()?;
        (listed[0].num_participants == 1).then_some(())
    })
    .await;
    assert!(
        created.elapsed() >= Duration::from_millis(500),
        "refreshed only at the proxy's first tick, 5 s after the room was made"
    );

    // The callee hangs up at about 7 s; the copy was refreshed at 5 s, so it keeps
    // counting the callee until the tick at 10 s.
    eventually("the callee to leave", async || {
        let participants = client.list_participants(room).await.ok()?;
        (!participants.iter().any(|p| p.kind == Kind::Sip as i32)).then_some(())
    })
    .await;
    let listed = client.list_rooms(vec![room.into()]).await.unwrap();
    assert_eq!(
        listed[0].num_participants, 1,
        "a departed callee still counted"
    );
    eventually("the copy to catch up", async || {
        let listed = client.list_rooms(vec![room.into()]).await.ok()?;
        (listed.first()?.num_participants == 0).then_some(())
    })
    .await;
}

/// pkg/rtc/room.go `updateProto` and pkg/rtc/participant.go `IsDependent`: agents (and
/// egress) are left out of `num_participants`; `num_publishers` counts them.
#[tokio::test]
async fn agents_are_left_out_of_the_room_count() {
    let sandbox = start(fast_config()).await;
    let room = "agent-only";
    dispatcher(&sandbox)
        .create_dispatch(proto::CreateAgentDispatchRequest {
            agent_name: "caller".into(),
            room: room.into(),
            ..Default::default()
        })
        .await
        .unwrap();
    let client = rooms(&sandbox);
    eventually("the agent to be counted as a publisher", async || {
        let listed = client.list_rooms(vec![room.into()]).await.ok()?;
        let room = listed.first()?;
        (room.num_publishers == 1).then_some(room.num_participants)
    })
    .await;
    let listed = client.list_rooms(vec![room.into()]).await.unwrap();
    assert_eq!(listed[0].num_participants, 0, "agents are not counted");
}

/// pkg/rtc/room.go close checks, pkg/config/config.go defaults: the room closes
/// `departure_timeout` after the last participant other than an agent left, with the
/// agent still in it; the agent then leaves with ROOM_CLOSED.
#[tokio::test]
async fn a_room_closes_after_its_callee_left_even_with_the_agent_in_it() {
    let config = SandboxConfig {
        // Shorter than the sandbox agent's 0.5 s linger after its callee.
        departure_timeout_secs: 0.1,
        time_scale: 0.01,
        ..fast_config()
    };
    let mut sink = webhook_sink(&config.api_key, &config.api_secret).await;
    let sandbox = start(SandboxConfig {
        webhook_url: Some(sink.url.clone()),
        ..config
    })
    .await;
    let number = "+15550007002";
    sandbox.set_override(
        number,
        ScriptedCall::new(Outcome::Answer)
            .ring_secs(1.0)
            .talk_secs(3.0),
    );
    let room = "closes-with-agent";
    dispatcher(&sandbox)
        .create_dispatch(proto::CreateAgentDispatchRequest {
            agent_name: "caller".into(),
            room: room.into(),
            ..Default::default()
        })
        .await
        .unwrap();
    dial(&sandbox, number, room, waiting()).await.unwrap();
    let events = sink.until_room_finished(room).await;
    let agent_left = events
        .iter()
        .find(|e| {
            e.event == "participant_left"
                && e.participant
                    .as_ref()
                    .is_some_and(|p| p.kind == Kind::Agent as i32)
        })
        .and_then(|e| e.participant.as_ref())
        .expect("the agent left");
    assert_eq!(
        agent_left.disconnect_reason,
        DisconnectReason::RoomClosed as i32,
        "the room closed with the agent still in it"
    );
}

/// livekit/sip pkg/sip/participant.go: a call the trunk drops leaves with the leg's
/// UNKNOWN reason, which the server turns into CLIENT_INITIATED, and `sip.callStatus`
/// left as it was (`active`): no `hangup`.
#[tokio::test]
async fn a_call_dropped_mid_call_leaves_still_active_with_client_initiated() {
    let config = fast_config();
    let mut sink = webhook_sink(&config.api_key, &config.api_secret).await;
    let sandbox = start(SandboxConfig {
        webhook_url: Some(sink.url.clone()),
        ..config
    })
    .await;
    let number = "+15550007003";
    sandbox.set_override(number, ScriptedCall::new(Outcome::DroppedMidCall));
    let room = "dropped";
    dial(&sandbox, number, room, waiting())
        .await
        .expect("answered before it dropped");
    let events = sink.until_room_finished(room).await;
    let left = events
        .iter()
        .find(|e| e.event == "participant_left")
        .and_then(|e| e.participant.as_ref())
        .expect("the callee left");
    assert_eq!(
        left.disconnect_reason,
        DisconnectReason::ClientInitiated as i32
    );
    assert_eq!(left.attributes[call_status::ATTRIBUTE], call_status::ACTIVE);
}

/// livekit/protocol webhook/resource_url_notifier.go and go-retryablehttp: delivery is
/// best effort. `webhook_delivery` loses, delays and repeats events on purpose.
#[tokio::test]
async fn webhooks_can_be_lost_late_or_twice() {
    // Every event lost.
    let config = fast_config();
    let mut sink = webhook_sink(&config.api_key, &config.api_secret).await;
    let lossy = start(SandboxConfig {
        webhook_url: Some(sink.url.clone()),
        webhook_delivery: sandbox::WebhookDelivery {
            lost: 1.0,
            ..Default::default()
        },
        ..config.clone()
    })
    .await;
    dial_scripted(&lossy, "+15550007004", ScriptedCall::new(Outcome::Busy))
        .await
        .unwrap_err();
    eventually("the events to be lost", async || {
        (lossy.stats().webhooks_lost >= 3).then_some(())
    })
    .await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    assert!(sink.events.try_recv().is_err(), "nothing arrives");
    assert_eq!(lossy.stats().webhooks_delivered, 0);
    drop(lossy);

    // Every event twice, each a second late (1 s simulated is 1 ms; at least that).
    let twice = start(SandboxConfig {
        webhook_url: Some(sink.url.clone()),
        webhook_delivery: sandbox::WebhookDelivery {
            duplicated: 1.0,
            delay: sandbox::SecondsRange::new(1.0, 1.0),
            ..Default::default()
        },
        ..config.clone()
    })
    .await;
    let room = "room-+15550007005";
    dial_scripted(&twice, "+15550007005", ScriptedCall::new(Outcome::Busy))
        .await
        .unwrap_err();
    let mut ids: HashMap<String, u32> = HashMap::new();
    while ids.values().sum::<u32>() < 8 {
        let event = tokio::time::timeout(Duration::from_secs(3), sink.events.recv())
            .await
            .expect("webhook in time")
            .expect("sink open");
        if event.room.as_ref().is_some_and(|r| r.name == room) {
            *ids.entry(event.id).or_default() += 1;
        }
    }
    assert!(ids.values().all(|n| *n == 2), "{ids:?}");
    eventually("the repeats to be counted", async || {
        (twice.stats().webhooks_duplicated >= 4).then_some(())
    })
    .await;
    drop(twice);

    // Held past LiveKit's 30 s age limit (1.5 s here: the limit keeps a floor of 1 s of
    // real time): dropped, never delivered.
    let stale = start(SandboxConfig {
        webhook_url: Some(sink.url.clone()),
        webhook_delivery: sandbox::WebhookDelivery {
            delay: sandbox::SecondsRange::new(40.0, 40.0),
            ..Default::default()
        },
        time_scale: 0.05,
        ..config
    })
    .await;
    dial_scripted(&stale, "+15550007006", ScriptedCall::new(Outcome::Busy))
        .await
        .unwrap_err();
    eventually("the old events to be dropped", async || {
        (stale.stats().webhooks_expired >= 3).then_some(())
    })
    .await;
    assert_eq!(stale.stats().webhooks_delivered, 0);
}
