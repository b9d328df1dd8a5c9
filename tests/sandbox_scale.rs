//! The sandbox under the engine's benchmark load: a thousand calls at once and more than
//! a thousand dial requests a second, through the real livekit-api client.

use std::time::{Duration, Instant};

use livekit_api::services::room::RoomClient;
use livekit_api::services::sip::{CreateSIPParticipantOptions, SIPClient};
use switchboard::sandbox::{self, OutcomeRates, SandboxConfig, SecondsRange};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_thousand_concurrent_calls_at_over_a_thousand_dials_per_second() {
    let config = SandboxConfig {
        time_scale: 0.001,
        // Every call is answered and lasts long enough that all thousand overlap.
        dial_delay: SecondsRange::new(1.0, 1.0),
        ring: SecondsRange::new(500.0, 500.0),
        talk: SecondsRange::new(500.0, 500.0),
        outcomes: OutcomeRates {
            answer: 1.0,
            voicemail: 0.0,
            no_answer: 0.0,
            busy: 0.0,
            reject: 0.0,
            invalid_number: 0.0,
            unavailable: 0.0,
            trunk_failure: 0.0,
            dropped_mid_call: 0.0,
        },
        ..Default::default()
    };
    let sandbox = sandbox::start(config, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let sip = SIPClient::with_api_key(&sandbox.url(), sandbox.api_key(), sandbox.api_secret());
    let options = CreateSIPParticipantOptions {
        ringing_timeout: Some(Duration::from_secs(3600)),
        ..Default::default()
    };

    let calls = 1000;
    let started = Instant::now();
    let dials = (0..calls).map(|n| {
        let sip = &sip;
        let options = options.clone();
        async move {
            sip.create_sip_participant(
                "ST_sandbox".into(),
                format!("+1555{n:07}"),
                format!("scale-{n}"),
                options,
                None,
            )
            .await
        }
    });
    // 64 requests in flight, like a client with a bounded connection pool.
    use futures::StreamExt;
    let results: Vec<_> = futures::stream::iter(dials)
        .buffer_unordered(64)
        .collect()
        .await;
    let elapsed = started.elapsed();
    assert!(results.iter().all(Result::is_ok), "every dial is accepted");
    let rate = calls as f64 / elapsed.as_secs_f64();
    assert!(
        rate > 1000.0,
        "{calls} dials took {elapsed:?} ({rate:.0}/s)"
    );

    let stats = sandbox.stats();
    assert_eq!(stats.dial_requests, calls);
    assert_eq!(
        stats.max_concurrent_calls_per_trunk["ST_sandbox"],
        calls as u32
    );
    assert_eq!(stats.calls_per_number.len(), calls as usize);

    let rooms = RoomClient::with_api_key(&sandbox.url(), sandbox.api_key(), sandbox.api_secret());
    let listed = rooms.list_rooms(vec![]).await.unwrap();
    assert_eq!(listed.len(), calls as usize);
    let one = rooms.list_participants("scale-500").await.unwrap();
    assert_eq!(one.len(), 1);
}
