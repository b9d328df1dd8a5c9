//! The LiveKit boundary. The engine sees only the `Telephony` trait and `CallProgress`
//! messages; `livekit.rs` implements it on the `livekit-api` crate (the same code path
//! talks to LiveKit Cloud, a self-hosted server or the embedded sandbox).

mod types;

pub use types::{
    CallProgress, CallProgressKind, DialFailure, DialRequest, Dialed, DispatchRequest, LiveCall,
    LiveCallStatus, TelephonyError, TrunkInfo,
};

use std::future::Future;

/// What the engine asks of LiveKit. Every method is one or two Twirp requests; none
/// keeps state the engine relies on.
pub trait Telephony: Send + Sync + 'static {
    /// `SIP.CreateSIPParticipant` into the request's own room. Waits until the callee
    /// answers when `wait_until_answered` is set, so failures carry their SIP status.
    fn dial(&self, request: &DialRequest) -> impl Future<Output = Result<Dialed, DialFailure>> + Send;

    /// `AgentDispatchService.CreateDispatch`; returns the dispatch id.
    fn dispatch_agent(
        &self,
        request: &DispatchRequest,
    ) -> impl Future<Output = Result<String, TelephonyError>> + Send;

    /// Ends the call by deleting its room (the SIP participant gets `ROOM_DELETED`
    /// and LiveKit sends BYE). A room that is already gone is not an error.
    fn hang_up(&self, room: &str) -> impl Future<Output = Result<(), TelephonyError>> + Send;

    /// `RoomService.ListParticipants`: the SIP participant's live state, or `None` when
    /// the room is empty or gone.
    fn live_call(&self, room: &str) -> impl Future<Output = Result<Option<LiveCall>, TelephonyError>> + Send;

    /// `SIP.ListSIPOutboundTrunk`.
    fn list_trunks(&self) -> impl Future<Output = Result<Vec<TrunkInfo>, TelephonyError>> + Send;
}
