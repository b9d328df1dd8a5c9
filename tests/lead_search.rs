//! Finding a lead over the HTTP API: `GET /api/v1/leads` (by number, name, variable,
//! state and last outcome, paged by id) and `GET /api/v1/leads/{id}`, against an engine
//! host on a temp database, through its local socket.

mod common;

use common::api::{self, ApiHost};
use reqwest::StatusCode;
use serde_json::{json, Value};

async fn campaign_with_leads(api: &ApiHost, name: &str, leads: Value) -> i64 {
    let answer = api
        .post(
            "/campaigns",
            json!({
                "name": name,
                "agentName": "test-agent",
                "sipTrunkId": "ST_sandbox",
                "timezone": "UTC",
            }),
        )
        .await;
    assert_eq!(answer.status, StatusCode::CREATED, "{answer:#?}");
    let id = answer.data()["id"].as_i64().unwrap();
    let added = api
        .post(
            &format!("/campaigns/{id}/leads/bulk"),
            json!({ "leads": leads }),
        )
        .await;
    assert_eq!(added.data()["rejected"], 0, "{added:#?}");
    id
}

fn ids(page: &Value) -> Vec<i64> {
    page["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["lead"].as_i64().unwrap())
        .collect()
}

#[tokio::test]
async fn leads_are_found_by_number_name_variable_and_state_a_page_at_a_time() {
    let api = api::start().await;
    let renewals = campaign_with_leads(
        &api,
        "Renewals",
        json!([
            {"phoneNumber": "+442079460958", "name": "Ada Lovelace", "metadata": {"plan": "Gold Unlimited"}},
            {"phoneNumber": "+14155550123", "name": "Grace Hopper", "metadata": {"account": "AC-1002"}},
            {"phoneNumber": "+12125550199", "name": "Alan Turing"},
        ]),
    )
    .await;
    let winback = campaign_with_leads(
        &api,
        "Winback",
        json!([{"phoneNumber": "+14155550999", "name": "Grace Kelly"}]),
    )
    .await;

    let everywhere = api.get("/leads?q=%2B1%20415").await;
    assert_eq!(ids(everywhere.data()), vec![2, 4]);
    let row = &everywhere.data()["rows"][0];
    assert_eq!(row["phone"], "+14155550123");
    assert_eq!(row["name"], "Grace Hopper");
    assert_eq!(row["state"], "pending");
    assert_eq!(row["attempts"], 0);

    let one = api.get(&format!("/leads?q=grace&campaign={winback}")).await;
    assert_eq!(ids(one.data()), vec![4]);
    assert_eq!(ids(api.get("/leads?q=unlimited").await.data()), vec![1]);
    assert_eq!(ids(api.get("/leads?q=ac-1002").await.data()), vec![2]);
    assert_eq!(
        ids(api.get("/leads?state=pending&outcome=busy").await.data()),
        Vec::<i64>::new()
    );

    let first = api
        .get(&format!("/leads?campaign={renewals}&limit=2"))
        .await;
    assert_eq!(ids(first.data()), vec![1, 2]);
    assert_eq!(first.data()["next"], 2);
    let rest = api
        .get(&format!("/leads?campaign={renewals}&limit=2&after=2"))
        .await;
    assert_eq!(ids(rest.data()), vec![3]);
    assert_eq!(rest.data()["next"], Value::Null);

    let history = api.get("/leads/2").await;
    let history = history.data();
    assert_eq!(history["lead"]["name"], "Grace Hopper");
    assert_eq!(history["lead"]["variables"]["account"], "AC-1002");
    assert_eq!(history["numbers"][0]["phone"], "+14155550123");
    assert_eq!(history["attempts"], json!([]));
    api.stop().await;
}

#[tokio::test]
async fn bad_values_are_400s_naming_the_field_and_unknown_ids_404s() {
    let api = api::start().await;
    let message = api
        .get("/leads?state=waiting")
        .await
        .error(StatusCode::BAD_REQUEST)
        .to_owned();
    assert!(
        message.starts_with("state: ") && message.contains("pending, dialing, done"),
        "{message}"
    );
    let message = api
        .get("/leads?outcome=hung_up")
        .await
        .error(StatusCode::BAD_REQUEST)
        .to_owned();
    assert!(
        message.starts_with("outcome: ") && message.contains("no_answer"),
        "{message}"
    );
    let message = api
        .get("/leads?limit=0")
        .await
        .error(StatusCode::BAD_REQUEST)
        .to_owned();
    assert_eq!(message, "limit: 0 is out of range: give 1 to 1000");
    let message = api
        .get("/leads?campaign=abc")
        .await
        .error(StatusCode::BAD_REQUEST)
        .to_owned();
    assert!(message.contains("campaign"), "{message}");
    let message = api
        .get("/leads?text=ada")
        .await
        .error(StatusCode::BAD_REQUEST)
        .to_owned();
    assert!(message.contains("unknown field `text`"), "{message}");

    let message = api
        .get("/leads?campaign=9")
        .await
        .error(StatusCode::NOT_FOUND)
        .to_owned();
    assert!(message.contains("campaign 9"), "{message}");
    let message = api
        .get("/leads/77")
        .await
        .error(StatusCode::NOT_FOUND)
        .to_owned();
    assert_eq!(
        message,
        "lead 77 does not exist; find leads with GET /api/v1/leads?q=TEXT"
    );
    let message = api
        .get("/leads/abc")
        .await
        .error(StatusCode::BAD_REQUEST)
        .to_owned();
    assert!(message.contains("`id`"), "{message}");
    api.stop().await;
}
