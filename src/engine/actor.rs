//! The engine task: one loop that owns every piece of scheduling state. It takes
//! commands, reports from call tasks, LiveKit progress and timer wake-ups, one at a time,
//! and after each one starts whatever calls may start now.
//!
//! Automatic pauses: a campaign whose remaining leads are all outside their calling
//! hours, that reached its daily cap, that waits for its `start_at`, or that cannot reach
//! LiveKit goes `paused` with the reason, and the engine puts it back to `running` when
//! the reason clears. Operator pauses and configuration problems wait for the operator.

use super::campaign_run::CampaignRun;
use super::clock::{until, SharedClock};
use super::config::EngineConfig;
use super::dialer::{CallContext, CallEnd, CallJob, CallProblem, NotStarted, Report, ResumedCall};
use super::handle::{Envelope, ReplyTx};
use super::infra::Infra;
use super::pacing::TrunkPacer;
use super::slots::{CallKey, CallSignal, Slot, Slots};
use super::store_health::StoreHealth;
use super::{
    snapshot_builder, window, Command, EngineError, EngineEvent, EngineEventKind, Reply,
    RoomWatcher, Snapshot,
};
use crate::domain::{
    AttemptEventKind, AttemptId, AttemptState, CampaignId, CampaignStatus, LeadId, LeadState,
    Outcome, PauseReason,
};
use crate::store::attempts::{self, AttemptRecord};
use crate::store::engine_stats::CampaignStats;
use crate::store::queue::{self, QueuePage, QueueQuery};
use crate::store::{engine_stats, CampaignRecord, LeadRecord, NewCampaign, Store, StoreError};
use crate::telephony::{CallProgress, Telephony, TelephonyError};
use chrono::{DateTime, Utc};
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{broadcast, mpsc, watch};
use tokio::time::Instant;

/// Zone lists are re-read this often (leads imported into a running campaign).
const ZONES_TTL: chrono::Duration = chrono::Duration::seconds(60);
/// Requests a start makes to check its trunk while LiveKit is unavailable, spaced by
/// the infrastructure back-off, before it is refused.
const TRUNK_CHECK_ATTEMPTS: u32 = 5;

/// Answers that arrive from tasks the engine spawned for slow work.
pub(crate) enum Internal {
    Page {
        campaign: CampaignId,
        result: Result<(QueuePage, Option<Vec<String>>), StoreError>,
    },
    TrunkChecked {
        campaign: CampaignId,
        result: Result<(), TelephonyError>,
        reply: ReplyTx,
    },
    Probe(Result<(), TelephonyError>),
    /// A probe write to a store that had been failing.
    StoreProbe(Result<(), StoreError>),
    /// What the store says of a campaign's leads, and of its calls when they were read
    /// (campaigns the engine does not dial for: their figures change only elsewhere).
    Counts {
        campaign: CampaignId,
        counts: super::LeadCounts,
        stats: Option<Box<CampaignStats>>,
    },
}

struct ShuttingDown {
    deadline: Instant,
    reply: ReplyTx,
}

pub(crate) struct Actor<T: Telephony> {
    pub store: Store,
    pub telephony: Arc<T>,
    pub clock: SharedClock,
    pub config: EngineConfig,
    pub calls: Arc<CallContext<T>>,
    pub runs: BTreeMap<CampaignId, CampaignRun>,
    pub slots: Slots,
    pub trunks: TrunkPacer,
    pub infra: Infra,
    pub store_health: StoreHealth,
    pub watcher: Option<Arc<dyn RoomWatcher>>,
    pub snapshot: watch::Sender<Arc<Snapshot>>,
    pub events: broadcast::Sender<EngineEvent>,
    pub reports: mpsc::UnboundedReceiver<Report>,
    pub internal_tx: mpsc::UnboundedSender<Internal>,
    pub internal: mpsc::UnboundedReceiver<Internal>,
    /// The one call allowed while LiveKit is failing (half-open circuit).
    pub probe_call: Option<CallKey>,
    pub probing: bool,
    pub dirty: bool,
    /// The earliest pacing or back-off instant found by the last `schedule`.
    pub timer: Option<Instant>,
    /// Which campaign gets the first chance at free capacity next time.
    pub rotation: usize,
    shutting_down: Option<ShuttingDown>,
}

