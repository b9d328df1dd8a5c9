//! The engine task: one loop that owns every piece of scheduling state. It takes
//! commands, reports from call tasks, LiveKit progress and timer wake-ups, one at a time,
//! and after each one starts whatever calls may start now.
//!
//! Automatic pauses: a campaign whose remaining leads are all outside their calling
//! hours, that reached its daily cap, that waits for its `start_at`, or that cannot reach
//! LiveKit goes `paused` with the reason, and the engine puts it back to `running` when
//! the reason clears. Operator pauses and configuration problems wait for the operator.

use super::call::{CallContext, Report};
use super::clock::SharedClock;
use super::config::EngineConfig;
use super::handle::{Envelope, ReplyTx};
use super::infra::Infra;
use super::pacing::TrunkPacer;
use super::runs::Runs;
use super::slots::{CallKey, Slots};
use super::store_health::StoreHealth;
use super::{snapshot_builder, EngineEvent, EngineEventKind, Reply, RoomWatcher, Snapshot};
use crate::domain::{AttemptEventKind, AttemptId, CampaignId, LeadId};
use crate::store::engine_stats::CampaignStats;
use crate::store::queue::QueuePage;
use crate::store::{Store, StoreError};
use crate::telephony::{CallProgress, Telephony, TelephonyError};
use chrono::{DateTime, Utc};
use std::sync::Arc;
use tokio::sync::{broadcast, mpsc, watch};
use tokio::time::Instant;

mod call_reports;
mod commands;
mod counts;
mod imports;
mod livekit_health;
mod scheduling;
mod shutdown;
mod start_up;
mod status;

/// Zone lists are re-read this often (leads imported into a running campaign).
const ZONES_TTL: chrono::Duration = chrono::Duration::seconds(60);
/// Requests a start makes to check its trunk while LiveKit is unavailable, spaced by
/// the infrastructure back-off, before it is refused.
const TRUNK_CHECK_ATTEMPTS: u32 = 5;

/// Reports from call tasks not yet read: room for one from each of a thousand calls
/// ending at once. When it is full a call task waits for room (`send().await`): its
/// rows are written already, and its report, an end of call above all, is never dropped.
const REPORTS_WAITING: usize = 1024;
/// Answers from the engine's helper tasks not yet read: at most one page read per
/// campaign, a count, a probe, an import or a status write each. A full channel makes
/// the helper wait; the engine never sends here itself, so it cannot wait on itself.
const INTERNAL_WAITING: usize = 256;

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
    /// An import the engine ran ended.
    Imported {
        campaign: CampaignId,
        result: Result<Box<crate::import::ImportReport>, crate::import::ImportError>,
        reply: ReplyTx,
    },
    /// A status change the engine made without waiting for its write was stored, or not.
    StatusWritten {
        campaign: CampaignId,
        status: crate::domain::CampaignStatus,
        result: Result<(), StoreError>,
    },
}

struct ShuttingDown {
    deadline: Instant,
    reply: ReplyTx,
}

pub(crate) struct Actor<T: Telephony> {
    store: Store,
    telephony: Arc<T>,
    clock: SharedClock,
    config: EngineConfig,
    calls: Arc<CallContext<T>>,
    runs: Runs,
    slots: Slots,
    trunks: TrunkPacer,
    infra: Infra,
    store_health: StoreHealth,
    watcher: Option<Arc<dyn RoomWatcher>>,
    snapshot: watch::Sender<Arc<Snapshot>>,
    events: broadcast::Sender<EngineEvent>,
    reports: mpsc::Receiver<Report>,
    internal_tx: mpsc::Sender<Internal>,
    internal: mpsc::Receiver<Internal>,
    dirty: bool,
    /// The earliest pacing or back-off instant found by the last `schedule`.
    timer: Option<Instant>,
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
        let (reports_tx, reports) = mpsc::channel(REPORTS_WAITING);
        let (internal_tx, internal) = mpsc::channel(INTERNAL_WAITING);
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
            opt_out: config.opt_out.clone(),
            recording: config.recording.clone(),
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
            runs: Runs::default(),
            slots: Slots::default(),
            watcher,
            snapshot,
            events,
            reports,
            internal_tx,
            internal,
            store_health: StoreHealth::default(),
            dirty: true,
            timer: None,
            shutting_down: None,
        }
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
                self.status_writes_stored().await;
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
                    None => return self.status_writes_stored().await,
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
}
