//! The pending queue's window: a few hundred rows around the selection, paged from the
//! store by key as the operator scrolls, so a million-lead campaign costs the same
//! memory as a small one.

use super::event::PageDirection;
use crate::domain::CampaignId;
use crate::store::views::{QueueKey, QueueRow};
use std::time::{Duration, Instant};

pub const PAGE: usize = 100;
/// Rows held at most; the far end is dropped beyond this.
const WINDOW: usize = 400;
/// Scrolling within this many rows of either end of the window fetches the next page.
const PREFETCH: usize = 10;
/// The front of the queue is re-read at most this often while calls drain it.
pub const REFRESH: Duration = Duration::from_secs(1);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueueLoad {
    pub campaign: CampaignId,
    pub request: u64,
    pub direction: PageDirection,
    /// The key to page from (`After`/`Before`).
    pub from: Option<QueueKey>,
}

#[derive(Debug, Default)]
pub struct Queue {
    pub campaign: Option<CampaignId>,
    pub rows: Vec<QueueRow>,
    pub selected: usize,
    /// Position of `rows[0]` in the whole queue (0-based).
    pub position: u64,
    pub at_start: bool,
    pub at_end: bool,
    pub loaded: bool,
    pub filter: Option<String>,
    loading: bool,
    request: u64,
    stale: bool,
    last_load: Option<Instant>,
}

impl Queue {
    pub fn reset(&mut self, campaign: Option<CampaignId>) -> Option<QueueLoad> {
        *self = Queue {
            campaign,
            filter: self.filter.take(),
            request: self.request,
            ..Queue::default()
        };
        self.load(PageDirection::First, None)
    }

    pub fn set_filter(&mut self, filter: Option<String>) -> Option<QueueLoad> {
        self.filter = filter;
        self.reset(self.campaign)
    }

    fn load(&mut self, direction: PageDirection, from: Option<QueueKey>) -> Option<QueueLoad> {
        let campaign = self.campaign?;
        self.request += 1;
        self.loading = true;
        self.last_load = Some(Instant::now());
        Some(QueueLoad {
            campaign,
            request: self.request,
            direction,
            from,
        })
    }

    pub fn is_current(&self, campaign: CampaignId, request: u64) -> bool {
        self.campaign == Some(campaign) && self.request == request
    }

    /// Absolute position of the selected row (0-based).
    pub fn selected_position(&self) -> u64 {
        self.position + self.selected as u64
    }

    pub fn selected_row(&self) -> Option<&QueueRow> {
        self.rows.get(self.selected)
    }

    /// `total` is the queue's length (pending + retry_wait) from the snapshot.
    pub fn apply(&mut self, direction: PageDirection, page: Vec<QueueRow>, total: u64) {
        self.loading = false;
        self.loaded = true;
        let full = page.len() >= PAGE;
        match direction {
            PageDirection::First => {
                self.rows = page;
                self.position = 0;
                self.at_start = true;
                self.at_end = !full;
            }
            PageDirection::Last => {
                self.rows = page;
                self.position = total.saturating_sub(self.rows.len() as u64);
                self.at_end = true;
                self.at_start = !full;
                self.selected = self.rows.len().saturating_sub(1);
            }
            PageDirection::After => {
                self.at_end = !full;
                self.rows.extend(page);
                if self.rows.len() > WINDOW {
                    let drop = self.rows.len() - WINDOW;
                    self.rows.drain(..drop);
                    self.position += drop as u64;
                    self.selected = self.selected.saturating_sub(drop);
                    self.at_start = false;
                }
            }
            PageDirection::Before => {
                self.at_start = !full;
                let added = page.len();
                self.rows.splice(0..0, page);
                self.selected += added;
                self.position = self.position.saturating_sub(added as u64);
                if self.at_start {
                    self.position = 0;
                }
                if self.rows.len() > WINDOW {
                    self.rows.truncate(WINDOW);
                    self.at_end = false;
                }
            }
        }
        self.selected = self.selected.min(self.rows.len().saturating_sub(1));
    }

    pub fn failed(&mut self) {
        self.loading = false;
    }

    pub fn move_by(&mut self, delta: isize) -> Option<QueueLoad> {
        if self.rows.is_empty() {
            return None;
        }
        self.selected = self
            .selected
            .saturating_add_signed(delta)
            .min(self.rows.len() - 1);
        if self.loading {
            return None;
        }
        if self.selected + PREFETCH >= self.rows.len() && !self.at_end {
            let from = self.rows.last().map(|r| r.key);
            return self.load(PageDirection::After, from);
        }
        if self.selected < PREFETCH && !self.at_start {
            let from = self.rows.first().map(|r| r.key);
            return self.load(PageDirection::Before, from);
        }
        None
    }

