//! `switchboard` with no command: the console, attached to the engine serving the
//! configured database over its local socket, like a tmux client to its server. With no
//! engine running it starts one in the background (`switchboard serve` in its own
//! session, logging to the log file), on the configured LiveKit or the embedded
//! sandbox. Quitting, or losing the terminal, detaches: the engine goes on calling.

use super::Context;
use crate::config::RUNTIME_DIR_VAR;
use crate::hangup::CONSOLE_DETACHED;
use crate::service::attach::BackgroundEngine;
use crate::service::{socket_for, Link, RemoteEngine};
use crate::tui::{self, App, EnginePort, Exit, Keymap, KeymapError};
use color_eyre::eyre::{eyre, WrapErr};
use color_eyre::Result;
use std::io::IsTerminal;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

/// Why the console cannot open without a terminal.
pub(super) const NEEDS_A_TTY: &str =
    "the console needs an interactive terminal (a tty); run it in a terminal or over ssh -t";

pub async fn run(ctx: &Context) -> Result<ExitCode> {
    // Before anything starts: a console that cannot open must not leave an engine
    // behind. A bad [keys] table is named first, whatever the terminal.
    let mut settings = console_settings(ctx, false)?;
    if !(std::io::stdin().is_terminal() && std::io::stdout().is_terminal()) {
        return Err(eyre!(NEEDS_A_TTY));
    }
    settings.backend = Some(backend(ctx));
    let db = &ctx.paths.database;
    let socket = socket_for(db, ctx.env.path(RUNTIME_DIR_VAR).as_deref())
        .wrap_err("cannot find where the engine's socket goes")?;
    let engine = BackgroundEngine {
        config_file: ctx.paths.config_file.clone(),
        db: db.clone(),
        socket,
        log_dir: ctx.paths.log_dir.clone(),
    };
    let client = engine
        .attach_or_start()
        .await
        .wrap_err_with(|| format!("cannot reach the engine for {}", db.display()))?;
    let remote = RemoteEngine::follow(client)
        .await
        .wrap_err("the engine stopped answering while the console attached")?;
    let link = Link::Remote(remote);
    // The link finds a new engine on the socket by itself once one is started.
    let start: tui::EngineStarter = Arc::new(move || {
        let engine = engine.clone();
        Box::pin(async move {
            engine
                .attach_or_start()
                .await
                .map(drop)
                .map_err(|err| err.to_string())
        })
    });
    let port = EnginePort::new(&link).with_starter(start);
    let outcome = run_port(port, settings).await;
    tracing::info!("{CONSOLE_DETACHED}");
    outcome
}

/// Where the engine sends calls, for the header: the configured LiveKit or the sandbox.
fn backend(ctx: &Context) -> String {
    match ctx.config.livekit_credentials() {
        Ok(Some(credentials)) => credentials.url.to_string(),
        _ => tui::strings::BACKEND_SANDBOX.to_owned(),
    }
}

/// Keys from `[keys]` over the defaults, colour from `[ui]` and `NO_COLOR`.
pub(super) fn console_settings(ctx: &Context, demo: bool) -> Result<tui::Settings> {
    let keymap = Keymap::with_overrides(&ctx.config.keys).map_err(|e| {
        let file = &ctx.paths.config_file;
        let line = match &e {
            KeymapError::UnknownAction { action, .. }
            | KeymapError::BadKey { action, .. }
            | KeymapError::NoKey { action } => keys_line(file, action),
            _ => None,
        };
        let at = line.map(|n| format!(" line {n}")).unwrap_or_default();
        eyre!("{}{at}: {e}", file.display())
    })?;
    Ok(tui::Settings {
        keymap,
        color: !ctx.config.ui.no_color,
        default_region: ctx.config.engine.default_region.clone(),
        frame_interval: Duration::from_millis(ctx.config.ui.tick_ms),
        demo,
        backend: None,
        mouse: ctx.config.ui.mouse,
    })
}

/// The line of `action = ...` in the `[keys]` table of `file`, 1-based.
fn keys_line(file: &std::path::Path, action: &str) -> Option<usize> {
    let text = std::fs::read_to_string(file).ok()?;
    let mut in_keys = false;
    for (i, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.starts_with('[') {
            in_keys = line.trim_start_matches('[').trim_end_matches(']').trim() == "keys";
            continue;
        }
        let Some((key, _)) = line.split_once('=') else {
            continue;
        };
        if in_keys && key.trim().trim_matches(|c| c == '"' || c == '\'') == action {
            return Some(i + 1);
        }
    }
    None
}

/// Runs the console over `link` in this terminal until the operator quits, a signal
/// arrives or the terminal goes away. "Pause all and quit" has waited for its pauses
/// by the time this returns; nothing else is stopped here.
pub(super) async fn run_on(link: &Link, settings: tui::Settings) -> Result<ExitCode> {
    run_port(EnginePort::new(link), settings).await
}

async fn run_port(port: EnginePort, settings: tui::Settings) -> Result<ExitCode> {
    let app = App::new(port, settings);
    let outcome = tui::run_in_terminal(app).await;
    match outcome.wrap_err(NEEDS_A_TTY)? {
        Exit::Signal => Ok(ExitCode::from(130)),
        Exit::Quit | Exit::PauseAndQuit(_) => Ok(ExitCode::SUCCESS),
    }
}
