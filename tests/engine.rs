//! The engine through its handle, against the sandbox over real HTTP with the real
//! `livekit-api` client, time scaled down so a campaign takes milliseconds. Calling
//! hours, caps and due retries use a hand-set wall clock.

mod common;

use chrono::{TimeZone, Utc};
use common::*;
use std::collections::BTreeSet;
use std::sync::Arc;
use std::time::Duration;
use switchboard::domain::{
    AttemptEventKind, AttemptState, CampaignId, CampaignSettings, CampaignStatus, DispatchMode,
    LeadState, Outcome, PauseReason,
};
use switchboard::engine::{
    Command, EngineConfig, EngineError, EngineEventKind, Reply, SystemClock,
};
use switchboard::sandbox::{Faults, Outage, OutageMode, SandboxConfig, ScriptedCall, SecondsRange};
use switchboard::store::attempt_events;
use switchboard::store::attempts::AttemptRecord;
use switchboard::store::{LeadRecord, NewLead, Store};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_campaign_runs_to_completion_with_a_real_timeline() {
    in_every_mode(a_campaign_runs_to_completion).await;
}

async fn a_campaign_runs_to_completion(mode: Following) {
    let h = Harness::start_following(
        mode,
        SandboxConfig {
            outcomes: all_answer(),
            ..quick_sandbox()
        },
        engine_config(),
    )
    .await;
    let id = h.campaign(settings("timeline")).await;
    h.leads(id, numbers(1, 12)).await;
    let mut events = h.engine.subscribe();
    h.start_campaign(id).await;
    let snapshot = h.until_status(id, CampaignStatus::Completed).await;
    let view = snapshot.campaign(id).unwrap();
    assert_eq!(view.leads.done, 12, "{view:#?}");
    assert_eq!(view.outcomes.get(&Outcome::Completed), Some(&12));
    assert!(view.avg_ring_ms.is_some() && view.avg_talk_ms.is_some());
    assert!(view.completed_at.is_some());

    let attempts = h.attempts(id).await;
    assert_eq!(attempts.len(), 12);
    for attempt in &attempts {
        assert_eq!(attempt.state, AttemptState::Ended(Outcome::Completed));
        let (dialed, answered, ended) = (
            attempt.dialed_at.unwrap(),
            attempt.answered_at.unwrap(),
            attempt.ended_at.unwrap(),
        );
        assert!(dialed <= answered && answered <= ended, "{attempt:?}");
        let aid = attempt.id;
        let kinds: Vec<AttemptEventKind> = h
            .store
            .read(move |conn| attempt_events::for_attempt(conn, aid))
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.kind)
            .collect();
        for kind in [
            AttemptEventKind::Queued,
            AttemptEventKind::Dialing,
            AttemptEventKind::AgentDispatched,
            AttemptEventKind::Answered,
            AttemptEventKind::Ended,
        ] {
            assert!(
                kinds.contains(&kind),
                "attempt {aid} lacks {kind}: {kinds:?}"
            );
        }
    }
    let mut seen_status = false;
    while let Ok(event) = events.try_recv() {
        seen_status |= event.kind == EngineEventKind::CampaignStatus(CampaignStatus::Completed);
    }
    assert!(seen_status, "completion was broadcast");
    assert_eq!(h.stats().calls_placed, 12);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrency_never_exceeds_max_concurrent() {
    in_every_mode(concurrency_within_max_concurrent).await;
}

async fn concurrency_within_max_concurrent(mode: Following) {
    let sandbox = SandboxConfig {
        ring: SecondsRange::new(10.0, 30.0),
        ..quick_sandbox()
    };
    let h = Harness::start_following(mode, sandbox, engine_config()).await;
    let id = h
        .campaign(CampaignSettings {
            max_concurrent: 4,
            max_attempts: 1,
            ..settings("concurrency")
        })
        .await;
    h.leads(id, numbers(2, 40)).await;
    h.start_campaign(id).await;
    let snapshot = h.until_status(id, CampaignStatus::Completed).await;
    let stats = h.stats();
    assert_eq!(stats.calls_placed, 40);
    assert!(stats.max_concurrent_calls() <= 4, "{stats:?}");
    assert!(
        stats.max_concurrent_calls() >= 2,
        "slots were used in parallel: {stats:?}"
    );
    assert_eq!(snapshot.campaign(id).unwrap().progress().finished, 40);
}

/// What following calls must get right however LiveKit tells of them: a slot is free
/// only once its call is over (the sandbox, not the engine, counts the live calls), an
/// answered call is recorded as answered with its talk time, and no answered callee is
/// hung up on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quick_answers_keep_the_limit_and_every_answer_is_recorded() {
    in_every_mode(quick_answers_followed).await;
}

async fn quick_answers_followed(mode: Following) {
    let sandbox = SandboxConfig {
        outcomes: all_answer(),
        ..quick_sandbox()
    };
    let h = Harness::start_following(mode, sandbox, engine_config()).await;
    let id = h
        .campaign(CampaignSettings {
            max_concurrent: 3,
            max_attempts: 1,
            ..settings("three at once")
        })
        .await;
    h.leads(id, numbers(40, 24)).await;
    h.start_campaign(id).await;
    h.until_status(id, CampaignStatus::Completed).await;
    let stats = h.stats();
    assert!(
        stats.max_concurrent_calls() <= 3,
        "more than 3 calls live at once: {stats:#?}"
    );
    assert!(
        stats.answered_callees_cut_off.is_empty(),
        "answered callees cut off: {:?}",
        stats.answered_callees_cut_off
    );
    let attempts = h.attempts(id).await;
    assert_eq!(attempts.len(), 24, "{attempts:#?}");
    assert_eq!(stats.answered_rooms.len(), 24, "{stats:#?}");
    for room in &stats.answered_rooms {
        let attempt = attempts
            .iter()
            .find(|a| &a.room == room)
            .unwrap_or_else(|| panic!("no attempt for the answered room {room}"));
        assert_eq!(
            attempt.state,
            AttemptState::Ended(Outcome::Completed),
            "{attempt:#?}"
        );
        let answered = attempt.answered_at.expect("answered, and recorded so");
        let ended = attempt.ended_at.expect("ended");
        assert!(ended > answered, "no talk time: {attempt:#?}");
    }
}

fn scripted(h: &Harness, phone: &str, call: ScriptedCall) {
    h.sandbox().set_override(phone, call);
}

