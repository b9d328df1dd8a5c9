//! The command line: `switchboard [--config PATH] [--db PATH] [COMMAND]`. With no
//! command it opens the console.
//!
//! Adding a command `foo`:
//! 1. write `src/cli/foo.rs` with `pub struct FooArgs` (`#[derive(clap::Args)]`, or
//!    `clap::Subcommand` for a group such as `campaign start|pause`) and
//!    `pub async fn run(ctx: &Context, args: FooArgs) -> color_eyre::Result<ExitCode>`;
//! 2. add `mod foo;` below, a `Foo(foo::FooArgs)` variant with a one-line doc comment
//!    (clap shows it in `--help`) to [`Command`], and its arm in [`Command::run`].
//!
//! [`Context`] has the resolved paths, the config and the environment; logging is
//! already set up when `run` is called. Return an error (with `wrap_err` context) rather
//! than printing one: [`report`] prints it as `error: ...` and exits with 1.

mod campaign;
mod campaign_report;
mod completions;
mod console;
mod context;
pub mod demo;
mod dnc;
mod engine_access;
mod export;
mod keys;
mod lead_search;
mod lead_show;
mod leads;
mod man;
mod paths;
mod report;
mod run;
mod sandbox;
mod serve;
mod status;
mod trunks;
mod variant_table;

pub use context::Context;
pub use report::{exit_code, install_error_hooks, parse_args};

use crate::config::{self, Env};
use crate::logging::{self, LogGuard, LOG_FILE_PREFIX};
use crate::paths::{PathFlags, Paths, PlatformDirs};
use clap::{Parser, Subcommand};
use color_eyre::Result;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, Parser)]
#[command(name = "switchboard", version, about, after_help = help_footer())]
pub struct Cli {
    /// Config file [default: $SWITCHBOARD_CONFIG, else config.toml in the platform config dir]
    #[arg(long, value_name = "PATH", global = true)]
    pub config: Option<PathBuf>,

    /// SQLite database [default: $SWITCHBOARD_DB, else switchboard.db in the platform data dir]
    #[arg(long, value_name = "PATH", global = true)]
    pub db: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Show where the config file, the database and the logs are
    Paths(paths::PathsArgs),
    /// List the console's actions and their keys: the names `[keys]` in config.toml binds
    Keys(keys::KeysArgs),
    /// Open the console on the embedded sandbox with a sample campaign already calling
    ///
    /// Its database is demo.db in the platform data dir (or the one --db or
    /// $SWITCHBOARD_DB names), kept between runs: the demo resumes where it was left.
    /// Quitting the demo ends its engine; running campaigns pause and resume when the
    /// demo next opens.
    Demo(demo::DemoArgs),
    /// List the LiveKit project's outbound SIP trunks (id, name, address, numbers)
    Trunks(trunks::TrunksArgs),
    /// Run one campaign without the console until it completes (for cron, systemd, scripts)
    Run(run::RunArgs),
    /// Create, list, show, edit and delete campaigns
    #[command(subcommand)]
    Campaign(campaign::CampaignArgs),
    /// Import leads from CSV; list, search and show them
    #[command(subcommand)]
    Leads(leads::LeadsArgs),
    /// Manage the do-not-call lists (global and per campaign)
    #[command(subcommand)]
    Dnc(dnc::DncArgs),
    /// Export every call attempt of a campaign as CSV, JSON or JSON Lines
    Export(export::ExportArgs),
    /// Lead and call counts, answer rate, ring and talk times per campaign
    Status(status::StatusArgs),
    /// Write a campaign's report: one self-contained HTML page with its figures and charts
    Report(campaign_report::ReportArgs),
    /// Run the database's engine in the foreground (for systemd); consoles and the CLI attach to it
    Serve(serve::ServeArgs),
    /// Run the embedded LiveKit-compatible sandbox alone, like LiveKit's dev server
    Sandbox(sandbox::SandboxArgs),
    /// Print a shell completion script (bash, zsh, fish, ...) generated from this command line
    Completions(completions::CompletionsArgs),
    /// Print the man page, or write one per subcommand with --out-dir
    Man(man::ManArgs),
}

