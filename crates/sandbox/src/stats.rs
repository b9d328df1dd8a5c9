//! Counters tests and benchmarks read to check what clients did: how many dials, how
//! many calls ran at once on each trunk, how often each number was called.

use std::collections::{HashMap, HashSet};
use std::sync::Mutex;

use super::lock::lock;
use super::outcome::Outcome;

/// A snapshot of the sandbox's counters.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SandboxStats {
    /// Every Twirp request that reached the sandbox (faulted ones included).
    pub requests: u64,
    /// `CreateSIPParticipant` requests that passed authentication (faulted or not).
    pub dial_requests: u64,
    /// Calls that reached the simulated phone network.
    pub calls_placed: u64,
    /// Calls in progress right now (dialing, ringing or talking).
    pub active_calls: u64,
    /// Calls in progress right now per trunk id.
    pub active_calls_per_trunk: HashMap<String, u32>,
    /// The most calls seen in progress at the same time on each trunk, counting the call
    /// being placed even when the carrier then refuses it for being over the limit.
    pub max_concurrent_calls_per_trunk: HashMap<String, u32>,
    /// The most calls started on each trunk within one real second (refused ones included).
    pub max_calls_per_second_per_trunk: HashMap<String, u32>,
    /// Calls placed per callee number.
    pub calls_per_number: HashMap<String, u32>,
    /// Calls placed per caller ID presented (`sip_number`, else the trunk's number).
    pub calls_per_caller_id: HashMap<String, u32>,
    /// Calls answered per callee number: the truth a "never answered twice" check needs.
    pub answered_per_number: HashMap<String, u32>,
    /// Every room a call was answered in.
    pub answered_rooms: HashSet<String>,
    /// Every room a call was placed into.
    pub rooms_dialed: HashSet<String>,
    /// Dials into a room that an earlier call had already been placed into.
    pub rooms_dialed_again: u64,
    /// Finished calls per outcome.
    pub outcomes: HashMap<Outcome, u32>,
    /// Requests failed on purpose by fault injection.
    pub faults_injected: u64,
    /// Rooms an egress was started for, and whether it was audio only.
    pub egress_rooms: HashMap<String, bool>,
    /// Webhooks delivered (2xx), failed after retries, and dropped because a queue was full.
    pub webhooks_delivered: u64,
    pub webhooks_failed: u64,
    pub webhooks_dropped: u64,
    /// Webhooks lost, delivered a second time, or dropped for being older than LiveKit's
    /// 30 s age limit, by the `webhook_delivery` settings.
    pub webhooks_lost: u64,
    pub webhooks_duplicated: u64,
    pub webhooks_expired: u64,
    /// Rooms where a client removed an answered callee who had not hung up
    /// (`DeleteRoom` or `RemoveParticipant` while `sip.callStatus` was `active`): the
    /// dialler hung up on a person. Operator hang-ups and missing agents do this on
    /// purpose; anything else is a dialler ending a call it only thought was over.
    pub answered_callees_cut_off: HashSet<String>,
    /// The truth about each answered call, by room: when the callee answered and when
    /// the call ended for them (their hang-up's BYE, the line dropping, or being
    /// removed), in wall-clock time. What a dialler's records are measured against.
    pub callee_answered_at: HashMap<String, chrono::DateTime<chrono::Utc>>,
    pub callee_gone_at: HashMap<String, chrono::DateTime<chrono::Utc>>,
    /// Rooms an agent joined.
    pub agent_joined_rooms: HashSet<String>,
}

impl SandboxStats {
    /// The highest number of concurrent calls seen on any trunk.
    pub fn max_concurrent_calls(&self) -> u32 {
        self.max_concurrent_calls_per_trunk
            .values()
            .copied()
            .max()
            .unwrap_or(0)
    }
}

#[derive(Default)]
pub struct Stats {
    inner: Mutex<SandboxStats>,
}

impl Stats {
    pub fn snapshot(&self) -> SandboxStats {
        lock(&self.inner).clone()
    }

    pub fn request(&self) {
        lock(&self.inner).requests += 1;
    }

    pub fn dial_request(&self) {
        lock(&self.inner).dial_requests += 1;
    }

    pub fn fault_injected(&self) {
        lock(&self.inner).faults_injected += 1;
    }

