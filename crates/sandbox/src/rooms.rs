//! Rooms, their participants and agent dispatches: the state `RoomService` shows. Every
//! change happens under one short lock (never held across an await) and queues its webhook
//! under that lock, so each room's webhooks go out in the order its changes happened.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use livekit_protocol as proto;
use proto::participant_info::State;
use proto::DisconnectReason;
use tokio::sync::watch;
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

use super::ids::{new_id, unix_millis};
use super::lock::lock;
use super::network::TimeScale;
use super::room_copy::RoomCopy;
use super::stats::Stats;
use super::twirp::TwirpError;
use super::webhooks::{event, WebhookSender};

/// LiveKit's default `empty_timeout` and `departure_timeout`, in seconds.
const EMPTY_TIMEOUT_SECS: u32 = 300;
const DEPARTURE_TIMEOUT_SECS: u32 = 20;
/// livekit-server's `roomUpdateInterval` (pkg/rtc/room.go): how stale `ListRooms` may be.
const ROOM_UPDATE_INTERVAL_SECS: f64 = 5.0;

/// Where the phone call in a room stands, for the agent in that room.
#[derive(Clone, Debug, PartialEq)]
pub enum CallPhase {
    NoCall,
    Dialing,
    /// The callee picked up and will hang up at `hangup_at`.
    Answered {
        hangup_at: Instant,
        disposition: Option<String>,
        /// Drawn from the default weights: a variant with its own may replace it.
        disposition_drawn: bool,
        note: Option<String>,
    },
    Ended,
}

struct Participant {
    info: proto::ParticipantInfo,
    /// Cancelled when the server removes the participant (RemoveParticipant, DeleteRoom,
    /// duplicate identity, shutdown), so its call or agent task stops.
    removed: CancellationToken,
}

struct Room {
    info: proto::Room,
    participants: Vec<Participant>,
    dispatches: Vec<proto::AgentDispatch>,
    phase: watch::Sender<CallPhase>,
    closed: CancellationToken,
    /// Bumped whenever someone other than an agent or egress joins, so a pending close
    /// knows it is stale.
    generation: u64,
    /// What `ListRooms` and webhooks show: a copy refreshed at most every 5 s.
    copy: RoomCopy,
}

impl Room {
    /// The room as it is now. Like livekit-server's `Room.updateProto`,
    /// `num_participants` leaves out dependent participants (agents, egress): a SIP
    /// callee counts from the moment it is dialled, its agent never does.
    /// `num_publishers` counts everyone publishing, agents included.
    fn live(info: &proto::Room, participants: &[Participant]) -> proto::Room {
        let mut info = info.clone();
        info.num_participants = participants
            .iter()
            .filter(|p| !is_dependent(&p.info))
            .count() as u32;
        info.num_publishers = participants.iter().filter(|p| p.info.is_publisher).count() as u32;
        info
    }

    /// The room as `ListRooms` and webhooks show it: the stored copy, as stale as
    /// livekit-server's (room_copy.rs).
    fn shown(&mut self) -> proto::Room {
        let Room {
            info,
            participants,
            copy,
            ..
        } = self;
        copy.read(Instant::now(), || Room::live(info, participants))
    }

    /// Before any change: the copy's ticker catches up with the room as it was.
    fn before_change(&mut self) {
        let Room {
            info,
            participants,
            copy,
            ..
        } = self;
        copy.catch_up(Instant::now(), || Room::live(info, participants));
    }

    /// After a change: `MarkDirty(immediate)`.
    fn changed(&mut self, immediate: bool) {
        let Room {
            info,
            participants,
            copy,
            ..
        } = self;
        copy.mark_dirty(Instant::now(), immediate, || Room::live(info, participants));
    }

    fn has_non_dependent(&self) -> bool {
        self.participants.iter().any(|p| !is_dependent(&p.info))
    }
}

/// What a participant needs to follow its room.
pub struct Membership {
    pub removed: CancellationToken,
    pub phase: watch::Receiver<CallPhase>,
}

pub struct Rooms {
    rooms: Mutex<HashMap<String, Room>>,
    webhooks: WebhookSender,
    stats: Arc<Stats>,
    scale: TimeScale,
    departure_timeout_secs: f64,
    shutdown: CancellationToken,
}

impl Rooms {
    pub fn new(
        webhooks: WebhookSender,
        stats: Arc<Stats>,
        scale: TimeScale,
        departure_timeout_secs: f64,
        shutdown: CancellationToken,
    ) -> Arc<Self> {
        Arc::new(Self {
            rooms: Mutex::new(HashMap::new()),
            webhooks,
            stats,
            scale,
            departure_timeout_secs,
            shutdown,
        })
    }

