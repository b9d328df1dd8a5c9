//! The console in a real terminal: raw mode and the alternate screen via
//! `ratatui::try_init` (whose panic hook restores the terminal), crossterm's event
//! stream for keys, and SIGTERM/SIGHUP turned into a clean exit (the console
//! detaches; what happens to the engine is its owner's business, not the terminal's).
//!
//! A hangup (SIGHUP, or the terminal failing under the event stream) first points the
//! dead terminal's descriptors at /dev/null (`crate::hangup`), so the last frames, the
//! restore and any error report go nowhere instead of aborting the process on EIO.

use super::app::{App, Exit};
use super::error::TuiError;
use super::event::Event;
use crate::hangup::{terminal_hung_up, terminal_is_gone};
use crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
    Event as TermEvent, EventStream, KeyEventKind,
};
use futures::StreamExt;
use tokio::signal::unix::{signal, SignalKind};

pub async fn run_in_terminal(app: App) -> Result<Exit, TuiError> {
    // Listen before touching the terminal, so a signal during start-up is not lost.
    let mut terminate = signal(SignalKind::terminate())?;
    let mut hangup = signal(SignalKind::hangup())?;
    let signals = futures::stream::once(async move {
        tokio::select! {
            _ = terminate.recv() => {
                tracing::info!("SIGTERM: the console closes");
            }
            _ = hangup.recv() => terminal_hung_up(),
        }
        Event::Terminate
    });
    let mut terminal = ratatui::try_init()?;
    let _ = crossterm::execute!(std::io::stdout(), EnableBracketedPaste);
    let mouse = app.settings().mouse;
    if mouse {
        let _ = crossterm::execute!(std::io::stdout(), EnableMouseCapture);
    }
    let keys = EventStream::new().filter_map(|event| {
        futures::future::ready(match event {
            Ok(TermEvent::Key(key)) if key.kind != KeyEventKind::Release => Some(Event::Key(key)),
            Ok(TermEvent::Resize(..)) => Some(Event::Resize),
            Ok(TermEvent::Paste(text)) => Some(Event::Paste(text)),
            // Moves and drags come by the hundred and mean nothing here.
            Ok(TermEvent::Mouse(event))
                if !matches!(
                    event.kind,
                    crossterm::event::MouseEventKind::Moved
                        | crossterm::event::MouseEventKind::Drag(_)
                ) =>
            {
                let (width, height) = crossterm::terminal::size().unwrap_or_default();
                let screen = ratatui::layout::Rect::new(0, 0, width, height);
                Some(Event::Mouse { event, screen })
            }
            Ok(_) => None,
            // The terminal went away (e.g. the SSH session dropped).
            Err(e) => {
                tracing::debug!("reading the terminal failed: {e}");
                terminal_hung_up();
                Some(Event::Terminate)
            }
        })
    });
    // Signals arrive among the keys, so the loop sees them in order with input.
    let inputs = futures::stream::select(keys, Box::pin(signals));
    let result = match app.run(&mut terminal, inputs, |_| {}).await {
        // A frame hit the dead terminal before its SIGHUP was handled.
        Err(_) if terminal_is_gone() => {
            terminal_hung_up();
            Ok(Exit::Signal)
        }
        result => result,
    };
    let _ = crossterm::execute!(std::io::stdout(), DisableBracketedPaste);
    if mouse {
        let _ = crossterm::execute!(std::io::stdout(), DisableMouseCapture);
    }
    // Not `ratatui::restore`: it reports failure with `eprintln!`, which panics when
    // the terminal is gone.
    if let Err(e) = ratatui::try_restore() {
        tracing::debug!("the terminal could not be restored: {e}");
    }
    result
}
