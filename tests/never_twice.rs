//! Never twice, never into someone else's call: dials LiveKit never confirmed, ids and
//! room names that must not come back, and a database that stops taking writes. Each
//! test is checked through the sandbox's own counters (what really rang, what really
//! answered), not through what Switchboard believes.

mod common;

use common::*;
use std::time::Duration;
use switchboard::domain::{
    AttemptEventKind, AttemptState, CampaignSettings, CampaignStatus, Outcome,
};
use switchboard::engine::EngineConfig;
use switchboard::sandbox::{Faults, Outage, OutageMode, SandboxConfig, SecondsRange};
use switchboard::store::attempt_events;

/// Every call answers and talks for a moment.
fn answering_sandbox() -> SandboxConfig {
    SandboxConfig {
        outcomes: all_answer(),
        ..quick_sandbox()
    }
}

/// One call per lead, and no retry of a call cut off.
fn one_call_each(name: &str) -> CampaignSettings {
    CampaignSettings {
        max_attempts: 1,
        ..settings(name)
    }
}

/// LiveKit freezes from now for `ms` (as a stopped process does): requests wait, then
/// are served.
fn stall_livekit(h: &Harness, ms: u64) {
    h.sandbox().set_faults(Faults {
        outage: Some(Outage {
            start_after_ms: 0,
            duration_ms: ms,
            mode: OutageMode::Stall,
        }),
        ..Faults::none()
    });
}

fn answered_calls(
    snapshot: &switchboard::engine::Snapshot,
    id: switchboard::domain::CampaignId,
) -> usize {
    snapshot.campaign(id).map_or(0, |c| {
        c.slots
            .iter()
            .filter(|slot| slot.state == AttemptState::Answered)
            .count()
    })
}

async fn assert_each_number_rang_and_answered_once(h: &Harness, expected_numbers: usize) {
    let stats = h.stats();
    assert_eq!(stats.calls_per_number.len(), expected_numbers, "{stats:#?}");
    for (number, calls) in &stats.calls_per_number {
        assert_eq!(*calls, 1, "{number} rang {calls} times with max_attempts 1");
    }
    for (number, answered) in &stats.answered_per_number {
        assert_eq!(*answered, 1, "{number} answered {answered} times");
    }
    assert_eq!(stats.rooms_dialed_again, 0, "a room name was dialled twice");
}

/// In every mode: the answer of a found call is only in `sip.callStatus` (no webhook
/// carries it), so the call talks long enough for a look to see it answered.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dial_whose_answer_never_arrives_is_found_in_its_room_not_dialled_again() {
    in_every_mode(a_dial_whose_answer_never_arrives).await;
}

async fn a_dial_whose_answer_never_arrives(mode: Following) {
    let sandbox = SandboxConfig {
        talk: SecondsRange::new(200.0, 300.0),
        ..answering_sandbox()
    };
    let h = Harness::start_following(mode, sandbox, engine_config()).await;
    let id = h.campaign(one_call_each("lost answers")).await;
    h.leads(id, numbers(1, 4)).await;
    // Every dial is placed, then its connection is cut before LiveKit answers.
    h.sandbox().set_faults(Faults {
        drop_dial_response_rate: 1.0,
        ..Faults::none()
    });
    h.start_campaign(id).await;
    let done = h.until_status(id, CampaignStatus::Completed).await;
    assert_each_number_rang_and_answered_once(&h, 4).await;
    let attempts = h.attempts(id).await;
    assert_eq!(attempts.len(), 4, "one attempt per lead: {attempts:#?}");
    for attempt in &attempts {
        assert_eq!(
            attempt.state,
            AttemptState::Ended(Outcome::Completed),
            "the call was found in its room and followed: {attempt:#?}"
        );
        let events = h
            .store
            .read({
                let a = attempt.id;
                move |conn| attempt_events::for_attempt(conn, a)
            })
            .await
            .unwrap();
        assert!(
            events
                .iter()
                .any(|e| e.kind == AttemptEventKind::DialUncertain),
            "the timeline says the dial was not confirmed: {events:#?}"
        );
    }
    assert_eq!(done.campaign(id).unwrap().leads.done, 4);
}

