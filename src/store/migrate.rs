//! Versioned schema migrations. `PRAGMA user_version` records how far a database has
//! come; each step runs in its own transaction, so an interrupted upgrade leaves the
//! database at the last complete version and the next start finishes the job.

use super::StoreError;
use rusqlite::{Connection, OptionalExtension};

/// Every schema version in order. Append; never edit a released step.
const MIGRATIONS: &[(&str, &str)] = &[
    ("initial schema", include_str!("migrations/0001_init.sql")),
    (
        "look leads up by number through their campaign",
        include_str!("migrations/0002_leads_phone_lookup.sql"),
    ),
    (
        "ids are never reused",
        include_str!("migrations/0003_ids_never_reused.sql"),
    ),
    (
        "caller-id pools and alternate lead numbers",
        include_str!("migrations/0004_caller_id_pools.sql"),
    ),
    (
        "attempts record their A/B variant, the agent's join time and the recording",
        include_str!("migrations/0005_agents_and_variants.sql"),
    ),
    (
        "the zones of open leads without a scan",
        include_str!("migrations/0006_open_lead_zones.sql"),
    ),
    (
        "webhook events acted on are remembered across restarts",
        include_str!("migrations/0007_webhook_events_seen.sql"),
    ),
    (
        "every settings change is kept with who made it",
        include_str!("migrations/0008_settings_changes.sql"),
    ),
    (
        "leads are found by number, name or variable, and by last outcome",
        include_str!("migrations/0009_lead_search.sql"),
    ),
];

/// The version a database has once `migrate` has run.
pub const LATEST_VERSION: u32 = MIGRATIONS.len() as u32;

pub fn schema_version(conn: &Connection) -> Result<u32, StoreError> {
    Ok(conn.query_row("PRAGMA user_version", [], |r| r.get::<_, u32>(0))?)
}

/// Brings the database to `LATEST_VERSION`. Refuses a database from a newer
/// Switchboard rather than guessing at a schema it does not know.
pub fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    migrate_to(conn, LATEST_VERSION)
}

/// Like `migrate`, but stops at `target`; tests use it to build an old database.
pub fn migrate_to(conn: &mut Connection, target: u32) -> Result<(), StoreError> {
    let current = schema_version(conn)?;
    if current > LATEST_VERSION {
        return Err(StoreError::TooNew {
            found: current,
            supported: LATEST_VERSION,
        });
    }
    // Rebuilding a table drops one that others reference; SQLite only lets foreign keys
    // be switched off outside a transaction, so it is done around all steps and each step
    // checks them before it commits.
    conn.pragma_update(None, "foreign_keys", "OFF")?;
    let result = run_steps(conn, current, target);
    conn.pragma_update(None, "foreign_keys", "ON")?;
    result
}

fn run_steps(conn: &mut Connection, current: u32, target: u32) -> Result<(), StoreError> {
    for (index, (name, sql)) in MIGRATIONS
        .iter()
        .enumerate()
        .take(target as usize)
        .skip(current as usize)
    {
        let version = index as u32 + 1;
        let tx = conn.transaction()?;
        tx.execute_batch(sql)
            .and_then(|_| foreign_keys_hold(&tx))
            .and_then(|_| tx.pragma_update(None, "user_version", version))
            .map_err(|source| StoreError::Migration {
                version,
                name,
                source,
            })?;
        tx.commit()?;
        tracing::info!(version, name, "database migrated");
    }
    Ok(())
}

/// `PRAGMA foreign_key_check` lists every row whose parent is missing; a step that left
/// one fails instead of committing a broken database.
fn foreign_keys_hold(conn: &Connection) -> rusqlite::Result<()> {
    let broken: Option<String> = conn
        .query_row("PRAGMA foreign_key_check", [], |r| r.get(0))
        .optional()?;
    match broken {
        None => Ok(()),
        Some(table) => Err(rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CONSTRAINT_FOREIGNKEY),
            Some(format!("a row of {table} lost its parent row")),
        )),
    }
}
