//! `switchboard serve`: the engine service in the foreground, for systemd
//! (assets/switchboard.service, `Type=simple`) or a terminal. It holds the database's
//! engine lock, resumes the campaigns that were running, and serves the API on the
//! database's local socket (and on TCP with `[api] listen`). Consoles, the CLI and
//! integrations attach to it; it runs until SIGTERM or SIGINT, which pause running
//! campaigns with reason `shutdown` (they resume at the next start). SIGHUP is ignored:
//! a background engine outlives the terminal it was started from.

use super::Context;
use crate::config::RUNTIME_DIR_VAR;
use crate::service::{EngineHost, HostPlan};
use color_eyre::eyre::WrapErr;
use color_eyre::Result;
use std::process::ExitCode;
use std::time::Duration;

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Seconds calls in flight may take to finish after SIGTERM/SIGINT
    #[arg(long, value_name = "SECS", default_value_t = 10,
          value_parser = clap::value_parser!(u64).range(0..=3600))]
    pub grace_secs: u64,
}

pub async fn run(ctx: &Context, args: ServeArgs) -> Result<ExitCode> {
    use tokio::signal::unix::{signal, SignalKind};
    let mut terminate = signal(SignalKind::terminate()).wrap_err("listening for SIGTERM")?;
    let mut hangup = signal(SignalKind::hangup()).wrap_err("listening for SIGHUP")?;
    let plan = HostPlan::from_config(
        &ctx.config,
        &ctx.paths.database,
        ctx.env.path(RUNTIME_DIR_VAR),
    )?;
    let host = EngineHost::start(plan, &ctx.config.api).await?;
    let mut listening = format!(
        "engine serving {} on {}",
        ctx.paths.database.display(),
        host.socket().display()
    );
    if let Some(tcp) = host.tcp() {
        listening.push_str(&format!(" and http://{tcp}/api/v1"));
    }
    tracing::info!("{listening}");
    say(&listening);
    let signal = loop {
        tokio::select! {
            _ = terminate.recv() => break "SIGTERM",
            _ = tokio::signal::ctrl_c() => break "SIGINT",
            _ = hangup.recv() => tracing::info!("SIGHUP ignored: the engine goes on without a terminal"),
        }
    };
    tracing::info!("{signal}: pausing running campaigns and stopping the engine");
    say(&format!(
        "{signal} received: pausing running campaigns; calls in flight may finish"
    ));
    host.shutdown(Duration::from_secs(args.grace_secs)).await;
    Ok(ExitCode::SUCCESS)
}

/// A line on stderr that is lost, not fatal, when stderr is gone.
fn say(line: &str) {
    use std::io::Write as _;
    let _ = writeln!(std::io::stderr(), "{line}");
}
