//! Clicks and the wheel, and esc dropping a kept filter, through `update`.

use super::*;
use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::Rect;

const SCREEN: Rect = Rect::new(0, 0, 120, 40);

fn mouse(app: &mut App, kind: MouseEventKind, column: u16, row: u16) -> Vec<Effect> {
    let event = MouseEvent {
        kind,
        column,
        row,
        modifiers: KeyModifiers::NONE,
    };
    app.update(Event::Mouse {
        event,
        screen: SCREEN,
    })
}

fn click(app: &mut App, column: u16, row: u16) -> Vec<Effect> {
    mouse(app, MouseEventKind::Down(MouseButton::Left), column, row)
}

/// The area of `pane` on `SCREEN`, as drawn.
fn area(pane: Pane) -> Rect {
    let [_, campaigns, slots, queue, timeline, _] = crate::tui::ui::areas(SCREEN);
    match pane {
        Pane::Campaigns => campaigns,
        Pane::Slots => slots,
        Pane::Queue => queue,
        Pane::Timeline => timeline,
    }
}

#[test]
fn a_click_focuses_the_pane_and_selects_the_row_under_it() {
    let mut app = console(Some(CampaignStatus::Running));
    let queue = area(Pane::Queue);
    // Column names under the border, then the rows: the fourth row is row 3.
    click(&mut app, queue.x + 3, queue.y + 2 + 3);
    assert_eq!(app.view.focus, Pane::Queue);
    assert_eq!(app.view.queue.selected, 3);
    // On the column names or past the last row: focus only.
    click(&mut app, queue.x + 3, queue.y + 1);
    assert_eq!(app.view.queue.selected, 3);
    // The whole timeline fits, so its first line is the start marker: no row there.
    let timeline = area(Pane::Timeline);
    let newest = app.view.timeline.selected_index();
    click(&mut app, timeline.x + 3, timeline.y + 2);
    assert_eq!(app.view.focus, Pane::Timeline);
    assert_eq!(app.view.timeline.selected_index(), newest);
    click(&mut app, timeline.x + 3, timeline.y + 2 + 1 + 4);
    assert_eq!(app.view.timeline.selected_index(), 4);
    let slots = area(Pane::Slots);
    click(&mut app, slots.x + 3, slots.y + 2);
    assert_eq!((app.view.focus, app.view.slot_selected), (Pane::Slots, 0));
    let campaigns = area(Pane::Campaigns);
    click(&mut app, campaigns.x + 1, campaigns.bottom() - 1);
    assert_eq!(app.view.focus, Pane::Campaigns);
    assert_eq!(app.view.selected_campaign, Some(ID));
    // The header is no pane.
    click(&mut app, 1, 0);
    assert_eq!(app.view.focus, Pane::Campaigns);
}

#[test]
fn the_wheel_scrolls_the_pane_under_it_or_the_open_popup() {
    let mut app = console(Some(CampaignStatus::Running));
    let queue = area(Pane::Queue);
    mouse(
        &mut app,
        MouseEventKind::ScrollDown,
        queue.x + 2,
        queue.y + 4,
    );
    assert_eq!((app.view.focus, app.view.queue.selected), (Pane::Queue, 3));
    let timeline = area(Pane::Timeline);
    let newest = app.view.timeline.selected_index();
    mouse(
        &mut app,
        MouseEventKind::ScrollUp,
        timeline.x + 2,
        timeline.y + 4,
    );
    assert_eq!(app.view.timeline.selected_index(), newest - 3);
    assert!(!app.view.timeline.follow, "scrolled back");
    // Moves mean nothing.
    app.take_redraw();
    mouse(&mut app, MouseEventKind::Moved, 5, 5);
    assert!(!app.take_redraw());
    let mut app = doing(console(Some(CampaignStatus::Running)), Action::Help);
    mouse(&mut app, MouseEventKind::ScrollDown, 10, 10);
    assert!(matches!(
        app.view.overlay,
        Some(Overlay::Help { scroll: 3 })
    ));
    // A click on a popup does not reach the panes under it.
    click(&mut app, queue.x + 3, queue.y + 3);
    assert_eq!(app.view.focus, Pane::Campaigns);
    assert!(matches!(app.view.overlay, Some(Overlay::Help { .. })));
}

#[test]
fn esc_drops_a_kept_filter_on_the_main_screen() {
    let mut app = console(Some(CampaignStatus::Running));
    // `/` on the queue and the timeline finds leads; on the calls pane it filters.
    app.view.focus = Pane::Slots;
    let effects = act(&mut app, Action::Filter);
    settle(&mut app, effects);
    press(&mut app, '7');
    let effects = app.update(Event::Key(KeyEvent::new(
        KeyCode::Enter,
        KeyModifiers::NONE,
    )));
    settle(&mut app, effects);
    assert_eq!(app.view.filter.text(), Some("7"));
    assert!(available::hinted(&app.view).contains(&Action::ClearFilter));
    let effects = app.update(Event::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)));
    assert_eq!(app.view.filter.text(), None);
    assert!(effects.is_empty(), "{effects:?}");
    // Nothing to clear: esc does nothing and is not offered.
    assert!(!available::hinted(&app.view).contains(&Action::ClearFilter));
    assert!(app
        .update(Event::Key(KeyEvent::new(KeyCode::Esc, KeyModifiers::NONE)))
        .is_empty());
}
