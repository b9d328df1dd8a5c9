//! What the engine says (snapshots, its event stream, the answers to what the console
//! asked) and the reads that keep the panes filled.

use super::App;
use crate::domain::{AttemptEventKind, CampaignId, CampaignStatus, LeadId};
use crate::engine::{EngineError, EngineEvent, EngineEventKind, Reply, Snapshot};
use crate::service::link::ENGINE_GONE;
use crate::tui::effects::Ask;
use crate::tui::event::{QueuePage, TimelinePage};
use crate::tui::queue::QueueLoad;
use crate::tui::strings;
use crate::tui::timeline::{TimelineEntry, TimelineLoad};
use crate::tui::view::{Overlay, Pane};
use std::sync::Arc;
use std::time::Instant;

impl App {
    pub(super) fn load_detail(&mut self, lead: LeadId) {
        self.ask(Ask::LeadHistory { lead });
    }

    pub(super) fn on_snapshot(&mut self, snapshot: Arc<Snapshot>) -> bool {
        let gone = |s: &Snapshot| s.notice.as_deref() == Some(ENGINE_GONE);
        let back = gone(&self.view.snapshot) && !gone(&snapshot);
        let went = !gone(&self.view.snapshot) && gone(&snapshot);
        self.view.snapshot = snapshot;
        if went {
            // Say what to do, and offer the one thing that brings it back.
            let say = match self.engine_startable {
                true => strings::ENGINE_GONE_OFFER,
                false => strings::ENGINE_GONE_WAIT,
            };
            self.set_status(say.into(), true);
            if self.engine_startable && self.view.overlay.is_none() {
                self.view.overlay = Some(Overlay::EngineGone);
            }
        }
        if back {
            if matches!(self.view.overlay, Some(Overlay::EngineGone)) {
                self.view.overlay = None;
            }
            // Events from while it was away never came: read the timeline again.
            self.set_status(strings::ENGINE_BACK.into(), false);
            let load = self.view.timeline.reset(self.view.selected_campaign);
            self.load_timeline(load);
        }
        let selected_exists = self.view.campaign().is_some();
        if !selected_exists {
            // Reopening the console shows what is running (it resumed by itself), else
            // the first campaign.
            let campaigns = &self.view.snapshot.campaigns;
            let first = campaigns
                .iter()
                .find(|c| c.status == CampaignStatus::Running)
                .or(campaigns.first())
                .map(|c| c.id);
            // A campaign just created may not be in this snapshot yet; keep waiting for it.
            if self.view.selected_campaign.is_none()
                || first.is_some() && !self.awaiting_new_campaign()
            {
                self.select_campaign(first);
            }
        }
        let n = self.view.visible_slots().len();
        self.view.slot_selected = self.view.slot_selected.min(n.saturating_sub(1));
        self.view.queue.mark_stale();
        let load = self.view.queue.refresh_if_due(Instant::now());
        self.load_queue(load);
        if let Some(Overlay::Detail(detail)) = &self.view.overlay {
            // The lead's history changes as its call progresses.
            if detail.attempt.is_some()
                && self
                    .view
                    .snapshot
                    .campaigns
                    .iter()
                    .any(|c| c.slots.iter().any(|s| Some(s.attempt) == detail.attempt))
            {
                let lead = detail.lead;
                self.load_detail(lead);
            }
        }
        true
    }

    /// Reads the selected campaign's caller IDs; one read at a time, the latest wins.
    pub(super) fn load_caller_ids(&mut self) {
        let Some(campaign) = self.view.caller_ids.campaign else {
            return;
        };
        if self.view.caller_ids.loading {
            self.view.caller_ids.stale = true;
            return;
        }
        self.view.caller_ids.loading = true;
        self.ask(Ask::CallerIds { campaign });
    }

