//! Call progress by polling, for the rooms the engine registers: the only source when no
//! webhook is configured (LiveKit Cloud cannot reach a server behind SSH), and a safety
//! net for lost webhooks when one is. Emits changes only.
//!
//! # What is proof and what is a hint
//!
//! `ListRooms`' `num_participants` is a stored copy that livekit-server refreshes at most
//! every 5 s and that leaves agents out (reference/livekit-behaviour.md): right after a
//! room is made it says 0 while the callee is already on the line, and after the callee
//! left it still says 1 for a while. So a count is only a hint of where to look. A call
//! ends only on a live fact, read with `ListParticipants`: its SIP participant gone from
//! the list (or shown `hangup`). Nothing here ends a call because of a count, and a
//! request that fails decides nothing ("could not ask" is never "gone").
//!
//! # What a tick costs
//!
//! Each tick sends one `RoomService.ListRooms` naming every watched room, whatever their
//! number, then spends a budget of `ListParticipants` looks, most urgent first:
//!
//! 0. rooms whose end is to be confirmed (the count fell to 0, or a room never listed
//!    is missing);
//! 1. the last look at a room whose callee left, for the agent's disposition (an
//!    attribute the agent may take along when it leaves);
//! 2. rooms whose summary changed since the last look;
//! 3. rooms still dialling (`dialing → ringing → active` is an attribute change that
//!    moves no count), and answered rooms whose agent has not been seen yet (the
//!    agent-join watchdog waits on it);
//! 4. answered rooms, least recently looked first: their end and their disposition.
//!
//! A room that was listed and is missing now has closed, which livekit-server does only
//! `departure_timeout` after its callee left: that is an end without a look, and with
//! no look left to make (its agent went with it). When the budget is short of the calls
//! (many answered at once), this is the bound on how late an end is seen.
//!
//! Within a level the least recently looked room goes first. A tick spends at most
//! `interval × max_requests_per_sec − 1` looks (at least one), so the next `ListRooms` is
//! never held up by the token bucket; what does not fit waits for the next tick. So the
//! request rate stays under the bound whatever the number of calls, and how soon an
//! answered call's end is seen depends on how many answered calls share the budget:
//! with `n` of them beyond what dialling takes, each is looked at about every
//! `n / looks_per_tick` ticks, and the stale count brings a room whose callee left to the
//! front within about 5 s.
//!
//! Polling sees less than webhooks: no disconnect reason (a participant that vanished
//! between two looks left for a reason nobody reported), the brief `hangup` status only
//! if a look falls on it, and the agent's disposition only if a look finds it while the
//! agent is in the room.

use super::token_bucket::TokenBucket;
use super::types::{
    AgentReport, CallProgress, CallProgressKind, LiveCall, LiveCallStatus, RoomParticipants,
    RoomSummary,
};
use super::Telephony;
use chrono::Utc;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::mpsc;
use tokio::time::{Instant, MissedTickBehavior};

/// The disconnect reason of an `Ended` seen by polling: the participant is no longer
/// there, so why it left is not known.
pub const UNKNOWN_DISCONNECT_REASON: &str = crate::domain::SEEN_GONE_BY_POLLING;
/// The disconnect reason of an `Ended` a look saw as `sip.callStatus = hangup`: the
/// reason LiveKit gives that leg when it leaves a moment later.
pub const HANGUP_DISCONNECT_REASON: &str = "CLIENT_INITIATED";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PollerConfig {
    /// How often the watched rooms are listed.
    pub interval: Duration,
    /// Upper bound on LiveKit requests (`ListRooms` and `ListParticipants` together).
    pub max_requests_per_sec: u32,
}

impl Default for PollerConfig {
    fn default() -> Self {
        Self {
            // Two `ListRooms` a second let a count that fell bring its room to the front
            // sooner; the looks share the same budget either way.
            interval: Duration::from_millis(500),
            max_requests_per_sec: 10,
        }
    }
}

impl PollerConfig {
    /// `ListParticipants` requests one tick may spend after its `ListRooms`.
    fn looks_per_tick(&self) -> usize {
        let per_tick = self.interval.as_secs_f64() * f64::from(self.max_requests_per_sec.max(1));
        (per_tick.floor() as usize).saturating_sub(1).max(1)
    }
}

enum Watch {
    /// A call being dialled into the room: it may not be there yet.
    Add(String),
    /// The call was answered just now: its callee's absence means it ended, and its
    /// agent may still join.
    AddAnswered(String),
    /// A call found answered at start-up: as `AddAnswered`, but the answer is past and
    /// no watchdog waits on its agent.
    AddLive(String),
    /// A call placed earlier and not known to be answered (found at start-up, or a dial
    /// whose answer never came): its absence means it ended.
    AddUnanswered(String),
    Remove(String),
}

/// Room registrations the poller has not applied yet: a call makes three or four in its
/// life (dialling, answered, forgotten), and the poller applies all that wait before
/// each request, so this holds those of a few thousand calls changing at once.
const WATCHES_WAITING: usize = 4096;

/// Registers rooms with the poller. Cheap and non-blocking; the poller stops when every
/// handle is dropped or the progress receiver is closed.
#[derive(Debug, Clone)]
pub struct PollerHandle {
    commands: mpsc::Sender<Watch>,
}

