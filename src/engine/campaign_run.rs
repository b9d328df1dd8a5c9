//! What the engine keeps in memory about one campaign: its record, a short page of the
//! queue, pacing, the daily cap, and the running figures the snapshot shows.

use super::daily_cap::DailyCap;
use super::pacing::CampaignPacer;
use crate::domain::figures::DialRate;
use crate::domain::{CampaignSettings, CampaignStatus, LeadId, PauseReason};
use crate::engine::LeadCounts;
use crate::store::engine_stats::CampaignStats;
use crate::store::{CampaignRecord, LeadRecord};
use chrono::{DateTime, Utc};
use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

/// A page of the queue and what the last read said about the rest.
#[derive(Debug, Default)]
pub struct QueueState {
    /// Callable leads in dialling order.
    pub leads: VecDeque<LeadRecord>,
    /// Leads the operator asked to call next ("retry now"), ahead of the page.
    pub urgent: VecDeque<LeadRecord>,
    /// A read is under way.
    pub refilling: bool,
    /// Something changed since the last read (a call ended, a lead was requeued).
    pub stale: bool,
    /// The last read filled its page, so more leads are behind it.
    pub more_behind: bool,
    /// At least one read has come back.
    pub read_once: bool,
    pub any_open: bool,
    pub waiting_for_window: bool,
    pub next_retry_at: Option<DateTime<Utc>>,
}

pub struct CampaignRun {
    pub record: CampaignRecord,
    pub settings: Arc<CampaignSettings>,
    pub queue: QueueState,
    /// Leads whose number had its calls for today, until when.
    pub held: HashMap<LeadId, DateTime<Utc>>,
    pub pacer: CampaignPacer,
    pub cap: DailyCap,
    pub counts: LeadCounts,
    pub stats: CampaignStats,
    pub dial_rate: DialRate,
    /// When an automatic pause is to be looked at again, or a retry falls due.
    pub wake_at: Option<DateTime<Utc>>,
    /// Zone names of the campaign's open leads, and when they were read.
    pub zones: Vec<String>,
    pub zones_read_at: Option<DateTime<Utc>>,
    /// The engine dials for this campaign (it was started here, or resumed at start-up).
    pub engaged: bool,
    /// When it last began running here: the ETA measures the dial rate from then.
    pub running_since: Option<DateTime<Utc>>,
}

impl CampaignRun {
    pub fn new(record: CampaignRecord, now: DateTime<Utc>) -> Self {
        let settings = Arc::new(record.settings.clone());
        Self {
            pacer: CampaignPacer::new(settings.call_delay()),
            cap: DailyCap::new(settings.daily_cap, settings.tz(), now, 0),
            settings,
            record,
            queue: QueueState {
                stale: true,
                ..QueueState::default()
            },
            held: HashMap::new(),
            counts: LeadCounts::default(),
            stats: CampaignStats::default(),
            dial_rate: DialRate::default(),
            wake_at: None,
            zones: Vec::new(),
            zones_read_at: None,
            engaged: false,
            running_since: None,
        }
    }

    /// Dialling now.
    pub fn is_running(&self) -> bool {
        self.engaged && self.record.status == CampaignStatus::Running
    }

    /// Running, or paused for a reason the engine lifts by itself.
    pub fn is_live(&self) -> bool {
        self.engaged && self.is_resumable()
    }

    /// Running or automatically paused in the store, whoever left it so.
    pub fn is_resumable(&self) -> bool {
        match self.record.status {
            CampaignStatus::Running => true,
            CampaignStatus::Paused => self
                .record
                .pause_reason
                .as_ref()
                .is_some_and(PauseReason::is_automatic),
            _ => false,
        }
    }

    pub fn set_settings(&mut self, settings: crate::domain::CampaignSettings) {
        self.pacer.set_delay(settings.call_delay());
        self.cap.set_cap(settings.daily_cap, settings.tz());
        self.record.settings = settings.clone();
        self.settings = Arc::new(settings);
    }

    /// How many leads one read of the queue brings in.
    pub fn page_size(&self) -> u32 {
        self.settings
            .max_concurrent
            .saturating_mul(2)
            .clamp(32, 2000)
    }

    /// Read more when the page is half used, or when it ran dry and something changed.
    pub fn wants_refill(&self) -> bool {
        if self.queue.refilling {
            return false;
        }
        let low = self.queue.leads.len() <= (self.page_size() / 2) as usize;
        !self.queue.read_once || self.queue.stale || (low && self.queue.more_behind)
    }
}
