//! Logs go to a daily file, `<log dir>/switchboard.log.YYYY-MM-DD`, never to the
//! terminal: the console owns it. `switchboard paths` shows the directory. When that
//! directory cannot be used, commands log to stderr (the console logs nothing) after
//! one warning, rather than refusing to run.
//!
//! Logs name leads and their numbers, so the directory is created 0700 and each file
//! 0600, whatever the umask: tracing-appender's rolling writer would create them with
//! the umask's mode (0644 as a rule), readable by every local user, so [`DailyFile`]
//! does the daily rotation itself.

use crate::config::{Env, LogConfig, LogFormat, NotUnicode, LOG_VAR, RUST_LOG_VAR};
use chrono::NaiveDate;
use std::fs::{DirBuilder, File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
use std::path::{Path, PathBuf};
use thiserror::Error;
use tracing::Subscriber;
use tracing_appender::non_blocking::{NonBlocking, WorkerGuard};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::EnvFilter;

/// Files are named `switchboard.log.<date>`.
pub const LOG_FILE_PREFIX: &str = "switchboard.log";
/// Older files are removed past this many days.
pub const KEPT_LOG_FILES: usize = 14;

/// Keeps the background writer alive; dropping it flushes what is buffered, so hold it
/// until the program ends.
#[must_use = "dropping the guard stops the log writer"]
pub struct LogGuard {
    _writer: WorkerGuard,
}

#[derive(Debug, Error)]
pub enum LoggingError {
    #[error("cannot create the log directory {}", dir.display())]
    CreateDir {
        dir: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("cannot open a log file in {}", dir.display())]
    OpenFile {
        dir: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("{source_name}: {problem}")]
    BadFilter {
        source_name: &'static str,
        problem: String,
    },
    #[error(transparent)]
    NotUnicode(#[from] NotUnicode),
    #[error("a logger is already installed in this process")]
    AlreadyInstalled(#[source] tracing_subscriber::util::TryInitError),
}

/// Which filter applies and who set it: `SWITCHBOARD_LOG`, else `RUST_LOG`, else
/// `[log] level` (already checked when the file was read).
pub fn choose_filter(
    env: &Env,
    config: &LogConfig,
) -> Result<(String, &'static str), LoggingError> {
    for var in [LOG_VAR, RUST_LOG_VAR] {
        if let Some(filter) = env.text(var)? {
            if let Some(problem) = crate::config::log_filter_problem(&filter) {
                return Err(LoggingError::BadFilter {
                    source_name: var,
                    problem,
                });
            }
            return Ok((filter, var));
        }
    }
    Ok((config.level.clone(), "[log] level"))
}

/// Installs the process-wide logger writing into `log_dir`.
pub fn init(log_dir: &Path, filter: &str, format: LogFormat) -> Result<LogGuard, LoggingError> {
    let (writer, guard) = file_writer(log_dir)?;
    install(filter, format, writer, guard)
}

/// Where logs go when the log directory cannot be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fallback {
    /// A command: its stderr is the user's, and logs there beat no logs.
    Stderr,
    /// The console owns the terminal: log lines would tear its screen.
    Discard,
}

/// Like [`init`], but a log directory that cannot be created or written does not stop
/// the program: one warning naming the directory goes to stderr and logs go to
/// `fallback` instead.
pub fn init_or_fall_back(
    log_dir: &Path,
    filter: &str,
    format: LogFormat,
    fallback: Fallback,
) -> Result<LogGuard, LoggingError> {
    match file_writer(log_dir) {
        Ok((writer, guard)) => install(filter, format, writer, guard),
        Err(error @ (LoggingError::CreateDir { .. } | LoggingError::OpenFile { .. })) => {
            let cause = std::error::Error::source(&error)
                .map(|cause| format!(" ({cause})"))
                .unwrap_or_default();
            let instead = match fallback {
                Fallback::Stderr => "logging to stderr instead",
                Fallback::Discard => "not logging this session",
            };
            eprintln!("warning: {error}{cause}; {instead}");
            let (writer, guard) = match fallback {
                Fallback::Stderr => tracing_appender::non_blocking(io::stderr()),
                Fallback::Discard => tracing_appender::non_blocking(io::sink()),
            };
            install(filter, format, writer, guard)
        }
        Err(other) => Err(other),
    }
}

fn install(
    filter: &str,
    format: LogFormat,
    writer: NonBlocking,
    guard: WorkerGuard,
) -> Result<LogGuard, LoggingError> {
    subscriber(filter, format, writer)
        .try_init()
        .map_err(LoggingError::AlreadyInstalled)?;
    Ok(LogGuard { _writer: guard })
}

fn file_writer(log_dir: &Path) -> Result<(NonBlocking, WorkerGuard), LoggingError> {
    DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(log_dir)
        .map_err(|source| LoggingError::CreateDir {
            dir: log_dir.to_owned(),
            source,
        })?;
    let file = DailyFile::open(log_dir).map_err(|source| LoggingError::OpenFile {
        dir: log_dir.to_owned(),
        source,
    })?;
    Ok(tracing_appender::non_blocking(file))
}

/// `<dir>/switchboard.log.YYYY-MM-DD` (UTC), a new file each day, each created 0600;
/// at each new day files beyond the newest [`KEPT_LOG_FILES`] are removed.
struct DailyFile {
    dir: PathBuf,
    day: NaiveDate,
    file: File,
}

impl DailyFile {
    fn open(dir: &Path) -> io::Result<Self> {
        let day = chrono::Utc::now().date_naive();
        let file = Self::create(dir, day)?;
        prune(dir);
        Ok(Self {
            dir: dir.to_owned(),
            day,
            file,
        })
    }

    fn create(dir: &Path, day: NaiveDate) -> io::Result<File> {
        OpenOptions::new()
            .create(true)
            .append(true)
            .mode(0o600)
            .open(dir.join(format!("{LOG_FILE_PREFIX}.{}", day.format("%Y-%m-%d"))))
    }
}

/// Removes the oldest log files beyond [`KEPT_LOG_FILES`]; a file that cannot be
/// removed stays (logging must not fail for it).
fn prune(dir: &Path) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let prefix = format!("{LOG_FILE_PREFIX}.");
    let mut files: Vec<PathBuf> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.file_name().to_string_lossy().starts_with(&prefix))
        .map(|e| e.path())
        .collect();
    files.sort();
    let excess = files.len().saturating_sub(KEPT_LOG_FILES);
    for old in &files[..excess] {
        let _ = std::fs::remove_file(old);
    }
}

