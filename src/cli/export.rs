//! `switchboard export --campaign ID [--format csv|json|jsonl] [--out FILE]`: every
//! attempt with its outcome, SIP status, timestamps, ring and talk time and the lead's
//! variables. Streams: memory stays flat however many attempts there are.

use super::Context;
use crate::domain::CampaignId;
use crate::export::{export_attempts, ExportFormat};
use crate::store::Store;
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
    let store = Store::open(&ctx.paths.database)
        .wrap_err_with(|| format!("opening the database {}", ctx.paths.database.display()))?;
    let campaign = CampaignId(args.campaign);
    let out_path = args.out.clone();
    let format = args.format;
    let count = tokio::task::spawn_blocking(move || -> Result<u64> {
        let mut out: Box<dyn Write> = match &out_path {
            Some(path) => Box::new(std::io::BufWriter::new(
                std::fs::File::create(path)
                    .wrap_err_with(|| format!("--out: cannot create {}", path.display()))?,
            )),
            None => Box::new(std::io::BufWriter::new(std::io::stdout().lock())),
        };
        let count = export_attempts(&store, campaign, format, &mut out).map_err(|e| eyre!(e))?;
        out.flush()?;
        Ok(count)
    })
    .await
    .map_err(|e| eyre!("the export stopped: {e}"))??;
    match &args.out {
        Some(path) => eprintln!("exported {count} attempts to {}", path.display()),
        None => eprintln!("exported {count} attempts"),
    }
    Ok(ExitCode::SUCCESS)
}
