//! `switchboard man [--out-dir DIR]`: man pages (roff) generated from the clap
//! definitions. Without `--out-dir` the top-level page goes to stdout; with it,
//! `switchboard.1` and one page per subcommand (`switchboard-campaign.1`,
//! `switchboard-campaign-create.1`, ...) are written into DIR. It reads no config file
//! and opens no database.

use super::Cli;
use clap::CommandFactory;
use color_eyre::eyre::WrapErr;
use color_eyre::Result;
use std::path::PathBuf;
use std::process::ExitCode;

/// Prints the man page, or writes every page into a directory.
#[derive(Debug, clap::Args)]
pub struct ManArgs {
    /// Write switchboard.1 and a page per subcommand into DIR (created if missing)
    /// instead of printing the top-level page
    #[arg(long, value_name = "DIR")]
    pub out_dir: Option<PathBuf>,
}

pub fn run(args: ManArgs) -> Result<ExitCode> {
    match args.out_dir {
        None => {
            let mut page = Vec::new();
            clap_mangen::Man::new(command())
                .render(&mut page)
                .wrap_err("rendering the man page")?;
            super::print_generated(&page, "the man page")?;
        }
        Some(dir) => {
            std::fs::create_dir_all(&dir)
                .wrap_err_with(|| format!("creating {}", dir.display()))?;
            clap_mangen::generate_to(command(), &dir)
                .wrap_err_with(|| format!("writing the man pages into {}", dir.display()))?;
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The command line as `--help` describes it, except the footer: that one names this
/// user's paths, and a man page is installed for everyone.
fn command() -> clap::Command {
    Cli::command().after_help(FILES)
}

const FILES: &str = "Files: the config file (config.toml in the platform config dir, or \
$SWITCHBOARD_CONFIG, or --config), the SQLite database (switchboard.db in the platform data \
dir, or $SWITCHBOARD_DB, or --db) and the logs (logs/ next to the database). \
`switchboard paths` shows where they are and whether they exist; `switchboard --help` also \
lists the environment variables.";
