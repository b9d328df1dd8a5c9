//! `switchboard report --campaign ID [--out FILE]`: the campaign report, one
//! self-contained HTML page (`src/report`). From the running engine when there is one,
//! else from one held for this command.

use super::engine_access::{self, Access};
use super::Context;
use crate::domain::{CampaignId, OptOutWords};
use crate::engine::EngineError;
use crate::report::{self, ReportOptions};
use crate::store::StoreError;
use color_eyre::eyre::{bail, WrapErr};
use color_eyre::Result;
use std::io::Write;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct ReportArgs {
    /// Campaign to report on
    #[arg(long, value_name = "ID")]
    pub campaign: i64,
    /// Write the HTML page to this file instead of stdout
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

pub async fn run(ctx: &Context, args: ReportArgs) -> Result<ExitCode> {
    let campaign = CampaignId(args.campaign);
    let options = ReportOptions {
        now: chrono::Utc::now(),
        opt_out: OptOutWords::with_synonyms(&ctx.config.engine.do_not_call_dispositions),
    };
    let build = move |conn: &rusqlite::Connection| report::build(conn, campaign, &options);
    let read = match engine_access::writer(ctx).await? {
        Access::Engine(client) => match client.report_html(campaign).await {
            Err(EngineError::NotFound { what }) => Err(StoreError::NotFound(what)),
            other => Ok(other?),
        },
        Access::Held { engine, .. } => engine
            .reader()
            .read(build)
            .await
            .map(|data| report::html::render(&data)),
    };
    let html = match read {
        Err(StoreError::NotFound(what)) => {
            bail!("{what} does not exist; list campaigns with `switchboard campaign list`")
        }
        other => other.wrap_err("reading the campaign report")?,
    };
    match &args.out {
        Some(path) => {
            std::fs::write(path, &html)
                .wrap_err_with(|| format!("--out: cannot write {}", path.display()))?;
            eprintln!(
                "wrote the report of campaign {campaign} to {}",
                path.display()
            );
        }
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(html.as_bytes())?;
            out.flush()?;
        }
    }
    Ok(ExitCode::SUCCESS)
}
