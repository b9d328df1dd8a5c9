//! `switchboard status [--campaign ID] [--json]`: leads by state, attempts by outcome,
//! answer rate, average ring and talk time (from the attempts' own timestamps) and the
//! attempts of the campaign's local day.

use super::engine_access::{self, Access};
use super::Context;
use crate::domain::CampaignId;
use crate::engine::EngineError;
use crate::service::protocol::{Answer, Query};
use crate::store::reports::{self, CampaignStats, StatusReport};
use crate::store::{CampaignRecord, StoreError};
use chrono::Utc;
use color_eyre::eyre::bail;
use color_eyre::Result;
use std::io::Write;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct StatusArgs {
    /// Only this campaign
    #[arg(long, value_name = "ID")]
    pub campaign: Option<i64>,
    /// Print JSON
    #[arg(long)]
    pub json: bool,
}

pub async fn run(ctx: &Context, args: StatusArgs) -> Result<ExitCode> {
    let only = args.campaign.map(CampaignId);
    // The running engine answers when there is one; else the database, under the lock.
    let all = match engine_access::writer(ctx).await? {
        Access::Engine(client) => match client.query(Query::Status { campaign: only }).await {
            Ok(Answer::Status(all)) => all,
            Ok(other) => bail!("the engine answered a status query with {other:?}"),
            Err(EngineError::NotFound { what }) => not_found(&what)?,
            Err(err) => return Err(err.into()),
        },
        Access::Direct { store, .. } => {
            let now = Utc::now();
            match store
                .read(move |c| reports::status_reports(c, only, now))
                .await
            {
                Err(StoreError::NotFound(what)) => not_found(&what)?,
                other => other?,
            }
        }
    };
    let all: Vec<(CampaignRecord, CampaignStats)> =
        all.into_iter().map(|r| (r.record, r.stats)).collect();
    let mut out = std::io::stdout().lock();
    if args.json {
        let json: Vec<_> = all
            .iter()
            .map(|(r, s)| {
                serde_json::json!({
                    "id": r.id, "name": r.settings.name, "status": r.status,
                    "pause_reason": r.pause_reason.as_ref().map(|p| p.to_string()),
                    "timezone": r.settings.timezone, "stats": s,
                })
            })
            .collect();
        serde_json::to_writer_pretty(&mut out, &json)?;
        writeln!(out)?;
        return Ok(ExitCode::SUCCESS);
    }
    if all.is_empty() {
        eprintln!("no campaigns yet; create one with `switchboard campaign create`");
    }
    for (record, stats) in &all {
        write!(out, "{}", render(record, stats))?;
    }
    Ok(ExitCode::SUCCESS)
}

fn not_found(what: &str) -> Result<Vec<StatusReport>> {
    bail!("{what} does not exist; list campaigns with `switchboard campaign list`")
}

fn counts(map: &std::collections::BTreeMap<String, i64>) -> String {
    map.iter()
        .map(|(k, v)| format!("{k} {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

fn render(record: &CampaignRecord, s: &CampaignStats) -> String {
    let secs = |v: Option<f64>| v.map(|v| format!("{v:.1} s")).unwrap_or_else(|| "-".into());
    let mut text = format!(
        "campaign {}  {}  ({})\n",
        record.id, record.settings.name, record.status
    );
    if let Some(reason) = &record.pause_reason {
        text.push_str(&format!("  paused    {reason}\n"));
    }
    text.push_str(&format!(
        "  leads     {}{}\n",
        s.leads,
        sep(&counts(&s.leads_by_state))
    ));
    text.push_str(&format!(
        "  attempts  {}{}\n",
        s.attempts,
        sep(&counts(&s.attempts_by_outcome))
    ));
    let rate = s
        .answer_rate
        .map(|r| format!(" ({:.1}%)", r * 100.0))
        .unwrap_or_default();
    text.push_str(&format!(
        "  answered  {} of {} calls placed{rate}\n",
        s.calls_answered, s.calls_placed
    ));
    text.push_str(&format!(
        "  avg ring  {}   avg talk  {}\n",
        secs(s.avg_ring_secs),
        secs(s.avg_talk_secs)
    ));
    text.push_str(&format!(
        "  today     {} attempts (since midnight {})\n",
        s.attempts_today, record.settings.timezone
    ));
    text
}

fn sep(list: &str) -> String {
    if list.is_empty() {
        String::new()
    } else {
        format!(": {list}")
    }
}
