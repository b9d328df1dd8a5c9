//! `LiveKitTelephony` through the real `livekit-api` client against the sandbox over HTTP:
//! each call outcome and each fault lands in the right `DialFailure`, configuration
//! mistakes name their fix, and the poller turns a call's lifecycle into progress.
//! Sandbox time runs 1000x faster: a 30 s ringing timeout takes 30 ms.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use livekit_api::services::room::RoomClient;
use switchboard::domain::{room_name, AttemptId, CampaignId, LeadId, Outcome, DEFAULT_ROOM_PREFIX};
use switchboard::sandbox::{
    self, Faults, Outage, OutageMode, Outcome as Scripted, Sandbox, SandboxConfig, ScriptedCall,
    TrunkLimitError,
};
use switchboard::telephony::{
    attributes, ensure_trunk_exists, spawn_poller, CallProgress, CallProgressKind, DialFailure,
    DialRequest, Dialed, DispatchRequest, LiveCall, LiveCallStatus, LiveKitOptions,
    LiveKitTelephony, PollerConfig, RoomParticipants, RoomSummary, Telephony, TelephonyError,
    TrunkInfo,
};
use tokio::sync::mpsc;

const TRUNK: &str = "ST_sandbox";
const CALLER_ID: &str = "+15550009999";

async fn start() -> Sandbox {
    let config = SandboxConfig {
        time_scale: 0.001,
        seed: 3,
        ..Default::default()
    };
    sandbox::start(config, "127.0.0.1:0".parse().unwrap())
        .await
        .expect("sandbox starts")
}

fn telephony(sandbox: &Sandbox) -> LiveKitTelephony {
    telephony_with(sandbox, sandbox.api_secret(), Duration::from_secs(5))
}

fn telephony_with(sandbox: &Sandbox, secret: &str, request_timeout: Duration) -> LiveKitTelephony {
    LiveKitTelephony::new(
        &sandbox.url(),
        sandbox.api_key(),
        secret,
        LiveKitOptions { request_timeout },
    )
}

fn request(attempt: i64, phone: &str) -> DialRequest {
    DialRequest {
        campaign: CampaignId(1),
        lead: LeadId(attempt * 10),
        attempt: AttemptId(attempt),
        room: room_name(DEFAULT_ROOM_PREFIX, CampaignId(1), AttemptId(attempt), 0),
        participant_identity: format!("callee-{attempt}"),
        participant_name: "Ada Lovelace".into(),
        participant_metadata: r#"{"lead":"Ada"}"#.into(),
        participant_attributes: HashMap::new(),
        trunk_id: TRUNK.into(),
        phone: phone.into(),
        caller_id: Some(CALLER_ID.into()),
        ringing_timeout: Duration::from_secs(30),
        max_call_duration: Duration::from_secs(600),
        krisp: true,
        dtmf: None,
        wait_until_answered: true,
    }
}

/// Dials `phone` scripted to `call` and returns the failure.
async fn dial_failure(
    sandbox: &Sandbox,
    attempt: i64,
    phone: &str,
    call: ScriptedCall,
) -> DialFailure {
    sandbox.set_override(phone, call);
    telephony(sandbox)
        .dial(&request(attempt, phone))
        .await
        .expect_err("the dial fails")
}

fn assert_call(failure: &DialFailure, outcome: Outcome, sip: Option<i32>, twirp: &str) {
    match failure {
        DialFailure::Call {
            outcome: got,
            sip_status_code,
            twirp_code,
            message,
            ..
        } => {
            assert_eq!(*got, outcome, "{failure:?}");
            assert_eq!(*sip_status_code, sip, "{failure:?}");
            assert_eq!(twirp_code, twirp, "{failure:?}");
            assert!(!message.is_empty());
        }
        other => panic!("expected a {outcome} call outcome, got {other:?}"),
    }
}

