//! `/metrics` as Prometheus sees it: an engine host runs a campaign against the
//! sandbox, then the page is scraped over TCP (bearer token) and over the local socket
//! (none), every line is checked as exposition format, and the counters are compared
//! with what `status` (the engine's status query) and the store say. The Grafana
//! dashboard and the alert rules may name only metrics the page has.

mod common;

use common::api::{self, ApiHost};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::collections::BTreeSet;
use switchboard::metrics::exposition::{self, Exposition};

const TOKEN: &str = "s3cret-token-0123456789abcdef-0123";
const CALLER_ID: &str = "+12125550187";

async fn scrape_socket(api: &ApiHost) -> Exposition {
    let response = api.http.get("http://engine/metrics").send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    read_page(response).await
}

async fn read_page(response: reqwest::Response) -> Exposition {
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        content_type.starts_with("text/plain; version=0.0.4"),
        "{content_type}"
    );
    let text = response.text().await.unwrap();
    exposition::parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn counters_match_status_and_the_page_is_valid_on_both_listeners() {
    let mut sandbox = common::quick_sandbox();
    sandbox.outcomes = switchboard::sandbox::OutcomeRates {
        answer: 0.5,
        voicemail: 0.0,
        no_answer: 0.2,
        busy: 0.2,
        reject: 0.0,
        invalid_number: 0.1,
        unavailable: 0.0,
        trunk_failure: 0.0,
        dropped_mid_call: 0.0,
    };
    let api = api::start_on(sandbox, Some(("127.0.0.1:0".parse().unwrap(), Some(TOKEN))))
        .await
        .expect("the engine host starts");
    let created = api
        .post(
            "/campaigns",
            json!({
                "name": "Measured", "agentName": "test-agent", "sipTrunkId": "ST_sandbox",
                "callerIdNumber": CALLER_ID, "maxConcurrent": 4, "callDelay": 0,
                "retryFailed": true, "retryAttempts": 2, "retryDelaySecs": 0,
                "callingWindow": "00:00-23:59", "timezone": "UTC",
            }),
        )
        .await;
    let id = created.data()["id"].as_i64().unwrap();
    let leads: Vec<Value> = (0..16)
        .map(|n| json!({"phoneNumber": format!("+1212555{:04}", 400 + n)}))
        .collect();
    let bulk = api
        .post(
            &format!("/campaigns/{id}/leads/bulk"),
            json!({"leads": leads}),
        )
        .await;
    assert_eq!(bulk.data()["imported"], 16);
    api.post(&format!("/campaigns/{id}/start"), json!({}))
        .await
        .data();
    api.until(
        &format!("/campaigns/{id}/status"),
        "the campaign to end",
        |c| c["status"] == "completed",
    )
    .await;

    // Over TCP: the API's bearer token, as for every other route there.
    let addr = api.host().tcp().expect("listening on TCP");
    let http = api::tcp_client();
    let url = format!("http://{addr}/metrics");
    let bare = http.get(&url).send().await.unwrap();
    assert_eq!(bare.status(), StatusCode::UNAUTHORIZED);
    let wrong = http.get(&url).bearer_auth("guess").send().await.unwrap();
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    let over_tcp = http.get(&url).bearer_auth(TOKEN).send().await.unwrap();
    assert_eq!(over_tcp.status(), StatusCode::OK);
    let tcp_page = read_page(over_tcp).await;
    // On the local socket (mode 0600): no token, like the rest of the API there.
    let page = scrape_socket(&api).await;

    let asked = api
        .post(
            "/engine/queries",
            json!({"query": "status", "campaign": id}),
        )
        .await;
    let status = &asked.data()["value"][0];
    let stats = &status["stats"];
    let campaign = id.to_string();
    let c = [("campaign", campaign.as_str())];
    let by_outcome = stats["attemptsByOutcome"].as_object().unwrap();
    assert!(by_outcome.len() >= 2, "a mix of outcomes: {by_outcome:?}");
    for p in [&page, &tcp_page] {
        for (outcome, n) in by_outcome {
            let labels = [
                ("campaign", campaign.as_str()),
                ("outcome", outcome.as_str()),
            ];
            assert_eq!(
                p.sum("switchboard_calls_ended_total", &labels),
                n.as_f64().unwrap(),
                "{outcome}"
            );
        }
        let ended: f64 = by_outcome.values().map(|n| n.as_f64().unwrap()).sum();
        assert_eq!(p.sum("switchboard_calls_ended_total", &c), ended);
        assert_eq!(stats["attempts"].as_f64().unwrap(), ended, "none in flight");
        let not_placed = by_outcome
            .get("not_placed")
            .map_or(0.0, |n| n.as_f64().unwrap());
        assert_eq!(
            p.sum("switchboard_calls_placed_total", &c),
            ended - not_placed
        );
        assert_eq!(
            p.sum("switchboard_calls_answered_total", &c),
            stats["callsAnswered"].as_f64().unwrap()
        );
        assert_eq!(
            p.sum("switchboard_calls_decided_total", &c),
            stats["callsDecided"].as_f64().unwrap()
        );
    }
    // The same answer rate as status shows, for the campaign and for its caller ID.
    let rate = stats["answerRate"].as_f64().unwrap();
    assert!((page.sum("switchboard_campaign_answer_ratio", &c) - rate).abs() < 1e-9);
    let pool = &status["caller_ids"][0];
    assert_eq!(pool["number"], CALLER_ID);
    let (answered, calls) = (
        pool["answered"].as_f64().unwrap(),
        pool["calls"].as_f64().unwrap(),
    );
    let number = [("caller_id", CALLER_ID)];
    assert_eq!(
        page.sum("switchboard_caller_id_answer_ratio", &number),
        answered / calls
    );
    assert_eq!(
        page.sum("switchboard_caller_id_window_calls", &number),
        calls
    );
    // Ring times of every placed call; talk time of the answered ones.
    assert_eq!(
        page.sum("switchboard_call_talk_seconds_count", &c),
        stats["callsAnswered"].as_f64().unwrap()
    );
    assert!(page.sum("switchboard_call_ring_seconds_count", &c) > 0.0);
    // The gauges of a completed campaign.
    let completed = [("campaign", campaign.as_str()), ("status", "completed")];
    assert_eq!(page.sum("switchboard_campaign_status", &completed), 1.0);
    assert_eq!(page.sum("switchboard_campaign_status", &c), 1.0);
    assert_eq!(page.sum("switchboard_campaign_pause_reason", &c), 0.0);
    assert_eq!(page.sum("switchboard_calls_in_flight", &c), 0.0);
    assert_eq!(page.sum("switchboard_calls_in_flight_limit", &c), 4.0);
    assert_eq!(page.sum("switchboard_leads", &c), 16.0);
    // The edges: LiveKit's requests, its webhooks, the store's commits.
    let dials = [("method", "CreateSIPParticipant")];
    let placed = page.sum("switchboard_calls_placed_total", &c);
    assert!(page.sum("switchboard_livekit_requests_total", &dials) >= placed);
    assert_eq!(
        page.sum("switchboard_livekit_request_duration_seconds_count", &dials),
        page.sum("switchboard_livekit_requests_total", &dials)
    );
    assert!(
        page.sum(
            "switchboard_webhook_deliveries_total",
            &[("result", "accepted")]
        ) > 0.0
    );
    assert!(page.sum("switchboard_store_write_duration_seconds_count", &[]) > 0.0);
    assert_eq!(page.sum("switchboard_build_info", &[]), 1.0);
    // No label carries a callee's number or a lead id.
    let callees: BTreeSet<String> = (0..16).map(|n| format!("+1212555{:04}", 400 + n)).collect();
    for sample in &page.samples {
        for (key, value) in &sample.labels {
            assert!(
                !callees.contains(value),
                "{} has {key}={value}",
                sample.name
            );
            assert!(key != "lead" && key != "phone", "{}", sample.name);
        }
    }
    api.stop().await;
}

