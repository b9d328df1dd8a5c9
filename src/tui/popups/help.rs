//! `?`: every binding of the active keymap, by where it works, and the `:` commands.

use crate::tui::action::{Action, Mode};
use crate::tui::commands::COMMANDS;
use crate::tui::strings;
use crate::tui::view::View;
use crate::tui::widgets::{popup_area, popup_frame};
use ratatui::layout::{Constraint, Layout};
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;
use ratatui::Frame;

const MODES: [Mode; 10] = [
    Mode::Normal,
    Mode::Command,
    Mode::Charts,
    Mode::Detail,
    Mode::Form,
    Mode::Confirm,
    Mode::QuitDialog,
    Mode::Filter,
    Mode::LeadFinder,
    Mode::Agents,
];

/// Every line of the overlay, so scrolling knows its length. Each column is as wide
/// as its longest entry and two spaces, so a long label never runs into its name.
pub fn lines(view: &View) -> Vec<Line<'static>> {
    let theme = &view.theme;
    let by_mode: Vec<(Mode, Vec<Action>)> = MODES
        .iter()
        .map(|&mode| {
            let actions = Action::ALL
                .iter()
                .copied()
                .filter(|a| a.modes().contains(&mode))
                .collect();
            (mode, actions)
        })
        .filter(|(_, actions): &(Mode, Vec<Action>)| !actions.is_empty())
        .collect();
    let widest = |text: &dyn Fn(Action) -> String| {
        by_mode
            .iter()
            .flat_map(|(_, actions)| actions.iter().map(|&a| text(a).chars().count()))
            .max()
            .unwrap_or(0)
    };
    let keys_width = widest(&|a| view.keymap.all_keys_text(a)) + 2;
    let label_width = widest(&|a| strings::action_label_in(a, view.demo).to_owned()) + 2;
    let mut lines = Vec::new();
    for (mode, actions) in by_mode {
        if !lines.is_empty() {
            lines.push(Line::from(""));
        }
        lines.push(Line::styled(mode.name().to_owned(), theme.title()));
        for action in actions {
            let keys = view.keymap.all_keys_text(action);
            lines.push(Line::from(vec![
                Span::styled(format!("  {keys:<keys_width$}"), theme.key()),
                Span::raw(format!(
                    "{:<label_width$}",
                    strings::action_label_in(action, view.demo)
                )),
                Span::styled(action.name(), theme.dim()),
            ]));
        }
    }
    // The `:` commands, from their table: a new one shows here by itself.
    lines.push(Line::from(""));
    lines.push(Line::styled(strings::HELP_COMMANDS, theme.title()));
    for command in COMMANDS {
        let typed = match command.argument {
            Some(argument) => format!(":{} {argument}", command.name),
            None => format!(":{}", command.name),
        };
        let action = (command.action)(None);
        lines.push(Line::from(vec![
            Span::styled(format!("  {typed:<16}"), theme.key()),
            Span::raw(strings::action_label(action)),
        ]));
    }
    lines
}

pub fn draw(frame: &mut Frame, view: &View, scroll: u16) {
    let area = popup_area(frame.area(), 72, 40);
    let inner = popup_frame(frame, area, strings::HELP_TITLE, &view.theme);
    let [body, footer] = Layout::vertical([Constraint::Min(1), Constraint::Length(1)]).areas(inner);
    let lines = lines(view);
    // Never scroll past the last screenful.
    let scroll = scroll.min((lines.len() as u16).saturating_sub(body.height));
    frame.render_widget(Paragraph::new(lines).scroll((scroll, 0)), body);
    frame.render_widget(Line::styled(strings::HELP_FOOTER, view.theme.dim()), footer);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::tui::keymap::Keymap;
    use crate::tui::theme::Theme;

    #[test]
    fn help_lists_every_command_of_the_table() {
        let view = View::new(Keymap::defaults(), Theme::new(false));
        let text: Vec<String> = lines(&view).iter().map(|l| l.to_string()).collect();
        for command in COMMANDS {
            let typed = format!(":{} ", command.name);
            assert!(
                text.iter().any(|l| l.trim_start().starts_with(&typed)),
                "{typed} missing"
            );
        }
    }
}
