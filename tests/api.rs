//! The HTTP API as a client sees it: an engine host on a temp database with the
//! embedded sandbox, driven over its local socket (and TCP with a token). Every endpoint
//! answers in the envelope, bad input is a 4xx naming the field, and
//! `docs/openapi.json` lists exactly the routes the server has.

mod common;

use common::api::{self, ApiHost};
use eventsource_stream::Eventsource;
use futures::StreamExt;
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::collections::BTreeSet;
use std::time::Duration;
use switchboard::service::api::{endpoints, Origin};

fn campaign_body(name: &str) -> Value {
    json!({
        "name": name,
        "agentName": "test-agent",
        "sipTrunkId": "ST_sandbox",
        "callerIdNumber": "+12125550187",
        "maxConcurrent": 3,
        "callDelay": 0,
        "retryFailed": true,
        "retryAttempts": 2,
        "retryDelaySecs": 0,
        "callingWindow": "00:00-23:59",
        "timezone": "UTC",
    })
}

async fn create(api: &ApiHost, name: &str) -> i64 {
    let answer = api.post("/campaigns", campaign_body(name)).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{answer:#?}");
    answer.data()["id"].as_i64().unwrap()
}

#[tokio::test]
async fn campaigns_are_created_read_changed_and_deleted_in_camel_case() {
    let api = api::start().await;
    let health = api.get("/health").await;
    assert_eq!(health.data()["status"], "ok");

    let id = create(&api, "Spring renewals").await;
    let one = api.get(&format!("/campaigns/{id}")).await;
    let campaign = one.data();
    assert_eq!(campaign["name"], "Spring renewals");
    assert_eq!(campaign["sipTrunkId"], "ST_sandbox");
    assert_eq!(campaign["callerIdNumber"], "+12125550187");
    assert_eq!(campaign["callDelay"], 0);
    assert_eq!(campaign["retryAttempts"], 2);
    assert_eq!(campaign["retryFailed"], true);
    assert_eq!(campaign["status"], "draft");
    assert_eq!(campaign["callingWindow"], "00:00-23:59");

    let list = api.get("/campaigns").await;
    assert_eq!(list.data().as_array().unwrap().len(), 1);

    let patched = api
        .call(
            Method::PATCH,
            &format!("/campaigns/{id}"),
            Some(json!({"maxConcurrent": 7, "callerIdNumber": null, "retryFailed": false})),
        )
        .await;
    let patched = patched.data();
    assert_eq!(patched["maxConcurrent"], 7);
    assert_eq!(patched["callerIdNumber"], Value::Null);
    assert_eq!(patched["retryFailed"], false);
    assert_eq!(patched["name"], "Spring renewals", "untouched fields stay");

    let status = api.get(&format!("/campaigns/{id}/status")).await;
    assert_eq!(status.data()["id"], id);

    // With a lead and a start an hour ahead it waits, so it can be paused, resumed, stopped.
    let lead = api
        .post(
            &format!("/campaigns/{id}/leads"),
            json!({"phoneNumber": "+12125550131"}),
        )
        .await;
    assert_eq!(lead.status, StatusCode::CREATED);
    let later = (chrono::Utc::now() + chrono::Duration::hours(1)).to_rfc3339();
    let scheduled = api
        .call(
            Method::PATCH,
            &format!("/campaigns/{id}"),
            Some(json!({"startAt": later})),
        )
        .await;
    assert!(scheduled.data()["startAt"].is_string());
    for verb in ["start", "pause", "resume"] {
        let answer = api
            .post(&format!("/campaigns/{id}/{verb}"), json!({}))
            .await;
        assert_eq!(answer.data(), &json!("done"), "{verb}");
    }
    // A stop cannot be undone: without `confirm=true` it is refused, naming the fix.
    let unconfirmed = api.post(&format!("/campaigns/{id}/stop"), json!({})).await;
    let refusal = unconfirmed.error(StatusCode::BAD_REQUEST);
    assert!(refusal.contains("confirm"), "{refusal}");
    assert!(refusal.contains("?confirm=true"), "{refusal}");
    let still = api.get(&format!("/campaigns/{id}")).await;
    assert_ne!(still.data()["status"], "stopped", "not stopped unconfirmed");
    let stopped = api
        .post(&format!("/campaigns/{id}/stop?confirm=true"), json!({}))
        .await;
    assert_eq!(stopped.data(), &json!("done"));
    let now = api.get(&format!("/campaigns/{id}")).await;
    assert_eq!(now.data()["status"], "stopped");
    let stats = api.get(&format!("/campaigns/{id}/stats")).await;
    assert_eq!(stats.data()["leads"], 1);
    assert_eq!(
        stats.data()["attempts"],
        0,
        "nothing dialled before its start"
    );

    let deleted = api
        .call(Method::DELETE, &format!("/campaigns/{id}"), None)
        .await;
    assert_eq!(deleted.data()["deleted"], id);
    let gone = api.get(&format!("/campaigns/{id}")).await;
    assert!(gone.error(StatusCode::NOT_FOUND).contains("campaign"));
    api.stop().await;
}

#[tokio::test]
async fn bad_input_is_a_4xx_that_names_the_field() {
    let api = api::start().await;
    let not_json = api.raw(Method::POST, "/campaigns", "hello").await;
    assert!(not_json
        .error(StatusCode::BAD_REQUEST)
        .contains("not valid JSON"));
    let cut_short = api.raw(Method::POST, "/campaigns", "{\"name\": ").await;
    assert!(
        cut_short
            .error(StatusCode::BAD_REQUEST)
            .starts_with("name: "),
        "{cut_short:#?}"
    );

    let mut wrong_type = campaign_body("x");
    wrong_type["maxConcurrent"] = json!("five");
    let answer = api.post("/campaigns", wrong_type).await;
    assert!(
        answer
            .error(StatusCode::BAD_REQUEST)
            .starts_with("maxConcurrent: invalid type"),
        "{answer:#?}"
    );

    let mut misspelt = campaign_body("x");
    misspelt["maxConcurent"] = json!(3);
    let answer = api.post("/campaigns", misspelt).await;
    assert!(
        answer
            .error(StatusCode::BAD_REQUEST)
            .contains("unknown field `maxConcurent`"),
        "{answer:#?}"
    );

    let mut too_slow = campaign_body("x");
    too_slow["callDelay"] = json!(3_600_001);
    let answer = api.post("/campaigns", too_slow).await;
    assert_eq!(
        answer.error(StatusCode::BAD_REQUEST),
        "callDelay: 3600001 is too large: at most 3600000 (1 hour)"
    );

    let long_name = campaign_body(&"x".repeat(100_000));
    let answer = api.post("/campaigns", long_name).await;
    assert_eq!(
        answer.error(StatusCode::BAD_REQUEST),
        "name: 100000 characters long: at most 200"
    );

    let answer = api
        .post("/campaigns", json!({"name": "x", "sipTrunkId": "ST_1"}))
        .await;
    assert!(answer
        .error(StatusCode::BAD_REQUEST)
        .starts_with("agentName: "));

    let answer = api.get("/campaigns/abc").await;
    assert!(
        answer.error(StatusCode::BAD_REQUEST).contains("`id`"),
        "{answer:#?}"
    );
    let answer = api.get("/campaigns/999").await;
    assert!(answer.error(StatusCode::NOT_FOUND).contains("campaign 999"));
    let answer = api.get("/calls/999").await;
    assert!(answer.error(StatusCode::NOT_FOUND).contains("attempt 999"));
    let answer = api.post("/campaigns/999/start", json!({})).await;
    assert_eq!(answer.status, StatusCode::NOT_FOUND);
    let answer = api
        .post(
            "/campaigns/999/leads",
            json!({"phoneNumber": "+12125550101"}),
        )
        .await;
    assert!(answer.error(StatusCode::NOT_FOUND).contains("campaign 999"));

    let id = create(&api, "x").await;
    let answer = api
        .get(&format!("/campaigns/{id}/calls?outcome=maybe"))
        .await;
    assert!(answer
        .error(StatusCode::BAD_REQUEST)
        .starts_with("outcome: "));
    let answer = api.get(&format!("/campaigns/{id}/calls?limt=5")).await;
    assert!(
        answer.error(StatusCode::BAD_REQUEST).contains("limt"),
        "{answer:#?}"
    );
    let answer = api
        .call(
            Method::PUT,
            "/outbound-calls/no-such-room/outcome",
            Some(json!({"outcome": "interested"})),
        )
        .await;
    assert!(answer.error(StatusCode::NOT_FOUND).starts_with("callId: "));
    let answer = api
        .call(
            Method::PUT,
            "/outbound-calls/no-such-room/outcome",
            Some(json!({"outcome": "y".repeat(65)})),
        )
        .await;
    assert!(
        answer
            .error(StatusCode::BAD_REQUEST)
            .starts_with("outcome: 65 characters long: at most 64"),
        "{answer:#?}"
    );
    let answer = api
        .post("/dnc", json!({"phoneNumber": "not a phone"}))
        .await;
    assert!(answer
        .error(StatusCode::BAD_REQUEST)
        .starts_with("phoneNumber: "));

    let huge = json!({"name": "x".repeat(2 * 1024 * 1024)});
    let answer = api.post("/campaigns", huge).await;
    assert!(answer
        .error(StatusCode::PAYLOAD_TOO_LARGE)
        .contains("larger than this endpoint's limit"));

    let answer = api.get("/nowhere").await;
    assert!(answer
        .error(StatusCode::NOT_FOUND)
        .contains("no such endpoint"));
    api.stop().await;
}

#[tokio::test]
async fn leads_come_singly_in_bulk_and_as_csv_with_rejects_reported() {
    let api = api::start().await;
    let id = create(&api, "Leads").await;
    let one = api
        .post(
            &format!("/campaigns/{id}/leads"),
            json!({"phoneNumber": "(212) 555-0101", "name": "Ada", "metadata": {"plan": "gold", "seats": 3}}),
        )
        .await;
    assert_eq!(one.status, StatusCode::CREATED, "{one:#?}");
    assert_eq!(one.data()["imported"], 1);

    // In a campaign of its own, so the counts below stay those of the first.
    let other = create(&api, "Several numbers").await;
    let several = api
        .post(
            &format!("/campaigns/{other}/leads"),
            json!({"phoneNumber": "+12125550161", "alternatePhoneNumbers": ["+12125550162", "12"], "metadata": {"mobile": "kept as a variable"}}),
        )
        .await;
    assert_eq!(several.status, StatusCode::CREATED, "{several:#?}");
    assert_eq!(several.data()["imported"], 1);
    let dropped = &several.data()["droppedAlternates"][0];
    assert!(
        dropped["reason"]
            .as_str()
            .unwrap()
            .starts_with("alternatePhoneNumbers[1]: `12`"),
        "{several:#?}"
    );

    let again = api
        .post(
            &format!("/campaigns/{id}/leads"),
            json!({"phoneNumber": "+12125550101"}),
        )
        .await;
    assert!(again
        .error(StatusCode::CONFLICT)
        .contains("already in the campaign"));
    let bad = api
        .post(
            &format!("/campaigns/{id}/leads"),
            json!({"phoneNumber": "12"}),
        )
        .await;
    assert!(
        bad.error(StatusCode::BAD_REQUEST)
            .starts_with("phoneNumber: "),
        "{bad:#?}"
    );

    let bulk = api
        .post(
            &format!("/campaigns/{id}/leads/bulk"),
            json!({"leads": [
                {"phoneNumber": "+12125550102", "name": "Grace"},
                {"phoneNumber": "not a number"},
                {"phoneNumber": "+12125550103", "metadata": {"nested": {"no": 1}}},
                {"phoneNumber": "+12125550104", "timezone": "Mars/Olympus"},
                {"phoneNumber": "+12125550105", "priority": 5},
            ]}),
        )
        .await;
    let report = bulk.data();
    assert_eq!(report["received"], 5);
    assert_eq!(report["imported"], 2);
    assert_eq!(report["rejected"], 3);
    let rejected: Vec<(i64, String)> = report["rejectedRows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["index"].as_i64().unwrap(),
                r["reason"].as_str().unwrap().into(),
            )
        })
        .collect();
    assert_eq!(rejected.iter().map(|r| r.0).collect::<Vec<_>>(), [1, 2, 3]);
    assert!(rejected[0].1.starts_with("phoneNumber: "), "{rejected:?}");
    assert!(
        rejected[1].1.starts_with("metadata.nested: an object"),
        "{rejected:?}"
    );
    assert!(rejected[2].1.contains("Mars/Olympus"), "{rejected:?}");

    let csv =
        "phone,name,city\n+12125550106,Alan,London\nbogus,Bad,Row\n+12125550107,Edsger,Austin\n";
    let upload = api
        .http
        .post(format!(
            "http://engine/api/v1/campaigns/{id}/leads/upload?region=US"
        ))
        .header("content-type", "text/csv")
        .body(csv)
        .send()
        .await
        .unwrap();
    let upload = api::read(upload).await;
    let report = upload.data();
    assert_eq!(report["imported"], 2);
    assert_eq!(report["rejected"], 1);
    assert_eq!(report["rejectedRows"][0]["line"], 3, "{report:#?}");

    let empty = api
        .http
        .post(format!("http://engine/api/v1/campaigns/{id}/leads/upload"))
        .body("")
        .send()
        .await
        .unwrap();
    assert!(api::read(empty)
        .await
        .error(StatusCode::BAD_REQUEST)
        .contains("empty"));

    let stats = api.get(&format!("/campaigns/{id}/stats")).await;
    assert_eq!(stats.data()["leads"], 5);
    // The engine re-read the campaign after each import.
    let status = api
        .until(&format!("/campaigns/{id}/status"), "five leads", |c| {
            c["leads"]["pending"] == 5
        })
        .await;
    assert_eq!(status["leads"]["pending"], 5, "{status:#?}");
    api.stop().await;
}

