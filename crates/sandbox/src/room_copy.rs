//! The copy of a room that `ListRooms` and webhooks show, kept the way livekit-server
//! keeps it: a `ProtoProxy` (livekit/protocol utils/protoproxy.go) refreshed at most every
//! `roomUpdateInterval` = 5 s (livekit/livekit pkg/rtc/room.go).
//!
//! - A join or leave marks the copy dirty (`MarkDirty(false)`); it is regenerated at once
//!   only if the last refresh is older than the interval.
//! - Otherwise the proxy's own ticker, started when the room was made, regenerates it at
//!   the first tick where it is dirty and the last refresh is at least an interval old.
//! - An egress joining or the metadata changing refreshes it at once (`MarkDirty(true)`).
//! - A regeneration that changes nothing leaves the refresh time alone.
//!
//! So right after a room is created its count stays 0 for up to 5 s while the callee is
//! already in it, and stays 1 for up to 5 s after the callee left. Nothing runs on a
//! timer here: the ticker is replayed up to "now" before each change and each read, which
//! gives the same copy as a real ticker because nothing changed between the two.

use std::time::Duration;

use livekit_protocol as proto;
use tokio::time::Instant;

pub struct RoomCopy {
    copy: proto::Room,
    /// When the proxy's ticker started (its ticks are `epoch + k × interval`).
    epoch: Instant,
    interval: Duration,
    refreshed_at: Instant,
    /// Marked dirty at this time and not regenerated since.
    dirty_since: Option<Instant>,
}

impl RoomCopy {
    /// The copy made when the room is created (`NewProtoProxy` regenerates once at once).
    pub fn new(live: proto::Room, now: Instant, interval: Duration) -> Self {
        Self {
            copy: live,
            epoch: now,
            interval: interval.max(Duration::from_micros(1)),
            refreshed_at: now,
            dirty_since: None,
        }
    }

    /// The copy as a reader sees it at `now`. `live` is the room as it has been since
    /// the last change, which is what a tick before `now` would have copied.
    pub fn read(&mut self, now: Instant, live: impl FnOnce() -> proto::Room) -> proto::Room {
        self.catch_up(now, live);
        self.copy.clone()
    }

    /// Replays the ticker up to `now`. Call before every change to the room, with the
    /// room as it is before that change.
    pub fn catch_up(&mut self, now: Instant, live: impl FnOnce() -> proto::Room) {
        let Some(tick) = self.due_tick() else {
            return;
        };
        if tick <= now {
            self.regenerate(tick, live());
        }
    }

    /// After a change: `MarkDirty(immediate)`.
    pub fn mark_dirty(
        &mut self,
        now: Instant,
        immediate: bool,
        live: impl FnOnce() -> proto::Room,
    ) {
        self.dirty_since = Some(now);
        if immediate || now.saturating_duration_since(self.refreshed_at) > self.interval {
            self.regenerate(now, live());
        }
    }

    /// The first tick after the copy went dirty whose refresh is at least an interval
    /// old: where the ticker regenerates it.
    fn due_tick(&self) -> Option<Instant> {
        let dirty_since = self.dirty_since?;
        let earliest =
            (self.refreshed_at + self.interval).max(dirty_since + Duration::from_nanos(1));
        let since_epoch = earliest.saturating_duration_since(self.epoch);
        let interval = self.interval.as_nanos();
        let ticks = since_epoch.as_nanos().div_ceil(interval).max(1);
        let offset = u64::try_from(ticks * interval).unwrap_or(u64::MAX);
        Some(self.epoch + Duration::from_nanos(offset))
    }

    fn regenerate(&mut self, at: Instant, live: proto::Room) {
        self.dirty_since = None;
        if live != self.copy {
            self.copy = live;
            self.refreshed_at = at;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn room(participants: u32) -> proto::Room {
        proto::Room {
            name: "r".into(),
            num_participants: participants,
            ..Default::default()
        }
    }

    const FIVE: Duration = Duration::from_secs(5);

    #[tokio::test(start_paused = true)]
    async fn a_join_right_after_creation_shows_at_the_first_tick() {
        let start = Instant::now();
        let mut copy = RoomCopy::new(room(0), start, FIVE);
        let joined = start + Duration::from_millis(300);
        copy.catch_up(joined, || room(0));
        copy.mark_dirty(joined, false, || room(1));
        assert_eq!(copy.read(joined, || room(1)).num_participants, 0);
        let before_tick = start + Duration::from_millis(4_999);
        assert_eq!(copy.read(before_tick, || room(1)).num_participants, 0);
        assert_eq!(copy.read(start + FIVE, || room(1)).num_participants, 1);
    }

    #[tokio::test(start_paused = true)]
    async fn a_change_long_after_the_last_refresh_shows_at_once() {
        let start = Instant::now();
        let mut copy = RoomCopy::new(room(0), start, FIVE);
        let later = start + Duration::from_secs(12);
        copy.catch_up(later, || room(0));
        copy.mark_dirty(later, false, || room(1));
        assert_eq!(copy.read(later, || room(1)).num_participants, 1);
        // The callee leaves 2 s later: the copy was refreshed 2 s ago, so it waits for
        // the tick at 15 s... which is only 3 s after that refresh: the one at 20 s.
        let left = later + Duration::from_secs(2);
        copy.catch_up(left, || room(1));
        copy.mark_dirty(left, false, || room(0));
        assert_eq!(
            copy.read(start + Duration::from_secs(19), || room(0))
                .num_participants,
            1
        );
        assert_eq!(
            copy.read(start + Duration::from_secs(20), || room(0))
                .num_participants,
            0
        );
    }

    #[tokio::test(start_paused = true)]
    async fn an_immediate_mark_refreshes_at_once() {
        let start = Instant::now();
        let mut copy = RoomCopy::new(room(0), start, FIVE);
        let t = start + Duration::from_secs(1);
        copy.mark_dirty(t, true, || room(2));
        assert_eq!(copy.read(t, || room(2)).num_participants, 2);
    }

    #[tokio::test(start_paused = true)]
    async fn a_tick_copies_the_room_as_it_was_then_not_as_it_is_now() {
        let start = Instant::now();
        let mut copy = RoomCopy::new(room(0), start, FIVE);
        let joined = start + Duration::from_secs(1);
        copy.mark_dirty(joined, false, || room(1));
        // The tick at 5 s saw one participant; a second joins at 6 s.
        let second = start + Duration::from_secs(6);
        copy.catch_up(second, || room(1));
        copy.mark_dirty(second, false, || room(2));
        assert_eq!(copy.read(second, || room(2)).num_participants, 1);
        assert_eq!(
            copy.read(start + Duration::from_secs(10), || room(2))
                .num_participants,
            2
        );
    }
}
