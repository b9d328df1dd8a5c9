//! `switchboard export`: every attempt of a campaign with its outcome, SIP status, real
//! timestamps, ring and talk time (as `domain::figures` defines them), the disposition
//! with the agent's note, the disconnect reason and the lead's variables, as CSV, a JSON array or
//! JSON Lines; CSV cells that a spreadsheet would run as formulas are defused
//! (`formula_guard.rs`), JSON stays as stored. Rows are written as the database yields them, so a million attempts
//! need no more memory than one. Nothing secret is in an attempt row to begin with.

mod columns;
mod csv_out;
mod formula_guard;
mod json_out;

pub use columns::{Times, FIXED_COLUMNS};
pub use formula_guard::guard_cell;

use crate::domain::CampaignId;
use crate::store::{reports, CampaignRecord, Store, StoreError};
use std::io::Write;
use thiserror::Error;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum ExportFormat {
    /// One row per attempt, one column per lead variable.
    #[default]
    Csv,
    /// One JSON array of attempt objects, variables as an object.
    Json,
    /// One JSON object per line.
    Jsonl,
}

#[derive(Debug, Error)]
pub enum ExportError {
    #[error("campaign {0} does not exist; list campaigns with `switchboard campaign list`")]
    NoSuchCampaign(CampaignId),
    #[error("reading the attempts failed: {0}")]
    Store(#[from] StoreError),
    #[error("writing the export failed: {0}")]
    Write(#[from] std::io::Error),
    #[error("writing the export failed: {0}")]
    Csv(#[from] csv::Error),
    #[error("writing the export failed: {0}")]
    Json(#[from] serde_json::Error),
}

/// Writes every attempt of `campaign` to `out`; returns how many. Blocking.
pub fn export_attempts(
    store: &Store,
    campaign: CampaignId,
    format: ExportFormat,
    out: &mut dyn Write,
) -> Result<u64, ExportError> {
    store
        .read_blocking(|conn| {
            if !CampaignRecord::exists(conn, campaign)? {
                return Ok(Err(ExportError::NoSuchCampaign(campaign)));
            }
            Ok(match format {
                ExportFormat::Csv => reports::variable_keys(conn, campaign)
                    .map_err(ExportError::from)
                    .and_then(|keys| csv_out::write(conn, campaign, &keys, out)),
                ExportFormat::Json => json_out::write(conn, campaign, out, false),
                ExportFormat::Jsonl => json_out::write(conn, campaign, out, true),
            })
        })
        .map_err(ExportError::from)?
}