/// Every metric the dashboard or the alert rules name is one `/metrics` exports, so
/// neither can drift from the code unseen.
#[test]
fn the_dashboard_and_the_alerts_name_only_exported_metrics() {
    let page = full_page();
    let exported = |name: &str| {
        page.types.contains_key(name)
            || ["_bucket", "_sum", "_count"].iter().any(|suffix| {
                name.strip_suffix(suffix)
                    .is_some_and(|family| page.types.get(family).is_some_and(|t| t == "histogram"))
            })
    };
    let root = env!("CARGO_MANIFEST_DIR");
    let dashboard =
        std::fs::read_to_string(format!("{root}/assets/grafana-dashboard.json")).unwrap();
    let alerts = std::fs::read_to_string(format!("{root}/assets/prometheus-alerts.yml")).unwrap();

    let json: Value = serde_json::from_str(&dashboard).expect("the dashboard is JSON");
    let inputs = json["__inputs"].as_array().expect("__inputs");
    assert!(inputs
        .iter()
        .any(|i| i["name"] == "DS_PROMETHEUS" && i["pluginId"] == "prometheus"));
    let panels = json["panels"].as_array().expect("panels");
    let mut in_dashboard = BTreeSet::new();
    for panel in panels.iter().filter(|p| p["type"] != "row") {
        assert_eq!(
            panel["datasource"]["uid"], "${DS_PROMETHEUS}",
            "{}",
            panel["title"]
        );
        let targets = panel["targets"].as_array().expect("targets");
        assert!(!targets.is_empty(), "{}", panel["title"]);
        for target in targets {
            in_dashboard.extend(metric_names(target["expr"].as_str().expect("expr")));
        }
    }
    let in_alerts = metric_names(&alerts);
    assert_eq!(alerts.matches("- alert:").count(), 3, "three example rules");
    for name in in_dashboard.iter().chain(&in_alerts) {
        assert!(exported(name), "{name} is not exported by /metrics");
    }
    // And the dashboard shows every family.
    for family in page.types.keys() {
        let shown = in_dashboard
            .iter()
            .any(|n| n == family || n.starts_with(&format!("{family}_")));
        assert!(shown, "the dashboard has no panel for {family}");
    }
    promtool_agrees(&alerts);
}

