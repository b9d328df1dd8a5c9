//! `switchboard leads import --campaign ID FILE.csv`: the CLI face of `crate::import`.
//! (`leads list`, `search` and `show` are in `lead_search.rs` and `lead_show.rs`.)
//!
//! Exit codes: 0 when every row went in (duplicates and do-not-call numbers are
//! reported, not failures), 1 when some rows were rejected (they are listed on stderr
//! and, with `--rejects`, written to a CSV to fix and import again), 2 when the file
//! could not be imported at all (nothing was written).

use super::engine_access::{writer, Access};
use super::Context;
use crate::domain::CampaignId;
use crate::engine::{Command, EngineError, ImportFailure, ImportJob, ImportSource, Reply};
use crate::import::{parse_delimiter, ImportOptions, ImportReport};
use crate::phone::parse_region;
use crate::service::{EngineClient, ImportFileOptions};
use color_eyre::eyre::{eyre, WrapErr};
use color_eyre::Result;
use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

/// Exit code when some rows were rejected.
const SOME_REJECTED: u8 = 1;
/// Exit code when nothing could be imported.
const FATAL: u8 = 2;
/// Rejected rows printed on stderr; the rest are counted (and in `--rejects`).
const SHOWN_REJECTS: usize = 50;

#[derive(Debug, clap::Subcommand)]
pub enum LeadsArgs {
    /// Import leads from a CSV file (exit 0: all in, 1: some rows rejected, 2: nothing imported)
    Import(ImportArgs),
    /// A campaign's leads, a page at a time by id (exit 0, even with none)
    List(super::lead_search::ListArgs),
    /// Find leads by number, name or variable value in one campaign or all (exit 1: none found)
    Search(super::lead_search::SearchArgs),
    /// What happened to one lead: its numbers, variables and every call
    Show(super::lead_show::ShowArgs),
}

#[derive(Debug, clap::Args)]
pub struct ImportArgs {
    /// Campaign to add the leads to
    #[arg(long, value_name = "ID")]
    pub campaign: i64,
    /// The CSV file (`-` reads stdin); the header names the columns (phone, name, priority, timezone, ...)
    pub file: PathBuf,
    /// Header of the phone column, when it is not phone/mobile/number/...
    #[arg(long, value_name = "HEADER")]
    pub phone_column: Option<String>,
    /// Header of a column with another number of the lead (repeat for several);
    /// without it phone2, phone_3, alt_phone, alternate_phone, work_phone, mobile, ...
    /// beside the phone column are taken
    #[arg(long = "alt-phone-column", value_name = "HEADER")]
    pub alt_phone_columns: Vec<String>,
    /// Region of numbers written without a country code [default: [engine] default_region, else US]
    #[arg(long, value_name = "CC")]
    pub region: Option<String>,
    /// Field delimiter (`,` `;` `tab` `|`); guessed from the header when not given
    #[arg(long, value_name = "CHAR")]
    pub delimiter: Option<String>,
    /// Write rejected rows (original fields + line + reason) to this CSV
    #[arg(long, value_name = "FILE")]
    pub rejects: Option<PathBuf>,
    /// Fields may hold line breaks (quoted addresses, notes); without it they may only
    /// when the file's first rows show such fields, and a quote that does not close on
    /// its own line rejects that row and the one it closes on
    #[arg(long)]
    pub multiline_fields: bool,
}

pub async fn run(ctx: &Context, args: LeadsArgs) -> Result<ExitCode> {
    match args {
        LeadsArgs::Import(args) => import(ctx, args).await,
        LeadsArgs::List(args) => super::lead_search::list(ctx, args).await,
        LeadsArgs::Search(args) => super::lead_search::search_text(ctx, args).await,
        LeadsArgs::Show(args) => super::lead_show::show(ctx, args).await,
    }
}

async fn import(ctx: &Context, args: ImportArgs) -> Result<ExitCode> {
    let region_code = args
        .region
        .clone()
        .unwrap_or_else(|| ctx.config.engine.default_region.clone());
    let region = parse_region(&region_code).map_err(|e| eyre!("--region: {e}"))?;
    let engine = match writer(ctx).await? {
        Access::Engine(client) => return import_in_engine(client, region_code, args).await,
        held @ Access::Held { .. } => held,
    };
    let delimiter = args
        .delimiter
        .as_deref()
        .map(parse_delimiter)
        .transpose()
        .map_err(|e| eyre!("--delimiter: {e}"))?;
    let rejects: Option<Box<dyn Write + Send>> = match &args.rejects {
        Some(path) => Some(Box::new(std::io::BufWriter::new(
            std::fs::File::create(path)
                .wrap_err_with(|| format!("--rejects: cannot create {}", path.display()))?,
        ))),
        None => None,
    };
    let show_progress = std::io::stderr().is_terminal();
    let options = ImportOptions {
        region,
        phone_column: args.phone_column.clone(),
        alt_phone_columns: args.alt_phone_columns.clone(),
        delimiter,
        rejects,
        multiline_fields: args.multiline_fields,
        progress: show_progress.then(|| {
            Box::new(|p: crate::import::ImportProgress| eprint!("\r{} rows read…", p.rows_read))
                as Box<dyn FnMut(_) + Send>
        }),
    };
    let source = if args.file.as_os_str() == "-" {
        ImportSource::Stream {
            reader: Box::new(std::io::stdin()),
            size: None,
        }
    } else {
        ImportSource::File(args.file.clone())
    };
    let job = ImportJob::new(CampaignId(args.campaign), source, options);
    let outcome = engine.send(Command::ImportLeads(job)).await;
    if show_progress {
        eprint!("\r\x1b[K");
    }
    match outcome {
        Ok(Reply::Imported(report)) => Ok(print_report(&report, &args)),
        Ok(other) => Err(eyre!("the engine answered {other:?} to an import")),
        Err(err) => {
            eprintln!("error: {}: {err}", args.file.display());
            if let EngineError::Import {
                failure: ImportFailure::Store,
                ..
            } = err
            {
                tracing::error!("import of {} failed: {err}", args.file.display());
            }
            Ok(ExitCode::from(FATAL))
        }
    }
}

