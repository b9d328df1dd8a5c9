//! The SQL of a CSV import: one prepared insert per lead inside the import's single
//! transaction. Duplicates are found by the `UNIQUE (campaign_id, phone)` index the
//! insert maintains anyway (`ON CONFLICT DO NOTHING`), so detecting them costs no memory
//! and no extra lookup for the rows that go in; only a duplicate asks where its twin
//! came from. The parsing and the transaction are `crate::import`'s.

use super::{CampaignRecord, StoreError};
use crate::domain::{CampaignId, LeadId, LeadState};
use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, Statement};

/// Page cache while an import runs. The phone indexes take inserts in random order;
/// with SQLite's default 2 MiB cache most of them would spill to the WAL and be read
/// back (5x the system time). Fixed, so memory does not grow with the file.
const IMPORT_CACHE_KIB: i64 = 64 * 1024;

/// An import expected to bring at least this many rows, and more than the table holds,
/// drops the table's plain (non-unique) indexes and builds them again at the end: one
/// sort beats a million random inserts. The unique index stays, it finds duplicates.
const REBUILD_INDEXES_FROM_ROWS: u64 = 100_000;

/// One lead ready to insert: validated, phone in E.164, variables as a JSON object.
#[derive(Debug, Clone, PartialEq)]
pub struct ImportedLead {
    /// Line in the CSV where the row starts.
    pub line: u64,
    pub phone: String,
    pub name: Option<String>,
    pub timezone: Option<String>,
    pub priority: i64,
    pub variables_json: String,
    /// The lead's other numbers in E.164, each with the column it came from.
    pub alternates: Vec<(String, String)>,
}

/// What became of one lead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LeadFate {
    /// Inserted as `pending`.
    Imported(LeadId),
    /// Inserted as `dnc`: the number is on the global or the campaign's do-not-call list.
    ImportedAsDnc(LeadId),
    /// An earlier row of this file has the same number.
    DuplicateInFile { first_line: Option<u64> },
    /// The campaign had this number before the import began.
    AlreadyInCampaign {
        lead: LeadId,
        import_line: Option<u64>,
    },
}

/// Inserts the leads of one import into one campaign. Lives inside one writer job.
pub struct LeadImporter<'c> {
    conn: &'c Connection,
    campaign: CampaignId,
    /// Leads with a larger id were inserted by this import.
    last_id_before: i64,
    /// Skips the per-row DNC lookup when no list applies to this campaign.
    dnc_lists_in_use: bool,
    now_ms: i64,
    insert: Statement<'c>,
    /// Restored when the import ends, whatever its outcome.
    cache_before: i64,
    /// `CREATE INDEX` statements of the indexes dropped for a bulk import, run again by
    /// `finish`. If the import fails the job's rollback brings them back.
    dropped_indexes: Vec<String>,
    /// The `CREATE TRIGGER` that adds each new lead to the lead finder's trigram index
    /// (`lead_text`), dropped for the import and made again by `finish` after one
    /// statement has indexed every lead the import added: row by row through the
    /// trigger, indexing a million leads took 25 s more (BENCHMARKS.md, Import).
    dropped_text_trigger: Option<String>,
}

impl Drop for LeadImporter<'_> {
    fn drop(&mut self) {
        let _ = self
            .conn
            .execute_batch(&format!("PRAGMA cache_size = {}", self.cache_before));
    }
}

