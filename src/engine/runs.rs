//! The campaigns the engine holds in memory, by id, and the questions the scheduler asks
//! of all of them at once: which run, which wait for LiveKit, which are due a look, and
//! whose turn it is at free capacity.

use super::campaign_run::CampaignRun;
use crate::domain::{CampaignId, PauseReason};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

#[derive(Default)]
pub struct Runs {
    by_id: BTreeMap<CampaignId, CampaignRun>,
    /// How far the first campaign of a turn moves on each time: no campaign always
    /// gets the first chance at free capacity.
    rotation: usize,
}

impl Runs {
    pub fn get(&self, id: &CampaignId) -> Option<&CampaignRun> {
        self.by_id.get(id)
    }

    pub fn get_mut(&mut self, id: &CampaignId) -> Option<&mut CampaignRun> {
        self.by_id.get_mut(id)
    }

    pub fn insert(&mut self, id: CampaignId, run: CampaignRun) {
        self.by_id.insert(id, run);
    }

    pub fn remove(&mut self, id: &CampaignId) {
        self.by_id.remove(id);
    }

    pub fn values(&self) -> impl Iterator<Item = &CampaignRun> {
        self.by_id.values()
    }

    /// Every campaign, starting one further on than the last turn did.
    pub fn next_turn(&mut self) -> Vec<CampaignId> {
        let mut ids: Vec<CampaignId> = self.by_id.keys().copied().collect();
        if !ids.is_empty() {
            self.rotation = (self.rotation + 1) % ids.len();
            ids.rotate_left(self.rotation);
        }
        ids
    }

    /// Campaigns the engine is dialling for now.
    pub fn running(&self) -> Vec<CampaignId> {
        self.ids_where(CampaignRun::is_running)
    }

    /// Campaigns the engine would dial for but does not (loaded, not taken up).
    pub fn idle(&self) -> Vec<CampaignId> {
        self.ids_where(|run| !run.engaged)
    }

    /// Campaigns the engine paused because LiveKit cannot be reached.
    pub fn paused_for_livekit(&self) -> Vec<CampaignId> {
        self.ids_where(waits_for_livekit)
    }

    /// Whether any campaign waits for LiveKit to come back: then LiveKit is probed.
    pub fn any_waits_for_livekit(&self) -> bool {
        self.by_id.values().any(waits_for_livekit)
    }

    /// Live campaigns whose planned look (a pause to lift, a retry due) has come.
    pub fn due_for_a_look(&self, now: DateTime<Utc>) -> Vec<CampaignId> {
        self.ids_where(|run| run.is_live() && run.wake_at.is_some_and(|at| at <= now))
    }

    /// When live campaigns want to be looked at next.
    pub fn planned_looks(&self) -> impl Iterator<Item = DateTime<Utc>> + '_ {
        self.by_id
            .values()
            .filter(|run| run.is_live())
            .filter_map(|run| run.wake_at)
    }

    fn ids_where(&self, wanted: impl Fn(&CampaignRun) -> bool) -> Vec<CampaignId> {
        self.by_id
            .iter()
            .filter(|(_, run)| wanted(run))
            .map(|(id, _)| *id)
            .collect()
    }
}

fn waits_for_livekit(run: &CampaignRun) -> bool {
    run.engaged
        && matches!(
            run.record.pause_reason,
            Some(PauseReason::LiveKitUnreachable { .. })
        )
}

impl std::ops::Index<&CampaignId> for Runs {
    type Output = CampaignRun;

    fn index(&self, id: &CampaignId) -> &CampaignRun {
        &self.by_id[id]
    }
}
