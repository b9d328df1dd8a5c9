//! The engine's latest state, published on a `watch` channel. Owned data only: the
//! console draws from a clone and never locks anything the engine holds.

use crate::domain::{
    AttemptId, AttemptState, CampaignId, CampaignStatus, LeadId, Outcome, PauseReason,
};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Snapshot {
    /// When the engine built it (engine clock).
    pub at: Option<DateTime<Utc>>,
    pub campaigns: Vec<CampaignView>,
    /// Problems not tied to one campaign, e.g. "LiveKit unreachable".
    pub notice: Option<String>,
}

impl Snapshot {
    pub fn campaign(&self, id: CampaignId) -> Option<&CampaignView> {
        self.campaigns.iter().find(|c| c.id == id)
    }

    pub fn active_calls(&self) -> usize {
        self.campaigns.iter().map(|c| c.slots.len()).sum()
    }
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CampaignView {
    pub id: CampaignId,
    pub name: String,
    pub status: CampaignStatus,
    pub pause_reason: Option<PauseReason>,
    pub agent_name: String,
    pub trunk_id: String,
    pub max_concurrent: u32,
    pub leads: LeadCounts,
    /// Ended attempts by outcome (all time).
    pub outcomes: BTreeMap<Outcome, u64>,
    /// Counted attempts started today in the campaign's timezone, for the daily cap.
    pub attempts_today: u64,
    pub daily_cap: Option<u32>,
    pub slots: Vec<SlotView>,
    /// The next leads in dialling order (a short window; page the rest from the store).
    pub next_up: Vec<QueuedLead>,
    /// Mean ring time (dial → answer) of answered calls, and mean talk time
    /// (answer → hangup) of completed calls, from real timestamps.
    pub avg_ring_ms: Option<u64>,
    pub avg_talk_ms: Option<u64>,
    /// Answer to agent join over the latest calls: median and 95th percentile.
    #[serde(default)]
    pub agent_join_p50_ms: Option<u64>,
    #[serde(default)]
    pub agent_join_p95_ms: Option<u64>,
    /// Dial starts per minute over the last `DIAL_RATE_MINUTES` minutes, oldest first.
    pub dials_per_minute: Vec<u64>,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
}

pub const DIAL_RATE_MINUTES: usize = 30;

impl CampaignView {
    /// Answered calls over calls that ended with a network answer either way (not
    /// counting calls never placed or cut off by a crash).
    pub fn answer_rate(&self) -> Option<f64> {
        let answered = self.outcomes.get(&Outcome::Completed).copied().unwrap_or(0);
        let decided: u64 = self
            .outcomes
            .iter()
            .filter(|(o, _)| {
                !matches!(
                    o,
                    Outcome::NotPlaced | Outcome::Interrupted | Outcome::Canceled
                )
            })
            .map(|(_, n)| n)
            .sum();
        (decided > 0).then(|| answered as f64 / decided as f64)
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct LeadCounts {
    pub pending: u64,
    pub dialing: u64,
    pub done: u64,
    pub retry_wait: u64,
    pub exhausted: u64,
    pub dnc: u64,
    pub invalid: u64,
}

impl LeadCounts {
    pub fn total(&self) -> u64 {
        self.pending
            + self.dialing
            + self.done
            + self.retry_wait
            + self.exhausted
            + self.dnc
            + self.invalid
    }

    /// Leads with nothing left to do.
    pub fn finished(&self) -> u64 {
        self.done + self.exhausted + self.dnc + self.invalid
    }
}

/// One call in flight.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct SlotView {
    pub attempt: AttemptId,
    pub lead: LeadId,
    pub lead_name: Option<String>,
    pub phone: String,
    pub attempt_number: u32,
    pub state: AttemptState,
    pub dialed_at: DateTime<Utc>,
    /// When it entered `state`.
    pub state_since: DateTime<Utc>,
}

/// A lead waiting its turn.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct QueuedLead {
    pub lead: LeadId,
    pub name: Option<String>,
    pub phone: String,
    pub priority: i64,
    /// The attempt this will be (1 for a fresh lead).
    pub next_attempt: u32,
    /// For a retry: when it is due.
    pub due_at: Option<DateTime<Utc>>,
}