    /// Records a call entering the network and returns how many calls the trunk now carries.
    pub fn call_started(&self, trunk: &str, number: &str, room: &str) -> u32 {
        let mut stats = lock(&self.inner);
        stats.calls_placed += 1;
        if !stats.rooms_dialed.insert(room.to_string()) {
            stats.rooms_dialed_again += 1;
        }
        stats.active_calls += 1;
        *stats
            .calls_per_number
            .entry(number.to_string())
            .or_default() += 1;
        let active = stats
            .active_calls_per_trunk
            .entry(trunk.to_string())
            .or_default();
        *active += 1;
        let active = *active;
        let max = stats
            .max_concurrent_calls_per_trunk
            .entry(trunk.to_string())
            .or_default();
        *max = (*max).max(active);
        active
    }

    pub fn caller_id_used(&self, caller_id: &str) {
        *lock(&self.inner)
            .calls_per_caller_id
            .entry(caller_id.to_string())
            .or_default() += 1;
    }

    pub fn egress_started(&self, room: &str, audio_only: bool) {
        lock(&self.inner)
            .egress_rooms
            .insert(room.to_string(), audio_only);
    }

    pub fn call_answered(&self, number: &str, room: &str) {
        let mut stats = lock(&self.inner);
        *stats
            .answered_per_number
            .entry(number.to_string())
            .or_default() += 1;
        stats.answered_rooms.insert(room.to_string());
        stats
            .callee_answered_at
            .insert(room.to_string(), chrono::Utc::now());
    }

    /// The callee's call ended (first report wins: the BYE before the leg leaves).
    pub fn callee_gone(&self, room: &str) {
        lock(&self.inner)
            .callee_gone_at
            .entry(room.to_string())
            .or_insert_with(chrono::Utc::now);
    }

    pub fn agent_joined(&self, room: &str) {
        lock(&self.inner)
            .agent_joined_rooms
            .insert(room.to_string());
    }

    pub fn call_rate_seen(&self, trunk: &str, calls_in_last_second: u32) {
        let mut stats = lock(&self.inner);
        let max = stats
            .max_calls_per_second_per_trunk
            .entry(trunk.to_string())
            .or_default();
        *max = (*max).max(calls_in_last_second);
    }

    pub fn call_ended(&self, trunk: &str, outcome: Option<Outcome>) {
        let mut stats = lock(&self.inner);
        stats.active_calls = stats.active_calls.saturating_sub(1);
        if let Some(active) = stats.active_calls_per_trunk.get_mut(trunk) {
            *active = active.saturating_sub(1);
        }
        if let Some(outcome) = outcome {
            *stats.outcomes.entry(outcome).or_default() += 1;
        }
    }

    pub fn webhook_delivered(&self) {
        lock(&self.inner).webhooks_delivered += 1;
    }

    pub fn webhook_failed(&self) {
        lock(&self.inner).webhooks_failed += 1;
    }

    pub fn webhook_dropped(&self) {
        lock(&self.inner).webhooks_dropped += 1;
    }

    pub fn webhook_lost(&self) {
        lock(&self.inner).webhooks_lost += 1;
    }

    pub fn webhook_duplicated(&self) {
        lock(&self.inner).webhooks_duplicated += 1;
    }

    pub fn webhook_expired(&self) {
        lock(&self.inner).webhooks_expired += 1;
    }

    pub fn answered_callee_cut_off(&self, room: &str) {
        lock(&self.inner)
            .answered_callees_cut_off
            .insert(room.to_string());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn concurrency_peak_is_kept_after_calls_end() {
        let stats = Stats::default();
        assert_eq!(stats.call_started("ST_a", "+1", "r1"), 1);
        assert_eq!(stats.call_started("ST_a", "+2", "r2"), 2);
        stats.call_ended("ST_a", Some(Outcome::Busy));
        assert_eq!(stats.call_started("ST_a", "+1", "r3"), 2);
        let snapshot = stats.snapshot();
        assert_eq!(snapshot.max_concurrent_calls_per_trunk["ST_a"], 2);
        assert_eq!(snapshot.active_calls, 2);
        assert_eq!(snapshot.calls_per_number["+1"], 2);
        assert_eq!(snapshot.outcomes[&Outcome::Busy], 1);
        assert_eq!(snapshot.rooms_dialed_again, 0);
        stats.call_started("ST_a", "+3", "r1");
        assert_eq!(stats.snapshot().rooms_dialed_again, 1);
    }
}
