//! The whole screen: header, the four panes, the footer, and whatever is open on top.
//! Pure: reads the `View`, draws, decides nothing.

use super::charts;
use super::command_line;
use super::forms;
use super::panes::{caller_ids, campaigns, footer, header, queue, slots, timeline};
use super::popups::{agents, confirm, detail, help, lead_finder, quit};
use super::view::{Overlay, Pane, View};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::Frame;

/// Below this width the panes stack in one column.
const TWO_COLUMNS_MIN_WIDTH: u16 = 100;

pub fn draw(frame: &mut Frame, view: &View) {
    let [header_area, campaigns_area, slots_area, queue_area, timeline_area, footer_area] =
        areas(frame.area());
    header::draw(frame, header_area, view);
    let [campaigns_area, pool_area] = campaigns_and_pool(campaigns_area, view);
    campaigns::draw(frame, campaigns_area, view);
    if pool_area.height > 0 {
        caller_ids::draw(frame, pool_area, view);
    }
    slots::draw(frame, slots_area, view);
    queue::draw(frame, queue_area, view);
    timeline::draw(frame, timeline_area, view);
    footer::draw(frame, footer_area, view);
    match &view.overlay {
        None => {}
        Some(Overlay::Help { scroll }) => help::draw(frame, view, *scroll),
        Some(Overlay::Detail(state)) => detail::draw(frame, view, state),
        Some(Overlay::Form(form)) => forms::draw(frame, form, view),
        Some(Overlay::Confirm { question, .. }) => confirm::draw(frame, view, question),
        Some(Overlay::EngineGone) => {
            confirm::draw(frame, view, super::strings::ENGINE_GONE_QUESTION)
        }
        Some(Overlay::Quit) => quit::draw(frame, view),
        Some(Overlay::Agents(state)) => agents::draw(frame, view, state),
        Some(Overlay::LeadFinder(finder)) => lead_finder::draw(frame, view, finder),
        Some(Overlay::Charts(state)) => {
            let body = Rect {
                y: header_area.bottom(),
                height: footer_area.y.saturating_sub(header_area.bottom()),
                ..header_area
            };
            charts::draw(frame, body, view, state);
        }
    }
    if let Some(line) = &view.command {
        command_line::draw(frame, footer_area, line, &view.theme);
    }
}

/// The selected campaign's caller IDs take the bottom of the campaigns column.
fn campaigns_and_pool(column: Rect, view: &View) -> [Rect; 2] {
    let pool = caller_ids::height(view.caller_ids.rows.len());
    if pool > 0 && column.height >= pool + 4 {
        Layout::vertical([Constraint::Min(4), Constraint::Length(pool)]).areas(column)
    } else {
        [column, Rect::default()]
    }
}

/// Where each pane is drawn on `screen`, for the mouse: the caller IDs under the
/// campaigns count as the campaigns pane.
pub fn pane_at(screen: Rect, view: &View, x: u16, y: u16) -> Option<(Pane, Rect)> {
    let [_, campaigns, slots, queue, timeline, _] = areas(screen);
    let [campaigns_list, _] = campaigns_and_pool(campaigns, view);
    let at = ratatui::layout::Position { x, y };
    [
        (Pane::Campaigns, campaigns, campaigns_list),
        (Pane::Slots, slots, slots),
        (Pane::Queue, queue, queue),
        (Pane::Timeline, timeline, timeline),
    ]
    .into_iter()
    .find(|(_, whole, _)| whole.contains(at))
    .map(|(pane, _, rows)| (pane, rows))
}

/// Where each part goes: header, campaigns, calls, queue, timeline, footer.
pub fn areas(screen: Rect) -> [Rect; 6] {
    let [header_area, body, footer_area] = Layout::vertical([
        Constraint::Length(header::HEIGHT),
        Constraint::Min(4),
        Constraint::Length(footer::HEIGHT),
    ])
    .areas(screen);
    let [campaigns, slots, queue, timeline] = pane_areas(body);
    [header_area, campaigns, slots, queue, timeline, footer_area]
}

/// Campaigns and calls on top, queue and timeline below; the timeline gets the most
/// room on wide screens.
fn pane_areas(body: Rect) -> [Rect; 4] {
    let [top, bottom] =
        Layout::vertical([Constraint::Percentage(45), Constraint::Percentage(55)]).areas(body);
    if body.width >= TWO_COLUMNS_MIN_WIDTH {
        let [campaigns, slots] =
            Layout::horizontal([Constraint::Percentage(30), Constraint::Percentage(70)]).areas(top);
        let [queue, timeline] =
            Layout::horizontal([Constraint::Percentage(38), Constraint::Percentage(62)])
                .areas(bottom);
        [campaigns, slots, queue, timeline]
    } else {
        let [campaigns, slots] =
            Layout::horizontal([Constraint::Percentage(40), Constraint::Percentage(60)]).areas(top);
        let [queue, timeline] =
            Layout::horizontal([Constraint::Percentage(40), Constraint::Percentage(60)])
                .areas(bottom);
        [campaigns, slots, queue, timeline]
    }
}