    fn create_if_missing(&self, rooms: &mut HashMap<String, Room>, name: &str) -> bool {
        if rooms.contains_key(name) {
            return false;
        }
        let now_ms = unix_millis();
        let info = proto::Room {
            sid: new_id("RM_"),
            name: name.to_string(),
            empty_timeout: EMPTY_TIMEOUT_SECS,
            departure_timeout: DEPARTURE_TIMEOUT_SECS,
            creation_time: now_ms / 1000,
            creation_time_ms: now_ms,
            ..Default::default()
        };
        let copy = RoomCopy::new(
            Room::live(&info, &[]),
            Instant::now(),
            self.scale.real(ROOM_UPDATE_INTERVAL_SECS),
        );
        let mut room = Room {
            info,
            participants: Vec::new(),
            dispatches: Vec::new(),
            phase: watch::channel(CallPhase::NoCall).0,
            closed: self.shutdown.child_token(),
            generation: 0,
            copy,
        };
        self.webhooks
            .send(event::ROOM_STARTED, Some(room.shown()), None);
        rooms.insert(name.to_string(), room);
        true
    }

    /// Adds a participant to the room, creating the room first when `create` is set (in
    /// the same critical section, so a room closing at that instant cannot get in between).
    /// A participant with the same identity is removed first with DUPLICATE_IDENTITY, and
    /// a SIP participant joining starts the room's call phase at `Dialing`.
    pub fn join(
        self: &Arc<Self>,
        room_name: &str,
        info: proto::ParticipantInfo,
        create: bool,
        announce: bool,
    ) -> Result<Membership, TwirpError> {
        let mut rooms = lock(&self.rooms);
        let created = create && self.create_if_missing(&mut rooms, room_name);
        let room = rooms.get_mut(room_name).ok_or_else(room_not_found)?;
        if let Some(index) = room
            .participants
            .iter()
            .position(|p| p.info.identity == info.identity)
        {
            self.remove_at(room, index, DisconnectReason::DuplicateIdentity);
        }
        room.before_change();
        if !is_dependent(&info) {
            room.generation += 1;
        }
        if info.kind == proto::participant_info::Kind::Agent as i32 {
            self.stats.agent_joined(room_name);
        }
        if info.kind == proto::participant_info::Kind::Sip as i32 {
            room.phase.send_replace(CallPhase::Dialing);
        }
        let removed = room.closed.child_token();
        room.participants.push(Participant {
            info: info.clone(),
            removed: removed.clone(),
        });
        room.changed(false);
        if announce {
            self.webhooks
                .send(event::PARTICIPANT_JOINED, Some(room.shown()), Some(info));
        }
        let membership = Membership {
            removed,
            phase: room.phase.subscribe(),
        };
        drop(rooms);
        if created {
            self.close_when_empty(room_name, 0, EMPTY_TIMEOUT_SECS as f64);
        }
        Ok(membership)
    }

    /// Changes a participant in place (bumping its version); `announce_join` sends
    /// `participant_joined`, which LiveKit does when a participant becomes active.
    pub fn update(
        &self,
        room_name: &str,
        identity: &str,
        announce_join: bool,
        change: impl FnOnce(&mut proto::ParticipantInfo),
    ) -> bool {
        let mut rooms = lock(&self.rooms);
        let Some(room) = rooms.get_mut(room_name) else {
            return false;
        };
        let Some(participant) = room
            .participants
            .iter_mut()
            .find(|p| p.info.identity == identity)
        else {
            return false;
        };
        change(&mut participant.info);
        participant.info.version += 1;
        if announce_join {
            let info = participant.info.clone();
            self.webhooks
                .send(event::PARTICIPANT_JOINED, Some(room.shown()), Some(info));
        }
        true
    }

    /// The participant leaves by itself (hangup, failed call, agent done).
    pub fn leave(self: &Arc<Self>, room_name: &str, identity: &str, reason: DisconnectReason) {
        let mut rooms = lock(&self.rooms);
        let Some(room) = rooms.get_mut(room_name) else {
            return;
        };
        if let Some(index) = room
            .participants
            .iter()
            .position(|p| p.info.identity == identity)
        {
            self.remove_at(room, index, reason);
        }
    }

    /// `RoomService.RemoveParticipant`.
    pub fn remove_participant(
        self: &Arc<Self>,
        room_name: &str,
        identity: &str,
    ) -> Result<(), TwirpError> {
        let mut rooms = lock(&self.rooms);
        let room = rooms.get_mut(room_name).ok_or_else(participant_not_found)?;
        let index = room
            .participants
            .iter()
            .position(|p| p.info.identity == identity)
            .ok_or_else(participant_not_found)?;
        self.remove_at(room, index, DisconnectReason::ParticipantRemoved);
        Ok(())
    }