impl PollerHandle {
    /// Never waits: the engine calls this, and the poller may itself be waiting for
    /// room in the engine's progress channel. When full (the poller is stuck on a
    /// request) a task waits for room instead, so no registration is lost.
    fn send(&self, watch: Watch) {
        match self.commands.try_send(watch) {
            // A closed channel means the poller has stopped; there is nothing to tell.
            Ok(()) | Err(mpsc::error::TrySendError::Closed(_)) => {}
            Err(mpsc::error::TrySendError::Full(watch)) => {
                let commands = self.commands.clone();
                tokio::spawn(async move { commands.send(watch).await });
            }
        }
    }

    /// Starts polling `room` while its call is dialled (a no-op if it is already
    /// watched): it is looked at every tick until answered.
    pub fn watch(&self, room: String) {
        self.send(Watch::Add(room));
    }

    /// The call in `room` was just answered: a look that finds its callee gone reports
    /// it ended (where `watch` would wait for it to appear), and an agent that joins
    /// later is reported when a look finds it.
    pub fn watch_answered(&self, room: String) {
        self.send(Watch::AddAnswered(room));
    }

    /// Starts polling `room` whose call was found answered at a restart: like
    /// `watch_answered`, but the agent counts as seen (nobody waits for it any more).
    pub fn watch_live(&self, room: String) {
        self.send(Watch::AddLive(room));
    }

    /// Starts polling `room` whose call was placed earlier and not yet answered (found
    /// in flight at a restart): like `watch_live` its absence means the call ended, and
    /// like `watch` it is looked at every tick until it is seen answered.
    pub fn watch_unanswered(&self, room: String) {
        self.send(Watch::AddUnanswered(room));
    }

    /// Stops polling `room`; the poller also forgets a room by itself once it finished.
    /// A room whose callee has just left still gets its one last look for the agent's
    /// disposition.
    pub fn forget(&self, room: &str) {
        self.send(Watch::Remove(room.to_string()));
    }
}

/// Spawns the poller task on the current tokio runtime.
pub fn spawn_poller<T: Telephony>(
    telephony: Arc<T>,
    config: PollerConfig,
    progress: mpsc::Sender<CallProgress>,
) -> PollerHandle {
    let (commands, receiver) = mpsc::channel(WATCHES_WAITING);
    let poller = Poller {
        telephony,
        config,
        progress,
        commands: receiver,
        rooms: BTreeMap::new(),
        bucket: TokenBucket::new(config.max_requests_per_sec, 1),
    };
    tokio::spawn(poller.run());
    PollerHandle { commands }
}

/// The poller stops: every handle or the progress receiver is gone.
struct Stopped;

struct Poller<T> {
    telephony: Arc<T>,
    config: PollerConfig,
    progress: mpsc::Sender<CallProgress>,
    commands: mpsc::Receiver<Watch>,
    rooms: BTreeMap<String, RoomWatch>,
    bucket: TokenBucket,
}

impl<T: Telephony> Poller<T> {
    async fn run(mut self) {
        let mut ticker = tokio::time::interval(self.config.interval.max(Duration::from_millis(1)));
        ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            tokio::select! {
                biased;
                command = self.commands.recv() => match command {
                    Some(command) => self.apply(command),
                    None => return,
                },
                _ = ticker.tick() => {
                    if self.tick().await.is_err() {
                        return;
                    }
                }
            }
        }
    }

    async fn tick(&mut self) -> Result<(), Stopped> {
        self.apply_pending()?;
        self.list_rooms().await?;
        let looks = self.looks_due();
        for room in looks.into_iter().take(self.config.looks_per_tick()) {
            self.apply_pending()?;
            let Some(watch) = self.rooms.get(&room) else {
                continue;
            };
            let seen_when_asked = watch.seen;
            self.bucket.acquire().await;
            let looked = self.telephony.room_participants(&room).await;
            // It may have been forgotten while the request was out.
            let Some(watch) = self.rooms.get_mut(&room) else {
                continue;
            };
            match looked {
                Ok(participants) => {
                    let changes = watch.looked(participants, seen_when_asked);
                    self.report(&room, changes).await?;
                }
                Err(e) => tracing::warn!(%room, "polling the call failed: {e}"),
            }
        }
        Ok(())
    }

    /// One `ListRooms` for every watched room still expecting its callee.
    async fn list_rooms(&mut self) -> Result<(), Stopped> {
        let asked: Vec<(String, bool)> = self
            .rooms
            .iter()
            .filter(|(_, watch)| !watch.ended)
            .map(|(name, watch)| (name.clone(), watch.seen))
            .collect();
        if asked.is_empty() {
            return Ok(());
        }
        let names: Vec<String> = asked.iter().map(|(name, _)| name.clone()).collect();
        self.bucket.acquire().await;
        let listed = match self.telephony.list_rooms(&names).await {
            Ok(listed) => listed,
            Err(e) => {
                tracing::warn!(rooms = names.len(), "listing the watched rooms failed: {e}");
                return Ok(());
            }
        };
        let mut listed: HashMap<String, RoomSummary> = listed
            .into_iter()
            .map(|room| (room.name.clone(), room))
            .collect();
        self.apply_pending()?;
        for (name, seen_when_asked) in asked {
            let Some(watch) = self.rooms.get_mut(&name) else {
                continue;
            };
            let changes = watch.listed(listed.remove(&name), seen_when_asked);
            self.report(&name, changes).await?;
        }
        Ok(())
    }

    /// The rooms to look at with `ListParticipants`, most urgent first.
    fn looks_due(&self) -> Vec<String> {
        // Least recently looked first; a room never looked at waits from when it came,
        // so a stream of new rooms cannot keep older ones waiting for ever.
        let mut due: Vec<(u8, Option<Instant>, &String)> = self
            .rooms
            .iter()
            .filter_map(|(name, watch)| {
                let waiting_since = watch.looked_at.or(watch.registered_at);
                Some((watch.look_priority()?, waiting_since, name))
            })
            .collect();
        due.sort();
        due.into_iter().map(|(_, _, name)| name.clone()).collect()
    }

    async fn report(&mut self, room: &str, changes: Vec<CallProgressKind>) -> Result<(), Stopped> {
        if self.rooms.get(room).is_some_and(|watch| watch.finished) {
            self.rooms.remove(room);
        }
        for kind in changes {
            let message = CallProgress {
                room: room.to_string(),
                at: Utc::now(),
                kind,
            };
            self.progress.send(message).await.map_err(|_| Stopped)?;
        }
        Ok(())
    }

    fn apply_pending(&mut self) -> Result<(), Stopped> {
        loop {
            match self.commands.try_recv() {
                Ok(command) => self.apply(command),
                Err(mpsc::error::TryRecvError::Empty) => return Ok(()),
                Err(mpsc::error::TryRecvError::Disconnected) => return Err(Stopped),
            }
        }
    }

    fn watch_of(&mut self, room: String) -> &mut RoomWatch {
        self.rooms.entry(room).or_insert_with(|| RoomWatch {
            registered_at: Some(Instant::now()),
            ..RoomWatch::default()
        })
    }

    fn apply(&mut self, command: Watch) {
        match command {
            Watch::Add(room) => {
                self.watch_of(room);
            }
            Watch::AddAnswered(room) => {
                let watch = self.watch_of(room);
                watch.seen = true;
                watch.answered = true;
            }
            Watch::AddLive(room) => {
                let watch = self.watch_of(room);
                watch.seen = true;
                watch.answered = true;
                // Found live at start-up: its answer is past, no watchdog waits on
                // its agent, so it is not looked at sooner for one.
                watch.agent_seen = true;
            }
            Watch::AddUnanswered(room) => {
                self.watch_of(room).seen = true;
            }
            // The engine forgets a room as soon as its callee left; the agent's
            // disposition is still to be read.
            Watch::Remove(room) => {
                if !self.rooms.get(&room).is_some_and(|watch| watch.ended) {
                    self.rooms.remove(&room);
                }
            }
        }
    }
}

