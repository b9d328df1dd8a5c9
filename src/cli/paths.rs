use super::Context;
use crate::config::RUNTIME_DIR_VAR;
use color_eyre::Result;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

/// Prints where the config file, the database and the logs are, and whether each exists;
/// and the engine running on the database (its PID, socket and API), or that none runs.
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
    for (label, value) in engine_rows(ctx) {
        writeln!(out, "{label:<12} {value}")?;
    }
    Ok(ExitCode::SUCCESS)
}

/// The engine on the database, if one holds its lock. Only looks: with no database,
/// nothing is made (`socket_for` is asked only when an engine has made it all already).
fn engine_rows(ctx: &Context) -> Vec<(&'static str, String)> {
    let db = &ctx.paths.database;
    let pid = match db.exists() {
        true => crate::service::lock::holder(db),
        false => None,
    };
    let Some(pid) = pid else {
        return vec![("engine", "no engine running".to_string())];
    };
    let socket = crate::service::socket_for(db, ctx.env.path(RUNTIME_DIR_VAR).as_deref())
        .map(|s| s.display().to_string())
        .unwrap_or_else(|e| format!("unknown: {e}"));
    let tcp = match ctx.config.api.listen {
        Some(addr) => format!("http://{addr}/api/v1 (from [api] listen; needs the token)"),
        None => "no TCP listener ([api] listen is not set)".to_string(),
    };
    vec![
        ("engine", format!("running, pid {pid}")),
        (
            "socket",
            format!("{socket}  (the API, no token: curl --unix-socket)"),
        ),
        ("api", tcp),
    ]
}

fn existence(path: &Path) -> &'static str {
    if path.exists() {
        "exists"
    } else {
        "missing"
    }
}