impl Write for DailyFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let today = chrono::Utc::now().date_naive();
        if today != self.day {
            self.file = Self::create(&self.dir, today)?;
            self.day = today;
            prune(&self.dir);
        }
        self.file.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.file.flush()
    }
}

fn subscriber<W>(filter: &str, format: LogFormat, writer: W) -> impl Subscriber + Send + Sync
where
    W: for<'w> MakeWriter<'w> + Send + Sync + 'static,
{
    use tracing_subscriber::Layer;
    // `choose_filter` and the config loader have validated the text; fall back to
    // `info` rather than fail if something unvalidated slips through.
    let filter = EnvFilter::try_new(filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let file = match format {
        LogFormat::Text => tracing_subscriber::fmt::layer()
            .with_writer(writer)
            .with_ansi(false)
            .boxed(),
        LogFormat::Json => tracing_subscriber::fmt::layer()
            .json()
            .with_writer(writer)
            .boxed(),
    };
    tracing_subscriber::registry().with(filter).with(file)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::Env;

    #[test]
    fn the_environment_overrides_the_config_level() {
        let config = LogConfig {
            level: "warn".into(),
            ..LogConfig::default()
        };
        let both = Env::from_pairs([(LOG_VAR, "debug"), (RUST_LOG_VAR, "trace")]);
        assert_eq!(
            choose_filter(&both, &config).unwrap(),
            ("debug".into(), LOG_VAR)
        );
        let rust_log = Env::from_pairs([(RUST_LOG_VAR, "trace")]);
        assert_eq!(
            choose_filter(&rust_log, &config).unwrap(),
            ("trace".into(), RUST_LOG_VAR)
        );
        assert_eq!(
            choose_filter(&Env::default(), &config).unwrap(),
            ("warn".into(), "[log] level")
        );
    }

    #[test]
    fn a_bad_filter_names_its_variable() {
        let env = Env::from_pairs([(LOG_VAR, "switchboard=loud")]);
        let error = choose_filter(&env, &LogConfig::default()).unwrap_err();
        assert!(error
            .to_string()
            .starts_with("SWITCHBOARD_LOG: `switchboard=loud` is not a log filter"));
    }

    #[test]
    fn events_land_in_the_dated_file_and_the_filter_applies() {
        let dir = tempfile::tempdir().unwrap();
        let log_dir = dir.path().join("logs");
        let (writer, guard) = file_writer(&log_dir).unwrap();
        tracing::subscriber::with_default(subscriber("info", LogFormat::Text, writer), || {
            tracing::info!(campaign = 7, "campaign started");
            tracing::debug!("too chatty to keep");
        });
        drop(guard); // flushes the background writer

        let today = chrono::Utc::now().format("%Y-%m-%d");
        let file = log_dir.join(format!("{LOG_FILE_PREFIX}.{today}"));
        let text = std::fs::read_to_string(&file).unwrap();
        assert!(
            text.contains("campaign started") && text.contains("campaign=7"),
            "{text}"
        );
        assert!(!text.contains("too chatty"), "{text}");
        assert!(!text.contains('\u{1b}'), "no colour codes in files: {text}");
    }

    #[test]
    fn json_logs_are_one_object_a_line_for_log_shippers() {
        let dir = tempfile::tempdir().unwrap();
        let log_dir = dir.path().join("logs");
        let (writer, guard) = file_writer(&log_dir).unwrap();
        tracing::subscriber::with_default(subscriber("info", LogFormat::Json, writer), || {
            tracing::warn!(campaign = 7, "campaign paused");
        });
        drop(guard);
        let today = chrono::Utc::now().format("%Y-%m-%d");
        let text =
            std::fs::read_to_string(log_dir.join(format!("{LOG_FILE_PREFIX}.{today}"))).unwrap();
        let line: serde_json::Value = serde_json::from_str(text.lines().next().unwrap()).unwrap();
        assert_eq!(line["level"], "WARN", "{text}");
        assert_eq!(line["fields"]["message"], "campaign paused", "{text}");
        assert_eq!(line["fields"]["campaign"], 7, "{text}");
        assert!(line["timestamp"].is_string(), "{text}");
    }

    #[test]
    fn the_log_directory_is_0700_and_its_files_0600_whatever_the_umask() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let log_dir = dir.path().join("nested/logs");
        let (_writer, guard) = file_writer(&log_dir).unwrap();
        drop(guard);
        let mode = |p: &Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode(&log_dir), 0o700);
        let today = chrono::Utc::now().format("%Y-%m-%d");
        assert_eq!(
            mode(&log_dir.join(format!("{LOG_FILE_PREFIX}.{today}"))),
            0o600
        );
    }

    #[test]
    fn only_the_newest_files_are_kept() {
        let dir = tempfile::tempdir().unwrap();
        for day in 1..=20 {
            std::fs::write(
                dir.path()
                    .join(format!("{LOG_FILE_PREFIX}.2020-01-{day:02}")),
                "",
            )
            .unwrap();
        }
        std::fs::write(dir.path().join("other.txt"), "").unwrap();
        prune(dir.path());
        let mut left: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(left.len(), KEPT_LOG_FILES + 1);
        assert_eq!(left[0], "other.txt");
        assert_eq!(left[1], format!("{LOG_FILE_PREFIX}.2020-01-07"));
    }
}