/// What has been seen of one room, so only changes are reported.
#[derive(Debug, Default)]
struct RoomWatch {
    /// The SIP participant has been seen at least once (or the call is known to be up).
    seen: bool,
    last_status: Option<LiveCallStatus>,
    rang: bool,
    /// The call is up (seen `active`, or registered so): looked at only with what the
    /// tick's budget leaves, or when `ListRooms` shows a change.
    answered: bool,
    /// The agent's report last passed on.
    disposition: Option<AgentReport>,
    /// An agent has been seen in the room (`AgentJoined` reported).
    agent_seen: bool,
    /// What the last `ListRooms` showed; `None` before the room was first listed.
    summary: Option<RoomSummary>,
    /// `ListRooms` showed a change a look has not explained yet.
    changed: bool,
    /// `ListRooms` hints that the callee may have left (a count of 0, or the room
    /// missing): a look decides.
    suspect: bool,
    /// The room was missing from the last `ListRooms`.
    missing: bool,
    /// The callee left (`Ended` reported); a last look for the disposition is due.
    ended: bool,
    looked_at: Option<Instant>,
    /// When the engine registered the room.
    registered_at: Option<Instant>,
    finished: bool,
}

impl RoomWatch {
    /// 0: an end to confirm; 1: the last look after the callee left, for the agent's
    /// word; 2: a change to explain; 3: still dialling, or answered with no agent seen;
    /// 4: answered. Ends come first: they free slots and fix talk times.
    fn look_priority(&self) -> Option<u8> {
        if self.suspect {
            return Some(0);
        }
        if self.ended {
            return Some(1);
        }
        // A dialled room is there once `ListRooms` lists it, whatever its (stale) count.
        let there = self.seen || self.summary.is_some();
        if !there {
            None
        } else if self.changed {
            Some(2)
        } else if !self.answered || !self.agent_seen {
            Some(3)
        } else {
            Some(4)
        }
    }

    /// Takes in the room's `ListRooms` entry (`None`: not there). `seen_when_asked`: the
    /// callee had been seen when the request went out. A count is a stored copy up to
    /// 5 s old, so this never ends a call: a count of 0 or a missing room makes the room
    /// the first to be looked at.
    fn listed(
        &mut self,
        summary: Option<RoomSummary>,
        seen_when_asked: bool,
    ) -> Vec<CallProgressKind> {
        // Listed before and gone now: livekit-server removes a room from its store when
        // it closes, which it does only `departure_timeout` after the callee left. That
        // is a live fact: the call is over, and its agent gone with the room.
        if summary.is_none() && self.summary.is_some() && seen_when_asked {
            self.finished = true;
            let mut changes = Vec::new();
            if !self.ended {
                changes.push(self.ended_now());
            }
            changes.push(CallProgressKind::RoomFinished);
            return changes;
        }
        // A count that fell to 0, or the room gone. A count that has shown 0 since the
        // room was made says nothing: livekit-server copies it only every 5 s, and
        // taking every new room for a suspect would spend the budget on them.
        let counted_before = self
            .summary
            .as_ref()
            .is_some_and(|s| s.num_participants > 0);
        let callee_gone = match &summary {
            None => true,
            Some(now) => now.num_participants == 0 && counted_before,
        };
        if seen_when_asked && callee_gone {
            self.suspect = true;
        }
        self.missing = summary.is_none();
        if let (Some(before), Some(now)) = (&self.summary, &summary) {
            self.changed |= before != now;
        }
        if summary.is_some() {
            self.summary = summary;
        }
        Vec::new()
    }

