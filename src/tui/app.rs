//! The console's state machine: one `update` that turns every `Event` into a change of
//! the `View`, and starts the work (commands, queries, imports) whose answers come back
//! as events. Nothing here waits on the engine, and nothing here reads the database:
//! every read and write is a request to the engine.

use super::action::{Action, Mode};
use super::event::{Event, PageDirection, QueuePage, TimelinePage};
use super::forms::campaign::CampaignForm;
use super::forms::dnc::DncForm;
use super::forms::import::{
    self as import_form, ImportEvent, ImportForm, ImportRequest, ImportStep,
};
use super::forms::Form;
use super::keymap::Keymap;
use super::port::{EngineCalls, EnginePort, ReplyReceiver};
use super::queue::{self, QueueLoad};
use super::strings;
use super::theme::Theme;
use super::timeline::{self, TimelineEntry, TimelineLoad};
use super::view::{
    AgentsState, CallerIdsState, DetailState, Overlay, Pane, PendingCommand, StatusLine, View,
};
use crate::domain::{AttemptEventKind, CampaignId, CampaignSettings, CampaignStatus, LeadId};
use crate::engine::{Command, EngineError, EngineEvent, EngineEventKind, Reply, Snapshot};
use crate::service::link::ENGINE_GONE;
use crate::service::protocol::{Answer, PageWay, Query};
use chrono::{DateTime, Utc};
use std::sync::Arc;
use std::time::Instant;
use tokio::sync::mpsc;
use tui_input::backend::crossterm::EventHandler;

/// How the console was left. Leaving never stops the engine: the console detaches and
/// a campaign left running goes on calling (only `demo`, whose engine is its own,
/// ends it afterwards).
#[derive(Debug)]
pub enum Exit {
    /// The operator quit, leaving whatever runs running.
    Quit,
    /// "Pause all and quit": every running campaign was sent `Pause`; the answers are
    /// awaited before leaving.
    PauseAndQuit(Vec<ReplyReceiver>),
    /// SIGTERM, SIGHUP, or the terminal gone.
    Signal,
}

/// What the console is started with, besides the engine.
#[derive(Debug, Clone)]
pub struct Settings {
    pub keymap: Keymap,
    pub color: bool,
    /// Region for numbers typed without a country code (imports, DNC).
    pub default_region: String,
    /// Redraws caused by the engine come at most this often.
    pub frame_interval: std::time::Duration,
    pub demo: bool,
    /// Where calls go, for the header: the LiveKit URL or the embedded sandbox.
    pub backend: Option<String>,
}

impl Default for Settings {
    fn default() -> Settings {
        Settings {
            keymap: Keymap::defaults(),
            color: true,
            default_region: "US".into(),
            frame_interval: std::time::Duration::from_millis(250),
            demo: false,
            backend: None,
        }
    }
}

pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

pub struct App {
    pub view: View,
    engine: Arc<dyn EngineCalls>,
    pub(crate) port: Option<EnginePort>,
    tx: mpsc::UnboundedSender<Event>,
    pub(crate) rx: Option<mpsc::UnboundedReceiver<Event>>,
    pub exit: Option<Exit>,
    settings: Settings,
    clock: Clock,
}

impl App {
    pub fn new(port: EnginePort, settings: Settings) -> App {
        let (tx, rx) = mpsc::unbounded_channel();
        let mut view = View::new(settings.keymap.clone(), Theme::new(settings.color));
        view.demo = settings.demo;
        view.backend = settings.backend.clone();
        App {
            view,
            engine: port.engine.clone(),
            port: Some(port),
            tx,
            rx: Some(rx),
            exit: None,
            settings,
            clock: Arc::new(Utc::now),
        }
    }

    /// Replaces the wall clock (tests).
    pub fn with_clock(mut self, clock: Clock) -> App {
        self.clock = clock;
        self
    }

    pub fn settings(&self) -> &Settings {
        &self.settings
    }

    /// A sender for events from outside (the headless driver).
    pub fn sender(&self) -> mpsc::UnboundedSender<Event> {
        self.tx.clone()
    }

    /// True while something on screen changes with time alone.
    pub fn wants_tick(&self) -> bool {
        self.view.live_calls() > 0 || self.view.queue.refresh_pending()
    }

