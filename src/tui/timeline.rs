//! The call timeline's rows: the newest page from `attempt_events`, live
//! `EngineEvent`s appended as they come, older pages loaded on scroll-back. At most
//! `CAP` rows are held, so memory does not grow with the campaign.

use crate::domain::{AttemptId, CampaignId, LeadId};
use crate::engine::{EngineEvent, EngineEventKind};
use crate::store::views::TimelineRow;
use chrono::{DateTime, Utc};
use std::collections::VecDeque;

/// Rows fetched per page from the store.
pub const PAGE: usize = 200;
/// Rows held in memory.
pub const CAP: usize = 5_000;
/// Scrolling within this many rows of the oldest loaded row fetches an older page.
const PREFETCH: usize = 20;

#[derive(Debug, Clone, PartialEq)]
pub struct TimelineEntry {
    /// `attempt_events.id`; `None` for a live event not yet seen in the store.
    pub id: Option<i64>,
    pub at: DateTime<Utc>,
    pub attempt: Option<AttemptId>,
    pub lead: Option<LeadId>,
    pub lead_label: String,
    pub kind: String,
    pub detail: String,
}

impl TimelineEntry {
    pub fn from_event(event: &EngineEvent) -> TimelineEntry {
        let kind = match &event.kind {
            EngineEventKind::Attempt(kind) => kind.as_str().to_owned(),
            EngineEventKind::CampaignStatus(status) => format!("campaign {status}"),
            EngineEventKind::Problem => "problem".to_owned(),
            EngineEventKind::SettingsChanged => "settings changed".to_owned(),
        };
        TimelineEntry {
            id: None,
            at: event.at,
            attempt: event.attempt,
            lead: event.lead,
            lead_label: event.lead_label.clone().unwrap_or_default(),
            kind,
            detail: event.detail.clone(),
        }
    }

    pub fn from_row(row: TimelineRow) -> TimelineEntry {
        TimelineEntry {
            id: Some(row.id),
            at: row.at,
            attempt: Some(row.attempt),
            lead: Some(row.lead),
            lead_label: row.lead_label,
            kind: row.kind,
            detail: row.detail,
        }
    }

    /// Same fact as a stored row (live events carry no row id).
    fn same_as(&self, other: &TimelineEntry) -> bool {
        self.attempt == other.attempt
            && self.kind == other.kind
            && self.at.timestamp_millis() == other.at.timestamp_millis()
    }

    pub fn matches(&self, filter: &str) -> bool {
        let f = filter.to_lowercase();
        self.lead_label.to_lowercase().contains(&f)
            || self.kind.contains(&f)
            || self.detail.to_lowercase().contains(&f)
    }
}

/// What the timeline needs loaded next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimelineLoad {
    Newest {
        request: u64,
    },
    Older {
        request: u64,
        before: Option<i64>,
    },
    /// The rows after `after`, read forward (from the campaign's start with `0`).
    Newer {
        request: u64,
        after: i64,
    },
}

impl TimelineLoad {
    /// The load this answers, so a late answer for another campaign is dropped.
    pub fn request(self) -> u64 {
        match self {
            TimelineLoad::Newest { request }
            | TimelineLoad::Older { request, .. }
            | TimelineLoad::Newer { request, .. } => request,
        }
    }
}

#[derive(Debug, Default)]
pub struct Timeline {
    pub campaign: Option<CampaignId>,
    entries: VecDeque<TimelineEntry>,
    /// Glued to the newest row; new events scroll in.
    pub follow: bool,
    selected: usize,
    pub reached_start: bool,
    pub loading_older: bool,
    pub loading_newest: bool,
    /// Newer rows were dropped to make room while scrolled back, or never loaded since
    /// `g` went to the start: live events wait, and following again reloads.
    gap_at_end: bool,
    /// Of the rows past the gap, some are in the store: reading forward finds them.
    more_newer: bool,
    pub loading_newer: bool,
    request: u64,
}

