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
use crate::engine::Reader;
use crate::store::{reports, CampaignRecord, StoreError};
use std::io::Write;
use thiserror::Error;

#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Default,
    clap::ValueEnum,
    serde::Serialize,
    serde::Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
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
    from: impl Into<Reader>,
    campaign: CampaignId,
    format: ExportFormat,
    out: &mut dyn Write,
) -> Result<u64, ExportError> {
    export_attempts_announced(from, campaign, format, out, |_| Ok(()))
}

/// [`export_attempts`], telling `announce` how many attempts it will write before it
/// writes the first byte (the engine sends the count ahead of a streamed export). The
/// count and the rows come from one read transaction, so they agree.
pub fn export_attempts_announced(
    from: impl Into<Reader>,
    campaign: CampaignId,
    format: ExportFormat,
    out: &mut dyn Write,
    announce: impl FnOnce(u64) -> Result<(), ExportError>,
) -> Result<u64, ExportError> {
    from.into()
        .read_blocking(|conn| {
            // Rolled back (nothing to undo: it only reads) when dropped.
            let snapshot = conn.unchecked_transaction()?;
            if !CampaignRecord::exists(&snapshot, campaign)? {
                return Ok(Err(ExportError::NoSuchCampaign(campaign)));
            }
            if let Err(err) = reports::attempt_count(&snapshot, campaign)
                .map_err(ExportError::from)
                .and_then(announce)
            {
                return Ok(Err(err));
            }
            Ok(match format {
                ExportFormat::Csv => reports::variable_keys(&snapshot, campaign)
                    .map_err(ExportError::from)
                    .and_then(|keys| csv_out::write(&snapshot, campaign, &keys, out)),
                ExportFormat::Json => json_out::write(&snapshot, campaign, out, false),
                ExportFormat::Jsonl => json_out::write(&snapshot, campaign, out, true),
            })
        })
        .map_err(ExportError::from)?
}
