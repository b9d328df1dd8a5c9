//! What a client may ask the engine besides commands: reads of what a snapshot does not
//! hold (a page of the queue or the timeline, one lead's history, a campaign's record,
//! its status). The console, the CLI and the HTTP API all ask these, in the engine's
//! process or over its socket; `Reader::answer` is the one place they are answered.

use crate::domain::{CampaignId, LeadId, LeadState, Outcome, VariantReport};
use crate::store::caller_ids::CallerIdHealth;
use crate::store::chart_series::ChartSeries;
use crate::store::dnc::DncEntry;
use crate::store::lead_search::LeadPage;
use crate::store::reports::StatusReport;
use crate::store::settings_changes::SettingsChangeRow;
use crate::store::views::{LeadHistory, QueueKey, QueueRow, TimelineRow};
use crate::store::CampaignRecord;
use serde::{Deserialize, Serialize};

/// Which way a queue page goes from its key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub enum PageWay {
    /// Rows after the key (from the start without one): what is dialled next.
    After,
    /// Rows before the key (from the end without one).
    Before,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "query")]
pub enum Query {
    Campaign {
        campaign: CampaignId,
    },
    /// Every campaign's record with its number of leads.
    Campaigns,
    QueuePage {
        campaign: CampaignId,
        way: PageWay,
        from: Option<QueueKey>,
        limit: usize,
        filter: Option<String>,
    },
    /// Timeline rows, oldest first: those just older than `before` (the newest without
    /// it), or with `after`, those just newer than it (`after: 0` reads from the
    /// campaign's start).
    TimelinePage {
        campaign: CampaignId,
        before: Option<i64>,
        #[serde(default)]
        after: Option<i64>,
        limit: usize,
    },
    LeadHistory {
        lead: LeadId,
    },
    /// Leads by number, name, variable value, state and last outcome, in one campaign
    /// or all (`store::lead_search`), a page after `after` in lead id order.
    LeadSearch {
        campaign: Option<CampaignId>,
        text: Option<String>,
        state: Option<LeadState>,
        outcome: Option<Outcome>,
        after: Option<LeadId>,
        limit: usize,
    },
    /// Each caller ID of the campaign's pool: calls today, answer rate, rest.
    CallerIds {
        campaign: CampaignId,
    },
    /// The campaign's A/B table (none when it has no variant attempts).
    VariantReport {
        campaign: CampaignId,
    },
    /// What `switchboard status` prints: one campaign, or all without `campaign`.
    Status {
        campaign: Option<CampaignId>,
    },
    /// One do-not-call list: a campaign's, or the global one without `campaign`.
    DncList {
        campaign: Option<CampaignId>,
    },
    /// The campaign's last `limit` settings changes, oldest first, with who made them.
    SettingsChanges {
        campaign: CampaignId,
        limit: usize,
    },
    /// What the console's charts draw: the campaign's figures per time bucket and its
    /// histograms, a bounded series whatever the number of attempts.
    Charts {
        campaign: CampaignId,
    },
}

/// A campaign's record and how many leads it has.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CampaignSummary {
    pub record: CampaignRecord,
    pub leads: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "answer", content = "value")]
pub enum Answer {
    Campaign(Box<CampaignRecord>),
    Campaigns(Vec<CampaignSummary>),
    QueuePage(Vec<QueueRow>),
    TimelinePage(Vec<TimelineRow>),
    LeadHistory(Box<LeadHistory>),
    LeadPage(LeadPage),
    CallerIds(Vec<CallerIdHealth>),
    VariantReport(Option<Box<VariantReport>>),
    Status(Vec<StatusReport>),
    DncList(Vec<DncEntry>),
    SettingsChanges(Vec<SettingsChangeRow>),
    Charts(Box<ChartSeries>),
}

/// The most rows one page may ask for: a client cannot make the engine read a million.
pub const MAX_PAGE: usize = 1_000;
