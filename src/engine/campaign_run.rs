//! What the engine keeps in memory about one campaign: its record, a short page of the
//! queue, pacing, the daily cap, and the running figures the snapshot shows.

use super::daily_cap::DailyCap;
use super::pacing::CampaignPacer;
use crate::domain::figures::DialRate;
use crate::domain::{CampaignSettings, CampaignStatus, LeadId, LeadState, PauseReason};
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
    /// The last dial found every caller ID of the pool capped or resting: how many of
    /// each, and until when.
    pub caller_ids_out: Option<(usize, usize, DateTime<Utc>)>,
    /// Answered calls in a row that ended `agent_missing`; an answered call with its
    /// agent starts the count again.
    pub agent_missing_in_a_row: u32,
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
            caller_ids_out: None,
            agent_missing_in_a_row: 0,
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

    /// A call of this campaign ended and its lead moved to `lead_state` (`None`: the
    /// move is not known). The queue is read again only when that may bring something
    /// to dial now: the lead is callable again, or nothing is left in the page to go
    /// on with (the read then decides whether the campaign waits or is complete). A
    /// retry due later is a time to wake at, not a read: reading a page after every
    /// call made each call cost a page of rows, so the CPU per dial grew with the
    /// number of calls in flight.
    pub fn call_ended(
        &mut self,
        lead_state: Option<LeadState>,
        due_at: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
    ) {
        let queue = &mut self.queue;
        let page_empty = queue.leads.is_empty() && queue.urgent.is_empty();
        let callable_now = match lead_state {
            None | Some(LeadState::Pending) => true,
            Some(LeadState::RetryWait) => due_at.is_none_or(|at| at <= now),
            Some(_) => false,
        };
        if callable_now || page_empty {
            queue.stale = true;
        } else if let Some(at) = due_at {
            queue.next_retry_at = Some(queue.next_retry_at.map_or(at, |t| t.min(at)));
            self.wake_at = Some(self.wake_at.map_or(at, |t| t.min(at)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::CampaignId;
    use chrono::TimeZone;

    fn run_with_page(leads: usize) -> (CampaignRun, DateTime<Utc>) {
        let now = Utc.with_ymd_and_hms(2026, 6, 1, 12, 0, 0).unwrap();
        let record = CampaignRecord {
            id: CampaignId(1),
            settings: CampaignSettings::default(),
            status: CampaignStatus::Running,
            pause_reason: None,
            created_at: now,
            updated_at: now,
            started_at: Some(now),
            completed_at: None,
        };
        let mut run = CampaignRun::new(record, now);
        // As after a read that brought `leads` and said there is nothing behind them.
        run.queue.read_once = true;
        run.queue.stale = false;
        run.queue.leads = (0..leads)
            .map(|i| LeadRecord {
                id: LeadId(i as i64 + 1),
                campaign: CampaignId(1),
                phone: format!("+1555000{i:04}"),
                name: None,
                timezone: None,
                priority: 0,
                variables: Default::default(),
                state: LeadState::Pending,
                attempts: 0,
                next_attempt_at: None,
                last_outcome: None,
                import_line: None,
                created_at: now,
            })
            .collect();
        (run, now)
    }

    #[test]
    fn a_call_that_ends_its_lead_leaves_the_page_as_it_is() {
        for state in [LeadState::Done, LeadState::Exhausted, LeadState::Dnc] {
            let (mut run, now) = run_with_page(10);
            run.call_ended(Some(state), None, now);
            assert!(!run.wants_refill(), "{state:?}");
            assert_eq!(run.wake_at, None);
        }
    }

    #[test]
    fn a_lead_callable_again_or_an_unknown_end_reads_the_queue_again() {
        let (mut run, now) = run_with_page(10);
        run.call_ended(Some(LeadState::Pending), None, now);
        assert!(run.wants_refill());
        let (mut run, now) = run_with_page(10);
        run.call_ended(Some(LeadState::RetryWait), Some(now), now);
        assert!(run.wants_refill(), "a retry due now");
        let (mut run, now) = run_with_page(10);
        run.call_ended(None, None, now);
        assert!(run.wants_refill(), "the write did not land");
    }

    #[test]
    fn a_retry_due_later_is_a_time_to_wake_not_a_read() {
        let (mut run, now) = run_with_page(10);
        let due = now + chrono::Duration::minutes(30);
        run.queue.next_retry_at = Some(now + chrono::Duration::hours(1));
        run.call_ended(Some(LeadState::RetryWait), Some(due), now);
        assert!(!run.wants_refill());
        assert_eq!(run.queue.next_retry_at, Some(due));
        assert_eq!(run.wake_at, Some(due));
        run.call_ended(
            Some(LeadState::RetryWait),
            Some(due + chrono::Duration::minutes(5)),
            now,
        );
        assert_eq!(
            run.wake_at,
            Some(due),
            "the earliest retry wakes the engine"
        );
    }

    /// With nothing left in the page, the read after a call decides whether the
    /// campaign waits or is complete.
    #[test]
    fn the_last_call_of_an_empty_page_reads_the_queue_again() {
        let (mut run, now) = run_with_page(0);
        run.call_ended(Some(LeadState::Done), None, now);
        assert!(run.wants_refill());
    }
}
