//! The `:` line being typed: its text, Tab completion over the command table
//! (`commands.rs`), and what the text asks for once entered. Drawn on the footer's
//! status row, like the filter.

use super::action::Action;
use super::commands::{self, COMMANDS};
use super::strings;
use super::theme::Theme;
use ratatui::layout::{Position, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Clear;
use ratatui::Frame;
use tui_input::Input;

#[derive(Debug, Default)]
pub struct CommandLine {
    pub input: Input,
    /// Tab pressed again cycles through these names (the matches of what was typed).
    cycle: Option<Cycle>,
}

#[derive(Debug)]
struct Cycle {
    names: Vec<&'static str>,
    at: usize,
}

impl CommandLine {
    /// Completes the command name: the only match in full, else the matches' common
    /// start; Tab again goes through the matches one by one.
    pub fn complete(&mut self) {
        if let Some(cycle) = &mut self.cycle {
            cycle.at = (cycle.at + 1) % cycle.names.len();
            let name = cycle.names[cycle.at];
            self.input = Input::new(name.to_owned());
            return;
        }
        let typed = self.input.value().trim_start();
        if typed.contains(' ') {
            return;
        }
        let matches = commands::starting_with(typed);
        match matches.as_slice() {
            [] => {}
            [only] => {
                let space = if only.argument.is_some() { " " } else { "" };
                self.input = Input::new(format!("{}{space}", only.name));
            }
            several => {
                let names: Vec<&'static str> = several.iter().map(|c| c.name).collect();
                let common = common_start(&names);
                if common.len() > typed.len() {
                    self.input = Input::new(common.to_owned());
                } else {
                    self.input = Input::new(names[0].to_owned());
                    self.cycle = Some(Cycle { names, at: 0 });
                }
            }
        }
    }

    /// Typing anything but Tab ends a cycle.
    pub fn edited(&mut self) {
        self.cycle = None;
    }

    /// The names that fit what is typed, for the hint after the text.
    pub fn matches(&self) -> Vec<&'static str> {
        let typed = self.input.value().trim_start();
        if typed.contains(' ') {
            return Vec::new();
        }
        match &self.cycle {
            Some(cycle) => cycle.names.clone(),
            None => commands::starting_with(typed)
                .iter()
                .map(|c| c.name)
                .collect(),
        }
    }

    /// The action the line asks for, or what is wrong with it.
    /// The command typed: its action and its argument (`:lead Ada` finds the lead
    /// "Ada"), or why it is not one.
    pub fn parse(&self) -> Result<Option<(Action, Option<String>)>, String> {
        let text = self.input.value().trim();
        if text.is_empty() {
            return Ok(None);
        }
        let (name, argument) = match text.split_once(char::is_whitespace) {
            Some((name, rest)) => (name, Some(rest.trim().to_owned())),
            None => (text, None),
        };
        let Some(command) = commands::find(name) else {
            return Err(strings::unknown_command(name));
        };
        match (command.argument, &argument) {
            (None, Some(_)) => Err(strings::command_takes_no_argument(name)),
            _ => Ok(Some(((command.action)(argument.clone()), argument))),
        }
    }
}

fn common_start<'a>(names: &[&'a str]) -> &'a str {
    let first = names.first().copied().unwrap_or("");
    let len = names.iter().fold(first.len(), |len, name| {
        first
            .bytes()
            .zip(name.bytes())
            .take(len)
            .take_while(|(a, b)| a == b)
            .count()
    });
    &first[..len]
}

/// `:pa` with the matching names after it, the cursor in the text.
pub fn draw(frame: &mut Frame, area: Rect, line: &CommandLine, theme: &Theme) {
    let area = Rect { height: 1, ..area };
    frame.render_widget(Clear, area);
    let mut spans = vec![
        Span::styled(strings::COMMAND_PROMPT, theme.key()),
        Span::raw(line.input.value().to_owned()),
    ];
    let matches = line.matches();
    if matches.len() < COMMANDS.len() && !matches.is_empty() {
        spans.push(Span::styled(
            format!("   {}", matches.join(" ")),
            theme.dim(),
        ));
    }
    frame.render_widget(Line::from(spans), area);
    let x = area.x + strings::COMMAND_PROMPT.len() as u16 + line.input.visual_cursor() as u16;
    frame.set_cursor_position(Position {
        x: x.min(area.right().saturating_sub(1)),
        y: area.y,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    fn typed(text: &str) -> CommandLine {
        CommandLine {
            input: Input::new(text.to_owned()),
            cycle: None,
        }
    }

    #[test]
    fn tab_completes_one_match_then_the_common_start_then_cycles() {
        // (typed, after one tab, after two)
        let table = [
            ("pa", "pause", "pause"),
            ("ch", "charts", "charts"),
            ("st", "start", "stop"),
            ("re", "resume", "resume"),
            ("zz", "zz", "zz"),
            ("q", "quit", "q"),
        ];
        for (text, once, twice) in table {
            let mut line = typed(text);
            line.complete();
            assert_eq!(line.input.value(), once, "{text}");
            line.complete();
            assert_eq!(line.input.value(), twice, "{text} twice");
        }
        let mut line = typed("");
        line.complete();
        assert_eq!(
            line.input.value(),
            COMMANDS[0].name,
            "empty: the first command"
        );
    }

    #[test]
    fn the_line_names_its_action_or_what_is_wrong() {
        assert_eq!(typed(" pause ").parse(), Ok(Some((Action::Pause, None))));
        assert_eq!(typed("q").parse(), Ok(Some((Action::Quit, None))));
        assert_eq!(
            typed("lead Ada Lovelace").parse(),
            Ok(Some((Action::FindLead, Some("Ada Lovelace".into()))))
        );
        assert_eq!(typed("lead").parse(), Ok(Some((Action::FindLead, None))));
        assert_eq!(typed("").parse(), Ok(None));
        let unknown = typed("launch").parse().unwrap_err();
        assert!(unknown.contains("launch"), "{unknown}");
        let extra = typed("pause now").parse().unwrap_err();
        assert!(extra.contains("pause"), "{extra}");
    }
}
