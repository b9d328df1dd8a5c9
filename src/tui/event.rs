//! Everything that can change the console's state, in one enum (ratatui's
//! event-driven template): terminal input, the clock, the engine, and the answers to
//! work the console started (commands, queries, imports).

use super::action::Action;
use crate::domain::{CampaignId, LeadId};
use crate::engine::{EngineError, EngineEvent, Reply, Snapshot};
use crate::store::views::{LeadHistory, QueueRow, TimelineRow};
use crossterm::event::KeyEvent;
use std::sync::Arc;

#[derive(Debug)]
pub enum Event {
    Key(KeyEvent),
    /// An action without a key (the headless driver, tests).
    Action(Action),
    Paste(String),
    /// A click or a wheel turn, with the size of the screen it happened on (where the
    /// panes were).
    Mouse {
        event: crossterm::event::MouseEvent,
        screen: ratatui::layout::Rect,
    },
    Resize,
    /// Once a second while calls are live, for elapsed-time columns.
    Tick,
    Snapshot(Arc<Snapshot>),
    Engine(Box<EngineEvent>),
    /// The console fell behind the event stream by this many events.
    EventsLagged(u64),
    Reply {
        what: String,
        result: Result<Reply, EngineError>,
    },
    QueuePage(QueuePage),
    TimelinePage(TimelinePage),
    Detail {
        lead: LeadId,
        result: Result<LeadHistory, EngineError>,
    },
    /// The selected campaign's caller IDs with their health.
    CallerIds {
        campaign: CampaignId,
        result: Result<Vec<crate::store::caller_ids::CallerIdHealth>, EngineError>,
    },
    /// A campaign's stored settings, read to open the edit form.
    CampaignLoaded(Result<Box<crate::store::CampaignRecord>, EngineError>),
    Import(super::forms::import::ImportEvent),
    /// The agents popup's A/B table, read for `campaign`.
    Variants {
        campaign: crate::domain::CampaignId,
        result: Result<Option<Box<crate::domain::VariantReport>>, EngineError>,
    },
    /// The charts view's series, read for `campaign`.
    Charts {
        campaign: CampaignId,
        result: Result<Box<crate::store::chart_series::ChartSeries>, EngineError>,
    },
    /// The agents popup's trunk list.
    Trunks(Result<Vec<crate::engine::TrunkUse>, EngineError>),
    /// A new engine was started (or found) after the followed one went away.
    EngineStarted(Result<(), String>),
    /// Open the lead finder with this text (a `:lead NAME` command, the headless driver).
    FindLead(Option<String>),
    /// A page of the lead finder's search `request`.
    LeadPage {
        request: u64,
        result: Result<crate::store::lead_search::LeadPage, EngineError>,
    },
    /// SIGTERM, SIGHUP: restore the terminal and leave.
    Terminate,
}

/// Which way a queue page was asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageDirection {
    /// Replace the window with the front of the queue.
    First,
    /// Replace the window with the end of the queue.
    Last,
    After,
    Before,
}

#[derive(Debug)]
pub struct QueuePage {
    pub campaign: CampaignId,
    pub request: u64,
    pub direction: PageDirection,
    pub rows: Result<Vec<QueueRow>, EngineError>,
}

#[derive(Debug)]
pub struct TimelinePage {
    pub campaign: CampaignId,
    /// What was asked for: the newest page, an older one, a newer one.
    pub load: super::timeline::TimelineLoad,
    pub rows: Result<Vec<TimelineRow>, EngineError>,
}
