//! The scheduler: which calls start now, when the queue is read again, when a
//! campaign with nothing to dial is complete or waits, and when the engine wakes next.

use super::*;
use crate::domain::calling_hours;
use crate::domain::{AttemptState, CampaignId};
use crate::engine::call::CallJob;
use crate::engine::clock::until;
use crate::engine::policy::automatic_status::QueueFacts;
use crate::engine::policy::wake;
use crate::engine::slots::{CallSignals, Slot};
use crate::store::queue::{self, QueuePage, QueueQuery};
use crate::store::{LeadRecord, StoreError};
use crate::telephony::Telephony;
use chrono::{DateTime, Utc};
use tokio::time::Instant;

impl<T: Telephony> Actor<T> {
    /// Starts every call that may start now and asks for queue pages where needed.
    pub(super) async fn schedule(&mut self) {
        self.timer = None;
        if self.config.holds_only {
            return;
        }
        for id in self.runs.next_turn() {
            self.fill(id).await;
            let run = &self.runs[&id];
            if run.is_live() && run.wants_refill() {
                self.request_page(id);
            }
        }
    }

    pub(super) fn wake_at(&mut self, at: Instant) {
        self.timer = Some(self.timer.map_or(at, |t| t.min(at)));
    }

    pub(super) fn global_full(&self) -> bool {
        self.config
            .global_max_concurrent
            .is_some_and(|max| self.slots.total() >= max as usize)
    }

    /// Starts calls for one campaign until a limit stops it.
    pub(super) async fn fill(&mut self, id: CampaignId) {
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
            if self.infra.probe_call_out() {
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
                self.review(id, None).await;
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
    pub(super) fn next_lead(&mut self, id: CampaignId, now: DateTime<Utc>) -> Option<LeadRecord> {
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
            let closed = !calling_hours::is_open(
                &run.settings.window,
                calling_hours::lead_zone(lead.timezone.as_deref(), zone),
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

    pub(super) fn start_call(
        &mut self,
        id: CampaignId,
        lead: LeadRecord,
        now: DateTime<Utc>,
        now_i: Instant,
    ) {
        let run = self.runs.get_mut(&id).expect("campaign is loaded");
        let (signals_tx, signals) = CallSignals::channel();
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
            caller_id: None,
            variant: settings.variant_for(lead.id).map(|v| v.name.clone()),
            attempt: None,
            room: None,
            number: lead.attempts + 1,
            state: AttemptState::Queued,
            dialed_at: now,
            state_since: now,
            signals: signals_tx,
        });
        self.infra.call_started(key);
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

    pub(super) fn request_page(&mut self, id: CampaignId) {
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
                    let open = calling_hours::open_zones(&zones, &window, zone, now);
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
            let _ = internal
                .send(Internal::Page {
                    campaign: id,
                    result,
                })
                .await;
        });
    }

    pub(super) async fn on_page(
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
        if callable {
            let found = QueueFacts {
                callable,
                in_flight,
                any_open: true,
                waiting_for_window: None,
            };
            self.review(id, Some(found)).await;
            return;
        }
        // A retry that falls due, or a number whose limit ends, is looked for then,
        // whatever calls are in flight.
        let waits = wake::Waits {
            retry: run.queue.next_retry_at,
            held_until: run.held.values().min().copied(),
            ..wake::Waits::default()
        };
        let planned = run.wake_at.filter(|at| *at > now);
        run.wake_at = wake::earlier(planned, wake::next_look(&waits, now));
        // A stale page (calls ended while it was read) is followed by a fresh one: decide then.
        if callable || in_flight > 0 || !run.engaged || run.queue.stale {
            return;
        }
        self.settle(id, now).await;
    }

    /// Nothing to dial and nothing in flight: the campaign is complete, waits for a
    /// window to open, or waits for a retry or a held number.
    pub(super) async fn settle(&mut self, id: CampaignId, now: DateTime<Utc>) {
        let closing = self.slots.closing_in_campaign(id);
        let Some(run) = self.runs.get_mut(&id) else {
            return;
        };
        // A disposition still to come may send a lead back to the queue.
        if !run.settings.disposition_retries.is_empty() && closing > 0 {
            return;
        }
        let mut found = QueueFacts {
            callable: false,
            in_flight: 0,
            any_open: run.queue.any_open,
            waiting_for_window: None,
        };
        if !run.queue.any_open {
            return self.review(id, Some(found)).await;
        }
        let mut waits = wake::Waits {
            retry: run.queue.next_retry_at,
            held_until: run.held.values().min().copied(),
            ..wake::Waits::default()
        };
        // Nothing awaited that the engine knows of: look again in a minute.
        let fallback = now + chrono::Duration::minutes(1);
        if run.queue.waiting_for_window && waits.held_until.is_none() {
            let opening = calling_hours::earliest_opening(
                &run.zones,
                &run.settings.window,
                run.settings.tz(),
                now,
            );
            let (until, timezone) = match opening {
                Some((at, zone)) => (Some(at), zone),
                None => (None, run.settings.timezone.clone()),
            };
            waits.window_opens = until;
            found.waiting_for_window = Some((until, timezone));
        }
        run.wake_at = Some(wake::next_look(&waits, now).unwrap_or(fallback));
        self.review(id, Some(found)).await;
    }

    pub(super) fn next_wake(&self) -> Option<Instant> {
        let now = self.clock.now();
        let now_i = Instant::now();
        let walls = self.runs.planned_looks().map(|at| now_i + until(now, at));
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
    pub(super) async fn on_wake(&mut self) {
        let now = self.clock.now();
        for id in self.runs.due_for_a_look(now) {
            let run = self.runs.get_mut(&id).expect("listed above");
            run.wake_at = None;
            run.queue.stale = true;
            // A window pause is decided again by the read the stale queue brings.
            self.review(id, None).await;
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
                let _ = internal.send(Internal::StoreProbe(result)).await;
            });
        }
        if self.needs_probe() && self.infra.blocked_until(Instant::now()).is_none() {
            self.infra.probe_sent();
            let (telephony, internal) = (self.telephony.clone(), self.internal_tx.clone());
            tokio::spawn(async move {
                let result = telephony.list_trunks().await.map(|_| ());
                let _ = internal.send(Internal::Probe(result)).await;
            });
        }
    }
}