    pub(super) fn on_caller_ids(
        &mut self,
        campaign: CampaignId,
        result: Result<Vec<crate::store::caller_ids::CallerIdHealth>, EngineError>,
    ) -> bool {
        let state = &mut self.view.caller_ids;
        if state.campaign != Some(campaign) {
            return false;
        }
        state.loading = false;
        // A failed read keeps what was shown; the next call's end reads again.
        if let Ok(rows) = result {
            state.rows = rows;
        }
        if std::mem::take(&mut state.stale) {
            self.load_caller_ids();
        }
        true
    }

    pub(super) fn on_engine_event(&mut self, event: EngineEvent) -> bool {
        // A call's start or end changes its caller ID's counts.
        let counts_change = matches!(
            event.kind,
            EngineEventKind::Attempt(
                AttemptEventKind::Dialing
                    | AttemptEventKind::Ended
                    | AttemptEventKind::CallerIdRested
            )
        );
        if counts_change && self.view.caller_ids.campaign == Some(event.campaign) {
            self.load_caller_ids();
        }
        if let EngineEventKind::Problem = event.kind {
            self.set_status(event.detail.clone(), true);
        }
        if self.view.timeline.campaign == Some(event.campaign) {
            self.view
                .timeline
                .push_live(TimelineEntry::from_event(&event));
            return true;
        }
        matches!(event.kind, EngineEventKind::Problem)
    }

    pub(super) fn on_reply(&mut self, what: String, result: Result<Reply, EngineError>) -> bool {
        match result {
            Ok(Reply::Created(id)) => {
                self.set_status(strings::campaign_created(&id.label()), false);
                self.select_campaign(Some(id));
                self.view.focus = Pane::Campaigns;
            }
            Ok(Reply::Deleted(id)) => {
                self.set_status(strings::campaign_deleted(&id.label()), false);
                if self.view.selected_campaign == Some(id) {
                    let next = self
                        .view
                        .snapshot
                        .campaigns
                        .iter()
                        .find(|c| c.id != id)
                        .map(|c| c.id);
                    self.select_campaign(next);
                }
            }
            Ok(
                Reply::Done
                | Reply::AlreadyRunning
                | Reply::DncAdded { .. }
                | Reply::DncRemoved(_)
                | Reply::Trunks(_)
                | Reply::Imported(_),
            ) => self.set_status(strings::command_done(&what), false),
            Err(e) => self.set_status(strings::command_failed(&what, &e.to_string()), true),
        }
        true
    }

    pub(super) fn on_queue_page(&mut self, page: QueuePage) -> bool {
        if !self.view.queue.is_current(page.campaign, page.request) {
            return false;
        }
        match page.rows {
            Ok(rows) => {
                let total = self.view.queue_total();
                self.view.queue.apply(page.direction, rows, total);
            }
            Err(e) => {
                self.view.queue.failed();
                self.set_status(e.to_string(), true);
            }
        }
        true
    }

    pub(super) fn on_timeline_page(&mut self, page: TimelinePage) -> bool {
        if !self
            .view
            .timeline
            .is_current(page.campaign, page.load.request())
        {
            return false;
        }
        let timeline = &mut self.view.timeline;
        match (page.rows, page.load) {
            (Ok(rows), TimelineLoad::Newest { .. }) => timeline.apply_newest(rows),
            (Ok(rows), TimelineLoad::Older { .. }) => timeline.apply_older(rows),
            (Ok(rows), TimelineLoad::Newer { .. }) => timeline.apply_newer(rows),
            (Err(e), _) => {
                timeline.loading_failed();
                self.set_status(e.to_string(), true);
            }
        }
        true
    }

    pub(super) fn load_queue(&mut self, load: Option<QueueLoad>) {
        if let Some(load) = load {
            let filter = self.view.queue.filter.clone();
            self.ask(Ask::QueuePage { load, filter });
        }
    }

    pub(super) fn load_timeline(&mut self, load: Option<TimelineLoad>) {
        let (Some(load), Some(campaign)) = (load, self.view.timeline.campaign) else {
            return;
        };
        self.ask(Ask::TimelinePage { campaign, load });
    }
}
