//! The agent-join watchdog against the sandbox over HTTP, seen through the poller: an
//! absent agent ends the call as `agent_missing` (no attempt spent) and three in a row
//! pause the campaign; a late agent just inside the timeout keeps the call, just
//! outside it does not; with dispatch rules the same applies.
//!
//! These run on the real clock: the engine talks to the sandbox over real HTTP, where a
//! paused tokio clock would jump past the timeout while a request is in flight. The
//! timeout is its minimum, 1 s, and the sandbox plays everything else in milliseconds.

mod common;

use common::*;
use switchboard::domain::{
    AttemptEventKind, CampaignSettings, CampaignStatus, DispatchMode, LeadState, Outcome,
    PauseReason,
};
use switchboard::engine::EngineConfig;
use switchboard::sandbox::{AgentArrival, AgentBehaviour, SandboxConfig, SecondsRange};
use switchboard::store::attempt_events;

/// Calls are answered within milliseconds and talk for 2 real seconds (2000 simulated
/// seconds at 1/1000), longer than the 1 s join timeout.
fn long_talks() -> SandboxConfig {
    SandboxConfig {
        outcomes: all_answer(),
        talk: SecondsRange::new(2000.0, 2000.0),
        ..quick_sandbox()
    }
}

fn watched(name: &str) -> CampaignSettings {
    CampaignSettings {
        agent_join_timeout_secs: 1,
        max_concurrent: 1,
        ..settings(name)
    }
}

fn quick_engine() -> EngineConfig {
    engine_config()
}

async fn events_of(
    h: &Harness,
    attempt: switchboard::domain::AttemptId,
) -> Vec<attempt_events::AttemptEventRecord> {
    h.store
        .read(move |conn| attempt_events::for_attempt(conn, attempt))
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_absent_agent_ends_the_call_spends_no_attempt_and_three_in_a_row_pause() {
    in_every_mode(an_absent_agent).await;
}

async fn an_absent_agent(mode: Following) {
    let h = Harness::start_following(mode, long_talks(), quick_engine()).await;
    h.sandbox().set_agent_arrival(Some(AgentArrival::Absent));
    let id = h.campaign(watched("absent")).await;
    h.leads(id, numbers(51, 1)).await;
    h.start_campaign(id).await;
    let snapshot = h.until_status(id, CampaignStatus::Paused).await;
    let view = snapshot.campaign(id).unwrap();
    let reason = view.pause_reason.clone().expect("a pause reason");
    assert_eq!(
        reason,
        PauseReason::AgentNotJoining {
            agent: "test-agent".into()
        }
    );
    assert_eq!(
        reason.to_string(),
        "agent not joining: is the agent worker `test-agent` running?"
    );

    let attempts = h.attempts(id).await;
    assert_eq!(attempts.len(), 3, "retried twice, then paused");
    for attempt in &attempts {
        assert_eq!(attempt.state.outcome(), Some(Outcome::AgentMissing));
        assert!(!attempt.counted, "no attempt spent");
        assert!(attempt.agent_join_ms.is_none());
        let talked = attempt.ended_at.unwrap() - attempt.answered_at.unwrap();
        assert!(
            talked < chrono::Duration::milliseconds(1900),
            "ended by the watchdog, not by the callee: {talked}"
        );
        let events = events_of(&h, attempt.id).await;
        let missing = events
            .iter()
            .find(|e| e.kind == AttemptEventKind::AgentMissing)
            .expect("the timeline says so");
        assert!(
            missing.detail.contains("no agent joined within 1 s"),
            "{}",
            missing.detail
        );
    }
    let lead = h.lead("+15550510000", id).await;
    assert_eq!(lead.attempts, 0);
    assert_eq!(lead.state, LeadState::RetryWait);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_agent_just_inside_the_timeout_keeps_the_call() {
    in_every_mode(a_late_agent_inside).await;
}

async fn a_late_agent_inside(mode: Following) {
    let h = Harness::start_following(mode, long_talks(), quick_engine()).await;
    // 700 simulated seconds at 1/1000: 0.7 s after the answer.
    h.sandbox()
        .set_agent_arrival(Some(AgentArrival::AfterAnswer { secs: 700.0 }));
    let id = h.campaign(watched("late-inside")).await;
    h.leads(id, numbers(52, 1)).await;
    h.start_campaign(id).await;
    h.until_status(id, CampaignStatus::Completed).await;
    let attempts = h.attempts(id).await;
    assert_eq!(attempts.len(), 1);
    assert_eq!(attempts[0].state.outcome(), Some(Outcome::Completed));
    let joined = attempts[0].agent_join_ms.expect("join time recorded");
    // 700 ms, seen up to one poll interval (20 ms) late when the poller is the one
    // to see the join.
    assert!((600..1000).contains(&joined), "joined after {joined} ms");
    let events = events_of(&h, attempts[0].id).await;
    assert!(events
        .iter()
        .any(|e| e.kind == AttemptEventKind::AgentJoined));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_late_agent_just_outside_the_timeout_is_missing() {
    in_every_mode(a_late_agent_outside).await;
}

async fn a_late_agent_outside(mode: Following) {
    let h = Harness::start_following(mode, long_talks(), quick_engine()).await;
    h.sandbox()
        .set_agent_arrival(Some(AgentArrival::AfterAnswer { secs: 1300.0 }));
    let id = h
        .campaign(CampaignSettings {
            max_attempts: 1,
            ..watched("late-outside")
        })
        .await;
    h.leads(id, numbers(53, 1)).await;
    h.start_campaign(id).await;
    h.until("the first attempt to end", |s| {
        s.campaign(id)
            .is_some_and(|c| c.outcomes.get(&Outcome::AgentMissing).copied().unwrap_or(0) >= 1)
    })
    .await;
    let first = h.attempts(id).await.remove(0);
    assert_eq!(first.state.outcome(), Some(Outcome::AgentMissing));
    assert!(!first.counted);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_dispatch_rules_the_rules_agent_is_watched_too() {
    in_every_mode(the_rules_agent_watched).await;
}

async fn the_rules_agent_watched(mode: Following) {
    let sandbox = SandboxConfig {
        agent: AgentBehaviour {
            dispatch_rule_agent: Some("rules-agent".into()),
            ..Default::default()
        },
        ..long_talks()
    };
    let h = Harness::start_following(mode, sandbox, quick_engine()).await;
    let rules = |name: &str| CampaignSettings {
        dispatch: DispatchMode::Rules,
        agent_name: String::new(),
        max_attempts: 1,
        ..watched(name)
    };
    let id = h.campaign(rules("rules")).await;
    h.leads(id, numbers(54, 1)).await;
    h.start_campaign(id).await;
    h.until_status(id, CampaignStatus::Completed).await;
    let attempt = h.attempts(id).await.remove(0);
    assert_eq!(attempt.state.outcome(), Some(Outcome::Completed));
    assert!(attempt.agent_join_ms.is_some());

    // No worker for the rule: the same watchdog ends the call.
    h.sandbox().set_agent_arrival(Some(AgentArrival::Absent));
    let id = h.campaign(rules("rules-absent")).await;
    h.leads(id, numbers(55, 1)).await;
    h.start_campaign(id).await;
    h.until("the rules call to end", |s| {
        s.campaign(id)
            .is_some_and(|c| c.outcomes.get(&Outcome::AgentMissing).copied().unwrap_or(0) >= 1)
    })
    .await;
}