    /// Takes in a `ListParticipants` answer.
    fn looked(&mut self, room: RoomParticipants, seen_when_asked: bool) -> Vec<CallProgressKind> {
        self.looked_at = Some(Instant::now());
        self.changed = false;
        self.suspect = false;
        let mut changes = Vec::new();
        if let Some(reported) = room.disposition {
            if Some(&reported) != self.disposition.as_ref() {
                self.disposition = Some(reported.clone());
                changes.push(CallProgressKind::Disposition {
                    value: reported.disposition,
                    note: reported.note,
                    callback_at: reported.callback_at,
                });
            }
        }
        let mut changes = self.call_looked(room.call, seen_when_asked, changes);
        // In the order it happened: the answer (and its agent) before the agent's word,
        // the word before the end.
        changes.sort_by_key(|kind| match kind {
            CallProgressKind::Ringing | CallProgressKind::Answered => 0,
            CallProgressKind::AgentJoined { .. } => 1,
            CallProgressKind::Disposition { .. } => 2,
            CallProgressKind::Ended { .. } => 3,
            CallProgressKind::RoomFinished => 4,
        });
        changes
    }

    fn call_looked(
        &mut self,
        call: Option<LiveCall>,
        seen_when_asked: bool,
        mut changes: Vec<CallProgressKind>,
    ) -> Vec<CallProgressKind> {
        if self.ended {
            self.finished = true;
            changes.push(CallProgressKind::RoomFinished);
            return changes;
        }
        match call {
            Some(call) => {
                self.seen = true;
                if let Some(identity) = call.agent.clone().filter(|_| !self.agent_seen) {
                    self.agent_seen = true;
                    changes.push(CallProgressKind::AgentJoined { identity });
                }
                match call.status {
                    // `ringing` may be skipped; `active` is the answer whatever came before.
                    LiveCallStatus::Ringing if !self.rang && !self.answered => {
                        self.rang = true;
                        changes.push(CallProgressKind::Ringing);
                    }
                    LiveCallStatus::Active | LiveCallStatus::Automation if !self.answered => {
                        self.answered = true;
                        changes.push(CallProgressKind::Answered);
                    }
                    _ => {}
                }
                self.last_status = Some(call.status);
                // livekit/sip sets `hangup` only for a hang-up, a BYE or the maximum
                // duration, and the leg then leaves with CLIENT_INITIATED.
                if call.status == LiveCallStatus::Hangup {
                    self.ended = true;
                    changes.push(CallProgressKind::Ended {
                        disconnect_reason: HANGUP_DISCONNECT_REASON.to_string(),
                        last_status: self.last_status,
                    });
                }
            }
            // Not there yet (the engine may watch before dialing): nothing to say.
            None if !seen_when_asked => {}
            // The callee is gone from the live list: the call is over.
            None => {
                changes.push(self.ended_now());
                if self.missing {
                    self.finished = true;
                    changes.push(CallProgressKind::RoomFinished);
                } else {
                    // The agent may still set its disposition: one last look.
                    self.ended = true;
                }
            }
        }
        changes
    }

