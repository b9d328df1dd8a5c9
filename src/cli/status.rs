//! `switchboard status [--campaign ID] [--json]`: leads by state, progress, attempts by
//! outcome (and those still in flight), answer rate, average ring and talk time (from
//! the attempts' own timestamps), the attempts of the campaign's local day, and each
//! caller ID of its pool with its calls today, its answer rate over its last 50 calls
//! and whether it is resting.

use super::engine_access;
use super::Context;
use crate::domain::figures::Progress;
use crate::domain::CampaignId;
use crate::engine::EngineError;
use crate::service::api::StatsOut;
use crate::service::protocol::{Answer, Query};
use crate::store::caller_ids::CallerIdHealth;
use crate::store::reports::{CampaignStats, StatusReport};
use crate::store::CampaignRecord;
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
    // The running engine answers when there is one; else one held for this command.
    let all = match engine_access::writer(ctx)
        .await?
        .query(Query::Status { campaign: only })
        .await
    {
        Ok(Answer::Status(all)) => all,
        Ok(other) => bail!("the engine answered a status query with {other:?}"),
        Err(EngineError::NotFound { what }) => not_found(&what)?,
        Err(err) => return Err(err.into()),
    };
    let all: Vec<(CampaignRecord, CampaignStats, Vec<CallerIdHealth>)> = all
        .into_iter()
        .map(|r| (r.record, r.stats, r.caller_ids))
        .collect();
    let mut out = std::io::stdout().lock();
    if args.json {
        let json: Vec<_> = all
            .iter()
            .map(|(r, s, pool)| {
                // camelCase throughout, as the API's `/stats` (the same `stats` object).
                serde_json::json!({
                    "id": r.id, "name": r.settings.name, "status": r.status,
                    "pauseReason": r.pause_reason.as_ref().map(|p| p.to_string()),
                    "timezone": r.settings.timezone,
                    "stats": StatsOut::new(r.id, s.clone()),
                    "callerIds": pool,
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
    for (record, stats, pool) in &all {
        write!(out, "{}", render(record, stats))?;
        write!(out, "{}", render_pool(pool))?;
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
    let next = crate::domain::figures::NextDue::of(
        record.status,
        record.pause_reason.as_ref(),
        s.next_retry_at,
    );
    if let Some(next) = next {
        text.push_str(&format!(
            "  waiting   {}\n",
            next.describe(chrono::Utc::now())
        ));
    }
    text.push_str(&format!(
        "  leads     {}{}\n",
        s.leads,
        sep(&counts(&s.leads_by_state))
    ));
    text.push_str(&format!("  progress  {}\n", progress(&s.progress)));
    let in_flight = match s.attempts_in_flight {
        0 => String::new(),
        n => format!(" ({n} in flight)"),
    };
    text.push_str(&format!(
        "  attempts  {}{in_flight}{}\n",
        s.attempts,
        sep(&counts(&s.attempts_by_outcome))
    ));
    let rate = s
        .answer_rate
        .map(|r| format!(" ({:.1}%)", r * 100.0))
        .unwrap_or_default();
    text.push_str(&format!(
        // Says what the rate counts (`domain::figures::AnswerRate`).
        "  answered  {} of {} calls{rate}: a person picked up (calls never placed, canceled or cut off not counted)\n",
        s.calls_answered, s.calls_decided
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
    if s.agent_join_p50_ms.is_some() {
        let shown = |ms: Option<u64>| {
            ms.map(|ms| format!("{:.1} s", ms as f64 / 1000.0))
                .unwrap_or_else(|| "-".into())
        };
        text.push_str(&format!(
            "  agent     joins p50 {}  p95 {} after the answer\n",
            shown(s.agent_join_p50_ms),
            shown(s.agent_join_p95_ms)
        ));
    }
    if let Some(report) = &s.variants {
        text.push_str(&super::variant_table::render(report));
    }
    text
}

/// "48 of 200 leads (24.0%)", with DNC and invalid leads named apart.
fn progress(p: &Progress) -> String {
    let mut text = format!("{} of {} leads", p.finished, p.callable);
    if let Some(ratio) = p.ratio() {
        text.push_str(&format!(" ({:.1}%)", ratio * 100.0));
    }
    let apart: Vec<String> = [(p.dnc, "on the DNC list"), (p.invalid, "invalid")]
        .into_iter()
        .filter(|(n, _)| *n > 0)
        .map(|(n, what)| format!("{n} {what}"))
        .collect();
    if !apart.is_empty() {
        text.push_str(&format!("; {} not called", apart.join(", ")));
    }
    text
}

/// One line per caller ID: `+12125550100  41 today (cap 200)  answered 38% (19/50)  resting until ...`.
fn render_pool(pool: &[CallerIdHealth]) -> String {
    let mut text = String::new();
    for (i, number) in pool.iter().enumerate() {
        let label = if i == 0 { "caller id" } else { "" };
        let cap = number
            .cap
            .map(|c| format!(" (cap {c})"))
            .unwrap_or_default();
        text.push_str(&format!(
            "  {label:<9} {}  {} today{cap}  answered {} of last 50",
            number.number,
            number.calls_today,
            number.health()
        ));
        if let Some(until) = number.resting_until {
            text.push_str(&format!(
                "  resting until {}",
                until.format("%Y-%m-%d %H:%M UTC")
            ));
            if let Some(reason) = &number.rest_reason {
                text.push_str(&format!(": {reason}"));
            }
        }
        text.push('\n');
    }
    text
}

fn sep(list: &str) -> String {
    if list.is_empty() {
        String::new()
    } else {
        format!(": {list}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::store::reports::campaign_stats;
    use chrono::Utc;

    /// A draft of `leads` leads with the first `dnc` on the DNC list and `live`
    /// attempts answered and still talking.
    fn campaign(leads: usize, dnc: usize, live: usize) -> (CampaignRecord, CampaignStats) {
        use crate::store::{LeadRecord, NewCampaign, NewLead};
        let mut conn = rusqlite::Connection::open_in_memory().unwrap();
        crate::store::migrate_to(&mut conn, crate::store::LATEST_VERSION).unwrap();
        let settings = crate::domain::CampaignSettings {
            name: "t".into(),
            agent_name: "a".into(),
            trunk_id: "ST_1".into(),
            ..Default::default()
        };
        let now = Utc::now();
        let record = CampaignRecord::insert(&conn, &NewCampaign { settings, now }).unwrap();
        for i in 0..leads {
            let lead = NewLead {
                phone: format!("+1555{i:07}"),
                ..Default::default()
            };
            LeadRecord::insert(&conn, record, &lead, now).unwrap();
        }
        conn.execute(
            "UPDATE leads SET state = 'dnc' WHERE id <= ?1",
            [dnc as i64],
        )
        .unwrap();
        for i in 0..live as i64 {
            conn.execute(
                "INSERT INTO attempts (campaign_id, lead_id, number, phone, state, room, created_at, dialed_at, answered_at)
                 VALUES (?1, ?2, 1, '+1', 'answered', 'r' || ?2, 0, 1000, 4000)",
                rusqlite::params![record.0, leads as i64 - i],
            )
            .unwrap();
            conn.execute(
                "UPDATE leads SET state = 'dialing' WHERE id = ?1",
                [leads as i64 - i],
            )
            .unwrap();
        }
        let stats = campaign_stats(&conn, record, 0).unwrap();
        (CampaignRecord::get(&conn, record).unwrap(), stats)
    }

    #[test]
    fn calls_in_flight_are_not_outcomes() {
        // Two calls answered and still talking: not "attempts 2: answered 2" beside
        // "answered 0 of 0".
        let (record, stats) = campaign(2, 0, 2);
        let text = render(&record, &stats);
        assert!(text.contains("  attempts  2 (2 in flight)\n"), "{text}");
        assert!(
            text.contains("  answered  0 of 0 calls: a person picked up"),
            "{text}"
        );
        assert!(text.contains("  progress  0 of 2 leads (0.0%)\n"), "{text}");
    }

    #[test]
    fn dnc_leads_are_shown_apart_from_progress() {
        // A draft of four leads, three on the DNC list: nothing called, not 75%.
        let (record, stats) = campaign(4, 3, 0);
        assert_eq!(stats.progress.ratio(), Some(0.0));
        let text = render(&record, &stats);
        assert!(
            text.contains("  progress  0 of 1 leads (0.0%); 3 on the DNC list not called\n"),
            "{text}"
        );
    }

    #[test]
    fn each_caller_id_shows_its_use_rate_and_rest() {
        let pool = [
            CallerIdHealth {
                number: "+12125550100".into(),
                calls_today: 41,
                cap: Some(200),
                answered: 19,
                calls: 50,
                resting_until: None,
                rest_reason: None,
            },
            CallerIdHealth {
                number: "+13125550100".into(),
                calls_today: 12,
                cap: Some(200),
                answered: 0,
                calls: 12,
                resting_until: Some(
                    chrono::TimeZone::with_ymd_and_hms(&Utc, 2026, 6, 2, 4, 0, 0).unwrap(),
                ),
                rest_reason: Some("answer rate 0% (0/12) ...".into()),
            },
        ];
        let text = render_pool(&pool);
        assert_eq!(
            text,
            "  caller id +12125550100  41 today (cap 200)  answered 38% (19/50) of last 50\n\
             \x20           +13125550100  12 today (cap 200)  answered 0% (0/12) of last 50  resting until 2026-06-02 04:00 UTC: answer rate 0% (0/12) ...\n"
        );
        assert_eq!(render_pool(&[]), "");
    }

    #[test]
    fn a_campaign_waiting_for_a_retry_says_when() {
        let (mut record, mut stats) = campaign(1, 0, 0);
        record.status = crate::domain::CampaignStatus::Running;
        record.pause_reason = None;
        stats.next_retry_at = Some(chrono::Utc::now() + chrono::Duration::minutes(90));
        let text = render(&record, &stats);
        assert!(text.contains("  waiting   next retry "), "{text}");
        assert!(
            text.contains("(in 1h 29m)") || text.contains("(in 1h 30m)"),
            "{text}"
        );
    }
}
