//! The sandbox's agent as the real `livekit-api` client sees it: absent, late after the
//! answer, sent by a dispatch rule, and giving dispositions by A/B variant.

use std::collections::BTreeMap;
use std::time::Duration;

use livekit_api::services::agent_dispatch::AgentDispatchClient;
use livekit_api::services::room::RoomClient;
use livekit_api::services::sip::{CreateSIPParticipantOptions, SIPClient};
use livekit_protocol as proto;
use proto::participant_info::Kind;
use switchboard::sandbox::{
    self, AgentArrival, AgentBehaviour, Outcome, Sandbox, SandboxConfig, ScriptedCall,
    DISPOSITION_ATTRIBUTE,
};

const TRUNK: &str = "ST_sandbox";

fn config(time_scale: f64, agent: AgentBehaviour) -> SandboxConfig {
    SandboxConfig {
        time_scale,
        seed: 5,
        dial_delay: sandbox::SecondsRange::new(0.0, 0.0),
        agent,
        ..Default::default()
    }
}

async fn start(config: SandboxConfig) -> Sandbox {
    sandbox::start(config, "127.0.0.1:0".parse().unwrap())
        .await
        .expect("sandbox starts")
}

fn rooms(sandbox: &Sandbox) -> RoomClient {
    RoomClient::with_api_key(&sandbox.url(), sandbox.api_key(), sandbox.api_secret())
}

async fn dispatch(sandbox: &Sandbox, room: &str, agent_name: &str, metadata: &str) {
    AgentDispatchClient::with_api_key(&sandbox.url(), sandbox.api_key(), sandbox.api_secret())
        .create_dispatch(proto::CreateAgentDispatchRequest {
            agent_name: agent_name.into(),
            room: room.into(),
            metadata: metadata.into(),
            ..Default::default()
        })
        .await
        .expect("dispatch created");
}

/// Dials `number` into `room` and returns once the callee answered.
async fn answered_call(sandbox: &Sandbox, number: &str, room: &str, talk_secs: f64) {
    sandbox.set_override(
        number,
        ScriptedCall::new(Outcome::Answer)
            .ring_secs(1.0)
            .talk_secs(talk_secs),
    );
    let options = CreateSIPParticipantOptions {
        wait_until_answered: Some(true),
        ..Default::default()
    };
    SIPClient::with_api_key(&sandbox.url(), sandbox.api_key(), sandbox.api_secret())
        .create_sip_participant(TRUNK.into(), number.into(), room.into(), options, None)
        .await
        .expect("the callee answers");
}

async fn agent_in(client: &RoomClient, room: &str) -> Option<proto::ParticipantInfo> {
    let participants = client.list_participants(room).await.ok()?;
    participants
        .into_iter()
        .find(|p| p.kind == Kind::Agent as i32)
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
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

#[tokio::test]
async fn an_absent_agent_never_joins_and_its_dispatch_gets_no_job() {
    let sandbox = start(config(0.001, AgentBehaviour::default())).await;
    sandbox.set_agent_arrival(Some(AgentArrival::Absent));
    let room = "call-absent";
    dispatch(&sandbox, room, "caller", "{}").await;
    // 300 simulated seconds of talk: 300 ms in which a prompt agent (0.3 ms) would be there.
    answered_call(&sandbox, "+15550002001", room, 300.0).await;
    let client = rooms(&sandbox);
    for _ in 0..20 {
        assert!(agent_in(&client, room).await.is_none(), "no agent joins");
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    let dispatches =
        AgentDispatchClient::with_api_key(&sandbox.url(), sandbox.api_key(), sandbox.api_secret())
            .list_dispatch(room)
            .await
            .unwrap();
    assert_eq!(dispatches.len(), 1);
    assert!(dispatches[0].state.as_ref().unwrap().jobs.is_empty());
}

#[tokio::test]
async fn a_late_agent_joins_only_after_the_answer_as_a_participant_of_kind_agent() {
    // 1/100 speed: the agent is due 50 ms after the answer.
    let sandbox = start(config(0.01, AgentBehaviour::default())).await;
    sandbox.set_agent_arrival(Some(AgentArrival::AfterAnswer { secs: 5.0 }));
    let room = "call-late";
    dispatch(&sandbox, room, "caller", "{}").await;
    answered_call(&sandbox, "+15550002002", room, 60.0).await;
    let answered = tokio::time::Instant::now();
    let client = rooms(&sandbox);
    assert!(
        agent_in(&client, room).await.is_none(),
        "not there at the answer"
    );
    let agent = eventually("the late agent", async || agent_in(&client, room).await).await;
    assert!(answered.elapsed() >= Duration::from_millis(45));
    assert_eq!(agent.identity, sandbox::agent_identity(room));
    assert_eq!(agent.name, "caller");
}

#[tokio::test]
async fn every_nth_dispatch_is_absent_by_configuration() {
    let behaviour = AgentBehaviour {
        absent_every: 2,
        ..Default::default()
    };
    let sandbox = start(config(0.001, behaviour)).await;
    let client = rooms(&sandbox);
    dispatch(&sandbox, "room-1", "caller", "{}").await;
    dispatch(&sandbox, "room-2", "caller", "{}").await;
    eventually("the first agent", async || {
        agent_in(&client, "room-1").await
    })
    .await;
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert!(agent_in(&client, "room-2").await.is_none());
}

#[tokio::test]
async fn each_variant_gets_its_own_dispositions() {
    let weights = |name: &str| BTreeMap::from([(name.to_string(), 1.0)]);
    let behaviour = AgentBehaviour {
        dispositions_by_variant: BTreeMap::from([
            ("A".to_string(), weights("not_interested")),
            ("B".to_string(), weights("interested")),
        ]),
        ..Default::default()
    };
    let sandbox = start(config(0.001, behaviour)).await;
    let client = rooms(&sandbox);
    for (variant, number, expected) in [
        ("A", "+15550002010", "not_interested"),
        ("B", "+15550002011", "interested"),
    ] {
        let room = format!("call-{variant}");
        dispatch(
            &sandbox,
            &room,
            "caller",
            &format!(r#"{{"variant":"{variant}"}}"#),
        )
        .await;
        answered_call(&sandbox, number, &room, 200.0).await;
        let disposition = eventually("the disposition", async || {
            agent_in(&client, &room)
                .await?
                .attributes
                .get(DISPOSITION_ATTRIBUTE)
                .cloned()
        })
        .await;
        assert_eq!(disposition, expected, "variant {variant}");
    }
}

#[tokio::test]
async fn a_dispatch_rule_sends_its_agent_into_a_dialled_room() {
    let behaviour = AgentBehaviour {
        dispatch_rule_agent: Some("rules-agent".into()),
        ..Default::default()
    };
    let sandbox = start(config(0.001, behaviour)).await;
    let room = "call-by-rule";
    answered_call(&sandbox, "+15550002020", room, 300.0).await;
    let client = rooms(&sandbox);
    let agent = eventually("the rule's agent", async || agent_in(&client, room).await).await;
    assert_eq!(agent.name, "rules-agent");
}
