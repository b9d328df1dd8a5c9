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
use super::twirp::TwirpError;
use super::webhooks::{event, WebhookSender};

/// LiveKit's default `empty_timeout` and `departure_timeout`, in seconds.
const EMPTY_TIMEOUT_SECS: u32 = 300;
const DEPARTURE_TIMEOUT_SECS: u32 = 20;

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
    /// Bumped whenever someone joins, so a pending "close when empty" timer knows it is stale.
    generation: u64,
}

impl Room {
    /// The room as `ListRooms` and webhooks show it. Like livekit-server's
    /// `Room.updateProto`, `num_participants` leaves out dependent participants (agents,
    /// egress): a SIP callee counts from the moment it is dialled, its agent never does.
    /// `num_publishers` counts everyone publishing, agents included.
    fn snapshot(&self) -> proto::Room {
        let mut info = self.info.clone();
        info.num_participants = self
            .participants
            .iter()
            .filter(|p| !is_dependent(&p.info))
            .count() as u32;
        info.num_publishers = self
            .participants
            .iter()
            .filter(|p| p.info.is_publisher)
            .count() as u32;
        info
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
    scale: TimeScale,
    departure_timeout_secs: f64,
    shutdown: CancellationToken,
}

impl Rooms {
    pub fn new(
        webhooks: WebhookSender,
        scale: TimeScale,
        departure_timeout_secs: f64,
        shutdown: CancellationToken,
    ) -> Arc<Self> {
        Arc::new(Self {
            rooms: Mutex::new(HashMap::new()),
            webhooks,
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
        let room = Room {
            info: proto::Room {
                sid: new_id("RM_"),
                name: name.to_string(),
                empty_timeout: EMPTY_TIMEOUT_SECS,
                departure_timeout: DEPARTURE_TIMEOUT_SECS,
                creation_time: now_ms / 1000,
                creation_time_ms: now_ms,
                ..Default::default()
            },
            participants: Vec::new(),
            dispatches: Vec::new(),
            phase: watch::channel(CallPhase::NoCall).0,
            closed: self.shutdown.child_token(),
            generation: 0,
        };
        self.webhooks
            .send(event::ROOM_STARTED, Some(room.snapshot()), None);
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
        room.generation += 1;
        if info.kind == proto::participant_info::Kind::Sip as i32 {
            room.phase.send_replace(CallPhase::Dialing);
        }
        let removed = room.closed.child_token();
        room.participants.push(Participant {
            info: info.clone(),
            removed: removed.clone(),
        });
        if announce {
            self.webhooks
                .send(event::PARTICIPANT_JOINED, Some(room.snapshot()), Some(info));
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
                .send(event::PARTICIPANT_JOINED, Some(room.snapshot()), Some(info));
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
            self.schedule_close_if_empty(room);
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
        self.schedule_close_if_empty(room);
        Ok(())
    }

    /// `RoomService.DeleteRoom`: everyone leaves with ROOM_DELETED, then `room_finished`.
    pub fn delete_room(&self, room_name: &str) -> Result<(), TwirpError> {
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
    pub fn list_rooms(&self, names: &[String]) -> Vec<proto::Room> {
        let rooms = lock(&self.rooms);
        let mut listed: Vec<proto::Room> = if names.is_empty() {
            rooms.values().map(Room::snapshot).collect()
        } else {
            let unique: std::collections::HashSet<&String> = names.iter().collect();
            unique
                .into_iter()
                .filter_map(|name| rooms.get(name))
                .map(Room::snapshot)
                .collect()
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
        room.info.metadata = metadata.to_string();
        Ok(room.snapshot())
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

    fn remove_at(&self, room: &mut Room, index: usize, reason: DisconnectReason) {
        let participant = room.participants.remove(index);
        participant.removed.cancel();
        // The callee leaving ends the call for whoever follows the room (the agent). A
        // duplicate identity is replaced by a new call that already announced itself.
        let callee = participant.info.kind == proto::participant_info::Kind::Sip as i32;
        if callee && reason != DisconnectReason::DuplicateIdentity {
            room.phase.send_replace(CallPhase::Ended);
        }
        let mut info = participant.info;
        info.state = State::Disconnected as i32;
        info.disconnect_reason = reason as i32;
        info.version += 1;
        self.webhooks
            .send(event::PARTICIPANT_LEFT, Some(room.snapshot()), Some(info));
    }

    fn finish(&self, room: Room) {
        room.closed.cancel();
        room.phase.send_replace(CallPhase::Ended);
        self.webhooks
            .send(event::ROOM_FINISHED, Some(room.snapshot()), None);
    }

    fn schedule_close_if_empty(self: &Arc<Self>, room: &Room) {
        if room.participants.is_empty() {
            let (name, generation) = (room.info.name.clone(), room.generation);
            self.close_when_empty(&name, generation, self.departure_timeout_secs);
        }
    }

    /// Closes the room after `delay_secs` (simulated) unless someone joined meanwhile.
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
                .is_some_and(|room| room.participants.is_empty() && room.generation == generation);
            if still_empty {
                if let Some(room) = map.remove(&name) {
                    rooms.finish(room);
                }
            }
        });
    }
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
