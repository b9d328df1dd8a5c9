//! Finding a database's engine from another process, and starting one in the
//! background when there is none: the console and `campaign start` attach to it like a
//! tmux client to its server, and closing them (or losing the SSH session) leaves it
//! running.

use super::client::EngineClient;
use super::lock;
use crate::engine::EngineError;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

/// How long a new background engine gets to answer on its socket.
const START_TIMEOUT: Duration = Duration::from_secs(20);

#[derive(Debug, thiserror::Error)]
pub enum AttachError {
    #[error("the engine (pid {pid}) holds {} but does not answer on {}; if it is stuck, stop it (kill {pid}) and try again", db.display(), socket.display())]
    NotAnswering {
        pid: String,
        db: PathBuf,
        socket: PathBuf,
    },
    #[error("cannot start a background engine: {0}")]
    Spawn(std::io::Error),
    #[error("the background engine did not come up within {} s; see the log in {}", START_TIMEOUT.as_secs(), log_dir.display())]
    NoStart { log_dir: PathBuf },
}

/// The engine serving `db` right now, if one does.
pub async fn running(db: &Path, socket: &Path) -> Result<Option<EngineClient>, AttachError> {
    let Some(pid) = lock::holder(db) else {
        return Ok(None);
    };
    // It may still be starting up: give it a moment to open its socket.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(5);
    loop {
        match EngineClient::connect(socket).await {
            Ok(client) => return Ok(Some(client)),
            Err(_) if tokio::time::Instant::now() < deadline && lock::holder(db).is_some() => {
                tokio::time::sleep(Duration::from_millis(100)).await
            }
            Err(_) if lock::holder(db).is_none() => return Ok(None),
            Err(EngineError::Stopped) | Err(_) => {
                return Err(AttachError::NotAnswering {
                    pid,
                    db: db.to_path_buf(),
                    socket: socket.to_path_buf(),
                })
            }
        }
    }
}

/// What a background engine is started with: this binary, the same config and
/// database, `serve`.
#[derive(Debug, Clone)]
pub struct BackgroundEngine {
    pub config_file: PathBuf,
    pub db: PathBuf,
    pub socket: PathBuf,
    pub log_dir: PathBuf,
}

impl BackgroundEngine {
    /// The running engine, or a new one started detached from this terminal: its own
    /// session (a hung-up terminal's SIGHUP does not reach it), no stdio (it logs to
    /// the log file).
    pub async fn attach_or_start(&self) -> Result<EngineClient, AttachError> {
        if let Some(client) = running(&self.db, &self.socket).await? {
            return Ok(client);
        }
        let exe = std::env::current_exe().map_err(AttachError::Spawn)?;
        let mut command = Command::new(exe);
        command
            .arg("--config")
            .arg(&self.config_file)
            .arg("--db")
            .arg(&self.db)
            .arg("serve")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        detach(&mut command);
        let mut child = command.spawn().map_err(AttachError::Spawn)?;
        tracing::info!(pid = child.id(), db = %self.db.display(), "started a background engine");
        let deadline = tokio::time::Instant::now() + START_TIMEOUT;
        loop {
            if let Ok(client) = EngineClient::connect(&self.socket).await {
                // Reaped by init once it exits: this process does not wait for it.
                std::mem::forget(child);
                return Ok(client);
            }
            if let Ok(Some(_)) = child.try_wait() {
                // It exited: another engine may have won the race for the lock.
                if let Some(client) = running(&self.db, &self.socket).await? {
                    return Ok(client);
                }
                return Err(AttachError::NoStart {
                    log_dir: self.log_dir.clone(),
                });
            }
            if tokio::time::Instant::now() >= deadline {
                return Err(AttachError::NoStart {
                    log_dir: self.log_dir.clone(),
                });
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

/// A new session for the child, so it has no controlling terminal.
fn detach(command: &mut Command) {
    use std::os::unix::process::CommandExt;
    // SAFETY: `setsid` is async-signal-safe and touches no memory of the parent; it is
    // the only thing done between fork and exec.
    unsafe {
        command.pre_exec(|| {
            rustix::process::setsid().map_err(std::io::Error::from)?;
            Ok(())
        });
    }
}