/// Many single leads posted at once share imports (one transaction and one engine
/// re-read for all that arrived together), and each request still gets its own answer:
/// 201 with its own report, 400 for its bad number, 409 for a number already taken.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn single_leads_posted_at_once_share_imports_and_are_answered_one_by_one() {
    let api = api::start().await;
    let id = create(&api, "Flood").await;
    let listed = api
        .post("/dnc", json!({"phoneNumber": "+12125550199"}))
        .await;
    assert_eq!(listed.status, StatusCode::CREATED);
    let first = api
        .post(
            &format!("/campaigns/{id}/leads"),
            json!({"phoneNumber": "+12125550100"}),
        )
        .await;
    assert_eq!(first.status, StatusCode::CREATED);

    // 80 good numbers, one listed as do-not-call, one bad, one already in the campaign;
    // the metadata keys differ from lead to lead.
    let mut bodies: Vec<Value> = (0..80)
        .map(|n| json!({"phoneNumber": format!("+1212555{:04}", 1000 + n), "metadata": {format!("k{}", n % 7): n}}))
        .collect();
    bodies.push(json!({"phoneNumber": "+12125550199"}));
    bodies.push(json!({"phoneNumber": "12"}));
    bodies.push(json!({"phoneNumber": "(212) 555-0100"}));
    let answers = futures::future::join_all(bodies.iter().map(|body| {
        let api = &api;
        async move {
            api.post(&format!("/campaigns/{id}/leads"), body.clone())
                .await
        }
    }))
    .await;
    for answer in &answers[..80] {
        assert_eq!(answer.status, StatusCode::CREATED, "{answer:#?}");
        assert_eq!(answer.data()["imported"], 1);
        assert_eq!(answer.data()["dnc"], 0, "{answer:#?}");
    }
    assert_eq!(answers[80].status, StatusCode::CREATED);
    assert_eq!(answers[80].data()["dnc"], 1, "{:#?}", answers[80]);
    assert!(answers[81]
        .error(StatusCode::BAD_REQUEST)
        .starts_with("phoneNumber: "));
    assert!(answers[82]
        .error(StatusCode::CONFLICT)
        .contains("already in the campaign (lead "));

    let stats = api.get(&format!("/campaigns/{id}/stats")).await;
    assert_eq!(stats.data()["leads"], 82);
    // Each import numbers its rows from line 2: a lead on a later line came in an
    // import with others.
    let db = rusqlite::Connection::open(api.dir.path().join("engine.db")).unwrap();
    let shared: i64 = db
        .query_row(
            "SELECT count(*) FROM leads WHERE import_line > 2",
            [],
            |r| r.get(0),
        )
        .unwrap();
    assert!(shared > 0, "every lead had an import of its own");
    // The snapshot counts them all: the engine re-read the campaign before answering.
    let status = api
        .until(&format!("/campaigns/{id}/status"), "81 pending", |c| {
            c["leads"]["pending"] == 81
        })
        .await;
    assert_eq!(status["leads"]["dnc"], 1, "{status:#?}");
    api.stop().await;
}