/// The import runs in the engine that holds the database (it alone writes there); a
/// file on stdin is spooled to a private temp file first, since the engine reads by path.
async fn import_in_engine(
    client: EngineClient,
    region: String,
    args: ImportArgs,
) -> Result<ExitCode> {
    let campaign = CampaignId(args.campaign);
    let spooled = if args.file.as_os_str() == "-" {
        Some(spool_stdin()?)
    } else {
        None
    };
    let path = match &spooled {
        Some(spool) => spool.path.clone(),
        None => std::path::absolute(&args.file).unwrap_or_else(|_| args.file.clone()),
    };
    let rejects = args
        .rejects
        .as_ref()
        .map(|p| std::path::absolute(p).unwrap_or_else(|_| p.clone()));
    let options = ImportFileOptions {
        region,
        phone_column: args.phone_column.clone(),
        alt_phone_columns: args.alt_phone_columns.clone(),
        delimiter: args.delimiter.clone(),
        rejects,
        multiline_fields: args.multiline_fields,
    };
    match client.import_file(campaign, &path, &options).await {
        Ok(report) => Ok(print_report(&report, &args)),
        Err(err) => {
            eprintln!("error: {}: {err}", args.file.display());
            Ok(ExitCode::from(FATAL))
        }
    }
}

/// Standard input copied to a file only this user can read, removed when dropped.
struct Spool {
    path: PathBuf,
}

impl Drop for Spool {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.path);
    }
}

fn spool_stdin() -> Result<Spool> {
    use std::os::unix::fs::OpenOptionsExt;
    let path = std::env::temp_dir().join(format!("switchboard-import-{}.csv", std::process::id()));
    let mut file = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&path)
        .wrap_err_with(|| format!("cannot spool stdin to {}", path.display()))?;
    let spool = Spool { path };
    std::io::copy(&mut std::io::stdin().lock(), &mut file).wrap_err("reading stdin")?;
    Ok(spool)
}

fn print_report(report: &ImportReport, args: &ImportArgs) -> ExitCode {
    let mut err = std::io::stderr().lock();
    let _ = writeln!(err, "columns: {}", report.columns);
    for note in report.notes() {
        let _ = writeln!(err, "note: {note}");
    }
    for row in report.rejected_rows.iter().take(SHOWN_REJECTS) {
        let _ = writeln!(err, "rejected line {}: {}", row.line, row.reason);
    }
    if report.rejected as usize > SHOWN_REJECTS {
        let more = report.rejected as usize - SHOWN_REJECTS;
        let hint = match &args.rejects {
            Some(path) => format!("all are in {}", path.display()),
            None => "write them all to a file with --rejects FILE".into(),
        };
        let _ = writeln!(err, "... and {more} more rejected rows ({hint})");
    }
    for row in report.dropped_alternate_rows.iter().take(SHOWN_REJECTS) {
        let _ = writeln!(err, "dropped number line {}: {}", row.line, row.reason);
    }
    if report.dropped_alternates as usize > SHOWN_REJECTS {
        let more = report.dropped_alternates as usize - SHOWN_REJECTS;
        let _ = writeln!(err, "... and {more} more dropped numbers");
    }
    for row in report.duplicate_rows.iter().take(SHOWN_REJECTS) {
        let _ = writeln!(err, "duplicate {row}");
    }
    if report.duplicates as usize > SHOWN_REJECTS {
        let _ = writeln!(
            err,
            "... and {} more duplicates",
            report.duplicates as usize - SHOWN_REJECTS
        );
    }
    if let (Some(path), true) = (&args.rejects, report.rejected > 0) {
        let _ = writeln!(
            err,
            "rejected rows written to {} (fix them and import that file)",
            path.display()
        );
    }
    println!("{}", report.summary());
    if report.is_complete() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(SOME_REJECTED)
    }
}
