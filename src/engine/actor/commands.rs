//! Operator and API commands: create, edit, start, pause, stop, delete, hang up,
//! retry now, dispositions and the do-not-call list.

use super::*;
use crate::domain::{
    setting_change, AttemptEventKind, AttemptId, AttemptState, CampaignId, CampaignStatus,
    LeadState, PauseReason,
};
use crate::engine::campaign_run::CampaignRun;
use crate::engine::handle::{Envelope, ReplyTx};
use crate::engine::policy::lead_fate::{self, AttemptEnd};
use crate::engine::slots::CallSignal;
use crate::engine::{Command, EngineError, EngineEventKind, Reply};
use crate::store::attempts::{self, AttemptRecord};
use crate::store::queue;
use crate::store::{CampaignRecord, LeadRecord, NewCampaign};
use crate::telephony::{CallProgress, Telephony, TelephonyError};

impl<T: Telephony> Actor<T> {
    pub(super) async fn on_command(&mut self, Envelope { command, reply }: Envelope) {
        match command {
            Command::Start(_) | Command::Resume(_) if self.config.holds_only => {
                let refused = "this process only holds the database for one command and does not dial: start the campaign with `switchboard campaign start ID`, which starts an engine";
                let _ = reply.send(Err(EngineError::Refused(refused.into())));
                return;
            }
            Command::Start(id) | Command::Resume(id) => {
                return self.check_trunk_then_run(id, reply)
            }
            Command::Shutdown { grace } => return self.begin_shutdown(grace, reply).await,
            Command::ListTrunks => return self.list_trunks(reply),
            Command::ImportLeads(job) => return self.start_import(job, reply),
            _ => {}
        }
        let answer = self.command(command).await;
        self.dirty = true;
        let _ = reply.send(answer);
    }

    pub(super) async fn command(&mut self, command: Command) -> Result<Reply, EngineError> {
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
            Command::UpdateCampaign {
                id,
                settings,
                changed_by,
            } => {
                let stored = (*settings).clone();
                let by = match changed_by.trim() {
                    "" => "an operator".to_string(),
                    named => named.to_string(),
                };
                let who = by.clone();
                let changes = self
                    .store
                    .write(move |conn| {
                        CampaignRecord::update_settings(conn, id, &stored, &who, now)
                    })
                    .await?;
                if let Some(run) = self.runs.get_mut(&id) {
                    // Read at each dial: the pace, the size and the cap take effect on the
                    // next one; the queue is read again for new hours and numbers.
                    run.set_settings(*settings);
                    run.queue.stale = true;
                }
                if !changes.is_empty() {
                    let detail = format!("{by} changed {}", setting_change::summary(&changes));
                    self.emit(id, EngineEventKind::SettingsChanged, detail, None);
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
                self.set_status_stored(id, CampaignStatus::Paused, Some(PauseReason::Operator), "")
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
                self.set_status_stored(id, CampaignStatus::Stopped, None, "stopped by operator")
                    .await;
                if hang_up_live_calls {
                    for slot in self.slots.of_campaign(id) {
                        slot.signals.send(CallSignal::HangUp);
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
                slot.signals.send(CallSignal::HangUp);
                Ok(Reply::Done)
            }
            Command::ReportDisposition {
                attempt,
                value,
                note,
                callback_at,
            } => {
                self.report_disposition(attempt, value, note, callback_at)
                    .await
            }
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
            Command::Start(_)
            | Command::Resume(_)
            | Command::Shutdown { .. }
            | Command::ListTrunks
            | Command::ImportLeads(_) => Err(EngineError::Refused("handled elsewhere".into())),
        }
    }

    /// A live call (or one still awaiting its agent's report) gets the disposition as
    /// if LiveKit had reported it, so it is recorded once, by the call. An ended call's
    /// attempt is updated here, and its lead's fate decided again by the same policy
    /// when this attempt was the lead's last and left it where it is.
    pub(super) async fn report_disposition(
        &mut self,
        attempt: AttemptId,
        value: String,
        note: Option<String>,
        callback_at: Option<String>,
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
                callback_at: callback_at.clone(),
            };
            let progress = CallProgress {
                room: record.room.clone(),
                at: now,
                kind,
            };
            if signals.send(CallSignal::Progress(progress)) {
                return Ok(Reply::Done);
            }
        }
        let settings = self.run_of(record.campaign)?.settings.clone();
        let (text, campaign, lead) = (disposition.to_string(), record.campaign, record.lead);
        let shown = text.clone();
        let opt_out = self.config.opt_out.clone();
        let opted_out = opt_out.matches(&disposition);
        let phone = record.phone.clone();
        let (moved, marked) = self
            .store
            .write(move |conn| {
                attempts::set_disposition(conn, attempt, campaign, &text, note.as_deref(), now)?;
                let moved = match record.state {
                    AttemptState::Ended(outcome)
                        if attempts::latest_of_lead(conn, lead)? == Some(attempt) =>
                    {
                        let lead_record = LeadRecord::get(conn, lead)?;
                        let on_dnc = crate::store::lead_fate::number_on_dnc(conn, lead, campaign)?;
                        let before = record
                            .disposition
                            .as_deref()
                            .and_then(crate::domain::Disposition::new);
                        let decide = |disposition: Option<&crate::domain::Disposition>,
                                      callback_at| {
                            let end = AttemptEnd {
                                disposition,
                                callback_at,
                                on_dnc,
                                opted_out: disposition.is_some_and(|d| opt_out.matches(d)),
                                ..AttemptEnd::plain(outcome, lead_record.attempts, now)
                            };
                            lead_fate::after_attempt(&settings, &end)
                        };
                        let was = decide(before.as_ref(), None);
                        let next = decide(Some(&disposition), callback_at.as_deref());
                        let changed = was != next
                            && lead_record.state == was.state
                            && crate::store::lead_fate::move_on(conn, lead, was.state, next)?;
                        changed.then_some((was.state, next))
                    }
                    _ => None,
                };
                // The callee asked not to be called again: on every campaign's list.
                let marked = match opted_out {
                    true => {
                        let reason = format!("agent disposition `{text}` on attempt {attempt}");
                        crate::store::dnc::add(conn, &phone, None, Some(&reason), now)?;
                        Some(queue::mark_dnc(conn, &phone, None)?)
                    }
                    false => None,
                };
                Ok((moved, marked))
            })
            .await?;
        let detail = match &moved {
            Some((_, next)) => format!("{shown}: {}", lead_fate::describe(next)),
            None => shown,
        };
        self.emit(
            campaign,
            EngineEventKind::Attempt(AttemptEventKind::Disposition),
            detail,
            Some((attempt, lead, record.phone.clone())),
        );
        if let Some((from, next)) = moved {
            self.lead_moved(campaign, lead, from, next.state);
        }
        if let Some(marked) = marked {
            let detail = format!(
                "{} asked not to be called again: added to the do-not-call list",
                record.phone
            );
            self.emit(campaign, EngineEventKind::Problem, detail, None);
            self.leads_marked_dnc(marked);
        }
        Ok(Reply::Done)
    }

