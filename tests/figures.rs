//! Every screen shows the same figures for one campaign: the engine's snapshot (what
//! the console and `/status` show) and the store's stats (what `switchboard status`
//! and `/stats` show) agree on outcomes, answer rate, ring and talk time and progress
//! after a real run against the sandbox over the API.

mod common;

use common::{api, in_every_mode, Following};
use serde_json::{json, Value};
use std::collections::BTreeMap;
use switchboard::domain::figures::{AnswerRate, LeadCounts, Progress};
use switchboard::domain::Outcome;

#[tokio::test]
async fn snapshot_and_status_agree_on_every_figure_of_a_run() {
    in_every_mode(every_figure_agrees).await;
}

async fn every_figure_agrees(mode: Following) {
    // The sandbox's own mix of answers, no-answers, busy lines and rejections.
    let mut sandbox = common::quick_sandbox();
    sandbox.outcomes = switchboard::sandbox::SandboxConfig::default().outcomes;
    let api = api::start_following(mode, sandbox).await;
    let created = api
        .post(
            "/campaigns",
            json!({
                "name": "Figures",
                "agentName": "test-agent",
                "sipTrunkId": "ST_sandbox",
                "maxConcurrent": 4,
                "callDelay": 0,
                "retryFailed": false,
                "callingWindow": "00:00-23:59",
                "timezone": "UTC",
            }),
        )
        .await;
    let id = created.data()["id"].as_i64().unwrap();
    for i in 0..24 {
        let lead = api
            .post(
                &format!("/campaigns/{id}/leads"),
                json!({ "phoneNumber": format!("+1212555{:04}", 100 + i) }),
            )
            .await;
        lead.data();
    }
    api.post(&format!("/campaigns/{id}/start"), json!({}))
        .await
        .data();
    let view = api
        .until(&format!("/campaigns/{id}/status"), "the run's end", |c| {
            c["status"] == "completed"
        })
        .await;
    let stats = api
        .get(&format!("/campaigns/{id}/stats"))
        .await
        .data()
        .clone();

    // Outcomes: the engine's tally is the store's.
    let outcomes: BTreeMap<Outcome, u64> =
        serde_json::from_value(view["outcomes"].clone()).expect("outcomes");
    let by_name: BTreeMap<String, u64> =
        outcomes.iter().map(|(o, n)| (o.to_string(), *n)).collect();
    let stored: BTreeMap<String, u64> =
        serde_json::from_value(stats["attemptsByOutcome"].clone()).unwrap();
    assert_eq!(by_name, stored);
    assert!(outcomes.len() > 1, "a mix of outcomes: {outcomes:?}");
    assert_eq!(stats["attemptsInFlight"], 0);

    // Answer rate.
    let rate = AnswerRate::of(&outcomes);
    assert_eq!(stats["callsAnswered"], rate.answered);
    assert_eq!(stats["callsDecided"], rate.decided);
    assert_eq!(stats["answerRate"].as_f64(), rate.ratio());

    // Ring and talk time: the snapshot's mean (ms) is status's (s).
    let secs = |v: &Value| v.as_f64().map(|s| (s * 1000.0).round() as u64);
    assert_eq!(
        view["avgRingMs"].as_u64(),
        secs(&stats["avgRingSecs"]),
        "ring: {view} {stats}"
    );
    assert_eq!(
        view["avgTalkMs"].as_u64(),
        secs(&stats["avgTalkSecs"]),
        "talk: {view} {stats}"
    );
    assert!(view["avgRingMs"].as_u64().is_some());
    let ring_ms = view["avgRingMs"].as_u64().unwrap();
    assert!(ring_ms <= 30_000, "never past the ring timeout: {ring_ms}");

    // Progress: every lead called to an end, all 24 of 24, on both.
    let counts: LeadCounts = serde_json::from_value(view["leads"].clone()).unwrap();
    let progress = Progress::of(&counts);
    assert_eq!(serde_json::to_value(progress).unwrap(), stats["progress"]);
    assert_eq!((progress.finished, progress.callable), (24, 24));
    assert_eq!(progress.ratio(), Some(1.0));
    assert_eq!(view["etaMs"], Value::Null, "no ETA once completed");
    api.stop().await;
}