    /// Applies one event; true when the screen needs redrawing.
    pub fn update(&mut self, event: Event) -> bool {
        self.view.now = (self.clock)();
        match event {
            Event::Key(key) => self.on_key(key),
            Event::Action(action) => {
                if action.modes().contains(&self.view.mode()) {
                    self.on_action(action)
                } else {
                    false
                }
            }
            Event::Paste(text) => self.on_paste(&text),
            Event::Resize => true,
            Event::Tick => {
                let load = self.view.queue.refresh_if_due(Instant::now());
                self.load_queue(load);
                self.view.live_calls() > 0
            }
            Event::Snapshot(snapshot) => self.on_snapshot(snapshot),
            Event::Engine(event) => self.on_engine_event(*event),
            Event::EventsLagged(missed) => {
                self.set_status(strings::events_lagged(missed), false);
                let load = self.view.timeline.reset(self.view.selected_campaign);
                self.load_timeline(load);
                true
            }
            Event::Reply { what, result } => self.on_reply(what, result),
            Event::QueuePage(page) => self.on_queue_page(page),
            Event::TimelinePage(page) => self.on_timeline_page(page),
            Event::Detail { lead, result } => {
                if let Some(Overlay::Detail(detail)) = &mut self.view.overlay {
                    if detail.lead == lead {
                        detail.history = Some(result.map_err(|e| e.to_string()));
                        return true;
                    }
                }
                false
            }
            Event::CallerIds { campaign, result } => self.on_caller_ids(campaign, result),
            Event::Variants { campaign, result } => {
                if let Some(Overlay::Agents(agents)) = &mut self.view.overlay {
                    if agents.campaign == Some(campaign) {
                        agents.variants = Some(result.map_err(|e| e.to_string()));
                        return true;
                    }
                }
                false
            }
            Event::Trunks(result) => {
                if let Some(Overlay::Agents(agents)) = &mut self.view.overlay {
                    agents.trunks = Some(result.map_err(|e| e.to_string()));
                    return true;
                }
                false
            }
            Event::CampaignLoaded(result) => {
                match result {
                    Ok(record) => {
                        let form = CampaignForm::new(Some(record.id), record.settings);
                        self.view.overlay = Some(Overlay::Form(Box::new(Form::Campaign(form))));
                    }
                    Err(e) => self.set_status(e.to_string(), true),
                }
                true
            }
            Event::Import(event) => {
                if let Some(Overlay::Form(form)) = &mut self.view.overlay {
                    if let Form::Import(import) = form.as_mut() {
                        import.apply(event);
                        return true;
                    }
                }
                false
            }
            Event::Terminate => {
                self.exit = Some(Exit::Signal);
                true
            }
        }
    }

    fn on_key(&mut self, key: crossterm::event::KeyEvent) -> bool {
        if key.kind == crossterm::event::KeyEventKind::Release {
            return false;
        }
        let mode = self.view.mode();
        if let Some(action) = self.view.keymap.action(mode, &key) {
            return self.on_action(action);
        }
        match mode {
            Mode::Form => {
                if let Some(Overlay::Form(form)) = &mut self.view.overlay {
                    form.edit(key);
                }
                true
            }
            Mode::Filter => {
                self.view
                    .filter
                    .input
                    .handle_event(&crossterm::event::Event::Key(key));
                self.view.slot_selected = 0;
                true
            }
            _ => false,
        }
    }

    fn on_paste(&mut self, text: &str) -> bool {
        match &mut self.view.overlay {
            Some(Overlay::Form(form)) => {
                form.paste(text);
                true
            }
            _ => false,
        }
    }