/// A page with a sample in every family (a registry right after each hook fired once).
fn full_page() -> Exposition {
    use switchboard::domain::figures::CallTimes;
    use switchboard::domain::{CampaignId, Outcome};
    use switchboard::metrics::caller_ids::CallerIdRate;
    let metrics = switchboard::metrics::Metrics::new();
    let t = chrono::Utc::now();
    let times = CallTimes {
        dialed_at: Some(t),
        answered_at: Some(t + chrono::Duration::seconds(3)),
        ended_at: Some(t + chrono::Duration::seconds(30)),
    };
    metrics.calls.call_ended(
        CampaignId(1),
        Outcome::Completed,
        &times,
        chrono::Duration::seconds(30),
        Some(900),
    );
    (metrics.edges.livekit_observer())("ListRooms", "ok", std::time::Duration::from_millis(2));
    (metrics.edges.webhook_observer())(true, 200);
    (metrics.edges.store_observer())(std::time::Duration::from_millis(1), true);
    let mut snapshot = switchboard::engine::Snapshot::default();
    snapshot.campaigns.push(campaign_view(1));
    let rates = vec![CallerIdRate {
        number: CALLER_ID.into(),
        health: switchboard::domain::number_health::Health {
            calls: 10,
            answered: 4,
        },
    }];
    let text = metrics.render(std::sync::Arc::new(snapshot), rates);
    if let Some(promtool) = promtool() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("metrics.txt");
        std::fs::write(&file, &text).unwrap();
        let checked = std::process::Command::new(promtool)
            .args(["check", "metrics"])
            .stdin(std::fs::File::open(&file).unwrap())
            .output()
            .unwrap();
        assert!(
            checked.status.success(),
            "{}",
            String::from_utf8_lossy(&checked.stderr)
        );
    }
    exposition::parse(&text).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

/// `switchboard_...` names in a PromQL expression or a rules file.
fn metric_names(text: &str) -> BTreeSet<String> {
    let mut names = BTreeSet::new();
    let mut rest = text;
    while let Some(at) = rest.find("switchboard_") {
        let tail = &rest[at..];
        let end = tail
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(tail.len());
        names.insert(tail[..end].to_string());
        rest = &tail[end..];
    }
    names
}

fn promtool() -> Option<&'static str> {
    std::process::Command::new("promtool")
        .arg("--version")
        .output()
        .ok()
        .filter(|o| o.status.success())
        .map(|_| "promtool")
}

/// `promtool check rules` when promtool is installed; not required.
fn promtool_agrees(_alerts: &str) {
    let Some(promtool) = promtool() else {
        eprintln!("promtool not installed: rules checked by name only");
        return;
    };
    let file = format!(
        "{}/assets/prometheus-alerts.yml",
        env!("CARGO_MANIFEST_DIR")
    );
    let checked = std::process::Command::new(promtool)
        .args(["check", "rules", &file])
        .output()
        .unwrap();
    assert!(
        checked.status.success(),
        "{}",
        String::from_utf8_lossy(&checked.stderr)
    );
}

/// A running campaign as the engine's snapshot shows it.
fn campaign_view(id: i64) -> switchboard::engine::CampaignView {
    use switchboard::domain::{CampaignId, CampaignStatus, Outcome};
    switchboard::engine::CampaignView {
        id: CampaignId(id),
        name: "Spring renewals".into(),
        status: CampaignStatus::Running,
        pause_reason: None,
        agent_name: "a".into(),
        trunk_id: "ST_1".into(),
        max_concurrent: 5,
        leads: Default::default(),
        outcomes: [(Outcome::Completed, 3), (Outcome::NoAnswer, 1)].into(),
        attempts_today: 0,
        daily_cap: None,
        slots: Vec::new(),
        next_up: Vec::new(),
        avg_ring_ms: None,
        avg_talk_ms: None,
        agent_join_p50_ms: None,
        agent_join_p95_ms: None,
        dials_per_minute: vec![0, 4],
        eta_ms: None,
        ring_timeout_ms: 30_000,
        next_retry_at: None,
        started_at: None,
        completed_at: None,
    }
}
