//! `switchboard sandbox`: runs the embedded LiveKit-compatible sandbox on its own, so any
//! LiveKit client (this console in another terminal, `lk`, a script) can dial through the
//! simulated phone network. Settings come from the `[sandbox]` table of the config file.

use super::Context;
use crate::sandbox::{self, SandboxConfig};
use color_eyre::eyre::{eyre, WrapErr};
use color_eyre::Result;
use std::net::SocketAddr;
use std::process::ExitCode;

/// Runs the LiveKit-compatible sandbox until Ctrl-C.
#[derive(Debug, clap::Args)]
pub struct SandboxArgs {
    /// Address to listen on (port 0 picks a free port)
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:7880")]
    pub listen: SocketAddr,

    /// How much faster than real time the simulated phone network runs, as `demo
    /// --speed` (10 plays a 60 s call in 6 s) [default: from [sandbox] time_scale, else 1]
    #[arg(long, value_name = "FACTOR")]
    pub speed: Option<f64>,

    /// The old flag, in real seconds per simulated second (the inverse of --speed):
    /// still read that way, with a note naming the --speed it equals.
    #[arg(long, value_name = "FACTOR", hide = true, conflicts_with = "speed")]
    pub time_scale: Option<f64>,

    /// Seed of the simulated outcomes [default: from [sandbox], else 7]
    #[arg(long)]
    pub seed: Option<u64>,

    /// POST signed LiveKit webhooks to this URL
    #[arg(long, value_name = "URL")]
    pub webhook_url: Option<String>,
}

/// The sandbox's `time_scale` (real seconds per simulated second) the flags ask for:
/// `--speed` is "times faster", like `demo --speed`; the hidden `--time-scale` keeps
/// its old meaning, so a script that used it still runs as it did.
fn time_scale(args: &SandboxArgs) -> Result<Option<f64>> {
    let positive = |v: f64| v.is_finite() && v > 0.0;
    match (args.speed, args.time_scale) {
        (Some(speed), _) if !positive(speed) => Err(eyre!(
            "--speed must be a positive number (1 is real time, 10 is ten times faster)"
        )),
        (Some(speed), _) => Ok(Some(1.0 / speed)),
        (None, Some(scale)) if !positive(scale) => Err(eyre!(
            "--time-scale must be a positive number; it is now --speed, in times faster (10 is ten times faster)"
        )),
        (None, Some(scale)) => {
            eprintln!(
                "note: --time-scale {scale} (real seconds per simulated second) is --speed {} now: --speed is times faster, as in `demo --speed`",
                1.0 / scale
            );
            Ok(Some(scale))
        }
        (None, None) => Ok(None),
    }
}

pub async fn run(ctx: &Context, args: SandboxArgs) -> Result<ExitCode> {
    let mut config: SandboxConfig = ctx
        .config
        .section("sandbox")
        .wrap_err("reading the [sandbox] table of the config file")?
        .unwrap_or_default();
    if let Some(time_scale) = time_scale(&args)? {
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

#[cfg(test)]
mod tests {
    use super::*;

    fn args(speed: Option<f64>, time_scale: Option<f64>) -> SandboxArgs {
        SandboxArgs {
            listen: "127.0.0.1:0".parse().unwrap(),
            speed,
            time_scale,
            seed: None,
            webhook_url: None,
        }
    }

    #[test]
    fn speed_is_times_faster_and_the_old_flag_keeps_its_meaning() {
        assert_eq!(time_scale(&args(Some(10.0), None)).unwrap(), Some(0.1));
        assert_eq!(time_scale(&args(None, Some(0.1))).unwrap(), Some(0.1));
        assert_eq!(time_scale(&args(None, None)).unwrap(), None);
        let err = time_scale(&args(Some(0.0), None)).unwrap_err().to_string();
        assert!(err.contains("ten times faster"), "{err}");
    }
}