impl Command {
    async fn run(self, ctx: &Context) -> Result<ExitCode> {
        match self {
            Command::Paths(args) => paths::run(ctx, args).await,
            Command::Keys(args) => keys::run(ctx, args).await,
            Command::Demo(args) => demo::run(ctx, args).await,
            Command::Trunks(args) => trunks::run(ctx, args).await,
            Command::Run(args) => run::run(ctx, args).await,
            Command::Campaign(args) => campaign::run(ctx, args).await,
            Command::Leads(args) => leads::run(ctx, args).await,
            Command::Dnc(args) => dnc::run(ctx, args).await,
            Command::Export(args) => export::run(ctx, args).await,
            Command::Status(args) => status::run(ctx, args).await,
            Command::Report(args) => campaign_report::run(ctx, args).await,
            Command::Sandbox(args) => sandbox::run(ctx, args).await,
            Command::Serve(args) => serve::run(ctx, args).await,
            Command::Completions(args) => completions::run(args),
            Command::Man(args) => man::run(args),
        }
    }
}

impl Cli {
    /// Loads the context from the process environment and runs the command.
    pub async fn run(self) -> Result<ExitCode> {
        // Generated from the definitions alone: no config, no database, no log.
        match self.command {
            Some(Command::Completions(args)) => return completions::run(args),
            Some(Command::Man(args)) => return man::run(args),
            _ => {}
        }
        let flags = PathFlags {
            config: self.config,
            db: self.db,
        };
        let ctx = Context::load(&flags, Env::from_process(), PlatformDirs::detect().as_ref())?;
        match self.command {
            // Only reports where things are, so it must not create the log directory.
            Some(Command::Paths(args)) => paths::run(&ctx, args).await,
            Some(Command::Keys(args)) => keys::run(&ctx, args).await,
            command => {
                let fallback = match command {
                    None => logging::Fallback::Discard,
                    Some(_) => logging::Fallback::Stderr,
                };
                let _log = start_logging(&ctx, fallback)?;
                tracing::info!(
                    ?command,
                    "switchboard {} started",
                    env!("CARGO_PKG_VERSION")
                );
                let outcome = match command {
                    None => open_console(&ctx).await,
                    Some(command) => command.run(&ctx).await,
                };
                if let Err(report) = &outcome {
                    tracing::error!("{}", report::one_line(report));
                }
                outcome
            }
        }
    }
}

/// Writes generated text (a completion script, a man page) to stdout. A reader that
/// stops early (`| head`) is not an error.
fn print_generated(text: &[u8], what: &str) -> Result<()> {
    use color_eyre::eyre::WrapErr;
    use std::io::Write;
    match std::io::stdout().lock().write_all(text) {
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        written => written.wrap_err_with(|| format!("writing {what}")),
    }
}

fn start_logging(ctx: &Context, fallback: logging::Fallback) -> Result<LogGuard> {
    let (filter, _) = logging::choose_filter(&ctx.env, &ctx.config.log)?;
    Ok(logging::init_or_fall_back(
        &ctx.paths.log_dir,
        &filter,
        ctx.config.log.format,
        fallback,
    )?)
}

async fn open_console(ctx: &Context) -> Result<ExitCode> {
    console::run(ctx).await
}

/// The end of `--help`: where files are (for this environment) and what the environment
/// variables do.
fn help_footer() -> String {
    let platform = PlatformDirs::detect();
    let files = match Paths::resolve(
        &PathFlags::default(),
        &Env::from_process(),
        platform.as_ref(),
    ) {
        Ok(paths) => format!(
            "  config file  {}\n  database     {}\n  logs         {}/{LOG_FILE_PREFIX}.YYYY-MM-DD \
             (next to the database)",
            paths.config_file.display(),
            paths.database.display(),
            paths.log_dir.display(),
        ),
        Err(e) => format!("  {e}"),
    };
    let livekit = format!(
        "  {}, {}, {}\n      the LiveKit server, over [livekit] in the config file; \
         without them the embedded sandbox is used",
        config::LIVEKIT_URL_VAR,
        config::LIVEKIT_API_KEY_VAR,
        config::LIVEKIT_API_SECRET_VAR,
    );
    let log = format!(
        "  {} (or {})\n      log filter, e.g. debug or warn,switchboard::engine=debug; \
         default from [log] level",
        config::LOG_VAR,
        config::RUST_LOG_VAR,
    );
    format!(
        "Files (`switchboard paths` shows whether they exist):\n{files}\n\n\
         Environment:\n{livekit}\n{log}"
    )
}
