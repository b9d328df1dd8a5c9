//! The filter line (`/`): typing narrows the focused pane; the queue is filtered by
//! the engine when the filter is kept; esc on the main screen drops a kept filter.

use super::App;
use crate::tui::action::Action;
use crate::tui::view::Pane;
use crossterm::event::KeyEvent;
use tui_input::backend::crossterm::EventHandler;

impl App {
    /// Enter keeps the filter, esc clears it; either way typing ends.
    pub(super) fn filter_action(&mut self, action: Action) -> bool {
        self.view.filter.editing = false;
        if action == Action::Cancel {
            self.view.filter.input.reset();
        }
        if self.view.focus == Pane::Queue {
            let load = self
                .view
                .queue
                .set_filter(self.view.filter.text().map(str::to_owned));
            self.load_queue(load);
        }
        true
    }

    pub(super) fn edit_filter(&mut self, key: KeyEvent) -> bool {
        self.view
            .filter
            .input
            .handle_event(&crossterm::event::Event::Key(key));
        self.view.slot_selected = 0;
        true
    }
}

impl App {
    /// Esc on the main screen drops the filter that was kept, everywhere it applies.
    pub(super) fn clear_filter(&mut self) {
        self.view.filter.input.reset();
        self.view.slot_selected = 0;
        if self.view.queue.filter.is_some() {
            let load = self.view.queue.set_filter(None);
            self.load_queue(load);
        }
    }
}
