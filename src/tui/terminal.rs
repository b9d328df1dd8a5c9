//! The console in a real terminal: raw mode and the alternate screen via
//! `ratatui::init` (whose panic hook restores the terminal), crossterm's event stream
//! for keys, and SIGTERM/SIGHUP turned into a clean exit.

use super::app::{App, Exit};
use super::error::TuiError;
use super::event::Event;
use crossterm::event::{
    DisableBracketedPaste, EnableBracketedPaste, Event as TermEvent, EventStream, KeyEventKind,
};
use futures::StreamExt;
use tokio::signal::unix::{signal, SignalKind};

pub async fn run_in_terminal(app: App) -> Result<Exit, TuiError> {
    // Listen before touching the terminal, so a signal during start-up is not lost.
    let mut terminate = signal(SignalKind::terminate())?;
    let mut hangup = signal(SignalKind::hangup())?;
    let tx = app.sender();
    let signals = tokio::spawn(async move {
        tokio::select! {
            _ = terminate.recv() => {}
            _ = hangup.recv() => {}
        }
        let _ = tx.send(Event::Terminate);
    });
    let mut terminal = ratatui::try_init()?;
    let _ = crossterm::execute!(std::io::stdout(), EnableBracketedPaste);
    let inputs = EventStream::new().filter_map(|event| {
        futures::future::ready(match event {
            Ok(TermEvent::Key(key)) if key.kind != KeyEventKind::Release => Some(Event::Key(key)),
            Ok(TermEvent::Resize(..)) => Some(Event::Resize),
            Ok(TermEvent::Paste(text)) => Some(Event::Paste(text)),
            Ok(_) => None,
            // The terminal went away (e.g. the SSH session dropped).
            Err(_) => Some(Event::Terminate),
        })
    });
    let result = app.run(&mut terminal, inputs, |_| {}).await;
    let _ = crossterm::execute!(std::io::stdout(), DisableBracketedPaste);
    ratatui::restore();
    signals.abort();
    result
}
