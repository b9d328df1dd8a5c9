//! The calls in flight: one slot per call, found by its key (given when the slot is
//! claimed, before the attempt row exists), its attempt id or its room. A call that has
//! ended gives its slot back at once but stays reachable by its room for a short while
//! (`closing`), because the agent's disposition arrives after the callee has left.

use crate::domain::{AttemptId, AttemptState, CampaignId, LeadId};
use crate::engine::SlotView;
use crate::telephony::CallProgress;
use chrono::{DateTime, Utc};
use std::collections::{HashMap, HashSet};
use tokio::sync::mpsc;

/// Identifies one call task from the moment its slot is claimed.
pub type CallKey = u64;

/// What the engine tells a call task.
#[derive(Debug, Clone)]
pub enum CallSignal {
    /// LiveKit reported something about the call's room.
    Progress(CallProgress),
    /// The operator (or a stop) ends the call.
    HangUp,
}

/// Signals one call task has not read yet. A call sees a few dozen LiveKit events in
/// its life (the poller reports changes only; webhooks add duplicates) and reads them as
/// they come, except while it writes a row or hands the engine a report.
const SIGNALS_PER_CALL: usize = 64;

/// Where the engine tells one call task something. The engine never waits on a call:
/// the call may itself be waiting for room in the engine's reports channel, and a
/// blocking send here would close that cycle.
#[derive(Debug, Clone)]
pub struct CallSignals(mpsc::Sender<CallSignal>);

impl CallSignals {
    pub fn channel() -> (CallSignals, mpsc::Receiver<CallSignal>) {
        let (sender, receiver) = mpsc::channel(SIGNALS_PER_CALL);
        (CallSignals(sender), receiver)
    }

    /// Hands `signal` to the call; false when its task has ended. A call that is
    /// `SIGNALS_PER_CALL` behind (stuck on a write) gets it from a task that waits for
    /// room: an end of call or a hang-up is never dropped, and the engine goes on.
    pub fn send(&self, signal: CallSignal) -> bool {
        match self.0.try_send(signal) {
            Ok(()) => true,
            Err(mpsc::error::TrySendError::Closed(_)) => false,
            Err(mpsc::error::TrySendError::Full(signal)) => {
                tracing::warn!(
                    "a call task is {SIGNALS_PER_CALL} signals behind; delivering later"
                );
                let sender = self.0.clone();
                tokio::spawn(async move { sender.send(signal).await });
                true
            }
        }
    }
}

#[derive(Debug)]
pub struct Slot {
    pub campaign: CampaignId,
    pub trunk: String,
    pub lead: LeadId,
    /// The lead's state before this call (pending or retry_wait), for the counts.
    pub lead_state: crate::domain::LeadState,
    pub lead_name: Option<String>,
    pub phone: String,
    /// The caller ID presented, known once the write-ahead row has chosen it (`None`
    /// also for the trunk's own number).
    pub caller_id: Option<String>,
    /// The A/B variant the lead is in.
    pub variant: Option<String>,
    /// Known once the write-ahead row is committed.
    pub attempt: Option<AttemptId>,
    pub room: Option<String>,
    pub number: u32,
    pub state: AttemptState,
    pub dialed_at: DateTime<Utc>,
    pub state_since: DateTime<Utc>,
    pub signals: CallSignals,
}

impl Slot {
    pub fn view(&self) -> Option<SlotView> {
        Some(SlotView {
            attempt: self.attempt?,
            lead: self.lead,
            lead_name: self.lead_name.clone(),
            phone: self.phone.clone(),
            caller_id: self.caller_id.clone(),
            variant: self.variant.clone(),
            attempt_number: self.number,
            state: self.state,
            dialed_at: self.dialed_at,
            state_since: self.state_since,
            // A call is answered once; its time in `answered` is its talk so far.
            answered_at: (self.state == AttemptState::Answered).then_some(self.state_since),
        })
    }
}

#[derive(Debug, Default)]
pub struct Slots {
    slots: HashMap<CallKey, Slot>,
    by_room: HashMap<String, CallKey>,
    by_attempt: HashMap<AttemptId, CallKey>,
    per_campaign: HashMap<CampaignId, usize>,
    leads: HashSet<LeadId>,
    next_key: CallKey,
    /// Ended calls still listening for the agent's late report, until the call task
    /// says it is done (`closed`). They take no capacity and are not shown.
    closing: HashMap<CallKey, Slot>,
    closing_rooms: HashMap<String, CallKey>,
}

