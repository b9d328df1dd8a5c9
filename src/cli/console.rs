//! `switchboard` with no command: the console on the configured LiveKit, or on the
//! embedded sandbox when none is configured.

use super::Context;
use crate::runtime::Runtime;
use crate::tui::{self, App, EnginePort, Exit, Keymap};
use color_eyre::eyre::WrapErr;
use color_eyre::Result;
use std::process::ExitCode;
use std::time::Duration;

/// How long calls in flight get to finish when the console closes; the rest are
/// reconciled with LiveKit at the next start.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(2);

pub async fn run(ctx: &Context) -> Result<ExitCode> {
    let settings = console_settings(ctx, false)?;
    let runtime = Runtime::from_config(&ctx.config, &ctx.paths.database)
        .await
        .wrap_err_with(|| {
            format!(
                "cannot start on the database {}",
                ctx.paths.database.display()
            )
        })?;
    run_on(runtime, settings).await
}

/// Keys from `[keys]` over the defaults, colour from `[ui]` and `NO_COLOR`.
pub(super) fn console_settings(ctx: &Context, demo: bool) -> Result<tui::Settings> {
    let keymap = Keymap::with_overrides(&ctx.config.keys).wrap_err_with(|| {
        format!(
            "the [keys] table in {} is not usable",
            ctx.paths.config_file.display()
        )
    })?;
    Ok(tui::Settings {
        keymap,
        color: !ctx.config.ui.no_color,
        default_region: ctx.config.engine.default_region.clone(),
        frame_interval: Duration::from_millis(ctx.config.ui.tick_ms),
        demo,
        backend: None,
    })
}

/// Runs the console over `runtime` until the operator quits, then shuts the runtime
/// down. Campaigns left running are paused with reason `shutdown` and resume by
/// themselves at the next start.
pub(super) async fn run_on(runtime: Runtime, mut settings: tui::Settings) -> Result<ExitCode> {
    settings.backend = Some(match runtime.sandbox {
        Some(_) => tui::strings::BACKEND_SANDBOX.to_owned(),
        None => runtime.livekit_url.clone(),
    });
    let app = App::new(EnginePort::new(&runtime.engine), settings);
    let outcome = tui::run_in_terminal(app).await;
    runtime.shutdown(SHUTDOWN_GRACE).await;
    match outcome.wrap_err(
        "the console needs an interactive terminal (a tty); run it in a terminal or over ssh -t",
    )? {
        Exit::Signal => Ok(ExitCode::from(130)),
        Exit::Quit | Exit::PauseAndQuit(_) => Ok(ExitCode::SUCCESS),
    }
}
