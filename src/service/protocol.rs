//! The engine protocol, as data: what a client may ask besides commands. Commands are
//! `engine::Command` itself; queries read what a snapshot does not hold (a page of the
//! queue, of the timeline, one lead's history, a campaign's record). The console, the
//! CLI and the HTTP API all speak it, whether the engine is in their process or not.

use crate::domain::{CampaignId, LeadId, VariantReport};
use crate::store::caller_ids::CallerIdHealth;
use crate::store::reports::StatusReport;
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
    QueuePage {
        campaign: CampaignId,
        way: PageWay,
        from: Option<QueueKey>,
        limit: usize,
        filter: Option<String>,
    },
    /// Timeline rows older than `before` (the newest without it), newest first.
    TimelinePage {
        campaign: CampaignId,
        before: Option<i64>,
        limit: usize,
    },
    LeadHistory {
        lead: LeadId,
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
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase", tag = "answer", content = "value")]
pub enum Answer {
    Campaign(Box<CampaignRecord>),
    QueuePage(Vec<QueueRow>),
    TimelinePage(Vec<TimelineRow>),
    LeadHistory(Box<LeadHistory>),
    CallerIds(Vec<CallerIdHealth>),
    VariantReport(Option<Box<VariantReport>>),
    Status(Vec<StatusReport>),
}

/// The most rows one page may ask for: a client cannot make the engine read a million.
pub const MAX_PAGE: usize = 1_000;
