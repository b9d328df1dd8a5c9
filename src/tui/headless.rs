//! The whole console without a terminal (television's `run_headless`): events and
//! actions go in through a channel, every frame comes out as text. Tests drive the
//! real `App` and `update` this way, against a real engine or a hand-fed one.

use super::action::Action;
use super::app::{App, Exit};
use super::error::TuiError;
use super::event::Event;
use ratatui::backend::TestBackend;
use ratatui::buffer::Buffer;
use ratatui::Terminal;
use std::time::Duration;
use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

pub struct Headless {
    inputs: mpsc::UnboundedSender<Event>,
    pub screen: watch::Receiver<String>,
    pub task: JoinHandle<Result<Exit, TuiError>>,
}

impl App {
    /// Starts the app on a `width` x `height` in-memory screen.
    pub fn run_headless(self, width: u16, height: u16) -> Headless {
        let (inputs, rx) = mpsc::unbounded_channel();
        let (frames, screen) = watch::channel(String::new());
        let task = tokio::spawn(async move {
            let mut terminal = match Terminal::new(TestBackend::new(width, height)) {
                Ok(terminal) => terminal,
                Err(never) => match never {},
            };
            let stream = Box::pin(futures::stream::unfold(rx, |mut rx| async move {
                rx.recv().await.map(|e| (e, rx))
            }));
            self.run(&mut terminal, stream, |t| {
                let _ = frames.send(buffer_text(t.backend().buffer()));
            })
            .await
        });
        Headless {
            inputs,
            screen,
            task,
        }
    }
}

impl Headless {
    pub fn action(&self, action: Action) {
        let _ = self.inputs.send(Event::Action(action));
    }

    pub fn event(&self, event: Event) {
        let _ = self.inputs.send(event);
    }

    /// Types `text` key by key.
    pub fn keys(&self, text: &str) {
        for c in text.chars() {
            let key = crossterm::event::KeyEvent::new(
                crossterm::event::KeyCode::Char(c),
                crossterm::event::KeyModifiers::NONE,
            );
            let _ = self.inputs.send(Event::Key(key));
        }
    }

    pub fn key(&self, key: crossterm::event::KeyEvent) {
        let _ = self.inputs.send(Event::Key(key));
    }

    /// Waits until a frame satisfies `check`, returning it, or the last frame on timeout.
    pub async fn wait_for(
        &mut self,
        timeout: Duration,
        check: impl Fn(&str) -> bool,
    ) -> Result<String, String> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            {
                let screen = self.screen.borrow_and_update();
                if check(&screen) {
                    return Ok(screen.clone());
                }
            }
            match tokio::time::timeout_at(deadline, self.screen.changed()).await {
                Ok(Ok(())) => {}
                _ => return Err(self.screen.borrow().clone()),
            }
        }
    }
}

/// The buffer as lines of text, trailing spaces trimmed.
pub fn buffer_text(buffer: &Buffer) -> String {
    let width = buffer.area.width as usize;
    let mut out = String::new();
    for (i, cell) in buffer.content.iter().enumerate() {
        out.push_str(cell.symbol());
        if (i + 1) % width == 0 {
            let trimmed = out.trim_end_matches(' ').len();
            out.truncate(trimmed);
            out.push('\n');
        }
    }
    out
}
