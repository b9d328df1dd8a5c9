//! The mouse (`[ui] mouse`, on by default): a click on a pane focuses it and selects
//! the row under the pointer; the wheel scrolls the pane under the pointer, or the
//! popup that is open. Both go through the same moves as the keys (`move_selection`,
//! `Down`/`Up`), so a click can do nothing a key could not.

use super::App;
use crate::tui::action::{Action, Mode};
use crate::tui::ui;
use crate::tui::view::Pane;
use crossterm::event::{MouseButton, MouseEvent, MouseEventKind};
use ratatui::layout::Rect;

/// Rows one wheel notch moves.
const WHEEL_STEP: isize = 3;

/// A pane's first row of data: under its top border and its column names.
const ROWS_TOP: u16 = 2;

impl App {
    pub(super) fn on_mouse(&mut self, event: MouseEvent, screen: Rect) -> bool {
        let step = match event.kind {
            MouseEventKind::ScrollDown => WHEEL_STEP,
            MouseEventKind::ScrollUp => -WHEEL_STEP,
            MouseEventKind::Down(MouseButton::Left) => 0,
            _ => return false,
        };
        match self.view.mode() {
            Mode::Normal => {}
            // Popups that scroll take the wheel; clicks on them do nothing.
            Mode::Help | Mode::Detail if step != 0 => {
                let action = if step > 0 { Action::Down } else { Action::Up };
                for _ in 0..step.unsigned_abs() {
                    self.on_action(action);
                }
                return true;
            }
            _ => return false,
        }
        let Some((pane, area)) = ui::pane_at(screen, &self.view, event.column, event.row) else {
            return false;
        };
        self.view.focus = pane;
        if step != 0 {
            self.move_selection(step);
        } else if let Some(delta) = self.clicked_row(pane, area, event.row) {
            self.move_selection(delta);
        }
        true
    }

    /// How far the row drawn at `y` is from the selection, when `y` is on a row. The
    /// panes keep the selection on screen the same way: the first row drawn is the
    /// selection moved up by the rows that fit, less one.
    fn clicked_row(&self, pane: Pane, area: Rect, y: u16) -> Option<isize> {
        let line = y.checked_sub(area.y + ROWS_TOP)?;
        let mut height = usize::from(area.height.saturating_sub(ROWS_TOP + 1)).max(1);
        let (selected, len) = match pane {
            Pane::Campaigns => {
                let visible = self.view.visible_campaigns();
                let selected = self
                    .view
                    .selected_campaign
                    .and_then(|id| visible.iter().position(|c| c.id == id))
                    .unwrap_or(0);
                (selected, visible.len())
            }
            Pane::Slots => {
                let len = self.view.visible_slots().len();
                (self.view.slot_selected.min(len.saturating_sub(1)), len)
            }
            Pane::Queue => (self.view.queue.selected, self.view.queue.rows.len()),
            Pane::Timeline => {
                let timeline = &self.view.timeline;
                // A filtered timeline skips rows as it draws; a click there only focuses.
                if self.view.filter.text().is_some() {
                    return None;
                }
                let selected = timeline.selected_index();
                // At the oldest row the pane spends its first line on a marker.
                let marker = (selected + 1).saturating_sub(height) == 0
                    && (timeline.reached_start || timeline.loading_older)
                    && height > 1;
                let mut line = usize::from(line);
                if marker {
                    line = line.checked_sub(1)?;
                    height -= 1;
                }
                let first = (selected + 1).saturating_sub(height);
                let target = first + line;
                return (target < timeline.len() && line < height)
                    .then(|| target as isize - selected as isize);
            }
        };
        let line = usize::from(line);
        let first = (selected + 1).saturating_sub(height);
        let target = first + line;
        (line < height && target < len).then(|| target as isize - selected as isize)
    }
}