    fn on_action(&mut self, action: Action) -> bool {
        match self.view.mode() {
            Mode::Normal => self.normal_action(action),
            Mode::Detail => self.detail_action(action),
            Mode::Agents => {
                if action == Action::Close {
                    self.view.overlay = None;
                }
                true
            }
            Mode::Help => {
                let last = super::popups::help::lines(&self.view)
                    .len()
                    .saturating_sub(1) as u16;
                if let Some(Overlay::Help { scroll }) = &mut self.view.overlay {
                    match action {
                        Action::Down => *scroll = scroll.saturating_add(1).min(last),
                        Action::Up => *scroll = scroll.saturating_sub(1),
                        _ => self.view.overlay = None,
                    }
                }
                true
            }
            Mode::Form => self.form_action(action),
            Mode::Confirm => {
                if let Some(Overlay::Confirm { pending, .. }) = self.view.overlay.take() {
                    if action == Action::Confirm {
                        self.send(pending.what, pending.command);
                    }
                }
                true
            }
            Mode::QuitDialog => {
                match action {
                    Action::PauseAndQuit => {
                        let running: Vec<(String, CampaignId)> = self
                            .view
                            .snapshot
                            .campaigns
                            .iter()
                            .filter(|c| c.status == CampaignStatus::Running)
                            .map(|c| (c.name.clone(), c.id))
                            .collect();
                        let replies = running
                            .into_iter()
                            .filter_map(|(_, id)| self.engine.try_send(Command::Pause(id)).ok())
                            .collect();
                        self.exit = Some(Exit::PauseAndQuit(replies));
                    }
                    Action::KeepRunningAndQuit => self.exit = Some(Exit::Quit),
                    _ => self.view.overlay = None,
                }
                true
            }
            Mode::Filter => {
                self.view.filter.editing = false;
                if action == Action::Cancel {
                    self.view.filter.input.reset();
                }
                if self.view.focus == Pane::Queue {
                    let load = self
                        .view
                        .queue
                        .set_filter(self.view.filter.text().map(str::to_owned));
                    self.load_queue(load);
                }
                true
            }
        }
    }

