//! A/B variants end to end: each attempt records the lead's variant (the same on every
//! retry), dispatches that variant's agent, and the stats compare the variants.

mod common;

use common::*;
use std::collections::{BTreeMap, HashMap};
use switchboard::domain::{assign_variant, CampaignSettings, CampaignStatus, LeadId, Variant};
use switchboard::engine::{Command, Reply};
use switchboard::sandbox::{AgentBehaviour, OutcomeRates, SandboxConfig, SecondsRange};
use switchboard::service::link::Link;
use switchboard::service::protocol::{Answer, Query};
use switchboard::store::reports::campaign_stats;

fn variant(name: &str, agent: &str, weight: u32) -> Variant {
    Variant {
        name: name.into(),
        agent_name: agent.into(),
        weight,
        prompt: None,
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_lead_keeps_its_variant_and_gets_that_variants_agent() {
    in_every_mode(each_lead_keeps_its_variant).await;
}

async fn each_lead_keeps_its_variant(mode: Following) {
    let only = |d: &str| BTreeMap::from([(d.to_string(), 1.0)]);
    let sandbox = SandboxConfig {
        outcomes: OutcomeRates {
            busy: 1.0,
            ..all_answer()
        },
        agent: AgentBehaviour {
            // Keyed by agent name: a call's disposition shows which agent was dispatched.
            dispositions_by_variant: BTreeMap::from([
                ("agent-a".to_string(), only("not_interested")),
                ("agent-b".to_string(), only("interested")),
            ]),
            ..Default::default()
        },
        // The agent reports at 80% of the talk: 200-300 simulated seconds leave the
        // report up for several of the poller's 20 s looks, as polling alone needs.
        talk: SecondsRange::new(200.0, 300.0),
        ..quick_sandbox()
    };
    let h = Harness::start_following(mode, sandbox, engine_config()).await;
    let variants = vec![variant("A", "agent-a", 60), variant("B", "agent-b", 40)];
    let id = h
        .campaign(CampaignSettings {
            variants: variants.clone(),
            max_attempts: 4,
            ..settings("ab")
        })
        .await;
    h.leads(id, numbers(41, 24)).await;
    h.start_campaign(id).await;
    h.until_status(id, CampaignStatus::Completed).await;

    let attempts = h.attempts(id).await;
    let mut by_lead: HashMap<i64, Vec<String>> = HashMap::new();
    for attempt in &attempts {
        let expected = assign_variant(&variants, LeadId(attempt.lead.0)).unwrap();
        let recorded = attempt
            .variant
            .clone()
            .expect("every attempt records its variant");
        assert_eq!(recorded, expected.name, "attempt {}", attempt.id);
        by_lead.entry(attempt.lead.0).or_default().push(recorded);
    }
    assert!(
        by_lead.values().any(|v| v.len() > 1),
        "some leads were retried (busy, then answered)"
    );

    // Dispositions come in after the callee leaves; wait for all answered calls' ones.
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(10);
    let attempts = loop {
        let attempts = h.attempts(id).await;
        let answered = attempts.iter().filter(|a| a.answered_at.is_some());
        if answered.clone().all(|a| a.disposition.is_some()) {
            break attempts;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "dispositions missing"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    };
    for attempt in attempts.iter().filter(|a| a.answered_at.is_some()) {
        let expected = match attempt.variant.as_deref() {
            Some("A") => "not_interested",
            _ => "interested",
        };
        assert_eq!(attempt.disposition.as_deref(), Some(expected));
    }

    let stats = h
        .store
        .read(move |conn| campaign_stats(conn, id, 0))
        .await
        .unwrap();
    let report = stats.variants.expect("the A/B table");
    let names: Vec<&str> = report.rows.iter().map(|r| r.variant.as_str()).collect();
    assert_eq!(names, vec!["A", "B"]);
    let a = &report.rows[0];
    assert_eq!(a.disposition_shares.get("not_interested"), Some(&1.0));
    assert!(a.calls >= a.answered && a.answered > 0);
    assert!(!report.verdict.is_empty());

    // The console reads the same table, and the trunks with their campaigns, through
    // the engine's protocol.
    let link = Link::Local(h.engine.clone());
    match link
        .query(Query::VariantReport { campaign: id })
        .await
        .unwrap()
    {
        Answer::VariantReport(Some(table)) => assert_eq!(table.rows.len(), 2),
        other => panic!("unexpected {other:?}"),
    }
    match h.engine.send(Command::ListTrunks).await.unwrap() {
        Reply::Trunks(trunks) => {
            let sandbox = trunks.iter().find(|t| t.id == "ST_sandbox").unwrap();
            assert_eq!(sandbox.campaigns, vec![(id, "ab".to_string())]);
        }
        other => panic!("unexpected {other:?}"),
    }
}
