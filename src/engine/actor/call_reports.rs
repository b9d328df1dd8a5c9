//! What call tasks and the engine's own helper tasks report, and LiveKit's progress
//! routed to the call it belongs to.

use super::*;
use crate::domain::{AttemptEventKind, AttemptState, LeadState, Outcome, PauseReason};
use crate::engine::call::{CallEnd, CallProblem, NotStarted, Report};
use crate::engine::policy::automatic_status::{CallTrouble, Decision};
use crate::engine::slots::{CallKey, CallSignal};
use crate::engine::EngineEventKind;
use crate::telephony::{CallProgress, Telephony};
use tokio::time::Instant;

impl<T: Telephony> Actor<T> {
    pub(super) async fn on_report(&mut self, report: Report) {
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
                if let Some(slot) = self.slots.get_mut(key) {
                    slot.phone.clone_from(&started.phone);
                    slot.caller_id.clone_from(&started.caller_id);
                }
                for rested in &started.rested {
                    self.emit_call(key, AttemptEventKind::CallerIdRested, rested.clone());
                }
                let detail = match &started.caller_id {
                    Some(from) => format!(
                        "attempt {} to {} from {from}",
                        started.number, started.phone
                    ),
                    None => format!("attempt {} to {}", started.number, started.phone),
                };
                self.emit_call(key, AttemptEventKind::Dialing, detail);
            }
            Report::NotStarted { key, why } => self.not_started(key, why).await,
            Report::StoreTrouble { error } => {
                self.store_health
                    .failed(self.clock.now(), Instant::now(), &error)
            }
            Report::StoreRecovered => self.store_recovered().await,
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
            Report::LeadMoved {
                campaign,
                lead,
                from,
                to,
            } => self.lead_moved(campaign, lead, from, to),
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
                        watcher.watch_answered(&room);
                    }
                }
                let kind = if state == AttemptState::Ringing {
                    AttemptEventKind::Ringing
                } else {
                    AttemptEventKind::Answered
                };
                self.emit_call_at(at, key, kind, String::new());
            }
            // Found, whatever its state: an answer still to come is reported like a
            // dial's, and an answer already seen arrives as `Advanced` just after.
            Report::Found { key } => {
                let room = self.slots.get(key).and_then(|slot| slot.room.clone());
                if let (Some(watcher), Some(room)) = (&self.watcher, room) {
                    watcher.watch_unanswered(&room);
                }
            }
            Report::Noted {
                key,
                kind,
                at,
                detail,
            } => self.emit_call_at(at, key, kind, detail),
            Report::Finished { key, end } => self.finished(key, *end).await,
            Report::Closed { key } => {
                // A campaign whose retry rules name dispositions waits for its calls'
                // before it settles: with nothing left in the page, this close reads the
                // queue again to decide. (A disposition that moves a lead reads it
                // again itself, `LeadMoved`.)
                if let Some(run) = self
                    .slots
                    .closed(key)
                    .and_then(|campaign| self.runs.get_mut(&campaign))
                {
                    let page_empty = run.queue.leads.is_empty() && run.queue.urgent.is_empty();
                    run.queue.stale |= !run.settings.disposition_retries.is_empty() && page_empty;
                }
            }
        }
    }

    pub(super) async fn not_started(&mut self, key: CallKey, why: NotStarted) {
        self.infra.call_settled(key);
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
            NotStarted::CallerIdsUnavailable {
                until,
                capped,
                resting,
            } => {
                // The lead is untouched; the whole campaign waits for a number.
                if let Some(run) = self.runs.get_mut(&slot.campaign) {
                    run.caller_ids_out = Some((capped, resting, until));
                }
                self.review(slot.campaign, None).await;
            }
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

    pub(super) async fn finished(&mut self, key: CallKey, end: CallEnd) {
        self.infra.call_settled(key);
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
        // The one place an attempt's end is counted for `/metrics`.
        if let Some(metrics) = &self.config.metrics {
            let ring_timeout = self
                .runs
                .get(&campaign)
                .map_or(chrono::Duration::MAX, |run| {
                    chrono::Duration::from_std(run.settings.ringing_timeout())
                        .unwrap_or(chrono::Duration::MAX)
                });
            metrics.call_ended(
                campaign,
                end.outcome,
                &end.times,
                ring_timeout,
                end.agent_join_ms,
            );
        }
        if let Some(run) = self.runs.get_mut(&campaign) {
            *run.stats.outcomes.entry(end.outcome).or_default() += 1;
            let ring_timeout = chrono::Duration::from_std(run.settings.ringing_timeout())
                .unwrap_or(chrono::Duration::MAX);
            run.stats
                .durations
                .add(end.outcome, &end.times, ring_timeout);
            if end.outcome == Outcome::NotPlaced {
                run.cap.not_placed(end.dialed_at);
            }
            if let Some(ms) = end.agent_join_ms {
                run.stats.agent_joined(ms);
            }
            match end.outcome {
                Outcome::AgentMissing => run.agent_missing_in_a_row += 1,
                outcome if outcome.was_answered() => run.agent_missing_in_a_row = 0,
                _ => {}
            }
            run.call_ended(end.lead_state, end.lead_due_at, self.clock.now());
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
                let detail = format!("{problem}: {fix}");
                let trouble = CallTrouble::Configuration { problem, fix };
                self.review_after_call(campaign, trouble).await;
                self.emit(campaign, EngineEventKind::Problem, detail, None);
            }
            Some(CallProblem::AgentMissing { agent }) => {
                self.infra_answered().await;
                let in_a_row = self
                    .runs
                    .get(&campaign)
                    .map_or(0, |r| r.agent_missing_in_a_row);
                let trouble = CallTrouble::AgentMissing { agent, in_a_row };
                if let Some(Decision::Pause(reason @ PauseReason::AgentNotJoining { .. })) =
                    self.review_after_call(campaign, trouble).await
                {
                    let detail =
                        format!("{in_a_row} answered calls in a row without an agent: {reason}");
                    self.emit(campaign, EngineEventKind::Problem, detail, None);
                }
            }
            None => self.infra_answered().await,
        }
    }

    pub(super) async fn on_internal(&mut self, message: Internal) {
        match message {
            Internal::Page { campaign, result } => self.on_page(campaign, result).await,
            Internal::TrunkChecked {
                campaign,
                result,
                reply,
            } => self.trunk_checked(campaign, result, reply).await,
            Internal::StoreProbe(Ok(())) => self.store_recovered().await,
            Internal::StoreProbe(Err(err)) => {
                self.store_health
                    .probe_failed(Instant::now(), &err.to_string());
                self.dirty = true;
            }
            Internal::Probe(result) => {
                self.infra.probe_answered();
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
            Internal::Imported {
                campaign,
                result,
                reply,
            } => self.import_ended(campaign, result, reply),
            Internal::StatusWritten {
                campaign,
                status,
                result,
            } => self.status_written(campaign, status, result),
        }
    }

    pub(super) fn on_progress(&mut self, progress: CallProgress) {
        if let Some(signals) = self.slots.route(&progress.room) {
            signals.send(CallSignal::Progress(progress));
        }
    }
}