    /// `RoomService.DeleteRoom`: everyone leaves with ROOM_DELETED, then `room_finished`.
    pub fn delete_room(self: &Arc<Self>, room_name: &str) -> Result<(), TwirpError> {
        let mut rooms = lock(&self.rooms);
        let mut room = rooms.remove(room_name).ok_or_else(room_not_found)?;
        while !room.participants.is_empty() {
            self.remove_at(&mut room, 0, DisconnectReason::RoomDeleted);
        }
        self.finish(room);
        Ok(())
    }

    pub fn list_participants(&self, room_name: &str) -> Vec<proto::ParticipantInfo> {
        let rooms = lock(&self.rooms);
        rooms
            .get(room_name)
            .map(|room| room.participants.iter().map(|p| p.info.clone()).collect())
            .unwrap_or_default()
    }

    pub fn get_participant(
        &self,
        room_name: &str,
        identity: &str,
    ) -> Result<proto::ParticipantInfo, TwirpError> {
        let rooms = lock(&self.rooms);
        rooms
            .get(room_name)
            .and_then(|room| {
                room.participants
                    .iter()
                    .find(|p| p.info.identity == identity)
            })
            .map(|p| p.info.clone())
            .ok_or_else(participant_not_found)
    }

    /// Every room, or only those named (unknown names are left out). A lookup per name,
    /// so a poller asking about a thousand rooms costs a thousand lookups.
    pub fn list_rooms(self: &Arc<Self>, names: &[String]) -> Vec<proto::Room> {
        let mut rooms = lock(&self.rooms);
        let mut listed: Vec<proto::Room> = if names.is_empty() {
            rooms.values_mut().map(Room::shown).collect()
        } else {
            let unique: std::collections::HashSet<&String> = names.iter().collect();
            let mut listed = Vec::with_capacity(unique.len());
            for name in unique {
                if let Some(room) = rooms.get_mut(name.as_str()) {
                    listed.push(room.shown());
                }
            }
            listed
        };
        listed.sort_by(|a, b| {
            a.creation_time_ms
                .cmp(&b.creation_time_ms)
                .then(a.name.cmp(&b.name))
        });
        listed
    }

    pub fn update_metadata(
        &self,
        room_name: &str,
        metadata: &str,
    ) -> Result<proto::Room, TwirpError> {
        let mut rooms = lock(&self.rooms);
        let room = rooms.get_mut(room_name).ok_or_else(room_not_found)?;
        room.before_change();
        room.info.metadata = metadata.to_string();
        room.changed(true);
        Ok(room.shown())
    }

    /// Follows where the call in a room stands without joining it (an agent that is
    /// late waits for the answer this way); `None` when the room is gone.
    pub fn watch_phase(&self, room_name: &str) -> Option<watch::Receiver<CallPhase>> {
        lock(&self.rooms)
            .get(room_name)
            .map(|room| room.phase.subscribe())
    }

    /// Tells whoever follows the room (the agent) where the call stands.
    pub fn set_phase(&self, room_name: &str, phase: CallPhase) {
        if let Some(room) = lock(&self.rooms).get(room_name) {
            room.phase.send_replace(phase);
        }
    }

    /// Records a dispatch, creating its room as LiveKit's auto-create does.
    pub fn add_dispatch(self: &Arc<Self>, dispatch: proto::AgentDispatch) {
        let mut rooms = lock(&self.rooms);
        let created = self.create_if_missing(&mut rooms, &dispatch.room);
        let name = dispatch.room.clone();
        if let Some(room) = rooms.get_mut(&name) {
            room.dispatches.push(dispatch);
        }
        drop(rooms);
        if created {
            self.close_when_empty(&name, 0, EMPTY_TIMEOUT_SECS as f64);
        }
    }

    /// Changes a dispatch in place (e.g. records its agent job); false if it is gone.
    pub fn update_dispatch(
        &self,
        room_name: &str,
        dispatch_id: &str,
        change: impl FnOnce(&mut proto::AgentDispatch),
    ) -> bool {
        let mut rooms = lock(&self.rooms);
        let dispatch = rooms
            .get_mut(room_name)
            .and_then(|room| room.dispatches.iter_mut().find(|d| d.id == dispatch_id));
        match dispatch {
            Some(dispatch) => {
                change(dispatch);
                true
            }
            None => false,
        }
    }

