//! `switchboard sandbox`: runs the embedded LiveKit-compatible sandbox on its own, so any
//! LiveKit client (this console in another terminal, `lk`, a script) can dial through the
//! simulated phone network. Settings come from the `[sandbox]` table of the config file.

use super::Context;
use crate::sandbox::{self, SandboxConfig};
use color_eyre::eyre::WrapErr;
use color_eyre::Result;
use std::net::SocketAddr;
use std::process::ExitCode;

/// Runs the LiveKit-compatible sandbox until Ctrl-C.
#[derive(Debug, clap::Args)]
pub struct SandboxArgs {
    /// Address to listen on (port 0 picks a free port)
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:7880")]
    pub listen: SocketAddr,

    /// Real seconds per simulated second (1.0 = real time) [default: from [sandbox], else 1.0]
    #[arg(long, value_name = "FACTOR")]
    pub time_scale: Option<f64>,

    /// Seed of the simulated outcomes [default: from [sandbox], else 7]
    #[arg(long)]
    pub seed: Option<u64>,

    /// POST signed LiveKit webhooks to this URL
    #[arg(long, value_name = "URL")]
    pub webhook_url: Option<String>,
}

pub async fn run(ctx: &Context, args: SandboxArgs) -> Result<ExitCode> {
    let mut config: SandboxConfig = ctx
        .config
        .section("sandbox")
        .wrap_err("reading the [sandbox] table of the config file")?
        .unwrap_or_default();
    if let Some(time_scale) = args.time_scale {
        config.time_scale = time_scale;
    }
    if let Some(seed) = args.seed {
        config.seed = seed;
    }
    if args.webhook_url.is_some() {
        config.webhook_url = args.webhook_url;
    }
    sandbox::serve_forever(config, args.listen)
        .await
        .wrap_err("running the sandbox")?;
    Ok(ExitCode::SUCCESS)
}
