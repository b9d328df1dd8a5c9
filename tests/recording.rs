//! Recordings: a campaign with `record` starts an audio-only RoomComposite egress when a
//! call is answered (never for unanswered ones), keeps its egress id and file location
//! on the attempt, and a failed egress is recorded without failing the call.

mod common;

use common::*;
use switchboard::domain::{AttemptEventKind, CampaignSettings, CampaignStatus, Outcome};
use switchboard::engine::EngineConfig;
use switchboard::sandbox::{OutcomeRates, SandboxConfig};
use switchboard::store::attempt_events;
use switchboard::telephony::RecordingOutput;

/// Half the calls busy; answered ones talk 0.2-0.3 s, long enough that the room is
/// still there when the egress request arrives, even on a loaded machine.
fn half_busy() -> SandboxConfig {
    SandboxConfig {
        outcomes: OutcomeRates {
            busy: 1.0,
            ..all_answer()
        },
        talk: switchboard::sandbox::SecondsRange::new(200.0, 300.0),
        ..quick_sandbox()
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn answered_calls_are_recorded_and_unanswered_ones_are_not() {
    in_every_mode(answered_calls_recorded).await;
}

async fn answered_calls_recorded(mode: Following) {
    // `{utc}` the sandbox's egress does not fill: the path must come filled from us.
    let engine = EngineConfig {
        recording: RecordingOutput::File {
            path_template: "recordings/{room_name}-{utc}.ogg".into(),
        },
        ..engine_config()
    };
    let h = Harness::start_following(mode, half_busy(), engine).await;
    let id = h
        .campaign(CampaignSettings {
            record: true,
            max_attempts: 1,
            ..settings("recorded")
        })
        .await;
    h.leads(id, numbers(61, 12)).await;
    h.start_campaign(id).await;
    h.until_status(id, CampaignStatus::Completed).await;
    let stats = h.stats();
    let attempts = h.attempts(id).await;
    let answered: Vec<_> = attempts
        .iter()
        .filter(|a| a.state.outcome() == Some(Outcome::Completed))
        .collect();
    assert!(!answered.is_empty() && answered.len() < attempts.len());
    for attempt in &attempts {
        let recorded = stats.egress_rooms.get(&attempt.room);
        if attempt.answered_at.is_some() {
            assert_eq!(
                recorded,
                Some(&true),
                "audio-only egress of {}",
                attempt.room
            );
            assert!(attempt
                .egress_id
                .as_deref()
                .is_some_and(|e| e.starts_with("EG_")));
            let location = attempt.recording.clone().expect("file location");
            // The file actually written: the room and a 17-digit UTC stamp, no template.
            let stamp = location
                .strip_prefix(&format!("recordings/{}-", attempt.room))
                .and_then(|rest| rest.strip_suffix(".ogg"))
                .unwrap_or_else(|| panic!("{location} is not {}'s file", attempt.room));
            assert!(
                stamp.len() == 17 && stamp.bytes().all(|b| b.is_ascii_digit()),
                "{location}"
            );
        } else {
            assert_eq!(recorded, None, "no recording of an unanswered call");
            assert!(attempt.egress_id.is_none() && attempt.recording.is_none());
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_egress_is_recorded_and_the_call_goes_on() {
    in_every_mode(a_failed_egress).await;
}

async fn a_failed_egress(mode: Following) {
    let h = Harness::start_following(
        mode,
        SandboxConfig {
            outcomes: all_answer(),
            ..quick_sandbox()
        },
        engine_config(),
    )
    .await;
    h.sandbox().set_egress_failure(true);
    let id = h
        .campaign(CampaignSettings {
            record: true,
            ..settings("egress-down")
        })
        .await;
    h.leads(id, numbers(62, 2)).await;
    h.start_campaign(id).await;
    h.until_status(id, CampaignStatus::Completed).await;
    for attempt in h.attempts(id).await {
        assert_eq!(attempt.state.outcome(), Some(Outcome::Completed));
        assert!(attempt.recording.is_none());
        let error = attempt.recording_error.clone().expect("why it failed");
        assert!(error.contains("egress"), "{error}");
        let aid = attempt.id;
        let events = h
            .store
            .read(move |conn| attempt_events::for_attempt(conn, aid))
            .await
            .unwrap();
        assert!(events
            .iter()
            .any(|e| e.kind == AttemptEventKind::Recording && e.detail.contains("failed")));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn calls_are_not_recorded_unless_the_campaign_says_so() {
    in_every_mode(calls_not_recorded).await;
}

async fn calls_not_recorded(mode: Following) {
    let h = Harness::start_following(
        mode,
        SandboxConfig {
            outcomes: all_answer(),
            ..quick_sandbox()
        },
        engine_config(),
    )
    .await;
    let id = h.campaign(settings("unrecorded")).await;
    h.leads(id, numbers(63, 2)).await;
    h.start_campaign(id).await;
    h.until_status(id, CampaignStatus::Completed).await;
    assert!(h.stats().egress_rooms.is_empty());
}
