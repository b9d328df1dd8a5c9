//! The charts view and the `:` line through `update`: what they ask of the engine and
//! which actions they run.

use super::*;
use crate::domain::figures::{AnswerRate, Histogram};
use crate::domain::Outcome;
use crate::store::chart_series::{CallerIdSeries, ChartBucket, ChartSeries};
use crate::tui::charts::REFRESH;

/// Three minutes of calls.
pub(super) fn series(campaign: CampaignId) -> ChartSeries {
    let bucket = |dials: u64, answered: u64| ChartBucket {
        dials,
        rate: AnswerRate {
            answered,
            decided: dials,
        },
        outcomes: BTreeMap::from([
            (Outcome::Completed, answered),
            (Outcome::NoAnswer, dials - answered),
        ]),
    };
    let buckets = vec![bucket(4, 2), bucket(6, 3), bucket(2, 2)];
    ChartSeries {
        campaign,
        start: Some(now()),
        bucket_secs: 60,
        caller_ids: vec![CallerIdSeries {
            caller_id: "+12125550100".into(),
            attempts: 12,
            rates: buckets.iter().map(|b| b.rate).collect(),
        }],
        buckets,
        variants: Vec::new(),
        ring: Histogram::for_ring(30),
        agent_join: Histogram::for_agent_join(5),
        attempts: 12,
    }
}

fn typing(app: &mut App, text: &str) -> Vec<Effect> {
    let mut effects = press(app, ':');
    for c in text.chars() {
        effects.extend(press(app, c));
    }
    effects
}

fn enter(app: &mut App) -> Vec<Effect> {
    app.update(Event::Key(KeyEvent::new(
        KeyCode::Enter,
        KeyModifiers::NONE,
    )))
}

fn tab(app: &mut App) -> Vec<Effect> {
    app.update(Event::Key(KeyEvent::new(KeyCode::Tab, KeyModifiers::NONE)))
}

fn charts_state(app: &App) -> &crate::tui::charts::ChartsState {
    match &app.view.overlay {
        Some(Overlay::Charts(state)) => state,
        other => panic!("charts not open: {other:?}"),
    }
}

#[test]
fn c_opens_the_charts_and_asks_once_until_the_refresh_is_due() {
    let mut app = console(Some(CampaignStatus::Running));
    let effects = press(&mut app, 'c');
    assert!(
        matches!(
            effects.as_slice(),
            [Effect::Ask(Ask::Charts { campaign: ID })]
        ),
        "{effects:?}"
    );
    assert!(app.wants_tick(), "the open view refreshes on the tick");
    // Frames and ticks ask nothing while the answer is on its way.
    assert!(app.update(Event::Tick).is_empty());
    settle(&mut app, effects);
    assert!(matches!(charts_state(&app).series, Some(Ok(_))));
    assert!(app.update(Event::Tick).is_empty(), "asked moments ago");
    if let Some(Overlay::Charts(state)) = &mut app.view.overlay {
        state.asked_at = Instant::now().checked_sub(REFRESH);
    }
    let effects = app.update(Event::Tick);
    assert!(
        matches!(
            effects.as_slice(),
            [Effect::Ask(Ask::Charts { campaign: ID })]
        ),
        "{effects:?}"
    );
    // An answer for another campaign is not this view's.
    let other = Event::Charts {
        campaign: CampaignId(99),
        result: Err(EngineError::Stopped),
    };
    assert!(app.update(other).is_empty());
    assert!(charts_state(&app).loading, "still waiting for its own");
    // ←/→ move between the charts; esc closes.
    app.update(Event::Key(KeyEvent::new(
        KeyCode::Right,
        KeyModifiers::NONE,
    )));
    assert_eq!(charts_state(&app).selected, 1);
    app.update(Event::Key(KeyEvent::new(KeyCode::Left, KeyModifiers::NONE)));
    app.update(Event::Key(KeyEvent::new(KeyCode::Left, KeyModifiers::NONE)));
    assert_eq!(charts_state(&app).selected, 5);
    app.update(Event::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)));
    assert!(app.view.overlay.is_none());
}

#[test]
fn charts_need_a_campaign() {
    let mut app = console(None);
    assert!(press(&mut app, 'c').is_empty());
    assert!(app.view.overlay.is_none());
    assert!(app.view.status.as_ref().is_some_and(|s| s.error));
}

