use crate::domain::{AttemptEventKind, AttemptId, CampaignId, CampaignStatus, LeadId};
use chrono::{DateTime, Utc};

/// Every state change, as it happens, on the engine's `broadcast` channel. The same
/// facts are in the store (`attempt_events`, `campaigns`); this is the live feed.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct EngineEvent {
    pub at: DateTime<Utc>,
    pub campaign: CampaignId,
    pub attempt: Option<AttemptId>,
    pub lead: Option<LeadId>,
    /// Display name or number of the lead, so a timeline row needs no lookup.
    pub lead_label: Option<String>,
    pub kind: EngineEventKind,
    /// SIP status, cause, disposition, reason: one line for the timeline.
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum EngineEventKind {
    Attempt(AttemptEventKind),
    CampaignStatus(CampaignStatus),
    /// Something went wrong that the operator should see (LiveKit error with code
    /// and SIP status, configuration problem).
    Problem,
    /// The operator changed the campaign's settings: who, and what from and to.
    SettingsChanged,
}
