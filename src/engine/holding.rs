//! An engine that holds the database for one command and never dials: what the CLI
//! hosts when no engine runs on the database (`campaign create`, `dnc add`, `leads
//! import`, ...), so every change still goes through the one door, the engine's
//! commands, and no client ever writes beside it. It takes up no campaign and follows
//! no call: calls left in flight by an engine that stopped are the next real engine's
//! to reconcile, with LiveKit.

use super::{EngineConfig, EngineError, EngineHandle, SystemClock};
use crate::store::Store;
use crate::telephony::{
    DialFailure, DialRequest, Dialed, DispatchRequest, LiveCall, RoomParticipants, RoomSummary,
    Telephony, TelephonyError, TrunkInfo,
};
use std::sync::Arc;

/// What a holding engine says when asked for anything that needs LiveKit.
const NOT_DIALLING: &str =
    "no engine is running on this database (start one with `switchboard serve`, or start the campaign)";

/// LiveKit, as a holding engine sees it: never reached.
pub(crate) struct NoLiveKit;

fn unreachable<T>() -> std::future::Ready<Result<T, TelephonyError>> {
    std::future::ready(Err(TelephonyError::Unavailable(NOT_DIALLING.into())))
}

impl Telephony for NoLiveKit {
    fn dial(
        &self,
        _: &DialRequest,
    ) -> impl std::future::Future<Output = Result<Dialed, DialFailure>> + Send {
        std::future::ready(Err(DialFailure::Configuration {
            problem: NOT_DIALLING.into(),
            fix: "start the campaign with `switchboard campaign start ID`".into(),
        }))
    }

    fn dispatch_agent(
        &self,
        _: &DispatchRequest,
    ) -> impl std::future::Future<Output = Result<String, TelephonyError>> + Send {
        unreachable()
    }

    fn hang_up(
        &self,
        _: &str,
    ) -> impl std::future::Future<Output = Result<(), TelephonyError>> + Send {
        unreachable()
    }

    fn live_call(
        &self,
        _: &str,
    ) -> impl std::future::Future<Output = Result<Option<LiveCall>, TelephonyError>> + Send {
        unreachable()
    }

    fn list_rooms(
        &self,
        _: &[String],
    ) -> impl std::future::Future<Output = Result<Vec<RoomSummary>, TelephonyError>> + Send {
        unreachable()
    }

    fn room_participants(
        &self,
        _: &str,
    ) -> impl std::future::Future<Output = Result<RoomParticipants, TelephonyError>> + Send {
        unreachable()
    }

    fn list_trunks(
        &self,
    ) -> impl std::future::Future<Output = Result<Vec<TrunkInfo>, TelephonyError>> + Send {
        unreachable()
    }
}

impl super::Engine {
    /// An engine on `store` that takes commands and answers reads but never dials.
    /// The caller holds the database's engine lock for as long as it runs.
    pub async fn hold(store: Store) -> Result<EngineHandle, EngineError> {
        let config = EngineConfig {
            holds_only: true,
            ..EngineConfig::default()
        };
        let (_progress_tx, progress) = tokio::sync::mpsc::channel(1);
        super::Engine::spawn(
            store,
            Arc::new(NoLiveKit),
            Arc::new(SystemClock),
            config,
            progress,
            None,
        )
        .await
    }
}
