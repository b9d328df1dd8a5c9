//! "Could not ask" is never "absent" or "ended": LiveKit stops answering while calls are
//! answered and their agents are on their way. Nothing is decided while it cannot be
//! asked: no call is ended for a missing agent, no campaign pauses for a reason nobody
//! saw, and once LiveKit answers again every call goes on to its real end, each number
//! answered once. Checked through the sandbox's own counters.

mod common;

use common::*;
use switchboard::domain::{AttemptState, CampaignSettings, CampaignStatus, Outcome, PauseReason};
use switchboard::sandbox::{AgentArrival, Faults, Outage, OutageMode, SandboxConfig, SecondsRange};

fn stall_livekit(h: &Harness, ms: u64, mode: OutageMode) {
    h.sandbox().set_faults(Faults {
        outage: Some(Outage {
            start_after_ms: 0,
            duration_ms: ms,
            mode,
        }),
        ..Faults::none()
    });
}

async fn a_stall_while_agents_are_due(following: Following, outage: OutageMode) {
    // Calls talk 5 real seconds; agents join 0.3 s after the answer, inside a stall
    // that outlasts the 1 s join timeout.
    let sandbox = SandboxConfig {
        outcomes: all_answer(),
        talk: SecondsRange::new(5000.0, 5000.0),
        ..quick_sandbox()
    };
    let h = Harness::start_following(following, sandbox, engine_config()).await;
    h.sandbox()
        .set_agent_arrival(Some(AgentArrival::AfterAnswer { secs: 300.0 }));
    let id = h
        .campaign(CampaignSettings {
            agent_join_timeout_secs: 1,
            // 10,000 simulated seconds: longer than the 5 s (5,000 simulated) calls.
            max_call_duration_secs: 10_000,
            max_attempts: 1,
            max_concurrent: 3,
            ..settings("stalled")
        })
        .await;
    h.leads(id, numbers(81, 3)).await;
    h.start_campaign(id).await;
    h.until("three calls answered", |s| {
        s.campaign(id).is_some_and(|c| {
            c.slots
                .iter()
                .filter(|slot| slot.state == AttemptState::Answered)
                .count()
                == 3
        })
    })
    .await;
    stall_livekit(&h, 2_500, outage);
    let done = h.until_status(id, CampaignStatus::Completed).await;
    assert!(
        done.campaign(id).unwrap().pause_reason.is_none(),
        "{following:?}/{outage:?}: paused for a reason nobody saw"
    );
    let attempts = h.attempts(id).await;
    assert_eq!(attempts.len(), 3, "{following:?}/{outage:?}: {attempts:#?}");
    for attempt in &attempts {
        assert_eq!(
            attempt.state,
            AttemptState::Ended(Outcome::Completed),
            "{following:?}/{outage:?}: {attempt:#?}"
        );
        let events = {
            let a = attempt.id;
            h.store
                .read(move |conn| switchboard::store::attempt_events::for_attempt(conn, a))
                .await
                .unwrap()
        };
        let timeline: Vec<String> = events
            .iter()
            .map(|e| format!("{} {} {}", e.at.format("%H:%M:%S%.3f"), e.kind, e.detail))
            .collect();
        assert!(
            attempt.agent_join_ms.is_some(),
            "{following:?}/{outage:?}: the agent that came was seen: {timeline:#?}"
        );
    }
    let stats = h.stats();
    for (number, answered) in &stats.answered_per_number {
        assert_eq!(
            *answered, 1,
            "{following:?}/{outage:?}: {number} answered twice"
        );
    }
    assert!(
        stats.answered_callees_cut_off.is_empty(),
        "{following:?}/{outage:?}: callees hung up on: {:?}",
        stats.answered_callees_cut_off
    );
    let snapshot = h.engine.snapshot().borrow().clone();
    assert!(!matches!(
        snapshot.campaign(id).unwrap().pause_reason,
        Some(PauseReason::AgentNotJoining { .. })
    ));
}

/// LiveKit freezes (requests wait, then are served), as a stopped process does.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_frozen_livekit_is_no_missing_agent() {
    in_every_mode(|mode| a_stall_while_agents_are_due(mode, OutageMode::Stall)).await;
}

/// LiveKit refuses every connection for a while.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_livekit_is_no_missing_agent() {
    in_every_mode(|mode| a_stall_while_agents_are_due(mode, OutageMode::RefuseConnections)).await;
}