/// A dial whose connection was cut is found in its room, still dialling, and is over
/// (a wrong number, in 300 ms) before the poller's next look: the poller never saw it.
/// Once the call was found the poller must take an empty room as its end; before, it
/// waited for the call to appear and the attempt stayed in flight forever.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_found_uncertain_call_that_ends_between_polls_is_seen_to_end() {
    let h = Harness::start_custom(
        SandboxConfig {
            time_scale: 1.0,
            dial_delay: SecondsRange::new(0.3, 0.3),
            departure_timeout_secs: 0.2,
            outcomes: switchboard::sandbox::OutcomeRates {
                answer: 0.0,
                invalid_number: 1.0,
                ..all_answer()
            },
            ..quick_sandbox()
        },
        engine_config(),
        None,
        Wiring {
            // The poller looks when it starts and then in 4 s: the call lives between.
            poll_interval: Duration::from_secs(4),
            ..Wiring::default()
        },
    )
    .await;
    let id = h.campaign(one_call_each("between polls")).await;
    h.leads(id, numbers(7, 1)).await;
    // As `switchboard run` against a LiveKit with no webhooks: polling alone.
    h.sandbox().set_webhook_url(None);
    h.sandbox().set_faults(Faults {
        drop_dial_response_rate: 1.0,
        ..Faults::none()
    });
    h.start_campaign(id).await;
    h.until_status(id, CampaignStatus::Completed).await;
    let attempts = h.attempts(id).await;
    assert_eq!(attempts.len(), 1, "{attempts:#?}");
    assert_eq!(
        attempts[0].state,
        AttemptState::Ended(Outcome::Interrupted),
        "placed, and gone before anyone learnt how: {attempts:#?}"
    );
    assert_eq!(h.stats().calls_per_number.values().sum::<u32>(), 1);
}

/// A dial the stalled server held past the client's timeout, and of which the room
/// then shows no trace, may still have rung: a short call can come and go between two
/// looks, and a waking server may answer the look before the dial it held. It counts,
/// as `interrupted`, and its lead is not dialled again for free (`retry_on` here lists
/// no_answer and busy only), where `not_placed` would have queued it once more.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dial_that_left_no_trace_counts_and_is_not_dialled_again() {
    in_every_mode(a_dial_that_left_no_trace).await;
}

