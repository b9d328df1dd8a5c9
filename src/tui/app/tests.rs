//! `update` as a function: events in, state and effects out, with no runtime and no
//! engine (the port's engine fails the test if anything calls it). A hand-written
//! `settle` answers the reads the way the engine would, synchronously.

use super::*;
use crate::domain::{AttemptId, AttemptState, CampaignId, CampaignStatus, LeadId, LeadState};
use crate::engine::{
    CampaignView, EngineError, EngineEvent, LeadCounts, Reply, SlotView, Snapshot,
};
use crate::import::ImportReport;
use crate::service::protocol::{Answer, Query};
use crate::store::dialling_order::OrderKey;
use crate::store::views::{LeadHistory, QueueKey, QueueRow, TimelineRow};
use crate::tui::available;
use crate::tui::event::{QueuePage, TimelinePage};
use crate::tui::forms::import::{ImportEvent, Preview};
use crate::tui::port::EngineCalls;
use crate::tui::timeline::TimelineLoad;
use crate::tui::view::Pane;
use chrono::TimeZone;
use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use futures::future::BoxFuture;
use ratatui::backend::TestBackend;
use ratatui::Terminal;
use std::collections::BTreeMap;
use std::path::PathBuf;
use tokio::sync::{broadcast, watch};

mod charts_and_commands;
mod mouse_and_filter;

/// An engine `update` must never reach: effects.rs is the only caller.
struct Unreachable;

impl EngineCalls for Unreachable {
    fn try_send(&self, command: Command) -> Result<ReplyReceiver, EngineError> {
        panic!("update sent {command:?} itself")
    }

    fn query(&self, query: Query) -> BoxFuture<'static, Result<Answer, EngineError>> {
        panic!("update asked {query:?} itself")
    }

    fn import_file(
        &self,
        _campaign: CampaignId,
        path: PathBuf,
        _region: String,
    ) -> BoxFuture<'static, Result<ImportReport, EngineError>> {
        panic!("update imported {} itself", path.display())
    }
}

fn now() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 14, 12, 0, 0)
        .single()
        .expect("a valid time")
}

const ID: CampaignId = CampaignId(1);

fn campaign(status: CampaignStatus) -> CampaignView {
    let slots = match status {
        CampaignStatus::Running => vec![SlotView {
            attempt: AttemptId(7),
            lead: LeadId(3),
            lead_name: Some("Grace Hopper".into()),
            phone: "+12125550100".into(),
            caller_id: None,
            variant: None,
            attempt_number: 1,
            state: AttemptState::Ringing,
            dialed_at: now() - chrono::Duration::seconds(4),
            state_since: now(),
            answered_at: None,
        }],
        _ => Vec::new(),
    };
    CampaignView {
        id: ID,
        name: "Renewals".into(),
        status,
        pause_reason: None,
        agent_name: "agent".into(),
        trunk_id: "ST_1".into(),
        max_concurrent: 4,
        leads: LeadCounts {
            pending: 10,
            ..Default::default()
        },
        outcomes: BTreeMap::new(),
        attempts_today: 0,
        daily_cap: None,
        slots,
        next_up: Vec::new(),
        avg_ring_ms: None,
        avg_talk_ms: None,
        agent_join_p50_ms: None,
        agent_join_p95_ms: None,
        dials_per_minute: Vec::new(),
        eta_ms: None,
        ring_timeout_ms: 30_000,
        next_retry_at: None,
        started_at: None,
        completed_at: None,
    }
}

fn queue_rows() -> Vec<QueueRow> {
    (0..10)
        .map(|i| QueueRow {
            key: QueueKey::Next(OrderKey {
                priority: 0,
                retry: false,
                due_ms: 0,
                id: 100 + i,
            }),
            lead: LeadId(100 + i),
            name: Some(format!("Lead {i}")),
            phone: format!("+1312555{:04}", 1000 + i),
            next_attempt: 1,
            due_at: None,
        })
        .collect()
}

fn timeline_rows() -> Vec<TimelineRow> {
    (0..10)
        .map(|i| TimelineRow {
            id: i + 1,
            at: now() - chrono::Duration::seconds(100 - i * 5),
            attempt: AttemptId(50 + i),
            lead: LeadId(10 + i),
            lead_label: format!("Caller {i}"),
            kind: "dialing".into(),
            detail: String::new(),
        })
        .collect()
}