impl<'c> LeadImporter<'c> {
    /// Refuses an unknown campaign before any row is read. `expected_rows` (a guess from
    /// the file size) decides whether rebuilding the indexes at the end is cheaper.
    pub fn begin(
        conn: &'c Connection,
        campaign: CampaignId,
        now: DateTime<Utc>,
        expected_rows: Option<u64>,
    ) -> Result<Self, StoreError> {
        // Checked again inside the import's transaction: the campaign may have been
        // deleted since the caller's quick check.
        if !CampaignRecord::exists(conn, campaign)? {
            return Err(StoreError::NotFound(format!("campaign {campaign}")));
        }
        let cache_before: i64 = conn.query_row("PRAGMA cache_size", [], |r| r.get(0))?;
        conn.execute_batch(&format!("PRAGMA cache_size = -{IMPORT_CACHE_KIB}"))?;
        let last_id_before =
            conn.query_row("SELECT ifnull(max(id), 0) FROM leads", [], |r| r.get(0))?;
        let dnc_lists_in_use = conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM dnc WHERE campaign_id IS NULL OR campaign_id = ?1)",
            [campaign.0],
            |r| r.get(0),
        )?;
        let bulk = expected_rows
            .is_some_and(|rows| rows >= REBUILD_INDEXES_FROM_ROWS && rows as i64 > last_id_before);
        let dropped_indexes = if bulk {
            drop_plain_indexes(conn)?
        } else {
            Vec::new()
        };
        let dropped_text_trigger = drop_text_trigger(conn)?;
        let insert = conn.prepare(
            "INSERT INTO leads (campaign_id, phone, name, timezone, priority, variables, state, import_line, created_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9) ON CONFLICT (campaign_id, phone) DO NOTHING",
        )?;
        Ok(Self {
            insert,
            cache_before,
            dropped_indexes,
            dropped_text_trigger,
            conn,
            campaign,
            last_id_before,
            dnc_lists_in_use,
            now_ms: now.timestamp_millis(),
        })
    }

    /// Builds again the indexes `begin` dropped. Call once every lead is in.
    pub fn finish(self) -> Result<(), StoreError> {
        if let Some(trigger) = &self.dropped_text_trigger {
            // The import's writer job holds the connection: every lead above
            // `last_id_before` is one it added.
            self.conn.execute_batch(
                "INSERT INTO lead_text (lead_text, rank) VALUES ('hashsize', 16777216)",
            )?;
            self.conn.execute(
                "INSERT INTO lead_text (rowid, phone, name, vars)
                 SELECT id, phone, name,
                        (SELECT group_concat(value, ' ') FROM json_each(variables))
                 FROM leads WHERE id > ?1",
                [self.last_id_before],
            )?;
            self.conn.execute_batch(
                "INSERT INTO lead_text (lead_text, rank) VALUES ('hashsize', 1048576)",
            )?;
            self.conn.execute_batch(trigger)?;
        }
        for sql in &self.dropped_indexes {
            self.conn.execute_batch(sql)?;
        }
        Ok(())
    }

    pub fn insert(&mut self, lead: &ImportedLead) -> Result<LeadFate, StoreError> {
        // With other numbers, the lead is `dnc` only when every one of them is listed.
        let dnc = self.dnc_lists_in_use && {
            let mut all = super::dnc::is_blocked(self.conn, &lead.phone, self.campaign)?;
            for (phone, _) in &lead.alternates {
                if !all {
                    break;
                }
                all = super::dnc::is_blocked(self.conn, phone, self.campaign)?;
            }
            all
        };
        let state = if dnc {
            LeadState::Dnc
        } else {
            LeadState::Pending
        };
        let changed = self.insert.execute(params![
            self.campaign.0,
            lead.phone,
            lead.name,
            lead.timezone,
            lead.priority,
            lead.variables_json,
            state.as_str(),
            lead.line as i64,
            self.now_ms,
        ])?;
        if changed == 1 {
            let id = LeadId(self.conn.last_insert_rowid());
            super::lead_phones::add_alternates(self.conn, id, &lead.alternates)?;
            return Ok(if dnc {
                LeadFate::ImportedAsDnc(id)
            } else {
                LeadFate::Imported(id)
            });
        }
        let (id, line): (i64, Option<i64>) = self
            .conn
            .prepare_cached(
                "SELECT id, import_line FROM leads WHERE campaign_id = ?1 AND phone = ?2",
            )?
            .query_row(params![self.campaign.0, lead.phone], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })
            .optional()?
            .ok_or_else(|| {
                StoreError::corrupt(
                    "leads index",
                    format!("{} conflicts but is not there", lead.phone),
                )
            })?;
        let import_line = line.map(|l| l as u64);
        Ok(if id > self.last_id_before {
            LeadFate::DuplicateInFile {
                first_line: import_line,
            }
        } else {
            LeadFate::AlreadyInCampaign {
                lead: LeadId(id),
                import_line,
            }
        })
    }
}

/// Drops the trigger that indexes each new lead's text and returns its `CREATE`
/// statement, read from the schema so it comes back exactly as the migration made it.
fn drop_text_trigger(conn: &Connection) -> Result<Option<String>, StoreError> {
    let sql: Option<String> = conn
        .query_row(
            "SELECT sql FROM sqlite_master WHERE type = 'trigger' AND name = 'lead_text_insert'",
            [],
            |r| r.get(0),
        )
        .optional()?;
    if sql.is_some() {
        conn.execute_batch("DROP TRIGGER lead_text_insert")?;
    }
    Ok(sql)
}

/// Drops the leads table's non-unique indexes and returns their `CREATE` statements,
/// read from the schema itself so they come back exactly as the migrations made them.
fn drop_plain_indexes(conn: &Connection) -> Result<Vec<String>, StoreError> {
    let mut stmt = conn.prepare(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = 'leads'
         AND sql IS NOT NULL AND sql NOT LIKE 'CREATE UNIQUE%'",
    )?;
    let indexes: Vec<(String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<Result<_, _>>()?;
    for (name, _) in &indexes {
        conn.execute_batch(&format!("DROP INDEX \"{}\"", name.replace('"', "\"\"")))?;
    }
    Ok(indexes.into_iter().map(|(_, sql)| sql).collect())
}
