//! The console: ratatui + crossterm over a link to the engine (design.md), in this
//! process or another; it never opens the database.
//!
//! - `event.rs`: the one `Event` enum; `app/`: the one `update`, split by mode, which
//!   returns `Effect`s; `effects.rs`: the only place that carries them out (spawns
//!   tasks, calls the engine); `runner.rs`: the loop.
//! - `available.rs`: what works now, read by the hint bar and the key handlers alike.
//! - `view.rs`: the state the screen is drawn from; `ui.rs` lays it out; one file per
//!   pane in `panes/`, per popup in `popups/`, per form in `forms/`.
//! - `action.rs` and `keymap.rs`: keys to actions, rebindable under `[keys]`.
//! - `queue.rs` and `timeline.rs`: the paged views, read through the engine's queries.
//! - `charts/`: the charts view, one file per chart; `command_line.rs` and
//!   `commands.rs`: the `:` line and its table of commands.
//! - `strings.rs`: every word on screen; `theme.rs`: colours and NO_COLOR.
//! - `terminal.rs` runs it in a terminal, `headless.rs` without one.
#![deny(clippy::unwrap_used)]
// Tests may unwrap: a panic there is a failed test, not a crashed console.
#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod action;
pub mod app;
pub mod available;
pub mod charts;
pub mod command_line;
pub mod commands;
pub mod effects;
mod error;
pub mod event;
pub mod format;
pub mod forms;
pub mod headless;
pub mod keymap;
pub mod panes;
pub mod popups;
pub mod port;
pub mod queue;
mod runner;
pub mod strings;
mod terminal;
pub mod theme;
pub mod timeline;
pub mod ui;
pub mod view;
mod widgets;

pub use action::{Action, Mode};
pub use app::{App, Exit, Settings};
pub use effects::{Ask, Effect};
pub use error::TuiError;
pub use event::Event;
pub use headless::{buffer_text, Headless};
pub use keymap::{Keymap, KeymapError};
pub use port::{EngineCalls, EnginePort, EngineStarter};
pub use terminal::run_in_terminal;
pub use theme::Theme;
pub use view::{Pane, View};
