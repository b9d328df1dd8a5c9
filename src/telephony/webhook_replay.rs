//! Replays: a signed webhook captured on the way verifies again, byte for byte, until
//! its token expires. Each event is accepted once while its token could verify; after
//! that the token itself refuses it, so the entry can go. LiveKit gives every event an
//! id (`EV_...`); an event without one is known by its body's hash.

use std::collections::{BTreeSet, HashMap};
use std::future::Future;
use std::pin::Pin;

/// An event acted on, until its token expires (unix seconds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeenEvent {
    pub key: String,
    pub valid_until: u64,
}

/// Where the events acted on outlive the process (the database), so an event captured
/// before a restart is still refused after it. Implemented by the store.
pub trait ReplayJournal: Send + Sync + 'static {
    /// Records `key` until `valid_until`; `Ok(false)` when it was already recorded.
    fn remember(
        &self,
        key: String,
        valid_until: u64,
        now: u64,
    ) -> Pin<Box<dyn Future<Output = Result<bool, String>> + Send>>;
    /// Forgets `key`, so LiveKit may deliver it again.
    fn forget(&self, key: String) -> Pin<Box<dyn Future<Output = Result<(), String>> + Send>>;
}

/// Events remembered at most; when full, the one whose token expires first is
/// forgotten (only our project can sign, so filling it takes our own traffic).
pub const REPLAY_MEMORY: usize = 65_536;

/// The events seen, each until its token's expiry (unix seconds).
#[derive(Debug)]
pub struct ReplayGuard {
    capacity: usize,
    until: HashMap<String, u64>,
    by_expiry: BTreeSet<(u64, String)>,
}

impl Default for ReplayGuard {
    fn default() -> Self {
        Self::with_capacity(REPLAY_MEMORY)
    }
}

impl ReplayGuard {
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            capacity: capacity.max(1),
            until: HashMap::new(),
            by_expiry: BTreeSet::new(),
        }
    }

    /// Records `key` as seen until `until`; false if it was already seen and has not
    /// expired by `now` (a replay).
    pub fn claim(&mut self, key: &str, until: u64, now: u64) -> bool {
        self.forget_expired(now);
        if self.until.contains_key(key) {
            return false;
        }
        if self.until.len() >= self.capacity {
            if let Some(first) = self.by_expiry.pop_first() {
                self.until.remove(&first.1);
            }
        }
        self.until.insert(key.to_string(), until);
        self.by_expiry.insert((until, key.to_string()));
        true
    }

    /// Forgets `key`, so the same event may be delivered again (LiveKit retries an
    /// event we could not take).
    pub fn release(&mut self, key: &str) {
        if let Some(until) = self.until.remove(key) {
            self.by_expiry.remove(&(until, key.to_string()));
        }
    }

    #[cfg(test)]
    fn len(&self) -> usize {
        self.until.len()
    }

    #[cfg(test)]
    fn is_empty(&self) -> bool {
        self.until.is_empty()
    }

    fn forget_expired(&mut self, now: u64) {
        while let Some((until, _)) = self.by_expiry.first() {
            if *until >= now {
                break;
            }
            if let Some((_, key)) = self.by_expiry.pop_first() {
                self.until.remove(&key);
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_event_is_taken_once_while_its_token_lives() {
        let mut guard = ReplayGuard::default();
        assert!(guard.claim("EV_1", 1_000, 900));
        assert!(!guard.claim("EV_1", 1_000, 950), "a replay");
        assert!(
            !guard.claim("EV_1", 1_000, 1_000),
            "still within the token's life"
        );
        assert!(guard.claim("EV_2", 1_000, 950), "another event");
    }

    #[test]
    fn expired_entries_are_forgotten() {
        let mut guard = ReplayGuard::default();
        assert!(guard.claim("EV_1", 1_000, 900));
        assert!(guard.claim("EV_2", 2_000, 900));
        assert!(guard.claim("EV_3", 3_000, 1_001));
        assert_eq!(guard.len(), 2, "EV_1 expired");
        assert!(guard.claim("EV_1", 4_000, 1_002));
    }

    #[test]
    fn a_full_memory_forgets_the_soonest_to_expire() {
        let mut guard = ReplayGuard::with_capacity(2);
        assert!(guard.claim("EV_late", 5_000, 0));
        assert!(guard.claim("EV_soon", 1_000, 0));
        assert!(guard.claim("EV_new", 3_000, 0));
        assert_eq!(guard.len(), 2);
        assert!(!guard.claim("EV_late", 5_000, 0), "kept");
        assert!(guard.claim("EV_soon", 1_000, 0), "forgotten first");
    }

    #[test]
    fn a_released_event_may_come_again() {
        let mut guard = ReplayGuard::default();
        assert!(guard.claim("EV_1", 1_000, 0));
        guard.release("EV_1");
        assert!(guard.is_empty());
        assert!(guard.claim("EV_1", 1_000, 0));
    }
}
