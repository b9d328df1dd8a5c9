//! The LiveKit boundary. The engine sees only the `Telephony` trait and `CallProgress`
//! messages; `livekit.rs` implements it on the `livekit-api` crate (the same code path
//! talks to LiveKit Cloud, a self-hosted server or the embedded sandbox).
//!
//! - `outcome_map.rs`: the one table from a failed dial to a `DialFailure`.
//! - `webhook.rs` / `webhook_event.rs`: verified webhooks to `CallProgress`;
//!   `webhook_token.rs` checks who signed them, `webhook_replay.rs` takes each event
//!   once, `crate::throttled_log` keeps refusals from flooding the log.
//! - `poller.rs`: polling (one `ListRooms` a tick, `ListParticipants` where something
//!   changed) to `CallProgress`, rate-limited.
//! - `attributes.rs`: the attribute keys both sides agree on (room names are the
//!   domain's: `crate::domain::room_name`).
//!
//! Progress from webhooks and polling overlaps, and a webhook may also be about a room
//! that is not ours (other apps on the same project): the engine matches by room name
//! and applies each kind once per attempt. Order per source is LiveKit's, which for
//! webhooks means the agent's disposition (in its `participant_left`) usually arrives
//! after the callee's `Ended`; polling sees it while the call is still up.

mod api_error;
pub mod attributes;
mod livekit;
mod outcome_map;
mod poller;
mod recording;
mod token_bucket;
mod trunk_admin;
mod trunk_check;
mod trunk_pages;
mod types;
mod webhook;
mod webhook_event;
mod webhook_replay;
mod webhook_token;

pub use livekit::{LiveKitOptions, LiveKitTelephony, RequestObserver};
pub use poller::{spawn_poller, PollerConfig, PollerHandle, UNKNOWN_DISCONNECT_REASON};
pub use recording::{RecordingOutput, RecordingStarted, S3Upload};
pub use trunk_admin::{NewTrunk, TrunkAuth, TrunkTransport};
pub use trunk_check::{ensure_trunk_exists, ensure_trunk_exists_patiently, Patience};
pub use types::{
    AgentReport, CallProgress, CallProgressKind, DialFailure, DialRequest, Dialed, DispatchRequest,
    LiveCall, LiveCallStatus, RoomParticipants, RoomSummary, TelephonyError, TrunkInfo,
};
pub use webhook::{
    serve_webhooks, serve_webhooks_with, WebhookObserver, WebhookOptions, WebhookReceiver,
    WebhookServer, MAX_WEBHOOK_BODY, WEBHOOK_CONTENT_TYPE,
};
pub use webhook_replay::{ReplayJournal, SeenEvent};
pub use webhook_token::MAX_TOKEN_LIFETIME;

use std::future::Future;

/// What the engine asks of LiveKit. Every method is one or two Twirp requests; none
/// keeps state the engine relies on.
pub trait Telephony: Send + Sync + 'static {
    /// `SIP.CreateSIPParticipant` into the request's own room. Waits until the callee
    /// answers when `wait_until_answered` is set, so failures carry their SIP status
    /// (mapped by the one table in `outcome_map.rs`).
    ///
    /// `DialFailure::Infrastructure` means LiveKit did not place the call (it answered
    /// so, or was never reached). `DialFailure::Uncertain` means it may have: the
    /// engine checks the room before it calls the attempt not placed.
    fn dial(
        &self,
        request: &DialRequest,
    ) -> impl Future<Output = Result<Dialed, DialFailure>> + Send;

    /// `AgentDispatchService.CreateDispatch` with the request's JSON metadata; returns
    /// the dispatch id. LiveKit creates the room if needed, so the engine runs this
    /// concurrently with `dial` (e.g. `tokio::join!`): the agent is joining while the
    /// phone rings and dispatch adds no latency in series. If the dial fails, the
    /// engine's `hang_up` of the room also ends the dispatched agent's job.
    fn dispatch_agent(
        &self,
        request: &DispatchRequest,
    ) -> impl Future<Output = Result<String, TelephonyError>> + Send;

    /// Ends the call by deleting its room (the SIP participant gets `ROOM_DELETED`
    /// and LiveKit sends BYE). A room that is already gone is not an error.
    fn hang_up(&self, room: &str) -> impl Future<Output = Result<(), TelephonyError>> + Send;

    /// `RoomService.ListParticipants`: the SIP participant's live state, or `None` when
    /// the room is empty or gone.
    fn live_call(
        &self,
        room: &str,
    ) -> impl Future<Output = Result<Option<LiveCall>, TelephonyError>> + Send;

    /// `RoomService.ListRooms` with a names filter: one request for any number of rooms.
    /// Rooms that do not exist (not yet, or no longer) are left out of the answer.
    fn list_rooms(
        &self,
        names: &[String],
    ) -> impl Future<Output = Result<Vec<RoomSummary>, TelephonyError>> + Send;

    /// `RoomService.ListParticipants`: the SIP participant's state and the agent's
    /// disposition, which outlives the callee while the agent is still in the room.
    fn room_participants(
        &self,
        room: &str,
    ) -> impl Future<Output = Result<RoomParticipants, TelephonyError>> + Send;

    /// `SIP.ListSIPOutboundTrunk`.
    fn list_trunks(&self) -> impl Future<Output = Result<Vec<TrunkInfo>, TelephonyError>> + Send;

    /// `Egress.StartRoomCompositeEgress`, audio only: records the call in `room`.
    fn start_recording(
        &self,
        room: &str,
        output: &RecordingOutput,
    ) -> impl Future<Output = Result<RecordingStarted, TelephonyError>> + Send {
        let _ = (room, output);
        std::future::ready(Err(TelephonyError::Unavailable(
            "this telephony cannot record calls".into(),
        )))
    }
}