#[test]
fn commands_run_the_actions_their_keys_run() {
    // (status, typed, what it sends)
    let table = [
        (CampaignStatus::Running, "pause", "Pause"),
        (CampaignStatus::Paused, "resume", "Resume"),
        (CampaignStatus::Draft, "start", "Start"),
    ];
    for (status, typed, command) in table {
        let mut app = console(Some(status));
        assert!(typing(&mut app, typed).is_empty());
        assert_eq!(app.view.mode(), Mode::Command);
        let effects = enter(&mut app);
        assert!(
            matches!(effects.as_slice(), [Effect::Send { command: c, .. }] if format!("{c:?}").starts_with(command)),
            "{typed}: {effects:?}"
        );
        assert_eq!(app.view.mode(), Mode::Normal);
    }
    // Refused like the key is, with the same reason.
    let mut app = console(Some(CampaignStatus::Draft));
    typing(&mut app, "pause");
    assert!(enter(&mut app).is_empty());
    let mut by_key = console(Some(CampaignStatus::Draft));
    press(&mut by_key, 'p');
    assert_eq!(app.view.status, by_key.view.status);
    // `:stop` asks first, like `x`.
    let mut app = console(Some(CampaignStatus::Running));
    typing(&mut app, "stop");
    enter(&mut app);
    assert_eq!(app.view.mode(), Mode::Confirm);
    // `:q` leaves when nothing runs.
    let mut app = console(Some(CampaignStatus::Paused));
    typing(&mut app, "q");
    assert!(matches!(enter(&mut app).as_slice(), [Effect::Quit]));
}

#[test]
fn tab_completes_and_enter_runs_the_completed_command() {
    let mut app = console(Some(CampaignStatus::Running));
    typing(&mut app, "ch");
    tab(&mut app);
    assert_eq!(
        app.view
            .command
            .as_ref()
            .map(|l| l.input.value().to_owned()),
        Some("charts".into())
    );
    let effects = enter(&mut app);
    assert!(matches!(
        effects.as_slice(),
        [Effect::Ask(Ask::Charts { .. })]
    ));
    assert_eq!(app.view.mode(), Mode::Charts);
    // From the charts, a main-screen command closes them and runs.
    let effects = typing(&mut app, "pa");
    assert!(effects.is_empty());
    tab(&mut app);
    let effects = enter(&mut app);
    assert!(
        matches!(effects.as_slice(), [Effect::Send { .. }]),
        "{effects:?}"
    );
    assert!(app.view.overlay.is_none());
}

#[test]
fn a_wrong_command_says_so_and_esc_or_backspace_leave_the_line() {
    let mut app = console(Some(CampaignStatus::Running));
    typing(&mut app, "launch");
    assert!(enter(&mut app).is_empty());
    let status = app.view.status.clone().unwrap();
    assert!(status.error && status.text.contains("launch"), "{status:?}");
    typing(&mut app, "pa");
    app.update(Event::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)));
    assert_eq!(app.view.mode(), Mode::Normal);
    press(&mut app, ':');
    app.update(Event::Key(KeyEvent::new(
        KeyCode::Backspace,
        KeyModifiers::NONE,
    )));
    assert_eq!(app.view.mode(), Mode::Normal);
    // Keys of the main screen are text on the line: `q` does not quit.
    let effects = typing(&mut app, "q");
    assert!(effects.is_empty());
    assert_eq!(app.view.mode(), Mode::Command);
}

#[test]
fn lead_name_opens_the_finder_searching_for_the_name() {
    let mut app = console(Some(CampaignStatus::Running));
    typing(&mut app, "lead Ada Lovelace");
    let effects = enter(&mut app);
    assert_eq!(app.view.mode(), Mode::LeadFinder);
    assert!(
        matches!(
            effects.as_slice(),
            [Effect::Ask(Ask::LeadSearch { text: Some(t), debounce: false, .. })] if t == "Ada Lovelace"
        ),
        "{effects:?}"
    );
    // From the charts too: the view closes for the finder.
    let mut app = doing(console(Some(CampaignStatus::Running)), Action::Charts);
    typing(&mut app, "lead grace");
    enter(&mut app);
    assert_eq!(app.view.mode(), Mode::LeadFinder);
}