impl Slots {
    pub fn claim(&mut self, slot: Slot) -> CallKey {
        self.next_key += 1;
        let key = self.next_key;
        *self.per_campaign.entry(slot.campaign).or_default() += 1;
        self.leads.insert(slot.lead);
        if let Some(attempt) = slot.attempt {
            self.by_attempt.insert(attempt, key);
        }
        if let Some(room) = &slot.room {
            self.by_room.insert(room.clone(), key);
        }
        self.slots.insert(key, slot);
        key
    }

    /// The write-ahead row is committed: the call now has an attempt id and a room.
    pub fn started(
        &mut self,
        key: CallKey,
        attempt: AttemptId,
        room: &str,
        number: u32,
        at: DateTime<Utc>,
    ) {
        if let Some(slot) = self.slots.get_mut(&key) {
            slot.attempt = Some(attempt);
            slot.room = Some(room.to_string());
            slot.number = number;
            slot.state = AttemptState::Dialing;
            slot.dialed_at = at;
            slot.state_since = at;
            self.by_attempt.insert(attempt, key);
            self.by_room.insert(room.to_string(), key);
        }
    }

    pub fn release(&mut self, key: CallKey) -> Option<Slot> {
        let slot = self.slots.remove(&key)?;
        self.leads.remove(&slot.lead);
        if let Some(n) = self.per_campaign.get_mut(&slot.campaign) {
            *n = n.saturating_sub(1);
        }
        if let Some(attempt) = slot.attempt {
            self.by_attempt.remove(&attempt);
        }
        if let Some(room) = &slot.room {
            self.by_room.remove(room);
        }
        Some(slot)
    }

    pub fn get(&self, key: CallKey) -> Option<&Slot> {
        self.slots.get(&key)
    }

    /// A released call that keeps receiving its room's progress until `closed`.
    pub fn closing(&mut self, key: CallKey, slot: Slot) {
        if let Some(room) = &slot.room {
            self.closing_rooms.insert(room.clone(), key);
            self.closing.insert(key, slot);
        }
    }

    /// The call's room is done with; returns the campaign it belonged to.
    pub fn closed(&mut self, key: CallKey) -> Option<CampaignId> {
        let slot = self.closing.remove(&key)?;
        if let Some(room) = &slot.room {
            self.closing_rooms.remove(room);
        }
        Some(slot.campaign)
    }

    /// Calls of the campaign that ended but whose agent may still report.
    pub fn closing_in_campaign(&self, campaign: CampaignId) -> usize {
        self.closing
            .values()
            .filter(|s| s.campaign == campaign)
            .count()
    }

    /// The call with this key, in flight or closing: what a timeline entry names.
    pub fn call(&self, key: CallKey) -> Option<&Slot> {
        self.slots.get(&key).or_else(|| self.closing.get(&key))
    }

    /// Where progress about `room` goes: the call in flight there, or the one closing.
    pub fn route(&self, room: &str) -> Option<&CallSignals> {
        self.by_room(room)
            .or_else(|| {
                self.closing_rooms
                    .get(room)
                    .and_then(|k| self.closing.get(k))
            })
            .map(|slot| &slot.signals)
    }

    pub fn get_mut(&mut self, key: CallKey) -> Option<&mut Slot> {
        self.slots.get_mut(&key)
    }

    pub fn by_room(&self, room: &str) -> Option<&Slot> {
        self.by_room.get(room).and_then(|k| self.slots.get(k))
    }

    pub fn by_attempt(&self, attempt: AttemptId) -> Option<&Slot> {
        self.by_attempt
            .get(&attempt)
            .and_then(|k| self.slots.get(k))
    }

    pub fn in_campaign(&self, campaign: CampaignId) -> usize {
        self.per_campaign.get(&campaign).copied().unwrap_or(0)
    }

    pub fn total(&self) -> usize {
        self.slots.len()
    }

    pub fn is_dialing_lead(&self, lead: LeadId) -> bool {
        self.leads.contains(&lead)
    }

    pub fn of_campaign(&self, campaign: CampaignId) -> impl Iterator<Item = &Slot> {
        self.slots.values().filter(move |s| s.campaign == campaign)
    }
}
