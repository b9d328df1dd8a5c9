//! Moving through the panes: the selected campaign, call, queue row or timeline event.

use super::App;
use crate::domain::CampaignId;
use crate::tui::view::{CallerIdsState, Pane};

/// Rows moved by page up / page down.
pub(super) const PAGE_STEP: isize = 10;

impl App {
    pub(super) fn move_selection(&mut self, delta: isize) {
        match self.view.focus {
            Pane::Campaigns => {
                let ids: Vec<CampaignId> =
                    self.view.visible_campaigns().iter().map(|c| c.id).collect();
                if ids.is_empty() {
                    return;
                }
                let current = self
                    .view
                    .selected_campaign
                    .and_then(|id| ids.iter().position(|c| *c == id))
                    .unwrap_or(0);
                let next = current.saturating_add_signed(delta).min(ids.len() - 1);
                self.select_campaign(Some(ids[next]));
            }
            Pane::Slots => {
                let n = self.view.visible_slots().len();
                self.view.slot_selected = self
                    .view
                    .slot_selected
                    .saturating_add_signed(delta)
                    .min(n.saturating_sub(1));
            }
            Pane::Queue => {
                let load = self.view.queue.move_by(delta);
                self.load_queue(load);
            }
            Pane::Timeline => {
                let load = self.view.timeline.move_by(delta);
                self.load_timeline(load);
            }
        }
    }

    pub(super) fn jump(&mut self, top: bool) {
        match self.view.focus {
            Pane::Campaigns | Pane::Slots => {
                self.move_selection(if top { isize::MIN / 2 } else { isize::MAX / 2 })
            }
            Pane::Queue => {
                let load = if top {
                    self.view.queue.top()
                } else {
                    self.view.queue.bottom()
                };
                self.load_queue(load);
            }
            Pane::Timeline => {
                let load = if top {
                    self.view.timeline.top()
                } else {
                    self.view.timeline.bottom()
                };
                self.load_timeline(load);
            }
        }
    }

    pub(super) fn awaiting_new_campaign(&self) -> bool {
        self.view
            .selected_campaign
            .is_some_and(|id| self.view.snapshot.campaigns.iter().all(|c| c.id < id))
    }

    pub(super) fn select_campaign(&mut self, id: Option<CampaignId>) {
        if self.view.selected_campaign == id && self.view.timeline.campaign == id {
            return;
        }
        self.view.selected_campaign = id;
        self.view.slot_selected = 0;
        let load = self.view.queue.reset(id);
        self.load_queue(load);
        let load = self.view.timeline.reset(id);
        self.load_timeline(load);
        self.view.caller_ids = CallerIdsState {
            campaign: id,
            ..CallerIdsState::default()
        };
        self.load_caller_ids();
    }
}
