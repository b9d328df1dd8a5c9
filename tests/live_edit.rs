//! A running campaign's pace, size, caps, hours and numbers change under it, from the
//! next dial, with the change kept and shown with who made it; what a call *is* (agent,
//! trunk, prompt) waits for a pause. Against the sandbox over real HTTP, its own
//! counters the judge, in every way of following calls.

mod common;

use common::*;
use reqwest::{Method, StatusCode};
use serde_json::json;
use switchboard::domain::{CampaignSettings, CampaignStatus};
use switchboard::engine::{Answer, Command, EngineError, EngineEventKind, Query};
use switchboard::sandbox::{SandboxConfig, SecondsRange};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrency_raised_while_running_takes_effect_on_the_next_dial() {
    in_every_mode(concurrency_raised_while_running).await;
}

async fn concurrency_raised_while_running(mode: Following) {
    // Long rings: the calls placed before the change are still up after it.
    let sandbox = SandboxConfig {
        ring: SecondsRange::new(20.0, 30.0),
        ..quick_sandbox()
    };
    let h = Harness::start_following(mode, sandbox, engine_config()).await;
    let id = h
        .campaign(CampaignSettings {
            max_concurrent: 1,
            max_attempts: 1,
            ..settings("turned up")
        })
        .await;
    h.leads(id, numbers(3, 30)).await;
    let mut events = h.engine.subscribe();
    h.start_campaign(id).await;
    h.until("one call in flight", |s| {
        s.campaign(id).is_some_and(|c| c.slots.len() == 1)
    })
    .await;
    assert_eq!(h.stats().max_concurrent_calls(), 1, "{:?}", h.stats());

    let mut raised = match h
        .engine
        .query(Query::Campaign { campaign: id })
        .await
        .unwrap()
    {
        Answer::Campaign(record) => record.settings,
        other => panic!("{other:?}"),
    };
    raised.max_concurrent = 3;
    h.engine
        .send(Command::UpdateCampaign {
            id,
            settings: Box::new(raised.clone()),
            changed_by: "tester (test)".into(),
        })
        .await
        .expect("concurrency changes while running");
    let snapshot = h
        .until("three calls in flight", |s| {
            s.campaign(id).is_some_and(|c| c.slots.len() == 3)
        })
        .await;
    let view = snapshot.campaign(id).unwrap();
    assert_eq!(view.status, CampaignStatus::Running);
    assert_eq!(view.max_concurrent, 3);
    let stats = h.stats();
    assert_eq!(stats.max_concurrent_calls(), 3, "{stats:?}");

    // What a call is waits for a pause, and the refusal names it.
    let mut other_agent = raised.clone();
    other_agent.agent_name = "another-agent".into();
    let refused = h
        .engine
        .send(Command::UpdateCampaign {
            id,
            settings: Box::new(other_agent),
            changed_by: "tester (test)".into(),
        })
        .await
        .expect_err("the agent waits for a pause");
    let message = refused.to_string();
    assert!(
        matches!(refused, EngineError::Refused(_))
            && message.contains("Agent name")
            && message.contains("pause it"),
        "{refused:?}"
    );

    // The change is on the timeline, with who made it, and kept.
    let mut told = Vec::new();
    while let Ok(event) = events.try_recv() {
        if event.kind == EngineEventKind::SettingsChanged {
            told.push(event.detail);
        }
    }
    assert_eq!(
        told,
        ["tester (test) changed Concurrent calls 1 → 3"],
        "exactly the one change that was made"
    );
    let kept = match h
        .engine
        .query(Query::SettingsChanges {
            campaign: id,
            limit: 10,
        })
        .await
        .unwrap()
    {
        Answer::SettingsChanges(rows) => rows,
        other => panic!("{other:?}"),
    };
    assert_eq!(kept.len(), 1, "{kept:?}");
    assert_eq!(kept[0].changed_by, "tester (test)");
    assert_eq!(
        (
            kept[0].change.key.as_str(),
            kept[0].change.from.as_str(),
            kept[0].change.to.as_str()
        ),
        ("max_concurrent", "1", "3")
    );

    // Lowered again: calls in flight finish, no new dial until fewer than 2 are up.
    let mut lowered = raised;
    lowered.max_concurrent = 2;
    h.engine
        .send(Command::UpdateCampaign {
            id,
            settings: Box::new(lowered),
            changed_by: "tester (test)".into(),
        })
        .await
        .unwrap();
    let placed_at_change = h.stats().calls_placed;
    h.until("down to two in flight", |s| {
        s.campaign(id).is_some_and(|c| c.slots.len() <= 2)
    })
    .await;
    h.engine.send(Command::Pause(id)).await.unwrap();
    let stats = h.stats();
    assert!(stats.max_concurrent_calls() <= 3, "{stats:?}");
    assert!(stats.calls_placed >= placed_at_change, "{stats:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_api_patches_a_running_campaign_and_lists_who_changed_what() {
    let sandbox = SandboxConfig {
        ring: SecondsRange::new(20.0, 30.0),
        ..quick_sandbox()
    };
    let api = api::start_following(Following::Webhooks, sandbox).await;
    let created = api
        .post(
            "/campaigns",
            json!({
                "name": "patched live",
                "agentName": "test-agent",
                "sipTrunkId": "ST_sandbox",
                "maxConcurrent": 1,
                "retryAttempts": 1,
                "callingWindow": "00:00-23:59",
                "timezone": "UTC",
            }),
        )
        .await;
    assert_eq!(created.status, StatusCode::CREATED, "{created:#?}");
    let id = created.data()["id"].as_i64().unwrap();
    let leads: Vec<_> = (0..20)
        .map(|n| json!({"phoneNumber": format!("+1212555{:04}", 3000 + n)}))
        .collect();
    let bulk = api
        .post(
            &format!("/campaigns/{id}/leads/bulk"),
            json!({ "leads": leads }),
        )
        .await;
    assert!(bulk.status.is_success(), "{bulk:#?}");
    api.post(&format!("/campaigns/{id}/start"), json!({}))
        .await
        .data();

    let patched = api
        .call(
            Method::PATCH,
            &format!("/campaigns/{id}"),
            Some(json!({"maxConcurrent": 4, "dailyCap": 500})),
        )
        .await;
    assert_eq!(patched.data()["maxConcurrent"], 4);
    assert_eq!(patched.data()["status"], "running");

    let refused = api
        .call(
            Method::PATCH,
            &format!("/campaigns/{id}"),
            Some(json!({"agentName": "other-agent", "maxConcurrent": 5})),
        )
        .await;
    let message = refused.error(StatusCode::CONFLICT);
    assert!(
        message.contains("Agent name") && message.contains("pause it"),
        "{message}"
    );
    let unchanged = api.get(&format!("/campaigns/{id}")).await;
    assert_eq!(
        unchanged.data()["maxConcurrent"],
        4,
        "a refused edit changes nothing"
    );

    let changes = api.get(&format!("/campaigns/{id}/changes")).await;
    let changes = changes.data().as_array().unwrap().clone();
    let seen: Vec<(String, String, String, String)> = changes
        .iter()
        .map(|c| {
            let field = |k: &str| c[k].as_str().unwrap_or_default().to_string();
            (field("changedBy"), field("key"), field("from"), field("to"))
        })
        .collect();
    assert_eq!(
        seen,
        [
            (
                "the API".into(),
                "max_concurrent".into(),
                "1".into(),
                "4".into()
            ),
            (
                "the API".into(),
                "daily_cap".into(),
                "".into(),
                "500".into()
            ),
        ]
    );
    let bad = api.get(&format!("/campaigns/{id}/changes?limit=0")).await;
    assert!(bad.error(StatusCode::BAD_REQUEST).starts_with("limit:"));
    let missing = api.get("/campaigns/999/changes").await;
    assert!(missing.error(StatusCode::NOT_FOUND).contains("999"));
    api.stop().await;
}