fn history(lead: LeadId) -> LeadHistory {
    LeadHistory {
        lead: crate::store::LeadRecord {
            id: lead,
            campaign: ID,
            phone: "+12125550100".into(),
            name: Some("Grace Hopper".into()),
            timezone: None,
            priority: 0,
            variables: Default::default(),
            state: LeadState::Dialing,
            attempts: 1,
            next_attempt_at: None,
            last_outcome: None,
            import_line: Some(2),
            created_at: now(),
        },
        numbers: Vec::new(),
        attempts: Vec::new(),
    }
}

/// `n` leads found from id 200, and where the next page starts.
fn found_leads(n: i64, next: Option<i64>) -> crate::store::lead_search::LeadPage {
    crate::store::lead_search::LeadPage {
        rows: (0..n)
            .map(|i| crate::store::lead_search::LeadRow {
                lead: LeadId(200 + i),
                campaign: ID,
                phone: format!("+4420794609{i:02}"),
                name: Some(format!("Ada Lovelace {i}")),
                state: LeadState::RetryWait,
                attempts: 2,
                last_outcome: Some(crate::domain::Outcome::Busy),
                last_attempt_at: Some(now() - chrono::Duration::minutes(30)),
                next_attempt_at: Some(now() + chrono::Duration::minutes(30)),
            })
            .collect(),
        next: next.map(LeadId),
    }
}

/// The console on `campaigns` (none when `None`), with the reads it asked for answered.
fn console(status: Option<CampaignStatus>) -> App {
    let (_snapshots, snapshot) = watch::channel(snapshot_of(status));
    let (_events, events) = broadcast::channel::<EngineEvent>(4);
    let port = EnginePort {
        engine: Arc::new(Unreachable),
        snapshot,
        events,
        start_engine: None,
    };
    let mut app = App::new(port, Settings::default()).with_clock(Arc::new(now));
    app.view.now = now();
    let effects = app.update(Event::Snapshot(snapshot_of(status)));
    settle(&mut app, effects);
    app
}

fn snapshot_of(status: Option<CampaignStatus>) -> Arc<Snapshot> {
    Arc::new(Snapshot {
        at: None,
        campaigns: status.map(campaign).into_iter().collect(),
        notice: None,
    })
}

/// Answers the pages and a lead's history as the engine would; other effects are dropped.
fn settle(app: &mut App, effects: Vec<Effect>) {
    for effect in effects {
        let answer = match effect {
            Effect::Ask(Ask::QueuePage { load, .. }) => Event::QueuePage(QueuePage {
                campaign: load.campaign,
                request: load.request,
                direction: load.direction,
                rows: Ok(queue_rows()),
            }),
            Effect::Ask(Ask::TimelinePage { campaign, load }) => {
                let rows = match load {
                    TimelineLoad::Newest { .. } => timeline_rows(),
                    _ => Vec::new(),
                };
                Event::TimelinePage(TimelinePage {
                    campaign,
                    load,
                    rows: Ok(rows),
                })
            }
            Effect::Ask(Ask::LeadHistory { lead }) => Event::Detail {
                lead,
                result: Ok(history(lead)),
            },
            Effect::Ask(Ask::LeadSearch { request, .. }) => Event::LeadPage {
                request,
                result: Ok(found_leads(3, None)),
            },
            Effect::Ask(Ask::Charts { campaign }) => Event::Charts {
                campaign,
                result: Ok(Box::new(charts_and_commands::series(campaign))),
            },
            _ => continue,
        };
        let more = app.update(answer);
        settle(app, more);
    }
}

fn press(app: &mut App, c: char) -> Vec<Effect> {
    app.update(Event::Key(KeyEvent::new(
        KeyCode::Char(c),
        KeyModifiers::NONE,
    )))
}

fn act(app: &mut App, action: Action) -> Vec<Effect> {
    app.update(Event::Action(action))
}

/// Does `action` and answers its reads.
fn doing(mut app: App, action: Action) -> App {
    let effects = act(&mut app, action);
    settle(&mut app, effects);
    app
}

