//! The `:` line: typing edits it, Tab completes, Enter runs the command's action as
//! if its key were pressed (so it works, or is refused with the reason, exactly as
//! the key is), Esc closes it, and so does Backspace on an empty line.

use super::App;
use crate::tui::action::Action;
use crate::tui::command_line::CommandLine;
use crate::tui::view::Overlay;
use crossterm::event::{KeyCode, KeyEvent};
use tui_input::backend::crossterm::EventHandler;

impl App {
    pub(super) fn open_command_line(&mut self) {
        self.view.command = Some(CommandLine::default());
    }

    pub(super) fn command_action(&mut self, action: Action) -> bool {
        let Some(line) = &mut self.view.command else {
            return false;
        };
        match action {
            Action::Complete => line.complete(),
            Action::Cancel => self.view.command = None,
            Action::Submit => {
                let parsed = line.parse();
                self.view.command = None;
                match parsed {
                    Ok(Some((action, argument))) => self.run_command(action, argument),
                    Ok(None) => {}
                    Err(why) => self.set_status(why, true),
                }
            }
            _ => return false,
        }
        true
    }

    /// Runs a command's action where its key works: the charts view closes first
    /// for an action of the main screen (`:pause` from the charts). `:lead NAME` opens
    /// the lead finder with NAME already searched.
    fn run_command(&mut self, action: Action, argument: Option<String>) {
        let charts_open = matches!(self.view.overlay, Some(Overlay::Charts(_)));
        if charts_open && !action.modes().contains(&self.view.mode()) {
            self.view.overlay = None;
        }
        if !action.modes().contains(&self.view.mode()) {
            return;
        }
        match action {
            Action::FindLead => self.open_lead_finder(argument),
            _ => {
                self.on_action(action);
            }
        }
    }

    pub(super) fn edit_command(&mut self, key: KeyEvent) -> bool {
        let Some(line) = &mut self.view.command else {
            return false;
        };
        if key.code == KeyCode::Backspace && line.input.value().is_empty() {
            self.view.command = None;
            return true;
        }
        line.input.handle_event(&crossterm::event::Event::Key(key));
        line.edited();
        true
    }
}
