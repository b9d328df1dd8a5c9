//! Call progress by polling `RoomService.ListParticipants` (through `Telephony::live_call`)
//! for the rooms the engine registers: the only source when no webhook is configured,
//! and a safety net for lost webhooks when one is. Emits changes only.
//!
//! Polling sees less than webhooks: no disconnect reason (`UNKNOWN`), no brief
//! `hangup` status, and it cannot tell a room that still holds the agent from an empty one, so once
//! the callee's SIP participant is gone the call's room counts as finished.

use super::token_bucket::TokenBucket;
use super::types::{CallProgress, CallProgressKind, LiveCall, LiveCallStatus};
use super::Telephony;
use chrono::Utc;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::MissedTickBehavior;

/// The disconnect reason of an `Ended` seen by polling: ListParticipants no longer
/// shows the participant, so why it left is not known.
pub const UNKNOWN_DISCONNECT_REASON: &str = "UNKNOWN";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PollerConfig {
    /// How often each watched room is looked at.
    pub interval: Duration,
    /// Upper bound on `ListParticipants` requests, shared by all watched rooms.
    pub max_requests_per_sec: u32,
}

impl Default for PollerConfig {
    fn default() -> Self {
        Self {
            interval: Duration::from_secs(1),
            max_requests_per_sec: 10,
        }
    }
}

enum Watch {
    Add(String),
    /// A room whose call is already up: its absence means the call ended.
    AddLive(String),
    Remove(String),
}

/// Registers rooms with the poller. Cheap and non-blocking; the poller stops when every
/// handle is dropped or the progress receiver is closed.
#[derive(Debug, Clone)]
pub struct PollerHandle {
    commands: mpsc::UnboundedSender<Watch>,
}

impl PollerHandle {
    /// Starts polling `room` (a no-op if it is already watched).
    pub fn watch(&self, room: String) {
        // A closed channel means the poller has stopped; there is nothing to tell.
        let _ = self.commands.send(Watch::Add(room));
    }

    /// Starts polling `room` whose call is already up (answered, or found live at a
    /// restart): a first poll that finds no participant reports the call ended, where
    /// `watch` would wait for it to appear. A call that ends before the first poll is
    /// then still seen to end.
    pub fn watch_live(&self, room: String) {
        let _ = self.commands.send(Watch::AddLive(room));
    }

    /// Stops polling `room`; the poller also forgets a room by itself once it finished.
    pub fn forget(&self, room: &str) {
        let _ = self.commands.send(Watch::Remove(room.to_string()));
    }
}

/// Spawns the poller task on the current tokio runtime.
pub fn spawn_poller<T: Telephony>(
    telephony: Arc<T>,
    config: PollerConfig,
    progress: mpsc::Sender<CallProgress>,
) -> PollerHandle {
    let (commands, receiver) = mpsc::unbounded_channel();
    tokio::spawn(run(telephony, config, progress, receiver));
    PollerHandle { commands }
}

async fn run<T: Telephony>(
    telephony: Arc<T>,
    config: PollerConfig,
    progress: mpsc::Sender<CallProgress>,
    mut commands: mpsc::UnboundedReceiver<Watch>,
) {
    let mut rooms: BTreeMap<String, RoomWatch> = BTreeMap::new();
    let mut bucket = TokenBucket::new(config.max_requests_per_sec, 1);
    let mut ticker = tokio::time::interval(config.interval.max(Duration::from_millis(1)));
    ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
    loop {
        tokio::select! {
            biased;
            command = commands.recv() => match command {
                Some(command) => apply(&mut rooms, command),
                None => return,
            },
            _ = ticker.tick() => {
                let names: Vec<String> = rooms.keys().cloned().collect();
                for room in names {
                    loop {
                        match commands.try_recv() {
                            Ok(command) => apply(&mut rooms, command),
                            Err(mpsc::error::TryRecvError::Empty) => break,
                            Err(mpsc::error::TryRecvError::Disconnected) => return,
                        }
                    }
                    if !rooms.contains_key(&room) {
                        continue;
                    }
                    bucket.acquire().await;
                    let polled = telephony.live_call(&room).await;
                    // It may have been forgotten while the request was out.
                    let Some(watch) = rooms.get_mut(&room) else { continue };
                    let call = match polled {
                        Ok(call) => call,
                        Err(e) => {
                            tracing::warn!(%room, "polling the call failed: {e}");
                            continue;
                        }
                    };
                    let changes = watch.observe(call);
                    if watch.finished {
                        rooms.remove(&room);
                    }
                    for kind in changes {
                        let message = CallProgress { room: room.clone(), at: Utc::now(), kind };
                        if progress.send(message).await.is_err() {
                            return;
                        }
                    }
                }
            }
        }
    }
}

