//! Waiting is never silent: a running campaign with nothing to dial but a retry says
//! when the retry is due, in the snapshot (`run`, the console) and in `status` alike,
//! from the one definition (`domain::figures::NextDue`). Against the sandbox over real
//! HTTP, in every way of following calls; and `resume` of a campaign already running
//! answers that it runs.

mod common;

use common::*;
use switchboard::domain::figures::Due;
use switchboard::domain::{CampaignSettings, CampaignStatus, Outcome};
use switchboard::engine::{Answer, Command, Query, Reply};
use switchboard::sandbox::{OutcomeRates, SandboxConfig};

fn nobody_answers() -> OutcomeRates {
    OutcomeRates {
        answer: 0.0,
        no_answer: 1.0,
        ..all_answer()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_campaign_waiting_for_a_retry_says_when_it_is_due() {
    in_every_mode(waiting_for_a_retry).await;
}

async fn waiting_for_a_retry(mode: Following) {
    let sandbox = SandboxConfig {
        outcomes: nobody_answers(),
        ..quick_sandbox()
    };
    let h = Harness::start_following(mode, sandbox, engine_config()).await;
    let id = h
        .campaign(CampaignSettings {
            max_attempts: 2,
            retry_delay_secs: 3_600,
            retry_on: [Outcome::NoAnswer].into(),
            ..settings("waits an hour")
        })
        .await;
    h.leads(id, numbers(5, 1)).await;
    h.start_campaign(id).await;
    let snapshot = h
        .until("the lead waiting for its retry, nothing in flight", |s| {
            s.campaign(id).is_some_and(|c| {
                c.leads.retry_wait == 1 && c.slots.is_empty() && c.next_retry_at.is_some()
            })
        })
        .await;
    let view = snapshot.campaign(id).unwrap();
    assert_eq!(view.status, CampaignStatus::Running);
    let attempts = h.attempts(id).await;
    assert_eq!(attempts.len(), 1, "{attempts:?}");
    let ended = attempts[0].ended_at.expect("the first call ended");
    let due = view.next_retry_at.unwrap();
    let after = (due - ended).num_seconds();
    assert!(
        (3_590..=3_610).contains(&after),
        "the retry is due an hour after the call ended: {after} s"
    );
    let next = view.next_due().expect("it waits for something");
    assert_eq!(next.due, Due::Retry);
    assert!(
        next.describe(due - chrono::Duration::minutes(58))
            .starts_with("next retry "),
        "{}",
        next.describe(due)
    );

    // `status` reads the same instant from the store.
    let reports = match h
        .engine
        .query(Query::Status { campaign: Some(id) })
        .await
        .unwrap()
    {
        Answer::Status(reports) => reports,
        other => panic!("{other:?}"),
    };
    assert_eq!(reports[0].stats.next_retry_at, Some(due));

    // Asked to resume while it runs (an engine that resumed it at start-up): it runs.
    let again = h.engine.send(Command::Resume(id)).await.unwrap();
    assert!(matches!(again, Reply::AlreadyRunning), "{again:?}");
    assert_eq!(h.stats().calls_placed, 1, "nothing dialled early");
}
