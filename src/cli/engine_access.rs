//! How a CLI command reaches its database: always through an engine, the one door.
//! Through the engine that runs on it (over the local socket), or, when none runs,
//! through one this command hosts for its own length (`Engine::hold`: it takes commands
//! and answers reads but never dials), holding the engine lock so no dialling engine
//! starts on a view the command is changing. Never two writers with different views.

use super::Context;
use crate::config::RUNTIME_DIR_VAR;
use crate::engine::{Answer, Command, Engine, EngineError, EngineHandle, Query, Reply};
use crate::service::attach::{self, BackgroundEngine};
use crate::service::{socket_for, EngineClient, EngineLock, LockError};
use color_eyre::eyre::WrapErr;
use color_eyre::Result;

pub enum Access {
    /// An engine runs on the database: everything goes through it.
    Engine(EngineClient),
    /// None does: this process holds the lock and an engine that does not dial.
    Held {
        engine: EngineHandle,
        _lock: EngineLock,
    },
}

impl Access {
    pub async fn send(&self, command: Command) -> Result<Reply, EngineError> {
        match self {
            Access::Engine(client) => client.command(command).await,
            Access::Held { engine, .. } => engine.send(command).await,
        }
    }

    pub async fn query(&self, query: Query) -> Result<Answer, EngineError> {
        match self {
            Access::Engine(client) => client.query(query).await,
            Access::Held { engine, .. } => engine.query(query).await,
        }
    }
}

/// The engine if one runs, else one held for this command.
pub async fn writer(ctx: &Context) -> Result<Access> {
    let db = &ctx.paths.database;
    loop {
        match EngineLock::acquire(db) {
            Ok(lock) => {
                let store = crate::engine::open_database(db)
                    .wrap_err_with(|| format!("opening the database {}", db.display()))?;
                let engine = Engine::hold(store)
                    .await
                    .wrap_err_with(|| format!("reading the database {}", db.display()))?;
                return Ok(Access::Held {
                    engine,
                    _lock: lock,
                });
            }
            Err(LockError::Held { .. }) => {
                let socket = socket_for(db, ctx.env.path(RUNTIME_DIR_VAR).as_deref())?;
                if let Some(client) = attach::running(db, &socket).await? {
                    return Ok(Access::Engine(client));
                }
                // It went away between the two looks: take the lock after all.
            }
            Err(other) => {
                return Err(color_eyre::Report::new(other)
                    .wrap_err(format!("opening the database {}", db.display())))
            }
        }
    }
}

/// The engine, started in the background if none runs (for commands that need calls
/// to be made: `campaign start`, `campaign resume`).
pub async fn engine(ctx: &Context) -> Result<EngineClient> {
    let db = ctx.paths.database.clone();
    let background = BackgroundEngine {
        config_file: ctx.paths.config_file.clone(),
        socket: socket_for(&db, ctx.env.path(RUNTIME_DIR_VAR).as_deref())?,
        db,
        log_dir: ctx.paths.log_dir.clone(),
    };
    Ok(background.attach_or_start().await?)
}