#[test]
fn the_first_snapshot_selects_the_campaign_and_asks_for_its_pages() {
    let mut app = console(None);
    let effects = app.update(Event::Snapshot(snapshot_of(Some(CampaignStatus::Draft))));
    assert_eq!(app.view.selected_campaign, Some(ID));
    let asks: Vec<&Ask> = effects
        .iter()
        .filter_map(|e| match e {
            Effect::Ask(ask) => Some(ask),
            _ => None,
        })
        .collect();
    assert!(matches!(
        asks.as_slice(),
        [
            Ask::QueuePage { .. },
            Ask::TimelinePage { campaign: ID, .. },
            Ask::CallerIds { campaign: ID },
        ]
    ));
}

#[test]
fn p_on_a_running_campaign_sends_pause() {
    let mut app = console(Some(CampaignStatus::Running));
    let effects = press(&mut app, 'p');
    assert!(
        matches!(
            effects.as_slice(),
            [Effect::Send {
                command: Command::Pause(ID),
                ..
            }]
        ),
        "{effects:?}"
    );
    // The status line says it is on its way; the answer comes back as an event.
    let status = app.view.status.as_ref().map(|s| s.text.as_str());
    assert_eq!(status, Some("pause \"Renewals\"…"));
    let effects = app.update(Event::Reply {
        what: "pause \"Renewals\"".into(),
        result: Ok(Reply::Done),
    });
    assert!(effects.is_empty());
}

#[test]
fn p_on_a_draft_is_refused_with_a_reason_and_sends_nothing() {
    let mut app = console(Some(CampaignStatus::Draft));
    assert!(press(&mut app, 'p').is_empty());
    let status = app.view.status.as_ref().expect("a reason");
    assert!(
        status.error && status.text.contains("cannot pause"),
        "{status:?}"
    );
}

#[test]
fn x_asks_first_and_only_yes_sends_stop() {
    let mut app = console(Some(CampaignStatus::Running));
    assert!(press(&mut app, 'x').is_empty(), "the question, no command");
    assert_eq!(app.view.mode(), Mode::Confirm);
    let Some(Overlay::Confirm { question, .. }) = &app.view.overlay else {
        panic!("{:?}", app.view.overlay)
    };
    // What it ends, and that it is for good.
    for words in [
        "10 lead(s) not yet called will never be called",
        "The live call will be hung up",
        "cannot be undone",
    ] {
        assert!(question.contains(words), "{words:?} in {question:?}");
    }
    let effects = press(&mut app, 'y');
    assert!(
        matches!(
            effects.as_slice(),
            [Effect::Send {
                command: Command::Stop {
                    id: ID,
                    hang_up_live_calls: true
                },
                ..
            }]
        ),
        "{effects:?}"
    );
    assert!(app.view.overlay.is_none());

    press(&mut app, 'x');
    let esc = KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE);
    assert!(app.update(Event::Key(esc)).is_empty(), "esc sends nothing");
    assert!(app.view.overlay.is_none());
}

#[test]
fn the_import_form_previews_then_imports() {
    let mut app = console(Some(CampaignStatus::Paused));
    assert!(press(&mut app, 'i').is_empty());
    for c in "leads.csv".chars() {
        press(&mut app, c);
    }
    let effects = act(&mut app, Action::Submit);
    let path = PathBuf::from("leads.csv");
    assert!(
        matches!(effects.as_slice(), [Effect::PreviewImport { path: p }] if *p == path),
        "{effects:?}"
    );
    let preview = Preview {
        headers: vec!["phone".into()],
        rows: vec![vec!["+12125550100".into()]],
        mapping: Ok("phone from `phone`".into()),
    };
    app.update(Event::Import(ImportEvent::Preview {
        path: path.clone(),
        result: Ok(preview),
    }));
    let effects = act(&mut app, Action::Submit);
    assert!(
        matches!(
            effects.as_slice(),
            [Effect::Import { campaign: ID, path: p, region }] if *p == path && region == "US"
        ),
        "{effects:?}"
    );
    // While it runs, enter does nothing and the bar offers only esc.
    assert!(act(&mut app, Action::Submit).is_empty());
    assert_eq!(available::hinted(&app.view), vec![Action::Cancel]);
}

