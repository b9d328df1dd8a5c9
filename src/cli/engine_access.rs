//! How a CLI command that writes reaches its database: through the engine that runs on
//! it (over the local socket), or, when none runs, directly while holding the engine
//! lock, so no engine can start and dial on a view the command is changing. Never two
//! writers with different views.

use super::Context;
use crate::config::RUNTIME_DIR_VAR;
use crate::service::attach::{self, BackgroundEngine};
use crate::service::{socket_for, EngineClient, EngineLock, LockError};
use crate::store::Store;
use color_eyre::eyre::WrapErr;
use color_eyre::Result;

pub enum Access {
    /// An engine runs on the database: everything goes through it.
    Engine(EngineClient),
    /// None does; the lock keeps one from starting until this command is done.
    Direct { store: Store, _lock: EngineLock },
}

/// The engine if one runs, else the database under the lock.
pub async fn writer(ctx: &Context) -> Result<Access> {
    let db = &ctx.paths.database;
    loop {
        match EngineLock::acquire(db) {
            Ok(lock) => {
                let store = Store::open(db)
                    .wrap_err_with(|| format!("opening the database {}", db.display()))?;
                return Ok(Access::Direct { store, _lock: lock });
            }
            Err(LockError::Held { .. }) => {
                let socket = socket_for(db, ctx.env.path(RUNTIME_DIR_VAR).as_deref())?;
                if let Some(client) = attach::running(db, &socket).await? {
                    return Ok(Access::Engine(client));
                }
                // It went away between the two looks: take the lock after all.
            }
            Err(other) => return Err(other.into()),
        }
    }
}

/// How a command that only reads reaches its database.
pub enum Reading {
    /// An engine runs on the database: it answers.
    Engine(EngineClient),
    /// None does: a read-only connection, which takes no lock and never writes (WAL
    /// lets it read beside an engine that starts meanwhile).
    ReadOnly(rusqlite::Connection),
    /// None does and the database is from an older Switchboard: opened under the lock
    /// and migrated first, as a command that writes would.
    Migrated { store: Store, _lock: EngineLock },
}

/// The engine if one runs, else the database read-only. A missing database is an
/// error, not a new empty one.
pub async fn reader(ctx: &Context) -> Result<Reading> {
    let db = &ctx.paths.database;
    if !db.exists() {
        color_eyre::eyre::bail!(
            "there is no database at {}: nothing to read (`switchboard paths` shows where it              is looked for)",
            db.display()
        );
    }
    let socket = socket_for(db, ctx.env.path(RUNTIME_DIR_VAR).as_deref())?;
    if let Some(client) = attach::running(db, &socket).await? {
        return Ok(Reading::Engine(client));
    }
    let conn = crate::store::open_connection(db, true)
        .wrap_err_with(|| format!("opening the database {} to read", db.display()))?;
    if crate::store::schema_version(&conn)? >= crate::store::LATEST_VERSION {
        return Ok(Reading::ReadOnly(conn));
    }
    match writer(ctx).await? {
        Access::Engine(client) => Ok(Reading::Engine(client)),
        Access::Direct { store, _lock } => Ok(Reading::Migrated { store, _lock }),
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