impl<T: Telephony> Actor<T> {
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        store: Store,
        telephony: Arc<T>,
        clock: SharedClock,
        config: EngineConfig,
        watcher: Option<Arc<dyn RoomWatcher>>,
        snapshot: watch::Sender<Arc<Snapshot>>,
        events: broadcast::Sender<EngineEvent>,
    ) -> Self {
        let (reports_tx, reports) = mpsc::unbounded_channel();
        let (internal_tx, internal) = mpsc::unbounded_channel();
        let calls = Arc::new(CallContext {
            telephony: telephony.clone(),
            store: store.clone(),
            clock: clock.clone(),
            reports: reports_tx,
            room_prefix: config.room_prefix.clone(),
            per_number_limit: config.per_number_daily_limit,
            poll_interval: config.poll_interval,
            // A poller (with its own rate bound) watches answered rooms; polling them
            // again from each call would only double the load.
            polls_own_room: watcher.is_none(),
            disposition_grace: config.disposition_grace,
            uncertain_settle: config.uncertain_settle,
        });
        Self {
            trunks: TrunkPacer::new(config.trunk_cps.clone()),
            infra: Infra::new(
                config.infra_backoff_initial,
                config.infra_backoff_max,
                config.infra_pause_after,
            ),
            store,
            telephony,
            clock,
            config,
            calls,
            runs: BTreeMap::new(),
            slots: Slots::default(),
            watcher,
            snapshot,
            events,
            reports,
            internal_tx,
            internal,
            store_health: StoreHealth::default(),
            probe_call: None,
            probing: false,
            dirty: true,
            timer: None,
            rotation: 0,
            shutting_down: None,
        }
    }

    /// Loads every campaign, resumes the ones left running and follows calls left in
    /// flight. Runs before the first command is taken.
    pub async fn start_up(&mut self) -> Result<(), EngineError> {
        self.store.write(attempts::release_orphaned_leads).await?;
        let now = self.clock.now();
        for record in self.store.read(CampaignRecord::list).await? {
            let id = record.id;
            self.runs.insert(id, CampaignRun::new(record, now));
            let run = &self.runs[&id];
            if run.is_resumable() && self.config.resumes(id) {
                self.take_up(id).await?;
                if self.runs[&id].record.pause_reason == Some(PauseReason::Shutdown) {
                    self.set_status(id, CampaignStatus::Running, None, "resumed after restart")
                        .await;
                }
            }
        }
        let in_flight = self.store.read(AttemptRecord::in_flight).await?;
        for attempt in in_flight {
            self.resume_call(attempt).await?;
        }
        // Campaigns not dialled for still show their leads and results.
        let idle: Vec<CampaignId> = self
            .runs
            .iter()
            .filter(|(_, r)| !r.engaged)
            .map(|(id, _)| *id)
            .collect();
        for id in idle {
            self.recount(id, true);
        }
        Ok(())
    }

    /// Reads what the snapshot shows of a campaign and lets the engine dial for it.
    async fn take_up(&mut self, id: CampaignId) -> Result<(), EngineError> {
        let now = self.clock.now();
        let Some(run) = self.runs.get(&id) else {
            return Ok(());
        };
        let day_start = window::day_start(run.settings.tz(), now);
        let since = now - chrono::Duration::minutes(super::DIAL_RATE_MINUTES as i64);
        let (counts, stats, today) = self
            .store
            .read(move |conn| {
                Ok((
                    queue::lead_counts(conn, id)?,
                    engine_stats::campaign_stats(conn, id, since)?,
                    attempts::counted_since(conn, id, day_start)?,
                ))
            })
            .await?;
        let run = self.runs.get_mut(&id).expect("checked above");
        run.counts = counts;
        run.cap =
            super::daily_cap::DailyCap::new(run.settings.daily_cap, run.settings.tz(), now, today);
        for dial in &stats.recent_dials {
            run.dial_rate.record(crate::store::from_millis(*dial));
        }
        run.stats = stats;
        run.engaged = true;
        run.queue.stale = true;
        self.dirty = true;
        Ok(())
    }

    async fn resume_call(&mut self, attempt: AttemptRecord) -> Result<(), EngineError> {
        let lead_id = attempt.lead;
        let lead = self
            .store
            .read(move |conn| LeadRecord::get(conn, lead_id))
            .await?;
        let settings = match self.runs.get(&attempt.campaign) {
            Some(run) => run.settings.clone(),
            None => return Ok(()),
        };
        let (signals_tx, signals) = mpsc::unbounded_channel();
        let key = self.slots.claim(Slot {
            campaign: attempt.campaign,
            trunk: settings.trunk_id.clone(),
            lead: lead.id,
            lead_state: LeadState::Dialing,
            lead_name: lead.name.clone(),
            phone: lead.phone.clone(),
            attempt: Some(attempt.id),
            room: Some(attempt.room.clone()),
            number: attempt.number,
            state: attempt.state,
            dialed_at: attempt.dialed_at.unwrap_or(attempt.created_at),
            state_since: attempt
                .answered_at
                .or(attempt.ringing_at)
                .or(attempt.dialed_at)
                .unwrap_or(attempt.created_at),
            signals: signals_tx,
        });
        if let Some(watcher) = &self.watcher {
            if attempt.state == AttemptState::Answered {
                watcher.watch(&attempt.room);
            } else {
                watcher.watch_unanswered(&attempt.room);
            }
        }
        let job = ResumedCall {
            key,
            attempt,
            lead_attempts: lead.attempts,
            settings,
            signals,
        };
        tokio::spawn(self.calls.clone().resume(job));
        Ok(())
    }

    pub async fn run(
        mut self,
        mut commands: mpsc::Receiver<Envelope>,
        mut progress: mpsc::Receiver<CallProgress>,
    ) {
        let mut publish = tokio::time::interval(self.config.snapshot_interval);
        publish.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        let mut progress_open = true;
        loop {
            self.schedule().await;
            if let Some(done) = self.shutdown_finished() {
                self.publish();
                let _ = done.reply.send(Ok(Reply::Done));
                return;
            }
            let wake = self.next_wake();
            let sleep = async move {
                match wake {
                    Some(at) => tokio::time::sleep_until(at).await,
                    None => std::future::pending().await,
                }
            };
            tokio::select! {
                biased;
                Some(report) = self.reports.recv() => self.on_report(report).await,
                Some(message) = self.internal.recv() => self.on_internal(message).await,
                command = commands.recv(), if self.shutting_down.is_none() => match command {
                    Some(envelope) => self.on_command(envelope).await,
                    None => return,
                },
                item = progress.recv(), if progress_open => match item {
                    Some(p) => self.on_progress(p),
                    None => progress_open = false,
                },
                _ = sleep => self.on_wake().await,
                _ = publish.tick() => if self.dirty { self.publish() },
            }
        }
    }

    fn shutdown_finished(&mut self) -> Option<ShuttingDown> {
        let done = self.shutting_down.as_ref()?;
        if self.slots.total() == 0 || Instant::now() >= done.deadline {
            return self.shutting_down.take();
        }
        None
    }

    fn publish(&mut self) {
        let snapshot = snapshot_builder::build(
            self.clock.now(),
            self.runs.values(),
            &self.slots,
            self.notice(),
        );
        self.snapshot.send_replace(Arc::new(snapshot));
        self.dirty = false;
    }

    fn notice(&self) -> Option<String> {
        match (self.store_health.summary(), self.infra.summary()) {
            (Some(store), Some(infra)) => Some(format!("{store}; {infra}")),
            (store, infra) => store.or(infra),
        }
    }

    fn emit(
        &mut self,
        campaign: CampaignId,
        kind: EngineEventKind,
        detail: String,
        call: Option<(AttemptId, LeadId, String)>,
    ) {
        let at = self.clock.now();
        self.emit_at(at, campaign, kind, detail, call);
    }

    fn emit_at(
        &mut self,
        at: DateTime<Utc>,
        campaign: CampaignId,
        kind: EngineEventKind,
        detail: String,
        call: Option<(AttemptId, LeadId, String)>,
    ) {
        let (attempt, lead, label) = match call {
            Some((a, l, label)) => (Some(a), Some(l), Some(label)),
            None => (None, None, None),
        };
        let _ = self.events.send(EngineEvent {
            at,
            campaign,
            attempt,
            lead,
            lead_label: label,
            kind,
            detail,
        });
        self.dirty = true;
    }

    fn emit_call(&mut self, key: CallKey, kind: AttemptEventKind, detail: String) {
        let at = self.clock.now();
        self.emit_call_at(at, key, kind, detail);
    }

    fn emit_call_at(
        &mut self,
        at: DateTime<Utc>,
        key: CallKey,
        kind: AttemptEventKind,
        detail: String,
    ) {
        let Some(slot) = self.slots.call(key) else {
            return;
        };
        let Some(attempt) = slot.attempt else { return };
        let label = slot.lead_name.clone().unwrap_or_else(|| slot.phone.clone());
        let call = Some((attempt, slot.lead, label));
        self.emit_at(
            at,
            slot.campaign,
            EngineEventKind::Attempt(kind),
            detail,
            call,
        );
    }

    // ---- the scheduler -------------------------------------------------------------

    /// Starts every call that may start now and asks for queue pages where needed.
    async fn schedule(&mut self) {
        self.timer = None;
        let ids: Vec<CampaignId> = self.runs.keys().copied().collect();
        if ids.is_empty() {
            return;
        }
        self.rotation = (self.rotation + 1) % ids.len();
        for i in 0..ids.len() {
            let id = ids[(self.rotation + i) % ids.len()];
            self.fill(id).await;
            let run = &self.runs[&id];
            if run.is_live() && run.wants_refill() {
                self.request_page(id);
            }
        }
    }

    fn wake_at(&mut self, at: Instant) {
        self.timer = Some(self.timer.map_or(at, |t| t.min(at)));
    }

    fn global_full(&self) -> bool {
        self.config
            .global_max_concurrent
            .is_some_and(|max| self.slots.total() >= max as usize)
    }

    /// Starts calls for one campaign until a limit stops it.
    async fn fill(&mut self, id: CampaignId) {
        if self.shutting_down.is_some() {
            return;
        }
        loop {
            let now_i = Instant::now();
            let now = self.clock.now();
            if !self.store_health.healthy() {
                return;
            }
            if let Some(until) = self.infra.blocked_until(now_i) {
                self.wake_at(until);
                return;
            }
            if !self.infra.healthy() && self.probe_call.is_some() {
                return;
            }
            if self.global_full() {
                return;
            }
            let in_flight = self.slots.in_campaign(id);
            let Some(run) = self.runs.get_mut(&id) else {
                return;
            };
            if !run.is_running() || in_flight >= run.settings.max_concurrent as usize {
                return;
            }
            run.cap.roll(now);
            if run.cap.reached() {
                let reason = PauseReason::DailyCapReached {
                    cap: run.cap.cap().unwrap_or(0),
                    until: run.cap.resets_at(),
                };
                run.wake_at = Some(run.cap.resets_at());
                self.set_status(id, CampaignStatus::Paused, Some(reason), "")
                    .await;
                return;
            }
            if let Some(at) = run.pacer.ready_at().filter(|at| *at > now_i) {
                self.wake_at(at);
                return;
            }
            let trunk = run.settings.trunk_id.clone();
            if let Some(at) = self.trunks.ready_at(&trunk).filter(|at| *at > now_i) {
                self.wake_at(at);
                return;
            }
            let Some(lead) = self.next_lead(id, now) else {
                return;
            };
            self.start_call(id, lead, now, now_i);
        }
    }

    /// The first lead of the campaign's page that may be dialled now. Leads skipped
    /// here (window closed since the page was read, number held) make the page stale,
    /// so the next read finds what is callable instead of the campaign idling.
    fn next_lead(&mut self, id: CampaignId, now: DateTime<Utc>) -> Option<LeadRecord> {
        let run = self.runs.get_mut(&id)?;
        let zone = run.settings.tz();
        let mut skipped = false;
        while let Some(lead) = run
            .queue
            .urgent
            .pop_front()
            .or_else(|| run.queue.leads.pop_front())
        {
            if self.slots.is_dialing_lead(lead.id) {
                continue;
            }
            let held = run.held.get(&lead.id).is_some_and(|t| *t > now);
            let closed = !window::is_open(
                &run.settings.window,
                window::lead_zone(lead.timezone.as_deref(), zone),
                now,
            );
            if held || closed {
                skipped = true;
                continue;
            }
            return Some(lead);
        }
        if skipped {
            run.queue.stale = true;
        }
        None
    }

    fn start_call(&mut self, id: CampaignId, lead: LeadRecord, now: DateTime<Utc>, now_i: Instant) {
        let run = self.runs.get_mut(&id).expect("campaign is loaded");
        let (signals_tx, signals) = mpsc::unbounded_channel();
        run.pacer.started(now_i);
        run.cap.dialled();
        run.dial_rate.record(now);
        let settings = run.settings.clone();
        self.trunks.started(&settings.trunk_id, now_i);
        let key = self.slots.claim(Slot {
            campaign: id,
            trunk: settings.trunk_id.clone(),
            lead: lead.id,
            lead_state: lead.state,
            lead_name: lead.name.clone(),
            phone: lead.phone.clone(),
            attempt: None,
            room: None,
            number: lead.attempts + 1,
            state: AttemptState::Queued,
            dialed_at: now,
            state_since: now,
            signals: signals_tx,
        });
        if !self.infra.healthy() {
            self.probe_call = Some(key);
        }
        let job = CallJob {
            key,
            at: now,
            campaign: id,
            lead,
            settings,
            signals,
        };
        tokio::spawn(self.calls.clone().place(job));
        self.dirty = true;
    }

    fn request_page(&mut self, id: CampaignId) {
        let now = self.clock.now();
        let Some(run) = self.runs.get_mut(&id) else {
            return;
        };
        run.queue.refilling = true;
        run.queue.stale = false;
        let refresh_zones = run.zones_read_at.is_none_or(|at| now - at >= ZONES_TTL);
        if refresh_zones {
            run.zones_read_at = Some(now);
        }
        let zones = run.zones.clone();
        let (window, zone, limit) = (run.settings.window, run.settings.tz(), run.page_size());
        let store = self.store.clone();
        let internal = self.internal_tx.clone();
        tokio::spawn(async move {
            let result = store
                .read(move |conn| {
                    let zones = if refresh_zones {
                        queue::zones(conn, id)?
                    } else {
                        zones
                    };
                    let open = window::open_zones(&zones, &window, zone, now);
                    let page = queue::next_page(
                        conn,
                        &QueueQuery {
                            campaign: id,
                            now,
                            open,
                            limit,
                        },
                        &zones,
                    )?;
                    Ok((page, refresh_zones.then_some(zones)))
                })
                .await;
            let _ = internal.send(Internal::Page {
                campaign: id,
                result,
            });
        });
    }

    async fn on_page(
        &mut self,
        id: CampaignId,
        result: Result<(QueuePage, Option<Vec<String>>), StoreError>,
    ) {
        let now = self.clock.now();
        let in_flight = self.slots.in_campaign(id);
        let Some(run) = self.runs.get_mut(&id) else {
            return;
        };
        run.queue.refilling = false;
        let (page, zones) = match result {
            Ok(answer) => answer,
            Err(err) => {
                tracing::error!(campaign = %id, %err, "reading the queue failed");
                run.wake_at = Some(now + chrono::Duration::seconds(1));
                return;
            }
        };
        if let Some(zones) = zones {
            run.zones = zones;
        }
        run.held.retain(|_, until| *until > now);
        let limit = run.page_size() as usize;
        run.queue.more_behind = page.leads.len() >= limit;
        run.queue.read_once = true;
        run.queue.any_open = page.any_open;
        run.queue.waiting_for_window = page.any_waiting_for_window;
        run.queue.next_retry_at = page.next_retry_at;
        let slots = &self.slots;
        let held = &run.held;
        run.queue.leads = page
            .leads
            .into_iter()
            .filter(|l| !slots.is_dialing_lead(l.id) && !held.contains_key(&l.id))
            .collect();
        self.dirty = true;
        let callable = !run.queue.leads.is_empty() || !run.queue.urgent.is_empty();
        let waiting_for_window = matches!(
            run.record.pause_reason,
            Some(PauseReason::OutsideWindow { .. })
        );
        if callable
            && waiting_for_window
            && run.engaged
            && run.record.status == CampaignStatus::Paused
        {
            run.wake_at = None;
            self.set_status(id, CampaignStatus::Running, None, "").await;
            return;
        }
        // A stale page (calls ended while it was read) is followed by a fresh one: decide then.
        if callable || in_flight > 0 || !run.engaged || run.queue.stale {
            return;
        }
        self.settle(id, now).await;
    }

    /// Nothing to dial and nothing in flight: the campaign is complete, waits for a
    /// window to open, or waits for a retry or a held number.
    async fn settle(&mut self, id: CampaignId, now: DateTime<Utc>) {
        let Some(run) = self.runs.get_mut(&id) else {
            return;
        };
        if !run.queue.any_open {
            if run.is_live() {
                self.set_status(id, CampaignStatus::Completed, None, "no lead left to call")
                    .await;
            }
            return;
        }
        let held_until = run.held.values().min().copied();
        let next = [run.queue.next_retry_at, held_until]
            .into_iter()
            .flatten()
            .min();
        if run.queue.waiting_for_window && held_until.is_none() {
            let opening =
                window::earliest_opening(&run.zones, &run.settings.window, run.settings.tz(), now);
            let (until, timezone) = match opening {
                Some((at, zone)) => (Some(at), zone),
                None => (None, run.settings.timezone.clone()),
            };
            let wake = [until, next]
                .into_iter()
                .flatten()
                .min()
                .unwrap_or(now + chrono::Duration::minutes(1));
            run.wake_at = Some(wake);
            if run.is_running() {
                let reason = PauseReason::OutsideWindow { until, timezone };
                self.set_status(id, CampaignStatus::Paused, Some(reason), "")
                    .await;
            }
            return;
        }
        run.wake_at = next.or(Some(now + chrono::Duration::minutes(1)));
    }

    fn next_wake(&self) -> Option<Instant> {
        let now = self.clock.now();
        let now_i = Instant::now();
        let walls = self
            .runs
            .values()
            .filter(|r| r.is_live())
            .filter_map(|r| r.wake_at)
            .map(|at| now_i + until(now, at));
        let probe = self
            .needs_probe()
            .then(|| self.infra.blocked_until(now_i).unwrap_or(now_i));
        let shutdown = self.shutting_down.as_ref().map(|s| s.deadline);
        self.timer
            .into_iter()
            .chain(walls)
            .chain(probe)
            .chain(self.store_health.probe_due())
            .chain(shutdown)
            .min()
    }

    /// Timers fired: lift automatic pauses whose time has come, re-read queues whose
    /// retries fell due, probe LiveKit.
    async fn on_wake(&mut self) {
        let now = self.clock.now();
        let due: Vec<CampaignId> = self
            .runs
            .iter()
            .filter(|(_, r)| r.is_live() && r.wake_at.is_some_and(|at| at <= now))
            .map(|(id, _)| *id)
            .collect();
        for id in due {
            let run = self.runs.get_mut(&id).expect("listed above");
            run.wake_at = None;
            run.queue.stale = true;
            let lift = matches!(
                run.record.pause_reason,
                Some(
                    PauseReason::OutsideWindow { .. }
                        | PauseReason::DailyCapReached { .. }
                        | PauseReason::Scheduled { .. }
                )
            );
            if run.record.status == CampaignStatus::Paused && lift {
                self.set_status(id, CampaignStatus::Running, None, "").await;
            }
        }
        if self
            .store_health
            .probe_due()
            .is_some_and(|at| at <= Instant::now())
        {
            self.store_health.probe_started();
            let (store, internal, now) = (self.store.clone(), self.internal_tx.clone(), now);
            tokio::spawn(async move {
                let result = store
                    .write(move |conn| crate::store::probe::probe_write(conn, now))
                    .await;
                let _ = internal.send(Internal::StoreProbe(result));
            });
        }
        if self.needs_probe() && self.infra.blocked_until(Instant::now()).is_none() && !self.probing
        {
            self.probing = true;
            let (telephony, internal) = (self.telephony.clone(), self.internal_tx.clone());
            tokio::spawn(async move {
                let result = telephony.list_trunks().await.map(|_| ());
                let _ = internal.send(Internal::Probe(result));
            });
        }
    }

    fn needs_probe(&self) -> bool {
        !self.probing
            && self.runs.values().any(|r| {
                r.engaged
                    && matches!(
                        r.record.pause_reason,
                        Some(PauseReason::LiveKitUnreachable { .. })
                    )
            })
    }

    /// Reads a campaign's lead counts (and its call figures when `with_stats`) in a task
    /// of its own; the answer comes back as `Internal::Counts`.
    fn recount(&self, id: CampaignId, with_stats: bool) {
        let (store, internal) = (self.store.clone(), self.internal_tx.clone());
        let since = self.dial_rate_since();
        tokio::spawn(async move {
            let read = store
                .read(move |conn| {
                    let counts = queue::lead_counts(conn, id)?;
                    let stats = match with_stats {
                        true => Some(Box::new(engine_stats::campaign_stats(conn, id, since)?)),
                        false => None,
                    };
                    Ok((counts, stats))
                })
                .await;
            match read {
                Ok((counts, stats)) => {
                    let _ = internal.send(Internal::Counts {
                        campaign: id,
                        counts,
                        stats,
                    });
                }
                Err(err) => tracing::warn!(campaign = %id, %err, "could not re-read lead counts"),
            }
        });
    }

    fn dial_rate_since(&self) -> DateTime<Utc> {
        self.clock.now() - chrono::Duration::minutes(super::DIAL_RATE_MINUTES as i64)
    }

    /// `RefreshCampaign`: counts, call figures and the queue, read now so the answer
    /// comes after the snapshot holds them. Call figures of a campaign with calls in
    /// flight are the engine's own tally and are left alone (a read could miss a call
    /// that is being written, or count one twice).
    async fn refresh_campaign(&mut self, id: CampaignId) -> Result<Reply, EngineError> {
        self.run_of(id)?;
        let in_flight = self.slots.in_campaign(id);
        let since = self.dial_rate_since();
        let (counts, stats) = self
            .store
            .read(move |conn| {
                let counts = queue::lead_counts(conn, id)?;
                let stats = match in_flight {
                    0 => Some(engine_stats::campaign_stats(conn, id, since)?),
                    _ => None,
                };
                Ok((counts, stats))
            })
            .await?;
        self.apply_counts(id, counts, stats.map(Box::new));
        let Some(run) = self.runs.get_mut(&id) else {
            return Ok(Reply::Done);
        };
        run.zones_read_at = None;
        if run.engaged {
            run.queue.stale = true;
        } else if !run.record.status.is_finished() && !run.queue.refilling {
            // Not dialled for: read one page so the snapshot shows what would be called next.
            self.request_page(id);
        }
        Ok(Reply::Done)
    }

    fn apply_counts(
        &mut self,
        id: CampaignId,
        mut counts: super::LeadCounts,
        stats: Option<Box<CampaignStats>>,
    ) {
        let in_flight = self.slots.in_campaign(id);
        let Some(run) = self.runs.get_mut(&id) else {
            return;
        };
        // Calls in flight are the engine's to count; the read may predate them.
        counts.dialing = in_flight as u64;
        run.counts = counts;
        if let Some(stats) = stats.filter(|_| in_flight == 0) {
            // Recent dials feed the dial-rate chart only when the campaign is taken up.
            run.stats = CampaignStats {
                recent_dials: Vec::new(),
                ..*stats
            };
        }
        self.dirty = true;
    }

    // ---- reports from call tasks ---------------------------------------------------

    async fn on_report(&mut self, report: Report) {
        self.dirty = true;
        match report {
            Report::Begun { key, started } => {
                let before = self.slots.get(key).map(|s| (s.campaign, s.lead_state));
                self.slots.started(
                    key,
                    started.attempt,
                    &started.room,
                    started.number,
                    started.dialed_at,
                );
                if let Some((campaign, before)) = before {
                    self.move_lead(campaign, before, LeadState::Dialing);
                }
                if let Some(watcher) = &self.watcher {
                    watcher.watch_dialing(&started.room);
                }
                let detail = format!("attempt {} to {}", started.number, started.lead.phone);
                self.emit_call(key, AttemptEventKind::Dialing, detail);
            }
            Report::NotStarted { key, why } => self.not_started(key, why),
            Report::StoreTrouble { error } => {
                self.store_health
                    .failed(self.clock.now(), Instant::now(), &error)
            }
            Report::StoreRecovered => self.store_health.recovered(),
            Report::DoNotCall {
                campaign,
                phone,
                marked,
            } => {
                let detail =
                    format!("{phone} asked not to be called again: added to the do-not-call list");
                self.emit(campaign, EngineEventKind::Problem, detail, None);
                self.leads_marked_dnc(marked);
            }
            Report::LiveKitFailing { key, message } => {
                if let Some(campaign) = self.slots.get(key).map(|s| s.campaign) {
                    self.infra_failed(campaign, &message).await;
                }
            }
            Report::Advanced { key, state, at } => {
                let room = self.slots.get_mut(key).and_then(|slot| {
                    slot.state = state;
                    slot.state_since = at;
                    slot.room.clone()
                });
                if state == AttemptState::Answered {
                    if let (Some(watcher), Some(room)) = (&self.watcher, room) {
                        watcher.watch(&room);
                    }
                }
                let kind = if state == AttemptState::Ringing {
                    AttemptEventKind::Ringing
                } else {
                    AttemptEventKind::Answered
                };
                self.emit_call_at(at, key, kind, String::new());
            }
            Report::Found { key } => {
                let room = self.slots.get(key).and_then(|slot| slot.room.clone());
                if let (Some(watcher), Some(room)) = (&self.watcher, room) {
                    watcher.watch(&room);
                }
            }
            Report::Noted {
                key,
                kind,
                at,
                detail,
            } => self.emit_call_at(at, key, kind, detail),
            Report::Finished { key, end } => self.finished(key, *end).await,
            Report::Closed { key } => self.slots.closed(key),
        }
    }

    /// Leads a do-not-call entry just reached: counted as `dnc`, out of the queues.
    fn leads_marked_dnc(&mut self, changed: Vec<(CampaignId, LeadId, LeadState)>) {
        for (campaign, lead, before) in changed {
            self.move_lead(campaign, before, LeadState::Dnc);
            if let Some(run) = self.runs.get_mut(&campaign) {
                run.queue.leads.retain(|l| l.id != lead);
                run.queue.urgent.retain(|l| l.id != lead);
            }
        }
    }

    fn move_lead(&mut self, campaign: CampaignId, from: LeadState, to: LeadState) {
        if let Some(run) = self.runs.get_mut(&campaign) {
            let from = queue::count_of(&mut run.counts, from);
            *from = from.saturating_sub(1);
            *queue::count_of(&mut run.counts, to) += 1;
        }
    }

    fn not_started(&mut self, key: CallKey, why: NotStarted) {
        if self.probe_call == Some(key) {
            self.probe_call = None;
        }
        let Some(slot) = self.slots.release(key) else {
            return;
        };
        let now = self.clock.now();
        let label = slot.lead_name.clone().unwrap_or_else(|| slot.phone.clone());
        if let Some(run) = self.runs.get_mut(&slot.campaign) {
            run.cap.not_placed(slot.dialed_at);
            run.queue.stale = true;
        }
        match why {
            NotStarted::OnDnc => {
                self.move_lead(slot.campaign, slot.lead_state, LeadState::Dnc);
                let detail = format!("{label} is on the do-not-call list; not dialled");
                self.emit(slot.campaign, EngineEventKind::Problem, detail, None);
            }
            NotStarted::NumberLimit { until } => {
                if let Some(run) = self.runs.get_mut(&slot.campaign) {
                    run.held.insert(slot.lead, until);
                }
                let detail = format!(
                    "{} already had {} calls today; next try after {}",
                    slot.phone,
                    self.config.per_number_daily_limit,
                    until.format("%Y-%m-%d %H:%M UTC")
                );
                self.emit(slot.campaign, EngineEventKind::Problem, detail, None);
            }
            NotStarted::NotDialable => {}
            NotStarted::Store(err) => {
                self.store_health.failed(now, Instant::now(), &err);
                self.dirty = true;
                if let Some(run) = self.runs.get_mut(&slot.campaign) {
                    run.wake_at = Some(now + chrono::Duration::seconds(1));
                }
                self.emit(
                    slot.campaign,
                    EngineEventKind::Problem,
                    format!("database: {err}"),
                    None,
                );
            }
        }
    }

    async fn finished(&mut self, key: CallKey, end: CallEnd) {
        let was_probe = self.probe_call == Some(key);
        if was_probe {
            self.probe_call = None;
        }
        let detail = end.detail.clone();
        self.emit_call(key, AttemptEventKind::Ended, detail);
        let Some(slot) = self.slots.release(key) else {
            return;
        };
        if let (Some(watcher), Some(room)) = (&self.watcher, &slot.room) {
            watcher.forget(room);
        }
        let (campaign, trunk) = (slot.campaign, slot.trunk.clone());
        // The agent's disposition may still come: its room stays routed until `Closed`.
        self.slots.closing(key, slot);
        if let Some(state) = end.lead_state {
            self.move_lead(campaign, LeadState::Dialing, state);
        }
        if let Some(run) = self.runs.get_mut(&campaign) {
            *run.stats.outcomes.entry(end.outcome).or_default() += 1;
            if let Some(ring) = end.ring_ms {
                run.stats.durations.ring_ms += ring;
                run.stats.durations.rings += 1;
            }
            if let Some(talk) = end.talk_ms {
                run.stats.durations.talk_ms += talk;
                run.stats.durations.talks += 1;
            }
            if end.outcome == Outcome::NotPlaced {
                run.cap.not_placed(end.dialed_at);
            }
            run.queue.stale = true;
        }
        match end.problem {
            Some(CallProblem::Infrastructure { message }) => {
                self.infra_failed(campaign, &message).await
            }
            Some(CallProblem::CarrierLimit) => {
                self.trunks.carrier_limited(&trunk, Instant::now());
                let gap = self.trunks.gap(&trunk);
                let detail = format!(
                    "trunk {} is over its carrier's limit; slowing to one call every {} ms",
                    trunk,
                    gap.as_millis()
                );
                self.emit(campaign, EngineEventKind::Problem, detail, None);
                self.infra_answered().await;
            }
            Some(CallProblem::Configuration { problem, fix }) => {
                self.infra_answered().await;
                let reason = PauseReason::Configuration {
                    problem: problem.clone(),
                    fix: fix.clone(),
                };
                if self.runs.get(&campaign).is_some_and(|r| r.is_running()) {
                    self.set_status(campaign, CampaignStatus::Paused, Some(reason), "")
                        .await;
                }
                self.emit(
                    campaign,
                    EngineEventKind::Problem,
                    format!("{problem}: {fix}"),
                    None,
                );
            }
            None => self.infra_answered().await,
        }
    }

    async fn infra_failed(&mut self, campaign: CampaignId, message: &str) {
        self.infra
            .failure(Instant::now(), self.clock.now(), message);
        self.emit(
            campaign,
            EngineEventKind::Problem,
            format!("LiveKit unavailable: {message}; backing off"),
            None,
        );
        if let Some((since, last_error)) = self.infra.outage(self.clock.now()) {
            for id in self.running_campaigns() {
                let reason = PauseReason::LiveKitUnreachable {
                    since,
                    last_error: last_error.clone(),
                };
                self.set_status(id, CampaignStatus::Paused, Some(reason), "")
                    .await;
            }
        }
    }

    /// LiveKit answered (whatever the call's fate): clear the back-off and resume
    /// campaigns it had paused.
    async fn infra_answered(&mut self) {
        if self.infra.healthy() {
            return;
        }
        self.infra.success();
        let paused: Vec<CampaignId> = self
            .runs
            .iter()
            .filter(|(_, r)| {
                r.engaged
                    && matches!(
                        r.record.pause_reason,
                        Some(PauseReason::LiveKitUnreachable { .. })
                    )
            })
            .map(|(id, _)| *id)
            .collect();
        for id in paused {
            self.set_status(id, CampaignStatus::Running, None, "LiveKit answers again")
                .await;
        }
        self.dirty = true;
    }

    async fn on_internal(&mut self, message: Internal) {
        match message {
            Internal::Page { campaign, result } => self.on_page(campaign, result).await,
            Internal::TrunkChecked {
                campaign,
                result,
                reply,
            } => self.trunk_checked(campaign, result, reply).await,
            Internal::StoreProbe(Ok(())) => {
                self.store_health.recovered();
                self.dirty = true;
            }
            Internal::StoreProbe(Err(err)) => {
                self.store_health
                    .probe_failed(Instant::now(), &err.to_string());
                self.dirty = true;
            }
            Internal::Probe(result) => {
                self.probing = false;
                match result {
                    Ok(()) => self.infra_answered().await,
                    Err(err) => {
                        self.infra
                            .failure(Instant::now(), self.clock.now(), &err.to_string())
                    }
                }
            }
            Internal::Counts {
                campaign,
                counts,
                stats,
            } => self.apply_counts(campaign, counts, stats),
        }
    }

    fn on_progress(&mut self, progress: CallProgress) {
        if let Some(signals) = self.slots.route(&progress.room) {
            let _ = signals.send(CallSignal::Progress(progress));
        }
    }

    // ---- status --------------------------------------------------------------------

    /// Persists a campaign status change, then applies it and announces it.
    async fn set_status(
        &mut self,
        id: CampaignId,
        status: CampaignStatus,
        reason: Option<PauseReason>,
        note: &str,
    ) {
        let Some(run) = self.runs.get(&id) else {
            return;
        };
        if run.record.status == status && run.record.pause_reason == reason {
            return;
        }
        let now = self.clock.now();
        let stored_reason = reason.clone();
        let result = self
            .store
            .write(move |conn| {
                CampaignRecord::set_status(conn, id, status, stored_reason.as_ref(), now)
            })
            .await;
        match result {
            Ok(record) => {
                let run = self.runs.get_mut(&id).expect("checked above");
                let settings = run.record.settings.clone();
                run.record = CampaignRecord { settings, ..record };
                let detail = match (&reason, note) {
                    (Some(reason), _) => reason.to_string(),
                    (None, note) => note.to_string(),
                };
                tracing::info!(campaign = %id, %status, %detail, "campaign status");
                self.emit(id, EngineEventKind::CampaignStatus(status), detail, None);
            }
            Err(err) => {
                tracing::error!(campaign = %id, %err, "could not change the campaign's status");
                self.emit(
                    id,
                    EngineEventKind::Problem,
                    format!("could not set status {status}: {err}"),
                    None,
                );
            }
        }
    }

    // ---- commands ------------------------------------------------------------------

    async fn on_command(&mut self, Envelope { command, reply }: Envelope) {
        match command {
            Command::Start(id) | Command::Resume(id) => {
                return self.check_trunk_then_run(id, reply)
            }
            Command::Shutdown { grace } => return self.begin_shutdown(grace, reply).await,
            _ => {}
        }
        let answer = self.command(command).await;
        self.dirty = true;
        let _ = reply.send(answer);
    }

    async fn command(&mut self, command: Command) -> Result<Reply, EngineError> {
        let now = self.clock.now();
        match command {
            Command::CreateCampaign(settings) => {
                let new = NewCampaign {
                    settings: *settings,
                    now,
                };
                let id = self
                    .store
                    .write(move |conn| CampaignRecord::insert(conn, &new))
                    .await?;
                let record = self
                    .store
                    .read(move |conn| CampaignRecord::get(conn, id))
                    .await?;
                self.runs.insert(id, CampaignRun::new(record, now));
                Ok(Reply::Created(id))
            }
            Command::UpdateCampaign { id, settings } => {
                let stored = (*settings).clone();
                self.store
                    .write(move |conn| CampaignRecord::update_settings(conn, id, &stored, now))
                    .await?;
                if let Some(run) = self.runs.get_mut(&id) {
                    run.set_settings(*settings);
                    run.queue.stale = true;
                }
                Ok(Reply::Done)
            }
            Command::Pause(id) => {
                let run = self.run_of(id)?;
                if run.record.status.is_finished() || run.record.status == CampaignStatus::Draft {
                    return Err(EngineError::Refused(format!(
                        "campaign {id} is {}; only a started campaign can be paused",
                        run.record.status
                    )));
                }
                self.set_status(id, CampaignStatus::Paused, Some(PauseReason::Operator), "")
                    .await;
                Ok(Reply::Done)
            }
            Command::Stop {
                id,
                hang_up_live_calls,
            } => {
                let run = self.run_of(id)?;
                if run.record.status.is_finished() {
                    return Err(EngineError::Refused(format!(
                        "campaign {id} is already {}",
                        run.record.status
                    )));
                }
                self.set_status(id, CampaignStatus::Stopped, None, "stopped by operator")
                    .await;
                if hang_up_live_calls {
                    for slot in self.slots.of_campaign(id) {
                        let _ = slot.signals.send(CallSignal::HangUp);
                    }
                }
                Ok(Reply::Done)
            }
            Command::DeleteCampaign(id) => {
                let run = self.run_of(id)?;
                if run.record.status == CampaignStatus::Running {
                    return Err(EngineError::Refused(format!(
                        "campaign {id} is running; stop it first, then delete it"
                    )));
                }
                let live = self.slots.in_campaign(id);
                if live > 0 {
                    return Err(EngineError::Refused(format!(
                        "campaign {id} still has {live} call(s) in progress; stop it and end its calls first, then delete it"
                    )));
                }
                self.store
                    .write(move |conn| CampaignRecord::delete(conn, id))
                    .await?;
                self.runs.remove(&id);
                tracing::info!(campaign = %id, "campaign deleted");
                Ok(Reply::Deleted(id))
            }
            Command::RefreshCampaign(id) => self.refresh_campaign(id).await,
            Command::HangUp(attempt) => {
                let slot = self
                    .slots
                    .by_attempt(attempt)
                    .ok_or_else(|| EngineError::NotFound {
                        what: format!("call of attempt {attempt} in progress"),
                    })?;
                let _ = slot.signals.send(CallSignal::HangUp);
                Ok(Reply::Done)
            }
            Command::ReportDisposition {
                attempt,
                value,
                note,
            } => self.report_disposition(attempt, value, note).await,
            Command::RetryNow(lead) => {
                if self.slots.is_dialing_lead(lead) {
                    return Err(EngineError::Refused(format!(
                        "lead {lead} is being called right now"
                    )));
                }
                let before = self
                    .store
                    .read(move |conn| LeadRecord::get(conn, lead))
                    .await?;
                let record = self
                    .store
                    .write(move |conn| queue::requeue_now(conn, lead))
                    .await?;
                self.move_lead(record.campaign, before.state, LeadState::Pending);
                if let Some(run) = self.runs.get_mut(&record.campaign) {
                    run.held.remove(&lead);
                    run.queue.leads.retain(|l| l.id != lead);
                    run.queue.urgent.push_back(record);
                }
                Ok(Reply::Done)
            }
            Command::MarkDnc {
                phone,
                campaign,
                reason,
            } => {
                let (number, why) = (phone.clone(), reason.clone());
                let changed = self
                    .store
                    .write(move |conn| {
                        crate::store::dnc::add(conn, &number, campaign, why.as_deref(), now)?;
                        queue::mark_dnc(conn, &number, campaign)
                    })
                    .await?;
                self.leads_marked_dnc(changed);
                Ok(Reply::Done)
            }
            Command::AddDnc {
                phones,
                campaign,
                reason,
            } => {
                let (added, changed) = self
                    .store
                    .write(move |conn| {
                        let (mut added, mut changed) = (0u64, Vec::new());
                        for phone in &phones {
                            added += crate::store::dnc::add(
                                conn,
                                phone,
                                campaign,
                                reason.as_deref(),
                                now,
                            )? as u64;
                            changed.extend(queue::mark_dnc(conn, phone, campaign)?);
                        }
                        Ok((added, changed))
                    })
                    .await?;
                let marked = changed.len() as u64;
                self.leads_marked_dnc(changed);
                Ok(Reply::DncAdded { added, marked })
            }
            Command::RemoveDnc { phone, campaign } => {
                let removed = self
                    .store
                    .write(move |conn| crate::store::dnc::remove(conn, &phone, campaign))
                    .await?;
                Ok(Reply::DncRemoved(removed))
            }
            Command::Start(_) | Command::Resume(_) | Command::Shutdown { .. } => {
                Err(EngineError::Refused("handled elsewhere".into()))
            }
        }
    }

    /// A live call (or one still awaiting its agent's report) gets the disposition as
    /// if LiveKit had reported it, so it is recorded once, by the call; an ended call's
    /// attempt is updated here.
    async fn report_disposition(
        &mut self,
        attempt: AttemptId,
        value: String,
        note: Option<String>,
    ) -> Result<Reply, EngineError> {
        let Some(disposition) = crate::domain::Disposition::new(&value) else {
            return Err(EngineError::Refused("the disposition is empty".into()));
        };
        let record = self
            .store
            .read(move |conn| AttemptRecord::get(conn, attempt))
            .await?;
        let now = self.clock.now();
        if let Some(signals) = self.slots.route(&record.room) {
            let kind = crate::telephony::CallProgressKind::Disposition {
                value,
                note: note.clone(),
            };
            let progress = CallProgress {
                room: record.room.clone(),
                at: now,
                kind,
            };
            if signals.send(CallSignal::Progress(progress)).is_ok() {
                return Ok(Reply::Done);
            }
        }
        let (text, campaign, stored_note) =
            (disposition.to_string(), record.campaign, note.clone());
        self.store
            .write(move |conn| {
                attempts::set_disposition(
                    conn,
                    attempt,
                    campaign,
                    &text,
                    stored_note.as_deref(),
                    now,
                )
            })
            .await?;
        self.emit(
            campaign,
            EngineEventKind::Attempt(AttemptEventKind::Disposition),
            disposition.to_string(),
            Some((attempt, record.lead, record.phone)),
        );
        Ok(Reply::Done)
    }

    fn run_of(&self, id: CampaignId) -> Result<&CampaignRun, EngineError> {
        self.runs.get(&id).ok_or_else(|| EngineError::NotFound {
            what: format!("campaign {id}"),
        })
    }

    /// Start and resume first ask LiveKit whether the campaign's trunk exists, in a
    /// task of its own so the engine keeps running meanwhile; nothing is touched before.
    fn check_trunk_then_run(&mut self, id: CampaignId, reply: ReplyTx) {
        let run = match self.run_of(id) {
            Ok(run) => run,
            Err(err) => {
                let _ = reply.send(Err(err));
                return;
            }
        };
        let status = run.record.status;
        if !matches!(status, CampaignStatus::Draft | CampaignStatus::Paused) || run.is_running() {
            let _ = reply.send(Err(EngineError::Refused(format!(
                "campaign {id} is {status}; it cannot be started"
            ))));
            return;
        }
        let trunk = run.settings.trunk_id.clone();
        let (telephony, internal) = (self.telephony.clone(), self.internal_tx.clone());
        let patience = crate::telephony::Patience {
            attempts: TRUNK_CHECK_ATTEMPTS,
            first_wait: self.config.infra_backoff_initial,
            max_wait: self.config.infra_backoff_max,
        };
        tokio::spawn(async move {
            let result =
                crate::telephony::ensure_trunk_exists_patiently(&*telephony, &trunk, patience)
                    .await;
            let _ = internal.send(Internal::TrunkChecked {
                campaign: id,
                result,
                reply,
            });
        });
    }

    async fn trunk_checked(
        &mut self,
        id: CampaignId,
        result: Result<(), TelephonyError>,
        reply: ReplyTx,
    ) {
        let answer = match result {
            Ok(()) => self.go(id).await,
            Err(TelephonyError::Configuration { problem, fix }) => Err(EngineError::Configuration { problem, fix }),
            Err(err) => Err(EngineError::Refused(format!(
                "could not check the campaign's trunk with LiveKit ({err}); check the LiveKit URL and try again"
            ))),
        };
        self.dirty = true;
        let _ = reply.send(answer);
    }

    async fn go(&mut self, id: CampaignId) -> Result<Reply, EngineError> {
        let now = self.clock.now();
        let run = self.run_of(id)?;
        if !matches!(
            run.record.status,
            CampaignStatus::Draft | CampaignStatus::Paused
        ) {
            return Err(EngineError::Refused(format!(
                "campaign {id} is {}",
                run.record.status
            )));
        }
        let start_at = run.settings.start_at.filter(|at| *at > now);
        if !run.engaged {
            self.take_up(id).await?;
        }
        match start_at {
            Some(at) => {
                let run = self.runs.get_mut(&id).expect("checked above");
                run.wake_at = Some(at);
                if run.record.status == CampaignStatus::Draft {
                    // Draft cannot become paused: it is running, waiting for its time.
                    self.set_status(id, CampaignStatus::Running, None, "").await;
                }
                self.set_status(
                    id,
                    CampaignStatus::Paused,
                    Some(PauseReason::Scheduled { at }),
                    "",
                )
                .await;
            }
            None => {
                self.set_status(id, CampaignStatus::Running, None, "started")
                    .await
            }
        }
        if let Some(run) = self.runs.get_mut(&id) {
            run.queue.stale = true;
        }
        Ok(Reply::Done)
    }

    /// Ids of the campaigns dialling now, collected so the caller may change them.
    fn running_campaigns(&self) -> Vec<CampaignId> {
        self.runs
            .iter()
            .filter(|(_, r)| r.is_running())
            .map(|(id, _)| *id)
            .collect()
    }

    /// Pauses every running campaign with reason `shutdown` (they resume by themselves
    /// at the next start), starts no new call, and ends the engine once the calls in
    /// flight have finished or `grace` has passed. Calls still live then are left to
    /// the next start's reconciliation, not hung up: a conversation is not cut short.
    async fn begin_shutdown(&mut self, grace: Duration, reply: ReplyTx) {
        for id in self.running_campaigns() {
            self.set_status(id, CampaignStatus::Paused, Some(PauseReason::Shutdown), "")
                .await;
        }
        self.shutting_down = Some(ShuttingDown {
            deadline: Instant::now()
                .checked_add(grace)
                .unwrap_or_else(|| Instant::now() + Duration::from_secs(86_400)),
            reply,
        });
    }
}