    fn normal_action(&mut self, action: Action) -> bool {
        let campaign = self
            .view
            .campaign()
            .map(|c| (c.id, c.name.clone(), c.status, c.slots.len()));
        match action {
            Action::Quit => {
                let running = self
                    .view
                    .snapshot
                    .campaigns
                    .iter()
                    .any(|c| c.status == CampaignStatus::Running);
                if running {
                    self.view.overlay = Some(Overlay::Quit);
                } else {
                    self.exit = Some(Exit::Quit);
                }
            }
            Action::Help => self.view.overlay = Some(Overlay::Help { scroll: 0 }),
            Action::Start | Action::Pause | Action::Resume | Action::Stop => {
                let Some((id, name, status, live)) = campaign else {
                    self.set_status(strings::NOTHING_SELECTED.into(), true);
                    return true;
                };
                let (wanted, command) = match action {
                    Action::Start => (CampaignStatus::Draft, Command::Start(id)),
                    Action::Pause => (CampaignStatus::Running, Command::Pause(id)),
                    Action::Resume => (CampaignStatus::Paused, Command::Resume(id)),
                    _ => (
                        status,
                        Command::Stop {
                            id,
                            hang_up_live_calls: true,
                        },
                    ),
                };
                let verb = strings::action_label(action);
                if action == Action::Stop {
                    if status.is_finished() {
                        self.set_status(strings::not_for_status(verb, status.as_str()), true);
                    } else {
                        let pending = PendingCommand {
                            what: format!("{verb} \"{name}\""),
                            command,
                        };
                        let question = strings::confirm_stop(&name, live);
                        self.view.overlay = Some(Overlay::Confirm { question, pending });
                    }
                } else if status != wanted {
                    self.set_status(strings::not_for_status(verb, status.as_str()), true);
                } else {
                    self.send(format!("{verb} \"{name}\""), command);
                }
            }
            Action::DeleteCampaign => match campaign {
                None => self.set_status(strings::NOTHING_SELECTED.into(), true),
                Some((_, name, CampaignStatus::Running, _)) => {
                    self.set_status(strings::delete_running(&name), true)
                }
                Some((id, name, _, _)) => {
                    let leads = self.view.campaign().map_or(0, |c| c.leads.total());
                    let verb = strings::action_label(action);
                    let pending = PendingCommand {
                        what: format!("{verb} \"{name}\""),
                        command: Command::DeleteCampaign(id),
                    };
                    let question = strings::confirm_delete(&name, leads);
                    self.view.overlay = Some(Overlay::Confirm { question, pending });
                }
            },
            Action::NewCampaign => {
                // Agent and trunk are usually the same across campaigns: start from the selected one's.
                let mut settings = CampaignSettings::default();
                if let Some(c) = self.view.campaign() {
                    settings.agent_name = c.agent_name.clone();
                    settings.trunk_id = c.trunk_id.clone();
                }
                let form = CampaignForm::new(None, settings);
                self.view.overlay = Some(Overlay::Form(Box::new(Form::Campaign(form))));
            }
            Action::EditCampaign => match campaign {
                Some((id, _, status, _)) if status.is_editable() => {
                    let tx = self.tx.clone();
                    let asked = self.engine.query(Query::Campaign { campaign: id });
                    tokio::spawn(async move {
                        let result = asked.await.and_then(|answer| match answer {
                            Answer::Campaign(record) => Ok(record),
                            other => Err(unexpected(&other)),
                        });
                        let _ = tx.send(Event::CampaignLoaded(result));
                    });
                }
                Some((_, _, status, _)) => self.set_status(
                    strings::not_for_status(strings::action_label(action), status.as_str()),
                    true,
                ),
                None => self.set_status(strings::NOTHING_SELECTED.into(), true),
            },
            Action::Import => match campaign {
                Some((id, name, status, _)) if !status.is_finished() => {
                    let form = ImportForm::new(id, name, &self.settings.default_region);
                    self.view.overlay = Some(Overlay::Form(Box::new(Form::Import(form))));
                }
                Some((_, _, status, _)) => self.set_status(
                    strings::not_for_status(strings::action_label(action), status.as_str()),
                    true,
                ),
                None => self.set_status(strings::NOTHING_SELECTED.into(), true),
            },
            Action::AddDnc => {
                let phone = match self.view.focus {
                    Pane::Slots => self.view.selected_slot().map(|s| s.phone.clone()),
                    Pane::Queue => self.view.queue.selected_row().map(|r| r.phone.clone()),
                    _ => None,
                };
                let form = DncForm::new(
                    self.view.selected_campaign,
                    phone.as_deref().unwrap_or(""),
                    &self.settings.default_region,
                );
                self.view.overlay = Some(Overlay::Form(Box::new(Form::Dnc(form))));
            }
            Action::HangUp => match self
                .view
                .selected_slot()
                .filter(|_| self.view.focus == Pane::Slots)
            {
                Some(slot) => {
                    let what =
                        strings::end_call_to(slot.lead_name.as_deref().unwrap_or(&slot.phone));
                    let command = Command::HangUp(slot.attempt);
                    self.send(what, command);
                }
                None => self.set_status(strings::NO_CALL_SELECTED.into(), true),
            },
            Action::Details => self.open_details(),
            Action::Agents => self.open_agents(),
            Action::Filter => self.view.filter.editing = true,
            Action::Follow => {
                if self.view.timeline.follow {
                    self.view.timeline.move_by(0);
                } else {
                    let load = self.view.timeline.bottom();
                    self.load_timeline(load);
                }
            }
            Action::FocusNext => self.view.focus = self.view.focus.next(),
            Action::FocusPrev => self.view.focus = self.view.focus.prev(),
            Action::FocusCampaigns => self.view.focus = Pane::Campaigns,
            Action::FocusSlots => self.view.focus = Pane::Slots,
            Action::FocusQueue => self.view.focus = Pane::Queue,
            Action::FocusTimeline => self.view.focus = Pane::Timeline,
            Action::Down => self.move_selection(1),
            Action::Up => self.move_selection(-1),
            Action::PageDown => self.move_selection(PAGE_STEP),
            Action::PageUp => self.move_selection(-PAGE_STEP),
            Action::Top => self.jump(true),
            Action::Bottom => self.jump(false),
            _ => return false,
        }
        true
    }