async fn a_dial_that_left_no_trace(mode: Following) {
    let h = Harness::start_custom(
        SandboxConfig {
            time_scale: 1.0,
            dial_delay: SecondsRange::new(0.05, 0.1),
            ring: SecondsRange::new(0.05, 0.2),
            talk: SecondsRange::new(0.2, 0.4),
            departure_timeout_secs: 0.2,
            ..answering_sandbox()
        },
        EngineConfig {
            uncertain_settle: Duration::from_millis(200),
            ..engine_config()
        },
        None,
        Wiring {
            request_timeout: Duration::from_millis(300),
            following: mode,
            ..Wiring::default()
        },
    )
    .await;
    let id = h
        .campaign(CampaignSettings {
            max_concurrent: 3,
            max_attempts: 2,
            ringing_timeout_secs: 1,
            retry_on: [Outcome::NoAnswer, Outcome::Busy].into_iter().collect(),
            ..settings("no trace")
        })
        .await;
    h.leads(id, numbers(6, 3)).await;
    h.start_campaign(id).await;
    // The first dials go into the stall and outlast their 3 s timeout.
    stall_livekit(&h, 4_000);
    h.until_status(id, CampaignStatus::Completed).await;
    let attempts = h.attempts(id).await;
    assert_eq!(attempts.len(), 3, "one attempt per lead: {attempts:#?}");
    let stats = h.stats();
    for attempt in &attempts {
        assert!(attempt.counted, "{attempt:#?}");
        let placed = stats.rooms_dialed.contains(&attempt.room);
        match attempt.state {
            AttemptState::Ended(Outcome::Completed) => assert!(placed, "{attempt:#?}"),
            AttemptState::Ended(Outcome::Interrupted) => {}
            other => panic!("{} ended {other} after a stall", attempt.room),
        }
    }
    assert!(
        attempts
            .iter()
            .any(|a| a.state == AttemptState::Ended(Outcome::Interrupted)),
        "no dial was left without a trace: {attempts:#?}"
    );
    for (number, calls) in &stats.calls_per_number {
        assert_eq!(*calls, 1, "{number} rang {calls} times");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_livekit_never_gets_a_lead_called_twice() {
    in_every_mode(a_stalled_livekit).await;
}

async fn a_stalled_livekit(mode: Following) {
    // The client gives up on each dial (after the ringing timeout and 2 s) long before
    // the stalled server answers; the dials it gave up on are placed when it wakes. Real
    // time here: the sandbox scales the ringing timeout it is sent.
    let h = Harness::start_custom(
        SandboxConfig {
            time_scale: 1.0,
            dial_delay: SecondsRange::new(0.05, 0.1),
            ring: SecondsRange::new(0.05, 0.2),
            talk: SecondsRange::new(0.2, 0.4),
            departure_timeout_secs: 0.2,
            ..answering_sandbox()
        },
        engine_config(),
        None,
        Wiring {
            request_timeout: Duration::from_millis(300),
            following: mode,
            ..Wiring::default()
        },
    )
    .await;
    let id = h
        .campaign(CampaignSettings {
            max_concurrent: 3,
            ringing_timeout_secs: 1,
            ..one_call_each("stalled")
        })
        .await;
    h.leads(id, numbers(2, 6)).await;
    h.start_campaign(id).await;
    stall_livekit(&h, 4_000);
    h.until_status(id, CampaignStatus::Completed).await;
    let stats = h.stats();
    for (number, calls) in &stats.calls_per_number {
        assert_eq!(*calls, 1, "{number} rang {calls} times with max_attempts 1");
    }
    for (number, answered) in &stats.answered_per_number {
        assert_eq!(*answered, 1, "{number} answered {answered} times");
    }
    // What Switchboard recorded matches what happened: a completed attempt was
    // answered, an attempt not placed never rang, nothing else was answered.
    let attempts = h.attempts(id).await;
    let mut uncertain = 0;
    for attempt in &attempts {
        let a = attempt.id;
        let events = h
            .store
            .read(move |conn| attempt_events::for_attempt(conn, a))
            .await
            .unwrap();
        uncertain += events
            .iter()
            .filter(|e| e.kind == AttemptEventKind::DialUncertain)
            .count();
    }
    assert!(
        uncertain > 0,
        "the stall left no dial uncertain: {attempts:#?}"
    );
    for attempt in attempts {
        let answered = stats.answered_rooms.contains(&attempt.room);
        let placed = stats.rooms_dialed.contains(&attempt.room);
        match attempt.state {
            AttemptState::Ended(Outcome::Completed) => {
                assert!(answered, "{} completed but never answered", attempt.room)
            }
            AttemptState::Ended(Outcome::NotPlaced) => {
                assert!(!placed, "{} called not placed, but it rang", attempt.room)
            }
            other => assert!(
                !answered,
                "{} answered but recorded as {other}",
                attempt.room
            ),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn deleted_campaigns_give_back_no_ids_and_rooms_are_never_reused() {
    in_every_mode(ids_and_rooms_never_reused).await;
}

async fn ids_and_rooms_never_reused(mode: Following) {
    let h = Harness::start_following(mode, answering_sandbox(), engine_config()).await;
    let first = h.campaign(one_call_each("first")).await;
    h.leads(first, numbers(3, 2)).await;
    h.start_campaign(first).await;
    h.until_status(first, CampaignStatus::Completed).await;
    let first_attempts = h.attempts(first).await;
    h.engine
        .send(switchboard::engine::Command::DeleteCampaign(first))
        .await
        .unwrap();
    let second = h.campaign(one_call_each("second")).await;
    assert!(
        second.0 > first.0,
        "campaign id {first} came back as {second}"
    );
    h.leads(second, numbers(3, 2)).await;
    h.start_campaign(second).await;
    h.until_status(second, CampaignStatus::Completed).await;
    let second_attempts = h.attempts(second).await;
    let max_first = first_attempts.iter().map(|a| a.id.0).max().unwrap();
    for attempt in &second_attempts {
        assert!(attempt.id.0 > max_first, "attempt id {} reused", attempt.id);
        assert!(
            first_attempts.iter().all(|old| old.room != attempt.room),
            "room {} reused",
            attempt.room
        );
    }
    assert_eq!(h.stats().rooms_dialed_again, 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_campaign_with_a_live_call_cannot_be_deleted() {
    in_every_mode(a_live_campaign_kept).await;
}

async fn a_live_campaign_kept(mode: Following) {
    let h = Harness::start_following(
        mode,
        SandboxConfig {
            talk: SecondsRange::new(2_000.0, 2_000.0),
            ..answering_sandbox()
        },
        engine_config(),
    )
    .await;
    let id = h.campaign(one_call_each("live")).await;
    h.leads(id, numbers(4, 1)).await;
    h.start_campaign(id).await;
    h.until("a live call", |s| answered_calls(s, id) == 1).await;
    h.engine
        .send(switchboard::engine::Command::Pause(id))
        .await
        .unwrap();
    let refused = h
        .store
        .write(move |conn| switchboard::store::CampaignRecord::delete(conn, id))
        .await
        .unwrap_err();
    assert!(refused.to_string().contains("in flight"), "{refused}");
    let refused = h
        .engine
        .send(switchboard::engine::Command::DeleteCampaign(id))
        .await
        .unwrap_err();
    assert!(!refused.to_string().is_empty());
    assert_eq!(h.attempts(id).await.len(), 1, "nothing was deleted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_locked_database_holds_dialling_and_loses_no_outcome() {
    in_every_mode(a_locked_database).await;
}

async fn a_locked_database(mode: Following) {
    let h = Harness::start_custom(
        SandboxConfig {
            talk: SecondsRange::new(300.0, 300.0),
            ..answering_sandbox()
        },
        engine_config(),
        None,
        Wiring {
            busy_timeout: Duration::from_millis(50),
            following: mode,
            ..Wiring::default()
        },
    )
    .await;
    let id = h
        .campaign(CampaignSettings {
            max_concurrent: 2,
            ..one_call_each("locked")
        })
        .await;
    h.leads(id, numbers(5, 6)).await;
    h.start_campaign(id).await;
    h.until("two calls up", |s| answered_calls(s, id) == 2)
        .await;
    // Another program takes the write lock while both calls end.
    let db = h.store.path().to_path_buf();
    let locker = rusqlite::Connection::open(&db).unwrap();
    locker.execute_batch("BEGIN EXCLUSIVE").unwrap();
    let placed_at_lock = h.stats().calls_placed;
    let held = h
        .until("dialling held for the database", |s| {
            s.notice
                .as_deref()
                .is_some_and(|n| n.contains("database cannot write"))
        })
        .await;
    assert!(
        held.notice.as_deref().unwrap().contains("locked"),
        "{held:#?}"
    );
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(
        h.stats().calls_placed,
        placed_at_lock,
        "no call may start while its attempt cannot be written"
    );
    locker.execute_batch("COMMIT").unwrap();
    drop(locker);
    let done = h.until_status(id, CampaignStatus::Completed).await;
    assert!(
        done.notice.is_none(),
        "the notice clears: {:?}",
        done.notice
    );
    let attempts = h.attempts(id).await;
    assert_eq!(attempts.len(), 6);
    assert!(
        attempts
            .iter()
            .all(|a| a.state == AttemptState::Ended(Outcome::Completed)),
        "every outcome landed: {attempts:#?}"
    );
    assert_each_number_rang_and_answered_once(&h, 6).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_are_followed_by_polling_while_the_webhook_port_is_held_open() {
    in_every_mode(a_webhook_port_held_open).await;
}

async fn a_webhook_port_held_open(mode: Following) {
    let h = Harness::start_following(mode, answering_sandbox(), engine_config()).await;
    // Anyone can open connections and send nothing: more than the listener admits.
    // Polling alone has no webhook port to hold: there the poller follows the same run.
    let mut idle = Vec::new();
    if let Some(url) = h.runtime.as_ref().unwrap().webhook_url() {
        let addr = url
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_string();
        for _ in 0..300 {
            if let Ok(conn) = tokio::net::TcpStream::connect(&addr).await {
                idle.push(conn);
            }
        }
    }
    let id = h.campaign(one_call_each("held port")).await;
    h.leads(id, numbers(6, 10)).await;
    h.start_campaign(id).await;
    h.until_status(id, CampaignStatus::Completed).await;
    assert_each_number_rang_and_answered_once(&h, 10).await;
    let attempts = h.attempts(id).await;
    assert!(
        attempts
            .iter()
            .all(|a| a.state == AttemptState::Ended(Outcome::Completed)),
        "{attempts:#?}"
    );
    drop(idle);
}