/// `GET /campaigns/{id}/export` streams exactly what `switchboard export` writes from
/// the database, its count ahead in `X-Attempt-Count`; `Query::Status` answers what
/// `switchboard status` reads. An unknown campaign is a 404 naming it.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn exports_and_status_come_from_the_engine_as_from_the_database() {
    use switchboard::export::{export_attempts, ExportFormat};
    let api = api::start().await;
    let id = create(&api, "Exported").await;
    let leads: Vec<Value> = (0..4)
        .map(|n| json!({"phoneNumber": format!("+1212555{:04}", 300 + n), "metadata": {"plan": "gold"}}))
        .collect();
    let bulk = api
        .post(
            &format!("/campaigns/{id}/leads/bulk"),
            json!({"leads": leads}),
        )
        .await;
    assert_eq!(bulk.data()["imported"], 4);
    assert_eq!(
        api.post(&format!("/campaigns/{id}/start"), json!({}))
            .await
            .data(),
        &json!("done")
    );
    api.until(
        &format!("/campaigns/{id}/status"),
        "the campaign to end",
        |c| c["status"] == "completed",
    )
    .await;

    let reader = api.host().runtime.engine.reader().clone();
    for (format, name) in [
        (ExportFormat::Csv, "csv"),
        (ExportFormat::Jsonl, "jsonl"),
        (ExportFormat::Json, "json"),
    ] {
        let response = api
            .http
            .get(format!(
                "http://engine/api/v1/campaigns/{id}/export?format={name}"
            ))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), StatusCode::OK);
        let count: u64 = response.headers()["x-attempt-count"]
            .to_str()
            .unwrap()
            .parse()
            .unwrap();
        let streamed = response.bytes().await.unwrap();
        let store = reader.clone();
        let (direct, direct_count) = tokio::task::spawn_blocking(move || {
            let mut out = Vec::new();
            let n = export_attempts(
                &store,
                switchboard::domain::CampaignId(id),
                format,
                &mut out,
            )
            .unwrap();
            (out, n)
        })
        .await
        .unwrap();
        assert!(direct_count >= 4, "every lead was called at least once");
        assert_eq!(count, direct_count, "{name}");
        assert_eq!(
            String::from_utf8_lossy(&streamed),
            String::from_utf8_lossy(&direct),
            "{name}"
        );
    }
    let unknown = api.get("/campaigns/999/export").await;
    assert!(
        unknown
            .error(StatusCode::NOT_FOUND)
            .contains("campaign 999"),
        "{unknown:#?}"
    );
    let bad_format = api
        .get(&format!("/campaigns/{id}/export?format=xlsx"))
        .await;
    assert!(
        bad_format.error(StatusCode::BAD_REQUEST).contains("format"),
        "{bad_format:#?}"
    );

    let asked = api
        .post(
            "/engine/queries",
            json!({"query": "status", "campaign": id}),
        )
        .await;
    let answered = &asked.data()["value"];
    let now = chrono::Utc::now();
    let direct = reader
        .read(move |c| switchboard::store::reports::status_reports(c, None, now))
        .await
        .unwrap();
    assert_eq!(answered[0]["record"]["id"], id);
    assert_eq!(
        answered[0]["stats"],
        serde_json::to_value(&direct[0].stats).unwrap()
    );
    api.stop().await;
}

