//! The engine's latest state, published on a `watch` channel. Owned data only: the
//! console draws from a clone and never locks anything the engine holds.

use crate::domain::figures::{AnswerRate, CallClock, CallTimes, Progress};
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

/// The campaign as the engine sees it now: lead counts, outcomes, calls in flight
/// (slots), next up, pace.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = CampaignStatus)]
pub struct CampaignView {
    pub id: CampaignId,
    pub name: String,
    // Inline: the document's `CampaignStatus` is this view (the API's name for it).
    #[schema(inline)]
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
    /// Mean ring time of ended calls and talk time of answered ones
    /// (`domain::figures::CallDurations`).
    pub avg_ring_ms: Option<u64>,
    pub avg_talk_ms: Option<u64>,
    /// Answer to agent join over the latest calls: median and 95th percentile.
    #[serde(default)]
    pub agent_join_p50_ms: Option<u64>,
    #[serde(default)]
    pub agent_join_p95_ms: Option<u64>,
    /// Dial starts in each of the last 30 sliding minutes (`DIAL_RATE_MINUTES`), oldest
    /// first; the last one ends at the snapshot's time (`domain::figures::DialRate`).
    pub dials_per_minute: Vec<u64>,
    /// Milliseconds left at the measured rate (`domain::figures::eta`); null unless
    /// running and measured.
    #[serde(default)]
    pub eta_ms: Option<u64>,
    /// The campaign's ring timeout: no ringing call shows longer.
    #[serde(default)]
    pub ring_timeout_ms: u64,
    /// The earliest retry not yet due, as the last read of the queue found it.
    #[serde(default)]
    pub next_retry_at: Option<DateTime<Utc>>,
    pub started_at: Option<DateTime<Utc>>,
    pub completed_at: Option<DateTime<Utc>>,
}

pub use crate::domain::figures::DIAL_RATE_MINUTES;

impl CampaignView {
    /// What it waits for next, and when (`domain::figures::NextDue`).
    pub fn next_due(&self) -> Option<crate::domain::figures::NextDue> {
        crate::domain::figures::NextDue::of(
            self.status,
            self.pause_reason.as_ref(),
            self.next_retry_at,
        )
    }

    /// `domain::figures::AnswerRate` over the ended attempts.
    pub fn answer_rate(&self) -> Option<f64> {
        AnswerRate::of(&self.outcomes).ratio()
    }

    pub fn progress(&self) -> Progress {
        Progress::of(&self.leads)
    }

    /// Calls per minute now: the last sliding minute.
    pub fn calls_per_minute(&self) -> u64 {
        self.dials_per_minute.last().copied().unwrap_or(0)
    }

    pub fn ring_timeout(&self) -> chrono::Duration {
        chrono::Duration::milliseconds(self.ring_timeout_ms as i64)
    }
}

/// A campaign's leads by state, as `domain::figures` keeps them.
pub use crate::domain::figures::LeadCounts;

/// One call in flight.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct SlotView {
    pub attempt: AttemptId,
    pub lead: LeadId,
    pub lead_name: Option<String>,
    pub phone: String,
    /// The caller ID presented; null before the dial chose one, or the trunk's own.
    #[serde(default)]
    pub caller_id: Option<String>,
    #[serde(default)]
    pub variant: Option<String>,
    pub attempt_number: u32,
    pub state: AttemptState,
    pub dialed_at: DateTime<Utc>,
    /// When it entered `state`.
    pub state_since: DateTime<Utc>,
    #[serde(default)]
    pub answered_at: Option<DateTime<Utc>>,
}

impl SlotView {
    /// How long it has rung (never past `ring_timeout`) or talked by `now`.
    pub fn clock(&self, now: DateTime<Utc>, ring_timeout: chrono::Duration) -> Option<CallClock> {
        let times = CallTimes {
            dialed_at: Some(self.dialed_at),
            answered_at: self.answered_at,
            ended_at: None,
        };
        CallClock::of(&times, now, ring_timeout)
    }
}

/// A lead waiting its turn.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
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