    fn detail_action(&mut self, action: Action) -> bool {
        let Some(Overlay::Detail(detail)) = &mut self.view.overlay else {
            return false;
        };
        match action {
            Action::Down => detail.scroll = detail.scroll.saturating_add(1),
            Action::Up => detail.scroll = detail.scroll.saturating_sub(1),
            Action::Close => self.view.overlay = None,
            Action::HangUp => {
                let live = detail.attempt.filter(|a| {
                    self.view
                        .snapshot
                        .campaigns
                        .iter()
                        .any(|c| c.slots.iter().any(|s| s.attempt == *a))
                });
                match live {
                    Some(attempt) => self.send(
                        strings::end_call_to(&attempt.label()),
                        Command::HangUp(attempt),
                    ),
                    None => self.set_status(strings::NO_CALL_SELECTED.into(), true),
                }
            }
            Action::RetryNow => {
                let lead = detail.lead;
                self.send(strings::retry_now(&lead.label()), Command::RetryNow(lead));
            }
            Action::MarkDnc => {
                let phone = match &detail.history {
                    Some(Ok(history)) => history.lead.phone.clone(),
                    _ => return false,
                };
                let campaign = detail.campaign;
                let pending = PendingCommand {
                    what: strings::mark_dnc(&phone),
                    command: Command::MarkDnc {
                        phone: phone.clone(),
                        campaign,
                        reason: Some(strings::DNC_REASON_CONSOLE.into()),
                    },
                };
                self.view.overlay = Some(Overlay::Confirm {
                    question: strings::confirm_dnc(&phone),
                    pending,
                });
            }
            _ => return false,
        }
        true
    }

    fn form_action(&mut self, action: Action) -> bool {
        let Some(Overlay::Form(form)) = &mut self.view.overlay else {
            return false;
        };
        match action {
            Action::NextField => form.focus_by(1),
            Action::PrevField => form.focus_by(-1),
            Action::Cancel => self.view.overlay = None,
            Action::Submit => match form.as_mut() {
                Form::Campaign(f) => {
                    if let Some((what, command)) = f.command() {
                        self.view.overlay = None;
                        self.send(what, command);
                    }
                }
                Form::Dnc(f) => {
                    if let Some((what, command)) = f.command() {
                        self.view.overlay = None;
                        self.send(what, command);
                    }
                }
                Form::Import(f) => match f.stage {
                    import_form::ImportStage::Done(_) => {
                        self.view.overlay = None;
                        let load = self.view.queue.reset(self.view.selected_campaign);
                        self.load_queue(load);
                    }
                    import_form::ImportStage::Running => {}
                    import_form::ImportStage::Editing => match f.next_step() {
                        ImportStep::Nothing => {}
                        ImportStep::Preview(path) => self.preview_import(path),
                        ImportStep::Import(request) => self.run_import(request),
                    },
                },
            },
            _ => return false,
        }
        true
    }

    fn move_selection(&mut self, delta: isize) {
        match self.view.focus {
            Pane::Campaigns => {
                let ids: Vec<CampaignId> =
                    self.view.visible_campaigns().iter().map(|c| c.id).collect();
                if ids.is_empty() {
                    return;
                }
                let current = self
                    .view
                    .selected_campaign
                    .and_then(|id| ids.iter().position(|c| *c == id))
                    .unwrap_or(0);
                let next = current.saturating_add_signed(delta).min(ids.len() - 1);
                self.select_campaign(Some(ids[next]));
            }
            Pane::Slots => {
                let n = self.view.visible_slots().len();
                self.view.slot_selected = self
                    .view
                    .slot_selected
                    .saturating_add_signed(delta)
                    .min(n.saturating_sub(1));
            }
            Pane::Queue => {
                let load = self.view.queue.move_by(delta);
                self.load_queue(load);
            }
            Pane::Timeline => {
                let load = self.view.timeline.move_by(delta);
                self.load_timeline(load);
            }
        }
    }

    fn jump(&mut self, top: bool) {
        match self.view.focus {
            Pane::Campaigns | Pane::Slots => {
                self.move_selection(if top { isize::MIN / 2 } else { isize::MAX / 2 })
            }
            Pane::Queue => {
                let load = if top {
                    self.view.queue.top()
                } else {
                    self.view.queue.bottom()
                };
                self.load_queue(load);
            }
            Pane::Timeline => {
                let load = if top {
                    self.view.timeline.top()
                } else {
                    self.view.timeline.bottom()
                };
                self.load_timeline(load);
            }
        }
    }

