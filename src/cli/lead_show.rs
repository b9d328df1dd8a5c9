//! `switchboard leads show LEAD_ID`: what happened to one lead (its numbers, variables
//! and every call with its times, SIP status, cause, talk time, caller ID and variant),
//! read through the engine (`Query::LeadHistory`).

use super::engine_access::writer;
use super::Context;
use crate::domain::LeadId;
use crate::engine::{Answer, EngineError, Query};
use crate::store::views::{AttemptHistory, LeadHistory};
use chrono::{DateTime, Utc};
use color_eyre::eyre::{bail, eyre};
use color_eyre::Result;
use std::io::Write;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct ShowArgs {
    /// The lead's id (the first column of `leads list` and `leads search`)
    pub lead: i64,
    /// Print JSON: the lead, its numbers and every attempt with its steps
    #[arg(long)]
    pub json: bool,
}

pub async fn show(ctx: &Context, args: ShowArgs) -> Result<ExitCode> {
    let access = writer(ctx).await?;
    let history = match access
        .query(Query::LeadHistory {
            lead: LeadId(args.lead),
        })
        .await
    {
        Ok(Answer::LeadHistory(history)) => *history,
        Ok(other) => bail!("the engine answered {other:?} to a lead history query"),
        Err(EngineError::NotFound { what }) => {
            return Err(eyre!(
                "{what} does not exist; find it with `switchboard leads search TEXT`"
            ))
        }
        Err(other) => return Err(eyre!("{other}")),
    };
    let mut out = std::io::stdout().lock();
    if args.json {
        serde_json::to_writer_pretty(&mut out, &history.to_json())?;
        writeln!(out)?;
    } else {
        write!(out, "{}", text(&history))?;
    }
    Ok(ExitCode::SUCCESS)
}

fn text(history: &LeadHistory) -> String {
    let lead = &history.lead;
    let mut rows: Vec<(&str, String)> = vec![
        ("lead", format!("{} (campaign {})", lead.id, lead.campaign)),
        ("name", lead.name.clone().unwrap_or_else(|| "-".into())),
        ("phone", lead.phone.clone()),
        ("state", lead.state.to_string()),
        (
            "calls",
            format!(
                "{} made, {} counted; last {}",
                history.attempts.len(),
                lead.attempts,
                lead.last_outcome.map_or("-", |o| o.as_str())
            ),
        ),
    ];
    if let Some(next) = lead.next_attempt_at {
        rows.push(("next call", time(next)));
    }
    if history.numbers.len() > 1 {
        for (i, number) in history.numbers.iter().enumerate() {
            let mut about = format!("{} ({} calls", number.phone, number.attempts);
            if let Some(outcome) = number.last_outcome {
                about.push_str(&format!(", last {outcome}"));
            }
            if number.retired {
                about.push_str(", not dialled again");
            }
            about.push(')');
            rows.push((if i == 0 { "numbers" } else { "" }, about));
        }
    }
    rows.push((
        "timezone",
        lead.timezone
            .clone()
            .unwrap_or_else(|| "the campaign's".into()),
    ));
    rows.push(("priority", lead.priority.to_string()));
    rows.push((
        "imported",
        match lead.import_line {
            Some(line) => format!("{} (CSV line {line})", time(lead.created_at)),
            None => time(lead.created_at),
        },
    ));
    for (i, (key, value)) in lead.variables.iter().enumerate() {
        let value = match value {
            serde_json::Value::String(s) => s.clone(),
            other => other.to_string(),
        };
        rows.push((
            if i == 0 { "variables" } else { "" },
            format!("{key} = {value}"),
        ));
    }
    let mut out = String::new();
    for (label, value) in rows {
        out.push_str(&format!("{label:<11} {value}\n"));
    }
    if history.attempts.is_empty() {
        out.push_str("\nnot called yet\n");
    }
    for attempt in &history.attempts {
        out.push('\n');
        out.push_str(&attempt_text(attempt));
    }
    out
}

fn attempt_text(a: &AttemptHistory) -> String {
    let mut rows: Vec<(&str, String)> = vec![(
        "call",
        format!(
            "#{} (attempt {}) to {}: {}",
            a.number, a.id, a.phone, a.state
        ),
    )];
    rows.push(("queued", time(a.created_at)));
    for (label, at) in [
        ("dialled", a.dialed_at),
        ("ringing", a.ringing_at),
        ("answered", a.answered_at),
        ("ended", a.ended_at),
    ] {
        if let Some(at) = at {
            rows.push((label, time(at)));
        }
    }
    if let Some(ring) = a.ring_time() {
        rows.push(("ring time", duration(ring)));
    }
    if let Some(talk) = a.talk_time() {
        rows.push(("talk time", duration(talk)));
    }
    if a.sip_status_code.is_some() || a.sip_status.is_some() {
        let code = a.sip_status_code.map(|c| c.to_string()).unwrap_or_default();
        let status = a.sip_status.clone().unwrap_or_default();
        rows.push(("SIP", format!("{code} {status}").trim().to_owned()));
    }
    let cause: Vec<String> = [
        a.disconnect_reason
            .as_ref()
            .map(|r| format!("disconnect {r}")),
        a.twirp_code.as_ref().map(|c| format!("twirp {c}")),
        a.error.clone(),
    ]
    .into_iter()
    .flatten()
    .collect();
    if !cause.is_empty() {
        rows.push(("cause", cause.join("; ")));
    }
    rows.push((
        "caller ID",
        a.caller_id.clone().unwrap_or_else(|| "the trunk's".into()),
    ));
    if let Some(variant) = &a.variant {
        rows.push(("variant", variant.clone()));
    }
    if let Some(disposition) = &a.disposition {
        rows.push(("disposition", disposition.clone()));
    }
    if let Some(recording) = &a.recording {
        rows.push(("recording", recording.clone()));
    }
    if let Some(error) = &a.recording_error {
        rows.push(("recording", format!("failed: {error}")));
    }
    rows.iter()
        .map(|(label, value)| format!("{label:<11} {value}\n"))
        .collect()
}

fn time(at: DateTime<Utc>) -> String {
    at.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

/// `1m 03s`, `12.4s`.
fn duration(d: chrono::Duration) -> String {
    let ms = d.num_milliseconds().max(0);
    if ms < 60_000 {
        format!("{:.1}s", ms as f64 / 1000.0)
    } else {
        format!("{}m {:02}s", ms / 60_000, (ms / 1000) % 60)
    }
}
