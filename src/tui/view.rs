//! The console's state: the latest engine snapshot plus everything the operator has
//! done to the screen. `update` changes it; the draw functions only read it.

use super::action::Mode;
use super::charts::ChartsState;
use super::command_line::CommandLine;
use super::forms::Form;
use super::keymap::Keymap;
use super::queue::Queue;
use super::theme::Theme;
use super::timeline::Timeline;
use crate::domain::{AttemptId, CampaignId, LeadId};
use crate::engine::{CampaignView, Command, SlotView, Snapshot};
use crate::store::views::LeadHistory;
use chrono::{DateTime, Utc};
use std::sync::Arc;
use tui_input::Input;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Pane {
    Campaigns,
    Slots,
    Queue,
    Timeline,
}

impl Pane {
    pub const ORDER: [Pane; 4] = [Pane::Campaigns, Pane::Slots, Pane::Queue, Pane::Timeline];

    pub fn next(self) -> Pane {
        let i = Self::ORDER.iter().position(|p| *p == self).unwrap_or(0);
        Self::ORDER[(i + 1) % Self::ORDER.len()]
    }

    pub fn prev(self) -> Pane {
        let i = Self::ORDER.iter().position(|p| *p == self).unwrap_or(0);
        Self::ORDER[(i + Self::ORDER.len() - 1) % Self::ORDER.len()]
    }

    pub fn number(self) -> usize {
        Self::ORDER.iter().position(|p| *p == self).unwrap_or(0) + 1
    }
}

/// A command waiting for the operator's yes.
#[derive(Debug, Clone)]
pub struct PendingCommand {
    pub what: String,
    pub command: Command,
}

#[derive(Debug)]
pub struct DetailState {
    pub lead: LeadId,
    /// The call the popup was opened from, if any: `h` ends it.
    pub attempt: Option<AttemptId>,
    pub campaign: Option<CampaignId>,
    pub history: Option<Result<LeadHistory, String>>,
    pub scroll: u16,
    /// The lead finder it was opened from: closing the history goes back to it.
    pub finder: Option<Box<super::popups::lead_finder::LeadFinder>>,
}

#[derive(Debug)]
pub enum Overlay {
    Help {
        scroll: u16,
    },
    Detail(Box<DetailState>),
    Form(Box<Form>),
    Confirm {
        question: String,
        pending: PendingCommand,
    },
    Quit,
    Agents(Box<AgentsState>),
    /// The followed engine does not answer: start a new one here?
    EngineGone,
    LeadFinder(Box<super::popups::lead_finder::LeadFinder>),
    /// Covers the panes (header and footer stay).
    Charts(Box<ChartsState>),
}