#[tokio::test]
async fn the_eta_is_measured_while_running_and_gone_while_paused() {
    in_every_mode(the_eta_measured).await;
}

async fn the_eta_measured(mode: Following) {
    let mut sandbox = api::answering_sandbox();
    // Calls talk for two real seconds, two at a time: about one dial a second.
    sandbox.talk = switchboard::sandbox::SecondsRange::new(2_000.0, 2_000.0);
    let api = api::start_following(mode, sandbox).await;
    let created = api
        .post(
            "/campaigns",
            json!({
                "name": "ETA",
                "agentName": "test-agent",
                "sipTrunkId": "ST_sandbox",
                "maxConcurrent": 2,
                "callDelay": 0,
                "callingWindow": "00:00-23:59",
                "timezone": "UTC",
            }),
        )
        .await;
    let id = created.data()["id"].as_i64().unwrap();
    let leads: Vec<Value> = (0..40)
        .map(|i| json!({ "phoneNumber": format!("+1212555{:04}", 300 + i) }))
        .collect();
    api.post(
        &format!("/campaigns/{id}/leads/bulk"),
        json!({ "leads": leads }),
    )
    .await
    .data();
    let started = std::time::Instant::now();
    api.post(&format!("/campaigns/{id}/start"), json!({}))
        .await
        .data();
    let running = loop {
        let view = api
            .get(&format!("/campaigns/{id}/status"))
            .await
            .data()
            .clone();
        if view["etaMs"].is_u64() {
            break view;
        }
        assert!(
            started.elapsed() < std::time::Duration::from_secs(60),
            "no ETA after a minute: {view}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    // None until the rate is known: the two slots filling at once say nothing of it
    // (counted, they made ten leads look like seconds of work). Dials are counted in
    // whole seconds, so the span may read up to a second long.
    let min_span = switchboard::domain::figures::ETA_MIN_SPAN - chrono::Duration::seconds(1);
    assert!(
        started.elapsed() >= min_span.to_std().unwrap(),
        "an ETA after {:?}: {running}",
        started.elapsed()
    );
    assert_eq!(running["status"], "running", "{running}");
    let leads = &running["leads"];
    let remaining = ["pending", "retryWait", "dialing"]
        .iter()
        .map(|k| leads[k].as_u64().unwrap())
        .sum::<u64>();
    // At most one dial a second (each call talks 2 s, two at a time), and at least
    // one every five even on a loaded machine.
    let eta = running["etaMs"].as_u64().unwrap();
    assert!(
        (remaining * 800..=remaining * 5_000).contains(&eta),
        "{eta} ms for {remaining} leads: {running}"
    );
    api.post(&format!("/campaigns/{id}/pause"), json!({}))
        .await
        .data();
    let paused = api
        .until(&format!("/campaigns/{id}/status"), "paused", |c| {
            c["status"] == "paused"
        })
        .await;
    assert_eq!(
        paused["etaMs"],
        Value::Null,
        "no ETA counting down while paused"
    );
    api.post(&format!("/campaigns/{id}/stop?confirm=true"), json!({}))
        .await
        .data();
    api.stop().await;
}

#[tokio::test]
async fn the_demo_campaign_counts_the_leads_it_queued() {
    let h = common::Harness::start(common::quick_sandbox(), common::engine_config()).await;
    switchboard::cli::demo::prepare_campaign(&h.engine, false)
        .await
        .unwrap();
    // Not started: the header must still say 200 leads, not "0 / 0" beside the queue.
    let snapshot = h
        .until("the demo's leads counted", |s| {
            s.campaigns.first().is_some_and(|c| c.leads.total() > 0)
        })
        .await;
    let demo = &snapshot.campaigns[0];
    assert_eq!(demo.leads.total(), 200);
    assert_eq!(demo.leads.pending, 200);
    assert_eq!(demo.progress().callable, 200);
}
