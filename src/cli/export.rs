//! `switchboard export --campaign ID [--format csv|json|jsonl] [--out FILE]`: every
//! attempt with its outcome, SIP status, timestamps, ring and talk time and the lead's
//! variables. Streams: memory stays flat however many attempts there are.

use super::engine_access::{self, Access};
use super::Context;
use crate::domain::CampaignId;
use crate::engine::EngineError;
use crate::export::{export_attempts, ExportError, ExportFormat};
use color_eyre::eyre::{eyre, WrapErr};
use color_eyre::Result;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// Campaign to export
    #[arg(long, value_name = "ID")]
    pub campaign: i64,
    /// csv: one column per lead variable; json: an array; jsonl: one object per line
    #[arg(long, value_enum, default_value_t = ExportFormat::Csv)]
    pub format: ExportFormat,
    /// Write to this file instead of stdout
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

pub async fn run(ctx: &Context, args: ExportArgs) -> Result<ExitCode> {
    let campaign = CampaignId(args.campaign);
    let format = args.format;
    let open_out = |path: &Option<PathBuf>| -> Result<Box<dyn Write + Send>> {
        Ok(match path {
            Some(path) => Box::new(std::io::BufWriter::new(
                std::fs::File::create(path)
                    .wrap_err_with(|| format!("--out: cannot create {}", path.display()))?,
            )),
            None => Box::new(std::io::BufWriter::new(std::io::stdout())),
        })
    };
    // The running engine streams it when there is one; else one held for this command.
    let count = match engine_access::writer(ctx).await? {
        Access::Engine(client) => {
            let mut out = open_out(&args.out)?;
            let count = match client.export(campaign, format, &mut out).await {
                Err(EngineError::NotFound { .. }) => {
                    return Err(eyre!(ExportError::NoSuchCampaign(campaign)))
                }
                other => other?,
            };
            out.flush()?;
            count
        }
        Access::Held { engine, _lock } => {
            let out_path = args.out.clone();
            let reader = engine.reader().clone();
            tokio::task::spawn_blocking(move || -> Result<u64> {
                let mut out = open_out(&out_path)?;
                let count =
                    export_attempts(&reader, campaign, format, &mut out).map_err(|e| eyre!(e))?;
                out.flush()?;
                drop(_lock);
                Ok(count)
            })
            .await
            .map_err(|e| eyre!("the export stopped: {e}"))??
        }
    };
    match &args.out {
        Some(path) => eprintln!("exported {count} attempts to {}", path.display()),
        None => eprintln!("exported {count} attempts"),
    }
    Ok(ExitCode::SUCCESS)
}