#[test]
fn delete_works_on_the_campaigns_pane_only() {
    let mut app = console(Some(CampaignStatus::Stopped));
    app.view.focus = Pane::Queue;
    assert!(press(&mut app, 'D').is_empty());
    assert!(app.view.overlay.is_none(), "not on the queue pane");
    app.view.focus = Pane::Campaigns;
    press(&mut app, 'D');
    assert_eq!(app.view.mode(), Mode::Confirm);
    let effects = press(&mut app, 'y');
    assert!(matches!(
        effects.as_slice(),
        [Effect::Send {
            command: Command::DeleteCampaign(ID),
            ..
        }]
    ));
}

#[test]
fn quitting_leaves_or_asks_what_to_do_with_running_campaigns() {
    let mut app = console(Some(CampaignStatus::Paused));
    assert!(matches!(press(&mut app, 'q').as_slice(), [Effect::Quit]));

    let mut app = console(Some(CampaignStatus::Running));
    assert!(press(&mut app, 'q').is_empty());
    assert_eq!(app.view.mode(), Mode::QuitDialog);
    assert!(matches!(
        press(&mut app, 'p').as_slice(),
        [Effect::PauseAllAndQuit(ids)] if ids == &[ID]
    ));
    assert!(matches!(
        app.update(Event::Terminate).as_slice(),
        [Effect::QuitOnSignal]
    ));
}

#[test]
fn details_ask_for_the_lead_and_h_ends_its_live_call() {
    let mut app = console(Some(CampaignStatus::Running));
    app.view.focus = Pane::Slots;
    let effects = act(&mut app, Action::Details);
    assert!(matches!(
        effects.as_slice(),
        [Effect::Ask(Ask::LeadHistory { lead: LeadId(3) })]
    ));
    assert!(press(&mut app, 'h').is_empty(), "the question, no command");
    assert_eq!(app.view.mode(), Mode::Confirm);
    let effects = press(&mut app, 'y');
    assert!(matches!(
        effects.as_slice(),
        [Effect::Send {
            command: Command::HangUp(AttemptId(7)),
            ..
        }]
    ));
}

#[test]
fn h_on_a_live_call_asks_first_and_only_yes_hangs_up() {
    let mut app = console(Some(CampaignStatus::Running));
    app.view.focus = Pane::Slots;
    assert!(press(&mut app, 'h').is_empty(), "the question, no command");
    assert_eq!(app.view.mode(), Mode::Confirm);
    let Some(Overlay::Confirm { question, .. }) = &app.view.overlay else {
        panic!("{:?}", app.view.overlay)
    };
    assert!(
        question.contains("Hang up the live call to Grace Hopper?"),
        "{question}"
    );
    let esc = KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE);
    assert!(
        app.update(Event::Key(esc)).is_empty(),
        "esc hangs up nothing"
    );
    assert!(app.view.overlay.is_none());

    press(&mut app, 'h');
    let effects = press(&mut app, 'y');
    assert!(
        matches!(
            effects.as_slice(),
            [Effect::Send {
                command: Command::HangUp(AttemptId(7)),
                ..
            }]
        ),
        "{effects:?}"
    );
    assert!(app.view.overlay.is_none());
}

/// What the operator sees, with the status line left out: a refusal only writes there.
fn seen(app: &mut App) -> String {
    let status = app.view.status.take();
    let mut terminal = Terminal::new(TestBackend::new(120, 40)).expect("test backend");
    terminal
        .draw(|frame| crate::tui::ui::draw(frame, &app.view))
        .expect("draw");
    app.view.status = status;
    format!(
        "{:?}\n{}",
        app.view.overlay,
        crate::tui::buffer_text(terminal.backend().buffer())
    )
}

/// Builds the same state afresh for each action tried on it.
type MakeApp = Box<dyn Fn() -> App>;