fn apply(rooms: &mut BTreeMap<String, RoomWatch>, command: Watch) {
    match command {
        Watch::Add(room) => {
            rooms.entry(room).or_default();
        }
        Watch::AddLive(room) => {
            rooms.entry(room).or_default().seen = true;
        }
        Watch::Remove(room) => {
            rooms.remove(&room);
        }
    }
}

/// What has been seen of one room, so only changes are reported.
#[derive(Debug, Default)]
struct RoomWatch {
    /// The SIP participant has been seen at least once.
    seen: bool,
    last_status: Option<LiveCallStatus>,
    rang: bool,
    answered: bool,
    /// The disposition and note last reported.
    disposition: Option<(String, Option<String>)>,
    finished: bool,
}

impl RoomWatch {
    fn observe(&mut self, call: Option<LiveCall>) -> Vec<CallProgressKind> {
        let mut changes = Vec::new();
        match call {
            Some(call) => {
                self.seen = true;
                match call.status {
                    // `ringing` may be skipped; `active` is the answer whatever came before.
                    LiveCallStatus::Ringing if !self.rang && !self.answered => {
                        self.rang = true;
                        changes.push(CallProgressKind::Ringing);
                    }
                    LiveCallStatus::Active if !self.answered => {
                        self.answered = true;
                        changes.push(CallProgressKind::Answered);
                    }
                    _ => {}
                }
                // A note set just after its disposition is a change too.
                let reported = call
                    .disposition
                    .clone()
                    .map(|value| (value, call.note.clone()));
                if reported.is_some() && reported != self.disposition {
                    self.disposition = reported.clone();
                    if let Some((value, note)) = reported {
                        changes.push(CallProgressKind::Disposition { value, note });
                    }
                }
                self.last_status = Some(call.status);
            }
            // Not there yet (the engine may watch before dialing): nothing to say.
            None if !self.seen => {}
            None => {
                self.finished = true;
                changes.push(CallProgressKind::Ended {
                    disconnect_reason: UNKNOWN_DISCONNECT_REASON.to_string(),
                    last_status: self.last_status,
                });
                changes.push(CallProgressKind::RoomFinished);
            }
        }
        changes
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::telephony::types::{
        DialFailure, DialRequest, Dialed, DispatchRequest, TelephonyError, TrunkInfo,
    };
    use std::collections::{HashMap, VecDeque};
    use std::sync::Mutex;
    use tokio::time::Instant;

    /// Answers `live_call` from a script per room (the last answer repeats) and records
    /// when each request came.
    #[derive(Default)]
    struct ScriptedRooms {
        script: Mutex<HashMap<String, VecDeque<Option<LiveCall>>>>,
        requests: Mutex<Vec<(String, Instant)>>,
    }

    impl ScriptedRooms {
        fn script(&self, room: &str, answers: Vec<Option<LiveCall>>) {
            self.script
                .lock()
                .unwrap()
                .insert(room.to_string(), answers.into());
        }
        fn requests(&self) -> Vec<(String, Instant)> {
            self.requests.lock().unwrap().clone()
        }
    }

    impl Telephony for ScriptedRooms {
        async fn dial(&self, _: &DialRequest) -> Result<Dialed, DialFailure> {
            unreachable!("the poller never dials")
        }
        async fn dispatch_agent(&self, _: &DispatchRequest) -> Result<String, TelephonyError> {
            unreachable!("the poller never dispatches")
        }
        async fn hang_up(&self, _: &str) -> Result<(), TelephonyError> {
            unreachable!("the poller never hangs up")
        }
        async fn live_call(&self, room: &str) -> Result<Option<LiveCall>, TelephonyError> {
            self.requests
                .lock()
                .unwrap()
                .push((room.to_string(), Instant::now()));
            let mut script = self.script.lock().unwrap();
            let answers = script.entry(room.to_string()).or_default();
            let answer = if answers.len() > 1 {
                answers.pop_front().flatten()
            } else {
                answers.front().cloned().flatten()
            };
            Ok(answer)
        }
        async fn list_trunks(&self) -> Result<Vec<TrunkInfo>, TelephonyError> {
            unreachable!("the poller never lists trunks")
        }
    }

    fn call(status: LiveCallStatus, disposition: Option<&str>) -> Option<LiveCall> {
        Some(LiveCall {
            participant_identity: "sip_+1555".into(),
            status,
            disposition: disposition.map(str::to_string),
            note: None,
        })
    }

    fn with_note(call: Option<LiveCall>, note: &str) -> Option<LiveCall> {
        call.map(|c| LiveCall {
            note: Some(note.to_string()),
            ..c
        })
    }

    async fn drain(
        rx: &mut mpsc::Receiver<CallProgress>,
        until: CallProgressKind,
    ) -> Vec<CallProgressKind> {
        let mut seen = Vec::new();
        while let Some(p) = rx.recv().await {
            let done = p.kind == until;
            seen.push(p.kind);
            if done {
                break;
            }
        }
        seen
    }

    #[tokio::test(start_paused = true)]
    async fn a_call_lifecycle_is_reported_once_per_change() {
        let rooms = Arc::new(ScriptedRooms::default());
        rooms.script(
            "r1",
            vec![
                None,
                call(LiveCallStatus::Dialing, None),
                call(LiveCallStatus::Ringing, None),
                call(LiveCallStatus::Ringing, None),
                call(LiveCallStatus::Active, None),
                call(LiveCallStatus::Active, Some("interested")),
                call(LiveCallStatus::Hangup, Some("interested")),
                None,
            ],
        );
        let (tx, mut rx) = mpsc::channel(16);
        let poller = spawn_poller(
            rooms.clone(),
            PollerConfig {
                interval: Duration::from_millis(100),
                max_requests_per_sec: 50,
            },
            tx,
        );
        poller.watch("r1".into());
        let kinds = drain(&mut rx, CallProgressKind::RoomFinished).await;
        assert_eq!(
            kinds,
            vec![
                CallProgressKind::Ringing,
                CallProgressKind::Answered,
                CallProgressKind::Disposition {
                    value: "interested".into(),
                    note: None
                },
                CallProgressKind::Ended {
                    disconnect_reason: UNKNOWN_DISCONNECT_REASON.into(),
                    last_status: Some(LiveCallStatus::Hangup),
                },
                CallProgressKind::RoomFinished,
            ]
        );
        // Finished rooms are no longer polled.
        let polls = rooms.requests().len();
        tokio::time::sleep(Duration::from_secs(2)).await;
        assert_eq!(rooms.requests().len(), polls);
    }

    #[tokio::test(start_paused = true)]
    async fn a_note_set_after_its_disposition_is_reported_again() {
        let rooms = Arc::new(ScriptedRooms::default());
        let interested = || call(LiveCallStatus::Active, Some("interested"));
        rooms.script(
            "r1",
            vec![
                interested(),
                with_note(interested(), "wants a demo"),
                with_note(interested(), "wants a demo"),
                None,
            ],
        );
        let (tx, mut rx) = mpsc::channel(16);
        let config = PollerConfig {
            interval: Duration::from_millis(100),
            max_requests_per_sec: 50,
        };
        let poller = spawn_poller(rooms, config, tx);
        poller.watch("r1".into());
        let kinds = drain(&mut rx, CallProgressKind::RoomFinished).await;
        let disposition = |note: Option<&str>| CallProgressKind::Disposition {
            value: "interested".into(),
            note: note.map(str::to_string),
        };
        assert_eq!(
            &kinds[..3],
            &[
                CallProgressKind::Answered,
                disposition(None),
                disposition(Some("wants a demo"))
            ]
        );
        assert_eq!(kinds.len(), 5, "{kinds:?}");
    }

    #[tokio::test(start_paused = true)]
    async fn a_live_room_found_empty_at_once_is_reported_ended() {
        let rooms = Arc::new(ScriptedRooms::default());
        rooms.script("r1", vec![None]);
        rooms.script("r2", vec![None]);
        let (tx, mut rx) = mpsc::channel(16);
        let config = PollerConfig {
            interval: Duration::from_millis(100),
            max_requests_per_sec: 50,
        };
        let poller = spawn_poller(rooms.clone(), config, tx);
        // r2 waits for its call to appear; r1's call was answered and is already over.
        poller.watch("r2".into());
        poller.watch_live("r1".into());
        let first = rx.recv().await.unwrap();
        assert_eq!(first.room, "r1");
        assert!(matches!(first.kind, CallProgressKind::Ended { .. }));
        assert_eq!(
            rx.recv().await.unwrap().kind,
            CallProgressKind::RoomFinished
        );
        tokio::time::sleep(Duration::from_secs(1)).await;
        assert!(
            rx.try_recv().is_err(),
            "r2 is not reported before it was seen"
        );
    }

    #[tokio::test(start_paused = true)]
    async fn a_failed_call_ends_with_its_last_status() {
        let rooms = Arc::new(ScriptedRooms::default());
        rooms.script(
            "r1",
            vec![
                call(LiveCallStatus::Dialing, None),
                call(LiveCallStatus::Ringing, None),
                None,
            ],
        );
        let (tx, mut rx) = mpsc::channel(16);
        let poller = spawn_poller(
            rooms,
            PollerConfig {
                interval: Duration::from_millis(100),
                max_requests_per_sec: 50,
            },
            tx,
        );
        poller.watch("r1".into());
        let kinds = drain(&mut rx, CallProgressKind::RoomFinished).await;
        assert_eq!(
            kinds[1],
            CallProgressKind::Ended {
                disconnect_reason: UNKNOWN_DISCONNECT_REASON.into(),
                last_status: Some(LiveCallStatus::Ringing)
            }
        );
    }

    #[tokio::test(start_paused = true)]
    async fn requests_never_exceed_the_rate_across_rooms() {
        let rooms = Arc::new(ScriptedRooms::default());
        let (tx, _rx) = mpsc::channel(1024);
        let poller = spawn_poller(
            rooms.clone(),
            PollerConfig {
                interval: Duration::from_millis(50),
                max_requests_per_sec: 5,
            },
            tx,
        );
        for i in 0..40 {
            rooms.script(&format!("r{i}"), vec![call(LiveCallStatus::Ringing, None)]);
            poller.watch(format!("r{i}"));
        }
        tokio::time::sleep(Duration::from_secs(10)).await;
        let times: Vec<Instant> = rooms.requests().into_iter().map(|(_, t)| t).collect();
        assert!(
            times.len() >= 45,
            "polled only {} times in 10 s",
            times.len()
        );
        for t in &times {
            let in_window = times
                .iter()
                .filter(|u| **u >= *t && **u < *t + Duration::from_secs(1))
                .count();
            assert!(in_window <= 5, "{in_window} requests within one second");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn forgotten_rooms_are_not_polled() {
        let rooms = Arc::new(ScriptedRooms::default());
        let (tx, _rx) = mpsc::channel(16);
        let poller = spawn_poller(
            rooms.clone(),
            PollerConfig {
                interval: Duration::from_millis(100),
                max_requests_per_sec: 50,
            },
            tx,
        );
        poller.watch("keep".into());
        poller.watch("drop".into());
        tokio::time::sleep(Duration::from_millis(250)).await;
        poller.forget("drop");
        tokio::time::sleep(Duration::from_millis(50)).await;
        let before = rooms.requests().iter().filter(|(r, _)| r == "drop").count();
        assert!(before >= 1);
        tokio::time::sleep(Duration::from_secs(1)).await;
        let requests = rooms.requests();
        assert_eq!(requests.iter().filter(|(r, _)| r == "drop").count(), before);
        assert!(requests.iter().filter(|(r, _)| r == "keep").count() >= 10);
    }

    #[tokio::test(start_paused = true)]
    async fn a_room_never_seen_stays_silent() {
        let rooms = Arc::new(ScriptedRooms::default());
        let (tx, mut rx) = mpsc::channel(16);
        let poller = spawn_poller(
            rooms.clone(),
            PollerConfig {
                interval: Duration::from_millis(100),
                max_requests_per_sec: 50,
            },
            tx,
        );
        poller.watch("empty".into());
        tokio::time::sleep(Duration::from_secs(1)).await;
        assert!(rooms.requests().len() >= 5);
        assert!(rx.try_recv().is_err());
    }

    #[tokio::test(start_paused = true)]
    async fn the_poller_stops_when_every_handle_is_dropped() {
        let rooms = Arc::new(ScriptedRooms::default());
        let (tx, mut rx) = mpsc::channel(16);
        let poller = spawn_poller(rooms, PollerConfig::default(), tx);
        drop(poller);
        // The task held the only sender; it is gone once the task ends.
        assert!(rx.recv().await.is_none());
    }
}
