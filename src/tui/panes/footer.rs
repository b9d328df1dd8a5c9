//! The bottom two lines: the latest status (command answers, errors) or the filter
//! being typed, and the keys that work right now (`available::hinted`, which the key
//! handlers obey too), from the active keymap.

use crate::tui::available;
use crate::tui::strings;
use crate::tui::view::View;
use crate::tui::widgets::hint_line;
use ratatui::layout::{Constraint, Layout, Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::Frame;

pub const HEIGHT: u16 = 2;

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
    frame.render_widget(fitted_hints(view, hints_row.width), hints_row);
}

/// The hints that fit in `width`: when they do not all fit, the ones just before the
/// last two go first, so `? help` and `q quit` always show and help lists the rest.
fn fitted_hints(view: &View, width: u16) -> Line<'static> {
    let mut actions = available::hinted(view);
    loop {
        let line = hint_line(view, &actions, &view.theme);
        if line.width() <= usize::from(width) || actions.len() <= 2 {
            return line;
        }
        actions.remove(actions.len() - 3);
    }
}
