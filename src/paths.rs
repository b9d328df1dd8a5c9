//! Where Switchboard keeps its files: the config file, the SQLite database and the log
//! directory. Each comes from a flag, else an environment variable, else the platform's
//! directories (`~/.config/switchboard`, `~/.local/share/switchboard` on Linux).

use crate::config::{Env, CONFIG_VAR, DB_VAR};
use std::fmt;
use std::path::{Path, PathBuf};
use thiserror::Error;

pub const CONFIG_FILE_NAME: &str = "config.toml";
pub const DATABASE_FILE_NAME: &str = "switchboard.db";
/// Logs live in this directory next to the database, so one `--db` keeps a whole
/// installation (data and logs) in one place.
pub const LOG_DIR_NAME: &str = "logs";

/// The platform's per-user directories for this app.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PlatformDirs {
    pub config_dir: PathBuf,
    pub data_dir: PathBuf,
}

impl PlatformDirs {
    /// `None` when the platform has no home directory to put them in.
    pub fn detect() -> Option<Self> {
        let dirs = directories::ProjectDirs::from("dev", "switchboard", "switchboard")?;
        Some(Self {
            config_dir: dirs.config_dir().to_owned(),
            data_dir: dirs.data_dir().to_owned(),
        })
    }
}

/// The paths given on the command line.
#[derive(Debug, Clone, Default)]
pub struct PathFlags {
    pub config: Option<PathBuf>,
    pub db: Option<PathBuf>,
}

/// Who chose a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    Flag(&'static str),
    Env(&'static str),
    Platform,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Origin::Flag(flag) => write!(f, "from {flag}"),
            Origin::Env(var) => write!(f, "from ${var}"),
            Origin::Platform => f.write_str("platform default"),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Paths {
    pub config_file: PathBuf,
    pub config_origin: Origin,
    pub database: PathBuf,
    pub database_origin: Origin,
    pub log_dir: PathBuf,
}

#[derive(Debug, Error, PartialEq, Eq)]
#[error("cannot find a home directory to keep the {what} in: pass {flag} PATH or set {var}")]
pub struct NoHomeDir {
    pub what: &'static str,
    pub flag: &'static str,
    pub var: &'static str,
}

impl Paths {
    /// Flag, else environment, else platform directory. Relative paths are made absolute
    /// against the current directory so that what `switchboard paths` shows is exact.
    pub fn resolve(
        flags: &PathFlags,
        env: &Env,
        platform: Option<&PlatformDirs>,
    ) -> Result<Paths, NoHomeDir> {
        let (config_file, config_origin) = pick(
            flags.config.clone(),
            (env.path(CONFIG_VAR), CONFIG_VAR),
            platform.map(|p| p.config_dir.join(CONFIG_FILE_NAME)),
            ("config file", "--config"),
        )?;
        let (database, database_origin) = pick(
            flags.db.clone(),
            (env.path(DB_VAR), DB_VAR),
            platform.map(|p| p.data_dir.join(DATABASE_FILE_NAME)),
            ("database", "--db"),
        )?;
        let log_dir = log_dir_for(&database);
        Ok(Paths {
            config_file,
            config_origin,
            database,
            database_origin,
            log_dir,
        })
    }
}

/// Where the logs of a database go.
pub fn log_dir_for(database: &Path) -> PathBuf {
    database
        .parent()
        .unwrap_or(Path::new(""))
        .join(LOG_DIR_NAME)
}

fn pick(
    flag: Option<PathBuf>,
    (from_env, var): (Option<PathBuf>, &'static str),
    platform: Option<PathBuf>,
    (what, flag_name): (&'static str, &'static str),
) -> Result<(PathBuf, Origin), NoHomeDir> {
    let (path, origin) = if let Some(path) = flag {
        (path, Origin::Flag(flag_name))
    } else if let Some(path) = from_env {
        (path, Origin::Env(var))
    } else if let Some(path) = platform {
        (path, Origin::Platform)
    } else {
        return Err(NoHomeDir {
            what,
            flag: flag_name,
            var,
        });
    };
    Ok((absolute(path), origin))
}

fn absolute(path: PathBuf) -> PathBuf {
    std::path::absolute(&path).unwrap_or(path)
}

/// Who is at this terminal, for the record of who changed what: the login name
/// (`$USER`, else `$LOGNAME`), or `someone` when neither is set.
pub fn operator_name() -> String {
    ["USER", "LOGNAME"]
        .iter()
        .find_map(|var| std::env::var(var).ok().filter(|v| !v.trim().is_empty()))
        .unwrap_or_else(|| "someone".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn platform() -> PlatformDirs {
        PlatformDirs {
            config_dir: "/home/op/.config/switchboard".into(),
            data_dir: "/home/op/.local/share/switchboard".into(),
        }
    }

    #[test]
    fn logs_sit_next_to_the_database() {
        assert_eq!(
            log_dir_for(Path::new("/srv/calls/switchboard.db")),
            Path::new("/srv/calls/logs")
        );
    }

    #[test]
    fn without_a_home_the_error_names_flag_and_variable() {
        let error = Paths::resolve(&PathFlags::default(), &Env::default(), None).unwrap_err();
        assert_eq!(
            error.to_string(),
            "cannot find a home directory to keep the config file in: pass --config PATH or set SWITCHBOARD_CONFIG"
        );
    }

    #[test]
    fn relative_flags_become_absolute() {
        let flags = PathFlags {
            config: None,
            db: Some("data/s.db".into()),
        };
        let paths = Paths::resolve(&flags, &Env::default(), Some(&platform())).unwrap();
        assert!(paths.database.is_absolute());
        assert!(paths.database.ends_with("data/s.db"));
        assert!(paths.log_dir.ends_with("data/logs"));
    }
}