    pub fn top(&mut self) -> Option<QueueLoad> {
        self.selected = 0;
        self.load(PageDirection::First, None)
    }

    pub fn bottom(&mut self) -> Option<QueueLoad> {
        self.load(PageDirection::Last, None)
    }

    /// The engine moved on: re-read the front of the queue if that is what is shown,
    /// at most once per `REFRESH`.
    pub fn mark_stale(&mut self) {
        self.stale = true;
    }

    pub fn refresh_if_due(&mut self, now: Instant) -> Option<QueueLoad> {
        let due = self
            .last_load
            .is_none_or(|t| now.duration_since(t) >= REFRESH);
        if !self.stale || self.loading || !due || self.position != 0 {
            return None;
        }
        self.stale = false;
        self.load(PageDirection::First, None)
    }

    /// True when a refresh is waiting for `REFRESH` to pass.
    pub fn refresh_pending(&self) -> bool {
        self.stale && self.position == 0
    }

    /// Rows that fit in `height` lines around the selection, with the first's index.
    pub fn window(&self, height: usize) -> (usize, &[QueueRow]) {
        let start = (self.selected + 1).saturating_sub(height);
        let end = (start + height).min(self.rows.len());
        (start, &self.rows[start.min(end)..end])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::LeadId;
    use crate::store::dialling_order::OrderKey;

    fn rows(from: i64, n: i64) -> Vec<QueueRow> {
        (from..from + n)
            .map(|id| QueueRow {
                key: QueueKey::Next(OrderKey {
                    priority: 0,
                    retry: false,
                    due_ms: 0,
                    id,
                }),
                lead: LeadId(id),
                name: None,
                phone: format!("+1{id}"),
                next_attempt: 1,
                due_at: None,
            })
            .collect()
    }

    #[test]
    fn the_window_pages_forward_and_back_and_stays_bounded() {
        let mut q = Queue::default();
        let first = q.reset(Some(CampaignId(1))).expect("loads the front");
        assert_eq!(first.direction, PageDirection::First);
        q.apply(PageDirection::First, rows(0, PAGE as i64), 10_000);
        assert!(q.at_start && !q.at_end);

        // Scrolling near the end of the window asks for the page after its last row.
        let mut next_id = PAGE as i64;
        for _ in 0..10 {
            let load = q.move_by(PAGE as isize).expect("next page");
            assert_eq!(load.direction, PageDirection::After);
            assert_eq!(load.from, q.rows.last().map(|r| r.key));
            q.apply(PageDirection::After, rows(next_id, PAGE as i64), 10_000);
            next_id += PAGE as i64;
            assert!(q.rows.len() <= WINDOW);
        }
        let position = q.selected_position();
        assert_eq!(
            q.rows[q.selected].lead.0 as u64, position,
            "position follows the rows dropped"
        );
        assert!(!q.at_start);

        // And back up: the page before the first row.
        q.selected = 3;
        let load = q.move_by(-1).expect("previous page");
        assert_eq!(load.direction, PageDirection::Before);
        let before = q.rows[0].lead.0;
        q.apply(
            PageDirection::Before,
            rows(before - PAGE as i64, PAGE as i64),
            10_000,
        );
        assert_eq!(
            q.rows[q.selected].lead.0,
            before + 2,
            "the same row stays selected"
        );
        assert!(q.rows.len() <= WINDOW);

        // The end of the queue is placed by the total from the snapshot.
        q.bottom();
        q.apply(PageDirection::Last, rows(9_900, PAGE as i64), 10_000);
        assert_eq!(q.selected_position(), 9_999);
        assert!(q.at_end);
    }

    #[test]
    fn refreshes_wait_for_the_interval_and_only_at_the_front() {
        let mut q = Queue::default();
        q.reset(Some(CampaignId(1)));
        q.apply(PageDirection::First, rows(0, 10), 10);
        q.mark_stale();
        let soon = Instant::now();
        assert!(q.refresh_if_due(soon).is_none(), "just loaded");
        assert!(q.refresh_pending());
        assert!(q.refresh_if_due(soon + REFRESH).is_some());
        assert!(!q.refresh_pending());
    }
}