/// Every state the bar is drawn in that this test knows: each pane of the main screen
/// for each campaign status (and none), the timeline scrolled back, each popup and form.
/// Scrolling popups start one line down: at the top, "up" has nowhere to go, like any
/// move at the end of a list.
fn states() -> Vec<(String, MakeApp)> {
    use CampaignStatus::*;
    let mut states: Vec<(String, MakeApp)> = Vec::new();
    let statuses = [
        None,
        Some(Draft),
        Some(Running),
        Some(Paused),
        Some(Stopped),
    ];
    for status in statuses {
        for focus in Pane::ORDER {
            states.push((
                format!("{status:?} on {focus:?}"),
                Box::new(move || {
                    let mut app = console(status);
                    app.view.focus = focus;
                    app
                }),
            ));
        }
        states.push((
            format!("{status:?}, timeline scrolled back"),
            Box::new(move || {
                let mut app = console(status);
                app.view.focus = Pane::Timeline;
                doing(app, Action::Up)
            }),
        ));
    }
    let popups: [(&str, MakeApp); 18] = [
        (
            "filter kept",
            Box::new(|| {
                let mut app = doing(console(Some(Running)), Action::Filter);
                press(&mut app, 'G');
                doing(app, Action::Submit)
            }),
        ),
        (
            "charts",
            Box::new(|| doing(console(Some(Running)), Action::Charts)),
        ),
        (
            "command line over the charts",
            Box::new(|| {
                doing(
                    doing(console(Some(Paused)), Action::Charts),
                    Action::CommandLine,
                )
            }),
        ),
        (
            "command line typed",
            Box::new(|| {
                let mut app = doing(console(Some(Running)), Action::CommandLine);
                press(&mut app, 'p');
                app
            }),
        ),
        (
            "help, scrolled",
            Box::new(|| doing(doing(console(Some(Running)), Action::Help), Action::Down)),
        ),
        (
            "detail of a live call",
            Box::new(|| {
                let mut app = console(Some(Running));
                app.view.focus = Pane::Slots;
                doing(doing(app, Action::Details), Action::Down)
            }),
        ),
        (
            "detail of a queued lead, loading, scrolled",
            Box::new(|| {
                let mut app = console(Some(Paused));
                app.view.focus = Pane::Queue;
                let _ = act(&mut app, Action::Details);
                let _ = act(&mut app, Action::Down);
                app
            }),
        ),
        (
            "agents",
            Box::new(|| doing(console(Some(Draft)), Action::Agents)),
        ),
        (
            "confirm stop",
            Box::new(|| doing(console(Some(Running)), Action::Stop)),
        ),
        (
            "quit question",
            Box::new(|| doing(console(Some(Running)), Action::Quit)),
        ),
        (
            "filter",
            Box::new(|| doing(console(Some(Running)), Action::Filter)),
        ),
        (
            "lead finder with results",
            Box::new(|| {
                let mut app = console(Some(Running));
                app.view.focus = Pane::Queue;
                doing(app, Action::Filter)
            }),
        ),
        (
            "lead history from the finder",
            Box::new(|| {
                let mut app = console(Some(Running));
                app.view.focus = Pane::Timeline;
                let app = doing(doing(app, Action::Filter), Action::Submit);
                doing(app, Action::Down)
            }),
        ),
        (
            "filter kept",
            Box::new(|| {
                let mut app = console(Some(Running));
                let _ = act(&mut app, Action::Filter);
                let _ = press(&mut app, 'x');
                doing(app, Action::Submit)
            }),
        ),
        (
            "new campaign form",
            Box::new(|| doing(console(Some(Draft)), Action::NewCampaign)),
        ),
        (
            "DNC form",
            Box::new(|| doing(console(None), Action::AddDnc)),
        ),
        (
            "import form",
            Box::new(|| doing(console(Some(Draft)), Action::Import)),
        ),
        (
            "import done",
            Box::new(|| {
                let mut app = doing(console(Some(Draft)), Action::Import);
                app.update(Event::Import(ImportEvent::Finished(Err("bad file".into()))));
                app
            }),
        ),
    ];
    states.extend(
        popups
            .into_iter()
            .map(|(name, make)| (name.to_owned(), make)),
    );
    states
}

/// The promise: for every state, each action the hint bar shows does something,
/// and each action that does something is shown, or is quiet on purpose
/// (`available::quiet`: moving around the main screen).
#[test]
fn the_hint_bar_shows_exactly_what_the_keys_do() {
    for (state, make) in states() {
        let app = make();
        let mode = app.view.mode();
        let shown = available::hinted(&app.view);
        for action in Action::ALL.iter().copied() {
            if !action.modes().contains(&mode) {
                continue;
            }
            let mut app = make();
            let before = seen(&mut app);
            let effects = act(&mut app, action);
            let accepted = !effects.is_empty() || seen(&mut app) != before;
            let quiet = available::quiet(&make().view, action);
            if shown.contains(&action) {
                assert!(
                    accepted,
                    "{state}: the bar shows {action:?} but it does nothing"
                );
            } else {
                assert!(
                    !accepted || quiet,
                    "{state}: {action:?} works ({effects:?}) but the bar does not show it"
                );
            }
        }
    }
}