    fn open_details(&mut self) {
        let target = match self.view.focus {
            Pane::Slots => self.view.selected_slot().map(|s| (s.lead, Some(s.attempt))),
            Pane::Queue => self.view.queue.selected_row().map(|r| (r.lead, None)),
            Pane::Timeline => self
                .view
                .timeline
                .selected()
                .and_then(|e| e.lead.map(|l| (l, e.attempt))),
            Pane::Campaigns => {
                self.view.focus = Pane::Slots;
                return;
            }
        };
        let Some((lead, attempt)) = target else {
            self.set_status(strings::NOTHING_TO_SHOW.into(), true);
            return;
        };
        self.view.overlay = Some(Overlay::Detail(Box::new(DetailState {
            lead,
            attempt,
            campaign: self.view.selected_campaign,
            history: None,
            scroll: 0,
        })));
        self.load_detail(lead);
    }

    /// Opens the agents popup and asks the engine for its two parts.
    fn open_agents(&mut self) {
        let campaign = self.view.selected_campaign;
        self.view.overlay = Some(Overlay::Agents(Box::new(AgentsState {
            campaign,
            variants: None,
            trunks: None,
        })));
        if let Some(campaign) = campaign {
            let tx = self.tx.clone();
            let asked = self.engine.query(Query::VariantReport { campaign });
            tokio::spawn(async move {
                let result = asked.await.and_then(|answer| match answer {
                    Answer::VariantReport(report) => Ok(report),
                    other => Err(unexpected(&other)),
                });
                let _ = tx.send(Event::Variants { campaign, result });
            });
        }
        match self.engine.try_send(Command::ListTrunks) {
            Ok(answer) => {
                let tx = self.tx.clone();
                tokio::spawn(async move {
                    let result = match answer.await.unwrap_or(Err(EngineError::Stopped)) {
                        Ok(Reply::Trunks(trunks)) => Ok(trunks),
                        Ok(_) => Err(EngineError::Refused("unexpected reply".into())),
                        Err(e) => Err(e),
                    };
                    let _ = tx.send(Event::Trunks(result));
                });
            }
            Err(e) => {
                let _ = self.tx.send(Event::Trunks(Err(e)));
            }
        }
    }

    fn load_detail(&self, lead: LeadId) {
        let tx = self.tx.clone();
        let asked = self.engine.query(Query::LeadHistory { lead });
        tokio::spawn(async move {
            let result = asked.await.and_then(|answer| match answer {
                Answer::LeadHistory(history) => Ok(*history),
                other => Err(unexpected(&other)),
            });
            let _ = tx.send(Event::Detail { lead, result });
        });
    }

    fn on_snapshot(&mut self, snapshot: Arc<Snapshot>) -> bool {
        let gone = |s: &Snapshot| s.notice.as_deref() == Some(ENGINE_GONE);
        let back = gone(&self.view.snapshot) && !gone(&snapshot);
        self.view.snapshot = snapshot;
        if back {
            // Events from while it was away never came: read the timeline again.
            self.set_status(strings::ENGINE_BACK.into(), false);
            let load = self.view.timeline.reset(self.view.selected_campaign);
            self.load_timeline(load);
        }
        let selected_exists = self.view.campaign().is_some();
        if !selected_exists {
            // Reopening the console shows what is running (it resumed by itself), else
            // the first campaign.
            let campaigns = &self.view.snapshot.campaigns;
            let first = campaigns
                .iter()
                .find(|c| c.status == CampaignStatus::Running)
                .or(campaigns.first())
                .map(|c| c.id);
            // A campaign just created may not be in this snapshot yet; keep waiting for it.
            if self.view.selected_campaign.is_none()
                || first.is_some() && !self.awaiting_new_campaign()
            {
                self.select_campaign(first);
            }
        }
        let n = self.view.visible_slots().len();
        self.view.slot_selected = self.view.slot_selected.min(n.saturating_sub(1));
        self.view.queue.mark_stale();
        let load = self.view.queue.refresh_if_due(Instant::now());
        self.load_queue(load);
        if let Some(Overlay::Detail(detail)) = &self.view.overlay {
            // The lead's history changes as its call progresses.
            if detail.attempt.is_some()
                && self
                    .view
                    .snapshot
                    .campaigns
                    .iter()
                    .any(|c| c.slots.iter().any(|s| Some(s.attempt) == detail.attempt))
            {
                let lead = detail.lead;
                self.load_detail(lead);
            }
        }
        true
    }

