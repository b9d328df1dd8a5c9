//! CSV: the fixed columns, then one column per variable key. A key that collides with
//! a fixed column (a CSV that had its own `outcome` column) gets a `var_` prefix. Every
//! cell, header included, goes through [`guard_cell`] so a spreadsheet never runs one.

use super::columns::{Times, FIXED_COLUMNS};
use super::formula_guard::guard_cell;
use super::ExportError;
use crate::domain::CampaignId;
use crate::store::{call_figures, reports};
use rusqlite::Connection;
use serde_json::{Map, Value};
use std::io::Write;

pub(super) fn write(
    conn: &Connection,
    campaign: CampaignId,
    keys: &[String],
    out: &mut dyn Write,
) -> Result<u64, ExportError> {
    let ring_timeout = call_figures::ring_timeout(conn, campaign)?;
    let mut csv = csv::Writer::from_writer(out);
    let header = FIXED_COLUMNS
        .iter()
        .map(|c| c.to_string())
        .chain(keys.iter().map(|k| {
            if FIXED_COLUMNS.contains(&k.as_str()) {
                format!("var_{k}")
            } else {
                k.clone()
            }
        }));
    csv.write_record(header.map(|h| guard_cell(h.as_bytes()).into_owned()))?;
    let mut fields: Vec<String> = Vec::with_capacity(FIXED_COLUMNS.len() + keys.len());
    let count = reports::for_each_attempt(conn, campaign, |row| -> Result<(), ExportError> {
        let times = Times::of(row, ring_timeout);
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        let secs = |v: Option<f64>| v.map(|s| format!("{s:.3}")).unwrap_or_default();
        fields.clear();
        fields.extend([
            row.attempt.to_string(),
            row.lead.to_string(),
            row.phone.clone(),
            text(&row.name),
            row.number.to_string(),
            row.state.clone(),
            row.sip_status_code
                .map(|c| c.to_string())
                .unwrap_or_default(),
            text(&row.sip_status),
            text(&row.twirp_code),
            row.room.clone(),
            text(&row.sip_call_id),
            text(&times.dialed_at),
            text(&times.answered_at),
            text(&times.ended_at),
            secs(times.ring_seconds),
            secs(times.talk_seconds),
            text(&row.disposition),
            text(&row.note),
            text(&row.disconnect_reason),
            text(&row.error),
        ]);
        let variables: Map<String, Value> =
            serde_json::from_str(&row.variables_json).unwrap_or_default();
        fields.extend(keys.iter().map(|k| match variables.get(k) {
            Some(Value::String(s)) => s.clone(),
            Some(Value::Null) | None => String::new(),
            Some(other) => other.to_string(),
        }));
        csv.write_record(fields.iter().map(|f| guard_cell(f.as_bytes())))?;
        Ok(())
    })?;
    csv.flush()?;
    Ok(count)
}