    pub(super) fn run_of(&self, id: CampaignId) -> Result<&CampaignRun, EngineError> {
        self.runs.get(&id).ok_or_else(|| EngineError::NotFound {
            what: format!("campaign {id}"),
        })
    }

    /// Lists the trunks in a task of its own (LiveKit may be slow), with the campaigns
    /// that use each as the engine knows them now.
    pub(super) fn list_trunks(&mut self, reply: ReplyTx) {
        let users: Vec<(String, CampaignId, String)> = self
            .runs
            .values()
            .map(|run| {
                (
                    run.settings.trunk_id.clone(),
                    run.record.id,
                    run.settings.name.clone(),
                )
            })
            .collect();
        let telephony = self.telephony.clone();
        tokio::spawn(async move {
            let answer = match telephony.list_trunks().await {
                Ok(trunks) => Ok(Reply::Trunks(trunk_uses(trunks, &users))),
                Err(err) => Err(EngineError::Refused(format!(
                    "could not list the trunks ({err})"
                ))),
            };
            let _ = reply.send(answer);
        });
    }

    /// Start and resume first ask LiveKit whether the campaign's trunk exists, in a
    /// task of its own so the engine keeps running meanwhile; nothing is touched before.
    pub(super) fn check_trunk_then_run(&mut self, id: CampaignId, reply: ReplyTx) {
        let run = match self.run_of(id) {
            Ok(run) => run,
            Err(err) => {
                let _ = reply.send(Err(err));
                return;
            }
        };
        let status = run.record.status;
        if status == CampaignStatus::Running && run.is_running() {
            // Asked twice, or resumed at start-up by the engine the command started:
            // what was asked for is so.
            let _ = reply.send(Ok(Reply::AlreadyRunning));
            return;
        }
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
            let _ = internal
                .send(Internal::TrunkChecked {
                    campaign: id,
                    result,
                    reply,
                })
                .await;
        });
    }

    pub(super) async fn trunk_checked(
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

    pub(super) async fn go(&mut self, id: CampaignId) -> Result<Reply, EngineError> {
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
        // Running first (a draft cannot become paused), then whatever automatic
        // pause applies: a start time not reached, the daily cap.
        let note = if start_at.is_some() { "" } else { "started" };
        self.set_status_stored(id, CampaignStatus::Running, None, note)
            .await;
        self.review(id, None).await;
        if let Some(run) = self.runs.get_mut(&id) {
            run.queue.stale = true;
        }
        Ok(Reply::Done)
    }

    /// Ids of the campaigns dialling now, collected so the caller may change them.
    pub(super) fn running_campaigns(&self) -> Vec<CampaignId> {
        self.runs.running()
    }
}

/// Each trunk with the campaigns (in id order) whose trunk it is.
fn trunk_uses(
    trunks: Vec<crate::telephony::TrunkInfo>,
    users: &[(String, CampaignId, String)],
) -> Vec<crate::engine::command::TrunkUse> {
    trunks
        .into_iter()
        .map(|t| {
            let mut campaigns: Vec<(CampaignId, String)> = users
                .iter()
                .filter(|(trunk, _, _)| *trunk == t.id)
                .map(|(_, id, name)| (*id, name.clone()))
                .collect();
            campaigns.sort_by_key(|(id, _)| id.0);
            crate::engine::command::TrunkUse {
                id: t.id,
                name: t.name,
                address: t.address,
                numbers: t.numbers,
                campaigns,
            }
        })
        .collect()
}