async fn attempt_order(h: &Harness, id: CampaignId) -> Vec<String> {
    h.attempts(id).await.into_iter().map(|a| a.phone).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dial_starts_keep_the_call_delay_and_the_trunk_budget() {
    in_every_mode(dial_starts_paced).await;
}

async fn dial_starts_paced(mode: Following) {
    let mut config = engine_config();
    config.trunk_cps.insert("ST_sandbox".into(), 25.0); // 40 ms between dials on the trunk
    let h = Harness::start_following(
        mode,
        SandboxConfig {
            outcomes: all_answer(),
            ..quick_sandbox()
        },
        config,
    )
    .await;
    let paced = h
        .campaign(CampaignSettings {
            call_delay_ms: 60,
            ..settings("paced")
        })
        .await;
    h.leads(paced, numbers(3, 6)).await;
    h.start_campaign(paced).await;
    h.until_status(paced, CampaignStatus::Completed).await;
    let starts: Vec<_> = h
        .attempts(paced)
        .await
        .iter()
        .map(|a| a.dialed_at.unwrap())
        .collect();
    for pair in starts.windows(2) {
        let gap = (pair[1] - pair[0]).num_milliseconds();
        assert!(
            gap >= 58,
            "dial starts {gap} ms apart, call_delay is 60 ms: {starts:?}"
        );
    }

    let budget = h
        .campaign(CampaignSettings {
            call_delay_ms: 0,
            ..settings("trunk budget")
        })
        .await;
    h.leads(budget, numbers(4, 6)).await;
    h.start_campaign(budget).await;
    h.until_status(budget, CampaignStatus::Completed).await;
    let starts: Vec<_> = h
        .attempts(budget)
        .await
        .iter()
        .map(|a| a.dialed_at.unwrap())
        .collect();
    for pair in starts.windows(2) {
        let gap = (pair[1] - pair[0]).num_milliseconds();
        assert!(
            gap >= 38,
            "trunk at 25 calls/s, yet dial starts {gap} ms apart: {starts:?}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leads_are_dialled_by_priority_then_import_order() {
    in_every_mode(leads_dialled_in_order).await;
}

async fn leads_dialled_in_order(mode: Following) {
    let h = Harness::start_following(
        mode,
        SandboxConfig {
            outcomes: all_answer(),
            ..quick_sandbox()
        },
        engine_config(),
    )
    .await;
    let id = h
        .campaign(CampaignSettings {
            max_concurrent: 1,
            ..settings("priority")
        })
        .await;
    let leads = [
        ("+15550300001", 0),
        ("+15550300002", 5),
        ("+15550300003", 0),
        ("+15550300004", 9),
        ("+15550300005", 5),
    ];
    h.leads(
        id,
        leads
            .iter()
            .map(|(p, prio)| NewLead {
                phone: p.to_string(),
                priority: *prio,
                ..NewLead::default()
            })
            .collect(),
    )
    .await;
    h.start_campaign(id).await;
    h.until_status(id, CampaignStatus::Completed).await;
    assert_eq!(
        attempt_order(&h, id).await,
        [
            "+15550300004",
            "+15550300002",
            "+15550300005",
            "+15550300001",
            "+15550300003"
        ]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn each_retry_rule_is_followed() {
    in_every_mode(each_retry_rule).await;
}

async fn each_retry_rule(mode: Following) {
    use switchboard::sandbox::Outcome as Net;
    let h = Harness::start_following(mode, quick_sandbox(), engine_config()).await;
    let id = h
        .campaign(CampaignSettings {
            max_attempts: 3,
            retry_on: [Outcome::Busy, Outcome::TrunkFailure].into_iter().collect(),
            ringing_timeout_secs: 5,
            ..settings("retries")
        })
        .await;
    let (busy, rejects, no_answer, invalid, answers) = (
        "+15550400001",
        "+15550400002",
        "+15550400003",
        "+15550400004",
        "+15550400005",
    );
    scripted(&h, busy, ScriptedCall::new(Net::Busy).ring_secs(0.5));
    scripted(&h, rejects, ScriptedCall::new(Net::Reject).ring_secs(0.5));
    scripted(&h, no_answer, ScriptedCall::new(Net::NoAnswer));
    scripted(&h, invalid, ScriptedCall::new(Net::InvalidNumber));
    scripted(
        &h,
        answers,
        ScriptedCall::new(Net::Answer).ring_secs(0.5).talk_secs(2.0),
    );
    h.leads(
        id,
        [busy, rejects, no_answer, invalid, answers]
            .into_iter()
            .map(lead)
            .collect(),
    )
    .await;
    h.start_campaign(id).await;
    h.until_status(id, CampaignStatus::Completed).await;

    let calls = h.stats().calls_per_number;
    assert_eq!(
        calls[busy],
        3,
        "busy is in retry_on: retried up to max_attempts: {:#?}",
        h.attempts(id).await
    );
    assert_eq!(h.lead(busy, id).await.state, LeadState::Exhausted);
    assert_eq!(calls[rejects], 1, "a rejection is not retried");
    assert_eq!(h.lead(rejects, id).await.state, LeadState::Done);
    assert_eq!(
        calls[no_answer], 1,
        "no_answer is not in this campaign's retry_on"
    );
    assert_eq!(
        h.lead(no_answer, id).await.last_outcome,
        Some(Outcome::NoAnswer)
    );
    assert_eq!(h.lead(invalid, id).await.state, LeadState::Invalid);
    assert_eq!(h.lead(answers, id).await.state, LeadState::Done);
    let busy_attempts: Vec<_> = h
        .attempts(id)
        .await
        .into_iter()
        .filter(|a| a.phone == busy)
        .collect();
    assert!(
        busy_attempts.iter().all(|a| a.sip_status_code == Some(486)),
        "{busy_attempts:?}"
    );
    assert_eq!(
        busy_attempts.iter().map(|a| a.number).collect::<Vec<_>>(),
        [1, 2, 3]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retry_waits_for_its_delay() {
    in_every_mode(a_retry_waits).await;
}

async fn a_retry_waits(mode: Following) {
    use switchboard::sandbox::Outcome as Net;
    let h = Harness::start_following_at(mode, quick_sandbox(), engine_config(), noon()).await;
    let id = h
        .campaign(CampaignSettings {
            retry_delay_secs: 600,
            max_attempts: 2,
            ..settings("delay")
        })
        .await;
    let busy = "+15550500001";
    scripted(&h, busy, ScriptedCall::new(Net::Busy).ring_secs(0.5));
    h.leads(id, vec![lead(busy)]).await;
    h.start_campaign(id).await;
    h.until("first attempt over", |s| {
        s.campaign(id).is_some_and(|c| c.leads.retry_wait == 1)
    })
    .await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(h.stats().calls_per_number[busy], 1, "not due yet");
    let waiting = h.lead(busy, id).await;
    assert_eq!(
        waiting.next_attempt_at,
        Some(noon() + chrono::Duration::seconds(600))
    );
    h.clock.advance(chrono::Duration::seconds(601));
    h.until_status(id, CampaignStatus::Completed).await;
    assert_eq!(h.stats().calls_per_number[busy], 2);
    assert_eq!(h.lead(busy, id).await.state, LeadState::Exhausted);
}

/// A call whose lead waits for a retry while other leads are still to call: the
/// engine knows when the retry falls due without reading the queue again (the page
/// still has work), shows it, and dials the retry once the time comes.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retry_due_later_is_known_while_the_page_still_has_leads() {
    in_every_mode(a_retry_due_later_is_known).await;
}

async fn a_retry_due_later_is_known(mode: Following) {
    use switchboard::sandbox::Outcome as Net;
    let h = Harness::start_following_at(mode, quick_sandbox(), engine_config(), noon()).await;
    let id = h
        .campaign(CampaignSettings {
            retry_delay_secs: 600,
            max_attempts: 2,
            max_concurrent: 1,
            ..settings("due later")
        })
        .await;
    let busy = "+15550510001";
    let long = "+15550510002";
    let quick = ["+15550510003", "+15550510004", "+15550510005"];
    scripted(&h, busy, ScriptedCall::new(Net::Busy).ring_secs(0.5));
    scripted(&h, long, ScriptedCall::new(Net::Answer).talk_secs(1500.0));
    for phone in quick {
        scripted(&h, phone, ScriptedCall::new(Net::Answer).talk_secs(1.0));
    }
    let mut leads = vec![lead(busy), lead(long)];
    leads.extend(quick.map(lead));
    h.leads(id, leads).await;
    h.start_campaign(id).await;
    let seen = h
        .until("the retry waits while the long call is on", |s| {
            s.campaign(id).is_some_and(|c| {
                c.leads.retry_wait == 1 && c.slots.iter().any(|slot| slot.phone == long)
            })
        })
        .await;
    let campaign = seen.campaign(id).expect("the campaign");
    assert_eq!(
        campaign.next_retry_at,
        Some(noon() + chrono::Duration::seconds(600)),
        "{mode:?}"
    );
    assert!(!campaign.next_up.is_empty(), "the page still has leads");
    h.clock.advance(chrono::Duration::seconds(601));
    h.until_status(id, CampaignStatus::Completed).await;
    assert_eq!(h.stats().calls_per_number[busy], 2, "{mode:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn infrastructure_errors_spend_no_attempt() {
    in_every_mode(infrastructure_errors).await;
}

async fn infrastructure_errors(mode: Following) {
    let h = Harness::start_following(
        mode,
        SandboxConfig {
            outcomes: all_answer(),
            ..quick_sandbox()
        },
        engine_config(),
    )
    .await;
    let id = h
        .campaign(CampaignSettings {
            max_attempts: 1,
            ..settings("outage")
        })
        .await;
    h.leads(id, numbers(6, 8)).await;
    h.start_campaign(id).await;
    h.sandbox().set_faults(Faults {
        outage: Some(Outage {
            start_after_ms: 0,
            duration_ms: 250,
            mode: OutageMode::Unavailable,
        }),
        ..Faults::none()
    });
    let snapshot = h.until_status(id, CampaignStatus::Completed).await;
    let view = snapshot.campaign(id).unwrap();
    assert_eq!(
        view.leads.done, 8,
        "every lead still got its one call: {view:#?}"
    );
    let attempts = h.attempts(id).await;
    let not_placed: Vec<_> = attempts
        .iter()
        .filter(|a| a.state == AttemptState::Ended(Outcome::NotPlaced))
        .collect();
    assert!(!not_placed.is_empty(), "the outage failed some dials");
    assert!(
        not_placed
            .iter()
            .all(|a| !a.counted && a.twirp_code.as_deref() == Some("unavailable")),
        "{not_placed:?}"
    );
    for (number, calls) in h.stats().calls_per_number {
        assert_eq!(
            calls, 1,
            "{number} called {calls} times with max_attempts 1"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unreachable_livekit_pauses_campaigns_until_it_answers_again() {
    in_every_mode(an_unreachable_livekit).await;
}

async fn an_unreachable_livekit(mode: Following) {
    let config = EngineConfig {
        infra_pause_after: Duration::from_millis(100),
        ..engine_config()
    };
    let h = Harness::start_following(
        mode,
        SandboxConfig {
            outcomes: all_answer(),
            ..quick_sandbox()
        },
        config,
    )
    .await;
    let id = h.campaign(settings("unreachable")).await;
    h.leads(id, numbers(7, 6)).await;
    h.sandbox().set_faults(Faults {
        outage: Some(Outage {
            start_after_ms: 0,
            duration_ms: 700,
            mode: OutageMode::RefuseConnections,
        }),
        ..Faults::none()
    });
    let mut events = h.engine.subscribe();
    h.engine
        .send(Command::Start(id))
        .await
        .expect_err("the trunk cannot be checked while LiveKit is down");
    tokio::time::sleep(Duration::from_millis(750)).await;
    h.start_campaign(id).await;
    h.until_status(id, CampaignStatus::Completed).await;
    while events.try_recv().is_ok() {}

    // Down again in the middle of the campaign.
    let more = h.campaign(settings("unreachable later")).await;
    h.leads(more, numbers(8, 30)).await;
    h.start_campaign(more).await;
    h.sandbox().set_faults(Faults {
        outage: Some(Outage {
            start_after_ms: 0,
            duration_ms: 600,
            mode: OutageMode::RefuseConnections,
        }),
        ..Faults::none()
    });
    let paused = h
        .until("paused as unreachable", |s| {
            s.campaign(more).is_some_and(|c| {
                matches!(c.pause_reason, Some(PauseReason::LiveKitUnreachable { .. }))
            })
        })
        .await;
    assert_eq!(
        paused.campaign(more).unwrap().status,
        CampaignStatus::Paused
    );
    let done = h.until_status(more, CampaignStatus::Completed).await;
    assert_eq!(done.campaign(more).unwrap().leads.done, 30);
    for (number, calls) in h.stats().calls_per_number {
        assert!(calls <= 3, "{number} called {calls} times");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_trunk_fails_the_start_before_any_lead_is_touched() {
    let h = Harness::start(quick_sandbox(), engine_config()).await;
    let id = h
        .campaign(CampaignSettings {
            trunk_id: "ST_nope".into(),
            ..settings("bad trunk")
        })
        .await;
    h.leads(id, numbers(9, 3)).await;
    let err = h.engine.send(Command::Start(id)).await.unwrap_err();
    match &err {
        EngineError::Configuration { problem, fix } => {
            assert!(problem.contains("ST_nope"), "{problem}");
            assert!(fix.contains("switchboard trunks"), "{fix}");
        }
        other => panic!("expected a configuration error, got {other:?}"),
    }
    let snapshot = h.until("snapshot", |s| s.campaign(id).is_some()).await;
    assert_eq!(snapshot.campaign(id).unwrap().status, CampaignStatus::Draft);
    assert!(h.attempts(id).await.is_empty());
    assert_eq!(h.stats().dial_requests, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn leads_wait_for_their_own_calling_hours() {
    in_every_mode(leads_wait_for_their_hours).await;
}

async fn leads_wait_for_their_hours(mode: Following) {
    let h = Harness::start_following_at(
        mode,
        SandboxConfig {
            outcomes: all_answer(),
            ..quick_sandbox()
        },
        engine_config(),
        noon(),
    )
    .await;
    let id = h
        .campaign(CampaignSettings {
            window: "09:00-20:00".parse().unwrap(),
            ..settings("windows")
        })
        .await;
    let zoned = |phone: &str, tz: Option<&str>| NewLead {
        phone: phone.into(),
        timezone: tz.map(str::to_string),
        ..NewLead::default()
    };
    let (paris, new_york, unzoned) = ("+15550600001", "+15550600002", "+15550600003");
    // 12:00 UTC is 14:00 in Paris, 08:00 in New York, 12:00 in the campaign's UTC.
    h.leads(
        id,
        vec![
            zoned(new_york, Some("America/New_York")),
            zoned(paris, Some("Europe/Paris")),
            zoned(unzoned, None),
        ],
    )
    .await;
    h.start_campaign(id).await;
    let snapshot = h
        .until("outside window", |s| {
            s.campaign(id)
                .is_some_and(|c| matches!(c.pause_reason, Some(PauseReason::OutsideWindow { .. })))
        })
        .await;
    let calls = h.stats().calls_per_number;
    assert!(
        calls.contains_key(paris) && calls.contains_key(unzoned),
        "{calls:?}"
    );
    assert!(
        !calls.contains_key(new_york),
        "called New York at 08:00 local"
    );
    let view = snapshot.campaign(id).unwrap();
    assert_eq!(view.status, CampaignStatus::Paused);
    assert_eq!(
        view.pause_reason,
        Some(PauseReason::OutsideWindow {
            until: Some(Utc.with_ymd_and_hms(2026, 6, 1, 13, 0, 0).unwrap()),
            timezone: "America/New_York".into()
        })
    );
    h.clock
        .set(Utc.with_ymd_and_hms(2026, 6, 1, 13, 0, 0).unwrap());
    h.until_status(id, CampaignStatus::Completed).await;
    assert_eq!(h.stats().calls_per_number[new_york], 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_window_opening_in_a_dst_gap_opens_at_the_first_valid_minute() {
    in_every_mode(a_window_in_a_dst_gap).await;
}

async fn a_window_in_a_dst_gap(mode: Following) {
    // 2026-03-08 05:00 UTC is 00:00 EST; at 02:00 New York jumps to 03:00 EDT.
    let start = Utc.with_ymd_and_hms(2026, 3, 8, 5, 0, 0).unwrap();
    let h = Harness::start_following_at(
        mode,
        SandboxConfig {
            outcomes: all_answer(),
            ..quick_sandbox()
        },
        engine_config(),
        start,
    )
    .await;
    let id = h
        .campaign(CampaignSettings {
            window: "02:30-05:00".parse().unwrap(),
            timezone: "America/New_York".into(),
            ..settings("dst")
        })
        .await;
    h.leads(id, numbers(10, 2)).await;
    h.start_campaign(id).await;
    let snapshot = h
        .until("outside window", |s| {
            s.campaign(id)
                .is_some_and(|c| matches!(c.pause_reason, Some(PauseReason::OutsideWindow { .. })))
        })
        .await;
    let opening = Utc.with_ymd_and_hms(2026, 3, 8, 7, 0, 0).unwrap(); // 03:00 EDT
    assert!(matches!(
        &snapshot.campaign(id).unwrap().pause_reason,
        Some(PauseReason::OutsideWindow { until: Some(t), .. }) if *t == opening
    ));
    h.clock.set(opening - chrono::Duration::seconds(1));
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert_eq!(h.stats().calls_placed, 0);
    h.clock.set(opening);
    h.until_status(id, CampaignStatus::Completed).await;
    assert_eq!(h.stats().calls_placed, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_daily_cap_pauses_until_local_midnight() {
    in_every_mode(the_daily_cap).await;
}

async fn the_daily_cap(mode: Following) {
    let h = Harness::start_following_at(
        mode,
        SandboxConfig {
            outcomes: all_answer(),
            ..quick_sandbox()
        },
        engine_config(),
        noon(),
    )
    .await;
    let id = h
        .campaign(CampaignSettings {
            daily_cap: Some(3),
            timezone: "Europe/Paris".into(),
            ..settings("capped")
        })
        .await;
    h.leads(id, numbers(11, 5)).await;
    h.start_campaign(id).await;
    let midnight_paris = Utc.with_ymd_and_hms(2026, 6, 1, 22, 0, 0).unwrap();
    let snapshot = h
        .until("cap reached", |s| {
            s.campaign(id).is_some_and(|c| {
                matches!(c.pause_reason, Some(PauseReason::DailyCapReached { .. }))
            })
        })
        .await;
    let view = snapshot.campaign(id).unwrap();
    assert_eq!(
        view.pause_reason,
        Some(PauseReason::DailyCapReached {
            cap: 3,
            until: midnight_paris
        })
    );
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert_eq!(h.stats().calls_placed, 3);
    h.clock.set(midnight_paris);
    h.until_status(id, CampaignStatus::Completed).await;
    assert_eq!(h.stats().calls_placed, 5);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_number_gets_at_most_the_daily_limit_across_campaigns() {
    in_every_mode(the_per_number_daily_limit).await;
}

async fn the_per_number_daily_limit(mode: Following) {
    let config = EngineConfig {
        per_number_daily_limit: 1,
        ..engine_config()
    };
    let h = Harness::start_following_at(
        mode,
        SandboxConfig {
            outcomes: all_answer(),
            ..quick_sandbox()
        },
        config,
        noon(),
    )
    .await;
    let shared = "+15550700001";
    let first = h.campaign(settings("first")).await;
    let second = h.campaign(settings("second")).await;
    h.leads(first, vec![lead(shared)]).await;
    h.leads(second, vec![lead(shared), lead("+15550700002")])
        .await;
    h.start_campaign(first).await;
    h.until_status(first, CampaignStatus::Completed).await;
    let mut events = h.engine.subscribe();
    h.start_campaign(second).await;
    h.until("the other lead called", |s| {
        s.campaign(second).is_some_and(|c| c.leads.done == 1)
    })
    .await;
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert_eq!(h.stats().calls_per_number[shared], 1);
    assert_eq!(h.lead(shared, second).await.state, LeadState::Pending);
    let mut told = false;
    while let Ok(event) = events.try_recv() {
        told |= event.kind == EngineEventKind::Problem && event.detail.contains(shared);
    }
    assert!(told, "the operator is told why the number waits");
    h.clock
        .set(Utc.with_ymd_and_hms(2026, 6, 2, 0, 0, 1).unwrap());
    h.until_status(second, CampaignStatus::Completed).await;
    assert_eq!(h.stats().calls_per_number[shared], 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn numbers_put_on_the_dnc_list_mid_run_are_never_dialled() {
    in_every_mode(dnc_mid_run).await;
}

async fn dnc_mid_run(mode: Following) {
    let h = Harness::start_following(
        mode,
        SandboxConfig {
            outcomes: all_answer(),
            ..quick_sandbox()
        },
        engine_config(),
    )
    .await;
    let id = h
        .campaign(CampaignSettings {
            max_concurrent: 1,
            call_delay_ms: 40,
            ..settings("dnc")
        })
        .await;
    let leads = numbers(12, 8);
    let (by_command, by_store) = (leads[6].phone.clone(), leads[7].phone.clone());
    h.leads(id, leads).await;
    h.start_campaign(id).await;
    h.until("first call done", |s| {
        s.campaign(id).is_some_and(|c| c.leads.done >= 1)
    })
    .await;
    h.engine
        .send(Command::MarkDnc {
            phone: by_command.clone(),
            campaign: None,
            reason: Some("asked".into()),
        })
        .await
        .unwrap();
    // Written to the list by another tool: caught by the check right before the dial.
    let number = by_store.clone();
    h.store
        .write(move |conn| {
            switchboard::store::dnc::add(conn, &number, Some(id), None, noon()).map(|_| ())
        })
        .await
        .unwrap();
    let snapshot = h.until_status(id, CampaignStatus::Completed).await;
    let calls = h.stats().calls_per_number;
    assert!(
        !calls.contains_key(&by_command) && !calls.contains_key(&by_store),
        "{calls:?}"
    );
    assert_eq!(h.lead(&by_command, id).await.state, LeadState::Dnc);
    assert_eq!(h.lead(&by_store, id).await.state, LeadState::Dnc);
    assert_eq!(snapshot.campaign(id).unwrap().leads.dnc, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pause_lets_calls_finish_resume_continues_and_stop_hangs_up() {
    in_every_mode(pause_resume_and_stop).await;
}

async fn pause_resume_and_stop(mode: Following) {
    let sandbox = SandboxConfig {
        outcomes: all_answer(),
        talk: SecondsRange::new(150.0, 250.0),
        ..quick_sandbox()
    };
    let h = Harness::start_following(mode, sandbox, engine_config()).await;
    let id = h
        .campaign(CampaignSettings {
            max_concurrent: 2,
            ..settings("controls")
        })
        .await;
    h.leads(id, numbers(13, 20)).await;
    h.start_campaign(id).await;
    h.until("two calls up", |s| {
        s.campaign(id).is_some_and(|c| c.slots.len() == 2)
    })
    .await;
    h.engine.send(Command::Pause(id)).await.unwrap();
    let paused = h
        .until("calls drained", |s| {
            s.campaign(id).is_some_and(|c| c.slots.is_empty())
        })
        .await;
    assert_eq!(
        paused.campaign(id).unwrap().pause_reason,
        Some(PauseReason::Operator)
    );
    let dialled = h.stats().dial_requests;
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(
        h.stats().dial_requests,
        dialled,
        "no call starts while paused"
    );
    let ended = h.attempts(id).await;
    assert!(
        ended
            .iter()
            .all(|a| a.state == AttemptState::Ended(Outcome::Completed)),
        "paused calls finished: {ended:?}"
    );

    h.engine.send(Command::Resume(id)).await.unwrap();
    h.until("calling again", |s| {
        s.campaign(id).is_some_and(|c| c.slots.len() == 2)
    })
    .await;
    h.engine
        .send(Command::Stop {
            id,
            hang_up_live_calls: true,
        })
        .await
        .unwrap();
    let stopped = h
        .until("stopped and drained", |s| {
            s.campaign(id).is_some_and(|c| c.slots.is_empty())
        })
        .await;
    assert_eq!(
        stopped.campaign(id).unwrap().status,
        CampaignStatus::Stopped
    );
    let dialled = h.stats().dial_requests;
    tokio::time::sleep(Duration::from_millis(150)).await;
    assert_eq!(
        h.stats().dial_requests,
        dialled,
        "nothing dialled after stop"
    );
    let attempts = h.attempts(id).await;
    assert!(
        attempts.iter().all(|a| a.state.is_terminal()),
        "{attempts:?}"
    );
    assert!(attempts.len() < 20);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_call_can_be_hung_up_and_one_lead_retried_now() {
    in_every_mode(hang_up_and_retry_now).await;
}

async fn hang_up_and_retry_now(mode: Following) {
    let sandbox = SandboxConfig {
        outcomes: all_answer(),
        talk: SecondsRange::new(5000.0, 6000.0),
        ..quick_sandbox()
    };
    let h = Harness::start_following(mode, sandbox, engine_config()).await;
    let id = h
        .campaign(CampaignSettings {
            max_concurrent: 1,
            ..settings("hang up")
        })
        .await;
    h.leads(id, numbers(14, 1)).await;
    h.start_campaign(id).await;
    let live = h
        .until("answered", |s| {
            s.campaign(id)
                .is_some_and(|c| c.slots.iter().any(|x| x.state == AttemptState::Answered))
        })
        .await;
    let slot = live.campaign(id).unwrap().slots[0].clone();
    h.engine.send(Command::HangUp(slot.attempt)).await.unwrap();
    h.until_status(id, CampaignStatus::Completed).await;
    let attempt = &h.attempts(id).await[0];
    assert_eq!(attempt.state, AttemptState::Ended(Outcome::Completed));
    let talk = attempt.ended_at.unwrap() - attempt.answered_at.unwrap();
    assert!(
        talk < chrono::Duration::seconds(5),
        "hung up long before the 5 s talk ended: {talk}"
    );
    // Recorded as the operator's doing, not the callee's hang-up.
    let aid = attempt.id;
    let ended = h
        .store
        .read(move |conn| attempt_events::for_attempt(conn, aid))
        .await
        .unwrap()
        .into_iter()
        .find(|e| e.kind == AttemptEventKind::Ended)
        .unwrap();
    assert_eq!(ended.detail, "completed, ended by the operator");

    // Retry-now brings a finished lead back; resuming the campaign calls it again.
    let other = h
        .campaign(CampaignSettings {
            max_concurrent: 1,
            ..settings("retry now")
        })
        .await;
    let sandbox = h.sandbox();
    sandbox.set_override(
        "+15551500000",
        ScriptedCall::new(switchboard::sandbox::Outcome::Reject),
    );
    h.leads(other, vec![lead("+15551500000")]).await;
    h.start_campaign(other).await;
    h.until_status(other, CampaignStatus::Completed).await;
    let finished = h.lead("+15551500000", other).await;
    assert_eq!(finished.state, LeadState::Done);
    assert!(
        h.engine.send(Command::Start(other)).await.is_err(),
        "a completed campaign does not start again"
    );
    h.engine.send(Command::RetryNow(finished.id)).await.unwrap();
    assert_eq!(
        h.lead("+15551500000", other).await.state,
        LeadState::Pending
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn several_campaigns_share_the_trunk_and_the_global_limit() {
    in_every_mode(several_campaigns_share_the_limit).await;
}

async fn several_campaigns_share_the_limit(mode: Following) {
    let sandbox = SandboxConfig {
        outcomes: all_answer(),
        talk: SecondsRange::new(20.0, 40.0),
        ..quick_sandbox()
    };
    let config = EngineConfig {
        global_max_concurrent: Some(4),
        ..engine_config()
    };
    let h = Harness::start_following(mode, sandbox, config).await;
    let mut ids = Vec::new();
    for i in 0..3 {
        let id = h
            .campaign(CampaignSettings {
                max_concurrent: 3,
                ..settings(&format!("c{i}"))
            })
            .await;
        h.leads(id, numbers(20 + i, 12)).await;
        ids.push(id);
    }
    for id in &ids {
        h.start_campaign(*id).await;
    }
    let mut max_active = 0;
    let mut rx = h.engine.snapshot();
    loop {
        let snapshot = rx.borrow_and_update().clone();
        max_active = max_active.max(snapshot.active_calls());
        if ids.iter().all(|id| {
            snapshot
                .campaign(*id)
                .is_some_and(|c| c.status == CampaignStatus::Completed)
        }) {
            break;
        }
        tokio::time::timeout(Duration::from_secs(20), rx.changed())
            .await
            .expect("campaigns finish")
            .unwrap();
    }
    let stats = h.stats();
    assert_eq!(stats.calls_placed, 36);
    assert!(
        stats.max_concurrent_calls() <= 4,
        "global limit of 4 exceeded: {stats:?}"
    );
    assert!(max_active <= 4);
    let per_campaign: BTreeSet<usize> = {
        let mut counts = BTreeSet::new();
        for id in &ids {
            counts.insert(h.attempts(*id).await.len());
        }
        counts
    };
    assert_eq!(per_campaign, BTreeSet::from([12]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_dispatch_rules_no_agent_dispatch_is_sent() {
    in_every_mode(no_dispatch_with_rules).await;
}

async fn no_dispatch_with_rules(mode: Following) {
    let h = Harness::start_following(
        mode,
        SandboxConfig {
            outcomes: all_answer(),
            ..quick_sandbox()
        },
        engine_config(),
    )
    .await;
    let id = h
        .campaign(CampaignSettings {
            dispatch: DispatchMode::Rules,
            agent_name: String::new(),
            ..settings("rules")
        })
        .await;
    h.leads(id, numbers(30, 3)).await;
    h.start_campaign(id).await;
    h.until_status(id, CampaignStatus::Completed).await;
    for attempt in h.attempts(id).await {
        let aid = attempt.id;
        let events = h
            .store
            .read(move |conn| attempt_events::for_attempt(conn, aid))
            .await
            .unwrap();
        assert!(
            events
                .iter()
                .all(|e| e.kind != AttemptEventKind::AgentDispatched),
            "{events:?}"
        );
        assert!(events.iter().any(|e| e.kind == AttemptEventKind::Answered));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn carrier_limit_rejections_slow_the_trunk_down() {
    in_every_mode(carrier_limit_slows_the_trunk).await;
}

async fn carrier_limit_slows_the_trunk(mode: Following) {
    let sandbox = SandboxConfig {
        outcomes: all_answer(),
        max_calls_per_trunk: Some(2),
        talk: SecondsRange::new(20.0, 40.0),
        ..quick_sandbox()
    };
    let h = Harness::start_following(mode, sandbox, engine_config()).await;
    let id = h
        .campaign(CampaignSettings {
            max_concurrent: 6,
            max_attempts: 5,
            ..settings("carrier limit")
        })
        .await;
    h.leads(id, numbers(31, 12)).await;
    let mut events = h.engine.subscribe();
    h.start_campaign(id).await;
    h.until_status(id, CampaignStatus::Completed).await;
    let limited: Vec<_> = h
        .attempts(id)
        .await
        .into_iter()
        .filter(|a| a.sip_status_code == Some(503))
        .collect();
    assert!(
        !limited.is_empty(),
        "six slots on a two-call trunk hit the carrier's limit"
    );
    let mut slowed = false;
    while let Ok(event) = events.try_recv() {
        slowed |= event.kind == EngineEventKind::Problem
            && event.detail.contains("slowing to one call every");
    }
    assert!(slowed, "the operator sees the trunk being slowed down");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_scheduled_campaign_waits_for_its_start_time() {
    in_every_mode(a_scheduled_campaign).await;
}

async fn a_scheduled_campaign(mode: Following) {
    let h = Harness::start_following_at(
        mode,
        SandboxConfig {
            outcomes: all_answer(),
            ..quick_sandbox()
        },
        engine_config(),
        noon(),
    )
    .await;
    let at = noon() + chrono::Duration::hours(1);
    let id = h
        .campaign(CampaignSettings {
            start_at: Some(at),
            ..settings("scheduled")
        })
        .await;
    h.leads(id, numbers(32, 2)).await;
    h.start_campaign(id).await;
    let snapshot = h
        .until("scheduled", |s| {
            s.campaign(id).is_some_and(|c| c.pause_reason.is_some())
        })
        .await;
    assert_eq!(
        snapshot.campaign(id).unwrap().pause_reason,
        Some(PauseReason::Scheduled { at })
    );
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(h.stats().dial_requests, 0);
    h.clock.set(at);
    h.until_status(id, CampaignStatus::Completed).await;
    assert_eq!(h.stats().calls_placed, 2);
}

/// A room watcher that only remembers which rooms it was given: with it, call tasks
/// leave their rooms to the watcher, so the only progress is what the test sends.
#[derive(Default)]
struct SilentWatcher {
    rooms: std::sync::Mutex<Vec<String>>,
}

impl switchboard::engine::RoomWatcher for SilentWatcher {
    fn watch_dialing(&self, _: &str) {}
    fn watch_answered(&self, room: &str) {
        self.rooms.lock().unwrap().push(room.to_string());
    }
    fn watch_unanswered(&self, room: &str) {
        self.rooms.lock().unwrap().push(room.to_string());
    }
    fn forget(&self, _: &str) {}
}

/// Remembers how each room was handed over.
#[derive(Default)]
struct RecordingWatcher {
    calls: std::sync::Mutex<Vec<(&'static str, String)>>,
}

impl switchboard::engine::RoomWatcher for RecordingWatcher {
    fn watch_dialing(&self, room: &str) {
        self.calls
            .lock()
            .unwrap()
            .push(("dialing", room.to_string()));
    }
    fn watch_answered(&self, room: &str) {
        self.calls
            .lock()
            .unwrap()
            .push(("answered", room.to_string()));
    }
    fn watch_live(&self, room: &str) {
        self.calls
            .lock()
            .unwrap()
            .push(("live at start-up", room.to_string()));
    }
    fn watch_unanswered(&self, room: &str) {
        self.calls
            .lock()
            .unwrap()
            .push(("unanswered", room.to_string()));
    }
    fn forget(&self, _: &str) {}
}

/// Calls left in flight by a previous run: an answered one is watched as live (its
/// agent no longer waited for), a ringing one as unanswered, so the poller keeps looking at it until it is answered (only it
/// can say so: the dial that would have belonged to the previous run).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_found_in_flight_are_watched_as_answered_or_not() {
    use switchboard::engine::Engine;
    use switchboard::store::attempts::{self, BeginAttempt, Begun};
    use switchboard::store::{CampaignRecord, NewCampaign};
    use switchboard::telephony::{LiveKitOptions, LiveKitTelephony};
    let sandbox = switchboard::sandbox::start(quick_sandbox(), "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("engine.db")).unwrap();
    let rooms = store
        .write(move |conn| {
            let now = Utc::now();
            let campaign = CampaignRecord::insert(
                conn,
                &NewCampaign {
                    settings: settings("left in flight"),
                    now,
                },
            )?;
            let mut rooms = Vec::new();
            for (phone, state) in [
                ("+15551700001", AttemptState::Ringing),
                ("+15551700002", AttemptState::Answered),
            ] {
                let lead =
                    LeadRecord::insert(conn, campaign, &lead(phone), now)?.expect("a new number");
                let begun = attempts::begin(
                    conn,
                    &BeginAttempt {
                        campaign,
                        lead,
                        now,
                        room_prefix: "outbound".into(),
                        per_number_limit: 10,
                        number_day_start: now - chrono::Duration::days(1),
                        variant: None,
                    },
                )?;
                let Begun::Started(started) = begun else {
                    panic!("not started: {begun:?}")
                };
                attempts::advance(
                    conn,
                    started.attempt,
                    campaign,
                    AttemptState::Ringing,
                    now,
                    "",
                )?;
                if state == AttemptState::Answered {
                    attempts::advance(conn, started.attempt, campaign, state, now, "")?;
                }
                rooms.push(started.room.clone());
            }
            Ok(rooms)
        })
        .await
        .unwrap();
    let telephony = Arc::new(LiveKitTelephony::new(
        &sandbox.url(),
        sandbox.api_key(),
        sandbox.api_secret(),
        LiveKitOptions::default(),
    ));
    let watcher = Arc::new(RecordingWatcher::default());
    let (_progress, progress_rx) = tokio::sync::mpsc::channel(16);
    let _engine = Engine::spawn(
        store,
        telephony,
        Arc::new(SystemClock),
        engine_config(),
        progress_rx,
        Some(watcher.clone()),
    )
    .await
    .unwrap();
    let calls = watcher.calls.lock().unwrap().clone();
    assert!(
        calls.contains(&("unanswered", rooms[0].clone())),
        "{calls:?}"
    );
    assert!(
        calls.contains(&("live at start-up", rooms[1].clone())),
        "{calls:?}"
    );
    assert!(
        !calls.iter().any(|(how, _)| *how == "answered"),
        "nothing was answered in this run: {calls:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_agents_disposition_after_the_callee_left_is_recorded() {
    use switchboard::engine::Engine;
    use switchboard::telephony::{
        CallProgress, CallProgressKind, LiveCallStatus, LiveKitOptions, LiveKitTelephony,
    };
    let sandbox = switchboard::sandbox::start(
        SandboxConfig {
            outcomes: all_answer(),
            talk: SecondsRange::new(5000.0, 6000.0),
            ..quick_sandbox()
        },
        "127.0.0.1:0".parse().unwrap(),
    )
    .await
    .unwrap();
    let telephony = Arc::new(LiveKitTelephony::new(
        &sandbox.url(),
        sandbox.api_key(),
        sandbox.api_secret(),
        LiveKitOptions {
            request_timeout: Duration::from_secs(5),
        },
    ));
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(dir.path().join("engine.db")).unwrap();
    let (progress, progress_rx) = tokio::sync::mpsc::channel(16);
    let watcher = Arc::new(SilentWatcher::default());
    let engine = Engine::spawn(
        store.clone(),
        telephony,
        Arc::new(SystemClock),
        EngineConfig {
            disposition_grace: Duration::from_secs(10),
            ..engine_config()
        },
        progress_rx,
        Some(watcher.clone()),
    )
    .await
    .unwrap();
    let Reply::Created(id) = engine
        .send(Command::CreateCampaign(Box::new(settings(
            "late disposition",
        ))))
        .await
        .unwrap()
    else {
        panic!("no campaign created")
    };
    store
        .write(move |conn| LeadRecord::insert(conn, id, &lead("+15551600000"), noon()).map(|_| ()))
        .await
        .unwrap();
    let mut events = engine.subscribe();
    engine.send(Command::Start(id)).await.unwrap();

    // LiveKit's order: the callee's participant_left, then the agent's with its disposition.
    let room = loop {
        match events.recv().await.unwrap() {
            e if e.kind == EngineEventKind::Attempt(AttemptEventKind::Answered) => {
                break watcher.rooms.lock().unwrap()[0].clone()
            }
            _ => continue,
        }
    };
    let send = |kind| {
        progress.try_send(CallProgress {
            room: room.clone(),
            at: Utc::now(),
            kind,
        })
    };
    send(CallProgressKind::Ended {
        disconnect_reason: "CLIENT_INITIATED".into(),
        last_status: Some(LiveCallStatus::Hangup),
    })
    .unwrap();
    loop {
        let e = events.recv().await.unwrap();
        if e.kind == EngineEventKind::CampaignStatus(CampaignStatus::Completed) {
            break;
        }
    }
    send(CallProgressKind::Disposition {
        value: "callback".into(),
        note: Some("call back on Tuesday".into()),
        callback_at: None,
    })
    .unwrap();
    let event = tokio::time::timeout(Duration::from_secs(5), async {
        loop {
            let e = events.recv().await.unwrap();
            if e.kind == EngineEventKind::Attempt(AttemptEventKind::Disposition) {
                return e;
            }
        }
    })
    .await
    .expect("the late disposition was announced");
    assert_eq!(event.detail, "callback");

    let attempt = store
        .read(move |conn| AttemptRecord::for_campaign(conn, id))
        .await
        .unwrap()
        .remove(0);
    assert_eq!(attempt.state, AttemptState::Ended(Outcome::Completed));
    assert_eq!(attempt.disposition.as_deref(), Some("callback"));
    let aid = attempt.id;
    let rows = store
        .read(move |conn| attempt_events::for_attempt(conn, aid))
        .await
        .unwrap();
    let disposition = rows
        .iter()
        .find(|e| e.kind == AttemptEventKind::Disposition)
        .expect("a disposition event row");
    assert_eq!(disposition.detail, "callback");
    // The call's talk time ends when the callee left, not when the agent reported.
    assert!(attempt.ended_at.unwrap() <= disposition.at);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_campaign_is_deleted_only_once_it_is_not_running() {
    in_every_mode(deleted_once_not_running).await;
}

async fn deleted_once_not_running(mode: Following) {
    let sandbox = SandboxConfig {
        outcomes: all_answer(),
        talk: SecondsRange::new(5000.0, 6000.0),
        ..quick_sandbox()
    };
    let h = Harness::start_following(mode, sandbox, engine_config()).await;
    let draft = h.campaign(settings("draft")).await;
    h.leads(draft, numbers(17, 3)).await;
    assert_eq!(
        h.engine.send(Command::DeleteCampaign(draft)).await,
        Ok(Reply::Deleted(draft))
    );
    h.until("the draft gone from the snapshot", |s| {
        s.campaign(draft).is_none()
    })
    .await;
    let gone = h
        .store
        .read(move |conn| switchboard::store::CampaignRecord::get(conn, draft))
        .await;
    assert!(gone.is_err(), "the campaign row is deleted: {gone:?}");
    assert!(matches!(
        h.engine.send(Command::DeleteCampaign(draft)).await,
        Err(EngineError::NotFound { .. })
    ));

    let id = h
        .campaign(CampaignSettings {
            max_concurrent: 2,
            ..settings("running")
        })
        .await;
    h.leads(id, numbers(18, 4)).await;
    h.start_campaign(id).await;
    h.until("calls answered", |s| {
        s.campaign(id)
            .is_some_and(|c| c.slots.iter().any(|x| x.state == AttemptState::Answered))
    })
    .await;
    match h.engine.send(Command::DeleteCampaign(id)).await {
        Err(EngineError::Refused(why)) => assert!(why.contains("stop it first"), "{why}"),
        other => panic!("deleting a running campaign was not refused: {other:?}"),
    }
    h.engine
        .send(Command::Stop {
            id,
            hang_up_live_calls: true,
        })
        .await
        .unwrap();
    h.until("the stopped campaign's calls ended", |s| {
        s.campaign(id).is_some_and(|c| c.slots.is_empty())
    })
    .await;
    assert_eq!(
        h.engine.send(Command::DeleteCampaign(id)).await,
        Ok(Reply::Deleted(id))
    );
    h.until("the stopped campaign gone", |s| s.campaign(id).is_none())
        .await;
    assert!(h.attempts(id).await.is_empty(), "its calls went with it");
}

/// Imports `phones` the way the console's form and `switchboard leads import` do.
async fn import_phones(store: &Store, campaign: CampaignId, phones: &[&str]) {
    let csv = format!("phone\n{}\n", phones.join("\n"));
    let store = store.clone();
    let report = tokio::task::spawn_blocking(move || {
        switchboard::import::import_csv(
            &store,
            campaign,
            csv.as_bytes(),
            switchboard::import::ImportOptions::default(),
        )
    })
    .await
    .unwrap()
    .unwrap();
    assert_eq!(report.imported, phones.len() as u64, "{report:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lead_counts_follow_imports_as_the_engine_is_told_of_them() {
    // Every write reaches the engine (imports end with RefreshCampaign); there is no
    // periodic re-read to hide a missing one.
    let h = Harness::start(quick_sandbox(), engine_config()).await;
    let id = h.campaign(settings("imported")).await;
    import_phones(&h.store, id, &["+12125550100", "+12125550101"]).await;
    h.engine.send(Command::RefreshCampaign(id)).await.unwrap();
    let shown = tokio::time::timeout(
        Duration::from_secs(2),
        h.until("the imported leads counted", |s| {
            s.campaign(id)
                .is_some_and(|c| c.leads.pending == 2 && c.next_up.len() == 2)
        }),
    )
    .await
    .unwrap_or_else(|_| {
        panic!(
            "RefreshCampaign did not update the snapshot: {:#?}",
            h.engine.snapshot().borrow().campaign(id)
        )
    });
    let view = shown.campaign(id).unwrap();
    assert_eq!(view.status, CampaignStatus::Draft);
    assert_eq!(view.leads.total(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_answered_call_gets_the_agents_disposition_on_the_sandbox() {
    in_every_mode(every_answered_call_disposed).await;
}

async fn every_answered_call_disposed(mode: Following) {
    // With webhooks each delivered, talk lasts milliseconds, so the disposition is
    // mostly seen only in the agent's participant_left webhook, after the callee left.
    // Otherwise the poller must see the report: the agent gives it at 80% of the talk
    // and leaves 0.5 s after the callee, a few milliseconds here, between two 20 ms
    // looks (and that webhook may be lost). Calls there talk long enough to be looked at.
    let talk = match mode {
        Following::Webhooks => quick_sandbox().talk,
        Following::Polling | Following::UnreliableWebhooks => SecondsRange::new(200.0, 300.0),
    };
    let h = Harness::start_following(
        mode,
        SandboxConfig {
            outcomes: all_answer(),
            talk,
            ..quick_sandbox()
        },
        engine_config(),
    )
    .await;
    let id = h.campaign(settings("dispositions")).await;
    h.leads(id, numbers(20, 8)).await;
    h.start_campaign(id).await;
    h.until_status(id, CampaignStatus::Completed).await;
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    let attempts = loop {
        let attempts = h.attempts(id).await;
        if attempts.iter().all(|a| a.disposition.is_some()) {
            break attempts;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "attempts without the agent's disposition: {:?}",
            attempts
                .iter()
                .filter(|a| a.disposition.is_none())
                .map(|a| a.id)
                .collect::<Vec<_>>()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    assert_eq!(attempts.len(), 8);
    for attempt in attempts {
        let aid = attempt.id;
        let rows = h
            .store
            .read(move |conn| attempt_events::for_attempt(conn, aid))
            .await
            .unwrap();
        let reported = rows
            .iter()
            .filter(|e| e.kind == AttemptEventKind::Disposition)
            .count();
        assert_eq!(reported, 1, "one disposition entry per call: {rows:?}");
    }
}

/// The dial request waits for the answer and webhooks carry no ringing, so only the
/// poller can see the phone ring: the engine must watch a room from the dial on.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_phone_that_rings_before_it_is_answered_is_seen_ringing() {
    in_every_mode(a_ringing_phone_seen).await;
}

async fn a_ringing_phone_seen(mode: Following) {
    let h = Harness::start_following(mode, quick_sandbox(), engine_config()).await;
    let phone = "+15125550777";
    // 300 simulated seconds of ringing are 300 ms here: many 20 ms polls.
    scripted(
        &h,
        phone,
        ScriptedCall::new(switchboard::sandbox::Outcome::Answer)
            .ring_secs(300.0)
            .talk_secs(2.0),
    );
    let id = h
        .campaign(CampaignSettings {
            ringing_timeout_secs: 600,
            ..settings("rings")
        })
        .await;
    h.leads(id, vec![lead(phone)]).await;
    h.start_campaign(id).await;
    h.until_status(id, CampaignStatus::Completed).await;

    let attempt = h.attempts(id).await.remove(0);
    assert_eq!(attempt.state, AttemptState::Ended(Outcome::Completed));
    let ringing = attempt.ringing_at.expect("the ringing was recorded");
    assert!(attempt.dialed_at.unwrap() <= ringing, "{attempt:?}");
    assert!(ringing <= attempt.answered_at.unwrap(), "{attempt:?}");
    let aid = attempt.id;
    let kinds: Vec<AttemptEventKind> = h
        .store
        .read(move |conn| attempt_events::for_attempt(conn, aid))
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.kind)
        .collect();
    let position = |k| kinds.iter().position(|x| *x == k).unwrap();
    assert!(
        position(AttemptEventKind::Ringing) < position(AttemptEventKind::Answered),
        "{kinds:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_do_not_call_disposition_puts_the_number_on_the_list_for_every_campaign() {
    in_every_mode(a_do_not_call_disposition).await;
}

async fn a_do_not_call_disposition(mode: Following) {
    let h = Harness::start_following(mode, quick_sandbox(), engine_config()).await;
    let asked = "+15550990001";
    scripted(
        &h,
        asked,
        ScriptedCall {
            disposition: Some("Do Not Call".into()),
            // Long enough for the poller to see the agent's report (at 80% of the talk).
            ..ScriptedCall::new(switchboard::sandbox::Outcome::Answer).talk_secs(200.0)
        },
    );
    let first = h.campaign(settings("first")).await;
    h.leads(first, vec![lead(asked)]).await;
    let later = h.campaign(settings("later")).await;
    h.leads(later, vec![lead(asked), lead("+15550990002")])
        .await;
    h.start_campaign(first).await;
    h.until_status(first, CampaignStatus::Completed).await;
    let listed = h
        .store
        .read(|conn| switchboard::store::dnc::list(conn, None))
        .await
        .unwrap();
    let entry = listed
        .iter()
        .find(|e| e.phone == asked)
        .unwrap_or_else(|| panic!("{asked} is on the global list: {listed:?}"));
    let attempt = h.attempts(first).await[0].id;
    assert!(
        entry
            .reason
            .as_deref()
            .is_some_and(|r| r.contains(&format!("attempt {attempt}"))),
        "the attempt is the source: {entry:?}"
    );
    assert_eq!(h.lead(asked, later).await.state, LeadState::Dnc);
    h.start_campaign(later).await;
    h.until_status(later, CampaignStatus::Completed).await;
    assert_eq!(
        h.stats().calls_per_number.get(asked),
        Some(&1),
        "the other campaign never called them"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_voicemail_disposition_is_retried_as_the_campaigns_rule_says() {
    in_every_mode(a_voicemail_disposition).await;
}

async fn a_voicemail_disposition(mode: Following) {
    use switchboard::domain::DispositionRetry;
    let h = Harness::start_following_at(mode, quick_sandbox(), engine_config(), noon()).await;
    let id = h
        .campaign(CampaignSettings {
            max_attempts: 2,
            disposition_retries: vec![DispositionRetry::parse("voicemail=4h").unwrap()],
            ..settings("voicemail rule")
        })
        .await;
    let phone = "+15551700001";
    answered_with(&h, id, phone, "voicemail").await;
    h.start_campaign(id).await;
    h.until("the voicemail is due again in 4 hours", |s| {
        s.campaign(id).is_some_and(|c| c.leads.retry_wait == 1)
    })
    .await;
    let waiting = h.lead(phone, id).await;
    assert_eq!(waiting.state, LeadState::RetryWait);
    assert_eq!(
        waiting.next_attempt_at,
        Some(noon() + chrono::Duration::hours(4)),
        "{waiting:?}"
    );
    assert_eq!(h.stats().calls_per_number[phone], 1);
    h.clock
        .advance(chrono::Duration::hours(4) + chrono::Duration::seconds(1));
    h.until_status(id, CampaignStatus::Completed).await;
    assert_eq!(
        h.stats().calls_per_number[phone],
        2,
        "dialled again when due"
    );
    // The second voicemail had no attempt left.
    assert_eq!(h.lead(phone, id).await.state, LeadState::Exhausted);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_callback_reported_after_the_call_ended_is_dialled_at_the_agents_time() {
    in_every_mode(a_late_callback).await;
}

async fn a_late_callback(mode: Following) {
    use switchboard::domain::DispositionRetry;
    let h = Harness::start_following_at(mode, quick_sandbox(), engine_config(), noon()).await;
    let id = h
        .campaign(CampaignSettings {
            disposition_retries: vec![DispositionRetry::parse("callback=callback_at").unwrap()],
            ..settings("callback rule")
        })
        .await;
    let phone = "+15551700002";
    answered_with(&h, id, phone, "interested").await;
    h.start_campaign(id).await;
    h.until_status(id, CampaignStatus::Completed).await;
    assert_eq!(h.lead(phone, id).await.state, LeadState::Done);
    let attempt = h.attempts(id).await.remove(0).id;

    // The agent's system says, after the call, that the callee wants a call tomorrow.
    let reply = h
        .engine
        .send(Command::ReportDisposition {
            attempt,
            value: "Callback".into(),
            note: Some("after lunch".into()),
            callback_at: Some("2026-06-02T13:30:00+00:00".into()),
        })
        .await;
    assert!(reply.is_ok(), "{reply:?}");
    // The call may still be listening for its agent: then it records the report.
    let snapshot = h
        .until("the lead counts as waiting for its retry", |s| {
            s.campaign(id).is_some_and(|c| c.leads.retry_wait == 1)
        })
        .await;
    assert_eq!(snapshot.campaign(id).unwrap().leads.done, 0);
    let due_at_the_agents_time = |lead: LeadRecord| {
        assert_eq!(lead.state, LeadState::RetryWait);
        assert_eq!(
            lead.next_attempt_at,
            Some(Utc.with_ymd_and_hms(2026, 6, 2, 13, 30, 0).unwrap())
        );
    };
    due_at_the_agents_time(h.lead(phone, id).await);
    let report = |value: &str| Command::ReportDisposition {
        attempt,
        value: value.into(),
        note: None,
        callback_at: None,
    };
    // The same report again changes nothing.
    h.engine.send(report("callback")).await.unwrap();
    due_at_the_agents_time(h.lead(phone, id).await);
    // A correction the rules do not name ends the lead as the call's end had.
    h.engine.send(report("interested")).await.unwrap();
    h.until("the lead counts as done again", |s| {
        s.campaign(id).is_some_and(|c| c.leads.done == 1)
    })
    .await;
    assert_eq!(h.lead(phone, id).await.state, LeadState::Done);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_retry_that_falls_due_is_dialled_while_an_unrelated_call_goes_on() {
    in_every_mode(a_retry_due_during_a_call).await;
}

async fn a_retry_due_during_a_call(mode: Following) {
    use switchboard::sandbox::Outcome as Net;
    let h = Harness::start_following_at(mode, quick_sandbox(), engine_config(), noon()).await;
    let id = h
        .campaign(CampaignSettings {
            max_concurrent: 2,
            retry_delay_secs: 600,
            max_attempts: 2,
            max_call_duration_secs: 43_200,
            ..settings("due while busy")
        })
        .await;
    let (long, busy) = ("+15551800001", "+15551800002");
    // 40,000 simulated seconds: 40 s of real time, far longer than the test.
    scripted(
        &h,
        long,
        ScriptedCall::new(Net::Answer)
            .ring_secs(0.5)
            .talk_secs(40_000.0),
    );
    scripted(&h, busy, ScriptedCall::new(Net::Busy).ring_secs(0.5));
    h.leads(id, vec![lead(long), lead(busy)]).await;
    h.start_campaign(id).await;
    h.until("one call live, one lead waiting for its retry", |s| {
        s.campaign(id)
            .is_some_and(|c| c.leads.retry_wait == 1 && c.leads.dialing == 1)
    })
    .await;
    h.clock.advance(chrono::Duration::seconds(601));
    let started = std::time::Instant::now();
    h.until("the due retry dialled", |_| {
        h.stats().calls_per_number.get(busy) == Some(&2)
    })
    .await;
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "the retry waited {:?}",
        started.elapsed()
    );
    let snapshot = h.until("the long call still live", |_| true).await;
    assert!(
        snapshot
            .campaign(id)
            .unwrap()
            .slots
            .iter()
            .any(|s| s.phone == long),
        "the unrelated call was still going on"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_opt_out_reported_after_the_call_by_a_configured_synonym_lists_the_number() {
    in_every_mode(a_late_opt_out).await;
}

async fn a_late_opt_out(mode: Following) {
    use switchboard::domain::OptOutWords;
    let config = EngineConfig {
        opt_out: OptOutWords::with_synonyms(&["no more calls".to_string()]),
        ..engine_config()
    };
    let h = Harness::start_following_at(mode, quick_sandbox(), config, noon()).await;
    let id = h.campaign(settings("opt out later")).await;
    let other = h.campaign(settings("same number elsewhere")).await;
    let phone = "+15551900001";
    answered_with(&h, id, phone, "interested").await;
    h.leads(other, vec![lead(phone)]).await;
    h.start_campaign(id).await;
    h.until_status(id, CampaignStatus::Completed).await;
    let attempt = h.attempts(id).await.remove(0).id;
    h.engine
        .send(Command::ReportDisposition {
            attempt,
            value: "No-More-Calls".into(),
            note: None,
            callback_at: None,
        })
        .await
        .unwrap();
    // The call may still be listening for its agent: then it records the report.
    h.until("the other campaign counts it as dnc", |s| {
        s.campaign(other).is_some_and(|c| c.leads.dnc == 1)
    })
    .await;
    let blocked = h
        .store
        .read(move |conn| switchboard::store::dnc::is_blocked(conn, phone, other))
        .await
        .unwrap();
    assert!(blocked, "the number is on the global list");
    assert_eq!(h.lead(phone, other).await.state, LeadState::Dnc);
}

/// One lead in `id` whose call is answered and given `disposition` by the agent. The
/// call talks 200 simulated seconds: the agent reports at 80% of it, so the report is
/// up for several of the poller's 20 s looks, as polling alone needs.
async fn answered_with(h: &Harness, id: CampaignId, phone: &str, disposition: &str) {
    let call = ScriptedCall::new(switchboard::sandbox::Outcome::Answer)
        .talk_secs(200.0)
        .disposition(disposition, None);
    scripted(h, phone, call);
    h.leads(id, vec![lead(phone)]).await;
}
