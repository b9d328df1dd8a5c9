//! The console's state machine: one `update` that turns every `Event` into a change of
//! the `View` and returns the work it wants done (commands, queries, imports) as
//! `Effect`s, which `effects.rs` carries out; their answers come back as events. Nothing
//! here waits on the engine, talks to it or reads the database.
//!
//! This file holds the state and routes each event; what an action does depends on
//! what is open, one file per mode: `normal.rs` (the main screen), `popups.rs` (detail,
//! help, agents, confirmations, the quit question), `forms.rs`, `filter.rs`,
//! `lead_finder.rs`, `charts.rs` (the charts view), `command.rs` (the `:` line), `mouse.rs`;
//! `selection.rs` moves through the panes and `engine.rs` takes in what the engine says
//! (snapshots, events, answers) and asks for the pages the panes show.

mod charts;
mod command;
mod engine;
mod filter;
mod forms;
mod lead_finder;
mod mouse;
mod normal;
mod popups;
mod selection;
#[cfg(test)]
mod tests;

use super::action::{Action, Mode};
use super::available::{self, Verdict};
use super::effects::{Ask, Effect};
use super::event::Event;
use super::forms::campaign::CampaignForm;
use super::forms::Form;
use super::keymap::Keymap;
use super::port::{EnginePort, ReplyReceiver};
use super::strings;
use super::theme::Theme;
use super::view::{Overlay, StatusLine, View};
use crate::engine::Command;
use chrono::{DateTime, Utc};
use std::sync::Arc;
use std::time::Instant;

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
    /// Clicks select panes and rows, the wheel scrolls (`[ui] mouse`). Off, the
    /// terminal keeps its own selection for copying text.
    pub mouse: bool,
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
            mouse: true,
        }
    }
}

pub type Clock = Arc<dyn Fn() -> DateTime<Utc> + Send + Sync>;

pub struct App {
    pub view: View,
    /// Handed to the runner, which reads its streams and runs effects against it.
    pub(crate) port: Option<EnginePort>,
    settings: Settings,
    clock: Clock,
    /// What the event being applied asks for; `update` hands it out.
    effects: Vec<Effect>,
    /// The screen changed since it was last drawn.
    redraw: bool,
    /// A new engine can be started from here when the followed one is gone.
    engine_startable: bool,
}

impl App {
    pub fn new(port: EnginePort, settings: Settings) -> App {
        let engine_startable = port.start_engine.is_some();
        let mut view = View::new(settings.keymap.clone(), Theme::new(settings.color));
        view.demo = settings.demo;
        view.backend = settings.backend.clone();
        App {
            view,
            port: Some(port),
            settings,
            clock: Arc::new(Utc::now),
            effects: Vec::new(),
            redraw: true,
            engine_startable,
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

    /// True while something on screen changes with time alone.
    pub fn wants_tick(&self) -> bool {
        self.view.live_calls() > 0
            || self.view.queue.refresh_pending()
            || matches!(self.view.overlay, Some(Overlay::Charts(_)))
    }

    /// Applies one event and returns the work it asks for. Runs no effect itself, so
    /// it needs no runtime.
    pub fn update(&mut self, event: Event) -> Vec<Effect> {
        self.view.now = (self.clock)();
        let changed = self.apply(event);
        self.redraw |= changed;
        std::mem::take(&mut self.effects)
    }

    /// True once after an update that changed what the screen shows.
    pub fn take_redraw(&mut self) -> bool {
        std::mem::take(&mut self.redraw)
    }

    /// Changes the state for one event; true when the screen needs redrawing.
    fn apply(&mut self, event: Event) -> bool {
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
            Event::Mouse { event, screen } => self.on_mouse(event, screen),
            Event::Resize => true,
            Event::Tick => {
                let load = self.view.queue.refresh_if_due(Instant::now());
                self.load_queue(load);
                self.refresh_charts(Instant::now());
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
            Event::EngineStarted(result) => {
                match result {
                    Ok(()) => self.set_status(strings::ENGINE_STARTED.into(), false),
                    Err(why) => self.set_status(strings::engine_not_started(&why), true),
                }
                true
            }
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
            Event::Charts { campaign, result } => self.on_charts(campaign, result),
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
                        let form = match record.status {
                            crate::domain::CampaignStatus::Running => {
                                CampaignForm::while_running(record.id, record.settings)
                            }
                            _ => CampaignForm::new(Some(record.id), record.settings),
                        };
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
            Event::FindLead(text) => {
                if self.view.overlay.is_some() {
                    return false;
                }
                self.view.filter.editing = false;
                self.open_lead_finder(text);
                true
            }
            Event::LeadPage { request, result } => self.on_lead_page(request, result),
            Event::Terminate => {
                self.effects.push(Effect::QuitOnSignal);
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
            Mode::Form => self.edit_form(key),
            Mode::Filter => self.edit_filter(key),
            Mode::LeadFinder => self.edit_lead_finder(key),
            Mode::Command => self.edit_command(key),
            _ => false,
        }
    }

    fn on_paste(&mut self, text: &str) -> bool {
        match &mut self.view.overlay {
            Some(Overlay::Form(form)) => {
                form.paste(text);
                true
            }
            Some(Overlay::LeadFinder(_)) => self.paste_into_lead_finder(text),
            _ => false,
        }
    }

    /// Runs `action` if it works now (the hint bar reads the same answer), else says
    /// why or ignores it.
    fn on_action(&mut self, action: Action) -> bool {
        match available::check(&self.view, action) {
            Verdict::Works => {}
            Verdict::Refused(why) => {
                // Gone: what it takes is a new engine, so offer one.
                if self.view.engine_gone() && self.engine_startable && self.view.overlay.is_none() {
                    self.view.overlay = Some(Overlay::EngineGone);
                }
                self.set_status(why, true);
                return true;
            }
            Verdict::NotHere => return false,
        }
        match self.view.mode() {
            Mode::Normal => self.normal_action(action),
            Mode::Detail => self.detail_action(action),
            Mode::Help => self.help_action(action),
            Mode::Agents => self.agents_action(action),
            Mode::Confirm => self.confirm_action(action),
            Mode::QuitDialog => self.quit_dialog_action(action),
            Mode::Form => self.form_action(action),
            Mode::Filter => self.filter_action(action),
            Mode::LeadFinder => self.lead_finder_action(action),
            Mode::Charts => self.charts_action(action),
            Mode::Command => self.command_action(action),
        }
    }

    pub(super) fn ask(&mut self, ask: Ask) {
        self.effects.push(Effect::Ask(ask));
    }

    /// Sends `command` without waiting; its answer comes back as `Event::Reply`.
    pub(super) fn send(&mut self, what: String, command: Command) {
        self.set_status(strings::command_sent(&what), false);
        self.effects.push(Effect::Send { what, command });
    }

    pub(super) fn set_status(&mut self, text: String, error: bool) {
        self.view.status = Some(StatusLine { text, error });
    }
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("focus", &self.view.focus)
            .field("mode", &self.view.mode())
            .finish()
    }
}