    fn ended_now(&self) -> CallProgressKind {
        CallProgressKind::Ended {
            disconnect_reason: UNKNOWN_DISCONNECT_REASON.to_string(),
            last_status: self.last_status,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::telephony::types::{
        DialFailure, DialRequest, Dialed, DispatchRequest, LiveCall, TelephonyError, TrunkInfo,
    };
    use std::collections::VecDeque;
    use std::sync::Mutex;

    /// One room as the fake LiveKit shows it; `None` in a script is a room that is gone.
    #[derive(Clone, Debug, Default)]
    struct Shown {
        participants: u32,
        publishers: u32,
        room: RoomParticipants,
    }

    #[derive(Clone, Debug, PartialEq)]
    enum Request {
        ListRooms(Vec<String>),
        ListParticipants(String),
    }

    /// Answers from a script per room, one step per `ListRooms` that names the room (the
    /// first one shows the first step, the last step repeats; unscripted rooms are
    /// gone), and records every request.
    #[derive(Default)]
    struct ScriptedRooms {
        script: Mutex<HashMap<String, VecDeque<Option<Shown>>>>,
        listed: Mutex<std::collections::HashSet<String>>,
        requests: Mutex<Vec<(Request, Instant)>>,
        /// `ListParticipants` fails while set (LiveKit stalled or unreachable).
        looks_fail: std::sync::atomic::AtomicBool,
    }

    impl ScriptedRooms {
        /// Replaces `room`'s script; the next `ListRooms` shows its first step.
        fn script(&self, room: &str, steps: Vec<Option<Shown>>) {
            self.listed.lock().unwrap().remove(room);
            self.script
                .lock()
                .unwrap()
                .insert(room.to_string(), steps.into());
        }
        fn requests(&self) -> Vec<(Request, Instant)> {
            self.requests.lock().unwrap().clone()
        }
        fn looks_at(&self, room: &str) -> usize {
            let look = Request::ListParticipants(room.to_string());
            self.requests().iter().filter(|(r, _)| *r == look).count()
        }
        fn current(&self, room: &str) -> Option<Shown> {
            let script = self.script.lock().unwrap();
            script
                .get(room)
                .and_then(|steps| steps.front().cloned().flatten())
        }
        fn record(&self, request: Request) {
            self.requests
                .lock()
                .unwrap()
                .push((request, Instant::now()));
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
        async fn live_call(&self, _: &str) -> Result<Option<LiveCall>, TelephonyError> {
            unreachable!("the poller reads rooms through room_participants")
        }
        async fn list_rooms(&self, names: &[String]) -> Result<Vec<RoomSummary>, TelephonyError> {
            self.record(Request::ListRooms(names.to_vec()));
            let mut script = self.script.lock().unwrap();
            let mut listed_before = self.listed.lock().unwrap();
            let mut listed = Vec::new();
            for name in names {
                let Some(steps) = script.get_mut(name) else {
                    continue;
                };
                if !listed_before.insert(name.clone()) && steps.len() > 1 {
                    steps.pop_front();
                }
                if let Some(Some(shown)) = steps.front() {
                    listed.push(RoomSummary {
                        name: name.clone(),
                        sid: format!("RM_{name}"),
                        num_participants: shown.participants,
                        num_publishers: shown.publishers,
                        metadata: String::new(),
                    });
                }
            }
            Ok(listed)
        }
        async fn room_participants(&self, room: &str) -> Result<RoomParticipants, TelephonyError> {
            self.record(Request::ListParticipants(room.to_string()));
            if self.looks_fail.load(std::sync::atomic::Ordering::SeqCst) {
                return Err(TelephonyError::Unavailable("operation timed out".into()));
            }
            Ok(self
                .current(room)
                .map(|shown| shown.room)
                .unwrap_or_default())
        }
        async fn list_trunks(&self) -> Result<Vec<TrunkInfo>, TelephonyError> {
            unreachable!("the poller never lists trunks")
        }
    }

    fn disposition(value: &str, note: Option<&str>) -> Option<AgentReport> {
        Some(AgentReport {
            disposition: value.to_string(),
            note: note.map(str::to_string),
            callback_at: None,
        })
    }

    /// The callee in the room with `status`, and the agent's disposition so far.
    fn calling(status: LiveCallStatus, reported: Option<&str>) -> Option<Shown> {
        Some(Shown {
            participants: 1,
            publishers: 2,
            room: RoomParticipants {
                call: Some(LiveCall {
                    participant_identity: "sip_+1555".into(),
                    status,
                    disposition: reported.map(str::to_string),
                    note: None,
                    agent: None,
                    callback_at: None,
                }),
                disposition: reported.and_then(|value| disposition(value, None)),
            },
        })
    }

    /// The callee has left; the agent lingers with what it reported.
    fn agent_only(reported: Option<AgentReport>) -> Option<Shown> {
        Some(Shown {
            participants: 0,
            publishers: 1,
            room: RoomParticipants {
                call: None,
                disposition: reported,
            },
        })
    }

    fn fast() -> PollerConfig {
        PollerConfig {
            interval: Duration::from_millis(100),
            max_requests_per_sec: 50,
        }
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

    fn ended(last_status: LiveCallStatus) -> CallProgressKind {
        CallProgressKind::Ended {
            disconnect_reason: UNKNOWN_DISCONNECT_REASON.into(),
            last_status: Some(last_status),
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_call_lifecycle_is_reported_once_per_change() {
        let rooms = Arc::new(ScriptedRooms::default());
        rooms.script(
            "r1",
            vec![
                None,
                calling(LiveCallStatus::Dialing, None),
                calling(LiveCallStatus::Ringing, None),
                calling(LiveCallStatus::Ringing, None),
                calling(LiveCallStatus::Active, None),
                calling(LiveCallStatus::Active, Some("interested")),
                agent_only(disposition("interested", None)),
                None,
            ],
        );
        let (tx, mut rx) = mpsc::channel(16);
        let poller = spawn_poller(rooms.clone(), fast(), tx);
        poller.watch("r1".into());
        let kinds = drain(&mut rx, CallProgressKind::RoomFinished).await;
        assert_eq!(
            kinds,
            vec![
                CallProgressKind::Ringing,
                CallProgressKind::Answered,
                CallProgressKind::Disposition {
                    value: "interested".into(),
                    note: None,
                    callback_at: None,
                },
                ended(LiveCallStatus::Active),
                CallProgressKind::RoomFinished,
            ]
        );
        // Dialing, ringing twice, the answer, the answered call with spare budget, the
        // look that found the callee gone (a count is no proof), and the last look;
        // none while the room was not there.
        assert_eq!(rooms.looks_at("r1"), 7);
        // Finished rooms are no longer polled.
        let polls = rooms.requests().len();
        tokio::time::sleep(Duration::from_secs(2)).await;
        assert_eq!(rooms.requests().len(), polls);
    }

    /// The callee leaves and the agent lingers a moment with its word: the look that
    /// finds the callee gone reads the agent's word and reports the end, and a last look
    /// follows for a word set later.
    #[tokio::test(start_paused = true)]
    async fn the_last_look_reads_the_disposition_the_agent_set_as_the_callee_left() {
        let rooms = Arc::new(ScriptedRooms::default());
        rooms.script(
            "r1",
            vec![
                calling(LiveCallStatus::Active, None),
                agent_only(disposition("interested", Some("wants a demo"))),
                None,
            ],
        );
        let (tx, mut rx) = mpsc::channel(16);
        let poller = spawn_poller(rooms.clone(), fast(), tx);
        poller.watch_live("r1".into());
        let kinds = drain(&mut rx, CallProgressKind::RoomFinished).await;
        assert_eq!(
            kinds,
            vec![
                CallProgressKind::Disposition {
                    value: "interested".into(),
                    note: Some("wants a demo".into()),
                    callback_at: None,
                },
                ended(LiveCallStatus::Active),
                CallProgressKind::RoomFinished,
            ]
        );
        // The engine forgets the room on `Ended`; its last look is made all the same.
        assert_eq!(
            rooms.looks_at("r1"),
            3,
            "one with spare budget, one that found the callee gone, one last look"
        );
    }

    /// One look a tick for five answered rooms: a room whose summary changed goes
    /// before the ones waiting their turn, and a note set after the disposition counts.
    #[tokio::test(start_paused = true)]
    async fn a_changed_room_is_looked_at_before_the_rest() {
        let rooms = Arc::new(ScriptedRooms::default());
        let config = PollerConfig {
            interval: Duration::from_millis(100),
            max_requests_per_sec: 20,
        };
        assert_eq!(config.looks_per_tick(), 1);
        let (tx, mut rx) = mpsc::channel(16);
        let poller = spawn_poller(rooms.clone(), config, tx);
        for room in ["a", "b", "c", "d", "e"] {
            rooms.script(room, vec![calling(LiveCallStatus::Active, None)]);
            poller.watch_live(room.into());
        }
        // Between the tick at 1 s's look (at 1,050 ms) and the next list.
        tokio::time::sleep(Duration::from_millis(1_075)).await;
        // The room just looked at would be the last in turn: it changes now.
        let last_looked = rooms
            .requests()
            .iter()
            .rev()
            .find_map(|(r, _)| match r {
                Request::ListParticipants(room) => Some(room.clone()),
                Request::ListRooms(_) => None,
            })
            .unwrap();
        let with_note = |publishers: u32| {
            Some(Shown {
                participants: 1,
                publishers,
                room: RoomParticipants {
                    disposition: disposition("interested", Some("wants a demo")),
                    ..calling(LiveCallStatus::Active, None).unwrap().room
                },
            })
        };
        let before = rooms.requests().len();
        rooms.script(&last_looked, vec![with_note(1)]);
        let p = rx.recv().await.unwrap();
        assert_eq!(p.room, last_looked);
        assert_eq!(
            p.kind,
            CallProgressKind::Disposition {
                value: "interested".into(),
                note: Some("wants a demo".into()),
                callback_at: None,
            }
        );
        let looks_since: Vec<String> = rooms.requests()[before..]
            .iter()
            .filter_map(|(r, _)| match r {
                Request::ListParticipants(room) => Some(room.clone()),
                Request::ListRooms(_) => None,
            })
            .collect();
        assert_eq!(looks_since, [last_looked], "the changed room came first");
    }

    /// The callee on the line as `ListParticipants` shows it, while `ListRooms` still
    /// shows the copy made before it joined (livekit-server refreshes it every 5 s).
    fn stale_count(status: LiveCallStatus) -> Option<Shown> {
        Some(Shown {
            participants: 0,
            publishers: 0,
            ..calling(status, None).unwrap()
        })
    }

    /// The bug that hung up on people: a count of 0 right after the answer is a stale
    /// copy, not the callee leaving. Only the live list ends a call.
    #[tokio::test(start_paused = true)]
    async fn a_stale_count_of_zero_never_ends_a_call_the_live_list_still_shows() {
        let rooms = Arc::new(ScriptedRooms::default());
        rooms.script("r1", vec![stale_count(LiveCallStatus::Active)]);
        let (tx, mut rx) = mpsc::channel(16);
        let poller = spawn_poller(rooms.clone(), fast(), tx);
        poller.watch_answered("r1".into());
        tokio::time::sleep(Duration::from_secs(6)).await;
        let said: Vec<CallProgressKind> = std::iter::from_fn(|| rx.try_recv().ok())
            .map(|p| p.kind)
            .collect();
        assert!(
            !said.iter().any(|k| matches!(
                k,
                CallProgressKind::Ended { .. } | CallProgressKind::RoomFinished
            )),
            "{said:?}"
        );
        assert!(rooms.looks_at("r1") >= 50, "the suspect room is looked at");
        // Now the callee really leaves and the room closes.
        rooms.script("r1", vec![None]);
        let kinds = drain(&mut rx, CallProgressKind::RoomFinished).await;
        assert_eq!(
            kinds,
            vec![
                ended(LiveCallStatus::Active),
                CallProgressKind::RoomFinished
            ]
        );
    }

    /// A look that fails is no answer: "could not ask" never ends a call.
    #[tokio::test(start_paused = true)]
    async fn a_failed_look_decides_nothing() {
        let rooms = Arc::new(ScriptedRooms::default());
        rooms.script("r1", vec![agent_only(None)]);
        rooms
            .looks_fail
            .store(true, std::sync::atomic::Ordering::SeqCst);
        let (tx, mut rx) = mpsc::channel(16);
        let poller = spawn_poller(rooms.clone(), fast(), tx);
        poller.watch_answered("r1".into());
        tokio::time::sleep(Duration::from_secs(3)).await;
        assert!(rooms.looks_at("r1") >= 10);
        assert!(
            rx.try_recv().is_err(),
            "nothing is reported while LiveKit cannot answer"
        );
        rooms
            .looks_fail
            .store(false, std::sync::atomic::Ordering::SeqCst);
        let kinds = drain(&mut rx, CallProgressKind::RoomFinished).await;
        assert!(
            matches!(kinds[0], CallProgressKind::Ended { .. }),
            "{kinds:?}"
        );
    }

    /// "Answered just now" is not "found live at start-up": an agent that joins after
    /// the answer is reported, so the watchdog does not end a call whose agent came.
    #[tokio::test(start_paused = true)]
    async fn an_agent_that_joins_after_the_answer_is_reported() {
        let with_agent = || {
            let mut shown = calling(LiveCallStatus::Active, None).unwrap();
            if let Some(call) = shown.room.call.as_mut() {
                call.agent = Some("agent-AJ_1".into());
            }
            Some(shown)
        };
        let rooms = Arc::new(ScriptedRooms::default());
        rooms.script(
            "r1",
            vec![
                stale_count(LiveCallStatus::Active),
                calling(LiveCallStatus::Active, None),
                with_agent(),
            ],
        );
        let (tx, mut rx) = mpsc::channel(16);
        let poller = spawn_poller(rooms.clone(), fast(), tx);
        poller.watch_answered("r1".into());
        let kinds = drain(
            &mut rx,
            CallProgressKind::AgentJoined {
                identity: "agent-AJ_1".into(),
            },
        )
        .await;
        assert_eq!(
            kinds.len(),
            1,
            "only the agent: the answer was known: {kinds:?}"
        );
    }

    /// A call registered with its callee gone is reported ended after a look confirms it.
    #[tokio::test(start_paused = true)]
    async fn a_live_room_found_gone_or_without_its_callee_is_reported_ended() {
        let rooms = Arc::new(ScriptedRooms::default());
        rooms.script("r1", vec![None]);
        rooms.script("r2", vec![None]);
        rooms.script("r3", vec![agent_only(None)]);
        let (tx, mut rx) = mpsc::channel(16);
        let poller = spawn_poller(rooms.clone(), fast(), tx);
        // r2 waits for its call to appear; r1's and r3's calls were answered and are over.
        poller.watch("r2".into());
        poller.watch_live("r1".into());
        poller.watch_live("r3".into());
        let mut finished = Vec::new();
        while finished.len() < 2 {
            let p = rx.recv().await.unwrap();
            assert_ne!(p.room, "r2");
            if p.kind == CallProgressKind::RoomFinished {
                finished.push(p.room);
            } else {
                assert!(matches!(p.kind, CallProgressKind::Ended { .. }), "{p:?}");
            }
        }
        finished.sort();
        assert_eq!(finished, ["r1", "r3"]);
        tokio::time::sleep(Duration::from_secs(1)).await;
        assert!(
            rx.try_recv().is_err(),
            "r2 is not reported before it was seen"
        );
    }

    /// A call found ringing at a restart: looked at until answered, like a dial, and
    /// reported ended if its room is gone, like an answered call.
    #[tokio::test(start_paused = true)]
    async fn an_unanswered_call_found_at_start_up_is_followed_to_its_answer() {
        let rooms = Arc::new(ScriptedRooms::default());
        rooms.script(
            "ringing",
            vec![
                calling(LiveCallStatus::Ringing, None),
                calling(LiveCallStatus::Active, None),
                calling(LiveCallStatus::Active, None),
                agent_only(None),
            ],
        );
        rooms.script("gone", vec![None]);
        let (tx, mut rx) = mpsc::channel(16);
        let poller = spawn_poller(rooms.clone(), fast(), tx);
        poller.watch_unanswered("ringing".into());
        poller.watch_unanswered("gone".into());
        let mut seen: HashMap<String, Vec<CallProgressKind>> = HashMap::new();
        while seen
            .values()
            .filter(|k| k.contains(&CallProgressKind::RoomFinished))
            .count()
            < 2
        {
            let p = rx.recv().await.unwrap();
            seen.entry(p.room).or_default().push(p.kind);
        }
        assert_eq!(
            seen["ringing"],
            vec![
                CallProgressKind::Ringing,
                CallProgressKind::Answered,
                ended(LiveCallStatus::Active),
                CallProgressKind::RoomFinished
            ]
        );
        assert_eq!(seen["gone"][1], CallProgressKind::RoomFinished);
        // Ringing, answered, once more with spare budget, the look that found the
        // callee gone, and the last look.
        assert_eq!(rooms.looks_at("ringing"), 5);
    }

    #[tokio::test(start_paused = true)]
    async fn a_failed_call_ends_with_its_last_status() {
        let rooms = Arc::new(ScriptedRooms::default());
        rooms.script(
            "r1",
            vec![
                calling(LiveCallStatus::Dialing, None),
                calling(LiveCallStatus::Ringing, None),
                None,
            ],
        );
        let (tx, mut rx) = mpsc::channel(16);
        let poller = spawn_poller(rooms, fast(), tx);
        poller.watch("r1".into());
        let kinds = drain(&mut rx, CallProgressKind::RoomFinished).await;
        assert_eq!(
            kinds,
            vec![
                CallProgressKind::Ringing,
                ended(LiveCallStatus::Ringing),
                CallProgressKind::RoomFinished
            ]
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
            rooms.script(
                &format!("r{i}"),
                vec![calling(LiveCallStatus::Ringing, None)],
            );
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

    /// 200 answered calls and 50 ringing ones at 10 requests/s and 1 s ticks: each tick
    /// is one `ListRooms` and at most 9 looks (the ringing rooms, in turn, come before
    /// answered ones), and an answered call's end is still reported within one interval.
    #[tokio::test(start_paused = true)]
    async fn a_tick_is_one_list_and_the_budget_and_an_end_is_seen_within_an_interval() {
        let rooms = Arc::new(ScriptedRooms::default());
        let (tx, mut rx) = mpsc::channel(1024);
        let config = PollerConfig {
            interval: Duration::from_secs(1),
            max_requests_per_sec: 10,
        };
        let poller = spawn_poller(rooms.clone(), config, tx);
        for i in 0..200 {
            let room = format!("live-{i:03}");
            rooms.script(&room, vec![calling(LiveCallStatus::Active, None)]);
            poller.watch_live(room);
        }
        for i in 0..50 {
            let room = format!("ringing-{i:02}");
            rooms.script(&room, vec![calling(LiveCallStatus::Ringing, None)]);
            poller.watch(room);
        }
        tokio::time::sleep(Duration::from_millis(5_950)).await;
        let requests = rooms.requests();
        let lists = requests
            .iter()
            .filter(|(r, _)| matches!(r, Request::ListRooms(_)))
            .count();
        assert_eq!(lists, 6, "one ListRooms a tick");
        assert!(
            requests.len() <= 6 * 10,
            "{} requests in 6 ticks",
            requests.len()
        );
        assert!((0..200).all(|i| rooms.looks_at(&format!("live-{i:03}")) == 0));
        let ringing: Vec<String> = std::iter::from_fn(|| rx.try_recv().ok())
            .filter(|p| p.kind == CallProgressKind::Ringing)
            .map(|p| p.room)
            .collect();
        assert_eq!(
            ringing.len(),
            50,
            "every ringing room was looked at in turn"
        );

        // One callee hangs up: the next ListRooms shows it, whatever else is due.
        let hung_up_at = Instant::now();
        rooms.script("live-199", vec![agent_only(None)]);
        let ended = loop {
            let p = rx.recv().await.unwrap();
            if p.room == "live-199" {
                break p;
            }
        };
        assert!(matches!(ended.kind, CallProgressKind::Ended { .. }));
        assert!(
            hung_up_at.elapsed() <= config.interval,
            "{:?}",
            hung_up_at.elapsed()
        );
    }

    /// With budget to spare (4 looks a tick), three answered rooms are looked at every
    /// tick, which reads a disposition set mid-call before the agent can take it along.
    #[tokio::test(start_paused = true)]
    async fn answered_rooms_share_what_the_budget_leaves() {
        let rooms = Arc::new(ScriptedRooms::default());
        let (tx, mut rx) = mpsc::channel(64);
        let poller = spawn_poller(rooms.clone(), fast(), tx);
        for room in ["a", "b", "c"] {
            rooms.script(room, vec![calling(LiveCallStatus::Active, None)]);
            poller.watch_live(room.into());
        }
        // Ticks at 0, 100, ... 1,900 ms, each a list and three looks 20 ms apart.
        tokio::time::sleep(Duration::from_millis(1_990)).await;
        let lists = rooms
            .requests()
            .iter()
            .filter(|(r, _)| matches!(r, Request::ListRooms(_)))
            .count();
        assert_eq!(lists, 20);
        for room in ["a", "b", "c"] {
            assert_eq!(rooms.looks_at(room), 20, "{room}");
        }
        // The agent settles on its word; the call ends a tick later.
        rooms.script(
            "b",
            vec![calling(LiveCallStatus::Active, Some("callback")), None],
        );
        let kinds = drain(&mut rx, CallProgressKind::RoomFinished).await;
        assert_eq!(
            kinds,
            vec![
                CallProgressKind::Disposition {
                    value: "callback".into(),
                    note: None,
                    callback_at: None,
                },
                ended(LiveCallStatus::Active),
                CallProgressKind::RoomFinished
            ]
        );
    }

    #[tokio::test(start_paused = true)]
    async fn forgotten_rooms_are_not_polled() {
        let rooms = Arc::new(ScriptedRooms::default());
        let (tx, _rx) = mpsc::channel(16);
        let poller = spawn_poller(rooms.clone(), fast(), tx);
        rooms.script("keep", vec![calling(LiveCallStatus::Ringing, None)]);
        rooms.script("drop", vec![calling(LiveCallStatus::Ringing, None)]);
        poller.watch("keep".into());
        poller.watch("drop".into());
        tokio::time::sleep(Duration::from_millis(250)).await;
        poller.forget("drop");
        tokio::time::sleep(Duration::from_millis(50)).await;
        let before = rooms.requests().len();
        let dropped_looks = rooms.looks_at("drop");
        assert!(dropped_looks >= 1);
        tokio::time::sleep(Duration::from_secs(1)).await;
        assert_eq!(rooms.looks_at("drop"), dropped_looks);
        let later = &rooms.requests()[before..];
        assert!(!later.is_empty());
        for (request, _) in later {
            if let Request::ListRooms(names) = request {
                assert_eq!(names, &["keep".to_string()]);
            }
        }
        assert!(rooms.looks_at("keep") >= 10);
    }

    #[tokio::test(start_paused = true)]
    async fn a_room_never_seen_stays_silent_and_is_only_listed() {
        let rooms = Arc::new(ScriptedRooms::default());
        let (tx, mut rx) = mpsc::channel(16);
        let poller = spawn_poller(rooms.clone(), fast(), tx);
        poller.watch("empty".into());
        tokio::time::sleep(Duration::from_secs(1)).await;
        assert!(rooms.requests().len() >= 5);
        assert_eq!(rooms.looks_at("empty"), 0);
        assert!(rx.try_recv().is_err());
    }

    #[test]
    fn a_tick_leaves_room_for_the_next_list() {
        let looks = |interval_ms, max_requests_per_sec| {
            PollerConfig {
                interval: Duration::from_millis(interval_ms),
                max_requests_per_sec,
            }
            .looks_per_tick()
        };
        assert_eq!(looks(1000, 10), 9);
        assert_eq!(looks(500, 10), 4);
        // Too small a budget still looks at one room a tick (the tick then stretches).
        assert_eq!(looks(100, 10), 1);
        assert_eq!(looks(50, 0), 1);
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