    fn awaiting_new_campaign(&self) -> bool {
        self.view
            .selected_campaign
            .is_some_and(|id| self.view.snapshot.campaigns.iter().all(|c| c.id < id))
    }

    fn select_campaign(&mut self, id: Option<CampaignId>) {
        if self.view.selected_campaign == id && self.view.timeline.campaign == id {
            return;
        }
        self.view.selected_campaign = id;
        self.view.slot_selected = 0;
        let load = self.view.queue.reset(id);
        self.load_queue(load);
        let load = self.view.timeline.reset(id);
        self.load_timeline(load);
        self.view.caller_ids = CallerIdsState {
            campaign: id,
            ..CallerIdsState::default()
        };
        self.load_caller_ids();
    }

    /// Reads the selected campaign's caller IDs; one read at a time, the latest wins.
    fn load_caller_ids(&mut self) {
        let Some(campaign) = self.view.caller_ids.campaign else {
            return;
        };
        if self.view.caller_ids.loading {
            self.view.caller_ids.stale = true;
            return;
        }
        self.view.caller_ids.loading = true;
        let tx = self.tx.clone();
        let asked = self.engine.query(Query::CallerIds { campaign });
        tokio::spawn(async move {
            let result = asked.await.and_then(|answer| match answer {
                Answer::CallerIds(rows) => Ok(rows),
                other => Err(unexpected(&other)),
            });
            let _ = tx.send(Event::CallerIds { campaign, result });
        });
    }

    fn on_caller_ids(
        &mut self,
        campaign: CampaignId,
        result: Result<Vec<crate::store::caller_ids::CallerIdHealth>, EngineError>,
    ) -> bool {
        let state = &mut self.view.caller_ids;
        if state.campaign != Some(campaign) {
            return false;
        }
        state.loading = false;
        // A failed read keeps what was shown; the next call's end reads again.
        if let Ok(rows) = result {
            state.rows = rows;
        }
        if std::mem::take(&mut state.stale) {
            self.load_caller_ids();
        }
        true
    }

    fn on_engine_event(&mut self, event: EngineEvent) -> bool {
        // A call's start or end changes its caller ID's counts.
        let counts_change = matches!(
            event.kind,
            EngineEventKind::Attempt(
                AttemptEventKind::Dialing
                    | AttemptEventKind::Ended
                    | AttemptEventKind::CallerIdRested
            )
        );
        if counts_change && self.view.caller_ids.campaign == Some(event.campaign) {
            self.load_caller_ids();
        }
        if let EngineEventKind::Problem = event.kind {
            self.set_status(event.detail.clone(), true);
        }
        if self.view.timeline.campaign == Some(event.campaign) {
            self.view
                .timeline
                .push_live(TimelineEntry::from_event(&event));
            return true;
        }
        matches!(event.kind, EngineEventKind::Problem)
    }

    fn on_reply(&mut self, what: String, result: Result<Reply, EngineError>) -> bool {
        match result {
            Ok(Reply::Created(id)) => {
                self.set_status(strings::campaign_created(&id.label()), false);
                self.select_campaign(Some(id));
                self.view.focus = Pane::Campaigns;
            }
            Ok(Reply::Deleted(id)) => {
                self.set_status(strings::campaign_deleted(&id.label()), false);
                if self.view.selected_campaign == Some(id) {
                    let next = self
                        .view
                        .snapshot
                        .campaigns
                        .iter()
                        .find(|c| c.id != id)
                        .map(|c| c.id);
                    self.select_campaign(next);
                }
            }
            Ok(
                Reply::Done
                | Reply::DncAdded { .. }
                | Reply::DncRemoved(_)
                | Reply::Trunks(_)
                | Reply::Imported(_),
            ) => {
                self.set_status(strings::command_done(&what), false)
            }
            Err(e) => self.set_status(strings::command_failed(&what, &e.to_string()), true),
        }
        true
    }

    fn on_queue_page(&mut self, page: QueuePage) -> bool {
        if !self.view.queue.is_current(page.campaign, page.request) {
            return false;
        }
        match page.rows {
            Ok(rows) => {
                let total = self.view.queue_total();
                self.view.queue.apply(page.direction, rows, total);
            }
            Err(e) => {
                self.view.queue.failed();
                self.set_status(e.to_string(), true);
            }
        }
        true
    }

