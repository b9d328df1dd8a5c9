//! Quitting while calls are live: pause all first, or leave the campaigns running. The
//! console only detaches (the engine goes on calling); the demo's engine ends with it,
//! and its campaigns resume when the demo is next opened.

use crate::tui::action::Action;
use crate::tui::strings;
use crate::tui::view::View;
use crate::tui::widgets::{hint_line, popup_area, popup_frame};
use ratatui::layout::{Constraint, Layout};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

pub fn draw(frame: &mut Frame, view: &View) {
    let area = popup_area(frame.area(), 64, 8);
    let inner = popup_frame(frame, area, strings::QUIT_TITLE, &view.theme);
    let [body, footer] = Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(inner);
    frame.render_widget(
        Paragraph::new(if view.demo {
            strings::QUIT_QUESTION_DEMO
        } else {
            strings::QUIT_QUESTION
        })
        .wrap(Wrap { trim: true }),
        body,
    );
    let actions = [
        Action::PauseAndQuit,
        Action::KeepRunningAndQuit,
        Action::Cancel,
    ];
    frame.render_widget(hint_line(view, &actions, &view.theme), footer);
}
