//! The bottom two lines: the latest status (command answers, errors) or the filter
//! being typed, and the keys that work right now, from the active keymap.

use crate::domain::CampaignStatus;
use crate::tui::action::{Action, Mode};
use crate::tui::strings;
use crate::tui::view::{Overlay, Pane, View};
use crate::tui::widgets::hint_line;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::Frame;

pub const HEIGHT: u16 = 2;

/// The actions that do something now, in the order the bar shows them.
pub fn available_actions(view: &View) -> Vec<Action> {
    use Action::*;
    match view.mode() {
        Mode::Normal => {
            let mut actions = Vec::new();
            match view.campaign().map(|c| c.status) {
                Some(CampaignStatus::Draft) => actions.push(Start),
                Some(CampaignStatus::Running) => actions.extend([Pause, Stop]),
                Some(CampaignStatus::Paused) => actions.extend([Resume, Stop]),
                _ => {}
            }
            if view.focus == Pane::Slots && view.selected_slot().is_some() {
                actions.push(HangUp);
            }
            if matches!(view.focus, Pane::Slots | Pane::Queue | Pane::Timeline) {
                actions.push(Details);
            }
            if view.focus == Pane::Timeline && !view.timeline.follow {
                actions.push(Follow);
            }
            actions.push(NewCampaign);
            if view.campaign().is_some_and(|c| c.status.is_editable()) {
                actions.push(EditCampaign);
                actions.push(Import);
            }
            if view.focus == Pane::Campaigns
                && view
                    .campaign()
                    .is_some_and(|c| c.status != CampaignStatus::Running)
            {
                actions.push(DeleteCampaign);
            }
            actions.extend([AddDnc, Filter, Agents, FocusNext, Help, Quit]);
            actions
        }
        Mode::Detail => {
            // Ending the call is offered only while the call it was opened from is live.
            let live = match &view.overlay {
                Some(Overlay::Detail(detail)) => detail.attempt.is_some_and(|attempt| {
                    view.snapshot
                        .campaigns
                        .iter()
                        .any(|c| c.slots.iter().any(|s| s.attempt == attempt))
                }),
                _ => false,
            };
            let mut actions = if live { vec![HangUp] } else { Vec::new() };
            actions.extend([RetryNow, MarkDnc, Down, Up, Close]);
            actions
        }
        Mode::Help => vec![Down, Up, Close],
        Mode::Agents => vec![Close],
        Mode::Form => vec![Submit, NextField, PrevField, Cancel],
        Mode::Confirm => vec![Confirm, Cancel],
        Mode::QuitDialog => vec![PauseAndQuit, KeepRunningAndQuit, Cancel],
        Mode::Filter => vec![Submit, Cancel],
    }
}

pub fn draw(frame: &mut Frame, area: Rect, view: &View) {
    let theme = &view.theme;
    let [status_row, hints_row] =
        Layout::vertical([Constraint::Length(1), Constraint::Length(1)]).areas(area);
    if view.filter.editing {
        let prompt = Span::styled(strings::FILTER_PROMPT, theme.key());
        frame.render_widget(
            Line::from(vec![
                prompt,
                Span::raw(view.filter.input.value().to_owned()),
            ]),
            status_row,
        );
        let x = status_row.x
            + strings::FILTER_PROMPT.len() as u16
            + view.filter.input.visual_cursor() as u16;
        frame.set_cursor_position(Position {
            x: x.min(status_row.right().saturating_sub(1)),
            y: status_row.y,
        });
    } else if let Some(status) = &view.status {
        let style = if status.error {
            theme.error()
        } else {
            theme.ok()
        };
        frame.render_widget(Line::styled(status.text.clone(), style), status_row);
    } else if let Some(filter) = view.filter.text() {
        frame.render_widget(
            Line::styled(format!("{}{filter}", strings::FILTER_PROMPT), theme.dim()),
            status_row,
        );
    } else if let Some(notice) = &view.snapshot.notice {
        frame.render_widget(Line::styled(notice.clone(), theme.error()), status_row);
    }
    frame.render_widget(hint_line(view, &available_actions(view), theme), hints_row);
}