#[tokio::test]
async fn an_answered_call_reaches_the_callee_with_caller_id_and_ids() {
    let sandbox = start().await;
    let phone = "+15550000001";
    sandbox.set_override(
        phone,
        ScriptedCall::new(Scripted::Answer)
            .ring_secs(5.0)
            .talk_secs(5_000.0),
    );
    let telephony = telephony(&sandbox);
    let request = request(7, phone);

    let dialed = telephony.dial(&request).await.expect("answered");
    assert_eq!(dialed.room, "outbound-1-7-aaaaaa");
    assert_eq!(dialed.participant_identity, "callee-7");
    assert!(dialed.participant_sid.starts_with("PA_"), "{dialed:?}");
    assert!(dialed.sip_call_id.starts_with("SCL_"), "{dialed:?}");

    // What LiveKit received, seen the way any LiveKit client would see it.
    let room = RoomClient::with_api_key(&sandbox.url(), sandbox.api_key(), sandbox.api_secret());
    let participants = room.list_participants(&request.room).await.unwrap();
    let callee = participants
        .iter()
        .find(|p| p.identity == "callee-7")
        .expect("the callee is in the room");
    assert_eq!(
        callee.attributes["sip.trunkPhoneNumber"], CALLER_ID,
        "the caller ID was sent as sip_number"
    );
    assert_eq!(callee.attributes["sip.phoneNumber"], phone);
    assert_eq!(callee.attributes[attributes::CAMPAIGN], "1");
    assert_eq!(callee.attributes[attributes::LEAD], "70");
    assert_eq!(callee.attributes[attributes::ATTEMPT], "7");
    assert_eq!(callee.name, "Ada Lovelace");
    assert_eq!(callee.metadata, r#"{"lead":"Ada"}"#);

    let live = telephony
        .live_call(&request.room)
        .await
        .unwrap()
        .expect("a live call");
    assert_eq!(live.status, LiveCallStatus::Active);
    assert_eq!(live.participant_identity, "callee-7");

    telephony.hang_up(&request.room).await.expect("hang up");
    assert_eq!(telephony.live_call(&request.room).await.unwrap(), None);
    // Hanging up a room that is gone is not an error.
    telephony
        .hang_up(&request.room)
        .await
        .expect("hang up twice");
}

#[tokio::test]
async fn busy_is_busy_with_its_sip_status() {
    let sandbox = start().await;
    let failure = dial_failure(
        &sandbox,
        1,
        "+15550000486",
        ScriptedCall::new(Scripted::Busy).ring_secs(2.0),
    )
    .await;
    assert_call(&failure, Outcome::Busy, Some(486), "failed_precondition");
    assert!(matches!(&failure, DialFailure::Call { sip_status: Some(s), .. } if s == "Busy Here"));
}

#[tokio::test]
async fn decline_is_rejected() {
    let sandbox = start().await;
    let failure = dial_failure(
        &sandbox,
        1,
        "+15550000603",
        ScriptedCall::new(Scripted::Reject).ring_secs(2.0),
    )
    .await;
    assert_call(&failure, Outcome::Rejected, Some(603), "permission_denied");
}

#[tokio::test]
async fn not_found_404_is_an_invalid_number() {
    let sandbox = start().await;
    let failure = dial_failure(
        &sandbox,
        1,
        "+15550000404",
        ScriptedCall::new(Scripted::InvalidNumber),
    )
    .await;
    assert_call(&failure, Outcome::InvalidNumber, Some(404), "not_found");
}

#[tokio::test]
async fn address_incomplete_484_is_an_invalid_number() {
    let sandbox = start().await;
    let failure = dial_failure(
        &sandbox,
        1,
        "+1555",
        ScriptedCall::new(Scripted::AddressIncomplete),
    )
    .await;
    assert_call(
        &failure,
        Outcome::InvalidNumber,
        Some(484),
        "invalid_argument",
    );
}

#[tokio::test]
async fn ringing_timeout_is_no_answer() {
    let sandbox = start().await;
    let failure = dial_failure(
        &sandbox,
        1,
        "+15550000408",
        ScriptedCall::new(Scripted::NoAnswer),
    )
    .await;
    assert_call(&failure, Outcome::NoAnswer, None, "canceled");
}

#[tokio::test]
async fn temporarily_unavailable_480_is_no_answer() {
    let sandbox = start().await;
    let failure = dial_failure(
        &sandbox,
        1,
        "+15550000480",
        ScriptedCall::new(Scripted::Unavailable).ring_secs(2.0),
    )
    .await;
    assert_call(
        &failure,
        Outcome::NoAnswer,
        Some(480),
        "failed_precondition",
    );
}

#[tokio::test]
async fn trunk_5xx_is_a_trunk_failure() {
    let sandbox = start().await;
    let failure = dial_failure(
        &sandbox,
        1,
        "+15550000503",
        ScriptedCall::new(Scripted::TrunkFailure),
    )
    .await;
    assert_call(
        &failure,
        Outcome::TrunkFailure,
        Some(503),
        "failed_precondition",
    );
}

fn assert_infrastructure(failure: &DialFailure, rate_limited: bool) {
    match failure {
        DialFailure::Infrastructure {
            rate_limited: got,
            message,
            ..
        } => {
            assert_eq!(*got, rate_limited, "{failure:?}");
            assert!(!message.is_empty());
        }
        other => panic!("expected an infrastructure failure, got {other:?}"),
    }
}

#[tokio::test]
async fn server_5xx_is_infrastructure() {
    let sandbox = start().await;
    sandbox.set_faults(Faults {
        error_rate: 1.0,
        ..Faults::none()
    });
    let failure = telephony(&sandbox)
        .dial(&request(1, "+15550000001"))
        .await
        .unwrap_err();
    assert_infrastructure(&failure, false);
    assert!(
        matches!(&failure, DialFailure::Infrastructure { twirp_code: Some(c), .. } if c == "internal" || c == "unavailable")
    );
    assert_eq!(sandbox.stats().calls_placed, 0);
}

#[tokio::test]
async fn resource_exhausted_is_rate_limited_infrastructure() {
    let sandbox = start().await;
    sandbox.set_faults(Faults {
        rate_limit_rate: 1.0,
        ..Faults::none()
    });
    let failure = telephony(&sandbox)
        .dial(&request(1, "+15550000001"))
        .await
        .unwrap_err();
    assert_infrastructure(&failure, true);
}

#[tokio::test]
async fn an_outage_answering_unavailable_is_infrastructure() {
    let sandbox = start().await;
    sandbox.set_faults(Faults {
        outage: Some(Outage {
            start_after_ms: 0,
            duration_ms: 60_000,
            mode: OutageMode::Unavailable,
        }),
        ..Faults::none()
    });
    let failure = telephony(&sandbox)
        .dial(&request(1, "+15550000001"))
        .await
        .unwrap_err();
    assert_infrastructure(&failure, false);
}

#[tokio::test]
async fn refused_connections_are_infrastructure() {
    let sandbox = start().await;
    sandbox.set_faults(Faults {
        outage: Some(Outage {
            start_after_ms: 0,
            duration_ms: 60_000,
            mode: OutageMode::RefuseConnections,
        }),
        ..Faults::none()
    });
    let failure = telephony(&sandbox)
        .dial(&request(1, "+15550000001"))
        .await
        .unwrap_err();
    assert_infrastructure(&failure, false);
    assert!(
        matches!(
            &failure,
            DialFailure::Infrastructure {
                twirp_code: None,
                ..
            }
        ),
        "{failure:?}"
    );
}

#[tokio::test]
async fn nothing_listening_is_infrastructure() {
    let sandbox = start().await;
    let telephony = telephony(&sandbox);
    sandbox.stopped().await;
    let failure = telephony
        .dial(&request(1, "+15550000001"))
        .await
        .unwrap_err();
    assert_infrastructure(&failure, false);
    let DialFailure::Infrastructure { message, .. } = failure else {
        unreachable!()
    };
    assert!(message.contains("refused"), "{message}");
}

#[tokio::test]
async fn latency_beyond_the_request_timeout_leaves_the_dial_uncertain() {
    let sandbox = start().await;
    sandbox.set_faults(Faults {
        latency_ms: 800,
        ..Faults::none()
    });
    let telephony = telephony_with(&sandbox, sandbox.api_secret(), Duration::from_millis(150));
    // Without waiting for the answer the request timeout applies as is (waiting, the
    // client allows the ringing timeout plus 2 s).
    let request = DialRequest {
        wait_until_answered: false,
        ..request(1, "+15550000001")
    };
    let started = std::time::Instant::now();
    let failure = telephony.dial(&request).await.unwrap_err();
    assert!(
        started.elapsed() < Duration::from_millis(700),
        "took {:?}",
        started.elapsed()
    );
    // The request reached the server, which may be placing the call: not a verdict.
    let DialFailure::Uncertain { message } = failure else {
        panic!("expected an uncertain dial, got {failure:?}")
    };
    assert!(message.contains("timeout"), "{message}");
}

#[tokio::test]
async fn an_unknown_trunk_is_configuration_naming_it() {
    let sandbox = start().await;
    let request = DialRequest {
        trunk_id: "ST_doesnotexist".into(),
        ..request(1, "+15550000001")
    };
    match telephony(&sandbox).dial(&request).await.unwrap_err() {
        DialFailure::Configuration { problem, fix } => {
            assert!(problem.contains("ST_doesnotexist"), "{problem}");
            assert!(fix.contains("`switchboard trunks`"), "{fix}");
        }
        other => panic!("expected a configuration failure, got {other:?}"),
    }
}

#[tokio::test]
async fn a_bad_secret_is_configuration_naming_the_variables() {
    let sandbox = start().await;
    let telephony = telephony_with(&sandbox, "not-the-secret", Duration::from_secs(5));
    match telephony
        .dial(&request(1, "+15550000001"))
        .await
        .unwrap_err()
    {
        DialFailure::Configuration { fix, .. } => {
            assert!(
                fix.contains("LIVEKIT_API_KEY") && fix.contains("LIVEKIT_API_SECRET"),
                "{fix}"
            )
        }
        other => panic!("expected a configuration failure, got {other:?}"),
    }
    assert!(matches!(
        telephony.list_trunks().await,
        Err(TelephonyError::Configuration { .. })
    ));
    assert_eq!(sandbox.stats().calls_placed, 0);
}

#[tokio::test]
async fn trunks_are_listed_and_checked() {
    let sandbox = start().await;
    let telephony = telephony(&sandbox);
    let trunks = telephony.list_trunks().await.unwrap();
    assert_eq!(trunks.len(), 1);
    assert_eq!(trunks[0].id, TRUNK);
    assert_eq!(trunks[0].numbers, vec!["+15550001000".to_string()]);
    ensure_trunk_exists(&telephony, TRUNK)
        .await
        .expect("the sandbox trunk exists");
    match ensure_trunk_exists(&telephony, "ST_other").await {
        Err(TelephonyError::Configuration { problem, fix }) => {
            assert!(problem.contains("ST_other"), "{problem}");
            assert!(fix.contains("`switchboard trunks`"), "{fix}");
        }
        other => panic!("expected a configuration error, got {other:?}"),
    }
}

#[tokio::test]
async fn an_agent_is_dispatched_with_its_metadata() {
    let sandbox = start().await;
    let telephony = telephony(&sandbox);
    let id = telephony
        .dispatch_agent(&DispatchRequest {
            room: "outbound-1-5".into(),
            agent_name: "caller".into(),
            metadata: r#"{"campaign":1}"#.into(),
        })
        .await
        .expect("dispatched");
    assert!(id.starts_with("AD_"), "{id}");
}

/// Collects progress for `room` until `RoomFinished` (or 5 s of real time).
async fn progress_until_finished(
    rx: &mut mpsc::Receiver<CallProgress>,
    room: &str,
) -> Vec<CallProgressKind> {
    let mut kinds = Vec::new();
    let collect = async {
        while let Some(progress) = rx.recv().await {
            assert_eq!(progress.room, room);
            let done = progress.kind == CallProgressKind::RoomFinished;
            kinds.push(progress.kind);
            if done {
                break;
            }
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(5), collect).await;
    kinds
}

#[tokio::test]
async fn the_poller_follows_an_answered_call_to_its_end() {
    let sandbox = start().await;
    let phone = "+15550000002";
    sandbox.set_override(
        phone,
        ScriptedCall::new(Scripted::Answer)
            .ring_secs(150.0)
            .talk_secs(300.0)
            .disposition("callback", Some("after 5pm")),
    );
    let telephony = Arc::new(telephony(&sandbox));
    let (tx, mut rx) = mpsc::channel(32);
    let poller = spawn_poller(
        telephony.clone(),
        PollerConfig {
            interval: Duration::from_millis(10),
            max_requests_per_sec: 200,
        },
        tx,
    );
    let request = DialRequest {
        wait_until_answered: false,
        ringing_timeout: Duration::from_secs(300),
        ..request(2, phone)
    };
    poller.watch(request.room.clone());
    let dispatch = DispatchRequest {
        room: request.room.clone(),
        agent_name: "caller".into(),
        metadata: "{}".into(),
    };
    let (dialed, dispatched) = tokio::join!(
        telephony.dial(&request),
        telephony.dispatch_agent(&dispatch)
    );
    dialed.expect("dialing");
    dispatched.expect("dispatched");

    let mut kinds = progress_until_finished(&mut rx, &request.room).await;
    // The agent is reported once, for the agent-join watchdog, wherever its poll fell.
    let joined: Vec<_> = kinds
        .iter()
        .filter(|k| matches!(k, CallProgressKind::AgentJoined { .. }))
        .cloned()
        .collect();
    assert_eq!(
        joined,
        vec![CallProgressKind::AgentJoined {
            identity: switchboard::sandbox::agent_identity(&request.room)
        }]
    );
    kinds.retain(|k| !matches!(k, CallProgressKind::AgentJoined { .. }));
    // `hangup` is set just before the participant leaves: a poll may or may not land in
    // that moment, so the last status seen of an answered call is `active` or `hangup`.
    // Likewise its reason: a poll in that moment reads `CLIENT_INITIATED`; one after it
    // finds the leg gone, which says no reason.
    if let Some(CallProgressKind::Ended {
        last_status,
        disconnect_reason,
    }) = kinds.get_mut(3)
    {
        assert!(
            matches!(
                last_status,
                Some(LiveCallStatus::Active | LiveCallStatus::Hangup)
            ),
            "an answered call was last seen {last_status:?}"
        );
        assert!(
            ["UNKNOWN", "CLIENT_INITIATED"].contains(&disconnect_reason.as_str()),
            "the callee hung up, yet the reason was {disconnect_reason}"
        );
        *last_status = Some(LiveCallStatus::Active);
        *disconnect_reason = "UNKNOWN".into();
    }
    assert_eq!(
        kinds,
        vec![
            CallProgressKind::Ringing,
            CallProgressKind::Answered,
            CallProgressKind::Disposition {
                value: "callback".into(),
                note: Some("after 5pm".into()),
                callback_at: None,
            },
            CallProgressKind::Ended {
                disconnect_reason: "UNKNOWN".into(),
                last_status: Some(LiveCallStatus::Active)
            },
            CallProgressKind::RoomFinished,
        ]
    );
}

#[tokio::test]
async fn the_poller_reports_a_call_that_rang_out() {
    let sandbox = start().await;
    let phone = "+15550000003";
    sandbox.set_override(phone, ScriptedCall::new(Scripted::NoAnswer));
    let telephony = Arc::new(telephony(&sandbox));
    let (tx, mut rx) = mpsc::channel(32);
    let poller = spawn_poller(
        telephony.clone(),
        PollerConfig {
            interval: Duration::from_millis(10),
            max_requests_per_sec: 200,
        },
        tx,
    );
    // Ring for 300 simulated seconds (300 ms here) before LiveKit gives up.
    let request = DialRequest {
        wait_until_answered: false,
        ringing_timeout: Duration::from_secs(300),
        ..request(3, phone)
    };
    poller.watch(request.room.clone());
    telephony.dial(&request).await.expect("dialing");

    let kinds = progress_until_finished(&mut rx, &request.room).await;
    assert_eq!(
        kinds,
        vec![
            CallProgressKind::Ringing,
            CallProgressKind::Ended {
                disconnect_reason: "UNKNOWN".into(),
                last_status: Some(LiveCallStatus::Ringing)
            },
            CallProgressKind::RoomFinished,
        ]
    );
}

/// A `Telephony` that counts the poller's two kinds of request on their way through.
struct Counting {
    inner: LiveKitTelephony,
    lists: AtomicUsize,
    looks: AtomicUsize,
}

impl Telephony for Counting {
    async fn dial(&self, request: &DialRequest) -> Result<Dialed, DialFailure> {
        self.inner.dial(request).await
    }
    async fn dispatch_agent(&self, request: &DispatchRequest) -> Result<String, TelephonyError> {
        self.inner.dispatch_agent(request).await
    }
    async fn hang_up(&self, room: &str) -> Result<(), TelephonyError> {
        self.inner.hang_up(room).await
    }
    async fn live_call(&self, room: &str) -> Result<Option<LiveCall>, TelephonyError> {
        self.inner.live_call(room).await
    }
    async fn list_rooms(&self, names: &[String]) -> Result<Vec<RoomSummary>, TelephonyError> {
        self.lists.fetch_add(1, Ordering::SeqCst);
        self.inner.list_rooms(names).await
    }
    async fn room_participants(&self, room: &str) -> Result<RoomParticipants, TelephonyError> {
        self.looks.fetch_add(1, Ordering::SeqCst);
        self.inner.room_participants(room).await
    }
    async fn list_trunks(&self) -> Result<Vec<TrunkInfo>, TelephonyError> {
        self.inner.list_trunks().await
    }
}

/// 200 answered calls, each with its agent, polled at 50 ms and 100 requests/s: every
/// tick is one `ListRooms` plus at most 4 looks, whatever the number of calls, and the
/// callee that hangs up in the room listed last is reported within an interval and a
/// request. Polling each room in turn (the old poller) took 2 s to get round to it.
#[tokio::test]
async fn two_hundred_answered_calls_cost_one_list_a_tick_and_an_end_is_seen_at_once() {
    let sandbox = start().await;
    let inner = telephony(&sandbox);
    let calls = 200;
    let short = calls - 1;
    let phone = |i: i64| format!("+1555100{i:04}");
    for i in 0..calls {
        // The last room's callee hangs up after 1.5 s (1,500 simulated seconds).
        let talk_secs = if i == short { 1_500.0 } else { 1_000_000.0 };
        sandbox.set_override(
            &phone(i),
            ScriptedCall::new(Scripted::Answer)
                .ring_secs(1.0)
                .talk_secs(talk_secs),
        );
    }
    let dials = (0..calls).map(|i| {
        let request = DialRequest {
            room: format!("answered-{i:03}"),
            max_call_duration: Duration::from_secs(1_000_000),
            ..request(100 + i, &phone(i))
        };
        let dispatch = DispatchRequest {
            room: request.room.clone(),
            agent_name: "caller".into(),
            metadata: "{}".into(),
        };
        let inner = &inner;
        async move {
            let (dialed, dispatched) =
                tokio::join!(inner.dial(&request), inner.dispatch_agent(&dispatch));
            dispatched.expect("dispatched");
            dialed.expect("answered")
        }
    });
    let dialed = futures::future::join_all(dials).await;
    let answered_short_at = tokio::time::Instant::now();
    assert_eq!(dialed.len(), 200);
    assert_eq!(sandbox.stats().active_calls, 200);

    let telephony = Arc::new(Counting {
        inner,
        lists: AtomicUsize::new(0),
        looks: AtomicUsize::new(0),
    });
    let config = PollerConfig {
        interval: Duration::from_millis(50),
        max_requests_per_sec: 100,
    };
    let (tx, mut rx) = mpsc::channel(1024);
    let before = sandbox.stats().requests;
    let poller = spawn_poller(telephony.clone(), config, tx);
    for i in 0..calls {
        poller.watch_live(format!("answered-{i:03}"));
    }
    let ended = tokio::time::timeout(Duration::from_secs(10), async {
        loop {
            let p = rx.recv().await.expect("the poller runs");
            if let CallProgressKind::Ended { .. } = p.kind {
                break p;
            }
        }
    })
    .await
    .expect("the short call's end is reported");
    let reported_at = tokio::time::Instant::now();
    assert_eq!(ended.room, format!("answered-{short:03}"));

    let lists = telephony.lists.load(Ordering::SeqCst);
    let looks = telephony.looks.load(Ordering::SeqCst);
    let requests = sandbox.stats().requests - before;
    // The sandbox saw exactly the poller's requests, and no tick spent more than
    // its budget: one list, then interval × rate − 1 = 4 looks.
    let polled = lists + looks;
    assert!(
        (polled - 1..=polled + 2).contains(&(requests as usize)),
        "{requests} requests for {lists} lists and {looks} looks"
    );
    assert!(
        lists >= 10,
        "{lists} lists in {:?}",
        answered_short_at.elapsed()
    );
    assert!(looks <= lists * 4, "{looks} looks in {lists} ticks");
    // The callee hung up 1.5 s after the answer; the end was seen within one interval
    // and a request of it (generous for a loaded machine, far below a 2 s sweep).
    let hung_up_at = answered_short_at + Duration::from_millis(1_500);
    let latency = reported_at.saturating_duration_since(hung_up_at);
    assert!(
        latency < config.interval + Duration::from_millis(250),
        "reported {latency:?} after the hang-up"
    );
}

/// A sandbox whose trunk carries one call at a time, answering the next as `limit_error`.
async fn start_with_one_call_per_trunk(limit_error: TrunkLimitError) -> Sandbox {
    let config = SandboxConfig {
        time_scale: 0.001,
        max_calls_per_trunk: Some(1),
        trunk_limit_error: limit_error,
        ..Default::default()
    };
    sandbox::start(config, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_carrier_limit_answered_with_sip_503_is_a_trunk_failure() {
    let sandbox = start_with_one_call_per_trunk(TrunkLimitError::Sip503).await;
    sandbox.set_override(
        "+15550000010",
        ScriptedCall::new(Scripted::Answer)
            .ring_secs(1.0)
            .talk_secs(10_000.0),
    );
    let telephony = telephony(&sandbox);
    telephony
        .dial(&request(1, "+15550000010"))
        .await
        .expect("the first call is answered");
    let failure = telephony
        .dial(&request(2, "+15550000011"))
        .await
        .unwrap_err();
    assert_call(
        &failure,
        Outcome::TrunkFailure,
        Some(503),
        "failed_precondition",
    );
    assert!(
        matches!(&failure, DialFailure::Call { sip_status: Some(s), .. } if s.contains("limit exceeded")),
        "{failure:?}"
    );
}

#[tokio::test]
async fn a_carrier_limit_answered_with_resource_exhausted_is_rate_limiting() {
    let sandbox = start_with_one_call_per_trunk(TrunkLimitError::ResourceExhausted).await;
    sandbox.set_override(
        "+15550000010",
        ScriptedCall::new(Scripted::Answer)
            .ring_secs(1.0)
            .talk_secs(10_000.0),
    );
    let telephony = telephony(&sandbox);
    telephony
        .dial(&request(1, "+15550000010"))
        .await
        .expect("the first call is answered");
    let failure = telephony
        .dial(&request(2, "+15550000011"))
        .await
        .unwrap_err();
    assert_infrastructure(&failure, true);
}

#[tokio::test]
async fn a_dial_placed_but_never_answered_for_is_uncertain_not_an_outage() {
    let sandbox = start().await;
    sandbox.set_faults(Faults {
        drop_dial_response_rate: 1.0,
        ..Faults::none()
    });
    let failure = telephony(&sandbox)
        .dial(&request(1, "+15550000001"))
        .await
        .unwrap_err();
    assert!(
        matches!(&failure, DialFailure::Uncertain { .. }),
        "expected an uncertain dial, got {failure:?}"
    );
    assert_eq!(sandbox.stats().calls_placed, 1, "the phone does ring");
}
