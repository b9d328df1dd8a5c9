//! The webhook listener: only requests signed by our LiveKit project, fresh, short-lived,
//! not seen before, with the body they were signed for, of the right type and size,
//! become call progress. Everything else is refused with 401/408/409/413/415 and never
//! reaches the engine. Clients that connect and send nothing, or send slowly, are cut off
//! and cannot hold the port. At the end, the sandbox's own signed webhooks drive a whole
//! call through it.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use livekit_api::access_token::AccessToken;
use livekit_protocol as proto;
use proto::participant_info::Kind;
use sha2::{Digest, Sha256};
use switchboard::domain::{room_name, AttemptId, CampaignId, LeadId, DEFAULT_ROOM_PREFIX};
use switchboard::sandbox::{self, Outcome as Scripted, SandboxConfig, ScriptedCall};
use switchboard::telephony::{
    serve_webhooks, CallProgress, CallProgressKind, DialRequest, DispatchRequest, LiveCallStatus,
    LiveKitOptions, LiveKitTelephony, Telephony, WebhookOptions, WebhookReceiver, WebhookServer,
    MAX_TOKEN_LIFETIME, MAX_WEBHOOK_BODY,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc;

const KEY: &str = "devkey";
const SECRET: &str = "secret";
const CONTENT_TYPE: &str = "application/webhook+json";

async fn listen() -> (WebhookServer, mpsc::Receiver<CallProgress>) {
    listen_with(WebhookOptions::default()).await
}

async fn listen_with(options: WebhookOptions) -> (WebhookServer, mpsc::Receiver<CallProgress>) {
    let (tx, rx) = mpsc::channel(32);
    let server = serve_webhooks("127.0.0.1:0".parse().unwrap(), KEY, SECRET, options, tx)
        .await
        .expect("listening");
    (server, rx)
}

/// A `participant_joined` of an answered SIP participant, as LiveKit's protojson writes it.
fn answered_body(room: &str) -> String {
    serde_json::json!({
        "event": "participant_joined",
        "room": { "sid": "RM_abc", "name": room },
        "participant": {
            "sid": "PA_xyz",
            "identity": "sip_+15105550100",
            "state": "ACTIVE",
            "kind": "SIP",
            "attributes": { "sip.callStatus": "active", "sip.callID": "SCL_x" }
        },
        "id": format!("EV_{room}"),
        "createdAt": "1760000010"
    })
    .to_string()
}

fn sha256_b64(body: &str) -> String {
    STANDARD.encode(Sha256::digest(body.as_bytes()))
}

/// LiveKit's signature: a 5-minute token whose `sha256` claim is the body's hash.
fn sign(key: &str, secret: &str, body: &str) -> String {
    AccessToken::with_api_key(key, secret)
        .with_sha256(&sha256_b64(body))
        .with_ttl(Duration::from_secs(300))
        .to_jwt()
        .unwrap()
}

/// An HS256 JWT with exactly these claims, for tokens `AccessToken` cannot make (expired).
fn hand_signed(secret: &str, claims: serde_json::Value) -> String {
    let header = URL_SAFE_NO_PAD.encode(br#"{"alg":"HS256","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(claims.to_string());
    let input = format!("{header}.{payload}");
    let signature = URL_SAFE_NO_PAD.encode(hmac_sha256(secret.as_bytes(), input.as_bytes()));
    format!("{input}.{signature}")
}

fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut block = [0u8; 64];
    if key.len() > 64 {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let pad = |byte: u8| block.iter().map(|b| b ^ byte).collect::<Vec<u8>>();
    let inner = Sha256::new()
        .chain_update(pad(0x36))
        .chain_update(message)
        .finalize();
    Sha256::new()
        .chain_update(pad(0x5c))
        .chain_update(inner)
        .finalize()
        .into()
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

async fn post(
    server: &WebhookServer,
    content_type: &str,
    token: Option<&str>,
    body: String,
) -> u16 {
    let client = sandbox::http_client(Duration::from_secs(5));
    let mut request = client
        .post(server.url())
        .header("content-type", content_type)
        .body(body);
    if let Some(token) = token {
        request = request.header("authorization", token);
    }
    request
        .send()
        .await
        .expect("the listener answers")
        .status()
        .as_u16()
}

/// Nothing was passed on: a good request sent afterwards is the first thing received.
async fn assert_nothing_passed_on(server: &WebhookServer, rx: &mut mpsc::Receiver<CallProgress>) {
    let body = answered_body("after");
    assert_eq!(
        post(server, CONTENT_TYPE, Some(&sign(KEY, SECRET, &body)), body).await,
        200
    );
    let first = rx.recv().await.unwrap();
    assert_eq!(
        first.room, "after",
        "a refused request was acted on: {first:?}"
    );
}

#[tokio::test]
async fn a_signed_webhook_becomes_call_progress() {
    let (server, mut rx) = listen().await;
    let body = answered_body("outbound-1-2");
    assert_eq!(
        post(&server, CONTENT_TYPE, Some(&sign(KEY, SECRET, &body)), body).await,
        200
    );
    let progress = rx.recv().await.unwrap();
    assert_eq!(progress.room, "outbound-1-2");
    assert_eq!(progress.kind, CallProgressKind::Answered);
    assert_eq!(progress.at.timestamp(), 1_760_000_010);
    server.shutdown().await;
}

#[tokio::test]
async fn any_path_and_a_charset_parameter_are_accepted() {
    let (server, mut rx) = listen().await;
    let body = answered_body("r");
    let client = sandbox::http_client(Duration::from_secs(5));
    let status = client
        .post(format!("{}livekit/webhook", server.url()))
        .header("content-type", "application/webhook+json; charset=utf-8")
        .header("authorization", sign(KEY, SECRET, &body))
        .body(body)
        .send()
        .await
        .unwrap()
        .status();
    assert_eq!(status.as_u16(), 200);
    assert_eq!(rx.recv().await.unwrap().room, "r");
}

#[tokio::test]
async fn an_unsigned_webhook_is_refused() {
    let (server, mut rx) = listen().await;
    assert_eq!(
        post(&server, CONTENT_TYPE, None, answered_body("forged")).await,
        401
    );
    assert_eq!(
        post(&server, CONTENT_TYPE, Some(""), answered_body("forged")).await,
        401
    );
    assert_nothing_passed_on(&server, &mut rx).await;
}

#[tokio::test]
async fn a_webhook_signed_with_another_secret_is_refused() {
    let (server, mut rx) = listen().await;
    let body = answered_body("forged");
    assert_eq!(
        post(
            &server,
            CONTENT_TYPE,
            Some(&sign(KEY, "guessed", &body)),
            body
        )
        .await,
        401
    );
    assert_nothing_passed_on(&server, &mut rx).await;
}

#[tokio::test]
async fn a_webhook_from_another_api_key_is_refused() {
    let (server, mut rx) = listen().await;
    let body = answered_body("forged");
    assert_eq!(
        post(
            &server,
            CONTENT_TYPE,
            Some(&sign("otherkey", SECRET, &body)),
            body
        )
        .await,
        401
    );
    assert_nothing_passed_on(&server, &mut rx).await;
}

#[tokio::test]
async fn an_expired_webhook_is_refused() {
    let (server, mut rx) = listen().await;
    let body = answered_body("stale");
    let claims = |exp: u64| serde_json::json!({ "iss": KEY, "nbf": exp - 300, "exp": exp, "sha256": sha256_b64(&body) });
    // The hand-made token is valid while fresh, so the refusal below is for its age.
    let fresh = hand_signed(SECRET, claims(now_secs() + 300));
    assert_eq!(
        post(&server, CONTENT_TYPE, Some(&fresh), body.clone()).await,
        200
    );
    assert_eq!(rx.recv().await.unwrap().room, "stale");

    let expired = hand_signed(SECRET, claims(now_secs() - 600));
    assert_eq!(post(&server, CONTENT_TYPE, Some(&expired), body).await, 401);
    assert_nothing_passed_on(&server, &mut rx).await;
}

#[tokio::test]
async fn a_token_without_an_issuer_is_refused() {
    let (server, mut rx) = listen().await;
    let body = answered_body("no-iss");
    let now = now_secs();
    let token = hand_signed(
        SECRET,
        serde_json::json!({ "nbf": now, "exp": now + 300, "sha256": sha256_b64(&body) }),
    );
    assert_eq!(post(&server, CONTENT_TYPE, Some(&token), body).await, 401);
    assert_nothing_passed_on(&server, &mut rx).await;
}

#[tokio::test]
async fn a_token_valid_for_years_is_refused_but_one_for_the_hour_is_not() {
    let (server, mut rx) = listen().await;
    let body = answered_body("long-lived");
    let claims = |exp: u64| serde_json::json!({ "iss": KEY, "nbf": now_secs(), "exp": exp, "sha256": sha256_b64(&body) });
    let thirty_one_years = 31 * 365 * 24 * 3600;
    let forever = hand_signed(SECRET, claims(now_secs() + thirty_one_years));
    assert_eq!(
        post(&server, CONTENT_TYPE, Some(&forever), body.clone()).await,
        401
    );
    let just_over = hand_signed(
        SECRET,
        claims(now_secs() + MAX_TOKEN_LIFETIME.as_secs() + 120),
    );
    assert_eq!(
        post(&server, CONTENT_TYPE, Some(&just_over), body.clone()).await,
        401
    );
    assert_nothing_passed_on(&server, &mut rx).await;

    let within = hand_signed(
        SECRET,
        claims(now_secs() + MAX_TOKEN_LIFETIME.as_secs() - 120),
    );
    assert_eq!(post(&server, CONTENT_TYPE, Some(&within), body).await, 200);
    assert_eq!(rx.recv().await.unwrap().room, "long-lived");
}

#[tokio::test]
async fn a_replayed_webhook_is_refused() {
    let (server, mut rx) = listen().await;
    let body = answered_body("once");
    let token = sign(KEY, SECRET, &body);
    assert_eq!(
        post(&server, CONTENT_TYPE, Some(&token), body.clone()).await,
        200
    );
    assert_eq!(rx.recv().await.unwrap().room, "once");
    // The same request again, and the same event signed afresh.
    assert_eq!(
        post(&server, CONTENT_TYPE, Some(&token), body.clone()).await,
        409
    );
    let resigned = sign(KEY, SECRET, &body);
    assert_eq!(
        post(&server, CONTENT_TYPE, Some(&resigned), body).await,
        409
    );
    assert_nothing_passed_on(&server, &mut rx).await;
}

#[tokio::test]
async fn a_replayed_event_without_an_id_is_refused_too() {
    let (server, mut rx) = listen().await;
    let event = agent_left(
        "no-id",
        HashMap::from([("switchboard.disposition", "voicemail")]),
    );
    let body = serde_json::to_string(&event).unwrap();
    let token = sign(KEY, SECRET, &body);
    assert_eq!(
        post(&server, CONTENT_TYPE, Some(&token), body.clone()).await,
        200
    );
    assert_eq!(rx.recv().await.unwrap().room, "no-id");
    assert_eq!(post(&server, CONTENT_TYPE, Some(&token), body).await, 409);
    assert_nothing_passed_on(&server, &mut rx).await;
}

#[tokio::test]
async fn a_body_that_does_not_match_its_signature_is_refused() {
    let (server, mut rx) = listen().await;
    let signed_for = answered_body("original");
    let tampered = answered_body("tampered");
    assert_eq!(
        post(
            &server,
            CONTENT_TYPE,
            Some(&sign(KEY, SECRET, &signed_for)),
            tampered
        )
        .await,
        401
    );
    assert_nothing_passed_on(&server, &mut rx).await;
}

#[tokio::test]
async fn a_webhook_of_another_content_type_is_refused() {
    let (server, mut rx) = listen().await;
    let body = answered_body("json");
    assert_eq!(
        post(
            &server,
            "application/json",
            Some(&sign(KEY, SECRET, &body)),
            body.clone()
        )
        .await,
        415
    );
    assert_eq!(
        post(&server, "text/plain", Some(&sign(KEY, SECRET, &body)), body).await,
        415
    );
    assert_nothing_passed_on(&server, &mut rx).await;
}

#[tokio::test]
async fn an_oversized_webhook_is_refused() {
    let (server, mut rx) = listen().await;
    let body = format!("{}{}", answered_body("big"), " ".repeat(MAX_WEBHOOK_BODY));
    assert_eq!(
        post(&server, CONTENT_TYPE, Some(&sign(KEY, SECRET, &body)), body).await,
        413
    );
    assert_nothing_passed_on(&server, &mut rx).await;
}

/// Sends `head` and then only a little of the body over a raw connection, and returns
/// the status line, which must come without the rest of the body.
async fn status_before_the_body_is_sent(addr: SocketAddr, head: String) -> String {
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(b"{\"event\":").await.unwrap();
    let mut response = vec![0u8; 512];
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut response))
        .await
        .expect("answered without waiting for the body")
        .unwrap();
    String::from_utf8_lossy(&response[..read])
        .lines()
        .next()
        .unwrap_or_default()
        .to_string()
}

#[tokio::test]
async fn an_oversized_declared_length_is_refused_before_the_body_is_read() {
    let (server, _rx) = listen().await;
    let token = sign(KEY, SECRET, "whatever");
    let head = format!(
        "POST / HTTP/1.1\r\nhost: x\r\ncontent-type: {CONTENT_TYPE}\r\nauthorization: {token}\r\ncontent-length: {}\r\n\r\n",
        MAX_WEBHOOK_BODY * 50
    );
    let status = status_before_the_body_is_sent(server.local_addr(), head).await;
    assert!(status.contains(" 413 "), "{status}");
}

#[tokio::test]
async fn an_oversized_body_without_a_length_is_cut_off_at_the_limit() {
    let (server, mut rx) = listen().await;
    let token = sign(KEY, SECRET, "whatever");
    let mut stream = tokio::net::TcpStream::connect(server.local_addr())
        .await
        .unwrap();
    let head = format!(
        "POST / HTTP/1.1\r\nhost: x\r\ncontent-type: {CONTENT_TYPE}\r\nauthorization: {token}\r\ntransfer-encoding: chunked\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let chunk = vec![b' '; 64 * 1024];
    for _ in 0..(MAX_WEBHOOK_BODY / chunk.len() + 2) {
        let framed = [
            format!("{:x}\r\n", chunk.len()).into_bytes(),
            chunk.clone(),
            b"\r\n".to_vec(),
        ]
        .concat();
        // The listener may answer and close as soon as the limit is passed.
        if stream.write_all(&framed).await.is_err() {
            break;
        }
    }
    let mut response = vec![0u8; 512];
    let read = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut response))
        .await
        .unwrap()
        .unwrap();
    let status = String::from_utf8_lossy(&response[..read])
        .lines()
        .next()
        .unwrap_or_default()
        .to_string();
    assert!(status.contains(" 413 "), "{status}");
    assert_nothing_passed_on(&server, &mut rx).await;
}

