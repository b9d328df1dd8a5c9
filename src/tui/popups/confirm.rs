//! "Are you sure?" before stopping a campaign or putting a number on the DNC list.

use crate::tui::action::Action;
use crate::tui::strings;
use crate::tui::view::View;
use crate::tui::widgets::{hint_line, popup_area, popup_frame};
use ratatui::layout::{Constraint, Layout};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

pub fn draw(frame: &mut Frame, view: &View, question: &str) {
    let area = popup_area(frame.area(), 60, 7);
    let inner = popup_frame(frame, area, strings::CONFIRM_TITLE, &view.theme);
    let [body, footer] = Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(inner);
    frame.render_widget(
        Paragraph::new(question.to_owned()).wrap(Wrap { trim: true }),
        body,
    );
    frame.render_widget(
        hint_line(view, &[Action::Confirm, Action::Cancel], &view.theme),
        footer,
    );
}