/// The agents popup: the selected campaign's A/B table and the project's trunks, each
/// `None` while it loads.
#[derive(Debug, Clone, PartialEq)]
pub struct AgentsState {
    pub campaign: Option<crate::domain::CampaignId>,
    pub variants: Option<Result<Option<Box<crate::domain::VariantReport>>, String>>,
    pub trunks: Option<Result<Vec<crate::engine::TrunkUse>, String>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusLine {
    pub text: String,
    pub error: bool,
}

/// The selected campaign's caller IDs, read from the engine when the selection changes
/// and again as its calls end.
#[derive(Debug, Default)]
pub struct CallerIdsState {
    pub campaign: Option<CampaignId>,
    pub rows: Vec<crate::store::caller_ids::CallerIdHealth>,
    /// A read is on its way; `stale` asks for another once it lands.
    pub loading: bool,
    pub stale: bool,
}

#[derive(Debug, Default)]
pub struct FilterState {
    pub input: Input,
    pub editing: bool,
}

impl FilterState {
    pub fn text(&self) -> Option<&str> {
        Some(self.input.value().trim()).filter(|t| !t.is_empty())
    }
}

pub struct View {
    pub keymap: Keymap,
    pub theme: Theme,
    pub snapshot: Arc<Snapshot>,
    /// The wall clock when the state last changed; elapsed times count from it.
    pub now: DateTime<Utc>,
    pub focus: Pane,
    pub selected_campaign: Option<CampaignId>,
    pub slot_selected: usize,
    pub queue: Queue,
    pub timeline: Timeline,
    pub caller_ids: CallerIdsState,
    pub overlay: Option<Overlay>,
    pub filter: FilterState,
    /// The `:` line being typed, over whatever is open.
    pub command: Option<CommandLine>,
    pub status: Option<StatusLine>,
    /// Shown in the header in `switchboard demo`.
    pub demo: bool,
    /// Where calls go (LiveKit URL or the embedded sandbox), shown in the header.
    pub backend: Option<String>,
}

impl View {
    pub fn new(keymap: Keymap, theme: Theme) -> View {
        View {
            keymap,
            theme,
            snapshot: Arc::new(Snapshot::default()),
            now: Utc::now(),
            focus: Pane::Campaigns,
            selected_campaign: None,
            slot_selected: 0,
            queue: Queue::default(),
            timeline: Timeline::new(),
            caller_ids: CallerIdsState::default(),
            overlay: None,
            filter: FilterState::default(),
            command: None,
            status: None,
            demo: false,
            backend: None,
        }
    }

    pub fn mode(&self) -> Mode {
        if self.command.is_some() {
            return Mode::Command;
        }
        match &self.overlay {
            Some(Overlay::Help { .. }) => Mode::Help,
            Some(Overlay::Detail(_)) => Mode::Detail,
            Some(Overlay::Form(_)) => Mode::Form,
            Some(Overlay::Confirm { .. } | Overlay::EngineGone) => Mode::Confirm,
            Some(Overlay::Quit) => Mode::QuitDialog,
            Some(Overlay::Agents(_)) => Mode::Agents,
            Some(Overlay::LeadFinder(_)) => Mode::LeadFinder,
            Some(Overlay::Charts(_)) => Mode::Charts,
            None if self.filter.editing => Mode::Filter,
            None => Mode::Normal,
        }
    }

    /// The engine followed does not answer (the link says so on its last snapshot).
    pub fn engine_gone(&self) -> bool {
        self.snapshot.notice.as_deref() == Some(crate::service::link::ENGINE_GONE)
    }

    pub fn campaign(&self) -> Option<&CampaignView> {
        self.selected_campaign
            .and_then(|id| self.snapshot.campaign(id))
    }

    /// Campaigns shown in the list (the filter applies when that pane has focus).
    pub fn visible_campaigns(&self) -> Vec<&CampaignView> {
        let filter = self.filter.text().map(str::to_lowercase);
        self.snapshot
            .campaigns
            .iter()
            .filter(|c| match (&filter, self.focus) {
                (Some(f), Pane::Campaigns) => c.name.to_lowercase().contains(f),
                _ => true,
            })
            .collect()
    }

    /// The selected campaign's calls in flight, filtered by name or number.
    pub fn visible_slots(&self) -> Vec<&SlotView> {
        let filter = self.filter.text().map(str::to_lowercase);
        self.campaign()
            .map(|c| {
                c.slots
                    .iter()
                    .filter(|s| match &filter {
                        Some(f) => {
                            s.phone.contains(f.as_str())
                                || s.lead_name
                                    .as_deref()
                                    .is_some_and(|n| n.to_lowercase().contains(f))
                        }
                        None => true,
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    pub fn selected_slot(&self) -> Option<&SlotView> {
        self.visible_slots().get(self.slot_selected).copied()
    }

    pub fn live_calls(&self) -> usize {
        self.snapshot.active_calls()
    }

    /// Queue length from the snapshot's counts; the queue itself is paged.
    pub fn queue_total(&self) -> u64 {
        self.campaign()
            .map(|c| c.leads.pending + c.leads.retry_wait)
            .unwrap_or(0)
    }
}