#[tokio::test]
async fn an_unsigned_request_is_refused_before_the_body_is_read() {
    let (server, _rx) = listen().await;
    let head = format!("POST / HTTP/1.1\r\nhost: x\r\ncontent-type: {CONTENT_TYPE}\r\ncontent-length: 100000\r\n\r\n");
    let status = status_before_the_body_is_sent(server.local_addr(), head).await;
    assert!(status.contains(" 401 "), "{status}");
}

/// Short limits, so the tests see them act within a second.
fn tight(max_connections: usize) -> WebhookOptions {
    WebhookOptions {
        header_read_timeout: Duration::from_millis(300),
        body_read_timeout: Duration::from_millis(300),
        max_connections,
        ..WebhookOptions::default()
    }
}

/// Reads until the listener closes the connection, giving up after `within`.
async fn closed_within(stream: &mut tokio::net::TcpStream, within: Duration) -> bool {
    let mut sink = [0u8; 512];
    let until_closed = async {
        loop {
            match stream.read(&mut sink).await {
                Ok(0) | Err(_) => return,
                Ok(_) => {}
            }
        }
    };
    tokio::time::timeout(within, until_closed).await.is_ok()
}

/// Posts like LiveKit's retrying client: a refused connection is tried again shortly.
async fn post_with_retries(server: &WebhookServer, token: &str, body: String) -> u16 {
    let client = sandbox::http_client(Duration::from_secs(5));
    for _ in 0..100 {
        let sent = client
            .post(server.url())
            .header("content-type", CONTENT_TYPE)
            .header("authorization", token)
            .body(body.clone())
            .send()
            .await;
        if let Ok(response) = sent {
            return response.status().as_u16();
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    panic!("the listener never took the request");
}

/// A connection from another loopback address than LiveKit's deliveries (127.0.0.1),
/// as a second client on the network would make.
async fn connect_from(source: &str, to: SocketAddr) -> tokio::net::TcpStream {
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.bind(format!("{source}:0").parse().unwrap()).unwrap();
    socket.connect(to).await.unwrap()
}

#[tokio::test]
async fn idle_and_slow_connections_are_closed_and_webhooks_still_get_through() {
    let (server, mut rx) = listen_with(WebhookOptions {
        max_connections_per_client: 1_000,
        ..tight(1_000)
    })
    .await;
    let mut idle = Vec::new();
    for i in 0..300 {
        let mut stream = connect_from("127.0.0.2", server.local_addr()).await;
        if i % 2 == 0 {
            // Slow loris: headers begun, never finished.
            stream
                .write_all(b"POST / HTTP/1.1\r\nhost: x\r\n")
                .await
                .unwrap();
        }
        idle.push(stream);
    }
    let body = answered_body("through");
    assert_eq!(
        post(&server, CONTENT_TYPE, Some(&sign(KEY, SECRET, &body)), body).await,
        200
    );
    assert_eq!(rx.recv().await.unwrap().room, "through");

    let closed = futures::future::join_all(
        idle.iter_mut()
            .map(|stream| closed_within(stream, Duration::from_secs(5))),
    )
    .await;
    let open = closed.iter().filter(|closed| !**closed).count();
    assert_eq!(
        open, 0,
        "{open} idle connections were still open after the timeout"
    );
}

#[tokio::test]
async fn connections_over_the_limit_are_closed_at_once() {
    let (server, mut rx) = listen_with(WebhookOptions {
        header_read_timeout: Duration::from_secs(60),
        ..tight(8)
    })
    .await;
    let mut held = Vec::new();
    for _ in 0..8 {
        held.push(
            tokio::net::TcpStream::connect(server.local_addr())
                .await
                .unwrap(),
        );
    }
    let mut over = tokio::net::TcpStream::connect(server.local_addr())
        .await
        .unwrap();
    assert!(
        closed_within(&mut over, Duration::from_secs(5)).await,
        "the ninth connection was kept waiting"
    );

    // Once the holders go, a webhook is served again.
    drop(held);
    let body = answered_body("freed");
    let status = post_with_retries(&server, &sign(KEY, SECRET, &body), body).await;
    assert_eq!(status, 200);
    assert_eq!(rx.recv().await.unwrap().room, "freed");
}

#[tokio::test]
async fn a_body_sent_too_slowly_is_cut_off() {
    let (server, mut rx) = listen_with(tight(16)).await;
    let body = answered_body("slow");
    let token = sign(KEY, SECRET, &body);
    let head = format!(
        "POST / HTTP/1.1\r\nhost: x\r\ncontent-type: {CONTENT_TYPE}\r\nauthorization: {token}\r\ncontent-length: {}\r\n\r\n",
        body.len()
    );
    let status = status_before_the_body_is_sent(server.local_addr(), head).await;
    assert!(status.contains(" 408 "), "{status}");
    assert_nothing_passed_on(&server, &mut rx).await;
}

#[tokio::test]
async fn a_port_in_use_is_a_configuration_error() {
    let (server, _rx) = listen().await;
    let (tx, _rx2) = mpsc::channel(1);
    let err = serve_webhooks(
        server.local_addr(),
        KEY,
        SECRET,
        WebhookOptions::default(),
        tx,
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains("[webhook]"), "{err}");
}

fn agent_left(room: &str, attributes: HashMap<&str, &str>) -> proto::WebhookEvent {
    proto::WebhookEvent {
        event: "participant_left".into(),
        room: Some(proto::Room {
            name: room.into(),
            ..Default::default()
        }),
        participant: Some(proto::ParticipantInfo {
            identity: "agent-1".into(),
            kind: Kind::Agent as i32,
            attributes: attributes
                .into_iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect(),
            ..Default::default()
        }),
        created_at: 1_760_000_020,
        ..Default::default()
    }
}

#[tokio::test]
async fn the_agents_disposition_arrives_with_its_note() {
    let (server, mut rx) = listen().await;
    let event = agent_left(
        "r",
        HashMap::from([
            ("switchboard.disposition", "voicemail"),
            ("switchboard.note", "left a message"),
        ]),
    );
    let body = serde_json::to_string(&event).unwrap();
    assert_eq!(
        post(&server, CONTENT_TYPE, Some(&sign(KEY, SECRET, &body)), body).await,
        200
    );
    assert_eq!(
        rx.recv().await.unwrap().kind,
        CallProgressKind::Disposition {
            value: "voicemail".into(),
            note: Some("left a message".into()),
            callback_at: None,
        }
    );
}

/// The sandbox's own signed webhooks, for a whole answered call with an agent.
#[tokio::test]
async fn the_sandboxs_webhooks_drive_a_call_from_answer_to_room_finished() {
    let config = SandboxConfig {
        time_scale: 0.001,
        departure_timeout_secs: 1.0,
        ..Default::default()
    };
    let sandbox = sandbox::start(config, "127.0.0.1:0".parse().unwrap())
        .await
        .unwrap();
    let (tx, mut rx) = mpsc::channel(32);
    let server = serve_webhooks(
        "127.0.0.1:0".parse().unwrap(),
        sandbox.api_key(),
        sandbox.api_secret(),
        WebhookOptions::default(),
        tx,
    )
    .await
    .unwrap();
    sandbox.set_webhook_url(Some(server.url()));

    let phone = "+15550000777";
    sandbox.set_override(
        phone,
        ScriptedCall::new(Scripted::Answer)
            .ring_secs(3.0)
            .talk_secs(100.0)
            .disposition("interested", Some("wants a demo")),
    );
    let telephony = LiveKitTelephony::new(
        &sandbox.url(),
        sandbox.api_key(),
        sandbox.api_secret(),
        LiveKitOptions::default(),
    );
    let room = room_name(DEFAULT_ROOM_PREFIX, CampaignId(4), AttemptId(9), 0);
    let request = DialRequest {
        campaign: CampaignId(4),
        lead: LeadId(5),
        attempt: AttemptId(9),
        room: room.clone(),
        participant_identity: "callee".into(),
        participant_name: "Callee".into(),
        participant_metadata: String::new(),
        participant_attributes: HashMap::new(),
        trunk_id: "ST_sandbox".into(),
        phone: phone.into(),
        caller_id: None,
        ringing_timeout: Duration::from_secs(30),
        max_call_duration: Duration::from_secs(3600),
        krisp: false,
        dtmf: None,
        wait_until_answered: true,
    };
    let dispatch = DispatchRequest {
        room: room.clone(),
        agent_name: "caller".into(),
        metadata: "{}".into(),
    };
    let (dialed, dispatched) = tokio::join!(
        telephony.dial(&request),
        telephony.dispatch_agent(&dispatch)
    );
    dialed.expect("answered");
    dispatched.expect("dispatched");

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
    // The agent's participant_joined feeds the agent-join watchdog, once.
    let joined = kinds
        .iter()
        .filter(|k| matches!(k, CallProgressKind::AgentJoined { .. }))
        .count();
    assert_eq!(joined, 1, "{kinds:?}");
    kinds.retain(|k| !matches!(k, CallProgressKind::AgentJoined { .. }));
    // No webhook carries the answer: the SIP participant's `participant_joined` comes
    // while it is dialled (pkg/telemetry/events.go) and `sip.callStatus = active` is an
    // attribute change. The dial's own return (or a look) is the answer.
    assert_eq!(
        kinds,
        vec![
            CallProgressKind::Ended {
                disconnect_reason: "CLIENT_INITIATED".into(),
                last_status: Some(LiveCallStatus::Hangup)
            },
            CallProgressKind::Disposition {
                value: "interested".into(),
                note: Some("wants a demo".into()),
                callback_at: None,
            },
            CallProgressKind::RoomFinished,
        ]
    );
}

#[tokio::test]
async fn shutdown_is_not_held_by_connections_that_send_nothing() {
    let (server, mut rx) = listen().await;
    let mut slow = tokio::net::TcpStream::connect(server.local_addr())
        .await
        .unwrap();
    slow.write_all(b"POST / HTTP/1.1\r\nhost: x\r\n")
        .await
        .unwrap();
    let _idle = tokio::net::TcpStream::connect(server.local_addr())
        .await
        .unwrap();
    // Connections are accepted in order: once this one is answered, both are held.
    assert_nothing_passed_on(&server, &mut rx).await;
    // The default header timeout is 10 s; shutdown gives them a second at most.
    let started = std::time::Instant::now();
    tokio::time::timeout(Duration::from_secs(5), server.shutdown())
        .await
        .expect("shutdown waited for idle connections");
    assert!(
        started.elapsed() >= Duration::from_millis(500),
        "they were held"
    );
}

/// 600 slow connections from one client, none finishing its headers within a minute,
/// while LiveKit delivers from its own address: every signed webhook gets through at
/// once, because one address holds at most `max_connections_per_client` places.
#[tokio::test]
async fn slow_clients_cannot_starve_livekits_deliveries() {
    // Fewer places in all than slow connections: without a limit per address they
    // would take every one.
    let (server, mut rx) = listen_with(WebhookOptions {
        header_read_timeout: Duration::from_secs(60),
        max_connections: 256,
        ..WebhookOptions::default()
    })
    .await;
    let mut slow = Vec::new();
    for _ in 0..600 {
        let mut stream = connect_from("127.0.0.2", server.local_addr()).await;
        let _ = stream.write_all(b"POST / HTTP/1.1\r\nhost: x\r\n").await;
        slow.push(stream);
    }
    for i in 0..20 {
        let room = format!("delivered-{i}");
        let body = answered_body(&room);
        assert_eq!(
            post(&server, CONTENT_TYPE, Some(&sign(KEY, SECRET, &body)), body).await,
            200,
            "delivery {i} among 600 slow connections"
        );
        assert_eq!(rx.recv().await.unwrap().room, room);
    }
    drop(slow);
}

/// A listener whose events acted on are kept in `store`, starting from `seen`.
async fn remembering_listener(
    store: switchboard::store::Store,
    seen: Vec<switchboard::telephony::SeenEvent>,
) -> (WebhookServer, mpsc::Receiver<CallProgress>) {
    let (tx, rx) = mpsc::channel(8);
    let receiver = WebhookReceiver::new(KEY, SECRET, &WebhookOptions::default(), tx);
    receiver.remember_in(std::sync::Arc::new(store), seen);
    let server = switchboard::telephony::serve_webhooks_with(
        "127.0.0.1:0".parse().unwrap(),
        receiver,
        WebhookOptions::default(),
    )
    .await
    .unwrap();
    (server, rx)
}

/// An event acted on before a restart (a kill -9 even) is refused after it: the events
/// seen are kept in the database until their tokens expire.
#[tokio::test]
async fn a_replay_after_a_restart_is_refused() {
    use switchboard::store::{webhook_events, Store};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("engine.db");
    let body = answered_body("before-restart");
    let token = sign(KEY, SECRET, &body);
    {
        let store = Store::open(&path).unwrap();
        let (server, mut rx) = remembering_listener(store, Vec::new()).await;
        assert_eq!(
            post(&server, CONTENT_TYPE, Some(&token), body.clone()).await,
            200
        );
        assert_eq!(rx.recv().await.unwrap().room, "before-restart");
    }
    // A new process on the same database.
    let store = Store::open(&path).unwrap();
    let seen = store
        .read(move |conn| webhook_events::still_valid(conn, now_secs()))
        .await
        .unwrap();
    let (server, mut rx) = remembering_listener(store, seen).await;
    assert_eq!(
        post(&server, CONTENT_TYPE, Some(&token), body).await,
        409,
        "the replay is refused after the restart"
    );
    assert_nothing_passed_on(&server, &mut rx).await;
}
