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
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

#[derive(Debug, clap::Args)]
pub struct ExportArgs {
    /// Campaign to export
    #[arg(long, value_name = "ID")]
    pub campaign: i64,
    /// csv: one column per lead variable; json: an array; jsonl: one object per line
    #[arg(long, value_enum, default_value_t = ExportFormat::Csv)]
    pub format: ExportFormat,
    /// Write to this file instead of stdout (`-` is stdout)
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
}

/// A writer that notes when its reader went away (`| head`): the export then ends
/// quietly and successfully, as `cat` does, instead of reporting a broken pipe.
struct PipeWatch<W> {
    inner: W,
    closed: Arc<AtomicBool>,
}

impl<W: Write> PipeWatch<W> {
    fn note<T>(&self, result: std::io::Result<T>) -> std::io::Result<T> {
        if let Err(e) = &result {
            if e.kind() == std::io::ErrorKind::BrokenPipe {
                self.closed.store(true, Ordering::Relaxed);
            }
        }
        result
    }
}

impl<W: Write> Write for PipeWatch<W> {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        let result = self.inner.write(buf);
        self.note(result)
    }

    fn flush(&mut self) -> std::io::Result<()> {
        let result = self.inner.flush();
        self.note(result)
    }
}

pub async fn run(ctx: &Context, args: ExportArgs) -> Result<ExitCode> {
    let campaign = CampaignId(args.campaign);
    let format = args.format;
    // `--out -` is stdout, as for most tools, not a file named `-`.
    let out = args.out.filter(|path| path != Path::new("-"));
    let closed = Arc::new(AtomicBool::new(false));
    let watch = closed.clone();
    let open_out = move |path: &Option<PathBuf>| -> Result<Box<dyn Write + Send>> {
        Ok(match path {
            Some(path) => Box::new(std::io::BufWriter::new(
                std::fs::File::create(path)
                    .wrap_err_with(|| format!("--out: cannot create {}", path.display()))?,
            )),
            None => Box::new(std::io::BufWriter::new(PipeWatch {
                inner: std::io::stdout(),
                closed: watch.clone(),
            })),
        })
    };
    // The running engine streams it when there is one; else one held for this command.
    let result = match engine_access::writer(ctx).await? {
        Access::Engine(client) => {
            async {
                let mut out = open_out(&out)?;
                let count = match client.export(campaign, format, &mut out).await {
                    Err(EngineError::NotFound { .. }) => {
                        return Err(eyre!(ExportError::NoSuchCampaign(campaign)))
                    }
                    other => other?,
                };
                out.flush()?;
                Ok(count)
            }
            .await
        }
        Access::Held { engine, _lock } => {
            let out_path = out.clone();
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
            .map_err(|e| eyre!("the export stopped: {e}"))
            .and_then(|written| written)
        }
    };
    if closed.load(Ordering::Relaxed) {
        return Ok(ExitCode::SUCCESS);
    }
    let count: u64 = result?;
    match &out {
        Some(path) => eprintln!("exported {count} attempts to {}", path.display()),
        None => eprintln!("exported {count} attempts"),
    }
    Ok(ExitCode::SUCCESS)
}