#[test]
fn the_bar_offers_delete_only_on_the_campaigns_pane() {
    let mut app = console(Some(CampaignStatus::Stopped));
    for focus in Pane::ORDER {
        app.view.focus = focus;
        let shown = available::hinted(&app.view).contains(&Action::DeleteCampaign);
        assert_eq!(shown, focus == Pane::Campaigns, "{focus:?}");
    }
}

/// A console attached to a background engine: it can start a new one.
fn attached_console(status: CampaignStatus) -> App {
    let (_snapshots, snapshot) = watch::channel(snapshot_of(Some(status)));
    let (_events, events) = broadcast::channel::<EngineEvent>(4);
    let start: crate::tui::EngineStarter = Arc::new(|| Box::pin(async { Ok(()) }));
    let port = EnginePort {
        engine: Arc::new(Unreachable),
        snapshot,
        events,
        start_engine: None,
    }
    .with_starter(start);
    let mut app = App::new(port, Settings::default()).with_clock(Arc::new(now));
    let effects = app.update(Event::Snapshot(snapshot_of(Some(status))));
    settle(&mut app, effects);
    app
}

fn gone(status: CampaignStatus) -> Arc<Snapshot> {
    let mut snapshot = (*snapshot_of(Some(status))).clone();
    snapshot.notice = Some(crate::service::link::ENGINE_GONE.into());
    Arc::new(snapshot)
}

#[test]
fn an_engine_gone_is_said_and_a_new_one_offered_and_started_on_yes() {
    let mut app = attached_console(CampaignStatus::Paused);
    app.update(Event::Snapshot(gone(CampaignStatus::Paused)));
    assert!(matches!(app.view.overlay, Some(Overlay::EngineGone)));
    assert_eq!(
        app.view.status.as_ref().map(|s| s.text.as_str()),
        Some(strings::ENGINE_GONE_OFFER)
    );
    let effects = app.update(Event::Action(Action::Confirm));
    assert!(
        effects.iter().any(|e| matches!(e, Effect::StartEngine)),
        "{effects:?}"
    );
    assert!(app.view.overlay.is_none());

    // Still gone, `r` says why and asks again rather than doing nothing.
    let effects = app.update(Event::Action(Action::Resume));
    assert!(
        effects.iter().all(|e| !matches!(e, Effect::Send { .. })),
        "{effects:?}"
    );
    assert!(matches!(app.view.overlay, Some(Overlay::EngineGone)));
    assert_eq!(
        app.view.status.as_ref().map(|s| s.text.as_str()),
        Some(strings::ENGINE_GONE_REFUSED)
    );
    assert!(!crate::tui::available::available(&app.view).contains(&Action::Resume));

    // Back: the question goes, and so does the refusal.
    app.update(Event::Snapshot(snapshot_of(Some(CampaignStatus::Paused))));
    assert!(app.view.overlay.is_none());
    let effects = app.update(Event::Action(Action::Resume));
    assert!(
        effects.iter().any(|e| matches!(e, Effect::Send { .. })),
        "{effects:?}"
    );
}

#[test]
fn a_console_that_cannot_start_an_engine_says_to_wait_and_offers_nothing() {
    let mut app = console(Some(CampaignStatus::Paused));
    app.update(Event::Snapshot(gone(CampaignStatus::Paused)));
    assert!(app.view.overlay.is_none());
    assert_eq!(
        app.view.status.as_ref().map(|s| s.text.as_str()),
        Some(strings::ENGINE_GONE_WAIT)
    );
    let effects = app.update(Event::Action(Action::Resume));
    assert!(effects.is_empty(), "{effects:?}");
    assert!(app.view.overlay.is_none());
}

fn lead_search(effects: &[Effect]) -> Vec<(u64, Option<String>, Option<LeadId>, bool)> {
    effects
        .iter()
        .filter_map(|e| match e {
            Effect::Ask(Ask::LeadSearch {
                request,
                campaign,
                text,
                after,
                debounce,
            }) => {
                assert_eq!(*campaign, Some(ID), "the selected campaign is searched");
                Some((*request, text.clone(), *after, *debounce))
            }
            _ => None,
        })
        .collect()
}

