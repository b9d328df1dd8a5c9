//! JSON: a streamed array (`[` first, `]` last, one object per line between), or JSON
//! Lines. Each object has the fixed columns as keys and `variables` as an object.

use super::columns::Times;
use super::ExportError;
use crate::domain::CampaignId;
use crate::store::call_figures;
use crate::store::reports::{self, AttemptExportRow};
use chrono::Duration;
use rusqlite::Connection;
use serde::Serialize;
use serde_json::Value;
use std::io::Write;

#[derive(Serialize)]
struct AttemptObject<'a> {
    attempt_id: i64,
    lead_id: i64,
    phone: &'a str,
    name: Option<&'a str>,
    attempt: u32,
    outcome: &'a str,
    sip_status_code: Option<i64>,
    sip_status: Option<&'a str>,
    twirp_code: Option<&'a str>,
    room: &'a str,
    sip_call_id: Option<&'a str>,
    dialed_at: Option<String>,
    answered_at: Option<String>,
    ended_at: Option<String>,
    ring_seconds: Option<f64>,
    talk_seconds: Option<f64>,
    disposition: Option<&'a str>,
    agent_note: Option<&'a str>,
    disconnect_reason: Option<&'a str>,
    error: Option<&'a str>,
    variables: Value,
}

impl<'a> AttemptObject<'a> {
    fn of(row: &'a AttemptExportRow, ring_timeout: Duration) -> Self {
        let times = Times::of(row, ring_timeout);
        AttemptObject {
            attempt_id: row.attempt.0,
            lead_id: row.lead.0,
            phone: &row.phone,
            name: row.name.as_deref(),
            attempt: row.number,
            outcome: &row.state,
            sip_status_code: row.sip_status_code,
            sip_status: row.sip_status.as_deref(),
            twirp_code: row.twirp_code.as_deref(),
            room: &row.room,
            sip_call_id: row.sip_call_id.as_deref(),
            dialed_at: times.dialed_at,
            answered_at: times.answered_at,
            ended_at: times.ended_at,
            ring_seconds: times.ring_seconds,
            talk_seconds: times.talk_seconds,
            disposition: row.disposition.as_deref(),
            agent_note: row.note.as_deref(),
            disconnect_reason: row.disconnect_reason.as_deref(),
            error: row.error.as_deref(),
            variables: serde_json::from_str(&row.variables_json)
                .unwrap_or_else(|_| Value::Object(Default::default())),
        }
    }
}

pub(super) fn write(
    conn: &Connection,
    campaign: CampaignId,
    out: &mut dyn Write,
    lines: bool,
) -> Result<u64, ExportError> {
    let ring_timeout = call_figures::ring_timeout(conn, campaign)?;
    let mut out = std::io::BufWriter::new(out);
    if !lines {
        out.write_all(b"[")?;
    }
    let mut first = true;
    let count = reports::for_each_attempt(conn, campaign, |row| -> Result<(), ExportError> {
        if !lines {
            out.write_all(if first { b"\n" } else { b",\n" })?;
        }
        first = false;
        serde_json::to_writer(&mut out, &AttemptObject::of(row, ring_timeout))?;
        if lines {
            out.write_all(b"\n")?;
        }
        Ok(())
    })?;
    if !lines {
        out.write_all(b"\n]\n")?;
    }
    out.flush()?;
    Ok(count)
}
