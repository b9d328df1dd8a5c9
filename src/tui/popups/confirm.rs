//! "Are you sure?" before a step that cannot be undone: stopping or deleting a campaign,
//! hanging up a live call, putting a number on the DNC list.

use crate::tui::action::Action;
use crate::tui::strings;
use crate::tui::view::View;
use crate::tui::widgets::{hint_line, popup_area, popup_frame};
use ratatui::layout::{Constraint, Layout};
use ratatui::widgets::{Paragraph, Wrap};
use ratatui::Frame;

pub fn draw(frame: &mut Frame, view: &View, question: &str) {
    // As tall as the question needs, so what it ends is never cut off.
    let width = 60u16.min(frame.area().width.saturating_sub(2));
    let text = width.saturating_sub(2).max(1) as usize;
    let lines = textwrap_lines(question, text);
    let area = popup_area(frame.area(), 60, (lines + 3).max(7));
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

/// How many lines `text` takes wrapped at word boundaries to `width` columns (an
/// upper bound of what `Wrap { trim: true }` draws).
fn textwrap_lines(text: &str, width: usize) -> u16 {
    let mut lines = 1usize;
    let mut used = 0usize;
    for word in text.split_whitespace() {
        let len = word.chars().count();
        if used > 0 && used + 1 + len <= width {
            used += 1 + len;
            continue;
        }
        if used > 0 {
            lines += 1;
        }
        // A word longer than the line is broken across lines.
        let extra = len.saturating_sub(1) / width;
        lines += extra;
        used = len - extra * width;
    }
    u16::try_from(lines).unwrap_or(u16::MAX)
}

#[cfg(test)]
mod tests {
    use super::textwrap_lines;

    #[test]
    fn lines_count_the_words_that_wrap() {
        assert_eq!(textwrap_lines("one two", 7), 1);
        assert_eq!(textwrap_lines("one two three", 7), 2);
        assert_eq!(textwrap_lines("abcdefghij", 4), 3);
    }
}
