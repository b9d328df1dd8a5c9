use super::Context;
use color_eyre::Result;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

/// Prints where the config file, the database and the logs are, and whether each exists.
#[derive(Debug, clap::Args)]
pub struct PathsArgs {}

pub async fn run(ctx: &Context, _args: PathsArgs) -> Result<ExitCode> {
    let paths = &ctx.paths;
    let config_state = match paths.config_file.exists() {
        true => "exists",
        false => "missing: defaults in use",
    };
    let rows = [
        (
            "config file",
            &paths.config_file,
            config_state,
            paths.config_origin.to_string(),
        ),
        (
            "database",
            &paths.database,
            existence(&paths.database),
            paths.database_origin.to_string(),
        ),
        (
            "log dir",
            &paths.log_dir,
            existence(&paths.log_dir),
            "next to the database".to_string(),
        ),
    ];
    let mut out = std::io::stdout().lock();
    for (label, path, state, origin) in rows {
        writeln!(out, "{label:<12} {}  ({state}; {origin})", path.display())?;
    }
    Ok(ExitCode::SUCCESS)
}

fn existence(path: &Path) -> &'static str {
    if path.exists() {
        "exists"
    } else {
        "missing"
    }
}