    fn on_timeline_page(&mut self, page: TimelinePage) -> bool {
        if !self.view.timeline.is_current(page.campaign, page.request) {
            return false;
        }
        match page.rows {
            Ok(rows) if page.newest => self.view.timeline.apply_newest(rows),
            Ok(rows) => self.view.timeline.apply_older(rows),
            Err(e) => {
                self.view.timeline.loading_older = false;
                self.view.timeline.loading_newest = false;
                self.set_status(e.to_string(), true);
            }
        }
        true
    }

    fn load_queue(&self, load: Option<QueueLoad>) {
        let Some(load) = load else { return };
        let QueueLoad {
            campaign,
            request,
            direction,
            from,
        } = load;
        let (way, from) = match direction {
            PageDirection::First => (PageWay::After, None),
            PageDirection::After => (PageWay::After, from),
            PageDirection::Last => (PageWay::Before, None),
            PageDirection::Before => (PageWay::Before, from),
        };
        let asked = self.engine.query(Query::QueuePage {
            campaign,
            way,
            from,
            limit: queue::PAGE,
            filter: self.view.queue.filter.clone(),
        });
        let tx = self.tx.clone();
        tokio::spawn(async move {
            let rows = asked.await.and_then(|answer| match answer {
                Answer::QueuePage(rows) => Ok(rows),
                other => Err(unexpected(&other)),
            });
            let _ = tx.send(Event::QueuePage(QueuePage {
                campaign,
                request,
                direction,
                rows,
            }));
        });
    }

    fn load_timeline(&self, load: Option<TimelineLoad>) {
        let Some(load) = load else { return };
        let Some(campaign) = self.view.timeline.campaign else {
            return;
        };
        let (request, newest, before) = match load {
            TimelineLoad::Newest { request } => (request, true, None),
            TimelineLoad::Older { request, before } => (request, false, before),
        };
        let asked = self.engine.query(Query::TimelinePage {
            campaign,
            before,
            limit: timeline::PAGE,
        });
        let tx = self.tx.clone();
        tokio::spawn(async move {
            let rows = asked.await.and_then(|answer| match answer {
                Answer::TimelinePage(rows) => Ok(rows),
                other => Err(unexpected(&other)),
            });
            let _ = tx.send(Event::TimelinePage(TimelinePage {
                campaign,
                request,
                newest,
                rows,
            }));
        });
    }

    fn preview_import(&self, path: std::path::PathBuf) {
        let tx = self.tx.clone();
        tokio::task::spawn_blocking(move || {
            let result = import_form::read_preview(&path);
            let _ = tx.send(Event::Import(ImportEvent::Preview { path, result }));
        });
    }

    fn run_import(&self, request: ImportRequest) {
        let tx = self.tx.clone();
        let asked = self
            .engine
            .import_file(request.campaign, request.path, request.region);
        tokio::spawn(async move {
            let result = asked.await.map(Box::new).map_err(|e| e.to_string());
            let _ = tx.send(Event::Import(ImportEvent::Finished(result)));
        });
    }

    /// Sends `command` without waiting; its answer comes back as `Event::Reply`.
    fn send(&mut self, what: String, command: Command) {
        match self.engine.try_send(command) {
            Ok(answer) => {
                self.set_status(strings::command_sent(&what), false);
                let tx = self.tx.clone();
                tokio::spawn(async move {
                    let result = answer.await.unwrap_or(Err(EngineError::Stopped));
                    let _ = tx.send(Event::Reply { what, result });
                });
            }
            Err(e) => self.set_status(strings::command_failed(&what, &e.to_string()), true),
        }
    }

    fn set_status(&mut self, text: String, error: bool) {
        self.view.status = Some(StatusLine { text, error });
    }
}

/// An answer to a different query than the one asked: the engine and the console
/// disagree on the protocol.
fn unexpected(answer: &Answer) -> EngineError {
    EngineError::Refused(format!(
        "the engine answered with something else than what was asked ({answer:?})"
    ))
}

/// Rows moved by page up / page down.
const PAGE_STEP: isize = 10;

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("focus", &self.view.focus)
            .field("mode", &self.view.mode())
            .finish()
    }
}