impl Timeline {
    pub fn new() -> Timeline {
        Timeline {
            follow: true,
            ..Default::default()
        }
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    pub fn entries(&self) -> &VecDeque<TimelineEntry> {
        &self.entries
    }

    pub fn selected(&self) -> Option<&TimelineEntry> {
        self.entries.get(self.selected_index())
    }

    pub fn selected_index(&self) -> usize {
        if self.follow {
            self.entries.len().saturating_sub(1)
        } else {
            self.selected.min(self.entries.len().saturating_sub(1))
        }
    }

    /// Shows `campaign` from its newest page.
    pub fn reset(&mut self, campaign: Option<CampaignId>) -> Option<TimelineLoad> {
        self.campaign = campaign;
        self.entries.clear();
        self.follow = true;
        self.selected = 0;
        self.reached_start = false;
        self.loading_older = false;
        self.gap_at_end = false;
        self.more_newer = false;
        self.loading_newer = false;
        self.request += 1;
        self.loading_newest = campaign.is_some();
        campaign.map(|_| TimelineLoad::Newest {
            request: self.request,
        })
    }

    pub fn is_current(&self, campaign: CampaignId, request: u64) -> bool {
        self.campaign == Some(campaign) && self.request == request
    }

    pub fn push_live(&mut self, entry: TimelineEntry) {
        if self.gap_at_end {
            return;
        }
        self.entries.push_back(entry);
        if self.entries.len() > CAP {
            self.entries.pop_front();
            self.reached_start = false;
            self.selected = self.selected.saturating_sub(1);
        }
    }

    pub fn apply_newest(&mut self, rows: Vec<TimelineRow>) {
        let stored: Vec<TimelineEntry> = rows.into_iter().map(TimelineEntry::from_row).collect();
        self.reached_start = stored.len() < PAGE;
        let live: Vec<TimelineEntry> = self
            .entries
            .drain(..)
            .filter(|e| e.id.is_some() || !stored.iter().any(|s| s.same_as(e)))
            .collect();
        self.entries = stored.into_iter().chain(live).collect();
        self.loading_newest = false;
        self.gap_at_end = false;
        if self.follow {
            self.selected = self.entries.len().saturating_sub(1);
        }
    }

    pub fn apply_older(&mut self, rows: Vec<TimelineRow>) {
        self.loading_older = false;
        self.reached_start = rows.len() < PAGE;
        let added = rows.len();
        for row in rows.into_iter().rev() {
            self.entries.push_front(TimelineEntry::from_row(row));
        }
        self.selected += added;
        while self.entries.len() > CAP {
            self.entries.pop_back();
            self.gap_at_end = true;
            self.more_newer = true;
        }
    }

    /// Rows read forward (after `g`, or scrolling down from there), oldest first.
    pub fn apply_newer(&mut self, rows: Vec<TimelineRow>) {
        self.loading_newer = false;
        self.more_newer = rows.len() >= PAGE;
        for row in rows {
            self.entries.push_back(TimelineEntry::from_row(row));
        }
        while self.entries.len() > CAP {
            self.entries.pop_front();
            self.reached_start = false;
            self.selected = self.selected.saturating_sub(1);
        }
    }

    /// A page that did not come: ask again on the next move.
    pub fn loading_failed(&mut self) {
        self.loading_older = false;
        self.loading_newest = false;
        self.loading_newer = false;
    }

    /// Moves the selection; `None` when nothing needs loading.
    pub fn move_by(&mut self, delta: isize) -> Option<TimelineLoad> {
        if self.entries.is_empty() {
            return None;
        }
        let last = self.entries.len() - 1;
        let from = self.selected_index();
        let to = from.saturating_add_signed(delta).min(last);
        let newer_behind = self.gap_at_end && self.more_newer;
        if to == last && delta > 0 && !newer_behind {
            return self.bottom();
        }
        self.follow = false;
        self.selected = to;
        if delta > 0 && newer_behind {
            return self.newer_if_needed();
        }
        self.older_if_needed()
    }

    /// The campaign's first row, not merely the oldest loaded: unless that is the
    /// start already, the timeline is read again forward from there.
    pub fn top(&mut self) -> Option<TimelineLoad> {
        self.follow = false;
        self.selected = 0;
        if self.reached_start || self.campaign.is_none() {
            return None;
        }
        self.entries.clear();
        self.request += 1;
        self.loading_older = false;
        self.loading_newest = false;
        self.loading_newer = true;
        self.reached_start = true;
        self.gap_at_end = true;
        self.more_newer = true;
        Some(TimelineLoad::Newer {
            request: self.request,
            after: 0,
        })
    }

    fn newer_if_needed(&mut self) -> Option<TimelineLoad> {
        if self.loading_newer || self.selected + PREFETCH < self.entries.len() {
            return None;
        }
        let after = self.entries.iter().rev().find_map(|e| e.id)?;
        self.loading_newer = true;
        Some(TimelineLoad::Newer {
            request: self.request,
            after,
        })
    }

    /// Back to the newest row, following again.
    pub fn bottom(&mut self) -> Option<TimelineLoad> {
        self.follow = true;
        self.selected = self.entries.len().saturating_sub(1);
        if self.gap_at_end {
            return self.reset(self.campaign);
        }
        None
    }

    fn older_if_needed(&mut self) -> Option<TimelineLoad> {
        if self.selected >= PREFETCH
            || self.reached_start
            || self.loading_older
            || self.loading_newest
        {
            return None;
        }
        self.loading_older = true;
        let before = self.entries.iter().find_map(|e| e.id);
        Some(TimelineLoad::Older {
            request: self.request,
            before,
        })
    }

    /// The rows that fit in `height` lines, with the index of the first. The selected
    /// row sits at the bottom edge once it has scrolled that far, like `tail -f`.
    pub fn window(&self, height: usize) -> (usize, impl Iterator<Item = &TimelineEntry>) {
        let selected = self.selected_index();
        let start = (selected + 1).saturating_sub(height);
        (
            start,
            self.entries
                .range(start..(start + height).min(self.entries.len())),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::AttemptEventKind;

    fn row(id: i64) -> TimelineRow {
        TimelineRow {
            id,
            at: DateTime::from_timestamp_millis(id * 1000).unwrap_or_default(),
            attempt: AttemptId(id),
            lead: LeadId(id),
            lead_label: format!("Lead {id}"),
            kind: "dialing".into(),
            detail: String::new(),
        }
    }

    #[test]
    fn live_events_already_in_the_newest_page_are_not_shown_twice() {
        let mut t = Timeline::new();
        t.reset(Some(CampaignId(1)));
        let live = EngineEvent {
            at: DateTime::from_timestamp_millis(5000).unwrap_or_default(),
            campaign: CampaignId(1),
            attempt: Some(AttemptId(5)),
            lead: Some(LeadId(5)),
            lead_label: Some("Lead 5".into()),
            kind: EngineEventKind::Attempt(AttemptEventKind::Dialing),
            detail: String::new(),
        };
        t.push_live(TimelineEntry::from_event(&live));
        t.apply_newest((1..=5).map(row).collect());
        assert_eq!(t.len(), 5);
        assert!(t.follow);
        assert_eq!(t.selected().map(|e| e.id), Some(Some(5)));
    }

    #[test]
    fn scrolling_back_loads_older_pages_and_g_follows_again() {
        let mut t = Timeline::new();
        t.reset(Some(CampaignId(1)));
        t.apply_newest((1001..=1200).map(row).collect());
        assert!(!t.reached_start);
        assert_eq!(t.move_by(-10), None, "still far from the oldest row");
        assert!(!t.follow);
        let load = t.move_by(-((PAGE - 10) as isize));
        assert!(matches!(
            load,
            Some(TimelineLoad::Older {
                before: Some(1001),
                ..
            })
        ));
        t.apply_older((801..=1000).map(row).collect());
        assert_eq!(t.len(), 400);
        assert_eq!(
            t.selected().map(|e| e.id),
            Some(Some(1001)),
            "selection stays on the same row"
        );
        assert_eq!(t.bottom(), None);
        assert!(t.follow);
        let (start, rows) = t.window(10);
        assert_eq!(start, 390);
        assert_eq!(rows.count(), 10);
    }

    #[test]
    fn g_goes_to_the_campaigns_first_row_and_scrolling_down_reads_forward() {
        let mut t = Timeline::new();
        t.reset(Some(CampaignId(1)));
        t.apply_newest((10_001..=10_200).map(row).collect());
        let load = t.top();
        let Some(TimelineLoad::Newer { request, after: 0 }) = load else {
            panic!("g reads from the start: {load:?}");
        };
        assert!(t.is_current(CampaignId(1), request));
        assert!(t.is_empty(), "the newest page gives way to the start");
        t.apply_newer((1..=200).map(row).collect());
        assert_eq!(
            t.selected().map(|e| e.id),
            Some(Some(1)),
            "the campaign's first event"
        );
        assert_eq!(t.top(), None, "at the start already");

        // Live events wait while the newest rows are not loaded.
        let live = TimelineEntry::from_row(row(20_000));
        t.push_live(live);
        assert_eq!(t.len(), 200);

        // Down towards the end of what is loaded: the next rows are read forward.
        let load = t.move_by((200 - PREFETCH) as isize);
        assert!(
            matches!(load, Some(TimelineLoad::Newer { after: 200, .. })),
            "{load:?}"
        );
        assert_eq!(t.move_by(1), None, "one read at a time");
        t.apply_newer((201..=260).map(row).collect());
        assert_eq!(t.len(), 260);
        // The last page was short: down to the last row follows the newest again.
        let back = t.move_by(1_000);
        assert!(
            matches!(back, Some(TimelineLoad::Newest { .. })),
            "{back:?}"
        );
        assert!(t.follow);
    }
}
