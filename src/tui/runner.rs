//! The event loop: waits for whichever comes first (a key, a new snapshot, an engine
//! event, an answer, the once-a-second tick while calls are live), applies it with
//! `App::update`, hands the effects it returns to `Effects` and redraws only when
//! something changed. With nothing happening it sleeps: no busy tick.

use super::app::{App, Exit};
use super::effects::Effects;
use super::error::TuiError;
use super::event::Event;
use super::ui;
use futures::{Stream, StreamExt};
use ratatui::backend::Backend;
use ratatui::Terminal;
use std::time::Duration;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::mpsc;
use tokio::time::{Instant, MissedTickBehavior};

/// How long quitting waits for the pauses it asked for.
const PAUSE_ON_QUIT_TIMEOUT: Duration = Duration::from_secs(5);

impl App {
    /// Runs until the operator quits (or a signal arrives), drawing into `terminal`.
    /// `after_draw` sees every frame (the headless driver publishes them).
    pub async fn run<B, S, F>(
        mut self,
        terminal: &mut Terminal<B>,
        mut inputs: S,
        mut after_draw: F,
    ) -> Result<Exit, TuiError>
    where
        B: Backend,
        S: Stream<Item = Event> + Unpin,
        F: FnMut(&Terminal<B>),
        B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    {
        let Some(port) = self.port.take() else {
            return Ok(Exit::Quit);
        };
        // Answers to effects come back on `internal`.
        let (answers, mut internal) = mpsc::unbounded_channel();
        let effects = Effects::new(port.engine, answers).with_starter(port.start_engine);
        let mut leaving: Option<Exit> = None;
        let mut snapshots = port.snapshot;
        let mut events = port.events;
        let first = snapshots.borrow_and_update().clone();
        for effect in self.update(Event::Snapshot(first)) {
            leaving = effects.run(effect).or(leaving);
        }
        let (mut snapshots_open, mut events_open) = (true, true);
        let frame_interval = self.settings().frame_interval;
        let mut dirty = self.take_redraw();
        let mut urgent = true;
        let mut last_draw = Instant::now();
        let mut ticker = tokio::time::interval(Duration::from_secs(1));
        ticker.set_missed_tick_behavior(MissedTickBehavior::Delay);
        loop {
            if dirty && (urgent || last_draw.elapsed() >= frame_interval) {
                terminal
                    .draw(|frame| ui::draw(frame, &self.view))
                    .map_err(std::io::Error::other)?;
                after_draw(terminal);
                dirty = false;
                urgent = false;
                last_draw = Instant::now();
            }
            if let Some(exit) = leaving.take() {
                return Ok(finish(exit).await);
            }
            let wants_tick = self.wants_tick();
            let event = tokio::select! {
                input = inputs.next() => match input {
                    Some(event) => {
                        urgent = true;
                        event
                    }
                    None => return Ok(Exit::Quit),
                },
                changed = snapshots.changed(), if snapshots_open => match changed {
                    Ok(()) => Event::Snapshot(snapshots.borrow_and_update().clone()),
                    Err(_) => {
                        snapshots_open = false;
                        continue;
                    }
                },
                received = events.recv(), if events_open => match received {
                    Ok(event) => Event::Engine(Box::new(event)),
                    Err(RecvError::Lagged(missed)) => Event::EventsLagged(missed),
                    Err(RecvError::Closed) => {
                        events_open = false;
                        continue;
                    }
                },
                Some(event) = internal.recv() => event,
                _ = ticker.tick(), if wants_tick => Event::Tick,
                _ = tokio::time::sleep_until(last_draw + frame_interval), if dirty => continue,
            };
            if matches!(event, Event::Resize) {
                terminal.autoresize().map_err(std::io::Error::other)?;
                urgent = true;
            }
            for effect in self.update(event) {
                leaving = effects.run(effect).or(leaving);
            }
            dirty |= self.take_redraw();
        }
    }
}

async fn finish(exit: Exit) -> Exit {
    if let Exit::PauseAndQuit(replies) = exit {
        let all = futures::future::join_all(replies);
        let _ = tokio::time::timeout(PAUSE_ON_QUIT_TIMEOUT, all).await;
        return Exit::PauseAndQuit(Vec::new());
    }
    exit
}