    pub fn list_dispatches(&self, room_name: &str, dispatch_id: &str) -> Vec<proto::AgentDispatch> {
        let rooms = lock(&self.rooms);
        rooms
            .get(room_name)
            .map(|room| {
                room.dispatches
                    .iter()
                    .filter(|d| dispatch_id.is_empty() || d.id == dispatch_id)
                    .cloned()
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn delete_dispatch(
        &self,
        room_name: &str,
        dispatch_id: &str,
    ) -> Result<proto::AgentDispatch, TwirpError> {
        let mut rooms = lock(&self.rooms);
        let not_found = || TwirpError::not_found("dispatch ID not found");
        let room = rooms.get_mut(room_name).ok_or_else(not_found)?;
        let index = room
            .dispatches
            .iter()
            .position(|d| d.id == dispatch_id)
            .ok_or_else(not_found)?;
        let mut dispatch = room.dispatches.remove(index);
        if let Some(state) = dispatch.state.as_mut() {
            state.deleted_at = unix_millis() * 1_000_000;
        }
        Ok(dispatch)
    }

    /// Removes a participant and sends its `participant_left`. The last participant
    /// other than agents and egress leaving starts the room's departure timeout.
    fn remove_at(self: &Arc<Self>, room: &mut Room, index: usize, reason: DisconnectReason) {
        room.before_change();
        let participant = room.participants.remove(index);
        room.changed(false);
        participant.removed.cancel();
        // The callee leaving ends the call for whoever follows the room (the agent). A
        // duplicate identity is replaced by a new call that already announced itself.
        let callee = participant.info.kind == proto::participant_info::Kind::Sip as i32;
        if callee && reason != DisconnectReason::DuplicateIdentity {
            room.phase.send_replace(CallPhase::Ended);
        }
        let departed = !is_dependent(&participant.info);
        let by_a_client = matches!(
            reason,
            DisconnectReason::RoomDeleted | DisconnectReason::ParticipantRemoved
        );
        if by_a_client && callee && call_status_of(&participant.info) == Some(CALL_ACTIVE) {
            self.stats.answered_callee_cut_off(&room.info.name);
        }
        if callee {
            self.stats.callee_gone(&room.info.name);
        }
        let mut info = participant.info;
        info.state = State::Disconnected as i32;
        info.disconnect_reason = reason as i32;
        info.version += 1;
        self.webhooks
            .send(event::PARTICIPANT_LEFT, Some(room.shown()), Some(info));
        // room.go's close check: `departure_timeout` after the last non-dependent
        // participant left, whether or not an agent is still in the room.
        let closing = matches!(
            reason,
            DisconnectReason::RoomDeleted | DisconnectReason::RoomClosed
        );
        if departed && !closing && !room.has_non_dependent() {
            let (name, generation) = (room.info.name.clone(), room.generation);
            self.close_when_empty(&name, generation, self.departure_timeout_secs);
        }
    }

    /// The room closes: whoever is left (an agent) leaves with ROOM_CLOSED, then
    /// `room_finished`.
    fn finish(self: &Arc<Self>, mut room: Room) {
        while !room.participants.is_empty() {
            self.remove_at(&mut room, 0, DisconnectReason::RoomClosed);
        }
        room.closed.cancel();
        room.phase.send_replace(CallPhase::Ended);
        self.webhooks
            .send(event::ROOM_FINISHED, Some(room.shown()), None);
    }

    /// Closes the room after `delay_secs` (simulated) unless someone other than an agent
    /// or egress joined meanwhile (or is still there).
    fn close_when_empty(self: &Arc<Self>, name: &str, generation: u64, delay_secs: f64) {
        let rooms = Arc::clone(self);
        let name = name.to_string();
        let delay: Duration = self.scale.real(delay_secs);
        tokio::spawn(async move {
            tokio::select! {
                _ = rooms.shutdown.cancelled() => return,
                _ = tokio::time::sleep(delay) => {}
            }
            let mut map = lock(&rooms.rooms);
            let still_empty = map
                .get(&name)
                .is_some_and(|room| !room.has_non_dependent() && room.generation == generation);
            if still_empty {
                if let Some(room) = map.remove(&name) {
                    rooms.finish(room);
                }
            }
        });
    }
}

const CALL_ACTIVE: &str = "active";

fn call_status_of(info: &proto::ParticipantInfo) -> Option<&str> {
    info.attributes.get("sip.callStatus").map(String::as_str)
}

/// livekit-server's `IsDependent`: participants that only serve others in the room.
fn is_dependent(info: &proto::ParticipantInfo) -> bool {
    use proto::participant_info::Kind;
    info.kind == Kind::Agent as i32 || info.kind == Kind::Egress as i32
}

fn room_not_found() -> TwirpError {
    TwirpError::not_found("requested room does not exist")
}

fn participant_not_found() -> TwirpError {
    TwirpError::not_found("participant does not exist")
}