#[tokio::test]
async fn an_upload_cut_off_midway_imports_nothing_and_the_engine_carries_on() {
    use tokio::io::AsyncWriteExt;
    let api = api::start().await;
    let id = create(&api, "Cut").await;
    let mut stream = tokio::net::UnixStream::connect(api.host().socket())
        .await
        .unwrap();
    let head = format!(
        "POST /api/v1/campaigns/{id}/leads/upload HTTP/1.1\r\nhost: engine\r\ncontent-length: 100000\r\n\r\nphone\n+12125550101\n+12125550102\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.flush().await.unwrap();
    drop(stream);
    // The import rolls back; the engine answers as before.
    for _ in 0..50 {
        tokio::time::sleep(Duration::from_millis(20)).await;
        let stats = api.get(&format!("/campaigns/{id}/stats")).await;
        assert_eq!(stats.data()["leads"], 0);
    }
    api.stop().await;
}

#[tokio::test]
async fn a_campaign_runs_and_its_calls_events_and_dispositions_are_served() {
    let api = api::start().await;
    let id = create(&api, "Run").await;
    let bulk = api
        .post(
            &format!("/campaigns/{id}/leads/bulk"),
            json!({"leads": [
                {"phoneNumber": "+12125550111", "name": "One"},
                {"phoneNumber": "+12125550112", "name": "Two"},
            ]}),
        )
        .await;
    assert_eq!(bulk.data()["imported"], 2);

    let events = api
        .http
        .get("http://engine/api/v1/events")
        .send()
        .await
        .unwrap();
    assert_eq!(events.status(), StatusCode::OK);
    let mut events = events.bytes_stream().eventsource();

    let started = api.post(&format!("/campaigns/{id}/start"), json!({})).await;
    assert_eq!(started.data(), &json!("done"));
    let first = tokio::time::timeout(Duration::from_secs(20), events.next())
        .await
        .expect("an event within 20 s")
        .expect("the stream is open")
        .expect("a well-formed event");
    assert_eq!(first.event, "engine");
    let event: Value = serde_json::from_str(&first.data).unwrap();
    assert_eq!(event["campaign"], id, "{event:#?}");

    let done = api
        .until(
            &format!("/campaigns/{id}/calls?outcome=completed"),
            "two completed calls",
            |p| p["calls"].as_array().unwrap().len() == 2,
        )
        .await;
    let calls = done["calls"].as_array().unwrap();
    let (first_call, second_call) = (&calls[0], &calls[1]);
    assert_eq!(first_call["state"], "completed");
    let page = api.get(&format!("/campaigns/{id}/calls?limit=1")).await;
    let page = page.data();
    assert_eq!(page["calls"].as_array().unwrap().len(), 1);
    assert_eq!(page["next"], first_call["id"]);
    let none = api
        .get(&format!("/campaigns/{id}/calls?outcome=busy"))
        .await;
    assert_eq!(none.data()["calls"], json!([]));

    let attempt = first_call["id"].as_i64().unwrap();
    let reported = api
        .call(
            Method::PUT,
            &format!("/outbound-calls/{attempt}/outcome"),
            Some(json!({"outcome": "callback_requested", "note": "after 5pm"})),
        )
        .await;
    assert_eq!(reported.data(), &json!("done"));
    let room = second_call["room"].as_str().unwrap();
    let reported = api
        .call(
            Method::PUT,
            &format!("/outbound-calls/{room}/outcome"),
            Some(json!({"disposition": "not_interested"})),
        )
        .await;
    assert_eq!(reported.data(), &json!("done"));

    for (call, value) in [
        (attempt, "callback_requested"),
        (second_call["id"].as_i64().unwrap(), "not_interested"),
    ] {
        let timeline = api
            .until(&format!("/calls/{call}"), "the disposition", |c| {
                c["events"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .any(|e| e["kind"] == "disposition" && e["detail"] == value)
            })
            .await;
        assert_eq!(timeline["campaignId"], id);
        assert!(timeline["events"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["kind"] == "dialing"));
    }
    let with_note = api.get(&format!("/calls/{attempt}")).await;
    let note = with_note.data()["events"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["detail"] == "callback_requested")
        .unwrap()["data"]["note"]
        .clone();
    assert_eq!(note, "after 5pm");

    let stats = api.get(&format!("/campaigns/{id}/stats")).await;
    assert_eq!(stats.data()["callsAnswered"], 2);
    let done = api
        .post(&format!("/campaigns/{id}/stop?confirm=true"), json!({}))
        .await;
    assert!(done.error(StatusCode::CONFLICT).contains("already"));
    api.stop().await;
}

/// A variant's calls dispatch the variant's agent, and every place that names the agent
/// (the timeline `GET /calls/:id` serves, from which the console and events are built)
/// names that one; the call says which variant it was.
#[tokio::test]
async fn a_variants_call_names_its_own_agent_and_its_variant() {
    let api = api::start().await;
    let mut body = campaign_body("A/B agents");
    body["variants"] = json!([
        {"name": "A", "weight": 50},
        {"name": "B", "agentName": "closer-agent", "weight": 50},
    ]);
    let answer = api.post("/campaigns", body).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{answer:#?}");
    let id = answer.data()["id"].as_i64().unwrap();
    let leads: Vec<Value> = (0..8)
        .map(|i| json!({"phoneNumber": format!("+1212555013{i}")}))
        .collect();
    let bulk = api
        .post(
            &format!("/campaigns/{id}/leads/bulk"),
            json!({"leads": leads}),
        )
        .await;
    assert_eq!(bulk.data()["imported"], 8);
    api.post(&format!("/campaigns/{id}/start"), json!({})).await;
    let done = api
        .until(
            &format!("/campaigns/{id}/calls?outcome=completed"),
            "eight completed calls",
            |p| p["calls"].as_array().unwrap().len() == 8,
        )
        .await;
    let mut variants_seen = BTreeSet::new();
    for call in done["calls"].as_array().unwrap() {
        let variant = call["variant"].as_str().expect("each call has its variant");
        let expected_agent = match variant {
            "A" => "test-agent",
            "B" => "closer-agent",
            other => panic!("unknown variant {other}"),
        };
        let timeline = api
            .until(
                &format!("/calls/{}", call["id"]),
                "the dispatch in the timeline",
                |c| {
                    c["events"]
                        .as_array()
                        .unwrap()
                        .iter()
                        .any(|e| e["kind"] == "agent_dispatched")
                },
            )
            .await;
        assert_eq!(timeline["variant"], variant);
        let dispatched: Vec<&Value> = timeline["events"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|e| e["kind"] == "agent_dispatched")
            .collect();
        assert!(
            dispatched.iter().all(|e| e["detail"] == expected_agent),
            "variant {variant}: {dispatched:#?}"
        );
        variants_seen.insert(variant.to_string());
    }
    assert_eq!(variants_seen.len(), 2, "both variants were called");
    api.stop().await;
}

/// A call still talking gets the disposition through its own task, which records it
/// once, as it would the agent's attribute.
#[tokio::test]
async fn a_live_call_takes_its_disposition_by_http() {
    let mut sandbox = api::answering_sandbox();
    // Ten real seconds of talk: the call is live while the test reports on it.
    sandbox.talk = switchboard::sandbox::SecondsRange::new(10_000.0, 10_000.0);
    let api = api::start_on(sandbox, None).await.unwrap();
    let id = create(&api, "Live").await;
    let lead = api
        .post(
            &format!("/campaigns/{id}/leads"),
            json!({"phoneNumber": "+12125550141"}),
        )
        .await;
    assert_eq!(lead.status, StatusCode::CREATED);
    api.post(&format!("/campaigns/{id}/start"), json!({}))
        .await
        .data();
    let live = api
        .until(
            &format!("/campaigns/{id}/status"),
            "an answered call",
            |c| {
                c["slots"]
                    .as_array()
                    .is_some_and(|s| s.iter().any(|slot| slot["state"] == "answered"))
            },
        )
        .await;
    let attempt = live["slots"][0]["attempt"].as_i64().unwrap();
    let call = api.get(&format!("/calls/{attempt}")).await;
    let room = call.data()["room"].as_str().unwrap().to_string();
    assert_eq!(call.data()["endedAt"], Value::Null, "still live");

    let reported = api
        .call(
            Method::PUT,
            &format!("/outbound-calls/{room}/outcome"),
            Some(json!({"outcome": "interested", "note": "wants the gold plan"})),
        )
        .await;
    assert_eq!(reported.data(), &json!("done"));
    // The call task keeps the last report: the same again is not written twice (a
    // write to the store would be). A different one then shows both were handled.
    for outcome in ["interested", "callback"] {
        let again = api
            .call(
                Method::PUT,
                &format!("/outbound-calls/{room}/outcome"),
                Some(json!({"outcome": outcome, "note": "wants the gold plan"})),
            )
            .await;
        assert_eq!(again.data(), &json!("done"));
    }
    let timeline = api
        .until(
            &format!("/calls/{attempt}"),
            "the second disposition",
            |c| c["disposition"] == "callback",
        )
        .await;
    let dispositions: Vec<&Value> = timeline["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["kind"] == "disposition" && e["detail"] == "interested")
        .collect();
    assert_eq!(dispositions.len(), 1, "{timeline:#?}");
    assert_eq!(dispositions[0]["data"]["note"], "wants the gold plan");
    assert_eq!(timeline["endedAt"], Value::Null, "the call goes on");
    api.stop().await;
}

#[tokio::test]
async fn numbers_go_on_and_off_the_do_not_call_lists() {
    let api = api::start().await;
    let id = create(&api, "DNC").await;
    let lead = api
        .post(
            &format!("/campaigns/{id}/leads"),
            json!({"phoneNumber": "+12125550121"}),
        )
        .await;
    assert_eq!(lead.status, StatusCode::CREATED);

    let added = api
        .post(
            "/dnc",
            json!({"phoneNumber": "(212) 555-0121", "reason": "asked"}),
        )
        .await;
    assert_eq!(added.status, StatusCode::CREATED);
    assert_eq!(added.data()["phoneNumber"], "+12125550121");
    let list = api.get("/dnc").await;
    assert_eq!(list.data()[0]["phoneNumber"], "+12125550121");
    assert_eq!(list.data()[0]["reason"], "asked");
    let stats = api.get(&format!("/campaigns/{id}/stats")).await;
    assert_eq!(stats.data()["leadsByState"]["dnc"], 1, "the lead is marked");

    let own = api
        .post(
            "/dnc",
            json!({"phoneNumber": "+12125550122", "campaignId": id}),
        )
        .await;
    assert_eq!(own.status, StatusCode::CREATED);
    let own_list = api.get(&format!("/dnc?campaignId={id}")).await;
    assert_eq!(own_list.data().as_array().unwrap().len(), 1);
    let missing = api
        .post(
            "/dnc",
            json!({"phoneNumber": "+12125550122", "campaignId": 999}),
        )
        .await;
    assert!(missing
        .error(StatusCode::NOT_FOUND)
        .starts_with("campaignId: "));

    let removed = api.call(Method::DELETE, "/dnc/+12125550121", None).await;
    assert_eq!(removed.data()["removed"], true);
    assert_eq!(api.get("/dnc").await.data(), &json!([]));
    let again = api.call(Method::DELETE, "/dnc/+12125550121", None).await;
    assert!(again.error(StatusCode::NOT_FOUND).contains("not on"));
    api.stop().await;
}

#[tokio::test]
async fn tcp_requests_need_the_bearer_token() {
    let api = api::try_start(Some((
        "127.0.0.1:0".parse().unwrap(),
        Some("s3cret-token-0123456789abcdef-0123"),
    )))
    .await
    .unwrap();
    let addr = api.host().tcp().expect("listening on TCP");
    let http = api::tcp_client();
    let url = format!("http://{addr}/api/v1/health");

    let bare = api::read(http.get(&url).send().await.unwrap()).await;
    assert!(bare
        .error(StatusCode::UNAUTHORIZED)
        .contains("Authorization: Bearer"));
    let wrong = http.get(&url).bearer_auth("guess").send().await.unwrap();
    assert_eq!(
        api::read(wrong).await.error(StatusCode::UNAUTHORIZED),
        "the bearer token is wrong"
    );
    let right = http
        .get(&url)
        .bearer_auth("s3cret-token-0123456789abcdef-0123")
        .send()
        .await
        .unwrap();
    assert_eq!(api::read(right).await.data()["status"], "ok");

    let created = http
        .post(format!("http://{addr}/api/v1/campaigns"))
        .bearer_auth("s3cret-token-0123456789abcdef-0123")
        .json(&campaign_body("Over TCP"))
        .send()
        .await
        .unwrap();
    assert_eq!(api::read(created).await.status, StatusCode::CREATED);
    // An import by path names a file on the engine's machine: not for TCP clients.
    let by_path = http
        .post(format!("http://{addr}/api/v1/engine/imports"))
        .bearer_auth("s3cret-token-0123456789abcdef-0123")
        .json(&json!({"campaign": 1, "path": "/etc/passwd", "region": "US"}))
        .send()
        .await
        .unwrap();
    assert_eq!(api::read(by_path).await.status, StatusCode::NOT_FOUND);
    api.stop().await;
}

/// LiveKit's webhooks come in on the API's TCP listener at `/webhooks/livekit`, checked
/// as on the separate `[webhook] listen` port (LiveKit's own signature, not the API's
/// bearer token), and reach the engine: with the poller slowed to once a minute, only
/// the sandbox's webhooks to that path can tell the engine its call ended.
#[tokio::test]
async fn livekit_webhooks_come_in_on_the_tcp_listener_verified() {
    use livekit_api::access_token::AccessToken;
    let tcp = Some((
        "127.0.0.1:0".parse().unwrap(),
        Some("s3cret-token-0123456789abcdef-0123"),
    ));
    let api = api::start_planned(tcp, |dir| {
        let mut plan = api::plan(dir, api::answering_sandbox());
        plan.settings.polling.interval = Duration::from_secs(60);
        plan
    })
    .await
    .unwrap();
    let addr = api.host().tcp().expect("listening on TCP");
    let url = format!("http://{addr}/webhooks/livekit");
    let sandbox = api.host().runtime.sandbox.as_ref().expect("the sandbox");
    let (key, secret) = (
        sandbox.api_key().to_string(),
        sandbox.api_secret().to_string(),
    );
    let sign = |secret: &str, body: &str| {
        use base64::Engine;
        use sha2::Digest;
        let hash = base64::engine::general_purpose::STANDARD.encode(sha2::Sha256::digest(body));
        AccessToken::with_api_key(&key, secret)
            .with_sha256(&hash)
            .with_ttl(Duration::from_secs(300))
            .to_jwt()
            .unwrap()
    };
    let http = api::tcp_client();
    let deliver = |token: Option<String>, body: String| {
        let mut request = http
            .post(&url)
            .header("content-type", "application/webhook+json")
            .body(body);
        if let Some(token) = token {
            request = request.header("authorization", token);
        }
        async move { request.send().await.unwrap().status() }
    };
    let body = json!({"event": "room_started", "room": {"sid": "RM_x", "name": "elsewhere"}, "id": "EV_1", "createdAt": "1760000000"}).to_string();
    assert_eq!(deliver(None, body.clone()).await, StatusCode::UNAUTHORIZED);
    let forged = sign("not-the-secret", &body);
    assert_eq!(
        deliver(Some(forged), body.clone()).await,
        StatusCode::UNAUTHORIZED
    );
    let bearer = Some("Bearer s3cret-token-0123456789abcdef-0123".to_string());
    assert_eq!(
        deliver(bearer, body.clone()).await,
        StatusCode::UNAUTHORIZED,
        "the API's token is not LiveKit's signature"
    );
    let signed = sign(&secret, &body);
    assert_eq!(
        deliver(Some(signed.clone()), body.clone()).await,
        StatusCode::OK
    );
    assert_eq!(
        deliver(Some(signed), body).await,
        StatusCode::CONFLICT,
        "a replay is refused"
    );

    // A real call, its progress told by the sandbox's webhooks to this path only.
    sandbox.set_webhook_url(Some(url.clone()));
    let id = create(&api, "Webhooks").await;
    let lead = api
        .post(
            &format!("/campaigns/{id}/leads"),
            json!({"phoneNumber": "+12125550161"}),
        )
        .await;
    assert_eq!(lead.status, StatusCode::CREATED);
    let started = api.post(&format!("/campaigns/{id}/start"), json!({})).await;
    assert_eq!(started.data(), &json!("done"));
    let status = api
        .until(&format!("/campaigns/{id}/status"), "the call to end", |c| {
            c["leads"]["done"] == 1
        })
        .await;
    assert_eq!(status["leads"]["done"], 1, "{status:#?}");
    api.stop().await;
}

#[tokio::test]
async fn the_engine_refuses_tcp_without_a_token() {
    let refused = api::try_start(Some(("127.0.0.1:0".parse().unwrap(), None))).await;
    let err = refused.err().expect("no TCP without a token");
    assert!(err.to_string().contains("needs a token"), "{err}");
}

#[tokio::test]
async fn the_engine_refuses_tcp_with_a_short_or_blank_token() {
    for token in ["a", "fifteen-chars!!", "", "   "] {
        let refused = api::try_start(Some(("0.0.0.0:0".parse().unwrap(), Some(token)))).await;
        let err = refused.err().expect("no TCP with a weak token");
        let message = err.to_string();
        assert!(
            message.contains("the API token is") && message.contains("openssl rand -hex 32"),
            "{token:?}: {message}"
        );
    }
}

/// `docs/openapi.json` is the document the code makes, so it stays true as the code
/// changes: run with `UPDATE_OPENAPI=1` to write it anew, and commit it.
#[test]
fn docs_openapi_json_is_the_generated_document() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/docs/openapi.json");
    let made = switchboard::service::api::openapi::json();
    if std::env::var_os("UPDATE_OPENAPI").is_some() {
        std::fs::write(path, made).expect("writing docs/openapi.json");
    }
    let kept = std::fs::read_to_string(path).expect("docs/openapi.json");
    assert!(
        kept == made,
        "docs/openapi.json is not the document the code makes: run `UPDATE_OPENAPI=1 cargo test --test api docs_openapi` and commit it"
    );
}

/// The document describes exactly the routes the server registers: the same paths,
/// each with the same methods; and the server serves it.
#[tokio::test]
async fn the_openapi_document_lists_exactly_the_routes() {
    let api = api::start().await;
    let answer = api.get("/openapi.json").await;
    assert_eq!(answer.status, StatusCode::OK);
    let doc = answer.body;
    api.stop().await;
    assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
    let verbs = ["get", "post", "put", "patch", "delete"];
    let mut documented = BTreeSet::new();
    for (path, item) in doc["paths"].as_object().expect("paths") {
        for (key, operation) in item.as_object().unwrap() {
            if verbs.contains(&key.as_str()) {
                assert!(
                    operation["responses"].is_object(),
                    "{key} {path} has no responses"
                );
                documented.insert((key.to_uppercase(), path.clone()));
            }
        }
    }
    let local: BTreeSet<(String, String)> = endpoints(Origin::LocalSocket)
        .into_iter()
        .map(|(method, path)| (method.to_string(), path))
        .collect();
    let tcp: BTreeSet<_> = endpoints(Origin::Tcp)
        .into_iter()
        .map(|(m, p)| (m.to_string(), p))
        .collect();
    let served: BTreeSet<_> = local.union(&tcp).cloned().collect();
    let missing: Vec<_> = served.difference(&documented).collect();
    let extra: Vec<_> = documented.difference(&served).collect();
    assert!(
        missing.is_empty() && extra.is_empty(),
        "routes not in docs/openapi.json: {missing:?}; documented but not served: {extra:?}"
    );
    // TCP serves the same, less the import by path, plus LiveKit's webhooks.
    let local_only: Vec<_> = local.difference(&tcp).collect();
    assert_eq!(
        local_only,
        [&("POST".to_string(), "/api/v1/engine/imports".to_string())]
    );
    let tcp_only: Vec<_> = tcp.difference(&local).collect();
    assert_eq!(
        tcp_only,
        [&("POST".to_string(), "/webhooks/livekit".to_string())]
    );
}

/// A/B variants go in and come out in camelCase, and every field the API shows of a
/// campaign is in the OpenAPI document's `Campaign` (and the writable ones in `SettingsPatch`).
#[tokio::test]
async fn variants_round_trip_and_every_campaign_field_is_documented() {
    let api = api::start().await;
    let mut body = campaign_body("A/B");
    body["variants"] = json!([
        {"name": "A", "weight": 70},
        {"name": "B", "agentName": "closer", "weight": 30, "prompt": "be brief"},
    ]);
    body["agentJoinTimeoutSecs"] = json!(8);
    let answer = api.post("/campaigns", body).await;
    assert_eq!(answer.status, StatusCode::CREATED, "{answer:#?}");
    let campaign = answer.data().clone();
    assert_eq!(campaign["variants"][1]["agentName"], "closer");
    assert_eq!(campaign["variants"][0]["weight"], 70);
    assert_eq!(campaign["agentJoinTimeoutSecs"], 8);

    let bad = api
        .post(
            "/campaigns",
            json!({"name": "x", "agentName": "a", "sipTrunkId": "ST_sandbox",
                   "variants": [{"name": "A", "weight": 0}]}),
        )
        .await;
    assert!(bad.error(StatusCode::BAD_REQUEST).contains("variants"));

    let doc: Value = serde_json::from_str(switchboard::service::api::openapi::json()).unwrap();
    let documented = |schema: &str| -> BTreeSet<String> {
        doc["components"]["schemas"][schema]["properties"]
            .as_object()
            .unwrap()
            .keys()
            .cloned()
            .collect()
    };
    let shown: BTreeSet<String> = campaign.as_object().unwrap().keys().cloned().collect();
    let campaign_doc = documented("Campaign");
    let missing: Vec<_> = shown.difference(&campaign_doc).collect();
    assert!(
        missing.is_empty(),
        "Campaign fields not in docs/openapi.json: {missing:?}"
    );
    for field in ["variants", "agentJoinTimeoutSecs"] {
        assert!(documented("SettingsPatch").contains(field), "{field}");
    }
    let variant = documented("Variant");
    let shown: BTreeSet<String> = campaign["variants"][1]
        .as_object()
        .unwrap()
        .keys()
        .cloned()
        .collect();
    assert_eq!(shown, variant);
    api.stop().await;
}

/// What the server really sends is what the document says: each answer below validates
/// against the schema its operation gives for that status (JSON Schema 2020-12, as
/// OpenAPI 3.1 writes it), successes and failures alike.
#[tokio::test]
async fn answers_validate_against_the_documented_schemas() {
    let doc: Value = serde_json::from_str(switchboard::service::api::openapi::json()).unwrap();
    let mut checked = Vec::new();
    let mut wrong = Vec::new();
    let mut check = |method: &str, template: &str, answer: &api::Answer| {
        let status = answer.status.as_str();
        let schema = &doc["paths"][template][method.to_ascii_lowercase()]["responses"][status]
            ["content"]["application/json"]["schema"];
        assert!(
            schema.is_object(),
            "{method} {template} has no schema for {status}"
        );
        let root = json!({"components": doc["components"], "allOf": [schema]});
        let validator = jsonschema::validator_for(&root).expect("the document's schemas compile");
        for error in validator.iter_errors(&answer.body) {
            wrong.push(format!(
                "{method} {template} {status} at {}: {error}",
                error.instance_path()
            ));
        }
        checked.push(format!("{method} {template} {status}"));
    };

    let api = api::start().await;
    check("GET", "/api/v1/health", &api.get("/health").await);
    let created = api.post("/campaigns", campaign_body("Validated")).await;
    check("POST", "/api/v1/campaigns", &created);
    let id = created.data()["id"].as_i64().unwrap();
    check("GET", "/api/v1/campaigns", &api.get("/campaigns").await);
    check(
        "GET",
        "/api/v1/campaigns/{id}",
        &api.get(&format!("/campaigns/{id}")).await,
    );
    check(
        "GET",
        "/api/v1/campaigns/{id}",
        &api.get("/campaigns/999").await,
    );
    check(
        "GET",
        "/api/v1/campaigns/{id}",
        &api.get("/campaigns/abc").await,
    );
    let changed = api
        .call(
            Method::PATCH,
            &format!("/campaigns/{id}"),
            Some(json!({"maxConcurrent": 2})),
        )
        .await;
    check("PATCH", "/api/v1/campaigns/{id}", &changed);
    let lead = api
        .post(
            &format!("/campaigns/{id}/leads"),
            json!({"phoneNumber": "+12125550101", "name": "Ada", "metadata": {"plan": "gold"}}),
        )
        .await;
    check("POST", "/api/v1/campaigns/{id}/leads", &lead);
    let bulk = api
        .post(
            &format!("/campaigns/{id}/leads/bulk"),
            json!({"leads": [
                {"phoneNumber": "+12125550102", "alternatePhoneNumbers": ["12"]},
                {"phoneNumber": "not a number"},
                {"phoneNumber": "+12125550101"},
            ]}),
        )
        .await;
    check("POST", "/api/v1/campaigns/{id}/leads/bulk", &bulk);
    let started = api.post(&format!("/campaigns/{id}/start"), json!({})).await;
    check("POST", "/api/v1/campaigns/{id}/start", &started);
    let status = api.get(&format!("/campaigns/{id}/status")).await;
    check("GET", "/api/v1/campaigns/{id}/status", &status);
    api.until(
        &format!("/campaigns/{id}/status"),
        "the campaign to end",
        |c| c["status"] == "completed",
    )
    .await;
    let status = api.get(&format!("/campaigns/{id}/status")).await;
    check("GET", "/api/v1/campaigns/{id}/status", &status);
    let stats = api.get(&format!("/campaigns/{id}/stats")).await;
    check("GET", "/api/v1/campaigns/{id}/stats", &stats);
    let changes = api.get(&format!("/campaigns/{id}/changes")).await;
    check("GET", "/api/v1/campaigns/{id}/changes", &changes);
    let calls = api.get(&format!("/campaigns/{id}/calls?limit=1")).await;
    check("GET", "/api/v1/campaigns/{id}/calls", &calls);
    let call = calls.data()["calls"][0]["id"].as_i64().unwrap();
    check(
        "GET",
        "/api/v1/calls/{id}",
        &api.get(&format!("/calls/{call}")).await,
    );
    let reported = api
        .call(
            Method::PUT,
            &format!("/outbound-calls/{call}/outcome"),
            Some(json!({"outcome": "interested"})),
        )
        .await;
    check("PUT", "/api/v1/outbound-calls/{callId}/outcome", &reported);
    let leads = api.get(&format!("/leads?campaign={id}")).await;
    check("GET", "/api/v1/leads", &leads);
    let lead = leads.data()["rows"][0]["lead"].as_i64().unwrap();
    check(
        "GET",
        "/api/v1/leads/{id}",
        &api.get(&format!("/leads/{lead}")).await,
    );
    check("GET", "/api/v1/leads/{id}", &api.get("/leads/999999").await);
    let stopped = api.post(&format!("/campaigns/{id}/stop"), json!({})).await;
    check("POST", "/api/v1/campaigns/{id}/stop", &stopped);
    let stopped = api
        .post(&format!("/campaigns/{id}/stop?confirm=true"), json!({}))
        .await;
    check("POST", "/api/v1/campaigns/{id}/stop", &stopped);

    let dnc = api
        .post("/dnc", json!({"phoneNumber": "+12125550199"}))
        .await;
    check("POST", "/api/v1/dnc", &dnc);
    check("GET", "/api/v1/dnc", &api.get("/dnc").await);
    let removed = api.call(Method::DELETE, "/dnc/+12125550199", None).await;
    check("DELETE", "/api/v1/dnc/{phone}", &removed);
    let other = create(&api, "Deleted").await;
    let deleted = api
        .call(Method::DELETE, &format!("/campaigns/{other}"), None)
        .await;
    check("DELETE", "/api/v1/campaigns/{id}", &deleted);
    api.stop().await;

    assert!(
        wrong.is_empty(),
        "answers unlike the document:\n{}",
        wrong.join("\n")
    );
    // Failures were among them: a bad id, an unknown one, a refusal with the engine's error.
    for failure in [
        "GET /api/v1/campaigns/{id} 400",
        "GET /api/v1/campaigns/{id} 404",
        "POST /api/v1/campaigns/{id}/stop 409",
    ] {
        assert!(
            checked.iter().any(|c| c == failure),
            "{failure}: {checked:#?}"
        );
    }
}