#[test]
fn slash_on_the_queue_searches_the_whole_campaign_through_the_engine() {
    let mut app = console(Some(CampaignStatus::Running));
    app.view.focus = Pane::Queue;
    let effects = act(&mut app, Action::Filter);
    assert_eq!(app.view.mode(), Mode::LeadFinder);
    assert_eq!(lead_search(&effects), vec![(1, None, None, false)]);

    // Each keystroke asks again, debounced (effects.rs drops all but the last).
    let effects = press(&mut app, 'a');
    assert_eq!(
        lead_search(&effects),
        vec![(2, Some("a".into()), None, true)]
    );
    let effects = press(&mut app, 'd');
    assert_eq!(
        lead_search(&effects),
        vec![(3, Some("ad".into()), None, true)]
    );
    // `j` is text here, not a move.
    let effects = press(&mut app, 'j');
    assert_eq!(
        lead_search(&effects),
        vec![(4, Some("adj".into()), None, true)]
    );
    let _ = app.update(Event::Key(KeyEvent::new(
        KeyCode::Backspace,
        KeyModifiers::NONE,
    )));

    // An answer to an older search is dropped; the latest one is shown.
    let stale = app.update(Event::LeadPage {
        request: 3,
        result: Ok(found_leads(1, None)),
    });
    assert!(stale.is_empty());
    let _ = app.update(Event::LeadPage {
        request: 5,
        result: Ok(found_leads(6, Some(205))),
    });
    let Some(Overlay::LeadFinder(finder)) = &app.view.overlay else {
        panic!("the finder is open");
    };
    assert_eq!(finder.rows.len(), 6);

    // Going down near the end asks the next page, once, without debounce.
    let effects = act(&mut app, Action::NextField);
    assert_eq!(
        lead_search(&effects),
        vec![(6, Some("ad".into()), Some(LeadId(205)), false)]
    );
    assert!(lead_search(&act(&mut app, Action::NextField)).is_empty());
    let _ = app.update(Event::LeadPage {
        request: 6,
        result: Ok(found_leads(2, None)),
    });
    let Some(Overlay::LeadFinder(finder)) = &app.view.overlay else {
        panic!("the finder is open");
    };
    assert_eq!(finder.rows.len(), 8, "the next page is added below");
    assert_eq!(finder.selected, 2);

    // Enter opens the existing history popup; closing it comes back to the results.
    let effects = act(&mut app, Action::Submit);
    assert!(matches!(
        effects.as_slice(),
        [Effect::Ask(Ask::LeadHistory { lead: LeadId(202) })]
    ));
    assert_eq!(app.view.mode(), Mode::Detail);
    let _ = act(&mut app, Action::Close);
    assert_eq!(app.view.mode(), Mode::LeadFinder);
    let _ = act(&mut app, Action::Cancel);
    assert_eq!(app.view.mode(), Mode::Normal);
}

#[test]
fn find_lead_opens_the_finder_with_text_and_slash_elsewhere_still_filters() {
    let mut app = console(Some(CampaignStatus::Running));
    let effects = app.update(Event::FindLead(Some("grace".into())));
    assert_eq!(
        lead_search(&effects),
        vec![(1, Some("grace".into()), None, false)]
    );
    let _ = act(&mut app, Action::Cancel);

    app.view.focus = Pane::Slots;
    let effects = act(&mut app, Action::Filter);
    assert!(effects.is_empty());
    assert_eq!(app.view.mode(), Mode::Filter);
}

#[test]
fn esc_clears_a_kept_filter() {
    let mut app = console(Some(CampaignStatus::Running));
    assert_eq!(
        available::check(&app.view, Action::ClearFilter),
        available::Verdict::NotHere,
        "nothing to clear"
    );
    let _ = act(&mut app, Action::Filter);
    let _ = press(&mut app, 'x');
    let _ = act(&mut app, Action::Submit);
    assert_eq!(app.view.filter.text(), Some("x"));
    let _ = app.update(Event::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)));
    assert_eq!(app.view.filter.text(), None);
}
